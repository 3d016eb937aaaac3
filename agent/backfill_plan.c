/* What a backfill runs and in which order: per scope and month, the exports
 * the hub keeps for each history dataset, each with the month's time period,
 * and the job summary for status. */
#include "agent/backfill.h"
#include "agent/cli.h"

#include <stdlib.h>
#include <string.h>

/* Prices first: the hub's ingestion fills missing prices of costs from the
 * price sheet and never re-ingests (finops-toolkit #1729). */
static int dataset_rank(const char *dataset)
{
    static const char *const order[] = {"prices", "costs", "reservationdetails",
                                        "reservationtransactions"};
    for (int i = 0; i < 4; i++)
        if (dataset != NULL && strcmp(dataset, order[i]) == 0)
            return i;
    return 4;
}

int agent_backfill_item_compare(const void *a, const void *b)
{
    const agent_state_backfill_item *x = a, *y = b;
    int order = strcmp(y->month, x->month); /* newest first */
    if (order != 0)
        return order;
    order = dataset_rank(x->dataset) - dataset_rank(y->dataset);
    if (order != 0)
        return order;
    return (x->id > y->id) - (x->id < y->id);
}

/* The export of `dataset` to run for a month: the monthly one for past
 * months, the daily one for the current month; whichever exists otherwise. */
static const agent_desired_export *export_for(const agent_desired_set *set, agent_dataset dataset,
                                              bool current)
{
    const agent_desired_export *fallback = NULL;
    for (size_t e = 0; e < set->count; e++) {
        if (set->exports[e].dataset != dataset)
            continue;
        bool daily = strcmp(set->exports[e].recurrence, "Daily") == 0;
        if (daily == current)
            return &set->exports[e];
        fallback = &set->exports[e];
    }
    return fallback;
}

bool agent_backfill_plan(const settings *value, const agent_desired_options *desired,
                         const agent_month *months, size_t month_count, time_t now,
                         agent_state_backfill_item **out_items, size_t *out_count, char *why,
                         size_t why_size)
{
    static const agent_dataset history[] = {AGENT_DATASET_PRICES, AGENT_DATASET_COSTS,
                                            AGENT_DATASET_RESERVATION_DETAILS,
                                            AGENT_DATASET_RESERVATION_TRANSACTIONS};
    *out_items = NULL;
    *out_count = 0;
    size_t capacity = value->scope_count * month_count * 4;
    agent_state_backfill_item *items = calloc(capacity ? capacity : 1, sizeof *items);
    if (items == NULL) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    size_t count = 0;
    for (size_t s = 0; s < value->scope_count; s++) {
        agent_desired_set set;
        if (agent_desired_for_scope(&value->scopes[s], desired, &set, why, why_size) !=
            AGENT_DESIRED_OK) {
            agent_state_backfill_items_free(items, count);
            return false;
        }
        for (size_t m = 0; m < month_count; m++) {
            char from[32], to[32], month[16];
            bool current;
            if (!agent_month_period(months[m], now, from, to, sizeof from, &current))
                continue;
            agent_month_format(months[m], month, sizeof month);
            for (size_t d = 0; d < sizeof history / sizeof history[0]; d++) {
                const agent_desired_export *export_ = export_for(&set, history[d], current);
                if (export_ == NULL)
                    continue;
                agent_state_backfill_item *item = &items[count++];
                item->id = (int64_t)count; /* keeps scopes in settings order when sorting */
                item->scope = strdup(value->scopes[s].scope);
                item->dataset = strdup(agent_dataset_name(history[d]));
                item->month = strdup(month);
                item->export_name = strdup(export_->name);
                item->period_from = strdup(from);
                item->period_to = strdup(to);
                item->state = strdup("pending");
            }
        }
        agent_desired_set_dispose(&set);
    }
    qsort(items, count, sizeof *items, agent_backfill_item_compare);
    /* Ids are the state's business; only the order mattered here. */
    for (size_t i = 0; i < count; i++)
        items[i].id = 0;
    *out_items = items;
    *out_count = count;
    return true;
}

agent_state_status agent_backfill_print_jobs(agent_state *state, size_t limit, bool json, FILE *out,
                                             agent_state_error *error)
{
    agent_state_backfill_job *jobs = NULL;
    size_t count = 0;
    agent_state_status status = agent_state_backfill_jobs(state, limit, &jobs, &count, error);
    if (status != AGENT_STATE_OK)
        return status;
    if (json)
        fputc('[', out);
    for (size_t i = 0; i < count; i++) {
        const agent_state_backfill_job *job = &jobs[i];
        if (json) {
            fprintf(out,
                    "%s{\"id\":%lld,\"status\":\"%s\",\"created_at\":%lld,\"finished_at\":%lld,"
                    "\"total\":%zu,\"pending\":%zu,\"in_flight\":%zu,\"completed\":%zu,"
                    "\"no_data\":%zu,\"failed\":%zu,\"oldest_month\":",
                    i ? "," : "", (long long)job->id, job->status, (long long)job->created_at,
                    (long long)job->finished_at, job->total, job->pending, job->in_flight,
                    job->completed, job->no_data, job->failed);
            agent_cli_print_json_string(out, job->oldest_month ? job->oldest_month : "");
            fputs(",\"newest_month\":", out);
            agent_cli_print_json_string(out, job->newest_month ? job->newest_month : "");
            fputs(",\"request\":", out);
            agent_cli_print_json_string(out, job->request ? job->request : "");
            fputc('}', out);
        } else {
            fprintf(out,
                    "backfill job %lld (%s): %s..%s, %zu runs: %zu completed, %zu no data, "
                    "%zu failed, %zu in flight, %zu pending\n",
                    (long long)job->id, job->status, job->oldest_month ? job->oldest_month : "-",
                    job->newest_month ? job->newest_month : "-", job->total, job->completed,
                    job->no_data, job->failed, job->in_flight, job->pending);
        }
    }
    if (json)
        fputs("]\n", out);
    agent_state_backfill_jobs_free(jobs, count);
    return AGENT_STATE_OK;
}
