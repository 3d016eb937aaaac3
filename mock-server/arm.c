/* ARM front door: route names, bearer token validation (signature, audience, expiry,
 * tenant), scope resolution, RBAC and throttling before the Cost Management handlers. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COST_PROVIDER "/providers/Microsoft.CostManagement/"

void mock_lookups_handle(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_principal *caller, const char *tenant);

static const char *exports_route(const char *method, const char *rest)
{
    /* rest: "exports", "exports/{name}", "exports/{name}/run", "exports/{name}/runHistory" */
    const char *slash = strchr(rest, '/');
    if (strcasecmp(rest, "exports") == 0 || strcasecmp(rest, "exports/") == 0)
        return strcmp(method, "GET") == 0 ? "exports.list" : "exports.unknown";
    if (slash == NULL || strncasecmp(rest, "exports/", 8) != 0)
        return "arm.unknown";
    const char *tail = strchr(slash + 1, '/');
    if (tail == NULL) {
        if (strcmp(method, "GET") == 0)
            return "exports.get";
        if (strcmp(method, "PUT") == 0)
            return "exports.put";
        if (strcmp(method, "DELETE") == 0)
            return "exports.delete";
        return "exports.unknown";
    }
    if (strcasecmp(tail, "/run") == 0)
        return strcmp(method, "POST") == 0 ? "exports.run" : "exports.unknown";
    if (strcasecmp(tail, "/runHistory") == 0)
        return strcmp(method, "GET") == 0 ? "exports.runHistory" : "exports.unknown";
    return "arm.unknown";
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t a = strlen(text), b = strlen(suffix);
    return a >= b && strcasecmp(text + a - b, suffix) == 0;
}

const char *mock_route_of(const mock_request *request)
{
    const char *path = request->path;
    if (request->listener == MOCK_LISTENER_ADMIN)
        return "admin";
    if (request->listener == MOCK_LISTENER_IMDS) {
        if (strncmp(path, "/metadata/identity/oauth2/token", 31) == 0)
            return "imds.token";
        if (strncmp(path, "/msi/token", 10) != 0)
            return "imds.unknown";
        if (strcmp(request->method, "POST") == 0)
            return "cloudshell.token";
        return mock_request_header(request, "secret") ? "msi.token" : "appservice.token";
    }
    if (mock_entra_owns(path)) {
        if (strstr(path, "/token") != NULL)
            return "entra.token";
        if (strstr(path, "openid-configuration") != NULL)
            return "entra.discovery";
        if (strstr(path, "/keys") != NULL)
            return "entra.jwks";
        return "entra.other";
    }
    const char *cost = strcasestr(path, COST_PROVIDER);
    if (cost != NULL)
        return exports_route(request->method, cost + strlen(COST_PROVIDER));
    const char *factory = mock_datafactory_route(request->method, path);
    if (factory != NULL)
        return factory;
    if (strcasecmp(path, "/subscriptions") == 0 || strcasecmp(path, "/subscriptions/") == 0)
        return "subscriptions.list";
    if (strncasecmp(path, "/subscriptions/", 15) == 0 && strchr(path + 15, '/') == NULL)
        return "subscriptions.get";
    if (ends_with(path, "/descendants"))
        return "managementGroups.descendants";
    if (ends_with(path, "/billingSubscriptions"))
        return "billing.subscriptions";
    if (strncasecmp(path, "/providers/Microsoft.Billing/billingAccounts/", 45) == 0 ||
        strncasecmp(path, "/providers/Microsoft.Management/managementGroups/", 49) == 0)
        return "scope.get";
    return "arm.unknown";
}

static void unauthorized(mock_reply *reply, const char *code, const char *message)
{
    mock_reply_arm_error(reply, 401, code, "%s", message);
    char header[1024];
    snprintf(header, sizeof header,
             "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", "
             "error_description=\"%s\"",
             message);
    mock_reply_header(reply, "WWW-Authenticate", header);
}

static void format_us_time(time_t t, char *buf, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%m/%d/%Y %H:%M:%S", &tm);
}

