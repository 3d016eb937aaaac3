/* focus: the Cost Management datasets a FinOps hub ingests — their schemas, deterministic
 * synthetic months, and CSV / Parquet files written and read as streams in bounded memory. */
#ifndef HUBAGENT_FOCUS_H
#define HUBAGENT_FOCUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Errors ---------------------------------------------------------------------------- */

typedef enum focus_status {
    FOCUS_OK = 0,
    FOCUS_INVALID_ARGUMENT, /* the caller passed something unusable */
    FOCUS_NOT_FOUND,        /* unknown dataset/version, missing column */
    FOCUS_IO,               /* open/read/write/close failed (errno text in the message) */
    FOCUS_CORRUPT,          /* the file's bytes are not valid CSV / gzip / Parquet */
    FOCUS_SCHEMA_MISMATCH,  /* valid file, but not the columns or types expected */
    FOCUS_UNSUPPORTED,      /* valid, but a feature this module does not read (e.g. ZSTD) */
    FOCUS_NO_MEMORY
} focus_status;

const char *focus_status_text(focus_status status);

/* Caller-owned details of the last failure: which file, where in it, and what. */
typedef struct focus_error {
    focus_status status;
    char file[512]; /* "" when no file is involved */
    int64_t offset; /* byte offset in the (uncompressed) stream, -1 if not known */
    int64_t line;   /* 1-based CSV line, -1 if not applicable */
    char message[512];
} focus_error;

void focus_error_init(focus_error *error);

/* ---- Schemas --------------------------------------------------------------------------- */

/* Logical column types. Cost Management's mapping types S/D/T/B map to STRING, DECIMAL
 * (held as double, like Data Explorer's `real`), DATETIME (UTC, microseconds) and BOOLEAN. */
typedef enum focus_type {
    FOCUS_TYPE_STRING = 0,
    FOCUS_TYPE_DECIMAL,
    FOCUS_TYPE_DATETIME,
    FOCUS_TYPE_BOOLEAN,
    FOCUS_TYPE_INTEGER,
    FOCUS_TYPE_DATE
} focus_type;

const char *focus_type_name(focus_type type);

typedef struct focus_column {
    const char *name;
    focus_type type;
    bool nullable;
} focus_column;

/* How DATETIME cells are written as text. FOCUS 1.0 has no seconds, 1.0r2 does. */
typedef enum focus_date_style {
    FOCUS_DATES_DEFAULT = 0, /* the schema's own style (options only) */
    FOCUS_DATES_ISO_MINUTES, /* 2024-01-01T00:00Z */
    FOCUS_DATES_ISO_SECONDS, /* 2024-01-01T00:00:00Z */
    FOCUS_DATES_US           /* 01/01/2024 (legacy cost CSVs) */
} focus_date_style;

typedef enum focus_dataset {
    FOCUS_DATASET_FOCUS_COST = 0,
    FOCUS_DATASET_PRICE_SHEET,
    FOCUS_DATASET_RESERVATION_DETAILS,
    FOCUS_DATASET_RESERVATION_RECOMMENDATIONS,
    FOCUS_DATASET_RESERVATION_TRANSACTIONS,
    FOCUS_DATASET_COST_DETAILS /* legacy actual/amortized cost (ActualCost, AmortizedCost, Usage) */
} focus_dataset;

typedef struct focus_schema {
    focus_dataset dataset;
    const char *dataset_name; /* as Cost Management spells it: "FocusCost", "PriceSheet",
                                 "ActualCost", ... */
    const char *version;      /* dataVersion: "1.0r2", "1.0-preview(v1)", "2023-05-01", ... */
    const char *variant;      /* "EA" or "MCA"; NULL when one schema serves both */
    focus_date_style dates;
    size_t column_count;
    const focus_column *columns;
} focus_schema;

/* Finds a schema by dataset and version names (case-insensitive; "1.0-preview" finds
 * "1.0-preview(v1)"). `variant` ("EA"/"MCA", NULL = EA) picks between agreement-specific
 * schemas and is ignored otherwise. */
focus_status focus_schema_find(const char *dataset, const char *version, const char *variant,
                               const focus_schema **out_schema, focus_error *error);
size_t focus_schema_count(void);
const focus_schema *focus_schema_at(size_t index);
/* Index of a column by exact name, or -1. */
int focus_schema_column_index(const focus_schema *schema, const char *name);

/* ---- Values ---------------------------------------------------------------------------- */

/* One cell. Which member is meaningful depends on the column's type: text for STRING,
 * number for DECIMAL, integer for INTEGER, DATETIME (µs since the Unix epoch, UTC) and DATE
 * (days since 1970-01-01), boolean for BOOLEAN. Text is not NUL-terminated and is only
 * valid until the next row is produced. */
