/* The worker thread: starts scheduled runs when due, and lands a completed run's files
 * where Cost Management puts them:
 * {container}/{rootFolderPath}/{exportName}/{YYYYMMDD-YYYYMMDD}/{runId}/part_… then
 * manifest.json last, through the project's Blob client (arm/) with data from focus/. */
#include "mock-server/mock_int.h"

#include "arm/blob.h"
#include "focus/focus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a landing needs, copied out of the shared state so the upload runs unlocked. */
typedef struct landing_job {
    char *run_id;
    char *export_name;
    char *export_id;
    char *scope_id;
    char *agreement;
    char *api_version;
    json_t *settings;
    json_t *run_json;
    mock_storage_account storage; /* borrowed strings */
    long rows;
    long max_rows_per_file;
    char folder[1200];
    char *container;
} landing_job;

typedef struct upload_context {
    arm_blob_client *blob;
    const char *container;
    const char *folder;
    json_t *blobs;
    char message[600];
} upload_context;

static focus_status upload_file(void *ctx, const focus_export_file *file, focus_error *error)
{
    upload_context *u = ctx;
    char blob_name[1400];
    mock_format(blob_name, sizeof blob_name, "%s/%s", u->folder, file->name);
    arm_blob_source source = {.path = file->path, .length = file->byte_count};
    arm_error err;
    memset(&err, 0, sizeof err);
    arm_status status =
        arm_blob_put(u->blob, u->container, blob_name, &source, NULL, NULL, NULL, &err);
    if (status != ARM_OK) {
        mock_format(error->message, sizeof error->message, "uploading %s: %s", blob_name,
                    err.message);
        return FOCUS_IO;
    }
    json_array_append_new(u->blobs, json_pack("{s:s, s:I, s:I}", "blobName", blob_name, "byteCount",
                                              (json_int_t)file->byte_count, "dataRowCount",
                                              (json_int_t)file->data_row_count));
    return FOCUS_OK;
}

