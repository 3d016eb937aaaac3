/* Backfill without the network: the plan's months, datasets, exports and
 * order; how an item finds its run in run history; and the jobs in the state
 * (joining open months, skipping done ones, never adopting an earlier run). */
#include "agent/backfill.h"
#include "agent/backfill_int.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define EA "/providers/Microsoft.Billing/billingAccounts/8611537"
#define RG "/subscriptions/00000000-0000-0000-0000-00000000000d/resourceGroups/rg-web"

static settings *two_scopes(void)
{
    const char *text = "{\"scopes\":[{\"scope\":\"" EA "\"},{\"scope\":\"" RG "\"}]}";
    settings *value = NULL;
    settings_report report;
    settings_report_init(&report, "test");
    assert_int_equal(settings_parse(text, strlen(text), &value, &report), SETTINGS_OK);
    settings_report_dispose(&report);
    return value;
}

static time_t at(int year, int month, int day)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12};
    return timegm(&tm);
}

static agent_desired_options desired(void)
{
    agent_desired_options options = agent_desired_options_default();
    options.hub_name = "Demo";
    options.storage_account_id = "/subscriptions/0/resourceGroups/rg/providers/"
                                 "Microsoft.Storage/storageAccounts/hub";
    return options;
}

static void test_plan_order_and_exports(void **state)
{
    (void)state;
    settings *value = two_scopes();
    agent_desired_options options = desired();
    const agent_month months[] = {{2026, 3}, {2026, 2}};
    agent_state_backfill_item *items = NULL;
    size_t count = 0;
    char why[200];
    assert_true(agent_backfill_plan(value, &options, months, 2, at(2026, 3, 15), &items, &count,
                                    why, sizeof why));
    /* EA: prices, costs, reservation details, transactions; RG: costs. */
    assert_int_equal(count, 2 * 5);
    const char *expected[][3] = {
        {"2026-03", "prices", EA},
        {"2026-03", "costs", EA},
        {"2026-03", "costs", RG},
        {"2026-03", "reservationdetails", EA},
        {"2026-03", "reservationtransactions", EA},
        {"2026-02", "prices", EA},
        {"2026-02", "costs", EA},
        {"2026-02", "costs", RG},
        {"2026-02", "reservationdetails", EA},
        {"2026-02", "reservationtransactions", EA},
    };
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(items[i].month, expected[i][0]);
        assert_string_equal(items[i].dataset, expected[i][1]);
        assert_string_equal(items[i].scope, expected[i][2]);
        assert_string_equal(items[i].state, "pending");
    }
    /* The current month runs the daily export up to yesterday; past months
     * the monthly one over the whole month. */
    assert_string_equal(items[1].export_name, "demo-daily-costdetails");
    assert_string_equal(items[1].period_from, "2026-03-01T00:00:00Z");
    assert_string_equal(items[1].period_to, "2026-03-14T00:00:00Z");
    assert_string_equal(items[6].export_name, "demo-monthly-costdetails");
    assert_string_equal(items[6].period_to, "2026-02-28T00:00:00Z");
    assert_string_equal(items[5].export_name, "demo-monthly-pricesheet");
    agent_state_backfill_items_free(items, count);

    /* On the 1st nothing of the current month can be exported yet. */
    assert_true(agent_backfill_plan(value, &options, months, 2, at(2026, 3, 1), &items, &count, why,
                                    sizeof why));
    assert_int_equal(count, 5);
    assert_string_equal(items[0].month, "2026-02");
    agent_state_backfill_items_free(items, count);

    /* Datasets switched off are not planned. */
    options.dataset_enabled[AGENT_DATASET_PRICES] = false;
    options.dataset_enabled[AGENT_DATASET_RESERVATION_DETAILS] = false;
    options.dataset_enabled[AGENT_DATASET_RESERVATION_TRANSACTIONS] = false;
    assert_true(agent_backfill_plan(value, &options, months + 1, 1, at(2026, 3, 15), &items, &count,
                                    why, sizeof why));
    assert_int_equal(count, 2);
    assert_string_equal(items[0].dataset, "costs");
    agent_state_backfill_items_free(items, count);
    settings_free(value);
}

