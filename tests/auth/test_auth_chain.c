/* auth unit tests: the default chain picks the credential the Azure SDKs would from the
 * environment, explicit options win, and `auth check` reports claims but never the token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth_fake.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

/* A fake environment: NULL-terminated "NAME=value" list. */
static const char *fake_getenv(void *ctx, const char *name)
{
    size_t len = strlen(name);
    for (const char *const *entry = ctx; *entry; entry++)
        if (strncmp(*entry, name, len) == 0 && (*entry)[len] == '=')
            return *entry + len + 1;
    return NULL;
}

typedef struct chain_fixture {
    char *dir;
    char *pem;
    char *token_file;
    fake_transport fake;
    auth_chain_options options;
    auth_credential *credential;
    char *explanation;
    auth_error error;
} chain_fixture;

static int setup(void **state)
{
    chain_fixture *f = calloc(1, sizeof(*f));
    f->dir = test_make_temp_dir();
    assert_true(asprintf(&f->pem, "%s/sp.pem", f->dir) > 0);
    assert_true(asprintf(&f->token_file, "%s/token", f->dir) > 0);
    assert_true(fake_write_cert_pem(f->pem, NULL, false));
    assert_int_equal(test_write_file(f->token_file, FAKE_FEDERATED_A, strlen(FAKE_FEDERATED_A)), 0);
    auth_chain_options_default(&f->options);
    f->options.common.transport = fake_transport_bind(&f->fake);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    chain_fixture *f = *state;
    fake_report_error(&f->error);
    fake_report_text("explanation", f->explanation);
    auth_credential_free(f->credential);
    free(f->explanation);
    fake_transport_dispose(&f->fake);
    test_remove_tree(f->dir);
    free(f->dir);
    free(f->pem);
    free(f->token_file);
    free(f);
    return 0;
}

static const char *choose(chain_fixture *f, const char *const *env, auth_status expected)
{
    auth_chain_options_load_env(&f->options, fake_getenv, (void *)env);
    auth_credential_free(f->credential);
    f->credential = NULL;
    free(f->explanation);
    f->explanation = NULL;
    memset(&f->error, 0, sizeof(f->error));
    assert_int_equal(auth_chain_new(&f->options, &f->credential, &f->explanation, &f->error),
                     expected);
    fake_report_error(&f->error);
    fake_report_text("explanation", f->explanation);
    assert_non_null(f->explanation);
    return f->credential ? auth_credential_name(f->credential) : "";
}

static void test_secret_comes_first(void **state)
{
    chain_fixture *f = *state;
    char cert_var[512];
    snprintf(cert_var, sizeof(cert_var), "AZURE_CLIENT_CERTIFICATE_PATH=%s", f->pem);
    const char *env[] = {"AZURE_TENANT_ID=" FAKE_TENANT,
                         "AZURE_CLIENT_ID=" FAKE_CLIENT,
                         "AZURE_CLIENT_SECRET=" FAKE_CLIENT_SECRET,
                         cert_var,
                         "IDENTITY_ENDPOINT=http://127.0.0.1:1/msi",
                         "IDENTITY_HEADER=" FAKE_IDENTITY_HEADER,
                         NULL};
    assert_string_equal(choose(f, env, AUTH_OK), "ClientSecretCredential");
    assert_non_null(strstr(f->explanation, "-> 1. service principal with client secret: chosen"));
    assert_non_null(strstr(f->explanation, "2. service principal with certificate: not tried"));
    assert_null(strstr(f->explanation, FAKE_CLIENT_SECRET));
    assert_null(strstr(f->explanation, FAKE_IDENTITY_HEADER));
}

static void test_certificate_then_workload(void **state)
{
    chain_fixture *f = *state;
    char cert_var[512], token_var[512];
    snprintf(cert_var, sizeof(cert_var), "AZURE_CLIENT_CERTIFICATE_PATH=%s", f->pem);
    snprintf(token_var, sizeof(token_var), "AZURE_FEDERATED_TOKEN_FILE=%s", f->token_file);
    const char *env[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT, cert_var,
                         token_var, NULL};
    assert_string_equal(choose(f, env, AUTH_OK), "ClientCertificateCredential");
    assert_non_null(strstr(f->explanation, "skipped, not set: AZURE_CLIENT_SECRET"));

    auth_chain_options_default(&f->options);
    f->options.common.transport = fake_transport_bind(&f->fake);
    const char *env2[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT, token_var,
                          "AZURE_AUTHORITY_HOST=https://login.microsoftonline.us/", NULL};
    assert_string_equal(choose(f, env2, AUTH_OK), "WorkloadIdentityCredential");
    assert_non_null(strstr(f->explanation, "skipped, not set: AZURE_CLIENT_CERTIFICATE_PATH"));
    /* sovereign authority, trailing '/' stripped */
    assert_non_null(
        strstr(auth_credential_describe(f->credential), "via https://login.microsoftonline.us,"));
}