typedef struct focus_value {
    bool is_null;
    bool boolean;
    const char *text;
    size_t length;
    double number;
    int64_t integer;
} focus_value;

/* Formats a non-null value as CSV cell text (no quoting). Returns the length written, or 0
 * if `capacity` (≥ 40 is always enough for non-strings) is too small. */
size_t focus_value_format(focus_type type, focus_date_style dates, const focus_value *value,
                          char *buffer, size_t capacity);
/* Parses cell text into `out`; empty text is null. Accepts ISO 8601 (with or without seconds,
 * fractions, Z) and M/d/yyyy[ h:mm:ss] dates, True/False booleans. STRING values point into
 * `text`. */
focus_status focus_value_parse(focus_type type, const char *text, size_t length, focus_value *out,
                               focus_error *error);

/* Civil time helpers (UTC). */
int64_t focus_datetime_from_civil(int year, int month, int day, int hour, int minute, int second);
void focus_datetime_to_civil(int64_t micros, int *year, int *month, int *day, int *hour,
                             int *minute, int *second);

/* ---- Synthetic data -------------------------------------------------------------------- */

typedef struct focus_generator_options {
    const char *scope;          /* ARM scope the export is defined at (any scope type) */
    int year, month;            /* the billing month generated */
    const focus_schema *schema; /* dataset × version */
    uint64_t rows;              /* rows to produce (1 ... 10,000,000 and more) */
    uint64_t seed;              /* extra seed mixed in (0 by default) */
    int through_day;            /* month to date: data only on days 1..through_day (0 = all) */
} focus_generator_options;

focus_generator_options focus_generator_options_default(void);

typedef struct focus_generator focus_generator;

/* Same options → same rows, byte for byte. Rows are made one at a time (flat memory). */
focus_status focus_generator_new(const focus_generator_options *options,
                                 focus_generator **out_generator, focus_error *error);
/* Next row (schema->column_count values, valid until the next call); *out_row = NULL at end. */
focus_status focus_generator_next(focus_generator *generator, const focus_value **out_row,
                                  focus_error *error);
void focus_generator_free(focus_generator *generator);

/* ---- Table writers and readers (CSV and Parquet behind one interface) ------------------ */

typedef enum focus_format { FOCUS_FORMAT_CSV = 0, FOCUS_FORMAT_PARQUET } focus_format;
typedef enum focus_compression {
    FOCUS_COMPRESSION_NONE = 0,
    FOCUS_COMPRESSION_GZIP,  /* CSV only */
    FOCUS_COMPRESSION_SNAPPY /* Parquet only */
} focus_compression;

typedef struct focus_writer_options {
    focus_format format;
    focus_compression compression;
    focus_date_style dates;   /* CSV: DEFAULT = the schema's */
    bool csv_bom;             /* CSV: UTF-8 BOM first (Cost Management writes one) */
    bool csv_crlf;            /* CSV: CRLF line ends (RFC 4180) instead of LF */
    int parquet_page_version; /* 1 or 2 */
    bool parquet_dictionary;  /* dictionary-encode when it pays */
    uint64_t parquet_row_group_rows;
    size_t parquet_page_bytes;
} focus_writer_options;

focus_writer_options focus_writer_options_default(void);

typedef struct focus_writer focus_writer;

typedef struct focus_file_stats {
    uint64_t byte_count;     /* bytes of the file as stored (compressed) */
    uint64_t data_row_count; /* rows, header excluded */
} focus_file_stats;

focus_status focus_writer_open(const char *path, const focus_schema *schema,
                               const focus_writer_options *options, focus_writer **out_writer,
                               focus_error *error);
/* `row` holds schema->column_count values in schema order. Parquet refuses a null in a
 * non-nullable column (FOCUS_INVALID_ARGUMENT naming it). */
focus_status focus_writer_write_row(focus_writer *writer, const focus_value *row,
                                    focus_error *error);
/* Bytes written so far: stored bytes for CSV (gzip output lags its input a little), stored
 * plus buffered row-group bytes for Parquet. Partitioning by size uses this. */
uint64_t focus_writer_bytes(const focus_writer *writer);
/* Finishes the file and frees the writer (also on failure). */
focus_status focus_writer_close(focus_writer *writer, focus_file_stats *out_stats,
                                focus_error *error);

typedef struct focus_reader focus_reader;

/* Opens CSV (plain or gzip, detected by content) or Parquet (by "PAR1"). Columns come in
 * file order. For CSV the header names them; with a `schema` they are matched to it by name
 * and typed (a schema column missing from the header, or a cell that does not parse, is
 * FOCUS_SCHEMA_MISMATCH with file and line), without one every cell is STRING. Parquet
 * columns are typed from the file's own schema; a `schema` must be present in it with
 * compatible types. */