static arm_export_run run(const char *id, const char *type, const char *submitted,
                          const char *start)
{
    return (arm_export_run){.id = (char *)id,
                            .execution_type = (char *)type,
                            .status = "Completed",
                            .submitted_time = (char *)submitted,
                            .start_date = (char *)start};
}

static bool claims_c3(void *ctx, const agent_state_backfill_item *row, const char *id)
{
    (void)ctx;
    (void)row;
    return strcmp(id, "c3") == 0;
}

static void test_match_run(void **state)
{
    (void)state;
    /* The run call was made at 2026-03-10T10:00:00Z. */
    agent_state_backfill_item row = {.period_from = "2026-02-01T00:00:00Z",
                                     .triggered_at = (int64_t)at(2026, 3, 10) - 7200,
                                     .excluded_runs = "b2"};
    arm_export_run items[] = {
        run("x/Run/a1", "OnDemand", "2026-03-10T09:00:00.0000000Z", "2026-02-01T00:00:00"),
        run("x/Run/b2", "OnDemand", "2026-03-10T10:00:01.5000000Z", "2026-02-01T00:00:00"),
        run("x/Run/c3", "OnDemand", "2026-03-10T10:00:02.0000000Z", "2026-02-01T00:00:00"),
        run("x/Run/s4", "Scheduled", "2026-03-10T10:00:03.0000000Z", "2026-02-01T00:00:00"),
        run("x/Run/m5", "OnDemand", "2026-03-10T10:00:04.0000000Z", "2026-01-01T00:00:00"),
        run("x/Run/d6", "OnDemand", "2026-03-10T10:00:09.0000000Z", "2026-02-01T00:00:00"),
        run("x/Run/e7", "OnDemand", "2026-03-10T10:00:05.0000000Z", "2026-02-01T00:00:00"),
    };
    arm_export_run_list history = {items, sizeof items / sizeof items[0]};
    /* a1: before the call; b2: an earlier failed attempt; c3: another item's;
     * s4: the schedule's; m5: another month; e7 is earlier than d6. */
    const arm_export_run *found = agent_backfill_match_run(&row, &history, claims_c3, NULL);
    assert_non_null(found);
    assert_string_equal(agent_backfill_run_id(found), "e7");
    /* Without the exclusions, the earliest after the call wins. */
    row.excluded_runs = NULL;
    found = agent_backfill_match_run(&row, &history, NULL, NULL);
    assert_string_equal(agent_backfill_run_id(found), "b2");
    /* Once known, by id only. */
    row.run_id = "d6";
    found = agent_backfill_match_run(&row, &history, NULL, NULL);
    assert_string_equal(agent_backfill_run_id(found), "d6");
    row.run_id = "gone";
    assert_null(agent_backfill_match_run(&row, &history, NULL, NULL));
}

static agent_state *open_state(char **out_dir)
{
    *out_dir = test_make_temp_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/state.db", *out_dir);
    agent_state *state = NULL;
    agent_state_error error;
    assert_int_equal(agent_state_open(path, NULL, &state, &error), AGENT_STATE_OK);
    return state;
}

static agent_state_backfill_item key(const char *month, const char *to)
{
    return (agent_state_backfill_item){.scope = RG,
                                       .dataset = "costs",
                                       .month = (char *)month,
                                       .export_name = "demo-monthly-costdetails",
                                       .period_from = "2026-01-01T00:00:00Z",
                                       .period_to = (char *)to};
}

