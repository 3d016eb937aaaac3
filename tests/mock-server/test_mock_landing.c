/* hubagent-mock landing: a completed run writes its files and manifest.json into the
 * destination storage account (a real Azurite) where Cost Management does, through the
 * project's Blob client; the run reports Completed only once everything is there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hub_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static hub_fixture hub;
static char *token;

#define EXPORTS T_SUB "/providers/Microsoft.CostManagement/exports"

static int setup(void **state)
{
    (void)state;
    if (hub_fixture_start(NULL, &hub) != 0)
        return -1;
    token = mock_token(&hub.mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    return token ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(token);
    return hub_fixture_stop(&hub);
}

static json_t *wait_for_run(const char *name)
{
    return hub_export_wait_run(&hub, token, name);
}

static void create_and_run(const char *name, const char *extra)
{
    assert_int_equal(hub_export_create_and_run(&hub, token, name, extra), 201);
}

static void test_completed_run_lands_files_and_manifest(void **state)
{
    (void)state;
    create_and_run("landing", "\"compressionMode\":\"gzip\"");
    json_t *run = wait_for_run("landing");
    json_t *props = json_object_get(run, "properties");
    const char *status = json_string_value(json_object_get(props, "status"));
    if (strcmp(status, "Completed") != 0)
        fprintf(stderr, "run: %s\n", json_dumps(run, 0));
    assert_string_equal(status, "Completed");
    const char *run_id = json_string_value(json_object_get(run, "name"));
    char folder[256];
    snprintf(folder, sizeof folder, "hub/landing/20240101-20240131/%s/", run_id);
    const char *manifest_file = json_string_value(json_object_get(props, "manifestFile"));
    char expected[300];
    snprintf(expected, sizeof expected, "%smanifest.json", folder);
    assert_string_equal(manifest_file, expected);

    arm_blob_list_page page;
    arm_blob_list_page_init(&page);
    arm_error err;
    arm_status listed = arm_blob_list(hub.blob, "msexports", folder, NULL, 0, &page, &err);
    if (listed != ARM_OK || page.count != 4)
        fprintf(stderr, "list %s: %s %s, %zu blobs\n", folder, arm_status_text(listed), err.message,
                page.count);
    assert_int_equal(listed, ARM_OK);
    assert_int_equal(page.count, 4); /* 50 rows at 20 per file = 3 parts, then the manifest */
    arm_blob_list_page_dispose(&page);

    char *data = NULL;
    size_t len = 0;
    assert_int_equal(arm_blob_get_bytes(hub.blob, "msexports", manifest_file, &data, &len, &err),
                     ARM_OK);
    json_t *manifest = json_loadb(data, len, 0, NULL);
    free(data);
    assert_non_null(manifest);
    assert_int_equal(json_integer_value(json_object_get(manifest, "blobCount")), 3);
    assert_int_equal(json_integer_value(json_object_get(manifest, "dataRowCount")), 50);
    json_t *config = json_object_get(manifest, "exportConfig");
    assert_string_equal(json_string_value(json_object_get(config, "exportName")), "landing");
    assert_string_equal(json_string_value(json_object_get(config, "type")), "FocusCost");
    assert_string_equal(json_string_value(json_object_get(config, "dataVersion")), "1.0r2");
    assert_string_equal(json_string_value(json_object_get(config, "resourceId")),
                        EXPORTS "/landing");
    json_t *delivery = json_object_get(manifest, "deliveryConfig");
    assert_string_equal(json_string_value(json_object_get(delivery, "compressionMode")), "gzip");
    assert_string_equal(json_string_value(json_object_get(delivery, "rootFolderPath")), "hub");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(manifest, "runInfo"), "runId")), run_id);
    json_t *blobs = json_object_get(manifest, "blobs");
    assert_int_equal(json_array_size(blobs), 3);
    long long rows = 0;
    for (size_t i = 0; i < json_array_size(blobs); i++) {
        json_t *b = json_array_get(blobs, i);
        const char *name = json_string_value(json_object_get(b, "blobName"));
        assert_memory_equal(name, folder, strlen(folder));
        rows += json_integer_value(json_object_get(b, "dataRowCount"));
        arm_blob_properties props_out;
        assert_int_equal(arm_blob_head(hub.blob, "msexports", name, &props_out, &err), ARM_OK);
        assert_int_equal((long long)props_out.content_length,
                         json_integer_value(json_object_get(b, "byteCount")));
    }
    assert_int_equal(rows, 50);
    /* The data is gzip, as the export asked. */
    const char *first = json_string_value(json_object_get(json_array_get(blobs, 0), "blobName"));
    assert_int_equal(arm_blob_get_bytes(hub.blob, "msexports", first, &data, &len, &err), ARM_OK);
    assert_true(len > 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b);
    free(data);
    json_decref(manifest);
    json_decref(run);
}

