/* Rule semantics: each operator and field, tags as JSON, missing values, case sensitivity,
 * nested AND/OR logic, priority between spend scopes and segments across month boundaries. */
#include "spend_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SUB_A "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"
#define SUB_B "/subscriptions/11111111-2222-3333-4444-555555555555"

static int one(const char *field, const char *op, const char *values, const test_row *row)
{
    spend_definitions *d = test_one_condition(field, op, values);
    int priority = test_attribute(d, "2024-01", row);
    spend_definitions_free(d);
    return priority;
}

static void test_is_and_is_not(void **state)
{
    (void)state;
    test_row compute = {.service_category = "Compute", .billed = 1};
    test_row lower = {.service_category = "compute", .billed = 1};
    test_row missing = {.billed = 1};
    assert_int_equal(one("service_category", "is", "[\"Compute\"]", &compute), 1);
    assert_int_equal(one("service_category", "is", "[\"Compute\"]", &lower), 0);
    assert_int_equal(one("service_category", "is", "[\"Compute\"]", &missing), 0);
    assert_int_equal(one("service_category", "is not", "[\"Compute\"]", &compute), 0);
    assert_int_equal(one("service_category", "is_not", "[\"Compute\"]", &lower), 1);
    /* A missing value is not "Compute", so "is not" takes it. */
    assert_int_equal(one("service_category", "is_not", "[\"Compute\"]", &missing), 1);
    /* Several values: any of them. */
    assert_int_equal(one("service_category", "is", "[\"Storage\",\"Compute\"]", &compute), 1);
    assert_int_equal(one("service_category", "is_not", "[\"Storage\",\"Compute\"]", &compute), 0);
}

static void test_contains_case_sensitive(void **state)
{
    (void)state;
    test_row kion = {.resource_name = "vm-kion-01", .billed = 1};
    test_row upper = {.resource_name = "vm-Kion-01", .billed = 1};
    test_row missing = {.billed = 1};
    assert_int_equal(one("resource_name", "contains", "[\"kion\"]", &kion), 1);
    assert_int_equal(one("resource_name", "contains", "[\"kion\"]", &upper), 0);
    assert_int_equal(one("resource_name", "contains", "[\"kion\",\"Kion\"]", &upper), 1);
    assert_int_equal(one("resource_name", "contains", "[\"kion\"]", &missing), 0);
    assert_int_equal(one("resource_name", "does_not_contain", "[\"kion\"]", &kion), 0);
    assert_int_equal(one("resource_name", "does not contain", "[\"kion\"]", &upper), 1);
    assert_int_equal(one("resource_name", "does_not_contain", "[\"kion\"]", &missing), 1);
}

static void test_regex(void **state)
{
    (void)state;
    test_row web = {.resource_name = "vm-web-12", .billed = 1};
    test_row db = {.resource_name = "vm-db-1", .billed = 1};
    test_row missing = {.billed = 1};
    const char *re = "[\"^vm-(web|api)-\\\\d+$\"]";
    assert_int_equal(one("resource_name", "matches_regex", re, &web), 1);
    assert_int_equal(one("resource_name", "matches_regex", re, &db), 0);
    assert_int_equal(one("resource_name", "matches_regex", re, &missing), 0);
    assert_int_equal(one("resource_name", "does_not_match_regex", re, &web), 0);
    assert_int_equal(one("resource_name", "does_not_match_regex", re, &db), 1);
    assert_int_equal(one("resource_name", "does_not_match_regex", re, &missing), 1);
    /* Unanchored patterns search, and are case-sensitive unless they say (?i). */
    assert_int_equal(one("resource_name", "matches_regex", "[\"WEB\"]", &web), 0);
    assert_int_equal(one("resource_name", "matches_regex", "[\"(?i)WEB\"]", &web), 1);
}

