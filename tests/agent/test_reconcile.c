/* hubagent plan / run --once against the mock, as a user runs them: a fresh
 * hub gets exactly the hub's exports, the steady state costs one list call per
 * scope and no write, drift and deletions are repaired, prune removes only
 * this hub's exports, and a scope without access fails alone. */
#include "mock_client.h"
#include "mock_fixture.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define EA "/providers/Microsoft.Billing/billingAccounts/8611537"
#define MCA_BP                                                                                     \
    "/providers/Microsoft.Billing/billingAccounts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:"           \
    "bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_2019-05-31/billingProfiles/BP01"
#define RG      "/subscriptions/00000000-0000-0000-0000-00000000000d/resourceGroups/rg-web"
#define EXPORTS "/providers/Microsoft.CostManagement/exports"
#define API     "?api-version=2023-07-01-preview"

static mock_fixture mock;
static int state_generation;
static char *settings_path;
static char *work_dir;

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

/* Runs hubagent with the mock's endpoints and the hub's service principal. */
static run_result hubagent(const char *settings, const char *const *args)
{
    char *binary = test_build_path("agent/hubagent");
    char authority[256], arm[256], ca[600], settings_env[600], state_env[600];
    /* Each test starts from an empty state, as a new hub would. */
    snprintf(state_env, sizeof state_env, "HUBAGENT_STATE=%s/state-%d.db", work_dir,
             state_generation);

    snprintf(authority, sizeof authority, "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(arm, sizeof arm, "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(ca, sizeof ca, "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(settings_env, sizeof settings_env, "HUBAGENT_SETTINGS=%s", settings);
    char *env[] = {"AZURE_TENANT_ID=" T_TENANT,
                   "AZURE_CLIENT_ID=" T_SP,
                   "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                   "HUBAGENT_HUB_NAME=Demo",
                   "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                   authority,
                   arm,
                   ca,
                   settings_env,
                   state_env,
                   NULL};
    char *argv[16] = {binary};
    size_t n = 1;
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    run_result r = {0};
    r.code = test_run_command(argv, env, NULL, &r.out, &r.err);
    free(binary);
    return r;
}

static char *write_settings(const char *name, const char *const *scopes)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", work_dir, name);
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"scopes\":[");
    for (size_t i = 0; scopes[i] != NULL; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s{\"scope\":\"%s\"}",
                                 i ? "," : "", scopes[i]);
    snprintf(text + used, sizeof text - used, "]}");
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return strdup(path);
}

static int group_setup(void **state)
{
    (void)state;
    char *config = test_data_path("agent/mock-hub.json");
    int rc = mock_fixture_start(config, &mock);
    free(config);
    work_dir = test_make_temp_dir();
    settings_path = test_data_path("agent/settings.json");
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
    state_generation++;
    admin_send(&mock, "POST", "/admin/reset", "{}");
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":200,\"outcome\":\"Completed\"}");
    admin_send(&mock, "DELETE", "/admin/requests", NULL);
    return 0;
}

static void expect_code(run_result *r, int code)
{
    if (r->code != code)
        fprintf(stderr, "exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n", r->code, code, r->out,
                r->err);
    assert_int_equal(r->code, code);
}

static json_t *get_export(const char *scope, const char *name)
{
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    char path[600];
    snprintf(path, sizeof path, "%s" EXPORTS "/%s" API, scope, name);
    http_result result;
    arm_call(&mock, token, "GET", path, NULL, &result);
    free(token);
    assert_int_equal(result.status, 200);
    json_t *value = json_incref(result.json);
    http_result_dispose(&result);
    return value;
}

static const char *field(json_t *export_, const char *a, const char *b, const char *c)
{
    json_t *node = json_object_get(json_object_get(export_, "properties"), a);
    if (b != NULL)
        node = json_object_get(node, b);
    if (c != NULL)
        node = json_object_get(node, c);
    return json_string_value(node);
}

