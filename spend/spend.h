/* spend: spend scopes — rule-based, priority-ordered groupings of ingested FOCUS cost rows in
 * monthly segments (Kion's Scopes), validated, then evaluated month by month into summaries. */
#ifndef HUBAGENT_SPEND_H
#define HUBAGENT_SPEND_H

#include "focus/focus.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum spend_status {
    SPEND_OK = 0,
    SPEND_E_IO,       /* a file could not be read or written */
    SPEND_E_SYNTAX,   /* the definitions file is not JSON */
    SPEND_E_INVALID,  /* JSON, but not valid spend scopes (see the report) */
    SPEND_E_DATA,     /* cost data unusable (missing columns, unreadable Parquet) */
    SPEND_E_NOMEM,    /* out of memory */
    SPEND_E_ARGUMENT, /* a caller passed something unusable */
} spend_status;

const char *spend_status_text(spend_status status);

/* ---- Problems found in a definitions file (caller-owned, like settings_report) -------- */

typedef enum spend_severity { SPEND_SEVERITY_ERROR, SPEND_SEVERITY_WARNING } spend_severity;

typedef struct spend_problem {
    spend_severity severity;
    char *path;    /* JSON path, e.g. "$.spendScopes[0].segments[1].criteria.logic" */
    int line;      /* 1-based, 0 when unknown */
    int column;    /* 1-based, 0 when unknown */
    char *message; /* names the spend scope, segment and condition; no trailing period */
} spend_problem;

typedef struct spend_report {
    char *source; /* file name used in messages */
    spend_problem *problems;
    size_t count;
    size_t capacity;
    size_t error_count;
} spend_report;

void spend_report_init(spend_report *report, const char *source);
void spend_report_dispose(spend_report *report);
/* Writes "SOURCE:LINE:COL: error|warning: message" lines, one per problem. */
void spend_report_print(const spend_report *report, FILE *out);

/* ---- Months ---------------------------------------------------------------------------- */

/* A month as year * 12 + (month - 1); SPEND_MONTH_OPEN is an open-ended `to`. */
typedef int spend_month;
#define SPEND_MONTH_OPEN 0x7fffffff

/* Parses "YYYY-MM" (years 1970..9999). Returns false when it is not one. */
bool spend_month_parse(const char *text, spend_month *out_month);
/* Writes "YYYY-MM" (or "open" for SPEND_MONTH_OPEN); buffer needs 8 bytes. */
void spend_month_format(spend_month month, char buffer[static 8]);

/* ---- Definitions ----------------------------------------------------------------------- */

typedef struct spend_definitions spend_definitions;

/* Parses a spendScopes file (see spend/README.md). On SPEND_E_SYNTAX / SPEND_E_INVALID the
 * report says why and *out_definitions is NULL; warnings may be reported on success. */
spend_status spend_definitions_parse(const char *text, size_t length,
                                     spend_definitions **out_definitions, spend_report *report);
spend_status spend_definitions_load_file(const char *path, spend_definitions **out_definitions,
                                         spend_report *report);
void spend_definitions_free(spend_definitions *definitions);

/* What one segment holds, for listings. */
typedef struct spend_segment_info {
    spend_month from;
    spend_month to; /* SPEND_MONTH_OPEN when open-ended */
    bool all_accounts;
    size_t account_count;
    size_t condition_count;
} spend_segment_info;

size_t spend_definitions_scope_count(const spend_definitions *definitions);
const char *spend_definitions_scope_name(const spend_definitions *definitions, size_t scope);
size_t spend_definitions_segment_count(const spend_definitions *definitions, size_t scope);
void spend_definitions_segment_info(const spend_definitions *definitions, size_t scope,
                                    size_t segment, spend_segment_info *out_info);
/* A digest (64-bit FNV-1a, 16 hex chars) of the criteria in force for `month` across
 * all spend scopes, in priority order: equal digests mean equal attribution rules. */
void spend_definitions_month_digest(const spend_definitions *definitions, spend_month month,
                                    char out_digest[static 17]);

/* ---- Evaluation ------------------------------------------------------------------------ */

typedef struct spend_error {
    spend_status status;
    char file[512]; /* "" when no file is involved */
    char message[512];
} spend_error;

void spend_error_init(spend_error *error);

/* One group of a month's summary. spend_scope is NULL for unscoped rows, which roll up to
 * their sub-account (the Azure subscription). Strings are owned by the summary. */
