/* Reading in batches (focus_reader_next_batch) gives the same values as reading rows, for
 * every page layout the writer makes (v1/v2, compressed or not, dictionary or PLAIN, pages
 * that fall back from dictionary to PLAIN mid-chunk, nulls, several row groups), with or
 * without a column selection; damaged files give clean errors, out-of-range dictionary
 * indices included. */
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

static const focus_value *batch_value(const focus_batch_column *column, size_t row)
{
    static const focus_value null_value = {.is_null = true};
    if (!column->indices)
        return &column->values[row];
    uint32_t index = column->indices[row];
    if (index == FOCUS_NULL_INDEX)
        return &null_value;
    assert_true(index < column->dictionary_count);
    return &column->dictionary[index];
}

/* Reads `path` by rows and by batches side by side (selecting `selected` columns, all when
 * 0) and compares every selected value; returns how many batch columns came as indices. */
static size_t compare_reads(const char *path, size_t selected, uint64_t rows)
{
    focus_reader *by_row = NULL, *by_batch = NULL;
    assert_int_equal(focus_reader_open(path, NULL, &by_row, NULL), FOCUS_OK);
    assert_int_equal(focus_reader_open(path, NULL, &by_batch, NULL), FOCUS_OK);
    size_t count;
    const focus_column *columns = focus_reader_columns(by_batch, &count);
    const char **names = calloc(count, sizeof *names);
    size_t named = 0;
    for (size_t c = 0; c < count && selected; c += 3)
        names[named++] = columns[c].name;
    if (selected)
        assert_int_equal(focus_reader_select_columns(by_batch, names, named, NULL), FOCUS_OK);
    uint64_t seen = 0;
    size_t indexed = 0;
    for (;;) {
        const focus_batch_column *batch;
        size_t n;
        focus_error error;
        focus_error_init(&error);
        if (focus_reader_next_batch(by_batch, &batch, &n, &error) != FOCUS_OK)
            fail_msg("%s", error.message);
        if (n == 0)
            break;
        assert_true(n <= FOCUS_BATCH_ROWS);
        for (size_t c = 0; c < count; c++)
            indexed += batch[c].indices != NULL;
        for (size_t i = 0; i < n; i++) {
            const focus_value *row;
            assert_int_equal(focus_reader_next(by_row, &row, NULL), FOCUS_OK);
            assert_non_null(row);
            for (size_t c = 0; c < count; c++) {
                const focus_value *v = batch_value(&batch[c], i);
                if (selected && c % 3 != 0) {
                    assert_true(v->is_null);
                    continue;
                }
                if (!focus_test_values_equal(columns[c].type, &row[c], v))
                    fail_msg("row %llu column %s differs", (unsigned long long)(seen + i),
                             columns[c].name);
            }
        }
        seen += n;
    }
    const focus_value *row;
    assert_int_equal(focus_reader_next(by_row, &row, NULL), FOCUS_OK);
    assert_null(row);
    assert_int_equal(seen, rows);
    free(names);
    focus_reader_free(by_row);
    focus_reader_free(by_batch);
    return indexed;
}

static void test_batches_match_rows(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "b.parquet");
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.2-preview", NULL, &s, NULL), FOCUS_OK);
    for (int variant = 0; variant < 8; variant++) {
        focus_writer_options options = focus_writer_options_default();
        options.format = FOCUS_FORMAT_PARQUET;
        options.compression = variant & 1 ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_NONE;
        options.parquet_page_version = variant & 2 ? 2 : 1;
        options.parquet_dictionary = !(variant & 4);
        options.parquet_row_group_rows = 1500; /* batches end at row groups */
        options.parquet_page_bytes = 16 * 1024;
        focus_test_write_month(path, s, scope, 4500, &options);
        size_t indexed = compare_reads(path, 0, 4500);
        assert_true(options.parquet_dictionary ? indexed > 0 : indexed == 0);
        compare_reads(path, 3, 4500);
    }
    free(path);
    test_remove_tree(dir);
    free(dir);
}

/* Long distinct strings overflow the writer's dictionary: later pages of the chunk are PLAIN,
 * so one batch holds indexed and PLAIN rows, and the PLAIN strings outlive their page. */
