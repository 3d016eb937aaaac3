/* Parquet reader: the footer is read and checked first (magic, length, schema, row groups,
 * chunk bounds), then rows stream out of one cursor per column. Anything malformed is a
 * FOCUS_CORRUPT naming the file and offset; features not read here are FOCUS_UNSUPPORTED. */
#include "focus/parquet_reader_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FOOTER_MAX_BYTES (64 * 1024 * 1024)

focus_status pq_read_at(parquet_reader *r, int64_t offset, size_t length, focus_error *error)
{
    if (length > r->read_capacity) {
        uint8_t *grown = realloc(r->read_buffer, length);
        if (!grown)
            return focus_fail(error, FOCUS_NO_MEMORY, r->path, offset, -1,
                              "%s: no memory for %zu bytes at offset %lld", r->path, length,
                              (long long)offset);
        r->read_buffer = grown;
        r->read_capacity = length;
    }
    if (offset < 0 || offset > r->size || (int64_t)length > r->size - offset)
        return focus_fail(error, FOCUS_CORRUPT, r->path, offset, -1,
                          "%s: %zu bytes at offset %lld run past the end of the file (%lld bytes)",
                          r->path, length, (long long)offset, (long long)r->size);
    if (fseeko(r->file, offset, SEEK_SET) != 0 ||
        fread(r->read_buffer, 1, length, r->file) != length)
        return focus_fail(error, FOCUS_IO, r->path, offset, -1,
                          "%s: cannot read at offset %lld: %s", r->path, (long long)offset,
                          strerror(errno ? errno : EIO));
    return FOCUS_OK;
}

/* Maps a leaf to this module's types; NULL when supported, else why not. */
static const char *leaf_type(const pq_schema_element *e, focus_type *out)
{
    bool decimal = e->converted == PQ_CT_DECIMAL || e->logical == PQ_LT_DECIMAL;
    switch (e->type) {
    case PQ_BYTE_ARRAY:
        *out = FOCUS_TYPE_STRING;
        return NULL;
    case PQ_BOOLEAN:
        *out = FOCUS_TYPE_BOOLEAN;
        return NULL;
    case PQ_FLOAT:
    case PQ_DOUBLE:
        *out = FOCUS_TYPE_DECIMAL;
        return NULL;
    case PQ_INT96:
        *out = FOCUS_TYPE_DATETIME;
        return NULL;
    case PQ_INT32:
        *out = decimal                                                  ? FOCUS_TYPE_DECIMAL
               : e->converted == PQ_CT_DATE || e->logical == PQ_LT_DATE ? FOCUS_TYPE_DATE
                                                                        : FOCUS_TYPE_INTEGER;
        return NULL;
    case PQ_INT64:
        *out = decimal ? FOCUS_TYPE_DECIMAL
               : e->logical == PQ_LT_TIMESTAMP || e->converted == PQ_CT_TIMESTAMP_MILLIS ||
                       e->converted == PQ_CT_TIMESTAMP_MICROS
                   ? FOCUS_TYPE_DATETIME
                   : FOCUS_TYPE_INTEGER;
        return NULL;
    case PQ_FLBA:
        if (!decimal)
            return "FIXED_LEN_BYTE_ARRAY columns other than DECIMAL are not supported";
        if (e->type_length <= 0 || e->type_length > 16)
            return "DECIMAL wider than 16 bytes";
        *out = FOCUS_TYPE_DECIMAL;
        return NULL;
    default:
        return "unknown physical type";
    }
}

static focus_status check_schema(parquet_reader *r, focus_error *error)
{
    const pq_file_meta *m = &r->meta;
    if (m->schema_count < 2 || m->schema[0].num_children != (int)(m->schema_count - 1))
        return focus_fail(error, FOCUS_UNSUPPORTED, r->path, r->footer_start, -1,
                          "%s: only flat schemas are read (root has %d children, %zu elements)",
                          r->path, m->schema_count ? m->schema[0].num_children : 0,
                          m->schema_count);
    r->column_count = m->schema_count - 1;
    r->columns = calloc(r->column_count, sizeof(*r->columns));
    r->values = calloc(r->column_count, sizeof(*r->values));
    r->cursors = calloc(r->column_count, sizeof(*r->cursors));
    if (!r->columns || !r->values || !r->cursors)
        return focus_fail(error, FOCUS_NO_MEMORY, r->path, -1, -1, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->column_count; i++) {
        const pq_schema_element *e = &m->schema[i + 1];
        const char *why = NULL;
        if (e->num_children != 0 || e->type < 0)
            why = "nested columns are not supported";
        else if (e->repetition != PQ_REQUIRED && e->repetition != PQ_OPTIONAL)
            why = "repeated columns are not supported";
        else
            why = leaf_type(e, &r->columns[i].type);
        if (why)
            return focus_fail(error, FOCUS_UNSUPPORTED, r->path, r->footer_start, -1,
                              "%s: column %s: %s", r->path, e->name, why);
        if (e->scale < 0 || e->scale > 38)
            return focus_fail(error, FOCUS_CORRUPT, r->path, r->footer_start, -1,
                              "%s: column %s has decimal scale %d", r->path, e->name, e->scale);
        r->columns[i].name = e->name;
        r->columns[i].nullable = e->repetition == PQ_OPTIONAL;
        r->cursors[i].element = e;
        r->cursors[i].name = e->name;
        r->cursors[i].type = r->columns[i].type;
        r->cursors[i].optional = e->repetition == PQ_OPTIONAL;
    }
    return FOCUS_OK;
}

