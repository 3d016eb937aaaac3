/* Benchmark: the hand-off of a landed month against Azurite. (1) A Parquet month (default
 * 1024 MiB): bytes that pass through the agent (goal 0: only footers) and wall time, next to
 * the yardstick of downloading the same bytes. (2) CSV.gz → Parquet conversion at two sizes:
 * throughput and peak RSS (goal: flat), next to downloading the same CSV bytes.
 * Each hand-off runs in its own child so its peak RSS is measured alone. One JSON line each.
 * Usage: handoff_bench [PARQUET_MiB] [CSV_ROWS]   (build tree; needs tools/npm/node_modules). */
#include "agent/handoff.h"
#include "focus/focus.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static test_azurite azurite;
static arm_http_client *http;
static arm_blob_client *blob;
static char *work;

typedef struct landed {
    uint64_t bytes, rows;
    size_t files;
    char folder[256];
} landed;

typedef struct upload_ctx {
    const char *folder;
    json_t *blobs;
    landed *out;
} upload_ctx;

static focus_status upload(void *ctx, const focus_export_file *file, focus_error *error)
{
    upload_ctx *u = ctx;
    char name[512];
    snprintf(name, sizeof name, "%s/%s", u->folder, file->name);
    arm_blob_source source = {.path = file->path, .length = file->byte_count};
    arm_error err;
    if (arm_blob_put(blob, "msexports", name, &source, NULL, NULL, NULL, &err) != ARM_OK) {
        snprintf(error->message, sizeof error->message, "upload %.200s: %.250s", name, err.message);
        return FOCUS_IO;
    }
    json_array_append_new(u->blobs, json_pack("{s:s, s:I, s:I}", "blobName", name, "byteCount",
                                              (json_int_t)file->byte_count, "dataRowCount",
                                              (json_int_t)file->data_row_count));
    u->out->bytes += file->byte_count;
    u->out->rows += file->data_row_count;
    u->out->files++;
    return FOCUS_OK;
}

/* Lands a FocusCost 1.0r2 month of `rows` rows (files of at most 128 MiB) with its manifest. */
static int land(const char *scope, const char *run, bool parquet, uint64_t rows, landed *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->folder, sizeof out->folder, "bench/%s/20240101-20240131/%s", run, run);
    upload_ctx u = {.folder = out->folder, .blobs = json_array(), .out = out};
    focus_export_options o = focus_export_options_default();
    o.scope = scope;
    o.year = 2024;
    o.month = 1;
    o.dataset = "FocusCost";
    o.version = "1.0r2";
    o.format = parquet ? FOCUS_FORMAT_PARQUET : FOCUS_FORMAT_CSV;
    o.compression = parquet ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_GZIP;
    o.rows = rows;
    o.max_bytes_per_file = 128u << 20;
    o.directory = work;
    o.sink = upload;
    o.sink_context = &u;
    focus_export_result result;
    focus_error ferr;
    focus_error_init(&ferr);
    if (focus_export_month(&o, &result, &ferr) != FOCUS_OK) {
        fprintf(stderr, "landing: %s\n", ferr.message);
        json_decref(u.blobs);
        return -1;
    }
    focus_export_result_dispose(&result);
    char resource[512], name[512];
    snprintf(resource, sizeof resource, "%s/providers/Microsoft.CostManagement/exports/%s", scope,
             run);
    json_t *m = json_pack("{s:I, s:I, s:I, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:o}",
                          "byteCount", (json_int_t)out->bytes, "blobCount", (json_int_t)out->files,
                          "dataRowCount", (json_int_t)out->rows, "exportConfig", "exportName", run,
                          "resourceId", resource, "dataVersion", "1.0r2", "type", "FocusCost",
                          "runInfo", "runId", run, "submittedTime", "2024-02-01T00:00:00Z",
                          "startDate", "2024-01-01T00:00:00", "blobs", u.blobs);
    char *text = json_dumps(m, 0);
    json_decref(m);
    snprintf(name, sizeof name, "%s/manifest.json", out->folder);
    arm_blob_source source = {.data = text, .data_len = strlen(text), .length = strlen(text)};
    arm_error err;
    int rc =
        arm_blob_put(blob, "msexports", name, &source, NULL, NULL, NULL, &err) == ARM_OK ? 0 : -1;
    free(text);
    return rc;
}

typedef struct measured {
    double seconds;
    long max_rss_kib;
    agent_handoff_report report;
    int ok;
} measured;

