/* Streaming RFC 4180 CSV reader (LF or CRLF, quoted cells with commas, quotes and line
 * breaks, UTF-8 BOM, gzip): one record in memory at a time; errors name file, line, offset. */
#include "focus/stream.h"

#include <stdlib.h>
#include <string.h>

/* No real cost file has a record this long; past it the file is broken. */
#define CSV_RECORD_MAX_BYTES (64 * 1024 * 1024)

typedef struct csv_reader {
    focus_reader base;
    focus_input in;
    focus_buffer bytes; /* the current record's cell bytes, back to back */
    size_t *starts;     /* cell i = bytes[starts[i] .. starts[i+1]) */
    size_t cell_count, cell_capacity;
    focus_column *columns; /* from the header, typed by the schema when given */
    char *names;           /* storage for the column names */
    size_t column_count;
    focus_value *values;
    int64_t line;        /* line the next record starts on */
    int64_t record_line; /* line the current record started on */
    uint64_t record_offset;
} csv_reader;

static bool start_cell(csv_reader *r)
{
    if (r->cell_count + 2 > r->cell_capacity) {
        size_t capacity = r->cell_capacity ? r->cell_capacity * 2 : 128;
        size_t *grown = realloc(r->starts, capacity * sizeof(*grown));
        if (!grown)
            return false;
        r->starts = grown;
        r->cell_capacity = capacity;
    }
    r->starts[r->cell_count++] = r->bytes.length;
    return true;
}

/* Reads one record into bytes/starts. *out_any = false at the end of the file. */
static focus_status read_record(csv_reader *r, bool *out_any, focus_error *error)
{
    enum { CELL_START, UNQUOTED, QUOTED, AFTER_QUOTE } state = CELL_START;
    r->bytes.length = 0;
    r->cell_count = 0;
    r->record_line = r->line;
    r->record_offset = r->in.consumed + r->in.plain_start;
    bool any = false, pending_cr = false;
    *out_any = false;
    if (!start_cell(r))
        return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
    for (;;) {
        if (r->in.plain_start == r->in.plain_end) {
            focus_status status = focus_input_fill(&r->in, error);
            if (status != FOCUS_OK)
                return status;
            if (r->in.plain_end == 0) {
                if (state == QUOTED)
                    return focus_fail(error, FOCUS_CORRUPT, r->in.path, (int64_t)r->record_offset,
                                      r->record_line,
                                      "%s line %lld: quoted cell not closed before the end of "
                                      "the file",
                                      r->in.path, (long long)r->record_line);
                break;
            }
        }
        const uint8_t *p = r->in.plain + r->in.plain_start;
        if (!pending_cr && (state == UNQUOTED || state == QUOTED)) {
            /* Copy the run of ordinary bytes at once: most of a file is such runs. */
            const uint8_t *q = p, *end = r->in.plain + r->in.plain_end;
            if (state == UNQUOTED)
                while (q < end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"')
                    q++;
            else
                while (q < end && *q != '"' && *q != '\n')
                    q++;
            if (q > p) {
                if (r->bytes.length + (size_t)(q - p) > CSV_RECORD_MAX_BYTES)
                    return focus_fail(
                        error, FOCUS_CORRUPT, r->in.path, (int64_t)r->record_offset, r->record_line,
                        "%s line %lld: record longer than %d MB (an unclosed "
                        "quote?)",
                        r->in.path, (long long)r->record_line, CSV_RECORD_MAX_BYTES >> 20);
                if (!focus_buffer_append(&r->bytes, p, (size_t)(q - p)))
                    return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
                r->in.plain_start += (size_t)(q - p);
                any = true;
                continue;
            }
        }
        uint8_t c = *p;
        r->in.plain_start++;
        any = true;
        if (pending_cr) {
            pending_cr = false;
            if (c == '\n') {
                r->line++;
                break;
            }
            if (!focus_buffer_append(&r->bytes, "\r", 1)) /* a lone CR is data */
                return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
            if (state == CELL_START)
                state = UNQUOTED;
        }
        switch (state) {
        case QUOTED:
            if (c == '"') {
                state = AFTER_QUOTE;
                continue;
            }
            if (c == '\n')
                r->line++;
            break;
        case AFTER_QUOTE:
            if (c == '"') {
                state = QUOTED;
                break;
            }
            /* fall through: the quoted cell ended */
            if (c != ',' && c != '\n' && c != '\r')
                return focus_fail(error, FOCUS_CORRUPT, r->in.path,
                                  (int64_t)(r->in.consumed + r->in.plain_start - 1), r->line,
                                  "%s line %lld: unexpected '%c' after a closing quote", r->in.path,
                                  (long long)r->line, c >= 32 && c < 127 ? c : '?');
            /* fall through */
        case CELL_START:
        case UNQUOTED:
            if (c == ',') {
                if (!start_cell(r))
                    return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
                state = CELL_START;
                continue;
            }
            if (c == '\n') {
                r->line++;
                goto done;
            }
            if (c == '\r') {
                pending_cr = true;
                continue;
            }
            if (c == '"') {
                if (state != CELL_START)
                    return focus_fail(error, FOCUS_CORRUPT, r->in.path,
                                      (int64_t)(r->in.consumed + r->in.plain_start - 1), r->line,
                                      "%s line %lld: quote inside an unquoted cell", r->in.path,
                                      (long long)r->line);
                state = QUOTED;
                continue;
            }
            state = UNQUOTED;
            break;
        }
        if (r->bytes.length >= CSV_RECORD_MAX_BYTES)
            return focus_fail(error, FOCUS_CORRUPT, r->in.path, (int64_t)r->record_offset,
                              r->record_line, "%s line %lld: record longer than %d MB", r->in.path,
                              (long long)r->record_line, CSV_RECORD_MAX_BYTES >> 20);
        if (!focus_buffer_append(&r->bytes, &c, 1))
            return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
    }
done:
    if (pending_cr && !focus_buffer_append(&r->bytes, "\r", 1))
        return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, r->line, "no memory");
    r->starts[r->cell_count] = r->bytes.length;
    *out_any = any;
    return FOCUS_OK;
}

