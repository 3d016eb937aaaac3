/* Thrift compact protocol: just what Parquet metadata needs. The reader bounds-checks every
 * byte, caps nesting and list sizes, and reports the first problem instead of crashing. */
#include "focus/parquet_int.h"

#include <string.h>

/* ---- writer ---- */

static void put_byte(thrift_writer *w, uint8_t b)
{
    if (w->ok && !focus_buffer_append(w->out, &b, 1))
        w->ok = false;
}

static void put_varint(thrift_writer *w, uint64_t v)
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
    if (w->ok && !focus_buffer_append(w->out, bytes, n))
        w->ok = false;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void thrift_writer_init(thrift_writer *w, focus_buffer *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->ok = true;
}

static void field_header(thrift_writer *w, int type, int16_t id)
{
    int16_t delta = (int16_t)(id - w->last_id[w->depth]);
    if (delta > 0 && delta <= 15) {
        put_byte(w, (uint8_t)((delta << 4) | type));
    } else {
        put_byte(w, (uint8_t)type);
        put_varint(w, zigzag(id));
    }
    w->last_id[w->depth] = id;
}

void thrift_write_i32(thrift_writer *w, int16_t id, int32_t value)
{
    field_header(w, TC_I32, id);
    put_varint(w, zigzag(value));
}

void thrift_write_i64(thrift_writer *w, int16_t id, int64_t value)
{
    field_header(w, TC_I64, id);
    put_varint(w, zigzag(value));
}

void thrift_write_bool(thrift_writer *w, int16_t id, bool value)
{
    field_header(w, value ? TC_TRUE : TC_FALSE, id);
}

void thrift_write_binary(thrift_writer *w, int16_t id, const void *data, size_t length)
{
    field_header(w, TC_BINARY, id);
    thrift_write_list_binary(w, data, length);
}

