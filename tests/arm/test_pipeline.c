/* The pipeline against a scripted local server on a fake clock: 429 waits, back-off, the
 * POST rules, giving up, token refresh after 401, and pacing of a concurrent batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm/blob.h"
#include "arm/retry.h"
#include "log_capture.h"
#include "fake_clock.h"
#include "http_fixture.h"

typedef struct tokens {
    int issued;
    int invalidated;
    char last_rejected[32];
    char last_resource[128];
} tokens;

static arm_status get_token(void *ctx, const char *resource, char **out, arm_error *err)
{
    (void)err;
    tokens *t = ctx;
    snprintf(t->last_resource, sizeof t->last_resource, "%s", resource);
    char buf[32];
    snprintf(buf, sizeof buf, "tok-%d", ++t->issued);
    *out = strdup(buf);
    return ARM_OK;
}

static void invalidate(void *ctx, const char *resource, const char *rejected)
{
    (void)resource;
    tokens *t = ctx;
    t->invalidated++;
    snprintf(t->last_rejected, sizeof t->last_rejected, "%s", rejected ? rejected : "(null)");
}

typedef struct fixture {
    http_fixture *server;
    arm_http_client *http;
    fake_clock clock;
    arm_retry_policy policy;
    arm_pipeline pipeline;
    char url[256];
    log_capture log;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->server = http_fixture_start();
    arm_http_options o = arm_http_options_default();
    o.log = log_capture_line;
    o.log_ctx = &f->log;
    if (f->server == NULL || arm_http_client_new(&o, &f->http, NULL) != ARM_OK)
        return -1;
    f->clock.now = 1000000;
    f->clock.random_value = 1.0;
    f->policy = arm_retry_policy_default();
    f->policy.clock = fake_clock_seam(&f->clock);
    f->pipeline.http = f->http;
    f->pipeline.retry = &f->policy;
    snprintf(f->url, sizeof f->url, "%s/script", http_fixture_url(f->server));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arm_http_client_free(f->http);
    http_fixture_stop(f->server);
    free(f);
    return 0;
}

static arm_status call(fixture *f, const char *method, arm_http_response *resp, arm_error *err)
{
    arm_http_request req = {.method = method, .url = f->url};
    return arm_pipeline_send(&f->pipeline, NULL, &req, resp, err);
}

static void test_429_waits_largest_header_then_succeeds(void **state)
{
    fixture *f = *state;
    http_fixture_push(
        f->server, 429,
        "Retry-After: 10\nx-ms-ratelimit-microsoft.costmanagement-entity-retry-after: 37\n",
        "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests. Please retry.\"}}");
    http_fixture_push(f->server, 200, NULL, "{\"ok\":true}");
    int before = http_fixture_script_hits(f->server);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    /* POST too: the service said it did not accept the request. */
    assert_int_equal(call(f, "POST", &resp, &err), ARM_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(http_fixture_script_hits(f->server) - before, 2);
    assert_true(fabs(f->clock.last_sleep - 37) < 0.01);
    assert_non_null(strstr(f->log.text, "retrying POST /script"));
    arm_http_response_dispose(&resp);
}

static void test_post_not_retried_on_5xx_but_get_is(void **state)
{
    fixture *f = *state;
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    http_fixture_push(f->server, 503, NULL, "");
    int before = http_fixture_script_hits(f->server);
    assert_int_equal(call(f, "POST", &resp, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(http_fixture_script_hits(f->server) - before, 1);
    http_fixture_push(f->server, 500, NULL, "<html><title>oops</title></html>");
    http_fixture_push(f->server, 200, NULL, "{}");
    assert_int_equal(call(f, "GET", &resp, &err), ARM_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(err.attempts, 2);
    arm_http_response_dispose(&resp);
}

static bool always_cancelled(void *ctx, double wait_until)
{
    (void)ctx;
    (void)wait_until;
    return true;
}

static void test_stop_ends_a_wait_without_another_try(void **state)
{
    fixture *f = *state;
    f->clock.sleeps = 0; /* the fixture is shared: count this test's waits only */
    f->policy.cancelled = always_cancelled; /* asked to stop from the start */
    http_fixture_push(f->server, 429, "Retry-After: 600\n",
                      "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests.\"}}");
    http_fixture_push(f->server, 200, NULL, "{}");
    int before = http_fixture_script_hits(f->server);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "POST", &resp, &err), ARM_ERR_CANCELLED);
    /* The first try could go at once; its retry would have had to wait: never sent. */
    assert_int_equal(http_fixture_script_hits(f->server) - before, 1);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(err.http_status, 429); /* what the try that was made said */
    assert_int_equal(f->clock.sleeps, 0);
    arm_http_response_dispose(&resp);
    /* Asked to stop, a call that need not wait still goes (cleanup on the way out). */
    f->policy.cancelled = always_cancelled;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_OK);
    assert_int_equal(resp.status, 200);
    f->policy.cancelled = NULL;
    arm_http_response_dispose(&resp);
}

