/* The Parquet reader's column cursors: page headers parsed and bounds-checked, bodies
 * decompressed, definition levels and values (PLAIN, dictionary, RLE booleans) decoded and
 * converted to this module's types. */
#include "focus/parquet_reader_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on what one page may make us allocate, whatever its header claims. */
#define PAGE_MAX_BYTES  (64u * 1024 * 1024)
#define PAGE_MAX_VALUES (8 * 1024 * 1024)
#define HEADER_WINDOW   (64 * 1024)

void pq_cursor_reset(column_cursor *c)
{
    c->transcoded.length = c->scratch.length = 0;
    free(c->dictionary);
    free(c->entries);
    c->dictionary = NULL;
    c->entries = NULL;
    c->dictionary_length = c->entry_count = 0;
    c->page_values_left = 0;
    c->pages_seen = false;
    free(c->dictionary_values);
    c->dictionary_values = NULL;
}

static focus_status bad(parquet_reader *r, column_cursor *c, int64_t offset, focus_error *error,
                        const char *why)
{
    return focus_fail(error, FOCUS_CORRUPT, r->path, offset, -1,
                      "%s: column %s, row group %lld, offset %lld: %s", r->path, c->name,
                      (long long)r->group, (long long)offset, why);
}

static size_t plain_width(const column_cursor *c)
{
    switch (c->element->type) {
    case PQ_INT32:
    case PQ_FLOAT:
        return 4;
    case PQ_INT64:
    case PQ_DOUBLE:
        return 8;
    case PQ_INT96:
        return 12;
    case PQ_FLBA:
        return (size_t)c->element->type_length;
    default:
        return 0;
    }
}

static focus_status load_dictionary(parquet_reader *r, column_cursor *c, int64_t offset,
                                    const pq_page_header *h, const uint8_t *body,
                                    focus_error *error)
{
    if (c->dictionary || c->pages_seen)
        return bad(r, c, offset, error, "dictionary page is not the first page of the chunk");
    /* Every entry takes at least a byte (four for strings): bound the count before allocating. */
    size_t smallest = c->element->type == PQ_BYTE_ARRAY ? 4 : plain_width(c) ? plain_width(c) : 1;
    if (h->num_values < 0 || (size_t)h->num_values > (size_t)h->uncompressed_size / smallest)
        return bad(r, c, offset, error, "dictionary size does not fit its page");
    c->dictionary = malloc(h->uncompressed_size ? (size_t)h->uncompressed_size : 1);
    c->entries = malloc(((size_t)h->num_values + 1) * sizeof(*c->entries));
    if (!c->dictionary || !c->entries)
        return focus_fail(error, FOCUS_NO_MEMORY, r->path, offset, -1, "%s: out of memory",
                          r->path);
    const char *why = pq_decompress(c->meta->codec, body, (size_t)h->compressed_size, c->dictionary,
                                    (size_t)h->uncompressed_size);
    if (why)
        return bad(r, c, offset, error, why);
    c->dictionary_length = (size_t)h->uncompressed_size;
    c->entry_count = (size_t)h->num_values;
    size_t width = plain_width(c), at = 0;
    if (c->element->type == PQ_BOOLEAN)
        return bad(r, c, offset, error, "dictionary page in a BOOLEAN column");
    for (size_t e = 0; e < c->entry_count; e++) {
        c->entries[e] = (uint32_t)at;
        size_t length = width;
        if (c->element->type == PQ_BYTE_ARRAY) {
            uint32_t n;
            if (c->dictionary_length - at < 4)
                return bad(r, c, offset, error, "dictionary entries run past the page");
            memcpy(&n, c->dictionary + at, 4);
            length = 4 + (size_t)n;
        }
        if (length > c->dictionary_length - at)
            return bad(r, c, offset, error, "dictionary entries run past the page");
        at += length;
    }
    return FOCUS_OK;
}

