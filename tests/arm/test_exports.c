/* The Exports client against hubagent-mock (TLS with the mock's CA, real Entra-style tokens):
 * every operation, 201/200 and eTags, 401/403/404/412 mapping, 429 handling, pacing that
 * avoids 429s, and faults (reset, truncated body, 5xx on a POST). Time is a fake clock
 * that also moves the mock's clock, so nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "arm/exports.h"
#include "log_capture.h"
#include "mock_fixture.h"

#define TENANT "11111111-1111-1111-1111-111111111111"
#define SP     "aaaaaaaa-0000-0000-0000-000000000001"
#define NOROLE "aaaaaaaa-0000-0000-0000-000000000003"
#define SUB    "subscriptions/00000000-0000-0000-0000-00000000000a"
#define STORAGE                                                                                    \
    "/" SUB "/resourceGroups/rg-hub/providers/Microsoft.Storage/storageAccounts/hubstorage"

typedef struct sp_tokens {
    arm_http_client *http;
    const char *login;
    const char *client_id;
    const char *secret;
    char *cached;
    int fetched, invalidated;
    bool broken; /* hands out a bad token */
} sp_tokens;

typedef struct fixture {
    mock_fixture mock;
    arm_http_client *http;  /* for the client under test */
    arm_http_client *admin; /* for the mock's admin API and token requests */
    double now, slept;
    arm_retry_policy retry;
    sp_tokens tokens;
    arm_token_provider provider;
    arm_pacer *pacer;
    arm_exports_client *exports;
    log_capture log;
} fixture;

static fixture *fx;

static long admin(const char *method, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", fx->mock.admin, path);
    arm_http_header h[] = {{"Content-Type", "application/json"}};
    arm_http_request req = {.method = method,
                            .url = url,
                            .headers = h,
                            .header_count = 1,
                            .body = body,
                            .body_len = body ? strlen(body) : 0};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_http_send(fx->admin, &req, &resp, NULL);
    long status = resp.status;
    arm_http_response_dispose(&resp);
    return status;
}

/* The fake clock: sleeping moves both our time and the mock's. */
static double fake_now(void *ctx)
{
    return ((fixture *)ctx)->now;
}

static void fake_sleep(void *ctx, double s)
{
    fixture *f = ctx;
    f->now += s;
    f->slept += s;
    char body[64];
    snprintf(body, sizeof body, "{\"advance_s\": %ld}", (long)ceil(s));
    assert_int_equal(admin("POST", "/admin/clock", body), 200);
}

static double fake_random(void *ctx)
{
    (void)ctx;
    return 1.0;
}

