/* hubagent-mock throttling (Cost Management entity/client/tenant buckets, ARM read and
 * write buckets, 429 headers, remaining-quota headers) and scripted or random faults. */
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

#define LIST T_SUB "/providers/Microsoft.CostManagement/exports?api-version=2025-03-01"
#define LIST_RG                                                                                    \
    T_SUB "/resourceGroups/rg-hub/providers/Microsoft.CostManagement/exports?api-version="         \
          "2025-03-01"

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    token = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    return token ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(token);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int reset_state(void **state)
{
    (void)state;
    admin_send(&fx, "POST", "/admin/reset", NULL);
    return 0;
}

static void assert_header(const http_result *r, const char *name, const char *value)
{
    char *got = http_header(r, name);
    if (got == NULL || (value && strcmp(got, value) != 0))
        fprintf(stderr, "header %s: %s (want %s)\n%s", name, got ? got : "(missing)",
                value ? value : "(any)", r->headers);
    assert_non_null(got);
    if (value != NULL)
        assert_string_equal(got, value);
    free(got);
}

static void test_cost_management_buckets(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/throttling",
               "{\"scope_client\": {\"capacity\": 3, \"refill_per_second\": 0.01}}");
    const char *remaining[] = {"DefaultQuota:2", "DefaultQuota:1", "DefaultQuota:0"};
    http_result r;
    for (int i = 0; i < 3; i++) {
        arm_call(&fx, token, "GET", LIST, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_header(&r, "x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests",
                      remaining[i]);
        assert_header(&r, "x-ms-ratelimit-remaining-subscription-reads", NULL);
        http_result_dispose(&r);
    }
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 429);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "code")), "429");
    assert_header(&r, "Retry-After", "100");
    assert_header(&r, "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "100");
    http_result_dispose(&r);
    /* Another scope has its own bucket. */
    arm_call(&fx, token, "GET", LIST_RG, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    assert_int_equal(admin_count(&fx, "exports.list"), 5);
    /* Tokens come back with time. */
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": 200}");
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

static void test_tenant_bucket_and_arm_reads(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/throttling",
               "{\"tenant\": {\"capacity\": 2, \"refill_per_second\": 0.5}}");
    http_result r;
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", LIST_RG, NULL, &r);
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 429);
    assert_header(&r, "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "2");
    http_result_dispose(&r);

    admin_send(&fx, "POST", "/admin/reset", NULL);
    admin_send(&fx, "PUT", "/admin/throttling",
               "{\"arm_reads\": {\"capacity\": 2, \"refill_per_second\": 0.25}}");
    for (int i = 0; i < 2; i++) {
        arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
        assert_int_equal(r.status, 200);
        assert_header(&r, "x-ms-ratelimit-remaining-subscription-reads", i == 0 ? "1" : "0");
        http_result_dispose(&r);
    }
    arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 429);
    assert_header(&r, "Retry-After", "4");
    http_result_dispose(&r);
    /* Writes have their own bucket. */
    char *body = export_body("ActualCost", NULL);
    arm_call(&fx, token, "PUT",
             T_SUB "/providers/Microsoft.CostManagement/exports/w?api-version=2025-03-01", body,
             &r);
    assert_int_equal(r.status, 201);
    assert_header(&r, "x-ms-ratelimit-remaining-subscription-writes", NULL);
    http_result_dispose(&r);
    free(body);
    /* Switched off, nothing is throttled. */
    admin_send(&fx, "PUT", "/admin/throttling", "{\"enabled\": false}");
    arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

