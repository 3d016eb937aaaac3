/* Parquet FileMetaData and PageHeader in Thrift compact form: written with every required
 * field (readers reject structs missing one) and read with required fields checked. */
#include "focus/parquet_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- encode ---- */

static void encode_schema_element(thrift_writer *w, const pq_schema_element *e)
{
    thrift_write_element_begin(w);
    if (e->type >= 0)
        thrift_write_i32(w, 1, e->type);
    if (e->repetition >= 0)
        thrift_write_i32(w, 3, e->repetition);
    thrift_write_binary(w, 4, e->name, strlen(e->name));
    if (e->num_children > 0)
        thrift_write_i32(w, 5, e->num_children);
    if (e->converted >= 0)
        thrift_write_i32(w, 6, e->converted);
    if (e->logical != PQ_LT_NONE) {
        /* Both annotations: DuckDB reads a STRING logical type alone as BLOB. */
        thrift_write_struct_begin(w, 10);
        thrift_write_struct_begin(w, (int16_t)e->logical);
        if (e->logical == PQ_LT_TIMESTAMP) {
            thrift_write_bool(w, 1, e->utc);
            thrift_write_struct_begin(w, 2);
            thrift_write_struct_begin(w, (int16_t)e->unit);
            thrift_write_struct_end(w);
            thrift_write_struct_end(w);
        }
        thrift_write_struct_end(w);
        thrift_write_struct_end(w);
    }
    thrift_write_struct_end(w);
}

static void encode_column_chunk(thrift_writer *w, const pq_column_meta *c)
{
    thrift_write_element_begin(w);
    thrift_write_i64(w, 2, 0); /* file_offset: required, deprecated */
    thrift_write_struct_begin(w, 3);
    thrift_write_i32(w, 1, c->type);
    size_t encodings = 0;
    for (int e = 0; e < 32; e++)
        encodings += (c->encodings >> e) & 1;
    thrift_write_list_begin(w, 2, TC_I32, encodings);
    for (int e = 0; e < 32; e++)
        if ((c->encodings >> e) & 1)
            thrift_write_list_i32(w, e);
    thrift_write_list_begin(w, 3, TC_BINARY, 1);
    thrift_write_list_binary(w, c->path, strlen(c->path));
    thrift_write_i32(w, 4, c->codec);
    thrift_write_i64(w, 5, c->num_values);
    thrift_write_i64(w, 6, c->total_uncompressed);
    thrift_write_i64(w, 7, c->total_compressed);
    thrift_write_i64(w, 9, c->data_page_offset);
    if (c->dictionary_page_offset > 0)
        thrift_write_i64(w, 11, c->dictionary_page_offset);
    if (c->has_statistics) {
        thrift_write_struct_begin(w, 12);
        thrift_write_i64(w, 3, c->null_count);
        if (c->range_length) {
            thrift_write_binary(w, 5, c->max_value, c->range_length);
            thrift_write_binary(w, 6, c->min_value, c->range_length);
        }
        thrift_write_struct_end(w);
    }
    thrift_write_struct_end(w);
    thrift_write_struct_end(w);
}

