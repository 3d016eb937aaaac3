/* Validation: every kind of problem is reported with the spend scope, segment and condition it
 * concerns and its line:column, all problems at once, and nothing half-parsed escapes. */
#include "spend_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct outcome {
    spend_status status;
    spend_report report;
} outcome;

static outcome parse(const char *json)
{
    outcome o;
    spend_report_init(&o.report, "t.json");
    spend_definitions *d = NULL;
    o.status = spend_definitions_parse(json, strlen(json), &d, &o.report);
    if (o.status == SPEND_OK)
        assert_non_null(d);
    else
        assert_null(d);
    spend_definitions_free(d);
    return o;
}

/* The problem whose message holds `needle`, or a failed test listing what was reported. */
static const spend_problem *find(const outcome *o, spend_severity severity, const char *needle)
{
    for (size_t i = 0; i < o->report.count; i++)
        if (o->report.problems[i].severity == severity &&
            strstr(o->report.problems[i].message, needle) != NULL)
            return &o->report.problems[i];
    spend_report_print(&o->report, stderr);
    fail_msg("no %s containing \"%s\"", severity == SPEND_SEVERITY_ERROR ? "error" : "warning",
             needle);
    return NULL;
}

static void expect_error(const char *json, const char *needle)
{
    outcome o = parse(json);
    assert_int_equal(o.status, SPEND_E_INVALID);
    const spend_problem *p = find(&o, SPEND_SEVERITY_ERROR, needle);
    assert_true(p->line > 0);
    spend_report_dispose(&o.report);
}

/* A scope named `name` with the given segments (JSON objects without the brackets). */
static char *scope_file(const char *segments)
{
    char *json = NULL;
    assert_true(asprintf(&json, "{\"spendScopes\":[{\"name\":\"Team A\",\"segments\":[%s]}]}",
                         segments) > 0);
    return json;
}

#define ALL "\"criteria\":{\"account_criteria\":{\"type\":\"all\"}}"

static void test_overlap(void **state)
{
    (void)state;
    char *json = scope_file("{\"from\":\"2024-01\",\"to\":\"2024-06\"," ALL "},"
                            "{\"from\":\"2024-05\"," ALL "}");
    expect_error(json, "spend scope \"Team A\": segment 2 (2024-05..open) overlaps segment 1 "
                       "(2024-01..2024-06)");
    free(json);
    /* An open-ended segment before another one overlaps it. */
    json = scope_file("{\"from\":\"2024-01\"," ALL "},{\"from\":\"2024-05\",\"to\":\"2024-06\"," ALL
                      "}");
    expect_error(json, "overlaps segment 1 (2024-01..open)");
    free(json);
    json = scope_file("{\"from\":\"2024-01\",\"to\":\"2024-01\"," ALL
                      "},{\"from\":\"2024-01\",\"to\":\"2024-01\"," ALL "}");
    expect_error(json, "overlaps");
    free(json);
}

static void test_gap(void **state)
{
    (void)state;
    char *json = scope_file("{\"from\":\"2024-05\"," ALL "},"
                            "{\"from\":\"2023-11\",\"to\":\"2024-03\"," ALL "}");
    expect_error(json, "gap between segment 2 (2023-11..2024-03) and segment 1 (2024-05..open): "
                       "2024-04..2024-04 is covered by no segment");
    free(json);
    /* Adjacent across a year end: no gap. */
    json = scope_file("{\"from\":\"2023-11\",\"to\":\"2023-12\"," ALL "},"
                      "{\"from\":\"2024-01\"," ALL "}");
    outcome o = parse(json);
    assert_int_equal(o.status, SPEND_OK);
    assert_int_equal(o.report.error_count, 0);
    spend_report_dispose(&o.report);
    free(json);
}

static void test_months(void **state)
{
    (void)state;
    char *json = scope_file("{\"from\":\"2024-13\"," ALL "}");
    expect_error(json, "segment 1: \"from\" must be a month YYYY-MM");
    free(json);
    json = scope_file("{\"to\":\"2024-03\"," ALL "}");
    expect_error(json, "missing \"from\" month");
    free(json);
    json = scope_file("{\"from\":\"2024-03\",\"to\":\"2024-01\"," ALL "}");
    expect_error(json, "\"to\" is before \"from\"");
    free(json);
}