static void test_dictionary_fallback(void **state)
{
    (void)state;
    static const focus_column columns[] = {{"Id", FOCUS_TYPE_STRING, true},
                                           {"Cost", FOCUS_TYPE_DECIMAL, true}};
    static const focus_schema two = {FOCUS_DATASET_FOCUS_COST, "T", "1",    NULL,
                                     FOCUS_DATES_ISO_SECONDS,  2,   columns};
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "f.parquet");
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.parquet_page_bytes = 8 * 1024;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(path, &two, &options, &w, NULL), FOCUS_OK);
    char text[600];
    const uint64_t rows = 5000;
    for (uint64_t i = 0; i < rows; i++) {
        memset(text, 'a' + (int)(i % 26), sizeof text);
        int n = snprintf(text, sizeof text, "%llu-", (unsigned long long)i);
        text[n] = '-';
        focus_value row[2] = {{.is_null = i % 7 == 3, .text = text, .length = 300 + i % 250},
                              {.is_null = i % 5 == 1, .number = (double)(i % 977) / 4}};
        assert_int_equal(focus_writer_write_row(w, row, NULL), FOCUS_OK);
    }
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    compare_reads(path, 0, rows);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

static focus_status read_batches(const char *path, focus_error *error)
{
    focus_reader *r = NULL;
    focus_status status = focus_reader_open(path, NULL, &r, error);
    while (status == FOCUS_OK) {
        const focus_batch_column *batch;
        size_t n = 0;
        status = focus_reader_next_batch(r, &batch, &n, error);
        if (n == 0)
            break;
    }
    focus_reader_free(r);
    return status;
}

/* Byte flips across the pages of a three-entry dictionary column (indices two bits wide):
 * some flips point past the dictionary; each damaged file is an error naming it or reads. */
static void test_damaged_batches(void **state)
{
    (void)state;
    static const focus_column columns[] = {{"Kind", FOCUS_TYPE_STRING, false}};
    static const focus_schema one = {FOCUS_DATASET_FOCUS_COST, "T", "1",    NULL,
                                     FOCUS_DATES_ISO_SECONDS,  1,   columns};
    char *dir = test_make_temp_dir();
    char *good = path_in(dir, "good.parquet");
    char *bad = path_in(dir, "bad.parquet");
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_NONE;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(good, &one, &options, &w, NULL), FOCUS_OK);
    static const char *const kinds[] = {"a", "b", "c"};
    for (int i = 0; i < 3000; i++) {
        focus_value v = {.text = kinds[(i * 7 / 3) % 3], .length = 1};
        assert_int_equal(focus_writer_write_row(w, &v, NULL), FOCUS_OK);
    }
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    size_t length;
    char *bytes = test_read_file(good, &length);
    assert_int_equal(read_batches(good, NULL), FOCUS_OK);
    char *copy = malloc(length);
    uint32_t footer;
    memcpy(&footer, bytes + length - 8, 4);
    int out_of_range = 0;
    for (size_t i = 4; i < length - 8 - footer; i++)
        for (int flip = 1; flip < 256; flip <<= 2) {
            memcpy(copy, bytes, length);
            copy[i] ^= (char)flip;
            test_write_file(bad, copy, length);
            focus_error error;
            focus_error_init(&error);
            focus_status status = read_batches(bad, &error);
            if (status == FOCUS_OK)
                continue;
            assert_true(status == FOCUS_CORRUPT || status == FOCUS_UNSUPPORTED);
            assert_string_equal(error.file, bad);
            out_of_range += strstr(error.message, "dictionary index out of range") != NULL;
        }
    assert_true(out_of_range > 0);
    free(copy);
    free(bytes);
    free(good);
    free(bad);
    test_remove_tree(dir);
    free(dir);
}

/* CSV has no batches of its own: one row per batch, the row's values. */
static void test_csv_rows_as_batches(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = path_in(dir, "c.csv");
    const char text[] = "A,B\nx,1\n,2\n";
    test_write_file(path, text, sizeof text - 1);
    focus_reader *r = NULL;
    assert_int_equal(focus_reader_open(path, NULL, &r, NULL), FOCUS_OK);
    const focus_batch_column *batch;
    size_t n;
    assert_int_equal(focus_reader_next_batch(r, &batch, &n, NULL), FOCUS_OK);
    assert_int_equal(n, 1);
    assert_null(batch[0].indices);
    assert_int_equal(batch[0].values[0].length, 1);
    assert_memory_equal(batch[0].values[0].text, "x", 1);
    assert_int_equal(focus_reader_next_batch(r, &batch, &n, NULL), FOCUS_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(batch[1].values[0].text, "2", 1);
    assert_int_equal(focus_reader_next_batch(r, &batch, &n, NULL), FOCUS_OK);
    assert_int_equal(n, 0);
    focus_reader_free(r);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_match_rows),
        cmocka_unit_test(test_dictionary_fallback),
        cmocka_unit_test(test_damaged_batches),
        cmocka_unit_test(test_csv_rows_as_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
