/* auth unit tests: managed identity requests (IMDS, App Service, legacy MSI) over a scripted
 * transport — request shape, user-assigned ids, IMDS's retry rules with a fake sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth_fake.h"

#include <stdlib.h>
#include <string.h>

#define IMDS_OK                                                                                    \
    "{\"access_token\":\"mi-token\",\"refresh_token\":\"\",\"expires_in\":\"3599\","               \
    "\"expires_on\":\"1700003599\",\"not_before\":\"1700000000\",\"resource\":"                    \
    "\"https://management.azure.com\",\"token_type\":\"Bearer\"}"

typedef struct mi_fixture {
    fake_transport fake;
    fake_time time;
    fake_log log;
    auth_options options;
    auth_credential *credential;
    auth_token token;
    auth_error error;
} mi_fixture;

static int setup(void **state)
{
    mi_fixture *f = calloc(1, sizeof(*f));
    f->time.now = 1700000000;
    fake_options(&f->options, &f->fake, &f->time, &f->log);
    auth_token_init(&f->token);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    mi_fixture *f = *state;
    fake_report_error(&f->error);
    auth_token_dispose(&f->token);
    auth_credential_free(f->credential);
    fake_transport_dispose(&f->fake);
    fake_log_dispose(&f->log);
    free(f);
    return 0;
}

static void imds(mi_fixture *f, const auth_managed_identity_options *id)
{
    assert_int_equal(auth_imds_credential_new("http://127.0.0.1:9/metadata/identity/oauth2/token",
                                              id, &f->options, &f->credential, &f->error),
                     AUTH_OK);
}

static auth_status get(mi_fixture *f)
{
    memset(&f->error, 0, sizeof(f->error));
    auth_status status = auth_credential_get_token(
        f->credential, "https://management.azure.com/.default", &f->token, &f->error);
    fake_report_error(&f->error);
    return status;
}

static void test_imds_request_shape(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_OK);
    assert_string_equal(f->token.access_token, "mi-token");
    assert_int_equal(f->token.expires_on, 1700000000 + 3599);
    assert_int_equal(f->fake.record_count, 1);
    fake_record *r = &f->fake.records[0];
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->url,
                        "http://127.0.0.1:9/metadata/identity/oauth2/token"
                        "?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com");
    assert_string_equal(r->headers, "Metadata: true\n");
    assert_null(r->body);
    assert_int_equal(f->time.sleeps, 0);
}

static void test_imds_user_assigned_ids(void **state)
{
    mi_fixture *f = *state;
    const struct {
        auth_managed_identity_options id;
        const char *param;
    } cases[] = {
        {{.client_id = "cid-1"}, "&client_id=cid-1"},
        {{.object_id = "oid-1"}, "&object_id=oid-1"},
        {{.resource_id = "/subscriptions/s/resourceGroups/g/providers/"
                         "Microsoft.ManagedIdentity/userAssignedIdentities/hub"},
         "&msi_res_id=%2Fsubscriptions%2Fs%2FresourceGroups%2Fg%2Fproviders%2F"
         "Microsoft.ManagedIdentity%2FuserAssignedIdentities%2Fhub"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        imds(f, &cases[i].id);
        fake_push(&f->fake, 200, IMDS_OK);
        assert_int_equal(get(f), AUTH_OK);
        const char *url = f->fake.records[i].url;
        size_t len = strlen(url), plen = strlen(cases[i].param);
        assert_true(len > plen);
        assert_string_equal(url + len - plen, cases[i].param);
        auth_credential_free(f->credential);
        f->credential = NULL;
    }
    auth_managed_identity_options two = {.client_id = "a", .object_id = "b"};
    assert_int_equal(auth_imds_credential_new(NULL, &two, &f->options, &f->credential, &f->error),
                     AUTH_INVALID_ARGUMENT);
    assert_null(f->credential);
    assert_non_null(strstr(f->error.message, "at most one"));
}

static void test_imds_retries_429_and_503_with_backoff(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push(&f->fake, 429, "{\"error\":\"too_many_requests\"}");
    fake_push(&f->fake, 503, "");
    fake_push(&f->fake, 500, "{\"error\":\"unknown\",\"error_description\":\"boom\"}");
    fake_push(&f->fake, 404, "");
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->fake.record_count, 5);
    /* tries at ~0/2/6/14/30 s */
    assert_int_equal(f->time.sleeps, 4);
    assert_int_equal(f->time.slept_ms[0], 2000);
    assert_int_equal(f->time.slept_ms[1], 4000);
    assert_int_equal(f->time.slept_ms[2], 8000);
    assert_int_equal(f->time.slept_ms[3], 16000);
    assert_non_null(strstr(f->log.text, "HTTP 429"));
    assert_non_null(strstr(f->log.text, "HTTP 503"));
}