static void test_parquet_run_lands_parquet(void **state)
{
    (void)state;
    create_and_run("parquet", "\"format\":\"Parquet\",\"compressionMode\":\"snappy\"");
    json_t *run = wait_for_run("parquet");
    json_t *props = json_object_get(run, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "status")), "Completed");
    const char *file = json_string_value(json_object_get(props, "fileName"));
    assert_non_null(strstr(file, "/part_0_0001.parquet"));
    char *data = NULL;
    size_t len = 0;
    arm_error err;
    assert_int_equal(arm_blob_get_bytes(hub.blob, "msexports", file, &data, &len, &err), ARM_OK);
    assert_true(len > 8 && memcmp(data, "PAR1", 4) == 0 && memcmp(data + len - 4, "PAR1", 4) == 0);
    free(data);
    const char *manifest_file = json_string_value(json_object_get(props, "manifestFile"));
    assert_int_equal(arm_blob_get_bytes(hub.blob, "msexports", manifest_file, &data, &len, &err),
                     ARM_OK);
    json_t *manifest = json_loadb(data, len, 0, NULL);
    free(data);
    json_t *delivery = json_object_get(manifest, "deliveryConfig");
    assert_string_equal(json_string_value(json_object_get(delivery, "fileFormat")), "Parquet");
    assert_string_equal(json_string_value(json_object_get(delivery, "compressionMode")), "snappy");
    json_decref(manifest);
    json_decref(run);
}

static void test_unlandable_run_fails_with_a_reason(void **state)
{
    (void)state;
    /* The mock has no synthetic rows for this dataset version (focus/ generates ActualCost
     * 2023-05-01 only): the run says why it failed instead of claiming Completed without
     * files. */
    char *body = export_body("ActualCost", NULL);
    const char *daily = "\"granularity\":\"Daily\"}";
    char *at = strstr(body, daily);
    assert_non_null(at);
    char rest[2048];
    snprintf(rest, sizeof rest, "%s", at + strlen(daily));
    snprintf(at, 4096 - (size_t)(at - body),
             "\"granularity\":\"Daily\",\"configuration\":{\"dataVersion\":\"2019-10-01\"}}%s",
             rest);
    char path[512];
    snprintf(path, sizeof path, EXPORTS "/legacy?api-version=2025-03-01");
    http_result r;
    arm_call(&hub.mock, token, "PUT", path, body, &r);
    assert_int_equal(r.status, 201);
    http_result_dispose(&r);
    free(body);
    arm_call(&hub.mock, token, "POST", EXPORTS "/legacy/run?api-version=2025-03-01", NULL, &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    json_t *run = wait_for_run("legacy");
    json_t *props = json_object_get(run, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "status")), "Failed");
    const char *message =
        json_string_value(json_object_get(json_object_get(props, "error"), "message"));
    assert_non_null(message);
    assert_non_null(strstr(message, "ActualCost"));
    json_decref(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completed_run_lands_files_and_manifest),
        cmocka_unit_test(test_parquet_run_lands_parquet),
        cmocka_unit_test(test_unlandable_run_fails_with_a_reason),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
