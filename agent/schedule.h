/* agent schedule: when the daily and monthly ticks fall, as the hub's
 * triggers do (daily 01:01; the 2nd, 5th and 19th at 01:11), in a time zone. */
#ifndef HUBAGENT_AGENT_SCHEDULE_H
#define HUBAGENT_AGENT_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef enum agent_tick {
    AGENT_TICK_DAILY,
    AGENT_TICK_MONTHLY,
} agent_tick;

const char *agent_tick_name(agent_tick tick); /* "Daily", "Monthly": the exports' recurrence */

typedef struct agent_schedule {
    int daily_minute; /* minutes after local midnight */
    bool monthly_days[32];
    int monthly_minute;
    char time_zone[64];
} agent_schedule;

/* Parses "HH:MM", "D,D,...@HH:MM" and an IANA zone ("UTC", "Europe/Paris").
 * False with the reason in `why`. */
bool agent_schedule_parse(const char *daily, const char *monthly, const char *time_zone,
                          agent_schedule *out_schedule, char *why, size_t why_size);

/* The latest time the tick fell at or before `now` (UTC seconds). */
time_t agent_schedule_previous(const agent_schedule *schedule, agent_tick tick, time_t now);
/* The first time the tick falls strictly after `now`. */
time_t agent_schedule_next(const agent_schedule *schedule, agent_tick tick, time_t now);

#endif