static focus_status check_row_groups(parquet_reader *r, focus_error *error)
{
    const pq_file_meta *m = &r->meta;
    int64_t total = 0;
    for (size_t g = 0; g < m->row_group_count; g++) {
        const pq_row_group *rg = &m->row_groups[g];
        if (rg->num_rows < 0 || rg->num_rows > INT64_MAX - total)
            return focus_fail(error, FOCUS_CORRUPT, r->path, r->footer_start, -1,
                              "%s: row group %zu has %lld rows", r->path, g,
                              (long long)rg->num_rows);
        total += rg->num_rows;
        if (rg->column_count != r->column_count)
            return focus_fail(error, FOCUS_CORRUPT, r->path, r->footer_start, -1,
                              "%s: row group %zu has %zu columns, the schema %zu", r->path, g,
                              rg->column_count, r->column_count);
        for (size_t c = 0; c < rg->column_count; c++) {
            const pq_column_meta *cm = &rg->columns[c];
            const pq_schema_element *e = &m->schema[c + 1];
            const char *why = NULL;
            int64_t start =
                cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < cm->data_page_offset
                    ? cm->dictionary_page_offset
                    : cm->data_page_offset;
            if (cm->type != e->type)
                why = "type differs from the schema";
            else if (!cm->path || strcmp(cm->path, e->name) != 0)
                why = "path differs from the schema";
            else if (cm->num_values != rg->num_rows)
                why = "value count differs from the row count";
            else if (start < 4 || cm->total_compressed < 0 ||
                     cm->total_compressed > r->footer_start - start)
                why = "chunk lies outside the data area";
            if (why)
                return focus_fail(error, FOCUS_CORRUPT, r->path, r->footer_start, -1,
                                  "%s: row group %zu column %s: %s", r->path, g, e->name, why);
            if (cm->codec != PQ_UNCOMPRESSED && cm->codec != PQ_SNAPPY && cm->codec != PQ_GZIP)
                return focus_fail(error, FOCUS_UNSUPPORTED, r->path, start, -1,
                                  "%s: column %s uses compression codec %d (only uncompressed, "
                                  "Snappy and GZIP are read)",
                                  r->path, e->name, cm->codec);
        }
    }
    if (total != m->num_rows)
        return focus_fail(error, FOCUS_CORRUPT, r->path, r->footer_start, -1,
                          "%s: row groups hold %lld rows, the footer says %lld", r->path,
                          (long long)total, (long long)m->num_rows);
    return FOCUS_OK;
}

static focus_status read_footer(parquet_reader *r, focus_error *error)
{
    if (r->size < 12)
        return focus_fail(error, FOCUS_CORRUPT, r->path, 0, -1,
                          "%s: %lld bytes is too small for a Parquet file", r->path,
                          (long long)r->size);
    focus_status status = pq_read_at(r, r->size - 8, 8, error);
    if (status != FOCUS_OK)
        return status;
    uint32_t footer_length;
    memcpy(&footer_length, r->read_buffer, 4);
    if (memcmp(r->read_buffer + 4, "PARE", 4) == 0)
        return focus_fail(error, FOCUS_UNSUPPORTED, r->path, r->size - 4, -1,
                          "%s: encrypted Parquet files are not supported", r->path);
    if (memcmp(r->read_buffer + 4, "PAR1", 4) != 0)
        return focus_fail(error, FOCUS_CORRUPT, r->path, r->size - 4, -1,
                          "%s: no PAR1 magic at the end (truncated or not Parquet)", r->path);
    if (footer_length == 0 || footer_length > (uint64_t)r->size - 12 ||
        footer_length > FOOTER_MAX_BYTES)
        return focus_fail(error, FOCUS_CORRUPT, r->path, r->size - 8, -1,
                          "%s: footer length %u does not fit the file (%lld bytes)", r->path,
                          footer_length, (long long)r->size);
    r->footer_start = r->size - 8 - footer_length;
    status = pq_read_at(r, r->footer_start, footer_length, error);
    if (status != FOCUS_OK)
        return status;
    int64_t where = 0;
    const char *why =
        pq_file_meta_decode(r->read_buffer, footer_length, r->footer_start, &r->meta, &where);
    if (why)
        return focus_fail(error, FOCUS_CORRUPT, r->path, where, -1,
                          "%s: bad footer at offset %lld: %s", r->path, (long long)where, why);
    if (r->meta.version < 1 || r->meta.version > 2)
        return focus_fail(error, FOCUS_UNSUPPORTED, r->path, r->footer_start, -1,
                          "%s: Parquet format version %d", r->path, r->meta.version);
    status = check_schema(r, error);
    return status == FOCUS_OK ? check_row_groups(r, error) : status;
}

