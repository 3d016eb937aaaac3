/* Cost Management exports: List / Get (+$expand=runHistory) / Create-or-update with eTag
 * checks / Delete / Run / runHistory, stored in memory per scope. */
#include "mock-server/mock_int.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *export_key(const mock_scope *scope, const char *name)
{
    size_t len = strlen(scope->lower) + strlen(name) + 2;
    char *key = malloc(len);
    if (key == NULL)
        return NULL;
    snprintf(key, len, "%s|%s", scope->lower, name);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return key;
}

static mock_export *find_export(mock_server *server, const mock_scope *scope, const char *name)
{
    char *key = export_key(scope, name);
    mock_export *found = NULL;
    for (size_t i = 0; key != NULL && i < server->export_count && found == NULL; i++)
        if (strcmp(server->exports[i].key, key) == 0)
            found = &server->exports[i];
    free(key);
    return found;
}

/* Exports made with the newer shape are invisible to the oldest api-versions [obs]. */
static bool visible_at(const mock_export *export, const char *api_version)
{
    bool new_export = strcmp(export->api_version, "2023-07-01-preview") == 0 ||
                      strcmp(export->api_version, "2025-03-01") >= 0;
    return !(new_export && strcmp(api_version, "2021-01-01") < 0);
}

static void free_run(mock_export_run *run)
{
    free(run->id);
    free(run->run_id);
    free(run->submitted_by);
    free(run->execution_type);
    free(run->from);
    free(run->to);
    free(run->forced_outcome);
    free(run->failure);
    json_decref(run->settings);
}

static void free_export(mock_export *export)
{
    free(export->scope_id);
    free(export->name);
    free(export->key);
    free(export->etag);
    free(export->api_version);
    json_decref(export->body);
    for (size_t i = 0; i < export->run_count; i++)
        free_run(&export->runs[i]);
    free(export->runs);
}

void mock_exports_clear(mock_server *server)
{
    for (size_t i = 0; i < server->export_count; i++)
        free_export(&server->exports[i]);
    free(server->exports);
    server->exports = NULL;
    server->export_count = 0;
}

static char *new_etag(void)
{
    unsigned char raw[8];
    RAND_bytes(raw, sizeof raw);
    char *etag = malloc(24);
    if (etag != NULL)
        snprintf(etag, 24, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", raw[0], raw[1], raw[2], raw[3],
                 raw[4], raw[5], raw[6], raw[7]);
    return etag;
}

/* The first occurrence of an active schedule at or after `after`; false when there is none
 * (inactive, no recurrence, or past recurrencePeriod.to). */
bool mock_schedule_next(json_t *props, time_t after, time_t *out)
{
    json_t *schedule = json_object_get(props, "schedule");
    const char *status = json_string_value(json_object_get(schedule, "status"));
    const char *recurrence = json_string_value(json_object_get(schedule, "recurrence"));
    json_t *period = json_object_get(schedule, "recurrencePeriod");
    time_t from, to = 0;
    if (status == NULL || strcasecmp(status, "Active") != 0 || recurrence == NULL ||
        strcmp(recurrence, "None") == 0 ||
        !mock_parse_time(json_string_value(json_object_get(period, "from")), &from))
        return false;
    bool bounded = mock_parse_time(json_string_value(json_object_get(period, "to")), &to);
    struct tm tm;
    gmtime_r(&from, &tm);
    for (int guard = 0; from < after && guard < 100000; guard++) {
        if (strcasecmp(recurrence, "Daily") == 0)
            tm.tm_mday += 1;
        else if (strcasecmp(recurrence, "Weekly") == 0)
            tm.tm_mday += 7;
        else if (strcasecmp(recurrence, "Monthly") == 0)
            tm.tm_mon += 1;
        else
            tm.tm_year += 1;
        from = timegm(&tm);
    }
    if (bounded && from > to)
        return false;
    *out = from;
    return true;
}

static void next_run_estimate(mock_server *server, json_t *props)
{
    time_t next;
    if (!mock_schedule_next(props, (time_t)mock_now(server), &next))
        return;
    char text[40];
    mock_format_time(next, 0, false, text);
    json_object_set_new(props, "nextRunTimeEstimate", json_string(text));
}

void mock_exports_schedule(mock_server *server)
{
    time_t now = (time_t)mock_now(server);
    for (size_t i = 0; i < server->export_count; i++) {
        mock_export *e = &server->exports[i];
        json_t *props = json_object_get(e->body, "properties");
        if (e->next_due == 0 || now < e->next_due)
            continue;
        /* Due: one Scheduled run by System; missed occurrences are not replayed. */
        mock_run_submit(server, e, NULL, NULL, NULL, NULL);
        if (!mock_schedule_next(props, now + 1, &e->next_due))
            e->next_due = 0;
    }
}

