/* Unit tests for the retry rules and the pacer, on a fake clock (nothing sleeps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arm/http_int.h"
#include "arm/pacer.h"
#include "arm/retry.h"
#include "fake_clock.h"

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_backoff_maths(void **state)
{
    (void)state;
    arm_retry_policy p = arm_retry_policy_default();
    p.base_delay_s = 2;
    p.max_delay_s = 30;
    /* random 1 → the full exponential step; random 0 → half of it. */
    assert_near(arm_retry_backoff(&p, 1, 1.0), 2);
    assert_near(arm_retry_backoff(&p, 2, 1.0), 4);
    assert_near(arm_retry_backoff(&p, 3, 1.0), 8);
    assert_near(arm_retry_backoff(&p, 4, 0.0), 8);
    assert_near(arm_retry_backoff(&p, 4, 0.5), 12);
    assert_near(arm_retry_backoff(&p, 5, 1.0), 30); /* capped */
    assert_near(arm_retry_backoff(&p, 500, 1.0), 30);
    assert_near(arm_retry_backoff(&p, 0, 1.0), 2);
    assert_near(arm_retry_backoff(&p, 1, 7.0), 2); /* out-of-range randomness is clamped */
}

static arm_http_response reply(long status, const char *name, const char *value)
{
    arm_http_response r;
    arm_http_response_init(&r);
    r.status = status;
    r.request_sent = true;
    if (name != NULL)
        arm_http_response_add_header(&r, strdup(name), strdup(value));
    return r;
}

static bool decide(const char *method, arm_status st, arm_http_response *r, double *delay)
{
    arm_retry_policy p = arm_retry_policy_default();
    p.base_delay_s = 1;
    p.throttle_default_s = 60;
    bool yes = arm_retry_decide(&p, method, st, r, 1, 1.0, 1000.0, delay);
    return yes;
}

static void test_decisions(void **state)
{
    (void)state;
    double d;
    long retryable[] = {408, 429, 500, 502, 503, 504};
    for (size_t i = 0; i < 6; i++) {
        arm_http_response r = reply(retryable[i], NULL, NULL);
        assert_true(decide("GET", ARM_ERR_HTTP, &r, &d));
        assert_true(decide("PUT", ARM_ERR_HTTP, &r, &d));
        assert_true(decide("DELETE", ARM_ERR_HTTP, &r, &d));
        /* POST only on 429. */
        assert_int_equal(decide("POST", ARM_ERR_HTTP, &r, &d), retryable[i] == 429);
        arm_http_response_dispose(&r);
    }
    long final[] = {400, 401, 403, 404, 409, 412, 501};
    for (size_t i = 0; i < 7; i++) {
        arm_http_response r = reply(final[i], NULL, NULL);
        assert_false(decide("GET", ARM_ERR_HTTP, &r, &d));
        arm_http_response_dispose(&r);
    }
    arm_http_response r = reply(0, NULL, NULL);
    assert_true(decide("GET", ARM_ERR_TRANSPORT, &r, &d));
    assert_near(d, 1);
    assert_true(decide("GET", ARM_ERR_TIMEOUT, &r, &d));
    assert_false(decide("POST", ARM_ERR_TIMEOUT, &r, &d)); /* it may have run */
    r.request_sent = false;
    assert_true(decide("POST", ARM_ERR_TRANSPORT, &r, &d)); /* it never left */
    assert_false(decide("GET", ARM_ERR_CALLBACK, &r, &d));
    assert_false(decide("GET", ARM_ERR_TOO_LARGE, &r, &d));
    assert_false(decide("GET", ARM_OK, &r, &d));
    arm_http_response_dispose(&r);
}

