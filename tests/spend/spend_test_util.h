/* Helpers for the spend tests: definitions from JSON text, and single rows attributed by a
 * fresh evaluator so each test states the row and the spend scope it must land in. */
#ifndef HUBAGENT_SPEND_TEST_UTIL_H
#define HUBAGENT_SPEND_TEST_UTIL_H

#include "spend/spend.h"

#include <stdint.h>

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

/* Writes a FocusCost 1.0r2 month of May 2024 for `scope` into `dir` as Parquet files of at
 * most per_file rows (0 = one file), as an export lands it; fails the test if it cannot. */
void test_focus_may_2024(const char *scope, uint64_t rows, uint64_t per_file, const char *dir);

#endif
