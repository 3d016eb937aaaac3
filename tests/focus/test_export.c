/* Export partitioning: a month split into part_0_NNNN files by rows or bytes, each handed to
 * the sink in order with byteCount and dataRowCount that match the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "focus_test_util.h"
#include "test_util.h"

typedef struct sink_log {
    int calls;
    int fail_at;
    uint64_t rows, bytes;
    char names[16][64];
} sink_log;

static focus_status record_sink(void *context, const focus_export_file *file, focus_error *error)
{
    sink_log *log = context;
    if (log->calls == log->fail_at) {
        error->status = FOCUS_IO;
        snprintf(error->message, sizeof(error->message), "upload of %s refused", file->name);
        return FOCUS_IO;
    }
    /* The file is complete when the sink sees it. */
    assert_int_equal(focus_test_file_size(file->path), file->byte_count);
    snprintf(log->names[log->calls % 16], 64, "%s", file->name);
    log->calls++;
    log->rows += file->data_row_count;
    log->bytes += file->byte_count;
    return FOCUS_OK;
}

static void test_split_by_rows(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    focus_export_options options = focus_export_options_default();
    options.scope = "/subscriptions/3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    options.year = 2024;
    options.month = 7;
    options.rows = 1000;
    options.max_rows_per_file = 400;
    options.directory = dir;
    options.keep_files = true;
    sink_log log = {.fail_at = -1};
    options.sink = record_sink;
    options.sink_context = &log;
    focus_export_result result;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_export_month(&options, &result, &error), FOCUS_OK);
    assert_int_equal(result.file_count, 3);
    assert_int_equal(log.calls, 3);
    assert_string_equal(result.files[0].name, "part_0_0001.csv.gz");
    assert_string_equal(log.names[2], "part_0_0003.csv.gz");
    assert_int_equal(result.files[0].data_row_count, 400);
    assert_int_equal(result.files[2].data_row_count, 200);
    assert_int_equal(result.data_row_count, 1000);
    assert_int_equal(log.rows, 1000);
    assert_int_equal(log.bytes, result.byte_count);
    uint64_t total = 0;
    for (size_t i = 0; i < result.file_count; i++) {
        assert_int_equal(focus_test_file_size(result.files[i].path), result.files[i].byte_count);
        total += result.files[i].byte_count;
        /* Each part is a whole CSV file with its own header. */
        focus_reader *r = NULL;
        assert_int_equal(focus_reader_open(result.files[i].path, NULL, &r, NULL), FOCUS_OK);
        const focus_value *row;
        uint64_t rows = 0;
        while (focus_reader_next(r, &row, NULL) == FOCUS_OK && row)
            rows++;
        assert_int_equal(rows, result.files[i].data_row_count);
        focus_reader_free(r);
    }
    assert_int_equal(total, result.byte_count);
    focus_export_result_dispose(&result);
    test_remove_tree(dir);
    free(dir);
}

static void test_split_by_bytes_and_sink_owns_files(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    focus_export_options options = focus_export_options_default();
    options.scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    options.dataset = "PriceSheet";
    options.version = "2023-05-01";
    options.variant = "EA";
    options.compression = FOCUS_COMPRESSION_NONE;
    options.rows = 3000;
    options.max_bytes_per_file = 100 * 1024;
    options.directory = dir;
    sink_log log = {.fail_at = -1};
    options.sink = record_sink;
    options.sink_context = &log;
    focus_export_result result;
    assert_int_equal(focus_export_month(&options, &result, NULL), FOCUS_OK);
    assert_true(result.file_count >= 3);
    for (size_t i = 0; i < result.file_count; i++) {
        /* Closed once past the limit: at most one row over. */
        assert_true(result.files[i].byte_count < options.max_bytes_per_file + 1024);
        assert_int_equal(access(result.files[i].path, F_OK), -1); /* sink took it */
    }
    assert_int_equal(result.data_row_count, 3000);
    assert_int_equal(log.rows, 3000);
    focus_export_result_dispose(&result);
    test_remove_tree(dir);
    free(dir);
}

static void test_parquet_parts(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    focus_export_options options = focus_export_options_default();
    options.scope = "/providers/Microsoft.Management/managementGroups/contoso";
    options.dataset = "FocusCost";
    options.version = "1.2-preview";
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.rows = 2500;
    options.max_rows_per_file = 1000;
    options.directory = dir;
    options.keep_files = true;
    focus_export_result result;
    assert_int_equal(focus_export_month(&options, &result, NULL), FOCUS_OK);
    assert_int_equal(result.file_count, 3);
    assert_string_equal(result.files[1].name, "part_0_0002.parquet");
    for (size_t i = 0; i < result.file_count; i++) {
        assert_int_equal(focus_test_file_size(result.files[i].path), result.files[i].byte_count);
        focus_reader *r = NULL;
        assert_int_equal(focus_reader_open(result.files[i].path, NULL, &r, NULL), FOCUS_OK);
        assert_int_equal(focus_reader_format(r), FOCUS_FORMAT_PARQUET);
        assert_int_equal(focus_reader_declared_rows(r), (int64_t)result.files[i].data_row_count);
        focus_reader_free(r);
    }
    assert_int_equal(result.files[2].data_row_count, 500);
    focus_export_result_dispose(&result);
    test_remove_tree(dir);
    free(dir);
}

static void test_errors(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    focus_export_options options = focus_export_options_default();
    options.scope = "/subscriptions/x";
    options.directory = dir;
    options.rows = 500;
    options.max_rows_per_file = 100;
    sink_log log = {.fail_at = 2};
    options.sink = record_sink;
    options.sink_context = &log;
    focus_export_result result;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_export_month(&options, &result, &error), FOCUS_IO);
    assert_non_null(strstr(error.message, "part_0_0003.csv.gz"));
    assert_int_equal(result.file_count, 0);
    options.sink = NULL;
    options.format = FOCUS_FORMAT_CSV;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    assert_int_equal(focus_export_month(&options, &result, &error), FOCUS_INVALID_ARGUMENT);
    options.compression = FOCUS_COMPRESSION_GZIP;
    options.version = "7.7";
    assert_int_equal(focus_export_month(&options, &result, &error), FOCUS_NOT_FOUND);
    options.version = "1.0";
    options.directory = "/nonexistent-dir";
    assert_int_equal(focus_export_month(&options, &result, &error), FOCUS_IO);
    assert_non_null(strstr(error.message, "/nonexistent-dir/part_0_0001.csv.gz"));
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_by_rows),
        cmocka_unit_test(test_split_by_bytes_and_sink_owns_files),
        cmocka_unit_test(test_parquet_parts),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
