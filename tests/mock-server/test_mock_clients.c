/* Unmodified Azure clients against hubagent-mock: the Azure SDK for Python (Debian
 * python3-azure), the Azure SDK for JavaScript (tools/npm) and `az login` + `az rest`
 * (Debian azure-cli). Each test is skipped only when its tool is not installed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mock_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static mock_fixture fx;
static char *work_dir;

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    admin_send(&fx, "PUT", "/admin/runs", "{\"queued_ms\": 50, \"in_progress_ms\": 50}");
    work_dir = test_make_temp_dir();
    return work_dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    test_remove_tree(work_dir);
    free(work_dir);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Every outside call fails at once: proxies point at a closed loopback port. */
#define OFFLINE_ENV                                                                                \
    "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9",                             \
        "NO_PROXY=127.0.0.1,localhost"

static const char *find_python(void)
{
    static const char *candidates[] = {"/usr/bin/python3", "/usr/local/bin/python3"};
    for (size_t i = 0; i < 2; i++) {
        char *argv[] = {(char *)candidates[i], "-c",
                        "import azure.identity, azure.mgmt.costmanagement", NULL};
        if (test_run_command(argv, NULL, NULL, NULL, NULL) == 0)
            return candidates[i];
    }
    return NULL;
}

/* The SDKs' certificate credentials want the certificate and its key in one PEM. */
static void write_combined_pem(char *out, size_t size)
{
    char *cert = test_data_path("mock-server/sp-cert.pem");
    char *key = test_data_path("mock-server/sp-key.pem");
    char *cert_text = test_read_file(cert, NULL), *key_text = test_read_file(key, NULL);
    snprintf(out, size, "%s/sp-both.pem", work_dir);
    size_t len = strlen(cert_text) + strlen(key_text);
    char *joined = malloc(len + 1);
    snprintf(joined, len + 1, "%s%s", cert_text, key_text);
    assert_int_equal(test_write_file(out, joined, len), 0);
    free(joined);
    free(cert_text);
    free(key_text);
    free(cert);
    free(key);
}

static void test_python_sdk_roundtrip(void **state)
{
    (void)state;
    const char *python = find_python();
    if (python == NULL) {
        fprintf(stderr, "python3 with azure-identity and azure-mgmt-costmanagement is not "
                        "installed: skipped\n");
        skip();
    }
    char both[512];
    write_combined_pem(both, sizeof both);
    char *script = test_data_path("../mock-server/clients/python_sdk_roundtrip.py");
    char ca[600], login[128], arm[128], cert_env[600];
    snprintf(ca, sizeof ca, "REQUESTS_CA_BUNDLE=%s", fx.ca_path);
    snprintf(login, sizeof login, "MOCK_LOGIN=%s", fx.login);
    snprintf(arm, sizeof arm, "MOCK_ARM=%s", fx.arm);
    snprintf(cert_env, sizeof cert_env, "MOCK_CERT_PATH=%s", both);
    char *env[] = {ca,
                   login,
                   arm,
                   cert_env,
                   "MOCK_TENANT=" T_TENANT,
                   "MOCK_CLIENT_ID=" T_SP,
                   "MOCK_CLIENT_SECRET=" T_SP_SECRET,
                   "MOCK_SCOPE=subscriptions/00000000-0000-0000-0000-00000000000a",
                   "MOCK_STORAGE_ID=" T_STORAGE,
                   OFFLINE_ENV,
                   NULL};
    char *argv[] = {(char *)python, script, NULL};
    admin_send(&fx, "DELETE", "/admin/requests", NULL);
    char *out = NULL, *err = NULL;
    int rc = test_run_command(argv, env, NULL, &out, &err);
    if (rc != 0)
        fprintf(stderr, "python sdk: exit %d\n%s\n%s\n", rc, out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "python sdk roundtrip ok"));
    /* Two credentials, each: create, update, delete; the mock saw exactly that. */
    assert_int_equal(admin_count(&fx, "exports.put"), 4);
    assert_int_equal(admin_count(&fx, "exports.delete"), 2);
    assert_int_equal(admin_count(&fx, "exports.run"), 2);
    assert_true(admin_count(&fx, "entra.token") >= 2);
    free(out);
    free(err);
    free(script);
}

static void test_js_sdk_roundtrip(void **state)
{
    (void)state;
    char *modules = test_data_path("../../tools/npm/node_modules");
    char probe_path[1024];
    snprintf(probe_path, sizeof probe_path, "%s/@azure/arm-costmanagement/package.json", modules);
    char *node_probe[] = {"/usr/bin/env", "node", "--version", NULL};
    char *probe = test_read_file(probe_path, NULL);
    if (probe == NULL || test_run_command(node_probe, NULL, NULL, NULL, NULL) != 0) {
        fprintf(stderr, "node or tools/npm (@azure/arm-costmanagement) is missing: skipped\n");
        free(probe);
        free(modules);
        skip();
    }
    free(probe);
    char both[512];
    write_combined_pem(both, sizeof both);
    char *script = test_data_path("../mock-server/clients/js_sdk_roundtrip.js");
    char ca[600], login[128], arm[128], cert_env[600], node_path[1100];
    snprintf(ca, sizeof ca, "NODE_EXTRA_CA_CERTS=%s", fx.ca_path);
    snprintf(login, sizeof login, "MOCK_LOGIN=%s", fx.login);
    snprintf(arm, sizeof arm, "MOCK_ARM=%s", fx.arm);
    snprintf(cert_env, sizeof cert_env, "MOCK_CERT_PATH=%s", both);
    snprintf(node_path, sizeof node_path, "NODE_PATH=%s", modules);
    char *env[] = {ca,
                   login,
                   arm,
                   cert_env,
                   node_path,
                   "MOCK_TENANT=" T_TENANT,
                   "MOCK_CLIENT_ID=" T_SP,
                   "MOCK_CLIENT_SECRET=" T_SP_SECRET,
                   "MOCK_SCOPE=subscriptions/00000000-0000-0000-0000-00000000000a",
                   "MOCK_STORAGE_ID=" T_STORAGE,
                   OFFLINE_ENV,
                   NULL};
    char *argv[] = {"/usr/bin/env", "node", script, NULL};
    admin_send(&fx, "DELETE", "/admin/requests", NULL);
    char *out = NULL, *err = NULL;
    int rc = test_run_command(argv, env, NULL, &out, &err);
    if (rc != 0)
        fprintf(stderr, "js sdk: exit %d\n%s\n%s\n", rc, out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "js sdk roundtrip ok"));
    assert_int_equal(admin_count(&fx, "exports.put"), 4);
    assert_int_equal(admin_count(&fx, "exports.delete"), 2);
    assert_int_equal(admin_count(&fx, "entra.token"), 2);
    free(out);
    free(err);
    free(script);
    free(modules);
}