static void test_backoff_grows_then_gives_up(void **state)
{
    fixture *f = *state;
    f->policy.max_attempts = 4;
    f->policy.base_delay_s = 2;
    for (int i = 0; i < 4; i++)
        http_fixture_push(f->server, 502, NULL, "{\"error\":{\"code\":\"BadGateway\"}}");
    double slept = f->clock.slept;
    int sleeps = f->clock.sleeps;
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_ERR_GAVE_UP);
    assert_int_equal(err.attempts, 4);
    assert_int_equal(err.http_status, 502);
    assert_string_equal(err.code, "BadGateway");
    /* 2 + 4 + 8 with random = 1 (full steps). */
    assert_int_equal(f->clock.sleeps - sleeps, 3);
    assert_true(fabs(f->clock.slept - slept - 14) < 0.01);
    f->policy.max_attempts = 6;
    f->policy.base_delay_s = 1;
    arm_http_response_dispose(&resp);
}

static void test_total_time_bound(void **state)
{
    fixture *f = *state;
    f->policy.max_total_s = 100;
    http_fixture_push(f->server, 429, "Retry-After: 3600\n", "");
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_ERR_GAVE_UP);
    assert_int_equal(err.attempts, 1);
    assert_true(err.retry_after_s >= 3599);
    f->policy.max_total_s = 900;
    arm_http_response_dispose(&resp);
}

static void test_connection_reset_retried_for_get(void **state)
{
    fixture *f = *state;
    http_fixture_push_reset(f->server);
    http_fixture_push(f->server, 200, NULL, "{\"after\":\"reset\"}");
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_OK);
    assert_non_null(strstr(resp.body, "reset"));
    arm_http_response_dispose(&resp);
}

static size_t one_shot_read(void *ctx, char *buf, size_t len)
{
    int *sent = ctx;
    if (*sent || len < 2)
        return 0;
    *sent = 1;
    memcpy(buf, "{}", 2);
    return 2;
}

static arm_status failing_token(void *ctx, const char *resource, char **out, arm_error *err)
{
    (void)ctx;
    (void)resource;
    (void)err; /* says nothing: the status alone must carry the failure */
    *out = NULL;
    return ARM_ERR_AUTH;
}

static void test_token_failure_is_reported(void **state)
{
    fixture *f = *state;
    arm_token_provider tp = {NULL, failing_token, NULL};
    f->pipeline.tokens = &tp;
    f->pipeline.resource = "https://management.azure.com/";
    int before = http_fixture_script_hits(f->server);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_ERR_AUTH);
    assert_int_equal(err.status, ARM_ERR_AUTH);
    assert_int_equal(http_fixture_script_hits(f->server), before); /* nothing was sent */
    f->pipeline.tokens = NULL;
    arm_http_response_dispose(&resp);
}

