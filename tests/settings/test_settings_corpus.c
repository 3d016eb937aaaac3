/* settings/: the verdict on every file of tests/data/settings — valid files
 * give the expected scopes, invalid ones every expected problem, at the
 * expected place, and no settings at all. */
#include "settings/settings.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_EXPECT 4

typedef struct corpus_case {
    const char *file;
    settings_status status;
    size_t errors;
    size_t warnings;
    const char *messages[MAX_EXPECT]; /* each must appear in some problem */
    int line;                         /* the first error's line, 0 = unchecked */
} corpus_case;

static const corpus_case cases[] = {
    {"valid/hub-default.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/every-type.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/normalisation.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/scopes-object.json", SETTINGS_OK, 0, 1, {"single object"}, 0},
    {"valid/empty-scopes.json", SETTINGS_OK, 0, 1, {"nothing to export"}, 0},
    {"valid/no-retention.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/unknown-fields.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/blank-scope.json", SETTINGS_OK, 0, 3, {"is empty and is ignored"}, 0},
    {"valid/retention-custom.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/siblings.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"valid/spend-scopes.json", SETTINGS_OK, 0, 0, {NULL}, 0},
    {"invalid/spend-scopes-wrong-type.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"\"spendScopes\" must be a string, not an array"},
     9},
    {"invalid/spend-scopes-empty.json", SETTINGS_E_INVALID, 1, 0, {"\"spendScopes\" is empty"}, 9},
    {"invalid/malformed-json.json", SETTINGS_E_SYNTAX, 1, 0, {"not valid JSON"}, 4},
    {"invalid/truncated.json", SETTINGS_E_SYNTAX, 1, 0, {"not valid JSON"}, 3},
    {"invalid/empty-file.json", SETTINGS_E_SYNTAX, 1, 0, {"not valid JSON"}, 0},
    {"invalid/not-object.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"must be a JSON object, not an array"},
     1},
    {"invalid/missing-scopes.json", SETTINGS_E_INVALID, 1, 0, {"no \"scopes\""}, 1},
    {"invalid/scopes-wrong-type.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"\"scopes\" must be an array, not a string"},
     5},
    {"invalid/scope-item-string.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"scopes[0] must be an object like"},
     6},
    {"invalid/scope-not-string.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"scopes[0].scope must be a string, not an integer"},
     7},
    {"invalid/scope-missing.json", SETTINGS_E_INVALID, 1, 0, {"scopes[0] has no \"scope\""}, 6},
    {"invalid/duplicate-key.json",
     SETTINGS_E_INVALID,
     2,
     2,
     {"duplicate key \"scope\" (first at line 3, column 7)", "duplicate key \"scopes\""},
     3},
    {"invalid/duplicate-scope.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"scopes[1] \"subscriptions/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/\" is the same scope as "
      "scopes[0]"},
     10},
    {"invalid/overlap-rg-subscription.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"scopes[0]", "(resource group) is inside scopes[1]", "(subscription)"},
     7},
    {"invalid/overlap-department-account.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"(EA department) is inside scopes[0]", "(EA billing account)"},
     10},
    {"invalid/overlap-enrollment-account.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"(EA enrollment account) is inside scopes[1]"},
     7},
    {"invalid/overlap-profile-account.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"(MCA billing profile) is inside scopes[0]", "(MCA billing account)"},
     10},
    {"invalid/overlap-invoice-profile.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"(MCA invoice section) is inside scopes[0]", "(MCA billing profile)"},
     10},
    {"invalid/overlap-invoice-account.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"(MCA invoice section) is inside scopes[1]", "(MCA billing account)"},
     7},
    {"invalid/management-group.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"is a management group", "no FOCUS cost exports at management group scope",
      "list its subscriptions"},
     7},
    {"invalid/bad-guid.json", SETTINGS_E_INVALID, 1, 0, {"is not a GUID"}, 7},
    {"invalid/empty-segment.json", SETTINGS_E_INVALID, 1, 0, {"empty path segment"}, 7},
    {"invalid/unknown-provider.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"unknown provider 'Microsoft.Compute'"},
     7},
    {"invalid/bad-billing-account.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"billing account id 'not-an-id' is neither an EA enrollment number"},
     7},
    {"invalid/department-under-mca.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"'departments' do not exist under an MCA billing account"},
     7},
    {"invalid/resource-scope.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"resource-level scopes cannot be exported"},
     7},
    {"invalid/bad-rg-name.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"resource group name 'bad*name' is not valid"},
     7},
    {"invalid/retention-wrong-type.json",
     SETTINGS_E_INVALID,
     2,
     0,
     {"retention.ingestion.months must be a whole number, not a string",
      "retention.msexports must be an object"},
     0},
    {"invalid/retention-negative.json",
     SETTINGS_E_INVALID,
     1,
     0,
     {"retention.ingestion.months is -1"},
     0},
    {"invalid/many-problems.json",
     SETTINGS_E_INVALID,
     4,
     0,
     {"is not a GUID", "is a management group", "is the same scope as scopes[2]",
      "(EA department) is inside scopes[4]"},
     0},
};

