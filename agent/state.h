/* agent state: the agent's durable memory in one SQLite file (WAL, schema
 * versioned and migrated) and the lock that keeps a second agent out. */
#ifndef HUBAGENT_AGENT_STATE_H
#define HUBAGENT_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct agent_state agent_state;

typedef enum agent_state_status {
    AGENT_STATE_OK = 0,
    AGENT_STATE_E_OPEN,      /* the file cannot be opened or is not a database */
    AGENT_STATE_E_LOCKED,    /* another agent holds the state (message names it) */
    AGENT_STATE_E_SCHEMA,    /* written by a newer hubagent, or migration failed */
    AGENT_STATE_E_SQL,       /* a statement failed */
    AGENT_STATE_E_NOT_FOUND, /* no such row */
    AGENT_STATE_E_NOMEM,
} agent_state_status;

const char *agent_state_status_text(agent_state_status status);

/* Caller-owned error details. */
typedef struct agent_state_error {
    int sqlite_code;
    char message[512];
} agent_state_error;

typedef struct agent_state_options {
    bool read_only; /* status and plan: no lock, no writes */
    int busy_timeout_ms;
} agent_state_options;

agent_state_options agent_state_options_default(void);

/* The current schema version; older files are migrated on open. */
#define AGENT_STATE_SCHEMA_VERSION 4

/* Opens (creating when missing, unless read-only) and migrates the state at
 * `path`. A writer takes an exclusive lock held until agent_state_free: a
 * second writer gets AGENT_STATE_E_LOCKED naming the holder's pid and host. */
agent_state_status agent_state_open(const char *path, const agent_state_options *options,
                                    agent_state **out_state, agent_state_error *error);
void agent_state_free(agent_state *state);

int agent_state_schema_version(const agent_state *state);

/* Groups writes so a crash leaves all or none of them. */
agent_state_status agent_state_begin(agent_state *state, agent_state_error *error);
agent_state_status agent_state_commit(agent_state *state, agent_state_error *error);
void agent_state_rollback(agent_state *state);

/* Small named values: the applied settings eTag, the hub's trigger take-over. */
agent_state_status agent_state_set_value(agent_state *state, const char *key, const char *value,
                                         agent_state_error *error);
/* *out_value is malloc'd; AGENT_STATE_E_NOT_FOUND when unset. */
agent_state_status agent_state_get_value(agent_state *state, const char *key, char **out_value,
                                         agent_state_error *error);

agent_state_status agent_state_delete_value(agent_state *state, const char *key,
                                            agent_state_error *error);

/* What the agent last wrote or saw of an export. */
typedef struct agent_state_export {
    char *scope;
    char *name;
    char *etag;
    char *body_hash;
    int64_t updated_at; /* unix seconds */
} agent_state_export;

void agent_state_export_dispose(agent_state_export *export);

agent_state_status agent_state_put_export(agent_state *state, const agent_state_export *export,
                                          agent_state_error *error);
agent_state_status agent_state_get_export(agent_state *state, const char *scope, const char *name,
                                          agent_state_export *out_export, agent_state_error *error);
agent_state_status agent_state_delete_export(agent_state *state, const char *scope,
                                             const char *name, agent_state_error *error);

/* Every export the agent keeps, ordered by scope and name; free with
 * agent_state_exports_free. */
agent_state_status agent_state_list_exports(agent_state *state, agent_state_export **out_exports,
                                            size_t *out_count, agent_state_error *error);
void agent_state_exports_free(agent_state_export *exports, size_t count);

/* A run the agent triggered, and how it ended. */
typedef struct agent_state_run {
    int64_t id; /* assigned on insert */
    char *scope;
    char *export_name;
    char *run_id;      /* Cost Management's run id, NULL until known */
    char *reason;      /* "daily", "monthly", "backfill", "manual" */
    char *period_from; /* ISO dates, NULL when the export's own timeframe applies */
    char *period_to;
    char *status; /* "Triggered", "Queued", "InProgress", "Completed", "Failed", … */
    char *error;  /* the service's message, when it failed */
    int64_t triggered_at;
    int64_t finished_at; /* 0 while running */
} agent_state_run;

void agent_state_run_dispose(agent_state_run *run);

agent_state_status agent_state_insert_run(agent_state *state, agent_state_run *run,
                                          agent_state_error *error);
agent_state_status agent_state_update_run(agent_state *state, const agent_state_run *run,
                                          agent_state_error *error);