static void test_client_bucket_and_client_type(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/throttling",
               "{\"client\": {\"capacity\": 1, \"refill_per_second\": 0.1}}");
    http_result r;
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "x-ms-ratelimit-remaining-microsoft.costmanagement-clienttype-requests",
                  "DefaultQuota:0");
    http_result_dispose(&r);
    /* The same client on another scope shares the client bucket. */
    arm_call(&fx, token, "GET", LIST_RG, NULL, &r);
    assert_int_equal(r.status, 429);
    assert_header(&r, "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after", "10");
    http_result_dispose(&r);
    /* A ClientType header moves the caller into its own bucket. */
    char url[512], auth[4096];
    snprintf(url, sizeof url, "%s%s", fx.arm, LIST_RG);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *headers[] = {auth, "ClientType: hubagent", NULL};
    http_call("GET", url, fx.ca_path, headers, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

static void set_faults(const char *json)
{
    admin_send(&fx, "PUT", "/admin/faults", json);
}

static void test_scripted_5xx_and_retry_after(void **state)
{
    (void)state;
    set_faults(
        "[{\"route\": \"exports.list\", \"sequence\": [{\"status\": 503, \"retry_after\": 7},"
        " {\"status\": 500}, null]}]");
    http_result r;
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_header(&r, "Retry-After", "7");
    assert_non_null(json_object_get(json_object_get(r.json, "error"), "code"));
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 500);
    char *retry = http_header(&r, "Retry-After");
    assert_null(retry);
    http_result_dispose(&r);
    for (int i = 0; i < 2; i++) { /* a null step passes, then the script is used up */
        arm_call(&fx, token, "GET", LIST, NULL, &r);
        assert_int_equal(r.status, 200);
        http_result_dispose(&r);
    }
    /* Other routes are untouched. */
    set_faults("[{\"route\": \"entra.token\", \"probability\": 1, \"fault\": {\"status\": 503}}]");
    char *none = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    assert_null(none);
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    set_faults("[{\"route\": \"exports.*\", \"probability\": 0, \"fault\": {\"status\": 500}}]");
    arm_call(&fx, token, "GET", LIST, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

static void test_resets_slow_and_broken_bodies(void **state)
{
    (void)state;
    set_faults("[{\"route\": \"subscriptions.list\", \"sequence\": [{\"reset\": true}, "
               "{\"truncate\": true}, {\"malformed\": true}, {\"delay_ms\": 300}]}]");
    http_result r;
    arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 0);
    assert_int_not_equal(r.curl_code, 0);
    http_result_dispose(&r);
    for (int i = 0; i < 2; i++) {
        arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(r.body_len > 0);
        assert_null(r.json); /* not valid JSON */
        http_result_dispose(&r);
    }
    arm_call(&fx, token, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    http_result_dispose(&r);
    assert_int_equal(admin_count(&fx, "subscriptions.list"), 4);

    /* The reply is lost but the export was created. */
    set_faults("[{\"route\": \"exports.put\", \"sequence\": [{\"reset_after\": true}]}]");
    char *body = export_body("ActualCost", NULL);
    const char *path =
        T_SUB "/providers/Microsoft.CostManagement/exports/lost?api-version=2025-03-01";
    arm_call(&fx, token, "PUT", path, body, &r);
    assert_int_equal(r.status, 0);
    http_result_dispose(&r);
    free(body);
    arm_call(&fx, token, "GET", path, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

static void test_run_fault_ends_failed(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/runs", "{\"queued_ms\": 0, \"in_progress_ms\": 0}");
    set_faults("[{\"route\": \"exports.run\", \"sequence\": [{\"run_status\": \"Failed\"}]}]");
    char *body = export_body("ActualCost", NULL);
    const char *base = T_SUB "/providers/Microsoft.CostManagement/exports/f";
    char path[512];
    http_result r;
    snprintf(path, sizeof path, "%s?api-version=2025-03-01", base);
    arm_call(&fx, token, "PUT", path, body, &r);
    http_result_dispose(&r);
    free(body);
    snprintf(path, sizeof path, "%s/run?api-version=2025-03-01", base);
    arm_call(&fx, token, "POST", path, NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    arm_call(&fx, token, "POST", path, NULL, &r);
    http_result_dispose(&r);
    snprintf(path, sizeof path, "%s/runHistory?api-version=2025-03-01", base);
    arm_call(&fx, token, "GET", path, NULL, &r);
    json_t *runs = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(runs), 2);
    /* Newest first: the second run completed, the first failed. */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(runs, 0), "properties"), "status")),
                        "Completed");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(runs, 1), "properties"), "status")),
                        "Failed");
    http_result_dispose(&r);
}

static void test_bad_fault_rules_are_refused(void **state)
{
    (void)state;
    char url[512];
    snprintf(url, sizeof url, "%s/admin/faults", fx.admin);
    http_result r;
    http_call("PUT", url, NULL, NULL, "[{\"route\": \"x\", \"sequence\": [{\"bogus\": 1}]}]", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "bogus"));
    http_result_dispose(&r);
    http_call("PUT", url, NULL, NULL, "[{\"route\": \"x\", \"probability\": 2, \"fault\": {}}]",
              &r);
    assert_int_equal(r.status, 400);
    http_result_dispose(&r);
    snprintf(url, sizeof url, "%s/admin/throttling", fx.admin);
    http_call("PUT", url, NULL, NULL, "{\"tenant\": {\"capacty\": 1}}", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "capacty"));
    http_result_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cost_management_buckets, reset_state),
        cmocka_unit_test_setup(test_tenant_bucket_and_arm_reads, reset_state),
        cmocka_unit_test_setup(test_client_bucket_and_client_type, reset_state),
        cmocka_unit_test_setup(test_scripted_5xx_and_retry_after, reset_state),
        cmocka_unit_test_setup(test_resets_slow_and_broken_bodies, reset_state),
        cmocka_unit_test_setup(test_run_fault_ends_failed, reset_state),
        cmocka_unit_test_setup(test_bad_fault_rules_are_refused, reset_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
