/* agent manifest: the real manifest fields (with and without dataRowCount, empty ones),
 * errors that name the field, and the hub's destination folder and file names. */
#include "agent/manifest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define EXPORT_ID                                                                                  \
    "/subscriptions/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/providers/Microsoft.CostManagement/"      \
    "exports/demo-daily-costdetails"

static const char real_manifest[] =
    "{\"manifestVersion\":\"2024-04-01\",\"byteCount\":300,\"blobCount\":2,\"dataRowCount\":50,"
    "\"exportConfig\":{\"exportName\":\"demo-daily-costdetails\",\"resourceId\":\"" EXPORT_ID
    "\",\"dataVersion\":\"1.0r2\",\"apiVersion\":\"2023-07-01-preview\",\"type\":\"FocusCost\","
    "\"timeFrame\":\"MonthToDate\",\"granularity\":\"Daily\"},"
    "\"deliveryConfig\":{\"partitionData\":true,\"dataOverwriteBehavior\":"
    "\"OverwritePreviousReport\","
    "\"fileFormat\":\"Csv\",\"containerUri\":\"/subscriptions/x\",\"rootFolderPath\":\"demo\"},"
    "\"runInfo\":{\"executionType\":\"Scheduled\",\"submittedTime\":\"2025-05-03T01:00:00Z\","
    "\"runId\":\"11111111-2222-3333-4444-555555555555\",\"startDate\":\"2025-05-01T00:00:00\","
    "\"endDate\":\"2025-05-02T00:00:00\"},"
    "\"blobs\":[{\"blobName\":\"demo/x/20250501-20250531/r/part_0_0001.csv.gz\",\"byteCount\":200,"
    "\"dataRowCount\":30},{\"blobName\":\"demo/x/20250501-20250531/r/part_0_0002.csv.gz\","
    "\"byteCount\":100,\"dataRowCount\":20}]}";

static void test_real_manifest(void **state)
{
    (void)state;
    agent_manifest m;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    assert_int_equal(
        agent_manifest_parse(real_manifest, strlen(real_manifest), "m.json", &m, &error),
        AGENT_HANDOFF_OK);
    assert_false(m.empty);
    assert_string_equal(m.type, "FocusCost");
    assert_string_equal(m.data_version, "1.0r2");
    assert_string_equal(m.scope, "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e");
    assert_string_equal(m.run_id, "11111111-2222-3333-4444-555555555555");
    assert_int_equal(m.year, 2025);
    assert_int_equal(m.month, 5);
    assert_int_equal(m.row_count, 50);
    assert_false(m.has_no_rows);
    assert_int_equal(m.blob_count, 2);
    assert_int_equal(m.blobs[1].byte_count, 100);
    assert_int_equal(m.blobs[1].row_count, 20);
    char folder[512];
    assert_true(agent_manifest_destination(&m, folder, sizeof folder));
    assert_string_equal(folder, "Costs/2025/05/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e");
    agent_manifest_dispose(&m);
}

/* 2025-03-01 exports: dataRowCount null at the top and absent per blob (#2173). */
static void test_null_row_counts_are_unknown_not_zero(void **state)
{
    (void)state;
    static const char nulls[] =
        "{\"blobCount\":1,\"dataRowCount\":null,\"exportConfig\":{\"exportName\":\"e\","
        "\"resourceId\":\"/providers/Microsoft.Billing/billingAccounts/123/providers/"
        "Microsoft.CostManagement/exports/e\",\"dataVersion\":\"2023-05-01\",\"type\":"
        "\"ReservationRecommendations\"},\"runInfo\":{\"runId\":\"r1\",\"startDate\":"
        "\"2025-04-30T00:00:00Z\"},\"blobs\":[{\"blobName\":\"a/b.csv\",\"byteCount\":5}]}";
    agent_manifest m;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    assert_int_equal(agent_manifest_parse(nulls, strlen(nulls), "m.json", &m, &error),
                     AGENT_HANDOFF_OK);
    assert_int_equal(m.row_count, -1);
    assert_int_equal(m.blobs[0].row_count, -1);
    assert_true(m.has_no_rows); /* what the hub would conclude, and skip */
    assert_string_equal(m.submitted_time, "");
    char folder[512];
    assert_true(agent_manifest_destination(&m, folder, sizeof folder));
    /* Recommendations: the export name is glued on without a slash, as the hub does. */
    assert_string_equal(folder,
                        "Recommendations/2025/04/providers/microsoft.billing/billingaccounts/123e");
    agent_manifest_dispose(&m);
}

