/* The scheduled agent (`hubagent run`) backfills a scope added to the settings
 * by itself: the months before the one its scheduled run covers, each once,
 * between ticks; a SIGTERM while Cost Management throttles it ends the agent at
 * once, and the next start finishes the job without running a month twice. */
#include "backfill_fixture.h"
#include "test_util.h"

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
#define MONTHLY_COSTS   "demo-monthly-costdetails"

static test_process agent = {.pid = -1};

static void write_scopes(const char *const *ids)
{
    char text[2048];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"scopes\":[");
    for (size_t i = 0; ids[i] != NULL; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s{\"scope\":\"%s\"}",
                                 i ? "," : "", ids[i]);
    snprintf(text + used, sizeof text - used, "],\"retention\":{\"ingestion\":{\"months\":%d}}}",
             BACKFILL_MONTHS);
    /* Write then rename, as a deployment would. */
    char temporary[700];
    snprintf(temporary, sizeof temporary, "%s.new", settings_path);
    assert_int_equal(test_write_file(temporary, text, strlen(text)), 0);
    assert_int_equal(rename(temporary, settings_path), 0);
}

static void start_agent(void)
{
    const char *none[] = {NULL};
    command c;
    command_init(&c, "run", none);
    size_t n = 0;
    while (c.env[n] != NULL)
        n++;
    c.env[n++] = "HUBAGENT_SETTINGS_INTERVAL=1";
    c.env[n++] = "HUBAGENT_LOG_FORMAT=json";
    c.env[n] = NULL;
    int started = test_process_start(c.argv, c.env, &agent);
    command_dispose(&c);
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
    json_t *runs = mock_runs(scope, MONTHLY_COSTS);
    int done = 0;
    for (int back = 1; back <= BACKFILL_MONTHS; back++) {
        char month[16];
        month_back(back, month, sizeof month);
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
    for (int i = 0; i < 300 && admin_count(&mock, route) < want; i++)
        pause_ms(100);
    assert_true(admin_count(&mock, route) >= want);
}

static void test_added_scope_is_backfilled(void **state)
{
    (void)state;
    const char *first[] = {scopes[1], NULL};
    write_scopes(first);
    start_agent();
    /* First start: the scheduled runs only (daily and monthly); the scopes of a
     * first start are noted, not backfilled (`backfill-new-scopes` = added). */
    wait_count("exports.run", 2);
    pause_ms(2500);
    assert_int_equal(admin_count(&mock, "exports.run"), 2);

    /* A scope added: its exports, its scheduled runs (last month by the monthly
     * one), then the two months before, each once. */
    const char *grown[] = {scopes[1], scopes[2], NULL};
    write_scopes(grown);
    wait_months_completed(scopes[2]);
    expect_each_month_once(scopes[2], MONTHLY_COSTS, BACKFILL_MONTHS);
    assert_int_equal(admin_count(&mock, "exports.run"), 2 + 2 + (BACKFILL_MONTHS - 1));
    /* The first scope was not backfilled. */
    json_t *runs = mock_runs(scopes[1], MONTHLY_COSTS);
    assert_int_equal(json_array_size(runs), 1);
    json_decref(runs);

    /* Another scope while Cost Management allows next to nothing: the agent
     * waits on its budget, and SIGTERM still ends it at once. */
    admin_send(&mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":2,"
               "\"refill_per_second\":0.02}}");
    const char *more[] = {scopes[1], scopes[2], scopes[3], NULL};
    write_scopes(more);
    pause_ms(3500);
    stop_agent();
    char *log = test_read_file(agent.stderr_path, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "\"message\":\"backfill: 1 scope added to the settings"));
    assert_null(strstr(log, T_SP_SECRET));
    free(log);
    test_process_dispose(&agent);

    /* The next start, with the budget back, finishes the job: each month once. */
    admin_send(&mock, "PUT", "/admin/throttling",
               "{\"enabled\":true,\"scope_client\":{\"capacity\":100,"
               "\"refill_per_second\":0.33}}");
    start_agent();
    wait_months_completed(scopes[3]);
    expect_each_month_once(scopes[3], MONTHLY_COSTS, BACKFILL_MONTHS);
    runs = mock_runs(scopes[3], MONTHLY_COSTS);
    assert_int_equal(json_array_size(runs), BACKFILL_MONTHS);
    json_decref(runs);
    pause_ms(1500); /* the run history poll records the last completion */
    stop_agent();
    test_process_dispose(&agent);

    /* Both jobs are done in the state. */
    const char *none[] = {NULL};
    command c;
    command_init(&c, "status", none);
    run_result r = {0};
    r.code = test_run_command(c.argv, c.env, NULL, &r.out, &r.err);
    command_dispose(&c);
    expect_code(&r, 0);
    int jobs = 0;
    char want[64];
    snprintf(want, sizeof want, " runs: %d completed,", BACKFILL_MONTHS - 1);
    for (const char *at = r.out; (at = strstr(at, "(completed): ")) != NULL; at++)
        jobs += strstr(at, want) != NULL && strstr(at, want) < strchr(at, '\n');
    if (jobs != 2)
        fprintf(stderr, "status:\n%s\n", r.out);
    assert_int_equal(jobs, 2);
    run_result_dispose(&r);
}

static int teardown(void **state)
{
    test_process_dispose(&agent); /* nothing left running, even after a failed assertion */
    return group_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_added_scope_is_backfilled, reset_mock),
    };
    return cmocka_run_group_tests(tests, group_setup, teardown);
}
