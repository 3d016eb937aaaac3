/* Parquet writer internals shared by its two files: per-column page and dictionary state,
 * and the page / row-group / footer writing in parquet_writer_pages.c. */
#ifndef HUBAGENT_FOCUS_PARQUET_WRITER_INT_H
#define HUBAGENT_FOCUS_PARQUET_WRITER_INT_H

#include "focus/parquet_int.h"
#include "focus/stream.h"

#define PAGE_MAX_VALUES      20000
#define DICTIONARY_MAX_BYTES (1024 * 1024)
#define ROW_GROUP_MAX_BYTES  (32u * 1024 * 1024)

typedef struct column_writer {
    const focus_column *column;
    int physical;
    bool optional;
    uint8_t *levels; /* definition levels of the current page */
    focus_buffer plain;
    uint32_t *indices;
    size_t page_values, page_nulls, page_indices;
    bool dictionary_on; /* new values go to the dictionary (until it is too big) */
    bool dictionary_used;
    focus_buffer dictionary;
    uint32_t *entry_offsets; /* entry i = dictionary[entry_offsets[i] .. entry_offsets[i+1]) */
    size_t entry_count, entry_capacity;
    uint32_t *slots; /* hash table of entry index + 1 */
    size_t slot_count;
    focus_buffer chunk; /* data pages, compressed, headers included */
    int64_t chunk_uncompressed;
    uint32_t encodings;
    /* Chunk statistics: nulls always; min/max for numbers and timestamps (readers such as
     * DuckDB skip row groups by them, so they must be exact). */
    int64_t null_count;
    bool has_range;
    int64_t min_integer, max_integer;
    double min_number, max_number;
} column_writer;

typedef struct parquet_writer {
    focus_writer base;
    const focus_schema *schema;
    focus_writer_options options;
    int codec;
    focus_output out;
    column_writer *columns;
    focus_buffer body, values, scratch, header;
    uint32_t *level_scratch;
    pq_file_meta meta;
    uint64_t rows, group_rows;
    bool failed;
} parquet_writer;

/* Encodes the current page of a column into its chunk. */
focus_status pq_writer_flush_page(parquet_writer *w, column_writer *c, focus_error *error);
/* Writes every column chunk of the buffered row group to the file. */
focus_status pq_writer_flush_row_group(parquet_writer *w, focus_error *error);
/* Writes the footer (FileMetaData, its length, "PAR1"). */
focus_status pq_writer_finish(parquet_writer *w, focus_error *error);
size_t pq_writer_buffered_bytes(const parquet_writer *w);

#endif
