/* The Parquet writer's pages, row groups and footer: levels and values encoded, bodies
 * compressed, chunks laid out (dictionary page first) and described in FileMetaData. */
#include "focus/parquet_writer_int.h"

#include <stdlib.h>
#include <string.h>

static focus_status fail_memory(parquet_writer *w, focus_error *error)
{
    w->failed = true;
    return focus_fail(error, FOCUS_NO_MEMORY, w->out.path, -1, -1, "%s: out of memory",
                      w->out.path);
}

/* Values of the current page, uncompressed, into w->values. */
static bool encode_values(parquet_writer *w, column_writer *c, bool dictionary_page)
{
    w->values.length = 0;
    if (dictionary_page) {
        int width = pq_bit_width(c->entry_count > 1 ? (uint32_t)c->entry_count - 1 : 1);
        uint8_t byte = (uint8_t)width;
        return focus_buffer_append(&w->values, &byte, 1) &&
               pq_hybrid_encode(c->indices, c->page_indices, width, &w->values);
    }
    if (c->physical != PQ_BOOLEAN)
        return focus_buffer_append(&w->values, c->plain.data, c->plain.length);
    size_t count = c->plain.length, bytes = (count + 7) / 8;
    if (!focus_buffer_reserve(&w->values, bytes))
        return false;
    memset(w->values.data, 0, bytes);
    for (size_t k = 0; k < count; k++)
        if (c->plain.data[k])
            w->values.data[k / 8] |= (uint8_t)(1u << (k % 8));
    w->values.length = bytes;
    return true;
}

/* Definition levels of the current page into w->scratch (hybrid, width 1, no prefix). */
static bool encode_levels(parquet_writer *w, column_writer *c)
{
    w->scratch.length = 0;
    if (!c->optional)
        return true;
    for (size_t k = 0; k < c->page_values; k++)
        w->level_scratch[k] = c->levels[k];
    return pq_hybrid_encode(w->level_scratch, c->page_values, 1, &w->scratch);
}

static bool append_page(parquet_writer *w, focus_buffer *to, const pq_page_header *header,
                        const focus_buffer *prefix, const focus_buffer *body, int64_t *uncompressed)
{
    w->header.length = 0;
    bool ok;
    pq_page_header_encode(header, &w->header, &ok);
    if (!ok || !focus_buffer_append(to, w->header.data, w->header.length) ||
        (prefix && !focus_buffer_append(to, prefix->data, prefix->length)) ||
        !focus_buffer_append(to, body->data, body->length))
        return false;
    *uncompressed += (int64_t)w->header.length + header->uncompressed_size;
    return true;
}

focus_status pq_writer_flush_page(parquet_writer *w, column_writer *c, focus_error *error)
{
    if (c->page_values == 0)
        return FOCUS_OK;
    /* An all-null page has no indices and needs no dictionary: write it PLAIN. */
    bool dictionary_page = c->dictionary_on && c->page_indices > 0;
    pq_page_header header = {0};
    header.num_values = (int32_t)c->page_values;
    header.encoding = dictionary_page ? PQ_RLE_DICTIONARY : PQ_PLAIN;
    if (!encode_values(w, c, dictionary_page) || !encode_levels(w, c))
        return fail_memory(w, error);
    w->body.length = 0;
    bool ok;
    if (w->options.parquet_page_version == 2) {
        /* v2: levels stay raw, only values are compressed. */
        ok = pq_compress(w->codec, w->values.data, w->values.length, &w->body);
        header.type = PQ_DATA_PAGE_V2;
        header.num_nulls = (int32_t)c->page_nulls;
        header.num_rows = (int32_t)c->page_values;
        header.def_length = (int32_t)w->scratch.length;
        header.is_compressed = w->codec != PQ_UNCOMPRESSED;
        header.uncompressed_size = (int32_t)(w->scratch.length + w->values.length);
        header.compressed_size = (int32_t)(w->scratch.length + w->body.length);
        ok =
            ok && append_page(w, &c->chunk, &header, &w->scratch, &w->body, &c->chunk_uncompressed);
    } else {
        /* v1: [u32 length + levels] + values, compressed as one block. */
        focus_buffer *raw = &w->header; /* reused as the raw body before the header is made */
        raw->length = 0;
        uint32_t level_length = (uint32_t)w->scratch.length;
        ok = (!c->optional || (focus_buffer_append(raw, &level_length, 4) &&
                               focus_buffer_append(raw, w->scratch.data, w->scratch.length))) &&
             focus_buffer_append(raw, w->values.data, w->values.length);
        size_t raw_length = raw->length;
        ok = ok && pq_compress(w->codec, raw->data, raw->length, &w->body);
        header.type = PQ_DATA_PAGE;
        header.uncompressed_size = (int32_t)raw_length;
        header.compressed_size = (int32_t)w->body.length;
        ok = ok && append_page(w, &c->chunk, &header, NULL, &w->body, &c->chunk_uncompressed);
    }
    if (!ok)
        return fail_memory(w, error);
    c->encodings |= 1u << PQ_RLE | 1u << (dictionary_page ? PQ_RLE_DICTIONARY : PQ_PLAIN);
    c->page_values = c->page_nulls = c->page_indices = 0;
    c->plain.length = 0;
    return FOCUS_OK;
}

