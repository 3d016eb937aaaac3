/* Unit tests for Exports bodies: parsing every modelled field (and runs), tolerating the
 * unexpected, and building PUT bodies that keep what the client does not model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arm/exports.h"
#include "test_util.h"

static char *canned(size_t *len)
{
    char *path = test_data_path("arm/export_get_expand.json");
    char *json = test_read_file(path, len);
    free(path);
    assert_non_null(json);
    return json;
}

static void test_parse_full_export(void **state)
{
    (void)state;
    size_t len;
    char *json = canned(&len);
    arm_export e;
    arm_error err;
    assert_int_equal(arm_export_parse(json, len, &e, &err), ARM_OK);
    assert_string_equal(e.name, "ftk-focus-daily");
    assert_string_equal(e.etag, "\"1d9bb6b4c1f3a2e\"");
    assert_string_equal(e.identity_type, "SystemAssigned");
    assert_string_equal(e.identity_principal_id, "11111111-1111-1111-1111-111111111111");
    assert_string_equal(e.format, "Parquet");
    assert_string_equal(e.destination_type, "AzureBlob");
    assert_string_equal(e.destination_container, "msexports");
    assert_string_equal(e.destination_root_folder_path,
                        "subscriptions/00000000-0000-0000-0000-000000000000");
    assert_string_equal(e.definition_type, "FocusCost");
    assert_string_equal(e.timeframe, "MonthToDate");
    assert_null(e.time_period_from);
    assert_string_equal(e.granularity, "Daily");
    assert_string_equal(e.data_version, "1.0");
    assert_string_equal(e.schedule_status, "Active");
    assert_string_equal(e.recurrence, "Daily");
    assert_string_equal(e.recurrence_from, "2030-01-01T00:00:00Z");
    assert_int_equal(e.partition_data, 1);
    assert_string_equal(e.compression_mode, "snappy");
    assert_string_equal(e.description, "hub export");
    assert_string_equal(e.next_run_time_estimate, "2030-01-01T23:00:00Z");
    assert_int_equal(e.run_count, 2);
    assert_string_equal(e.runs[0].status, "Completed");
    assert_string_equal(e.runs[0].submitted_time, "2024-02-01T07:52:15.6016681Z");
    assert_string_equal(e.runs[0].start_date, "2024-01-01T00:00:00Z");
    assert_non_null(strstr(e.runs[0].manifest_file, "manifest.json"));
    assert_string_equal(e.runs[1].status, "DataReady"); /* unknown values are kept */
    assert_string_equal(e.runs[1].error_code, "429");
    assert_null(e.runs[1].file_name);
    arm_export_dispose(&e);
    free(json);
}

static void test_update_keeps_unknown_fields(void **state)
{
    (void)state;
    size_t len;
    char *json = canned(&len);
    arm_export e;
    assert_int_equal(arm_export_parse(json, len, &e, NULL), ARM_OK);
    assert_int_equal(arm_export_set(&e.schedule_status, "Inactive"), ARM_OK);
    assert_int_equal(arm_export_set(&e.description, NULL), ARM_OK);
    e.partition_data = 0;
    char *body = NULL;
    assert_int_equal(arm_export_build(&e, &body, NULL), ARM_OK);
    json_t *doc = json_loads(body, 0, NULL);
    assert_non_null(doc);
    json_t *props = json_object_get(doc, "properties");
    assert_string_equal(json_string_value(json_object_get(doc, "eTag")), "\"1d9bb6b4c1f3a2e\"");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(props, "schedule"), "status")),
        "Inactive");
    assert_true(json_is_false(json_object_get(props, "partitionData")));
    assert_null(json_object_get(props, "exportDescription"));
    assert_null(json_object_get(props, "runHistory")); /* read-only results stay home */
    /* What the struct does not model travels back unchanged. */
    json_t *future = json_object_get(props, "someFutureProperty");
    assert_non_null(future);
    assert_int_equal(json_array_size(json_object_get(future, "keep")), 3);
    json_t *config = json_object_get(
        json_object_get(json_object_get(props, "definition"), "dataSet"), "configuration");
    assert_int_equal(json_integer_value(json_object_get(config, "futureKnob")), 7);
    assert_int_equal(json_array_size(json_object_get(config, "columns")), 2);
    json_decref(doc);
    free(body);
    arm_export_dispose(&e);
    free(json);
}

