/* agent manifest: a Cost Management run's manifest.json read into what the hub's ingestion
 * step uses (dataset, version, scope, month, run id, blobs) and the hub's destination names. */
#ifndef HUBAGENT_AGENT_MANIFEST_H
#define HUBAGENT_AGENT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum agent_handoff_status {
    AGENT_HANDOFF_OK = 0,
    AGENT_HANDOFF_E_MANIFEST, /* the manifest is not usable (message says which field) */
    AGENT_HANDOFF_E_STORAGE,  /* a Blob call failed */
    AGENT_HANDOFF_E_STATE,    /* the state database failed */
    AGENT_HANDOFF_E_CHECK,    /* a data file failed a check and was quarantined */
    AGENT_HANDOFF_E_IO,       /* a local temporary file failed */
    AGENT_HANDOFF_E_NOMEM,
} agent_handoff_status;

const char *agent_handoff_status_text(agent_handoff_status status);

/* Caller-owned error details: what failed and on which blob. */
typedef struct agent_handoff_error {
    agent_handoff_status status;
    char where[512];
    char message[1024];
} agent_handoff_error;

void agent_handoff_error_init(agent_handoff_error *error);
agent_handoff_status agent_handoff_fail(agent_handoff_error *error, agent_handoff_status status,
                                        const char *where, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct agent_manifest_blob {
    char *name; /* full blob path inside the container */
    uint64_t byte_count;
    int64_t row_count; /* -1 when the manifest gives none (null or absent) */
} agent_manifest_blob;

typedef struct agent_manifest {
    bool empty; /* a 0-byte manifest or "{}" (#2057): nothing to hand off */
    char *export_name;
    char *resource_id;
    char *type;         /* exportConfig.type, e.g. "FocusCost" */
    char *data_version; /* exportConfig.dataVersion */
    char *scope; /* lower(resourceId) cut before /providers/microsoft.costmanagement/exports/ */
    char *run_id;
    char *submitted_time; /* runInfo.submittedTime, "" when absent (orders runs of a month) */
    int year, month;      /* from runInfo.startDate */
    int64_t row_count;    /* top-level dataRowCount, -1 when null or absent (#2173) */
    bool has_no_rows;     /* what the hub computes: it would skip this run */
    agent_manifest_blob *blobs;
    size_t blob_count;
} agent_manifest;

/* Parses manifest text; `where` (the blob path) names it in errors. An empty text or "{}"
 * gives out->empty. Every field the hand-off needs is checked, with the field named. */
agent_handoff_status agent_manifest_parse(const char *text, size_t length, const char *where,
                                          agent_manifest *out, agent_handoff_error *error);
void agent_manifest_dispose(agent_manifest *manifest);

/* The hub's dataset folder for an export type: focuscost → Costs, …, else lower(type). */
void agent_manifest_dataset_folder(const char *type, char *out, size_t size);

/* The hub's destination folder inside `ingestion`, e.g. "Costs/2025/05/subscriptions/<guid>".
 * Returns false when it does not fit. */
bool agent_manifest_destination(const agent_manifest *manifest, char *out, size_t size);

/* "{runId}__{leaf}" with ".gz" dropped and ".csv" → ".parquet". */
bool agent_manifest_destination_file(const char *run_id, const char *blob_name, char *out,
                                     size_t size);

/* The variant ("EA"/"MCA") the hub's schema choice gives for a dataset from the first file's
 * column names; NULL when the dataset has one schema. */
const char *agent_manifest_variant(const char *type, const char *const *columns, size_t count);

#endif