size_t pq_writer_buffered_bytes(const parquet_writer *w)
{
    size_t total = 0;
    for (size_t i = 0; i < w->schema->column_count; i++)
        total += w->columns[i].chunk.length + w->columns[i].dictionary.length +
                 w->columns[i].plain.length;
    return total;
}

static focus_status write_chunk(parquet_writer *w, column_writer *c, pq_column_meta *meta,
                                focus_error *error)
{
    int64_t start = (int64_t)(w->out.stored_bytes + w->out.used);
    int64_t uncompressed = 0, dictionary_bytes = 0;
    meta->type = c->physical;
    meta->codec = w->codec;
    meta->path = (char *)c->column->name;
    meta->num_values = (int64_t)w->group_rows;
    if (c->dictionary_used) {
        pq_page_header header = {0};
        header.type = PQ_DICTIONARY_PAGE;
        header.num_values = (int32_t)c->entry_count;
        w->body.length = 0;
        if (!pq_compress(w->codec, c->dictionary.data, c->dictionary.length, &w->body))
            return fail_memory(w, error);
        header.uncompressed_size = (int32_t)c->dictionary.length;
        header.compressed_size = (int32_t)w->body.length;
        w->scratch.length = 0;
        if (!append_page(w, &w->scratch, &header, NULL, &w->body, &uncompressed))
            return fail_memory(w, error);
        dictionary_bytes = (int64_t)w->scratch.length;
        focus_status status =
            focus_output_write(&w->out, w->scratch.data, w->scratch.length, error);
        if (status != FOCUS_OK)
            return status;
        meta->dictionary_page_offset = start;
        c->encodings |= 1u << PQ_PLAIN;
    }
    focus_status status = focus_output_write(&w->out, c->chunk.data, c->chunk.length, error);
    if (status != FOCUS_OK)
        return status;
    meta->data_page_offset = start + dictionary_bytes;
    meta->total_compressed = dictionary_bytes + (int64_t)c->chunk.length;
    meta->total_uncompressed = uncompressed + c->chunk_uncompressed;
    meta->encodings = c->encodings;
    meta->has_statistics = true;
    meta->null_count = c->null_count;
    meta->range_length = 0;
    if (c->has_range) { /* PLAIN encoding of the value, little-endian */
        if (c->physical == PQ_DOUBLE) {
            memcpy(meta->min_value, &c->min_number, 8);
            memcpy(meta->max_value, &c->max_number, 8);
            meta->range_length = 8;
        } else if (c->physical == PQ_INT64) {
            memcpy(meta->min_value, &c->min_integer, 8);
            memcpy(meta->max_value, &c->max_integer, 8);
            meta->range_length = 8;
        } else {
            int32_t low = (int32_t)c->min_integer, high = (int32_t)c->max_integer;
            memcpy(meta->min_value, &low, 4);
            memcpy(meta->max_value, &high, 4);
            meta->range_length = 4;
        }
    }
    c->null_count = 0;
    c->has_range = false;
    /* The next chunk starts afresh: its own dictionary, its own pages. */
    c->chunk.length = 0;
    c->chunk_uncompressed = 0;
    c->encodings = 0;
    c->dictionary.length = 0;
    c->entry_count = 0;
    c->dictionary_used = false;
    c->dictionary_on = w->options.parquet_dictionary && c->physical != PQ_BOOLEAN;
    if (c->slots)
        memset(c->slots, 0, c->slot_count * sizeof(*c->slots));
    return FOCUS_OK;
}

focus_status pq_writer_flush_row_group(parquet_writer *w, focus_error *error)
{
    if (w->group_rows == 0)
        return FOCUS_OK;
    size_t n = w->schema->column_count;
    pq_row_group *groups =
        realloc(w->meta.row_groups, (w->meta.row_group_count + 1) * sizeof(*groups));
    if (!groups)
        return fail_memory(w, error);
    w->meta.row_groups = groups;
    pq_row_group *g = &groups[w->meta.row_group_count];
    memset(g, 0, sizeof(*g));
    g->columns = calloc(n, sizeof(*g->columns));
    if (!g->columns)
        return fail_memory(w, error);
    g->column_count = n;
    w->meta.row_group_count++;
    g->num_rows = (int64_t)w->group_rows;
    g->file_offset = (int64_t)(w->out.stored_bytes + w->out.used);
    for (size_t i = 0; i < n; i++) {
        focus_status status = pq_writer_flush_page(w, &w->columns[i], error);
        if (status == FOCUS_OK)
            status = write_chunk(w, &w->columns[i], &g->columns[i], error);
        if (status != FOCUS_OK) {
            w->failed = true;
            return status;
        }
        g->total_byte_size += g->columns[i].total_uncompressed;
        g->total_compressed += g->columns[i].total_compressed;
    }
    w->meta.num_rows += (int64_t)w->group_rows;
    w->group_rows = 0;
    return FOCUS_OK;
}

focus_status pq_writer_finish(parquet_writer *w, focus_error *error)
{
    focus_status status = pq_writer_flush_row_group(w, error);
    if (status != FOCUS_OK)
        return status;
    w->body.length = 0;
    bool ok;
    pq_file_meta_encode(&w->meta, &w->body, &ok);
    uint32_t length = (uint32_t)w->body.length;
    if (!ok || !focus_buffer_append(&w->body, &length, 4) ||
        !focus_buffer_append(&w->body, "PAR1", 4))
        return fail_memory(w, error);
    return focus_output_write(&w->out, w->body.data, w->body.length, error);
}
