/* settings/: one scope string at a time — recognised, normalised and
 * classified, or refused with the reason; and the pluggable online check. */
#include "settings/settings.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define EA "/providers/Microsoft.Billing/billingAccounts/1234567"
#define MCA_ID                                                                                     \
    "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_2019-05-31"
#define SUB "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"

typedef struct scope_case {
    const char *input;
    const char *normalised; /* NULL: must be refused */
    settings_scope_type type;
    const char *why; /* substring of the refusal */
} scope_case;

static const scope_case cases[] = {
    {EA, EA, SETTINGS_SCOPE_EA_BILLING_ACCOUNT, NULL},
    {"providers/microsoft.billing/billingaccounts/1234567/", EA, SETTINGS_SCOPE_EA_BILLING_ACCOUNT,
     NULL},
    {EA "/Departments/56789", EA "/departments/56789", SETTINGS_SCOPE_EA_DEPARTMENT, NULL},
    {EA "/ENROLLMENTACCOUNTS/42", EA "/enrollmentAccounts/42", SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT,
     NULL},
    {"/providers/Microsoft.Billing/billingAccounts/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E:"
     "BBBB1B1B-CC2C-DD3D-EE4E-FFFFFF5F5F5F_2019-05-31",
     "/providers/Microsoft.Billing/billingAccounts/" MCA_ID, SETTINGS_SCOPE_MCA_BILLING_ACCOUNT,
     NULL},
    {"/providers/Microsoft.Billing/billingAccounts/" MCA_ID "/billingProfiles/AB12-CD34",
     "/providers/Microsoft.Billing/billingAccounts/" MCA_ID "/billingProfiles/AB12-CD34",
     SETTINGS_SCOPE_MCA_BILLING_PROFILE, NULL},
    {"/providers/Microsoft.Billing/billingAccounts/" MCA_ID
     "/billingProfiles/P1/invoicesections/S1",
     "/providers/Microsoft.Billing/billingAccounts/" MCA_ID
     "/billingProfiles/P1/invoiceSections/S1",
     SETTINGS_SCOPE_MCA_INVOICE_SECTION, NULL},
    {" \t" SUB "\n", SUB, SETTINGS_SCOPE_SUBSCRIPTION, NULL},
    {"SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E", SUB, SETTINGS_SCOPE_SUBSCRIPTION, NULL},
    {SUB "/resourcegroups/Prod-RG", SUB "/resourceGroups/Prod-RG", SETTINGS_SCOPE_RESOURCE_GROUP,
     NULL},
    {"/providers/Microsoft.Management/managementGroups/mg1",
     "/providers/Microsoft.Management/managementGroups/mg1", SETTINGS_SCOPE_MANAGEMENT_GROUP, NULL},
    {"", NULL, 0, "the scope is empty"},
    {"/", NULL, 0, "the scope is empty"},
    {"//subscriptions/x", NULL, 0, "empty path segment"},
    {SUB "//resourceGroups/rg", NULL, 0, "empty path segment"},
    {"/subscriptions", NULL, 0, "missing subscription id"},
    {"/subscriptions/1234", NULL, 0, "is not a GUID"},
    {"/subscriptions/gggg0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", NULL, 0, "is not a GUID"},
    {SUB "/resourceGroups", NULL, 0, "missing resource group name"},
    {SUB "/resourceGroups/rg.", NULL, 0, "is not valid"},
    {SUB "/providers/Microsoft.Compute", NULL, 0, "only resourceGroups/{name} may follow"},
    {"/providers/Microsoft.Billing", NULL, 0, "expected 'billingAccounts'"},
    {"/providers/Microsoft.Billing/billingAccounts", NULL, 0, "missing id after"},
    {"/providers/Microsoft.Billing/billingAccounts/12ab", NULL, 0, "neither an EA"},
    {"/providers/Microsoft.Billing/billingAccounts/" MCA_ID "/departments/1", NULL, 0,
     "do not exist under an MCA"},
    {EA "/billingProfiles/P1", NULL, 0, "do not exist under an EA"},
    {EA "/departments/abc", NULL, 0, "must be digits"},
    {EA "/departments", NULL, 0, "missing id after 'departments'"},
    {EA "/customers/1", NULL, 0, "unknown billing scope 'customers'"},
    {"/providers/Microsoft.Foo/bar/1", NULL, 0, "unknown provider 'Microsoft.Foo'"},
    {"/tenants/1", NULL, 0, "not an export scope"},
};

