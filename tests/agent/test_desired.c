/* agent desired state: the hub's exports per scope type, their bodies, and
 * drift found field by field the way the service compares. */
#include "agent/desired.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define STORAGE                                                                                    \
    "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/hub/providers/"            \
    "Microsoft.Storage/storageAccounts/hubstore"
#define MCA_BP                                                                                     \
    "/providers/Microsoft.Billing/billingAccounts/"                                                \
    "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_2019-05-31/"        \
    "billingProfiles/AB12-CD34"

static agent_desired_options options(void)
{
    agent_desired_options o = agent_desired_options_default();
    o.hub_name = "MyHub";
    o.storage_account_id = STORAGE;
    return o;
}

static void desired_for(const char *text, const agent_desired_options *o, agent_desired_set *out)
{
    settings_scope scope;
    assert_int_equal(settings_scope_parse(text, &scope, NULL, 0), SETTINGS_OK);
    char why[256];
    agent_desired_status status = agent_desired_for_scope(&scope, o, out, why, sizeof why);
    if (status != AGENT_DESIRED_OK)
        fprintf(stderr, "%s\n", why);
    assert_int_equal(status, AGENT_DESIRED_OK);
    settings_scope_dispose(&scope);
}

static const char *body_string(const agent_desired_export *e, const char *path)
{
    json_t *node = e->body;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *save = NULL, *key = strtok_r(copy, ".", &save); key;
         key = strtok_r(NULL, ".", &save))
        node = json_object_get(node, key);
    return json_string_value(node);
}

static void test_matrix(void **state)
{
    (void)state;
    struct {
        const char *scope;
        size_t count;
    } rows[] = {
        {"/providers/Microsoft.Billing/billingAccounts/1234567", 6},
        {MCA_BP, 6},
        {"/providers/Microsoft.Billing/billingAccounts/1234567/departments/5", 2},
        {"/providers/Microsoft.Billing/billingAccounts/1234567/enrollmentAccounts/5", 2},
        {"/providers/Microsoft.Billing/billingAccounts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:"
         "bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f_2019-05-31",
         2},
        {MCA_BP "/invoiceSections/S1", 2},
        {"/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", 2},
        {"/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/rg", 2},
    };
    agent_desired_options o = options();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        agent_desired_set set;
        desired_for(rows[i].scope, &o, &set);
        assert_int_equal(set.count, rows[i].count);
        assert_string_equal(set.exports[0].name, "myhub-daily-costdetails");
        assert_string_equal(set.exports[1].name, "myhub-monthly-costdetails");
        assert_string_equal(set.exports[1].recurrence, "Monthly");
        agent_desired_set_dispose(&set);
    }
}

