/* The hub's Data Factory, as far as an agent taking over its export triggers
 * needs it (api-version 2018-06-01): the factories of a resource group, their
 * triggers with runtimeState, and start/stop. */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FACTORIES "/providers/Microsoft.DataFactory/factories"

const char *mock_datafactory_route(const char *method, const char *path)
{
    const char *at = strcasestr(path, FACTORIES);
    if (at == NULL)
        return NULL;
    const char *rest = at + strlen(FACTORIES);
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    size_t length = strlen(rest);
    if (post && length > 10 && strcmp(rest + length - 10, "/createRun") == 0)
        return "datafactory.createRun";
    if (get && strcasestr(rest, "/pipelineruns/") != NULL)
        return "datafactory.getRun";
    if (*rest == '\0' || strcmp(rest, "/") == 0)
        return get ? "datafactory.factories" : "datafactory.unknown";
    const char *triggers = strcasestr(rest, "/triggers");
    if (triggers == NULL)
        return "datafactory.unknown";
    const char *name = triggers + strlen("/triggers");
    if (*name == '\0')
        return get ? "datafactory.triggers" : "datafactory.unknown";
    const char *verb = strrchr(name, '/');
    if (post && verb != NULL && verb != name && strcasecmp(verb, "/stop") == 0)
        return "datafactory.trigger.stop";
    if (post && verb != NULL && verb != name && strcasecmp(verb, "/start") == 0)
        return "datafactory.trigger.start";
    return "datafactory.unknown";
}

bool mock_datafactory_parse(mock_config *config, json_t *root, mock_error *error)
{
    json_t *factories = json_object_get(root, "data_factories");
    config->data_factories = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(factories, i, item)
    {
        char where[64];
        mock_format(where, sizeof where, "data_factories[%zu]", i);
        if (!mock_json_known_keys(item, where, "id triggers", error))
            return false;
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *at = id ? strcasestr(id, FACTORIES "/") : NULL;
        if (at == NULL) {
            mock_error_set(error, "%s.id: expected …%s/{name}", where, FACTORIES);
            return false;
        }
        char group[1024];
        mock_format(group, sizeof group, "%.*s", (int)(at - id), id);
        if (mock_config_find_scope(config, group) == NULL) {
            mock_error_set(error, "%s.id: resource group '%s' is not configured", where, group);
            return false;
        }
        const char *name;
        json_t *state;
        json_object_foreach(json_object_get(item, "triggers"), name, state)
        {
            const char *text = json_string_value(state);
            if (text == NULL || (strcmp(text, "Started") != 0 && strcmp(text, "Stopped") != 0)) {
                mock_error_set(error, "%s.triggers.%s: expected \"Started\" or \"Stopped\"", where,
                               name);
                return false;
            }
        }
        json_array_append(config->data_factories, item);
    }
    return true;
}

static json_t *find_factory(mock_server *server, const char *path)
{
    const char *at = strcasestr(path, FACTORIES "/");
    if (at == NULL)
        return NULL;
    size_t length = (size_t)(at - path) + strlen(FACTORIES "/");
    length += strcspn(path + length, "/");
    size_t i;
    json_t *item;
    json_array_foreach(server->factories, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        if (strlen(id) == length && strncasecmp(id, path, length) == 0)
            return item;
    }
    return NULL;
}

static json_t *trigger_json(const char *factory_id, const char *name, const char *state)
{
    char id[1200];
    snprintf(id, sizeof id, "%s/triggers/%s", factory_id, name);
    bool schedule = strstr(name, "Schedule") != NULL;
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "id", id, "name", name, "type",
                     "Microsoft.DataFactory/factories/triggers", "properties", "type",
                     schedule ? "ScheduleTrigger" : "BlobEventsTrigger", "runtimeState", state);
}

static void list_factories(mock_server *server, const char *group, mock_reply *reply)
{
    json_t *value = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(server->factories, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        if (strncasecmp(id, group, strlen(group)) != 0 ||
            strcasestr(id, FACTORIES) != id + strlen(group))
            continue;
        json_array_append_new(
            value, json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", strrchr(id, '/') + 1, "type",
                             "Microsoft.DataFactory/factories", "location", "eastus"));
    }
    mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
}

void mock_datafactory_handle(mock_server *server, mock_request *request, mock_reply *reply,
                             const mock_principal *caller)
{
    const char *route = request->route;
    if (strcmp(route, "datafactory.createRun") == 0 || strcmp(route, "datafactory.getRun") == 0) {
        mock_datafactory_pipelines_handle(server, request, reply, caller);
        return;
    }
    if (strcmp(route, "datafactory.unknown") == 0) {
        mock_reply_arm_error(reply, 404, "NotFound",
                             "No HTTP resource was found that matches the request URI '%s'.",
                             request->path);
        return;
    }
    char group[1024];
    const char *at = strcasestr(request->path, FACTORIES);
    mock_format(group, sizeof group, "%.*s", (int)(at - request->path), request->path);
    const mock_scope *scope = mock_config_find_scope(&server->config, group);
    if (scope == NULL) {
        mock_reply_arm_error(reply, 404, "ResourceGroupNotFound",
                             "Resource group '%s' could not be found.", strrchr(group, '/') + 1);
        return;
    }
    bool write = strcmp(request->method, "GET") != 0;
    if (!mock_rbac_allows(server, caller->object_id, scope, write ? "action" : "read")) {
        mock_reply_arm_error(reply, 403, "AuthorizationFailed",
                             "The client '%s' with object id '%s' does not have authorization to "
                             "perform action 'Microsoft.DataFactory/factories/triggers/%s' over "
                             "scope '%s' or the scope is invalid.",
                             caller->object_id, caller->object_id, write ? "stop/action" : "read",
                             scope->id);
        return;
    }
    if (strcmp(route, "datafactory.factories") == 0) {
        list_factories(server, scope->id, reply);
        return;
    }
    json_t *factory = find_factory(server, request->path);
    if (factory == NULL) {
        mock_reply_arm_error(reply, 404, "ResourceNotFound",
                             "The Resource 'Microsoft.DataFactory/factories/…' under resource "
                             "group '%s' was not found.",
                             strrchr(group, '/') + 1);
        return;
    }
    const char *factory_id = json_string_value(json_object_get(factory, "id"));
    json_t *triggers = json_object_get(factory, "triggers");
    if (strcmp(route, "datafactory.triggers") == 0) {
        json_t *value = json_array();
        const char *name;
        json_t *state;
        json_object_foreach(triggers, name, state)
            json_array_append_new(value, trigger_json(factory_id, name, json_string_value(state)));
        mock_reply_json(reply, 200, json_pack("{s:o}", "value", value));
        return;
    }
    /* …/triggers/{name}/stop|start */
    const char *name_start = strcasestr(request->path, "/triggers/") + strlen("/triggers/");
    char name[256];
    mock_format(name, sizeof name, "%.*s", (int)strcspn(name_start, "/"), name_start);
    if (json_object_get(triggers, name) == NULL) {
        mock_reply_arm_error(reply, 404, "TriggerNotFound", "Trigger '%s' was not found.", name);
        return;
    }
    bool start = strcmp(route, "datafactory.trigger.start") == 0;
    json_object_set_new(triggers, name, json_string(start ? "Started" : "Stopped"));
    reply->status = 200;
}