static void test_throttle_waits(void **state)
{
    (void)state;
    double d;
    arm_http_response r = reply(429, NULL, NULL);
    assert_true(decide("POST", ARM_ERR_HTTP, &r, &d));
    assert_near(d, 60); /* no header: the default */
    arm_http_response_add_header(&r, strdup("Retry-After"), strdup("5"));
    arm_http_response_add_header(
        &r, strdup("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"), strdup("40"));
    arm_http_response_add_header(
        &r, strdup("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"), strdup("12"));
    assert_true(decide("GET", ARM_ERR_HTTP, &r, &d));
    assert_near(d, 40); /* the largest */
    arm_http_response_dispose(&r);
    /* 503 with Retry-After: the larger of back-off (1 s) and the hint. */
    r = reply(503, "Retry-After", "7");
    assert_true(decide("GET", ARM_ERR_HTTP, &r, &d));
    assert_near(d, 7);
    arm_http_response_dispose(&r);
    r = reply(503, "Retry-After", "0");
    assert_true(decide("GET", ARM_ERR_HTTP, &r, &d));
    assert_near(d, 1);
    arm_http_response_dispose(&r);
}

static arm_pacer *new_pacer(double capacity, double rate)
{
    arm_pacer_options o = arm_pacer_options_default();
    o.cost_management = (arm_pacer_limits){capacity, rate};
    arm_pacer *p = NULL;
    assert_int_equal(arm_pacer_new(&o, &p, NULL), ARM_OK);
    return p;
}

static void test_pacer_bucket(void **state)
{
    (void)state;
    arm_pacer *p = new_pacer(3, 0.5);
    const char *k = "costmanagement:/subscriptions/s";
    /* Burst of 3 goes now, then one every 2 s (debt spaces concurrent callers). */
    assert_near(arm_pacer_reserve(p, k, 100), 0);
    assert_near(arm_pacer_reserve(p, k, 100), 0);
    assert_near(arm_pacer_reserve(p, k, 100), 0);
    assert_near(arm_pacer_reserve(p, k, 100), 2);
    assert_near(arm_pacer_reserve(p, k, 100), 4);
    /* 10 s later the debt of 2 is repaid and 3 tokens back (capped at capacity). */
    assert_near(arm_pacer_tokens(p, k, 110), 3);
    /* Other keys are independent. */
    assert_near(arm_pacer_reserve(p, "costmanagement:/other", 110), 0);
    arm_pacer_free(p);
}

static void test_pacer_learns_from_headers(void **state)
{
    (void)state;
    arm_pacer *p = new_pacer(10, 1);
    const char *k = "costmanagement:/s";
    arm_http_response r =
        reply(200, "x-ms-ratelimit-remaining-microsoft.costmanagement-qpu-remaining",
              "QueriesPerHour:597,QueriesPerMin:57,QueriesPer10Sec:2");
    arm_pacer_observe(p, k, &r, 0);
    assert_near(arm_pacer_tokens(p, k, 0), 2);
    arm_http_response_dispose(&r);
    r = reply(200, "x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests",
              "DefaultQuota:0");
    arm_pacer_observe(p, k, &r, 0);
    assert_near(arm_pacer_reserve(p, k, 0), 1); /* one refill period */
    arm_http_response_dispose(&r);
    /* A higher remaining count does not add tokens we do not have. */
    r = reply(200, "x-ms-ratelimit-remaining-subscription-reads", "249");
    arm_pacer_observe(p, k, &r, 100);
    assert_near(arm_pacer_tokens(p, k, 100), 10);
    arm_http_response_dispose(&r);
    arm_pacer_free(p);
}

