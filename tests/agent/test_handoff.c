/* hubagent ingest end to end against the mock and a real Azurite: runs land (through the
 * mock, or written here like Cost Management writes them), the hand-off places them in the
 * hub's ingestion layout byte-identical (Parquet) or converted (CSV), a newer run of a month
 * replaces the older completely, late and duplicated manifests are ignored, missing blobs
 * wait then are reported, corrupt files are quarantined, kill -9 midway converges, and
 * retention deletes only processed source data. */
#include "hub_check.h"

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

static hub_fixture hub;
static char *token, *settings_path;
static int state_number;
static char *keep_settings; /* when set: a settings.json with retention.msexports.days 7 */

#define EXPORTS  T_SUB "/providers/Microsoft.CostManagement/exports"
#define SUB_DEST "Costs/2024/01/subscriptions/00000000-0000-0000-0000-00000000000a"

static int setup(void **state)
{
    (void)state;
    if (hub_fixture_start(NULL, &hub) != 0)
        return -1;
    token = mock_token(&hub.mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    settings_path =
        hub_write(&hub, "settings.json",
                  "{\"$schema\":\"https://aka.ms/finops/hubs/settings-schema\",\"type\":"
                  "\"HubInstance\",\"version\":\"14.0\",\"scopes\":[{\"scope\":\"" T_SUB
                  "\"}],\"retention\":{\"msexports\":{\"days\":0},\"ingestion\":{\"months\":13}}}");
    return token && settings_path ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(token);
    free(settings_path);
    return hub_fixture_stop(&hub);
}

/* ---- Helpers ----------------------------------------------------------------------------- */

/* The environment of every hubagent here: the hub, hub "Demo", costs only, the test's state. */
static void handoff_env(hub_env *env)
{
    char state[600];
    snprintf(state, sizeof state, "%s/state-%d.db", hub.dir, state_number);
    hub_env_init(env, &hub, keep_settings ? keep_settings : settings_path, state);
    hub_env_set(env, "HUBAGENT_DATASETS=costs");
    hub_env_set(env, "HUBAGENT_WATCH=120");
}

static test_run_result hubagent(const char *command, const char *a1, const char *a2, const char *a3,
                                const char *a4)
{
    hub_env env;
    handoff_env(&env);
    return test_hubagent_run((const char *[]){command, a1, a2, a3, a4, NULL}, env.vars);
}

static test_run_result ingest(const char *a1, const char *a2, const char *a3, const char *a4)
{
    return hubagent("ingest", a1, a2, a3, a4);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Creates an export at T_SUB, runs it for January 2024 and waits for it; returns its run id. */
static char *mock_run(const char *name, const char *extra)
{
    char *body = export_body("FocusCost", extra);
    char path[512];
    snprintf(path, sizeof path, EXPORTS "/%s?api-version=2025-03-01", name);
    http_result r;
    arm_call(&hub.mock, token, "PUT", path, body, &r);
    assert_true(r.status == 201 || r.status == 200);
    http_result_dispose(&r);
    free(body);
    snprintf(path, sizeof path, EXPORTS "/%s/run?api-version=2025-03-01", name);
    arm_call(&hub.mock, token, "POST", path,
             "{\"timePeriod\":{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-31T00:00:00Z\"}}",
             &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    snprintf(path, sizeof path, EXPORTS "/%s/runHistory?api-version=2025-03-01", name);
    for (int attempt = 0; attempt < 600; attempt++) {
        arm_call(&hub.mock, token, "GET", path, NULL, &r);
        json_t *run = json_array_get(json_object_get(r.json, "value"), 0);
        const char *status =
            json_string_value(json_object_get(json_object_get(run, "properties"), "status"));
        if (status && strcmp(status, "Completed") == 0) {
            char *id = strdup(json_string_value(json_object_get(run, "name")));
            http_result_dispose(&r);
            return id;
        }
        assert_true(status == NULL || strcmp(status, "Failed") != 0);
        http_result_dispose(&r);
        sleep_ms(50);
    }
    fail_msg("the run of %s never completed", name);
    return NULL;
}

/* Lands a run the way Cost Management does, minus the manifest (returned, to upload with
 * put_manifest once a test has shaped it). Files are FocusCost 1.0r2 of January 2024. */
static json_t *land_dataset(const char *scope, const char *export_name, const char *run_id,
                            const char *submitted, bool parquet, uint64_t rows, uint64_t per_file,
                            const char *dataset, const char *version, const char *variant)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/land-%s", hub.dir, run_id);
    char *mk[] = {"/bin/mkdir", "-p", dir, NULL};
    assert_int_equal(test_run_command(mk, NULL, NULL, NULL, NULL), 0);
    focus_export_options options = focus_export_options_default();
    options.scope = scope;
    options.year = 2024;
    options.month = 1;
    options.dataset = dataset;
    options.version = version;
    options.variant = variant;
    options.format = parquet ? FOCUS_FORMAT_PARQUET : FOCUS_FORMAT_CSV;
    options.compression = parquet ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_GZIP;
    options.rows = rows;
    options.max_rows_per_file = per_file;
    options.directory = dir;
    options.keep_files = true;
    focus_export_result result;
    focus_error ferr;
    focus_error_init(&ferr);
    assert_int_equal(focus_export_month(&options, &result, &ferr), FOCUS_OK);
    char folder[512];
    snprintf(folder, sizeof folder, "hub/%s/20240101-20240131/%s", export_name, run_id);
    json_t *blobs = json_array();
    for (size_t i = 0; i < result.file_count; i++) {
        size_t len = 0;
        char *data = test_read_file(result.files[i].path, &len);
        char name[700];
        snprintf(name, sizeof name, "%s/%s", folder, result.files[i].name);
        hub_blob_put(&hub, "msexports", name, data, len);
        free(data);
        json_array_append_new(blobs,
                              json_pack("{s:s, s:I, s:I}", "blobName", name, "byteCount",
                                        (json_int_t)result.files[i].byte_count, "dataRowCount",
                                        (json_int_t)result.files[i].data_row_count));
    }
    char resource[600];
    snprintf(resource, sizeof resource, "%s/providers/Microsoft.CostManagement/exports/%s", scope,
             export_name);
    json_t *m = json_pack(
        "{s:s, s:I, s:I, s:I, s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:o, s:s}",
        "manifestVersion", "2024-04-01", "byteCount", (json_int_t)result.byte_count, "blobCount",
        (json_int_t)result.file_count, "dataRowCount", (json_int_t)result.data_row_count,
        "exportConfig", "exportName", export_name, "resourceId", resource, "dataVersion", version,
        "apiVersion", "2023-07-01-preview", "type", dataset, "runInfo", "executionType", "OnDemand",
        "submittedTime", submitted, "runId", run_id, "startDate", "2024-01-01T00:00:00", "blobs",
        blobs, "folder", folder);
    focus_export_result_dispose(&result);
    return m;
}

static json_t *land(const char *scope, const char *export_name, const char *run_id,
                    const char *submitted, bool parquet, uint64_t rows, uint64_t per_file)
{
    return land_dataset(scope, export_name, run_id, submitted, parquet, rows, per_file, "FocusCost",
                        "1.0r2", NULL);
}

static void put_manifest(json_t *m)
{
    char name[700];
    snprintf(name, sizeof name, "%s/manifest.json",
             json_string_value(json_object_get(m, "folder")));
    json_object_del(m, "folder");
    char *text = json_dumps(m, JSON_INDENT(2));
    hub_blob_put(&hub, "msexports", name, text, strlen(text));
    free(text);
    json_decref(m);
}

static const char *blob_name(json_t *m, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(m, "blobs"), i), "blobName"));
}

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

