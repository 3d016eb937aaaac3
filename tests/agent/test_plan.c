/* agent plan: create what is missing, update what drifted (with the fields),
 * leave matches alone, and prune only this hub's own exports. */
#include "agent/plan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EA "/providers/Microsoft.Billing/billingAccounts/1234567"
#define STORAGE                                                                                    \
    "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/hub/providers/"            \
    "Microsoft.Storage/storageAccounts/hubstore"

typedef struct fixture {
    settings_scope scope;
    agent_desired_set desired;
    json_t *actual;
} fixture;

static json_t *as_listed(const agent_desired_export *e, const char *etag)
{
    json_t *item = json_deep_copy(e->body);
    json_object_set_new(item, "name", json_string(e->name));
    json_object_set_new(item, "eTag", json_string(etag));
    return item;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(settings_scope_parse(EA, &f->scope, NULL, 0), SETTINGS_OK);
    agent_desired_options o = agent_desired_options_default();
    o.hub_name = "MyHub";
    o.storage_account_id = STORAGE;
    o.dataset_enabled[AGENT_DATASET_RECOMMENDATIONS] = false;
    assert_int_equal(agent_desired_for_scope(&f->scope, &o, &f->desired, NULL, 0),
                     AGENT_DESIRED_OK);
    assert_int_equal(f->desired.count, 5);
    /* Listed: daily costs as wanted, monthly costs drifted, prices missing… */
    f->actual = json_array();
    json_array_append_new(f->actual, as_listed(&f->desired.exports[0], "\"e0\""));
    json_t *drifted = as_listed(&f->desired.exports[1], "\"e1\"");
    json_object_set_new(json_object_get(drifted, "properties"), "format", json_string("Csv"));
    json_array_append_new(f->actual, drifted);
    for (size_t i = 3; i < 5; i++)
        json_array_append_new(f->actual, as_listed(&f->desired.exports[i], "\"e\""));
    /* …and three more: this hub's recommendations export (now turned off),
     * someone else's export, and one that merely starts with the hub's name. */
    json_array_append_new(
        f->actual, json_pack("{s:s, s:{s:{s:{s:s}}}}", "name",
                             "myhub-daily-recommendations-shared-last30days-virtualmachines",
                             "properties", "deliveryInfo", "destination", "resourceId", STORAGE));
    json_array_append_new(f->actual, json_pack("{s:s}", "name", "finance-monthly-costs"));
    json_array_append_new(f->actual, json_pack("{s:s}", "name", "myhub-custom-report"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    json_decref(f->actual);
    agent_desired_set_dispose(&f->desired);
    settings_scope_dispose(&f->scope);
    free(f);
    return 0;
}

static const agent_action *find(const agent_scope_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->count; i++)
        if (strcmp(plan->actions[i].name, name) == 0)
            return &plan->actions[i];
    return NULL;
}

static void test_plan_without_prune(void **state)
{
    fixture *f = *state;
    agent_scope_plan plan;
    assert_int_equal(agent_plan_scope(EA, &f->desired, f->actual, "MyHub", STORAGE, false, &plan),
                     AGENT_DESIRED_OK);
    assert_int_equal(plan.count, 5);
    assert_int_equal(find(&plan, "myhub-daily-costdetails")->kind, AGENT_ACTION_NONE);
    const agent_action *update = find(&plan, "myhub-monthly-costdetails");
    assert_int_equal(update->kind, AGENT_ACTION_UPDATE);
    assert_string_equal(update->etag, "\"e1\"");
    assert_int_equal(update->diff.count, 1);
    assert_string_equal(update->diff.fields[0].path, "properties.format");
    assert_int_equal(find(&plan, "myhub-monthly-pricesheet")->kind, AGENT_ACTION_CREATE);
    assert_null(find(&plan, "finance-monthly-costs"));
    assert_int_equal(agent_scope_plan_changes(&plan), 2);
    agent_scope_plan_dispose(&plan);
}

static void test_prune_touches_only_the_hubs_exports(void **state)
{
    fixture *f = *state;
    agent_scope_plan plan;
    assert_int_equal(agent_plan_scope(EA, &f->desired, f->actual, "MyHub", STORAGE, true, &plan),
                     AGENT_DESIRED_OK);
    assert_int_equal(plan.count, 6);
    assert_int_equal(
        find(&plan, "myhub-daily-recommendations-shared-last30days-virtualmachines")->kind,
        AGENT_ACTION_DELETE);
    assert_null(find(&plan, "finance-monthly-costs"));
    assert_null(find(&plan, "myhub-custom-report"));
    assert_int_equal(agent_scope_plan_changes(&plan), 3);

    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    agent_plan_print_text(&plan, 1, out, false);
    fclose(out);
    assert_non_null(strstr(text, "~ myhub-monthly-costdetails"));
    assert_non_null(strstr(text, "properties.format: \"Csv\" -> \"Parquet\""));
    assert_non_null(strstr(text, "Plan: 1 to create, 1 to update, 1 to delete, 3 unchanged."));
    assert_null(strstr(text, "myhub-daily-costdetails"));
    free(text);

    out = open_memstream(&text, &length);
    agent_plan_print_json(&plan, 1, out);
    fclose(out);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "changes")), 3);
    json_t *actions =
        json_object_get(json_array_get(json_object_get(root, "scopes"), 0), "actions");
    assert_int_equal(json_array_size(actions), 6);
    json_decref(root);
    free(text);
    agent_scope_plan_dispose(&plan);
}

/* Another hub of the same name (a test hub beside production, say) delivers to its own
 * storage account: its exports are never this hub's to prune, nor one that names none. */
static void test_prune_spares_a_namesakes_exports(void **state)
{
    fixture *f = *state;
    json_t *listed = json_pack(
        "[{s:s, s:{s:{s:{s:s}}}}, {s:s}]", "name",
        "myhub-daily-recommendations-shared-last30days-virtualmachines", "properties",
        "deliveryInfo", "destination", "resourceId",
        "/subscriptions/x/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/other",
        "name", "myhub-daily-recommendations-shared-last7days-virtualmachines");
    agent_scope_plan plan;
    assert_int_equal(agent_plan_scope(EA, &f->desired, listed, "MyHub", STORAGE, true, &plan),
                     AGENT_DESIRED_OK);
    for (size_t i = 0; i < plan.count; i++)
        assert_int_not_equal(plan.actions[i].kind, AGENT_ACTION_DELETE);
    agent_scope_plan_dispose(&plan);
    json_decref(listed);
}

static void test_empty_scope_creates_everything(void **state)
{
    fixture *f = *state;
    json_t *none = json_array();
    agent_scope_plan plan;
    assert_int_equal(agent_plan_scope(EA, &f->desired, none, "MyHub", STORAGE, true, &plan),
                     AGENT_DESIRED_OK);
    assert_int_equal(plan.count, 5);
    for (size_t i = 0; i < plan.count; i++)
        assert_int_equal(plan.actions[i].kind, AGENT_ACTION_CREATE);
    agent_scope_plan_dispose(&plan);
    json_decref(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_without_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_touches_only_the_hubs_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_spares_a_namesakes_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_scope_creates_everything, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
