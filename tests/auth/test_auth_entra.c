/* auth unit tests: Entra ID client credentials — client secret, certificate assertions
 * (RS256/x5t and PS256/x5t#S256, verified here with OpenSSL) and workload identity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth_fake.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define AUTHORITY "https://login.example.test"
#define ENDPOINT  AUTHORITY "/" FAKE_TENANT "/oauth2/v2.0/token"

typedef struct entra_fixture {
    fake_transport fake;
    fake_time time;
    fake_log log;
    auth_options options;
    auth_credential *credential;
    auth_token token;
    auth_error error;
    char *dir;
    char *ok_body;
} entra_fixture;

static auth_certificate_options *copts(const char *password, auth_assertion_algorithm algorithm)
{
    static auth_certificate_options options;
    auth_certificate_options_default(&options);
    options.password = password;
    options.algorithm = algorithm;
    return &options;
}

static int setup(void **state)
{
    entra_fixture *f = calloc(1, sizeof(*f));
    f->time.now = 1700000000;
    fake_options(&f->options, &f->fake, &f->time, &f->log);
    f->options.authority_host = AUTHORITY "/"; /* AKS style trailing slash */
    auth_token_init(&f->token);
    f->dir = test_make_temp_dir();
    char *jwt =
        fake_jwt(FAKE_TENANT, "sp-object", FAKE_CLIENT, "https://management.azure.com", 1700003599);
    f->ok_body = fake_entra_body(jwt, 3599);
    free(jwt);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    entra_fixture *f = *state;
    fake_report_error(&f->error);
    auth_token_dispose(&f->token);
    auth_credential_free(f->credential);
    fake_transport_dispose(&f->fake);
    fake_log_dispose(&f->log);
    test_remove_tree(f->dir);
    free(f->dir);
    free(f->ok_body);
    free(f);
    return 0;
}

static auth_status get(entra_fixture *f)
{
    memset(&f->error, 0, sizeof(f->error));
    auth_status status = auth_credential_get_token(f->credential, "https://management.azure.com",
                                                   &f->token, &f->error);
    fake_report_error(&f->error);
    return status;
}

static void test_client_secret_request(void **state)
{
    entra_fixture *f = *state;
    assert_int_equal(auth_client_secret_credential_new(FAKE_TENANT, FAKE_CLIENT, FAKE_CLIENT_SECRET,
                                                       &f->options, &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 200, f->ok_body);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->token.expires_on, 1700003599);
    assert_string_equal(f->token.object_id, "sp-object");
    fake_record *r = &f->fake.records[0];
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->url, ENDPOINT);
    assert_non_null(strstr(r->headers, "Content-Type: application/x-www-form-urlencoded"));
    assert_string_equal(r->body, "grant_type=client_credentials&client_id=" FAKE_CLIENT
                                 "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
                                 "&client_secret=s3cr3t~Client.Secret-Value_0123456789");
    assert_null(strstr(auth_credential_describe(f->credential), FAKE_CLIENT_SECRET));
}