/* The newest run of an export (of one reason, or any when reason is NULL),
 * for "do not fire while the previous run is in progress" and "already ran
 * for this tick". AGENT_STATE_E_NOT_FOUND when it never ran. */
agent_state_status agent_state_last_run(agent_state *state, const char *scope,
                                        const char *export_name, const char *reason,
                                        agent_state_run *out_run, agent_state_error *error);

/* Runs not finished yet (finished_at 0), oldest first; free with
 * agent_state_runs_free. */
agent_state_status agent_state_unfinished_runs(agent_state *state, agent_state_run **out_runs,
                                               size_t *out_count, agent_state_error *error);
void agent_state_runs_free(agent_state_run *runs, size_t count);

/* Backfill jobs: one row per scope x dataset x month, driven through
 * pending -> triggered (run call made or about to be) -> running (the run is
 * seen in run history) -> completed / failed / no-data. */
typedef struct agent_state_backfill_item {
    int64_t id;
    int64_t job_id;
    char *scope;
    char *dataset; /* agent_dataset_name() */
    char *month;   /* "YYYY-MM" */
    char *export_name;
    char *period_from; /* the run's timePeriod */
    char *period_to;
    char *state;      /* "pending", "triggered", "running", "completed", "failed", "no-data" */
    char *run_id;     /* Cost Management's run id once seen in run history */
    char *run_status; /* "Accepted" once the run call succeeded, then the run's own status */
    int64_t attempts; /* run calls made */
    int64_t failures; /* real failures: rejected run calls, runs that ended Failed/Timeout */
    char *last_error;
    char *excluded_runs; /* run ids that are not this item's (earlier failed runs), "," separated */
    int64_t triggered_at; /* unix seconds of the last run call (0: none) */
    int64_t finished_at;
    int64_t updated_at;
} agent_state_backfill_item;

void agent_state_backfill_item_dispose(agent_state_backfill_item *item);
void agent_state_backfill_items_free(agent_state_backfill_item *items, size_t count);
/* True for completed, failed and no-data. */
bool agent_state_backfill_state_is_final(const char *state);

typedef struct agent_state_backfill_enqueued {
    int64_t job_id;      /* the new job, 0 when nothing was added */
    size_t added;        /* new pending items */
    size_t joined;       /* already open in an earlier, unfinished job */
    size_t already_done; /* completed or no-data earlier for the same period (not rerun) */
} agent_state_backfill_enqueued;

/* Adds a job for `items` (scope, dataset, month, export_name, period_from/to
 * are read) in one transaction: an item whose key is open in another job
 * joins it; one completed (or no-data) earlier for the same period is skipped
 * unless `rerun`. `request` describes the command (shown by status). */
agent_state_status agent_state_backfill_enqueue(agent_state *state, const char *request,
                                                const agent_state_backfill_item *items,
                                                size_t count, bool rerun, int64_t now,
                                                agent_state_backfill_enqueued *out,
                                                agent_state_error *error);
/* Every open item (of every unfinished job), oldest job first. */
agent_state_status agent_state_backfill_open_items(agent_state *state,
                                                   agent_state_backfill_item **out_items,
                                                   size_t *out_count, agent_state_error *error);
/* Saves an item's mutable fields (state, run, counters, error, times). */
agent_state_status agent_state_backfill_update(agent_state *state,
                                               const agent_state_backfill_item *item,
                                               agent_state_error *error);
/* Marks jobs with no open item finished: "completed", or "failed" when some
 * item failed. */
agent_state_status agent_state_backfill_finish_jobs(agent_state *state, int64_t now,
                                                    agent_state_error *error);

/* One job and how many of its items are in each state. */
typedef struct agent_state_backfill_job {
    int64_t id;
    char *request;
    char *status; /* "running", "completed", "failed" */
    int64_t created_at;
    int64_t finished_at;
    size_t total, pending, in_flight, completed, no_data, failed;
    char *oldest_month, *newest_month;
} agent_state_backfill_job;

/* The newest `limit` jobs (0: all), newest first. */
agent_state_status agent_state_backfill_jobs(agent_state *state, size_t limit,
                                             agent_state_backfill_job **out_jobs, size_t *out_count,
                                             agent_state_error *error);
void agent_state_backfill_jobs_free(agent_state_backfill_job *jobs, size_t count);
/* What became of one landed run's manifest (blob path + eTag): "waiting" (a listed blob is
 * missing or short), "incomplete" (still so after the wait), "handed-off", "replaced" (handed
 * off, then a newer run of the month took its place), "superseded" (a
 * newer run of the same month was handed off), "quarantined", "empty", "conflict" (the same
 * scope and month under another folder), "invalid" (unusable manifest), "failed". */
