/* `hubagent spend-scopes validate|report` run as a user would: exit codes 0/1/2, FILE:LINE:COL
 * lines on stderr, the JSON verdict, and a month's report whose totals reconcile. */
#include "spend_test_util.h"
#include "test_util.h"

#include "focus/focus.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static test_run_result run(const char *const *args)
{
    return test_hubagent_run(args, NULL);
}

static void test_validate_valid(void **state)
{
    (void)state;
    char *file = test_data_path("spend/valid.json");
    test_run_result r = run((const char *[]){"spend-scopes", "validate", file, NULL});
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "2 spend scopes"));
    assert_non_null(strstr(r.out, "2024-04..open"));
    /* A defined-but-unused condition is a warning: still valid. */
    assert_non_null(strstr(r.err, "valid.json:48:24: warning: spend scope \"Databases\""));
    test_run_result_dispose(&r);

    r = run((const char *[]){"spend-scopes", "validate", "--json", file, NULL});
    assert_int_equal(r.code, 0);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(root, "valid")));
    json_t *scopes = json_object_get(root, "spendScopes");
    assert_int_equal(json_array_size(scopes), 2);
    json_t *first = json_array_get(scopes, 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "Compute in East US");
    assert_int_equal(json_array_size(json_object_get(first, "segments")), 2);
    assert_int_equal(json_array_size(json_object_get(root, "warnings")), 1);
    json_decref(root);
    test_run_result_dispose(&r);
    free(file);
}

static void test_validate_invalid(void **state)
{
    (void)state;
    char *file = test_data_path("spend/invalid.json");
    test_run_result r = run((const char *[]){"spend-scopes", "validate", file, NULL});
    assert_int_equal(r.code, 1);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "invalid.json:9:29: error: spend scope \"Platform\", segment 2 "
                                  "(2024-04..open): condition \"c1\": unknown field \"regoin\""));
    assert_non_null(strstr(r.err, "invalid.json:7:9: error: spend scope \"Platform\": segment 2 "
                                  "(2024-04..open) overlaps segment 1 (2024-01..2024-06)"));
    test_run_result_dispose(&r);

    r = run((const char *[]){"spend-scopes", "validate", "--json", file, NULL});
    assert_int_equal(r.code, 1);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(root, "valid")));
    json_t *errors = json_object_get(root, "errors");
    assert_int_equal(json_array_size(errors), 2);
    json_t *e = json_array_get(errors, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 9);
    assert_non_null(json_string_value(json_object_get(e, "path")));
    json_decref(root);
    test_run_result_dispose(&r);
    free(file);

    r = run((const char *[]){"spend-scopes", "validate", "/nonexistent/spend.json", NULL});
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "cannot open"));
    test_run_result_dispose(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    const char *const *cases[] = {
        (const char *[]){"spend-scopes", NULL},
        (const char *[]){"spend-scopes", "frobnicate", NULL},
        (const char *[]){"spend-scopes", "validate", NULL},
        (const char *[]){"spend-scopes", "validate", "--yaml", "x.json", NULL},
        (const char *[]){"spend-scopes", "validate", "a.json", "b.json", NULL},
        (const char *[]){"spend-scopes", "report", "--spend-scopes", "a.json", "--input", "d",
                         NULL},
        (const char *[]){"spend-scopes", "report", "--month", "2024-13", "--spend-scopes", "a.json",
                         "--input", "d", NULL},
        (const char *[]){"spend-scopes", "report", "--month", "2024-01", "--input", "d", NULL},
        (const char *[]){"spend-scopes", "report", "--month", "2024-01", "--spend-scopes", "a.json",
                         NULL},
        (const char *[]){"spend-scopes", "report", "--month", NULL},
        (const char *[]){"spend-scopes", "report", "--bogus", "1", NULL},
        (const char *[]){"spend-scopes", "report", "--month", "2024-01", "--spend-scopes", "a.json",
                         "--input", "d", "--spend-state", "s.json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_run_result r = run(cases[i]);
        if (r.code != 2)
            fail_msg("case %zu: exit %d, stderr %s", i, r.code, r.err ? r.err : "");
        assert_non_null(strstr(r.err, "hubagent: "));
        test_run_result_dispose(&r);
    }
    test_run_result r = run((const char *[]){"spend-scopes", "--help", NULL});
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "usage: hubagent spend-scopes validate"));
    test_run_result_dispose(&r);
}