static int az(char *const args[], char **out)
{
    char config[600], ca[600];
    snprintf(config, sizeof config, "AZURE_CONFIG_DIR=%s/az", work_dir);
    snprintf(ca, sizeof ca, "REQUESTS_CA_BUNDLE=%s", fx.ca_path);
    char *env[] = {
        config,      ca,  "AZURE_CORE_COLLECT_TELEMETRY=false", "AZURE_CORE_ONLY_SHOW_ERRORS=true",
        OFFLINE_ENV, NULL};
    char *argv[32] = {"/usr/bin/env", "az"};
    size_t n = 2;
    for (size_t i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *err = NULL;
    int rc = test_run_command(argv, env, NULL, out, &err);
    if (rc != 0)
        fprintf(stderr, "az %s: exit %d: %s\n", args[0], rc, err ? err : "");
    free(err);
    return rc;
}

static void test_az_login_and_rest(void **state)
{
    (void)state;
    char *probe[] = {"/usr/bin/env", "az", "version", NULL};
    if (test_run_command(probe, NULL, NULL, NULL, NULL) != 0) {
        fprintf(stderr, "az (azure-cli) is not installed: skipped\n");
        skip();
    }
    /* A cloud whose AD endpoint is the mock's /adfs authority: MSAL skips instance
     * discovery for ADFS, and az asks for management.core.windows.net//.default. */
    char ad[256], rm[256];
    snprintf(ad, sizeof ad, "%s/adfs", fx.login);
    snprintf(rm, sizeof rm, "%s/", fx.arm);
    char *out = NULL;
    char *reg[] = {"cloud",
                   "register",
                   "-n",
                   "HubagentMock",
                   "--endpoint-active-directory",
                   ad,
                   "--endpoint-resource-manager",
                   rm,
                   "--endpoint-active-directory-resource-id",
                   "https://management.core.windows.net/",
                   "--endpoint-management",
                   "https://management.core.windows.net/",
                   "--endpoint-active-directory-graph-resource-id",
                   "https://graph.windows.net/",
                   NULL};
    assert_int_equal(az(reg, NULL), 0);
    char *set[] = {"cloud", "set", "-n", "HubagentMock", NULL};
    assert_int_equal(az(set, NULL), 0);
    char *login[] = {"login",    "--service-principal",
                     "-u",       T_SP,
                     "-p",       T_SP_SECRET,
                     "--tenant", T_TENANT,
                     "--query",  "[].name",
                     "-o",       "tsv",
                     NULL};
    assert_int_equal(az(login, &out), 0);
    assert_non_null(strstr(out, "Hub subscription"));
    free(out);

    char url[512];
    snprintf(url, sizeof url,
             "%s" T_SUB "/providers/Microsoft.CostManagement/exports/az-export?api-version="
             "2023-07-01-preview",
             fx.arm);
    char body[1024];
    snprintf(body, sizeof body,
             "{\"properties\":{\"deliveryInfo\":{\"destination\":{\"resourceId\":\"%s\","
             "\"container\":\"msexports\"}},\"definition\":{\"type\":\"FocusCost\","
             "\"timeframe\":\"MonthToDate\"}}}",
             T_STORAGE);
    char *put[] = {"rest", "--method", "put",  "--url", url,   "--body",
                   body,   "--query",  "name", "-o",    "tsv", NULL};
    assert_int_equal(az(put, &out), 0);
    assert_non_null(strstr(out, "az-export"));
    free(out);
    char *get[] = {"rest",
                   "--method",
                   "get",
                   "--url",
                   url,
                   "--query",
                   "properties.definition.dataSet.configuration.dataVersion",
                   "-o",
                   "tsv",
                   NULL};
    assert_int_equal(az(get, &out), 0);
    assert_non_null(strstr(out, "1.0r2")); /* the service default was filled in */
    free(out);
    char *del[] = {"rest", "--method", "delete", "--url", url, NULL};
    assert_int_equal(az(del, NULL), 0);
    char *again[] = {"rest", "--method", "get", "--url", url, NULL};
    assert_int_not_equal(az(again, NULL), 0);
    assert_true(admin_count(&fx, "subscriptions.list") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_sdk_roundtrip),
        cmocka_unit_test(test_js_sdk_roundtrip),
        cmocka_unit_test(test_az_login_and_rest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
