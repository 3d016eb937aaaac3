/* FOCUS rules that real Cost Management data obeys, checked on generated months of every
 * FocusCost version and scope type; and the reservation datasets' own invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "focus/focus.h"

static const char *const scopes[] = {
    "/providers/Microsoft.Billing/billingAccounts/87654321",
    "providers/Microsoft.Billing/billingAccounts/"
    "aaaaaaaa-0000-0000-0000-000000000000:bbbbbbbb-0000-"
    "0000-0000-000000000000_2019-05-31/billingProfiles/AB12-CD34-EF5-GH6",
    "/subscriptions/3F2504E0-4F89-11D3-9A0C-0305E82C3301",
    "/subscriptions/3f2504e0-4f89-11d3-9a0c-0305e82c3301/resourceGroups/rg-payments",
    "/providers/Microsoft.Management/managementGroups/contoso-root",
};

static uint64_t text_hash(const focus_value *v)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; !v->is_null && i < v->length; i++)
        h = (h ^ (unsigned char)v->text[i]) * 1099511628211u;
    return v->is_null ? 0 : h | 1;
}

/* Open-addressing map: key hash → value hash; says whether a key always maps to one value. */
#define MAP_SLOTS (1u << 16)
typedef struct consistency {
    uint64_t keys[MAP_SLOTS], values[MAP_SLOTS];
} consistency;

static bool consistent(consistency *map, uint64_t key, uint64_t value)
{
    for (uint32_t i = (uint32_t)key & (MAP_SLOTS - 1);; i = (i + 1) & (MAP_SLOTS - 1)) {
        if (map->keys[i] == 0) {
            map->keys[i] = key;
            map->values[i] = value;
            return true;
        }
        if (map->keys[i] == key)
            return map->values[i] == value;
    }
}

static int col(const focus_schema *s, const char *name)
{
    return focus_schema_column_index(s, name);
}

static double num(const focus_value *row, int c)
{
    return c < 0 || row[c].is_null ? 0 : row[c].number;
}

static bool text_is(const focus_value *row, int c, const char *want)
{
    return c >= 0 && !row[c].is_null && row[c].length == strlen(want) &&
           memcmp(row[c].text, want, row[c].length) == 0;
}

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-8 * (1 + fabs(a));
}

