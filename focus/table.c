/* One writer/reader interface over CSV and Parquet: the format is an option when writing and
 * recognised from the file's first bytes when reading. */
#include "focus/focus_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

focus_writer_options focus_writer_options_default(void)
{
    focus_writer_options options = {0};
    options.format = FOCUS_FORMAT_CSV;
    options.compression = FOCUS_COMPRESSION_NONE;
    options.dates = FOCUS_DATES_DEFAULT;
    options.csv_bom = false;
    options.csv_crlf = false;
    options.parquet_page_version = 1;
    options.parquet_dictionary = true;
    options.parquet_row_group_rows = 122880; /* DuckDB's row-group size */
    options.parquet_page_bytes = 1024 * 1024;
    return options;
}

focus_status focus_writer_open(const char *path, const focus_schema *schema,
                               const focus_writer_options *options, focus_writer **out_writer,
                               focus_error *error)
{
    if (!path || !schema || !out_writer)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                          "focus_writer_open needs a path, a schema and an out parameter");
    *out_writer = NULL;
    focus_writer_options defaults = focus_writer_options_default();
    if (!options)
        options = &defaults;
    if (options->format == FOCUS_FORMAT_CSV) {
        if (options->compression == FOCUS_COMPRESSION_SNAPPY)
            return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                              "CSV files are compressed with gzip, not snappy");
        return focus_csv_writer_open(path, schema, options, out_writer, error);
    }
    if (options->format != FOCUS_FORMAT_PARQUET)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1, "unknown format %d",
                          (int)options->format);
    if (options->compression == FOCUS_COMPRESSION_GZIP)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                          "Parquet files here are snappy-compressed or uncompressed, not gzip");
    if (options->parquet_page_version != 1 && options->parquet_page_version != 2)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                          "Parquet data page version must be 1 or 2, not %d",
                          options->parquet_page_version);
    return focus_parquet_writer_open(path, schema, options, out_writer, error);
}

focus_status focus_writer_write_row(focus_writer *writer, const focus_value *row,
                                    focus_error *error)
{
    if (!writer || !row)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_writer_write_row needs a writer and a row");
    return writer->ops->write_row(writer, row, error);
}

uint64_t focus_writer_bytes(const focus_writer *writer)
{
    return writer ? writer->ops->bytes(writer) : 0;
}

focus_status focus_writer_close(focus_writer *writer, focus_file_stats *out_stats,
                                focus_error *error)
{
    if (!writer)
        return FOCUS_OK;
    return writer->ops->close(writer, out_stats, error);
}

/* Whether a file column of type `have` can stand for a schema column of type `want`. */
static bool compatible(focus_type want, focus_type have)
{
    return want == have || (want == FOCUS_TYPE_DECIMAL && have == FOCUS_TYPE_INTEGER) ||
           (want == FOCUS_TYPE_DATETIME && have == FOCUS_TYPE_DATE);
}

/* A Parquet file's own schema must carry every column of the one asked for, typed alike. */
static focus_status check_parquet_schema(const char *path, const focus_reader *reader,
                                         const focus_schema *schema, focus_error *error)
{
    size_t count;
    const focus_column *columns = focus_reader_columns(reader, &count);
    for (size_t i = 0; i < schema->column_count; i++) {
        const focus_column *want = &schema->columns[i];
        const focus_column *have = NULL;
        for (size_t c = 0; c < count && !have; c++)
            if (strcmp(columns[c].name, want->name) == 0)
                have = &columns[c];
        if (!have)
            return focus_fail(error, FOCUS_SCHEMA_MISMATCH, path, -1, -1,
                              "%s: column %s of %s %s is missing", path, want->name,
                              schema->dataset_name, schema->version);
        if (!compatible(want->type, have->type))
            return focus_fail(error, FOCUS_SCHEMA_MISMATCH, path, -1, -1,
                              "%s: column %s is %s in the file, %s in %s %s", path, want->name,
                              focus_type_name(have->type), focus_type_name(want->type),
                              schema->dataset_name, schema->version);
    }
    return FOCUS_OK;
}

focus_status focus_reader_open(const char *path, const focus_schema *schema,
                               focus_reader **out_reader, focus_error *error)
{
    if (!path || !out_reader)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                          "focus_reader_open needs a path and an out parameter");
    *out_reader = NULL;
    FILE *file = fopen(path, "rb");
    if (!file)
        return focus_fail(error, FOCUS_IO, path, -1, -1, "cannot open %s: %s", path,
                          strerror(errno));
    char magic[4] = {0};
    size_t n = fread(magic, 1, sizeof(magic), file);
    fclose(file);
    if (n == 4 && memcmp(magic, "PAR1", 4) == 0) {
        focus_status status = focus_parquet_reader_open(path, out_reader, error);
        if (status == FOCUS_OK && schema)
            status = check_parquet_schema(path, *out_reader, schema, error);
        if (status != FOCUS_OK) {
            focus_reader_free(*out_reader);
            *out_reader = NULL;
        }
        return status;
    }
    return focus_csv_reader_open(path, schema, out_reader, error);
}

focus_format focus_reader_format(const focus_reader *reader)
{
    return reader->format;
}

const focus_column *focus_reader_columns(const focus_reader *reader, size_t *out_count)
{
    return reader->ops->columns(reader, out_count);
}

focus_status focus_reader_next(focus_reader *reader, const focus_value **out_row,
                               focus_error *error)
{
    if (!reader || !out_row)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_reader_next needs a reader and an out parameter");
    return reader->ops->next(reader, out_row, error);
}

focus_status focus_reader_next_batch(focus_reader *reader, const focus_batch_column **out_columns,
                                     size_t *out_rows, focus_error *error)
{
    if (!reader || !out_columns || !out_rows)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_reader_next_batch needs a reader and out parameters");
    *out_columns = NULL;
    *out_rows = 0;
    if (reader->ops->next_batch)
        return reader->ops->next_batch(reader, out_columns, out_rows, error);
    size_t count = 0;
    reader->ops->columns(reader, &count);
    if (!reader->row_batch &&
        !(reader->row_batch = calloc(count ? count : 1, sizeof(focus_batch_column))))
        return focus_fail(error, FOCUS_NO_MEMORY, NULL, -1, -1, "out of memory");
    const focus_value *row = NULL;
    focus_status status = reader->ops->next(reader, &row, error);
    if (status != FOCUS_OK || !row)
        return status;
    for (size_t c = 0; c < count; c++)
        reader->row_batch[c] = (focus_batch_column){.values = &row[c]};
    *out_columns = reader->row_batch;
    *out_rows = 1;
    return FOCUS_OK;
}

uint64_t focus_dictionary_id_new(void)
{
    static _Atomic uint64_t last;
    return ++last;
}

int64_t focus_reader_declared_rows(const focus_reader *reader)
{
    return reader->ops->declared_rows(reader);
}

void focus_reader_free(focus_reader *reader)
{
    if (!reader)
        return;
    free(reader->row_batch);
    reader->ops->free(reader);
}
