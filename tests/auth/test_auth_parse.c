/* auth unit tests: encoders, token-response and error parsing, claims, scrubbing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth_int.h"
#include "auth_fake.h"

#include <stdlib.h>
#include <string.h>

static void test_base64url_round_trip(void **state)
{
    (void)state;
    const unsigned char data[] = {0xfb, 0xff, 0x00, 'a', 'b'};
    for (size_t len = 0; len <= sizeof(data); len++) {
        char *text = auth_base64url_encode(data, len);
        assert_non_null(text);
        assert_null(strpbrk(text, "+/="));
        size_t out_len = 99;
        unsigned char *back = auth_base64url_decode(text, strlen(text), &out_len);
        assert_non_null(back);
        assert_int_equal(out_len, len);
        assert_memory_equal(back, data, len);
        free(text);
        free(back);
    }
    char *text = auth_base64url_encode((const unsigned char *)"\xfb\xff", 2);
    assert_string_equal(text, "-_8");
    free(text);
    assert_null(auth_base64url_decode("a$bc", 4, NULL));
    assert_null(auth_base64url_decode("abcde", 5, NULL));
}

static void test_url_encode_and_scopes(void **state)
{
    (void)state;
    char *encoded = auth_url_encode("https://management.azure.com/.default a+b&c=d~");
    assert_string_equal(encoded, "https%3A%2F%2Fmanagement.azure.com%2F.default%20a%2Bb%26c%3Dd~");
    free(encoded);
    char *resource = auth_scope_to_resource("https://management.azure.com/.default");
    assert_string_equal(resource, "https://management.azure.com");
    free(resource);
    resource = auth_scope_to_resource("https://management.azure.com/");
    assert_string_equal(resource, "https://management.azure.com/");
    free(resource);
    char *scope = auth_resource_to_scope("https://management.azure.com/");
    assert_string_equal(scope, "https://management.azure.com/.default");
    free(scope);
    scope = auth_resource_to_scope("https://storage.azure.com/.default");
    assert_string_equal(scope, "https://storage.azure.com/.default");
    free(scope);
}

static void test_msi_dates(void **state)
{
    (void)state;
    /* 2019-06-20T02:57:58Z = 1560999478 */
    assert_int_equal(auth_parse_msi_date("06/20/2019 02:57:58 +00:00"), 1560999478);
    /* 2020-01-16T17:24:12Z = 1579195452 */
    assert_int_equal(auth_parse_msi_date("1/16/2020 5:24:12 PM +00:00"), 1579195452);
    assert_int_equal(auth_parse_msi_date("1/16/2020 12:24:12 AM +00:00"), 1579134252);
    assert_int_equal(auth_parse_msi_date("1/16/2020 7:24:12 PM +02:00"), 1579195452);
    assert_int_equal(auth_parse_msi_date("13/16/2020 5:24:12 AM +00:00"), -1);
    assert_int_equal(auth_parse_msi_date("yesterday"), -1);
    assert_int_equal(auth_parse_msi_date("1/16/2020 5:24:12 XM"), -1);
}

typedef struct parse_fixture {
    auth_credential *credential;
} parse_fixture;

static int setup_credential(void **state)
{
    static fake_transport fake;
    auth_options options;
    fake_options(&options, &fake, NULL, NULL);
    auth_credential *credential = NULL;
    assert_int_equal(auth_client_secret_credential_new(FAKE_TENANT, FAKE_CLIENT, FAKE_CLIENT_SECRET,
                                                       &options, &credential, NULL),
                     AUTH_OK);
    *state = credential;
    return 0;
}

static int teardown_credential(void **state)
{
    auth_credential_free(*state);
    return 0;
}

static void test_parse_entra_response(void **state)
{
    auth_credential *credential = *state;
    char *jwt = fake_jwt("tenant-1", "object-1", "app-1", "https://management.azure.com", 2000);
    char *body = fake_entra_body(jwt, 3599);
    auth_token token;
    auth_token_init(&token);
    assert_int_equal(auth_parse_token_response(credential, body, 1000, &token, NULL), AUTH_OK);
    assert_string_equal(token.access_token, jwt);
    assert_int_equal(token.expires_on, 4599);
    assert_int_equal(token.refresh_on, 0);
    assert_string_equal(token.tenant_id, "tenant-1");
    assert_string_equal(token.object_id, "object-1");
    assert_string_equal(token.app_id, "app-1");
    assert_string_equal(token.audience, "https://management.azure.com");
    assert_int_equal(token.exp, 2000);
    auth_token_dispose(&token);
    assert_null(token.access_token);
    free(body);
    free(jwt);
}