#define SCOPE_F "/subscriptions/00000000-0000-0000-0000-0000000000f1"
#define DEST_F  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000f1"

/* kill -9 in the middle of a hand-off, then a rerun: the folder ends with exactly the new
 * run's files and its manifest. */
static void test_kill_midway_then_rerun_converges(void **state)
{
    (void)state;
    state_number = 6;
    put_manifest(land(SCOPE_F, "f", "run-f-1", "2024-02-01T00:00:00Z", true, 20, 0));
    test_run_result r = ingest("--scope", SCOPE_F, NULL, NULL);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);
    put_manifest(land(SCOPE_F, "f", "run-f-2", "2024-02-02T00:00:00Z", false, 6000, 500));

    hub_env env;
    handoff_env(&env);
    char *argv[32];
    test_hubagent_argv((const char *[]){"ingest", "--scope", SCOPE_F, NULL}, argv);
    test_process child;
    assert_int_equal(test_process_start(argv, env.vars, &child), 0);
    char names[16384];
    bool seen = false;
    for (int i = 0; i < 2000 && !seen; i++) {
        hub_blob_list(&hub, "ingestion", DEST_F "/run-f-2__", names, sizeof names);
        seen = names[0] != '\0';
        if (!seen)
            sleep_ms(5);
    }
    kill(child.pid, SIGKILL);
    int killed = test_process_stop(&child);
    test_process_dispose(&child);
    test_hubagent_argv_free(argv);
    assert_true(seen);
    /* It really died midway, not after finishing. */
    assert_true(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL);
    r = ingest("--scope", SCOPE_F, NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_F "/", names, sizeof names), 13);
    assert_null(strstr(names, "run-f-1"));
    char *id = hub_manifest_run(&hub, DEST_F);
    assert_string_equal(id, "run-f-2");
    free(id);
    int64_t rows = 0;
    for (int part = 1; part <= 12; part++) {
        char name[300];
        snprintf(name, sizeof name, DEST_F "/run-f-2__part_0_%04d.parquet", part);
        rows += hub_parquet_rows(&hub, "ingestion", name, NULL);
    }
    assert_int_equal(rows, 6000);
}

