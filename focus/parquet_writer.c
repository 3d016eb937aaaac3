/* Parquet writer: rows in, one column chunk per column per row group, pages of PLAIN or
 * dictionary (RLE_DICTIONARY) values, v1 or v2 data pages, Snappy or uncompressed. Chunks
 * are held compressed in memory until their row group is full, so memory stays flat. */
#include "focus/parquet_writer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int physical_type(focus_type type)
{
    switch (type) {
    case FOCUS_TYPE_STRING:
        return PQ_BYTE_ARRAY;
    case FOCUS_TYPE_DECIMAL:
        return PQ_DOUBLE;
    case FOCUS_TYPE_BOOLEAN:
        return PQ_BOOLEAN;
    case FOCUS_TYPE_DATE:
        return PQ_INT32;
    default:
        return PQ_INT64;
    }
}

static focus_status no_memory(parquet_writer *w, focus_error *error)
{
    w->failed = true;
    return focus_fail(error, FOCUS_NO_MEMORY, w->out.path, -1, -1, "%s: out of memory",
                      w->out.path);
}

/* The PLAIN bytes of one value (booleans as one byte, packed when the page is written). */
static size_t plain_bytes(const column_writer *c, const focus_value *v, uint8_t scratch[8],
                          const uint8_t **out_data, uint32_t *out_prefix)
{
    int64_t i64;
    switch (c->physical) {
    case PQ_BYTE_ARRAY:
        *out_prefix = (uint32_t)v->length;
        *out_data = (const uint8_t *)v->text;
        return v->length;
    case PQ_DOUBLE:
        memcpy(scratch, &v->number, 8); /* little-endian hosts only (x86-64, arm64) */
        break;
    case PQ_BOOLEAN:
        scratch[0] = v->boolean;
        *out_data = scratch;
        return 1;
    case PQ_INT32: {
        int32_t i32 = (int32_t)v->integer;
        memcpy(scratch, &i32, 4);
        *out_data = scratch;
        return 4;
    }
    default:
        i64 = v->integer;
        memcpy(scratch, &i64, 8);
        break;
    }
    *out_data = scratch;
    return 8;
}

/* Word-at-a-time mixing: dictionary lookups hash every value written. */
static uint64_t hash_bytes(uint32_t prefix, const uint8_t *data, size_t length)
{
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ ((uint64_t)prefix * UINT64_C(0xff51afd7ed558ccd));
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        h = (h ^ word) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
        data += 8;
        length -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, data, length);
    h = (h ^ tail ^ ((uint64_t)length << 56)) * UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 29);
}