typedef struct spend_summary_row {
    const char *spend_scope;
    int priority; /* 1-based position in the file; 0 for unscoped */
    const char *sub_account_id;
    const char *service_category;
    const char *charge_category;
    const char *billing_currency;
    double billed_cost, effective_cost, list_cost;
    uint64_t row_count;
} spend_summary_row;

typedef struct spend_totals {
    double billed_cost, effective_cost, list_cost;
    uint64_t row_count;
} spend_totals;

typedef struct spend_summary {
    spend_month month;
    spend_summary_row *rows; /* by priority, then sub-account, category, charge category */
    size_t row_count;
    spend_totals month_total; /* every row read, counted before attribution */
    spend_totals scoped;      /* sum over spend scopes */
    spend_totals unscoped;    /* sum over unscoped rows */
    size_t file_count;
    /* Rows whose ChargePeriodStart is not in `month` (still attributed and counted): a sign
     * that --input holds more than the month's data. */
    uint64_t rows_outside_month;
} spend_summary;

/* True when scoped + unscoped equals the month's total to the cent (each cost) and the row
 * counts agree. */
bool spend_summary_reconciles(const spend_summary *summary);
void spend_summary_free(spend_summary *summary);

typedef struct spend_evaluator spend_evaluator;

/* An evaluator for one month: each row goes to the first spend scope (priority order) whose
 * segment for that month matches it. Memory is bounded by the number of groups, not rows. */
spend_status spend_evaluator_new(const spend_definitions *definitions, spend_month month,
                                 spend_evaluator **out_evaluator, spend_error *error);
/* Columns of the rows that follow (by name; FOCUS 1.0-preview, 1.0, 1.0r2 and 1.2 names). */
spend_status spend_evaluator_bind(spend_evaluator *evaluator, const focus_column *columns,
                                  size_t count, spend_error *error);
spend_status spend_evaluator_add_row(spend_evaluator *evaluator, const focus_value *row,
                                     spend_error *error);
/* Streams a Parquet (or CSV) file through bind + add_row. */
spend_status spend_evaluator_add_file(spend_evaluator *evaluator, const char *path,
                                      spend_error *error);
/* The month's summary; the evaluator is freed (also on failure). */
spend_status spend_evaluator_finish(spend_evaluator *evaluator, spend_summary **out_summary,
                                    spend_error *error);
void spend_evaluator_free(spend_evaluator *evaluator);

typedef struct spend_evaluate_options {
    unsigned threads; /* files evaluated at once, each by its own evaluator; 0 = one per CPU
                         (at most 8). Memory grows by one file reader per thread. */
} spend_evaluate_options;

spend_evaluate_options spend_evaluate_options_default(void);

/* Evaluates the files (Parquet or CSV) and merges their groups; the result does not depend on
 * the number of threads (beyond the last bits of floating-point sums). */
spend_status spend_evaluate_files(const spend_definitions *definitions, spend_month month,
                                  const char *const *paths, size_t count,
                                  const spend_evaluate_options *options,
                                  spend_summary **out_summary, spend_error *error);

/* Every *.parquet file under `directory` (recursively), with default options. */
spend_status spend_evaluate_directory(const spend_definitions *definitions, spend_month month,
                                      const char *directory, spend_summary **out_summary,
                                      spend_error *error);

/* Writes the summary as Parquet to `path` (through a temporary file renamed into place, so
 * readers see all or nothing). */
spend_status spend_summary_write_parquet(const spend_summary *summary, const char *path,
                                         spend_error *error);
/* The summary's place under an output root: "SpendScopes/YYYY/MM/spend-scopes.parquet". */
void spend_summary_relative_path(spend_month month, char *buffer, size_t capacity);
/* ---- Re-evaluation only when something changed ---------------------------------------- */

/* The hash of every digest here (64-bit FNV-1a, shown as 16 hex digits): start from
 * SPEND_DIGEST_SEED and add bytes; callers fingerprinting other inputs (blobs) use it too. */
#define SPEND_DIGEST_SEED 0xcbf29ce484222325ULL
uint64_t spend_digest_add(uint64_t hash, const void *data, size_t length);

/* A fingerprint of the *.parquet files under a folder (relative names, sizes, mtimes): the
 * same files give the same fingerprint wherever the folder is. */
spend_status spend_directory_fingerprint(const char *directory, char out_digest[static 17],
                                         spend_error *error);
/* Reads a summary written by spend_summary_write_parquet back (month totals = its rows). */
spend_status spend_summary_read_parquet(const char *path, spend_summary **out_summary,
                                        spend_error *error);

/* The Parquet schema of the summary files. */
const focus_schema *spend_summary_schema(void);

#endif