static void test_fresh_hub_gets_the_hubs_exports(void **state)
{
    (void)state;
    const char *plan[] = {"plan", NULL};
    run_result r = hubagent(settings_path, plan);
    expect_code(&r, 2);
    assert_non_null(strstr(r.out, "Plan: 14 to create, 0 to update, 0 to delete"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.put"), 0);

    const char *run[] = {"run", "--once", "--no-runs", NULL};
    r = hubagent(settings_path, run);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "14 exports created"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.put"), 14);

    json_t *daily = get_export(EA, "demo-daily-costdetails");
    assert_string_equal(field(daily, "definition", "type", NULL), "FocusCost");
    assert_string_equal(field(daily, "definition", "timeframe", NULL), "MonthToDate");
    assert_string_equal(field(daily, "format", NULL, NULL), "Parquet");
    assert_string_equal(field(daily, "compressionMode", NULL, NULL), "snappy");
    assert_string_equal(field(daily, "deliveryInfo", "destination", "container"), "msexports");
    assert_string_equal(field(daily, "deliveryInfo", "destination", "rootFolderPath"),
                        "providers/Microsoft.Billing/billingAccounts/8611537");
    assert_string_equal(field(daily, "schedule", "status", NULL), "Inactive");
    json_decref(daily);
    json_t *mca = get_export(MCA_BP, "demo-monthly-pricesheet");
    const char *root = field(mca, "deliveryInfo", "destination", "rootFolderPath");
    assert_non_null(root);
    assert_null(strchr(root, ':'));
    assert_string_equal(field(mca, "definition", "timeframe", NULL), "TheCurrentMonth");
    json_decref(mca);
}

static void test_steady_state_is_one_list_per_scope(void **state)
{
    (void)state;
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings_path, run);
    expect_code(&r, 0);
    run_result_dispose(&r);
    admin_send(&mock, "DELETE", "/admin/requests", NULL);

    r = hubagent(settings_path, run);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "0 exports created, 0 updated, 0 deleted"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.list"), 3);
    assert_int_equal(admin_count(&mock, "exports.put"), 0);
    assert_int_equal(admin_count(&mock, "exports.get"), 0);
    assert_int_equal(admin_count(&mock, "exports.delete"), 0);

    const char *plan[] = {"plan", NULL};
    r = hubagent(settings_path, plan);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "14 unchanged"));
    run_result_dispose(&r);
}

/* Changes an export behind the agent's back, with its eTag, as a user would. */
static void change_behind_back(const char *scope, const char *name, const char *format,
                               const char *compression)
{
    json_t *current = get_export(scope, name);
    json_t *props = json_object_get(current, "properties");
    json_object_set_new(props, "format", json_string(format));
    json_object_set_new(props, "compressionMode", json_string(compression));
    json_object_set_new(props, "exportDescription", json_string("kept by the agent"));
    char *body = json_dumps(current, JSON_COMPACT);
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    char path[600];
    snprintf(path, sizeof path, "%s" EXPORTS "/%s" API, scope, name);
    http_result result;
    arm_call(&mock, token, "PUT", path, body, &result);
    assert_int_equal(result.status, 200);
    http_result_dispose(&result);
    free(token);
    free(body);
    json_decref(current);
}

static void test_drift_and_deletion_repaired(void **state)
{
    (void)state;
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings_path, run);
    expect_code(&r, 0);
    run_result_dispose(&r);
    change_behind_back(RG, "demo-monthly-costdetails", "Csv", "gzip");
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    http_result result;
    arm_call(&mock, token, "DELETE", EA EXPORTS "/demo-daily-reservationdetails" API, NULL,
             &result);
    assert_int_equal(result.status, 200);
    http_result_dispose(&result);
    free(token);

    const char *plan[] = {"plan", NULL};
    r = hubagent(settings_path, plan);
    expect_code(&r, 2);
    assert_non_null(strstr(r.out, "~ demo-monthly-costdetails"));
    assert_non_null(strstr(r.out, "properties.format: \"Csv\" -> \"Parquet\""));
    assert_non_null(strstr(r.out, "properties.compressionMode: \"gzip\" -> \"snappy\""));
    assert_non_null(strstr(r.out, "+ demo-daily-reservationdetails"));
    run_result_dispose(&r);

    admin_send(&mock, "DELETE", "/admin/requests", NULL);
    r = hubagent(settings_path, run);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "1 exports created, 1 updated, 0 deleted"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.put"), 2);
    json_t *repaired = get_export(RG, "demo-monthly-costdetails");
    assert_string_equal(field(repaired, "format", NULL, NULL), "Parquet");
    /* What the agent does not manage is kept. */
    assert_string_equal(field(repaired, "exportDescription", NULL, NULL), "kept by the agent");
    json_decref(repaired);
}