static void check_focus_month(const char *version, const char *scope, uint64_t rows)
{
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", version, NULL, &s, NULL), FOCUS_OK);
    focus_generator_options options = focus_generator_options_default();
    options.scope = scope;
    options.schema = s;
    options.year = 2024;
    options.month = 2;
    options.rows = rows;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    int start = col(s, "ChargePeriodStart"), end = col(s, "ChargePeriodEnd");
    int bp_start = col(s, "BillingPeriodStart"), bp_end = col(s, "BillingPeriodEnd");
    int billed = col(s, "BilledCost"), effective = col(s, "EffectiveCost");
    int list = col(s, "ListCost"), contracted = col(s, "ContractedCost");
    int list_price = col(s, "ListUnitPrice"), quantity = col(s, "PricingQuantity");
    int contracted_price = col(s, "ContractedUnitPrice"),
        effective_price = col(s, "x_EffectiveUnitPrice");
    if (contracted < 0) { /* 1.0-preview calls contracted cost "on-demand" */
        contracted = col(s, "x_OnDemandCost");
        contracted_price = col(s, "x_OnDemandUnitPrice");
    }
    assert_true(contracted >= 0 && contracted_price >= 0);
    int category = col(s, "ChargeCategory"), charge_class = col(s, "ChargeClass");
    int subcategory = col(s, "ChargeSubcategory");
    int resource = col(s, "ResourceId"), resource_name = col(s, "ResourceName");
    int sub = col(s, "SubAccountId"), rg = col(s, "x_ResourceGroupName");
    int cd_id = col(s, "CommitmentDiscountId"), cd_name = col(s, "CommitmentDiscountName");
    int tags = col(s, "Tags"), billed_usd = col(s, "x_BilledCostInUsd");
    assert_true(start >= 0 && end >= 0 && billed >= 0 && effective >= 0 && list >= 0);
    int64_t period_start = focus_datetime_from_civil(2024, 2, 1, 0, 0, 0);
    int64_t period_end = focus_datetime_from_civil(2024, 3, 1, 0, 0, 0);
    consistency *names = calloc(1, sizeof(*names)), *subs = calloc(1, sizeof(*subs));
    consistency *commitments = calloc(1, sizeof(*commitments));
    assert_non_null(names);
    assert_non_null(subs);
    assert_non_null(commitments);
    uint64_t seen = 0, negatives = 0, committed = 0, subscriptions = 0;
    uint64_t first_sub = 0;
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
        seen++;
        for (size_t c = 0; c < s->column_count; c++)
            if (!s->columns[c].nullable && row[c].is_null)
                fail_msg("%s %s row %llu: required %s is null", version, scope,
                         (unsigned long long)seen, s->columns[c].name);
        /* Charge period: start < end, inside the billing period. */
        assert_true(row[start].integer < row[end].integer);
        assert_true(row[start].integer >= period_start && row[end].integer <= period_end);
        assert_int_equal(row[bp_start].integer, period_start);
        assert_int_equal(row[bp_end].integer, period_end);
        bool correction =
            text_is(row, charge_class, "Correction") || text_is(row, subcategory, "Refund");
        bool credit = text_is(row, category, "Credit");
        double b = num(row, billed), e = num(row, effective), l = num(row, list),
               k = num(row, contracted);
        if (b < 0 || e < 0 || l < 0 || k < 0) {
            negatives++;
            if (!correction && !credit)
                fail_msg("%s row %llu: negative cost on a non-refund, non-credit row", version,
                         (unsigned long long)seen);
        } else {
            /* list ≥ contracted ≥ effective, each = unit price × pricing quantity. */
            assert_true(l >= k - 1e-9 && k >= e - 1e-9);
            assert_true(b <= k + 1e-9);
        }
        if (!credit && !correction && !text_is(row, category, "Purchase")) {
            double q = num(row, quantity);
            assert_true(near(l, num(row, list_price) * q));
            assert_true(near(k, num(row, contracted_price) * q));
            if (effective_price >= 0)
                assert_true(near(e, num(row, effective_price) * q));
        }
        if (billed_usd >= 0)
            assert_true(b == 0 ||
                        (row[billed_usd].number != 0 && (row[billed_usd].number > 0) == (b > 0)));
        /* Ids: one name, subscription per resource; one name per commitment discount. */
        if (resource >= 0 && !row[resource].is_null) {
            assert_true(
                consistent(names, text_hash(&row[resource]), text_hash(&row[resource_name])));
            if (!text_is(row, category, "Purchase") && row[cd_id].is_null)
                assert_true(consistent(subs, text_hash(&row[resource]), text_hash(&row[sub])));
            assert_true(row[resource].length > 0 && row[resource].text[0] == '/');
        }
        if (cd_id >= 0 && !row[cd_id].is_null) {
            committed++;
            assert_true(consistent(commitments, text_hash(&row[cd_id]), text_hash(&row[cd_name])));
        }
        if (tags >= 0 && !row[tags].is_null)
            assert_true(row[tags].text[0] == '{' && row[tags].text[row[tags].length - 1] == '}');
        /* The scope bounds what shows up: a subscription scope has one subscription, an RG
         * scope one resource group. */
        uint64_t this_sub = text_hash(&row[sub]);
        if (!first_sub)
            first_sub = this_sub;
        subscriptions += this_sub != first_sub;
        if (strstr(scope, "resourceGroups") && rg >= 0 && !row[rg].is_null)
            assert_true(text_is(row, rg, "rg-payments"));
        if (strstr(scope, "subscriptions"))
            assert_non_null(
                memmem(row[sub].text, row[sub].length, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", 36));
    }
    assert_int_equal(seen, rows);
    assert_true(negatives > 0 && committed > 0);
    if (!strstr(scope, "subscriptions"))
        assert_true(subscriptions > 0);
    free(names);
    free(subs);
    free(commitments);
    focus_generator_free(g);
}

static void test_focus_rules_every_version(void **state)
{
    (void)state;
    const char *versions[] = {"1.0-preview", "1.0", "1.0r2", "1.2-preview"};
    for (size_t v = 0; v < 4; v++)
        for (size_t sc = 0; sc < sizeof(scopes) / sizeof(scopes[0]); sc++)
            check_focus_month(versions[v], scopes[sc], 6000);
}

static void test_reservation_details_hours(void **state)
{
    (void)state;
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("ReservationDetails", "2023-03-01", NULL, &s, NULL),
                     FOCUS_OK);
    focus_generator_options options = focus_generator_options_default();
    options.scope = scopes[0];
    options.schema = s;
    options.rows = 5000;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    int id = col(s, "ReservationId"), day = col(s, "UsageDate"), used = col(s, "UsedHours");
    int reserved = col(s, "ReservedHours"), instance = col(s, "InstanceId");
    /* Rows of one reservation-day are adjacent: sum their UsedHours. */
    uint64_t key = 0;
    double sum = 0, limit = 0;
    consistency *keys = calloc(1, sizeof(*keys));
    uint64_t rows_seen = 0;
    assert_non_null(keys);
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
        uint64_t k = text_hash(&row[id]) ^ (uint64_t)row[day].integer;
        if (k != key) {
            assert_true(sum <= limit + 1e-9);
            key = k;
            sum = 0;
        }
        sum += row[used].number;
        limit = row[reserved].number;
        assert_true(row[used].number >= 0 && row[used].number <= 24);
        /* Key ReservationId + InstanceId + UsageDate is unique: each key is seen on one row. */
        rows_seen++;
        assert_true(consistent(keys, (k ^ text_hash(&row[instance]) * 31) | 1, rows_seen));
    }
    assert_true(sum <= limit + 1e-9);
    free(keys);
    focus_generator_free(g);
}