static void test_managed_identity_order(void **state)
{
    chain_fixture *f = *state;
    const char *app[] = {"IDENTITY_ENDPOINT=http://127.0.0.1:1/msi",
                         "IDENTITY_HEADER=" FAKE_IDENTITY_HEADER,
                         "MSI_ENDPOINT=http://127.0.0.1:2/msi",
                         "MSI_SECRET=" FAKE_MSI_SECRET,
                         "AZURE_CLIENT_ID=uami",
                         NULL};
    assert_string_equal(choose(f, app, AUTH_OK), "ManagedIdentityCredential(AppService)");
    assert_non_null(strstr(f->explanation, "AZURE_CLIENT_ID selects the user-assigned identity "
                                           "uami"));
    assert_non_null(strstr(auth_credential_describe(f->credential), "client_id=uami"));

    auth_chain_options_default(&f->options);
    const char *legacy[] = {"MSI_ENDPOINT=http://127.0.0.1:2/msi", "MSI_SECRET=" FAKE_MSI_SECRET,
                            "IDENTITY_ENDPOINT=http://127.0.0.1:1/msi", NULL};
    assert_string_equal(choose(f, legacy, AUTH_OK), "ManagedIdentityCredential(MSI legacy)");
    assert_non_null(strstr(f->explanation, "skipped, not set: IDENTITY_HEADER"));

    auth_chain_options_default(&f->options);
    const char *none[] = {"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:3/", NULL};
    assert_string_equal(choose(f, none, AUTH_OK), "ManagedIdentityCredential(IMDS)");
    assert_non_null(strstr(auth_credential_describe(f->credential),
                           "http://127.0.0.1:3/metadata/identity/oauth2/token"));
    assert_non_null(strstr(f->explanation, "6. managed identity, IMDS: chosen"));

    auth_chain_options_default(&f->options);
    const char *empty[] = {NULL};
    assert_string_equal(choose(f, empty, AUTH_OK), "ManagedIdentityCredential(IMDS)");
    assert_non_null(strstr(auth_credential_describe(f->credential), AUTH_IMDS_ENDPOINT));
}

static void test_explicit_options_win_and_kind_can_be_forced(void **state)
{
    chain_fixture *f = *state;
    const char *env[] = {"AZURE_TENANT_ID=env-tenant", "AZURE_CLIENT_ID=env-client",
                         "AZURE_CLIENT_SECRET=env-secret-value", NULL};
    f->options.tenant_id = "explicit-tenant";
    assert_string_equal(choose(f, env, AUTH_OK), "ClientSecretCredential");
    assert_non_null(strstr(auth_credential_describe(f->credential), "tenant explicit-tenant"));
    assert_non_null(strstr(auth_credential_describe(f->credential), "client env-client"));

    auth_chain_options_default(&f->options);
    f->options.kind = AUTH_KIND_IMDS;
    f->options.managed_identity_object_id = "oid-9";
    assert_string_equal(choose(f, env, AUTH_OK), "ManagedIdentityCredential(IMDS)");
    assert_non_null(strstr(f->explanation, "forced to imds"));
    assert_non_null(strstr(auth_credential_describe(f->credential), "object_id=oid-9"));

    auth_chain_options_default(&f->options);
    f->options.kind = AUTH_KIND_WORKLOAD_IDENTITY;
    choose(f, env, AUTH_UNAVAILABLE);
    assert_null(f->credential);
    assert_non_null(strstr(f->explanation, "not set: AZURE_FEDERATED_TOKEN_FILE"));
    assert_non_null(strstr(f->error.message, "AZURE_FEDERATED_TOKEN_FILE"));

    auth_kind kind;
    assert_int_equal(auth_kind_parse("client-certificate", &kind, NULL), AUTH_OK);
    assert_int_equal(kind, AUTH_KIND_CLIENT_CERTIFICATE);
    assert_int_equal(auth_kind_parse("password", &kind, &f->error), AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "password"));
}

