/* The hub's Data Factory through ARM (api-version 2018-06-01): list the
 * factories of the hub's resource group, read the triggers, start or stop. */
#include "agent/datafactory.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FACTORY_API "2018-06-01"
#define FACTORIES   "/providers/Microsoft.DataFactory/factories"

const char *const agent_export_triggers[AGENT_EXPORT_TRIGGER_COUNT] = {
    "config_DailySchedule", "config_MonthlySchedule", "config_SettingsUpdated"};

static arm_status call(agent_azure *azure, const char *method, const char *path, json_t **out_json,
                       arm_error *err)
{
    char *url = NULL;
    if (asprintf(&url, "%s%s%sapi-version=" FACTORY_API, azure->arm_endpoint, path,
                 strchr(path, '?') ? "&" : "?") < 0)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_http_request request = {.method = method, .url = url};
    arm_http_response response;
    arm_http_response_init(&response);
    arm_status status = arm_pipeline_send(&azure->arm, NULL, &request, &response, err);
    if (status == ARM_OK && out_json != NULL) {
        *out_json = response.body ? json_loadb(response.body, response.body_len, 0, NULL) : NULL;
        if (*out_json == NULL)
            status =
                arm_error_set(err, ARM_ERR_PARSE, "%s %s: the reply is not JSON", method, path);
    }
    arm_http_response_dispose(&response);
    free(url);
    return status;
}

static char *find_factory(agent_azure *azure, const agent_config *config, arm_error *err,
                          arm_status *out_status)
{
    const char *explicit_id = agent_config_get(config, AGENT_OPTION_DATA_FACTORY_ID);
    *out_status = ARM_OK;
    if (explicit_id != NULL)
        return strdup(explicit_id);
    const char *storage = agent_config_get(config, AGENT_OPTION_STORAGE_ACCOUNT_ID);
    const char *providers = storage ? strcasestr(storage, "/providers/") : NULL;
    if (providers == NULL)
        return NULL;
    char *path = NULL;
    if (asprintf(&path, "%.*s" FACTORIES, (int)(providers - storage), storage) < 0)
        return NULL;
    json_t *list = NULL;
    *out_status = call(azure, "GET", path, &list, err);
    free(path);
    /* The hub names its factory "{hubName}-engine-{suffix}". */
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s-engine-", agent_config_get(config, AGENT_OPTION_HUB_NAME));
    char *found = NULL;
    size_t index;
    json_t *item;
    json_array_foreach(json_object_get(list, "value"), index, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *id = json_string_value(json_object_get(item, "id"));
        if (found == NULL && name && id && strncasecmp(name, prefix, strlen(prefix)) == 0)
            found = strdup(id);
    }
    json_decref(list);
    return found;
}

arm_status agent_hub_factory_inspect(agent_azure *azure, const agent_config *config,
                                     agent_hub_factory *out_factory, arm_error *err)
{
    memset(out_factory, 0, sizeof *out_factory);
    arm_status status;
    out_factory->id = find_factory(azure, config, err, &status);
    if (status != ARM_OK || out_factory->id == NULL)
        return status;
    char *path = NULL;
    if (asprintf(&path, "%s/triggers", out_factory->id) < 0)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    json_t *list = NULL;
    status = call(azure, "GET", path, &list, err);
    free(path);
    size_t index;
    json_t *item;
    json_array_foreach(json_object_get(list, "value"), index, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *state =
            json_string_value(json_object_get(json_object_get(item, "properties"), "runtimeState"));
        for (size_t t = 0; t < AGENT_EXPORT_TRIGGER_COUNT; t++)
            if (name && state && strcmp(name, agent_export_triggers[t]) == 0)
                out_factory->started[t] = strcmp(state, "Started") == 0;
    }
    json_decref(list);
    return status;
}

void agent_hub_factory_dispose(agent_hub_factory *factory)
{
    if (factory == NULL)
        return;
    free(factory->id);
    memset(factory, 0, sizeof *factory);
}

size_t agent_hub_factory_started_count(const agent_hub_factory *factory)
{
    size_t count = 0;
    for (size_t t = 0; t < AGENT_EXPORT_TRIGGER_COUNT; t++)
        count += factory->started[t];
    return count;
}

arm_status agent_hub_factory_set_trigger(agent_azure *azure, const char *factory_id,
                                         const char *trigger, bool start, arm_error *err)
{
    char *path = NULL;
    if (asprintf(&path, "%s/triggers/%s/%s", factory_id, trigger, start ? "start" : "stop") < 0)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_status status = call(azure, "POST", path, NULL, err);
    free(path);
    return status;
}