static void test_unrewindable_body_is_not_resent(void **state)
{
    fixture *f = *state;
    http_fixture_push(f->server, 503, NULL, "");
    int before = http_fixture_script_hits(f->server);
    int sent = 0;
    arm_http_request req = {.method = "PUT",
                            .url = f->url,
                            .body_read = one_shot_read,
                            .body_ctx = &sent,
                            .body_length = 2};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_pipeline_send(&f->pipeline, NULL, &req, &resp, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(http_fixture_script_hits(f->server) - before, 1);
    arm_http_response_dispose(&resp);
}

static void test_401_refreshes_token_once(void **state)
{
    fixture *f = *state;
    tokens t = {0};
    arm_token_provider tp = {&t, get_token, invalidate};
    f->pipeline.tokens = &tp;
    f->pipeline.resource = "https://management.azure.com/";
    http_fixture_push(f->server, 401, NULL,
                      "{\"error\":{\"code\":\"ExpiredAuthenticationToken\",\"message\":\"x\"}}");
    http_fixture_push(f->server, 200, NULL, "{}");
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_OK);
    assert_int_equal(t.issued, 2);
    assert_int_equal(t.invalidated, 1);
    assert_string_equal(t.last_rejected, "tok-1"); /* the token the 401 refused */
    assert_string_equal(t.last_resource, "https://management.azure.com/");
    /* A second 401 in a row is final. */
    http_fixture_push(f->server, 401, NULL,
                      "{\"error\":{\"code\":\"InvalidAuthenticationToken\"}}");
    http_fixture_push(f->server, 401, NULL,
                      "{\"error\":{\"code\":\"InvalidAuthenticationToken\"}}");
    assert_int_equal(call(f, "GET", &resp, &err), ARM_ERR_HTTP);
    assert_string_equal(err.code, "InvalidAuthenticationToken");
    assert_int_equal(t.invalidated, 2);
    assert_null(strstr(f->log.text, "tok-"));
    f->pipeline.tokens = NULL;
    arm_http_response_dispose(&resp);
}

/* The first token is handed out, every later one is refused (a secret rotated meanwhile). */
static arm_status first_token_only(void *ctx, const char *resource, char **out, arm_error *err)
{
    (void)resource;
    if (++*(int *)ctx > 1) {
        *out = NULL;
        return arm_error_set(err, ARM_ERR_AUTH, "AADSTS7000215: Invalid client secret provided");
    }
    *out = strdup("tok-1");
    return ARM_OK;
}

static void test_401_then_no_fresh_token_says_both(void **state)
{
    fixture *f = *state;
    int issued = 0;
    arm_token_provider tp = {&issued, first_token_only, NULL};
    f->pipeline.tokens = &tp;
    f->pipeline.resource = "https://management.azure.com/";
    http_fixture_push(f->server, 401, NULL,
                      "{\"error\":{\"code\":\"ExpiredAuthenticationToken\",\"message\":"
                      "\"The access token expiry is earlier than now.\"}}");
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(call(f, "GET", &resp, &err), ARM_ERR_HTTP);
    /* The service's 401, and why no fresh token could be had, then what the service said. */
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.code, "ExpiredAuthenticationToken");
    assert_string_equal(err.message,
                        "no fresh token: AADSTS7000215: Invalid client secret provided; the "
                        "service had said: The access token expiry is earlier than now.");
    f->pipeline.tokens = NULL;
    arm_http_response_dispose(&resp);
}

