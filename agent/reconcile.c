/* Reconciling exports: one list call per scope, a plan, and writes only for
 * what differs — a PUT with the current eTag (a 412 re-reads and retries
 * once), fields the agent does not manage kept as they are. Scopes run on a
 * few worker threads, each with its own HTTP client, sharing the process's
 * pacer and token cache, so one slow or failing scope never holds the rest. */
#include "agent/reconcile.h"
#include "arm/exports.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct shared_work {
    agent_azure *azure;
    const settings *value;
    const agent_reconcile_options *options;
    agent_scope_result *results;
    atomic_size_t next;
} shared_work;

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
                             const json_t *body, arm_error *err)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (text == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_export export_;
    arm_export_init(&export_);
    arm_status status = arm_export_parse(text, strlen(text), &export_, err);
    free(text);
    if (status == ARM_OK)
        status = arm_exports_create_or_update(client, scope, name, &export_, NULL, NULL, err);
    arm_export_dispose(&export_);
    return status;
}

/* Update: the existing export with the desired fields laid over it. */
static arm_status update_export(arm_exports_client *client, const char *scope,
                                const agent_action *action, const json_t *actual, arm_error *err)
{
    json_t *merged = json_deep_copy(actual);
    merge_into(merged, action->desired);
    arm_status status = put_export(client, scope, action->name, merged, err);
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
    status = put_export(client, scope, action->name, current, err);
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
        const agent_action *action = &result->plan.actions[a];
        arm_error error;
        arm_error_init(&error);
        arm_status status = ARM_OK;
        if (action->kind == AGENT_ACTION_CREATE)
            status = put_export(client, scope, action->name, action->desired, &error);
        else if (action->kind == AGENT_ACTION_UPDATE)
            status =
                update_export(client, scope, action, find_listed(actual, action->name), &error);
        else if (action->kind == AGENT_ACTION_DELETE)
            status = arm_exports_delete(client, scope, action->name, &error);
        if (status != ARM_OK) {
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

static void reconcile_scope(arm_exports_client *client, const settings_scope *scope,
                            const agent_reconcile_options *options, agent_scope_result *result)
{
    arm_error_init(&result->error);
    agent_desired_set desired;
    char why[256] = "";
    if (agent_desired_for_scope(scope, &options->desired, &desired, why, sizeof why) !=
        AGENT_DESIRED_OK) {
        result->status = arm_error_set(&result->error, ARM_ERR_INVALID_ARGUMENT, "%s", why);
        return;
    }
    arm_export_list list = {0};
    json_t *actual = json_array();
    result->status = arm_exports_list(client, scope->scope, false, &list, &result->error);
    for (size_t i = 0; i < list.count && result->status == ARM_OK; i++) {
        json_t *item = export_json(&list.items[i], &result->error);
        if (item == NULL)
            result->status = result->error.status ? result->error.status : ARM_ERR_NO_MEMORY;
        json_array_append_new(actual, item);
    }
    arm_export_list_dispose(&list);
    if (result->status == ARM_OK &&
        agent_plan_scope(scope->scope, &desired, actual, options->desired.hub_name, options->prune,
                         &result->plan) != AGENT_DESIRED_OK)
        result->status = arm_error_set(&result->error, ARM_ERR_NO_MEMORY, "out of memory");
    if (result->status == ARM_OK && options->apply)
        apply_plan(client, scope->scope, actual, result);
    if (result->plan.scope == NULL)
        result->plan.scope = strdup(scope->scope);
    json_decref(actual);
    agent_desired_set_dispose(&desired);
}

static void *worker(void *argument)
{
    shared_work *work = argument;
    agent_azure *azure = work->azure;
    arm_http_client *http = NULL;
    arm_exports_client *client = NULL;
    arm_error error;
    arm_error_init(&error);
    arm_status status = arm_http_client_new(&azure->http_options, &http, &error);
    if (status == ARM_OK) {
        arm_exports_options options = arm_exports_options_default();
        options.endpoint = azure->arm_endpoint;
        options.api_version = azure->api_version;
        options.resource = azure->arm.resource;
        options.tokens = &azure->tokens;
        options.pacer = azure->pacer;
        status = arm_exports_client_new(http, &options, &client, &error);
    }
    for (;;) {
        size_t i = atomic_fetch_add(&work->next, 1);
        if (i >= work->value->scope_count)
            break;
        if (status != ARM_OK) {
            work->results[i].status = status;
            work->results[i].error = error;
            work->results[i].plan.scope = strdup(work->value->scopes[i].scope);
            continue;
        }
        reconcile_scope(client, &work->value->scopes[i], work->options, &work->results[i]);
    }
    arm_exports_client_free(client);
    arm_http_client_free(http);
    return NULL;
}

arm_status agent_reconcile(agent_azure *azure, const settings *value,
                           const agent_reconcile_options *options, agent_scope_result **out_results,
                           arm_error *err)
{
    *out_results = NULL;
    size_t count = value->scope_count;
    agent_scope_result *results = calloc(count ? count : 1, sizeof *results);
    size_t threads = (size_t)(options->concurrency > 0 ? options->concurrency : 1);
    if (threads > count)
        threads = count ? count : 1;
    pthread_t *ids = calloc(threads, sizeof *ids);
    if (results == NULL || ids == NULL) {
        free(results);
        free(ids);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    shared_work work = {.azure = azure, .value = value, .options = options, .results = results};
    atomic_init(&work.next, 0);
    size_t started = 0;
    for (; started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, &work) != 0)
            break;
    if (started == 0)
        worker(&work); /* no thread could start: do the work here */
    for (size_t t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    free(ids);
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