/* One hand-off pass of `scope` in a child process; the report comes back through a pipe. */
static measured handoff_child(const char *scope, int state_index)
{
    measured m = {0};
    int fds[2];
    if (pipe(fds) != 0)
        return m;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char state_path[600];
        snprintf(state_path, sizeof state_path, "%s/state-%d.db", work, state_index);
        agent_state *state = NULL;
        agent_state_error state_error = {0};
        if (agent_state_open(state_path, NULL, &state, &state_error) != AGENT_STATE_OK)
            _exit(1);
        agent_handoff_options o = agent_handoff_options_default();
        o.scope = scope;
        o.temp_dir = work;
        o.retention_days = 1; /* keep the sources: the yardstick downloads them next */
        agent_handoff_report report;
        agent_handoff_error error;
        agent_handoff_error_init(&error);
        agent_handoff_status st = agent_handoff_run(blob, state, &o, NULL, &report, &error);
        agent_state_free(state);
        if (st != AGENT_HANDOFF_OK)
            fprintf(stderr, "hand-off: %s\n", error.message);
        ssize_t written = write(fds[1], &report, sizeof report);
        _exit(st == AGENT_HANDOFF_OK && written == (ssize_t)sizeof report ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], &m.report, sizeof m.report);
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    m.seconds = now_s() - t0;
    m.max_rss_kib = ru.ru_maxrss;
    m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == (ssize_t)sizeof m.report &&
           m.report.handed_off == 1;
    return m;
}

/* Yardstick: the run's bytes downloaded to /dev/null by the same Blob client. */
static double download_seconds(const landed *l)
{
    arm_blob_list_page page;
    arm_blob_list_page_init(&page);
    arm_error err;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s/part_", l->folder);
    double t0 = now_s();
    if (arm_blob_list(blob, "msexports", prefix, NULL, 0, &page, &err) == ARM_OK)
        for (size_t i = 0; i < page.count; i++) {
            char path[600];
            snprintf(path, sizeof path, "%s/yardstick", work);
            arm_blob_sink sink = {.path = path};
            arm_blob_get(blob, "msexports", page.items[i].name, &sink, NULL, NULL, &err);
            unlink(path);
        }
    arm_blob_list_page_dispose(&page);
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    long parquet_mib = argc > 1 ? atol(argv[1]) : 1024;
    long csv_rows = argc > 2 ? atol(argv[2]) : 200000;
    if (test_azurite_start(&azurite) != 0)
        return 1;
    work = test_make_temp_dir();
    arm_blob_options o = arm_blob_options_default();
    o.endpoint = azurite.endpoint;
    o.shared_key = TEST_AZURITE_KEY;
    arm_error err;
    arm_error_init(&err);
    int rc = 1;
    if (arm_http_client_new(NULL, &http, &err) != ARM_OK ||
        arm_blob_client_new(http, &o, &blob, &err) != ARM_OK ||
        arm_blob_create_container(blob, "msexports", NULL, &err) != ARM_OK)
        goto done;
    /* ~130 bytes a synthetic FOCUS row in Parquet/Snappy (measured): aim at the size asked for. */
    landed parquet;
    if (land("/subscriptions/bench-parquet", "parquet", true,
             (uint64_t)parquet_mib * 1048576u / 130u, &parquet) != 0)
        goto done;
    measured p = handoff_child("/subscriptions/bench-parquet", 1);
    double yard = download_seconds(&parquet);
    printf("{\"bench\":\"handoff_parquet\",\"ok\":%s,\"files\":%zu,\"bytes\":%llu,"
           "\"bytes_through_agent\":%llu,\"bytes_copied_server_side\":%llu,\"seconds\":%.2f,"
           "\"max_rss_kib\":%ld,\"yardstick_download_seconds\":%.2f}\n",
           p.ok ? "true" : "false", parquet.files, (unsigned long long)parquet.bytes,
           (unsigned long long)p.report.bytes_downloaded, (unsigned long long)p.report.bytes_copied,
           p.seconds, p.max_rss_kib, yard);
    rc = p.ok ? 0 : 1;
    for (int scale = 1; scale <= 4 && rc == 0; scale *= 4) {
        char scope[64], run[32];
        snprintf(scope, sizeof scope, "/subscriptions/bench-csv-%d", scale);
        snprintf(run, sizeof run, "csv%d", scale);
        landed csv;
        if (land(scope, run, false, (uint64_t)csv_rows * (uint64_t)scale, &csv) != 0) {
            rc = 1;
            break;
        }
        measured c = handoff_child(scope, 1 + scale);
        yard = download_seconds(&csv);
        printf("{\"bench\":\"handoff_csv\",\"ok\":%s,\"rows\":%llu,\"csv_gz_bytes\":%llu,"
               "\"seconds\":%.2f,\"rows_per_second\":%.0f,\"max_rss_kib\":%ld,"
               "\"yardstick_download_seconds\":%.2f}\n",
               c.ok ? "true" : "false", (unsigned long long)csv.rows, (unsigned long long)csv.bytes,
               c.seconds, c.seconds > 0 ? (double)csv.rows / c.seconds : 0.0, c.max_rss_kib, yard);
        rc = c.ok ? 0 : 1;
    }
done:
    if (rc != 0 && err.message[0])
        fprintf(stderr, "%s\n", err.message);
    arm_blob_client_free(blob);
    arm_http_client_free(http);
    test_azurite_stop(&azurite);
    test_remove_tree(work);
    free(work);
    return rc;
}
