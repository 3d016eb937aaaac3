/* hubagent-mock Entra ID and managed identity: discovery, JWKS, client secret and
 * certificate assertions (RS256/x5t, PS256/x5t#S256), AADSTS errors, IMDS, App Service,
 * legacy MSI and Cloud Shell endpoints, and the claims of the issued tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mock_client.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static mock_fixture fx;
static char *cert_path, *key_path, *other_cert, *other_key;

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    cert_path = test_data_path("mock-server/sp-cert.pem");
    key_path = test_data_path("mock-server/sp-key.pem");
    other_cert = test_data_path("mock-server/other-cert.pem");
    other_key = test_data_path("mock-server/other-key.pem");
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    free(cert_path);
    free(key_path);
    free(other_cert);
    free(other_key);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static json_t *jwt_claims(const char *token)
{
    const char *dot = strchr(token, '.');
    assert_non_null(dot);
    const char *end = strchr(dot + 1, '.');
    assert_non_null(end);
    size_t len = (size_t)(end - dot - 1);
    char *part = calloc(1, len + 4);
    memcpy(part, dot + 1, len);
    for (char *p = part; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    while (strlen(part) % 4)
        strcat(part, "=");
    unsigned char *raw = calloc(1, len + 4);
    int n = EVP_DecodeBlock(raw, (unsigned char *)part, (int)strlen(part));
    assert_true(n > 0);
    json_t *claims = json_loads((char *)raw, JSON_DISABLE_EOF_CHECK, NULL);
    free(part);
    free(raw);
    assert_non_null(claims);
    return claims;
}

static void token_request(const char *tenant, const char *form, http_result *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", fx.login, tenant);
    http_call("POST", url, fx.ca_path, NULL, form, out);
}

static const char *error_code_text(const http_result *r)
{
    return json_string_value(json_object_get(r->json, "error"));
}

static bool description_has(const http_result *r, const char *needle)
{
    const char *d = json_string_value(json_object_get(r->json, "error_description"));
    return d != NULL && strstr(d, needle) != NULL;
}

static void test_discovery_issuer_follows_the_request_host(void **state)
{
    (void)state;
    char url[512], expected[512];
    snprintf(url, sizeof url, "%s/%s/v2.0/.well-known/openid-configuration", fx.login, T_TENANT);
    http_result r;
    http_call("GET", url, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    snprintf(expected, sizeof expected, "%s/%s/v2.0", fx.login, T_TENANT);
    assert_string_equal(json_string_value(json_object_get(r.json, "issuer")), expected);
    snprintf(expected, sizeof expected, "%s/%s/oauth2/v2.0/token", fx.login, T_TENANT);
    assert_string_equal(json_string_value(json_object_get(r.json, "token_endpoint")), expected);
    const char *jwks = json_string_value(json_object_get(r.json, "jwks_uri"));
    assert_non_null(json_object_get(r.json, "authorization_endpoint"));
    char jwks_url[512];
    snprintf(jwks_url, sizeof jwks_url, "%s", jwks);
    http_result_dispose(&r);
    http_call("GET", jwks_url, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *key = json_array_get(json_object_get(r.json, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(key, "kty")), "RSA");
    assert_non_null(json_object_get(key, "n"));
    assert_non_null(json_object_get(key, "kid"));
    http_result_dispose(&r);
    /* localhost host → issuer on localhost. */
    snprintf(url, sizeof url, "https://localhost:%s/adfs/.well-known/openid-configuration",
             strrchr(fx.login, ':') + 1);
    http_call("GET", url, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    snprintf(expected, sizeof expected, "https://localhost:%s/adfs", strrchr(fx.login, ':') + 1);
    assert_string_equal(json_string_value(json_object_get(r.json, "issuer")), expected);
    http_result_dispose(&r);
    snprintf(url, sizeof url, "%s/no-such-tenant/v2.0/.well-known/openid-configuration", fx.login);
    http_call("GET", url, fx.ca_path, NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    http_result_dispose(&r);
}

static void test_client_secret_grants_a_signed_token_with_claims(void **state)
{
    (void)state;
    http_result r;
    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP "&client_secret=" T_SP_SECRET
                  "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&client_info=1"
                  "&claims=%7B%7D",
                  &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "token_type")), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")), 3599);
    assert_true(json_is_integer(json_object_get(r.json, "ext_expires_in")));
    json_t *claims = jwt_claims(json_string_value(json_object_get(r.json, "access_token")));
    assert_string_equal(json_string_value(json_object_get(claims, "tid")), T_TENANT);
    assert_string_equal(json_string_value(json_object_get(claims, "oid")), T_SP_OID);
    assert_string_equal(json_string_value(json_object_get(claims, "appid")), T_SP);
    assert_string_equal(json_string_value(json_object_get(claims, "aud")),
                        "https://management.azure.com");
    assert_string_equal(json_string_value(json_object_get(claims, "iss")),
                        "https://sts.windows.net/" T_TENANT "/");
    json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")) - iat, 3599);
    assert_non_null(json_object_get(claims, "nbf"));
    json_decref(claims);
    http_result_dispose(&r);

    /* az asks for management.core.windows.net with a double slash. */
    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP "&client_secret=" T_SP_SECRET
                  "&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default",
                  &r);
    assert_int_equal(r.status, 200);
    claims = jwt_claims(json_string_value(json_object_get(r.json, "access_token")));
    assert_string_equal(json_string_value(json_object_get(claims, "aud")),
                        "https://management.core.windows.net/");
    json_decref(claims);
    http_result_dispose(&r);
}

