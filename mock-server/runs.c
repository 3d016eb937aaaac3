/* Export runs: submitted on POST …/run, then Queued → InProgress → an outcome as the
 * mock clock passes the configured delays (computed when read, no timer thread). */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static time_t day_start(time_t t)
{
    return t - t % 86400;
}

static time_t month_start(time_t t, int delta)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += delta;
    return timegm(&tm);
}

/* The data period a run without a timePeriod covers, from the export's timeframe. */
static void default_period(mock_server *server, json_t *definition, time_t *from, time_t *to)
{
    time_t now = (time_t)mock_now(server);
    const char *timeframe = json_string_value(json_object_get(definition, "timeframe"));
    json_t *period = json_object_get(definition, "timePeriod");
    if (timeframe && strcmp(timeframe, "Custom") == 0 &&
        mock_parse_time(json_string_value(json_object_get(period, "from")), from) &&
        mock_parse_time(json_string_value(json_object_get(period, "to")), to))
        return;
    if (timeframe &&
        (strcmp(timeframe, "TheLastMonth") == 0 || strcmp(timeframe, "TheLastBillingMonth") == 0)) {
        *from = month_start(now, -1);
        *to = month_start(now, 0) - 86400;
    } else if (timeframe && strcmp(timeframe, "TheCurrentMonth") == 0) {
        *from = month_start(now, 0);
        *to = month_start(now, 1) - 86400;
    } else if (timeframe && strcmp(timeframe, "WeekToDate") == 0) {
        struct tm tm;
        gmtime_r(&now, &tm);
        *from = day_start(now) - (time_t)((tm.tm_wday + 6) % 7) * 86400;
        *to = day_start(now);
    } else {
        *from = month_start(now, 0);
        *to = day_start(now);
    }
}

void mock_run_submit(mock_server *server, mock_export *export, const mock_principal *caller,
                     const char *from, const char *to, const char *forced_status)
{
    mock_export_run *grown = realloc(export->runs, (export->run_count + 1) * sizeof *grown);
    if (grown == NULL)
        return;
    export->runs = grown;
    mock_export_run *run = &grown[export->run_count++];
    memset(run, 0, sizeof *run);
    run->run_id = mock_guid();
    char id[1500];
    snprintf(id, sizeof id, "%s/providers/Microsoft.CostManagement/exports/%s/Run/%s",
             export->scope_id, export->name, run->run_id ? run->run_id : "");
    run->id = strdup(id);
    double now = mock_now(server);
    run->submitted = (time_t)now;
    run->submitted_ms = (long)((now - (double)run->submitted) * 1000);
    /* No caller: the scheduler started it, as the service's own runs say. */
    run->submitted_by = strdup(caller == NULL ? "System"
                               : caller->name ? caller->name
                                              : caller->object_id);
    run->execution_type = strdup(caller == NULL ? "Scheduled" : "OnDemand");
    json_t *props = json_object_get(export->body, "properties");
    time_t f, t;
    if (from == NULL || to == NULL || !mock_parse_time(from, &f) || !mock_parse_time(to, &t))
        default_period(server, json_object_get(props, "definition"), &f, &t);
    char text[40];
    mock_format_time(f, 0, false, text);
    run->from = strdup(text);
    mock_format_time(t, 0, false, text);
    run->to = strdup(text);
    run->forced_outcome = strdup(forced_status ? forced_status : server->runs.outcome);
    run->settings = json_deep_copy(props);
    /* Timing is fixed at submit so later admin changes affect only new runs. */
    json_object_set_new(run->settings, "mockQueuedMs", json_integer(server->runs.queued_ms));
    json_object_set_new(run->settings, "mockInProgressMs",
                        json_integer(server->runs.in_progress_ms));
}

static double elapsed_ms(mock_server *server, const mock_export_run *run)
{
    double submitted = (double)run->submitted + (double)run->submitted_ms / 1000.0;
    return (mock_now(server) - submitted) * 1000.0;
}

static long setting_ms(const mock_export_run *run, const char *key)
{
    return (long)json_integer_value(json_object_get(run->settings, key));
}

/* Runs land files only when their storage account says where it really is. */
static bool lands_files(const mock_server *server, const mock_export_run *run)
{
    const char *resource_id = json_string_value(json_object_get(
        json_object_get(json_object_get(run->settings, "deliveryInfo"), "destination"),
        "resourceId"));
    const mock_storage_account *storage = mock_config_find_storage(&server->config, resource_id);
    return storage != NULL && storage->endpoint != NULL && storage->key != NULL;
}