static const char *get_text(json_t *json, const char *a, const char *b, const char *c,
                            const char *d)
{
    json_t *v = json_object_get(json, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    if (d)
        v = json_object_get(v, d);
    return json_string_value(v);
}

static json_t *manifest(const landing_job *job, json_t *blobs, uint64_t bytes, uint64_t rows)
{
    json_t *s = job->settings;
    json_t *run = json_object_get(job->run_json, "properties");
    const char *compression = get_text(s, "compressionMode", NULL, NULL, NULL);
    json_t *partition = json_object_get(s, "partitionData");
    json_t *out = json_pack(
        "{s:s, s:I, s:i, s:I, s:{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?}, "
        "s:{s:b, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s?, s:s, s:s?, s:s?}, s:O}",
        "manifestVersion", "2024-04-01", "byteCount", (json_int_t)bytes, "blobCount",
        (int)json_array_size(blobs), "dataRowCount", (json_int_t)rows, "exportConfig", "exportName",
        job->export_name, "resourceId", job->export_id, "dataVersion",
        get_text(s, "definition", "dataSet", "configuration", "dataVersion"), "apiVersion",
        job->api_version, "type", get_text(s, "definition", "type", NULL, NULL), "timeFrame",
        get_text(s, "definition", "timeframe", NULL, NULL), "granularity",
        get_text(s, "definition", "dataSet", "granularity", NULL), "deliveryConfig",
        "partitionData", partition == NULL || json_is_true(partition), "dataOverwriteBehavior",
        get_text(s, "dataOverwriteBehavior", NULL, NULL, NULL)
            ? get_text(s, "dataOverwriteBehavior", NULL, NULL, NULL)
            : "CreateNewReport",
        "fileFormat",
        get_text(s, "format", NULL, NULL, NULL) ? get_text(s, "format", NULL, NULL, NULL) : "Csv",
        "containerUri", job->storage.resource_id, "rootFolderPath",
        get_text(s, "deliveryInfo", "destination", "rootFolderPath", NULL)
            ? get_text(s, "deliveryInfo", "destination", "rootFolderPath", NULL)
            : "",
        "compressionMode", compression ? compression : "None", "runInfo", "executionType",
        get_text(run, "executionType", NULL, NULL, NULL), "submittedTime",
        get_text(run, "submittedTime", NULL, NULL, NULL), "runId", job->run_id, "startDate",
        get_text(run, "startDate", NULL, NULL, NULL), "endDate",
        get_text(run, "endDate", NULL, NULL, NULL), "blobs", blobs);
    return out;
}

/* Generates and uploads the files; returns false with a message for the run's error. */
static bool land(const landing_job *job, char *message, size_t size)
{
    const char *format = get_text(job->settings, "format", NULL, NULL, NULL);
    const char *compression = get_text(job->settings, "compressionMode", NULL, NULL, NULL);
    const char *from = get_text(job->run_json, "properties", "startDate", NULL, NULL);
    int year = 0, month = 0;
    if (from == NULL || sscanf(from, "%4d-%2d", &year, &month) != 2) {
        mock_format(message, size, "the run has no start date");
        return false;
    }
    arm_http_options http_options = arm_http_options_default();
    arm_http_client *http = NULL;
    arm_blob_client *blob = NULL;
    arm_error err;
    memset(&err, 0, sizeof err);
    arm_blob_options blob_options = arm_blob_options_default();
    blob_options.endpoint = job->storage.endpoint;
    blob_options.account = job->storage.account;
    blob_options.shared_key = job->storage.key;
    if (arm_http_client_new(&http_options, &http, &err) != ARM_OK ||
        arm_blob_client_new(http, &blob_options, &blob, &err) != ARM_OK ||
        arm_blob_create_container(blob, job->container, NULL, &err) != ARM_OK) {
        mock_format(message, size, "storage account %s: %s", job->storage.resource_id, err.message);
        arm_blob_client_free(blob);
        arm_http_client_free(http);
        return false;
    }
    char directory[] = "/tmp/hubagent-mock-landing-XXXXXX";
    upload_context upload = {
        .blob = blob, .container = job->container, .folder = job->folder, .blobs = json_array()};
    focus_export_options options = focus_export_options_default();
    options.scope = job->scope_id;
    options.year = year;
    options.month = month;
    options.dataset = get_text(job->settings, "definition", "type", NULL, NULL);
    options.version =
        get_text(job->settings, "definition", "dataSet", "configuration", "dataVersion");
    options.variant = job->agreement && strcmp(job->agreement, "MCA") == 0 ? "MCA" : "EA";
    options.format =
        format && strcmp(format, "Parquet") == 0 ? FOCUS_FORMAT_PARQUET : FOCUS_FORMAT_CSV;
    options.compression = compression && strcmp(compression, "gzip") == 0 ? FOCUS_COMPRESSION_GZIP
                          : compression && strcmp(compression, "snappy") == 0
                              ? FOCUS_COMPRESSION_SNAPPY
                              : FOCUS_COMPRESSION_NONE;
    options.rows = (uint64_t)job->rows;
    options.max_rows_per_file = (uint64_t)job->max_rows_per_file;
    options.sink = upload_file;
    options.sink_context = &upload;
    focus_export_result result;
    memset(&result, 0, sizeof result);
    focus_error ferr;
    focus_error_init(&ferr);
    bool ok = mkdtemp(directory) != NULL;
    if (!ok) {
        mock_format(message, size, "cannot make a temporary folder: %s", strerror(errno));
    } else {
        options.directory = directory;
        if (options.version == NULL) {
            mock_format(message, size, "the export has no dataVersion to generate data for");
            ok = false;
        } else if (focus_export_month(&options, &result, &ferr) != FOCUS_OK) {
            mock_format(message, size, "generating %s %s files: %s", options.dataset,
                        options.version, ferr.message);
            ok = false;
        }
        rmdir(directory);
    }
    if (ok) {
        /* The manifest goes last: ingestion triggers on it. */
        json_t *m = manifest(job, upload.blobs, result.byte_count, result.data_row_count);
        char *text = json_dumps(m, JSON_INDENT(2));
        char name[1400];
        mock_format(name, sizeof name, "%s/manifest.json", job->folder);
        arm_blob_source source = {
            .data = text, .data_len = text ? strlen(text) : 0, .length = text ? strlen(text) : 0};
        if (text == NULL || arm_blob_put(blob, job->container, name, &source, "application/json",
                                         NULL, NULL, &err) != ARM_OK) {
            mock_format(message, size, "uploading the manifest: %s", err.message);
            ok = false;
        }
        free(text);
        json_decref(m);
    }
    focus_export_result_dispose(&result);
    json_decref(upload.blobs);
    arm_blob_client_free(blob);
    arm_http_client_free(http);
    return ok;
}

static void job_dispose(landing_job *job)
{
    free(job->run_id);
    free(job->export_name);
    free(job->export_id);
    free(job->scope_id);
    free(job->agreement);
    free(job->api_version);
    free(job->container);
    json_decref(job->settings);
    json_decref(job->run_json);
}

/* Picks one run that is due for landing and copies what the upload needs. */
static bool next_job(mock_server *server, landing_job *job)
{
    for (size_t i = 0; i < server->export_count; i++) {
        mock_export *e = &server->exports[i];
        for (size_t j = 0; j < e->run_count; j++) {
            mock_export_run *run = &e->runs[j];
            if (run->landing || run->landed || strcmp(mock_run_phase(server, run), "Landing") != 0)
                continue;
            const char *resource_id =
                get_text(run->settings, "deliveryInfo", "destination", "resourceId", NULL);
            const mock_storage_account *storage =
                mock_config_find_storage(&server->config, resource_id);
            memset(job, 0, sizeof *job);
            job->storage = *storage;
            job->run_id = strdup(run->run_id);
            job->export_name = strdup(e->name);
            char id[1400];
            mock_format(id, sizeof id, "%s/providers/Microsoft.CostManagement/exports/%s",
                        e->scope_id, e->name);
            job->export_id = strdup(id);
            job->scope_id = strdup(e->scope_id);
            const mock_scope *scope = mock_config_find_scope(&server->config, e->scope_id);
            job->agreement = scope && scope->agreement ? strdup(scope->agreement) : NULL;
            job->api_version = strdup(e->api_version);
            job->settings = json_deep_copy(run->settings);
            job->run_json = mock_run_to_json(server, e, run);
            job->container =
                strdup(get_text(run->settings, "deliveryInfo", "destination", "container", NULL));
            job->rows = server->runs.rows;
            job->max_rows_per_file = server->runs.max_rows_per_file;
            mock_run_folder(e, run, job->folder, sizeof job->folder);
            run->landing = true;
            return true;
        }
    }
    return false;
}

static void finish_job(mock_server *server, const landing_job *job, bool ok, const char *message)
{
    for (size_t i = 0; i < server->export_count; i++) {
        mock_export *e = &server->exports[i];
        for (size_t j = 0; j < e->run_count; j++) {
            mock_export_run *run = &e->runs[j];
            if (strcmp(run->run_id, job->run_id) != 0)
                continue;
            run->landed = true;
            run->landing = false;
            if (!ok) {
                free(run->forced_outcome);
                run->forced_outcome = strdup("Failed");
                free(run->failure);
                run->failure = strdup(message);
            }
            return;
        }
    }
}

static void *landing_main(void *arg)
{
    mock_server *server = arg;
    pthread_mutex_lock(&server->lock);
    while (!server->stopping) {
        mock_exports_schedule(server);
        landing_job job;
        if (next_job(server, &job)) {
            pthread_mutex_unlock(&server->lock);
            char message[600] = "";
            bool ok = land(&job, message, sizeof message);
            pthread_mutex_lock(&server->lock);
            finish_job(server, &job, ok, message);
            job_dispose(&job);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&server->wake, &server->lock, &until);
    }
    pthread_mutex_unlock(&server->lock);
    return NULL;
}

bool mock_landing_start(mock_server *server)
{
    pthread_cond_init(&server->wake, NULL);
    server->landing_started =
        pthread_create(&server->landing_thread, NULL, landing_main, server) == 0;
    return server->landing_started;
}

void mock_landing_stop(mock_server *server)
{
    if (!server->landing_started)
        return;
    pthread_mutex_lock(&server->lock);
    server->stopping = true;
    pthread_cond_signal(&server->wake);
    pthread_mutex_unlock(&server->lock);
    pthread_join(server->landing_thread, NULL);
    pthread_cond_destroy(&server->wake);
    server->landing_started = false;
}