/* After the levels: how the values of this page are laid out. */
static focus_status start_values(parquet_reader *r, column_cursor *c, int64_t offset,
                                 const uint8_t *p, const uint8_t *end, int encoding,
                                 focus_error *error)
{
    c->encoding = encoding;
    c->values = p;
    c->values_end = end;
    c->boolean_bit = 0;
    if (encoding == PQ_PLAIN)
        return FOCUS_OK;
    if (encoding == PQ_PLAIN_DICTIONARY || encoding == PQ_RLE_DICTIONARY) {
        if (!c->dictionary)
            return bad(r, c, offset, error, "dictionary-encoded page without a dictionary");
        if (p >= end && c->page_values_left > 0) {
            /* An all-null page may have no index bytes at all. */
            pq_hybrid_init(&c->indices, p, 0, 0);
            return FOCUS_OK;
        }
        if (p >= end || *p > 32)
            return bad(r, c, offset, error, "bad dictionary index bit width");
        pq_hybrid_init(&c->indices, p + 1, (size_t)(end - p - 1), *p);
        return FOCUS_OK;
    }
    if (encoding == PQ_RLE && c->element->type == PQ_BOOLEAN) {
        uint32_t length;
        if (end - p < 4 || (memcpy(&length, p, 4), length > (uint64_t)(end - p - 4)))
            return bad(r, c, offset, error, "RLE boolean length runs past the page");
        pq_hybrid_init(&c->indices, p + 4, length, 1);
        return FOCUS_OK;
    }
    if (encoding == 5 || encoding == 6 || encoding == 7 || encoding == 9) {
        const char *why = pq_transcode_plain(encoding, c->element->type, c->element->type_length, p,
                                             (size_t)(end - p), (size_t)c->page_values_left,
                                             &c->scratch, &c->transcoded);
        if (why)
            return bad(r, c, offset, error, why);
        c->encoding = PQ_PLAIN;
        c->values = c->transcoded.data;
        c->values_end = c->transcoded.data + c->transcoded.length;
        return FOCUS_OK;
    }
    return focus_fail(error, FOCUS_UNSUPPORTED, r->path, offset, -1,
                      "%s: column %s uses encoding %d, which is not read here", r->path, c->name,
                      encoding);
}

static bool ensure_page(column_cursor *c, size_t length)
{
    if (length <= c->page_capacity)
        return true;
    uint8_t *grown = realloc(c->page, length);
    if (!grown)
        return false;
    c->page = grown;
    c->page_capacity = length;
    return true;
}

focus_status pq_cursor_load_page(parquet_reader *r, column_cursor *c, focus_error *error)
{
    for (;;) {
        int64_t offset = c->position;
        if (offset >= c->end)
            return bad(r, c, offset, error, "chunk ends before all its values were read");
        /* Headers carry no length: parse from a window, growing it if the header is longer. */
        size_t window = HEADER_WINDOW, header_length = 0;
        pq_page_header h;
        const char *why;
        focus_status status;
        for (;;) {
            if ((int64_t)window > c->end - offset)
                window = (size_t)(c->end - offset);
            if ((status = pq_read_at(r, offset, window, error)) != FOCUS_OK)
                return status;
            why = pq_page_header_decode(r->read_buffer, window, &h, &header_length);
            if (!why || (int64_t)window == c->end - offset || window >= 16u * 1024 * 1024)
                break;
            window *= 4;
        }
        if (why)
            return bad(r, c, offset, error, why);
        int64_t body = offset + (int64_t)header_length;
        if (h.compressed_size < 0 || h.uncompressed_size < 0 ||
            (uint32_t)h.uncompressed_size > PAGE_MAX_BYTES || h.compressed_size > c->end - body)
            return bad(r, c, offset, error, "page sizes do not fit the chunk");
        /* A page that fits the header's window is read once. */
        const uint8_t *raw = r->read_buffer + header_length;
        if ((uint64_t)header_length + (uint64_t)h.compressed_size > window) {
            if ((status = pq_read_at(r, body, (size_t)h.compressed_size, error)) != FOCUS_OK)
                return status;
            raw = r->read_buffer;
        }
        c->position = body + h.compressed_size;
        if (h.type == PQ_DICTIONARY_PAGE) {
            if ((status = load_dictionary(r, c, offset, &h, raw, error)) != FOCUS_OK)
                return status;
            continue;
        }
        if (h.type != PQ_DATA_PAGE && h.type != PQ_DATA_PAGE_V2)
            continue; /* index pages and unknown kinds are skipped */
        if (!h.has_sub_header || h.num_values < 0 || h.num_values > c->values_left)
            return bad(r, c, offset, error,
                       "data page header is missing or counts too many values");
        if (h.num_values > PAGE_MAX_VALUES)
            return focus_fail(error, FOCUS_UNSUPPORTED, r->path, offset, -1,
                              "%s: column %s: a page of %d values (more than %d are not read)",
                              r->path, c->name, h.num_values, PAGE_MAX_VALUES);
        c->pages_seen = true;
        if (!ensure_page(c, (size_t)h.uncompressed_size + 1))
            return focus_fail(error, FOCUS_NO_MEMORY, r->path, offset, -1, "%s: out of memory",
                              r->path);
        const uint8_t *levels = NULL, *p, *end;
        size_t level_length = 0;
        if (h.type == PQ_DATA_PAGE_V2) {
            if (h.rep_length != 0 || h.def_length < 0 || h.def_length > h.compressed_size ||
                h.def_length > h.uncompressed_size || h.num_rows != h.num_values ||
                h.num_nulls < 0 || h.num_nulls > h.num_values)
                return bad(r, c, offset, error, "inconsistent v2 data page header");
            size_t def = (size_t)h.def_length;
            memcpy(c->page, raw, def);
            bool compressed = h.is_compressed && c->meta->codec != PQ_UNCOMPRESSED;
            why = pq_decompress(compressed ? c->meta->codec : PQ_UNCOMPRESSED, raw + def,
                                (size_t)h.compressed_size - def, c->page + def,
                                (size_t)h.uncompressed_size - def);
            levels = c->page;
            level_length = def;
        } else {
            why = pq_decompress(c->meta->codec, raw, (size_t)h.compressed_size, c->page,
                                (size_t)h.uncompressed_size);
        }
        if (why)
            return bad(r, c, offset, error, why);
        p = c->page;
        end = c->page + h.uncompressed_size;
        if (h.type == PQ_DATA_PAGE && c->optional) {
            uint32_t n;
            if (end - p < 4 || (memcpy(&n, p, 4), n > (uint64_t)(end - p - 4)))
                return bad(r, c, offset, error, "definition levels run past the page");
            levels = p + 4;
            level_length = n;
        }
        if (h.type == PQ_DATA_PAGE && c->optional)
            p += 4 + level_length;
        else if (h.type == PQ_DATA_PAGE_V2)
            p += level_length;
        if (c->optional)
            pq_hybrid_init(&c->levels, levels, level_length, 1);
        c->page_values_left = h.num_values;
        c->values_left -= h.num_values;
        return start_values(r, c, offset, p, end, h.encoding, error);
    }
}

