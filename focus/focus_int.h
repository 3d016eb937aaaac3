/* focus internals shared by the module's files: error helpers, byte buffers, the schema
 * registry and the writer/reader vtables. Not part of the public API. */
#ifndef HUBAGENT_FOCUS_INT_H
#define HUBAGENT_FOCUS_INT_H

#include "focus/focus.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define FOCUS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FOCUS_PRINTF(a, b)
#endif

/* Fills `error` (if any) and returns `status`, so failures read `return focus_fail(...)`. */
focus_status focus_fail(focus_error *error, focus_status status, const char *file, int64_t offset,
                        int64_t line, const char *format, ...) FOCUS_PRINTF(6, 7);

/* Time unit conversions on values read from files: saturate instead of overflowing. */
static inline int64_t focus_saturating_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

static inline int64_t focus_saturating_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/* A growable byte buffer. */
typedef struct focus_buffer {
    uint8_t *data;
    size_t length;
    size_t capacity;
} focus_buffer;

bool focus_buffer_reserve(focus_buffer *buffer, size_t extra);
bool focus_buffer_append(focus_buffer *buffer, const void *data, size_t length);
void focus_buffer_dispose(focus_buffer *buffer);

extern const focus_schema focus_schemas[];
extern const size_t focus_schema_total;

/* Type-dispatched table writers and readers (CSV, Parquet). */
typedef struct focus_writer_ops {
    focus_status (*write_row)(focus_writer *writer, const focus_value *row, focus_error *error);
    uint64_t (*bytes)(const focus_writer *writer);
    focus_status (*close)(focus_writer *writer, focus_file_stats *out_stats, focus_error *error);
} focus_writer_ops;

struct focus_writer {
    const focus_writer_ops *ops;
};

typedef struct focus_reader_ops {
    const focus_column *(*columns)(const focus_reader *reader, size_t *out_count);
    focus_status (*next)(focus_reader *reader, const focus_value **out_row, focus_error *error);
    /* NULL: focus_reader_next_batch hands out one row at a time. */
    focus_status (*next_batch)(focus_reader *reader, const focus_batch_column **out_columns,
                               size_t *out_rows, focus_error *error);
    int64_t (*declared_rows)(const focus_reader *reader);
    void (*free)(focus_reader *reader);
} focus_reader_ops;

struct focus_reader {
    const focus_reader_ops *ops;
    focus_format format;
    focus_batch_column *row_batch; /* one-row batches of readers without next_batch */
};

/* A process-wide fresh id for a dictionary (focus_batch_column.dictionary_id). */
uint64_t focus_dictionary_id_new(void);

focus_status focus_csv_writer_open(const char *path, const focus_schema *schema,
                                   const focus_writer_options *options, focus_writer **out_writer,
                                   focus_error *error);
focus_status focus_csv_reader_open(const char *path, const focus_schema *schema,
                                   focus_reader **out_reader, focus_error *error);
focus_status focus_parquet_writer_open(const char *path, const focus_schema *schema,
                                       const focus_writer_options *options,
                                       focus_writer **out_writer, focus_error *error);
focus_status focus_parquet_reader_open(const char *path, focus_reader **out_reader,
                                       focus_error *error);

#endif
