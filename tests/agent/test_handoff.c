/* hubagent ingest end to end against the mock and a real Azurite: runs land (through the
 * mock, or written here like Cost Management writes them), the hand-off places them in the
 * hub's ingestion layout byte-identical (Parquet) or converted (CSV), a newer run of a month
 * replaces the older completely, late and duplicated manifests are ignored, missing blobs
 * wait then are reported, corrupt files are quarantined, the hub's data-loss cases, and the
 * scheduled agent hands off on its own. */
#include "handoff_fixture.h"

#include "arm/blob.h"
#include "focus/focus.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

/* ---- Tests ------------------------------------------------------------------------------- */

/* The scheduled path: `run --once` creates the hub's exports, fires the daily tick, watches
 * the runs, then hands what landed to ingestion in the same invocation. */
static void test_run_once_hands_off_after_the_tick(void **state)
{
    (void)state;
    state_number = 0;
    test_run_result r = hubagent("run", "--once", "--tick", "daily", "--no-online-check");
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 completed"));
    assert_non_null(strstr(r.out, "Hand-off: 1 manifests; 1 handed off"));
    test_run_result_dispose(&r);
    char names[8192];
    size_t count = hub_blob_list(&hub, "ingestion", "Costs/", names, sizeof names);
    assert_true(count >= 2);
    assert_non_null(strstr(names, "/subscriptions/00000000-0000-0000-0000-00000000000a/"));
    assert_non_null(strstr(names, "/manifest.json"));
    /* Nothing new: the next run --once hands nothing off again. */
    r = hubagent("run", "--once", "--no-runs", "--no-online-check", NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "0 handed off (0 files, 0 converted), 1 already"));
    test_run_result_dispose(&r);
}

/* Mock runs: CSV.gz converted, then a Parquet run of the same month replaces it completely,
 * byte-identical; retention deletes the processed data blobs, never the manifests; a rerun
 * changes nothing. */