/* Decodes one present value at `at` (PLAIN layout) into out. */
static void convert(const column_cursor *c, const uint8_t *at, size_t length, focus_value *out)
{
    const pq_schema_element *e = c->element;
    int32_t i32;
    int64_t i64;
    double d;
    float f;
    switch (e->type) {
    case PQ_BYTE_ARRAY:
        out->text = (const char *)at;
        out->length = length;
        return;
    case PQ_FLOAT:
        memcpy(&f, at, 4);
        out->number = f;
        return;
    case PQ_DOUBLE:
        memcpy(&d, at, 8);
        out->number = d;
        return;
    case PQ_INT96: {
        int64_t nanos;
        int32_t julian;
        memcpy(&nanos, at, 8);
        memcpy(&julian, at + 8, 4);
        out->integer = focus_saturating_add(
            focus_saturating_mul((int64_t)julian - 2440588, INT64_C(86400000000)), nanos / 1000);
        return;
    }
    case PQ_FLBA: { /* big-endian two's complement unscaled decimal */
        double v = 0;
        for (size_t i = 0; i < length; i++)
            v = v * 256 + at[i];
        if (length && (at[0] & 0x80))
            v -= ldexp(1.0, (int)(8 * length));
        out->number = v / pow(10, e->scale);
        return;
    }
    case PQ_INT32:
        memcpy(&i32, at, 4);
        i64 = i32;
        break;
    default:
        memcpy(&i64, at, 8);
        break;
    }
    if (c->type == FOCUS_TYPE_DECIMAL) {
        out->number = (double)i64 / pow(10, e->scale);
    } else if (c->type == FOCUS_TYPE_DATETIME) {
        int unit = e->logical == PQ_LT_TIMESTAMP            ? e->unit
                   : e->converted == PQ_CT_TIMESTAMP_MILLIS ? PQ_UNIT_MILLIS
                                                            : PQ_UNIT_MICROS;
        out->integer = unit == PQ_UNIT_MILLIS  ? focus_saturating_mul(i64, 1000)
                       : unit == PQ_UNIT_NANOS ? (i64 >= 0 ? i64 / 1000 : -((-i64 + 999) / 1000))
                                               : i64;
    } else {
        out->integer = i64;
    }
}

void pq_dictionary_value(const column_cursor *c, uint32_t index, focus_value *out)
{
    size_t width = plain_width(c);
    if (c->element->type != PQ_BYTE_ARRAY) {
        /* Fixed width: no offset to look up (large price dictionaries are read at random). */
        convert(c, c->dictionary + (size_t)index * width, width, out);
        return;
    }
    const uint8_t *at = c->dictionary + c->entries[index];
    uint32_t n;
    memcpy(&n, at, 4);
    convert(c, at + 4, n, out);
}

bool pq_cursor_indexed(const column_cursor *c)
{
    return c->encoding == PQ_PLAIN_DICTIONARY || c->encoding == PQ_RLE_DICTIONARY;
}

/* The definition levels of the next `count` rows: *out_spread false when all are present
 * (required column, or a run of present rows), else levels[] and *out_present. */
static focus_status levels_step(parquet_reader *r, column_cursor *c, size_t count, uint32_t *levels,
                                size_t *out_present, bool *out_spread, focus_error *error)
{
    const char *why = NULL;
    *out_present = count;
    *out_spread = c->optional && !pq_hybrid_skip_run(&c->levels, count, 1);
    if (!*out_spread)
        return FOCUS_OK;
    if (!pq_hybrid_decode(&c->levels, levels, count, &why))
        return bad(r, c, c->position, error, why);
    size_t present = 0;
    for (size_t i = 0; i < count; i++)
        present += levels[i]; /* one bit wide: 0 or 1 */
    *out_present = present;
    return FOCUS_OK;
}

