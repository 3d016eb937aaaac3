/* The scope tree of the mock's configuration: EA billing accounts with departments and
 * enrollment accounts, MCA billing profiles and invoice sections, management groups,
 * subscriptions with their billing scope and management group, resource groups. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mock_scope *mock_config_add_scope(mock_config *config, const char *id, mock_scope_type type,
                                  const char *display, const char *tenant, const char *agreement)
{
    mock_scope *grown = realloc(config->scopes, (config->scope_count + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    config->scopes = grown;
    mock_scope *scope = &grown[config->scope_count++];
    memset(scope, 0, sizeof *scope);
    char slashed[1100];
    mock_format(slashed, sizeof slashed, "%s%s", id[0] == '/' ? "" : "/", id);
    id = slashed;
    scope->id = strdup(id);
    scope->lower = mock_lower_dup(id);
    const char *slash = strrchr(id, '/');
    scope->name = strdup(slash ? slash + 1 : id);
    scope->display_name = strdup(display ? display : scope->name);
    scope->tenant = tenant ? strdup(tenant) : NULL;
    scope->agreement = agreement ? strdup(agreement) : NULL;
    scope->type = type;
    return scope;
}

void mock_config_set_parent(mock_scope *scope, int slot, const char *parent_id)
{
    if (parent_id != NULL)
        scope->parents[slot] = mock_lower_dup(parent_id);
}

/* Billing accounts with their departments / enrollment accounts (EA), billing profiles /
 * invoice sections (MCA) and customers (MPA). */
