/* agent handoff internals shared by handoff.c (discovery, ordering, state, retention) and
 * handoff_place.c (one file: checked, then copied server-side or converted; quarantine). */
#ifndef HUBAGENT_AGENT_HANDOFF_INT_H
#define HUBAGENT_AGENT_HANDOFF_INT_H

#include "agent/handoff.h"

typedef struct handoff_context {
    arm_blob_client *blob;
    const agent_handoff_options *options;
    FILE *log;
    agent_handoff_report *report;
} handoff_context;

/* Places one listed data file of the run at ingestion/{destination}/{runId}__{file}: Parquet
 * by server-side copy after its footer is checked, CSV (.gz) converted with the hub's schema.
 * A file that fails a check gives AGENT_HANDOFF_E_CHECK with the reason in error->message and
 * nothing placed. *out_rows gets the file's data rows (-1 when unknown). */
agent_handoff_status handoff_place_file(handoff_context *c, const agent_manifest *manifest,
                                        const agent_manifest_blob *file, const char *destination,
                                        int64_t *out_rows, agent_handoff_error *error);

/* Moves a source blob under quarantine/ in the source container, with a reason blob
 * quarantine/{blob}.reason.json next to it. */
agent_handoff_status handoff_quarantine(handoff_context *c, const char *blob_name,
                                        const char *manifest_path, const char *reason,
                                        agent_handoff_error *error);

/* Fills `error` from a failed Blob call on `where`. */
agent_handoff_status handoff_storage_fail(agent_handoff_error *error, const char *what,
                                          const char *where, const arm_error *arm);

/* Retention as the hub applies it: with retention.msexports.days <= 0 the data blobs of runs
 * handed off are deleted (never the msexports manifest, never runs not processed). */
agent_handoff_status handoff_apply_retention(handoff_context *c, agent_state *state,
                                             agent_handoff_error *error);

/* Starts msexports_ExecuteETL for the manifest as the hub's blob trigger would and follows
 * the run; *out_succeeded tells how it ended, `detail` says it in words. */
agent_handoff_status handoff_adf_run(handoff_context *c, const char *manifest_path,
                                     char *out_run_id, size_t run_id_size, bool *out_succeeded,
                                     char *detail, size_t detail_size, agent_handoff_error *error);

/* The same scope and month already ingested under another folder (#320), in `detail`
 * ("" when none). */
agent_handoff_status handoff_find_conflict(handoff_context *hc, const agent_manifest *m,
                                           const char *dataset, const char *destination,
                                           char *detail, size_t size, agent_handoff_error *error);
/* Deletes the Parquet files of `run_id` in `destination` (a rollback) or, with keep_run, every
 * other run's (manifest.json stays). */
agent_handoff_status handoff_sweep_folder(handoff_context *hc, const char *destination,
                                          const char *run_id, bool keep_run,
                                          agent_handoff_error *error);

#define HANDOFF_QUARANTINE_PREFIX "quarantine/"

#endif
