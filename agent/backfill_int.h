/* agent backfill internals: matching items to runs in run history, shared by
 * the engine (backfill.c) and its tests, and the report of what a drive left. */
#ifndef HUBAGENT_AGENT_BACKFILL_INT_H
#define HUBAGENT_AGENT_BACKFILL_INT_H

#include "agent/backfill.h"
#include "agent/state.h"
#include "arm/exports.h"

/* Clocks differ: a run submitted this long before our run call still counts. */
#define CLOCK_SKEW_SECONDS 120

/* True when the run `id` belongs to an item other than `row`. */
typedef bool (*agent_backfill_claimed_fn)(void *ctx, const agent_state_backfill_item *row,
                                          const char *id);

/* The last segment of a run's id (Cost Management's run id). */
const char *agent_backfill_run_id(const arm_export_run *run);

/* The item's run: by run id once known; else the earliest on-demand run for
 * the item's period submitted at most CLOCK_SKEW_SECONDS before its run call
 * that is neither in its excluded_runs nor claimed (claimed may be NULL). */
const arm_export_run *agent_backfill_match_run(const agent_state_backfill_item *row,
                                               const arm_export_run_list *history,
                                               agent_backfill_claimed_fn claimed, void *ctx);

/* Appends `id` to the item's excluded_runs. */
void agent_backfill_exclude_run(agent_state_backfill_item *row, const char *id);

/* Names each failed and each unfinished item of `rows` in the report, but those
 * of scopes not in `scopes` (held; NULL: none is). */
void agent_backfill_report_items(agent_backfill_report *report,
                                 const agent_state_backfill_item *rows, size_t count,
                                 const settings *scopes);

#endif
