/* Parquet internals: the Thrift compact protocol, the file metadata structs this module
 * writes and reads (flat schemas only), and the page encodings. See spec/parquet.md. */
#ifndef HUBAGENT_FOCUS_PARQUET_INT_H
#define HUBAGENT_FOCUS_PARQUET_INT_H

#include "focus/focus_int.h"

enum { PQ_BOOLEAN = 0, PQ_INT32, PQ_INT64, PQ_INT96, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY, PQ_FLBA };
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum {
    PQ_PLAIN = 0,
    PQ_PLAIN_DICTIONARY = 2,
    PQ_RLE = 3,
    PQ_BIT_PACKED = 4,
    PQ_RLE_DICTIONARY = 8
};
enum { PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_GZIP = 2 };
enum { PQ_DATA_PAGE = 0, PQ_INDEX_PAGE = 1, PQ_DICTIONARY_PAGE = 2, PQ_DATA_PAGE_V2 = 3 };
enum {
    PQ_CT_UTF8 = 0,
    PQ_CT_DECIMAL = 5,
    PQ_CT_DATE = 6,
    PQ_CT_TIMESTAMP_MILLIS = 9,
    PQ_CT_TIMESTAMP_MICROS = 10
};
/* LogicalType union members used here. */
enum {
    PQ_LT_NONE = 0,
    PQ_LT_STRING = 1,
    PQ_LT_DECIMAL = 5,
    PQ_LT_DATE = 6,
    PQ_LT_TIMESTAMP = 8,
    PQ_LT_INTEGER = 10,
    PQ_LT_OTHER = 99
};
enum { PQ_UNIT_MILLIS = 1, PQ_UNIT_MICROS = 2, PQ_UNIT_NANOS = 3 };

/* Thrift compact type nibbles. */
enum {
    TC_STOP = 0,
    TC_TRUE = 1,
    TC_FALSE = 2,
    TC_I8 = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12,
    TC_UUID = 13
};

/* ---- Thrift compact writer (into a buffer) ---- */
typedef struct thrift_writer {
    focus_buffer *out;
    int16_t last_id[32];
    int depth;
    bool ok;
} thrift_writer;

void thrift_writer_init(thrift_writer *w, focus_buffer *out);
void thrift_write_i32(thrift_writer *w, int16_t id, int32_t value);
void thrift_write_i64(thrift_writer *w, int16_t id, int64_t value);
void thrift_write_bool(thrift_writer *w, int16_t id, bool value);
void thrift_write_binary(thrift_writer *w, int16_t id, const void *data, size_t length);
void thrift_write_struct_begin(thrift_writer *w, int16_t id); /* a struct field */
void thrift_write_element_begin(thrift_writer *w);            /* a struct list element */
void thrift_write_struct_end(thrift_writer *w);
void thrift_write_list_begin(thrift_writer *w, int16_t id, int element_type, size_t count);
void thrift_write_list_i32(thrift_writer *w, int32_t value);
void thrift_write_list_binary(thrift_writer *w, const void *data, size_t length);
void thrift_write_stop(thrift_writer *w); /* ends the outermost struct */

/* ---- Thrift compact reader (bounded; every failure is a message) ---- */
typedef struct thrift_reader {
    const uint8_t *start, *p, *end;
    int64_t base_offset; /* file offset of start, for errors */
    int depth;
    int16_t last_id[33];
    const char *failure; /* static text, NULL while fine */
} thrift_reader;

void thrift_reader_init(thrift_reader *r, const uint8_t *data, size_t length, int64_t offset);
/* Next field of the current struct; false at its stop (or on failure). */
bool thrift_read_field(thrift_reader *r, int *out_type, int16_t *out_id);
void thrift_read_struct_begin(thrift_reader *r);
void thrift_read_struct_end(thrift_reader *r);
int64_t thrift_read_int(thrift_reader *r); /* i8/i16/i32/i64 by the field's type */
int64_t thrift_read_typed_int(thrift_reader *r, int type);
bool thrift_read_bool_field(thrift_reader *r, int type);
const uint8_t *thrift_read_binary(thrift_reader *r, size_t *out_length);
/* List header: element type and count (count bounded by the bytes left). */
size_t thrift_read_list(thrift_reader *r, int *out_element_type);
void thrift_skip(thrift_reader *r, int type);
int64_t thrift_reader_offset(const thrift_reader *r);

