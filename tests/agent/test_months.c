/* agent months: backfill ranges newest first, periods clamped to yesterday,
 * and clear refusals of unusable ranges. */
#include "agent/months.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* 2026-11-25T13:00:00Z */
#define NOW ((time_t)1795611600)

static void test_default_range_is_last_month_backwards(void **state)
{
    (void)state;
    agent_month_range_request request = {.default_months = 13};
    agent_month *months;
    size_t count;
    char why[128];
    assert_true(agent_month_range(&request, NOW, &months, &count, why, sizeof why));
    assert_int_equal(count, 13);
    assert_int_equal(months[0].year, 2026);
    assert_int_equal(months[0].month, 10);
    assert_int_equal(months[12].year, 2025);
    assert_int_equal(months[12].month, 10);
    free(months);
    request.months = 2;
    assert_true(agent_month_range(&request, NOW, &months, &count, why, sizeof why));
    assert_int_equal(count, 2);
    assert_int_equal(months[1].month, 9);
    free(months);
}

static void test_explicit_range(void **state)
{
    (void)state;
    agent_month_range_request request = {.from = "2025-11", .to = "2026-02"};
    agent_month *months;
    size_t count;
    char why[128];
    assert_true(agent_month_range(&request, NOW, &months, &count, why, sizeof why));
    assert_int_equal(count, 4);
    char text[8];
    agent_month_format(months[0], text, sizeof text);
    assert_string_equal(text, "2026-02");
    agent_month_format(months[3], text, sizeof text);
    assert_string_equal(text, "2025-11");
    free(months);
    /* --from alone runs up to the current month. */
    request.to = NULL;
    request.from = "2026-10";
    assert_true(agent_month_range(&request, NOW, &months, &count, why, sizeof why));
    assert_int_equal(count, 2);
    assert_int_equal(months[0].month, 11);
    free(months);
}

static void expect_refused(agent_month_range_request request, const char *message)
{
    agent_month *months = NULL;
    size_t count = 0;
    char why[160] = "";
    assert_false(agent_month_range(&request, NOW, &months, &count, why, sizeof why));
    assert_null(months);
    assert_non_null(strstr(why, message));
}

static void test_refusals(void **state)
{
    (void)state;
    expect_refused((agent_month_range_request){.from = "2026-13"}, "is not a month");
    expect_refused((agent_month_range_request){.from = "2026-01", .to = "2027-01"},
                   "in the future");
    expect_refused((agent_month_range_request){.from = "2026-05", .to = "2026-01"}, "after --to");
    expect_refused((agent_month_range_request){.to = "2026-01"}, "--to needs --from");
    expect_refused((agent_month_range_request){.months = 3, .from = "2026-01"}, "not both");
    expect_refused((agent_month_range_request){.months = 100}, "more than 84 months");
    expect_refused((agent_month_range_request){.default_months = 0}, "month count is 0");
}

static void test_periods(void **state)
{
    (void)state;
    char from[32], to[32];
    bool daily;
    assert_true(agent_month_period((agent_month){2024, 2}, NOW, from, to, sizeof from, &daily));
    assert_string_equal(from, "2024-02-01T00:00:00Z");
    assert_string_equal(to, "2024-02-29T00:00:00Z");
    assert_false(daily);
    assert_true(agent_month_period((agent_month){2026, 11}, NOW, from, to, sizeof from, &daily));
    assert_string_equal(to, "2026-11-24T00:00:00Z");
    assert_true(daily);
    assert_false(agent_month_period((agent_month){2026, 12}, NOW, from, to, sizeof from, &daily));
    /* On the 1st, the current month has no complete day yet. */
    time_t first = 1793491200; /* 2026-11-01T00:00:00Z */
    assert_false(agent_month_period((agent_month){2026, 11}, first, from, to, sizeof from, &daily));
    assert_true(agent_month_period((agent_month){2026, 10}, first, from, to, sizeof from, &daily));
    assert_string_equal(to, "2026-10-31T00:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_range_is_last_month_backwards),
        cmocka_unit_test(test_explicit_range),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_periods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