static void test_token_errors_are_aadsts(void **state)
{
    (void)state;
    http_result r;
    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP
                  "&client_secret=wrong&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                  &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(error_code_text(&r), "invalid_client");
    assert_true(description_has(&r, "AADSTS7000215"));
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r.json, "error_codes"), 0)),
                     7000215);
    assert_null(strstr(r.body, "wrong")); /* the secret is never echoed */
    assert_non_null(json_object_get(r.json, "trace_id"));
    assert_non_null(json_object_get(r.json, "correlation_id"));
    http_result_dispose(&r);

    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=99999999-0000-0000-0000-000000000000"
                  "&client_secret=x&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                  &r);
    assert_int_equal(r.status, 400);
    assert_true(description_has(&r, "AADSTS700016"));
    http_result_dispose(&r);

    /* A principal of another tenant is unknown in this one. */
    token_request(
        T_TENANT,
        "grant_type=client_credentials&client_id=" T_OTHER
        "&client_secret=test-secret-4&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
        &r);
    assert_int_equal(r.status, 400);
    assert_true(description_has(&r, "AADSTS700016"));
    http_result_dispose(&r);

    token_request("00000000-dead-beef-0000-000000000000",
                  "grant_type=client_credentials&client_id=" T_SP "&client_secret=" T_SP_SECRET
                  "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                  &r);
    assert_int_equal(r.status, 400);
    assert_true(description_has(&r, "AADSTS90002"));
    http_result_dispose(&r);

    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP "&client_secret=" T_SP_SECRET
                  "&scope=https%3A%2F%2Funknown.example.com%2F.default",
                  &r);
    assert_int_equal(r.status, 400);
    assert_true(description_has(&r, "AADSTS500011"));
    http_result_dispose(&r);

    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP
                  "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                  &r);
    assert_int_equal(r.status, 401);
    assert_true(description_has(&r, "AADSTS7000218"));
    http_result_dispose(&r);

    token_request(T_TENANT, "grant_type=password&client_id=" T_SP, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code_text(&r), "unsupported_grant_type");
    http_result_dispose(&r);
}

static void assertion_request(const char *assertion, http_result *out)
{
    char *form = malloc(strlen(assertion) + 512);
    sprintf(form,
            "grant_type=client_credentials&client_id=" T_SP
            "&scope=https%%3A%%2F%%2Fmanagement.azure.com%%2F.default"
            "&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-"
            "bearer"
            "&client_assertion=%s",
            assertion);
    token_request(T_TENANT, form, out);
    free(form);
}

static char *token_url(void)
{
    char *url = malloc(512);
    snprintf(url, 512, "%s/%s/oauth2/v2.0/token", fx.login, T_TENANT);
    return url;
}

