/* The ARM look-ups around exports: GET /subscriptions (az login needs displayName),
 * management group descendants, billing subscriptions and billing/MG scope resources. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mock_lookups_handle(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_principal *caller, const char *tenant);

/* A principal sees a subscription with a role at it, above it, or on one of its groups. */
static bool can_see(const mock_server *server, const char *object_id, const mock_scope *sub)
{
    if (mock_rbac_allows(server, object_id, sub, "read"))
        return true;
    const mock_config *config = &server->config;
    for (size_t i = 0; i < config->scope_count; i++) {
        const mock_scope *s = &config->scopes[i];
        if (s->type == MOCK_SCOPE_RESOURCE_GROUP && s->parents[0] != NULL &&
            strcmp(s->parents[0], sub->lower) == 0 &&
            mock_rbac_allows(server, object_id, s, "read"))
            return true;
    }
    return false;
}

static json_t *subscription_json(const mock_scope *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:{s:s, s:s, s:s}}", "id", s->id,
                     "authorizationSource", "RoleBased", "subscriptionId", s->name, "tenantId",
                     s->tenant ? s->tenant : "", "displayName", s->display_name, "state", "Enabled",
                     "managedByTenants", "subscriptionPolicies", "locationPlacementId",
                     "Public_2014-09-01", "quotaId", "EnterpriseAgreement_2014-09-01",
                     "spendingLimit", "Off");
}

static void list_subscriptions(mock_server *server, const mock_principal *caller,
                               const char *tenant, mock_reply *reply)
{
    json_t *value = json_array();
    const mock_config *config = &server->config;
    for (size_t i = 0; i < config->scope_count; i++) {
        const mock_scope *s = &config->scopes[i];
        if (s->type == MOCK_SCOPE_SUBSCRIPTION && s->tenant && strcasecmp(s->tenant, tenant) == 0 &&
            can_see(server, caller->object_id, s))
            json_array_append_new(value, subscription_json(s));
    }
    size_t count = json_array_size(value);
    mock_reply_json(reply, 200,
                    json_pack("{s:{s:s, s:i}, s:o}", "count", "type", "Total", "value", (int)count,
                              "value", value));
}

static const char *agreement_name(const char *agreement)
{
    if (agreement == NULL)
        return "";
    if (strcmp(agreement, "EA") == 0)
        return "EnterpriseAgreement";
    if (strcmp(agreement, "MCA") == 0)
        return "MicrosoftCustomerAgreement";
    if (strcmp(agreement, "MPA") == 0)
        return "MicrosoftPartnerAgreement";
    return "MicrosoftOnlineServicesProgram";
}

static void descendants(mock_server *server, const mock_scope *mg, mock_reply *reply)
{
    json_t *value = json_array();
    const mock_config *config = &server->config;
    for (size_t i = 0; i < config->scope_count; i++) {
        const mock_scope *s = &config->scopes[i];
        if ((s->type != MOCK_SCOPE_MANAGEMENT_GROUP && s->type != MOCK_SCOPE_SUBSCRIPTION) ||
            !mock_scope_is_under(config, s, mg->lower))
            continue;
        const mock_scope *parent = mock_config_find_scope(config, s->parents[0]);
        json_array_append_new(value,
                              json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:s}}}", "id", s->id, "type",
                                        s->type == MOCK_SCOPE_SUBSCRIPTION
                                            ? "Microsoft.Management/managementGroups/subscriptions"
                                            : "Microsoft.Management/managementGroups",
                                        "name", s->name, "properties", "displayName",
                                        s->display_name, "parent", "id", parent ? parent->id : ""));
    }
    mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
}

/* The billing scopes of one type above a subscription, e.g. its invoice section. */
static const char *billing_ancestor(const mock_config *config, const mock_scope *sub,
                                    mock_scope_type type)
{
    for (size_t i = 0; i < config->scope_count; i++) {
        const mock_scope *s = &config->scopes[i];
        if (s->type == type && mock_scope_is_under(config, sub, s->lower))
            return s->id;
    }
    return NULL;
}

