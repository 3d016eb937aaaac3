/* The scheduled agent (`hubagent run`) backfills a scope added to the settings
 * by itself: the months before the one its scheduled run covers, each once,
 * between ticks; a SIGTERM while Cost Management throttles it ends the agent at
 * once, and the next start finishes the job without running a month twice. */
#include "hub_check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#define BACKFILL_MONTHS 3
#define SUBSCRIPTIONS   3
#define MONTHLY_COSTS   "demo-monthly-costdetails"

static hub_fixture hub;
static char scopes[SUBSCRIPTIONS][128];
static char *settings_path;
static char state_path[600];
static test_process agent = {.pid = -1};

/* The settings with the first `count` subscriptions, written then renamed into
 * place as a deployment would. */
static void write_scopes(size_t count)
{
    char retention[64];
    snprintf(retention, sizeof retention, "{\"ingestion\":{\"months\":%d}}", BACKFILL_MONTHS);
    char *written = hub_write_settings(&hub, "settings.json.new", scopes, count, retention);
    assert_non_null(written);
    assert_int_equal(rename(written, settings_path), 0);
    free(written);
}

static void start_agent(void)
{
    hub_env env;
    hub_env_init(&env, &hub, settings_path, state_path);
    hub_env_set(&env, "HUBAGENT_SETTINGS_INTERVAL=1");
    hub_env_set(&env, "HUBAGENT_LOG_FORMAT=json");
    char *argv[32];
    const char *args[] = {"run", NULL};
    test_hubagent_argv(args, argv);
    int started = test_process_start(argv, env.vars, &agent);
    test_hubagent_argv_free(argv);
    assert_int_equal(started, 0);
}

/* Stops the agent with SIGTERM; asserts it exits 0 within 5 s. */
static void stop_agent(void)
{
    time_t asked = time(NULL);
    int status = test_process_stop(&agent);
    assert_true(time(NULL) - asked <= 5);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0) {
        char *log = test_read_file(agent.stderr_path, NULL);
        fprintf(stderr, "agent log:\n%s\n", log ? log : "");
        free(log);
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void pause_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* Months (of the last BACKFILL_MONTHS) whose monthly cost export has completed. */
static int months_completed(const char *scope)
{
    json_t *runs = hub_mock_runs(&hub.mock, scope, MONTHLY_COSTS);
    int done = 0;
    for (int back = 1; back <= BACKFILL_MONTHS; back++) {
        char month[16];
        hub_month_back(back, month, sizeof month);
        size_t i;
        json_t *run;
        bool completed = false;
        json_array_foreach(runs, i, run)
        {
            const char *from = json_string_value(json_object_get(run, "from"));
            const char *status = json_string_value(json_object_get(run, "status"));
            completed = completed || (from != NULL && strncmp(from, month, 7) == 0 &&
                                      status != NULL && strcmp(status, "Completed") == 0);
        }
        done += completed;
    }
    json_decref(runs);
    return done;
}

static void wait_months_completed(const char *scope)
{
    for (int i = 0; i < 300 && months_completed(scope) < BACKFILL_MONTHS; i++)
        pause_ms(100);
    assert_int_equal(months_completed(scope), BACKFILL_MONTHS);
}

static void wait_count(const char *route, int want)
{
    for (int i = 0; i < 300 && admin_count(&hub.mock, route) < want; i++)
        pause_ms(100);
    assert_true(admin_count(&hub.mock, route) >= want);
}

/* Backfill jobs `status` shows completed with all their runs; prints status when asked. */
static int completed_jobs(bool show)
{
    hub_env env;
    hub_env_init(&env, &hub, settings_path, state_path);
    const char *status[] = {"status", NULL};
    test_run_result r = test_hubagent_run(status, env.vars);
    int jobs = 0;
    char want[64];
    snprintf(want, sizeof want, " runs: %d completed,", BACKFILL_MONTHS - 1);
    for (const char *at = r.out; r.code == 0 && (at = strstr(at, "(completed): ")) != NULL; at++)
        jobs += strstr(at, want) != NULL && strstr(at, want) < strchr(at, '\n');
    if (show)
        fprintf(stderr, "status (exit %d):\n%s\n%s\n", r.code, r.out, r.err);
    test_run_result_dispose(&r);
    return jobs;
}

static void test_added_scope_is_backfilled(void **state)
{
    (void)state;
    write_scopes(1);
    start_agent();
    /* First start: the scheduled runs only (daily and monthly); the scopes of a
     * first start are noted, not backfilled (`backfill-new-scopes` = added). */
    wait_count("exports.run", 2);
    pause_ms(2500);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 2);

    /* A scope added: its exports, its scheduled runs (last month by the monthly
     * one), then the two months before, each once. */
    write_scopes(2);
    wait_months_completed(scopes[1]);
    hub_expect_each_month_once(&hub.mock, scopes[1], MONTHLY_COSTS, BACKFILL_MONTHS);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 2 + 2 + (BACKFILL_MONTHS - 1));
    /* The first scope was not backfilled. */
    json_t *runs = hub_mock_runs(&hub.mock, scopes[0], MONTHLY_COSTS);
    assert_int_equal(json_array_size(runs), 1);
    json_decref(runs);

    /* Another scope while Cost Management allows next to nothing: the agent
     * waits on its budget, and SIGTERM still ends it at once. */
    admin_send(&hub.mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":2,"
               "\"refill_per_second\":0.02}}");
    write_scopes(3);
    pause_ms(3500);
    stop_agent();
    char *log = test_read_file(agent.stderr_path, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "\"message\":\"backfill: 1 scope added to the settings"));
    assert_null(strstr(log, T_SP_SECRET));
    free(log);
    test_process_dispose(&agent);

    /* The next start, with the budget back, finishes the job: each month once. */
    admin_send(&hub.mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":100,"
               "\"refill_per_second\":0.33}}");
    start_agent();
    wait_months_completed(scopes[2]);
    hub_expect_each_month_once(&hub.mock, scopes[2], MONTHLY_COSTS, BACKFILL_MONTHS);
    runs = hub_mock_runs(&hub.mock, scopes[2], MONTHLY_COSTS);
    assert_int_equal(json_array_size(runs), BACKFILL_MONTHS);
    json_decref(runs);
    /* The agent records each completion at its next run-history poll: both jobs end
     * completed in the state (status reads it beside the running agent). */
    int jobs = 0;
    for (int i = 0; i < 300 && (jobs = completed_jobs(false)) < 2; i++)
        pause_ms(100);
    stop_agent();
    test_process_dispose(&agent);
    if (jobs != 2)
        completed_jobs(true);
    assert_int_equal(jobs, 2);
}

static int setup(void **state)
{
    (void)state;
    hub_fixture_options options = hub_fixture_options_default();
    options.base_config = "agent/mock-hub.json";
    options.azurite = false;
    options.subscriptions = SUBSCRIPTIONS;
    options.queued_ms = 100;
    options.in_progress_ms = 200;
    if (hub_fixture_start(&options, &hub) != 0)
        return -1;
    for (int i = 0; i < SUBSCRIPTIONS; i++)
        hub_subscription(i, scopes[i], sizeof scopes[i]);
    settings_path = malloc(600);
    snprintf(settings_path, 600, "%s/settings.json", hub.dir);
    snprintf(state_path, sizeof state_path, "%s/state.db", hub.dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_process_dispose(&agent); /* nothing left running, even after a failed assertion */
    free(settings_path);
    return hub_fixture_stop(&hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_added_scope_is_backfilled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
