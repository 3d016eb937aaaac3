/* Parquet: what the writer writes the reader reads back (every dataset, v1 and v2 pages,
 * Snappy and uncompressed, dictionary on and off, several row groups), and damaged files
 * give clean errors naming the file and offset. */
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

static const char *const scope = "/providers/Microsoft.Billing/billingAccounts/87654321";

static char *path_in(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static void test_round_trip_every_dataset(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "m.parquet");
    for (size_t i = 0; i < focus_schema_count(); i++) {
        const focus_schema *s = focus_schema_at(i);
        focus_writer_options options = focus_writer_options_default();
        options.format = FOCUS_FORMAT_PARQUET;
        options.compression = FOCUS_COMPRESSION_SNAPPY;
        focus_file_stats stats = focus_test_write_month(path, s, scope, 900, &options);
        assert_int_equal(stats.data_row_count, 900);
        assert_int_equal(stats.byte_count, focus_test_file_size(path));
        assert_int_equal(focus_test_check_month(path, s, scope, 900), 900);
    }
    free(path);
    test_remove_tree(dir);
    free(dir);
}

static void test_round_trip_options(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "o.parquet");
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.2-preview", NULL, &s, NULL), FOCUS_OK);
    for (int variant = 0; variant < 8; variant++) {
        focus_writer_options options = focus_writer_options_default();
        options.format = FOCUS_FORMAT_PARQUET;
        options.compression = variant & 1 ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_NONE;
        options.parquet_page_version = variant & 2 ? 2 : 1;
        options.parquet_dictionary = !(variant & 4);
        options.parquet_row_group_rows = 1000;  /* several row groups */
        options.parquet_page_bytes = 16 * 1024; /* several pages per chunk */
        focus_test_write_month(path, s, scope, 4500, &options);
        focus_reader *r = NULL;
        assert_int_equal(focus_reader_open(path, NULL, &r, NULL), FOCUS_OK);
        assert_int_equal(focus_reader_format(r), FOCUS_FORMAT_PARQUET);
        assert_int_equal(focus_reader_declared_rows(r), 4500);
        focus_reader_free(r);
        assert_int_equal(focus_test_check_month(path, s, scope, 4500), 4500);
    }
    free(path);
    test_remove_tree(dir);
    free(dir);
}

/* More rows than one page holds, with columns that are always null (x_CustomerId): pages
 * must split on nulls too. */
static void test_pages_of_nulls(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "n.parquet");
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0", NULL, &s, NULL), FOCUS_OK);
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    focus_test_write_month(path, s, scope, 45000, &options);
    assert_int_equal(focus_test_check_month(path, s, scope, 45000), 45000);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

static focus_status read_all(const char *path, focus_error *error)
{
    focus_reader *r = NULL;
    focus_status status = focus_reader_open(path, NULL, &r, error);
    const focus_value *row = NULL;
    while (status == FOCUS_OK) {
        status = focus_reader_next(r, &row, error);
        if (!row)
            break;
    }
    focus_reader_free(r);
    return status;
}

/* Truncations and byte flips anywhere give an error (or, for flips in string data, a
 * successful read), never a crash; ASan/UBSan watch. */