/* Validates the bearer token; returns the caller or NULL with a 401 reply. */
static const mock_principal *authenticate(mock_server *server, mock_request *request,
                                          mock_reply *reply, const char **out_tenant)
{
    const char *header = mock_request_header(request, "Authorization");
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0) {
        unauthorized(reply, "AuthenticationFailed",
                     "Authentication failed. The 'Authorization' header is missing.");
        return NULL;
    }
    mock_jwt jwt;
    if (!mock_jwt_parse(header + 7, &jwt)) {
        unauthorized(reply, "InvalidAuthenticationToken",
                     "The access token is invalid: it is not a signed JWT.");
        return NULL;
    }
    const mock_principal *caller = NULL;
    const char *kid = json_string_value(json_object_get(jwt.header, "kid"));
    const char *aud = json_string_value(json_object_get(jwt.claims, "aud"));
    const char *tid = json_string_value(json_object_get(jwt.claims, "tid"));
    const char *oid = json_string_value(json_object_get(jwt.claims, "oid"));
    json_t *exp = json_object_get(jwt.claims, "exp");
    json_t *nbf = json_object_get(jwt.claims, "nbf");
    double now = mock_now(server);
    if (!mock_signing_wait(server) || kid == NULL || strcmp(kid, server->keys.kid) != 0 ||
        !mock_jwt_verify(&jwt, server->keys.signing_key)) {
        unauthorized(reply, "InvalidAuthenticationToken",
                     "The access token is invalid: signature validation failed.");
    } else if (aud == NULL || (strcasecmp(aud, "https://management.azure.com/") != 0 &&
                               strcasecmp(aud, "https://management.azure.com") != 0 &&
                               strcasecmp(aud, "https://management.core.windows.net/") != 0 &&
                               strcasecmp(aud, "https://management.core.windows.net") != 0)) {
        char message[768];
        snprintf(message, sizeof message,
                 "The access token has been obtained for wrong audience or resource '%s'. It "
                 "should exactly match with one of the allowed audiences "
                 "'https://management.core.windows.net/','https://management.core.windows.net',"
                 "'https://management.azure.com/','https://management.azure.com'.",
                 aud ? aud : "");
        unauthorized(reply, "InvalidAuthenticationTokenAudience", message);
    } else if (!json_is_number(exp) || json_number_value(exp) <= now) {
        char message[256], then[32], current[32];
        format_us_time((time_t)json_number_value(exp), then, sizeof then);
        format_us_time((time_t)now, current, sizeof current);
        snprintf(message, sizeof message,
                 "The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
                 then, current);
        unauthorized(reply, "ExpiredAuthenticationToken", message);
    } else if (nbf != NULL && json_number_value(nbf) > now + 300) {
        unauthorized(reply, "InvalidAuthenticationToken",
                     "The access token is not yet valid (nbf is in the future).");
    } else if ((caller = mock_config_find_principal_by_oid(&server->config, oid)) == NULL ||
               tid == NULL || strcasecmp(caller->tenant, tid) != 0) {
        caller = NULL;
        unauthorized(reply, "InvalidAuthenticationToken",
                     "The access token is invalid: unknown object id or tenant.");
    } else {
        *out_tenant = caller->tenant;
        request->principal = strdup(caller->object_id);
    }
    mock_jwt_dispose(&jwt);
    return caller;
}

static bool scope_tenant_ok(const mock_scope *scope, const char *tenant, mock_reply *reply)
{
    if (scope->tenant == NULL || strcasecmp(scope->tenant, tenant) == 0)
        return true;
    char message[640];
    snprintf(message, sizeof message,
             "The access token is from the wrong issuer 'https://sts.windows.net/%s/'. It must "
             "match the tenant 'https://sts.windows.net/%s/' associated with this subscription. "
             "Please use the authority (URL) 'https://login.windows.net/%s' to get the token.",
             tenant, scope->tenant, scope->tenant);
    unauthorized(reply, "InvalidAuthenticationTokenTenant", message);
    return false;
}

/* The scope part of a Cost Management path, normalised to one leading slash. */
static void scope_of(const char *path, const char *cost, char *out, size_t size)
{
    while (path[0] == '/' && path[1] == '/')
        path++;
    size_t len = (size_t)(cost - path);
    snprintf(out, size, "%s%.*s", path[0] == '/' ? "" : "/", (int)len, path);
}

static void scope_not_found(const char *scope, mock_reply *reply)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", scope);
    const char *last = strrchr(copy, '/');
    char *rg = strcasestr(copy, "/resourceGroups/");
    if (strncasecmp(copy, "/subscriptions/", 15) == 0 && rg == NULL) {
        mock_reply_arm_error(reply, 404, "SubscriptionNotFound",
                             "The subscription '%s' could not be found.", last ? last + 1 : copy);
    } else if (rg != NULL) {
        mock_reply_arm_error(reply, 404, "ResourceGroupNotFound",
                             "Resource group '%s' could not be found.", last ? last + 1 : copy);
    } else {
        mock_reply_arm_error(reply, 404, "NotFound", "The scope '%s' could not be found.", copy);
    }
}