static void test_client_secret_rejected(void **state)
{
    entra_fixture *f = *state;
    assert_int_equal(auth_client_secret_credential_new(FAKE_TENANT, FAKE_CLIENT, "wrong-secret",
                                                       &f->options, &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 401,
              "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
              "client secret provided: wrong-secret. Trace ID: 1\",\"error_codes\":[7000215]}");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_int_equal(f->fake.record_count, 1); /* 4xx: no retry */
    assert_string_equal(f->error.credential, "ClientSecretCredential");
    assert_string_equal(f->error.code, "AADSTS7000215");
    assert_int_equal(f->error.http_status, 401);
    assert_non_null(strstr(f->error.message, "AADSTS7000215: Invalid client secret provided"));
    assert_non_null(strstr(f->error.message, FAKE_CLIENT));
    assert_null(strstr(f->error.message, "wrong-secret"));
}

static void test_entra_retries_throttling(void **state)
{
    entra_fixture *f = *state;
    assert_int_equal(auth_client_secret_credential_new(FAKE_TENANT, FAKE_CLIENT, FAKE_CLIENT_SECRET,
                                                       &f->options, &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 429, "");
    fake_push(&f->fake, 503, "");
    fake_push(&f->fake, 200, f->ok_body);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->time.slept_ms[0], 1000);
    assert_int_equal(f->time.slept_ms[1], 2000);
}

static void test_bad_settings_are_named(void **state)
{
    entra_fixture *f = *state;
    auth_credential *c = NULL;
    assert_int_equal(
        auth_client_secret_credential_new("a/../b", FAKE_CLIENT, "x", &f->options, &c, &f->error),
        AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "tenant id"));
    assert_int_equal(
        auth_client_secret_credential_new(FAKE_TENANT, NULL, "x", &f->options, &c, &f->error),
        AUTH_UNAVAILABLE);
    assert_non_null(strstr(f->error.message, "AZURE_CLIENT_ID"));
    f->options.authority_host = "http://login.example.test";
    assert_int_equal(auth_client_secret_credential_new(FAKE_TENANT, FAKE_CLIENT, "x", &f->options,
                                                       &c, &f->error),
                     AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "https"));
    assert_null(c);
}

/* Splits a JWT and checks its signature with the certificate's public key. */
static json_t *verify_assertion(const char *jwt, const char *cert_path, json_t **out_header)
{
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    assert_non_null(dot2);
    FILE *file = fopen(cert_path, "r");
    assert_non_null(file);
    X509 *x509 = NULL;
    /* the PEM holds the key first; skip to the certificate */
    x509 = PEM_read_X509(file, NULL, NULL, NULL);
    fclose(file);
    assert_non_null(x509);
    EVP_PKEY *public_key = X509_get_pubkey(x509);

    /* decode header + payload with OpenSSL's base64 after mapping the url alphabet */
    json_t *parts[2];
    const char *starts[2] = {jwt, dot1 + 1};
    size_t lens[2] = {(size_t)(dot1 - jwt), (size_t)(dot2 - dot1 - 1)};
    for (int i = 0; i < 2; i++) {
        static char b64[16384];
        size_t n = lens[i];
        assert_true(n + 4 < sizeof(b64));
        for (size_t k = 0; k < n; k++)
            b64[k] = starts[i][k] == '-' ? '+' : starts[i][k] == '_' ? '/' : starts[i][k];
        while (n % 4)
            b64[n++] = '=';
        static unsigned char raw[16384];
        int raw_len = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n);
        assert_true(raw_len > 0);
        while (raw_len > 0 && raw[raw_len - 1] == '\0')
            raw_len--; /* EVP_DecodeBlock counts padding bytes */
        parts[i] = json_loadb((char *)raw, (size_t)raw_len, 0, NULL);
        assert_non_null(parts[i]);
    }
    const char *alg = json_string_value(json_object_get(parts[0], "alg"));
    assert_non_null(alg);

    char sig_b64[1024];
    size_t n = strlen(dot2 + 1);
    for (size_t k = 0; k < n; k++)
        sig_b64[k] = dot2[1 + k] == '-' ? '+' : dot2[1 + k] == '_' ? '/' : dot2[1 + k];
    while (n % 4)
        sig_b64[n++] = '=';
    unsigned char sig[512];
    int sig_len = EVP_DecodeBlock(sig, (unsigned char *)sig_b64, (int)n);
    /* 2048-bit key: 256 bytes (EVP_DecodeBlock also counts the 2 padding bytes) */
    assert_int_equal(sig_len, 258);
    sig_len = 256;

    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, public_key), 1);
    if (strcmp(alg, "PS256") == 0) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    }
    assert_int_equal(EVP_DigestVerify(md, sig, (size_t)sig_len, (const unsigned char *)jwt,
                                      (size_t)(dot2 - jwt)),
                     1);
    /* the header's thumbprint is the certificate's */
    unsigned char digest[32];
    unsigned int digest_len = 0;
    bool sha1 = strcmp(alg, "RS256") == 0;
    X509_digest(x509, sha1 ? EVP_sha1() : EVP_sha256(), digest, &digest_len);
    char expected[64];
    int e = EVP_EncodeBlock((unsigned char *)expected, digest, (int)digest_len);
    for (int k = 0; k < e; k++)
        expected[k] = expected[k] == '+' ? '-' : expected[k] == '/' ? '_' : expected[k];
    while (e > 0 && expected[e - 1] == '=')
        e--;
    expected[e] = '\0';
    const char *thumb = json_string_value(json_object_get(parts[0], sha1 ? "x5t" : "x5t#S256"));
    assert_non_null(thumb);
    assert_string_equal(thumb, expected);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(public_key);
    X509_free(x509);
    *out_header = parts[0];
    return parts[1];
}

