/* hubagent backfill against the mock, as a user runs it: every month of every
 * scope runs exactly once (asserted from the mock's own run records), prices
 * before costs, resumes after kill -9 at random points, rides out 429 storms,
 * retries a failed run, records DataNotAvailable, and a dry run changes nothing. */
#include "hub_check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#define EA            "/providers/Microsoft.Billing/billingAccounts/8611537"
#define SUBSCRIPTIONS 5
#define MONTHS        13

static hub_fixture hub;
static char *settings_path; /* EA + SUBSCRIPTIONS subscriptions */
static char state_path[600];
static int generation;
static char scopes[SUBSCRIPTIONS + 1][128];

static char *write_settings(void)
{
    snprintf(scopes[0], sizeof scopes[0], "%s", EA);
    for (int i = 0; i < SUBSCRIPTIONS; i++)
        hub_subscription(i, scopes[i + 1], sizeof scopes[0]);
    char retention[64];
    snprintf(retention, sizeof retention, "{\"ingestion\":{\"months\":%d}}", MONTHS);
    return hub_write_settings(&hub, "settings.json", scopes, SUBSCRIPTIONS + 1, retention);
}

typedef struct command {
    char *argv[32];
    hub_env env;
} command;

/* hubagent backfill with the mock's endpoints, short polls and the test's state. */
static void command_init(command *c, const char *const *args)
{
    hub_env_init(&c->env, &hub, settings_path, state_path);
    hub_env_set(&c->env, "HUBAGENT_CM_CALLS_PER_MINUTE=600");
    const char *all[32] = {"backfill"};
    for (size_t i = 0; args[i] != NULL && i < 30; i++)
        all[i + 1] = args[i];
    test_hubagent_argv(all, c->argv);
}

static void command_dispose(command *c)
{
    test_hubagent_argv_free(c->argv);
}

static test_run_result backfill(const char *const *args)
{
    command c;
    command_init(&c, args);
    test_run_result r = {0};
    r.code = test_run_command(c.argv, c.env.vars, NULL, &r.out, &r.err);
    command_dispose(&c);
    return r;
}

static void expect_code(test_run_result *r, int code)
{
    assert_true(test_run_expect(r, code));
}

static int expect_each_month_once(const char *scope, const char *name, int months)
{
    return hub_expect_each_month_once(&hub.mock, scope, name, months);
}

static json_t *mock_runs(const char *scope, const char *name)
{
    return hub_mock_runs(&hub.mock, scope, name);
}

static int group_setup(void **state)
{
    (void)state;
    hub_fixture_options options = hub_fixture_options_default();
    options.base_config = "agent/mock-hub.json";
    options.azurite = false;
    options.subscriptions = SUBSCRIPTIONS;
    if (hub_fixture_start(&options, &hub) != 0)
        return -1;
    settings_path = write_settings();
    return settings_path ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(settings_path);
    return hub_fixture_stop(&hub);
}

static int reset_mock(void **state)
{
    (void)state;
    generation++;
    snprintf(state_path, sizeof state_path, "%s/state-%d.db", hub.dir, generation);
    admin_send(&hub.mock, "POST", "/admin/reset", "{}");
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":200,\"outcome\":\"Completed\"}");
    admin_send(&hub.mock, "DELETE", "/admin/requests", NULL);
    return 0;
}

static const char *const costs_args[] = {"--dataset", "costs", "--progress", "json", NULL};

static void expect_costs_complete(void)
{
    for (int s = 0; s <= SUBSCRIPTIONS; s++)
        expect_each_month_once(scopes[s], "demo-monthly-costdetails", MONTHS);
}

static void test_every_month_once(void **state)
{
    (void)state;
    test_run_result r = backfill(costs_args);
    expect_code(&r, 0);
    char line[200];
    snprintf(line, sizeof line, "%d runs: %d completed, 0 no data, 0 failed, 0 unfinished",
             (SUBSCRIPTIONS + 1) * MONTHS, (SUBSCRIPTIONS + 1) * MONTHS);
    assert_non_null(strstr(r.out, line));
    /* Non-TTY progress: JSON lines on stderr, the last one final. */
    assert_non_null(strstr(r.err, "{\"event\":\"backfill.done\""));
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), (SUBSCRIPTIONS + 1) * MONTHS);
    expect_costs_complete();

    /* The same command again: nothing runs twice. */
    r = backfill(costs_args);
    expect_code(&r, 0);
    snprintf(line, sizeof line, "nothing new to add, 0 joined an unfinished job, %d already done",
             (SUBSCRIPTIONS + 1) * MONTHS);
    assert_non_null(strstr(r.out, line));
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), (SUBSCRIPTIONS + 1) * MONTHS);
}

