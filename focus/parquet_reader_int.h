/* Parquet reader internals shared by its two files: the reader, and one cursor per column
 * that walks the column chunk page by page (pages differ in size between columns). */
#ifndef HUBAGENT_FOCUS_PARQUET_READER_INT_H
#define HUBAGENT_FOCUS_PARQUET_READER_INT_H

#include "focus/parquet_int.h"

#include <stdio.h>

typedef struct column_cursor {
    const pq_column_meta *meta;
    const pq_schema_element *element;
    const char *name;
    focus_type type;
    bool optional;
    int64_t position, end; /* unread part of the chunk, file offsets */
    int64_t values_left;   /* values (nulls included) not yet in a page */
    bool pages_seen;
    uint8_t *dictionary; /* decompressed dictionary page */
    size_t dictionary_length;
    uint32_t *entries; /* BYTE_ARRAY: offset of each entry's length prefix */
    size_t entry_count;
    uint8_t *page; /* decompressed current page */
    size_t page_capacity;
    const uint8_t *values, *values_end;
    uint64_t boolean_bit;
    pq_hybrid_decoder levels;
    pq_hybrid_decoder indices; /* dictionary indices, or RLE booleans */
    int encoding;
    int32_t page_values_left;
    focus_buffer transcoded, scratch; /* delta / byte-stream-split pages as PLAIN */
} column_cursor;

typedef struct parquet_reader {
    focus_reader base;
    FILE *file;
    char *path;
    int64_t size, footer_start;
    pq_file_meta meta;
    focus_column *columns;
    size_t column_count;
    focus_value *values;
    column_cursor *cursors;
    bool *skipped; /* per column, set by focus_reader_select_columns: read as null, not decoded */
    size_t next_group;
    int64_t group, group_rows_left, rows_read;
    uint8_t *read_buffer;
    size_t read_capacity;
} parquet_reader;

/* Reads `length` bytes at `offset` into the reader's read buffer. */
focus_status pq_read_at(parquet_reader *r, int64_t offset, size_t length, focus_error *error);
/* Decodes the column's next value into `out`, loading pages as needed. */
focus_status pq_cursor_next(parquet_reader *r, column_cursor *c, focus_value *out,
                            focus_error *error);
void pq_cursor_reset(column_cursor *c);

#endif