#define SCOPE_G "/subscriptions/00000000-0000-0000-0000-0000000000a7"

/* retention.msexports.days > 0: the hub keeps source data, so does the hand-off. */
static void test_retention_days_keep_sources(void **state)
{
    (void)state;
    state_number = 7;
    static const char settings[] =
        "{\"$schema\":\"https://aka.ms/finops/hubs/settings-schema\",\"type\":\"HubInstance\","
        "\"version\":\"14.0\",\"scopes\":[{\"scope\":\"" T_SUB "\"}],\"retention\":{"
        "\"msexports\":{\"days\":7},\"ingestion\":{\"months\":13}}}";
    char path[600];
    snprintf(path, sizeof path, "%s/settings-keep.json", hub.dir);
    test_write_file(path, settings, strlen(settings));
    keep_settings = path;
    put_manifest(land(SCOPE_G, "g", "run-g-1", "2024-02-01T00:00:00Z", true, 10, 0));
    test_run_result r = ingest("--scope", SCOPE_G, NULL, NULL);
    keep_settings = NULL;
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off"));
    assert_non_null(strstr(r.out, "0 source blobs deleted by retention"));
    test_run_result_dispose(&r);
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));

    /* A manifest listing another run's file is refused: retention must never reach it. */
    json_t *m = land(SCOPE_G, "g", "run-g-2", "2024-02-02T00:00:00Z", true, 10, 0);
    json_object_set_new(json_array_get(json_object_get(m, "blobs"), 0), "blobName",
                        json_string("hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));
    put_manifest(m);
    keep_settings = path;
    r = ingest("--scope", SCOPE_G, NULL, NULL);
    keep_settings = NULL;
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 invalid"));
    assert_non_null(strstr(r.out, "is not in the manifest's folder"));
    test_run_result_dispose(&r);
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));
    arm_error err; /* the later tests start from new states: leave them no bad manifest */
    assert_int_equal(arm_blob_delete(hub.blob, "msexports",
                                     "hub/g/20240101-20240131/run-g-2/manifest.json", NULL, &err),
                     ARM_OK);
}

#define SCOPE_H "/subscriptions/00000000-0000-0000-0000-0000000000a8"
#define FACTORY                                                                                    \
    T_SUB "/resourceGroups/rg-hub/providers/Microsoft.DataFactory/factories/demo-engine-x"
#define FACTORIES "/providers/Microsoft.DataFactory/factories/demo-engine-x"

/* --handoff adf: the hub's own msexports_ExecuteETL is started with what its blob trigger
 * passes, and followed to its end; the agent places nothing itself. */