static void test_jobs_join_skip_and_rerun(void **state)
{
    (void)state;
    char *dir;
    agent_state *db = open_state(&dir);
    agent_state_error error;
    agent_state_backfill_item first[] = {key("2026-01", "2026-01-31T00:00:00Z"),
                                         key("2025-12", "2025-12-31T00:00:00Z")};
    agent_state_backfill_enqueued queued;
    assert_int_equal(
        agent_state_backfill_enqueue(db, "first", first, 2, false, 100, &queued, &error),
        AGENT_STATE_OK);
    assert_int_equal(queued.job_id, 1);
    assert_int_equal(queued.added, 2);

    /* A wider request while the first is open: the open months join. */
    agent_state_backfill_item wider[] = {key("2026-01", "2026-01-31T00:00:00Z"),
                                         key("2025-12", "2025-12-31T00:00:00Z"),
                                         key("2025-11", "2025-11-30T00:00:00Z")};
    assert_int_equal(
        agent_state_backfill_enqueue(db, "wider", wider, 3, false, 101, &queued, &error),
        AGENT_STATE_OK);
    assert_int_equal(queued.job_id, 2);
    assert_int_equal(queued.added, 1);
    assert_int_equal(queued.joined, 2);

    /* Drive them: January completes, December fails, November has no data. */
    agent_state_backfill_item *open = NULL;
    size_t count = 0;
    assert_int_equal(agent_state_backfill_open_items(db, &open, &count, &error), AGENT_STATE_OK);
    assert_int_equal(count, 3);
    const char *ends[] = {"completed", "failed", "no-data"};
    const char *ids[] = {"run-jan", "run-dec", "run-nov"};
    for (size_t i = 0; i < count; i++) {
        size_t k = strcmp(open[i].month, "2026-01") == 0   ? 0
                   : strcmp(open[i].month, "2025-12") == 0 ? 1
                                                           : 2;
        free(open[i].state);
        open[i].state = strdup(ends[k]);
        open[i].run_id = strdup(ids[k]);
        open[i].finished_at = 200;
        assert_int_equal(agent_state_backfill_update(db, &open[i], &error), AGENT_STATE_OK);
    }
    agent_state_backfill_items_free(open, count);
    assert_int_equal(agent_state_backfill_finish_jobs(db, 300, &error), AGENT_STATE_OK);
    agent_state_backfill_job *jobs = NULL;
    assert_int_equal(agent_state_backfill_jobs(db, 0, &jobs, &count, &error), AGENT_STATE_OK);
    assert_int_equal(count, 2);
    assert_string_equal(jobs[0].status, "completed"); /* job 2: November, no data */
    assert_int_equal(jobs[0].no_data, 1);
    assert_string_equal(jobs[1].status, "failed"); /* job 1: December failed */
    assert_int_equal(jobs[1].completed, 1);
    assert_int_equal(jobs[1].failed, 1);
    assert_string_equal(jobs[1].oldest_month, "2025-12");
    agent_state_backfill_jobs_free(jobs, count);

    /* Again: done months are skipped, the failed one is retried, and never
     * with its earlier run mistaken for the new one. */
    assert_int_equal(
        agent_state_backfill_enqueue(db, "again", wider, 3, false, 400, &queued, &error),
        AGENT_STATE_OK);
    assert_int_equal(queued.added, 1);
    assert_int_equal(queued.already_done, 2);
    assert_int_equal(agent_state_backfill_open_items(db, &open, &count, &error), AGENT_STATE_OK);
    assert_int_equal(count, 1);
    assert_string_equal(open[0].month, "2025-12");
    assert_non_null(strstr(open[0].excluded_runs, "run-dec"));
    agent_state_backfill_items_free(open, count);

    /* --rerun: the done month runs again, its old run excluded. */
    assert_int_equal(
        agent_state_backfill_enqueue(db, "rerun", first, 1, true, 500, &queued, &error),
        AGENT_STATE_OK);
    assert_int_equal(queued.added, 1);
    assert_int_equal(agent_state_backfill_open_items(db, &open, &count, &error), AGENT_STATE_OK);
    assert_int_equal(count, 2);
    for (size_t i = 0; i < count; i++)
        if (strcmp(open[i].month, "2026-01") == 0)
            assert_non_null(strstr(open[i].excluded_runs, "run-jan"));
    agent_state_backfill_items_free(open, count);

    /* Status lines name each job. */
    char *out = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&out, &length);
    assert_int_equal(agent_backfill_print_jobs(db, 10, false, stream, &error), AGENT_STATE_OK);
    fclose(stream);
    assert_non_null(strstr(out, "backfill job 1 (failed): 2025-12..2026-01, 2 runs: 1 completed"));
    free(out);
    agent_state_free(db);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_order_and_exports),
        cmocka_unit_test(test_match_run),
        cmocka_unit_test(test_jobs_join_skip_and_rerun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