static const char *action_of(const char *method)
{
    if (strcmp(method, "GET") == 0)
        return "read";
    if (strcmp(method, "PUT") == 0)
        return "write";
    if (strcmp(method, "DELETE") == 0)
        return "delete";
    return "action";
}

void mock_arm_handle(mock_server *server, mock_request *request, mock_reply *reply)
{
    const char *tenant = NULL;
    const mock_principal *caller = authenticate(server, request, reply, &tenant);
    if (caller == NULL)
        return;
    const char *api_version = mock_request_query(request, "api-version");
    if (api_version == NULL) {
        mock_reply_arm_error(reply, 400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for "
                             "all requests.");
        return;
    }
    if (strncmp(request->route, "datafactory.", 12) == 0) {
        if (mock_throttle_check(server, request, NULL, caller->client_id, tenant, false, reply))
            mock_datafactory_handle(server, request, reply, caller);
        return;
    }
    const char *cost = strcasestr(request->path, COST_PROVIDER);
    if (cost == NULL) {
        if (!mock_throttle_check(server, request, NULL, caller->client_id, tenant, false, reply))
            return;
        mock_lookups_handle(server, request, reply, caller, tenant);
        return;
    }
    const char *rest = cost + strlen(COST_PROVIDER);
    if (strcmp(request->route, "arm.unknown") == 0 && strncasecmp(rest, "exports/", 8) == 0) {
        mock_reply_arm_error(reply, 404, "NotFound",
                             "No HTTP resource was found that matches the request URI '%s'.",
                             request->path);
        return;
    }
    if (strncasecmp(rest, "exports", 7) != 0 || (rest[7] != '\0' && rest[7] != '/')) {
        mock_reply_arm_error(reply, 404, "InvalidResourceType",
                             "The resource type '%.*s' could not be found in the namespace "
                             "'Microsoft.CostManagement' for api version '%s'.",
                             (int)strcspn(rest, "/"), rest, api_version);
        return;
    }
    if (strcmp(request->route, "exports.unknown") == 0) {
        mock_reply_arm_error(reply, 405, "MethodNotAllowed",
                             "The requested resource does not support http method '%s'.",
                             request->method);
        return;
    }
    if (!mock_api_version_known(api_version)) {
        mock_reply_arm_error(reply, 400, "NoRegisteredProviderFound",
                             "No registered resource provider found for location 'global' and API "
                             "version '%s' for type 'exports'. The supported api-versions are "
                             "'2019-11-01, 2020-06-01, 2021-10-01, 2022-10-01, 2023-03-01, "
                             "2023-04-01-preview, 2023-07-01-preview, 2023-08-01, 2023-09-01, "
                             "2023-11-01, 2024-08-01, 2025-03-01'.",
                             api_version);
        return;
    }
    char scope_id[1024];
    scope_of(request->path, cost, scope_id, sizeof scope_id);
    const mock_scope *scope = mock_config_find_scope(&server->config, scope_id);
    if (scope == NULL || scope->type == MOCK_SCOPE_STORAGE_ACCOUNT) {
        scope_not_found(scope_id, reply);
        return;
    }
    if (!scope_tenant_ok(scope, tenant, reply))
        return;
    const char *action = action_of(request->method);
    if (!mock_rbac_allows(server, caller->object_id, scope, action)) {
        bool billing = scope->type >= MOCK_SCOPE_BILLING_ACCOUNT;
        if (billing)
            mock_reply_arm_error(reply, 403, "RBACAccessDenied",
                                 "The client does not have authorization to perform action.");
        else
            mock_reply_arm_error(reply, 403, "AuthorizationFailed",
                                 "The client '%s' with object id '%s' does not have authorization "
                                 "to perform action 'Microsoft.CostManagement/exports/%s' over "
                                 "scope '%s' or the scope is invalid. If access was recently "
                                 "granted, please refresh your credentials.",
                                 caller->object_id, caller->object_id, action, scope->id);
        return;
    }
    if (!mock_throttle_check(server, request, scope->lower, caller->client_id, tenant, true, reply))
        return;
    mock_exports_handle(server, request, reply, scope, rest, api_version, caller);
}