const char *mock_run_phase(mock_server *server, mock_export_run *run)
{
    double elapsed = elapsed_ms(server, run);
    long queued = setting_ms(run, "mockQueuedMs");
    long progress = setting_ms(run, "mockInProgressMs");
    if (elapsed < (double)queued)
        return "Queued";
    if (elapsed < (double)(queued + progress))
        return "InProgress";
    if (strcmp(run->forced_outcome, "Completed") == 0 && !run->landed && lands_files(server, run))
        return "Landing";
    return run->forced_outcome;
}

const char *mock_run_status(mock_server *server, mock_export_run *run)
{
    const char *phase = mock_run_phase(server, run);
    /* Completed is reported only once every file and the manifest are in storage. */
    return strcmp(phase, "Landing") == 0 ? "InProgress" : phase;
}

static void compact_date(const char *iso, char *out)
{
    /* "2024-01-31T00:00:00Z" → "20240131" */
    snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

void mock_run_folder(const mock_export *export, const mock_export_run *run, char *out, size_t size)
{
    json_t *destination =
        json_object_get(json_object_get(run->settings, "deliveryInfo"), "destination");
    const char *root = json_string_value(json_object_get(destination, "rootFolderPath"));
    char from[9], to[9];
    compact_date(run->from, from);
    compact_date(run->to, to);
    mock_format(out, size, "%s%s%s/%s-%s/%s", root ? root : "", root && root[0] ? "/" : "",
                export->name, from, to, run->run_id);
}

json_t *mock_run_to_json(mock_server *server, const mock_export *export, mock_export_run *run)
{
    const char *status = mock_run_status(server, run);
    char submitted[40], started[40], ended[40];
    long queued = setting_ms(run, "mockQueuedMs");
    long progress = setting_ms(run, "mockInProgressMs");
    long start_ms = run->submitted_ms + queued;
    long end_ms = start_ms + progress;
    mock_format_time(run->submitted, run->submitted_ms, true, submitted);
    mock_format_time(run->submitted + start_ms / 1000, start_ms % 1000, true, started);
    mock_format_time(run->submitted + end_ms / 1000, end_ms % 1000, true, ended);
    json_t *settings = json_deep_copy(run->settings);
    json_object_del(settings, "mockQueuedMs");
    json_object_del(settings, "mockInProgressMs");
    json_t *props =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "executionType", run->execution_type,
                  "status", status, "submittedBy", run->submitted_by, "submittedTime", submitted,
                  "startDate", run->from, "endDate", run->to, "runSettings", settings);
    bool queued_now = strcmp(status, "Queued") == 0;
    bool running = strcmp(status, "InProgress") == 0;
    if (!queued_now)
        json_object_set_new(props, "processingStartTime", json_string(started));
    if (!queued_now && !running)
        json_object_set_new(props, "processingEndTime", json_string(ended));
    if (strcmp(status, "Completed") == 0) {
        const char *format = json_string_value(json_object_get(run->settings, "format"));
        const char *compression =
            json_string_value(json_object_get(run->settings, "compressionMode"));
        char folder[1200], file[1400];
        mock_run_folder(export, run, folder, sizeof folder);
        bool parquet = format != NULL && strcmp(format, "Parquet") == 0;
        bool gzip = compression != NULL && strcmp(compression, "gzip") == 0;
        mock_format(file, sizeof file, "%s/part_0_0001.%s", folder,
                    parquet ? "parquet"
                    : gzip  ? "csv.gz"
                            : "csv");
        json_object_set_new(props, "fileName", json_string(file));
        mock_format(file, sizeof file, "%s/manifest.json", folder);
        json_object_set_new(props, "manifestFile", json_string(file));
    } else if (!queued_now && !running) {
        const char *code = strcmp(status, "Failed") == 0 ? "ExportRunFailed" : status;
        const char *message = run->failure                    ? run->failure
                              : strcmp(status, "Failed") == 0 ? "The export run failed "
                                                                "(configured outcome)."
                                                              : "No data was available for the "
                                                                "requested period.";
        json_object_set_new(props, "error",
                            json_pack("{s:s, s:s}", "code", code, "message", message));
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "id", run->id, "name", run->run_id, "type",
                     "Microsoft.CostManagement/exports/runs", "properties", props);
}
