/* hubagent-mock Cost Management exports: create/update with eTags, service defaults,
 * validation like the service, version visibility, delete, and asynchronous runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mock_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static mock_fixture fx;
static char *token;

#define EXPORTS  T_SUB "/providers/Microsoft.CostManagement/exports"
#define EA_BA    "/providers/Microsoft.Billing/billingAccounts/8611537"
#define MCA_BA   "/providers/Microsoft.Billing/billingAccounts/aaaa-bbbb:cccc-dddd_2019-05-31"
#define MG(name) "/providers/Microsoft.Management/managementGroups/" name

static int setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    token = mock_token(&fx, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    return token ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(token);
    int status = mock_fixture_stop(&fx);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *error_code(const http_result *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
}

static const char *error_message(const http_result *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "error"), "message"));
}

static void put(const char *scope, const char *name, const char *version, const char *body,
                http_result *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/providers/Microsoft.CostManagement/exports/%s?api-version=%s",
             scope, name, version);
    arm_call(&fx, token, "PUT", path, body, out);
}

static void expect_put(const char *scope, const char *name, const char *version, const char *body,
                       long status, const char *message_part)
{
    http_result r;
    put(scope, name, version, body, &r);
    if (r.status != status)
        fprintf(stderr, "PUT %s/%s: %ld %s\n", scope, name, r.status, r.body);
    assert_int_equal(r.status, status);
    if (message_part != NULL) {
        assert_non_null(error_message(&r));
        if (strstr(error_message(&r), message_part) == NULL)
            fprintf(stderr, "message: %s\n", error_message(&r));
        assert_non_null(strstr(error_message(&r), message_part));
    }
    http_result_dispose(&r);
}

static json_t *path_get(json_t *json, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(json, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return v;
}

static void test_create_update_with_etags(void **state)
{
    (void)state;
    char *body = export_body("FocusCost", NULL);
    http_result r;
    put(T_SUB, "hub-daily", "2023-07-01-preview", body, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "id")), EXPORTS "/hub-daily");
    assert_string_equal(json_string_value(json_object_get(r.json, "type")),
                        "Microsoft.CostManagement/exports");
    char *etag = strdup(json_string_value(json_object_get(r.json, "eTag")));
    assert_true(etag[0] == '"');
    /* The typed SDK body had none of the newer fields: the service's defaults are filled. */
    json_t *props = json_object_get(r.json, "properties");
    assert_string_equal(json_string_value(path_get(props, "compressionMode", NULL, NULL)), "None");
    assert_string_equal(json_string_value(path_get(props, "dataOverwriteBehavior", NULL, NULL)),
                        "CreateNewReport");
    assert_string_equal(json_string_value(path_get(props, "deliveryInfo", "destination", "type")),
                        "AzureBlob");
    assert_string_equal(
        json_string_value(json_object_get(path_get(props, "definition", "dataSet", "configuration"),
                                          "dataVersion")),
        "1.0r2");
    http_result_dispose(&r);

    /* Update without the eTag: 400 as the service says it. */
    expect_put(T_SUB, "hub-daily", "2023-07-01-preview", body, 400, "Etag value required");
    /* A stale eTag: 412. */
    char *stale = export_body("FocusCost", NULL);
    char with_etag[4200];
    snprintf(with_etag, sizeof with_etag, "{\"eTag\":\"\\\"0000stale\\\"\",%s", stale + 1);
    expect_put(T_SUB, "hub-daily", "2023-07-01-preview", with_etag, 412, NULL);
    /* The current eTag: 200 and a new eTag. */
    char escaped[64];
    snprintf(escaped, sizeof escaped, "\\\"%.*s\\\"", (int)strlen(etag) - 2, etag + 1);
    snprintf(with_etag, sizeof with_etag, "{\"eTag\":\"%s\",%s", escaped, stale + 1);
    put(T_SUB, "hub-daily", "2023-07-01-preview", with_etag, &r);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(json_string_value(json_object_get(r.json, "eTag")), etag);
    http_result_dispose(&r);
    free(stale);
    free(etag);
    free(body);

    arm_call(&fx, token, "GET", EXPORTS "?api-version=2023-07-01-preview", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", EXPORTS "/HUB-DAILY?api-version=2025-03-01", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(path_get(r.json, "properties", "runHistory", NULL));
    http_result_dispose(&r);
    /* Exports made with the newer shape are invisible to 2020-06-01. */
    arm_call(&fx, token, "GET", EXPORTS "/hub-daily?api-version=2020-06-01", NULL, &r);
    assert_int_equal(r.status, 404);
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", EXPORTS "?api-version=2020-06-01", NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
    http_result_dispose(&r);

    arm_call(&fx, token, "DELETE", EXPORTS "/hub-daily?api-version=2023-07-01-preview", NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    arm_call(&fx, token, "GET", EXPORTS "/hub-daily?api-version=2023-07-01-preview", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(error_code(&r), "NotFound");
    assert_non_null(strstr(error_message(&r), "hub-daily"));
    http_result_dispose(&r);
    arm_call(&fx, token, "DELETE", EXPORTS "/hub-daily?api-version=2023-07-01-preview", NULL, &r);
    assert_int_equal(r.status, 404);
    http_result_dispose(&r);
}

static void test_dataset_scope_matrix(void **state)
{
    (void)state;
    char *focus = export_body("FocusCost", NULL);
    char *actual = export_body("ActualCost", NULL);
    char *prices = export_body("PriceSheet", NULL);
    char *lower = export_body("pricesheet", NULL);
    expect_put(MG("mg-ea"), "focus", "2025-03-01", focus, 400, "'FocusCost' for scope type");
    expect_put(MG("mg-ea"), "actual", "2025-03-01", actual, 201, NULL);
    expect_put(MG("mg-mixed"), "actual", "2025-03-01", actual, 400, "Enterprise Agreement");
    expect_put(T_SUB, "prices", "2025-03-01", prices, 400, "valid values: 'Usage'");
    expect_put(EA_BA, "prices", "2025-03-01", lower, 201, NULL);
    expect_put(EA_BA "/departments/1234", "focus", "2025-03-01", focus, 201, NULL);
    expect_put(EA_BA "/enrollmentAccounts/5678", "focus", "2025-03-01", focus, 201, NULL);
    expect_put(EA_BA "/enrollmentAccounts/5678", "prices", "2025-03-01", prices, 400,
               "for scope type 'EnrollmentAccount'");
    expect_put(T_SUB "/resourceGroups/rg-app", "focus", "2025-03-01", focus, 201, NULL);
    expect_put(MCA_BA, "actual", "2025-03-01", actual, 201, NULL);
    expect_put(MCA_BA, "prices", "2025-03-01", prices, 400, "for scope type 'BillingAccount'");
    expect_put(MCA_BA "/billingProfiles/BP01", "prices", "2025-03-01", prices, 201, NULL);
    expect_put(MCA_BA "/billingProfiles/BP01/invoiceSections/IS01", "prices", "2025-03-01", prices,
               400, "for scope type 'InvoiceSection'");
    expect_put(MCA_BA "/billingProfiles/BP01/invoiceSections/IS01", "focus", "2025-03-01", focus,
               201, NULL);
    /* Old api-versions know only the old dataset types. */
    expect_put(T_SUB, "focus-old", "2022-10-01", focus, 400, "Invalid definition type");
    expect_put(T_SUB, "actual-old", "2022-10-01", actual, 201, NULL);
    free(focus);
    free(actual);
    free(prices);
    free(lower);
}

static void test_property_validation(void **state)
{
    (void)state;
    char body[4096];
    const char *v = "2025-03-01";
    snprintf(body, sizeof body,
             "{\"properties\":{\"format\":\"Csv\",\"deliveryInfo\":{\"destination\":{"
             "\"resourceId\":\"%s\",\"container\":\"msexports\",\"rootFolderPath\":\"/hub\"}},"
             "\"definition\":{\"type\":\"FocusCost\",\"timeframe\":\"MonthToDate\"}}}",
             T_STORAGE);
    expect_put(T_SUB, "bad", v, body, 400, "cannot begin with a forward slash");
    char *b = export_body("FocusCost", "\"compressionMode\":\"Gzip\"");
    expect_put(T_SUB, "bad", v, b, 400, "compressionMode 'Gzip'");
    free(b);
    b = export_body("FocusCost", "\"compressionMode\":\"snappy\"");
    expect_put(T_SUB, "bad", v, b, 400, "only supported with format 'Parquet'");
    free(b);
    b = export_body("FocusCost", "\"compressionMode\":\"gzip\"");
    expect_put(T_SUB, "gzip", v, b, 201, NULL);
    free(b);
    snprintf(
        body, sizeof body,
        "{\"properties\":{\"format\":\"Parquet\",\"compressionMode\":\"snappy\","
        "\"deliveryInfo\":{\"destination\":{\"resourceId\":\"%s\",\"container\":\"msexports\"}},"
        "\"definition\":{\"type\":\"FocusCost\",\"timeframe\":\"MonthToDate\",\"dataSet\":{"
        "\"configuration\":{\"dataVersion\":\"1.2-preview\"}}}}}",
        T_STORAGE);
    /* Older stables are Csv only; the hub's preview version takes Parquet, as the service does. */
    char old_body[1024];
    snprintf(old_body, sizeof old_body,
             "{\"properties\":{\"format\":\"Parquet\",\"deliveryInfo\":{\"destination\":{"
             "\"resourceId\":\"%s\",\"container\":\"msexports\"}},\"definition\":{\"type\":"
             "\"ActualCost\",\"timeframe\":\"MonthToDate\"}}}",
             T_STORAGE);
    expect_put(T_SUB, "parquet", "2024-08-01", old_body, 400, "Invalid format 'Parquet'");
    expect_put(T_SUB, "parquet-preview", "2023-07-01-preview", body, 201, NULL);
    expect_put(T_SUB, "parquet", v, body, 201, NULL);
    b = export_body("FocusCost", NULL);
    char *version = strstr(b, "\"granularity\"");
    char modified[4200];
    snprintf(modified, sizeof modified, "%.*s\"configuration\":{\"dataVersion\":\"2023-05-01\"},%s",
             (int)(version - b), b, version);
    expect_put(T_SUB, "bad", v, modified, 400, "dataVersion '2023-05-01'");
    free(b);
    b = export_body("ActualCost", "\"schedule\":{\"status\":\"Active\",\"recurrence\":\"Hourly\","
                                  "\"recurrencePeriod\":{\"from\":\"2099-01-01T00:00:00Z\"}}");
    /* export_body already has a schedule; the later key wins in the mock's parser. */
    expect_put(T_SUB, "bad", v, b, 400, "recurrence 'Hourly'");
    free(b);
    b = export_body("ActualCost", "\"schedule\":{\"status\":\"Active\",\"recurrence\":\"Daily\","
                                  "\"recurrencePeriod\":{\"from\":\"2020-01-01T00:00:00.000Z\"}}");
    expect_put(T_SUB, "bad", v, b, 400, "must be in the future");
    free(b);
    b = export_body("ActualCost", "\"schedule\":{\"status\":\"Active\",\"recurrence\":\"Daily\","
                                  "\"recurrencePeriod\":{\"from\":\"2099-01-01T00:00:00.000Z\","
                                  "\"to\":\"2100-01-01T00:00:00Z\"}}");
    http_result r;
    put(T_SUB, "scheduled", v, b, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(
        json_string_value(path_get(r.json, "properties", "nextRunTimeEstimate", NULL)),
        "2099-01-01T00:00:00Z");
    http_result_dispose(&r);
    free(b);
    snprintf(body, sizeof body,
             "{\"properties\":{\"deliveryInfo\":{\"destination\":{\"resourceId\":\"%s\","
             "\"container\":\"msexports\"}},\"definition\":{\"type\":\"ActualCost\","
             "\"timeframe\":\"Custom\",\"timePeriod\":{\"from\":\"2024-01-01T00:00:00Z\","
             "\"to\":\"2024-03-01T00:00:00Z\"}}}}",
             T_STORAGE);
    expect_put(T_SUB, "bad", v, body, 400, "cannot exceed 1 month");
    snprintf(body, sizeof body,
             "{\"properties\":{\"deliveryInfo\":{\"destination\":{\"resourceId\":\"%s\","
             "\"container\":\"msexports\"}},\"definition\":{\"type\":\"ActualCost\","
             "\"timeframe\":\"Custom\"}}}",
             T_STORAGE);
    expect_put(T_SUB, "bad", v, body, 400, "timePeriod is required");
    snprintf(body, sizeof body,
             "{\"properties\":{\"deliveryInfo\":{\"destination\":{\"resourceId\":\"%s/x\","
             "\"container\":\"msexports\"}},\"definition\":{\"type\":\"ActualCost\","
             "\"timeframe\":\"MonthToDate\"}}}",
             T_STORAGE);
    expect_put(T_SUB, "bad", v, body, 400, "storage account was not found");
    expect_put(T_SUB, "bad", v, "{not json", 400, "could not be deserialized");
    b = export_body("ActualCost", NULL);
    expect_put(T_SUB, "bad!name", v, b, 400, "Invalid export name");
    free(b);
    /* A managed-identity export needs a location. */
    b = export_body("ActualCost", NULL);
    snprintf(modified, sizeof modified, "{\"identity\":{\"type\":\"SystemAssigned\"},%s", b + 1);
    expect_put(T_SUB, "mi", v, modified, 400, "location is required");
    snprintf(modified, sizeof modified,
             "{\"identity\":{\"type\":\"SystemAssigned\"},\"location\":\"global\",%s", b + 1);
    put(T_SUB, "mi", v, modified, &r);
    assert_int_equal(r.status, 201);
    assert_non_null(path_get(r.json, "identity", "principalId", NULL));
    http_result_dispose(&r);
    free(b);
}

static json_t *last_run(const char *name, http_result *holder)
{
    char path[512];
    snprintf(path, sizeof path, EXPORTS "/%s/runHistory?api-version=2025-03-01", name);
    arm_call(&fx, token, "GET", path, NULL, holder);
    assert_int_equal(holder->status, 200);
    return json_array_get(json_object_get(holder->json, "value"), 0);
}

static const char *run_status(json_t *run)
{
    return json_string_value(path_get(run, "properties", "status", NULL));
}

static bool iso_with_seven_digits(const char *text)
{
    /* 2026-11-25T13:14:41.1230000Z */
    return text != NULL && strlen(text) == 28 && text[10] == 'T' && text[19] == '.' &&
           text[27] == 'Z';
}

static void test_runs_are_asynchronous(void **state)
{
    (void)state;
    admin_send(&fx, "PUT", "/admin/runs",
               "{\"queued_ms\": 100000, \"in_progress_ms\": 100000, \"outcome\": \"Completed\"}");
    char *body = export_body("FocusCost", NULL);
    http_result r;
    put(T_SUB, "runner", "2025-03-01", body, &r);
    assert_int_equal(r.status, 201);
    http_result_dispose(&r);
    free(body);
    arm_call(&fx, token, "POST", EXPORTS "/runner/run?api-version=2025-03-01", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    http_result_dispose(&r);
    json_t *run = last_run("runner", &r);
    assert_string_equal(run_status(run), "Queued");
    assert_true(iso_with_seven_digits(
        json_string_value(path_get(run, "properties", "submittedTime", NULL))));
    assert_non_null(strstr(json_string_value(json_object_get(run, "id")), "/runner/Run/"));
    http_result_dispose(&r);
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": 150}");
    run = last_run("runner", &r);
    assert_string_equal(run_status(run), "InProgress");
    assert_non_null(path_get(run, "properties", "processingStartTime", NULL));
    assert_null(path_get(run, "properties", "processingEndTime", NULL));
    http_result_dispose(&r);
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": 100}");
    run = last_run("runner", &r);
    assert_string_equal(run_status(run), "Completed");
    assert_true(iso_with_seven_digits(
        json_string_value(path_get(run, "properties", "processingEndTime", NULL))));
    const char *file = json_string_value(path_get(run, "properties", "fileName", NULL));
    const char *run_id = json_string_value(json_object_get(run, "name"));
    char expected_prefix[256];
    snprintf(expected_prefix, sizeof expected_prefix, "hub/runner/");
    assert_non_null(file);
    assert_memory_equal(file, expected_prefix, strlen(expected_prefix));
    assert_non_null(strstr(file, run_id));
    assert_non_null(path_get(run, "properties", "manifestFile", NULL));
    http_result_dispose(&r);
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": -250}");

    /* $expand=runHistory on Get carries the runs. */
    arm_call(&fx, token, "GET", EXPORTS "/runner?api-version=2025-03-01&$expand=runHistory", NULL,
             &r);
    assert_int_equal(json_array_size(path_get(r.json, "properties", "runHistory", "value")), 1);
    http_result_dispose(&r);

    /* A configured outcome: Failed with an error. */
    admin_send(&fx, "PUT", "/admin/runs",
               "{\"queued_ms\": 0, \"in_progress_ms\": 0, \"outcome\": \"Failed\"}");
    arm_call(&fx, token, "POST", EXPORTS "/runner/run?api-version=2025-03-01", NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    run = last_run("runner", &r);
    assert_string_equal(run_status(run), "Failed");
    assert_non_null(path_get(run, "properties", "error", "code"));
    http_result_dispose(&r);
    /* The other outcomes a client must handle. */
    const char *outcomes[] = {"Timeout", "DataNotAvailable"};
    for (size_t i = 0; i < 2; i++) {
        char config[128];
        snprintf(config, sizeof config, "{\"outcome\": \"%s\"}", outcomes[i]);
        admin_send(&fx, "PUT", "/admin/runs", config);
        arm_call(&fx, token, "POST", EXPORTS "/runner/run?api-version=2025-03-01", NULL, &r);
        assert_int_equal(r.status, 200);
        http_result_dispose(&r);
        run = last_run("runner", &r);
        assert_string_equal(run_status(run), outcomes[i]);
        http_result_dispose(&r);
    }
    admin_send(&fx, "PUT", "/admin/runs", "{\"outcome\": \"Completed\"}");
}

static void test_run_time_periods(void **state)
{
    (void)state;
    char *body = export_body("ActualCost", NULL);
    http_result r;
    put(T_SUB, "backfill", "2025-03-01", body, &r);
    assert_int_equal(r.status, 201);
    http_result_dispose(&r);
    free(body);
    const char *path = EXPORTS "/backfill/run?api-version=2025-03-01";
    arm_call(&fx, token, "POST", path,
             "{\"timePeriod\":{\"from\":\"2024-01-01T00:00:00.000Z\",\"to\":\"2024-01-31T00:00:00."
             "000Z\"}}",
             &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    json_t *run = last_run("backfill", &r);
    assert_string_equal(json_string_value(path_get(run, "properties", "startDate", NULL)),
                        "2024-01-01T00:00:00Z");
    assert_string_equal(json_string_value(path_get(run, "properties", "endDate", NULL)),
                        "2024-01-31T00:00:00Z");
    http_result_dispose(&r);
    arm_call(&fx, token, "POST", path,
             "{\"timePeriod\":{\"from\":\"2099-01-01T00:00:00Z\",\"to\":\"2099-01-31T00:00:00Z\"}}",
             &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(error_message(&r), "cannot be in the future"));
    http_result_dispose(&r);
    arm_call(&fx, token, "POST", path,
             "{\"timePeriod\":{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-03-31T00:00:00Z\"}}",
             &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(error_message(&r), "cannot exceed 1 month"));
    http_result_dispose(&r);
    arm_call(&fx, token, "POST", EXPORTS "/missing/run?api-version=2025-03-01", NULL, &r);
    assert_int_equal(r.status, 404);
    http_result_dispose(&r);
}

static void test_active_schedules_start_scheduled_runs(void **state)
{
    (void)state;
    /* Polling for the scheduled run must not meet the Cost Management throttle. */
    admin_send(&fx, "PUT", "/admin/throttling", "{\"enabled\": false}");
    admin_send(&fx, "PUT", "/admin/runs", "{\"queued_ms\": 0, \"in_progress_ms\": 0}");
    char from[40], extra[256];
    time_t start = time(NULL) + 120;
    strftime(from, sizeof from, "%Y-%m-%dT%H:%M:%SZ", gmtime(&start));
    snprintf(extra, sizeof extra,
             "\"schedule\":{\"status\":\"Active\",\"recurrence\":\"Daily\","
             "\"recurrencePeriod\":{\"from\":\"%s\"}}",
             from);
    char *body = export_body("FocusCost", extra);
    http_result r;
    put(T_SUB, "daily", "2025-03-01", body, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(
        json_string_value(path_get(r.json, "properties", "nextRunTimeEstimate", NULL)), from);
    http_result_dispose(&r);
    free(body);
    /* Nothing runs before the start... */
    json_t *run = last_run("daily", &r);
    assert_null(run);
    http_result_dispose(&r);
    /* ...and once the mock's clock passes it, the service's own run appears. */
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": 180}");
    bool seen = false;
    for (int attempt = 0; attempt < 200 && !seen; attempt++) {
        run = last_run("daily", &r);
        if (run != NULL) {
            seen = true;
            assert_string_equal(json_string_value(path_get(run, "properties", "submittedBy", NULL)),
                                "System");
            assert_string_equal(
                json_string_value(path_get(run, "properties", "executionType", NULL)), "Scheduled");
        }
        http_result_dispose(&r);
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    assert_true(seen);
    /* One run per occurrence: the next is a day later. */
    arm_call(&fx, token, "GET", EXPORTS "/daily?api-version=2025-03-01", NULL, &r);
    time_t next;
    struct tm tm = {0};
    strptime(json_string_value(path_get(r.json, "properties", "nextRunTimeEstimate", NULL)),
             "%Y-%m-%dT%H:%M:%SZ", &tm);
    next = timegm(&tm);
    assert_int_equal((long)(next - start), 86400);
    http_result_dispose(&r);
    admin_send(&fx, "POST", "/admin/clock", "{\"advance_s\": -180}");
    admin_send(&fx, "PUT", "/admin/throttling", "{\"enabled\": true}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_update_with_etags),
        cmocka_unit_test(test_dataset_scope_matrix),
        cmocka_unit_test(test_property_validation),
        cmocka_unit_test(test_runs_are_asynchronous),
        cmocka_unit_test(test_run_time_periods),
        cmocka_unit_test(test_active_schedules_start_scheduled_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