static bool parse_billing(mock_config *config, json_t *array, mock_error *error)
{
    size_t i;
    json_t *ba;
    json_array_foreach(array, i, ba)
    {
        char where[64], id[1024];
        mock_format(where, sizeof where, "billing_accounts[%zu]", i);
        if (!mock_json_known_keys(ba, where,
                                  "id agreement display_name tenant departments "
                                  "enrollment_accounts billing_profiles customers",
                                  error))
            return false;
        char *name = NULL, *agreement = NULL, *display = NULL, *tenant = NULL;
        bool ok = mock_json_string(ba, "id", where, &name, true, error) &&
                  mock_json_string(ba, "agreement", where, &agreement, true, error) &&
                  mock_json_string(ba, "display_name", where, &display, false, error) &&
                  mock_json_string(ba, "tenant", where, &tenant, false, error);
        if (ok && strcmp(agreement, "EA") != 0 && strcmp(agreement, "MCA") != 0 &&
            strcmp(agreement, "MPA") != 0 && strcmp(agreement, "MOSP") != 0) {
            mock_error_set(error, "%s.agreement: '%s' is not one of EA, MCA, MPA, MOSP", where,
                           agreement);
            ok = false;
        }
        const char *t = tenant ? tenant : mock_config_first_tenant(config);
        char base[1024];
        if (ok) {
            mock_format(base, sizeof base, "/providers/Microsoft.Billing/billingAccounts/%s", name);
            ok = mock_config_add_scope(config, base, MOCK_SCOPE_BILLING_ACCOUNT, display, t,
                                       agreement) != NULL;
        }
        json_t *dept;
        size_t j;
        json_array_foreach(json_object_get(ba, "departments"), j, dept)
        {
            if (!ok || !json_is_object(dept) || !json_is_string(json_object_get(dept, "id"))) {
                mock_error_set(error, "%s.departments[%zu]: expected an object with an id", where,
                               j);
                ok = false;
                break;
            }
            char dept_id[1024];
            mock_format(dept_id, sizeof dept_id, "%s/departments/%s", base,
                        json_string_value(json_object_get(dept, "id")));
            mock_scope *s = mock_config_add_scope(
                config, dept_id, MOCK_SCOPE_DEPARTMENT,
                json_string_value(json_object_get(dept, "display_name")), t, agreement);
            mock_config_set_parent(s, 0, base);
            size_t k;
            json_t *ea;
            json_array_foreach(json_object_get(dept, "enrollment_accounts"), k, ea)
            {
                mock_format(id, sizeof id, "%s/enrollmentAccounts/%s", base, json_string_value(ea));
                if (json_is_string(ea))
                    mock_config_set_parent(mock_config_add_scope(config, id,
                                                                 MOCK_SCOPE_ENROLLMENT_ACCOUNT,
                                                                 NULL, t, agreement),
                                           0, dept_id);
            }
        }
        json_t *value;
        json_array_foreach(json_object_get(ba, "enrollment_accounts"), j, value)
        {
            if (ok && json_is_string(value)) {
                mock_format(id, sizeof id, "%s/enrollmentAccounts/%s", base,
                            json_string_value(value));
                mock_config_set_parent(mock_config_add_scope(config, id,
                                                             MOCK_SCOPE_ENROLLMENT_ACCOUNT, NULL, t,
                                                             agreement),
                                       0, base);
            }
        }
        json_t *bp;
        json_array_foreach(json_object_get(ba, "billing_profiles"), j, bp)
        {
            if (!ok || !json_is_object(bp) || !json_is_string(json_object_get(bp, "id"))) {
                mock_error_set(error, "%s.billing_profiles[%zu]: expected an object with an id",
                               where, j);
                ok = false;
                break;
            }
            char bp_id[1024];
            mock_format(bp_id, sizeof bp_id, "%s/billingProfiles/%s", base,
                        json_string_value(json_object_get(bp, "id")));
            mock_config_set_parent(
                mock_config_add_scope(config, bp_id, MOCK_SCOPE_BILLING_PROFILE,
                                      json_string_value(json_object_get(bp, "display_name")), t,
                                      agreement),
                0, base);
            size_t k;
            json_t *section;
            json_array_foreach(json_object_get(bp, "invoice_sections"), k, section)
            {
                mock_format(id, sizeof id, "%s/invoiceSections/%s", bp_id,
                            json_string_value(section));
                if (json_is_string(section))
                    mock_config_set_parent(mock_config_add_scope(config, id,
                                                                 MOCK_SCOPE_INVOICE_SECTION, NULL,
                                                                 t, agreement),
                                           0, bp_id);
            }
        }
        json_array_foreach(json_object_get(ba, "customers"), j, value)
        {
            if (ok && json_is_string(value)) {
                mock_format(id, sizeof id, "%s/customers/%s", base, json_string_value(value));
                mock_config_set_parent(
                    mock_config_add_scope(config, id, MOCK_SCOPE_CUSTOMER, NULL, t, agreement), 0,
                    base);
            }
        }
        free(name);
        free(agreement);
        free(display);
        free(tenant);
        if (!ok)
            return false;
    }
    return true;
}

static bool parse_management_groups(mock_config *config, json_t *array, mock_error *error)
{
    size_t i;
    json_t *mg;
    json_array_foreach(array, i, mg)
    {
        char where[64], id[1024], parent[1024];
        mock_format(where, sizeof where, "management_groups[%zu]", i);
        if (!mock_json_known_keys(mg, where, "id display_name parent tenant", error))
            return false;
        char *name = NULL, *display = NULL, *parent_name = NULL, *tenant = NULL;
        bool ok = mock_json_string(mg, "id", where, &name, true, error) &&
                  mock_json_string(mg, "display_name", where, &display, false, error) &&
                  mock_json_string(mg, "parent", where, &parent_name, false, error) &&
                  mock_json_string(mg, "tenant", where, &tenant, false, error);
        if (ok) {
            mock_format(id, sizeof id, "/providers/Microsoft.Management/managementGroups/%s", name);
            mock_scope *s =
                mock_config_add_scope(config, id, MOCK_SCOPE_MANAGEMENT_GROUP, display,
                                      tenant ? tenant : mock_config_first_tenant(config), NULL);
            if (parent_name != NULL) {
                mock_format(parent, sizeof parent,
                            "/providers/Microsoft.Management/managementGroups/%s", parent_name);
                mock_config_set_parent(s, 0, parent);
            }
        }
        free(name);
        free(display);
        free(parent_name);
        free(tenant);
        if (!ok)
            return false;
    }
    return true;
}

