/* hubagent backfill against the mock, as a user runs it: every month of every
 * scope runs exactly once (asserted from the mock's own run records), prices
 * before costs, resumes after kill -9 at random points, rides out 429 storms,
 * retries a failed run, records DataNotAvailable, and a dry run changes nothing. */
#include "../mock-server/mock_client.h"
#include "mock_fixture.h"
#include "test_util.h"

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

static mock_fixture mock;
static char *work_dir;
static char *settings_path; /* EA + SUBSCRIPTIONS subscriptions */
static char state_path[600];
static int generation;
static char scopes[SUBSCRIPTIONS + 1][128];

/* The mock's hub configuration plus subscriptions of their own (no billing
 * account, so none is inside another scope). */
static char *write_mock_config(void)
{
    char *base = test_data_path("agent/mock-hub.json");
    json_error_t error;
    json_t *config = json_load_file(base, 0, &error);
    free(base);
    assert_non_null(config);
    json_t *principal = json_array_get(json_object_get(config, "principals"), 0);
    json_object_del(principal, "certificates"); /* a path relative to the original file */
    json_t *subscriptions = json_object_get(config, "subscriptions");
    for (int i = 0; i < SUBSCRIPTIONS; i++) {
        char id[64];
        snprintf(id, sizeof id, "00000000-0000-0000-0000-0000000001%02d", i);
        json_array_append_new(subscriptions, json_pack("{s:s, s:s, s:s}", "id", id, "display_name",
                                                       "backfill", "management_group", "mg-root"));
    }
    char *path = malloc(600);
    snprintf(path, 600, "%s/mock-backfill.json", work_dir);
    assert_int_equal(json_dump_file(config, path, JSON_INDENT(1)), 0);
    json_decref(config);
    return path;
}