static bool report_mentions(const settings_report *report, const char *text)
{
    for (size_t i = 0; i < report->count; i++)
        if (strstr(report->problems[i].message, text) != NULL)
            return true;
    return false;
}

static void print_report(const settings_report *report)
{
    settings_report_print(report, stderr);
}

static void test_corpus(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const corpus_case *expect = &cases[c];
        char *path = test_data_path("settings/");
        size_t length = strlen(path) + strlen(expect->file) + 1;
        char *full = malloc(length);
        snprintf(full, length, "%s%s", path, expect->file);
        settings_report report;
        settings_report_init(&report, expect->file);
        settings *value = (settings *)0x1;
        settings_status status = settings_load_file(full, &value, &report);
        size_t warnings = report.count - report.error_count;
        if (status != expect->status || report.error_count != expect->errors ||
            warnings != expect->warnings) {
            fprintf(stderr,
                    "%s: status %d (want %d), %zu errors (want %zu), %zu warnings "
                    "(want %zu)\n",
                    expect->file, status, expect->status, report.error_count, expect->errors,
                    warnings, expect->warnings);
            print_report(&report);
            fail();
        }
        for (int m = 0; m < MAX_EXPECT && expect->messages[m] != NULL; m++) {
            if (!report_mentions(&report, expect->messages[m])) {
                fprintf(stderr, "%s: no problem mentions \"%s\"\n", expect->file,
                        expect->messages[m]);
                print_report(&report);
                fail();
            }
        }
        if (expect->status == SETTINGS_OK) {
            assert_non_null(value);
        } else {
            /* All-or-nothing: a rejected file yields nothing. */
            assert_null(value);
            assert_true(report.error_count > 0);
            assert_true(report.problems[0].message[0] != '\0');
        }
        if (expect->line > 0) {
            const settings_problem *first = NULL;
            for (size_t i = 0; i < report.count && first == NULL; i++)
                if (report.problems[i].severity == SETTINGS_SEVERITY_ERROR)
                    first = &report.problems[i];
            assert_non_null(first);
            if (first->line != expect->line) {
                fprintf(stderr, "%s: first error at line %d, want %d\n", expect->file, first->line,
                        expect->line);
                fail();
            }
            assert_true(first->column > 0);
        }
        settings_free(value);
        settings_report_dispose(&report);
        free(full);
        free(path);
    }
}

static settings *load_valid(const char *file)
{
    char *path = test_data_path(file);
    settings_report report;
    settings_report_init(&report, file);
    settings *value = NULL;
    settings_status status = settings_load_file(path, &value, &report);
    if (status != SETTINGS_OK)
        print_report(&report);
    assert_int_equal(status, SETTINGS_OK);
    settings_report_dispose(&report);
    free(path);
    return value;
}

