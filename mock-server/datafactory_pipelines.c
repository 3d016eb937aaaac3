/* The few Data Factory endpoints a hub's pipelines are driven with (api-version 2018-06-01):
 * createRun of a known hub pipeline with its parameters checked, and pipeline run status that
 * goes Queued → InProgress → Succeeded on the mock clock, with the run timing of `runs`. */
#include "mock-server/mock_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FACTORIES "/providers/Microsoft.DataFactory/factories/"

/* The hub's pipelines and the parameters each takes (finops-hub.md §6). */
static const struct {
    const char *name;
    const char *parameters[8];
} pipelines[] = {
    {"msexports_ExecuteETL", {"folderPath", "fileName"}},
    {"msexports_ETL_ingestion",
     {"blobPath", "destinationFolder", "destinationFile", "ingestionId", "schemaFile",
      "exportDatasetType", "exportDatasetVersion"}},
    {"ingestion_ExecuteETL", {"folderPath"}},
    {"config_StartExportProcess", {"Recurrence"}},
    {"config_RunExportJobs", {"Recurrence", "ExportScopes"}},
    {"config_RunBackfillJob", {"StartDate", "EndDate"}},
};

static int find_pipeline(const char *name)
{
    for (size_t i = 0; i < sizeof pipelines / sizeof pipelines[0]; i++)
        if (strcmp(pipelines[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool check_parameters(int p, json_t *body, mock_reply *reply)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool known = false;
        for (size_t i = 0; pipelines[p].parameters[i] && !known; i++)
            known = strcmp(pipelines[p].parameters[i], key) == 0;
        if (!known || !json_is_string(value)) {
            mock_reply_arm_error(reply, 400, "BadRequest",
                                 "The parameter '%s' is %s pipeline '%s'.", key,
                                 known ? "not a string for" : "not defined in", pipelines[p].name);
            return false;
        }
    }
    if (p == 0) {
        /* What the hub's blob trigger passes: the manifest's folder and its name. */
        const char *folder = json_string_value(json_object_get(body, "folderPath"));
        const char *file = json_string_value(json_object_get(body, "fileName"));
        size_t n = folder ? strlen(folder) : 0;
        if (folder == NULL || strncmp(folder, "msexports/", 10) != 0 || n <= 10 ||
            folder[n - 1] == '/' || file == NULL || strcmp(file, "manifest.json") != 0) {
            mock_reply_arm_error(reply, 400, "BadRequest",
                                 "msexports_ExecuteETL needs folderPath 'msexports/<folder>' and "
                                 "fileName 'manifest.json' (got '%s', '%s').",
                                 folder ? folder : "", file ? file : "");
            return false;
        }
    }
    return true;
}

static const char *status_of(const mock_server *server, json_t *run, double *out_end)
{
    double created = json_real_value(json_object_get(run, "_created"));
    double queued = created + (double)server->runs.queued_ms / 1000.0;
    double done = queued + (double)server->runs.in_progress_ms / 1000.0;
    double now = mock_now(server);
    *out_end = done;
    return now < queued ? "Queued" : now < done ? "InProgress" : "Succeeded";
}

static json_t *run_json(const mock_server *server, json_t *run)
{
    double end;
    const char *status = status_of(server, run, &end);
    char start_text[40], end_text[40];
    double created = json_real_value(json_object_get(run, "_created"));
    mock_format_time((time_t)created, 0, true, start_text);
    mock_format_time((time_t)end, 0, true, end_text);
    bool finished = strcmp(status, "Succeeded") == 0;
    json_t *out = json_pack(
        "{s:O, s:O, s:O, s:s, s:s?, s:I, s:s, s:s}", "runId", json_object_get(run, "runId"),
        "pipelineName", json_object_get(run, "pipelineName"), "parameters",
        json_object_get(run, "parameters"), "runStart", start_text, "runEnd",
        finished ? end_text : NULL, "durationInMs",
        (json_int_t)(finished ? (end - created) * 1000 : 0), "status", status, "message", "");
    return out;
}

json_t *mock_datafactory_runs(mock_server *server)
{
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(server->pipeline_runs); i++)
        json_array_append_new(out, run_json(server, json_array_get(server->pipeline_runs, i)));
    return out;
}

void mock_datafactory_pipelines_handle(mock_server *server, mock_request *request,
                                       mock_reply *reply, const mock_principal *caller)
{
    const char *api_version = mock_request_query(request, "api-version");
    if (strcmp(api_version, "2018-06-01") != 0) {
        mock_reply_arm_error(reply, 400, "InvalidApiVersionParameter",
                             "The api-version '%s' is invalid. The supported versions are "
                             "'2018-06-01'.",
                             api_version);
        return;
    }
    const char *factories = strcasestr(request->path, FACTORIES);
    char subscription[256] = "";
    if (strncasecmp(request->path, "/subscriptions/", 15) == 0)
        snprintf(subscription, sizeof subscription, "%.*s",
                 (int)(15 + strcspn(request->path + 15, "/")), request->path);
    const mock_scope *scope =
        subscription[0] ? mock_config_find_scope(&server->config, subscription) : NULL;
    if (scope == NULL || strcasestr(request->path, "/resourceGroups/") == NULL) {
        mock_reply_arm_error(reply, 404, "SubscriptionNotFound",
                             "The subscription of '%s' could not be found.", request->path);
        return;
    }
    if (!mock_rbac_allows(server, caller->object_id, scope,
                          strcmp(request->method, "GET") == 0 ? "read" : "action")) {
        mock_reply_arm_error(reply, 403, "AuthorizationFailed",
                             "The client '%s' does not have authorization to perform action "
                             "'Microsoft.DataFactory/factories/pipelines/createRun/action' over "
                             "scope '%s'.",
                             caller->object_id, subscription);
        return;
    }
    const char *rest = factories + strlen(FACTORIES);
    size_t factory_length = strcspn(rest, "/");
    rest += factory_length;
    if (strcmp(request->route, "datafactory.createRun") == 0) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(rest + 11, "/"), rest + 11);
        int p = strncmp(rest, "/pipelines/", 11) == 0 ? find_pipeline(name) : -1;
        if (p < 0) {
            mock_reply_arm_error(reply, 404, "PipelineNotFound",
                                 "Pipeline '%s' was not found in factory '%.*s'.", name,
                                 (int)factory_length, factories + strlen(FACTORIES));
            return;
        }
        json_t *body = request->body && request->body_len
                           ? json_loadb(request->body, request->body_len, 0, NULL)
                           : json_object();
        if (!json_is_object(body)) {
            json_decref(body);
            mock_reply_arm_error(reply, 400, "BadRequest",
                                 "The body must be a JSON object of "
                                 "the pipeline's parameters.");
            return;
        }
        if (!check_parameters(p, body, reply)) {
            json_decref(body);
            return;
        }
        char *id = mock_guid();
        if (server->pipeline_runs == NULL)
            server->pipeline_runs = json_array();
        json_array_append_new(server->pipeline_runs,
                              json_pack("{s:s, s:s, s:o, s:f}", "runId", id, "pipelineName",
                                        pipelines[p].name, "parameters", body, "_created",
                                        mock_now(server)));
        mock_reply_json(reply, 200, json_pack("{s:s}", "runId", id));
        free(id);
        return;
    }
    if (strcmp(request->route, "datafactory.getRun") == 0) {
        const char *id = strrchr(request->path, '/') + 1;
        for (size_t i = 0; i < json_array_size(server->pipeline_runs); i++) {
            json_t *run = json_array_get(server->pipeline_runs, i);
            if (strcasecmp(json_string_value(json_object_get(run, "runId")), id) == 0) {
                mock_reply_json(reply, 200, run_json(server, run));
                return;
            }
        }
        mock_reply_arm_error(reply, 404, "PipelineRunNotFound",
                             "The pipeline run '%s' was not found.", id);
        return;
    }
    mock_reply_arm_error(reply, 404, "NotFound",
                         "No HTTP resource was found that matches the request URI '%s'.",
                         request->path);
}
