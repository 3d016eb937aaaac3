/* auth integration tests against hubagent-mock: every credential kind gets a token the mock's
 * ARM accepts, over the real transport (arm/http.h) with the mock's CA; errors, IMDS retries,
 * expiry and refresh, and a federated token file that changes between calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arm/http.h"
#include "auth/auth.h"
#include "auth_fake.h"
#include "mock_fixture.h"
#include "test_util.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* From the mock's tests/data/mock-server/config.json. */
#define M_TENANT        "11111111-1111-1111-1111-111111111111"
#define M_SP            "aaaaaaaa-0000-0000-0000-000000000001"
#define M_SP_OID        "bbbbbbbb-0000-0000-0000-000000000001"
#define M_SP_SECRET     "test-secret-1"
#define M_MI_SYSTEM_OID "dddddddd-0000-0000-0000-000000000001"
#define M_MI_USER       "cccccccc-0000-0000-0000-000000000002"
#define M_MI_USER_OID   "dddddddd-0000-0000-0000-000000000002"
#define M_MI_USER_RES_ID                                                                           \
    "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-hub/providers/"         \
    "Microsoft.ManagedIdentity/userAssignedIdentities/uami"
#define M_MSI_SECRET "test-msi-secret"
#define ARM_RESOURCE "https://management.azure.com"

static mock_fixture fx;
static char *dir;
static char *sp_pem;    /* key + registered certificate */
static char *other_pem; /* key + certificate the mock does not know */
static char *sp_key_path, *sp_cert_path;

/* Clock for the cache tests: real time plus an offset the test moves. */
static int64_t clock_offset;
static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL) + clock_offset;
}

static fake_time sleeps; /* records IMDS back-off without sleeping */
static fake_log log_lines;

static char *concat_files(const char *a, const char *b, const char *name)
{
    char *left = test_read_file(a, NULL), *right = test_read_file(b, NULL), *path = NULL;
    assert_non_null(left);
    assert_non_null(right);
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    char *both = NULL;
    assert_true(asprintf(&both, "%s\n%s", left, right) > 0);
    assert_int_equal(test_write_file(path, both, strlen(both)), 0);
    free(left);
    free(right);
    free(both);
    return path;
}

static int group_setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    dir = test_make_temp_dir();
    sp_key_path = test_data_path("mock-server/sp-key.pem");
    sp_cert_path = test_data_path("mock-server/sp-cert.pem");
    char *other_key = test_data_path("mock-server/other-key.pem");
    char *other_cert = test_data_path("mock-server/other-cert.pem");
    sp_pem = concat_files(sp_key_path, sp_cert_path, "sp.pem");
    other_pem = concat_files(other_key, other_cert, "other.pem");
    free(other_key);
    free(other_cert);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mock_fixture_stop(&fx);
    if (dir)
        test_remove_tree(dir);
    free(dir);
    free(sp_pem);
    free(other_pem);
    free(sp_key_path);
    free(sp_cert_path);
    fake_log_dispose(&log_lines);
    return 0;
}

/* One HTTP call through arm/http.h, trusting the mock's CA. Returns the status (0 = none). */
static long http(const char *method, const char *url, const arm_http_header *headers,
                 size_t header_count, const char *body, char **out_body)
{
    arm_http_options options = arm_http_options_default();
    options.ca_bundle_path = fx.ca_path;
    arm_http_client *client = NULL;
    arm_error error;
    arm_error_init(&error);
    assert_int_equal(arm_http_client_new(&options, &client, &error), ARM_OK);
    arm_http_request request = {.method = method,
                                .url = url,
                                .headers = headers,
                                .header_count = header_count,
                                .body = body,
                                .body_len = body ? strlen(body) : 0};
    arm_http_response response;
    arm_http_response_init(&response);
    arm_http_send(client, &request, &response, &error);
    long status = response.status;
    if (out_body)
        *out_body = response.body ? strdup(response.body) : NULL;
    arm_http_response_dispose(&response);
    arm_http_client_free(client);
    return status;
}

static void admin(const char *method, const char *path, const char *body)
{
    char *url = NULL;
    assert_true(asprintf(&url, "%s%s", fx.admin, path) > 0);
    arm_http_header json = {"Content-Type", "application/json"};
    assert_int_equal(http(method, url, &json, 1, body, NULL), 200);
    free(url);
}

