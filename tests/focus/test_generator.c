/* Schemas and the synthetic data generator: lookups by Cost Management's names, value text
 * forms, determinism, and the FOCUS rules real data obeys, checked on generated months. */
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

static const focus_schema *schema(const char *dataset, const char *version, const char *variant)
{
    const focus_schema *s = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_schema_find(dataset, version, variant, &s, &error), FOCUS_OK);
    assert_non_null(s);
    return s;
}

static int column(const focus_schema *s, const char *name)
{
    int index = focus_schema_column_index(s, name);
    if (index < 0)
        fail_msg("column %s missing from %s %s", name, s->dataset_name, s->version);
    return index;
}

static void test_schema_lookup(void **state)
{
    (void)state;
    assert_int_equal(schema("FocusCost", "1.0r2", NULL)->column_count, 96);
    assert_int_equal(schema("focuscost", "1.0", NULL)->column_count, 96);
    assert_int_equal(schema("FocusCost", "1.0-preview", NULL)->column_count, 94);
    assert_string_equal(schema("FocusCost", "1.0-preview(v1)", NULL)->version, "1.0-preview(v1)");
    assert_int_equal(schema("FocusCost", "1.2-preview", NULL)->column_count, 105);
    assert_int_equal(schema("PriceSheet", "2023-05-01", "EA")->column_count, 23);
    assert_int_equal(schema("PriceSheet", "2023-05-01", "mca")->column_count, 25);
    assert_int_equal(schema("ReservationDetails", "2023-03-01", "MCA")->column_count, 11);
    assert_int_equal(schema("ReservationTransactions", "2023-05-01", "MCA")->column_count, 20);
    assert_int_equal(schema("ReservationTransactions", "2023-05-01", NULL)->column_count, 23);
    assert_int_equal(schema("ActualCost", "2023-05-01", NULL)->column_count, 50);
    assert_int_equal(schema("Usage", "2023-05-01", NULL)->dataset, FOCUS_DATASET_COST_DETAILS);
    assert_int_equal(schema("FocusCost", "1.0", NULL)->dates, FOCUS_DATES_ISO_MINUTES);
    assert_int_equal(schema("FocusCost", "1.0r2", NULL)->dates, FOCUS_DATES_ISO_SECONDS);

    const focus_schema *s = schema("FocusCost", "1.2-preview", NULL);
    assert_int_equal(s->columns[column(s, "BilledCost")].type, FOCUS_TYPE_DECIMAL);
    assert_int_equal(s->columns[column(s, "ChargePeriodStart")].type, FOCUS_TYPE_DATETIME);
    assert_int_equal(s->columns[column(s, "x_SkuIsCreditEligible")].type, FOCUS_TYPE_BOOLEAN);
    assert_int_equal(s->columns[column(s, "CommitmentDiscountQuantity")].type, FOCUS_TYPE_DECIMAL);
    assert_int_equal(s->columns[column(s, "Tags")].type, FOCUS_TYPE_STRING);
    assert_false(s->columns[column(s, "BilledCost")].nullable);
    assert_true(s->columns[column(s, "Tags")].nullable);
    assert_int_equal(focus_schema_column_index(s, "x_InvoiceId"), -1);
    /* File order is ordinal: upper-case names before x_ names. */
    for (size_t i = 1; i < s->column_count; i++)
        assert_true(strcmp(s->columns[i - 1].name, s->columns[i].name) < 0);

    const focus_schema *missing = (const focus_schema *)1;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_schema_find("FocusCost", "9.9", NULL, &missing, &error),
                     FOCUS_NOT_FOUND);
    assert_null(missing);
    assert_non_null(strstr(error.message, "9.9"));
    assert_int_equal(focus_schema_find("Nope", "1.0", NULL, &missing, &error), FOCUS_NOT_FOUND);
    assert_non_null(strstr(error.message, "Nope"));
}

