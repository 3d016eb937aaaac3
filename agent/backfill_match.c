/* Finding a backfill item's run in an export's run history: Cost Management's
 * run call returns no id, so the run is the first on-demand one for the same
 * period submitted after the call, never one an earlier attempt owned. */
#include "agent/backfill_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static double parse_time(const char *text)
{
    struct tm tm = {0};
    const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (rest == NULL)
        return 0;
    double fraction = 0;
    if (*rest == '.')
        fraction = strtod(rest, NULL);
    return (double)timegm(&tm) + fraction;
}

const char *agent_backfill_run_id(const arm_export_run *run)
{
    const char *slash = run->id ? strrchr(run->id, '/') : NULL;
    return slash ? slash + 1 : run->id;
}

static bool listed(const char *list, const char *id)
{
    size_t length = strlen(id);
    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t item_length = end ? (size_t)(end - p) : strlen(p);
        if (item_length == length && strncasecmp(p, id, length) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* This item's run in the history: by id once known, else the first on-demand
 * run for the same period submitted after the run call that no other item
 * owns and that is not an earlier failed attempt. */
const arm_export_run *agent_backfill_match_run(const agent_state_backfill_item *row,
                                               const arm_export_run_list *history,
                                               agent_backfill_claimed_fn claimed, void *ctx)
{
    const arm_export_run *best = NULL;
    double best_time = 0;
    for (size_t i = 0; i < history->count; i++) {
        const arm_export_run *run = &history->items[i];
        const char *id = agent_backfill_run_id(run);
        if (id == NULL)
            continue;
        if (row->run_id != NULL) {
            if (strcasecmp(id, row->run_id) == 0)
                return run;
            continue;
        }
        if (run->execution_type != NULL && strcasecmp(run->execution_type, "Scheduled") == 0)
            continue;
        if (run->start_date == NULL || strncmp(run->start_date, row->period_from, 10) != 0)
            continue;
        double submitted = parse_time(run->submitted_time);
        if (submitted < (double)row->triggered_at - CLOCK_SKEW_SECONDS)
            continue;
        if (listed(row->excluded_runs, id) || (claimed != NULL && claimed(ctx, row, id)))
            continue;
        if (best == NULL || submitted < best_time) {
            best = run;
            best_time = submitted;
        }
    }
    return best;
}

void agent_backfill_exclude_run(agent_state_backfill_item *row, const char *id)
{
    size_t length = (row->excluded_runs ? strlen(row->excluded_runs) + 1 : 0) + strlen(id) + 1;
    char *list = malloc(length);
    if (list == NULL)
        return;
    snprintf(list, length, "%s%s%s", row->excluded_runs ? row->excluded_runs : "",
             row->excluded_runs ? "," : "", id);
    free(row->excluded_runs);
    row->excluded_runs = list;
}