/* ---- File metadata ---- */
typedef struct pq_schema_element {
    char *name;
    int type; /* -1 when absent (groups) */
    int type_length;
    int repetition; /* -1 when absent */
    int num_children;
    int converted; /* -1 when absent */
    int scale, precision;
    int logical; /* PQ_LT_* */
    int unit;    /* PQ_UNIT_* for TIMESTAMP */
    bool utc;
} pq_schema_element;

typedef struct pq_column_meta {
    int type;
    int codec;
    char *path; /* single-element path_in_schema */
    int64_t num_values;
    int64_t total_uncompressed, total_compressed;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* 0 when absent */
    uint32_t encodings;             /* bit per Encoding value */
    bool has_statistics;            /* writer: null_count, and min/max when range_length > 0 */
    int64_t null_count;
    uint8_t min_value[8], max_value[8];
    size_t range_length;
} pq_column_meta;

typedef struct pq_row_group {
    pq_column_meta *columns;
    size_t column_count;
    int64_t total_byte_size, num_rows, file_offset, total_compressed;
} pq_row_group;

typedef struct pq_file_meta {
    int32_t version;
    pq_schema_element *schema;
    size_t schema_count;
    int64_t num_rows;
    pq_row_group *row_groups;
    size_t row_group_count;
    char *created_by;
    bool column_orders; /* writer: emit TYPE_ORDER column orders */
} pq_file_meta;

void pq_file_meta_encode(const pq_file_meta *meta, focus_buffer *out, bool *ok);
/* Decodes and checks required fields; on failure returns a static reason and the offset. */
const char *pq_file_meta_decode(const uint8_t *data, size_t length, int64_t offset,
                                pq_file_meta *out, int64_t *out_error_offset);
void pq_file_meta_dispose(pq_file_meta *meta);

typedef struct pq_page_header {
    int type;
    int32_t uncompressed_size, compressed_size;
    int32_t num_values;
    int encoding;
    int32_t num_nulls, num_rows;    /* v2 */
    int32_t def_length, rep_length; /* v2 */
    bool is_compressed;             /* v2; absent = true */
    bool has_sub_header;
} pq_page_header;

void pq_page_header_encode(const pq_page_header *header, focus_buffer *out, bool *ok);
/* Returns NULL and the header's byte length, or a static reason. */
const char *pq_page_header_decode(const uint8_t *data, size_t length, pq_page_header *out,
                                  size_t *out_header_length);

/* ---- Encodings ---- */
/* RLE/bit-packed hybrid of `count` values of `width` bits (runs of equal values as RLE,
 * the rest bit-packed in groups of 8). */
bool pq_hybrid_encode(const uint32_t *values, size_t count, int width, focus_buffer *out);

typedef struct pq_hybrid_decoder {
    const uint8_t *p, *end;
    int width;
    uint32_t run_left;
    bool packed;
    uint32_t rle_value;
    const uint8_t *bits;
    uint64_t bit_position;
    uint64_t bits_available;
} pq_hybrid_decoder;

void pq_hybrid_init(pq_hybrid_decoder *d, const uint8_t *data, size_t length, int width);
/* False (with *out_reason) when the stream ends early or is malformed. */
bool pq_hybrid_next(pq_hybrid_decoder *d, uint32_t *out_value, const char **out_reason);
/* The next `count` values at once (pages decode their levels and indices in bulk). */
bool pq_hybrid_decode(pq_hybrid_decoder *d, uint32_t *out, size_t count, const char **out_reason);
/* When the current RLE run holds `count` more of `value`, consumes them and returns true (a
 * page without nulls need not decode its levels). */
bool pq_hybrid_skip_run(pq_hybrid_decoder *d, size_t count, uint32_t value);

/* Compression of page bodies: returns false with a reason. */
bool pq_compress(int codec, const uint8_t *data, size_t length, focus_buffer *out);
const char *pq_decompress(int codec, const uint8_t *data, size_t length, uint8_t *out,
                          size_t expected);

int pq_bit_width(uint32_t max_value);

/* Decodes a page's values in DELTA_BINARY_PACKED (5), DELTA_LENGTH_BYTE_ARRAY (6),
 * DELTA_BYTE_ARRAY (7) or BYTE_STREAM_SPLIT (9) into PLAIN layout in `out` (at most
 * max_count values). Returns NULL or why the data is bad. */
const char *pq_transcode_plain(int encoding, int physical, int type_length, const uint8_t *data,
                               size_t length, size_t max_count, focus_buffer *scratch,
                               focus_buffer *out);

#endif