static void test_prune_removes_only_this_hubs_exports(void **state)
{
    (void)state;
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings_path, run);
    expect_code(&r, 0);
    run_result_dispose(&r);
    /* Someone else's export at the same scope. */
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    char *body = export_body("FocusCost", NULL);
    http_result result;
    arm_call(&mock, token, "PUT", EA EXPORTS "/finance-monthly" API, body, &result);
    assert_int_equal(result.status, 201);
    http_result_dispose(&result);
    free(body);

    const char *plan[] = {"plan", "--prune", "--datasets", "costs", NULL};
    r = hubagent(settings_path, plan);
    expect_code(&r, 2);
    assert_non_null(strstr(r.out, "Plan: 0 to create, 0 to update, 8 to delete"));
    assert_null(strstr(r.out, "finance-monthly"));
    run_result_dispose(&r);
    const char *prune[] = {"run", "--once", "--no-runs", "--prune", "--datasets", "costs", NULL};
    r = hubagent(settings_path, prune);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "0 exports created, 0 updated, 8 deleted"));
    run_result_dispose(&r);
    arm_call(&mock, token, "GET", EA EXPORTS "/finance-monthly" API, NULL, &result);
    assert_int_equal(result.status, 200);
    http_result_dispose(&result);
    free(token);
}

static void test_scope_without_access_fails_alone(void **state)
{
    (void)state;
    const char *scopes[] = {EA, "/subscriptions/00000000-0000-0000-0000-00000000000e", RG, NULL};
    char *settings = write_settings("forbidden.json", scopes);
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings, run);
    expect_code(&r, 3);
    if (strstr(r.err, "403") == NULL)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_non_null(strstr(r.err, "00000000-0000-0000-0000-00000000000e"));
    assert_non_null(strstr(r.err, "AuthorizationFailed"));
    assert_non_null(strstr(r.err, "403"));
    assert_non_null(strstr(r.out, "Exports: 3 scopes, 1 failed; 8 exports created"));
    run_result_dispose(&r);
    free(settings);
}