static void test_every_type_classified(void **state)
{
    (void)state;
    static const settings_scope_type expected[] = {
        SETTINGS_SCOPE_EA_BILLING_ACCOUNT,    SETTINGS_SCOPE_EA_DEPARTMENT,
        SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT, SETTINGS_SCOPE_MCA_BILLING_ACCOUNT,
        SETTINGS_SCOPE_MCA_BILLING_PROFILE,   SETTINGS_SCOPE_MCA_INVOICE_SECTION,
        SETTINGS_SCOPE_SUBSCRIPTION,          SETTINGS_SCOPE_RESOURCE_GROUP,
    };
    settings *value = load_valid("settings/valid/every-type.json");
    assert_int_equal(value->scope_count, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(value->scopes[i].type, expected[i]);
    /* The invoice section knows its billing profile and billing account. */
    const settings_scope *section = &value->scopes[5];
    assert_int_equal(section->parent_count, 2);
    assert_non_null(strstr(section->parents[0], "/billingProfiles/ZZ99-YY88-XX7-WW6"));
    assert_null(strstr(section->parents[0], "invoiceSections"));
    assert_null(strstr(section->parents[1], "billingProfiles"));
    assert_string_equal(value->scopes[7].subscription_id, "bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f");
    assert_string_equal(value->scopes[0].billing_account_id, "1234567");
    settings_free(value);
}

static void test_normalisation(void **state)
{
    (void)state;
    settings *value = load_valid("settings/valid/normalisation.json");
    assert_int_equal(value->scope_count, 4);
    assert_string_equal(value->scopes[0].scope,
                        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e");
    assert_string_equal(value->scopes[0].input,
                        "  subscriptions/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/  ");
    assert_string_equal(value->scopes[1].scope,
                        "/providers/Microsoft.Billing/billingAccounts/1234567/departments/56789");
    assert_string_equal(value->scopes[2].scope,
                        "/providers/Microsoft.Billing/billingAccounts/"
                        "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_"
                        "2019-05-31/billingProfiles/AB12-CD34-EF5-GH6");
    assert_string_equal(value->scopes[3].scope,
                        "/subscriptions/bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f"
                        "/resourceGroups/My_RG.(prod)-1");
    settings_free(value);
}

static void test_retention(void **state)
{
    (void)state;
    settings *value = load_valid("settings/valid/no-retention.json");
    assert_int_equal(value->retention.ingestion_months, 13);
    assert_int_equal(value->retention.msexports_days, 0);
    assert_int_equal(value->retention.final_months, 13);
    settings_free(value);
    value = load_valid("settings/valid/retention-custom.json");
    assert_int_equal(value->retention.msexports_days, 7);
    assert_int_equal(value->retention.ingestion_months, 36);
    assert_int_equal(value->retention.raw_days, -1);
    assert_int_equal(value->retention.final_months, 24);
    settings_free(value);
}

/* "spendScopes" is kept as written (resolved by the agent); files without it have none. */
static void test_spend_scopes_kept(void **state)
{
    (void)state;
    settings *value = load_valid("settings/valid/spend-scopes.json");
    assert_string_equal(value->spend_scopes, "spend/scopes.json");
    settings_free(value);
    value = load_valid("settings/valid/hub-default.json");
    assert_null(value->spend_scopes);
    settings_free(value);
}

static void test_blank_scopes_skipped(void **state)
{
    (void)state;
    settings *value = load_valid("settings/valid/blank-scope.json");
    assert_int_equal(value->scope_count, 1);
    assert_int_equal(value->scopes[0].index, 3);
    settings_free(value);
}

/* Builds a settings file with `count` distinct subscriptions. */
static char *many_scopes(size_t count, const char *extra_scope)
{
    size_t capacity = count * 80 + 256;
    char *text = malloc(capacity);
    size_t used = (size_t)snprintf(text, capacity, "{\"$schema\":\"x\",\"scopes\":[\n");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(text + used, capacity - used,
                                 "{\"scope\":\"/subscriptions/%08zx-0000-4000-8000-%012zx\"},\n", i,
                                 i * 7);
    snprintf(text + used, capacity - used, "{\"scope\":\"%s\"}]}", extra_scope);
    return text;
}

static void test_huge_file(void **state)
{
    (void)state;
    char *text = many_scopes(10000, "/subscriptions/ffffffff-0000-4000-8000-000000000000");
    settings_report report;
    settings_report_init(&report, "huge.json");
    settings *value = NULL;
    assert_int_equal(settings_parse(text, strlen(text), &value, &report), SETTINGS_OK);
    assert_int_equal(value->scope_count, 10001);
    settings_free(value);
    settings_report_dispose(&report);
    free(text);

    /* The same file with one resource group inside the 5,000th subscription. */
    text =
        many_scopes(10000, "/subscriptions/00001388-0000-4000-8000-0000000088b8/resourceGroups/rg");
    settings_report_init(&report, "huge.json");
    assert_int_equal(settings_parse(text, strlen(text), &value, &report), SETTINGS_E_INVALID);
    assert_null(value);
    assert_int_equal(report.error_count, 1);
    assert_true(report_mentions(&report, "is inside scopes[5000]"));
    assert_int_equal(report.problems[0].line, 10002);
    settings_report_dispose(&report);
    free(text);
}

static void test_oversized_file_refused(void **state)
{
    (void)state;
    size_t length = SETTINGS_MAX_FILE_BYTES + 1;
    char *text = malloc(length);
    memset(text, ' ', length);
    settings_report report;
    settings_report_init(&report, "big.json");
    settings *value = NULL;
    assert_int_equal(settings_parse(text, length, &value, &report), SETTINGS_E_INVALID);
    assert_true(report_mentions(&report, "refused above"));
    settings_report_dispose(&report);
    free(text);
}

static void test_missing_file(void **state)
{
    (void)state;
    settings_report report;
    settings_report_init(&report, "nope.json");
    settings *value = NULL;
    assert_int_equal(settings_load_file("/nonexistent/settings.json", &value, &report),
                     SETTINGS_E_IO);
    assert_true(report_mentions(&report, "cannot open"));
    settings_report_dispose(&report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_every_type_classified),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_retention),
        cmocka_unit_test(test_spend_scopes_kept),
        cmocka_unit_test(test_blank_scopes_skipped),
        cmocka_unit_test(test_huge_file),
        cmocka_unit_test(test_oversized_file_refused),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