static void test_imds_honours_longer_retry_after(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push_retry_after(&f->fake, 429, "", 7);
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->time.slept_ms[0], 7000);
}

static void test_imds_gives_up_after_five_retries(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    for (int i = 0; i < 6; i++)
        fake_push(&f->fake, 503, "{\"error\":\"unknown\",\"error_description\":\"busy\"}");
    fake_push(&f->fake, 200, IMDS_OK); /* never reached */
    assert_int_equal(get(f), AUTH_TRANSPORT);
    assert_int_equal(f->fake.record_count, 6);
    assert_int_equal(f->time.slept_ms[4], 32000);
    assert_int_equal(f->error.http_status, 503);
    assert_string_equal(f->error.code, "unknown");
    assert_non_null(strstr(f->error.message, "ManagedIdentityCredential(IMDS)"));
}

static void test_imds_slow_start_410_waits_up_to_70_seconds(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    for (int i = 0; i < 3; i++)
        fake_push(&f->fake, 410, "");
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->time.sleeps, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(f->time.slept_ms[i], 10000);

    /* gone for good: 7 retries 10 s apart (70 s), then the error */
    auth_credential_free(f->credential);
    f->credential = NULL;
    fake_transport_dispose(&f->fake);
    f->time.sleeps = 0;
    imds(f, NULL);
    for (int i = 0; i < 9; i++)
        fake_push(&f->fake, 410, "");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_int_equal(f->fake.record_count, 8);
    assert_int_equal(f->time.sleeps, 7);
    assert_int_equal(f->error.http_status, 410);
}

static void test_imds_400_is_not_retried(void **state)
{
    mi_fixture *f = *state;
    imds(f, &(auth_managed_identity_options){.client_id = "not-assigned"});
    fake_push(&f->fake, 400,
              "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_int_equal(f->fake.record_count, 1);
    assert_int_equal(f->time.sleeps, 0);
    assert_string_equal(f->error.code, "invalid_request");
    assert_non_null(strstr(f->error.message, "Identity not found"));
}

static void test_imds_missing_metadata_header_answer(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push(&f->fake, 400,
              "{\"error\":\"bad_request_102\",\"error_description\":\"Required metadata header "
              "not specified\"}");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_string_equal(f->error.code, "bad_request_102");
    assert_non_null(strstr(f->error.message, "proxy"));
}

static void test_imds_absent_is_unavailable_at_once(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push_failure(&f->fake, AUTH_HTTP_CONNECT);
    assert_int_equal(get(f), AUTH_UNAVAILABLE);
    assert_int_equal(f->time.sleeps, 0);
    assert_non_null(strstr(f->error.message, "no endpoint answers"));
}

static void test_imds_timeouts_are_retried(void **state)
{
    mi_fixture *f = *state;
    imds(f, NULL);
    fake_push(&f->fake, 200, "{\"access_token\":\"x\",\"expires_in\":\"60\"}");
    assert_int_equal(get(f), AUTH_OK); /* IMDS is there */
    fake_push_failure(&f->fake, AUTH_HTTP_TIMEOUT);
    fake_push_failure(&f->fake, AUTH_HTTP_OTHER);
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->time.sleeps, 2);
    /* a TLS failure does not heal by waiting */
    fake_push_failure(&f->fake, AUTH_HTTP_TLS);
    fake_push(&f->fake, 200, IMDS_OK);
    assert_int_equal(get(f), AUTH_TRANSPORT);
    assert_int_equal(f->time.sleeps, 2);
}

