/* arm/exports.h: the Cost Management Exports client — list, get, create-or-update, delete, run
 * and run history at any scope — with bodies as plain structs that keep unknown fields. */
#ifndef HUBAGENT_ARM_EXPORTS_H
#define HUBAGENT_ARM_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "arm/error.h"
#include "arm/http.h"
#include "arm/pacer.h"
#include "arm/retry.h"

#define ARM_EXPORTS_API_PREVIEW "2023-07-01-preview" /* the hub's, the default */
#define ARM_EXPORTS_API_STABLE  "2025-03-01"

/* One run (ExportRun). Strings are malloc'd or NULL when absent. */
typedef struct arm_export_run {
    char *id;
    char *execution_type; /* OnDemand, Scheduled */
    char *status;         /* Queued, InProgress, Completed, Failed, Timeout, … (kept as sent) */
    char *submitted_by;
    char *submitted_time;
    char *processing_start_time;
    char *processing_end_time;
    char *start_date; /* data period */
    char *end_date;
    char *file_name;
    char *manifest_file;
    char *error_code;
    char *error_message;
} arm_export_run;

/* An export. Every string is malloc'd (set with arm_export_set) or NULL = absent; absent
 * fields are not sent. `document` holds the reply it was parsed from: fields this struct does
 * not model (filters, columns, future properties) are sent back unchanged on update. */
typedef struct arm_export {
    char *id, *name, *type;
    char *etag;          /* with its quotes, as ARM sends it */
    char *location;      /* create-only; needed with a system-assigned identity */
    char *identity_type; /* None, SystemAssigned */
    char *identity_principal_id, *identity_tenant_id; /* read-only */
    char *format;                                     /* Csv, Parquet (2025-03-01) */
    char *destination_type;                           /* AzureBlob */
    char *destination_resource_id;
    char *destination_container;
    char *destination_root_folder_path;
    char *definition_type; /* ActualCost, AmortizedCost, FocusCost, PriceSheet, … */
    char *timeframe;       /* MonthToDate, TheLastMonth, Custom, … */
    char *time_period_from, *time_period_to; /* only with Custom */
    char *granularity;                       /* Daily, Monthly */
    char *data_version;                      /* dataSet.configuration.dataVersion */
    char *schedule_status;                   /* Active, Inactive */
    char *recurrence; /* Daily, Weekly, Monthly, Annually (None for one-time) */
    char *recurrence_from, *recurrence_to;
    int partition_data;            /* -1 absent, 0 false, 1 true */
    char *data_overwrite_behavior; /* OverwritePreviousReport, CreateNewReport */
    char *compression_mode;        /* gzip, snappy, None — lowercase on the wire */
    char *description;             /* exportDescription */
    char *next_run_time_estimate;  /* read-only */
    arm_export_run *runs;          /* properties.runHistory.value, with $expand */
    size_t run_count;
    void *document; /* private: the parsed reply (json_t *) */
} arm_export;

void arm_export_init(arm_export *export_);
void arm_export_dispose(arm_export *export_);
/* Replaces a string field with a copy of value (NULL clears it). */
arm_status arm_export_set(char **field, const char *value);

typedef struct arm_export_list {
    arm_export *items;
    size_t count;
} arm_export_list;

void arm_export_list_dispose(arm_export_list *list);

typedef struct arm_export_run_list {
    arm_export_run *items;
    size_t count;
} arm_export_run_list;

void arm_export_run_list_dispose(arm_export_run_list *list);

/* JSON <-> struct, without the network (used by the client, the mock and tests).
 * Parsing tolerates unknown fields and values; the error names the offending field. */
arm_status arm_export_parse(const char *json, size_t len, arm_export *out, arm_error *err);
/* The body of a create-or-update: the original document (if any) with the known fields
 * overlaid and read-only fields (id, type, runHistory, …) left out. *out_json is malloc'd. */
arm_status arm_export_build(const arm_export *export_, char **out_json, arm_error *err);
arm_status arm_export_list_parse(const char *json, size_t len, arm_export_list *out,
                                 arm_error *err);
arm_status arm_export_run_list_parse(const char *json, size_t len, arm_export_run_list *out,
                                     arm_error *err);

typedef struct arm_exports_options {
    const char *endpoint;    /* default "https://management.azure.com" (the mock's URL in tests) */
    const char *api_version; /* default ARM_EXPORTS_API_PREVIEW */
    const char *resource;    /* token resource, default "https://management.azure.com/" */
    const arm_token_provider *tokens; /* NULL = no Authorization (tests only) */
    arm_pacer *pacer;                 /* shared process pacer; NULL = none */
    const arm_retry_policy *retry;    /* NULL = default */
} arm_exports_options;

arm_exports_options arm_exports_options_default(void);

typedef struct arm_exports_client arm_exports_client;

/* http is borrowed; option strings are copied. */
arm_status arm_exports_client_new(arm_http_client *http, const arm_exports_options *opts,
                                  arm_exports_client **out, arm_error *err);
void arm_exports_client_free(arm_exports_client *client);

/* scope: e.g. "subscriptions/{id}", "/providers/Microsoft.Billing/billingAccounts/{ba}"
 * (leading slash optional). Names and scopes with ?, #, %, spaces or ".." are refused. */
arm_status arm_exports_list(arm_exports_client *client, const char *scope, bool expand_runs,
                            arm_export_list *out, arm_error *err);
arm_status arm_exports_get(arm_exports_client *client, const char *scope, const char *name,
                           bool expand_runs, arm_export *out, arm_error *err);
/* PUT; sends export_->etag when set (required by ARM for updates). out may be NULL;
 * out_created (may be NULL) is true for 201 Created, false for 200 OK. */
arm_status arm_exports_create_or_update(arm_exports_client *client, const char *scope,
                                        const char *name, const arm_export *export_,
                                        arm_export *out, bool *out_created, arm_error *err);
arm_status arm_exports_delete(arm_exports_client *client, const char *scope, const char *name,
                              arm_error *err);
/* POST …/run; from/to (ISO 8601) both NULL for the export's own period. Retried only when
 * the service did not accept it (429, never sent). */
arm_status arm_exports_run(arm_exports_client *client, const char *scope, const char *name,
                           const char *from, const char *to, arm_error *err);
arm_status arm_exports_run_history(arm_exports_client *client, const char *scope, const char *name,
                                   arm_export_run_list *out, arm_error *err);

/* Fan-out: the exports of many scopes listed concurrently on this thread (paced per scope,
 * retried). results[i] belongs to scopes[i]; dispose each with arm_exports_result_dispose.
 * Returns ARM_OK when every scope was tried (look at each status). */
typedef struct arm_exports_result {
    arm_status status;
    arm_error error;
    arm_export_list list;
} arm_exports_result;

arm_status arm_exports_list_many(arm_exports_client *client, const char *const *scopes,
                                 size_t count, bool expand_runs, arm_exports_result *results,
                                 arm_error *err);
void arm_exports_result_dispose(arm_exports_result *results, size_t count);

#endif