static bool grow_slots(column_writer *c)
{
    size_t count = c->slot_count ? c->slot_count * 2 : 1024;
    uint32_t *slots = calloc(count, sizeof(*slots));
    if (!slots)
        return false;
    for (size_t e = 0; e < c->entry_count; e++) {
        const uint8_t *entry = c->dictionary.data + c->entry_offsets[e];
        size_t length = c->entry_offsets[e + 1] - c->entry_offsets[e];
        uint32_t prefix = 0;
        if (c->physical == PQ_BYTE_ARRAY) {
            memcpy(&prefix, entry, 4);
            entry += 4;
            length -= 4;
        }
        size_t s = hash_bytes(prefix, entry, length) & (count - 1);
        while (slots[s])
            s = (s + 1) & (count - 1);
        slots[s] = (uint32_t)e + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->slot_count = count;
    return true;
}

/* Index of the value in the dictionary, adding it; -1 when out of memory. */
static int64_t dictionary_index(column_writer *c, uint32_t prefix, const uint8_t *data,
                                size_t length)
{
    if ((c->entry_count + 1) * 2 > c->slot_count && !grow_slots(c))
        return -1;
    size_t with_prefix = length + (c->physical == PQ_BYTE_ARRAY ? 4 : 0);
    size_t s = hash_bytes(prefix, data, length) & (c->slot_count - 1);
    for (; c->slots[s]; s = (s + 1) & (c->slot_count - 1)) {
        uint32_t e = c->slots[s] - 1;
        const uint8_t *entry = c->dictionary.data + c->entry_offsets[e];
        if (c->entry_offsets[e + 1] - c->entry_offsets[e] != with_prefix)
            continue;
        if (c->physical == PQ_BYTE_ARRAY) {
            if (memcmp(entry + 4, data, length) == 0)
                return e;
        } else if (memcmp(entry, data, length) == 0) {
            return e;
        }
    }
    if (c->entry_count + 2 > c->entry_capacity) {
        size_t capacity = c->entry_capacity ? c->entry_capacity * 2 : 256;
        uint32_t *grown = realloc(c->entry_offsets, capacity * sizeof(*grown));
        if (!grown)
            return -1;
        c->entry_offsets = grown;
        c->entry_capacity = capacity;
    }
    if (c->entry_count == 0)
        c->entry_offsets[0] = 0;
    if ((c->physical == PQ_BYTE_ARRAY && !focus_buffer_append(&c->dictionary, &prefix, 4)) ||
        !focus_buffer_append(&c->dictionary, data, length))
        return -1;
    c->slots[s] = (uint32_t)c->entry_count + 1;
    c->entry_offsets[++c->entry_count] = (uint32_t)c->dictionary.length;
    return (int64_t)c->entry_count - 1;
}

static focus_status add_value(parquet_writer *w, column_writer *c, const focus_value *v,
                              focus_error *error)
{
    c->levels[c->page_values++] = !v->is_null;
    if (v->is_null) {
        c->page_nulls++;
        c->null_count++;
        return c->page_values >= PAGE_MAX_VALUES ? pq_writer_flush_page(w, c, error) : FOCUS_OK;
    }
    if (c->physical == PQ_DOUBLE) {
        bool first = !c->has_range;
        c->min_number = first || v->number < c->min_number ? v->number : c->min_number;
        c->max_number = first || v->number > c->max_number ? v->number : c->max_number;
        c->has_range = true;
    } else if (c->physical == PQ_INT64 || c->physical == PQ_INT32) {
        bool first = !c->has_range;
        c->min_integer = first || v->integer < c->min_integer ? v->integer : c->min_integer;
        c->max_integer = first || v->integer > c->max_integer ? v->integer : c->max_integer;
        c->has_range = true;
    }
    uint8_t scratch[8];
    const uint8_t *data;
    uint32_t prefix = 0;
    size_t length = plain_bytes(c, v, scratch, &data, &prefix);
    if (c->dictionary_on) {
        int64_t index = dictionary_index(c, prefix, data, length);
        if (index < 0)
            return no_memory(w, error);
        c->indices[c->page_indices++] = (uint32_t)index;
        c->dictionary_used = true;
        if (c->dictionary.length > DICTIONARY_MAX_BYTES) {
            /* Too many distinct values: this page stays dictionary-encoded, later pages of the
             * chunk are PLAIN (chunks may mix both). */
            focus_status status = pq_writer_flush_page(w, c, error);
            c->dictionary_on = false;
            return status;
        }
    } else if ((c->physical == PQ_BYTE_ARRAY && !focus_buffer_append(&c->plain, &prefix, 4)) ||
               !focus_buffer_append(&c->plain, data, length)) {
        return no_memory(w, error);
    }
    if (c->page_values >= PAGE_MAX_VALUES || c->plain.length >= w->options.parquet_page_bytes)
        return pq_writer_flush_page(w, c, error);
    return FOCUS_OK;
}

static focus_status parquet_write_row(focus_writer *base, const focus_value *row,
                                      focus_error *error)
{
    parquet_writer *w = (parquet_writer *)base;
    if (w->failed)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, w->out.path, -1, -1,
                          "%s: writer already failed", w->out.path);
    for (size_t i = 0; i < w->schema->column_count; i++)
        if (row[i].is_null && !w->columns[i].optional)
            return focus_fail(error, FOCUS_INVALID_ARGUMENT, w->out.path, -1, -1,
                              "%s: row %llu has no value for required column %s", w->out.path,
                              (unsigned long long)w->rows + 1, w->schema->columns[i].name);
    for (size_t i = 0; i < w->schema->column_count; i++) {
        focus_status status = add_value(w, &w->columns[i], &row[i], error);
        if (status != FOCUS_OK) {
            w->failed = true;
            return status;
        }
    }
    w->rows++;
    w->group_rows++;
    if (w->group_rows >= w->options.parquet_row_group_rows ||
        pq_writer_buffered_bytes(w) >= ROW_GROUP_MAX_BYTES)
        return pq_writer_flush_row_group(w, error);
    return FOCUS_OK;
}

static uint64_t parquet_bytes(const focus_writer *base)
{
    const parquet_writer *w = (const parquet_writer *)base;
    /* Buffered chunks count too, so partitioning by size works before a row group lands. */
    return w->out.stored_bytes + w->out.used + pq_writer_buffered_bytes(w);
}

static void free_writer(parquet_writer *w)
{
    for (size_t i = 0; w->columns && i < w->schema->column_count; i++) {
        column_writer *c = &w->columns[i];
        free(c->levels);
        free(c->indices);
        free(c->entry_offsets);
        free(c->slots);
        focus_buffer_dispose(&c->plain);
        focus_buffer_dispose(&c->dictionary);
        focus_buffer_dispose(&c->chunk);
    }
    free(w->columns);
    focus_buffer_dispose(&w->body);
    focus_buffer_dispose(&w->values);
    focus_buffer_dispose(&w->scratch);
    focus_buffer_dispose(&w->header);
    free(w->level_scratch);
    for (size_t g = 0; g < w->meta.row_group_count; g++) {
        for (size_t c = 0; c < w->meta.row_groups[g].column_count; c++)
            w->meta.row_groups[g].columns[c].path = NULL; /* borrowed from the schema */
    }
    for (size_t i = 0; i < w->meta.schema_count; i++)
        w->meta.schema[i].name = NULL; /* borrowed */
    w->meta.created_by = NULL;
    pq_file_meta_dispose(&w->meta);
    free(w);
}