static void push(thrift_writer *w)
{
    if (w->depth + 1 >= (int)(sizeof(w->last_id) / sizeof(w->last_id[0]))) {
        w->ok = false;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void thrift_write_struct_begin(thrift_writer *w, int16_t id)
{
    field_header(w, TC_STRUCT, id);
    push(w);
}

void thrift_write_element_begin(thrift_writer *w)
{
    push(w);
}

void thrift_write_struct_end(thrift_writer *w)
{
    put_byte(w, TC_STOP);
    if (w->depth > 0)
        w->depth--;
}

void thrift_write_list_begin(thrift_writer *w, int16_t id, int element_type, size_t count)
{
    field_header(w, TC_LIST, id);
    if (count < 15) {
        put_byte(w, (uint8_t)((count << 4) | (size_t)element_type));
    } else {
        put_byte(w, (uint8_t)(0xF0 | element_type));
        put_varint(w, count);
    }
}

void thrift_write_list_i32(thrift_writer *w, int32_t value)
{
    put_varint(w, zigzag(value));
}

void thrift_write_list_binary(thrift_writer *w, const void *data, size_t length)
{
    put_varint(w, length);
    if (w->ok && !focus_buffer_append(w->out, data, length))
        w->ok = false;
}

void thrift_write_stop(thrift_writer *w)
{
    put_byte(w, TC_STOP);
}

/* ---- reader ---- */

#define MAX_DEPTH 32

void thrift_reader_init(thrift_reader *r, const uint8_t *data, size_t length, int64_t offset)
{
    memset(r, 0, sizeof(*r));
    r->start = r->p = data;
    r->end = data + length;
    r->base_offset = offset;
}

int64_t thrift_reader_offset(const thrift_reader *r)
{
    return r->base_offset + (r->p - r->start);
}

static void fail(thrift_reader *r, const char *why)
{
    if (!r->failure)
        r->failure = why;
    r->p = r->end;
}

static uint8_t get_byte(thrift_reader *r)
{
    if (r->p >= r->end) {
        fail(r, "metadata ends in the middle of a value");
        return 0;
    }
    return *r->p++;
}

static uint64_t get_varint(thrift_reader *r, int max_bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        uint8_t b = get_byte(r);
        if (r->failure)
            return 0;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    fail(r, "varint too long");
    return 0;
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

bool thrift_read_field(thrift_reader *r, int *out_type, int16_t *out_id)
{
    uint8_t header = get_byte(r);
    if (r->failure || header == TC_STOP)
        return false;
    int type = header & 0x0f;
    int delta = header >> 4;
    if (type > TC_UUID) {
        fail(r, "unknown Thrift type");
        return false;
    }
    int16_t id;
    if (delta)
        id = (int16_t)(r->last_id[r->depth] + delta);
    else
        id = (int16_t)unzigzag(get_varint(r, 3));
    r->last_id[r->depth] = id;
    *out_type = type;
    *out_id = id;
    return !r->failure;
}

void thrift_read_struct_begin(thrift_reader *r)
{
    if (r->depth + 1 >= MAX_DEPTH) {
        fail(r, "metadata nested too deeply");
        return;
    }
    r->last_id[++r->depth] = 0;
}

void thrift_read_struct_end(thrift_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

int64_t thrift_read_typed_int(thrift_reader *r, int type)
{
    switch (type) {
    case TC_I8:
        return (int8_t)get_byte(r);
    case TC_I16:
        return unzigzag(get_varint(r, 3));
    case TC_I32:
        return unzigzag(get_varint(r, 5));
    case TC_I64:
        return unzigzag(get_varint(r, 10));
    default:
        fail(r, "a field has the wrong type");
        return 0;
    }
}

bool thrift_read_bool_field(thrift_reader *r, int type)
{
    if (type != TC_TRUE && type != TC_FALSE)
        fail(r, "a boolean field has the wrong type");
    return type == TC_TRUE;
}

const uint8_t *thrift_read_binary(thrift_reader *r, size_t *out_length)
{
    uint64_t length = get_varint(r, 5);
    if (r->failure || length > (uint64_t)(r->end - r->p)) {
        fail(r, "a string runs past the end of the metadata");
        *out_length = 0;
        return NULL;
    }
    const uint8_t *data = r->p;
    r->p += length;
    *out_length = (size_t)length;
    return data;
}

size_t thrift_read_list(thrift_reader *r, int *out_element_type)
{
    uint8_t header = get_byte(r);
    uint64_t count = header >> 4;
    if (count == 15)
        count = get_varint(r, 5);
    *out_element_type = header & 0x0f;
    /* Every element takes at least one byte, except booleans in some writers: still 1. */
    if (r->failure || count > (uint64_t)(r->end - r->p)) {
        fail(r, "a list is longer than the metadata");
        return 0;
    }
    return (size_t)count;
}

void thrift_skip(thrift_reader *r, int type)
{
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
        return;
    case TC_I8:
        get_byte(r);
        return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        get_varint(r, 10);
        return;
    case TC_DOUBLE:
        if (r->end - r->p < 8)
            fail(r, "metadata ends in the middle of a double");
        else
            r->p += 8;
        return;
    case TC_UUID:
        if (r->end - r->p < 16)
            fail(r, "metadata ends in the middle of a UUID");
        else
            r->p += 16;
        return;
    case TC_BINARY: {
        size_t n;
        thrift_read_binary(r, &n);
        return;
    }
    case TC_LIST:
    case TC_SET: {
        int element;
        size_t n = thrift_read_list(r, &element);
        for (size_t i = 0; i < n && !r->failure; i++) {
            if (element == TC_TRUE || element == TC_FALSE)
                get_byte(r); /* list booleans take a byte each */
            else
                thrift_skip(r, element);
        }
        return;
    }
    case TC_MAP: {
        uint64_t n = get_varint(r, 5);
        if (n == 0)
            return;
        uint8_t kinds = get_byte(r);
        if (n > (uint64_t)(r->end - r->p)) {
            fail(r, "a map is longer than the metadata");
            return;
        }
        for (uint64_t i = 0; i < n && !r->failure; i++) {
            thrift_skip(r, kinds >> 4);
            thrift_skip(r, kinds & 0x0f);
        }
        return;
    }
    case TC_STRUCT: {
        thrift_read_struct_begin(r);
        int t;
        int16_t id;
        while (!r->failure && thrift_read_field(r, &t, &id))
            thrift_skip(r, t);
        thrift_read_struct_end(r);
        return;
    }
    default:
        fail(r, "unknown Thrift type");
    }
}
