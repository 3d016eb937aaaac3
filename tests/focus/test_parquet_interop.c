/* Parquet interoperability with DuckDB both ways: the reader reads reference files DuckDB
 * wrote (tests/data/parquet, made by make-reference.js) and gets DuckDB's totals; DuckDB
 * reads files our writer wrote and reports the same rows, types and totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "focus_test_util.h"
#include "test_util.h"

/* expected.txt: name=value lines. */
static double expected(const char *name)
{
    char *path = test_data_path("parquet/expected.txt");
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    char key[64];
    snprintf(key, sizeof(key), "\n%s=", name);
    const char *at = strstr(text, key);
    if (!at)
        fail_msg("%s missing from expected.txt", name);
    double v = strtod(at + strlen(key), NULL);
    free(text);
    free(path);
    return v;
}

static int column_named(const focus_column *columns, size_t count, const char *name)
{
    for (size_t c = 0; c < count; c++)
        if (strcmp(columns[c].name, name) == 0)
            return (int)c;
    fail_msg("no column %s", name);
    return -1;
}

static void check_reference(const char *file)
{
    char relative[128];
    snprintf(relative, sizeof(relative), "parquet/%s", file);
    char *path = test_data_path(relative);
    focus_reader *r = NULL;
    focus_error error;
    focus_error_init(&error);
    if (focus_reader_open(path, NULL, &r, &error) != FOCUS_OK)
        fail_msg("%s: %s", file, error.message);
    size_t n;
    const focus_column *cols = focus_reader_columns(r, &n);
    struct {
        const char *name;
        focus_type type;
    } want[] = {{"id", FOCUS_TYPE_INTEGER},      {"service", FOCUS_TYPE_STRING},
                {"cost", FOCUS_TYPE_DECIMAL},    {"flag", FOCUS_TYPE_BOOLEAN},
                {"at_utc", FOCUS_TYPE_DATETIME}, {"at_local", FOCUS_TYPE_DATETIME},
                {"day", FOCUS_TYPE_DATE},        {"amount", FOCUS_TYPE_DECIMAL},
                {"small", FOCUS_TYPE_INTEGER},   {"unique_text", FOCUS_TYPE_STRING}};
    int at[10];
    for (int i = 0; i < 10; i++) {
        at[i] = column_named(cols, n, want[i].name);
        assert_int_equal(cols[at[i]].type, want[i].type);
    }
    double id = 0, service_count = 0, service_bytes = 0, cost = 0, cost_count = 0, flags = 0;
    double utc = 0, local = 0, day = 0, amount = 0, small = 0, unique = 0, rows = 0;
    const focus_value *row;
    for (;;) {
        if (focus_reader_next(r, &row, &error) != FOCUS_OK)
            fail_msg("%s: %s", file, error.message);
        if (!row)
            break;
        rows++;
        id += (double)row[at[0]].integer;
        if (!row[at[1]].is_null) {
            service_count++;
            service_bytes += (double)row[at[1]].length;
        }
        if (!row[at[2]].is_null) {
            cost_count++;
            cost += row[at[2]].number;
        }
        flags += row[at[3]].boolean;
        utc += (double)row[at[4]].integer;
        local += (double)row[at[5]].integer;
        day += (double)row[at[6]].integer;
        amount += row[at[7]].number;
        small += (double)row[at[8]].integer;
        unique += (double)row[at[9]].length;
    }
    assert_int_equal(focus_reader_declared_rows(r), (int64_t)rows);
    focus_reader_free(r);
    free(path);
    assert_true(rows == expected("rows"));
    assert_true(id == expected("id_sum"));
    assert_true(service_count == expected("service_count"));
    assert_true(service_bytes == expected("service_bytes"));
    assert_true(cost == expected("cost_sum") && cost_count == expected("cost_count"));
    assert_true(flags == expected("flag_true"));
    assert_true(fabs(utc - expected("at_utc_sum")) <= 1e-12 * utc);
    assert_true(fabs(local - expected("at_local_sum")) <= 1e-12 * local);
    assert_true(day == expected("day_sum"));
    assert_true(fabs(amount - expected("amount_sum")) < 1e-6);
    assert_true(small == expected("small_sum") && unique == expected("unique_bytes"));
}

static void test_reads_duckdb_files(void **state)
{
    (void)state;
    check_reference("duckdb_v1_snappy.parquet");
    check_reference("duckdb_uncompressed.parquet");
    check_reference("duckdb_gzip.parquet");
    check_reference("duckdb_v2.parquet"); /* delta, byte-stream-split, RLE_DICTIONARY */
}

static void test_unsupported_codec_is_named(void **state)
{
    (void)state;
    char *path = test_data_path("parquet/duckdb_zstd.parquet");
    focus_reader *r = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_reader_open(path, NULL, &r, &error), FOCUS_UNSUPPORTED);
    assert_null(r);
    assert_string_equal(error.file, path);
    assert_non_null(strstr(error.message, "codec 6"));
    free(path);
}

static const char *duckdb_type(focus_type type)
{
    switch (type) {
    case FOCUS_TYPE_STRING:
        return "VARCHAR";
    case FOCUS_TYPE_DECIMAL:
        return "DOUBLE";
    case FOCUS_TYPE_DATETIME:
        return "TIMESTAMP WITH TIME ZONE";
    case FOCUS_TYPE_BOOLEAN:
        return "BOOLEAN";
    case FOCUS_TYPE_DATE:
        return "DATE";
    default:
        return "BIGINT";
    }
}

/* Full path of a program on PATH (the harness runs argv[0] as a path); malloc'd or NULL. */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    char *found = NULL;
    for (char *dir = strtok(copy, ":"); dir && !found; dir = strtok(NULL, ":")) {
        char *candidate = malloc(strlen(dir) + strlen(name) + 2);
        sprintf(candidate, "%s/%s", dir, name);
        if (access(candidate, X_OK) == 0)
            found = candidate;
        else
            free(candidate);
    }
    free(copy);
    return found;
}