focus_status pq_cursor_next_indices(parquet_reader *r, column_cursor *c, uint32_t *out,
                                    size_t count, uint32_t *levels, uint32_t *scratch,
                                    focus_error *error)
{
    const char *why = NULL;
    size_t present;
    bool spread;
    focus_status status = levels_step(r, c, count, levels, &present, &spread, error);
    if (status != FOCUS_OK)
        return status;
    uint32_t *indices = spread ? scratch : out;
    if (!pq_hybrid_decode(&c->indices, indices, present, &why))
        return bad(r, c, c->position, error, why);
    uint32_t largest = 0;
    for (size_t i = 0; i < present; i++)
        largest = indices[i] > largest ? indices[i] : largest;
    if (present > 0 && largest >= c->entry_count)
        return bad(r, c, c->position, error, "dictionary index out of range");
    if (spread) {
        /* Spread the present rows' indices over the rows, branch-free. */
        scratch[present] = 0;
        for (size_t i = 0, p = 0; i < count; p += levels[i], i++)
            out[i] = levels[i] ? scratch[p] : FOCUS_NULL_INDEX;
    }
    c->page_values_left -= (int32_t)count;
    return FOCUS_OK;
}

bool pq_cursor_fixed_plain(const column_cursor *c)
{
    return c->encoding == PQ_PLAIN && c->element->type != PQ_BYTE_ARRAY &&
           c->element->type != PQ_BOOLEAN;
}

focus_status pq_cursor_next_plain(parquet_reader *r, column_cursor *c, focus_value *out,
                                  size_t count, uint32_t *levels, focus_error *error)
{
    size_t present;
    bool spread;
    focus_status status = levels_step(r, c, count, levels, &present, &spread, error);
    if (status != FOCUS_OK)
        return status;
    size_t width = plain_width(c);
    if (present > (size_t)(c->values_end - c->values) / width)
        return bad(r, c, c->position, error, "values run past the page");
    const uint8_t *at = c->values;
    for (size_t i = 0; i < count; i++) {
        out[i] = (focus_value){.is_null = spread && !levels[i]};
        if (out[i].is_null)
            continue;
        convert(c, at, width, &out[i]);
        at += width;
    }
    c->values = at;
    c->page_values_left -= (int32_t)count;
    return FOCUS_OK;
}

focus_status pq_cursor_next(parquet_reader *r, column_cursor *c, focus_value *out,
                            focus_error *error)
{
    memset(out, 0, sizeof(*out));
    if (c->page_values_left == 0) {
        focus_status status = pq_cursor_load_page(r, c, error);
        if (status != FOCUS_OK)
            return status;
    }
    c->page_values_left--;
    const char *why = NULL;
    uint32_t level = 1, index;
    if (c->optional && !pq_hybrid_next(&c->levels, &level, &why))
        return bad(r, c, c->position, error, why);
    if (level == 0) {
        out->is_null = true;
        return FOCUS_OK;
    }
    if (c->encoding == PQ_RLE) {
        if (!pq_hybrid_next(&c->indices, &index, &why))
            return bad(r, c, c->position, error, why);
        out->boolean = index != 0;
        return FOCUS_OK;
    }
    const uint8_t *at;
    size_t length;
    if (c->encoding != PQ_PLAIN) {
        if (!pq_hybrid_next(&c->indices, &index, &why))
            return bad(r, c, c->position, error, why);
        if (index >= c->entry_count)
            return bad(r, c, c->position, error, "dictionary index out of range");
        pq_dictionary_value(c, index, out);
        return FOCUS_OK;
    }
    size_t left = (size_t)(c->values_end - c->values);
    if (c->element->type == PQ_BOOLEAN) {
        if (c->boolean_bit / 8 >= left)
            return bad(r, c, c->position, error, "boolean values run past the page");
        out->boolean = (c->values[c->boolean_bit / 8] >> (c->boolean_bit % 8)) & 1;
        c->boolean_bit++;
        return FOCUS_OK;
    }
    length = plain_width(c);
    at = c->values;
    if (c->element->type == PQ_BYTE_ARRAY) {
        uint32_t n;
        if (left < 4 || (memcpy(&n, at, 4), n > left - 4))
            return bad(r, c, c->position, error, "string value runs past the page");
        at += 4;
        length = n;
        c->values = at + n;
    } else {
        if (length > left)
            return bad(r, c, c->position, error, "values run past the page");
        c->values = at + length;
    }
    convert(c, at, length, out);
    return FOCUS_OK;
}