static void test_scope_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const scope_case *c = &cases[i];
        settings_scope scope;
        char why[256];
        settings_status status = settings_scope_parse(c->input, &scope, why, sizeof why);
        if (c->normalised != NULL) {
            if (status != SETTINGS_OK)
                fprintf(stderr, "'%s' refused: %s\n", c->input, why);
            assert_int_equal(status, SETTINGS_OK);
            assert_string_equal(scope.scope, c->normalised);
            assert_string_equal(scope.input, c->input);
            assert_int_equal(scope.type, c->type);
            settings_scope_dispose(&scope);
        } else {
            if (status != SETTINGS_E_INVALID || strstr(why, c->why) == NULL)
                fprintf(stderr, "'%s': status %d, why '%s', want '%s'\n", c->input, status, why,
                        c->why);
            assert_int_equal(status, SETTINGS_E_INVALID);
            assert_non_null(strstr(why, c->why));
            assert_null(scope.scope);
        }
    }
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(settings_scope_type_name(SETTINGS_SCOPE_EA_DEPARTMENT), "ea-department");
    assert_string_equal(settings_scope_type_name(SETTINGS_SCOPE_RESOURCE_GROUP), "resource-group");
    assert_string_equal(settings_scope_type_name((settings_scope_type)99), "unknown");
    assert_string_equal(settings_status_text(SETTINGS_E_SYNTAX),
                        "the settings file is not valid JSON");
}

/* A fake of what Azure knows: the subscription sits under department 9. */
static int fake_lookup(void *payload, const settings_scope *scope, const char **out_ancestors,
                       size_t capacity, size_t *out_count, char *why, size_t why_size)
{
    int *calls = payload;
    (*calls)++;
    *out_count = 0;
    if (scope->type == SETTINGS_SCOPE_SUBSCRIPTION && capacity >= 2) {
        out_ancestors[0] = EA "/departments/9";
        out_ancestors[1] = EA;
        *out_count = 2;
    }
    if (scope->type == SETTINGS_SCOPE_RESOURCE_GROUP) {
        snprintf(why, why_size, "ARM said 403");
        return 1;
    }
    return 0;
}

static void parse_all(const char *const *inputs, size_t count, settings_scope *out)
{
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(settings_scope_parse(inputs[i], &out[i], NULL, 0), SETTINGS_OK);
        out[i].index = i;
    }
}

static void test_online_overlap(void **state)
{
    (void)state;
    const char *inputs[] = {SUB, EA "/departments/9"};
    settings_scope scopes[2];
    parse_all(inputs, 2, scopes);
    settings_report report;
    settings_report_init(&report, "s.json");
    /* Offline, nothing shows the subscription is inside the department. */
    assert_int_equal(settings_check_overlaps(scopes, 2, NULL, &report), SETTINGS_OK);
    int calls = 0;
    settings_ancestry ancestry = {fake_lookup, &calls};
    assert_int_equal(settings_check_overlaps(scopes, 2, &ancestry, &report), SETTINGS_E_INVALID);
    assert_int_equal(calls, 2);
    assert_int_equal(report.error_count, 1);
    assert_non_null(strstr(report.problems[0].message, "is inside scopes[1]"));
    assert_non_null(strstr(report.problems[0].message, "according to Azure"));
    settings_report_dispose(&report);
    for (size_t i = 0; i < 2; i++)
        settings_scope_dispose(&scopes[i]);
}

static void test_online_lookup_failure_reported(void **state)
{
    (void)state;
    const char *inputs[] = {SUB "/resourceGroups/rg"};
    settings_scope scopes[1];
    parse_all(inputs, 1, scopes);
    settings_report report;
    settings_report_init(&report, "s.json");
    int calls = 0;
    settings_ancestry ancestry = {fake_lookup, &calls};
    assert_int_equal(settings_check_overlaps(scopes, 1, &ancestry, &report), SETTINGS_E_INVALID);
    assert_non_null(
        strstr(report.problems[0].message, "online overlap check failed: ARM said 403"));
    settings_report_dispose(&report);
    settings_scope_dispose(&scopes[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_cases),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_online_overlap),
        cmocka_unit_test(test_online_lookup_failure_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
