/* Parquet page encodings: the RLE/bit-packed hybrid (definition levels, dictionary indices)
 * and page compression (Snappy through libsnappy's C API; GZIP read through zlib). */
#include "focus/parquet_int.h"

#include <snappy-c.h>
#include <string.h>
#include <zlib.h>

int pq_bit_width(uint32_t max_value)
{
    int width = 0;
    while (width < 32 && (max_value >> width) != 0)
        width++;
    return width;
}

static bool put_varint(focus_buffer *out, uint64_t v)
{
    uint8_t bytes[10];
    size_t n = 0;
    do {
        bytes[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            bytes[n] |= 0x80;
        n++;
    } while (v);
    return focus_buffer_append(out, bytes, n);
}

/* Length of the run of equal values at i, counted up to `cap`. */
static size_t run_at(const uint32_t *values, size_t count, size_t i, size_t cap)
{
    size_t n = 1;
    while (i + n < count && n < cap && values[i + n] == values[i])
        n++;
    return n;
}

bool pq_hybrid_encode(const uint32_t *values, size_t count, int width, focus_buffer *out)
{
    size_t value_bytes = (size_t)(width + 7) / 8;
    size_t i = 0;
    while (i < count) {
        size_t run = run_at(values, count, i, SIZE_MAX);
        if (run >= 8) {
            uint8_t bytes[4];
            for (size_t b = 0; b < value_bytes; b++)
                bytes[b] = (uint8_t)(values[i] >> (8 * b));
            if (!put_varint(out, (uint64_t)run << 1) ||
                !focus_buffer_append(out, bytes, value_bytes))
                return false;
            i += run;
            continue;
        }
        /* Literal groups of 8 until a run of 8 starts on a group boundary. */
        size_t start = i;
        do {
            i += 8;
        } while (i < count && run_at(values, count, i, 8) < 8 && (i - start) / 8 < (1u << 20));
        if (i > count)
            i = count;
        size_t groups = (i - start + 7) / 8;
        if (!put_varint(out, ((uint64_t)groups << 1) | 1) ||
            !focus_buffer_reserve(out, groups * (size_t)width))
            return false;
        /* LSB-first packing through a 64-bit accumulator (width ≤ 32, so it never overflows). */
        uint8_t *p = out->data + out->length;
        uint64_t accumulator = 0;
        int bits = 0;
        for (size_t k = start; k < start + groups * 8; k++) {
            accumulator |= (uint64_t)(k < count ? values[k] : 0) << bits;
            bits += width;
            while (bits >= 8) {
                *p++ = (uint8_t)accumulator;
                accumulator >>= 8;
                bits -= 8;
            }
        }
        out->length += groups * (size_t)width; /* groups of 8 values end on a byte boundary */
    }
    return true;
}

void pq_hybrid_init(pq_hybrid_decoder *d, const uint8_t *data, size_t length, int width)
{
    memset(d, 0, sizeof(*d));
    d->p = data;
    d->end = data + length;
    d->width = width;
}

static bool get_varint(pq_hybrid_decoder *d, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 5; i++) {
        if (d->p >= d->end)
            return false;
        uint8_t b = *d->p++;
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Reads the next run's header: an RLE value, or where a bit-packed run's bytes are. */
static bool start_run(pq_hybrid_decoder *d, const char **out_reason)
{
    uint32_t header;
    if (!get_varint(d, &header)) {
        *out_reason = "RLE/bit-packed data ends early";
        return false;
    }
    if (header >> 1 == 0) {
        *out_reason = "empty RLE/bit-packed run";
        return false;
    }
    if (header & 1) {
        uint64_t groups = header >> 1;
        uint64_t bytes = groups * (uint64_t)d->width;
        uint64_t left = (uint64_t)(d->end - d->p);
        /* Writers may end the last run short of its padding: decode what is there. */
        uint64_t available = bytes < left ? bytes : left;
        d->packed = true;
        d->bits = d->p;
        d->bit_position = 0;
        d->bits_available = available * 8;
        d->run_left = (uint32_t)(groups * 8 > UINT32_MAX ? UINT32_MAX : groups * 8);
        d->p += available;
        return true;
    }
    size_t value_bytes = (size_t)(d->width + 7) / 8;
    if ((size_t)(d->end - d->p) < value_bytes) {
        *out_reason = "RLE run value runs past the data";
        return false;
    }
    uint32_t v = 0;
    for (size_t b = 0; b < value_bytes; b++)
        v |= (uint32_t)d->p[b] << (8 * b);
    d->p += value_bytes;
    if (d->width < 32 && (v >> d->width) != 0) {
        *out_reason = "RLE run value wider than its bit width";
        return false;
    }
    d->packed = false;
    d->rle_value = v;
    d->run_left = header >> 1;
    return true;
}

/* `count` values of the current bit-packed run, already checked to be within its bytes. */
static void unpack(pq_hybrid_decoder *d, uint32_t *out, size_t count)
{
    /* One little-endian load per value: width <= 32 plus a shift <= 7 fits in 8 bytes; only
     * the last bytes of a run need the shorter, bounded load. */
    uint64_t mask = d->width >= 32 ? UINT64_C(0xffffffff) : (UINT64_C(1) << d->width) - 1;
    uint64_t total = d->bits_available / 8, bit = d->bit_position, width = (uint64_t)d->width;
    size_t i = 0;
    /* Values whose 8-byte load stays within the run need no check. */
    uint64_t safe = total >= 8 ? ((total - 8) * 8 - bit) / (width ? width : 1) + 1 : 0;
    if (total < 8 || bit > (total - 8) * 8)
        safe = 0;
    for (size_t fast = count < safe ? count : (size_t)safe; i < fast; i++, bit += width) {
        uint64_t word;
        memcpy(&word, d->bits + bit / 8, 8);
        out[i] = (uint32_t)((word >> (bit % 8)) & mask);
    }
    for (; i < count; i++, bit += width) {
        uint64_t byte = bit / 8, word = 0;
        memcpy(&word, d->bits + byte, (size_t)(total - byte < 8 ? total - byte : 8));
        out[i] = (uint32_t)((word >> (bit % 8)) & mask);
    }
    d->bit_position = bit;
}

bool pq_hybrid_decode(pq_hybrid_decoder *d, uint32_t *out, size_t count, const char **out_reason)
{
    while (count > 0) {
        if (d->run_left == 0 && !start_run(d, out_reason))
            return false;
        size_t n = count < d->run_left ? count : d->run_left;
        if (!d->packed) {
            for (size_t i = 0; i < n; i++)
                out[i] = d->rle_value;
        } else {
            if (d->bit_position + (uint64_t)n * (uint64_t)d->width > d->bits_available) {
                *out_reason = "bit-packed run truncated";
                return false;
            }
            unpack(d, out, n);
        }
        d->run_left -= (uint32_t)n;
        out += n;
        count -= n;
    }
    return true;
}

bool pq_hybrid_skip_run(pq_hybrid_decoder *d, size_t count, uint32_t value)
{
    if (d->packed || d->run_left < count || d->rle_value != value)
        return false;
    d->run_left -= (uint32_t)count;
    return true;
}

bool pq_hybrid_next(pq_hybrid_decoder *d, uint32_t *out_value, const char **out_reason)
{
    return pq_hybrid_decode(d, out_value, 1, out_reason);
}

bool pq_compress(int codec, const uint8_t *data, size_t length, focus_buffer *out)
{
    if (codec == PQ_UNCOMPRESSED)
        return focus_buffer_append(out, data, length);
    size_t room = snappy_max_compressed_length(length);
    if (!focus_buffer_reserve(out, room))
        return false;
    if (snappy_compress((const char *)data, length, (char *)out->data + out->length, &room) !=
        SNAPPY_OK)
        return false;
    out->length += room;
    return true;
}

static const char *gunzip(const uint8_t *data, size_t length, uint8_t *out, size_t expected)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 31) != Z_OK)
        return "cannot start gunzip";
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)length;
    z.next_out = out;
    z.avail_out = (uInt)expected;
    int rc = inflate(&z, Z_FINISH);
    size_t produced = expected - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != expected)
        return "GZIP page does not inflate to its declared size";
    return NULL;
}

const char *pq_decompress(int codec, const uint8_t *data, size_t length, uint8_t *out,
                          size_t expected)
{
    switch (codec) {
    case PQ_UNCOMPRESSED:
        if (length != expected)
            return "uncompressed page sizes disagree";
        memcpy(out, data, length);
        return NULL;
    case PQ_SNAPPY: {
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)data, length, &n) != SNAPPY_OK ||
            n != expected)
            return "Snappy page length does not match the page header";
        /* snappy_uncompress checks every copy against its input and output bounds and fails
         * on corrupt data, so no separate validation pass (a second decode) is needed. */
        if (snappy_uncompress((const char *)data, length, (char *)out, &n) != SNAPPY_OK ||
            n != expected)
            return "corrupt Snappy page";
        return NULL;
    }
    case PQ_GZIP:
        return gunzip(data, length, out, expected);
    default:
        return NULL; /* the reader rejects other codecs when it opens the file */
    }
}