static void test_prices_before_costs_and_reservations(void **state)
{
    (void)state;
    const char *args[] = {"--scope", EA, "--months", "3", "--progress", "none", NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 0);
    /* EA: price sheet, costs, reservation details and transactions. */
    assert_non_null(strstr(r.out, "12 runs: 12 completed"));
    test_run_result_dispose(&r);
    expect_each_month_once(EA, "demo-monthly-pricesheet", 3);
    expect_each_month_once(EA, "demo-monthly-costdetails", 3);
    expect_each_month_once(EA, "demo-daily-reservationdetails", 3);
    expect_each_month_once(EA, "demo-daily-reservationtransactions", 3);
    /* Each month's costs were asked for only after its price sheet ended: the
     * state records both. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(state_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM backfill_items c JOIN backfill_items p ON "
                           "p.month = c.month AND p.scope = c.scope WHERE c.dataset = 'costs' "
                           "AND p.dataset = 'prices' AND p.state = 'completed' "
                           "AND c.state = 'completed' AND c.triggered_at >= p.finished_at",
                           -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 3);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void test_dry_run_changes_nothing(void **state)
{
    (void)state;
    const char *args[] = {"--dry-run", "--months", "2", NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "dry run, nothing changed"));
    /* EA: 4 datasets, each subscription: costs; newest month first. */
    char line[64];
    snprintf(line, sizeof line, "%d runs", 2 * (4 + SUBSCRIPTIONS));
    assert_non_null(strstr(r.out, line));
    char newest[16], oldest[16];
    hub_month_back(1, newest, sizeof newest);
    hub_month_back(2, oldest, sizeof oldest);
    const char *body = strchr(r.out, '\n');
    assert_non_null(body);
    const char *newest_line = strstr(body, newest), *oldest_line = strstr(body, oldest);
    assert_non_null(newest_line);
    assert_non_null(oldest_line);
    assert_true(newest_line < oldest_line);
    /* Within the month: the price sheet before costs. */
    assert_true(strstr(newest_line, "prices") < strstr(newest_line, "costs"));
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 0);
    assert_int_equal(admin_count(&hub.mock, "exports.put"), 0);
    struct stat info;
    assert_int_not_equal(stat(state_path, &info), 0);
}

static void test_data_not_available_is_recorded(void **state)
{
    (void)state;
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":100,\"outcome\":\"DataNotAvailable\"}");
    const char *args[] = {"--scope", scopes[1], "--progress", "none", NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "13 runs: 0 completed, 13 no data, 0 failed"));
    test_run_result_dispose(&r);
    /* Not retried: one run per month. */
    assert_int_equal(admin_count(&hub.mock, "exports.run"), MONTHS);
}

static void test_failed_run_retried(void **state)
{
    (void)state;
    /* The first two runs fail; their months are run again and complete. */
    admin_send(&hub.mock, "PUT", "/admin/faults",
               "[{\"route\":\"exports.run\",\"sequence\":[{\"run_status\":\"Failed\"},"
               "{\"run_status\":\"Failed\"}]}]");
    const char *args[] = {"--scope", scopes[2], "--progress", "none", NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "13 runs: 13 completed"));
    assert_non_null(strstr(r.err, "ended Failed"));
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), MONTHS + 2);
    assert_int_equal(expect_each_month_once(scopes[2], "demo-monthly-costdetails", MONTHS), 2);
}

static void test_bounded_failures_name_the_months(void **state)
{
    (void)state;
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":50,\"in_progress_ms\":50,\"outcome\":\"Failed\"}");
    const char *args[] = {"--scope", scopes[3],    "--months", "2", "--max-failures",
                          "2",       "--progress", "none",     NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 3);
    assert_non_null(strstr(r.out, "2 runs: 0 completed, 0 no data, 2 failed"));
    char month[16], line[300];
    for (int back = 1; back <= 2; back++) {
        hub_month_back(back, month, sizeof month);
        snprintf(line, sizeof line, "backfill failed: %s costs %s: run ", scopes[3], month);
        assert_non_null(strstr(r.err, line));
    }
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 4);

    /* Running it again retries the failed months (now that runs succeed). */
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":50,\"in_progress_ms\":50,\"outcome\":\"Completed\"}");
    r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "2 runs added"));
    test_run_result_dispose(&r);
    assert_int_equal(expect_each_month_once(scopes[3], "demo-monthly-costdetails", 2), 4);
}

