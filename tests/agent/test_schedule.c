/* agent schedule: the hub's daily and monthly tick times, in UTC and in a
 * zone with daylight saving time. */
#include "agent/schedule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* 2026-11-25T13:00:00Z */
#define NOW  ((time_t)1795611600)
#define HOUR 3600
#define DAY  86400

static agent_schedule parse(const char *daily, const char *monthly, const char *zone)
{
    agent_schedule schedule;
    char why[160];
    assert_true(agent_schedule_parse(daily, monthly, zone, &schedule, why, sizeof why));
    return schedule;
}

static void test_daily_utc(void **state)
{
    (void)state;
    agent_schedule s = parse("01:01", "2,5,19@01:11", "UTC");
    time_t midnight = NOW - 13 * HOUR; /* 2026-11-25T00:00:00Z */
    assert_int_equal(agent_schedule_previous(&s, AGENT_TICK_DAILY, NOW), midnight + 61 * 60);
    assert_int_equal(agent_schedule_next(&s, AGENT_TICK_DAILY, NOW), midnight + DAY + 61 * 60);
    /* Exactly at the tick, it is the previous one, and the next is tomorrow's. */
    time_t tick = midnight + 61 * 60;
    assert_int_equal(agent_schedule_previous(&s, AGENT_TICK_DAILY, tick), tick);
    assert_int_equal(agent_schedule_next(&s, AGENT_TICK_DAILY, tick), tick + DAY);
}

static void test_monthly_days(void **state)
{
    (void)state;
    agent_schedule s = parse("01:01", "2,5,19@01:11", "UTC");
    time_t nov19 = (time_t)1795050660; /* 2026-11-19T01:11:00Z */
    time_t dec2 = (time_t)1796173860;  /* 2026-12-02T01:11:00Z */
    assert_int_equal(agent_schedule_previous(&s, AGENT_TICK_MONTHLY, NOW), nov19);
    assert_int_equal(agent_schedule_next(&s, AGENT_TICK_MONTHLY, NOW), dec2);
}

static void test_time_zone(void **state)
{
    (void)state;
    agent_schedule s = parse("01:01", "2,5,19@01:11", "Europe/Paris");
    /* In November Paris is UTC+1: 01:01 local is 00:01Z. */
    time_t midnight = NOW - 13 * HOUR;
    assert_int_equal(agent_schedule_previous(&s, AGENT_TICK_DAILY, NOW), midnight + 60);
    /* In July (UTC+2) it is 23:01Z the day before. */
    time_t july = (time_t)1783083600; /* 2026-07-03T13:00:00Z */
    assert_int_equal(agent_schedule_previous(&s, AGENT_TICK_DAILY, july),
                     (time_t)1783033260); /* 2026-07-02T23:01:00Z */
}

static void test_refusals(void **state)
{
    (void)state;
    agent_schedule s;
    char why[160];
    assert_false(agent_schedule_parse("1:01", "2@01:11", "UTC", &s, why, sizeof why));
    assert_non_null(strstr(why, "daily schedule"));
    assert_false(agent_schedule_parse("01:01", "31@01:11", "UTC", &s, why, sizeof why));
    assert_non_null(strstr(why, "days 1-28"));
    assert_false(agent_schedule_parse("01:01", "2@01:11", "Mars/Olympus", &s, why, sizeof why));
    assert_non_null(strstr(why, "not known"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_utc),
        cmocka_unit_test(test_monthly_days),
        cmocka_unit_test(test_time_zone),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
