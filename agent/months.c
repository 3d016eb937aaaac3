/* Calendar arithmetic for backfills, in UTC: month ranges newest first and
 * each month's time period, clamped so nothing asks for the future. */
#include "agent/months.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cost Management keeps seven years of cost data. */
#define MAX_BACKFILL_MONTHS 84

bool agent_month_parse(const char *text, agent_month *out_month)
{
    if (text == NULL || strlen(text) != 7 || text[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)text[i]))
            return false;
    int year = atoi(text), month = atoi(text + 5);
    if (year < 2000 || year > 9999 || month < 1 || month > 12)
        return false;
    *out_month = (agent_month){year, month};
    return true;
}

void agent_month_format(agent_month month, char *out, size_t out_size)
{
    snprintf(out, out_size, "%04d-%02d", month.year, month.month);
}

agent_month agent_month_of(time_t when)
{
    struct tm tm;
    gmtime_r(&when, &tm);
    return (agent_month){tm.tm_year + 1900, tm.tm_mon + 1};
}

agent_month agent_month_add(agent_month month, int delta)
{
    int index = month.year * 12 + (month.month - 1) + delta;
    return (agent_month){index / 12, index % 12 + 1};
}

int agent_month_compare(agent_month a, agent_month b)
{
    int x = a.year * 12 + a.month, y = b.year * 12 + b.month;
    return (x > y) - (x < y);
}

static int days_in_month(agent_month month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (month.year % 4 == 0 && month.year % 100 != 0) || month.year % 400 == 0;
    return days[month.month - 1] + (month.month == 2 && leap ? 1 : 0);
}

bool agent_month_period(agent_month month, time_t now, char *out_from, char *out_to, size_t size,
                        bool *out_daily)
{
    agent_month current = agent_month_of(now);
    int order = agent_month_compare(month, current);
    *out_daily = order == 0;
    if (order > 0)
        return false;
    int last_day = days_in_month(month);
    if (order == 0) {
        struct tm tm;
        gmtime_r(&now, &tm);
        last_day = tm.tm_mday - 1; /* yesterday: today's data is not complete */
        if (last_day < 1)
            return false;
    }
    snprintf(out_from, size, "%04d-%02d-01T00:00:00Z", month.year, month.month);
    snprintf(out_to, size, "%04d-%02d-%02dT00:00:00Z", month.year, month.month, last_day);
    return true;
}

static bool range_fail(char *why, size_t why_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool range_fail(char *why, size_t why_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
    return false;
}

bool agent_month_range(const agent_month_range_request *request, time_t now,
                       agent_month **out_months, size_t *out_count, char *why, size_t why_size)
{
    *out_months = NULL;
    *out_count = 0;
    agent_month current = agent_month_of(now), newest, oldest;
    if (request->from != NULL) {
        if (request->months > 0)
            return range_fail(why, why_size, "give either --months or --from/--to, not both");
        if (!agent_month_parse(request->from, &oldest))
            return range_fail(why, why_size, "--from '%s' is not a month (YYYY-MM)", request->from);
        newest = current;
        if (request->to != NULL && !agent_month_parse(request->to, &newest))
            return range_fail(why, why_size, "--to '%s' is not a month (YYYY-MM)", request->to);
        if (agent_month_compare(newest, current) > 0)
            return range_fail(why, why_size, "--to '%s' is in the future", request->to);
        if (agent_month_compare(oldest, newest) > 0)
            return range_fail(why, why_size, "--from '%s' is after --to", request->from);
    } else if (request->to != NULL) {
        return range_fail(why, why_size, "--to needs --from");
    } else {
        int months = request->months > 0 ? request->months : request->default_months;
        if (months <= 0)
            return range_fail(why, why_size, "nothing to backfill: the month count is 0");
        newest = agent_month_add(current, -1);
        oldest = agent_month_add(newest, -(months - 1));
    }
    int count = (newest.year * 12 + newest.month) - (oldest.year * 12 + oldest.month) + 1;
    if (agent_month_compare(oldest, agent_month_add(current, -MAX_BACKFILL_MONTHS)) < 0)
        return range_fail(why, why_size,
                          "the range reaches back more than 84 months, which Cost Management "
                          "does not keep");
    agent_month *months = calloc((size_t)count, sizeof *months);
    if (months == NULL)
        return range_fail(why, why_size, "out of memory");
    for (int i = 0; i < count; i++)
        months[i] = agent_month_add(newest, -i);
    *out_months = months;
    *out_count = (size_t)count;
    return true;
}
