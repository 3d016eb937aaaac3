/* What the hand-off suites share (see handoff_fixture.h). */
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

hub_fixture hub;
char *token, *settings_path;
int state_number;
char *keep_settings;

int handoff_setup(void **state)
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

int handoff_teardown(void **state)
{
    (void)state;
    free(token);
    free(settings_path);
    return hub_fixture_stop(&hub);
}

/* ---- Helpers ----------------------------------------------------------------------------- */

/* The environment of every hubagent here: the hub, hub "Demo", costs only, the test's state. */
void handoff_env(hub_env *env)
{
    char state[600];
    snprintf(state, sizeof state, "%s/state-%d.db", hub.dir, state_number);
    hub_env_init(env, &hub, keep_settings ? keep_settings : settings_path, state);
    hub_env_set(env, "HUBAGENT_DATASETS=costs");
    hub_env_set(env, "HUBAGENT_WATCH=120");
}

test_run_result hubagent(const char *command, const char *a1, const char *a2, const char *a3,
                         const char *a4)
{
    hub_env env;
    handoff_env(&env);
    return test_hubagent_run((const char *[]){command, a1, a2, a3, a4, NULL}, env.vars);
}

test_run_result ingest(const char *a1, const char *a2, const char *a3, const char *a4)
{
    return hubagent("ingest", a1, a2, a3, a4);
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Creates an export at T_SUB, runs it for January 2024 and waits for it; returns its run id. */
char *mock_run(const char *name, const char *extra)
{
    long created = hub_export_create_and_run(&hub, token, name, extra);
    assert_true(created == 201 || created == 200);
    json_t *run = hub_export_wait_run(&hub, token, name);
    const char *status =
        json_string_value(json_object_get(json_object_get(run, "properties"), "status"));
    assert_non_null(status);
    assert_string_equal(status, "Completed");
    char *id = strdup(json_string_value(json_object_get(run, "name")));
    json_decref(run);
    return id;
}

/* Lands a run the way Cost Management does, minus the manifest (returned, to upload with
 * put_manifest once a test has shaped it). Files are FocusCost 1.0r2 of January 2024. */
json_t *land_dataset(const char *scope, const char *export_name, const char *run_id,
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

json_t *land(const char *scope, const char *export_name, const char *run_id, const char *submitted,
             bool parquet, uint64_t rows, uint64_t per_file)
{
    return land_dataset(scope, export_name, run_id, submitted, parquet, rows, per_file, "FocusCost",
                        "1.0r2", NULL);
}

void put_manifest(json_t *m)
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

const char *blob_name(json_t *m, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(m, "blobs"), i), "blobName"));
}