focus_status focus_reader_open(const char *path, const focus_schema *schema,
                               focus_reader **out_reader, focus_error *error);
focus_format focus_reader_format(const focus_reader *reader);
const focus_column *focus_reader_columns(const focus_reader *reader, size_t *out_count);
/* Next row or *out_row = NULL at the end; values valid until the next call. */
focus_status focus_reader_next(focus_reader *reader, const focus_value **out_row,
                               focus_error *error);
/* Parquet: decode only the named columns (before the first row); the others read as null
 * and their pages are never read. Unknown names are ignored. CSV: no effect. */
focus_status focus_reader_select_columns(focus_reader *reader, const char *const *names,
                                         size_t count, focus_error *error);
/* Rows a column at a time, for callers that work per distinct value. A column comes either
 * as `values` (one per row) or, from dictionary-encoded Parquet pages, as `indices` into
 * `dictionary` (FOCUS_NULL_INDEX for a null row). A dictionary lasts for a column chunk;
 * `dictionary_id` is never reused in the process, so work done per dictionary entry can be
 * kept until the id changes. */
#define FOCUS_NULL_INDEX UINT32_MAX
#define FOCUS_BATCH_ROWS 1024
typedef struct focus_batch_column {
    const focus_value *values; /* per row, when indices is NULL */
    const uint32_t *indices;   /* per row, into dictionary */
    const focus_value *dictionary;
    size_t dictionary_count;
    uint64_t dictionary_id;
} focus_batch_column;
/* The next rows, up to FOCUS_BATCH_ROWS (*out_rows = 0 at the end), as one column per
 * focus_reader_columns entry, valid until the next call. Columns left out by
 * focus_reader_select_columns read as null. CSV gives one row per batch. Batches and
 * focus_reader_next may be mixed. */
focus_status focus_reader_next_batch(focus_reader *reader, const focus_batch_column **out_columns,
                                     size_t *out_rows, focus_error *error);
/* Parquet: rows the footer declares; CSV: -1 (unknown until read). */
int64_t focus_reader_declared_rows(const focus_reader *reader);
void focus_reader_free(focus_reader *reader);

/* ---- A month of export files, partitioned like Cost Management ------------------------- */

typedef struct focus_export_file {
    char name[64];   /* part_0_0001.csv.gz, part_0_0002.parquet, ... */
    char path[1024]; /* local path of the finished file */
    uint64_t byte_count;
    uint64_t data_row_count;
} focus_export_file;

/* Called once per finished file, in order. Return FOCUS_OK to go on; any other status stops
 * the export (put details in `error`). The file is removed after the call unless
 * keep_files is set. */
typedef focus_status (*focus_file_sink)(void *context, const focus_export_file *file,
                                        focus_error *error);

typedef struct focus_export_options {
    const char *scope;
    int year, month;
    const char *dataset; /* "FocusCost", "PriceSheet", ... */
    const char *version; /* "1.0r2", "2023-05-01", ... */
    const char *variant; /* "EA"/"MCA"/NULL */
    focus_format format;
    focus_compression compression; /* NONE, GZIP (CSV) or SNAPPY (Parquet) */
    uint64_t rows;
    uint64_t max_rows_per_file;  /* 0 = no limit */
    uint64_t max_bytes_per_file; /* 0 = no limit; a file is closed once it passes this */
    const char *directory;       /* where files are written (must exist) */
    focus_file_sink sink;        /* NULL = just leave them in `directory` */
    void *sink_context;
    bool keep_files; /* keep local files after the sink took them */
    uint64_t seed;
    int through_day; /* month to date: data only on days 1..through_day (0 = the whole month) */
} focus_export_options;

focus_export_options focus_export_options_default(void);

typedef struct focus_export_result {
    focus_export_file *files;
    size_t file_count;
    uint64_t byte_count;
    uint64_t data_row_count;
} focus_export_result;

focus_status focus_export_month(const focus_export_options *options,
                                focus_export_result *out_result, focus_error *error);
void focus_export_result_dispose(focus_export_result *result);

/* ---- Inspection ------------------------------------------------------------------------ */

typedef struct focus_inspect_options {
    bool json;           /* machine-readable output */
    size_t top_services; /* services listed per month (0 = 10) */
} focus_inspect_options;

focus_inspect_options focus_inspect_options_default(void);

/* Reads a file through once and writes to `out` its format, dataset/version
 * guess, schema, row count and total cost by month and service. */
focus_status focus_inspect_file(const char *path, const focus_inspect_options *options, FILE *out,
                                focus_error *error);

#endif
