/* End to end: the credential goes bad while the agent works. A token that expires (or is
 * revoked) mid-backfill is answered 401 by ARM; the agent fetches a fresh one and finishes
 * with every month run exactly once. A rotated client secret makes the agent stop with an
 * error that names the credential problem, and never the secret. */
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

#define SUBSCRIPTIONS 3
#define MONTHS        2
#define EXPORT_NAME   "demo-monthly-costdetails"

static hub_fixture hub;
static char *settings_path;
static char state_path[600];
static int generation;
static char scopes[SUBSCRIPTIONS][128];

static int group_setup(void **state)
{
    (void)state;
    hub_fixture_options options = hub_fixture_options_default();
    options.azurite = false;
    options.subscriptions = SUBSCRIPTIONS;
    if (hub_fixture_start(&options, &hub) != 0)
        return -1;
    for (int i = 0; i < SUBSCRIPTIONS; i++)
        hub_subscription(i, scopes[i], sizeof scopes[i]);
    char retention[64];
    snprintf(retention, sizeof retention, "{\"ingestion\":{\"months\":%d}}", MONTHS);
    settings_path = hub_write_settings(&hub, "settings.json", scopes, SUBSCRIPTIONS, retention);
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
    snprintf(state_path, sizeof state_path, "%s/state-%d.db", hub.dir, ++generation);
    admin_send(&hub.mock, "POST", "/admin/reset", "{}");
    admin_send(&hub.mock, "DELETE", "/admin/requests", NULL);
    return 0;
}

static const char *const backfill_args[] = {"backfill",   "--dataset", "costs",
                                            "--progress", "none",      NULL};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Replies with `status` on routes other than Entra ID's, and token requests, in the log. */
static void count_replies(long status, int *out_arm, int *out_tokens)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/requests", hub.mock.admin);
    http_result log;
    http_call("GET", url, NULL, NULL, NULL, &log);
    assert_int_equal(log.status, 200);
    *out_arm = *out_tokens = 0;
    size_t i;
    json_t *request;
    json_array_foreach(json_object_get(log.json, "requests"), i, request)
    {
        const char *route = json_string_value(json_object_get(request, "route"));
        if (strcmp(route, "entra.token") == 0)
            (*out_tokens)++;
        else if (strncmp(route, "entra.", 6) != 0 &&
                 json_integer_value(json_object_get(request, "status")) == status)
            (*out_arm)++;
    }
    http_result_dispose(&log);
}

/* Every month ran exactly once (a refused run call is in the log, but started no run), and
 * the mock holds `total` runs in all: none failed, none doubled. */
static void expect_runs(int total)
{
    int runs = 0;
    for (int s = 0; s < SUBSCRIPTIONS; s++) {
        assert_int_equal(hub_expect_each_month_once(&hub.mock, scopes[s], EXPORT_NAME, MONTHS), 0);
        json_t *list = hub_mock_runs(&hub.mock, scopes[s], EXPORT_NAME);
        runs += (int)json_array_size(list);
        json_decref(list);
    }
    assert_int_equal(runs, total);
}

/* Starts a backfill with long runs and, once it has made its first run calls with the token
 * it holds, moves the mock's clock past that token's expiry (this host's clock stays: the
 * agent believes its token good, as with a token revoked early). */
static void start_backfill_then_expire(test_process *process, hub_env *env, char *argv[32],
                                       bool rotate_secret)
{
    admin_send(&hub.mock, "PUT", "/admin/tokens", "{\"lifetime_s\": 600}");
    admin_send(&hub.mock, "PUT", "/admin/runs",
               "{\"queued_ms\":1000,\"in_progress_ms\":3000,\"outcome\":\"Completed\"}");
    hub_env_init(env, &hub, settings_path, state_path);
    hub_env_set(env, "HUBAGENT_DATASETS=costs");
    test_hubagent_argv(backfill_args, argv);
    assert_int_equal(test_process_start(argv, env->vars, process), 0);
    for (int i = 0; i < 1500 && admin_count(&hub.mock, "exports.run") < 1; i++)
        sleep_ms(10);
    assert_true(admin_count(&hub.mock, "exports.run") >= 1);
    if (rotate_secret)
        admin_send(&hub.mock, "PUT", "/admin/secrets",
                   "{\"client_id\":\"" T_SP "\",\"secrets\":[\"the-new-secret\"]}");
    admin_send(&hub.mock, "POST", "/admin/clock", "{\"advance_s\": 700}");
}

