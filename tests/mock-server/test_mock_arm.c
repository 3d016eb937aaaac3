/* hubagent-mock ARM front door: bearer token checks (signature, audience, expiry,
 * tenant), RBAC over the scope tree, api-version, subscriptions and billing/MG look-ups. */
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
static char *owner, *reader, *norole;

#define LIST_PATH(scope) scope "/providers/Microsoft.CostManagement/exports?api-version=2025-03-01"
#define EA_BA            "/providers/Microsoft.Billing/billingAccounts/8611537"
#define MCA_BA           "/providers/Microsoft.Billing/billingAccounts/aaaa-bbbb:cccc-dddd_2019-05-31"

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    const char *scope = "https://management.azure.com/.default";
    owner = mock_token(&fx, T_SP, T_SP_SECRET, scope);
    reader = mock_token(&fx, T_READER, "test-secret-2", scope);
    norole = mock_token(&fx, T_NOROLE, "test-secret-3", scope);
    return owner && reader && norole ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(owner);
    free(reader);
    free(norole);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *error_code(const http_result *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
}

static void expect(const char *token, const char *method, const char *path, const char *body,
                   long status, const char *code)
{
    http_result r;
    arm_call(&fx, token, method, path, body, &r);
    if (r.status != status)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, r.status, r.body);
    assert_int_equal(r.status, status);
    if (code != NULL)
        assert_string_equal(error_code(&r), code);
    if (status == 401) {
        char *challenge = http_header(&r, "WWW-Authenticate");
        assert_non_null(challenge);
        assert_non_null(strstr(challenge, "Bearer authorization_uri="));
        free(challenge);
    }
    http_result_dispose(&r);
}

static void test_tokens_are_checked(void **state)
{
    (void)state;
    expect(NULL, "GET", LIST_PATH(T_SUB), NULL, 401, "AuthenticationFailed");
    expect("garbage", "GET", LIST_PATH(T_SUB), NULL, 401, "InvalidAuthenticationToken");
    /* A token with a forged signature. */
    char *forged = strdup(owner);
    char *last = strrchr(forged, '.');
    last[1] = last[1] == 'A' ? 'B' : 'A';
    expect(forged, "GET", LIST_PATH(T_SUB), NULL, 401, "InvalidAuthenticationToken");
    free(forged);
    /* A storage token is refused by ARM. */
    char *storage = mock_token(&fx, T_SP, T_SP_SECRET, "https://storage.azure.com/.default");
    assert_non_null(storage);
    expect(storage, "GET", LIST_PATH(T_SUB), NULL, 401, "InvalidAuthenticationTokenAudience");
    free(storage);
    /* az's audience is accepted. */
    char *az = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.core.windows.net//.default");
    expect(az, "GET", LIST_PATH(T_SUB), NULL, 200, NULL);
    free(az);
    /* A token from another tenant on this tenant's subscription. */
    char url[512];
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", fx.login, T_TENANT2);
    http_result r;
    http_call("POST", url, fx.ca_path, NULL,
              "grant_type=client_credentials&client_id=" T_OTHER "&client_secret=test-secret-4"
              "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
              &r);
    assert_int_equal(r.status, 200);
    char *other = strdup(json_string_value(json_object_get(r.json, "access_token")));
    http_result_dispose(&r);
    expect(other, "GET", LIST_PATH(T_SUB), NULL, 401, "InvalidAuthenticationTokenTenant");
    expect(other, "GET", LIST_PATH(T_SUB_OTHER), NULL, 200, NULL);
    free(other);
}

static void test_expired_tokens_are_refused(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/tokens", "{\"lifetime_s\": 60}");
    char *short_lived = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    admin_send(&fx, "PUT", "/admin/tokens", "{\"lifetime_s\": 3599}");
    expect(short_lived, "GET", LIST_PATH(T_SUB), NULL, 200, NULL);
    /* Move the mock's clock instead of sleeping. */
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": 120}");
    http_result r;
    arm_call(&fx, short_lived, "GET", LIST_PATH(T_SUB), NULL, &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(error_code(&r), "ExpiredAuthenticationToken");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(r.json, "error"), "message")),
               "is earlier than current UTC time"));
    http_result_dispose(&r);
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": -120}");
    free(short_lived);
}