/* What the mock's ARM says to a bearer token. */
static long arm_accepts(const char *token)
{
    char *url = NULL, *bearer = NULL;
    assert_true(asprintf(&url, "%s/subscriptions?api-version=2019-11-01", fx.arm) > 0);
    assert_true(asprintf(&bearer, "Bearer %s", token) > 0);
    arm_http_header header = {"Authorization", bearer};
    long status = http("GET", url, &header, 1, NULL, NULL);
    free(url);
    free(bearer);
    return status;
}

static void mock_options(auth_options *options)
{
    auth_options_default(options);
    options->authority_host = fx.login;
    options->ca_bundle = fx.ca_path;
    options->sleep = fake_sleep;
    options->sleep_ctx = &sleeps;
    options->log = fake_log_line;
    options->log_ctx = &log_lines;
    sleeps.sleeps = 0;
}

/* Gets an ARM token from credential and checks the mock's ARM takes it. */
static void token_works(auth_credential *credential, const char *object_id)
{
    auth_token token;
    auth_token_init(&token);
    auth_error error;
    memset(&error, 0, sizeof(error));
    auth_status status = auth_credential_get_token(credential, ARM_RESOURCE, &token, &error);
    fake_report_error(&error);
    assert_int_equal(status, AUTH_OK);
    assert_non_null(token.access_token);
    assert_true(token.expires_on > (int64_t)time(NULL) + 3000);
    assert_string_equal(token.tenant_id, M_TENANT);
    assert_string_equal(token.object_id, object_id);
    assert_int_equal(arm_accepts(token.access_token), 200);
    auth_token_dispose(&token);
}

static auth_status token_fails(auth_credential *credential, auth_error *error)
{
    auth_token token;
    auth_token_init(&token);
    memset(error, 0, sizeof(*error));
    auth_status status = auth_credential_get_token(credential, ARM_RESOURCE, &token, error);
    fake_report_error(error);
    assert_null(token.access_token);
    return status;
}

