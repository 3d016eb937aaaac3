/* Helpers for the spend tests: definitions from JSON text, and single rows attributed by a
 * fresh evaluator so each test states the row and the spend scope it must land in. */
#ifndef HUBAGENT_SPEND_TEST_UTIL_H
#define HUBAGENT_SPEND_TEST_UTIL_H

#include "spend/spend.h"

/* The columns of a test row, FOCUS 1.0 names. NULL = null cell. */
typedef struct test_row {
    const char *tags, *service_name, *service_category, *region, *sub_account_id, *resource_id,
        *resource_name, *charge_category, *charge_class, *charge_description, *meter_name, *sku_id,
        *currency;
    double billed, effective, list;
} test_row;

/* Parses definitions; fails the test (printing the report) when they are not valid. */
spend_definitions *test_definitions(const char *json);
/* A one-scope, one-segment (2020-01..open), one-condition definition. */
spend_definitions *test_one_condition(const char *field, const char *op, const char *values_json);
/* Priority (1-based) of the spend scope the row lands in for `month` ("YYYY-MM"), 0 unscoped. */
int test_attribute(const spend_definitions *definitions, const char *month, const test_row *row);

#endif