void pq_file_meta_encode(const pq_file_meta *meta, focus_buffer *out, bool *ok)
{
    thrift_writer w;
    thrift_writer_init(&w, out);
    thrift_write_i32(&w, 1, meta->version);
    thrift_write_list_begin(&w, 2, TC_STRUCT, meta->schema_count);
    for (size_t i = 0; i < meta->schema_count; i++)
        encode_schema_element(&w, &meta->schema[i]);
    thrift_write_i64(&w, 3, meta->num_rows);
    thrift_write_list_begin(&w, 4, TC_STRUCT, meta->row_group_count);
    for (size_t g = 0; g < meta->row_group_count; g++) {
        const pq_row_group *rg = &meta->row_groups[g];
        thrift_write_element_begin(&w);
        thrift_write_list_begin(&w, 1, TC_STRUCT, rg->column_count);
        for (size_t c = 0; c < rg->column_count; c++)
            encode_column_chunk(&w, &rg->columns[c]);
        thrift_write_i64(&w, 2, rg->total_byte_size);
        thrift_write_i64(&w, 3, rg->num_rows);
        thrift_write_i64(&w, 5, rg->file_offset);
        thrift_write_i64(&w, 6, rg->total_compressed);
        thrift_write_struct_end(&w);
    }
    if (meta->created_by)
        thrift_write_binary(&w, 6, meta->created_by, strlen(meta->created_by));
    if (meta->column_orders) {
        /* min_value/max_value are only trusted with a column order: TYPE_ORDER for each leaf
         * (signed for integers and timestamps, IEEE-754 for doubles). */
        thrift_write_list_begin(&w, 7, TC_STRUCT, meta->schema_count - 1);
        for (size_t i = 1; i < meta->schema_count; i++) {
            thrift_write_element_begin(&w);
            thrift_write_struct_begin(&w, 1);
            thrift_write_struct_end(&w);
            thrift_write_struct_end(&w);
        }
    }
    thrift_write_stop(&w);
    *ok = w.ok;
}

void pq_page_header_encode(const pq_page_header *h, focus_buffer *out, bool *ok)
{
    thrift_writer w;
    thrift_writer_init(&w, out);
    thrift_write_i32(&w, 1, h->type);
    thrift_write_i32(&w, 2, h->uncompressed_size);
    thrift_write_i32(&w, 3, h->compressed_size);
    if (h->type == PQ_DATA_PAGE) {
        thrift_write_struct_begin(&w, 5);
        thrift_write_i32(&w, 1, h->num_values);
        thrift_write_i32(&w, 2, h->encoding);
        thrift_write_i32(&w, 3, PQ_RLE);
        thrift_write_i32(&w, 4, PQ_RLE);
        thrift_write_struct_end(&w);
    } else if (h->type == PQ_DICTIONARY_PAGE) {
        thrift_write_struct_begin(&w, 7);
        thrift_write_i32(&w, 1, h->num_values);
        thrift_write_i32(&w, 2, PQ_PLAIN);
        thrift_write_struct_end(&w);
    } else {
        thrift_write_struct_begin(&w, 8);
        thrift_write_i32(&w, 1, h->num_values);
        thrift_write_i32(&w, 2, h->num_nulls);
        thrift_write_i32(&w, 3, h->num_rows);
        thrift_write_i32(&w, 4, h->encoding);
        thrift_write_i32(&w, 5, h->def_length);
        thrift_write_i32(&w, 6, h->rep_length);
        thrift_write_bool(&w, 7, h->is_compressed);
        thrift_write_struct_end(&w);
    }
    thrift_write_stop(&w);
    *ok = w.ok;
}

/* ---- decode ---- */

static char *copy_name(const uint8_t *data, size_t length)
{
    char *name = malloc(length + 1);
    if (name) {
        memcpy(name, data, length);
        name[length] = '\0';
    }
    return name;
}

static void decode_logical(thrift_reader *r, pq_schema_element *e)
{
    int type;
    int16_t id;
    thrift_read_struct_begin(r);
    while (thrift_read_field(r, &type, &id)) {
        if (type != TC_STRUCT) {
            thrift_skip(r, type);
            continue;
        }
        e->logical = id == PQ_LT_STRING || id == PQ_LT_DECIMAL || id == PQ_LT_DATE ||
                             id == PQ_LT_TIMESTAMP || id == PQ_LT_INTEGER
                         ? id
                         : PQ_LT_OTHER;
        if (id != PQ_LT_TIMESTAMP && id != 7 /* TIME */) {
            thrift_skip(r, type);
            continue;
        }
        thrift_read_struct_begin(r);
        int t2;
        int16_t id2;
        while (thrift_read_field(r, &t2, &id2)) {
            if (id2 == 1 && (t2 == TC_TRUE || t2 == TC_FALSE)) {
                e->utc = t2 == TC_TRUE;
            } else if (id2 == 2 && t2 == TC_STRUCT) {
                thrift_read_struct_begin(r);
                int t3;
                int16_t unit;
                while (thrift_read_field(r, &t3, &unit)) {
                    e->unit = unit;
                    thrift_skip(r, t3);
                }
                thrift_read_struct_end(r);
            } else {
                thrift_skip(r, t2);
            }
        }
        thrift_read_struct_end(r);
    }
    thrift_read_struct_end(r);
}

