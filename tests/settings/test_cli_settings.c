/* `hubagent settings validate`: exit codes, the table, the JSON verdict and
 * FILE:LINE:COL lines on stderr, run as a user would run it. */
#include "test_util.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static test_run_result run_hubagent(const char *a1, const char *a2, const char *a3, const char *a4)
{
    return test_hubagent_run((const char *[]){a1, a2, a3, a4, NULL}, NULL);
}

static char *data(const char *file)
{
    return test_data_path(file);
}

static void test_valid_table(void **state)
{
    (void)state;
    char *file = data("settings/valid/normalisation.json");
    test_run_result r = run_hubagent("settings", "validate", file, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "ea-department"));
    assert_non_null(strstr(r.out, "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"));
    assert_non_null(strstr(r.out, "4 scopes"));
    test_run_result_dispose(&r);
    free(file);
}

static void test_valid_json(void **state)
{
    (void)state;
    char *file = data("settings/valid/every-type.json");
    test_run_result r = run_hubagent("settings", "validate", "--json", file);
    assert_int_equal(r.code, 0);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(root, "valid")));
    json_t *scopes = json_object_get(root, "scopes");
    assert_int_equal(json_array_size(scopes), 8);
    json_t *last = json_array_get(scopes, 7);
    assert_string_equal(json_string_value(json_object_get(last, "type")), "resource-group");
    assert_non_null(json_string_value(json_object_get(last, "input")));
    assert_non_null(json_string_value(json_object_get(last, "scope")));
    json_decref(root);
    test_run_result_dispose(&r);
    free(file);
}

static void test_invalid_lines_and_json(void **state)
{
    (void)state;
    char *file = data("settings/invalid/many-problems.json");
    test_run_result r = run_hubagent("settings", "validate", file, NULL);
    assert_int_equal(r.code, 1);
    /* One FILE:LINE:COL line per problem. */
    size_t prefix = strlen(file);
    int lines = 0;
    for (char *line = r.err; line != NULL && *line != '\0';) {
        assert_memory_equal(line, file, prefix);
        assert_true(line[prefix] == ':' && line[prefix + 1] >= '1' && line[prefix + 1] <= '9');
        lines++;
        char *end = strchr(line, '\n');
        line = end ? end + 1 : NULL;
    }
    assert_int_equal(lines, 4);
    assert_string_equal(r.out, "");
    test_run_result_dispose(&r);

    r = run_hubagent("settings", "validate", "--json", file);
    assert_int_equal(r.code, 1);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(root, "valid")));
    json_t *errors = json_object_get(root, "errors");
    assert_int_equal(json_array_size(errors), 4);
    json_t *first = json_array_get(errors, 0);
    assert_true(json_integer_value(json_object_get(first, "line")) > 0);
    assert_non_null(strstr(json_string_value(json_object_get(first, "path")), "$.scopes["));
    json_decref(root);
    test_run_result_dispose(&r);
    free(file);
}

static void test_syntax_and_missing_file(void **state)
{
    (void)state;
    char *file = data("settings/invalid/malformed-json.json");
    test_run_result r = run_hubagent("settings", "validate", file, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, ":4:"));
    assert_non_null(strstr(r.err, "not valid JSON"));
    test_run_result_dispose(&r);
    free(file);
    r = run_hubagent("settings", "validate", "/nonexistent/settings.json", NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "cannot open"));
    test_run_result_dispose(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    const char *bad[][4] = {
        {"settings", "validate", NULL, NULL},
        {"settings", "validate", "--bogus", "x.json"},
        {"settings", "validate", "a.json", "b.json"},
        {"settings", "frobnicate", NULL, NULL},
        {"settings", NULL, NULL, NULL},
        {"no-such-command", NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_run_result r = run_hubagent(bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
        assert_int_equal(r.code, 2);
        assert_true(strlen(r.err) > 0);
        test_run_result_dispose(&r);
    }
    test_run_result r = run_hubagent("--help", NULL, NULL, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "settings"));
    test_run_result_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_table),
        cmocka_unit_test(test_valid_json),
        cmocka_unit_test(test_invalid_lines_and_json),
        cmocka_unit_test(test_syntax_and_missing_file),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