static void check_certificate(entra_fixture *f, auth_assertion_algorithm algorithm,
                              const char *password, bool pfx)
{
    char *path = NULL, *pem_copy = NULL;
    assert_true(asprintf(&path, "%s/sp.%s", f->dir, pfx ? "pfx" : "pem") > 0);
    if (pfx) {
        assert_true(fake_write_cert_pfx(path, password));
        /* verify_assertion reads the certificate from a PEM: export one from the PFX */
        assert_true(asprintf(&pem_copy, "%s/from-pfx.pem", f->dir) > 0);
        FILE *in = fopen(path, "rb");
        PKCS12 *p12 = d2i_PKCS12_fp(in, NULL);
        fclose(in);
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        assert_int_equal(PKCS12_parse(p12, password, &key, &cert, NULL), 1);
        FILE *out = fopen(pem_copy, "w");
        PEM_write_X509(out, cert);
        fclose(out);
        X509_free(cert);
        EVP_PKEY_free(key);
        PKCS12_free(p12);
    } else {
        assert_true(fake_write_cert_pem(path, password, false));
    }
    assert_int_equal(auth_client_certificate_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                            copts(password, algorithm), &f->options,
                                                            &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 200, f->ok_body);
    fake_push(&f->fake, 200, f->ok_body);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(get(f), AUTH_OK);
    char *jtis[2];
    for (int i = 0; i < 2; i++) {
        const char *body = f->fake.records[i].body;
        char *type = fake_form_field(body, "client_assertion_type");
        assert_string_equal(type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        free(type);
        assert_null(strstr(body, "client_secret"));
        char *assertion = fake_form_field(body, "client_assertion");
        assert_non_null(assertion);
        json_t *header = NULL;
        json_t *claims = verify_assertion(assertion, pem_copy ? pem_copy : path, &header);
        assert_string_equal(json_string_value(json_object_get(header, "alg")),
                            algorithm == AUTH_ASSERTION_RS256 ? "RS256" : "PS256");
        assert_string_equal(json_string_value(json_object_get(header, "typ")), "JWT");
        assert_string_equal(json_string_value(json_object_get(claims, "aud")), ENDPOINT);
        assert_string_equal(json_string_value(json_object_get(claims, "iss")), FAKE_CLIENT);
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), FAKE_CLIENT);
        assert_int_equal(json_integer_value(json_object_get(claims, "nbf")), 1700000000);
        assert_int_equal(json_integer_value(json_object_get(claims, "iat")), 1700000000);
        assert_int_equal(json_integer_value(json_object_get(claims, "exp")), 1700000600);
        jtis[i] = strdup(json_string_value(json_object_get(claims, "jti")));
        assert_int_equal(strlen(jtis[i]), 36);
        json_decref(header);
        json_decref(claims);
        free(assertion);
    }
    assert_string_not_equal(jtis[0], jtis[1]);
    free(jtis[0]);
    free(jtis[1]);
    free(path);
    free(pem_copy);
}

