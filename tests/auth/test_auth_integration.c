/* auth integration tests against hubagent-mock, service principals: client secret and
 * certificate (PS256/RS256, x5c) tokens the mock's ARM accepts, wrong secret/certificate,
 * TLS verification, a federated token file that changes, the chain and `auth check`, and
 * the cache through expiry, refresh and a 401. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth_mock.h"
#include "test_util.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static auth_certificate_options *copts(const char *password, auth_assertion_algorithm algorithm)
{
    static auth_certificate_options options;
    auth_certificate_options_default(&options);
    options.password = password;
    options.algorithm = algorithm;
    return &options;
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
        auth_certificate_options *cert = copts(NULL, algorithms[i]);
        cert->send_certificate_chain = i == 1; /* x5c does not disturb the service */
        assert_int_equal(auth_client_certificate_credential_new(M_TENANT, M_SP, sp_pem, cert,
                                                                &options, &credential, NULL),
                         AUTH_OK);
        token_works(credential, M_SP_OID);
        auth_credential_free(credential);
    }
    auth_credential *credential = NULL;
    assert_int_equal(auth_client_certificate_credential_new(M_TENANT, M_SP, other_pem,
                                                            copts(NULL, AUTH_ASSERTION_PS256),
                                                            &options, &credential, NULL),
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
    arm.invalidate(arm.ctx, ARM_RESOURCE "/", NULL);
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
        cmocka_unit_test(test_chain_and_auth_check),
        cmocka_unit_test(test_cache_expiry_refresh_and_401),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