/* The most specific billing scope a subscription is billed under. */
static void billing_parent(json_t *sub, char *out, size_t size)
{
    const char *ba = json_string_value(json_object_get(sub, "billing_account"));
    const char *keys[] = {"invoice_section", "enrollment_account", "department", "customer"};
    const char *segments[] = {"invoiceSections", "enrollmentAccounts", "departments", "customers"};
    out[0] = '\0';
    if (ba == NULL)
        return;
    int n = mock_format(out, size, "/providers/Microsoft.Billing/billingAccounts/%s", ba);
    const char *bp = json_string_value(json_object_get(sub, "billing_profile"));
    if (bp != NULL)
        n += mock_format(out + n, size - (size_t)n, "/billingProfiles/%s", bp);
    for (int k = 0; k < 4; k++) {
        const char *v = json_string_value(json_object_get(sub, keys[k]));
        if (v != NULL && !(k == 0 && bp == NULL)) {
            mock_format(out + n, size - (size_t)n, "/%s/%s", segments[k], v);
            return;
        }
    }
}

static bool parse_subscriptions(mock_config *config, json_t *array, mock_error *error)
{
    size_t i;
    json_t *sub;
    json_array_foreach(array, i, sub)
    {
        char where[64], id[1024], parent[1024];
        mock_format(where, sizeof where, "subscriptions[%zu]", i);
        if (!mock_json_known_keys(sub, where,
                                  "id display_name tenant management_group billing_account "
                                  "department enrollment_account billing_profile "
                                  "invoice_section customer resource_groups",
                                  error))
            return false;
        char *name = NULL, *display = NULL, *tenant = NULL, *mg = NULL;
        bool ok = mock_json_string(sub, "id", where, &name, true, error) &&
                  mock_json_string(sub, "display_name", where, &display, false, error) &&
                  mock_json_string(sub, "tenant", where, &tenant, false, error) &&
                  mock_json_string(sub, "management_group", where, &mg, false, error);
        if (ok) {
            mock_format(id, sizeof id, "/subscriptions/%s", name);
            billing_parent(sub, parent, sizeof parent);
            const mock_scope *billing = parent[0] ? mock_config_find_scope(config, parent) : NULL;
            if (parent[0] != '\0' && billing == NULL) {
                mock_error_set(error, "%s: billing scope %s is not configured", where, parent);
                ok = false;
            }
            char *agreement = billing && billing->agreement ? strdup(billing->agreement) : NULL;
            mock_scope *s = ok ? mock_config_add_scope(
                                     config, id, MOCK_SCOPE_SUBSCRIPTION, display,
                                     tenant ? tenant : mock_config_first_tenant(config), agreement)
                               : NULL;
            if (s != NULL && parent[0] != '\0')
                mock_config_set_parent(s, 1, parent);
            if (s != NULL && mg != NULL) {
                mock_format(parent, sizeof parent,
                            "/providers/Microsoft.Management/managementGroups/%s", mg);
                mock_config_set_parent(s, 0, parent);
            }
            size_t j;
            json_t *rg;
            json_array_foreach(json_object_get(sub, "resource_groups"), j, rg)
            {
                if (ok && json_is_string(rg)) {
                    mock_format(parent, sizeof parent, "%s/resourceGroups/%s", id,
                                json_string_value(rg));
                    mock_scope *r = mock_config_add_scope(
                        config, parent, MOCK_SCOPE_RESOURCE_GROUP, NULL,
                        tenant ? tenant : mock_config_first_tenant(config), agreement);
                    mock_config_set_parent(r, 0, id);
                }
            }
            free(agreement);
        }
        free(name);
        free(display);
        free(tenant);
        free(mg);
        if (!ok)
            return false;
    }
    return true;
}

bool mock_config_parse_scopes(mock_config *config, json_t *root, mock_error *error)
{
    return parse_billing(config, json_object_get(root, "billing_accounts"), error) &&
           parse_management_groups(config, json_object_get(root, "management_groups"), error) &&
           parse_subscriptions(config, json_object_get(root, "subscriptions"), error);
}
