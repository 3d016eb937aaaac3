/* Reconciling exports: one list call per scope, a plan, and writes only for
 * what differs — a PUT with the current eTag (a 412 re-reads and retries
 * once), fields the agent does not manage kept as they are. Scopes run on
 * the worker pool, so one slow or failing scope never holds the rest. */
#include "agent/reconcile.h"
#include "agent/pool.h"
#include "agent/stop.h"

#include <stdlib.h>
#include <string.h>

/* An export as ARM listed it, as JSON: the body form plus its name. */
static json_t *export_json(const arm_export *item, arm_error *err)
{
    char *text = NULL;
    if (arm_export_build(item, &text, err) != ARM_OK)
        return NULL;
    json_t *value = json_loads(text, 0, NULL);
    free(text);
    if (value != NULL && item->name != NULL)
        json_object_set_new(value, "name", json_string(item->name));
    return value;
}

/* Desired fields over the existing document, so nothing else is lost. */
static void merge_into(json_t *target, const json_t *source)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)source, key, value)
    {
        json_t *existing = json_object_get(target, key);
        if (json_is_object(value) && json_is_object(existing))
            merge_into(existing, value);
        else
            json_object_set_new(target, key, json_deep_copy(value));
    }
}

static arm_status put_export(arm_exports_client *client, const char *scope, const char *name,
                             const json_t *body, char **out_etag, arm_error *err)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (text == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_export export_;
    arm_export_init(&export_);
    arm_status status = arm_export_parse(text, strlen(text), &export_, err);
    free(text);
    arm_export written;
    arm_export_init(&written);
    if (status == ARM_OK)
        status = arm_exports_create_or_update(client, scope, name, &export_, &written, NULL, err);
    if (status == ARM_OK && written.etag != NULL) {
        free(*out_etag);
        *out_etag = strdup(written.etag);
    }
    arm_export_dispose(&written);
    arm_export_dispose(&export_);
    return status;
}

/* Update: the existing export with the desired fields laid over it. */
static arm_status update_export(arm_exports_client *client, const char *scope, agent_action *action,
                                const json_t *actual, arm_error *err)
{
    json_t *merged = json_deep_copy(actual);
    merge_into(merged, action->desired);
    arm_status status = put_export(client, scope, action->name, merged, &action->etag, err);
    json_decref(merged);
    if (status != ARM_ERR_HTTP || err->http_status != 412)
        return status;
    /* Someone changed it since the list: read it again and retry once. */
    arm_export fresh;
    arm_export_init(&fresh);
    status = arm_exports_get(client, scope, action->name, false, &fresh, err);
    json_t *current = status == ARM_OK ? export_json(&fresh, err) : NULL;
    arm_export_dispose(&fresh);
    if (current == NULL)
        return status == ARM_OK ? arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory") : status;
    merge_into(current, action->desired);
    status = put_export(client, scope, action->name, current, &action->etag, err);
    json_decref(current);
    return status;
}

static const json_t *find_listed(const json_t *actual, const char *name)
{
    size_t index;
    const json_t *item;
    json_array_foreach(actual, index, item)
    {
        const char *item_name = json_string_value(json_object_get(item, "name"));
        if (item_name != NULL && strcasecmp(item_name, name) == 0)
            return item;
    }
    return NULL;
}

static void apply_plan(arm_exports_client *client, const char *scope, const json_t *actual,
                       agent_scope_result *result)
{
    for (size_t a = 0; a < result->plan.count; a++) {
        agent_action *action = &result->plan.actions[a];
        arm_error error;
        arm_error_init(&error);
        arm_status status = ARM_OK;
        if (action->kind == AGENT_ACTION_CREATE)
            status =
                put_export(client, scope, action->name, action->desired, &action->etag, &error);
        else if (action->kind == AGENT_ACTION_UPDATE)
            status =
                update_export(client, scope, action, find_listed(actual, action->name), &error);
        else if (action->kind == AGENT_ACTION_DELETE)
            status = arm_exports_delete(client, scope, action->name, &error);
        if (status != ARM_OK) {
            action->failed = true;
            if (result->failed++ == 0) {
                result->status = status;
                result->error = error;
            }
            continue;
        }
        result->created += action->kind == AGENT_ACTION_CREATE;
        result->updated += action->kind == AGENT_ACTION_UPDATE;
        result->deleted += action->kind == AGENT_ACTION_DELETE;
    }
}