static void test_empty_manifests(void **state)
{
    (void)state;
    const char *texts[] = {"", "  \n", "{}"};
    for (size_t i = 0; i < 3; i++) {
        agent_manifest m;
        assert_int_equal(agent_manifest_parse(texts[i], strlen(texts[i]), "m", &m, NULL),
                         AGENT_HANDOFF_OK);
        assert_true(m.empty);
        agent_manifest_dispose(&m);
    }
}

static void expect_error(const char *text, const char *needle)
{
    agent_manifest m;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    assert_int_equal(
        agent_manifest_parse(text, strlen(text), "msexports/x/manifest.json", &m, &error),
        AGENT_HANDOFF_E_MANIFEST);
    if (strstr(error.message, needle) == NULL)
        fail_msg("'%s' does not mention '%s'", error.message, needle);
    assert_non_null(strstr(error.message, "msexports/x/manifest.json"));
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    expect_error("{\"exportConfig\":", "not JSON");
    expect_error("[1]", "not a JSON object");
    expect_error("{\"runInfo\":{}}", "exportConfig");
    char text[4096];
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "\"runId\""), "\"runIx\"", 7);
    expect_error(text, "runInfo.runId is missing");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "2025-05-01T00"), "May 1, 2025T", 12);
    expect_error(text, "runInfo.startDate");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "\"blobCount\":2"), "\"blobCount\":3", 13);
    expect_error(text, "blobCount is 3 but blobs lists 2");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "\"byteCount\":100"), "\"byteCount\":-10", 15);
    expect_error(text, "blobs[1].byteCount is not a count");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "CostManagement/exports"), "CostManagement/exporte", 22);
    expect_error(text, "is not an export's id");
    /* Found by fuzz_manifest: a run id or scope that would place files in other folders. */
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "11111111-2222"), "../../Costs/x", 13);
    expect_error(text, "runInfo.runId '../../Costs/x-3333-4444-555555555555' is not a run id");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "AAAA0A0A-BB1B"), "../../../../x", 13);
    expect_error(text, "is not an export's id");
    snprintf(text, sizeof text, "%s", real_manifest);
    memcpy(strstr(text, "\"FocusCost\""), "\"/Focus/Co\"", 11);
    expect_error(text, "exportConfig.type '/Focus/Co' is not an export type");
}

static void test_destination_files_and_folders(void **state)
{
    (void)state;
    char out[256];
    assert_true(agent_manifest_destination_file("run1", "a/b/part_0_0001.csv.gz", out, sizeof out));
    assert_string_equal(out, "run1__part_0_0001.parquet");
    assert_true(agent_manifest_destination_file("run1", "a/part_1.csv", out, sizeof out));
    assert_string_equal(out, "run1__part_1.parquet");
    assert_true(
        agent_manifest_destination_file("run1", "a/part_1.snappy.parquet", out, sizeof out));
    assert_string_equal(out, "run1__part_1.snappy.parquet");
    const char *types[][2] = {{"FocusCost", "Costs"},
                              {"PriceSheet", "Prices"},
                              {"ReservationDetails", "CommitmentDiscountUsage"},
                              {"reservationrecommendations", "Recommendations"},
                              {"ReservationTransactions", "Transactions"},
                              {"ActualCost", "ActualCosts"},
                              {"AmortizedCost", "AmortizedCosts"},
                              {"SomethingNew", "somethingnew"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        agent_manifest_dataset_folder(types[i][0], out, sizeof out);
        assert_string_equal(out, types[i][1]);
    }
    const char *ea[] = {"BillingAccountId", "UnitPrice"};
    const char *mca[] = {"BillingAccountId", "BillingProfileId"};
    assert_string_equal(agent_manifest_variant("PriceSheet", ea, 2), "EA");
    assert_string_equal(agent_manifest_variant("PriceSheet", mca, 2), "MCA");
    assert_string_equal(agent_manifest_variant("ReservationTransactions", mca, 2), "MCA");
    const char *rec[] = {"Net Savings"};
    assert_string_equal(agent_manifest_variant("ReservationRecommendations", rec, 1), "MCA");
    assert_string_equal(agent_manifest_variant("ReservationRecommendations", ea, 2), "EA");
    assert_null(agent_manifest_variant("FocusCost", mca, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_manifest),
        cmocka_unit_test(test_null_row_counts_are_unknown_not_zero),
        cmocka_unit_test(test_empty_manifests),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_destination_files_and_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
