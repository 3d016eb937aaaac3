/* CSV: RFC 4180 quoting both ways, gzip, BOM and CRLF, generated months round-tripped for
 * every dataset, byte and row counts, and clean errors (file, line, offset) on bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "focus_test_util.h"
#include "test_util.h"

static const focus_column tricky_columns[] = {
    {"Name", FOCUS_TYPE_STRING, true},
    {"Cost", FOCUS_TYPE_DECIMAL, true},
    {"When", FOCUS_TYPE_DATETIME, true},
    {"Flag", FOCUS_TYPE_BOOLEAN, true},
};
static const focus_schema tricky = {FOCUS_DATASET_FOCUS_COST, "Test", "1",           NULL,
                                    FOCUS_DATES_ISO_SECONDS,  4,      tricky_columns};

static char *path_in(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static focus_value text_value(const char *text)
{
    focus_value v = {0};
    v.text = text;
    v.length = strlen(text);
    return v;
}

static void test_quoting_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"plain", "with, comma", "with \"quotes\"", "two\nlines", "crlf\r\nline",
                           "",      "ünïcode ✓",   "trailing,"};
    char *dir = test_make_temp_dir();
    for (int variant = 0; variant < 4; variant++) {
        char *path = path_in(dir, variant & 1 ? "t.csv.gz" : "t.csv");
        focus_writer_options options = focus_writer_options_default();
        options.compression = variant & 1 ? FOCUS_COMPRESSION_GZIP : FOCUS_COMPRESSION_NONE;
        options.csv_crlf = variant & 2;
        options.csv_bom = variant & 2;
        focus_writer *w = NULL;
        assert_int_equal(focus_writer_open(path, &tricky, &options, &w, NULL), FOCUS_OK);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            focus_value row[4] = {text_value(names[i])};
            row[0].is_null = i == 5;
            row[1].number = (double)i * 1.25;
            row[2].integer = focus_datetime_from_civil(2024, 1, 1 + (int)i, 0, 0, 30);
            row[3].boolean = i % 2;
            row[3].is_null = i == 3;
            assert_int_equal(focus_writer_write_row(w, row, NULL), FOCUS_OK);
        }
        focus_file_stats stats;
        assert_int_equal(focus_writer_close(w, &stats, NULL), FOCUS_OK);
        assert_int_equal(stats.data_row_count, 8);
        assert_int_equal(stats.byte_count, focus_test_file_size(path));
        if (variant == 0) {
            char *text = test_read_file(path, NULL);
            assert_non_null(strstr(text, "Name,Cost,When,Flag\nplain,0,2024-01-01T00:00:30Z,False\n"
                                         "\"with, comma\",1.25,2024-01-02T00:00:30Z,True\n"));
            assert_non_null(strstr(text, "\"with \"\"quotes\"\"\""));
            assert_non_null(strstr(text, "\n,6.25,2024-01-06T00:00:30Z,True\n"));
            free(text);
        }
        focus_reader *r = NULL;
        focus_error error;
        focus_error_init(&error);
        assert_int_equal(focus_reader_open(path, &tricky, &r, &error), FOCUS_OK);
        size_t count;
        const focus_column *columns = focus_reader_columns(r, &count);
        assert_int_equal(count, 4);
        assert_string_equal(columns[0].name, "Name"); /* BOM stripped */
        const focus_value *row;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            assert_int_equal(focus_reader_next(r, &row, &error), FOCUS_OK);
            assert_non_null(row);
            assert_int_equal(row[0].is_null, i == 5);
            assert_int_equal(row[0].length, strlen(names[i]));
            assert_memory_equal(row[0].text, names[i], row[0].length);
            assert_true(row[1].number == (double)i * 1.25);
            assert_int_equal(row[2].integer,
                             focus_datetime_from_civil(2024, 1, 1 + (int)i, 0, 0, 30));
            assert_int_equal(row[3].is_null, i == 3);
        }
        assert_int_equal(focus_reader_next(r, &row, &error), FOCUS_OK);
        assert_null(row);
        focus_reader_free(r);
        free(path);
    }
    test_remove_tree(dir);
    free(dir);
}

static void test_generated_months_round_trip(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    const char *scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    for (size_t i = 0; i < focus_schema_count(); i++) {
        const focus_schema *s = focus_schema_at(i);
        char *path = path_in(dir, "m.csv.gz");
        focus_writer_options options = focus_writer_options_default();
        options.compression = FOCUS_COMPRESSION_GZIP;
        options.csv_bom = true;
        focus_file_stats stats = focus_test_write_month(path, s, scope, 700, &options);
        assert_int_equal(stats.data_row_count, 700);
        assert_int_equal(stats.byte_count, focus_test_file_size(path));
        assert_int_equal(focus_test_check_month(path, s, scope, 700), 700);
        free(path);
    }
    test_remove_tree(dir);
    free(dir);
}

/* The date style follows the version: 1.0 has no seconds, 1.0r2 does. */
static void test_version_date_format(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    const char *versions[] = {"1.0", "1.0r2"};
    const char *want[] = {"2024-07-01T00:00Z,", "2024-07-01T00:00:00Z,"};
    for (int v = 0; v < 2; v++) {
        const focus_schema *s = NULL;
        assert_int_equal(focus_schema_find("FocusCost", versions[v], NULL, &s, NULL), FOCUS_OK);
        char *path = path_in(dir, "d.csv");
        focus_test_write_month(path, s, "/subscriptions/x", 10, NULL);
        char *text = test_read_file(path, NULL);
        assert_non_null(strstr(text, want[v]));
        if (v == 0)
            assert_null(strstr(text, "T00:00:00Z"));
        free(text);
        free(path);
    }
    test_remove_tree(dir);
    free(dir);
}