static void test_ea_bodies(void **state)
{
    (void)state;
    agent_desired_options o = options();
    agent_desired_set set;
    desired_for("/providers/Microsoft.Billing/billingAccounts/1234567", &o, &set);
    const char *names[] = {"myhub-daily-costdetails",
                           "myhub-monthly-costdetails",
                           "myhub-monthly-pricesheet",
                           "myhub-daily-reservationdetails",
                           "myhub-daily-reservationtransactions",
                           "myhub-daily-recommendations-shared-last30days-virtualmachines"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(set.exports[i].name, names[i]);
    const agent_desired_export *daily = &set.exports[0];
    assert_string_equal(body_string(daily, "properties.definition.type"), "FocusCost");
    assert_string_equal(body_string(daily, "properties.definition.timeframe"), "MonthToDate");
    assert_string_equal(
        body_string(daily, "properties.definition.dataSet.configuration.dataVersion"), "1.0r2");
    assert_string_equal(body_string(daily, "properties.definition.dataSet.granularity"), "Daily");
    assert_string_equal(body_string(daily, "properties.deliveryInfo.destination.container"),
                        "msexports");
    assert_string_equal(body_string(daily, "properties.deliveryInfo.destination.rootFolderPath"),
                        "providers/Microsoft.Billing/billingAccounts/1234567");
    assert_string_equal(body_string(daily, "properties.deliveryInfo.destination.resourceId"),
                        STORAGE);
    assert_string_equal(body_string(daily, "properties.schedule.status"), "Inactive");
    assert_string_equal(body_string(daily, "properties.format"), "Parquet");
    assert_string_equal(body_string(daily, "properties.compressionMode"), "snappy");
    assert_string_equal(body_string(daily, "properties.dataOverwriteBehavior"), "CreateNewReport");
    assert_true(
        json_is_true(json_object_get(json_object_get(daily->body, "properties"), "partitionData")));
    assert_string_equal(body_string(&set.exports[1], "properties.definition.timeframe"),
                        "TheLastMonth");
    const agent_desired_export *prices = &set.exports[2];
    assert_string_equal(body_string(prices, "properties.definition.type"), "PriceSheet");
    assert_string_equal(body_string(prices, "properties.definition.timeframe"), "TheCurrentMonth");
    assert_null(body_string(prices, "properties.definition.dataSet.granularity"));
    assert_string_equal(
        body_string(&set.exports[3], "properties.definition.dataSet.configuration.dataVersion"),
        "2023-03-01");
    assert_string_equal(body_string(&set.exports[3], "properties.format"), "Csv");
    json_t *filters = json_object_get(
        json_object_get(
            json_object_get(
                json_object_get(json_object_get(set.exports[5].body, "properties"), "definition"),
                "dataSet"),
            "configuration"),
        "filters");
    assert_int_equal(json_array_size(filters), 3);
    agent_desired_set_dispose(&set);
}

static void test_mca_path_is_safe(void **state)
{
    (void)state;
    agent_desired_options o = options();
    o.focus_version = "1.2-preview";
    agent_desired_set set;
    desired_for(MCA_BP, &o, &set);
    const char *root =
        body_string(&set.exports[0], "properties.deliveryInfo.destination.rootFolderPath");
    assert_null(strchr(root, ':'));
    assert_int_equal(root[0], 'p');
    assert_non_null(strstr(root, "eeeeee4e4e4e-bbbb1b1b"));
    assert_string_equal(
        body_string(&set.exports[0], "properties.definition.dataSet.configuration.dataVersion"),
        "1.2-preview");
    agent_desired_set_dispose(&set);
}

static void test_datasets_off(void **state)
{
    (void)state;
    agent_desired_options o = options();
    o.dataset_enabled[AGENT_DATASET_RECOMMENDATIONS] = false;
    o.dataset_enabled[AGENT_DATASET_RESERVATION_DETAILS] = false;
    agent_desired_set set;
    desired_for("/providers/Microsoft.Billing/billingAccounts/1234567", &o, &set);
    assert_int_equal(set.count, 4);
    agent_desired_set_dispose(&set);
    agent_dataset d;
    assert_true(agent_dataset_parse("Prices", &d));
    assert_int_equal(d, AGENT_DATASET_PRICES);
    assert_false(agent_dataset_parse("bogus", &d));
}

static void test_bad_options(void **state)
{
    (void)state;
    settings_scope scope;
    assert_int_equal(settings_scope_parse("/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
                                          &scope, NULL, 0),
                     SETTINGS_OK);
    agent_desired_set set;
    char why[256];
    agent_desired_options o = options();
    o.hub_name = "bad name!";
    assert_int_equal(agent_desired_for_scope(&scope, &o, &set, why, sizeof why),
                     AGENT_DESIRED_E_OPTIONS);
    assert_non_null(strstr(why, "hub name"));
    o = options();
    o.focus_version = "2.0";
    assert_int_equal(agent_desired_for_scope(&scope, &o, &set, why, sizeof why),
                     AGENT_DESIRED_E_OPTIONS);
    assert_non_null(strstr(why, "'2.0'"));
    o = options();
    o.storage_account_id = "hubstore";
    assert_int_equal(agent_desired_for_scope(&scope, &o, &set, why, sizeof why),
                     AGENT_DESIRED_E_OPTIONS);
    assert_int_equal(set.count, 0);
    settings_scope_dispose(&scope);
}

static void test_diff(void **state)
{
    (void)state;
    agent_desired_options o = options();
    agent_desired_set set;
    desired_for("/providers/Microsoft.Billing/billingAccounts/1234567", &o, &set);
    json_t *want = set.exports[5].body;
    json_t *actual = json_deep_copy(want);
    agent_export_diff diff;

    assert_int_equal(agent_desired_diff(want, actual, &diff), AGENT_DESIRED_OK);
    assert_int_equal(diff.count, 0);

    /* What the service returns differently but equivalently is no drift. */
    json_t *props = json_object_get(actual, "properties");
    json_object_set_new(props, "partitionData", json_string("true"));
    json_object_set_new(props, "format", json_string("CSV"));
    json_object_set_new(json_object_get(props, "schedule"), "recurrencePeriod",
                        json_pack("{s:s}", "from", "2026-01-01T00:00:00Z"));
    json_t *filters = json_object_get(
        json_object_get(json_object_get(json_object_get(props, "definition"), "dataSet"),
                        "configuration"),
        "filters");
    json_t *first = json_incref(json_array_get(filters, 0));
    json_array_remove(filters, 0);
    json_array_append_new(filters, first);
    json_object_set_new(props, "exportDescription", json_string("not ours"));
    assert_int_equal(agent_desired_diff(want, actual, &diff), AGENT_DESIRED_OK);
    assert_int_equal(diff.count, 0);

    /* Real drift: a path changed (case matters in blob paths), a field gone. */
    json_object_set_new(json_object_get(json_object_get(props, "deliveryInfo"), "destination"),
                        "rootFolderPath",
                        json_string("Providers/Microsoft.Billing/billingAccounts/1234567"));
    json_object_del(props, "compressionMode");
    json_object_set_new(json_object_get(props, "schedule"), "status", json_string("Active"));
    assert_int_equal(agent_desired_diff(want, actual, &diff), AGENT_DESIRED_OK);
    assert_int_equal(diff.count, 3);
    int seen = 0;
    for (size_t i = 0; i < diff.count; i++) {
        if (strcmp(diff.fields[i].path, "properties.compressionMode") == 0) {
            assert_string_equal(diff.fields[i].have, "(missing)");
            assert_string_equal(diff.fields[i].want, "\"None\"");
            seen++;
        }
        if (strcmp(diff.fields[i].path, "properties.schedule.status") == 0) {
            assert_string_equal(diff.fields[i].have, "\"Active\"");
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    agent_export_diff_dispose(&diff);
    json_decref(actual);
    agent_desired_set_dispose(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),           cmocka_unit_test(test_ea_bodies),
        cmocka_unit_test(test_mca_path_is_safe), cmocka_unit_test(test_datasets_off),
        cmocka_unit_test(test_bad_options),      cmocka_unit_test(test_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
