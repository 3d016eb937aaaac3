/* Helpers for the spend tests (see spend_test_util.h). */
#include "spend_test_util.h"

#include "focus/focus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

spend_definitions *test_definitions(const char *json)
{
    spend_report report;
    spend_report_init(&report, "test.json");
    spend_definitions *d = NULL;
    spend_status status = spend_definitions_parse(json, strlen(json), &d, &report);
    if (status != SPEND_OK)
        spend_report_print(&report, stderr);
    spend_report_dispose(&report);
    assert_int_equal(status, SPEND_OK);
    assert_non_null(d);
    return d;
}

spend_definitions *test_one_condition(const char *field, const char *op, const char *values_json)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"spendScopes\":[{\"name\":\"S\",\"segments\":[{\"from\":\"2020-01\","
             "\"criteria\":{\"version\":1,\"account_criteria\":{\"type\":\"all\"},"
             "\"conditions\":{\"c1\":{\"field\":\"%s\",\"type\":\"condition\",\"values\":%s,"
             "\"operator\":\"%s\"}},\"logic\":{\"type\":\"group\",\"operator\":\"or\","
             "\"parts\":[{\"type\":\"condition\",\"condition_identifier\":\"c1\",\"parts\":[]}]}}"
             "}]}]}",
             field, values_json, op);
    return test_definitions(json);
}

static const focus_column columns[] = {
    {"Tags", FOCUS_TYPE_STRING, true},
    {"ServiceName", FOCUS_TYPE_STRING, true},
    {"ServiceCategory", FOCUS_TYPE_STRING, true},
    {"RegionId", FOCUS_TYPE_STRING, true},
    {"SubAccountId", FOCUS_TYPE_STRING, true},
    {"ResourceId", FOCUS_TYPE_STRING, true},
    {"ResourceName", FOCUS_TYPE_STRING, true},
    {"ChargeCategory", FOCUS_TYPE_STRING, true},
    {"ChargeClass", FOCUS_TYPE_STRING, true},
    {"ChargeDescription", FOCUS_TYPE_STRING, true},
    {"x_SkuMeterName", FOCUS_TYPE_STRING, true},
    {"SkuId", FOCUS_TYPE_STRING, true},
    {"BillingCurrency", FOCUS_TYPE_STRING, true},
    {"BilledCost", FOCUS_TYPE_DECIMAL, false},
    {"EffectiveCost", FOCUS_TYPE_DECIMAL, false},
    {"ListCost", FOCUS_TYPE_DECIMAL, false},
};

static focus_value text(const char *s)
{
    focus_value v = {.is_null = s == NULL};
    if (s != NULL) {
        v.text = s;
        v.length = strlen(s);
    }
    return v;
}

int test_attribute(const spend_definitions *definitions, const char *month_text, const test_row *r)
{
    spend_month month;
    assert_true(spend_month_parse(month_text, &month));
    spend_error error;
    spend_error_init(&error);
    spend_evaluator *e = NULL;
    assert_int_equal(spend_evaluator_new(definitions, month, &e, &error), SPEND_OK);
    assert_int_equal(spend_evaluator_bind(e, columns, sizeof columns / sizeof columns[0], &error),
                     SPEND_OK);
    focus_value row[] = {
        text(r->tags),
        text(r->service_name),
        text(r->service_category),
        text(r->region),
        text(r->sub_account_id),
        text(r->resource_id),
        text(r->resource_name),
        text(r->charge_category),
        text(r->charge_class),
        text(r->charge_description),
        text(r->meter_name),
        text(r->sku_id),
        text(r->currency),
        {.number = r->billed},
        {.number = r->effective},
        {.number = r->list},
    };
    assert_int_equal(spend_evaluator_add_row(e, row, &error), SPEND_OK);
    spend_summary *summary = NULL;
    assert_int_equal(spend_evaluator_finish(e, &summary, &error), SPEND_OK);
    assert_int_equal(summary->row_count, 1);
    int priority = summary->rows[0].priority;
    assert_true(spend_summary_reconciles(summary));
    spend_summary_free(summary);
    return priority;
}

void test_focus_may_2024(const char *scope, uint64_t rows, uint64_t per_file, const char *dir)
{
    focus_export_options options = focus_export_options_default();
    options.scope = scope;
    options.year = 2024;
    options.month = 5;
    options.dataset = "FocusCost";
    options.version = "1.0r2";
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.rows = rows;
    options.max_rows_per_file = per_file;
    options.directory = dir;
    options.keep_files = true;
    focus_export_result result;
    focus_error ferror;
    focus_error_init(&ferror);
    assert_int_equal(focus_export_month(&options, &result, &ferror), FOCUS_OK);
    focus_export_result_dispose(&result);
}
