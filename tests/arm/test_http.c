/* Transport tests against a local scripted server: headers we send, what we report back,
 * error replies, streamed and capped bodies, connection failures and concurrent batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm/http.h"
#include "log_capture.h"
#include "http_fixture.h"
#include "test_util.h"

typedef struct fixture {
    http_fixture *server;
    arm_http_client *client;
    log_capture log;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->server = http_fixture_start();
    if (f->server == NULL)
        return -1;
    arm_http_options o = arm_http_options_default();
    o.log = log_capture_line;
    o.log_ctx = &f->log;
    o.max_in_flight = 4;
    if (arm_http_client_new(&o, &f->client, NULL) != ARM_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arm_http_client_free(f->client);
    http_fixture_stop(f->server);
    free(f);
    return 0;
}

static char *url(fixture *f, const char *path)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s%s", http_fixture_url(f->server), path);
    return buf;
}

static void test_get_sends_identity_headers(void **state)
{
    fixture *f = *state;
    arm_http_header h[] = {{"X-Test", "hello"}};
    arm_http_request req = {
        .method = "GET", .url = url(f, "/echo"), .headers = h, .header_count = 1};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(f->client, &req, &resp, &err), ARM_OK);
    assert_int_equal(resp.status, 200);
    assert_non_null(resp.body);
    char expect[128];
    snprintf(expect, sizeof expect, "\"client_request_id\":\"%s\"", resp.client_request_id);
    assert_non_null(strstr(resp.body, expect));
    assert_non_null(strstr(resp.body, "\"user_agent\":\"hubagent/" HUBAGENT_VERSION "\""));
    assert_non_null(strstr(resp.body, "\"x_test\":\"hello\""));
    assert_string_equal(arm_http_response_header(&resp, "X-MS-REQUEST-ID"), "rid-1");
    /* The reply's ids reach the debug log with our client request id. */
    assert_non_null(strstr(f->log.text, "x-ms-request-id=rid-1"));
    assert_non_null(strstr(f->log.text, "x-ms-correlation-request-id=corr-1"));
    assert_non_null(strstr(f->log.text, resp.client_request_id));
    assert_true(resp.request_sent);
    arm_http_response_dispose(&resp);
}

static void test_bodies_and_content_length(void **state)
{
    fixture *f = *state;
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_http_request post = {.method = "POST", .url = url(f, "/echo")};
    assert_int_equal(arm_http_send(f->client, &post, &resp, NULL), ARM_OK);
    assert_non_null(strstr(resp.body, "\"method\":\"POST\""));
    assert_non_null(strstr(resp.body, "\"content_length\":\"0\""));
    const char *json = "{\"a\":1}";
    arm_http_request put = {
        .method = "PUT", .url = url(f, "/echo"), .body = json, .body_len = strlen(json)};
    assert_int_equal(arm_http_send(f->client, &put, &resp, NULL), ARM_OK);
    assert_non_null(strstr(resp.body, "\"method\":\"PUT\""));
    assert_non_null(strstr(resp.body, "\"received\":7"));
    arm_http_request del = {.method = "DELETE", .url = url(f, "/echo")};
    assert_int_equal(arm_http_send(f->client, &del, &resp, NULL), ARM_OK);
    assert_non_null(strstr(resp.body, "\"method\":\"DELETE\""));
    arm_http_request head = {.method = "HEAD", .url = url(f, "/echo")};
    assert_int_equal(arm_http_send(f->client, &head, &resp, NULL), ARM_OK);
    assert_int_equal(resp.status, 200);
    assert_null(resp.body);
    arm_http_response_dispose(&resp);
}

typedef struct counter {
    uint64_t bytes;
    int bad;
    uint64_t limit;
} counter;

static int count_bytes(void *ctx, const char *data, size_t len)
{
    counter *c = ctx;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != (char)('a' + (c->bytes + i) % 26))
            c->bad = 1;
    }
    c->bytes += len;
    return c->limit != 0 && c->bytes >= c->limit;
}

static size_t read_pattern(void *ctx, char *buf, size_t len)
{
    counter *c = ctx;
    size_t n = 0;
    while (n < len && c->bytes < c->limit)
        buf[n++] = (char)('a' + c->bytes++ % 26);
    return n;
}

static int rewind_pattern(void *ctx)
{
    ((counter *)ctx)->bytes = 0;
    return 0;
}

