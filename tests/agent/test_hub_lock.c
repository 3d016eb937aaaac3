/* One agent per hub: while a scheduled agent holds the lease on the hub's
 * storage, a second agent (with its own state file, as on another machine)
 * is refused with a clear message and changes nothing; once the first stops,
 * the second can act. */
#include "mock_client.h"
#include "mock_fixture.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

static mock_fixture mock;
static test_azurite azurite;
static test_process first = {.pid = -1};
static char *work_dir;

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("agent/mock-hub.json");
    int rc = mock_fixture_start(config, &mock);
    free(config);
    if (rc == 0)
        rc = test_azurite_start(&azurite);
    work_dir = test_make_temp_dir();
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    test_process_dispose(&first);
    test_azurite_stop(&azurite);
    mock_fixture_stop(&mock);
    test_remove_tree(work_dir);
    free(work_dir);
    return 0;
}

/* The environment of one agent; `name` keeps state files apart. */
static char **agent_env_with(const char *name, bool settings_file);

static char **agent_env(const char *name)
{
    return agent_env_with(name, true);
}

/* Settings from the hub's storage instead of a file: drop HUBAGENT_SETTINGS. */
static char **agent_env_with(const char *name, bool settings_file)
{
    static char authority[256], arm[256], ca[600], settings[600], storage[256];
    static char states[2][600];
    static int which;
    char *settings_path = test_data_path("agent/settings.json");
    snprintf(authority, sizeof authority, "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(arm, sizeof arm, "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(ca, sizeof ca, "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(settings, sizeof settings, "HUBAGENT_SETTINGS=%s", settings_path);
    snprintf(storage, sizeof storage, "HUBAGENT_STORAGE_ENDPOINT=%s", azurite.endpoint);
    free(settings_path);
    char *state_env = states[which++ % 2];
    snprintf(state_env, 600, "HUBAGENT_STATE=%s/%s.db", work_dir, name);
    static char *env[16];
    char *values[] = {"AZURE_TENANT_ID=" T_TENANT,
                      "AZURE_CLIENT_ID=" T_SP,
                      "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                      "HUBAGENT_HUB_NAME=Demo",
                      "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                      "HUBAGENT_STORAGE_KEY=" TEST_AZURITE_KEY,
                      "HUBAGENT_POLL_INTERVAL=1",
                      authority,
                      arm,
                      ca,
                      settings,
                      storage,
                      state_env,
                      NULL};
    memcpy(env, values, sizeof values);
    if (!settings_file) {
        size_t out = 0;
        for (size_t i = 0; env[i] != NULL; i++)
            if (strncmp(env[i], "HUBAGENT_SETTINGS=", 18) != 0)
                env[out++] = env[i];
        env[out] = NULL;
    }
    return env;
}

static void test_second_agent_refused(void **state)
{
    (void)state;
    char *binary = test_build_path("agent/hubagent");
    char *run_forever[] = {binary, "run", NULL};
    int started = test_process_start(run_forever, agent_env("first"), &first);
    if (started != 0)
        free(binary);
    assert_int_equal(started, 0);
    /* Wait until the first agent has reconciled and fired its runs: from then
     * on it only follows them, and holds the lease all along. */
    for (int i = 0; i < 300 && admin_count(&mock, "exports.run") < 14; i++) {
        struct timespec pause = {0, 100000000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(admin_count(&mock, "exports.put"), 14);
    assert_int_equal(admin_count(&mock, "exports.run"), 14);
    admin_send(&mock, "DELETE", "/admin/requests", NULL);

    char *run_once[] = {binary, "run", "--once", NULL};
    char *out = NULL, *err = NULL;
    int code = test_run_command(run_once, agent_env("second"), NULL, &out, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "the hub is in use by another hubagent"));
    free(out);
    free(err);
    if (admin_count(&mock, "exports.list") + admin_count(&mock, "exports.run") != 0) {
        http_result log;
        char url[300];
        snprintf(url, sizeof url, "%s/admin/requests", mock.admin);
        http_call("GET", url, NULL, NULL, NULL, &log);
        fprintf(stderr, "%s\n", log.body);
        http_result_dispose(&log);
    }
    assert_int_equal(admin_count(&mock, "exports.list"), 0);
    assert_int_equal(admin_count(&mock, "exports.run"), 0);

    time_t asked = time(NULL);
    int status = test_process_stop(&first);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *log = test_read_file(first.stderr_path, NULL);
        fprintf(stderr, "first agent: status %d after %ld s\n%s\n", status,
                (long)(time(NULL) - asked), log ? log : "");
        free(log);
    }
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    code = test_run_command(run_once, agent_env("second"), NULL, &out, &err);
    if (code != 0)
        fprintf(stderr, "%s\n%s\n", out, err);
    assert_int_equal(code, 0);
    free(out);
    free(err);
    free(binary);
}

/* settings.json read from the hub's storage (config/settings.json), as in production:
 * uploaded once validated, then planned from, its eTag recorded by run. */
static void test_settings_from_storage(void **state)
{
    (void)state;
    char *binary = test_build_path("agent/hubagent");
    char *settings = test_data_path("agent/settings.json");
    char *bad = test_data_path("settings/invalid/overlap-rg-subscription.json");
    char *out = NULL, *err = NULL;
    char *refused[] = {binary, "settings", "upload", bad, NULL};
    assert_int_equal(test_run_command(refused, agent_env_with("storage", false), NULL, &out, &err),
                     1);
    assert_non_null(strstr(err, "was not uploaded"));
    free(out);
    free(err);
    char *plan[] = {binary, "plan", "--verbose", NULL};
    assert_int_equal(test_run_command(plan, agent_env_with("storage", false), NULL, &out, &err), 1);
    assert_non_null(strstr(err, "BlobNotFound"));
    free(out);
    free(err);
    char *upload[] = {binary, "settings", "upload", settings, NULL};
    assert_int_equal(test_run_command(upload, agent_env_with("storage", false), NULL, &out, &err),
                     0);
    assert_non_null(strstr(out, "uploaded"));
    free(out);
    free(err);
    int code = test_run_command(plan, agent_env_with("storage", false), NULL, &out, &err);
    if (code != 0 && code != 2)
        fprintf(stderr, "%s\n%s\n", out, err);
    assert_true(code == 0 || code == 2);
    assert_non_null(strstr(out, "demo-daily-costdetails"));
    free(out);
    free(err);
    char *run[] = {binary, "run", "--once", "--no-runs", NULL};
    assert_int_equal(test_run_command(run, agent_env_with("storage", false), NULL, &out, &err), 0);
    free(out);
    free(err);
    char *status[] = {binary, "status", NULL};
    assert_int_equal(test_run_command(status, agent_env_with("storage", false), NULL, &out, &err),
                     0);
    assert_non_null(strstr(out, "settings applied: \"0x"));
    free(out);
    free(err);
    free(bad);
    free(settings);
    free(binary);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_agent_refused),
        cmocka_unit_test(test_settings_from_storage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