static void decode_schema_element(thrift_reader *r, pq_schema_element *e)
{
    int type;
    int16_t id;
    e->type = e->repetition = e->converted = -1;
    thrift_read_struct_begin(r);
    while (thrift_read_field(r, &type, &id)) {
        switch (id) {
        case 1:
            e->type = (int)thrift_read_typed_int(r, type);
            break;
        case 2:
            e->type_length = (int)thrift_read_typed_int(r, type);
            break;
        case 3:
            e->repetition = (int)thrift_read_typed_int(r, type);
            break;
        case 4: {
            size_t n;
            const uint8_t *name = type == TC_BINARY ? thrift_read_binary(r, &n) : NULL;
            if (name) {
                free(e->name);
                e->name = copy_name(name, n);
            } else {
                thrift_skip(r, type);
            }
            break;
        }
        case 5:
            e->num_children = (int)thrift_read_typed_int(r, type);
            break;
        case 6:
            e->converted = (int)thrift_read_typed_int(r, type);
            break;
        case 7:
            e->scale = (int)thrift_read_typed_int(r, type);
            break;
        case 8:
            e->precision = (int)thrift_read_typed_int(r, type);
            break;
        case 10:
            if (type == TC_STRUCT)
                decode_logical(r, e);
            else
                thrift_skip(r, type);
            break;
        default:
            thrift_skip(r, type);
        }
    }
    thrift_read_struct_end(r);
    if (!e->name && !r->failure)
        r->failure = "a schema element has no name";
}

static void decode_column_meta(thrift_reader *r, pq_column_meta *c)
{
    int type, element;
    int16_t id;
    unsigned seen = 0;
    thrift_read_struct_begin(r);
    while (thrift_read_field(r, &type, &id)) {
        if (id >= 1 && id <= 11)
            seen |= 1u << id;
        switch (id) {
        case 1:
            c->type = (int)thrift_read_typed_int(r, type);
            break;
        case 2: {
            size_t n = type == TC_LIST ? thrift_read_list(r, &element) : 0;
            if (type != TC_LIST)
                thrift_skip(r, type);
            for (size_t i = 0; i < n && !r->failure; i++) {
                int64_t e = thrift_read_typed_int(r, element);
                if (e >= 0 && e < 32)
                    c->encodings |= 1u << e;
            }
            break;
        }
        case 3: {
            size_t n = type == TC_LIST ? thrift_read_list(r, &element) : 0;
            if (type != TC_LIST)
                thrift_skip(r, type);
            for (size_t i = 0; i < n && !r->failure; i++) {
                size_t length;
                const uint8_t *part = element == TC_BINARY ? thrift_read_binary(r, &length) : NULL;
                if (!part) {
                    thrift_skip(r, element);
                    continue;
                }
                if (i == 0 && !c->path)
                    c->path = copy_name(part, length);
                if (n != 1 && !r->failure)
                    r->failure = "nested column paths are not supported";
            }
            break;
        }
        case 4:
            c->codec = (int)thrift_read_typed_int(r, type);
            break;
        case 5:
            c->num_values = thrift_read_typed_int(r, type);
            break;
        case 6:
            c->total_uncompressed = thrift_read_typed_int(r, type);
            break;
        case 7:
            c->total_compressed = thrift_read_typed_int(r, type);
            break;
        case 9:
            c->data_page_offset = thrift_read_typed_int(r, type);
            break;
        case 11:
            c->dictionary_page_offset = thrift_read_typed_int(r, type);
            break;
        default:
            thrift_skip(r, type);
        }
    }
    thrift_read_struct_end(r);
    unsigned required = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |
                        (1u << 7) | (1u << 9);
    if ((seen & required) != required && !r->failure)
        r->failure = "column metadata lacks a required field";
}

