/* Unit tests for the Shared Key string-to-sign: line order, Content-Length rules,
 * canonical x-ms-* headers and the canonical resource with decoded, sorted query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "arm/blob_int.h"

static void test_put_block(void **state)
{
    (void)state;
    arm_http_header hs[] = {{"x-ms-version", "2021-08-06"},
                            {"X-MS-Client-Request-Id", "id-1"},
                            {"If-Match", "\"e\""},
                            {"x-ms-meta-note", "  a   b  "}};
    arm_http_request r = {.method = "PUT",
                          .url = "http://127.0.0.1:10000/devstoreaccount1/c/b%20x?comp=block&"
                                 "blockid=QUJD%3D%3D",
                          .headers = hs,
                          .header_count = 4,
                          .body = "hello",
                          .body_len = 5};
    char *s = blob_string_to_sign("devstoreaccount1", &r, "Mon, 01 Jan 2024 00:00:00 GMT");
    assert_string_equal(s, "PUT\n\n\n5\n\n\n\n\n\"e\"\n\n\n\n"
                           "x-ms-client-request-id:id-1\n"
                           "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
                           "x-ms-meta-note:a b\n"
                           "x-ms-version:2021-08-06\n"
                           "/devstoreaccount1/devstoreaccount1/c/b%20x\n"
                           "blockid:QUJD==\n"
                           "comp:block");
    free(s);
}

static void test_get_account_style_empty_length(void **state)
{
    (void)state;
    arm_http_header hs[] = {{"x-ms-range", "bytes=0-9"}, {"x-ms-version", "v"}};
    arm_http_request r = {.method = "GET",
                          .url = "https://acct.blob.core.windows.net/c?restype=container&comp=list"
                                 "&prefix=a%2Fb&marker=",
                          .headers = hs,
                          .header_count = 2};
    char *s = blob_string_to_sign("acct", &r, "D");
    assert_string_equal(s, "GET\n\n\n\n\n\n\n\n\n\n\n\n"
                           "x-ms-date:D\nx-ms-range:bytes=0-9\nx-ms-version:v\n"
                           "/acct/c\ncomp:list\nmarker:\nprefix:a/b\nrestype:container");
    free(s);
    /* A PUT without a body signs an empty Content-Length (version ≥ 2015-02-21). */
    arm_http_request put = {.method = "PUT", .url = "https://acct.blob.core.windows.net/c/b"};
    s = blob_string_to_sign("acct", &put, "D");
    assert_string_equal(s, "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:D\n/acct/c/b");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_block),
        cmocka_unit_test(test_get_account_style_empty_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
