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
    /* Batches: the chunk's dictionary converted once, and this column's current batch. */
    focus_value *dictionary_values;
    uint64_t dictionary_id;
    uint32_t *batch_indices;
    focus_value *batch_values;
    focus_buffer batch_text; /* PLAIN strings: their page is replaced within a batch */
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
    focus_batch_column *batch;              /* per column, by focus_reader_next_batch */
    uint32_t *batch_levels, *batch_scratch; /* one column step's levels and indices */
    focus_value *batch_nulls;               /* the values of columns not selected */
} parquet_reader;

/* Reads `length` bytes at `offset` into the reader's read buffer. */
focus_status pq_read_at(parquet_reader *r, int64_t offset, size_t length, focus_error *error);
/* Decodes the column's next value into `out`, loading pages as needed. */
focus_status pq_cursor_next(parquet_reader *r, column_cursor *c, focus_value *out,
                            focus_error *error);
void pq_cursor_reset(column_cursor *c);
/* Loads the column's next data page (and its dictionary before it). */
focus_status pq_cursor_load_page(parquet_reader *r, column_cursor *c, focus_error *error);
/* Is the current page dictionary-encoded? */
bool pq_cursor_indexed(const column_cursor *c);
/* Decodes `count` (at most the page's values left) rows of a dictionary-encoded page as
 * checked dictionary indices, FOCUS_NULL_INDEX for nulls; levels and scratch hold count + 1. */
focus_status pq_cursor_next_indices(parquet_reader *r, column_cursor *c, uint32_t *out,
                                    size_t count, uint32_t *levels, uint32_t *scratch,
                                    focus_error *error);
/* Is the current page PLAIN values of a fixed width (not strings, not booleans)? */
bool pq_cursor_fixed_plain(const column_cursor *c);
/* Decodes `count` (at most the page's values left) rows of such a page; levels holds count. */
focus_status pq_cursor_next_plain(parquet_reader *r, column_cursor *c, focus_value *out,
                                  size_t count, uint32_t *levels, focus_error *error);
/* The dictionary entry `index` (checked by the caller) as a value. */
void pq_dictionary_value(const column_cursor *c, uint32_t index, focus_value *out);
/* Moves to the next row group with rows; false at the end of the file. */
bool pq_reader_next_group(parquet_reader *r);
/* Cursor and batch buffers of one column. */
void pq_cursor_dispose(column_cursor *c);
focus_status pq_parquet_next_batch(focus_reader *base, const focus_batch_column **out_columns,
                                   size_t *out_rows, focus_error *error);

#endif