static void test_rbac_follows_the_scope_tree(void **state)
{
    (void)state;
    /* Owner at the root management group reaches resource groups below. */
    expect(owner, "GET", LIST_PATH(T_SUB "/resourceGroups/rg-app"), NULL, 200, NULL);
    /* Enrollment administrator at the EA account reaches its department. */
    expect(owner, "GET", LIST_PATH(EA_BA "/departments/1234"), NULL, 200, NULL);
    /* Reader reads but cannot write. */
    expect(reader, "GET", LIST_PATH(T_SUB), NULL, 200, NULL);
    char *body = export_body("ActualCost", NULL);
    char path[512];
    snprintf(path, sizeof path,
             T_SUB "/providers/Microsoft.CostManagement/exports/denied?api-version=2025-03-01");
    expect(reader, "PUT", path, body, 403, "AuthorizationFailed");
    free(body);
    /* Reader has no role on the MCA subscription. */
    expect(reader, "GET", LIST_PATH(T_SUB_MCA), NULL, 403, "AuthorizationFailed");
    /* Nobody role: billing scopes answer RBACAccessDenied. */
    expect(norole, "GET", LIST_PATH(EA_BA), NULL, 403, "RBACAccessDenied");
    expect(norole, "GET", LIST_PATH(T_SUB), NULL, 403, "AuthorizationFailed");
}

static void test_unknown_scopes_and_api_versions(void **state)
{
    (void)state;
    expect(owner, "GET", LIST_PATH("/subscriptions/99999999-0000-0000-0000-000000000000"), NULL,
           404, "SubscriptionNotFound");
    expect(owner, "GET", LIST_PATH(T_SUB "/resourceGroups/nope"), NULL, 404,
           "ResourceGroupNotFound");
    expect(owner, "GET", LIST_PATH("/providers/Microsoft.Billing/billingAccounts/0"), NULL, 404,
           "NotFound");
    expect(owner, "GET", T_SUB "/providers/Microsoft.CostManagement/exports", NULL, 400,
           "MissingApiVersionParameter");
    expect(owner, "GET", T_SUB "/providers/Microsoft.CostManagement/exports?api-version=2099-01-01",
           NULL, 400, "NoRegisteredProviderFound");
    /* Scopes without a leading slash and in another case resolve the same. */
    expect(owner, "GET",
           "//SUBSCRIPTIONS/00000000-0000-0000-0000-00000000000A/providers/"
           "Microsoft.CostManagement/exports?api-version=2022-10-01",
           NULL, 200, NULL);
}

static void test_subscriptions_and_lookups(void **state)
{
    (void)state;
    http_result r;
    arm_call(&fx, owner, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *value = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(value), 2);
    json_t *first = json_array_get(value, 0);
    assert_string_equal(json_string_value(json_object_get(first, "displayName")),
                        "Hub subscription");
    assert_string_equal(json_string_value(json_object_get(first, "state")), "Enabled");
    assert_string_equal(json_string_value(json_object_get(first, "tenantId")), T_TENANT);
    assert_string_equal(json_string_value(json_object_get(first, "id")), T_SUB);
    http_result_dispose(&r);
    /* The reader sees only its subscription. */
    arm_call(&fx, reader, "GET", "/subscriptions?api-version=2019-11-01", NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
    http_result_dispose(&r);
    arm_call(&fx, owner, "GET", T_SUB "?api-version=2019-11-01", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "subscriptionId")),
                        "00000000-0000-0000-0000-00000000000a");
    http_result_dispose(&r);

    arm_call(&fx, owner, "GET",
             "/providers/Microsoft.Management/managementGroups/mg-root/descendants?api-version="
             "2020-05-01",
             NULL, &r);
    assert_int_equal(r.status, 200);
    value = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(value), 4); /* mg-ea, mg-mixed and two subscriptions */
    bool found = false;
    for (size_t i = 0; i < json_array_size(value); i++) {
        json_t *item = json_array_get(value, i);
        if (strcmp(json_string_value(json_object_get(item, "id")), T_SUB_MCA) == 0) {
            found = true;
            assert_string_equal(
                json_string_value(json_object_get(
                    json_object_get(json_object_get(item, "properties"), "parent"), "id")),
                "/providers/Microsoft.Management/managementGroups/mg-mixed");
        }
    }
    assert_true(found);
    http_result_dispose(&r);

    arm_call(&fx, owner, "GET",
             MCA_BA "/billingProfiles/BP01/billingSubscriptions?api-version=2024-04-01", NULL, &r);
    assert_int_equal(r.status, 200);
    value = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(value), 1);
    json_t *props = json_object_get(json_array_get(value, 0), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "invoiceSectionId")),
                        MCA_BA "/billingProfiles/BP01/invoiceSections/IS01");
    assert_string_equal(json_string_value(json_object_get(props, "subscriptionId")),
                        "00000000-0000-0000-0000-00000000000b");
    http_result_dispose(&r);

    arm_call(&fx, owner, "GET", EA_BA "?api-version=2024-04-01", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "properties"), "agreementType")),
        "EnterpriseAgreement");
    http_result_dispose(&r);
    expect(norole, "GET", EA_BA "/billingSubscriptions?api-version=2024-04-01", NULL, 403,
           "AuthorizationFailed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_are_checked),
        cmocka_unit_test(test_expired_tokens_are_refused),
        cmocka_unit_test(test_rbac_follows_the_scope_tree),
        cmocka_unit_test(test_unknown_scopes_and_api_versions),
        cmocka_unit_test(test_subscriptions_and_lookups),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
