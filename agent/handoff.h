/* agent handoff: landed runs in `msexports` handed to the hub's `ingestion` layout exactly as
 * the hub's msexports_ExecuteETL does, once, complete, checked, and safe to repeat or kill. */
#ifndef HUBAGENT_AGENT_HANDOFF_H
#define HUBAGENT_AGENT_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/manifest.h"
#include "agent/state.h"
#include "arm/blob.h"
#include "arm/retry.h"

/* The hub's Data Factory, for `--handoff adf`: its pipeline does the placing instead. */
typedef struct agent_handoff_adf {
    const arm_pipeline *arm;  /* ARM calls (token, retries, pacing) */
    const char *arm_endpoint; /* https://management.azure.com, no trailing slash */
    const char *factory_id;   /* /subscriptions/…/providers/Microsoft.DataFactory/factories/F */
    int watch_s;              /* how long to follow each pipeline run */
    int poll_s;
} agent_handoff_adf;

typedef struct agent_handoff_options {
    const char *source_container;    /* "msexports" */
    const char *ingestion_container; /* "ingestion" */
    const char *prefix;              /* only manifests below this msexports prefix (NULL = all) */
    const char *scope;               /* only this scope (any case), NULL = every scope */
    int year, month;                 /* only this month; 0 = every month */
    int retention_days;              /* settings retention.msexports.days: ≤ 0 deletes sources */
    int incomplete_after_s;       /* a run with missing blobs waits this long, then is incomplete */
    int wait_s;                   /* how long this call polls for missing blobs (0 = look once) */
    const char *temp_dir;         /* CSV conversion files; NULL = $TMPDIR or /tmp */
    const agent_handoff_adf *adf; /* non-NULL: trigger the hub's msexports_ExecuteETL */
} agent_handoff_options;

agent_handoff_options agent_handoff_options_default(void);

/* Counts of one hand-off pass. */
typedef struct agent_handoff_report {
    size_t manifests;          /* manifest blobs looked at */
    size_t handed_off;         /* runs placed in ingestion now */
    size_t already;            /* handled before (same path and eTag) */
    size_t superseded;         /* an older run, or a repeat, of a month already placed */
    size_t waiting;            /* blobs missing, within the wait */
    size_t incomplete;         /* blobs still missing after the wait */
    size_t quarantined;        /* a file failed a check: nothing of the run was placed */
    size_t empty;              /* 0-byte or {} manifests */
    size_t conflicts;          /* same scope and month already under another folder */
    size_t invalid;            /* manifests that cannot be used */
    size_t failed;             /* storage or local failures (retried next time) */
    size_t files;              /* files placed */
    size_t converted;          /* of which CSV converted to Parquet */
    size_t retention_deleted;  /* source blobs deleted by retention */
    uint64_t bytes_copied;     /* Parquet bytes placed by server-side copy */
    uint64_t bytes_downloaded; /* bytes that passed through the agent (CSV, footers) */
} agent_handoff_report;

/* One pass: finds new manifests, hands off the newest complete run of every destination
 * folder, quarantines bad files, applies retention. Per-run problems are counted, logged to
 * `log` (may be NULL) and kept in the state; the return is an error only when the pass could
 * not run at all (listing failed, state failed). */
agent_handoff_status agent_handoff_run(arm_blob_client *blob, agent_state *state,
                                       const agent_handoff_options *options, FILE *log,
                                       agent_handoff_report *out_report,
                                       agent_handoff_error *error);

/* Prints, per scope × month × dataset, what was handed off and from which run, and what
 * waits, was quarantined or conflicts (for `status` and `ingest`). */
agent_handoff_status agent_handoff_print_summary(agent_state *state, const char *scope,
                                                 const char *month, bool json, FILE *out,
                                                 agent_handoff_error *error);

#endif