static void test_other_datasets_fill_required(void **state)
{
    (void)state;
    for (size_t i = 0; i < focus_schema_count(); i++) {
        const focus_schema *s = focus_schema_at(i);
        focus_generator_options options = focus_generator_options_default();
        options.scope = scopes[i % 2];
        options.schema = s;
        options.rows = 300;
        focus_generator *g = NULL;
        assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
        const focus_value *row;
        size_t filled = 0, cells = 0;
        while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
            for (size_t c = 0; c < s->column_count; c++) {
                if (!s->columns[c].nullable && row[c].is_null)
                    fail_msg("%s %s: required %s is null", s->dataset_name, s->version,
                             s->columns[c].name);
                filled += !row[c].is_null;
                cells++;
            }
        }
        /* Realistic files are mostly filled in (FOCUS has many partner-only columns). */
        bool cost =
            s->dataset == FOCUS_DATASET_FOCUS_COST || s->dataset == FOCUS_DATASET_COST_DETAILS;
        assert_true(filled * 100 / cells >= (cost ? 55 : 85));
        focus_generator_free(g);
    }
}

/* Legacy actual/amortized cost: same rows, Cost is the billed cost in ActualCost and the
 * amortized (effective) cost in AmortizedCost; negative only for refunds and adjustments. */
static void test_legacy_cost_rules(void **state)
{
    (void)state;
    const char *datasets[] = {"ActualCost", "AmortizedCost"};
    double totals[2] = {0, 0};
    for (int d = 0; d < 2; d++) {
        const focus_schema *s = NULL;
        assert_int_equal(focus_schema_find(datasets[d], "2023-05-01", NULL, &s, NULL), FOCUS_OK);
        assert_int_equal(s->column_count, 50);
        assert_int_equal(s->dates, FOCUS_DATES_US);
        focus_generator_options options = focus_generator_options_default();
        options.scope = scopes[0];
        options.schema = s;
        options.year = 2024;
        options.month = 2;
        options.rows = 4000;
        focus_generator *g = NULL;
        assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
        int cost = col(s, "Cost"), date = col(s, "Date"), type = col(s, "ChargeType");
        int start = col(s, "BillingPeriodStartDate"), end = col(s, "BillingPeriodEndDate");
        const focus_value *row;
        while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
            assert_true(row[date].integer >= row[start].integer &&
                        row[date].integer <= row[end].integer);
            if (row[cost].number < 0)
                assert_true(text_is(row, type, "Refund") || text_is(row, type, "Adjustment"));
            totals[d] += row[cost].number;
        }
        focus_generator_free(g);
    }
    /* Same month, same rows: amortizing moves purchases onto usage, so totals differ. */
    assert_true(totals[0] != totals[1]);
    assert_true(totals[0] > 0 && totals[1] > 0);
}

/* Month to date: rows stop at through_day, the billing period is still the whole month. */
static void test_month_to_date(void **state)
{
    (void)state;
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL), FOCUS_OK);
    focus_generator_options options = focus_generator_options_default();
    options.scope = scopes[2];
    options.schema = s;
    options.year = 2025;
    options.month = 4;
    options.rows = 3000;
    options.through_day = 10;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    int end = col(s, "ChargePeriodEnd"), bp_end = col(s, "BillingPeriodEnd");
    int64_t limit = focus_datetime_from_civil(2025, 4, 11, 0, 0, 0);
    int64_t last = 0;
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
        assert_true(row[end].integer <= limit);
        assert_int_equal(row[bp_end].integer, focus_datetime_from_civil(2025, 5, 1, 0, 0, 0));
        last = row[end].integer > last ? row[end].integer : last;
    }
    assert_int_equal(last, limit); /* the last day with data is day 10 */
    focus_generator_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_focus_rules_every_version),
        cmocka_unit_test(test_reservation_details_hours),
        cmocka_unit_test(test_other_datasets_fill_required),
        cmocka_unit_test(test_legacy_cost_rules),
        cmocka_unit_test(test_month_to_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