static void test_certificate_ps256(void **state)
{
    check_certificate(*state, AUTH_ASSERTION_PS256, NULL, false);
}

static void test_certificate_pfx(void **state)
{
    check_certificate(*state, AUTH_ASSERTION_PS256, FAKE_CERT_PASSWORD, true);
}

static void test_certificate_rs256_encrypted_key(void **state)
{
    check_certificate(*state, AUTH_ASSERTION_RS256, FAKE_CERT_PASSWORD, false);
}

/* x5c: the leaf first (matching the thumbprint), then the rest of the file's chain. */
static void test_certificate_chain_in_x5c(void **state)
{
    entra_fixture *f = *state;
    char *path = NULL, *extra = NULL;
    assert_true(asprintf(&path, "%s/chain.pem", f->dir) > 0);
    assert_true(asprintf(&extra, "%s/extra.pem", f->dir) > 0);
    assert_true(fake_write_cert_pem(path, NULL, false));
    assert_true(fake_write_cert_pem(extra, NULL, false));
    char *leaf_text = test_read_file(path, NULL), *extra_text = test_read_file(extra, NULL);
    char *both = NULL;
    assert_true(asprintf(&both, "%s%s", leaf_text, strstr(extra_text, "-----BEGIN CERTIFICATE")) >
                0);
    assert_int_equal(test_write_file(path, both, strlen(both)), 0);
    auth_assertion_algorithm algorithms[] = {AUTH_ASSERTION_PS256, AUTH_ASSERTION_RS256};
    for (int i = 0; i < 3; i++) {
        auth_certificate_options *options = copts(NULL, algorithms[i % 2]);
        options->send_certificate_chain = i < 2;
        assert_int_equal(auth_client_certificate_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                                options, &f->options,
                                                                &f->credential, &f->error),
                         AUTH_OK);
        fake_push(&f->fake, 200, f->ok_body);
        assert_int_equal(get(f), AUTH_OK);
        char *assertion = fake_form_field(f->fake.records[i].body, "client_assertion");
        json_t *header = NULL;
        json_t *claims = verify_assertion(assertion, path, &header);
        json_t *x5c = json_object_get(header, "x5c");
        if (i == 2) {
            assert_null(x5c); /* off by default */
        } else {
            assert_int_equal(json_array_size(x5c), 2);
            /* the first entry is the signing certificate: its hash is the thumbprint */
            unsigned char der[4096];
            const char *b64 = json_string_value(json_array_get(x5c, 0));
            int der_len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)strlen(b64));
            assert_true(der_len > 0);
            const unsigned char *cursor = der;
            X509 *leaf = d2i_X509(NULL, &cursor, der_len);
            assert_non_null(leaf);
            X509 *from_file = NULL;
            FILE *file = fopen(path, "r");
            from_file = PEM_read_X509(file, NULL, NULL, NULL);
            fclose(file);
            assert_int_equal(X509_cmp(leaf, from_file), 0);
            X509_free(leaf);
            X509_free(from_file);
        }
        json_decref(header);
        json_decref(claims);
        free(assertion);
        auth_credential_free(f->credential);
        f->credential = NULL;
    }
    free(leaf_text);
    free(extra_text);
    free(both);
    free(path);
    free(extra);
}