static void test_tags(void **state)
{
    (void)state;
    test_row prod = {.tags = "{\"env\":\"prod\",\"costCenter\":\"42\"}", .billed = 1};
    test_row cased = {.tags = "{\"Env\":\"prod\"}", .billed = 1};
    test_row none = {.billed = 1};
    test_row empty = {.tags = "", .billed = 1};
    test_row broken = {.tags = "{\"env\":\"pro", .billed = 1};
    test_row escaped = {.tags = "{\"team\":\"a\\\"b\",\"t\\u00e9am\":\"x\"}", .billed = 1};
    test_row legacy = {.tags = "\"env\": \"prod\",\"owner\": \"kion\"", .billed = 1};
    test_row number = {.tags = "{\"n\": 5, \"flag\": true}", .billed = 1};

    assert_int_equal(one("tags", "is", "[\"env\"]", &prod), 1);
    assert_int_equal(one("tags", "is", "[\"env\"]", &cased), 0);
    assert_int_equal(one("tags", "is", "[\"env=prod\"]", &prod), 1);
    assert_int_equal(one("tags", "is", "[\"env=dev\"]", &prod), 0);
    assert_int_equal(one("tags", "is", "[\"env=prod\"]", &cased), 0);
    assert_int_equal(one("tags", "contains", "[\"env=pro\"]", &prod), 1);
    assert_int_equal(one("tags", "contains", "[\"cost\"]", &prod), 1);
    assert_int_equal(one("tags", "matches_regex", "[\"costCenter=^4\\\\d$\"]", &prod), 1);
    assert_int_equal(one("tags", "matches_regex", "[\"^cost\"]", &prod), 1);
    assert_int_equal(one("tags", "is_not", "[\"env=prod\"]", &prod), 0);
    assert_int_equal(one("tags", "is_not", "[\"env=prod\"]", &none), 1);
    assert_int_equal(one("tags", "is", "[\"env\"]", &none), 0);
    assert_int_equal(one("tags", "is", "[\"env\"]", &empty), 0);
    /* Unreadable tags are no tags: the row is still attributed, never lost. */
    assert_int_equal(one("tags", "is", "[\"env\"]", &broken), 0);
    assert_int_equal(one("tags", "does_not_contain", "[\"env\"]", &broken), 1);
    assert_int_equal(one("tags", "is", "[\"team=a\\\"b\"]", &escaped), 1);
    assert_int_equal(one("tags", "is",
                         "[\"t\xc3\xa9"
                         "am=x\"]",
                         &escaped),
                     1);
    assert_int_equal(one("tags", "is", "[\"owner=kion\"]", &legacy), 1);
    assert_int_equal(one("tags", "is", "[\"n=5\"]", &number), 1);
    assert_int_equal(one("tags", "is", "[\"flag=true\"]", &number), 1);
}