static const char conditions_file[] =
    "{\n"
    "  \"spendScopes\": [\n"
    "    {\n"
    "      \"name\": \"Data\",\n"
    "      \"segments\": [\n"
    "        {\n"
    "          \"from\": \"2024-01\",\n"
    "          \"criteria\": {\n"
    "            \"conditions\": {\n"
    "              \"a\": {\"field\": \"regoin\", \"values\": [\"x\"], \"operator\": \"is\"},\n"
    "              \"b\": {\"field\": \"region\", \"values\": [\"x\"], \"operator\": \"like\"},\n"
    "              \"c\": {\"field\": \"resource_name\", \"values\": [\"vm-(\"],\n"
    "                      \"operator\": \"matches_regex\"},\n"
    "              \"unused\": {\"field\": \"region\", \"values\": [\"x\"], \"operator\": \"is\"}\n"
    "            },\n"
    "            \"logic\": {\"type\": \"group\", \"operator\": \"or\", \"parts\": [\n"
    "              {\"type\": \"condition\", \"condition_identifier\": \"a\", \"parts\": []},\n"
    "              {\"type\": \"condition\", \"condition_identifier\": \"b\", \"parts\": []},\n"
    "              {\"type\": \"condition\", \"condition_identifier\": \"c\", \"parts\": []},\n"
    "              {\"type\": \"condition\", \"condition_identifier\": \"nope\", \"parts\": []},\n"
    "              {\"type\": \"group\", \"operator\": \"and\", \"parts\": []}\n"
    "            ]}\n"
    "          }\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void test_conditions_and_logic(void **state)
{
    (void)state;
    outcome o = parse(conditions_file);
    assert_int_equal(o.status, SPEND_E_INVALID);
    const char *where = "spend scope \"Data\", segment 1 (2024-01..open): ";
    const spend_problem *p = find(&o, SPEND_SEVERITY_ERROR,
                                  "condition \"a\": unknown field "
                                  "\"regoin\"");
    assert_int_equal(p->line, 10);
    assert_int_equal(p->column, 30);
    assert_string_equal(p->path, "$.spendScopes[0].segments[0].criteria.conditions.a.field");
    assert_non_null(strstr(p->message, where));
    p = find(&o, SPEND_SEVERITY_ERROR, "condition \"b\": unknown operator \"like\"");
    assert_int_equal(p->line, 11);
    p = find(&o, SPEND_SEVERITY_ERROR, "condition \"c\": regex \"vm-(\" does not compile");
    assert_int_equal(p->line, 12);
    p = find(&o, SPEND_SEVERITY_ERROR, "condition \"nope\" is used in logic but not defined");
    assert_int_equal(p->line, 20);
    assert_int_equal(p->column, 61);
    p = find(&o, SPEND_SEVERITY_ERROR, "empty group");
    assert_int_equal(p->line, 21);
    assert_int_equal(p->column, 15);
    p = find(&o, SPEND_SEVERITY_WARNING, "condition \"unused\" is defined but not used in logic");
    assert_int_equal(p->line, 14);
    assert_int_equal(o.report.error_count, 5);
    spend_report_dispose(&o.report);
}

static void test_unused_is_only_a_warning(void **state)
{
    (void)state;
    outcome o = parse(
        "{\"spendScopes\":[{\"name\":\"W\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
        "\"conditions\":{\"a\":{\"field\":\"region\",\"values\":[\"x\"],\"operator\":\"is\"},"
        "\"b\":{\"field\":\"region\",\"values\":[\"y\"],\"operator\":\"is\"}},\"logic\":{\"type\":"
        "\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
        "\"condition_identifier\":\"a\",\"parts\":[]}]}}}]}]}");
    assert_int_equal(o.status, SPEND_OK);
    assert_int_equal(o.report.error_count, 0);
    find(&o, SPEND_SEVERITY_WARNING, "condition \"b\" is defined but not used");
    spend_report_dispose(&o.report);
}