static void expect_assertion(const char *alg, const char *alphabet, const char *key,
                             const char *cert, long exp_offset, bool nbf, long status,
                             const char *aadsts)
{
    char *aud = token_url();
    char *assertion = make_assertion(key, cert, alg, alphabet, aud, T_SP, exp_offset, nbf);
    http_result r;
    assertion_request(assertion, &r);
    if (r.status != status)
        fprintf(stderr, "%s/%s: %ld %s\n", alg, alphabet, r.status, r.body);
    assert_int_equal(r.status, status);
    if (aadsts != NULL)
        assert_true(description_has(&r, aadsts));
    else
        assert_non_null(json_object_get(r.json, "access_token"));
    http_result_dispose(&r);
    free(assertion);
    free(aud);
}

static void test_certificate_assertions_in_every_form(void **state)
{
    (void)state;
    /* Python/az: RS256 + x5t base64url with padding, no nbf. */
    expect_assertion("RS256", "url-padded", key_path, cert_path, 600, false, 200, NULL);
    expect_assertion("RS256", "url", key_path, cert_path, 600, true, 200, NULL);
    expect_assertion("RS256", "std", key_path, cert_path, 600, false, 200, NULL);
    /* JS: PS256 + x5t#S256 without padding. */
    expect_assertion("PS256", "url", key_path, cert_path, 600, true, 200, NULL);
    expect_assertion("PS256", "std", key_path, cert_path, 600, false, 200, NULL);
}

static void test_bad_assertions_are_refused(void **state)
{
    (void)state;
    /* Signed by a key whose certificate is not registered. */
    expect_assertion("RS256", "url", other_key, other_cert, 600, false, 401, "AADSTS700027");
    /* Registered thumbprint, wrong signing key. */
    expect_assertion("PS256", "url", other_key, cert_path, 600, false, 401, "AADSTS700027");
    /* Expired. */
    expect_assertion("RS256", "url", key_path, cert_path, -3600, false, 401, "AADSTS700024");
    /* Wrong audience. */
    char *assertion =
        make_assertion(key_path, cert_path, "RS256", "url",
                       "https://login.example.com/other/oauth2/v2.0/token", T_SP, 600, false);
    http_result r;
    assertion_request(assertion, &r);
    assert_int_equal(r.status, 401);
    assert_true(description_has(&r, "audience"));
    http_result_dispose(&r);
    free(assertion);
    assertion_request("not-a-jwt", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code_text(&r), "invalid_client");
    http_result_dispose(&r);
}

static void imds_get(const char *path_and_query, bool metadata, http_result *out)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", fx.imds, path_and_query);
    const char *headers[] = {"Metadata: true", NULL};
    http_call("GET", url, NULL, metadata ? headers : NULL, NULL, out);
}

static void assert_mi_reply(const http_result *r, const char *client_id, const char *resource)
{
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "client_id")), client_id);
    assert_string_equal(json_string_value(json_object_get(r->json, "resource")), resource);
    assert_string_equal(json_string_value(json_object_get(r->json, "token_type")), "Bearer");
    const char *expires_on = json_string_value(json_object_get(r->json, "expires_on"));
    const char *expires_in = json_string_value(json_object_get(r->json, "expires_in"));
    assert_non_null(expires_on);
    assert_non_null(expires_in);
    assert_true(atoll(expires_on) > (long long)time(NULL));
    json_t *claims = jwt_claims(json_string_value(json_object_get(r->json, "access_token")));
    assert_string_equal(json_string_value(json_object_get(claims, "appid")), client_id);
    json_decref(claims);
}