static const focus_column *parquet_columns(const focus_reader *base, size_t *out_count)
{
    const parquet_reader *r = (const parquet_reader *)base;
    if (out_count)
        *out_count = r->column_count;
    return r->columns;
}

static int64_t parquet_declared_rows(const focus_reader *base)
{
    return ((const parquet_reader *)base)->meta.num_rows;
}

static void start_group(parquet_reader *r, size_t g)
{
    const pq_row_group *rg = &r->meta.row_groups[g];
    for (size_t c = 0; c < r->column_count; c++) {
        column_cursor *cursor = &r->cursors[c];
        const pq_column_meta *cm = &rg->columns[c];
        pq_cursor_reset(cursor);
        cursor->meta = cm;
        cursor->position =
            cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < cm->data_page_offset
                ? cm->dictionary_page_offset
                : cm->data_page_offset;
        cursor->end = cursor->position + cm->total_compressed;
        cursor->values_left = cm->num_values;
    }
    r->group = (int64_t)g;
    r->group_rows_left = rg->num_rows;
}

bool pq_reader_next_group(parquet_reader *r)
{
    while (r->group_rows_left == 0) {
        if (r->next_group >= r->meta.row_group_count)
            return false;
        start_group(r, r->next_group++);
    }
    return true;
}

static focus_status parquet_next(focus_reader *base, const focus_value **out_row,
                                 focus_error *error)
{
    parquet_reader *r = (parquet_reader *)base;
    *out_row = NULL;
    if (!pq_reader_next_group(r))
        return FOCUS_OK;
    for (size_t c = 0; c < r->column_count; c++) {
        if (r->skipped != NULL && r->skipped[c])
            continue; /* stays null; its pages are never read */
        focus_status status = pq_cursor_next(r, &r->cursors[c], &r->values[c], error);
        if (status != FOCUS_OK)
            return status;
    }
    r->group_rows_left--;
    r->rows_read++;
    *out_row = r->values;
    return FOCUS_OK;
}

static void parquet_free(focus_reader *base)
{
    parquet_reader *r = (parquet_reader *)base;
    for (size_t c = 0; r->cursors && c < r->column_count; c++)
        pq_cursor_dispose(&r->cursors[c]);
    free(r->cursors);
    free(r->batch);
    free(r->batch_levels);
    free(r->batch_scratch);
    free(r->batch_nulls);
    free(r->skipped);
    free(r->columns);
    free(r->values);
    pq_file_meta_dispose(&r->meta);
    free(r->read_buffer);
    if (r->file)
        fclose(r->file);
    free(r->path);
    free(r);
}

static const focus_reader_ops parquet_reader_ops = {.columns = parquet_columns,
                                                    .next = parquet_next,
                                                    .next_batch = pq_parquet_next_batch,
                                                    .declared_rows = parquet_declared_rows,
                                                    .free = parquet_free};

focus_status focus_parquet_reader_open(const char *path, focus_reader **out_reader,
                                       focus_error *error)
{
    parquet_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a Parquet reader");
    r->base.ops = &parquet_reader_ops;
    r->base.format = FOCUS_FORMAT_PARQUET;
    r->path = strdup(path);
    r->file = fopen(path, "rb");
    focus_status status = FOCUS_OK;
    if (!r->path)
        status = focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory");
    else if (!r->file)
        status =
            focus_fail(error, FOCUS_IO, path, -1, -1, "cannot open %s: %s", path, strerror(errno));
    else if (fseeko(r->file, 0, SEEK_END) != 0 || (r->size = ftello(r->file)) < 0)
        status = focus_fail(error, FOCUS_IO, path, -1, -1, "cannot size %s", path);
    if (status == FOCUS_OK)
        status = read_footer(r, error);
    if (status != FOCUS_OK) {
        parquet_free(&r->base);
        return status;
    }
    *out_reader = &r->base;
    return FOCUS_OK;
}

focus_status focus_reader_select_columns(focus_reader *reader, const char *const *names,
                                         size_t count, focus_error *error)
{
    if (reader == NULL || (names == NULL && count > 0))
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_reader_select_columns: no reader or names");
    if (reader->format != FOCUS_FORMAT_PARQUET)
        return FOCUS_OK; /* CSV splits every cell anyway */
    parquet_reader *r = (parquet_reader *)reader;
    if (r->rows_read > 0 || r->batch != NULL)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, r->path, -1, -1,
                          "%s: columns are selected before the first row", r->path);
    if (r->skipped == NULL && (r->skipped = calloc(r->column_count, sizeof *r->skipped)) == NULL)
        return focus_fail(error, FOCUS_NO_MEMORY, r->path, -1, -1, "no memory");
    for (size_t c = 0; c < r->column_count; c++) {
        bool wanted = false;
        for (size_t i = 0; i < count && !wanted; i++)
            wanted = strcmp(r->columns[c].name, names[i]) == 0;
        r->skipped[c] = !wanted;
        r->values[c] = (focus_value){.is_null = true};
    }
    return FOCUS_OK;
}