static void test_build_from_scratch(void **state)
{
    (void)state;
    arm_export e;
    arm_export_init(&e);
    arm_export_set(&e.format, "Csv");
    arm_export_set(&e.destination_type, "AzureBlob");
    arm_export_set(&e.destination_resource_id, "/subscriptions/s/resourceGroups/r/providers/"
                                               "Microsoft.Storage/storageAccounts/a");
    arm_export_set(&e.destination_container, "msexports");
    arm_export_set(&e.definition_type, "ActualCost");
    arm_export_set(&e.timeframe, "Custom");
    arm_export_set(&e.time_period_from, "2024-01-01T00:00:00Z");
    arm_export_set(&e.time_period_to, "2024-01-31T00:00:00Z");
    arm_export_set(&e.compression_mode, "gzip");
    arm_export_set(&e.id, "/ignored/read-only");
    char *body = NULL;
    assert_int_equal(arm_export_build(&e, &body, NULL), ARM_OK);
    assert_string_equal(
        body, "{\"properties\":{\"format\":\"Csv\",\"deliveryInfo\":{\"destination\":{\"type\":"
              "\"AzureBlob\",\"resourceId\":\"/subscriptions/s/resourceGroups/r/providers/"
              "Microsoft.Storage/storageAccounts/a\",\"container\":\"msexports\"}},"
              "\"definition\":{\"type\":\"ActualCost\",\"timeframe\":\"Custom\",\"timePeriod\":"
              "{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-31T00:00:00Z\"}},"
              "\"compressionMode\":\"gzip\"}}");
    free(body);
    /* Clearing the period removes the now-empty timePeriod object too. */
    arm_export_set(&e.time_period_from, NULL);
    arm_export_set(&e.time_period_to, NULL);
    arm_export copy;
    assert_int_equal(arm_export_build(&e, &body, NULL), ARM_OK);
    assert_int_equal(arm_export_parse(body, strlen(body), &copy, NULL), ARM_OK);
    free(body);
    arm_export_set(&copy.time_period_from, NULL);
    assert_int_equal(arm_export_build(&copy, &body, NULL), ARM_OK);
    assert_null(strstr(body, "timePeriod"));
    free(body);
    arm_export_dispose(&copy);
    arm_export_dispose(&e);
}

static void test_lists_and_bad_bodies(void **state)
{
    (void)state;
    arm_export_list list;
    const char *two = "{\"value\":[{\"name\":\"a\",\"properties\":{\"runHistory\":{\"value\":[{"
                      "\"properties\":{\"status\":\"Failed\"}}]}}},{\"name\":\"b\"}]}";
    assert_int_equal(arm_export_list_parse(two, strlen(two), &list, NULL), ARM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "a");
    assert_string_equal(list.items[0].runs[0].status, "Failed");
    assert_string_equal(list.items[1].name, "b");
    assert_int_equal(list.items[1].partition_data, -1);
    arm_export_list_dispose(&list);
    const char *empty = "{\"value\":[]}";
    assert_int_equal(arm_export_list_parse(empty, strlen(empty), &list, NULL), ARM_OK);
    assert_int_equal(list.count, 0);
    arm_error err;
    assert_int_equal(arm_export_list_parse("{\"value\":[1]}", 13, &list, &err), ARM_ERR_PARSE);
    assert_non_null(strstr(err.message, "value[0]"));
    assert_int_equal(arm_export_list_parse("{}", 2, &list, &err), ARM_ERR_PARSE);
    arm_export e;
    assert_int_equal(arm_export_parse("{\"name\":\"trunc", 14, &e, &err), ARM_ERR_PARSE);
    assert_non_null(strstr(err.message, "line 1"));
    assert_int_equal(arm_export_parse("[]", 2, &e, &err), ARM_ERR_PARSE);
    assert_int_equal(arm_export_parse(NULL, 0, &e, &err), ARM_ERR_PARSE);
    /* Wrong types in modelled places are tolerated (left to the document). */
    const char *odd = "{\"name\":7,\"properties\":{\"partitionData\":\"yes\",\"format\":null}}";
    assert_int_equal(arm_export_parse(odd, strlen(odd), &e, &err), ARM_OK);
    assert_null(e.name);
    assert_int_equal(e.partition_data, -1);
    arm_export_dispose(&e);
    arm_export_run_list runs;
    const char *rh = "{\"value\":[{\"id\":\"r1\",\"properties\":{\"status\":\"Queued\"}},\"x\"]}";
    assert_int_equal(arm_export_run_list_parse(rh, strlen(rh), &runs, NULL), ARM_OK);
    assert_int_equal(runs.count, 2);
    assert_string_equal(runs.items[0].id, "r1");
    assert_null(runs.items[1].id);
    arm_export_run_list_dispose(&runs);
    assert_int_equal(arm_export_run_list_parse("{\"value\":{}}", 12, &runs, &err), ARM_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full_export),
        cmocka_unit_test(test_update_keeps_unknown_fields),
        cmocka_unit_test(test_build_from_scratch),
        cmocka_unit_test(test_lists_and_bad_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
