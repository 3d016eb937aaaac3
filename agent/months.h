/* agent months: the calendar arithmetic of backfills — which months, newest
 * first, and each month's time period, never in the future. */
#ifndef HUBAGENT_AGENT_MONTHS_H
#define HUBAGENT_AGENT_MONTHS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct agent_month {
    int year;
    int month; /* 1-12 */
} agent_month;

/* Parses "YYYY-MM"; false when it is not one. */
bool agent_month_parse(const char *text, agent_month *out_month);
/* "YYYY-MM" into out (at least 8 bytes). */
void agent_month_format(agent_month month, char *out, size_t out_size);
agent_month agent_month_of(time_t when); /* in UTC */
agent_month agent_month_add(agent_month month, int delta);
int agent_month_compare(agent_month a, agent_month b);

/* A month's export time period as Cost Management wants it: from the 1st at
 * 00:00:00Z to the last day at 00:00:00Z; for the current month, up to
 * yesterday. Returns false when the month has no exportable day yet (the
 * future, or the 1st of the current month). `out_daily` says the period is
 * the current month's, which the daily export covers. */
bool agent_month_period(agent_month month, time_t now, char *out_from, char *out_to, size_t size,
                        bool *out_daily);

typedef struct agent_month_range_request {
    int months;         /* > 0: this many months back from last month */
    const char *from;   /* or an explicit "YYYY-MM" range, inclusive */
    const char *to;     /* NULL with from = up to the current month */
    int default_months; /* when neither is given: retention.ingestion.months */
} agent_month_range_request;

/* The months to backfill, newest first, into a malloc'd array. False with
 * the reason in `why` when the range is unusable (malformed, from > to, in
 * the future, or more than 84 months, which Cost Management does not keep). */
bool agent_month_range(const agent_month_range_request *request, time_t now,
                       agent_month **out_months, size_t *out_count, char *why, size_t why_size);

#endif