static void test_mock_runs_handed_off_and_replaced(void **state)
{
    (void)state;
    state_number = 1;
    char *csv_run = mock_run("handoff-csv", "\"compressionMode\":\"gzip\"");
    test_run_result r = ingest("--month", "2024-01", NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off (3 files, 3 converted)"));
    test_run_result_dispose(&r);
    char names[8192], expected[700];
    assert_int_equal(hub_blob_list(&hub, "ingestion", SUB_DEST "/", names, sizeof names), 4);
    int64_t rows = 0;
    for (int part = 1; part <= 3; part++) {
        snprintf(expected, sizeof expected, SUB_DEST "/%s__part_0_%04d.parquet", csv_run, part);
        assert_non_null(strstr(names, expected));
        rows += hub_parquet_rows(&hub, "ingestion", expected, "BilledCost");
    }
    assert_int_equal(rows, 50);
    char *id = hub_manifest_run(&hub, SUB_DEST);
    assert_string_equal(id, csv_run);
    free(id);
    /* Retention 0 days: the run's data blobs are gone, its manifest stays. */
    char folder[400];
    snprintf(folder, sizeof folder, "hub/handoff-csv/20240101-20240131/%s/", csv_run);
    assert_int_equal(hub_blob_list(&hub, "msexports", folder, names, sizeof names), 1);
    assert_non_null(strstr(names, "manifest.json"));

    char *parquet_run =
        mock_run("handoff-parquet", "\"format\":\"Parquet\",\"compressionMode\":\"snappy\"");
    snprintf(folder, sizeof folder, "hub/handoff-parquet/20240101-20240131/%s/", parquet_run);
    char source[700];
    snprintf(source, sizeof source, "%spart_0_0001.parquet", folder);
    size_t source_len = 0, placed_len = 0;
    char *source_bytes = hub_blob_get(&hub, "msexports", source, &source_len);
    assert_non_null(source_bytes);
    r = ingest("--month", "2024-01", NULL, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off (3 files, 0 converted), 1 already"));
    test_run_result_dispose(&r);
    assert_int_equal(hub_blob_list(&hub, "ingestion", SUB_DEST "/", names, sizeof names), 4);
    assert_null(strstr(names, csv_run)); /* the older run is gone entirely */
    snprintf(expected, sizeof expected, SUB_DEST "/%s__part_0_0001.parquet", parquet_run);
    char *placed = hub_blob_get(&hub, "ingestion", expected, &placed_len);
    assert_non_null(placed);
    assert_int_equal(placed_len, source_len);
    assert_memory_equal(placed, source_bytes, source_len); /* copied, not rewritten */
    free(placed);
    free(source_bytes);
    id = hub_manifest_run(&hub, SUB_DEST);
    assert_string_equal(id, parquet_run);
    free(id);
    /* Again: nothing to do, nothing changes. */
    r = ingest("--month", "2024-01", NULL, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "0 handed off (0 files, 0 converted), 2 already"));
    assert_non_null(strstr(r.out, parquet_run)); /* the summary names the run in place */
    test_run_result_dispose(&r);
    /* status: per scope × month, the run in place and the one it replaced. */
    r = hubagent("status", "--json", NULL, NULL, NULL);
    assert_int_equal(r.code, 0);
    json_t *status = json_loads(r.out, 0, NULL);
    assert_non_null(status);
    json_t *handoffs = json_object_get(status, "handoffs");
    size_t in_place = 0, replaced = 0;
    for (size_t i = 0; i < json_array_size(handoffs); i++) {
        json_t *h = json_array_get(handoffs, i);
        const char *st = json_string_value(json_object_get(h, "status"));
        const char *run = json_string_value(json_object_get(h, "run_id"));
        assert_string_equal(json_string_value(json_object_get(h, "month")), "2024-01");
        assert_string_equal(json_string_value(json_object_get(h, "destination")), SUB_DEST);
        if (strcmp(st, "handed-off") == 0 && strcmp(run, parquet_run) == 0)
            in_place++;
        if (strcmp(st, "replaced") == 0 && strcmp(run, csv_run) == 0)
            replaced++;
    }
    assert_int_equal(in_place, 1);
    assert_int_equal(replaced, 1);
    json_decref(status);
    test_run_result_dispose(&r);
    free(csv_run);
    free(parquet_run);
}

#define SCOPE_B "/subscriptions/00000000-0000-0000-0000-0000000000b1"
#define DEST_B  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000b1"
#define SCOPE_C "/subscriptions/00000000-0000-0000-0000-0000000000c1"
#define DEST_C  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000c1"

/* A late manifest (an older run found after a newer one was placed) and a duplicated one (the
 * same run's manifest written again) are ignored; an empty manifest is reported. */
static void test_late_and_duplicated_manifests_are_ignored(void **state)
{
    (void)state;
    state_number = 2;
    json_t *newer = land(SCOPE_B, "b", "run-b-2", "2024-02-02T00:00:00Z", true, 30, 0);
    json_t *copy = json_deep_copy(newer);
    put_manifest(newer);
    /* Each test has its own state: the scope filter keeps the other tests' runs out. */
    test_run_result r = ingest("--scope", SCOPE_B, NULL, NULL);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);
    json_t *older = land(SCOPE_B, "b", "run-b-1", "2024-02-01T00:00:00Z", false, 40, 0);
    put_manifest(older);
    /* The same run's manifest written again (a new eTag on the same path). */
    put_manifest(copy);
    hub_blob_put(&hub, "msexports", "hub/empty/20240101-20240131/y/manifest.json", "", 0);
    r = ingest("--scope", SCOPE_B, NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "0 handed off"));
    assert_non_null(strstr(r.out, "2 superseded"));
    assert_non_null(strstr(r.out, "1 empty"));
    test_run_result_dispose(&r);
    char names[4096];
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_B "/", names, sizeof names), 2);
    assert_non_null(strstr(names, "run-b-2__part_0_0001.parquet"));
    char *id = hub_manifest_run(&hub, DEST_B);
    assert_string_equal(id, "run-b-2");
    free(id);
    /* The late run was never processed: retention keeps its data. */
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/b/20240101-20240131/run-b-1/part_0_0001.csv.gz"));
}

/* A run whose listed blob is missing waits, is reported incomplete after the bound, and is
 * handed off once the blob arrives. */
static void test_missing_blob_waits_then_reports(void **state)
{
    (void)state;
    state_number = 3;
    json_t *m = land(SCOPE_C, "c", "run-c-1", "2024-02-01T00:00:00Z", false, 30, 10);
    char missing[700];
    snprintf(missing, sizeof missing, "%s", blob_name(m, 1));
    size_t len = 0;
    char *bytes = hub_blob_get(&hub, "msexports", missing, &len);
    arm_error err;
    assert_int_equal(arm_blob_delete(hub.blob, "msexports", missing, NULL, &err), ARM_OK);
    put_manifest(m);
    test_run_result r = ingest("--scope", SCOPE_C, NULL, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 waiting"));
    assert_non_null(strstr(r.err, "is missing"));
    test_run_result_dispose(&r);
    r = ingest("--scope", SCOPE_C, "--incomplete-after", "0");
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 incomplete"));
    assert_non_null(strstr(r.out, "incomplete"));
    test_run_result_dispose(&r);
    char names[4096];
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_C "/", names, sizeof names), 0);
    hub_blob_put(&hub, "msexports", missing, bytes, len);
    free(bytes);
    /* Only what an event names: another manifest's path leaves this run alone. */
    r = ingest("--prefix", "hub/not-this-one/", NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "Hand-off: 0 manifests"));
    test_run_result_dispose(&r);
    r = ingest("--scope", SCOPE_C, "--month", "2024-01");
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off (3 files, 3 converted)"));
    test_run_result_dispose(&r);
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_C "/", names, sizeof names), 4);
}