static void test_rejected_settings_change_nothing(void **state)
{
    (void)state;
    const char *scopes[] = {EA, EA "/departments/1234", NULL};
    char *settings = write_settings("overlap.json", scopes);
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings, run);
    expect_code(&r, 1);
    assert_non_null(strstr(r.err, "is inside scopes[0]"));
    assert_non_null(strstr(r.err, "nothing was changed"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.list"), 0);
    assert_int_equal(admin_count(&mock, "exports.put"), 0);
    free(settings);
}

static void test_runs_fire_once_per_tick(void **state)
{
    (void)state;
    const char *first[] = {"run", "--once", "--watch", "20", "--poll-interval", "1", NULL};
    run_result r = hubagent(settings_path, first);
    expect_code(&r, 0);
    /* A new hub runs each export once: 4 daily + 2 monthly at the EA account and the
     * MCA billing profile, 1 + 1 at the resource group. */
    assert_non_null(strstr(r.out, "Runs: 14 triggered"));
    assert_non_null(strstr(r.out, "14 completed, 0 no data, 0 failed, 0 still running"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 14);

    const char *again[] = {"run", "--once", NULL};
    r = hubagent(settings_path, again);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "Runs: 0 triggered, 14 already ran this tick"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 14);

    /* A forced daily tick fires the daily exports only. */
    const char *daily[] = {"run", "--once",          "--tick", "daily", "--watch",
                           "20",  "--poll-interval", "1",      NULL};
    r = hubagent(settings_path, daily);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "Runs: 9 triggered"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 23);

    /* status reads the state alone: no call to Azure. */
    admin_send(&mock, "DELETE", "/admin/requests", NULL);
    const char *status[] = {"status", NULL};
    r = hubagent(settings_path, status);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, RG "\n"));
    assert_non_null(strstr(r.out, "demo-daily-costdetails"));
    assert_non_null(strstr(r.out, "Completed"));
    assert_non_null(strstr(r.out, "daily"));
    run_result_dispose(&r);
    const char *status_json[] = {"status", "--json", NULL};
    r = hubagent(settings_path, status_json);
    expect_code(&r, 0);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    json_t *scopes = json_object_get(root, "scopes");
    assert_int_equal(json_array_size(scopes), 3);
    size_t exports = 0, completed = 0, index;
    json_t *scope;
    json_array_foreach(scopes, index, scope)
    {
        size_t e;
        json_t *item;
        json_array_foreach(json_object_get(scope, "exports"), e, item)
        {
            exports++;
            const char *run_status =
                json_string_value(json_object_get(json_object_get(item, "last_run"), "status"));
            completed += run_status != NULL && strcmp(run_status, "Completed") == 0;
        }
    }
    assert_int_equal(exports, 14);
    assert_int_equal(completed, 14);
    json_decref(root);
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.list"), 0);
}

static void test_run_in_progress_is_not_fired_again(void **state)
{
    (void)state;
    /* Runs that take a minute: the second tick finds them still going. */
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":1000,\"in_progress_ms\":60000,\"outcome\":\"Completed\"}");
    const char *first[] = {"run", "--once", "--tick", "monthly", NULL};
    run_result r = hubagent(settings_path, first);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "Runs: 5 triggered"));
    assert_non_null(strstr(r.out, "5 still running"));
    run_result_dispose(&r);
    /* A forced tick is "now", to the second: let the next one be a new tick. */
    struct timespec pause = {1, 200000000};
    nanosleep(&pause, NULL);
    r = hubagent(settings_path, first);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "Runs: 0 triggered, 0 already ran this tick, 5 skipped"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "exports.run"), 5);
}

static void test_failed_run_is_reported(void **state)
{
    (void)state;
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":200,\"outcome\":\"Failed\"}");
    const char *run[] = {"run", "--once",          "--tick", "monthly", "--watch",
                         "20",  "--poll-interval", "1",      NULL};
    run_result r = hubagent(settings_path, run);
    expect_code(&r, 3);
    assert_non_null(strstr(r.out, "5 failed"));
    assert_non_null(strstr(r.err, "ended Failed"));
    run_result_dispose(&r);
}

static void test_online_overlap_refused(void **state)
{
    (void)state;
    /* The subscription belongs to the EA billing account: only Azure knows. */
    const char *scopes[] = {
        EA, "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-app", NULL};
    char *settings = write_settings("online.json", scopes);
    const char *run[] = {"run", "--once", "--no-runs", NULL};
    run_result r = hubagent(settings, run);
    expect_code(&r, 1);
    assert_non_null(strstr(r.err, "(resource group) is inside scopes[0]"));
    assert_non_null(strstr(r.err, "according to Azure"));
    assert_non_null(strstr(r.err, "nothing was changed"));
    run_result_dispose(&r);
    assert_int_equal(admin_count(&mock, "billing.subscriptions"), 1);
    assert_int_equal(admin_count(&mock, "exports.list"), 0);
    assert_int_equal(admin_count(&mock, "exports.put"), 0);

    const char *skip[] = {"run", "--once", "--no-runs", "--no-online-check", NULL};
    r = hubagent(settings, skip);
    expect_code(&r, 0);
    assert_non_null(strstr(r.err, "online overlap check skipped"));
    run_result_dispose(&r);
    free(settings);
}