/* Runs DuckDB on our file and compares its per-column summary with the generated rows. */
static void check_with_duckdb(const char *path, const focus_schema *s, const char *scope,
                              uint64_t rows)
{
    char *script = test_data_path("../focus/duckdb-summary.js");
    char *node = find_program("node");
    assert_non_null(node);
    char *argv[] = {node, script, (char *)path, NULL};
    char *out = NULL, *err = NULL;
    int rc = test_run_command(argv, NULL, NULL, &out, &err);
    if (rc != 0)
        fail_msg("DuckDB could not read %s: %s", path, err ? err : "?");
    size_t n = s->column_count;
    double *count = calloc(n, sizeof(double)), *total = calloc(n, sizeof(double));
    double *filtered = calloc(n, sizeof(double));
    const int64_t cut = focus_datetime_from_civil(2024, 7, 16, 0, 0, 0);
    focus_generator_options options = focus_generator_options_default();
    options.scope = scope;
    options.schema = s;
    options.year = 2024;
    options.month = 7;
    options.rows = rows;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
        for (size_t c = 0; c < n; c++) {
            if (row[c].is_null)
                continue;
            count[c]++;
            focus_type t = s->columns[c].type;
            filtered[c] += (t == FOCUS_TYPE_DATETIME && row[c].integer >= cut) ||
                           (t == FOCUS_TYPE_DECIMAL && row[c].number > 1.0) ||
                           (t == FOCUS_TYPE_INTEGER && row[c].integer > 0);
            switch (s->columns[c].type) {
            case FOCUS_TYPE_STRING:
                total[c] += (double)row[c].length;
                break;
            case FOCUS_TYPE_DECIMAL:
                total[c] += row[c].number;
                break;
            case FOCUS_TYPE_BOOLEAN:
                total[c] += row[c].boolean;
                break;
            case FOCUS_TYPE_DATETIME:
                total[c] += (double)row[c].integer / 1e6;
                break;
            default:
                total[c] += (double)row[c].integer;
                break;
            }
        }
    }
    focus_generator_free(g);
    size_t lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], type[64];
        double got_count, got_total, got_filtered;
        if (sscanf(line, "rows\t%lf", &got_count) == 1) {
            assert_true(got_count == (double)rows);
            continue;
        }
        if (sscanf(line, "%127[^\t]\t%63[^\t]\t%lf\t%lf\t%lf", name, type, &got_count, &got_total,
                   &got_filtered) != 5)
            fail_msg("unexpected DuckDB output: %s", line);
        assert_true(lines < n);
        const focus_column *col = &s->columns[lines];
        assert_string_equal(name, col->name);
        assert_string_equal(type, duckdb_type(col->type));
        if (got_count != count[lines])
            fail_msg("%s: DuckDB counts %.0f values, we wrote %.0f", name, got_count, count[lines]);
        if (got_filtered >= 0 && got_filtered != filtered[lines])
            fail_msg("%s: DuckDB's filtered count %.0f, ours %.0f (statistics?)", name,
                     got_filtered, filtered[lines]);
        if (fabs(got_total - total[lines]) > 1e-9 * (1 + fabs(total[lines])))
            fail_msg("%s: DuckDB total %.17g, ours %.17g", name, got_total, total[lines]);
        lines++;
    }
    assert_int_equal(lines, n);
    free(count);
    free(total);
    free(filtered);
    free(out);
    free(err);
    free(script);
    free(node);
}

static void test_duckdb_reads_our_files(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/ours.parquet", dir);
    const char *scope = "providers/Microsoft.Billing/billingAccounts/"
                        "aaaaaaaa-0000-0000-0000-000000000000:bbbbbbbb-0000-0000-0000-"
                        "000000000000_2019-05-31";
    const char *datasets[][3] = {{"FocusCost", "1.2-preview", NULL},
                                 {"FocusCost", "1.0r2", NULL},
                                 {"PriceSheet", "2023-05-01", "MCA"},
                                 {"ReservationDetails", "2023-03-01", NULL}};
    for (int variant = 0; variant < 4; variant++) {
        const focus_schema *s = NULL;
        assert_int_equal(focus_schema_find(datasets[variant][0], datasets[variant][1],
                                           datasets[variant][2], &s, NULL),
                         FOCUS_OK);
        focus_writer_options options = focus_writer_options_default();
        options.format = FOCUS_FORMAT_PARQUET;
        options.compression = variant & 1 ? FOCUS_COMPRESSION_NONE : FOCUS_COMPRESSION_SNAPPY;
        options.parquet_page_version = variant & 2 ? 2 : 1;
        options.parquet_dictionary = variant != 3;
        options.parquet_row_group_rows = 1500;
        options.parquet_page_bytes = 32 * 1024;
        focus_test_write_month(path, s, scope, 4000, &options);
        check_with_duckdb(path, s, scope, 4000);
    }
    free(path);
    test_remove_tree(dir);
    free(dir);
}

static int have_duckdb(void)
{
    char *module = test_data_path("../../tools/npm/node_modules/@duckdb/node-api/package.json");
    char *node = find_program("node");
    int ok = access(module, R_OK) == 0 && node;
    free(module);
    free(node);
    return ok;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_duckdb_files),
        cmocka_unit_test(test_unsupported_codec_is_named),
        cmocka_unit_test(test_duckdb_reads_our_files),
    };
    if (!have_duckdb()) {
        fprintf(stderr, "DuckDB (tools/npm/node_modules) is missing: run scripts/setup\n");
        return 77; /* ctest: skipped */
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
