/* Parquet: what the writer writes the reader reads back (every dataset, v1 and v2 pages,
 * Snappy and uncompressed, dictionary on and off, several row groups), by rows and by batches
 * (focus_reader_next_batch: the same values, dictionary indices in range, PLAIN pages after a
 * dictionary mid-chunk, column selections), and damaged files give clean errors naming the
 * file and offset. */
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

/* One required string column. */
static const focus_column id_column[] = {{"Id", FOCUS_TYPE_STRING, false}};
static const focus_schema one = {FOCUS_DATASET_FOCUS_COST, "T", "1",      NULL,
                                 FOCUS_DATES_ISO_SECONDS,  1,   id_column};

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
        options.parquet_row_group_rows = 1500;  /* several, each more than a batch */
        options.parquet_page_bytes = 16 * 1024; /* several pages per chunk */
        focus_test_write_month(path, s, scope, 4500, &options);
        size_t indexed = compare_reads(path, 0, 4500);
        assert_true(options.parquet_dictionary ? indexed > 0 : indexed == 0);
        compare_reads(path, 3, 4500);
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

/* Reads every row, by rows or by batches. */
static focus_status read_all(const char *path, bool batches, focus_error *error)
{
    focus_reader *r = NULL;
    focus_status status = focus_reader_open(path, NULL, &r, error);
    while (status == FOCUS_OK) {
        const focus_value *row = NULL;
        const focus_batch_column *batch;
        size_t n = 0;
        if (batches)
            status = focus_reader_next_batch(r, &batch, &n, error);
        else
            status = focus_reader_next(r, &row, error);
        if (batches ? n == 0 : !row)
            break;
    }
    focus_reader_free(r);
    return status;
}

/* Reads the file with byte i flipped by `mask` (written to `bad`, `copy` as scratch): fine,
 * or an error naming the file. */
static focus_status read_flipped(const char *bytes, size_t length, char *copy, const char *bad,
                                 size_t i, int mask, bool batches, focus_error *error)
{
    memcpy(copy, bytes, length);
    copy[i] ^= (char)mask;
    test_write_file(bad, copy, length);
    focus_error_init(error);
    focus_status status = read_all(bad, batches, error);
    if (status != FOCUS_OK) {
        assert_true(status == FOCUS_CORRUPT || status == FOCUS_UNSUPPORTED ||
                    status == FOCUS_SCHEMA_MISMATCH);
        assert_string_equal(error->file, bad);
        assert_true(error->message[0] != '\0');
    }
    return status;
}

/* Truncations and byte flips anywhere give an error (or, for flips in string data, a
 * successful read), never a crash, by rows and by batches; ASan/UBSan watch. */
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
    assert_int_equal(read_all(bad, false, &error), FOCUS_CORRUPT);
    assert_string_equal(error.file, bad);
    assert_non_null(strstr(error.message, "PAR1"));
    /* A bad footer length. */
    char *copy = malloc(length);
    memcpy(copy, bytes, length);
    copy[length - 5] = (char)0x7f; /* high byte of the footer length */
    test_write_file(bad, copy, length);
    assert_int_equal(read_all(bad, false, &error), FOCUS_CORRUPT);
    assert_non_null(strstr(error.message, "footer length"));
    /* Too small. */
    test_write_file(bad, "PAR1PAR1", 8);
    assert_int_equal(read_all(bad, false, &error), FOCUS_CORRUPT);
    assert_non_null(strstr(error.message, "too small"));
    /* Every truncation point keeping the tail, and flips across the file. */
    uint32_t footer;
    memcpy(&footer, bytes + length - 8, 4);
    size_t footer_start = length - 8 - footer;
    int errors = 0;
    for (size_t i = 4; i < length - 8; i += (i < footer_start ? 211 : 29))
        errors +=
            read_flipped(bytes, length, copy, bad, i, 0x5a + (i & 7), i % 2, &error) != FOCUS_OK;
    assert_true(errors > 0);
    free(copy);
    free(bytes);
    /* A three-entry dictionary column (indices two bits wide): some flips in its pages point
     * past the dictionary, which batches (decoding indices in bulk) must catch too. */
    options.compression = FOCUS_COMPRESSION_NONE;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(good, &one, &options, &w, NULL), FOCUS_OK);
    static const char *const kinds[] = {"a", "b", "c"};
    for (int i = 0; i < 3000; i++) {
        focus_value v = {.text = kinds[(i * 7 / 3) % 3], .length = 1};
        assert_int_equal(focus_writer_write_row(w, &v, NULL), FOCUS_OK);
    }
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    bytes = test_read_file(good, &length);
    assert_int_equal(read_all(good, true, NULL), FOCUS_OK);
    copy = malloc(length);
    memcpy(&footer, bytes + length - 8, 4);
    int out_of_range = 0;
    for (size_t i = 4; i < length - 8 - footer; i++)
        for (int mask = 1; mask < 256; mask <<= 2)
            if (read_flipped(bytes, length, copy, bad, i, mask, true, &error) != FOCUS_OK)
                out_of_range += strstr(error.message, "dictionary index out of range") != NULL;
    assert_true(out_of_range > 0);
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
        cmocka_unit_test(test_round_trip_every_dataset),
        cmocka_unit_test(test_round_trip_options),
        cmocka_unit_test(test_pages_of_nulls),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_wrong_schema),
        cmocka_unit_test(test_required_null_rejected),
        cmocka_unit_test(test_dictionary_fallback),
        cmocka_unit_test(test_csv_rows_as_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