static void decode_row_group(thrift_reader *r, pq_row_group *g)
{
    int type, element;
    int16_t id;
    bool has_columns = false, has_rows = false;
    thrift_read_struct_begin(r);
    while (thrift_read_field(r, &type, &id)) {
        if (id == 1 && type == TC_LIST) {
            size_t n = thrift_read_list(r, &element);
            if (g->columns || element != TC_STRUCT) {
                r->failure = r->failure ? r->failure : "row group columns are malformed";
                break;
            }
            g->columns = calloc(n ? n : 1, sizeof(*g->columns));
            if (!g->columns) {
                r->failure = "out of memory";
                break;
            }
            g->column_count = n;
            has_columns = true;
            for (size_t i = 0; i < n && !r->failure; i++) {
                bool has_meta = false;
                int t;
                int16_t cid;
                thrift_read_struct_begin(r);
                while (thrift_read_field(r, &t, &cid)) {
                    if (cid == 3 && t == TC_STRUCT && !has_meta) {
                        decode_column_meta(r, &g->columns[i]);
                        has_meta = true;
                    } else {
                        thrift_skip(r, t);
                    }
                }
                thrift_read_struct_end(r);
                if (!has_meta && !r->failure)
                    r->failure = "a column chunk has no metadata (external files unsupported)";
            }
        } else if (id == 2) {
            g->total_byte_size = thrift_read_typed_int(r, type);
        } else if (id == 3) {
            g->num_rows = thrift_read_typed_int(r, type);
            has_rows = true;
        } else if (id == 5) {
            g->file_offset = thrift_read_typed_int(r, type);
        } else if (id == 6) {
            g->total_compressed = thrift_read_typed_int(r, type);
        } else {
            thrift_skip(r, type);
        }
    }
    thrift_read_struct_end(r);
    if ((!has_columns || !has_rows) && !r->failure)
        r->failure = "a row group lacks its columns or row count";
}

const char *pq_file_meta_decode(const uint8_t *data, size_t length, int64_t offset,
                                pq_file_meta *out, int64_t *out_error_offset)
{
    memset(out, 0, sizeof(*out));
    thrift_reader r;
    thrift_reader_init(&r, data, length, offset);
    int type, element;
    int16_t id;
    bool has_version = false, has_schema = false, has_rows = false, has_groups = false;
    while (thrift_read_field(&r, &type, &id)) {
        if (id == 1) {
            out->version = (int32_t)thrift_read_typed_int(&r, type);
            has_version = true;
        } else if (id == 2 && type == TC_LIST && !has_schema) {
            size_t n = thrift_read_list(&r, &element);
            out->schema = calloc(n ? n : 1, sizeof(*out->schema));
            if (!out->schema || element != TC_STRUCT) {
                r.failure = out->schema ? "schema list is malformed" : "out of memory";
                break;
            }
            out->schema_count = n;
            for (size_t i = 0; i < n && !r.failure; i++)
                decode_schema_element(&r, &out->schema[i]);
            has_schema = true;
        } else if (id == 3) {
            out->num_rows = thrift_read_typed_int(&r, type);
            has_rows = true;
        } else if (id == 4 && type == TC_LIST && !has_groups) {
            size_t n = thrift_read_list(&r, &element);
            out->row_groups = calloc(n ? n : 1, sizeof(*out->row_groups));
            if (!out->row_groups || element != TC_STRUCT) {
                r.failure = out->row_groups ? "row group list is malformed" : "out of memory";
                break;
            }
            out->row_group_count = n;
            for (size_t i = 0; i < n && !r.failure; i++)
                decode_row_group(&r, &out->row_groups[i]);
            has_groups = true;
        } else if (id == 6 && type == TC_BINARY && !out->created_by) {
            size_t n;
            const uint8_t *text = thrift_read_binary(&r, &n);
            if (text)
                out->created_by = copy_name(text, n);
        } else {
            thrift_skip(&r, type);
        }
    }
    if (!r.failure && !(has_version && has_schema && has_rows && has_groups))
        r.failure = "file metadata lacks a required field";
    *out_error_offset = thrift_reader_offset(&r);
    return r.failure;
}