static void test_token_credentials_narrows_the_chain(void **state)
{
    chain_fixture *f = *state;
    const char *env[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT,
                         "AZURE_CLIENT_SECRET=" FAKE_CLIENT_SECRET,
                         "AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential", NULL};
    assert_string_equal(choose(f, env, AUTH_OK), "ManagedIdentityCredential(IMDS)");
    assert_non_null(strstr(f->explanation, "1. service principal with client secret: excluded "
                                           "by AZURE_TOKEN_CREDENTIALS"));
    assert_non_null(strstr(f->explanation, "AZURE_CLIENT_ID selects the user-assigned"));

    auth_chain_options_default(&f->options);
    const char *wi[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT,
                        "AZURE_CLIENT_SECRET=" FAKE_CLIENT_SECRET,
                        "AZURE_TOKEN_CREDENTIALS=WorkloadIdentityCredential", NULL};
    choose(f, wi, AUTH_UNAVAILABLE);
    assert_non_null(strstr(f->error.message, "AZURE_TOKEN_CREDENTIALS=WorkloadIdentityCredential"));

    const char *values[] = {"prod", "dev", "AzureCliCredential"};
    auth_status expected[] = {AUTH_OK, AUTH_INVALID_ARGUMENT, AUTH_INVALID_ARGUMENT};
    for (int i = 0; i < 3; i++) {
        char var[80];
        snprintf(var, sizeof(var), "AZURE_TOKEN_CREDENTIALS=%s", values[i]);
        const char *one[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT,
                             "AZURE_CLIENT_SECRET=" FAKE_CLIENT_SECRET, var, NULL};
        auth_chain_options_default(&f->options);
        choose(f, one, expected[i]);
        if (expected[i] != AUTH_OK)
            assert_non_null(strstr(f->error.message, values[i]));
        else
            assert_string_equal(auth_credential_name(f->credential), "ClientSecretCredential");
    }
}

static void test_check_report_prints_claims_not_token(void **state)
{
    chain_fixture *f = *state;
    char *jwt =
        fake_jwt(FAKE_TENANT, "obj-42", FAKE_CLIENT, "https://management.azure.com", 1900000000);
    char *body = fake_entra_body(jwt, 3599);
    fake_push(&f->fake, 200, body);
    const char *env[] = {"AZURE_TENANT_ID=" FAKE_TENANT, "AZURE_CLIENT_ID=" FAKE_CLIENT,
                         "AZURE_CLIENT_SECRET=" FAKE_CLIENT_SECRET,
                         "AZURE_AUTHORITY_HOST=https://login.example.test", NULL};
    auth_chain_options_load_env(&f->options, fake_getenv, (void *)env);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(auth_check_report(&f->options, NULL, out, &f->error), AUTH_OK);
    fclose(out);
    fake_report_text("check", text);
    assert_non_null(strstr(text, "Using ClientSecretCredential"));
    assert_non_null(strstr(text, "tenant id:  " FAKE_TENANT));
    assert_non_null(strstr(text, "object id:  obj-42"));
    assert_non_null(strstr(text, "app id:     " FAKE_CLIENT));
    assert_non_null(strstr(text, "audience:   https://management.azure.com"));
    assert_non_null(strstr(text, "Result: OK"));
    assert_null(strstr(text, jwt));
    assert_null(strstr(text, FAKE_CLIENT_SECRET));
    assert_string_equal(f->fake.records[0].url,
                        "https://login.example.test/" FAKE_TENANT "/oauth2/v2.0/token");
    free(text);

    fake_push(&f->fake, 401,
              "{\"error\":\"invalid_client\",\"error_description\":"
              "\"AADSTS7000215: Invalid client secret provided.\"}");
    out = open_memstream(&text, &len);
    assert_int_equal(auth_check_report(&f->options, AUTH_ARM_US_GOV, out, &f->error),
                     AUTH_REJECTED);
    fclose(out);
    fake_report_text("check", text);
    assert_non_null(strstr(text, "Requesting a token for https://management.usgovcloudapi.net"));
    assert_non_null(strstr(text, "Result: FAILED: ClientSecretCredential"));
    assert_non_null(strstr(text, "AADSTS7000215"));
    assert_null(strstr(text, FAKE_CLIENT_SECRET));
    free(text);
    free(body);
    free(jwt);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_secret_comes_first),
        T(test_certificate_then_workload),
        T(test_managed_identity_order),
        T(test_explicit_options_win_and_kind_can_be_forced),
        T(test_token_credentials_narrows_the_chain),
        T(test_check_report_prints_claims_not_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
