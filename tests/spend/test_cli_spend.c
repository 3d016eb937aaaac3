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
#include <unistd.h>

#include <cmocka.h>

static test_run_result run_env(const char *const *args, char *const *env)
{
    return test_hubagent_run(args, env);
}

static test_run_result run(const char *const *args)
{
    return run_env(args, NULL);
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
        (const char *[]){"spend-scopes", "report", "--month", "2024-01", "--spend-scopes", "a.json",
                         "--input", "d", "--force", NULL},
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

/* May 2024: 3000 rows in two Parquet files (2000 + 1000) in a new folder. */
static char *export_may(void)
{
    char *dir = test_make_temp_dir();
    test_focus_may_2024("/providers/Microsoft.Billing/billingAccounts/87654321", 3000, 2000, dir);
    return dir;
}

static void test_report(void **state)
{
    (void)state;
    char *dir = export_may();
    char *out = test_make_temp_dir();
    char *file = test_data_path("spend/valid.json");
    char *db = NULL;
    assert_true(asprintf(&db, "%s/state.db", out) > 0);

    test_run_result r =
        run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes", file,
                             "--input", dir, "--output", out, "--state", db, "--json", NULL});
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
    free(db);
    test_remove_tree(dir);
    test_remove_tree(out);
    free(dir);
    free(out);
}

/* Runs a report that must succeed and returns its JSON. */
static json_t *report_json(const char *const *args, char *const *env)
{
    test_run_result r = run_env(args, env);
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err ? r.err : "");
    json_error_t error;
    json_t *root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    test_run_result_dispose(&r);
    return root;
}

static void assert_outcome(json_t *root, bool skipped, const char *reason, long long rows)
{
    const char *why = json_string_value(json_object_get(root, "reason"));
    if (json_is_true(json_object_get(root, "skipped")) != skipped || why == NULL ||
        strstr(why, reason) == NULL)
        fail_msg("expected skipped=%d with \"%s\", got skipped=%d: %s", skipped, reason,
                 json_is_true(json_object_get(root, "skipped")), why ? why : "(none)");
    json_t *totals = json_object_get(root, "totals");
    assert_true(json_is_true(json_object_get(totals, "reconciles")));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(totals, "month"), "rowCount")), rows);
}

static void copy_file(const char *from, const char *to)
{
    size_t length = 0;
    char *bytes = test_read_file(from, &length);
    assert_non_null(bytes);
    assert_int_equal(test_write_file(to, bytes, length), 0);
    free(bytes);
}

/* With --output, the month is recorded in the agent's state database: a second report on
 * unchanged definitions and data is skipped (and says why); changed definitions, new data, a
 * lost summary, --force or another output folder evaluate again. */
