/* Checks of what a backfill and a hand-off left behind (see hub_check.h). */
#include "hub_check.h"

#include "focus/focus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

void hub_month_back(int back, char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int index = (tm.tm_year + 1900) * 12 + tm.tm_mon - back;
    snprintf(out, size, "%04d-%02d", index / 12, index % 12 + 1);
}

json_t *hub_mock_runs(const mock_fixture *mock, const char *scope, const char *export_name)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/exports", mock->admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *runs = NULL;
    size_t i;
    json_t *export_;
    json_array_foreach(json_object_get(r.json, "value"), i, export_)
    {
        if (strcasecmp(json_string_value(json_object_get(export_, "scope")), scope) == 0 &&
            strcmp(json_string_value(json_object_get(export_, "name")), export_name) == 0)
            runs = json_incref(json_object_get(export_, "runs"));
    }
    http_result_dispose(&r);
    return runs ? runs : json_array();
}

static int month_once(json_t *runs, const char *scope, const char *export_name, const char *month,
                      char **out_run_id)
{
    int good = 0, failed = 0;
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run)
    {
        const char *from = json_string_value(json_object_get(run, "from"));
        const char *status = json_string_value(json_object_get(run, "status"));
        if (from == NULL || strncmp(from, month, 7) != 0)
            continue;
        if (strcmp(status, "Failed") == 0 || strcmp(status, "Timeout") == 0) {
            failed++;
            continue;
        }
        good++;
        if (out_run_id != NULL && good == 1)
            *out_run_id = strdup(json_string_value(json_object_get(run, "id")));
    }
    if (good != 1) {
        char *all = json_dumps(runs, JSON_COMPACT);
        fprintf(stderr, "%s %s %s: %d good runs (%d failed), want 1: %s\n", scope, export_name,
                month, good, failed, all);
        free(all);
    }
    assert_int_equal(good, 1);
    return failed;
}

int hub_expect_month_once(const mock_fixture *mock, const char *scope, const char *export_name,
                          const char *month, char **out_run_id)
{
    json_t *runs = hub_mock_runs(mock, scope, export_name);
    int failed = month_once(runs, scope, export_name, month, out_run_id);
    json_decref(runs);
    return failed;
}

int hub_expect_each_month_once(const mock_fixture *mock, const char *scope, const char *export_name,
                               int months)
{
    json_t *runs = hub_mock_runs(mock, scope, export_name);
    int failed = 0;
    for (int back = 1; back <= months; back++) {
        char month[16];
        hub_month_back(back, month, sizeof month);
        failed += month_once(runs, scope, export_name, month, NULL);
    }
    char oldest[16];
    hub_month_back(months, oldest, sizeof oldest);
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run)
    {
        const char *from = json_string_value(json_object_get(run, "from"));
        assert_true(strncmp(from, oldest, 7) >= 0);
    }
    json_decref(runs);
    return failed;
}

int64_t hub_parquet_rows(const hub_fixture *hub, const char *container, const char *name,
                         const char *expect_column)
{
    size_t len = 0;
    char *data = hub_blob_get(hub, container, name, &len);
    if (data == NULL)
        fail_msg("%s/%s cannot be read", container, name);
    char path[600];
    snprintf(path, sizeof path, "%s/check.parquet", hub->dir);
    assert_int_equal(test_write_file(path, data, len), 0);
    free(data);
    focus_reader *reader = NULL;
    focus_error ferr;
    focus_error_init(&ferr);
    if (focus_reader_open(path, NULL, &reader, &ferr) != FOCUS_OK)
        fail_msg("%s: %s", name, ferr.message);
    assert_int_equal(focus_reader_format(reader), FOCUS_FORMAT_PARQUET);
    size_t count;
    const focus_column *columns = focus_reader_columns(reader, &count);
    bool found = expect_column == NULL;
    for (size_t i = 0; i < count && !found; i++)
        found = strcmp(columns[i].name, expect_column) == 0;
    assert_true(found);
    int64_t rows = 0;
    const focus_value *row;
    while (focus_reader_next(reader, &row, &ferr) == FOCUS_OK && row != NULL)
        rows++;
    focus_reader_free(reader);
    return rows;
}

void hub_expect_ingested(const hub_fixture *hub, const char *destination, const char *run_id,
                         int64_t rows)
{
    char *placed = hub_manifest_run(hub, destination);
    if (placed == NULL || strcmp(placed, run_id) != 0)
        fail_msg("%s: the manifest in place is of run %s, want %s", destination,
                 placed ? placed : "(none)", run_id);
    free(placed);
    char manifest_name[700];
    snprintf(manifest_name, sizeof manifest_name, "%s/manifest.json", destination);
    size_t len = 0;
    char *text = hub_blob_get(hub, "ingestion", manifest_name, &len);
    json_t *manifest = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(manifest);
    size_t listed = json_array_size(json_object_get(manifest, "blobs"));
    json_decref(manifest);

    char prefix[700], names[65536], own[700];
    snprintf(prefix, sizeof prefix, "%s/", destination);
    snprintf(own, sizeof own, "%s/%s__", destination, run_id);
    hub_blob_list(hub, "ingestion", prefix, names, sizeof names);
    size_t files = 0;
    int64_t total = 0;
    for (char *save = NULL, *line = strtok_r(names, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strcmp(line, manifest_name) == 0)
            continue;
        size_t n = strlen(line);
        if (strncmp(line, own, strlen(own)) != 0 || n < 8 || strcmp(line + n - 8, ".parquet") != 0)
            fail_msg("%s holds %s, not a file of run %s: a mixed month", destination, line, run_id);
        files++;
        total += hub_parquet_rows(hub, "ingestion", line, NULL);
    }
    if (files != listed || total != rows)
        fail_msg("%s: %zu files with %lld rows, the run's manifest lists %zu files of %lld rows",
                 destination, files, (long long)total, listed, (long long)rows);
}