static void test_client_secret(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(
        auth_client_secret_credential_new(M_TENANT, M_SP, M_SP_SECRET, &options, &credential, NULL),
        AUTH_OK);
    token_works(credential, M_SP_OID);
    auth_credential_free(credential);
    assert_int_equal(arm_accepts("not-a-token"), 401); /* the check above can fail */

    assert_int_equal(auth_client_secret_credential_new(M_TENANT, M_SP, "wrong-secret", &options,
                                                       &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_int_equal(error.http_status, 401);
    assert_string_equal(error.code, "AADSTS7000215");
    assert_non_null(strstr(error.message, "ClientSecretCredential"));
    assert_null(strstr(error.message, "wrong-secret"));
    auth_credential_free(credential);
}

static void test_tls_is_verified(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    options.ca_bundle = NULL; /* the system store does not know the mock's CA */
    auth_credential *credential = NULL;
    assert_int_equal(
        auth_client_secret_credential_new(M_TENANT, M_SP, M_SP_SECRET, &options, &credential, NULL),
        AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_TRANSPORT);
    assert_int_equal(sleeps.sleeps, 0); /* a trust failure is not retried */
    auth_credential_free(credential);
}

static void test_certificate_ps256_and_rs256(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    auth_assertion_algorithm algorithms[] = {AUTH_ASSERTION_PS256, AUTH_ASSERTION_RS256};
    for (size_t i = 0; i < 2; i++) {
        auth_credential *credential = NULL;
        assert_int_equal(auth_client_certificate_credential_new(M_TENANT, M_SP, sp_pem, NULL,
                                                                algorithms[i], &options,
                                                                &credential, NULL),
                         AUTH_OK);
        token_works(credential, M_SP_OID);
        auth_credential_free(credential);
    }
    auth_credential *credential = NULL;
    assert_int_equal(auth_client_certificate_credential_new(M_TENANT, M_SP, other_pem, NULL,
                                                            AUTH_ASSERTION_PS256, &options,
                                                            &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_string_equal(error.code, "AADSTS700027");
    assert_non_null(strstr(error.message, "ClientCertificateCredential"));
    assert_null(strstr(error.message, "client_assertion=ey"));
    auth_credential_free(credential);
}

/* A federated token as an external issuer would write it. The mock knows no federated
 * credentials, so it is signed with the registered certificate and aimed at the token
 * endpoint, which the mock accepts as a client assertion. */
static char *federated_token(const char *jti)
{
    char *key = test_read_file(sp_key_path, NULL);
    FILE *file = fopen(sp_cert_path, "r");
    X509 *cert = PEM_read_X509(file, NULL, NULL, NULL);
    fclose(file);
    unsigned char sha1[20];
    unsigned int sha1_len = 0;
    X509_digest(cert, EVP_sha1(), sha1, &sha1_len);
    X509_free(cert);
    char x5t[64];
    int n = EVP_EncodeBlock((unsigned char *)x5t, sha1, (int)sha1_len);
    for (int i = 0; i < n; i++)
        x5t[i] = x5t[i] == '+' ? '-' : x5t[i] == '/' ? '_' : x5t[i];
    while (n > 0 && x5t[n - 1] == '=')
        n--;
    x5t[n] = '\0';
    char *aud = NULL;
    assert_true(asprintf(&aud, "%s/%s/oauth2/v2.0/token", fx.login, M_TENANT) > 0);
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    long now = (long)time(NULL);
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)key, (int)strlen(key)),
                     0);
    jwt_add_header(jwt, "x5t", x5t);
    jwt_add_grant(jwt, "aud", aud);
    jwt_add_grant(jwt, "iss", M_SP);
    jwt_add_grant(jwt, "sub", M_SP);
    jwt_add_grant(jwt, "jti", jti);
    jwt_add_grant_int(jwt, "nbf", now);
    jwt_add_grant_int(jwt, "exp", now + 600);
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    free(aud);
    free(key);
    return token;
}

static void test_workload_identity_file_changes(void **state)
{
    (void)state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/azure-identity-token", dir) > 0);
    char *first = federated_token("first");
    assert_int_equal(test_write_file(path, first, strlen(first)), 0);
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(
        auth_workload_identity_credential_new(M_TENANT, M_SP, path, &options, &credential, NULL),
        AUTH_OK);
    token_works(credential, M_SP_OID);
    /* the platform rotates the file: a broken one is rejected, a new good one accepted */
    assert_int_equal(test_write_file(path, "eyJhbGciOiJub25lIn0.e30.", 24), 0);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_non_null(strstr(error.message, "WorkloadIdentityCredential"));
    char *second = federated_token("second");
    assert_int_equal(test_write_file(path, second, strlen(second)), 0);
    token_works(credential, M_SP_OID);
    auth_credential_free(credential);
    free(first);
    free(second);
    free(path);
}

static char *imds_endpoint(void)
{
    char *endpoint = NULL;
    assert_true(asprintf(&endpoint, "%s/metadata/identity/oauth2/token", fx.imds) > 0);
    return endpoint;
}

static void test_imds_system_and_user_assigned(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    char *endpoint = imds_endpoint();
    const struct {
        auth_managed_identity_options id;
        const char *object_id;
    } cases[] = {
        {{0}, M_MI_SYSTEM_OID},
        {{.client_id = M_MI_USER}, M_MI_USER_OID},
        {{.object_id = M_MI_USER_OID}, M_MI_USER_OID},
        {{.resource_id = M_MI_USER_RES_ID}, M_MI_USER_OID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        auth_credential *credential = NULL;
        assert_int_equal(
            auth_imds_credential_new(endpoint, &cases[i].id, &options, &credential, NULL), AUTH_OK);
        token_works(credential, cases[i].object_id);
        auth_credential_free(credential);
    }
    auth_credential *credential = NULL;
    auth_managed_identity_options unknown = {.client_id = "99999999-0000-0000-0000-000000000000"};
    assert_int_equal(auth_imds_credential_new(endpoint, &unknown, &options, &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_int_equal(error.http_status, 400);
    assert_non_null(strstr(error.message, "Identity not found"));
    auth_credential_free(credential);
    free(endpoint);
}

static void test_imds_metadata_header(void **state)
{
    (void)state;
    /* IMDS refuses a request without `Metadata: true` ... */
    char *endpoint = imds_endpoint(), *url = NULL, *body = NULL;
    assert_true(asprintf(&url, "%s?api-version=2018-02-01&resource=%s", endpoint,
                         "https%3A%2F%2Fmanagement.azure.com") > 0);
    assert_int_equal(http("GET", url, NULL, 0, NULL, &body), 400);
    assert_non_null(strstr(body, "bad_request_102"));
    free(body);
    /* ... and the credential always sends it */
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(auth_imds_credential_new(endpoint, NULL, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    auth_credential_free(credential);
    free(url);
    free(endpoint);
}

static void test_imds_retries_429_503_and_410(void **state)
{
    (void)state;
    admin("PUT", "/admin/faults",
          "[{\"route\": \"imds.token\", \"sequence\": [{\"status\": 429}, {\"status\": 503}, "
          "{\"status\": 410}, null]}]");
    auth_options options;
    mock_options(&options);
    char *endpoint = imds_endpoint();
    auth_credential *credential = NULL;
    assert_int_equal(auth_imds_credential_new(endpoint, NULL, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    assert_int_equal(sleeps.sleeps, 3);
    assert_int_equal(sleeps.slept_ms[0], 2000);
    assert_int_equal(sleeps.slept_ms[1], 4000);
    assert_int_equal(sleeps.slept_ms[2], 10000);
    assert_non_null(strstr(log_lines.text, "HTTP 429"));
    assert_non_null(strstr(log_lines.text, "HTTP 503"));
    admin("PUT", "/admin/faults", "[]");
    auth_credential_free(credential);
    free(endpoint);

    /* nothing listening: unavailable at once, no back-off */
    char *absent = NULL;
    assert_true(asprintf(&absent, "http://127.0.0.1:%d/metadata/identity/oauth2/token",
                         test_free_port()) > 0);
    mock_options(&options);
    assert_int_equal(auth_imds_credential_new(absent, NULL, &options, &credential, NULL), AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_UNAVAILABLE);
    assert_int_equal(sleeps.sleeps, 0);
    auth_credential_free(credential);
    free(absent);
}

static void test_app_service_and_legacy_msi(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, fx.identity_header, NULL,
                                                     &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    auth_credential_free(credential);
    auth_managed_identity_options user = {.client_id = M_MI_USER};
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, fx.identity_header,
                                                     &user, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_USER_OID);
    auth_credential_free(credential);
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, "wrong-header-value",
                                                     NULL, &options, &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_int_equal(error.http_status, 401);
    assert_null(strstr(error.message, "wrong-header-value"));
    auth_credential_free(credential);

    assert_int_equal(auth_msi_legacy_credential_new(fx.identity_endpoint, M_MSI_SECRET, &user,
                                                    &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_USER_OID);
    auth_credential_free(credential);
}

static const char *env_lookup(void *ctx, const char *name)
{
    for (const char *const *entry = ctx; *entry; entry += 2)
        if (strcmp(entry[0], name) == 0)
            return entry[1];
    return NULL;
}

static void test_chain_and_auth_check(void **state)
{
    (void)state;
    const char *env[] = {"AZURE_TENANT_ID",
                         M_TENANT,
                         "AZURE_CLIENT_ID",
                         M_SP,
                         "AZURE_CLIENT_SECRET",
                         M_SP_SECRET,
                         "AZURE_AUTHORITY_HOST",
                         fx.login,
                         NULL};
    auth_chain_options options;
    auth_chain_options_default(&options);
    options.common.ca_bundle = fx.ca_path;
    auth_chain_options_load_env(&options, env_lookup, (void *)env);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    auth_error error;
    assert_int_equal(auth_check_report(&options, NULL, out, &error), AUTH_OK);
    fclose(out);
    fake_report_text("check", text);
    assert_non_null(strstr(text, "Using ClientSecretCredential"));
    assert_non_null(strstr(text, "tenant id:  " M_TENANT));
    assert_non_null(strstr(text, "object id:  " M_SP_OID));
    assert_non_null(strstr(text, "Result: OK"));
    assert_null(strstr(text, "eyJ")); /* no JWT anywhere */
    free(text);

    /* no service principal settings: managed identity through the IMDS override */
    char *imds_host = strdup(fx.imds);
    const char *mi_env[] = {"AZURE_POD_IDENTITY_AUTHORITY_HOST", imds_host, NULL};
    auth_chain_options_default(&options);
    auth_chain_options_load_env(&options, env_lookup, (void *)mi_env);
    out = open_memstream(&text, &len);
    assert_int_equal(auth_check_report(&options, ARM_RESOURCE, out, &error), AUTH_OK);
    fclose(out);
    fake_report_text("check", text);
    assert_non_null(strstr(text, "managed identity, IMDS: chosen"));
    assert_non_null(strstr(text, "object id:  " M_MI_SYSTEM_OID));
    free(text);
    free(imds_host);
}

/* Runs last: it moves the mock's clock. */
static void test_cache_expiry_refresh_and_401(void **state)
{
    (void)state;
    admin("PUT", "/admin/tokens", "{\"lifetime_s\": 600}");
    auth_options options;
    mock_options(&options);
    options.clock = test_clock;
    auth_credential *credential = NULL;
    assert_int_equal(
        auth_client_secret_credential_new(M_TENANT, M_SP, M_SP_SECRET, &options, &credential, NULL),
        AUTH_OK);
    auth_cache *cache = NULL;
    assert_int_equal(auth_cache_new(test_clock, NULL, &cache, NULL), AUTH_OK);
    auth_provider provider = {cache, credential};
    arm_token_provider arm = auth_provider_arm(&provider);
    arm_error error;
    arm_error_init(&error);
    char *t1 = NULL, *t2 = NULL, *t3 = NULL, *again = NULL;
    assert_int_equal(arm.get_token(arm.ctx, ARM_RESOURCE "/", &t1, &error), ARM_OK);
    clock_offset += 299; /* 301 s left: still reused */
    assert_int_equal(arm.get_token(arm.ctx, ARM_RESOURCE "/", &again, &error), ARM_OK);
    assert_string_equal(again, t1);
    assert_int_equal(auth_cache_fetch_count(cache), 1);
    clock_offset += 1; /* 5 minutes before expiry: refreshed ahead */
    admin("PUT", "/admin/clock", "{\"advance_s\": 300}");
    assert_int_equal(arm.get_token(arm.ctx, ARM_RESOURCE "/", &t2, &error), ARM_OK);
    assert_int_equal(auth_cache_fetch_count(cache), 2);
    assert_string_not_equal(t2, t1);
    assert_int_equal(arm_accepts(t2), 200);
    assert_int_equal(arm_accepts(t1), 200); /* t1 had 300 s left in the mock's view too */

    /* The mock moves past t2's expiry while this host's clock does not: ARM says 401 to the
     * cached token, the caller invalidates, and the next token is a fresh one. */
    admin("PUT", "/admin/clock", "{\"advance_s\": 700}");
    free(again);
    again = NULL;
    assert_int_equal(arm.get_token(arm.ctx, ARM_RESOURCE "/", &again, &error), ARM_OK);
    assert_string_equal(again, t2);
    assert_int_equal(arm_accepts(again), 401);
    arm.invalidate(arm.ctx, ARM_RESOURCE "/");
    assert_int_equal(arm.get_token(arm.ctx, ARM_RESOURCE "/", &t3, &error), ARM_OK);
    assert_string_not_equal(t3, t2);
    assert_int_equal(arm_accepts(t3), 200);
    assert_int_equal(auth_cache_fetch_count(cache), 3);

    admin("PUT", "/admin/clock", "{\"advance_s\": -1000}");
    admin("PUT", "/admin/tokens", "{\"lifetime_s\": 3599}");
    free(t1);
    free(t2);
    free(t3);
    free(again);
    auth_cache_free(cache);
    auth_credential_free(credential);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_secret),
        cmocka_unit_test(test_tls_is_verified),
        cmocka_unit_test(test_certificate_ps256_and_rs256),
        cmocka_unit_test(test_workload_identity_file_changes),
        cmocka_unit_test(test_imds_system_and_user_assigned),
        cmocka_unit_test(test_imds_metadata_header),
        cmocka_unit_test(test_imds_retries_429_503_and_410),
        cmocka_unit_test(test_app_service_and_legacy_msi),
        cmocka_unit_test(test_chain_and_auth_check),
        cmocka_unit_test(test_cache_expiry_refresh_and_401),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