/* `scope` NULL: the retired scope `id`, which wants no export at all. */
static void reconcile_scope(arm_exports_client *client, const settings_scope *scope, const char *id,
                            const agent_reconcile_options *options, agent_scope_result *result)
{
    arm_error_init(&result->error);
    agent_desired_set desired = {0};
    char why[256] = "";
    if (scope != NULL && agent_desired_for_scope(scope, &options->desired, &desired, why,
                                                 sizeof why) != AGENT_DESIRED_OK) {
        result->status = arm_error_set(&result->error, ARM_ERR_INVALID_ARGUMENT, "%s", why);
        return;
    }
    arm_export_list list = {0};
    json_t *actual = json_array();
    result->status = arm_exports_list(client, id, false, &list, &result->error);
    for (size_t i = 0; i < list.count && result->status == ARM_OK; i++) {
        json_t *item = export_json(&list.items[i], &result->error);
        if (item == NULL)
            result->status = result->error.status ? result->error.status : ARM_ERR_NO_MEMORY;
        json_array_append_new(actual, item);
    }
    arm_export_list_dispose(&list);
    if (result->status == ARM_OK &&
        agent_plan_scope(id, &desired, actual, options->desired.hub_name,
                         options->desired.storage_account_id, options->prune,
                         &result->plan) != AGENT_DESIRED_OK)
        result->status = arm_error_set(&result->error, ARM_ERR_NO_MEMORY, "out of memory");
    if (result->status == ARM_OK && options->apply)
        apply_plan(client, id, actual, result);
    if (result->plan.scope == NULL)
        result->plan.scope = strdup(id);
    json_decref(actual);
    /* The plan outlives the desired bodies: it keeps their hashes, not the bodies. */
    for (size_t a = 0; a < result->plan.count; a++)
        result->plan.actions[a].desired = NULL;
    agent_desired_set_dispose(&desired);
}

typedef struct reconcile_work {
    const settings *value;
    const agent_reconcile_options *options;
    agent_scope_result *results;
} reconcile_work;

static void reconcile_item(void *ctx, size_t item, arm_exports_client *client,
                           arm_status setup_status, const arm_error *setup_error)
{
    reconcile_work *work = ctx;
    agent_scope_result *result = &work->results[item];
    size_t listed = work->value->scope_count;
    const settings_scope *scope = item < listed ? &work->value->scopes[item] : NULL;
    const char *id = scope ? scope->scope : work->options->retired[item - listed];
    if (agent_stop_requested()) {
        result->status = arm_error_set(&result->error, ARM_ERR_CALLBACK,
                                       "not reconciled: the agent was asked to stop");
        result->plan.scope = strdup(id);
        return;
    }
    if (client == NULL) {
        result->status = setup_status;
        result->error = *setup_error;
        result->plan.scope = strdup(id);
        return;
    }
    reconcile_scope(client, scope, id, work->options, result);
}

arm_status agent_reconcile(agent_azure *azure, const settings *value,
                           const agent_reconcile_options *options, agent_scope_result **out_results,
                           arm_error *err)
{
    *out_results = NULL;
    size_t count = agent_reconcile_result_count(value, options);
    agent_scope_result *results = calloc(count ? count : 1, sizeof *results);
    if (results == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    reconcile_work work = {.value = value, .options = options, .results = results};
    agent_pool_run(azure, count, options->concurrency, reconcile_item, &work);
    *out_results = results;
    return ARM_OK;
}

void agent_reconcile_results_free(agent_scope_result *results, size_t count)
{
    if (results == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        agent_scope_plan_dispose(&results[i].plan);
    free(results);
}

size_t agent_reconcile_result_count(const settings *value, const agent_reconcile_options *options)
{
    return value->scope_count + (options->prune ? options->retired_count : 0);
}