static void test_app_service_request_shape(void **state)
{
    mi_fixture *f = *state;
    auth_managed_identity_options id = {.client_id = "uami-client"};
    assert_int_equal(auth_app_service_credential_new("http://127.0.0.1:41000/msi/token",
                                                     FAKE_IDENTITY_HEADER, &id, &f->options,
                                                     &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 200,
              "{\"access_token\":\"app-token\",\"expires_on\":\"1700003000\",\"resource\":"
              "\"https://management.azure.com\",\"token_type\":\"Bearer\",\"client_id\":\"c\"}");
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->token.expires_on, 1700003000);
    fake_record *r = &f->fake.records[0];
    assert_string_equal(r->url, "http://127.0.0.1:41000/msi/token?api-version=2019-08-01"
                                "&resource=https%3A%2F%2Fmanagement.azure.com"
                                "&client_id=uami-client");
    assert_string_equal(r->headers, "X-IDENTITY-HEADER: " FAKE_IDENTITY_HEADER "\n");
    assert_null(strstr(auth_credential_describe(f->credential), FAKE_IDENTITY_HEADER));

    auth_credential *other = NULL;
    assert_int_equal(
        auth_app_service_credential_new("http://x", NULL, NULL, &f->options, &other, &f->error),
        AUTH_UNAVAILABLE);
    assert_non_null(strstr(f->error.message, "IDENTITY_HEADER"));
    assert_int_equal(
        auth_app_service_credential_new("ftp://x", "h", NULL, &f->options, &other, &f->error),
        AUTH_INVALID_ARGUMENT);
}

static void test_app_service_error_names_credential(void **state)
{
    mi_fixture *f = *state;
    assert_int_equal(auth_app_service_credential_new("http://127.0.0.1:41000/msi/token",
                                                     FAKE_IDENTITY_HEADER, NULL, &f->options,
                                                     &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 401,
              "{\"error\":\"unauthorized\",\"error_description\":\"bad header " FAKE_IDENTITY_HEADER
              "\"}");
    assert_int_equal(get(f), AUTH_REJECTED);
    assert_string_equal(f->error.credential, "ManagedIdentityCredential(AppService)");
    assert_non_null(strstr(f->error.message, "bad header [redacted]"));
}

static void test_msi_legacy_request_shape(void **state)
{
    mi_fixture *f = *state;
    auth_managed_identity_options id = {.client_id = "legacy-client"};
    assert_int_equal(auth_msi_legacy_credential_new("http://127.0.0.1:41001/MSI/token/",
                                                    FAKE_MSI_SECRET, &id, &f->options,
                                                    &f->credential, &f->error),
                     AUTH_OK);
    fake_push(&f->fake, 200,
              "{\"access_token\":\"legacy-token\",\"expires_on\":\"11/14/2023 10:53:20 PM "
              "+00:00\",\"resource\":\"https://management.azure.com\",\"token_type\":\"Bearer\"}");
    assert_int_equal(get(f), AUTH_OK);
    assert_int_equal(f->token.expires_on, 1700002400);
    fake_record *r = &f->fake.records[0];
    assert_string_equal(r->url, "http://127.0.0.1:41001/MSI/token/?api-version=2017-09-01"
                                "&resource=https%3A%2F%2Fmanagement.azure.com"
                                "&clientid=legacy-client");
    assert_string_equal(r->headers, "secret: " FAKE_MSI_SECRET "\n");
    auth_credential *other = NULL;
    auth_managed_identity_options by_object = {.object_id = "o"};
    assert_int_equal(auth_msi_legacy_credential_new("http://x", "s-secret", &by_object, &f->options,
                                                    &other, &f->error),
                     AUTH_INVALID_ARGUMENT);
    assert_non_null(strstr(f->error.message, "client id"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_imds_request_shape),
        T(test_imds_user_assigned_ids),
        T(test_imds_retries_429_and_503_with_backoff),
        T(test_imds_honours_longer_retry_after),
        T(test_imds_gives_up_after_five_retries),
        T(test_imds_slow_start_410_waits_up_to_70_seconds),
        T(test_imds_400_is_not_retried),
        T(test_imds_missing_metadata_header_answer),
        T(test_imds_absent_is_unavailable_at_once),
        T(test_imds_timeouts_are_retried),
        T(test_app_service_request_shape),
        T(test_app_service_error_names_credential),
        T(test_msi_legacy_request_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