static const focus_column *csv_columns(const focus_reader *base, size_t *out_count)
{
    const csv_reader *r = (const csv_reader *)base;
    if (out_count)
        *out_count = r->column_count;
    return r->columns;
}

static focus_status csv_next(focus_reader *base, const focus_value **out_row, focus_error *error)
{
    csv_reader *r = (csv_reader *)base;
    *out_row = NULL;
    bool any;
    focus_status status = read_record(r, &any, error);
    if (status != FOCUS_OK || !any)
        return status;
    /* Blank lines are not records (loop, not recursion: a file may hold millions). */
    while (any && r->cell_count == 1 && r->bytes.length == 0 && r->column_count > 1) {
        status = read_record(r, &any, error);
        if (status != FOCUS_OK || !any)
            return status;
    }
    if (r->cell_count != r->column_count)
        return focus_fail(error, FOCUS_CORRUPT, r->in.path, (int64_t)r->record_offset,
                          r->record_line, "%s line %lld: %zu cells, the header has %zu", r->in.path,
                          (long long)r->record_line, r->cell_count, r->column_count);
    for (size_t c = 0; c < r->column_count; c++) {
        const char *text = (const char *)r->bytes.data + r->starts[c];
        size_t length = r->starts[c + 1] - r->starts[c];
        if (focus_value_parse(r->columns[c].type, text, length, &r->values[c], error) != FOCUS_OK)
            return focus_fail(error, FOCUS_SCHEMA_MISMATCH, r->in.path, (int64_t)r->record_offset,
                              r->record_line, "%s line %lld column %s: '%.*s' is not a valid %s",
                              r->in.path, (long long)r->record_line, r->columns[c].name,
                              (int)(length > 60 ? 60 : length), text,
                              focus_type_name(r->columns[c].type));
    }
    *out_row = r->values;
    return FOCUS_OK;
}

static int64_t csv_declared_rows(const focus_reader *base)
{
    (void)base;
    return -1;
}

static void csv_free(focus_reader *base)
{
    csv_reader *r = (csv_reader *)base;
    focus_input_close(&r->in);
    focus_buffer_dispose(&r->bytes);
    free(r->starts);
    free(r->columns);
    free(r->names);
    free(r->values);
    free(r);
}

static const focus_reader_ops csv_reader_ops = {
    .columns = csv_columns, .next = csv_next, .declared_rows = csv_declared_rows, .free = csv_free};

/* Turns the header record into typed columns; every schema column must be present. */
static focus_status read_header(csv_reader *r, const focus_schema *schema, focus_error *error)
{
    bool any;
    focus_status status = read_record(r, &any, error);
    if (status != FOCUS_OK)
        return status;
    if (!any)
        return focus_fail(error, FOCUS_CORRUPT, r->in.path, 0, 1, "%s: empty file, no header",
                          r->in.path);
    size_t skip = 0;
    if (r->bytes.length >= 3 && memcmp(r->bytes.data, "\xEF\xBB\xBF", 3) == 0)
        skip = 3;
    r->column_count = r->cell_count;
    r->columns = calloc(r->column_count, sizeof(*r->columns));
    r->values = calloc(r->column_count, sizeof(*r->values));
    r->names = malloc(r->bytes.length + r->column_count + 1);
    if (!r->columns || !r->values || !r->names)
        return focus_fail(error, FOCUS_NO_MEMORY, r->in.path, -1, -1, "no memory for the header");
    char *at = r->names;
    for (size_t c = 0; c < r->column_count; c++) {
        size_t from = r->starts[c] + (c == 0 ? skip : 0), length = r->starts[c + 1] - from;
        memcpy(at, r->bytes.data + from, length);
        at[length] = '\0';
        r->columns[c].name = at;
        r->columns[c].type = FOCUS_TYPE_STRING;
        r->columns[c].nullable = true;
        int index = focus_schema_column_index(schema, at);
        if (index >= 0)
            r->columns[c] = schema->columns[index];
        r->columns[c].name = at;
        at += length + 1;
    }
    for (size_t i = 0; schema && i < schema->column_count; i++) {
        bool found = false;
        for (size_t c = 0; c < r->column_count && !found; c++)
            found = strcmp(r->columns[c].name, schema->columns[i].name) == 0;
        if (!found)
            return focus_fail(error, FOCUS_SCHEMA_MISMATCH, r->in.path, 0, 1,
                              "%s: column %s of %s %s%s%s is missing from the header", r->in.path,
                              schema->columns[i].name, schema->dataset_name, schema->version,
                              schema->variant ? " " : "", schema->variant ? schema->variant : "");
    }
    return FOCUS_OK;
}

focus_status focus_csv_reader_open(const char *path, const focus_schema *schema,
                                   focus_reader **out_reader, focus_error *error)
{
    csv_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a CSV reader");
    r->base.ops = &csv_reader_ops;
    r->base.format = FOCUS_FORMAT_CSV;
    r->line = 1;
    /* Cell pointers are computed from bytes.data, so it is never NULL (even for empty rows). */
    if (!focus_buffer_reserve(&r->bytes, 256)) {
        free(r);
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a CSV reader");
    }
    focus_status status = focus_input_open(&r->in, path, error);
    if (status == FOCUS_OK)
        status = read_header(r, schema, error);
    if (status != FOCUS_OK) {
        csv_free(&r->base);
        return status;
    }
    *out_reader = &r->base;
    return FOCUS_OK;
}