static char *write_settings(void)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"scopes\":[{\"scope\":\"" EA "\"}");
    snprintf(scopes[0], sizeof scopes[0], "%s", EA);
    for (int i = 0; i < SUBSCRIPTIONS; i++) {
        snprintf(scopes[i + 1], sizeof scopes[0],
                 "/subscriptions/00000000-0000-0000-0000-0000000001%02d", i);
        used +=
            (size_t)snprintf(text + used, sizeof text - used, ",{\"scope\":\"%s\"}", scopes[i + 1]);
    }
    snprintf(text + used, sizeof text - used, "],\"retention\":{\"ingestion\":{\"months\":%d}}}",
             MONTHS);
    char *path = malloc(600);
    snprintf(path, 600, "%s/settings.json", work_dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

typedef struct run_result {
    int code;
    char *out;
    char *err;
} run_result;

static void run_result_dispose(run_result *r)
{
    free(r->out);
    free(r->err);
}

typedef struct command {
    char *argv[24];
    char *env[16];
    char storage[8][700];
} command;

/* hubagent backfill with the mock's endpoints, short polls and the test's state. */
static void command_init(command *c, const char *const *args)
{
    memset(c, 0, sizeof *c);
    snprintf(c->storage[0], sizeof c->storage[0], "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(c->storage[1], sizeof c->storage[1], "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(c->storage[2], sizeof c->storage[2], "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(c->storage[3], sizeof c->storage[3], "HUBAGENT_SETTINGS=%s", settings_path);
    snprintf(c->storage[4], sizeof c->storage[4], "HUBAGENT_STATE=%s", state_path);
    const char *fixed[] = {"AZURE_TENANT_ID=" T_TENANT,
                           "AZURE_CLIENT_ID=" T_SP,
                           "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                           "HUBAGENT_HUB_NAME=Demo",
                           "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                           "HUBAGENT_POLL_INTERVAL=1",
                           "HUBAGENT_CM_CALLS_PER_MINUTE=600"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        c->env[n++] = (char *)fixed[i];
    for (int i = 0; i < 5; i++)
        c->env[n++] = c->storage[i];
    c->env[n] = NULL;
    c->argv[0] = test_build_path("agent/hubagent");
    c->argv[1] = "backfill";
    n = 2;
    for (size_t i = 0; args[i] != NULL && n < 22; i++)
        c->argv[n++] = (char *)args[i];
    c->argv[n] = NULL;
}

static void command_dispose(command *c)
{
    free(c->argv[0]);
}

static run_result backfill(const char *const *args)
{
    command c;
    command_init(&c, args);
    run_result r = {0};
    r.code = test_run_command(c.argv, c.env, NULL, &r.out, &r.err);
    command_dispose(&c);
    return r;
}

static void expect_code(run_result *r, int code)
{
    if (r->code != code)
        fprintf(stderr, "exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n", r->code, code, r->out,
                r->err);
    assert_int_equal(r->code, code);
}

/* "YYYY-MM" of the month `back` months before the current one. */
static void month_back(int back, char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int index = (tm.tm_year + 1900) * 12 + tm.tm_mon - back;
    snprintf(out, size, "%04d-%02d", index / 12, index % 12 + 1);
}

/* The mock's record of one export's runs. */
static json_t *mock_runs(const char *scope, const char *name)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/exports", mock.admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *runs = NULL;
    size_t i;
    json_t *export_;
    json_array_foreach(json_object_get(r.json, "value"), i, export_)
    {
        if (strcasecmp(json_string_value(json_object_get(export_, "scope")), scope) == 0 &&
            strcmp(json_string_value(json_object_get(export_, "name")), name) == 0)
            runs = json_incref(json_object_get(export_, "runs"));
    }
    http_result_dispose(&r);
    return runs ? runs : json_array();
}

/* Every one of the last `months` months ran exactly once without failing at
 * this export (failed runs may precede it), and no other month ran. Returns
 * the number of failed runs seen. */
static int expect_each_month_once(const char *scope, const char *name, int months)
{
    json_t *runs = mock_runs(scope, name);
    int failed = 0;
    for (int back = 1; back <= months; back++) {
        char month[16];
        month_back(back, month, sizeof month);
        int good = 0;
        size_t i;
        json_t *run;
        json_array_foreach(runs, i, run)
        {
            const char *from = json_string_value(json_object_get(run, "from"));
            const char *status = json_string_value(json_object_get(run, "status"));
            if (from == NULL || strncmp(from, month, 7) != 0)
                continue;
            if (strcmp(status, "Failed") == 0 || strcmp(status, "Timeout") == 0)
                failed++;
            else
                good++;
        }
        if (good != 1)
            fprintf(stderr, "%s %s %s: %d good runs\n", scope, name, month, good);
        assert_int_equal(good, 1);
    }
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run)
    {
        char oldest[16];
        month_back(months, oldest, sizeof oldest);
        const char *from = json_string_value(json_object_get(run, "from"));
        assert_true(strncmp(from, oldest, 7) >= 0);
    }
    json_decref(runs);
    return failed;
}

static int group_setup(void **state)
{
    (void)state;
    work_dir = test_make_temp_dir();
    char *config = write_mock_config();
    settings_path = write_settings();
    int rc = mock_fixture_start(config, &mock);
    free(config);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    mock_fixture_stop(&mock);
    test_remove_tree(work_dir);
    free(work_dir);
    free(settings_path);
    return 0;
}

static int reset_mock(void **state)
{
    (void)state;
    generation++;
    snprintf(state_path, sizeof state_path, "%s/state-%d.db", work_dir, generation);
    admin_send(&mock, "POST", "/admin/reset", "{}");
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":200,\"outcome\":\"Completed\"}");
    admin_send(&mock, "DELETE", "/admin/requests", NULL);
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
    run_result r = backfill(costs_args);
    expect_code(&r, 0);
    char line[200];
    snprintf(line, sizeof line, "%d runs: %d completed, 0 no data, 0 failed, 0 unfinished",
             (SUBSCRIPTIONS + 1) * MONTHS, (SUBSCRIPTIONS + 1) * MONTHS);
    assert_non_null(strstr(r.out, line));
    /* Non-TTY progress: JSON lines on stderr, the last one final. */
    assert_non_null(strstr(r.err, "{\"event\":\"backfill.done\""));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), (SUBSCRIPTIONS + 1) * MONTHS);
    expect_costs_complete();

    /* The same command again: nothing runs twice. */
    r = backfill(costs_args);
    expect_code(&r, 0);
    snprintf(line, sizeof line, "nothing new to add, 0 joined an unfinished job, %d already done",
             (SUBSCRIPTIONS + 1) * MONTHS);
    assert_non_null(strstr(r.out, line));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), (SUBSCRIPTIONS + 1) * MONTHS);
}

static void test_prices_before_costs_and_reservations(void **state)
{
    (void)state;
    const char *args[] = {"--scope", EA, "--months", "3", "--progress", "none", NULL};
    run_result r = backfill(args);
    expect_code(&r, 0);
    /* EA: price sheet, costs, reservation details and transactions. */
    assert_non_null(strstr(r.out, "12 runs: 12 completed"));
    run_result_dispose(&r);
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
    run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "dry run, nothing changed"));
    /* EA: 4 datasets, each subscription: costs; newest month first. */
    char line[64];
    snprintf(line, sizeof line, "%d runs", 2 * (4 + SUBSCRIPTIONS));
    assert_non_null(strstr(r.out, line));
    char newest[16], oldest[16];
    month_back(1, newest, sizeof newest);
    month_back(2, oldest, sizeof oldest);
    const char *body = strchr(r.out, '\n');
    assert_non_null(body);
    const char *newest_line = strstr(body, newest), *oldest_line = strstr(body, oldest);
    assert_non_null(newest_line);
    assert_non_null(oldest_line);
    assert_true(newest_line < oldest_line);
    /* Within the month: the price sheet before costs. */
    assert_true(strstr(newest_line, "prices") < strstr(newest_line, "costs"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 0);
    assert_int_equal(admin_count(&mock, "exports.put"), 0);
    struct stat info;
    assert_int_not_equal(stat(state_path, &info), 0);
}