static void test_token_expires_mid_backfill(void **state)
{
    (void)state;
    test_process process;
    hub_env env;
    char *argv[32];
    start_backfill_then_expire(&process, &env, argv, false);
    int status = 0;
    bool ended = test_process_wait(&process, 60000, &status);
    char *out = test_read_file(process.stdout_path, NULL);
    char *err = test_read_file(process.stderr_path, NULL);
    test_process_dispose(&process);
    test_hubagent_argv_free(argv);
    if (!ended || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "status %d\nstdout:\n%s\nstderr:\n%s\n", status, out, err);
    assert_true(ended);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(out, "0 failed, 0 unfinished"));
    free(out);
    free(err);
    /* ARM refused the expired token at least once, the agent asked for a new one, and the
     * work completed: every month once, nothing lost. */
    int unauthorized = 0, tokens = 0;
    count_replies(401, &unauthorized, &tokens);
    if (unauthorized < 1 || tokens < 2)
        fprintf(stderr, "401 replies %d, token requests %d\n", unauthorized, tokens);
    assert_true(unauthorized >= 1);
    assert_true(tokens >= 2);
    expect_runs(SUBSCRIPTIONS * MONTHS);
}

/* The error of a run whose secret no longer works: the credential named, the secret not. */
static void expect_credential_error(const char *out, const char *err, const char *secret)
{
    if (strstr(err, "Invalid client secret") == NULL ||
        strstr(err, "ClientSecretCredential") == NULL)
        fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", out, err);
    assert_non_null(strstr(err, "AADSTS7000215: Invalid client secret")); /* Entra ID's reason */
    assert_non_null(strstr(err, "ClientSecretCredential")); /* which credential to fix */
    assert_non_null(strstr(err, "client " T_SP));
    assert_null(strstr(out, secret));
    assert_null(strstr(err, secret));
    /* Said once, not once per scope or month: the credential is at fault, not they. */
    const char *first = strstr(err, "the credential failed");
    assert_non_null(first);
    if (strstr(first + 1, "the credential failed") != NULL)
        fprintf(stderr, "stderr:\n%s\n", err);
    assert_null(strstr(first + 1, "the credential failed"));
    assert_non_null(strstr(err, "fix the credential"));
}

/* The secret is rotated in Entra ID; the agent (costs only) still has the old one. */
static void rotate_secret(hub_env *env)
{
    admin_send(&hub.mock, "PUT", "/admin/secrets",
               "{\"client_id\":\"" T_SP "\",\"secrets\":[\"the-new-secret\"]}");
    hub_env_init(env, &hub, settings_path, state_path);
    hub_env_set(env, "HUBAGENT_DATASETS=costs");
}

static void test_rotated_secret_fails_clearly(void **state)
{
    (void)state;
    hub_env env;
    rotate_secret(&env);
    test_run_result r = test_hubagent_run(backfill_args, env.vars);
    assert_int_equal(r.code, 1);
    expect_credential_error(r.out, r.err, T_SP_SECRET);
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 0);
    assert_int_equal(admin_count(&hub.mock, "exports.put"), 0);
    /* run --once likewise: one message for every scope, nothing else tried, exit 1. */
    const char *run_once[] = {"run", "--once", "--no-online-check", NULL};
    r = test_hubagent_run(run_once, env.vars);
    assert_int_equal(r.code, 1);
    expect_credential_error(r.out, r.err, T_SP_SECRET);
    char more[80];
    snprintf(more, sizeof more, "%d more scopes failed the same way", SUBSCRIPTIONS - 1);
    assert_non_null(strstr(r.err, more));
    test_run_result_dispose(&r);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 0);
    assert_int_equal(admin_count(&hub.mock, "exports.put"), 0);
}