static const char *trigger_state(const char *name)
{
    static char state_text[32];
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    http_result result;
    arm_call(&mock, token, "GET",
             T_SUB "/resourceGroups/rg-hub/providers/Microsoft.DataFactory/factories/"
                   "demo-engine-abc123/triggers?api-version=2018-06-01",
             NULL, &result);
    free(token);
    assert_int_equal(result.status, 200);
    state_text[0] = '\0';
    size_t index;
    json_t *item;
    json_array_foreach(json_object_get(result.json, "value"), index, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "name")), name) == 0)
            snprintf(state_text, sizeof state_text, "%s",
                     json_string_value(
                         json_object_get(json_object_get(item, "properties"), "runtimeState")));
    }
    http_result_dispose(&result);
    return state_text;
}

static void test_take_over_and_release(void **state)
{
    (void)state;
    const char *plan[] = {"plan", NULL};
    run_result r = hubagent(settings_path, plan);
    expect_code(&r, 2);
    assert_non_null(strstr(r.out, "demo-engine-abc123 has config_DailySchedule, "
                                  "config_MonthlySchedule, config_SettingsUpdated started"));
    run_result_dispose(&r);

    const char *take[] = {"run", "--once", "--no-runs", "--take-over", NULL};
    r = hubagent(settings_path, take);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "Take-over: stopped config_DailySchedule,config_MonthlySchedule,"
                                  "config_SettingsUpdated"));
    run_result_dispose(&r);
    assert_string_equal(trigger_state("config_DailySchedule"), "Stopped");
    assert_string_equal(trigger_state("config_SettingsUpdated"), "Stopped");
    /* The ingestion triggers are never touched. */
    assert_string_equal(trigger_state("msexports_ManifestAdded"), "Started");
    assert_string_equal(trigger_state("ingestion_ManifestAdded"), "Started");

    r = hubagent(settings_path, plan);
    expect_code(&r, 0);
    assert_null(strstr(r.out, "runs would happen twice"));
    run_result_dispose(&r);

    const char *release[] = {"release", NULL};
    r = hubagent(settings_path, release);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "started config_MonthlySchedule"));
    run_result_dispose(&r);
    assert_string_equal(trigger_state("config_DailySchedule"), "Started");
    assert_string_equal(trigger_state("config_MonthlySchedule"), "Started");
    r = hubagent(settings_path, release);
    expect_code(&r, 0);
    assert_non_null(strstr(r.out, "nothing to release"));
    run_result_dispose(&r);
}

static void test_plan_json(void **state)
{
    (void)state;
    const char *plan[] = {"plan", "--json", NULL};
    run_result r = hubagent(settings_path, plan);
    expect_code(&r, 2);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "changes")), 14);
    assert_int_equal(json_array_size(json_object_get(root, "scopes")), 3);
    json_decref(root);
    run_result_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_fresh_hub_gets_the_hubs_exports, reset_mock),
        cmocka_unit_test_setup(test_steady_state_is_one_list_per_scope, reset_mock),
        cmocka_unit_test_setup(test_drift_and_deletion_repaired, reset_mock),
        cmocka_unit_test_setup(test_prune_removes_only_this_hubs_exports, reset_mock),
        cmocka_unit_test_setup(test_scope_without_access_fails_alone, reset_mock),
        cmocka_unit_test_setup(test_rejected_settings_change_nothing, reset_mock),
        cmocka_unit_test_setup(test_plan_json, reset_mock),
        cmocka_unit_test_setup(test_online_overlap_refused, reset_mock),
        cmocka_unit_test_setup(test_take_over_and_release, reset_mock),
        cmocka_unit_test_setup(test_runs_fire_once_per_tick, reset_mock),
        cmocka_unit_test_setup(test_run_in_progress_is_not_fired_again, reset_mock),
        cmocka_unit_test_setup(test_failed_run_is_reported, reset_mock),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
