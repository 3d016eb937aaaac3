/* hubagent-mock skeleton: start line, TLS with the generated CA, admin API, unknown
 * routes answered with ARM's error envelope, bad configuration refused. */
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
static char *token;

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc == 0)
        token = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    return rc == 0 && token != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(token);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_start_line_names_every_endpoint(void **state)
{
    (void)state;
    assert_non_null(strstr(fx.arm, "https://127.0.0.1:"));
    assert_string_equal(fx.arm, fx.login);
    assert_non_null(strstr(fx.imds, "http://127.0.0.1:"));
    assert_non_null(strstr(fx.admin, "http://127.0.0.1:"));
    assert_non_null(strstr(fx.identity_endpoint, "/msi/token"));
    assert_string_equal(fx.identity_header, "test-identity-header");
    char *ca = mock_fixture_json_field(fx.start_line, "ca");
    assert_string_equal(ca, fx.ca_path);
    free(ca);
    char *pem = test_read_file(fx.ca_path, NULL);
    assert_non_null(pem);
    assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
    free(pem);
}

static void test_tls_is_trusted_only_with_the_ca(void **state)
{
    (void)state;
    char url[512];
    snprintf(url, sizeof url, "%s/%s/v2.0/.well-known/openid-configuration", fx.login, T_TENANT);
    http_result r;
    http_call("GET", url, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    /* localhost is in the certificate too. */
    char local[512];
    snprintf(local, sizeof local, "https://localhost:%s/%s/v2.0/.well-known/openid-configuration",
             strrchr(fx.login, ':') + 1, T_TENANT);
    http_call("GET", local, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    /* Without the CA the handshake fails: the certificate is the mock's own. */
    char *other = test_data_path("mock-server/other-cert.pem");
    http_call("GET", url, other, NULL, NULL, &r);
    free(other);
    assert_int_equal(r.status, 0);
    assert_int_not_equal(r.curl_code, 0);
    http_result_dispose(&r);
}

static void test_unknown_routes_get_arm_errors(void **state)
{
    (void)state;
    http_result r;
    arm_call(&fx, token, "GET", "/foo/bar?api-version=2022-01-01", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "code")), "NotFound");
    char *request_id = http_header(&r, "x-ms-request-id");
    char *echo = http_header(&r, "x-ms-client-request-id");
    assert_non_null(request_id);
    assert_string_equal(echo, "test-request-id");
    free(request_id);
    free(echo);
    http_result_dispose(&r);

    arm_call(&fx, token, "GET",
             T_SUB "/providers/Microsoft.CostManagement/budgets?api-version=2023-03-01", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "code")),
        "InvalidResourceType");
    http_result_dispose(&r);

    arm_call(&fx, token, "GET",
             T_SUB "/providers/Microsoft.CostManagement/exports/x/other?api-version=2023-03-01",
             NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "code")), "NotFound");
    http_result_dispose(&r);

    arm_call(&fx, token, "PATCH",
             T_SUB "/providers/Microsoft.CostManagement/exports/x?api-version=2023-03-01", "{}",
             &r);
    assert_int_equal(r.status, 405);
    assert_non_null(json_object_get(json_object_get(r.json, "error"), "message"));
    http_result_dispose(&r);

    /* The plain-http listeners refuse unknown paths too. */
    char url[512];
    snprintf(url, sizeof url, "%s/nothing", fx.imds);
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    http_result_dispose(&r);
    snprintf(url, sizeof url, "%s/admin/nothing", fx.admin);
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    http_result_dispose(&r);
}

static void test_admin_counts_requests_per_route(void **state)
{
    (void)state;
    admin_send(&fx, "DELETE", "/admin/requests", NULL);
    assert_int_equal(admin_count(&fx, "subscriptions.list"), 0);
    for (int i = 0; i < 3; i++) {
        http_result r;
        arm_call(&fx, token, "GET", "/subscriptions?api-version=2022-12-01", NULL, &r);
        assert_int_equal(r.status, 200);
        http_result_dispose(&r);
    }
    assert_int_equal(admin_count(&fx, "subscriptions.list"), 3);
    char url[512];
    snprintf(url, sizeof url, "%s/admin/requests?route=subscriptions.list", fx.admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    json_t *first = json_array_get(json_object_get(r.json, "requests"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "principal")), T_SP_OID);
    assert_int_equal(json_integer_value(json_object_get(first, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 3);
    assert_string_equal(json_string_value(json_object_get(first, "api_version")), "2022-12-01");
    http_result_dispose(&r);
    admin_send(&fx, "DELETE", "/admin/requests", NULL);
    assert_int_equal(admin_count(&fx, "subscriptions.list"), 0);
}

static void run_with_config(const char *text, int *out_code, char **out_stderr)
{
    char *dir = test_make_temp_dir();
    char path[512], ca[512];
    snprintf(path, sizeof path, "%s/config.json", dir);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    char *binary = test_build_path("mock-server/hubagent-mock");
    char *argv[] = {binary, "--config", path, "--ca-out", ca, NULL};
    *out_code = test_run_command(argv, NULL, NULL, NULL, out_stderr);
    free(binary);
    test_remove_tree(dir);
    free(dir);
}

static void test_bad_configuration_is_refused_with_a_reason(void **state)
{
    (void)state;
    int code;
    char *err = NULL;
    run_with_config("{\"tenants\": []}", &code, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "tenants"));
    free(err);
    run_with_config("{\"tenants\": [\"t\"], \"principals\": [{\"client_id\": \"c\"}]}", &code,
                    &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "principals[0].object_id"));
    free(err);
    run_with_config("{\"tenants\": [\"t\"], \"role_assignments\": [{\"principal\": \"x\", "
                    "\"role\": \"Owner\", \"scope\": \"/subscriptions/s\"}]}",
                    &code, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "role_assignments[0].principal"));
    free(err);
    run_with_config("{\"tenants\": [\"t\"], \"faults\": [{\"route\": \"exports.get\"}]}", &code,
                    &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "faults[0]"));
    free(err);
    /* A typo is named, not silently ignored. */
    run_with_config("{\"tenants\": [\"t\"], \"subscriptions\": [{\"id\": \"s\", "
                    "\"managment_group\": \"m\"}]}",
                    &code, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "subscriptions[0]: unknown key 'managment_group'"));
    free(err);
    run_with_config("{\"tenants\": [\"t\"], \"throttle\": {}}", &code, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "unknown key 'throttle'"));
    free(err);
    run_with_config("{\"tenants\": [\"t\"], ", &code, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "config.json:"));
    free(err);
}

static void test_examples_start(void **state)
{
    (void)state;
    const char *examples[] = {"ea-mca-hub.json", "faults-and-throttling.json"};
    for (size_t i = 0; i < 2; i++) {
        char relative[128];
        snprintf(relative, sizeof relative, "../../mock-server/examples/%s", examples[i]);
        char *path = test_data_path(relative);
        mock_fixture example;
        assert_int_equal(mock_fixture_start(path, &example), 0);
        int status = mock_fixture_stop(&example);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_line_names_every_endpoint),
        cmocka_unit_test(test_tls_is_trusted_only_with_the_ca),
        cmocka_unit_test(test_unknown_routes_get_arm_errors),
        cmocka_unit_test(test_admin_counts_requests_per_route),
        cmocka_unit_test(test_bad_configuration_is_refused_with_a_reason),
        cmocka_unit_test(test_examples_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