static arm_status sp_get_token(void *ctx, const char *resource, char **out, arm_error *err)
{
    sp_tokens *t = ctx;
    if (t->broken) {
        *out = strdup("not-a-real-token");
        return ARM_OK;
    }
    if (t->cached == NULL) {
        char url[512], body[512];
        snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", t->login, TENANT);
        snprintf(body, sizeof body,
                 "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s.default",
                 t->client_id, t->secret, resource);
        arm_http_header h[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
        arm_http_request req = {.method = "POST",
                                .url = url,
                                .headers = h,
                                .header_count = 1,
                                .body = body,
                                .body_len = strlen(body)};
        arm_http_response resp;
        arm_http_response_init(&resp);
        arm_status st = arm_http_send(t->http, &req, &resp, err);
        json_t *doc = st == ARM_OK ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
        const char *tok = json_string_value(json_object_get(doc, "access_token"));
        t->cached = tok ? strdup(tok) : NULL;
        json_decref(doc);
        arm_http_response_dispose(&resp);
        if (t->cached == NULL)
            return st != ARM_OK ? st : arm_error_set(err, ARM_ERR_AUTH, "no access_token");
        t->fetched++;
    }
    *out = strdup(t->cached);
    return ARM_OK;
}

static void sp_invalidate(void *ctx, const char *resource, const char *rejected)
{
    (void)resource;
    (void)rejected;
    sp_tokens *t = ctx;
    free(t->cached);
    t->cached = NULL;
    t->invalidated++;
}

static arm_exports_client *new_client(const char *api_version, arm_pacer *pacer)
{
    arm_exports_options o = arm_exports_options_default();
    o.endpoint = fx->mock.arm;
    o.api_version = api_version;
    o.tokens = &fx->provider;
    o.retry = &fx->retry;
    o.pacer = pacer;
    arm_exports_client *c = NULL;
    assert_int_equal(arm_exports_client_new(fx->http, &o, &c, NULL), ARM_OK);
    return c;
}

static int setup(void **state)
{
    (void)state;
    fx = calloc(1, sizeof *fx);
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx->mock);
    free(config);
    if (rc != 0)
        return -1;
    arm_http_options o = arm_http_options_default();
    o.ca_bundle_path = fx->mock.ca_path;
    o.log = log_capture_line;
    o.log_ctx = &fx->log;
    if (arm_http_client_new(&o, &fx->http, NULL) != ARM_OK)
        return -1;
    o.log = NULL;
    if (arm_http_client_new(&o, &fx->admin, NULL) != ARM_OK)
        return -1;
    fx->now = 1.7e9;
    fx->retry = arm_retry_policy_default();
    fx->retry.clock = (arm_clock){fx, fake_now, fake_sleep, fake_random};
    fx->tokens = (sp_tokens){fx->admin, fx->mock.login, SP, "test-secret-1", NULL, 0, 0, false};
    fx->provider = (arm_token_provider){&fx->tokens, sp_get_token, sp_invalidate};
    if (arm_pacer_new(NULL, &fx->pacer, NULL) != ARM_OK)
        return -1;
    fx->exports = new_client(NULL, fx->pacer);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arm_exports_client_free(fx->exports);
    arm_pacer_free(fx->pacer);
    free(fx->tokens.cached);
    arm_http_client_free(fx->http);
    arm_http_client_free(fx->admin);
    int status = mock_fixture_stop(&fx->mock);
    free(fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int reset(void **state)
{
    (void)state;
    fx->log.text[0] = '\0';
    fx->slept = 0;
    return admin("POST", "/admin/reset", NULL) == 200 ? 0 : -1;
}

static void hub_export(arm_export *e, const char *type)
{
    arm_export_init(e);
    arm_export_set(&e->format, "Csv");
    arm_export_set(&e->destination_type, "AzureBlob");
    arm_export_set(&e->destination_resource_id, STORAGE);
    arm_export_set(&e->destination_container, "msexports");
    arm_export_set(&e->destination_root_folder_path, "hub");
    arm_export_set(&e->definition_type, type);
    arm_export_set(&e->timeframe, "MonthToDate");
    arm_export_set(&e->granularity, "Daily");
    arm_export_set(&e->schedule_status, "Inactive");
}

static void test_create_get_update_list_delete(void **state)
{
    (void)state;
    arm_export e, created, got, updated;
    hub_export(&e, "FocusCost");
    bool was_created = false;
    arm_error err;
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "hub-daily", &e, &created,
                                                  &was_created, &err),
                     ARM_OK);
    assert_true(was_created);
    assert_non_null(created.etag);
    assert_string_equal(created.id,
                        "/" SUB "/providers/Microsoft.CostManagement/exports/hub-daily");
    /* An update needs the eTag: without it the service's 400, with a stale one 412. */
    assert_int_equal(
        arm_exports_create_or_update(fx->exports, SUB, "hub-daily", &e, NULL, NULL, &err),
        ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 400);
    assert_non_null(strstr(err.message, "Etag value required"));
    assert_string_equal(err.method, "PUT");
    assert_non_null(strstr(err.path, "/exports/hub-daily?api-version=2023-07-01-preview"));
    arm_export_set(&e.etag, "\"0000stale\"");
    assert_int_equal(
        arm_exports_create_or_update(fx->exports, SUB, "hub-daily", &e, NULL, NULL, &err),
        ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 412);
    /* Get, change one thing, put back: 200, a new eTag, and the service's fields kept. */
    assert_int_equal(arm_exports_get(fx->exports, "/" SUB, "hub-daily", false, &got, &err), ARM_OK);
    assert_string_equal(got.etag, created.etag);
    assert_int_equal(arm_export_set(&got.schedule_status, "Active"), ARM_OK);
    arm_export_set(&got.recurrence, "Daily");
    arm_export_set(&got.recurrence_from, "2035-01-01T00:00:00Z");
    arm_export_set(&got.recurrence_to, "2036-01-01T00:00:00Z");
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "hub-daily", &got, &updated,
                                                  &was_created, &err),
                     ARM_OK);
    assert_false(was_created);
    assert_string_not_equal(updated.etag, created.etag);
    assert_string_equal(updated.schedule_status, "Active");
    assert_string_equal(updated.compression_mode, created.compression_mode);
    arm_export_list list;
    assert_int_equal(arm_exports_list(fx->exports, SUB, true, &list, &err), ARM_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "hub-daily");
    arm_export_list_dispose(&list);
    assert_int_equal(arm_exports_delete(fx->exports, SUB, "hub-daily", &err), ARM_OK);
    arm_export gone;
    assert_int_equal(arm_exports_get(fx->exports, SUB, "hub-daily", false, &gone, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.code, "NotFound");
    assert_non_null(strstr(err.message, "hub-daily"));
    assert_true(err.correlation_id[0] != '\0' || err.request_id[0] != '\0');
    arm_export_dispose(&e);
    arm_export_dispose(&created);
    arm_export_dispose(&got);
    arm_export_dispose(&updated);
}