void pq_file_meta_dispose(pq_file_meta *meta)
{
    for (size_t i = 0; i < meta->schema_count; i++)
        free(meta->schema[i].name);
    free(meta->schema);
    for (size_t g = 0; g < meta->row_group_count; g++) {
        for (size_t c = 0; c < meta->row_groups[g].column_count; c++)
            free(meta->row_groups[g].columns[c].path);
        free(meta->row_groups[g].columns);
    }
    free(meta->row_groups);
    free(meta->created_by);
    memset(meta, 0, sizeof(*meta));
}

const char *pq_page_header_decode(const uint8_t *data, size_t length, pq_page_header *out,
                                  size_t *out_header_length)
{
    memset(out, 0, sizeof(*out));
    out->is_compressed = true;
    out->type = -1;
    thrift_reader r;
    thrift_reader_init(&r, data, length, 0);
    int type;
    int16_t id;
    unsigned seen = 0;
    while (thrift_read_field(&r, &type, &id)) {
        if (id >= 1 && id <= 3)
            seen |= 1u << id;
        if (id == 1) {
            out->type = (int)thrift_read_typed_int(&r, type);
        } else if (id == 2) {
            out->uncompressed_size = (int32_t)thrift_read_typed_int(&r, type);
        } else if (id == 3) {
            out->compressed_size = (int32_t)thrift_read_typed_int(&r, type);
        } else if ((id == 5 || id == 7 || id == 8) && type == TC_STRUCT) {
            int t;
            int16_t f;
            unsigned sub = 0;
            thrift_read_struct_begin(&r);
            while (thrift_read_field(&r, &t, &f)) {
                if (f < 1 || f > 8) {
                    thrift_skip(&r, t);
                    continue;
                }
                sub |= 1u << f;
                if (f == 7 && id == 8) {
                    out->is_compressed = thrift_read_bool_field(&r, t);
                    continue;
                }
                if (t == TC_STRUCT || t == TC_BINARY || t == TC_LIST) { /* statistics etc. */
                    thrift_skip(&r, t);
                    continue;
                }
                int64_t v =
                    t == TC_TRUE || t == TC_FALSE ? t == TC_TRUE : thrift_read_typed_int(&r, t);
                if (f == 1)
                    out->num_values = (int32_t)v;
                else if (f == 2 && id != 8)
                    out->encoding = (int)v;
                else if (id == 8 && f == 2)
                    out->num_nulls = (int32_t)v;
                else if (id == 8 && f == 3)
                    out->num_rows = (int32_t)v;
                else if (id == 8 && f == 4)
                    out->encoding = (int)v;
                else if (id == 8 && f == 5)
                    out->def_length = (int32_t)v;
                else if (id == 8 && f == 6)
                    out->rep_length = (int32_t)v;
            }
            thrift_read_struct_end(&r);
            unsigned need = id == 8 ? 0x7e : id == 5 ? 0x1e : 0x6;
            if ((sub & need) == need)
                out->has_sub_header = true;
        } else {
            thrift_skip(&r, type);
        }
    }
    if (r.failure)
        return r.failure;
    if (seen != 0xe)
        return "page header lacks its type or sizes";
    *out_header_length = (size_t)(r.p - r.start);
    return NULL;
}