static void test_secret_rotated_mid_backfill(void **state)
{
    (void)state;
    test_process process;
    hub_env env;
    char *argv[32];
    /* The token expires and the secret to get a new one was rotated meanwhile. */
    start_backfill_then_expire(&process, &env, argv, true);
    int status = 0;
    bool ended = test_process_wait(&process, 90000, &status);
    char *out = test_read_file(process.stdout_path, NULL);
    char *err = test_read_file(process.stderr_path, NULL);
    test_process_dispose(&process);
    test_hubagent_argv_free(argv);
    assert_true(ended);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    expect_credential_error(out, err, T_SP_SECRET);
    free(out);
    free(err);
    /* No month ran twice, and no month is lost: with the secret fixed the same command
     * finishes what was left. */
    admin_send(&hub.mock, "PUT", "/admin/secrets",
               "{\"client_id\":\"" T_SP "\",\"secrets\":[\"" T_SP_SECRET "\"]}");
    test_run_result r = test_hubagent_run(backfill_args, env.vars);
    assert_true(test_run_expect(&r, 0));
    test_run_result_dispose(&r);
    expect_runs(SUBSCRIPTIONS * MONTHS);
}

/* The scheduled agent with a secret that no longer works: it says so without a line per
 * scope or export, fires nothing, and once the secret works again (no restart) it creates
 * the exports and fires the runs on its own. */
static void test_scheduled_agent_recovers_when_the_secret_works_again(void **state)
{
    (void)state;
    hub_env env;
    rotate_secret(&env);
    hub_env_set(&env, "HUBAGENT_SETTINGS_INTERVAL=1");
    hub_env_set(&env, "HUBAGENT_BACKFILL_NEW_SCOPES=off");
    char *argv[32];
    test_hubagent_argv((const char *[]){"run", "--no-online-check", NULL}, argv);
    test_process agent;
    assert_int_equal(test_process_start(argv, env.vars, &agent), 0);
    test_hubagent_argv_free(argv);
    sleep_ms(3000);
    assert_int_equal(admin_count(&hub.mock, "exports.put"), 0);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 0);
    admin_send(&hub.mock, "PUT", "/admin/secrets",
               "{\"client_id\":\"" T_SP "\",\"secrets\":[\"" T_SP_SECRET "\"]}");
    /* Each scope's two cost exports, then one run of each. */
    for (int i = 0; i < 300 && admin_count(&hub.mock, "exports.run") < 2 * SUBSCRIPTIONS; i++)
        sleep_ms(100);
    int status = test_process_stop(&agent);
    char *log = test_read_file(agent.stderr_path, NULL);
    test_process_dispose(&agent);
    assert_non_null(log);
    if (admin_count(&hub.mock, "exports.run") < 2 * SUBSCRIPTIONS)
        fprintf(stderr, "agent log:\n%s\n", log);
    assert_int_equal(admin_count(&hub.mock, "exports.put"), 2 * SUBSCRIPTIONS);
    assert_int_equal(admin_count(&hub.mock, "exports.run"), 2 * SUBSCRIPTIONS);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Said once per attempt (a few with the back-off), never once per scope or export. */
    int said = 0;
    for (const char *at = log; (at = strstr(at, "the credential failed")) != NULL; at++)
        said++;
    assert_true(said >= 1 && said <= 4);
    assert_non_null(strstr(log, "more scopes failed the same way"));
    assert_null(strstr(log, "run not triggered"));
    assert_non_null(strstr(log, "reconciling again"));
    assert_null(strstr(log, T_SP_SECRET));
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_token_expires_mid_backfill, reset_mock),
        cmocka_unit_test_setup(test_rotated_secret_fails_clearly, reset_mock),
        cmocka_unit_test_setup(test_secret_rotated_mid_backfill, reset_mock),
        cmocka_unit_test_setup(test_scheduled_agent_recovers_when_the_secret_works_again,
                               reset_mock),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
