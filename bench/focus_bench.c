/* Benchmark: a month of FOCUS 1.0r2 rows generated and written as CSV.gz and Parquet
 * (Snappy), then read back, against `gzip` and `zcat` of the same bytes timed in the same run.
 * Each phase runs in its own child process so its peak RSS is its own.
 * usage: focus_bench [ROWS] [DIR]   (default 1000000 rows, /tmp) — prints one JSON line. */
#include "focus/focus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static const focus_schema *schema(void)
{
    const focus_schema *s = NULL;
    if (focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL) != FOCUS_OK)
        exit(1);
    return s;
}

/* Generates `rows` rows into `path` (or nowhere when path is NULL). */
static void generate(const char *path, uint64_t rows, focus_format format,
                     focus_compression compression)
{
    focus_generator_options options = focus_generator_options_default();
    options.scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    options.schema = schema();
    options.year = 2025;
    options.month = 3;
    options.rows = rows;
    focus_generator *g = NULL;
    focus_writer *w = NULL;
    focus_writer_options w_options = focus_writer_options_default();
    w_options.format = format;
    w_options.compression = compression;
    focus_error error;
    focus_error_init(&error);
    if (focus_generator_new(&options, &g, &error) != FOCUS_OK ||
        (path && focus_writer_open(path, options.schema, &w_options, &w, &error) != FOCUS_OK)) {
        fprintf(stderr, "%s\n", error.message);
        exit(1);
    }
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row)
        if (w && focus_writer_write_row(w, row, &error) != FOCUS_OK) {
            fprintf(stderr, "%s\n", error.message);
            exit(1);
        }
    if (w && focus_writer_close(w, NULL, &error) != FOCUS_OK) {
        fprintf(stderr, "%s\n", error.message);
        exit(1);
    }
    focus_generator_free(g);
}

static void read_back(const char *path)
{
    focus_reader *r = NULL;
    focus_error error;
    focus_error_init(&error);
    if (focus_reader_open(path, schema(), &r, &error) != FOCUS_OK) {
        fprintf(stderr, "%s\n", error.message);
        exit(1);
    }
    const focus_value *row;
    for (;;) {
        if (focus_reader_next(r, &row, &error) != FOCUS_OK) {
            fprintf(stderr, "%s\n", error.message);
            exit(1);
        }
        if (!row)
            break;
    }
    focus_reader_free(r);
}

typedef struct phase {
    double seconds;
    long max_rss_kib;
} phase;

enum { GENERATE, WRITE_CSV, WRITE_CSV_GZ, WRITE_PARQUET, READ_CSV_GZ, READ_PARQUET, GZIP, ZCAT };

/* Runs one phase in a child: wall time and the child's own peak RSS. */
static phase run_phase(int what, uint64_t rows, const char *dir)
{
    char csv[512], gz[512], parquet[512], command[1600];
    snprintf(csv, sizeof(csv), "%s/focus_bench.csv", dir);
    snprintf(gz, sizeof(gz), "%s/focus_bench.csv.gz", dir);
    snprintf(parquet, sizeof(parquet), "%s/focus_bench.parquet", dir);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid == 0) {
        switch (what) {
        case GENERATE:
            generate(NULL, rows, FOCUS_FORMAT_CSV, FOCUS_COMPRESSION_NONE);
            break;
        case WRITE_CSV:
            generate(csv, rows, FOCUS_FORMAT_CSV, FOCUS_COMPRESSION_NONE);
            break;
        case WRITE_CSV_GZ:
            generate(gz, rows, FOCUS_FORMAT_CSV, FOCUS_COMPRESSION_GZIP);
            break;
        case WRITE_PARQUET:
            generate(parquet, rows, FOCUS_FORMAT_PARQUET, FOCUS_COMPRESSION_SNAPPY);
            break;
        case READ_CSV_GZ:
            read_back(gz);
            break;
        case READ_PARQUET:
            read_back(parquet);
            break;
        case GZIP:
            snprintf(command, sizeof(command), "exec gzip -6 -c '%s' > /dev/null", csv);
            execl("/bin/sh", "sh", "-c", command, (char *)NULL);
            _exit(127);
        case ZCAT:
            snprintf(command, sizeof(command), "exec zcat '%s' > /dev/null", gz);
            execl("/bin/sh", "sh", "-c", command, (char *)NULL);
            _exit(127);
        }
        _exit(0);
    }
    int status = 0;
    struct rusage usage;
    if (pid < 0 || wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "focus_bench: phase %d failed\n", what);
        exit(1);
    }
    phase p = {now_seconds() - start, usage.ru_maxrss};
    return p;
}