/* The export as ARM returns it; runs = 0 (none), 1 (last run) or 10 (last ten). */
static json_t *export_json(mock_server *server, mock_export *export, size_t runs)
{
    char id[1400];
    snprintf(id, sizeof id, "%s/providers/Microsoft.CostManagement/exports/%s", export->scope_id,
             export->name);
    json_t *out = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", export->name, "type",
                            "Microsoft.CostManagement/exports", "eTag", export->etag);
    const char *key;
    json_t *value;
    json_object_foreach(export->body, key, value)
    {
        if (strcmp(key, "eTag") != 0 && strcmp(key, "id") != 0 && strcmp(key, "name") != 0 &&
            strcmp(key, "type") != 0)
            json_object_set_new(out, key, json_deep_copy(value));
    }
    json_t *props = json_object_get(out, "properties");
    next_run_estimate(server, props);
    if (runs > 0) {
        json_t *history = json_array();
        for (size_t i = export->run_count; i > 0 && json_array_size(history) < runs; i--)
            json_array_append_new(history, mock_run_to_json(server, export, &export->runs[i - 1]));
        json_object_set_new(props, "runHistory", json_pack("{s:o}", "value", history));
    }
    return out;
}

static bool expand_runs(const mock_request *request)
{
    const char *expand = mock_request_query(request, "$expand");
    return expand != NULL && strcasecmp(expand, "runHistory") == 0;
}

static bool valid_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
            return false;
    return true;
}

static void put_export(mock_server *server, mock_request *request, mock_reply *reply,
                       const mock_scope *scope, const char *name, const char *api_version,
                       const mock_principal *caller)
{
    if (!valid_name(name)) {
        mock_reply_arm_error(reply, 400, "BadRequest",
                             "Invalid export name '%s'; use 1-64 letters, digits, '-' or '_'.",
                             name);
        return;
    }
    json_error_t error;
    json_t *body = request->body ? json_loadb(request->body, request->body_len, 0, &error) : NULL;
    if (!json_is_object(body)) {
        mock_reply_arm_error(reply, 400, "InvalidRequestContent",
                             "The request content was invalid and could not be deserialized: "
                             "'%s'.",
                             body ? "expected a JSON object"
                                  : (request->body ? error.text : "empty body"));
        json_decref(body);
        return;
    }
    mock_export *existing = find_export(server, scope, name);
    if (existing != NULL && !visible_at(existing, api_version))
        existing = NULL;
    if (existing != NULL) {
        const char *etag = json_string_value(json_object_get(body, "eTag"));
        if (etag == NULL)
            etag = mock_request_header(request, "If-Match");
        if (etag == NULL) {
            mock_reply_arm_error(reply, 400, "BadRequest",
                                 "Etag value required for update operation of report: %s.Please "
                                 "get the latest to avoid overwrite.",
                                 name);
            json_decref(body);
            return;
        }
        /* Compare without the quotes some clients strip. */
        size_t a = strlen(etag), b = strlen(existing->etag);
        const char *x = etag, *y = existing->etag;
        if (a >= 2 && x[0] == '"')
            x++, a -= 2;
        if (b >= 2 && y[0] == '"')
            y++, b -= 2;
        if (a != b || strncmp(x, y, a) != 0) {
            mock_reply_arm_error(reply, 412, "PreconditionFailed",
                                 "The eTag '%s' does not match the current eTag of export '%s'; "
                                 "get the latest and retry.",
                                 etag, name);
            json_decref(body);
            return;
        }
    }
    if (!mock_export_validate(server, scope, api_version, body, existing, reply)) {
        json_decref(body);
        return;
    }
    json_t *identity = json_object_get(body, "identity");
    const char *identity_type = json_string_value(json_object_get(identity, "type"));
    if (identity_type != NULL && strcmp(identity_type, "SystemAssigned") == 0) {
        const char *storage_id = json_string_value(json_object_get(
            json_object_get(json_object_get(json_object_get(body, "properties"), "deliveryInfo"),
                            "destination"),
            "resourceId"));
        const mock_scope *storage = mock_config_find_scope(&server->config, storage_id);
        if (storage == NULL ||
            !mock_rbac_allows(server, caller->object_id, storage, "roleAssignments/write")) {
            mock_reply_arm_error(reply, 401, "Unauthorized",
                                 "The user does not have authorization to perform "
                                 "'Microsoft.Authorization/roleAssignments/write' action on "
                                 "specified storage account: %s",
                                 storage_id ? storage_id : "");
            json_decref(body);
            return;
        }
        if (json_object_get(identity, "principalId") == NULL) {
            char *principal = mock_guid();
            json_object_set_new(identity, "principalId", json_string(principal ? principal : ""));
            json_object_set_new(identity, "tenantId", json_string(caller->tenant));
            free(principal);
        }
    }
    json_t *stored = json_object();
    const char *keys[] = {"identity", "location", "properties"};
    for (size_t i = 0; i < 3; i++)
        if (json_object_get(body, keys[i]) != NULL)
            json_object_set(stored, keys[i], json_object_get(body, keys[i]));
    json_object_del(json_object_get(stored, "properties"), "runHistory");
    json_object_del(json_object_get(stored, "properties"), "nextRunTimeEstimate");
    if (existing != NULL && json_object_get(stored, "identity") == NULL &&
        json_object_get(existing->body, "identity") != NULL)
        json_object_set(stored, "identity", json_object_get(existing->body, "identity"));
    json_decref(body);
    unsigned status = 200;
    if (existing == NULL) {
        mock_export *grown =
            realloc(server->exports, (server->export_count + 1) * sizeof *server->exports);
        if (grown == NULL) {
            json_decref(stored);
            mock_reply_arm_error(reply, 500, "InternalServerError", "Out of memory.");
            return;
        }
        server->exports = grown;
        existing = &grown[server->export_count++];
        memset(existing, 0, sizeof *existing);
        existing->scope_id = strdup(scope->id);
        existing->name = strdup(name);
        existing->key = export_key(scope, name);
        status = 201;
    } else {
        free(existing->etag);
        free(existing->api_version);
        json_decref(existing->body);
    }
    existing->etag = new_etag();
    existing->api_version = strdup(api_version);
    existing->body = stored;
    /* Computed now, not by the worker: a clock moved right after the PUT must not skip it. */
    if (!mock_schedule_next(json_object_get(stored, "properties"), (time_t)mock_now(server),
                            &existing->next_due))
        existing->next_due = 0;
    mock_reply_json(reply, status, export_json(server, existing, 0));
}