static void test_nested_empty_group_and_bad_group_operator(void **state)
{
    (void)state;
    expect_error(
        "{\"spendScopes\":[{\"name\":\"E\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
        "\"conditions\":{\"a\":{\"field\":\"region\",\"values\":[\"x\"],\"operator\":"
        "\"is\"}},\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":"
        "\"condition\",\"condition_identifier\":\"a\",\"parts\":[]},{\"type\":\"group\","
        "\"operator\":\"and\",\"parts\":[{\"type\":\"group\",\"operator\":\"or\","
        "\"parts\":[]}]}]}}}]}]}",
        "empty group");
    expect_error(
        "{\"spendScopes\":[{\"name\":\"E\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
        "\"conditions\":{\"a\":{\"field\":\"region\",\"values\":[\"x\"],\"operator\":"
        "\"is\"}},\"logic\":{\"type\":\"group\",\"operator\":\"xor\",\"parts\":[{\"type\":"
        "\"condition\",\"condition_identifier\":\"a\",\"parts\":[]}]}}}]}]}",
        "group operator must be \"and\" or \"or\" (not \"xor\")");
    expect_error(
        "{\"spendScopes\":[{\"name\":\"E\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{"
        "\"conditions\":{\"a\":{\"field\":\"region\",\"values\":[],\"operator\":"
        "\"is\"}}}}]}]}",
        "condition \"a\": \"values\" must be a non-empty array");
}

static void test_duplicate_names_and_accounts(void **state)
{
    (void)state;
    expect_error("{\"spendScopes\":[{\"name\":\"Team\",\"segments\":[{\"from\":\"2024-01\"}]},"
                 "{\"name\":\"team\",\"segments\":[{\"from\":\"2024-01\"}]}]}",
                 "duplicate spend scope name \"team\" (spend scope 1 has it)");
    expect_error("{\"spendScopes\":[{\"name\":\"\",\"segments\":[{\"from\":\"2024-01\"}]}]}",
                 "spend scope 1 needs a non-empty \"name\"");
    expect_error("{\"spendScopes\":[{\"name\":\"N\",\"segments\":[]}]}",
                 "needs a non-empty \"segments\" array");
    expect_error("{\"spendScopes\":[{\"name\":\"A\",\"segments\":[{\"from\":\"2024-01\","
                 "\"criteria\":{\"account_criteria\":{\"type\":\"account_ids\","
                 "\"account_ids\":[]}}}]}]}",
                 "account_criteria needs a non-empty account_ids array");
    expect_error("{\"spendScopes\":[{\"name\":\"A\",\"segments\":[{\"from\":\"2024-01\","
                 "\"criteria\":{\"version\":2}}]}]}",
                 "criteria version must be 1");
}

static void test_syntax_and_shape(void **state)
{
    (void)state;
    outcome o = parse("{\n  \"spendScopes\": [\n    {\"name\": }\n  ]\n}\n");
    assert_int_equal(o.status, SPEND_E_SYNTAX);
    assert_int_equal(o.report.problems[0].line, 3);
    spend_report_dispose(&o.report);
    o = parse("{\"spendScopes\":[],\"spendScopes\":[]}");
    assert_int_equal(o.status, SPEND_E_SYNTAX);
    find(&o, SPEND_SEVERITY_ERROR, "duplicate");
    spend_report_dispose(&o.report);
    expect_error("{\"scopes\":[]}", "expected an object with a \"spendScopes\" array");
    /* Every problem at once, across spend scopes. */
    o = parse("{\"spendScopes\":[{\"name\":\"A\",\"segments\":[{\"from\":\"bad\"}]},"
              "{\"name\":\"B\",\"segments\":[{\"from\":\"2024-01\",\"frm\":1}]},"
              "{\"name\":\"C\",\"segments\":[{\"from\":\"2024-01\",\"to\":\"2024-01\"},"
              "{\"from\":\"2024-03\"}]}]}");
    assert_int_equal(o.status, SPEND_E_INVALID);
    assert_int_equal(o.report.error_count, 2);
    find(&o, SPEND_SEVERITY_ERROR, "spend scope \"A\", segment 1");
    find(&o, SPEND_SEVERITY_ERROR, "spend scope \"C\": gap");
    find(&o, SPEND_SEVERITY_WARNING, "unknown key \"frm\"");
    spend_report_dispose(&o.report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_conditions_and_logic),
        cmocka_unit_test(test_unused_is_only_a_warning),
        cmocka_unit_test(test_nested_empty_group_and_bad_group_operator),
        cmocka_unit_test(test_duplicate_names_and_accounts),
        cmocka_unit_test(test_syntax_and_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