static void test_data_factory_handoff(void **state)
{
    (void)state;
    state_number = 9;
    test_run_result r = ingest("--handoff", "adf", NULL, NULL);
    assert_int_equal(r.code, 1); /* no factory given, and no hub name to find it by */
    assert_non_null(strstr(r.err, "--data-factory-id"));
    test_run_result_dispose(&r);
    r = ingest("--handoff", "dfs", NULL, NULL);
    assert_int_equal(r.code, 2);
    test_run_result_dispose(&r);
    put_manifest(land(SCOPE_H, "h", "run-h-1", "2024-02-01T00:00:00Z", true, 10, 0));
    hub_env env;
    handoff_env(&env);
    hub_env_set(&env, "HUBAGENT_DATA_FACTORY_ID=%s", FACTORY);
    r = test_hubagent_run((const char *[]){"ingest", "--scope", SCOPE_H, "--handoff", "adf", NULL},
                          env.vars);
    assert_true(test_run_expect(&r, 0));
    assert_non_null(strstr(r.out, "1 handed off"));
    assert_non_null(strstr(r.err, "msexports_ExecuteETL run"));
    test_run_result_dispose(&r);
    char url[300];
    snprintf(url, sizeof url, "%s/admin/pipelineruns", hub.mock.admin);
    http_result h;
    http_call("GET", url, NULL, NULL, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(h.json), 1);
    json_t *run = json_array_get(h.json, 0);
    assert_string_equal(json_string_value(json_object_get(run, "pipelineName")),
                        "msexports_ExecuteETL");
    assert_string_equal(json_string_value(json_object_get(run, "status")), "Succeeded");
    json_t *parameters = json_object_get(run, "parameters");
    assert_string_equal(json_string_value(json_object_get(parameters, "folderPath")),
                        "msexports/hub/h/20240101-20240131/run-h-1");
    assert_string_equal(json_string_value(json_object_get(parameters, "fileName")),
                        "manifest.json");
    http_result_dispose(&h);
    /* The pipeline places the files, not the agent. */
    char names[1024];
    assert_int_equal(hub_blob_list(&hub, "ingestion",
                                   "Costs/2024/01/subscriptions/"
                                   "00000000-0000-0000-0000-0000000000a8/",
                                   names, sizeof names),
                     0);
    /* The mock checks names and parameters as the service would. */
    arm_call(&hub.mock, token, "POST",
             T_SUB "/resourceGroups/rg-hub" FACTORIES
                   "/pipelines/msexports_ExecuteETL/createRun?api-version=2018-06-01",
             "{\"folderPath\":\"hub/x\",\"fileName\":\"manifest.json\"}", &h);
    assert_int_equal(h.status, 400);
    http_result_dispose(&h);
    arm_call(&hub.mock, token, "POST",
             T_SUB "/resourceGroups/rg-hub" FACTORIES
                   "/pipelines/no_such_pipeline/createRun?api-version=2018-06-01",
             "{}", &h);
    assert_int_equal(h.status, 404);
    http_result_dispose(&h);
}

#define SCOPE_R "/subscriptions/00000000-0000-0000-0000-0000000000a9"

/* An MCA reservation recommendations CSV: the _mca schema is chosen from its header, the
 * columns get the hub's sink names, and the folder carries the export name (no slash). */
static void test_mca_recommendations_converted_and_renamed(void **state)
{
    (void)state;
    state_number = 10;
    put_manifest(land_dataset(SCOPE_R, "rec-mca", "run-r-1", "2024-02-01T00:00:00Z", false, 12, 0,
                              "ReservationRecommendations", "2023-05-01", "MCA"));
    test_run_result r = ingest("--scope", SCOPE_R, NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off (1 files, 1 converted)"));
    test_run_result_dispose(&r);
    const char *dest =
        "Recommendations/2024/01/subscriptions/00000000-0000-0000-0000-0000000000a9rec-mca";
    char name[300];
    snprintf(name, sizeof name, "%s/run-r-1__part_0_0001.parquet", dest);
    assert_int_equal(hub_parquet_rows(&hub, "ingestion", name, "NetSavingsJson"), 12);
    assert_int_equal(
        hub_parquet_rows(&hub, "ingestion", name, "TotalCostWithReservedInstancesJson"), 12);
    assert_int_equal(hub_parquet_rows(&hub, "ingestion", name, "SkuProperties"), 12);
    char *id = hub_manifest_run(&hub, dest);
    assert_string_equal(id, "run-r-1");
    free(id);
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
        cmocka_unit_test(test_kill_midway_then_rerun_converges),
        cmocka_unit_test(test_retention_days_keep_sources),
        cmocka_unit_test(test_scheduled_agent_hands_off),
        cmocka_unit_test(test_data_factory_handoff),
        cmocka_unit_test(test_mca_recommendations_converted_and_renamed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
