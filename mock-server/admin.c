/* The admin API (plain http): request log with per-route counts, reset, and changing
 * throttling, faults, run timing, token lifetime and the mock clock at run time. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *throttle_json(const mock_throttle_config *t)
{
    const mock_bucket_config *buckets[] = {&t->scope_client, &t->client, &t->tenant, &t->arm_reads,
                                           &t->arm_writes};
    const char *names[] = {"scope_client", "client", "tenant", "arm_reads", "arm_writes"};
    json_t *out = json_pack("{s:b}", "enabled", t->enabled);
    for (size_t i = 0; i < 5; i++)
        json_object_set_new(out, names[i],
                            json_pack("{s:f, s:f}", "capacity", buckets[i]->capacity,
                                      "refill_per_second", buckets[i]->refill_per_second));
    return out;
}

static void requests_json(mock_server *server, const mock_request *request, mock_reply *reply)
{
    const char *filter = mock_request_query(request, "route");
    json_t *counts = json_object();
    json_t *list = json_array();
    size_t total = 0;
    for (size_t i = 0; i < server->log_count; i++) {
        const mock_log_entry *e = &server->log[i];
        json_t *count = json_object_get(counts, e->route);
        json_object_set_new(counts, e->route,
                            json_integer(count ? json_integer_value(count) + 1 : 1));
        if (filter != NULL && strcmp(filter, e->route) != 0)
            continue;
        total++;
        json_array_append_new(
            list, json_pack("{s:f, s:s, s:s, s:s, s:i, s:s?, s:s?}", "time", e->time, "method",
                            e->method, "path", e->path, "route", e->route, "status", (int)e->status,
                            "principal", e->principal, "api_version", e->api_version));
    }
    mock_reply_json(
        reply, 200,
        json_pack("{s:i, s:o, s:o}", "total", (int)total, "counts", counts, "requests", list));
}

static void reset(mock_server *server, mock_reply *reply)
{
    mock_log_clear(server);
    mock_exports_clear(server);
    mock_throttle_clear(server);
    mock_error error = {{0}};
    mock_faults_set(server, server->config.faults, &error);
    server->throttle = server->config.throttle;
    free(server->runs.outcome);
    server->runs = server->config.runs;
    server->runs.outcome = strdup(server->config.runs.outcome);
    server->token_lifetime_s = server->config.token_lifetime_s;
    server->clock_offset = 0;
    json_decref(server->factories);
    server->factories = json_deep_copy(server->config.data_factories);
    json_decref(server->pipeline_runs);
    server->pipeline_runs = NULL;
    json_decref(server->secrets);
    server->secrets = NULL;
    mock_reply_json(reply, 200, json_pack("{s:s}", "status", "reset"));
}

static json_t *body_json(const mock_request *request, mock_reply *reply)
{
    json_error_t error;
    json_t *body = request->body ? json_loadb(request->body, request->body_len, 0, &error) : NULL;
    if (body == NULL)
        mock_reply_arm_error(reply, 400, "InvalidRequestContent", "admin: %s",
                             request->body ? error.text : "a JSON body is required");
    return body;
}

static void exports_json(mock_server *server, mock_reply *reply)
{
    json_t *list = json_array();
    for (size_t i = 0; i < server->export_count; i++) {
        mock_export *e = &server->exports[i];
        json_t *runs = json_array();
        for (size_t j = 0; j < e->run_count; j++)
            json_array_append_new(runs, json_pack("{s:s, s:s, s:s, s:s}", "id", e->runs[j].run_id,
                                                  "status", mock_run_status(server, &e->runs[j]),
                                                  "from", e->runs[j].from, "to", e->runs[j].to));
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "scope", e->scope_id,
                                              "name", e->name, "eTag", e->etag, "apiVersion",
                                              e->api_version, "runs", runs));
    }
    mock_reply_json(reply, 200, json_pack("{s:o}", "value", list));
}

/* {"client_id": ..., "secrets": [...]}: the principal's secrets from now on (the old ones stop
 * working, as when a secret is rotated or deleted in Entra ID). Values are never echoed. */
static mock_status rotate_secrets(mock_server *server, json_t *body, mock_error *error)
{
    const char *client_id = json_string_value(json_object_get(body, "client_id"));
    json_t *secrets = json_object_get(body, "secrets");
    const mock_principal *principal = NULL;
    for (size_t i = 0; client_id != NULL && i < server->config.principal_count; i++)
        if (strcasecmp(server->config.principals[i].client_id, client_id) == 0)
            principal = &server->config.principals[i];
    if (principal == NULL || principal->kind != MOCK_PRINCIPAL_SERVICE) {
        mock_error_set(error, "secrets: client_id must name a configured service principal");
        return MOCK_ERROR_CONFIG;
    }
    size_t i;
    json_t *value;
    bool strings = json_is_array(secrets);
    json_array_foreach(secrets, i, value)
    {
        strings = strings && json_is_string(value);
    }
    if (!strings) {
        mock_error_set(error, "secrets: expected \"secrets\": an array of strings");
        return MOCK_ERROR_CONFIG;
    }
    if (server->secrets == NULL)
        server->secrets = json_object();
    json_object_set(server->secrets, principal->client_id, secrets);
    return MOCK_OK;
}