static void test_pacer_blocks_after_429(void **state)
{
    (void)state;
    arm_pacer *p = new_pacer(10, 1);
    const char *k = "costmanagement:/s";
    arm_http_response r =
        reply(429, "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "30");
    arm_pacer_observe(p, k, &r, 1000);
    arm_http_response_dispose(&r);
    assert_near(arm_pacer_reserve(p, k, 1000), 30);
    assert_near(arm_pacer_reserve(p, k, 1010), 20);
    /* The tenant's quota is every scope's: another scope waits as long. */
    assert_near(arm_pacer_reserve(p, "costmanagement:/u", 1010), 20);
    r = reply(429, NULL, NULL); /* no header: the default 60 s, for this scope only */
    arm_pacer_observe(p, "costmanagement:/t", &r, 2000);
    arm_http_response_dispose(&r);
    assert_near(arm_pacer_reserve(p, "costmanagement:/t", 2000), 60);
    assert_near(arm_pacer_reserve(p, "costmanagement:/v", 2000), 0);
    arm_pacer_free(p);
}

/* Many scopes share one client quota: the remaining count the service gives for it spaces
 * every scope's calls, not each scope's alone. */
static void test_pacer_shared_quota(void **state)
{
    (void)state;
    arm_pacer *p = new_pacer(100, 10);
    arm_http_response r =
        reply(200, "x-ms-ratelimit-remaining-microsoft.costmanagement-clienttype-requests",
              "DefaultQuota:2");
    arm_pacer_observe(p, "costmanagement:/a", &r, 0);
    arm_http_response_dispose(&r);
    /* Two calls left for the client: the third scope waits for the shared bucket's refill. */
    assert_near(arm_pacer_reserve(p, "costmanagement:/b", 0), 0);
    assert_near(arm_pacer_reserve(p, "costmanagement:/c", 0), 0);
    assert_near(arm_pacer_reserve(p, "costmanagement:/d", 0),
                1 / arm_pacer_options_default().cost_management_shared.refill_per_s);
    /* The scope's own count is still its own. */
    assert_near(arm_pacer_tokens(p, "costmanagement:/b", 0), 99);
    arm_pacer_free(p);
}

static void test_pacer_state_round_trip(void **state)
{
    (void)state;
    arm_pacer *a = new_pacer(10, 1);
    arm_http_response r = reply(429, "Retry-After", "100");
    arm_pacer_observe(a, "costmanagement:/s", &r, 5000);
    arm_http_response_dispose(&r);
    for (int i = 0; i < 4; i++)
        arm_pacer_reserve(a, "arm-read:sub", 5000);
    char *json = NULL;
    assert_int_equal(arm_pacer_export(a, &json, NULL), ARM_OK);
    arm_pacer *b = new_pacer(10, 1);
    assert_int_equal(arm_pacer_import(b, json, NULL), ARM_OK);
    assert_near(arm_pacer_reserve(b, "costmanagement:/s", 5050), 50);
    assert_near(arm_pacer_tokens(b, "arm-read:sub", 5000), 196);
    free(json);
    arm_error err;
    assert_int_equal(arm_pacer_import(b, "{\"version\":2}", &err), ARM_ERR_PARSE);
    assert_int_equal(
        arm_pacer_import(b, "{\"version\":1,\"buckets\":{\"x\":{\"tokens\":\"a\"}}}", &err),
        ARM_ERR_PARSE);
    assert_non_null(strstr(err.message, "\"x\""));
    assert_int_equal(arm_pacer_import(b, "not json", &err), ARM_ERR_PARSE);
    arm_pacer_free(a);
    arm_pacer_free(b);
}

static void test_pacer_keys(void **state)
{
    (void)state;
    char k[256];
    arm_pacer_key_for("PUT",
                      "https://management.azure.com/subscriptions/ABC/providers/"
                      "Microsoft.CostManagement/exports/x?api-version=1",
                      k, sizeof k);
    assert_string_equal(k, "costmanagement:/subscriptions/abc");
    arm_pacer_key_for("GET",
                      "https://m/providers/Microsoft.Billing/billingAccounts/1/providers/"
                      "Microsoft.CostManagement/exports",
                      k, sizeof k);
    assert_string_equal(k, "costmanagement:/providers/microsoft.billing/billingaccounts/1");
    arm_pacer_key_for("GET", "https://m/subscriptions/S1/resourceGroups/rg?api-version=1", k,
                      sizeof k);
    assert_string_equal(k, "arm-read:s1");
    arm_pacer_key_for("DELETE", "https://m/subscriptions/S1/resourceGroups/rg", k, sizeof k);
    assert_string_equal(k, "arm-write:s1");
    arm_pacer_key_for("GET", "https://m/providers/Microsoft.Management/managementGroups/x", k,
                      sizeof k);
    assert_string_equal(k, "arm-read:tenant");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_maths),
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_throttle_waits),
        cmocka_unit_test(test_pacer_bucket),
        cmocka_unit_test(test_pacer_learns_from_headers),
        cmocka_unit_test(test_pacer_blocks_after_429),
        cmocka_unit_test(test_pacer_shared_quota),
        cmocka_unit_test(test_pacer_state_round_trip),
        cmocka_unit_test(test_pacer_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
