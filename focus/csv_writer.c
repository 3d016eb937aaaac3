/* RFC 4180 CSV writer: header of the schema's column names, cells quoted only when they hold
 * a comma, quote or line break, optional BOM and CRLF, optionally gzip-compressed. */
#include "focus/stream.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv_writer {
    focus_writer base;
    const focus_schema *schema;
    focus_date_style dates;
    const char *newline;
    focus_output out;
    focus_buffer line;
    uint64_t rows;
    bool failed;
} csv_writer;

static bool needs_quotes(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r')
            return true;
    }
    return false;
}

static bool append_cell(focus_buffer *line, const char *text, size_t length)
{
    if (!needs_quotes(text, length))
        return focus_buffer_append(line, text, length);
    if (!focus_buffer_reserve(line, length * 2 + 2))
        return false;
    uint8_t *p = line->data + line->length;
    *p++ = '"';
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '"')
            *p++ = '"';
        *p++ = (uint8_t)text[i];
    }
    *p++ = '"';
    line->length = (size_t)(p - line->data);
    return true;
}

static focus_status write_line(csv_writer *w, focus_error *error)
{
    if (!focus_buffer_append(&w->line, w->newline, strlen(w->newline)))
        return focus_fail(error, FOCUS_NO_MEMORY, w->out.path, -1, -1, "no memory for a CSV line");
    focus_status status = focus_output_write(&w->out, w->line.data, w->line.length, error);
    w->line.length = 0;
    w->failed = status != FOCUS_OK;
    return status;
}

static focus_status csv_write_row(focus_writer *base, const focus_value *row, focus_error *error)
{
    csv_writer *w = (csv_writer *)base;
    if (w->failed)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, w->out.path, -1, -1,
                          "%s: writer already failed", w->out.path);
    char cell[64];
    for (size_t c = 0; c < w->schema->column_count; c++) {
        const focus_column *column = &w->schema->columns[c];
        if (c && !focus_buffer_append(&w->line, ",", 1))
            return focus_fail(error, FOCUS_NO_MEMORY, w->out.path, -1, -1, "no memory");
        const focus_value *v = &row[c];
        if (v->is_null)
            continue;
        bool ok;
        if (column->type == FOCUS_TYPE_STRING) {
            ok = append_cell(&w->line, v->text, v->length);
        } else {
            size_t n = focus_value_format(column->type, w->dates, v, cell, sizeof(cell));
            ok = focus_buffer_append(&w->line, cell, n);
        }
        if (!ok)
            return focus_fail(error, FOCUS_NO_MEMORY, w->out.path, -1, -1, "no memory");
    }
    w->rows++;
    return write_line(w, error);
}

static uint64_t csv_bytes(const focus_writer *base)
{
    const csv_writer *w = (const csv_writer *)base;
    return w->out.stored_bytes + (w->out.gzip ? 0 : w->out.used);
}

static focus_status csv_close(focus_writer *base, focus_file_stats *out_stats, focus_error *error)
{
    csv_writer *w = (csv_writer *)base;
    uint64_t bytes = 0;
    focus_status status = focus_output_close(&w->out, &bytes, error);
    if (out_stats) {
        out_stats->byte_count = bytes;
        out_stats->data_row_count = w->rows;
    }
    focus_buffer_dispose(&w->line);
    free(w);
    return status;
}

static const focus_writer_ops csv_writer_ops = {csv_write_row, csv_bytes, csv_close};

focus_status focus_csv_writer_open(const char *path, const focus_schema *schema,
                                   const focus_writer_options *options, focus_writer **out_writer,
                                   focus_error *error)
{
    csv_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a CSV writer");
    w->base.ops = &csv_writer_ops;
    w->schema = schema;
    w->dates = options->dates != FOCUS_DATES_DEFAULT ? options->dates : schema->dates;
    w->newline = options->csv_crlf ? "\r\n" : "\n";
    focus_status status =
        focus_output_open(&w->out, path, options->compression == FOCUS_COMPRESSION_GZIP, error);
    if (status != FOCUS_OK) {
        free(w);
        return status;
    }
    bool ok = !options->csv_bom || focus_buffer_append(&w->line, "\xEF\xBB\xBF", 3);
    for (size_t c = 0; ok && c < schema->column_count; c++) {
        const char *name = schema->columns[c].name;
        ok = (c == 0 || focus_buffer_append(&w->line, ",", 1)) &&
             append_cell(&w->line, name, strlen(name));
    }
    status = ok ? write_line(w, error)
                : focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for the header");
    if (status != FOCUS_OK) {
        focus_output_abandon(&w->out);
        focus_buffer_dispose(&w->line);
        free(w);
        return status;
    }
    *out_writer = &w->base;
    return FOCUS_OK;
}