#define SCOPE_D "/subscriptions/00000000-0000-0000-0000-0000000000d1"
#define DEST_D  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000d1"

/* A corrupt file and a file whose rows disagree with the manifest are quarantined with a
 * reason; nothing of those runs reaches ingestion, and the month in place stays. */
static void test_bad_files_are_quarantined(void **state)
{
    (void)state;
    state_number = 4;
    put_manifest(land(SCOPE_D, "d", "run-d-1", "2024-02-01T00:00:00Z", true, 20, 0));
    test_run_result r = ingest("--scope", SCOPE_D, NULL, NULL);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);

    json_t *m = land(SCOPE_D, "d", "run-d-2", "2024-02-02T00:00:00Z", false, 30, 10);
    char bad[700];
    snprintf(bad, sizeof bad, "%s", blob_name(m, 2));
    size_t len = 0;
    char *bytes = hub_blob_get(&hub, "msexports", bad, &len);
    memset(bytes + len / 2, 'x', len - len / 2); /* same size, broken gzip */
    hub_blob_put(&hub, "msexports", bad, bytes, len);
    free(bytes);
    put_manifest(m);
    r = ingest("--scope", SCOPE_D, NULL, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 quarantined"));
    test_run_result_dispose(&r);
    char quarantined[800], names[4096];
    snprintf(quarantined, sizeof quarantined, "quarantine/%s", bad);
    assert_true(hub_blob_exists(&hub, "msexports", quarantined));
    assert_false(hub_blob_exists(&hub, "msexports", bad));
    strcat(quarantined, ".reason.json");
    char *reason = hub_blob_get(&hub, "msexports", quarantined, &len);
    assert_non_null(reason);
    assert_non_null(strstr(reason, "part_0_0003.csv.gz"));
    free(reason);
    /* The month in place is still the first run, whole. */
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_D "/", names, sizeof names), 2);
    assert_null(strstr(names, "run-d-2"));

    /* Only processed runs lose their data to retention: the quarantined run's other files
     * stay where they landed. */
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/d/20240101-20240131/run-d-2/part_0_0001.csv.gz"));

    /* A file whose columns are not its dataset's (a price sheet in a FOCUS cost run). */
    m = land(SCOPE_D, "d", "run-d-4", "2024-02-04T00:00:00Z", false, 2, 0);
    static const char other[] = "BillingAccountId,UnitPrice\n1,2.5\n3,4\n";
    hub_blob_put(&hub, "msexports", blob_name(m, 0), other, strlen(other));
    json_t *listed = json_array_get(json_object_get(m, "blobs"), 0);
    json_object_set_new(listed, "byteCount", json_integer((json_int_t)strlen(other)));
    put_manifest(m);
    r = ingest("--scope", SCOPE_D, NULL, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 quarantined"));
    assert_non_null(strstr(r.out, "column BilledCost of FocusCost 1.0r2 is missing"));
    test_run_result_dispose(&r);
    assert_true(hub_blob_exists(&hub, "msexports",
                                "quarantine/hub/d/20240101-20240131/run-d-4/part_0_0001.csv.gz"));

    /* Rows that disagree with the manifest. */
    m = land(SCOPE_D, "d", "run-d-3", "2024-02-03T00:00:00Z", true, 20, 0);
    json_object_set_new(json_array_get(json_object_get(m, "blobs"), 0), "dataRowCount",
                        json_integer(21));
    put_manifest(m);
    r = ingest("--scope", SCOPE_D, NULL, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 quarantined"));
    assert_non_null(strstr(r.out, "holds 20 data rows, the manifest says 21"));
    test_run_result_dispose(&r);
    assert_true(hub_blob_exists(&hub, "msexports",
                                "quarantine/hub/d/20240101-20240131/run-d-3/part_0_0001.parquet"));
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_D "/", names, sizeof names), 2);
    char *id = hub_manifest_run(&hub, DEST_D);
    assert_string_equal(id, "run-d-1");
    free(id);
}

#define SCOPE_E "/subscriptions/00000000-0000-0000-0000-0000000000e1"
#define DEST_E  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000e1"

/* Where the hub loses data: a dataRowCount-null manifest (#2173) is handed off, a header-only
 * export replaces the month (#2042), the same scope and month under another folder is reported
 * as a conflict instead of doubling cost (#320). */
