/* Unit tests for the transport's header handling: raw line parsing, case-insensitive
 * lookup, every retry-after form, and request GUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "arm/http_int.h"

static void test_parse_lines(void **state)
{
    (void)state;
    char *n, *v;
    assert_int_equal(arm_http_parse_header_line("HTTP/2 200\r\n", 12, &n, &v),
                     ARM_HEADER_LINE_STATUS);
    assert_int_equal(arm_http_parse_header_line("\r\n", 2, &n, &v), ARM_HEADER_LINE_END);
    assert_int_equal(arm_http_parse_header_line("no colon\r\n", 10, &n, &v),
                     ARM_HEADER_LINE_INVALID);
    assert_int_equal(arm_http_parse_header_line(": v\r\n", 5, &n, &v), ARM_HEADER_LINE_INVALID);
    const char *line = "ETag:   \"0x8D\"  \r\n";
    assert_int_equal(arm_http_parse_header_line(line, strlen(line), &n, &v), ARM_HEADER_LINE_FIELD);
    assert_string_equal(n, "ETag");
    assert_string_equal(v, "\"0x8D\"");
    free(n);
    free(v);
    line = "X-Empty:\r\n";
    assert_int_equal(arm_http_parse_header_line(line, strlen(line), &n, &v), ARM_HEADER_LINE_FIELD);
    assert_string_equal(v, "");
    free(n);
    free(v);
    /* A value containing colons (dates, URLs) is kept whole. */
    line = "Location: https://h:443/x\n";
    assert_int_equal(arm_http_parse_header_line(line, strlen(line), &n, &v), ARM_HEADER_LINE_FIELD);
    assert_string_equal(v, "https://h:443/x");
    free(n);
    free(v);
}

static void add(arm_http_response *r, const char *name, const char *value)
{
    assert_int_equal(arm_http_response_add_header(r, strdup(name), strdup(value)), 0);
}

static void test_lookup_is_case_insensitive(void **state)
{
    (void)state;
    arm_http_response r;
    arm_http_response_init(&r);
    add(&r, "X-MS-Request-Id", "abc");
    add(&r, "content-type", "application/json");
    assert_string_equal(arm_http_response_header(&r, "x-ms-request-id"), "abc");
    assert_string_equal(arm_http_response_header(&r, "Content-Type"), "application/json");
    assert_null(arm_http_response_header(&r, "etag"));
    assert_null(arm_http_response_header(NULL, "etag"));
    arm_http_response_dispose(&r);
    assert_int_equal(r.header_count, 0);
}

static double retry_after_of(const char *name, const char *value, double now)
{
    arm_http_response r;
    arm_http_response_init(&r);
    add(&r, name, value);
    double d = arm_http_retry_after(&r, now);
    arm_http_response_dispose(&r);
    return d;
}

static void test_retry_after_forms(void **state)
{
    (void)state;
    assert_true(retry_after_of("Retry-After", "17", 0) == 17.0);
    assert_true(retry_after_of("retry-after-ms", "1500", 0) == 1.5);
    assert_true(retry_after_of("x-ms-retry-after-ms", "250", 0) == 0.25);
    assert_true(
        retry_after_of("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "42", 0) == 42.0);
    assert_true(retry_after_of("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "9",
                               0) == 9.0);
    /* HTTP date: Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    assert_true(retry_after_of("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT", 784111700.0) ==
                77.0);
    assert_true(retry_after_of("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT", 784111800.0) == 0);
    assert_true(retry_after_of("Retry-After", "soon", 0) == -1);
    assert_true(retry_after_of("Retry-After", "-5", 0) == -1);
    assert_true(retry_after_of("retry-after-ms", "Sun, 06 Nov 1994 08:49:37 GMT", 0) == -1);
    assert_true(retry_after_of("x-ms-ratelimit-remaining-subscription-reads", "249", 0) == -1);
}

static void test_retry_after_takes_largest(void **state)
{
    (void)state;
    arm_http_response r;
    arm_http_response_init(&r);
    assert_true(arm_http_retry_after(&r, 0) == -1);
    add(&r, "Retry-After", "10");
    add(&r, "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "45");
    add(&r, "x-ms-ratelimit-microsoft.costmanagement-client-retry-after", "30");
    add(&r, "retry-after-ms", "2000");
    assert_true(arm_http_retry_after(&r, 0) == 45.0);
    arm_http_response_dispose(&r);
}

static void test_guid(void **state)
{
    (void)state;
    char a[37], b[37];
    arm_http_new_guid(a);
    arm_http_new_guid(b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[8], '-');
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lines),
        cmocka_unit_test(test_lookup_is_case_insensitive),
        cmocka_unit_test(test_retry_after_forms),
        cmocka_unit_test(test_retry_after_takes_largest),
        cmocka_unit_test(test_guid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