static void test_429_storm(void **state)
{
    (void)state;
    /* A tight budget per scope, far below what the agent assumes, so the
     * mock's own buckets answer 429 with their retry-after... */
    admin_send(&hub.mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":3,"
               "\"refill_per_second\":2}}");
    /* ...and a storm of 429s on run calls that outlasts one call's retries. */
    admin_send(&hub.mock, "PUT", "/admin/faults",
               "[{\"route\":\"exports.run\",\"sequence\":["
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1}]}]");
    const char *args[] = {"--scope",   scopes[4], "--scope",    scopes[5], "--months", "4",
                          "--dataset", "costs",   "--progress", "none",    NULL};
    test_run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "8 runs: 8 completed, 0 no data, 0 failed, 0 unfinished"));
    test_run_result_dispose(&r);
    expect_each_month_once(scopes[4], "demo-monthly-costdetails", 4);
    expect_each_month_once(scopes[5], "demo-monthly-costdetails", 4);
    /* Throttled calls were tried again, and 429s came from the budget too. */
    assert_true(admin_count(&hub.mock, "exports.run") >= 8 + 7);
    char url[600];
    snprintf(url, sizeof url, "%s/admin/requests", hub.mock.admin);
    http_result log;
    http_call("GET", url, NULL, NULL, NULL, &log);
    size_t i, throttled = 0;
    json_t *request;
    json_array_foreach(json_object_get(log.json, "requests"), i, request)
    {
        throttled += json_integer_value(json_object_get(request, "status")) == 429;
    }
    http_result_dispose(&log);
    if (throttled <= 7)
        fprintf(stderr, "429 replies: %zu\n", throttled);
    assert_true(throttled > 7);
}

/* Kills a backfill with SIGKILL `after_ms` after it starts. */
static void kill_after(int after_ms)
{
    command c;
    command_init(&c, costs_args);
    test_process process;
    assert_int_equal(test_process_start(c.argv, c.env.vars, &process), 0);
    struct timespec pause = {after_ms / 1000, (long)(after_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    kill(process.pid, SIGKILL);
    test_process_stop(&process);
    test_process_dispose(&process);
    command_dispose(&c);
}

static void test_kill_9_then_resume(void **state)
{
    (void)state;
    unsigned seed = 20261125;
    for (int trial = 0; trial < 3; trial++) {
        if (trial > 0)
            reset_mock(NULL);
        admin_send(&hub.mock, "PUT", "/admin/runs",
                   "{\"queued_ms\":200,\"in_progress_ms\":600,\"outcome\":\"Completed\"}");
        /* Two kills at random moments, then a run to the end. */
        kill_after(300 + (int)(rand_r(&seed) % 2500));
        kill_after(100 + (int)(rand_r(&seed) % 1500));
        test_run_result r = backfill(costs_args);
        expect_code(&r, 0);
        assert_non_null(strstr(r.out, "0 failed, 0 unfinished"));
        test_run_result_dispose(&r);
        expect_costs_complete();
        /* No run was made twice: one run call accepted per month. */
        int runs = 0;
        for (int s = 0; s <= SUBSCRIPTIONS; s++) {
            json_t *list = mock_runs(scopes[s], "demo-monthly-costdetails");
            runs += (int)json_array_size(list);
            json_decref(list);
        }
        assert_int_equal(runs, (SUBSCRIPTIONS + 1) * MONTHS);
    }
}

static void test_overlapping_backfill_joins(void **state)
{
    (void)state;
    /* Long runs: when the first backfill is killed its months are in flight. */
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":500,\"in_progress_ms\":3000,\"outcome\":\"Completed\"}");
    const char *first[] = {"--scope", scopes[1], "--months", "3", "--progress", "none", NULL};
    command c;
    command_init(&c, first);
    test_process process;
    assert_int_equal(test_process_start(c.argv, c.env.vars, &process), 0);
    struct timespec pause = {2, 0};
    nanosleep(&pause, NULL);
    kill(process.pid, SIGKILL);
    test_process_stop(&process);
    test_process_dispose(&process);
    command_dispose(&c);
    /* A wider backfill of the same scope: the open months join, the rest are added. */
    const char *wider[] = {"--scope", scopes[1], "--months", "5", "--progress", "none", NULL};
    test_run_result r = backfill(wider);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "2 runs added, 3 joined an unfinished job"));
    assert_non_null(strstr(r.out, "5 runs: 5 completed"));
    test_run_result_dispose(&r);
    expect_each_month_once(scopes[1], "demo-monthly-costdetails", 5);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_dry_run_changes_nothing, reset_mock),
        cmocka_unit_test_setup(test_every_month_once, reset_mock),
        cmocka_unit_test_setup(test_prices_before_costs_and_reservations, reset_mock),
        cmocka_unit_test_setup(test_data_not_available_is_recorded, reset_mock),
        cmocka_unit_test_setup(test_failed_run_retried, reset_mock),
        cmocka_unit_test_setup(test_bounded_failures_name_the_months, reset_mock),
        cmocka_unit_test_setup(test_429_storm, reset_mock),
        cmocka_unit_test_setup(test_kill_9_then_resume, reset_mock),
        cmocka_unit_test_setup(test_overlapping_backfill_joins, reset_mock),
    };
    /* HUBAGENT_TEST_FILTER=test_429* runs some of them (when debugging). */
    if (getenv("HUBAGENT_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("HUBAGENT_TEST_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