static void billing_subscriptions(mock_server *server, const mock_scope *scope, mock_reply *reply)
{
    json_t *value = json_array();
    const mock_config *config = &server->config;
    for (size_t i = 0; i < config->scope_count; i++) {
        const mock_scope *s = &config->scopes[i];
        if (s->type != MOCK_SCOPE_SUBSCRIPTION || !mock_scope_is_under(config, s, scope->lower))
            continue;
        char id[1200];
        snprintf(id, sizeof id, "%s/billingSubscriptions/%s", scope->id, s->name);
        json_t *properties = json_pack("{s:s, s:s, s:s}", "displayName", s->display_name,
                                       "subscriptionId", s->name, "status", "Active");
        const struct {
            const char *field;
            mock_scope_type type;
        } links[] = {{"billingAccountId", MOCK_SCOPE_BILLING_ACCOUNT},
                     {"billingProfileId", MOCK_SCOPE_BILLING_PROFILE},
                     {"invoiceSectionId", MOCK_SCOPE_INVOICE_SECTION},
                     {"departmentId", MOCK_SCOPE_DEPARTMENT},
                     {"enrollmentAccountId", MOCK_SCOPE_ENROLLMENT_ACCOUNT},
                     {"customerId", MOCK_SCOPE_CUSTOMER}};
        for (size_t k = 0; k < sizeof links / sizeof links[0]; k++) {
            const char *ancestor = billing_ancestor(config, s, links[k].type);
            if (ancestor != NULL)
                json_object_set_new(properties, links[k].field, json_string(ancestor));
        }
        json_array_append_new(value,
                              json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name", s->name, "type",
                                        "Microsoft.Billing/billingAccounts/"
                                        "billingSubscriptions",
                                        "properties", properties));
    }
    mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
}

static void scope_resource(const mock_scope *scope, mock_reply *reply)
{
    json_t *properties = json_pack("{s:s}", "displayName", scope->display_name);
    const char *type = "Microsoft.Management/managementGroups";
    if (scope->type != MOCK_SCOPE_MANAGEMENT_GROUP) {
        json_object_set_new(properties, "agreementType",
                            json_string(agreement_name(scope->agreement)));
        type = scope->type == MOCK_SCOPE_BILLING_ACCOUNT ? "Microsoft.Billing/billingAccounts"
                                                         : "Microsoft.Billing/billingAccounts/"
                                                           "child";
    } else if (scope->parents[0] != NULL) {
        json_object_set_new(properties, "details",
                            json_pack("{s:{s:s}}", "parent", "id", scope->parents[0]));
    }
    if (scope->tenant != NULL)
        json_object_set_new(properties, "tenantId", json_string(scope->tenant));
    mock_reply_json(reply, 200,
                    json_pack("{s:s, s:s, s:s, s:o}", "id", scope->id, "name", scope->name, "type",
                              type, "properties", properties));
}

void mock_lookups_handle(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_principal *caller, const char *tenant)
{
    const char *route = request->route;
    if (strcmp(route, "arm.unknown") == 0) {
        mock_reply_arm_error(reply, 404, "NotFound",
                             "No HTTP resource was found that matches the request URI '%s'.",
                             request->path);
        return;
    }
    if (strcmp(request->method, "GET") != 0) {
        mock_reply_arm_error(reply, 405, "MethodNotAllowed",
                             "The requested resource does not support http method '%s'.",
                             request->method);
        return;
    }
    if (strcmp(route, "subscriptions.list") == 0) {
        list_subscriptions(server, caller, tenant, reply);
        return;
    }
    char scope_id[1024];
    snprintf(scope_id, sizeof scope_id, "%s", request->path);
    if (strcmp(route, "managementGroups.descendants") == 0)
        scope_id[strlen(scope_id) - strlen("/descendants")] = '\0';
    else if (strcmp(route, "billing.subscriptions") == 0)
        scope_id[strlen(scope_id) - strlen("/billingSubscriptions")] = '\0';
    const mock_scope *scope = mock_config_find_scope(&server->config, scope_id);
    bool visible =
        scope != NULL && (scope->type == MOCK_SCOPE_SUBSCRIPTION
                              ? can_see(server, caller->object_id, scope)
                              : mock_rbac_allows(server, caller->object_id, scope, "read"));
    if (scope == NULL || (scope->tenant && strcasecmp(scope->tenant, tenant) != 0)) {
        if (strcmp(route, "subscriptions.get") == 0)
            mock_reply_arm_error(reply, 404, "SubscriptionNotFound",
                                 "The subscription '%s' could not be found.", scope_id + 15);
        else
            mock_reply_arm_error(reply, 404, "NotFound", "The scope '%s' could not be found.",
                                 scope_id);
    } else if (!visible) {
        mock_reply_arm_error(reply, 403, "AuthorizationFailed",
                             "The client '%s' with object id '%s' does not have authorization to "
                             "perform action 'read' over scope '%s' or the scope is invalid.",
                             caller->object_id, caller->object_id, scope->id);
    } else if (strcmp(route, "subscriptions.get") == 0) {
        mock_reply_json(reply, 200, subscription_json(scope));
    } else if (strcmp(route, "managementGroups.descendants") == 0 &&
               scope->type == MOCK_SCOPE_MANAGEMENT_GROUP) {
        descendants(server, scope, reply);
    } else if (strcmp(route, "billing.subscriptions") == 0 &&
               scope->type >= MOCK_SCOPE_BILLING_ACCOUNT) {
        billing_subscriptions(server, scope, reply);
    } else if (strcmp(route, "scope.get") == 0) {
        scope_resource(scope, reply);
    } else {
        mock_reply_arm_error(reply, 404, "NotFound",
                             "No HTTP resource was found that matches the request URI '%s'.",
                             request->path);
    }
}