static void test_every_field_reads_its_column(void **state)
{
    (void)state;
    struct {
        const char *field;
        test_row row;
    } cases[] = {
        {"service_name", {.service_name = "X"}},
        {"service", {.service_name = "X"}},
        {"service_category", {.service_category = "X"}},
        {"region", {.region = "X"}},
        {"resource_id", {.resource_id = "X"}},
        {"resource_name", {.resource_name = "X"}},
        {"resource_identifier", {.resource_id = "X"}},
        {"resource_identifier", {.resource_name = "X"}},
        {"charge_category", {.charge_category = "X"}},
        {"charge_type", {.charge_class = "X"}},
        {"charge_description", {.charge_description = "X"}},
        {"usage_type", {.meter_name = "X"}},
        {"sku", {.sku_id = "X"}},
        {"charge_details", {.charge_category = "X"}},
        {"charge_details", {.charge_class = "X"}},
        {"charge_details", {.charge_description = "X"}},
        {"charge_details", {.meter_name = "X"}},
        {"ServiceName", {.service_name = "X"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i].row.billed = 1;
        int got = one(cases[i].field, "is", "[\"X\"]", &cases[i].row);
        if (got != 1)
            fail_msg("field %s (case %zu) did not read its column", cases[i].field, i);
        test_row other = {.service_name = "Y", .region = "Y", .charge_category = "Y", .billed = 1};
        if (one(cases[i].field, "is", "[\"X\"]", &other) != 0)
            fail_msg("field %s (case %zu) matched a row without X", cases[i].field, i);
    }
}

static void test_sub_accounts(void **state)
{
    (void)state;
    test_row a = {.sub_account_id = SUB_A, .billed = 1};
    test_row b = {.sub_account_id = SUB_B, .billed = 1};
    /* A bare GUID (any case) names the subscription in SubAccountId. */
    assert_int_equal(one("sub_account_id", "is", "[\"AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E\"]", &a),
                     1);
    assert_int_equal(one("sub_account_id", "is", "[\"" SUB_A "\"]", &a), 1);
    assert_int_equal(one("sub_account_id", "is", "[\"" SUB_A "\"]", &b), 0);
    assert_int_equal(one("sub_account_id", "contains", "[\"11111111\"]", &b), 1);

    spend_definitions *d = test_definitions(
        "{\"spendScopes\":[{\"name\":\"A only\",\"segments\":[{\"from\":\"2024-01\","
        "\"criteria\":{\"account_criteria\":{\"type\":\"account_ids\",\"account_ids\":["
        "\"AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E\"]}}}]}]}");
    assert_int_equal(test_attribute(d, "2024-01", &a), 1);
    assert_int_equal(test_attribute(d, "2024-01", &b), 0);
    test_row none = {.billed = 1};
    assert_int_equal(test_attribute(d, "2024-01", &none), 0);
    spend_definitions_free(d);
}

/* (compute AND (eastus OR (westus AND NOT tagged env=dev))) */
static const char nested[] =
    "{\"spendScopes\":[{\"name\":\"N\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
    "\"version\":1,\"account_criteria\":{\"type\":\"all\"},\"conditions\":{"
    "\"compute\":{\"field\":\"service_category\",\"values\":[\"Compute\"],\"operator\":\"is\"},"
    "\"east\":{\"field\":\"region\",\"values\":[\"eastus\"],\"operator\":\"is\"},"
    "\"west\":{\"field\":\"region\",\"values\":[\"westus\"],\"operator\":\"is\"},"
    "\"notdev\":{\"field\":\"tags\",\"values\":[\"env=dev\"],\"operator\":\"is_not\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"and\",\"parts\":["
    "{\"type\":\"condition\",\"condition_identifier\":\"compute\",\"parts\":[]},"
    "{\"type\":\"group\",\"operator\":\"or\",\"parts\":["
    "{\"type\":\"condition\",\"condition_identifier\":\"east\",\"parts\":[]},"
    "{\"type\":\"group\",\"operator\":\"and\",\"parts\":["
    "{\"type\":\"condition\",\"condition_identifier\":\"west\",\"parts\":[]},"
    "{\"type\":\"condition\",\"condition_identifier\":\"notdev\",\"parts\":[]}]}]}]}}}]}]}";

static void test_nested_logic(void **state)
{
    (void)state;
    spend_definitions *d = test_definitions(nested);
    struct {
        test_row row;
        int expected;
    } cases[] = {
        {{.service_category = "Compute", .region = "eastus"}, 1},
        {{.service_category = "Compute", .region = "eastus", .tags = "{\"env\":\"dev\"}"}, 1},
        {{.service_category = "Compute", .region = "westus"}, 1},
        {{.service_category = "Compute", .region = "westus", .tags = "{\"env\":\"dev\"}"}, 0},
        {{.service_category = "Compute", .region = "westus", .tags = "{\"env\":\"prod\"}"}, 1},
        {{.service_category = "Compute", .region = "northeurope"}, 0},
        {{.service_category = "Storage", .region = "eastus"}, 0},
        {{.region = "eastus"}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (test_attribute(d, "2024-01", &cases[i].row) != cases[i].expected)
            fail_msg("nested logic case %zu: expected %d", i, cases[i].expected);
    spend_definitions_free(d);
}

static const char two_scopes[] =
    "{\"spendScopes\":["
    "{\"name\":\"Owner Kion (first)\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
    "\"conditions\":{\"t\":{\"field\":\"tags\",\"values\":[\"Owner=Kion\"],\"operator\":\"is\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
    "\"condition_identifier\":\"t\",\"parts\":[]}]}}}]},"
    "{\"name\":\"Owner Kion or Compute (second)\",\"segments\":[{\"from\":\"2024-01\","
    "\"criteria\":{\"conditions\":{"
    "\"t\":{\"field\":\"tags\",\"values\":[\"Owner=Kion\"],\"operator\":\"is\"},"
    "\"c\":{\"field\":\"service_category\",\"values\":[\"Compute\"],\"operator\":\"is\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":["
    "{\"type\":\"condition\",\"condition_identifier\":\"t\",\"parts\":[]},"
    "{\"type\":\"condition\",\"condition_identifier\":\"c\",\"parts\":[]}]}}}]}]}";

static void test_priority(void **state)
{
    (void)state;
    spend_definitions *d = test_definitions(two_scopes);
    test_row both = {.tags = "{\"Owner\":\"Kion\"}", .service_category = "Compute"};
    test_row compute = {.service_category = "Compute"};
    test_row neither = {.service_category = "Storage"};
    assert_int_equal(test_attribute(d, "2024-02", &both), 1);
    assert_int_equal(test_attribute(d, "2024-02", &compute), 2);
    assert_int_equal(test_attribute(d, "2024-02", &neither), 0);
    spend_definitions_free(d);
}

static const char segmented[] =
    "{\"spendScopes\":[{\"name\":\"Moves\",\"segments\":["
    "{\"from\":\"2024-04\",\"to\":null,\"criteria\":{\"conditions\":{\"s\":{\"field\":"
    "\"service_category\",\"values\":[\"Storage\"],\"operator\":\"is\"}},\"logic\":{\"type\":"
    "\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\",\"condition_identifier\":"
    "\"s\",\"parts\":[]}]}}},"
    "{\"from\":\"2023-11\",\"to\":\"2024-03\",\"criteria\":{\"conditions\":{\"c\":{\"field\":"
    "\"service_category\",\"values\":[\"Compute\"],\"operator\":\"is\"}},\"logic\":{\"type\":"
    "\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\",\"condition_identifier\":"
    "\"c\",\"parts\":[]}]}}}]}]}";

static void test_segments_across_months(void **state)
{
    (void)state;
    spend_definitions *d = test_definitions(segmented);
    test_row compute = {.service_category = "Compute"};
    test_row storage = {.service_category = "Storage"};
    assert_int_equal(test_attribute(d, "2023-10", &compute), 0); /* before the first segment */
    assert_int_equal(test_attribute(d, "2023-11", &compute), 1);
    assert_int_equal(test_attribute(d, "2023-12", &compute), 1); /* across the year end */
    assert_int_equal(test_attribute(d, "2024-03", &compute), 1);
    assert_int_equal(test_attribute(d, "2024-03", &storage), 0);
    assert_int_equal(test_attribute(d, "2024-04", &compute), 0);
    assert_int_equal(test_attribute(d, "2024-04", &storage), 1);
    assert_int_equal(test_attribute(d, "2031-12", &storage), 1); /* open-ended */
    spend_segment_info info;
    spend_definitions_segment_info(d, 0, 0, &info); /* sorted by month */
    char from[8];
    spend_month_format(info.from, from);
    assert_string_equal(from, "2023-11");
    spend_definitions_segment_info(d, 0, 1, &info);
    assert_int_equal(info.to, SPEND_MONTH_OPEN);
    spend_definitions_free(d);
}

/* The seed's JSON editor example, pasted as it is, as a segment's criteria and inline. */
static const char kion_criteria[] =
    "{\n\"version\": 1,\n\"account_criteria\": {\n\"type\": \"account_ids\",\n\"account_ids\": "
    "[\n\"xxxx\"\n]\n},\n\"conditions\": {\n\"condition_3egdzyfu5ut\": {\n\"field\": "
    "\"region\",\n\"type\": \"condition\",\n\"values\": [\n\"us-east-1\"\n],\n\"operator\": "
    "\"is\"\n}\n},\n\"logic\": {\n\"type\": \"group\",\n\"operator\": \"or\",\n\"parts\": "
    "[\n{\n\"type\": \"condition\",\n\"condition_identifier\": \"condition_3egdzyfu5ut\",\n"
    "\"parts\": []\n}\n]\n}\n}";

static void test_kion_json_as_is(void **state)
{
    (void)state;
    char json[4096];
    snprintf(json, sizeof json,
             "{\"spendScopes\":[{\"name\":\"K\",\"segments\":[{\"from\":\"2024-01\","
             "\"criteria\":%s}]}]}",
             kion_criteria);
    test_row hit = {.region = "us-east-1", .sub_account_id = "xxxx"};
    test_row other_account = {.region = "us-east-1", .sub_account_id = "yyyy"};
    test_row other_region = {.region = "us-west-2", .sub_account_id = "xxxx"};
    spend_definitions *d = test_definitions(json);
    assert_int_equal(test_attribute(d, "2024-01", &hit), 1);
    assert_int_equal(test_attribute(d, "2024-01", &other_account), 0);
    assert_int_equal(test_attribute(d, "2024-01", &other_region), 0);
    spend_definitions_free(d);

    /* Inline: the segment object is Kion's criteria plus from/to. */
    char inline_json[4096];
    snprintf(inline_json, sizeof inline_json,
             "{\"spendScopes\":[{\"name\":\"K\",\"segments\":[{\"from\":\"2024-01\",%s]}]}",
             kion_criteria + 1);
    d = test_definitions(inline_json);
    assert_int_equal(test_attribute(d, "2024-01", &hit), 1);
    assert_int_equal(test_attribute(d, "2024-01", &other_region), 0);
    spend_definitions_free(d);
}

static void test_digest_follows_criteria(void **state)
{
    (void)state;
    spend_definitions *d = test_definitions(segmented);
    spend_month m1, m2, m3;
    assert_true(spend_month_parse("2024-01", &m1));
    assert_true(spend_month_parse("2024-02", &m2));
    assert_true(spend_month_parse("2024-05", &m3));
    char a[17], b[17], c[17];
    spend_definitions_month_digest(d, m1, a);
    spend_definitions_month_digest(d, m2, b);
    spend_definitions_month_digest(d, m3, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    spend_definitions_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_and_is_not),
        cmocka_unit_test(test_contains_case_sensitive),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_every_field_reads_its_column),
        cmocka_unit_test(test_sub_accounts),
        cmocka_unit_test(test_nested_logic),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_segments_across_months),
        cmocka_unit_test(test_kion_json_as_is),
        cmocka_unit_test(test_digest_follows_criteria),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
