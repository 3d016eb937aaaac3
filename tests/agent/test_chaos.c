/* Chaos: a backfill and hand-offs of a small hub under random faults of the mock (5xx, 429
 * storms, dropped connections before and after the service acted, failed runs, token
 * endpoint outages, a tight Cost Management budget) and random kill -9 of the agent, then a
 * clean run to the end. Afterwards nothing is lost, doubled or mixed: every scope x month ran
 * exactly once at the mock (failed runs aside), is completed exactly once in the state, and
 * its ingestion folder holds exactly that run's files, all of them, and its manifest.
 *
 * Seeded: HUBAGENT_CHAOS_SEED=N replays a run's choices (the seed is printed on every run and
 * again on failure); HUBAGENT_CHAOS_SECONDS bounds the chaotic part (default 30). */
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
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#define SUBSCRIPTIONS 4
#define MONTHS        5
#define MONTHS_TEXT   "5"
#define ROWS          30
#define MAX_TRIALS    12
#define EXPORT_NAME   "demo-monthly-costdetails"

static hub_fixture hub;
static char *settings_path;
static char state_path[600];
static char scopes[SUBSCRIPTIONS][128];
static unsigned seed, draw;

static unsigned next_random(void)
{
    return (unsigned)rand_r(&draw);
}

static int group_setup(void **state)
{
    (void)state;
    const char *given = getenv("HUBAGENT_CHAOS_SEED");
    seed = given && *given ? (unsigned)strtoul(given, NULL, 10)
                           : (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    draw = seed;
    fprintf(stderr, "chaos: seed %u (replay with HUBAGENT_CHAOS_SEED=%u)\n", seed, seed);
    hub_fixture_options options = hub_fixture_options_default();
    options.subscriptions = SUBSCRIPTIONS;
    options.queued_ms = 200;
    options.in_progress_ms = 500;
    options.rows = ROWS;
    options.max_rows_per_file = 10;
    options.seed = seed;
    if (hub_fixture_start(&options, &hub) != 0)
        return -1;
    for (int i = 0; i < SUBSCRIPTIONS; i++)
        hub_subscription(i, scopes[i], sizeof scopes[i]);
    char retention[128];
    snprintf(retention, sizeof retention,
             "{\"msexports\":{\"days\":0},\"ingestion\":{\"months\":%d}}", MONTHS);
    settings_path = hub_write_settings(&hub, "settings.json", scopes, SUBSCRIPTIONS, retention);
    snprintf(state_path, sizeof state_path, "%s/state.db", hub.dir);
    return settings_path ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(settings_path);
    return hub_fixture_stop(&hub);
}

static const char *const ingest_args[] = {"ingest", NULL};

static void chaos_env(hub_env *env)
{
    hub_env_init(env, &hub, settings_path, state_path);
    hub_env_set(env, "HUBAGENT_DATASETS=costs");
    hub_env_set(env, "HUBAGENT_CM_CALLS_PER_MINUTE=600");
}

/* Faults a trial may turn on; each is a fault rule of the mock's admin API. The mock applies
 * the first rule matching a request, so at most one rule per route family is chosen. */
static const char *const run_faults[] = {
    /* Refused before the service acted: the month is not run, the failure counts. */
    "{\"route\":\"exports.run\",\"probability\":0.3,\"fault\":{\"status\":503}}",
    /* The service started the run, the reply was lost: run history must find it. */
    "{\"route\":\"exports.run\",\"probability\":0.3,\"fault\":{\"reset_after\":true}}",
    /* Dropped unanswered: nothing ran. */
    "{\"route\":\"exports.run\",\"probability\":0.3,\"fault\":{\"reset\":true}}",
    /* The run starts and ends Failed: the month must be run again. */
    "{\"route\":\"exports.run\",\"probability\":0.3,\"fault\":{\"run_status\":\"Failed\"}}",
    "{\"route\":\"exports.run\",\"probability\":0.5,\"fault\":{\"status\":429,\"retry_after\":1}}",
};
static const char *const history_faults[] = {
    "{\"route\":\"exports.runHistory\",\"probability\":0.3,\"fault\":{\"status\":500}}",
    "{\"route\":\"exports.runHistory\",\"probability\":0.3,\"fault\":{\"reset\":true}}",
    "{\"route\":\"exports.runHistory\",\"probability\":0.3,\"fault\":{\"truncate\":true}}",
    "{\"route\":\"exports.*\",\"probability\":0.4,\"fault\":{\"status\":429,\"retry_after\":1}}",
};
static const char *const other_faults[] = {
    "{\"route\":\"entra.token\",\"probability\":0.3,\"fault\":{\"status\":503}}",
    "{\"route\":\"exports.put\",\"probability\":0.4,\"fault\":{\"status\":500}}",
    "{\"route\":\"exports.get\",\"probability\":0.3,\"fault\":{\"reset\":true}}",
    "{\"route\":\"exports.list\",\"probability\":0.3,\"fault\":{\"delay_ms\":1500}}",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Turns on a random set of faults (and sometimes a tight budget); describes it in `out`. */
static void choose_faults(char *out, size_t size)
{
    char rules[2048] = "[";
    const char *const *families[] = {run_faults, history_faults, other_faults};
    size_t counts[] = {COUNT(run_faults), COUNT(history_faults), COUNT(other_faults)};
    for (size_t f = 0; f < 3; f++) {
        if (next_random() % 3 == 0)
            continue; /* this family quiet this time */
        const char *rule = families[f][next_random() % counts[f]];
        snprintf(rules + strlen(rules), sizeof rules - strlen(rules), "%s%s", rules[1] ? "," : "",
                 rule);
    }
    strcat(rules, "]");
    admin_send(&hub.mock, "PUT", "/admin/faults", rules);
    bool tight = next_random() % 4 == 0;
    admin_send(&hub.mock, "PUT", "/admin/throttling",
               tight ? "{\"enabled\":true,\"scope_client\":{\"capacity\":3,"
                       "\"refill_per_second\":2}}"
                     : "{\"enabled\":false}");
    snprintf(out, size, "%s%s", rules, tight ? " + tight budget" : "");
}

/* A hubagent of the trial, killed when the trial's time is up. */
typedef struct agent {
    const char *what;
    char *argv[32];
    test_process process;
    char months[8];
} agent;

static void agent_start(agent *a, const char *what, const hub_env *env)
{
    a->what = what;
    if (strcmp(what, "backfill") == 0) {
        /* A window of its own: later, wider backfills join the months still open. */
        snprintf(a->months, sizeof a->months, "%u", 1 + next_random() % MONTHS);
        const char *args[] = {"backfill", "--dataset",  "costs", "--months",
                              a->months,  "--progress", "none",  NULL};
        test_hubagent_argv(args, a->argv);
    } else {
        test_hubagent_argv(ingest_args, a->argv);
    }
    assert_int_equal(test_process_start(a->argv, env->vars, &a->process), 0);
}

/* Returns the exit status, or -1 when it had to be killed. */
static int agent_end(agent *a, int number, int wait_ms)
{
    int status = 0;
    bool ended = test_process_wait(&a->process, wait_ms, &status);
    if (!ended)
        kill(a->process.pid, SIGKILL);
    test_process_stop(&a->process);
    char *err = test_read_file(a->process.stderr_path, NULL);
    test_process_dispose(&a->process);
    test_hubagent_argv_free(a->argv);
    if (ended)
        fprintf(stderr, "chaos: trial %d: %s %s ended, exit %d%s%s\n", number, a->what, a->months,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, status ? ": " : "",
                status && err ? err : "");
    else
        fprintf(stderr, "chaos: trial %d: %s %s killed\n", number, a->what, a->months);
    /* Whatever the faults, the agent never crashes or trips a sanitizer. */
    if (ended && (!WIFEXITED(status) || WEXITSTATUS(status) > 3)) {
        fprintf(stderr, "chaos: seed %u: the agent died: %s\n", seed, err ? err : "");
        fail_msg("trial %d: %s died (status %d)", number, a->what, status);
    }
    free(err);
    return ended ? status : -1;
}

/* One trial: a backfill, a hand-off or both at once under the faults, killed at a random
 * moment unless they end first. */
static void trial(int number)
{
    char faults[2200];
    choose_faults(faults, sizeof faults);
    unsigned mode = next_random() % 4; /* 0, 1 backfill; 2 hand-off; 3 both */
    int kill_after = 200 + (int)(next_random() % 3000);
    fprintf(stderr, "chaos: trial %d: faults %s, kill after %d ms\n", number, faults, kill_after);
    hub_env env;
    chaos_env(&env);
    agent agents[2] = {0};
    size_t count = 0;
    if (mode != 2)
        agent_start(&agents[count++], "backfill", &env);
    if (mode >= 2)
        agent_start(&agents[count++], "ingest", &env);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    for (size_t i = 0; i < count; i++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent =
            (now.tv_sec - started.tv_sec) * 1000 + (now.tv_nsec - started.tv_nsec) / 1000000;
        agent_end(&agents[i], number, spent < kill_after ? kill_after - (int)spent : 0);
    }
}

static sqlite3 *open_state(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(state_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static int query_int(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (a != NULL)
        sqlite3_bind_text(stmt, 1, a, -1, SQLITE_TRANSIENT);
    if (b != NULL)
        sqlite3_bind_text(stmt, 2, b, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int value = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* The month of the scope: once at the mock, once completed in the state (with that run),
 * handed off once, and its ingestion folder exactly that run's files. */
static void expect_month(sqlite3 *db, const char *scope, const char *month)
{
    char *run_id = NULL;
    hub_expect_month_once(&hub.mock, scope, EXPORT_NAME, month, &run_id);
    char key[600];
    snprintf(key, sizeof key, "%s %s", scope, month);
    int completed = query_int(db,
                              "SELECT count(*) FROM backfill_items WHERE lower(scope) = lower(?1) "
                              "AND month = ?2 AND dataset = 'costs' AND state = 'completed'",
                              scope, month);
    if (completed != 1)
        fail_msg("%s: completed %d times in the state", key, completed);
    int same_run = query_int(db,
                             "SELECT count(*) FROM backfill_items WHERE lower(scope) = lower(?1) "
                             "AND state = 'completed' AND lower(run_id) = lower(?2)",
                             scope, run_id);
    if (same_run != 1)
        fail_msg("%s: the state's completed run is not the mock's run %s", key, run_id);
    char destination[600];
    snprintf(destination, sizeof destination, "Costs/%.4s/%.2s%s", month, month + 5, scope);
    int handed = query_int(db,
                           "SELECT count(*) FROM handoffs WHERE destination = ?1 "
                           "AND status = 'handed-off'",
                           destination, NULL);
    if (handed != 1)
        fail_msg("%s: handed off %d times", key, handed);
    hub_expect_ingested(&hub, destination, run_id, ROWS);
    free(run_id);
}

static void test_chaos_then_clean_run(void **state)
{
    (void)state;
    const char *limit = getenv("HUBAGENT_CHAOS_SECONDS");
    double seconds = limit && *limit ? strtod(limit, NULL) : 30;
    time_t start = time(NULL);
    for (int number = 1; number <= MAX_TRIALS && difftime(time(NULL), start) < seconds; number++)
        trial(number);

    /* The clean run: no faults, the full budget; it must finish everything. */
    admin_send(&hub.mock, "PUT", "/admin/faults", "[]");
    admin_send(&hub.mock, "PUT", "/admin/throttling", "{\"enabled\":false}");
    hub_env env;
    chaos_env(&env);
    const char *clean[] = {"backfill",  "--dataset",  "costs", "--months",
                           MONTHS_TEXT, "--progress", "none",  NULL};
    test_run_result r = test_hubagent_run(clean, env.vars);
    if (r.code != 0)
        fprintf(stderr, "chaos: seed %u: the clean backfill did not finish\n", seed);
    assert_true(test_run_expect(&r, 0));
    assert_non_null(strstr(r.out, "0 failed, 0 unfinished"));
    test_run_result_dispose(&r);
    r = test_hubagent_run(ingest_args, env.vars);
    if (r.code != 0)
        fprintf(stderr, "chaos: seed %u: the clean hand-off did not finish\n", seed);
    assert_true(test_run_expect(&r, 0));
    test_run_result_dispose(&r);
    /* Nothing is left to hand off: a second pass places nothing. */
    r = test_hubagent_run(ingest_args, env.vars);
    assert_true(test_run_expect(&r, 0));
    assert_non_null(strstr(r.out, "0 handed off"));
    test_run_result_dispose(&r);

    fprintf(stderr, "chaos: seed %u: checking %d scopes x %d months\n", seed, SUBSCRIPTIONS,
            MONTHS);
    sqlite3 *db = open_state();
    int open = query_int(db,
                         "SELECT count(*) FROM backfill_items WHERE state NOT IN "
                         "('completed', 'failed', 'no-data')",
                         NULL, NULL);
    assert_int_equal(open, 0);
    for (int s = 0; s < SUBSCRIPTIONS; s++)
        for (int back = 1; back <= MONTHS; back++) {
            char month[16];
            hub_month_back(back, month, sizeof month);
            expect_month(db, scopes[s], month);
        }
    /* No month outside the window ran, none was handed off twice or replaced by another. */
    for (int s = 0; s < SUBSCRIPTIONS; s++)
        hub_expect_each_month_once(&hub.mock, scopes[s], EXPORT_NAME, MONTHS);
    assert_int_equal(query_int(db,
                               "SELECT count(*) FROM handoffs WHERE status IN "
                               "('handed-off', 'replaced')",
                               NULL, NULL),
                     SUBSCRIPTIONS * MONTHS);
    sqlite3_close(db);
}

static int print_seed(void **state)
{
    (void)state;
    /* Also after a failed check, which ends the test early. */
    fprintf(stderr, "chaos: seed %u (replay with HUBAGENT_CHAOS_SEED=%u)\n", seed, seed);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_chaos_then_clean_run, print_seed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