static void test_report_skips_unchanged_months(void **state)
{
    (void)state;
    char *dir = export_may(), *out = test_make_temp_dir(), *other = test_make_temp_dir();
    char *file = test_data_path("spend/valid.json"), *kion = test_data_path("spend/kion-seed.json");
    char *db = NULL, *summary = NULL, *part = NULL, *late = NULL;
    assert_true(asprintf(&db, "%s/agent-state.db", other) > 0);
    assert_true(asprintf(&summary, "%s/SpendScopes/2024/05/spend-scopes.parquet", out) > 0);
    assert_true(asprintf(&part, "%s/part_0_0001.parquet", dir) > 0);
    const char *args[] = {"spend-scopes", "report",  "--month", "2024-05",  "--spend-scopes",
                          file,           "--input", dir,       "--output", out,
                          "--state",      db,        "--json",  NULL,       NULL};

    json_t *root = report_json(args, NULL);
    assert_outcome(root, false, "2024-05 was never evaluated into", 3000);
    json_decref(root);
    root = report_json(args, NULL);
    assert_outcome(root, true, "unchanged since evaluated at", 3000);
    assert_int_equal(json_integer_value(json_object_get(root, "files")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(root, "output")),
                           "SpendScopes/2024/05/spend-scopes.parquet"));
    json_decref(root);
    args[12] = NULL; /* the table says it too */
    test_run_result r = run(args);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "skipped: definitions ("));
    assert_non_null(strstr(r.out, "--force evaluates again"));
    assert_non_null(strstr(r.out, "summary read from "));
    assert_non_null(strstr(r.out, "): ok\n"));
    test_run_result_dispose(&r);
    args[12] = "--json";

    /* Other definitions for the month: evaluated, then skipped. */
    args[5] = kion;
    root = report_json(args, NULL);
    assert_outcome(root, false, "the definitions in force for 2024-05 changed since", 3000);
    json_decref(root);
    root = report_json(args, NULL);
    assert_outcome(root, true, "unchanged", 3000);
    json_decref(root);
    args[5] = file;
    root = report_json(args, NULL);
    assert_outcome(root, false, "definitions in force for 2024-05 changed", 3000);
    json_decref(root);

    /* A late file lands in the month's folder: the data changed. */
    assert_true(asprintf(&late, "%s/late", dir) > 0 && mkdir(late, 0777) == 0);
    free(late);
    assert_true(asprintf(&late, "%s/late/part_9_0001.parquet", dir) > 0);
    copy_file(part, late);
    root = report_json(args, NULL);
    assert_outcome(root, false, "the data changed since", 5000);
    json_decref(root);
    root = report_json(args, NULL);
    assert_outcome(root, true, "unchanged", 5000);
    json_decref(root);

    args[12] = "--force";
    const char *forced[16];
    memcpy(forced, args, sizeof args);
    forced[13] = "--json";
    forced[14] = NULL;
    root = report_json(forced, NULL);
    assert_outcome(root, false, "--force", 5000);
    json_decref(root);
    args[12] = "--json";

    /* The summary went missing, or is not the one recorded: evaluated again. */
    assert_int_equal(unlink(summary), 0);
    root = report_json(args, NULL);
    assert_outcome(root, false, "is gone or differs", 5000);
    json_decref(root);
    assert_int_equal(access(summary, R_OK), 0);

    /* Each output folder is its own destination. */
    char *second = NULL;
    assert_true(asprintf(&second, "%s/second", other) > 0);
    args[9] = second;
    root = report_json(args, NULL);
    assert_outcome(root, false, "never evaluated into", 5000);
    json_decref(root);

    /* status lists both, newest month first. */
    r = run((const char *[]){"status", "--state", db, "--json", NULL});
    assert_int_equal(r.code, 0);
    json_error_t error;
    root = json_loads(r.out, 0, &error);
    assert_non_null(root);
    json_t *months = json_object_get(root, "spend_scope_months");
    assert_int_equal(json_array_size(months), 2);
    json_t *m = json_array_get(months, 0);
    assert_string_equal(json_string_value(json_object_get(m, "month")), "2024-05");
    assert_int_equal(json_integer_value(json_object_get(m, "rows")), 5000);
    json_decref(root);
    test_run_result_dispose(&r);
    r = run((const char *[]){"status", "--state", db, NULL});
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "spend-scope months:\n  2024-05  evaluated "));
    test_run_result_dispose(&r);

    free(second);
    free(late);
    free(part);
    free(summary);
    free(db);
    free(kion);
    free(file);
    test_remove_tree(dir);
    test_remove_tree(out);
    test_remove_tree(other);
    free(dir);
    free(out);
    free(other);
}

static const char settings_text[] =
    "{\"$schema\": \"https://aka.ms/finops/hubs/settings-schema\", \"type\": \"HubInstance\",\n"
    " \"scopes\": [{\"scope\": \"/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e\"}]%s}\n";

/* Where the spend scopes come from: --spend-scopes > HUBAGENT_SPEND_SCOPES > the agent config
 * file > settings.json's "spendScopes" (relative to the settings file). */
