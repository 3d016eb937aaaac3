/* Tick times in the hub's time zone. The C library converts local time only
 * through TZ, so conversions switch TZ under a lock and restore it. */
#include "agent/schedule.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

const char *agent_tick_name(agent_tick tick)
{
    return tick == AGENT_TICK_DAILY ? "Daily" : "Monthly";
}

static bool parse_time_of_day(const char *text, int *out_minute)
{
    int hours, minutes;
    char tail;
    if (text == NULL || sscanf(text, "%2d:%2d%c", &hours, &minutes, &tail) != 2 || hours < 0 ||
        hours > 23 || minutes < 0 || minutes > 59 || strlen(text) != 5)
        return false;
    *out_minute = hours * 60 + minutes;
    return true;
}

static bool zone_exists(const char *zone)
{
    if (strcmp(zone, "UTC") == 0)
        return true;
    char path[160];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    return strstr(zone, "..") == NULL && zone[0] != '/' && access(path, R_OK) == 0;
}

bool agent_schedule_parse(const char *daily, const char *monthly, const char *time_zone,
                          agent_schedule *out_schedule, char *why, size_t why_size)
{
    memset(out_schedule, 0, sizeof *out_schedule);
    if (!parse_time_of_day(daily, &out_schedule->daily_minute)) {
        snprintf(why, why_size, "daily schedule '%s' is not HH:MM", daily ? daily : "");
        return false;
    }
    const char *at = monthly ? strchr(monthly, '@') : NULL;
    bool any = false;
    for (const char *p = monthly; at != NULL && p < at;) {
        char *end;
        long day = strtol(p, &end, 10);
        if (end == p || day < 1 || day > 28 || (end != at && *end != ','))
            break;
        out_schedule->monthly_days[day] = any = true;
        p = end == at ? at : end + 1;
    }
    if (!any || !parse_time_of_day(at + 1, &out_schedule->monthly_minute)) {
        snprintf(why, why_size, "monthly schedule '%s' is not D[,D…]@HH:MM with days 1-28",
                 monthly ? monthly : "");
        return false;
    }
    if (time_zone == NULL || strlen(time_zone) >= sizeof out_schedule->time_zone ||
        !zone_exists(time_zone)) {
        snprintf(why, why_size, "time zone '%s' is not known to this system",
                 time_zone ? time_zone : "");
        return false;
    }
    snprintf(out_schedule->time_zone, sizeof out_schedule->time_zone, "%s", time_zone);
    return true;
}

/* Runs with TZ set to the schedule's zone; restores the previous TZ. */
typedef struct zone_guard {
    char *saved;
    bool had;
} zone_guard;

static void zone_enter(zone_guard *guard, const char *zone)
{
    pthread_mutex_lock(&zone_lock);
    const char *current = getenv("TZ");
    guard->had = current != NULL;
    guard->saved = current ? strdup(current) : NULL;
    setenv("TZ", zone, 1);
    tzset();
}

static void zone_leave(zone_guard *guard)
{
    if (guard->had && guard->saved != NULL)
        setenv("TZ", guard->saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(guard->saved);
    pthread_mutex_unlock(&zone_lock);
}

static bool tick_on_day(const agent_schedule *schedule, agent_tick tick, const struct tm *day)
{
    return tick == AGENT_TICK_DAILY || schedule->monthly_days[day->tm_mday];
}

/* Walks local days from `now`'s, `step` = -1 back or +1 forward, to the first
 * tick on the right side of now. */
static time_t find_tick(const agent_schedule *schedule, agent_tick tick, time_t now, int step)
{
    int minute = tick == AGENT_TICK_DAILY ? schedule->daily_minute : schedule->monthly_minute;
    zone_guard guard;
    zone_enter(&guard, schedule->time_zone);
    struct tm local;
    localtime_r(&now, &local);
    time_t found = 0;
    for (int offset = 0; offset <= 62 && found == 0; offset++) {
        struct tm day = local;
        day.tm_mday += step * offset;
        day.tm_hour = minute / 60;
        day.tm_min = minute % 60;
        day.tm_sec = 0;
        day.tm_isdst = -1;
        time_t candidate = mktime(&day); /* normalises day, month and DST */
        if (!tick_on_day(schedule, tick, &day))
            continue;
        if ((step < 0 && candidate <= now) || (step > 0 && candidate > now))
            found = candidate;
    }
    zone_leave(&guard);
    return found;
}

time_t agent_schedule_previous(const agent_schedule *schedule, agent_tick tick, time_t now)
{
    return find_tick(schedule, tick, now, -1);
}

time_t agent_schedule_next(const agent_schedule *schedule, agent_tick tick, time_t now)
{
    return find_tick(schedule, tick, now, +1);
}
