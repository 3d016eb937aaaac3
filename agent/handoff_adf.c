/* Data Factory hand-off (`ingest --handoff adf`): instead of placing files itself, the agent
 * starts the hub's own msexports_ExecuteETL with the parameters the hub's blob trigger passes
 * (folderPath = msexports/<manifest folder>, fileName = the manifest's name) and follows the
 * pipeline run to its end (finops-hub.md §6). */
#include "agent/handoff_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ADF_API_VERSION "2018-06-01"

static agent_handoff_status arm_fail(agent_handoff_error *error, const char *what,
                                     const arm_error *arm)
{
    char line[1024];
    return agent_handoff_fail(error, AGENT_HANDOFF_E_STORAGE, what, "%s: %s", what,
                              arm_error_format(arm, line, sizeof line));
}

static agent_handoff_status call(const agent_handoff_adf *adf, const char *method, const char *url,
                                 const char *body, json_t **out, agent_handoff_error *error)
{
    arm_http_header json[] = {{"Content-Type", "application/json"}};
    arm_http_request request = {.method = method, .url = url};
    if (body != NULL) {
        request.headers = json;
        request.header_count = 1;
        request.body = body;
        request.body_len = strlen(body);
    }
    arm_http_response response;
    arm_http_response_init(&response);
    arm_error arm;
    arm_error_init(&arm);
    arm_status status = arm_pipeline_send(adf->arm, NULL, &request, &response, &arm);
    agent_handoff_status result = AGENT_HANDOFF_OK;
    if (status != ARM_OK) {
        result = arm_fail(error, url, &arm);
    } else {
        *out = response.body ? json_loadb(response.body, response.body_len, 0, NULL) : NULL;
        if (*out == NULL)
            result = agent_handoff_fail(error, AGENT_HANDOFF_E_STORAGE, url,
                                        "%s: the reply is not JSON", url);
    }
    arm_http_response_dispose(&response);
    return result;
}

static bool is_final(const char *status)
{
    return strcmp(status, "Succeeded") == 0 || strcmp(status, "Failed") == 0 ||
           strcmp(status, "Cancelled") == 0;
}

agent_handoff_status handoff_adf_run(handoff_context *c, const char *manifest_path,
                                     char *out_run_id, size_t run_id_size, bool *out_succeeded,
                                     char *detail, size_t detail_size, agent_handoff_error *error)
{
    const agent_handoff_adf *adf = c->options->adf;
    *out_succeeded = false;
    out_run_id[0] = '\0';
    const char *slash = strrchr(manifest_path, '/');
    if (slash == NULL)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, manifest_path,
                                  "%s: a manifest at the container's root has no folder for the "
                                  "pipeline",
                                  manifest_path);
    char folder[1200];
    snprintf(folder, sizeof folder, "%s/%.*s", c->options->source_container,
             (int)(slash - manifest_path), manifest_path);
    json_t *parameters = json_pack("{s:s, s:s}", "folderPath", folder, "fileName", slash + 1);
    char *body = json_dumps(parameters, JSON_COMPACT);
    json_decref(parameters);
    char *url = NULL;
    if (body == NULL ||
        asprintf(&url, "%s%s/pipelines/msexports_ExecuteETL/createRun?api-version=" ADF_API_VERSION,
                 adf->arm_endpoint, adf->factory_id) < 0) {
        free(body);
        return agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, manifest_path, "no memory");
    }
    json_t *reply = NULL;
    agent_handoff_status status = call(adf, "POST", url, body, &reply, error);
    free(body);
    free(url);
    if (status != AGENT_HANDOFF_OK)
        return status;
    const char *run_id = json_string_value(json_object_get(reply, "runId"));
    if (run_id == NULL) {
        json_decref(reply);
        return agent_handoff_fail(error, AGENT_HANDOFF_E_STORAGE, manifest_path,
                                  "createRun of msexports_ExecuteETL for %s gave no runId",
                                  manifest_path);
    }
    snprintf(out_run_id, run_id_size, "%s", run_id);
    json_decref(reply);
    if (asprintf(&url, "%s%s/pipelineruns/%s?api-version=" ADF_API_VERSION, adf->arm_endpoint,
                 adf->factory_id, out_run_id) < 0)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, manifest_path, "no memory");
    time_t deadline = time(NULL) + adf->watch_s;
    char run_status[32] = "Queued", message[512] = "";
    for (;;) {
        status = call(adf, "GET", url, NULL, &reply, error);
        if (status != AGENT_HANDOFF_OK)
            break;
        const char *s = json_string_value(json_object_get(reply, "status"));
        const char *m = json_string_value(json_object_get(reply, "message"));
        snprintf(run_status, sizeof run_status, "%s", s ? s : "?");
        snprintf(message, sizeof message, "%s", m ? m : "");
        json_decref(reply);
        if (is_final(run_status) || time(NULL) >= deadline)
            break;
        struct timespec pause = {adf->poll_s > 0 ? adf->poll_s : 1, 0};
        nanosleep(&pause, NULL);
    }
    free(url);
    if (status != AGENT_HANDOFF_OK)
        return status;
    *out_succeeded = strcmp(run_status, "Succeeded") == 0;
    snprintf(detail, detail_size, "Data Factory msexports_ExecuteETL run %s: %s%s%s", out_run_id,
             run_status, message[0] ? ": " : "", message);
    return AGENT_HANDOFF_OK;
}