typedef struct agent_state_handoff {
    char *manifest; /* blob path in msexports */
    char *etag;
    char *status;
    char *scope;
    char *dataset;        /* the hub's dataset folder: Costs, Prices, ... */
    char *month;          /* yyyy-mm */
    char *run_id;         /* Cost Management's run id (prefix of the files handed off) */
    char *submitted_time; /* orders two runs of the same month */
    char *destination;    /* folder in the ingestion container */
    char *detail;         /* why it waits, failed or was quarantined */
    int64_t files;
    int64_t rows; /* -1 when unknown */
    int64_t first_seen;
    int64_t updated_at;
    bool retention_done; /* processed source data deleted (or kept by retention) */
} agent_state_handoff;

void agent_state_handoff_dispose(agent_state_handoff *handoff);

/* Inserts or replaces the row of (manifest, etag); first_seen is kept from an existing row. */
agent_state_status agent_state_put_handoff(agent_state *state, const agent_state_handoff *handoff,
                                           agent_state_error *error);
agent_state_status agent_state_get_handoff(agent_state *state, const char *manifest,
                                           const char *etag, agent_state_handoff *out_handoff,
                                           agent_state_error *error);
/* The run last handed off into `destination` (status handed-off), NOT_FOUND when none. */
agent_state_status agent_state_current_handoff(agent_state *state, const char *destination,
                                               agent_state_handoff *out_handoff,
                                               agent_state_error *error);
/* Marks the other runs handed off into `destination` as "replaced" (their files are gone). */
agent_state_status agent_state_replace_handoffs(agent_state *state, const char *destination,
                                                const char *manifest, const char *etag,
                                                agent_state_error *error);
/* Rows, optionally only of a scope (lowercase) and/or month (yyyy-mm), by destination then
 * submitted time; `status` filters when non-NULL. Free with agent_state_handoffs_free. */
agent_state_status agent_state_list_handoffs(agent_state *state, const char *scope,
                                             const char *month, const char *status,
                                             agent_state_handoff **out_rows, size_t *out_count,
                                             agent_state_error *error);
void agent_state_handoffs_free(agent_state_handoff *rows, size_t count);

/* A month of spend scopes evaluated into a summary: what it was evaluated from (digests of the
 * definitions in force and of the input data, as spend/ computes them), where the summary
 * went, and its totals. One row per month and destination. */
typedef struct agent_state_spend_month {
    char *month;              /* "YYYY-MM" */
    char *destination;        /* a local folder (absolute) or the hub's ingestion container URL */
    char *definitions_digest; /* spend_definitions_month_digest */
    char *data_digest;        /* local files' names, sizes, mtimes; blobs' names, sizes, eTags */
    char *data_source;        /* the input folder or the blobs' prefix, for people */
    char *summary;            /* the summary file or blob */
    int64_t files;
    int64_t rows;
    double billed_cost, effective_cost, list_cost;
    int64_t unscoped_rows;
    int64_t rows_outside_month; /* rows whose ChargePeriodStart is in another month */
    int64_t evaluated_at;       /* unix seconds */
} agent_state_spend_month;

void agent_state_spend_month_dispose(agent_state_spend_month *month);
void agent_state_spend_months_free(agent_state_spend_month *months, size_t count);

/* Inserts or replaces the row of (month, destination). */
agent_state_status agent_state_put_spend_month(agent_state *state,
                                               const agent_state_spend_month *month,
                                               agent_state_error *error);
/* AGENT_STATE_E_NOT_FOUND when the month was never evaluated into `destination`. */
agent_state_status agent_state_get_spend_month(agent_state *state, const char *month,
                                               const char *destination,
                                               agent_state_spend_month *out_month,
                                               agent_state_error *error);
/* Every row, newest month first, then by destination. */
agent_state_status agent_state_list_spend_months(agent_state *state,
                                                 agent_state_spend_month **out_months,
                                                 size_t *out_count, agent_state_error *error);

/* What differs between a recorded evaluation (NULL: none) and the digests now; 0 = current. */
enum {
    AGENT_SPEND_NEVER_EVALUATED = 1,
    AGENT_SPEND_DEFINITIONS_CHANGED = 2,
    AGENT_SPEND_DATA_CHANGED = 4,
};
unsigned agent_state_spend_month_changes(const agent_state_spend_month *recorded,
                                         const char *definitions_digest, const char *data_digest);

#endif