static void test_parse_managed_identity_shapes(void **state)
{
    auth_credential *credential = *state;
    auth_token token;
    auth_token_init(&token);
    /* IMDS: numbers as strings; expires_in (relative) wins over expires_on */
    assert_int_equal(
        auth_parse_token_response(
            credential,
            "{\"access_token\":\"opaque\",\"refresh_token\":\"\",\"expires_in\":"
            "\"3599\",\"expires_on\":\"1506484173\",\"not_before\":\"1506480273\","
            "\"resource\":\"https://management.azure.com/\",\"token_type\":\"Bearer\"}",
            100, &token, NULL),
        AUTH_OK);
    assert_int_equal(token.expires_on, 3699);
    assert_string_equal(token.tenant_id, ""); /* opaque: no claims, still fine */
    /* App Service 2019-08-01: expires_on only, a string */
    assert_int_equal(auth_parse_token_response(credential,
                                               "{\"access_token\":\"a\",\"expires_on\":"
                                               "\"1586984735\",\"resource\":\"r\",\"token_type\":"
                                               "\"Bearer\",\"client_id\":\"c\"}",
                                               100, &token, NULL),
                     AUTH_OK);
    assert_int_equal(token.expires_on, 1586984735);
    /* legacy MSI: a date string */
    assert_int_equal(auth_parse_token_response(credential,
                                               "{\"access_token\":\"a\",\"expires_on\":"
                                               "\"06/20/2019 02:57:58 +00:00\"}",
                                               100, &token, NULL),
                     AUTH_OK);
    assert_int_equal(token.expires_on, 1560999478);
    /* Azure ML: an integer */
    assert_int_equal(auth_parse_token_response(credential,
                                               "{\"access_token\":\"a\",\"expires_on\":1586984735}",
                                               100, &token, NULL),
                     AUTH_OK);
    assert_int_equal(token.expires_on, 1586984735);
    /* refresh_in */
    assert_int_equal(auth_parse_token_response(
                         credential,
                         "{\"access_token\":\"a\",\"expires_in\":86399,\"refresh_in\":43199}", 100,
                         &token, NULL),
                     AUTH_OK);
    assert_int_equal(token.refresh_on, 43299);
    auth_token_dispose(&token);
}

static void test_parse_bad_responses(void **state)
{
    auth_credential *credential = *state;
    auth_token token;
    auth_token_init(&token);
    auth_error error;
    const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"expires_in\":3599}",
        "{\"access_token\":\"\",\"expires_in\":3599}",
        "{\"access_token\":\"a\"}",
        "{\"access_token\":\"a\",\"expires_on\":\"soon\"}",
        "{\"access_token\":\"a\",\"expires_in\":3599,\"token_type\":\"pop\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(auth_parse_token_response(credential, bad[i], 0, &token, &error),
                         AUTH_BAD_RESPONSE);
        fake_report_error(&error);
        assert_string_equal(error.credential, "ClientSecretCredential");
        assert_non_null(strstr(error.message, "ClientSecretCredential"));
        assert_null(token.access_token);
    }
}

static void test_error_from_entra_response(void **state)
{
    auth_credential *credential = *state;
    auth_http_response response = {
        .status = 401,
        .body = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
                "client secret provided. Trace ID: t Correlation ID: c\",\"error_codes\":"
                "[7000215]}",
    };
    auth_error error;
    assert_int_equal(auth_error_from_response(credential, &response, "token request", NULL, &error),
                     AUTH_REJECTED);
    assert_int_equal(error.http_status, 401);
    fake_report_error(&error);
    assert_string_equal(error.code, "AADSTS7000215");
    assert_non_null(strstr(error.message, "invalid_client"));
    assert_non_null(strstr(error.message, "AADSTS7000215: Invalid client secret provided"));

    auth_http_response nested = {.status = 400,
                                 .body = "{\"error\":{\"code\":\"bad_request_102\",\"message\":"
                                         "\"Required metadata header not specified\"}}"};
    assert_int_equal(auth_error_from_response(credential, &nested, "x", NULL, &error),
                     AUTH_REJECTED);
    assert_string_equal(error.code, "bad_request_102");

    auth_http_response html = {.status = 503, .body = "<html>\n\x01busy</html>"};
    assert_int_equal(auth_error_from_response(credential, &html, "x", NULL, &error),
                     AUTH_TRANSPORT);
    assert_non_null(strstr(error.message, "HTTP 503: <html>"));
}

static void test_scrub_replaces_every_secret(void **state)
{
    (void)state;
    char text[128] = "a SECRET1 b SECRET1 c tok123 end";
    const char *secrets[] = {"SECRET1", "tok123", "ab", NULL};
    auth_scrub(text, sizeof(text), secrets);
    assert_string_equal(text, "a [redacted] b [redacted] c [redacted] end");
    char tight[12] = "xx LONGSEC";
    const char *one[] = {"LONGSEC", NULL};
    auth_scrub(tight, sizeof(tight), one); /* no room for the mark: cut, never leak */
    assert_null(strstr(tight, "LONGSEC"));
}

static void test_claims_of_v2_and_non_jwt(void **state)
{
    (void)state;
    auth_token token;
    auth_token_init(&token);
    /* {"aud":["a1","a2"],"azp":"v2-app","tid":"t","exp":5} */
    token.access_token = strdup("e30.eyJhdWQiOlsiYTEiLCJhMiJdLCJhenAiOiJ2Mi1hcHAiLCJ0aWQiOiJ0"
                                "IiwiZXhwIjo1fQ.c2ln");
    assert_int_equal(auth_token_decode_claims(&token, NULL), AUTH_OK);
    assert_string_equal(token.app_id, "v2-app");
    assert_string_equal(token.audience, "a1");
    assert_int_equal(token.exp, 5);
    free(token.access_token);
    token.access_token = strdup("opaque-token");
    auth_error error;
    assert_int_equal(auth_token_decode_claims(&token, &error), AUTH_BAD_RESPONSE);
    assert_string_equal(token.tenant_id, "");
    auth_token_dispose(&token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64url_round_trip),
        cmocka_unit_test(test_url_encode_and_scopes),
        cmocka_unit_test(test_msi_dates),
        cmocka_unit_test_setup_teardown(test_parse_entra_response, setup_credential,
                                        teardown_credential),
        cmocka_unit_test_setup_teardown(test_parse_managed_identity_shapes, setup_credential,
                                        teardown_credential),
        cmocka_unit_test_setup_teardown(test_parse_bad_responses, setup_credential,
                                        teardown_credential),
        cmocka_unit_test_setup_teardown(test_error_from_entra_response, setup_credential,
                                        teardown_credential),
        cmocka_unit_test(test_scrub_replaces_every_secret),
        cmocka_unit_test(test_claims_of_v2_and_non_jwt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