static void test_streamed_bodies(void **state)
{
    fixture *f = *state;
    counter down = {0};
    arm_http_request get = {.method = "GET",
                            .url = url(f, "/bytes/5000000"),
                            .response_write = count_bytes,
                            .response_ctx = &down};
    arm_http_response resp;
    arm_http_response_init(&resp);
    assert_int_equal(arm_http_send(f->client, &get, &resp, NULL), ARM_OK);
    assert_int_equal(down.bytes, 5000000);
    assert_int_equal(down.bad, 0);
    assert_null(resp.body);
    counter up = {.limit = 3000000};
    arm_http_request put = {.method = "PUT",
                            .url = url(f, "/echo"),
                            .body_read = read_pattern,
                            .body_rewind = rewind_pattern,
                            .body_ctx = &up,
                            .body_length = 3000000};
    assert_int_equal(arm_http_send(f->client, &put, &resp, NULL), ARM_OK);
    assert_non_null(strstr(resp.body, "\"received\":3000000"));
    /* A write callback that stops the transfer is reported as such. */
    counter stop = {.limit = 100000};
    get.response_ctx = &stop;
    get.url = url(f, "/bytes/5000000"); /* url() reuses one buffer */
    arm_error err;
    assert_int_equal(arm_http_send(f->client, &get, &resp, &err), ARM_ERR_CALLBACK);
    arm_http_response_dispose(&resp);
}

static void test_memory_cap(void **state)
{
    fixture *f = *state;
    arm_http_request get = {
        .method = "GET", .url = url(f, "/bytes/100000"), .max_response_bytes = 50000};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(f->client, &get, &resp, &err), ARM_ERR_TOO_LARGE);
    assert_int_equal(err.status, ARM_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "50000"));
    arm_http_response_dispose(&resp);
}

static void test_error_reply_fills_error(void **state)
{
    fixture *f = *state;
    arm_http_request get = {.method = "GET", .url = url(f, "/status/404?api-version=1&sig=SECRET")};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(f->client, &get, &resp, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.code, "Code404");
    assert_string_equal(err.message, "status 404");
    assert_string_equal(err.method, "GET");
    assert_string_equal(err.path, "/status/404?api-version=1&sig=REDACTED");
    assert_string_equal(err.correlation_id, "corr-e");
    assert_string_equal(err.request_id, "rid-e");
    assert_string_equal(err.client_request_id, resp.client_request_id);
    assert_null(strstr(f->log.text, "SECRET"));
    /* A streamed request's error body goes to the error, not to the caller's sink. */
    counter sink = {0};
    get.response_write = count_bytes;
    get.response_ctx = &sink;
    assert_int_equal(arm_http_send(f->client, &get, &resp, &err), ARM_ERR_HTTP);
    assert_int_equal(sink.bytes, 0);
    assert_string_equal(err.code, "Code404");
    arm_http_response_dispose(&resp);
}

static void test_connection_refused_is_not_sent(void **state)
{
    (void)state;
    arm_http_client *c;
    assert_int_equal(arm_http_client_new(NULL, &c, NULL), ARM_OK);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/x", test_free_port());
    arm_http_request get = {.method = "GET", .url = u};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(c, &get, &resp, &err), ARM_ERR_TRANSPORT);
    assert_false(resp.request_sent);
    assert_int_equal(err.http_status, 0);
    assert_true(strlen(err.message) > 0);
    arm_http_response_dispose(&resp);
    arm_http_client_free(c);
}

static void test_bad_requests_are_refused(void **state)
{
    fixture *f = *state;
    arm_http_header h[] = {{"X-Evil", "a\r\nInjected: 1"}};
    arm_http_request req = {
        .method = "GET", .url = url(f, "/echo"), .headers = h, .header_count = 1};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(f->client, &req, &resp, &err), ARM_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "X-Evil"));
    arm_http_request nourl = {.method = "GET"};
    assert_int_equal(arm_http_send(f->client, &nourl, &resp, &err), ARM_ERR_INVALID_ARGUMENT);
    arm_http_response_dispose(&resp);
}

static void test_batch_runs_concurrently(void **state)
{
    fixture *f = *state;
    enum { N = 12 };
    char slow[256];
    snprintf(slow, sizeof slow, "%s", url(f, "/slow"));
    char missing[256];
    snprintf(missing, sizeof missing, "%s", url(f, "/status/409"));
    arm_http_request reqs[N];
    arm_http_exchange x[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = (arm_http_request){.method = "GET", .url = i == 5 ? missing : slow};
        x[i].request = &reqs[i];
    }
    assert_int_equal(arm_http_send_all(f->client, x, N, NULL), ARM_OK);
    for (int i = 0; i < N; i++) {
        if (i == 5) {
            assert_int_equal(x[i].status, ARM_ERR_HTTP);
            assert_int_equal(x[i].error.http_status, 409);
        } else {
            assert_int_equal(x[i].status, ARM_OK);
            assert_non_null(strstr(x[i].response.body, x[i].response.client_request_id));
        }
    }
    /* Several were in flight at once, but never more than max_in_flight (4). */
    assert_true(http_fixture_max_concurrent(f->server) > 1);
    assert_true(http_fixture_max_concurrent(f->server) <= 4);
    arm_http_exchange_dispose(x, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_sends_identity_headers),
        cmocka_unit_test(test_bodies_and_content_length),
        cmocka_unit_test(test_streamed_bodies),
        cmocka_unit_test(test_memory_cap),
        cmocka_unit_test(test_error_reply_fills_error),
        cmocka_unit_test(test_connection_refused_is_not_sent),
        cmocka_unit_test(test_bad_requests_are_refused),
        cmocka_unit_test(test_batch_runs_concurrently),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