static void test_run_with_period_and_history(void **state)
{
    (void)state;
    assert_int_equal(admin("PUT", "/admin/runs", "{\"queued_ms\": 0, \"in_progress_ms\": 0}"), 200);
    arm_export e;
    hub_export(&e, "ActualCost");
    arm_error err;
    assert_int_equal(
        arm_exports_create_or_update(fx->exports, SUB, "backfill", &e, NULL, NULL, &err), ARM_OK);
    assert_int_equal(arm_exports_run(fx->exports, SUB, "backfill", "2024-01-01T00:00:00Z",
                                     "2024-01-31T00:00:00Z", &err),
                     ARM_OK);
    assert_int_equal(arm_exports_run(fx->exports, SUB, "backfill", NULL, NULL, &err), ARM_OK);
    assert_int_equal(
        arm_exports_run(fx->exports, SUB, "backfill", "2024-01-01T00:00:00Z", NULL, &err),
        ARM_ERR_INVALID_ARGUMENT);
    arm_export_run_list runs;
    assert_int_equal(arm_exports_run_history(fx->exports, SUB, "backfill", &runs, &err), ARM_OK);
    assert_int_equal(runs.count, 2);
    bool january = false;
    for (size_t i = 0; i < runs.count; i++) {
        assert_non_null(runs.items[i].status);
        assert_string_equal(runs.items[i].execution_type, "OnDemand");
        january |= runs.items[i].start_date != NULL &&
                   strncmp(runs.items[i].start_date, "2024-01-01", 10) == 0;
    }
    assert_true(january);
    arm_export_run_list_dispose(&runs);
    arm_export got;
    assert_int_equal(arm_exports_get(fx->exports, SUB, "backfill", true, &got, &err), ARM_OK);
    assert_true(got.run_count >= 1);
    arm_export_dispose(&got);
    arm_export_dispose(&e);
}

static void test_auth_and_validation_errors(void **state)
{
    (void)state;
    arm_export e;
    hub_export(&e, "ActualCost");
    arm_export_set(&e.destination_root_folder_path, "/leading-slash");
    arm_error err;
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "bad", &e, NULL, NULL, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 400);
    assert_non_null(strstr(err.message, "rootFolderPath"));
    /* A principal without a role: 403. */
    sp_tokens norole = {fx->admin, fx->mock.login, NOROLE, "test-secret-3", NULL, 0, 0, false};
    arm_token_provider p = {&norole, sp_get_token, sp_invalidate};
    arm_exports_options o = arm_exports_options_default();
    o.endpoint = fx->mock.arm;
    o.tokens = &p;
    o.retry = &fx->retry;
    arm_exports_client *c;
    assert_int_equal(arm_exports_client_new(fx->http, &o, &c, NULL), ARM_OK);
    arm_export_list list;
    assert_int_equal(arm_exports_list(c, SUB, false, &list, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 403);
    assert_true(err.code[0] != '\0');
    /* A bad token: one fresh token after the 401, then the 401 stands. */
    norole.broken = true;
    assert_int_equal(arm_exports_list(c, SUB, false, &list, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 401);
    assert_int_equal(norole.invalidated, 1);
    assert_int_equal(err.attempts, 2);
    assert_null(strstr(fx->log.text, "not-a-real-token"));
    arm_exports_client_free(c);
    free(norole.cached);
    /* Refused before any request. */
    arm_export out;
    assert_int_equal(arm_exports_get(fx->exports, SUB "?x=1", "a", false, &out, &err),
                     ARM_ERR_INVALID_ARGUMENT);
    assert_int_equal(arm_exports_get(fx->exports, SUB, "a/../b", false, &out, &err),
                     ARM_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "name"));
    arm_export_dispose(&e);
}

static void test_tls_is_verified(void **state)
{
    (void)state;
    /* Without the mock's CA the certificate is not trusted, and nothing can turn that off. */
    arm_http_client *untrusting;
    assert_int_equal(arm_http_client_new(NULL, &untrusting, NULL), ARM_OK);
    char url[256];
    snprintf(url, sizeof url, "%s/subscriptions?api-version=2019-11-01", fx->mock.arm);
    arm_http_request req = {.method = "GET", .url = url};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_error err;
    assert_int_equal(arm_http_send(untrusting, &req, &resp, &err), ARM_ERR_TRANSPORT);
    assert_false(resp.request_sent);
    assert_int_equal(resp.status, 0);
    arm_http_response_dispose(&resp);
    arm_http_client_free(untrusting);
}