static void test_damaged_files(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *good = path_in(dir, "good.parquet");
    char *bad = path_in(dir, "bad.parquet");
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL), FOCUS_OK);
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.parquet_row_group_rows = 300;
    focus_test_write_month(good, s, scope, 700, &options);
    size_t length;
    char *bytes = test_read_file(good, &length);
    focus_error error;
    /* Truncated: the footer is gone. */
    test_write_file(bad, bytes, length - 1);
    focus_error_init(&error);
    assert_int_equal(read_all(bad, &error), FOCUS_CORRUPT);
    assert_string_equal(error.file, bad);
    assert_non_null(strstr(error.message, "PAR1"));
    /* A bad footer length. */
    char *copy = malloc(length);
    memcpy(copy, bytes, length);
    copy[length - 5] = (char)0x7f; /* high byte of the footer length */
    test_write_file(bad, copy, length);
    assert_int_equal(read_all(bad, &error), FOCUS_CORRUPT);
    assert_non_null(strstr(error.message, "footer length"));
    /* Too small. */
    test_write_file(bad, "PAR1PAR1", 8);
    assert_int_equal(read_all(bad, &error), FOCUS_CORRUPT);
    assert_non_null(strstr(error.message, "too small"));
    /* Every truncation point keeping the tail, and flips across the file. */
    uint32_t footer;
    memcpy(&footer, bytes + length - 8, 4);
    size_t footer_start = length - 8 - footer;
    int errors = 0;
    for (size_t i = 4; i < length - 8; i += (i < footer_start ? 211 : 29)) {
        memcpy(copy, bytes, length);
        copy[i] ^= (char)(0x5a + (i & 7));
        test_write_file(bad, copy, length);
        focus_error_init(&error);
        focus_status status = read_all(bad, &error);
        if (status != FOCUS_OK) {
            errors++;
            assert_true(status == FOCUS_CORRUPT || status == FOCUS_UNSUPPORTED ||
                        status == FOCUS_SCHEMA_MISMATCH);
            assert_string_equal(error.file, bad);
            assert_true(error.message[0] != '\0');
        }
    }
    assert_true(errors > 0);
    free(copy);
    free(bytes);
    free(good);
    free(bad);
    test_remove_tree(dir);
    free(dir);
}

/* Opening a Parquet file against a schema it does not have: missing or mistyped columns. */
static void test_wrong_schema(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "w.parquet");
    static const focus_column columns[] = {{"BilledCost", FOCUS_TYPE_STRING, true}};
    static const focus_schema strings = {FOCUS_DATASET_FOCUS_COST, "T", "1",    NULL,
                                         FOCUS_DATES_ISO_SECONDS,  1,   columns};
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(path, &strings, &options, &w, NULL), FOCUS_OK);
    focus_value row = {.text = "12.5", .length = 4};
    assert_int_equal(focus_writer_write_row(w, &row, NULL), FOCUS_OK);
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("PriceSheet", "2023-05-01", "EA", &s, NULL), FOCUS_OK);
    focus_reader *r = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_reader_open(path, s, &r, &error), FOCUS_SCHEMA_MISMATCH);
    assert_null(r);
    assert_non_null(strstr(error.message, "column EnrollmentNumber of PriceSheet"));
    static const focus_column decimal_columns[] = {{"BilledCost", FOCUS_TYPE_DECIMAL, true}};
    static const focus_schema decimal_schema = {
        FOCUS_DATASET_FOCUS_COST, "T", "2", NULL, FOCUS_DATES_ISO_SECONDS, 1, decimal_columns};
    assert_int_equal(focus_reader_open(path, &decimal_schema, &r, &error), FOCUS_SCHEMA_MISMATCH);
    assert_non_null(strstr(error.message, "column BilledCost is string in the file, decimal"));
    assert_string_equal(error.file, path);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

static void test_required_null_rejected(void **state)
{
    (void)state;
    static const focus_column columns[] = {{"Id", FOCUS_TYPE_STRING, false}};
    static const focus_schema one = {FOCUS_DATASET_FOCUS_COST, "T", "1",    NULL,
                                     FOCUS_DATES_ISO_SECONDS,  1,   columns};
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "r.parquet");
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(path, &one, &options, &w, NULL), FOCUS_OK);
    focus_value row = {.is_null = true};
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_writer_write_row(w, &row, &error), FOCUS_INVALID_ARGUMENT);
    assert_non_null(strstr(error.message, "required column Id"));
    focus_writer_close(w, NULL, NULL);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_dataset),
        cmocka_unit_test(test_round_trip_options),
        cmocka_unit_test(test_pages_of_nulls),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_wrong_schema),
        cmocka_unit_test(test_required_null_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