int main(int argc, char **argv)
{
    uint64_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char csv[512], gz[512], parquet[512];
    snprintf(csv, sizeof(csv), "%s/focus_bench.csv", dir);
    snprintf(gz, sizeof(gz), "%s/focus_bench.csv.gz", dir);
    snprintf(parquet, sizeof(parquet), "%s/focus_bench.parquet", dir);
    phase generate_only = run_phase(GENERATE, rows, dir);
    phase write_csv = run_phase(WRITE_CSV, rows, dir);
    phase write_gz = run_phase(WRITE_CSV_GZ, rows, dir);
    phase write_parquet = run_phase(WRITE_PARQUET, rows, dir);
    phase gzip = run_phase(GZIP, rows, dir);
    phase zcat = run_phase(ZCAT, rows, dir);
    phase read_gz = run_phase(READ_CSV_GZ, rows, dir);
    phase read_parquet = run_phase(READ_PARQUET, rows, dir);
    double plain_mb = (double)file_size(csv) / 1e6, gz_mb = (double)file_size(gz) / 1e6;
    double parquet_mb = (double)file_size(parquet) / 1e6;
    long peak = 0;
    phase all[] = {generate_only, write_csv, write_gz, write_parquet, read_gz, read_parquet};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        peak = all[i].max_rss_kib > peak ? all[i].max_rss_kib : peak;
    printf("{\"bench\":\"focus\",\"rows\":%llu,\"csv_mb\":%.1f,\"csv_gz_mb\":%.1f,"
           "\"parquet_mb\":%.1f,"
           "\"generate_rows_per_s\":%.0f,"
           "\"write_csv_gz_rows_per_s\":%.0f,\"write_csv_gz_csv_mb_per_s\":%.1f,"
           "\"gzip_csv_mb_per_s\":%.1f,\"write_csv_gz_vs_gzip\":%.2f,"
           "\"read_csv_gz_rows_per_s\":%.0f,\"read_csv_gz_csv_mb_per_s\":%.1f,"
           "\"zcat_csv_mb_per_s\":%.1f,\"read_csv_gz_vs_zcat\":%.2f,"
           "\"write_parquet_rows_per_s\":%.0f,\"read_parquet_rows_per_s\":%.0f,"
           "\"read_parquet_csv_equivalent_mb_per_s\":%.1f,"
           "\"peak_rss_mb\":{\"generate\":%.1f,\"write_csv\":%.1f,\"write_csv_gz\":%.1f,"
           "\"write_parquet\":%.1f,\"read_csv_gz\":%.1f,\"read_parquet\":%.1f,\"max\":%.1f},"
           "\"rss_target_mb\":64}\n",
           (unsigned long long)rows, plain_mb, gz_mb, parquet_mb,
           (double)rows / generate_only.seconds, (double)rows / write_gz.seconds,
           plain_mb / write_gz.seconds, plain_mb / gzip.seconds, gzip.seconds / write_gz.seconds,
           (double)rows / read_gz.seconds, plain_mb / read_gz.seconds, plain_mb / zcat.seconds,
           zcat.seconds / read_gz.seconds, (double)rows / write_parquet.seconds,
           (double)rows / read_parquet.seconds, plain_mb / read_parquet.seconds,
           generate_only.max_rss_kib / 1024.0, write_csv.max_rss_kib / 1024.0,
           write_gz.max_rss_kib / 1024.0, write_parquet.max_rss_kib / 1024.0,
           read_gz.max_rss_kib / 1024.0, read_parquet.max_rss_kib / 1024.0, peak / 1024.0);
    remove(csv);
    remove(gz);
    remove(parquet);
    return 0;
}