static void test_value_text(void **state)
{
    (void)state;
    char text[64];
    focus_value v = {0};
    v.integer = focus_datetime_from_civil(2024, 1, 1, 0, 0, 0);
    focus_value_format(FOCUS_TYPE_DATETIME, FOCUS_DATES_ISO_MINUTES, &v, text, sizeof(text));
    assert_string_equal(text, "2024-01-01T00:00Z");
    focus_value_format(FOCUS_TYPE_DATETIME, FOCUS_DATES_ISO_SECONDS, &v, text, sizeof(text));
    assert_string_equal(text, "2024-01-01T00:00:00Z");
    focus_value_format(FOCUS_TYPE_DATETIME, FOCUS_DATES_US, &v, text, sizeof(text));
    assert_string_equal(text, "01/01/2024");
    v.number = 0.1824;
    focus_value_format(FOCUS_TYPE_DECIMAL, 0, &v, text, sizeof(text));
    assert_string_equal(text, "0.1824");
    v.number = 1017.33;
    focus_value_format(FOCUS_TYPE_DECIMAL, 0, &v, text, sizeof(text));
    assert_string_equal(text, "1017.33");
    v.number = 0.000001234;
    focus_value_format(FOCUS_TYPE_DECIMAL, 0, &v, text, sizeof(text));
    assert_string_equal(text, "0.000001234");
    v.number = -42;
    focus_value_format(FOCUS_TYPE_DECIMAL, 0, &v, text, sizeof(text));
    assert_string_equal(text, "-42");

    focus_value parsed;
    const char *forms[] = {"2024-03-05T06:07Z",   "2024-03-05T06:07:00Z",
                           "2024-03-05 06:07:00", "2024-03-05T06:07:00.0000000Z",
                           "3/5/2024 6:07:00 AM", "2024-03-05T07:07:00+01:00"};
    int64_t want = focus_datetime_from_civil(2024, 3, 5, 6, 7, 0);
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        assert_int_equal(
            focus_value_parse(FOCUS_TYPE_DATETIME, forms[i], strlen(forms[i]), &parsed, NULL),
            FOCUS_OK);
        assert_int_equal(parsed.integer, want);
    }
    assert_int_equal(focus_value_parse(FOCUS_TYPE_DATETIME, "", 0, &parsed, NULL), FOCUS_OK);
    assert_true(parsed.is_null);
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_value_parse(FOCUS_TYPE_DECIMAL, "{\"v\":1}", 7, &parsed, &error),
                     FOCUS_SCHEMA_MISMATCH);
    assert_non_null(strstr(error.message, "decimal"));
    assert_int_equal(focus_value_parse(FOCUS_TYPE_DATETIME, "2024-13-01", 10, &parsed, NULL),
                     FOCUS_SCHEMA_MISMATCH);
    assert_int_equal(focus_value_parse(FOCUS_TYPE_BOOLEAN, "True", 4, &parsed, NULL), FOCUS_OK);
    assert_true(parsed.boolean);
}

/* A digest of every row's text form: what a file of these rows would hold. */
static uint64_t digest_month(const char *scope, const focus_schema *s, int month, uint64_t rows)
{
    focus_generator_options options = focus_generator_options_default();
    options.scope = scope;
    options.schema = s;
    options.year = 2025;
    options.month = month;
    options.rows = rows;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    uint64_t h = 1469598103934665603u, count = 0;
    const focus_value *row;
    char text[512];
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row) {
        for (size_t c = 0; c < s->column_count; c++) {
            size_t n = row[c].is_null ? 0
                                      : focus_value_format(s->columns[c].type, s->dates, &row[c],
                                                           text, sizeof(text));
            for (size_t i = 0; i < n; i++)
                h = (h ^ (unsigned char)text[i]) * 1099511628211u;
            h = (h ^ 0xff) * 1099511628211u;
        }
        count++;
    }
    assert_int_equal(count, rows);
    focus_generator_free(g);
    return h;
}

static void test_deterministic(void **state)
{
    (void)state;
    const char *scope = "/providers/Microsoft.Billing/billingAccounts/12345678";
    for (size_t i = 0; i < focus_schema_count(); i++) {
        const focus_schema *s = focus_schema_at(i);
        uint64_t a = digest_month(scope, s, 3, 1500);
        assert_true(a == digest_month(scope, s, 3, 1500));
        assert_true(a != digest_month(scope, s, 4, 1500));
        assert_true(
            a != digest_month("/subscriptions/00000000-0000-0000-0000-000000000001", s, 3, 1500));
    }
}

static void test_bad_options(void **state)
{
    (void)state;
    focus_generator_options options = focus_generator_options_default();
    focus_generator *g = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_generator_new(&options, &g, &error), FOCUS_INVALID_ARGUMENT);
    options.schema = schema("FocusCost", "1.0", NULL);
    options.scope = "subscriptions/x";
    options.month = 13;
    assert_int_equal(focus_generator_new(&options, &g, &error), FOCUS_INVALID_ARGUMENT);
    assert_non_null(strstr(error.message, "month"));
    assert_null(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_lookup), cmocka_unit_test(test_value_text),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_bad_options)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