static void test_data_not_available_is_recorded(void **state)
{
    (void)state;
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":100,\"outcome\":\"DataNotAvailable\"}");
    const char *args[] = {"--scope", scopes[1], "--progress", "none", NULL};
    run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "13 runs: 0 completed, 13 no data, 0 failed"));
    run_result_dispose(&r);
    /* Not retried: one run per month. */
    assert_int_equal(admin_count(&mock, "exports.run"), MONTHS);
}

static void test_failed_run_retried(void **state)
{
    (void)state;
    /* The first two runs fail; their months are run again and complete. */
    admin_send(&mock, "PUT", "/admin/faults",
               "[{\"route\":\"exports.run\",\"sequence\":[{\"run_status\":\"Failed\"},"
               "{\"run_status\":\"Failed\"}]}]");
    const char *args[] = {"--scope", scopes[2], "--progress", "none", NULL};
    run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "13 runs: 13 completed"));
    assert_non_null(strstr(r.err, "ended Failed"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), MONTHS + 2);
    assert_int_equal(expect_each_month_once(scopes[2], "demo-monthly-costdetails", MONTHS), 2);
}

static void test_bounded_failures_name_the_months(void **state)
{
    (void)state;
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":50,\"in_progress_ms\":50,\"outcome\":\"Failed\"}");
    const char *args[] = {"--scope", scopes[3],    "--months", "2", "--max-failures",
                          "2",       "--progress", "none",     NULL};
    run_result r = backfill(args);
    expect_code(&r, 3);
    assert_non_null(strstr(r.out, "2 runs: 0 completed, 0 no data, 2 failed"));
    char month[16], line[300];
    for (int back = 1; back <= 2; back++) {
        month_back(back, month, sizeof month);
        snprintf(line, sizeof line, "backfill failed: %s costs %s: run ", scopes[3], month);
        assert_non_null(strstr(r.err, line));
    }
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 4);

    /* Running it again retries the failed months (now that runs succeed). */
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":50,\"in_progress_ms\":50,\"outcome\":\"Completed\"}");
    r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "2 runs added"));
    run_result_dispose(&r);
    assert_int_equal(expect_each_month_once(scopes[3], "demo-monthly-costdetails", 2), 4);
}

static void test_429_storm(void **state)
{
    (void)state;
    /* A tight budget per scope, far below what the agent assumes, so the
     * mock's own buckets answer 429 with their retry-after... */
    admin_send(&mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":3,"
               "\"refill_per_second\":2}}");
    /* ...and a storm of 429s on run calls that outlasts one call's retries. */
    admin_send(&mock, "PUT", "/admin/faults",
               "[{\"route\":\"exports.run\",\"sequence\":["
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1},{\"status\":429,\"retry_after\":1},"
               "{\"status\":429,\"retry_after\":1}]}]");
    const char *args[] = {"--scope",   scopes[4], "--scope",    scopes[5], "--months", "4",
                          "--dataset", "costs",   "--progress", "none",    NULL};
    run_result r = backfill(args);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "8 runs: 8 completed, 0 no data, 0 failed, 0 unfinished"));
    run_result_dispose(&r);
    expect_each_month_once(scopes[4], "demo-monthly-costdetails", 4);
    expect_each_month_once(scopes[5], "demo-monthly-costdetails", 4);
    /* Throttled calls were tried again, and 429s came from the budget too. */
    assert_true(admin_count(&mock, "exports.run") >= 8 + 7);
    char url[600];
    snprintf(url, sizeof url, "%s/admin/requests", mock.admin);
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
    assert_int_equal(test_process_start(c.argv, c.env, &process), 0);
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
        admin_send(&mock, "PUT", "/admin/runs",
                   "{\"queued_ms\":200,\"in_progress_ms\":600,\"outcome\":\"Completed\"}");
        /* Two kills at random moments, then a run to the end. */
        kill_after(300 + (int)(rand_r(&seed) % 2500));
        kill_after(100 + (int)(rand_r(&seed) % 1500));
        run_result r = backfill(costs_args);
        expect_code(&r, 0);
        assert_non_null(strstr(r.out, "0 failed, 0 unfinished"));
        run_result_dispose(&r);
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
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":500,\"in_progress_ms\":3000,\"outcome\":\"Completed\"}");
    const char *first[] = {"--scope", scopes[1], "--months", "3", "--progress", "none", NULL};
    command c;
    command_init(&c, first);
    test_process process;
    assert_int_equal(test_process_start(c.argv, c.env, &process), 0);
    struct timespec pause = {2, 0};
    nanosleep(&pause, NULL);
    kill(process.pid, SIGKILL);
    test_process_stop(&process);
    test_process_dispose(&process);
    command_dispose(&c);
    /* A wider backfill of the same scope: the open months join, the rest are added. */
    const char *wider[] = {"--scope", scopes[1], "--months", "5", "--progress", "none", NULL};
    run_result r = backfill(wider);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "2 runs added, 3 joined an unfinished job"));
    assert_non_null(strstr(r.out, "5 runs: 5 completed"));
    run_result_dispose(&r);
    expect_each_month_once(scopes[1], "demo-monthly-costdetails", 5);
    assert_int_equal(admin_count(&mock, "exports.run"), 5);
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