static void test_spend_scopes_sources(void **state)
{
    (void)state;
    char *dir = export_may(), *home = test_make_temp_dir();
    char *valid = test_data_path("spend/valid.json"),
         *kion = test_data_path("spend/kion-seed.json");
    char *settings = NULL, *bare = NULL, *scopes = NULL, *config = NULL, *text = NULL;
    assert_true(asprintf(&settings, "%s/settings.json", home) > 0);
    assert_true(asprintf(&bare, "%s/bare-settings.json", home) > 0);
    assert_true(asprintf(&scopes, "%s/spend", home) > 0 && mkdir(scopes, 0777) == 0);
    free(scopes);
    assert_true(asprintf(&scopes, "%s/spend/mine.json", home) > 0);
    copy_file(valid, scopes);
    assert_true(asprintf(&text, settings_text, ", \"spendScopes\": \"spend/mine.json\"") > 0);
    assert_int_equal(test_write_file(settings, text, strlen(text)), 0);
    free(text);
    assert_true(asprintf(&text, settings_text, "") > 0);
    assert_int_equal(test_write_file(bare, text, strlen(text)), 0);
    free(text);
    assert_true(asprintf(&config, "%s/agent.json", home) > 0);
    assert_true(asprintf(&text, "{\"spend-scopes\": \"%s\"}", kion) > 0);
    assert_int_equal(test_write_file(config, text, strlen(text)), 0);
    free(text);
    char *env_scopes = NULL;
    assert_true(asprintf(&env_scopes, "HUBAGENT_SPEND_SCOPES=%s", valid) > 0);
    char *const env[] = {env_scopes, NULL};

    const char *args[] = {"spend-scopes", "report", "--month", "2024-05", "--input", dir, "--json",
                          "--settings",   settings, NULL,      NULL,      NULL,      NULL};
    json_t *root = report_json(args, NULL);
    const char *from = json_string_value(json_object_get(root, "definitions"));
    assert_non_null(strstr(from, "/spend/mine.json (\"spendScopes\" in "));
    assert_int_equal(json_array_size(json_object_get(root, "spendScopes")), 2);
    json_decref(root);

    args[9] = "--config"; /* the agent config file beats settings.json */
    args[10] = config;
    root = report_json(args, NULL);
    from = json_string_value(json_object_get(root, "definitions"));
    assert_non_null(strstr(from, "kion-seed.json (file)"));
    json_decref(root);

    root = report_json(args, env); /* the environment beats the file */
    from = json_string_value(json_object_get(root, "definitions"));
    assert_non_null(strstr(from, "valid.json (environment)"));
    json_decref(root);

    args[11] = "--spend-scopes"; /* the flag beats them all */
    args[12] = kion;
    const char *with_flag[16];
    memcpy(with_flag, args, sizeof args);
    with_flag[13] = NULL;
    root = report_json(with_flag, env);
    from = json_string_value(json_object_get(root, "definitions"));
    assert_non_null(strstr(from, "kion-seed.json (flag)"));
    json_decref(root);

    /* Nowhere says: a usage error naming the places; settings without it, the same. */
    test_run_result r =
        run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--input", dir, NULL});
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "which spend scopes?"));
    test_run_result_dispose(&r);
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--input", dir,
                             "--settings", bare, NULL});
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "has no \"spendScopes\""));
    test_run_result_dispose(&r);
    /* settings.json names a file that is not there. */
    assert_int_equal(unlink(scopes), 0);
    r = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--input", dir,
                             "--settings", settings, NULL});
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "spend/mine.json"));
    test_run_result_dispose(&r);

    free(env_scopes);
    free(config);
    free(scopes);
    free(bare);
    free(settings);
    free(kion);
    free(valid);
    test_remove_tree(dir);
    test_remove_tree(home);
    free(dir);
    free(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_valid),
        cmocka_unit_test(test_validate_invalid),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_report_skips_unchanged_months),
        cmocka_unit_test(test_spend_scopes_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
