/* The scheduled agent (`hubagent run` without --once) against the mock: it
 * reconciles and fires the due runs at start, applies a settings change on
 * its own, logs JSON lines, and exits 0 promptly on SIGTERM. */
#include "mock_client.h"
#include "mock_fixture.h"
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

#define EA "/providers/Microsoft.Billing/billingAccounts/8611537"
#define MCA_BP                                                                                     \
    "/providers/Microsoft.Billing/billingAccounts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:"           \
    "bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_2019-05-31/billingProfiles/BP01"
#define RG "/subscriptions/00000000-0000-0000-0000-00000000000d/resourceGroups/rg-web"

static mock_fixture mock;
static char *work_dir;
static test_process agent = {.pid = -1};

static void write_settings(const char *path, const char *const *scopes)
{
    char text[2048];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"$schema\":\"x\",\"scopes\":[");
    for (size_t i = 0; scopes[i] != NULL; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s{\"scope\":\"%s\"}",
                                 i ? "," : "", scopes[i]);
    snprintf(text + used, sizeof text - used, "]}");
    /* Write then rename, as an editor or a deployment would. */
    char temporary[600];
    snprintf(temporary, sizeof temporary, "%s.new", path);
    assert_int_equal(test_write_file(temporary, text, strlen(text)), 0);
    assert_int_equal(rename(temporary, path), 0);
}

/* Waits up to 30 s for the mock to have seen `want` requests on `route`. */
static int wait_count(const char *route, int want)
{
    int seen = 0;
    for (int i = 0; i < 300; i++) {
        seen = admin_count(&mock, route);
        if (seen >= want)
            return seen;
        struct timespec pause = {0, 100000000};
        nanosleep(&pause, NULL);
    }
    return seen;
}

static void test_scheduled_agent(void **state)
{
    (void)state;
    char settings[600], state_env[600], settings_env[700];
    snprintf(settings, sizeof settings, "%s/settings.json", work_dir);
    const char *initial[] = {EA, RG, NULL};
    write_settings(settings, initial);
    snprintf(settings_env, sizeof settings_env, "HUBAGENT_SETTINGS=%s", settings);
    snprintf(state_env, sizeof state_env, "HUBAGENT_STATE=%s/state.db", work_dir);
    char authority[256], arm[256], ca[600];
    snprintf(authority, sizeof authority, "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(arm, sizeof arm, "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(ca, sizeof ca, "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    char *env[] = {"AZURE_TENANT_ID=" T_TENANT,
                   "AZURE_CLIENT_ID=" T_SP,
                   "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                   "HUBAGENT_HUB_NAME=Demo",
                   "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                   "HUBAGENT_SETTINGS_INTERVAL=1",
                   "HUBAGENT_BACKFILL_NEW_SCOPES=off", /* test_backfill_scheduled covers it */
                   "HUBAGENT_POLL_INTERVAL=1",
                   "HUBAGENT_LOG_FORMAT=json",
                   authority,
                   arm,
                   ca,
                   settings_env,
                   state_env,
                   NULL};
    char *binary = test_build_path("agent/hubagent");
    char *argv[] = {binary, "run", NULL};
    int started = test_process_start(argv, env, &agent);
    free(binary);
    assert_int_equal(started, 0);

    /* At start: the exports of both scopes, then one run of each. */
    assert_int_equal(wait_count("exports.put", 8), 8);
    assert_int_equal(wait_count("exports.run", 8), 8);

    /* A scope added to settings is picked up without a restart. */
    const char *grown[] = {EA, RG, MCA_BP, NULL};
    write_settings(settings, grown);
    assert_int_equal(wait_count("exports.put", 14), 14);
    assert_int_equal(wait_count("exports.run", 14), 14);

    /* A bad edit is refused and changes nothing. */
    assert_int_equal(test_write_file(settings, "{\"scopes\": [", 12), 0);
    struct timespec pause = {2, 500000000};
    nanosleep(&pause, NULL);
    assert_int_equal(admin_count(&mock, "exports.put"), 14);
    assert_int_equal(admin_count(&mock, "exports.delete"), 0);

    time_t asked = time(NULL);
    int status = test_process_stop(&agent);
    assert_true(time(NULL) - asked <= 5);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *log = test_read_file(agent.stderr_path, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "{\"time\":\""));
    assert_non_null(strstr(log, "settings changed"));
    assert_non_null(strstr(log, "new settings rejected"));
    assert_non_null(strstr(log, "stopping"));
    assert_null(strstr(log, T_SP_SECRET));
    free(log);
}

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("agent/mock-hub.json");
    int rc = mock_fixture_start(config, &mock);
    free(config);
    work_dir = test_make_temp_dir();
    return rc;
}

/* Runs even when an assertion failed: nothing is left running. */
static int teardown(void **state)
{
    (void)state;
    test_process_dispose(&agent);
    mock_fixture_stop(&mock);
    test_remove_tree(work_dir);
    free(work_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheduled_agent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