static focus_status parquet_close(focus_writer *base, focus_file_stats *out_stats,
                                  focus_error *error)
{
    parquet_writer *w = (parquet_writer *)base;
    focus_status status = w->failed
                              ? focus_fail(error, FOCUS_INVALID_ARGUMENT, w->out.path, -1, -1,
                                           "%s: not finished after an earlier failure", w->out.path)
                              : pq_writer_finish(w, error);
    uint64_t bytes = 0;
    if (status == FOCUS_OK)
        status = focus_output_close(&w->out, &bytes, error);
    else
        focus_output_abandon(&w->out);
    if (out_stats) {
        out_stats->byte_count = bytes;
        out_stats->data_row_count = w->rows;
    }
    free_writer(w);
    return status;
}

static const focus_writer_ops parquet_writer_ops = {parquet_write_row, parquet_bytes,
                                                    parquet_close};

/* schema[0] is the root; leaves carry both the converted type and the logical type. */
static bool build_schema(parquet_writer *w)
{
    size_t n = w->schema->column_count;
    w->meta.schema = calloc(n + 1, sizeof(*w->meta.schema));
    if (!w->meta.schema)
        return false;
    w->meta.schema_count = n + 1;
    pq_schema_element *root = &w->meta.schema[0];
    root->name = (char *)"schema";
    root->type = root->repetition = root->converted = -1;
    root->num_children = (int)n;
    for (size_t i = 0; i < n; i++) {
        const focus_column *column = &w->schema->columns[i];
        pq_schema_element *e = &w->meta.schema[i + 1];
        e->name = (char *)column->name;
        e->type = physical_type(column->type);
        e->repetition = column->nullable ? PQ_OPTIONAL : PQ_REQUIRED;
        e->converted = -1;
        if (column->type == FOCUS_TYPE_STRING) {
            e->converted = PQ_CT_UTF8;
            e->logical = PQ_LT_STRING;
        } else if (column->type == FOCUS_TYPE_DATETIME) {
            e->converted = PQ_CT_TIMESTAMP_MICROS;
            e->logical = PQ_LT_TIMESTAMP;
            e->unit = PQ_UNIT_MICROS;
            e->utc = true;
        } else if (column->type == FOCUS_TYPE_DATE) {
            e->converted = PQ_CT_DATE;
            e->logical = PQ_LT_DATE;
        }
    }
    return true;
}

focus_status focus_parquet_writer_open(const char *path, const focus_schema *schema,
                                       const focus_writer_options *options,
                                       focus_writer **out_writer, focus_error *error)
{
    parquet_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a Parquet writer");
    w->base.ops = &parquet_writer_ops;
    w->schema = schema;
    w->options = *options;
    if (w->options.parquet_row_group_rows == 0)
        w->options.parquet_row_group_rows = 122880;
    if (w->options.parquet_page_bytes == 0)
        w->options.parquet_page_bytes = 1024 * 1024;
    w->codec = options->compression == FOCUS_COMPRESSION_SNAPPY ? PQ_SNAPPY : PQ_UNCOMPRESSED;
    w->meta.version = 1;
    w->meta.column_orders = true;
    w->meta.created_by = (char *)"hubagent version " HUBAGENT_VERSION " (build focus)";
    w->columns = calloc(schema->column_count, sizeof(*w->columns));
    w->level_scratch = malloc(PAGE_MAX_VALUES * sizeof(*w->level_scratch));
    bool ok = w->columns && w->level_scratch && build_schema(w);
    for (size_t i = 0; ok && i < schema->column_count; i++) {
        column_writer *c = &w->columns[i];
        c->column = &schema->columns[i];
        c->physical = physical_type(c->column->type);
        c->optional = c->column->nullable;
        c->dictionary_on = options->parquet_dictionary && c->physical != PQ_BOOLEAN;
        c->levels = malloc(PAGE_MAX_VALUES);
        c->indices = c->dictionary_on ? malloc(PAGE_MAX_VALUES * sizeof(uint32_t)) : NULL;
        ok = c->levels && (!c->dictionary_on || c->indices);
    }
    focus_status status =
        ok ? focus_output_open(&w->out, path, false, error)
           : focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory for a Parquet writer");
    if (status == FOCUS_OK)
        status = focus_output_write(&w->out, "PAR1", 4, error);
    if (status != FOCUS_OK) {
        if (w->out.file)
            focus_output_abandon(&w->out);
        free_writer(w);
        return status;
    }
    *out_writer = &w->base;
    return FOCUS_OK;
}