static void test_imds(void **state)
{
    (void)state;
    http_result r;
    const char *query = "/metadata/identity/oauth2/token?api-version=2018-02-01"
                        "&resource=https%3A%2F%2Fmanagement.azure.com";
    imds_get(query, false, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code_text(&r), "bad_request_102");
    http_result_dispose(&r);
    imds_get(query, true, &r);
    assert_mi_reply(&r, T_MI_SYSTEM, "https://management.azure.com");
    http_result_dispose(&r);
    /* The JS client adds a trailing slash. */
    imds_get("/metadata/identity/oauth2/token/?api-version=2018-02-01"
             "&resource=https://management.azure.com/",
             true, &r);
    assert_mi_reply(&r, T_MI_SYSTEM, "https://management.azure.com/");
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01"
             "&resource=https://management.azure.com&client_id=" T_MI_USER,
             true, &r);
    assert_mi_reply(&r, T_MI_USER, "https://management.azure.com");
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01"
             "&resource=https://management.azure.com&object_id=" T_MI_USER_OID,
             true, &r);
    assert_mi_reply(&r, T_MI_USER, "https://management.azure.com");
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01"
             "&resource=https://management.azure.com&msi_res_id=" T_SUB
             "/resourceGroups/rg-hub/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
             "uami",
             true, &r);
    assert_mi_reply(&r, T_MI_USER, "https://management.azure.com");
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01"
             "&resource=https://management.azure.com&client_id=" T_SP,
             true, &r);
    assert_int_equal(r.status, 400);
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01", true, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code_text(&r), "invalid_request");
    http_result_dispose(&r);
}

static void test_app_service_msi_and_cloud_shell(void **state)
{
    (void)state;
    char url[1024], header[256];
    snprintf(url, sizeof url,
             "%s?api-version=2019-08-01&resource=https%%3A%%2F%%2Fmanagement.azure.com",
             fx.identity_endpoint);
    snprintf(header, sizeof header, "X-IDENTITY-HEADER: %s", fx.identity_header);
    const char *headers[] = {header, NULL};
    http_result r;
    http_call("GET", url, NULL, headers, NULL, &r);
    assert_mi_reply(&r, T_MI_SYSTEM, "https://management.azure.com");
    http_result_dispose(&r);
    const char *wrong[] = {"X-IDENTITY-HEADER: nope", NULL};
    http_call("GET", url, NULL, wrong, NULL, &r);
    assert_int_equal(r.status, 401);
    http_result_dispose(&r);
    /* Legacy MSI_ENDPOINT + MSI_SECRET. */
    snprintf(url, sizeof url,
             "%s?api-version=2017-09-01&resource=https://management.azure.com&clientid=" T_MI_USER,
             fx.identity_endpoint);
    const char *secret[] = {"secret: test-msi-secret", NULL};
    http_call("GET", url, NULL, secret, NULL, &r);
    assert_mi_reply(&r, T_MI_USER, "https://management.azure.com");
    http_result_dispose(&r);
    /* Cloud Shell: POST form with Metadata: true (az login --identity). */
    const char *metadata[] = {"Metadata: true", NULL};
    http_call("POST", fx.identity_endpoint, NULL, metadata,
              "resource=https%3A%2F%2Fmanagement.core.windows.net%2F", &r);
    assert_mi_reply(&r, T_MI_SYSTEM, "https://management.core.windows.net/");
    http_result_dispose(&r);
    http_call("POST", fx.identity_endpoint, NULL, NULL, "resource=x", &r);
    assert_int_equal(r.status, 400);
    http_result_dispose(&r);
}

static void test_token_lifetime_is_configurable(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/tokens", "{\"lifetime_s\": 5}");
    http_result r;
    token_request(T_TENANT,
                  "grant_type=client_credentials&client_id=" T_SP "&client_secret=" T_SP_SECRET
                  "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                  &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")), 5);
    http_result_dispose(&r);
    imds_get("/metadata/identity/oauth2/token?api-version=2018-02-01"
             "&resource=https://management.azure.com",
             true, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "expires_in")), "5");
    http_result_dispose(&r);
    admin_send(&fx, "PUT", "/admin/tokens", "{\"lifetime_s\": 3599}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery_issuer_follows_the_request_host),
        cmocka_unit_test(test_client_secret_grants_a_signed_token_with_claims),
        cmocka_unit_test(test_token_errors_are_aadsts),
        cmocka_unit_test(test_certificate_assertions_in_every_form),
        cmocka_unit_test(test_bad_assertions_are_refused),
        cmocka_unit_test(test_imds),
        cmocka_unit_test(test_app_service_msi_and_cloud_shell),
        cmocka_unit_test(test_token_lifetime_is_configurable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