static void test_report(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *out = test_make_temp_dir();
    test_focus_may_2024("/providers/Microsoft.Billing/billingAccounts/87654321", 3000, 2000, dir);
    char *file = test_data_path("spend/valid.json");

    test_run_result r =
        run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes", file,
                             "--input", dir, "--output", out, "--json", NULL});
    assert_int_equal(r.code, 0);
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "month")), "2024-05");
    assert_int_equal(json_integer_value(json_object_get(root, "files")), 2);
    json_t *totals = json_object_get(root, "totals");
    assert_true(json_is_true(json_object_get(totals, "reconciles")));
    json_t *month = json_object_get(totals, "month");
    assert_int_equal(json_integer_value(json_object_get(month, "rowCount")), 3000);
    double scoped =
        json_real_value(json_object_get(json_object_get(totals, "spendScopes"), "billedCost"));
    double unscoped =
        json_real_value(json_object_get(json_object_get(totals, "unscoped"), "billedCost"));
    double total = json_real_value(json_object_get(month, "billedCost"));
    assert_true(scoped > 0 && unscoped > 0);
    assert_true(scoped + unscoped - total < 0.005 && total - scoped - unscoped < 0.005);
    assert_int_equal(json_array_size(json_object_get(root, "spendScopes")), 2);
    assert_int_equal(json_integer_value(json_object_get(root, "rowsOutsideMonth")), 0);
    const char *written = json_string_value(json_object_get(root, "output"));
    assert_non_null(written);
    assert_non_null(strstr(written, "SpendScopes/2024/05/spend-scopes.parquet"));
    struct stat st;
    assert_int_equal(stat(written, &st), 0);
    json_decref(root);
    test_run_result_dispose(&r);

    r = run((const char *[]){"spend-scopes", "report", "--month=2024-05", "--spend-scopes", file,
                             "--input", dir, NULL});
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "Compute in East US"));
    assert_non_null(strstr(r.out, "UNSCOPED"));
    assert_non_null(strstr(r.out, "check: spend scopes + unscoped = month total"));
    assert_non_null(strstr(r.out, "): ok\n"));
    test_run_result_dispose(&r);

    /* May's data reported as June: attributed, but flagged. */
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-06", "--spend-scopes", file,
                             "--input", dir, "--json", NULL});
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.err, "3000 rows have a ChargePeriodStart outside 2024-06"));
    root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "rowsOutsideMonth")), 3000);
    json_decref(root);
    test_run_result_dispose(&r);

    /* With --spend-state: an unchanged month is read back, a changed definition re-evaluates. */
    char *state_file = NULL;
    assert_true(asprintf(&state_file, "%s/state.json", out) > 0);
    const char *const with_state[] = {"spend-scopes",   "report", "--month",       "2024-05",
                                      "--spend-scopes", file,     "--input",       dir,
                                      "--output",       out,      "--spend-state", state_file,
                                      "--json",         NULL};
    double first_total = 0;
    for (int round = 0; round < 2; round++) {
        r = run(with_state);
        assert_int_equal(r.code, 0);
        root = json_loads(r.out, 0, &error);
        assert_non_null(root);
        assert_int_equal(json_is_true(json_object_get(root, "reused")), round == 1);
        totals = json_object_get(root, "totals");
        assert_true(json_is_true(json_object_get(totals, "reconciles")));
        month = json_object_get(totals, "month");
        assert_int_equal(json_integer_value(json_object_get(month, "rowCount")), 3000);
        double t = json_real_value(json_object_get(month, "billedCost"));
        if (round == 0)
            first_total = t;
        assert_true(t - first_total < 0.005 && first_total - t < 0.005);
        json_decref(root);
        test_run_result_dispose(&r);
    }
    char *kion = test_data_path("spend/kion-seed.json");
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes", kion,
                             "--input", dir, "--output", out, "--spend-state", state_file, "--json",
                             NULL});
    assert_int_equal(r.code, 0);
    root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(root, "reused")));
    /* Kion's example targets account "xxxx": nothing here is in it, everything is unscoped. */
    totals = json_object_get(root, "totals");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(totals, "unscoped"), "rowCount")), 3000);
    json_decref(root);
    test_run_result_dispose(&r);
    free(kion);
    free(state_file);

    char *invalid = test_data_path("spend/invalid.json");
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes",
                             invalid, "--input", dir, NULL});
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "unknown field \"regoin\""));
    test_run_result_dispose(&r);
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes", file,
                             "--input", "/nonexistent-dir", NULL});
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "cannot open the folder"));
    test_run_result_dispose(&r);

    free(invalid);
    free(file);
    test_remove_tree(dir);
    test_remove_tree(out);
    free(dir);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_valid),
        cmocka_unit_test(test_validate_invalid),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
