/* Managed identity on plain http: IMDS (/metadata/identity/oauth2/token), App Service /
 * Container Apps (X-IDENTITY-HEADER), legacy MSI_SECRET and Cloud Shell style endpoints. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mi_error(mock_reply *reply, unsigned status, const char *error, const char *description)
{
    mock_reply_json(reply, status,
                    json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

/* Picks the identity: by client id, object (principal) id or ARM resource id, or the
 * system-assigned one when none is named. */
static const mock_principal *select_identity(const mock_config *config, const char *client_id,
                                             const char *object_id, const char *resource_id)
{
    for (size_t i = 0; i < config->principal_count; i++) {
        const mock_principal *p = &config->principals[i];
        if (p->kind == MOCK_PRINCIPAL_SERVICE)
            continue;
        if (client_id != NULL) {
            if (strcasecmp(p->client_id, client_id) == 0)
                return p;
        } else if (object_id != NULL) {
            if (strcasecmp(p->object_id, object_id) == 0)
                return p;
        } else if (resource_id != NULL) {
            if (p->resource_id != NULL && strcasecmp(p->resource_id, resource_id) == 0)
                return p;
        } else if (p->kind == MOCK_PRINCIPAL_MI_SYSTEM) {
            return p;
        }
    }
    return NULL;
}

static char *decoded_resource(const char *raw)
{
    if (raw == NULL)
        return NULL;
    char buf[1024];
    /* Some clients encode the resource twice; the listener already decoded it once. */
    if (strchr(raw, '%') != NULL && strlen(raw) < sizeof buf - 3) {
        snprintf(buf, sizeof buf, "r=%s", raw);
        return mock_form_value(buf, strlen(buf), "r");
    }
    char *out = strdup(raw);
    size_t len = out ? strlen(out) : 0;
    if (len >= 9 && strcmp(out + len - 9, "/.default") == 0)
        out[len - 9] = '\0';
    return out;
}

static void issue(mock_server *server, mock_request *request, mock_reply *reply,
                  const char *raw_resource, const char *client_id, const char *object_id,
                  const char *resource_id)
{
    char *resource = decoded_resource(raw_resource);
    const char *audience = mock_audience_for(resource);
    const mock_principal *identity =
        select_identity(&server->config, client_id, object_id, resource_id);
    if (resource == NULL || resource[0] == '\0') {
        mi_error(reply, 400, "invalid_request", "Required audience parameter not specified");
    } else if (audience == NULL) {
        char description[1200];
        snprintf(description, sizeof description,
                 "AADSTS500011: The resource principal named %s was not found in the tenant.",
                 resource);
        mi_error(reply, 400, "invalid_resource", description);
    } else if (identity == NULL) {
        mi_error(reply, 400, "invalid_request",
                 client_id || object_id || resource_id
                     ? "Identity not found: no managed identity with that id is assigned"
                     : "Identity not found: no system-assigned managed identity");
    } else {
        time_t expires = 0;
        char *token = mock_token_issue(server, identity, audience, &expires);
        if (token == NULL) {
            mi_error(reply, 500, "unknown", "The mock could not sign a token.");
            free(resource);
            return;
        }
        char in[32], on[32], nbf[32];
        snprintf(in, sizeof in, "%ld", server->token_lifetime_s);
        snprintf(on, sizeof on, "%lld", (long long)expires);
        snprintf(nbf, sizeof nbf, "%lld", (long long)(expires - server->token_lifetime_s));
        mock_reply_json(reply, 200,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "access_token",
                                  token ? token : "", "refresh_token", "", "expires_in", in,
                                  "expires_on", on, "not_before", nbf, "resource", resource,
                                  "token_type", "Bearer", "client_id", identity->client_id));
        request->principal = strdup(identity->object_id);
        free(token);
    }
    free(resource);
}

static bool metadata_header(const mock_request *request)
{
    const char *value = mock_request_header(request, "Metadata");
    return value != NULL && strcasecmp(value, "true") == 0;
}

static void imds(mock_server *server, mock_request *request, mock_reply *reply)
{
    if (!metadata_header(request)) {
        mi_error(reply, 400, "bad_request_102", "Required metadata header not specified");
    } else if (strcmp(request->method, "GET") != 0) {
        mi_error(reply, 405, "method_not_allowed", "IMDS token requests must use GET");
    } else if (mock_request_query(request, "api-version") == NULL) {
        mi_error(reply, 400, "invalid_request", "Required query variable 'api-version' is missing");
    } else {
        const char *res_id = mock_request_query(request, "msi_res_id");
        issue(server, request, reply, mock_request_query(request, "resource"),
              mock_request_query(request, "client_id"), mock_request_query(request, "object_id"),
              res_id ? res_id : mock_request_query(request, "mi_res_id"));
    }
}

static void app_service(mock_server *server, mock_request *request, mock_reply *reply)
{
    const char *identity_header = mock_request_header(request, "X-IDENTITY-HEADER");
    const char *secret = mock_request_header(request, "secret");
    const char *api_version = mock_request_query(request, "api-version");
    if (strcmp(request->method, "POST") == 0) {
        /* Cloud Shell style (what `az login --identity` does with MSI_ENDPOINT). */
        if (!metadata_header(request)) {
            mi_error(reply, 400, "bad_request_102", "Required metadata header not specified");
            return;
        }
        char *resource = mock_form_value(request->body, request->body_len, "resource");
        char *client_id = mock_form_value(request->body, request->body_len, "client_id");
        issue(server, request, reply, resource, client_id, NULL, NULL);
        free(resource);
        free(client_id);
    } else if (identity_header != NULL) {
        if (strcmp(identity_header, server->config.identity_header) != 0) {
            mi_error(reply, 401, "unauthorized", "X-IDENTITY-HEADER does not match");
        } else if (api_version == NULL || strcmp(api_version, "2019-08-01") != 0) {
            mi_error(reply, 400, "invalid_request",
                     "api-version 2019-08-01 is required with X-IDENTITY-HEADER");
        } else {
            const char *object_id = mock_request_query(request, "principal_id");
            issue(server, request, reply, mock_request_query(request, "resource"),
                  mock_request_query(request, "client_id"),
                  object_id ? object_id : mock_request_query(request, "object_id"),
                  mock_request_query(request, "mi_res_id"));
        }
    } else if (secret != NULL) {
        if (strcmp(secret, server->config.msi_secret) != 0)
            mi_error(reply, 401, "unauthorized", "The secret header does not match");
        else if (api_version == NULL || strcmp(api_version, "2017-09-01") != 0)
            mi_error(reply, 400, "invalid_request",
                     "api-version 2017-09-01 is required with the secret header");
        else
            issue(server, request, reply, mock_request_query(request, "resource"),
                  mock_request_query(request, "clientid"), NULL, NULL);
    } else {
        mi_error(reply, 400, "invalid_request",
                 "Neither X-IDENTITY-HEADER nor secret header was sent");
    }
}

void mock_imds_handle(mock_server *server, mock_request *request, mock_reply *reply)
{
    if (strcmp(request->path, "/metadata/identity/oauth2/token") == 0 ||
        strcmp(request->path, "/metadata/identity/oauth2/token/") == 0)
        imds(server, request, reply);
    else if (strcmp(request->path, "/msi/token") == 0 || strcmp(request->path, "/msi/token/") == 0)
        app_service(server, request, reply);
    else
        mi_error(reply, 404, "not_found", "No such managed identity endpoint");
}
