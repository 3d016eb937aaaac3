/* Spend-scope evaluation benchmark. `generate DIR ROWS` writes a FOCUS 1.0r2 month (2024-03)
 * as Parquet; `evaluate DIR DEFINITIONS` attributes it and prints one JSON line: rows/s, peak
 * RSS and per-scope figures that bench/spend-duckdb.js must match (bench/run compares them). */
#include "spend/spend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kb(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

static int generate(const char *dir, unsigned long long rows)
{
    focus_export_options options = focus_export_options_default();
    options.scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    options.year = 2024;
    options.month = 3;
    options.dataset = "FocusCost";
    options.version = "1.0r2";
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.rows = rows;
    options.max_rows_per_file = 1000000;
    options.directory = dir;
    options.keep_files = true;
    focus_export_result result;
    focus_error error;
    focus_error_init(&error);
    double start = now();
    if (focus_export_month(&options, &result, &error) != FOCUS_OK) {
        fprintf(stderr, "bench_spend: generate: %s\n", error.message);
        return 1;
    }
    printf("{\"generated\":{\"files\":%zu,\"rows\":%llu,\"bytes\":%llu,\"seconds\":%.2f}}\n",
           result.file_count, (unsigned long long)result.data_row_count,
           (unsigned long long)result.byte_count, now() - start);
    focus_export_result_dispose(&result);
    return 0;
}

static int evaluate(const char *dir, const char *file, unsigned threads)
{
    spend_report report;
    spend_report_init(&report, file);
    spend_definitions *d = NULL;
    if (spend_definitions_load_file(file, &d, &report) != SPEND_OK) {
        spend_report_print(&report, stderr);
        spend_report_dispose(&report);
        return 1;
    }
    spend_report_dispose(&report);
    spend_month month;
    spend_month_parse("2024-03", &month);
    spend_summary *s = NULL;
    spend_error error;
    spend_error_init(&error);
    double start = now();
    /* The files in name order, as spend_evaluate_directory takes them. */
    char **paths = NULL;
    size_t count = 0;
    for (unsigned part = 1;; part++) {
        char *path = NULL;
        if (asprintf(&path, "%s/part_0_%04u.parquet", dir, part) < 0)
            return 1;
        FILE *probe = fopen(path, "rb");
        if (probe == NULL) {
            free(path);
            break;
        }
        fclose(probe);
        char **grown = realloc(paths, (count + 1) * sizeof *paths);
        if (grown == NULL)
            return 1;
        paths = grown;
        paths[count++] = path;
    }
    spend_evaluate_options options = spend_evaluate_options_default();
    options.threads = threads;
    spend_status status =
        spend_evaluate_files(d, month, (const char *const *)paths, count, &options, &s, &error);
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
    if (status != SPEND_OK) {
        fprintf(stderr, "bench_spend: %s: %s\n", error.file, error.message);
        spend_definitions_free(d);
        return 1;
    }
    double seconds = now() - start;
    size_t n = spend_definitions_scope_count(d);
    printf("{\"engine\":\"hubagent\",\"threads\":%u,\"rows\":%llu,\"seconds\":%.3f,\"rows_per_s\":%"
           ".0f,"
           "\"max_rss_kb\":%ld,\"groups\":%zu,\"reconciles\":%s,\"scopes\":{",
           threads, (unsigned long long)s->month_total.row_count, seconds,
           (double)s->month_total.row_count / seconds, max_rss_kb(), s->row_count,
           spend_summary_reconciles(s) ? "true" : "false");
    for (size_t i = 0; i <= n; i++) {
        const char *name = i < n ? spend_definitions_scope_name(d, i) : NULL;
        unsigned long long rows = 0;
        double billed = 0;
        for (size_t r = 0; r < s->row_count; r++) {
            const spend_summary_row *row = &s->rows[r];
            if ((name == NULL && row->spend_scope == NULL) ||
                (name != NULL && row->spend_scope != NULL && strcmp(name, row->spend_scope) == 0)) {
                rows += row->row_count;
                billed += row->billed_cost;
            }
        }
        printf("%s\"%s\":{\"rows\":%llu,\"billed\":%.2f}", i ? "," : "", name ? name : "(unscoped)",
               rows, billed);
    }
    printf("}}\n");
    spend_summary_free(s);
    spend_definitions_free(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "generate") == 0)
        return generate(argv[2], strtoull(argv[3], NULL, 10));
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "evaluate") == 0)
        return evaluate(argv[2], argv[3], argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 0);
    fprintf(stderr, "usage: bench_spend generate DIR ROWS | evaluate DIR DEFINITIONS [THREADS]\n"
                    "  (THREADS 0 = one per CPU)\n");
    return 2;
}