static void test_429_waits_and_succeeds(void **state)
{
    (void)state;
    assert_int_equal(admin("PUT", "/admin/faults",
                           "[{\"route\": \"exports.list\", \"sequence\": [{\"status\": 429, "
                           "\"retry_after\": 9}, null]}]"),
                     200);
    arm_export_list list;
    arm_error err;
    arm_exports_client *unpaced = new_client(NULL, NULL);
    assert_int_equal(arm_exports_list(unpaced, SUB, false, &list, &err), ARM_OK);
    assert_int_equal(err.attempts, 2);
    assert_true(fabs(fx->slept - 9) < 0.01);
    arm_export_list_dispose(&list);
    /* The service's own bucket: tenant retry-after and Retry-After (the largest wins). */
    assert_int_equal(admin("PUT", "/admin/throttling",
                           "{\"tenant\": {\"capacity\": 1, \"refill_per_second\": 0.05}}"),
                     200);
    fx->slept = 0;
    assert_int_equal(arm_exports_list(unpaced, SUB, false, &list, &err), ARM_OK);
    arm_export_list_dispose(&list);
    assert_int_equal(arm_exports_list(unpaced, SUB, false, &list, &err), ARM_OK);
    assert_int_equal(err.attempts, 2);
    assert_true(fx->slept >= 19); /* 1 token per 20 s */
    assert_non_null(strstr(fx->log.text, "-> 429"));
    arm_export_list_dispose(&list);
    /* The per-scope bucket answers with the entity retry-after header. */
    assert_int_equal(admin("POST", "/admin/reset", NULL), 200);
    assert_int_equal(admin("PUT", "/admin/throttling",
                           "{\"scope_client\": {\"capacity\": 1, \"refill_per_second\": 0.02}}"),
                     200);
    fx->slept = 0;
    assert_int_equal(arm_exports_list(unpaced, SUB, false, &list, &err), ARM_OK);
    arm_export_list_dispose(&list);
    assert_int_equal(arm_exports_list(unpaced, SUB, false, &list, &err), ARM_OK);
    assert_int_equal(err.attempts, 2);
    assert_true(fx->slept >= 49); /* 1 token per 50 s */
    arm_export_list_dispose(&list);
    arm_exports_client_free(unpaced);
}

static void test_pacer_avoids_429(void **state)
{
    (void)state;
    assert_int_equal(admin("PUT", "/admin/throttling",
                           "{\"scope_client\": {\"capacity\": 3, \"refill_per_second\": 0.2}}"),
                     200);
    arm_export_list list;
    arm_error err;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(arm_exports_list(fx->exports, SUB, false, &list, &err), ARM_OK);
        assert_int_equal(err.attempts, 1);
        arm_export_list_dispose(&list);
    }
    /* The pacer learned "DefaultQuota:0" and spaced the last calls out: no 429 at all. */
    assert_null(strstr(fx->log.text, "-> 429"));
    assert_true(fx->slept >= 14);
}

/* How many requests the mock logged on a route. */
static int route_count(const char *route)
{
    char url[512];
    snprintf(url, sizeof url, "%s/admin/requests", fx->mock.admin);
    arm_http_request req = {.method = "GET", .url = url};
    arm_http_response resp;
    arm_http_response_init(&resp);
    assert_int_equal(arm_http_send(fx->admin, &req, &resp, NULL), ARM_OK);
    json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
    int n = (int)json_integer_value(json_object_get(json_object_get(doc, "counts"), route));
    json_decref(doc);
    arm_http_response_dispose(&resp);
    return n;
}

