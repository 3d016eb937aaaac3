/* agent backfill: a hub's history month by month — one run per scope x dataset x
 * month, durable jobs in the state, paced by Cost Management's budget, resumable. */
#ifndef HUBAGENT_AGENT_BACKFILL_H
#define HUBAGENT_AGENT_BACKFILL_H

#include "agent/azure.h"
#include "agent/desired.h"
#include "agent/months.h"
#include "agent/state.h"

#include <stdio.h>

/* The work of a backfill, in run order: newest month first; within a scope
 * and month the price sheet, then costs, then reservation details and
 * transactions (where the scope type has them and options enable them).
 * Past months run the monthly export, the current month the daily one (up to
 * yesterday); recommendations are not history and are never backfilled.
 * Each item's scope, dataset, month, export_name and period are set (owned).
 * Months with no exportable day yet (the 1st of this month) are left out. */
bool agent_backfill_plan(const settings *value, const agent_desired_options *desired,
                         const agent_month *months, size_t month_count, time_t now,
                         agent_state_backfill_item **out_items, size_t *out_count, char *why,
                         size_t why_size);

/* Orders items as agent_backfill_plan does (qsort comparator). */
int agent_backfill_item_compare(const void *a, const void *b);

typedef struct agent_backfill_progress {
    size_t total;             /* items the run drives (open items when it started) */
    size_t completed;         /* ended Completed */
    size_t no_data;           /* ended DataNotAvailable / NewDataNotAvailable */
    size_t failed;            /* gave up after max_failures real failures */
    size_t in_flight;         /* triggered or running now */
    size_t scopes;            /* scopes with work */
    size_t scopes_done;       /* scopes with nothing left open */
    size_t calls;             /* Cost Management calls made (tries, retries included) */
    size_t retries;           /* tries repeated, nearly always after a 429 */
    size_t run_calls;         /* run calls accepted */
    size_t polls;             /* run-history calls */
    double throttled_seconds; /* time spent in calls that had to be retried */
    double elapsed_seconds;
    double rate_per_minute; /* items finished per minute so far */
    double eta_seconds;     /* -1 while unknown */
    bool final;
} agent_backfill_progress;

typedef void (*agent_backfill_progress_fn)(const agent_backfill_progress *progress, void *ctx);

typedef struct agent_backfill_options {
    int workers;          /* scopes driven at once (each has its own budget); 0 = all, max 64 */
    double poll_seconds;  /* between run-history polls of an export with runs in flight */
    int max_failures;     /* real failures before a month is given up (default 3) */
    double retry_seconds; /* wait before retrying a failed month, times its failures */
    double unknown_grace_seconds; /* a run call whose outcome is unknown (crash, lost reply)
                                     and whose run is not in run history this long after
                                     is taken as never made */
    double progress_seconds;      /* between progress callbacks */
    const settings *scopes;       /* only months of these scopes are driven (NULL: all); months of
                                     a scope no longer in the settings stay open, held */
    double until; /* epoch seconds: the drive returns by then and leaves what is open to the
                     next drive (0: to the end); the scheduled agent drives in slices */
    agent_backfill_progress_fn progress;
    void *progress_ctx;
} agent_backfill_options;

agent_backfill_options agent_backfill_options_default(void);

typedef struct agent_backfill_report {
    agent_backfill_progress totals;
    char **failed; /* "scope dataset month: last error", one per failed item */
    size_t failed_count;
    char **unfinished; /* items left in flight (a scope could not be polled) */
    size_t unfinished_count;
    size_t held; /* open items of scopes not in options->scopes, left as they were */
} agent_backfill_report;

void agent_backfill_report_dispose(agent_backfill_report *report);

/* Drives every open backfill item in the state until each is completed,
 * no-data or failed: run calls as fast as the pacer allows, each scope on its
 * own worker, one run-history call per export covering all its runs in
 * flight. A 429 never fails an item. Items whose run call's outcome is
 * unknown (after kill -9) are resolved from run history first, so no month
 * runs twice unless its earlier run is known to have failed. Returns ARM_OK
 * when it could work (see the report), else why it could not (state). */
arm_status agent_backfill_drive(agent_azure *azure, agent_state *state,
                                const agent_backfill_options *options,
                                agent_backfill_report *out_report, arm_error *err);

/* What the scheduled agent backfills by itself (mode: the backfill-new-scopes
 * option). Compares the settings' scopes with those the state noted last time;
 * queues retention.ingestion.months of history for each scope added since
 * ("added"), or for every scope when the state has noted none yet ("all");
 * then notes the current scopes. Returns the month runs queued (logged). */
size_t agent_backfill_queue_new_scopes(agent_state *state, const settings *value,
                                       const agent_desired_options *desired, const char *mode,
                                       time_t now);

/* The newest `limit` backfill jobs as text lines or a JSON array, for
 * `hubagent status`. */
agent_state_status agent_backfill_print_jobs(agent_state *state, size_t limit, bool json, FILE *out,
                                             agent_state_error *error);

#endif