static void test_hub_data_loss_cases(void **state)
{
    (void)state;
    state_number = 5;
    json_t *m = land(SCOPE_E, "e", "run-e-1", "2024-02-01T00:00:00Z", false, 25, 0);
    json_object_set_new(m, "dataRowCount", json_null());
    json_object_del(json_array_get(json_object_get(m, "blobs"), 0), "dataRowCount");
    put_manifest(m);
    test_run_result r = ingest("--scope", SCOPE_E, NULL, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off"));
    test_run_result_dispose(&r);
    char names[4096];
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_E "/", names, sizeof names), 2);

    m = land(SCOPE_E, "e", "run-e-2", "2024-02-02T00:00:00Z", false, 0, 0);
    assert_int_equal(json_integer_value(json_object_get(m, "dataRowCount")), 0);
    put_manifest(m);
    r = ingest("--scope", SCOPE_E, NULL, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off"));
    test_run_result_dispose(&r);
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_E "/", names, sizeof names), 2);
    assert_null(strstr(names, "run-e-1"));
    assert_int_equal(
        hub_parquet_rows(&hub, "ingestion", DEST_E "/run-e-2__part_0_0001.parquet", "BilledCost"),
        0);
    char *id = hub_manifest_run(&hub, DEST_E);
    assert_string_equal(id, "run-e-2");
    free(id);

    /* Someone (an older hub, by hand) put the same scope and month under another casing. */
    const char *other = "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000E1/"
                        "manifest.json";
    hub_blob_put(&hub, "ingestion", other, "{}", 2);
    put_manifest(land(SCOPE_E, "e", "run-e-3", "2024-02-03T00:00:00Z", true, 10, 0));
    r = ingest("--scope", SCOPE_E, NULL, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 conflicts"));
    assert_non_null(strstr(r.out, "already ingested under"));
    test_run_result_dispose(&r);
    id = hub_manifest_run(&hub, DEST_E);
    assert_string_equal(id, "run-e-2");
    free(id);
    arm_error err;
    assert_int_equal(arm_blob_delete(hub.blob, "ingestion", other, NULL, &err), ARM_OK);
}

/* The folder `run --once` handed the current month to (test 0), or "" when none. */
static void current_month_folder(char *out, size_t size)
{
    char names[16384];
    hub_blob_list(&hub, "ingestion", "Costs/", names, sizeof names);
    out[0] = '\0';
    for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "/00000000-0000-0000-0000-00000000000a/manifest.json") &&
            strncmp(line, "Costs/2024/01/", 14) != 0) {
            snprintf(out, size, "%.*s", (int)(strlen(line) - 14), line);
            return;
        }
}

/* The scheduled agent (`run` without --once) hands off after its tick, then stops on
 * SIGTERM. */
static void test_scheduled_agent_hands_off(void **state)
{
    (void)state;
    state_number = 8;
    char folder[512];
    current_month_folder(folder, sizeof folder);
    assert_true(folder[0] != '\0');
    char *before = hub_manifest_run(&hub, folder);
    assert_non_null(before);
    hub_env env;
    handoff_env(&env);
    hub_env_set(&env, "HUBAGENT_LOG_FORMAT=json");
    char *argv[32];
    test_hubagent_argv((const char *[]){"run", "--no-online-check", NULL}, argv);
    test_process child;
    assert_int_equal(test_process_start(argv, env.vars, &child), 0);
    char *after = NULL;
    for (int i = 0; i < 600; i++) {
        free(after);
        after = hub_manifest_run(&hub, folder);
        if (after && strcmp(after, before) != 0)
            break;
        sleep_ms(100);
    }
    int status = test_process_stop(&child);
    size_t len = 0;
    char *log = test_read_file(child.stderr_path, &len);
    test_process_dispose(&child);
    test_hubagent_argv_free(argv);
    assert_non_null(after);
    if (strcmp(after, before) == 0)
        fprintf(stderr, "%s\n", log ? log : "");
    assert_string_not_equal(after, before); /* a new run of the month replaced the old one */
    assert_non_null(strstr(log, "Hand-off: "));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(log);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_once_hands_off_after_the_tick),
        cmocka_unit_test(test_mock_runs_handed_off_and_replaced),
        cmocka_unit_test(test_late_and_duplicated_manifests_are_ignored),
        cmocka_unit_test(test_missing_blob_waits_then_reports),
        cmocka_unit_test(test_bad_files_are_quarantined),
        cmocka_unit_test(test_hub_data_loss_cases),
        cmocka_unit_test(test_scheduled_agent_hands_off),
    };
    return cmocka_run_group_tests(tests, handoff_setup, handoff_teardown);
}