static void test_batch_is_paced(void **state)
{
    fixture *f = *state;
    arm_pacer_options po = arm_pacer_options_default();
    po.cost_management = (arm_pacer_limits){2, 0.5};
    arm_pacer *pacer;
    assert_int_equal(arm_pacer_new(&po, &pacer, NULL), ARM_OK);
    f->pipeline.pacer = pacer;
    enum { N = 5 };
    arm_http_request reqs[N];
    arm_http_exchange x[N];
    const char *keys[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = (arm_http_request){.method = "GET", .url = f->url};
        x[i].request = &reqs[i];
        keys[i] = "costmanagement:/subscriptions/s";
    }
    double start = f->clock.now;
    assert_int_equal(arm_pipeline_send_all(&f->pipeline, keys, x, N, NULL), ARM_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(x[i].status, ARM_OK);
    /* Burst of 2, then one per 2 s: the last starts 6 s after the first. */
    assert_true(fabs(f->clock.now - start - 6) < 0.01);
    arm_http_exchange_dispose(x, N);
    f->pipeline.pacer = NULL;
    arm_pacer_free(pacer);
}

/* Calls given up on a stop leave no debt in the pacer: the next call waits only for what
 * was really sent. */
static void test_cancelled_calls_give_their_tokens_back(void **state)
{
    fixture *f = *state;
    arm_pacer_options po = arm_pacer_options_default();
    po.cost_management = (arm_pacer_limits){1, 0.01}; /* one call, then one per 100 s */
    arm_pacer *pacer;
    assert_int_equal(arm_pacer_new(&po, &pacer, NULL), ARM_OK);
    f->pipeline.pacer = pacer;
    const char *key = "costmanagement:/subscriptions/s";
    arm_http_request req = {.method = "GET", .url = f->url};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_pipeline_send(&f->pipeline, key, &req, &resp, &err), ARM_OK);
    double shared_before = arm_pacer_tokens(pacer, "costmanagement*shared", f->clock.now);
    f->policy.cancelled = always_cancelled;
    for (int i = 0; i < 50; i++)
        assert_int_equal(arm_pipeline_send(&f->pipeline, key, &req, &resp, &err),
                         ARM_ERR_CANCELLED);
    f->policy.cancelled = NULL;
    /* The scope's bucket is as the one sent call left it, and so is the shared one. */
    assert_true(arm_pacer_tokens(pacer, key, f->clock.now) > -0.01);
    assert_true(fabs(arm_pacer_tokens(pacer, "costmanagement*shared", f->clock.now) -
                     shared_before) < 0.01);
    double start = f->clock.now;
    assert_int_equal(arm_pipeline_send(&f->pipeline, key, &req, &resp, &err), ARM_OK);
    assert_true(f->clock.now - start <= 100.01); /* one refill, not fifty */
    arm_http_response_dispose(&resp);
    f->pipeline.pacer = NULL;
    arm_pacer_free(pacer);
}

static void test_blob_bearer_auth(void **state)
{
    fixture *f = *state;
    tokens t = {0};
    arm_token_provider tp = {&t, get_token, invalidate};
    char endpoint[128];
    snprintf(endpoint, sizeof endpoint, "%s/echo", http_fixture_url(f->server));
    arm_blob_options o = arm_blob_options_default();
    o.endpoint = endpoint; /* path style: account "echo" */
    o.tokens = &tp;
    arm_blob_client *c;
    assert_int_equal(arm_blob_client_new(f->http, &o, &c, NULL), ARM_OK);
    char *body = NULL;
    assert_int_equal(arm_blob_get_bytes(c, "container", "a/b.csv", &body, NULL, NULL), ARM_OK);
    assert_non_null(strstr(body, "\"authorization\":\"Bearer tok-1\""));
    assert_non_null(strstr(body, "\"x_ms_version\":\"2021-08-06\""));
    assert_string_equal(t.last_resource, "https://storage.azure.com/");
    free(body);
    arm_blob_client_free(c);
    /* Shared Key and a token provider together are refused. */
    o.shared_key = "AAAA";
    arm_error err;
    assert_int_equal(arm_blob_client_new(f->http, &o, &c, &err), ARM_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_429_waits_largest_header_then_succeeds),
        cmocka_unit_test(test_post_not_retried_on_5xx_but_get_is),
        cmocka_unit_test(test_backoff_grows_then_gives_up),
        cmocka_unit_test(test_stop_ends_a_wait_without_another_try),
        cmocka_unit_test(test_total_time_bound),
        cmocka_unit_test(test_connection_reset_retried_for_get),
        cmocka_unit_test(test_unrewindable_body_is_not_resent),
        cmocka_unit_test(test_token_failure_is_reported),
        cmocka_unit_test(test_401_refreshes_token_once),
        cmocka_unit_test(test_401_then_no_fresh_token_says_both),
        cmocka_unit_test(test_batch_is_paced),
        cmocka_unit_test(test_cancelled_calls_give_their_tokens_back),
        cmocka_unit_test(test_blob_bearer_auth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
