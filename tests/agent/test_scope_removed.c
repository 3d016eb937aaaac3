/* A scope removed from the settings: the agent stops managing it. It no longer plans, writes,
 * runs or backfills anything there, and leaves what is there (the exports, their data) alone:
 * deleting a removed scope's exports is the owner's decision, not a side effect of an edit.
 * `plan` says which scopes still hold this hub's exports; `--prune` deletes those (this
 * hub's only), after which the scope is never called again. */
#include "hub_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#define EA "/providers/Microsoft.Billing/billingAccounts/8611537"
#define RG "/subscriptions/00000000-0000-0000-0000-00000000000d/resourceGroups/rg-web"

static hub_fixture hub;

static int setup(void **state)
{
    (void)state;
    hub_fixture_options options = hub_fixture_options_default();
    options.base_config = "agent/mock-hub.json";
    options.azurite = false;
    return hub_fixture_start(&options, &hub);
}

static int teardown(void **state)
{
    (void)state;
    return hub_fixture_stop(&hub);
}

/* The exports the mock holds at a scope. */
static size_t exports_at(const char *scope)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/exports", hub.mock.admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    size_t count = 0, i;
    json_t *export_;
    json_array_foreach(json_object_get(r.json, "value"), i, export_)
    {
        count += strcasecmp(json_string_value(json_object_get(export_, "scope")), scope) == 0;
    }
    http_result_dispose(&r);
    return count;
}

static test_run_result agent(const char *settings, const char *const *args)
{
    char state[600];
    snprintf(state, sizeof state, "%s/state.db", hub.dir);
    hub_env env;
    hub_env_init(&env, &hub, settings, state);
    hub_env_set(&env, "HUBAGENT_DATASETS=costs");
    return test_hubagent_run(args, env.vars);
}

/* Requests of the mock's log since it was last cleared whose path names the resource group. */
static size_t requests_at_rg(void)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/requests", hub.mock.admin);
    http_result log;
    http_call("GET", url, NULL, NULL, NULL, &log);
    size_t i, reached = 0;
    json_t *request;
    json_array_foreach(json_object_get(log.json, "requests"), i, request)
    {
        reached += strstr(json_string_value(json_object_get(request, "path")), "rg-web") != NULL;
    }
    http_result_dispose(&log);
    return reached;
}

static void test_removed_scope_is_left_alone_then_pruned(void **state)
{
    (void)state;
    char *both = hub_write(&hub, "both.json",
                           "{\"scopes\":[{\"scope\":\"" EA "\"},{\"scope\":\"" RG "\"}]}");
    char *one = hub_write(&hub, "one.json", "{\"scopes\":[{\"scope\":\"" EA "\"}]}");
    const char *run[] = {"run", "--once", "--tick", "daily", "--no-online-check", NULL};
    test_run_result r = agent(both, run);
    assert_true(test_run_expect(&r, 0));
    test_run_result_dispose(&r);
    size_t at_rg = exports_at(RG);
    assert_true(at_rg > 0);
    assert_true(exports_at(EA) > 0);
    /* Another team's export at the resource group: never this hub's to delete. */
    char *token = mock_token(&hub.mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    char *body = export_body("FocusCost", NULL);
    http_result put;
    arm_call(&hub.mock, token, "PUT",
             RG "/providers/Microsoft.CostManagement/exports/other-team?api-version=2025-03-01",
             body, &put);
    assert_int_equal(put.status, 201);
    http_result_dispose(&put);
    free(body);
    free(token);

    /* RG leaves the settings: nothing reaches it, and plan says its exports are still there. */
    admin_send(&hub.mock, "DELETE", "/admin/requests", NULL);
    const char *plan[] = {"plan", "--no-online-check", NULL};
    r = agent(one, plan);
    assert_true(r.code == 0 || r.code == 2);
    assert_non_null(strstr(r.out, "still at 1 scope no longer in the settings"));
    assert_non_null(strstr(r.out, "  " RG "\n"));
    test_run_result_dispose(&r);
    r = agent(one, run);
    assert_true(test_run_expect(&r, 0));
    test_run_result_dispose(&r);
    const char *backfill[] = {"backfill", "--scope", RG, "--months", "1", NULL};
    r = agent(one, backfill);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "is not a scope of the settings"));
    test_run_result_dispose(&r);
    assert_int_equal(requests_at_rg(), 0);
    assert_int_equal(exports_at(RG), at_rg + 1);
    assert_true(admin_count(&hub.mock, "exports.list") > 0); /* EA was still looked after */

    /* The owner prunes: plan shows the deletions, run deletes this hub's exports only. */
    const char *plan_prune[] = {"plan", "--prune", "--no-online-check", NULL};
    r = agent(one, plan_prune);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.out, "rg-web"));
    assert_non_null(strstr(r.out, "delete"));
    test_run_result_dispose(&r);
    assert_int_equal(exports_at(RG), at_rg + 1); /* a plan changes nothing */
    /* One of the hub's exports there goes away outside the agent: the state forgets it too. */
    token = mock_token(&hub.mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    http_result deleted;
    arm_call(&hub.mock, token, "DELETE",
             RG "/providers/Microsoft.CostManagement/exports/demo-daily-costdetails"
                "?api-version=2025-03-01",
             NULL, &deleted);
    assert_int_equal(deleted.status, 200);
    http_result_dispose(&deleted);
    free(token);
    const char *run_prune[] = {"run", "--once", "--prune", "--no-runs", "--no-online-check", NULL};
    r = agent(one, run_prune);
    assert_true(test_run_expect(&r, 0));
    test_run_result_dispose(&r);
    assert_int_equal(exports_at(RG), 1); /* the other team's */
    /* Done there: the scope is no longer called, even with --prune. */
    admin_send(&hub.mock, "DELETE", "/admin/requests", NULL);
    r = agent(one, plan_prune);
    assert_true(r.code == 0 || r.code == 2);
    assert_null(strstr(r.out, "no longer in the settings"));
    test_run_result_dispose(&r);
    assert_int_equal(requests_at_rg(), 0);
    free(both);
    free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_removed_scope_is_left_alone_then_pruned),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