static void test_faults(void **state)
{
    (void)state;
    arm_export e, got;
    hub_export(&e, "ActualCost");
    arm_error err;
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "f", &e, NULL, NULL, &err),
                     ARM_OK);
    assert_int_equal(admin("PUT", "/admin/faults",
                           "[{\"route\": \"exports.get\", \"sequence\": [{\"reset\": true}, "
                           "{\"truncate\": true}]},"
                           "{\"route\": \"exports.run\", \"sequence\": [{\"status\": 503}, "
                           "{\"reset\": true}]}]"),
                     200);
    /* A reset GET is retried; a truncated 200 body is a parse error, not retried. */
    assert_int_equal(arm_exports_get(fx->exports, SUB, "f", false, &got, &err), ARM_ERR_PARSE);
    assert_int_equal(err.http_status, 200);
    assert_non_null(strstr(err.message, "invalid JSON"));
    /* A run (POST) is never repeated after a 503 or a reply lost after sending. */
    assert_int_equal(arm_exports_run(fx->exports, SUB, "f", NULL, NULL, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(arm_exports_run(fx->exports, SUB, "f", NULL, NULL, &err), ARM_ERR_TRANSPORT);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(route_count("exports.run"), 2); /* the service saw each POST once */
    arm_export_dispose(&e);
}

static void test_create_whose_reply_was_lost(void **state)
{
    (void)state;
    assert_int_equal(admin("PUT", "/admin/faults",
                           "[{\"route\": \"exports.put\", \"sequence\": [{\"reset_after\": "
                           "true}]}]"),
                     200);
    arm_export e, out;
    hub_export(&e, "ActualCost");
    bool created = false;
    arm_error err;
    /* The export was made but the reply lost; the retry meets it: the create still succeeds. */
    assert_int_equal(
        arm_exports_create_or_update(fx->exports, SUB, "lost", &e, &out, &created, &err), ARM_OK);
    assert_true(created);
    assert_string_equal(out.name, "lost");
    assert_non_null(out.etag);
    assert_int_equal(route_count("exports.put"), 2);
    /* A create over an export that was already there is still an error. */
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "lost", &e, NULL, NULL, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 400);
    arm_export_dispose(&out);
    arm_export_dispose(&e);
}

static void test_stable_api_version(void **state)
{
    (void)state;
    arm_exports_client *c = new_client(ARM_EXPORTS_API_STABLE, fx->pacer);
    arm_export e, out;
    hub_export(&e, "FocusCost");
    arm_export_set(&e.format, "Parquet");
    arm_export_set(&e.compression_mode, "snappy");
    bool created;
    arm_error err;
    assert_int_equal(arm_exports_create_or_update(c, SUB, "parquet", &e, &out, &created, &err),
                     ARM_OK);
    assert_true(created);
    assert_string_equal(out.format, "Parquet");
    assert_string_equal(out.compression_mode, "snappy");
    assert_non_null(strstr(fx->log.text, "api-version=2025-03-01"));
    arm_export_dispose(&out);
    arm_export_dispose(&e);
    arm_exports_client_free(c);
}

static void test_list_many_scopes_at_once(void **state)
{
    (void)state;
    arm_export e;
    hub_export(&e, "ActualCost");
    arm_error err;
    const char *rg = SUB "/resourceGroups/rg-hub";
    assert_int_equal(arm_exports_create_or_update(fx->exports, SUB, "s1", &e, NULL, NULL, &err),
                     ARM_OK);
    assert_int_equal(arm_exports_create_or_update(fx->exports, rg, "r1", &e, NULL, NULL, &err),
                     ARM_OK);
    assert_int_equal(arm_exports_create_or_update(fx->exports, rg, "r2", &e, NULL, NULL, &err),
                     ARM_OK);
    const char *scopes[] = {SUB, rg, "subscriptions/00000000-0000-0000-0000-00000000000c",
                            "bad scope"};
    arm_exports_result results[4];
    assert_int_equal(arm_exports_list_many(fx->exports, scopes, 4, false, results, &err), ARM_OK);
    assert_int_equal(results[0].status, ARM_OK);
    assert_int_equal(results[0].list.count, 1);
    assert_string_equal(results[0].list.items[0].name, "s1");
    assert_int_equal(results[1].status, ARM_OK);
    assert_int_equal(results[1].list.count, 2);
    assert_int_not_equal(results[2].status, ARM_OK); /* a subscription this principal cannot see */
    assert_true(results[2].error.http_status >= 400);
    assert_int_equal(results[3].status, ARM_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(results[3].error.message, "scope"));
    arm_exports_result_dispose(results, 4);
    arm_export_dispose(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_get_update_list_delete, reset),
        cmocka_unit_test_setup(test_run_with_period_and_history, reset),
        cmocka_unit_test_setup(test_auth_and_validation_errors, reset),
        cmocka_unit_test_setup(test_tls_is_verified, reset),
        cmocka_unit_test_setup(test_429_waits_and_succeeds, reset),
        cmocka_unit_test_setup(test_pacer_avoids_429, reset),
        cmocka_unit_test_setup(test_faults, reset),
        cmocka_unit_test_setup(test_create_whose_reply_was_lost, reset),
        cmocka_unit_test_setup(test_stable_api_version, reset),
        cmocka_unit_test_setup(test_list_many_scopes_at_once, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
