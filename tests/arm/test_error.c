/* Unit tests for arm/error.h: reply-body parsing of every shape the services send (and
 * broken ones), secret masking and the one-line format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "arm/error.h"

static void parse(arm_error *e, const char *body)
{
    arm_error_init(e);
    arm_error_parse_body(e, body, strlen(body));
}

static void test_arm_json_with_nested_details(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Request properties validation "
              "failed\",\"target\":\"definition\",\"details\":[{\"code\":\"A\",\"message\":\"a\","
              "\"details\":[{\"code\":\"B\",\"message\":\"b\"}]},{\"code\":\"C\"}]}}");
    assert_string_equal(e.code, "BadRequest");
    assert_string_equal(e.message, "Request properties validation failed");
    assert_string_equal(e.target, "definition");
    assert_int_equal(e.detail_count, 3);
    assert_string_equal(e.details[0].code, "A");
    assert_string_equal(e.details[1].code, "B");
    assert_string_equal(e.details[1].message, "b");
    assert_string_equal(e.details[2].code, "C");
    assert_string_equal(e.details[2].message, "");
}

static void test_cost_management_numeric_code(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests. Please retry.\"}}");
    assert_string_equal(e.code, "429");
    parse(&e, "{\"error\":{\"code\":429,\"message\":\"x\"}}");
    assert_string_equal(e.code, "429");
}

static void test_oauth_error(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
              "client secret provided.\"}");
    assert_string_equal(e.code, "invalid_client");
    assert_true(strstr(e.message, "AADSTS7000215") != NULL);
}

static void test_blob_xml_error(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound"
              "</Code><Message>The specified blob does not exist.\nRequestId:abc\nTime:2024"
              "</Message></Error>");
    assert_string_equal(e.code, "BlobNotFound");
    assert_string_equal(e.message, "The specified blob does not exist.");
    arm_error_init(&e);
    const char *xml = "<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code><Message>The "
                      "specified blob &amp; &lt;x&gt;.\nRequestId:abc\nTime:2024</Message></Error>";
    arm_error_parse_body(&e, xml, strlen(xml));
    assert_string_equal(e.code, "BlobNotFound");
    assert_string_equal(e.message, "The specified blob & <x>.");
}

static void test_html_body(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
    assert_string_equal(e.code, "");
    assert_string_equal(e.message, "502 Bad Gateway");
}

static void test_empty_and_whitespace_bodies(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "");
    assert_string_equal(e.code, "");
    assert_string_equal(e.message, "");
    parse(&e, "  \r\n ");
    assert_string_equal(e.message, "");
    arm_error_init(&e);
    arm_error_parse_body(&e, NULL, 10);
    assert_string_equal(e.message, "");
}

static void test_truncated_json(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "{\"error\":{\"code\":\"ResourceRequestsThrottled\",\"message\":\"The request is be");
    assert_string_equal(e.code, "ResourceRequestsThrottled");
    assert_string_equal(e.message, "The request is be");
    parse(&e, "{\"err");
    assert_string_equal(e.code, "");
    assert_true(strstr(e.message, "unrecognised reply body") != NULL);
}

static void test_garbage_body_is_excerpted(void **state)
{
    (void)state;
    arm_error e;
    char body[600];
    memset(body, 'x', sizeof body);
    body[0] = '\x01';
    body[5] = '\xff';
    arm_error_init(&e);
    arm_error_parse_body(&e, body, sizeof body); /* not NUL-terminated on purpose */
    assert_true(strncmp(e.message, "unrecognised reply body: ", 25) == 0);
    assert_true(strlen(e.message) < 200);
    assert_null(strchr(e.message, '\x01'));
}

static void test_mask_url(void **state)
{
    (void)state;
    char out[256];
    arm_mask_url("https://acct.blob.core.windows.net/c/b?sv=2020&sig=abc%2Bdef&se=1", 1, out,
                 sizeof out);
    assert_string_equal(out, "/c/b?sv=2020&sig=REDACTED&se=1");
    arm_mask_url("https://management.azure.com/subscriptions/x?api-version=1", 0, out, sizeof out);
    assert_string_equal(out, "https://management.azure.com/subscriptions/x?api-version=1");
    arm_mask_url("http://h/token?client_secret=s3cr3t&code=c0de", 1, out, sizeof out);
    assert_string_equal(out, "/token?client_secret=REDACTED&code=REDACTED");
    arm_mask_url("http://host", 1, out, sizeof out);
    assert_string_equal(out, "/");
    arm_mask_url("http://h/p?sig=0123456789", 1, out, 8);
    assert_int_equal(strlen(out), 7);
}

static void test_messages_never_carry_secrets(void **state)
{
    (void)state;
    arm_error e;
    arm_error_init(&e);
    arm_error_set(&e, ARM_ERR_IO, "copy from https://a/b?sv=1&sig=TOPSECRET failed");
    assert_null(strstr(e.message, "TOPSECRET"));
    parse(&e, "{\"error\":{\"code\":\"X\",\"message\":\"bad source https://a/b?sig=TOPSECRET\"}}");
    assert_null(strstr(e.message, "TOPSECRET"));
    arm_error_set_request(&e, "PUT", "https://a.blob.core.windows.net/c/b?sig=TOPSECRET&x=1");
    assert_string_equal(e.path, "/c/b?sig=REDACTED&x=1");
}

static void test_format(void **state)
{
    (void)state;
    arm_error e;
    parse(&e, "{\"error\":{\"code\":\"NotFound\",\"message\":\"gone\",\"details\":[{\"code\":\"D\","
              "\"message\":\"d\"}]}}");
    e.status = ARM_ERR_HTTP;
    e.http_status = 404;
    arm_error_set_request(&e, "GET", "https://m/subscriptions/s?api-version=v");
    strcpy(e.correlation_id, "corr");
    char line[512];
    arm_error_format(&e, line, sizeof line);
    assert_string_equal(line, "GET /subscriptions/s?api-version=v: HTTP 404 NotFound: gone [D: d] "
                              "(correlation id corr)");
    arm_error_init(&e);
    arm_error_set(&e, ARM_ERR_TIMEOUT, "connect timed out");
    arm_error_format(&e, line, sizeof line);
    assert_string_equal(line, "timed out: connect timed out");
    assert_string_equal(arm_status_text(ARM_ERR_GAVE_UP), "retries exhausted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arm_json_with_nested_details),
        cmocka_unit_test(test_cost_management_numeric_code),
        cmocka_unit_test(test_oauth_error),
        cmocka_unit_test(test_blob_xml_error),
        cmocka_unit_test(test_html_body),
        cmocka_unit_test(test_empty_and_whitespace_bodies),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_garbage_body_is_excerpted),
        cmocka_unit_test(test_mask_url),
        cmocka_unit_test(test_messages_never_carry_secrets),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