static focus_status read_all(const char *path, const focus_schema *schema, focus_error *error)
{
    focus_reader *r = NULL;
    focus_status status = focus_reader_open(path, schema, &r, error);
    const focus_value *row = NULL;
    while (status == FOCUS_OK) {
        status = focus_reader_next(r, &row, error);
        if (!row)
            break;
    }
    focus_reader_free(r);
    return status;
}

static void expect_error(const char *dir, const char *content, size_t length,
                         const focus_schema *schema, focus_status want, int64_t line,
                         const char *words)
{
    char *path = path_in(dir, "bad.csv");
    if (length == (size_t)-1)
        length = strlen(content);
    assert_int_equal(test_write_file(path, content, length), 0);
    focus_error error;
    focus_error_init(&error);
    focus_status status = read_all(path, schema, &error);
    if (status != want)
        fail_msg("%s: got %s (%s)", words, focus_status_text(status), error.message);
    assert_string_equal(error.file, path);
    assert_non_null(strstr(error.message, path));
    if (!strstr(error.message, words))
        fail_msg("'%s' not in '%s'", words, error.message);
    if (line > 0)
        assert_int_equal(error.line, line);
    free(path);
}

static void test_bad_files(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    const char *ok = "Name,Cost,When,Flag\r\n\"a\nb\",1,2024-01-01,True\r\nc,2,,False";
    char *path = path_in(dir, "ok.csv");
    test_write_file(path, ok, strlen(ok));
    assert_int_equal(read_all(path, &tricky, NULL), FOCUS_OK);
    free(path);
    expect_error(dir, "Name,Cost,When,Flag\nx,1,,\n\"open,2,,\n", (size_t)-1, &tricky,
                 FOCUS_CORRUPT, 3, "not closed");
    expect_error(dir, "Name,Cost,When,Flag\nx,1,,\ny,2\n", (size_t)-1, &tricky, FOCUS_CORRUPT, 3,
                 "2 cells, the header has 4");
    expect_error(dir, "Name,Cost,When,Flag\n\"a\nb\",x1,,\n", (size_t)-1, &tricky,
                 FOCUS_SCHEMA_MISMATCH, 2, "column Cost");
    expect_error(dir, "Name,Cost,Flag\nx,1,True\n", (size_t)-1, &tricky, FOCUS_SCHEMA_MISMATCH, 1,
                 "column When");
    expect_error(dir, "Name,Cost,When,Flag\nab\"c,1,,\n", (size_t)-1, &tricky, FOCUS_CORRUPT, 2,
                 "quote inside");
    expect_error(dir, "Name,Cost,When,Flag\n\"ab\"c,1,,\n", (size_t)-1, &tricky, FOCUS_CORRUPT, 2,
                 "after a closing quote");
    expect_error(dir, "", (size_t)-1, &tricky, FOCUS_CORRUPT, 1, "empty file");
    /* Blank lines are skipped, however many (no recursion per line). */
    size_t blank_length = 20 + 300000 + 10;
    char *blank = malloc(blank_length + 1);
    strcpy(blank, "Name,Cost,When,Flag\n");
    memset(blank + 20, '\n', 300000);
    strcpy(blank + 300020, "x,1,,True\n");
    char *blank_path = path_in(dir, "blank.csv");
    test_write_file(blank_path, blank, strlen(blank));
    focus_reader *br = NULL;
    assert_int_equal(focus_reader_open(blank_path, &tricky, &br, NULL), FOCUS_OK);
    const focus_value *brow;
    assert_int_equal(focus_reader_next(br, &brow, NULL), FOCUS_OK);
    assert_non_null(brow);
    assert_memory_equal(brow[0].text, "x", 1);
    assert_int_equal(focus_reader_next(br, &brow, NULL), FOCUS_OK);
    assert_null(brow);
    focus_reader_free(br);
    free(blank_path);
    free(blank);
    /* A truncated gzip file. */
    char *gz = path_in(dir, "t.csv.gz");
    focus_writer_options options = focus_writer_options_default();
    options.compression = FOCUS_COMPRESSION_GZIP;
    const focus_schema *s = NULL;
    focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL);
    focus_test_write_month(gz, s, "/subscriptions/x", 2000, &options);
    size_t length;
    char *bytes = test_read_file(gz, &length);
    expect_error(dir, bytes, length / 2, s, FOCUS_CORRUPT, 0, "truncated");
    bytes[length / 3] ^= 0x55;
    bytes[length / 3 + 1] ^= 0x55;
    /* Damaged deflate data: either inflate or the CSV parse notices first. */
    expect_error(dir, bytes, length, s, FOCUS_CORRUPT, 0, "bad.csv");
    free(bytes);
    free(gz);
    focus_error error;
    focus_error_init(&error);
    focus_reader *r = NULL;
    assert_int_equal(focus_reader_open("/nonexistent/x.csv", NULL, &r, &error), FOCUS_IO);
    assert_non_null(strstr(error.message, "/nonexistent/x.csv"));
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting_round_trip),
        cmocka_unit_test(test_generated_months_round_trip),
        cmocka_unit_test(test_version_date_format),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