static void test_certificate_problems_are_named(void **state)
{
    entra_fixture *f = *state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/bad.pem", f->dir) > 0);
    auth_credential *c = NULL;
    assert_int_equal(auth_client_certificate_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                            copts(NULL, AUTH_ASSERTION_PS256),
                                                            &f->options, &c, &f->error),
                     AUTH_IO);
    assert_non_null(strstr(f->error.message, path));
    assert_true(fake_write_cert_pem(path, NULL, true));
    assert_int_equal(auth_client_certificate_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                            copts(NULL, AUTH_ASSERTION_PS256),
                                                            &f->options, &c, &f->error),
                     AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "does not match"));
    assert_true(fake_write_cert_pem(path, FAKE_CERT_PASSWORD, false));
    assert_int_equal(auth_client_certificate_credential_new(
                         FAKE_TENANT, FAKE_CLIENT, path,
                         copts("wrong-password", AUTH_ASSERTION_PS256), &f->options, &c, &f->error),
                     AUTH_INVALID_ARGUMENT);
    fake_report_error(&f->error);
    assert_non_null(strstr(f->error.message, "password"));
    assert_null(strstr(f->error.message, "wrong-password"));
    assert_true(fake_write_cert_pfx(path, FAKE_CERT_PASSWORD));
    assert_int_equal(auth_client_certificate_credential_new(
                         FAKE_TENANT, FAKE_CLIENT, path,
                         copts("wrong-password", AUTH_ASSERTION_PS256), &f->options, &c, &f->error),
                     AUTH_INVALID_ARGUMENT);
    fake_report_error(&f->error);
    assert_non_null(strstr(f->error.message, "PKCS#12"));
    assert_int_equal(test_write_file(path, "not a pem", 9), 0);
    assert_int_equal(auth_client_certificate_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                            copts(NULL, AUTH_ASSERTION_PS256),
                                                            &f->options, &c, &f->error),
                     AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "neither PEM nor PKCS#12"));
    assert_null(c);
    free(path);
}

static void test_workload_identity_reads_file_each_time(void **state)
{
    entra_fixture *f = *state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/azure-identity-token", f->dir) > 0);
    assert_int_equal(test_write_file(path, FAKE_FEDERATED_A "\n", strlen(FAKE_FEDERATED_A) + 1), 0);
    assert_int_equal(auth_workload_identity_credential_new(FAKE_TENANT, FAKE_CLIENT, path,
                                                           &f->options, &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 200, f->ok_body);
    fake_push(&f->fake, 200, f->ok_body);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(test_write_file(path, FAKE_FEDERATED_B, strlen(FAKE_FEDERATED_B)), 0);
    assert_int_equal(get(f), AUTH_OK);
    char *first = fake_form_field(f->fake.records[0].body, "client_assertion");
    char *second = fake_form_field(f->fake.records[1].body, "client_assertion");
    assert_string_equal(first, FAKE_FEDERATED_A);
    assert_string_equal(second, FAKE_FEDERATED_B);
    char *type = fake_form_field(f->fake.records[1].body, "client_assertion_type");
    assert_string_equal(type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    free(first);
    free(second);
    free(type);

    /* the file disappears, then is empty */
    remove(path);
    assert_int_equal(get(f), AUTH_IO);
    assert_non_null(strstr(f->error.message, path));
    assert_int_equal(test_write_file(path, "\n", 1), 0);
    assert_int_equal(get(f), AUTH_IO);
    assert_non_null(strstr(f->error.message, "empty"));
    /* a rejected assertion is never echoed back */
    assert_int_equal(test_write_file(path, FAKE_FEDERATED_A, strlen(FAKE_FEDERATED_A)), 0);
    fake_push(&f->fake, 400,
              "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700211: "
              "No matching federated identity record found for presented "
              "assertion " FAKE_FEDERATED_A "\"}");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_string_equal(f->error.code, "AADSTS700211");
    assert_null(strstr(f->error.message, FAKE_FEDERATED_A));
    free(path);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_client_secret_request),
        T(test_client_secret_rejected),
        T(test_entra_retries_throttling),
        T(test_bad_settings_are_named),
        T(test_certificate_ps256),
        T(test_certificate_rs256_encrypted_key),
        T(test_certificate_pfx),
        T(test_certificate_chain_in_x5c),
        T(test_certificate_problems_are_named),
        T(test_workload_identity_reads_file_each_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