static void list_exports(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_scope *scope, const char *api_version)
{
    json_t *value = json_array();
    char prefix[1100];
    snprintf(prefix, sizeof prefix, "%s|", scope->lower);
    for (size_t i = 0; i < server->export_count; i++) {
        mock_export *e = &server->exports[i];
        if (strncmp(e->key, prefix, strlen(prefix)) == 0 && visible_at(e, api_version))
            json_array_append_new(value, export_json(server, e, expand_runs(request) ? 1 : 0));
    }
    mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
}

static void not_found(mock_reply *reply, const char *name)
{
    mock_reply_arm_error(reply, 404, "NotFound",
                         "The requested export with export name: %s could not be found.", name);
}

void mock_exports_handle(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_scope *scope, const char *rest, const char *api_version,
                         const mock_principal *caller)
{
    const char *route = request->route;
    if (strcmp(route, "exports.list") == 0) {
        list_exports(server, request, reply, scope, api_version);
        return;
    }
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(rest + 8, "/"), rest + 8);
    if (strcmp(route, "exports.put") == 0) {
        put_export(server, request, reply, scope, name, api_version, caller);
        return;
    }
    mock_export *export = find_export(server, scope, name);
    if (export == NULL || !visible_at(export, api_version)) {
        not_found(reply, name);
    } else if (strcmp(route, "exports.get") == 0) {
        mock_reply_json(reply, 200, export_json(server, export, expand_runs(request) ? 10 : 0));
    } else if (strcmp(route, "exports.delete") == 0) {
        free_export(export);
        size_t index = (size_t)(export - server->exports);
        memmove(export, export + 1, (server->export_count - index - 1) * sizeof *export);
        server->export_count--;
        reply->status = 200;
    } else if (strcmp(route, "exports.runHistory") == 0) {
        json_t *value = json_array();
        for (size_t i = export->run_count; i > 0; i--)
            json_array_append_new(value, mock_run_to_json(server, export, &export->runs[i - 1]));
        mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
    } else if (strcmp(route, "exports.run") == 0) {
        json_t *body = NULL;
        if (request->body_len > 0) {
            body = json_loadb(request->body, request->body_len, 0, NULL);
            if (!json_is_object(body)) {
                json_decref(body);
                mock_reply_arm_error(reply, 400, "InvalidRequestContent",
                                     "The request content was invalid and could not be "
                                     "deserialized.");
                return;
            }
        }
        char *from = NULL, *to = NULL;
        if (mock_run_request_validate(server, body, &from, &to, reply)) {
            mock_run_submit(server, export, caller, from, to, request->forced_run_status);
            reply->status = 200;
        }
        free(from);
        free(to);
        json_decref(body);
    } else {
        mock_reply_arm_error(reply, 404, "NotFound",
                             "No HTTP resource was found that matches the request URI '%s'.",
                             request->path);
    }
}
