/* Parquet's delta and byte-stream-split encodings (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT), read by turning a page's values into PLAIN layout, so
 * the rest of the reader has one value path. Writers that use them: DuckDB V2, parquet-java v2. */
#include "focus/parquet_int.h"

#include <string.h>

typedef struct cursor {
    const uint8_t *p, *end;
} cursor;

static bool uleb(cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (c->p >= c->end)
            return false;
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static uint64_t bits_at(const uint8_t *data, uint64_t bit, int width)
{
    uint64_t v = 0;
    for (int b = 0; b < width; b++, bit++)
        v |= (uint64_t)((data[bit / 8] >> (bit % 8)) & 1) << b;
    return v;
}

/* DELTA_BINARY_PACKED: up to max_count values as int64 into values[]; *out_count set. */
static const char *delta_binary(cursor *c, int64_t *values, size_t max_count, size_t *out_count)
{
    uint64_t block, miniblocks, total, first;
    if (!uleb(c, &block) || !uleb(c, &miniblocks) || !uleb(c, &total) || !uleb(c, &first))
        return "DELTA_BINARY_PACKED header runs past the page";
    if (block == 0 || block % 128 != 0 || miniblocks == 0 || block % miniblocks != 0 ||
        (block / miniblocks) % 32 != 0 || miniblocks > 512)
        return "bad DELTA_BINARY_PACKED block layout";
    if (total > max_count)
        return "DELTA_BINARY_PACKED holds more values than the page";
    uint64_t per_miniblock = block / miniblocks;
    uint64_t value = (first >> 1) ^ (uint64_t) - (int64_t)(first & 1);
    size_t n = 0;
    if (total > 0)
        values[n++] = (int64_t)value;
    while (n < total) {
        uint64_t zig;
        if (!uleb(c, &zig))
            return "DELTA_BINARY_PACKED block runs past the page";
        uint64_t min_delta = (zig >> 1) ^ (uint64_t) - (int64_t)(zig & 1);
        if ((uint64_t)(c->end - c->p) < miniblocks)
            return "DELTA_BINARY_PACKED widths run past the page";
        const uint8_t *widths = c->p;
        c->p += miniblocks;
        for (uint64_t m = 0; m < miniblocks && n < total; m++) {
            int width = widths[m];
            if (width > 64)
                return "DELTA_BINARY_PACKED width over 64 bits";
            uint64_t bytes = per_miniblock * (uint64_t)width / 8;
            if (bytes > (uint64_t)(c->end - c->p))
                return "DELTA_BINARY_PACKED miniblock runs past the page";
            for (uint64_t i = 0; i < per_miniblock && n < total; i++) {
                value += min_delta + bits_at(c->p, i * (uint64_t)width, width); /* wraps */
                values[n++] = (int64_t)value;
            }
            c->p += bytes;
        }
    }
    *out_count = n;
    return NULL;
}

/* Lengths then bytes; appends PLAIN BYTE_ARRAY values (u32 length + bytes) to out. */
static const char *delta_length(cursor *c, size_t max_count, focus_buffer *scratch,
                                focus_buffer *out, size_t *out_count)
{
    scratch->length = 0;
    if (!focus_buffer_reserve(scratch, (max_count + 1) * sizeof(int64_t)))
        return "out of memory";
    int64_t *lengths = (int64_t *)(void *)scratch->data;
    size_t n;
    const char *why = delta_binary(c, lengths, max_count, &n);
    if (why)
        return why;
    for (size_t i = 0; i < n; i++) {
        if (lengths[i] < 0 || lengths[i] > c->end - c->p)
            return "DELTA_LENGTH_BYTE_ARRAY value runs past the page";
        uint32_t length = (uint32_t)lengths[i];
        if (!focus_buffer_append(out, &length, 4) || !focus_buffer_append(out, c->p, length))
            return "out of memory";
        c->p += length;
    }
    *out_count = n;
    return NULL;
}

const char *pq_transcode_plain(int encoding, int physical, int type_length, const uint8_t *data,
                               size_t length, size_t max_count, focus_buffer *scratch,
                               focus_buffer *out)
{
    cursor c = {data, data + length};
    out->length = 0;
    size_t n = 0;
    if (encoding == 9 /* BYTE_STREAM_SPLIT */) {
        size_t width = physical == PQ_INT32 || physical == PQ_FLOAT    ? 4
                       : physical == PQ_INT64 || physical == PQ_DOUBLE ? 8
                       : physical == PQ_FLBA                           ? (size_t)type_length
                                                                       : 0;
        if (width == 0 || length % width != 0 || length / width > max_count)
            return "BYTE_STREAM_SPLIT data does not fit the page";
        n = length / width;
        if (!focus_buffer_reserve(out, length))
            return "out of memory";
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < width; j++)
                out->data[i * width + j] = data[j * n + i];
        out->length = length;
        return NULL;
    }
    if (encoding == 5 /* DELTA_BINARY_PACKED */) {
        if (physical != PQ_INT32 && physical != PQ_INT64)
            return "DELTA_BINARY_PACKED on a non-integer column";
        if (!focus_buffer_reserve(scratch, (max_count + 1) * sizeof(int64_t)))
            return "out of memory";
        int64_t *values = (int64_t *)(void *)scratch->data;
        const char *why = delta_binary(&c, values, max_count, &n);
        if (why)
            return why;
        for (size_t i = 0; i < n; i++) {
            int32_t v32 = (int32_t)values[i];
            if (!focus_buffer_append(
                    out, physical == PQ_INT32 ? (const void *)&v32 : (const void *)&values[i],
                    physical == PQ_INT32 ? 4 : 8))
                return "out of memory";
        }
        return NULL;
    }
    if (physical != PQ_BYTE_ARRAY)
        return "delta byte-array encoding on a non-BYTE_ARRAY column";
    if (encoding == 6 /* DELTA_LENGTH_BYTE_ARRAY */)
        return delta_length(&c, max_count, scratch, out, &n);
    if (encoding != 7)
        return "unknown encoding";
    /* DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DLBA; value = prefix of the previous
     * value + suffix. */
    focus_buffer suffixes = {0};
    if (!focus_buffer_reserve(scratch, (max_count + 1) * sizeof(int64_t)))
        return "out of memory";
    size_t prefix_count;
    const char *why = delta_binary(&c, (int64_t *)(void *)scratch->data, max_count, &prefix_count);
    focus_buffer prefixes = {0};
    if (!why && !focus_buffer_append(&prefixes, scratch->data, prefix_count * sizeof(int64_t)))
        why = "out of memory";
    if (!why)
        why = delta_length(&c, max_count, scratch, &suffixes, &n);
    if (!why && n != prefix_count)
        why = "DELTA_BYTE_ARRAY prefix and suffix counts differ";
    const int64_t *prefix = (const int64_t *)(void *)prefixes.data;
    size_t at = 0, previous = 0, previous_length = 0;
    for (size_t i = 0; !why && i < n; i++) {
        uint32_t suffix_length;
        memcpy(&suffix_length, suffixes.data + at, 4);
        if (prefix[i] < 0 || (size_t)prefix[i] > previous_length) {
            why = "DELTA_BYTE_ARRAY prefix longer than the previous value";
            break;
        }
        uint32_t total = (uint32_t)prefix[i] + suffix_length;
        size_t start = out->length;
        if (!focus_buffer_reserve(out, 4 + (size_t)total)) {
            why = "out of memory";
            break;
        }
        memcpy(out->data + start, &total, 4);
        memmove(out->data + start + 4, out->data + previous + 4, (size_t)prefix[i]);
        memcpy(out->data + start + 4 + prefix[i], suffixes.data + at + 4, suffix_length);
        out->length = start + 4 + total;
        previous = start;
        previous_length = total;
        at += 4 + suffix_length;
    }
    focus_buffer_dispose(&prefixes);
    focus_buffer_dispose(&suffixes);
    return why;
}