void mock_admin_handle(mock_server *server, mock_request *request, mock_reply *reply)
{
    const char *path = request->path;
    const char *method = request->method;
    bool get = strcmp(method, "GET") == 0;
    bool put = strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0;
    mock_error error = {{0}};
    if (strcmp(path, "/admin/health") == 0 && get) {
        mock_reply_json(reply, 200, json_pack("{s:s}", "status", "ok"));
    } else if (strcmp(path, "/admin/requests") == 0 && get) {
        requests_json(server, request, reply);
    } else if (strcmp(path, "/admin/requests") == 0 && strcmp(method, "DELETE") == 0) {
        size_t count = server->log_count;
        mock_log_clear(server);
        mock_reply_json(reply, 200, json_pack("{s:i}", "cleared", (int)count));
    } else if (strcmp(path, "/admin/reset") == 0 && strcmp(method, "POST") == 0) {
        reset(server, reply);
    } else if (strcmp(path, "/admin/pipelineruns") == 0 && get) {
        mock_reply_json(reply, 200, mock_datafactory_runs(server));
    } else if (strcmp(path, "/admin/exports") == 0 && get) {
        exports_json(server, reply);
    } else if (strcmp(path, "/admin/throttling") == 0 && (get || put)) {
        json_t *body = put ? body_json(request, reply) : NULL;
        if (put && body == NULL)
            return;
        mock_throttle_config next = server->throttle;
        if (put && mock_throttle_parse(body, &next, &error) != MOCK_OK) {
            mock_reply_arm_error(reply, 400, "InvalidRequestContent", "admin: %s", error.message);
        } else {
            if (put) {
                server->throttle = next;
                mock_throttle_clear(server); /* buckets start full under the new budget */
            }
            mock_reply_json(reply, 200, throttle_json(&server->throttle));
        }
        json_decref(body);
    } else if (strcmp(path, "/admin/faults") == 0 && (get || put)) {
        json_t *body = put ? body_json(request, reply) : NULL;
        if (put && body == NULL)
            return;
        if (put && mock_faults_set(server, body, &error) != MOCK_OK)
            mock_reply_arm_error(reply, 400, "InvalidRequestContent", "admin: %s", error.message);
        else
            mock_reply_json(reply, 200, json_deep_copy(server->faults));
        json_decref(body);
    } else if (strcmp(path, "/admin/runs") == 0 && (get || put)) {
        json_t *body = put ? body_json(request, reply) : NULL;
        if (put && body == NULL)
            return;
        if (put && mock_runs_parse(body, &server->runs, &error) != MOCK_OK)
            mock_reply_arm_error(reply, 400, "InvalidRequestContent", "admin: %s", error.message);
        else
            mock_reply_json(reply, 200,
                            json_pack("{s:i, s:i, s:s, s:i, s:i}", "queued_ms",
                                      (int)server->runs.queued_ms, "in_progress_ms",
                                      (int)server->runs.in_progress_ms, "outcome",
                                      server->runs.outcome, "rows", (int)server->runs.rows,
                                      "max_rows_per_file", (int)server->runs.max_rows_per_file));
        json_decref(body);
    } else if (strcmp(path, "/admin/tokens") == 0 && (get || put)) {
        json_t *body = put ? body_json(request, reply) : NULL;
        if (put && body == NULL)
            return;
        json_t *lifetime = json_object_get(body, "lifetime_s");
        if (put && (!json_is_integer(lifetime) || json_integer_value(lifetime) < 1)) {
            mock_reply_arm_error(reply, 400, "InvalidRequestContent",
                                 "admin: lifetime_s must be an integer >= 1");
        } else {
            if (put)
                server->token_lifetime_s = (long)json_integer_value(lifetime);
            mock_reply_json(reply, 200,
                            json_pack("{s:i}", "lifetime_s", (int)server->token_lifetime_s));
        }
        json_decref(body);
    } else if (strcmp(path, "/admin/secrets") == 0 && put) {
        json_t *body = body_json(request, reply);
        if (body == NULL)
            return;
        if (rotate_secrets(server, body, &error) != MOCK_OK)
            mock_reply_arm_error(reply, 400, "InvalidRequestContent", "admin: %s", error.message);
        else
            mock_reply_json(reply, 200, json_pack("{s:s}", "status", "rotated"));
        json_decref(body);
    } else if (strcmp(path, "/admin/clock") == 0 && (get || put)) {
        json_t *body = put ? body_json(request, reply) : NULL;
        if (put && body == NULL)
            return;
        json_t *advance = json_object_get(body, "advance_s");
        if (put && !json_is_number(advance)) {
            mock_reply_arm_error(reply, 400, "InvalidRequestContent",
                                 "admin: advance_s must be a number of seconds");
        } else {
            if (put)
                server->clock_offset += json_number_value(advance);
            mock_reply_json(
                reply, 200,
                json_pack("{s:f, s:f}", "now", mock_now(server), "offset_s", server->clock_offset));
        }
        json_decref(body);
    } else {
        mock_reply_arm_error(reply, 404, "NotFound", "admin: no route %s %s", method, path);
    }
}
