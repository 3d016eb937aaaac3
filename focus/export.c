/* A month of export files the way Cost Management lands them: generated rows split into
 * part_0_0001.csv[.gz] / .parquet files by row count or size, each handed to a sink with its
 * byteCount and dataRowCount for the manifest. */
#include "focus/focus_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

focus_export_options focus_export_options_default(void)
{
    focus_export_options options = {0};
    options.year = 2025;
    options.month = 1;
    options.dataset = "FocusCost";
    options.version = "1.0r2";
    options.format = FOCUS_FORMAT_CSV;
    options.compression = FOCUS_COMPRESSION_GZIP;
    options.rows = 1000;
    options.max_rows_per_file = 0;
    options.max_bytes_per_file = 0;
    options.directory = ".";
    return options;
}

void focus_export_result_dispose(focus_export_result *result)
{
    if (!result)
        return;
    free(result->files);
    memset(result, 0, sizeof(*result));
}

typedef struct export_state {
    const focus_export_options *options;
    const focus_schema *schema;
    focus_writer_options writer_options;
    focus_writer *writer;
    focus_export_result *result;
    focus_export_file current;
    uint64_t rows_in_file;
} export_state;

static const char *extension(const focus_export_options *options)
{
    if (options->format == FOCUS_FORMAT_PARQUET)
        return ".parquet";
    return options->compression == FOCUS_COMPRESSION_GZIP ? ".csv.gz" : ".csv";
}

static focus_status open_part(export_state *s, focus_error *error)
{
    size_t number = s->result->file_count + 1;
    memset(&s->current, 0, sizeof(s->current));
    snprintf(s->current.name, sizeof(s->current.name), "part_0_%04zu%s", number,
             extension(s->options));
    int n = snprintf(s->current.path, sizeof(s->current.path), "%s/%s", s->options->directory,
                     s->current.name);
    if (n < 0 || (size_t)n >= sizeof(s->current.path))
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, s->options->directory, -1, -1,
                          "export directory path too long");
    s->rows_in_file = 0;
    return focus_writer_open(s->current.path, s->schema, &s->writer_options, &s->writer, error);
}

static focus_status close_part(export_state *s, focus_error *error)
{
    focus_file_stats stats = {0};
    focus_writer *writer = s->writer;
    s->writer = NULL;
    focus_status status = focus_writer_close(writer, &stats, error);
    if (status != FOCUS_OK) {
        remove(s->current.path);
        return status;
    }
    s->current.byte_count = stats.byte_count;
    s->current.data_row_count = stats.data_row_count;
    focus_export_result *r = s->result;
    focus_export_file *grown = realloc(r->files, (r->file_count + 1) * sizeof(*grown));
    if (!grown)
        return focus_fail(error, FOCUS_NO_MEMORY, s->current.path, -1, -1, "no memory");
    r->files = grown;
    r->files[r->file_count++] = s->current;
    r->byte_count += stats.byte_count;
    r->data_row_count += stats.data_row_count;
    if (s->options->sink) {
        status = s->options->sink(s->options->sink_context, &s->current, error);
        if (status != FOCUS_OK)
            return status;
        if (!s->options->keep_files)
            remove(s->current.path);
    }
    return FOCUS_OK;
}

static focus_status check_options(const focus_export_options *o, focus_error *error)
{
    if (!o->directory || !*o->directory)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1, "no export directory");
    if (o->format == FOCUS_FORMAT_CSV && o->compression == FOCUS_COMPRESSION_SNAPPY)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "compression snappy goes with Parquet; CSV takes gzip or none");
    if (o->format == FOCUS_FORMAT_PARQUET && o->compression == FOCUS_COMPRESSION_GZIP)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "compression gzip goes with CSV; Parquet takes snappy or none");
    return FOCUS_OK;
}

focus_status focus_export_month(const focus_export_options *options,
                                focus_export_result *out_result, focus_error *error)
{
    if (!options || !out_result)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_export_month needs options and a result");
    memset(out_result, 0, sizeof(*out_result));
    export_state s = {0};
    s.options = options;
    s.result = out_result;
    focus_status status = check_options(options, error);
    if (status == FOCUS_OK)
        status = focus_schema_find(options->dataset, options->version, options->variant, &s.schema,
                                   error);
    if (status != FOCUS_OK)
        return status;
    s.writer_options = focus_writer_options_default();
    s.writer_options.format = options->format;
    s.writer_options.compression = options->compression;
    s.writer_options.csv_bom = options->format == FOCUS_FORMAT_CSV; /* as Cost Management */
    focus_generator_options g_options = focus_generator_options_default();
    g_options.scope = options->scope;
    g_options.year = options->year;
    g_options.month = options->month;
    g_options.schema = s.schema;
    g_options.rows = options->rows;
    g_options.seed = options->seed;
    g_options.through_day = options->through_day;
    focus_generator *generator = NULL;
    status = focus_generator_new(&g_options, &generator, error);
    if (status == FOCUS_OK)
        status = open_part(&s, error);
    const focus_value *row = NULL;
    while (status == FOCUS_OK) {
        status = focus_generator_next(generator, &row, error);
        if (status != FOCUS_OK || !row)
            break;
        if (s.rows_in_file > 0 &&
            ((options->max_rows_per_file && s.rows_in_file >= options->max_rows_per_file) ||
             (options->max_bytes_per_file &&
              focus_writer_bytes(s.writer) >= options->max_bytes_per_file))) {
            status = close_part(&s, error);
            if (status == FOCUS_OK)
                status = open_part(&s, error);
            if (status != FOCUS_OK)
                break;
        }
        status = focus_writer_write_row(s.writer, row, error);
        s.rows_in_file++;
    }
    if (status == FOCUS_OK && s.writer)
        status = close_part(&s, error);
    if (s.writer) { /* failed mid-file: do not leave half a file behind */
        focus_writer_close(s.writer, NULL, NULL);
        remove(s.current.path);
    }
    focus_generator_free(generator);
    if (status != FOCUS_OK)
        focus_export_result_dispose(out_result);
    return status;
}
