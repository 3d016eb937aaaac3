/* Planning: desired exports against what ARM lists at a scope, and the plan
 * printed for people (a diff per drifted field) or machines (JSON). */
#include "agent/plan.h"
#include "agent/cli.h"

#include <stdlib.h>
#include <string.h>

const char *agent_action_kind_name(agent_action_kind kind)
{
    switch (kind) {
    case AGENT_ACTION_NONE:
        return "unchanged";
    case AGENT_ACTION_CREATE:
        return "create";
    case AGENT_ACTION_UPDATE:
        return "update";
    case AGENT_ACTION_DELETE:
        return "delete";
    }
    return "unknown";
}

/* Export names are case-insensitive in ARM. */
static const json_t *find_actual(const json_t *actual, const char *name)
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

static agent_action *add_action(agent_scope_plan *plan, agent_action_kind kind, const char *name)
{
    agent_action *grown = realloc(plan->actions, (plan->count + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    plan->actions = grown;
    agent_action *action = &plan->actions[plan->count];
    memset(action, 0, sizeof *action);
    action->kind = kind;
    action->name = strdup(name);
    if (action->name == NULL)
        return NULL;
    plan->count++;
    return action;
}

static agent_desired_status plan_desired(agent_scope_plan *plan, const agent_desired_export *want,
                                         const json_t *actual)
{
    const json_t *have = find_actual(actual, want->name);
    agent_export_diff diff = {0};
    if (have != NULL && agent_desired_diff(want->body, have, &diff) != AGENT_DESIRED_OK)
        return AGENT_DESIRED_E_NOMEM;
    agent_action_kind kind = have == NULL     ? AGENT_ACTION_CREATE
                             : diff.count > 0 ? AGENT_ACTION_UPDATE
                                              : AGENT_ACTION_NONE;
    agent_action *action = add_action(plan, kind, want->name);
    if (action == NULL) {
        agent_export_diff_dispose(&diff);
        return AGENT_DESIRED_E_NOMEM;
    }
    action->dataset = want->dataset;
    action->desired = want->body;
    agent_desired_body_hash(want->body, action->body_hash);
    action->diff = diff;
    const char *etag = have ? json_string_value(json_object_get(have, "eTag")) : NULL;
    if (etag != NULL && (action->etag = strdup(etag)) == NULL)
        return AGENT_DESIRED_E_NOMEM;
    return AGENT_DESIRED_OK;
}

static bool is_desired(const agent_desired_set *desired, const char *name)
{
    for (size_t i = 0; i < desired->count; i++)
        if (strcasecmp(desired->exports[i].name, name) == 0)
            return true;
    return false;
}

/* Where a listed export delivers: its destination storage account is the hub's. */
static bool delivers_to(const json_t *item, const char *storage_account_id)
{
    if (storage_account_id == NULL)
        return true;
    const char *destination = json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(item, "properties"), "deliveryInfo"),
                        "destination"),
        "resourceId"));
    return destination != NULL && strcasecmp(destination, storage_account_id) == 0;
}

agent_desired_status agent_plan_scope(const char *scope, const agent_desired_set *desired,
                                      const json_t *actual, const char *hub_name,
                                      const char *storage_account_id, bool prune,
                                      agent_scope_plan *out_plan)
{
    memset(out_plan, 0, sizeof *out_plan);
    out_plan->scope = strdup(scope);
    agent_desired_status status = out_plan->scope ? AGENT_DESIRED_OK : AGENT_DESIRED_E_NOMEM;
    for (size_t i = 0; i < desired->count && status == AGENT_DESIRED_OK; i++)
        status = plan_desired(out_plan, &desired->exports[i], actual);
    size_t index;
    const json_t *item;
    json_array_foreach(actual, index, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (!prune || status != AGENT_DESIRED_OK || name == NULL || is_desired(desired, name) ||
            !agent_desired_is_hub_export(hub_name, name) || !delivers_to(item, storage_account_id))
            continue;
        agent_action *action = add_action(out_plan, AGENT_ACTION_DELETE, name);
        if (action == NULL)
            status = AGENT_DESIRED_E_NOMEM;
        else
            action->dataset = AGENT_DATASET_COUNT;
    }
    if (status != AGENT_DESIRED_OK)
        agent_scope_plan_dispose(out_plan);
    return status;
}

void agent_scope_plan_dispose(agent_scope_plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->count; i++) {
        free(plan->actions[i].name);
        free(plan->actions[i].etag);
        agent_export_diff_dispose(&plan->actions[i].diff);
    }
    free(plan->actions);
    free(plan->scope);
    memset(plan, 0, sizeof *plan);
}

size_t agent_scope_plan_changes(const agent_scope_plan *plan)
{
    size_t changes = 0;
    for (size_t i = 0; i < plan->count; i++)
        changes += plan->actions[i].kind != AGENT_ACTION_NONE;
    return changes;
}

void agent_plan_print_text(const agent_scope_plan *plans, size_t count, FILE *out, bool verbose)
{
    static const char marks[] = {[AGENT_ACTION_NONE] = '=',
                                 [AGENT_ACTION_CREATE] = '+',
                                 [AGENT_ACTION_UPDATE] = '~',
                                 [AGENT_ACTION_DELETE] = '-'};
    size_t totals[4] = {0};
    for (size_t p = 0; p < count; p++) {
        const agent_scope_plan *plan = &plans[p];
        fprintf(out, "%s\n", plan->scope);
        for (size_t a = 0; a < plan->count; a++) {
            const agent_action *action = &plan->actions[a];
            totals[action->kind]++;
            if (action->kind == AGENT_ACTION_NONE && !verbose)
                continue;
            fprintf(out, "  %c %-58s %s\n", marks[action->kind], action->name,
                    agent_action_kind_name(action->kind));
            for (size_t f = 0; f < action->diff.count; f++)
                fprintf(out, "      %s: %s -> %s\n", action->diff.fields[f].path,
                        action->diff.fields[f].have, action->diff.fields[f].want);
        }
    }
    fprintf(out, "Plan: %zu to create, %zu to update, %zu to delete, %zu unchanged.\n",
            totals[AGENT_ACTION_CREATE], totals[AGENT_ACTION_UPDATE], totals[AGENT_ACTION_DELETE],
            totals[AGENT_ACTION_NONE]);
}

void agent_plan_print_json(const agent_scope_plan *plans, size_t count, FILE *out)
{
    size_t changes = 0;
    fputs("{\"scopes\":[", out);
    for (size_t p = 0; p < count; p++) {
        const agent_scope_plan *plan = &plans[p];
        changes += agent_scope_plan_changes(plan);
        fprintf(out, "%s{\"scope\":", p ? "," : "");
        agent_cli_print_json_string(out, plan->scope);
        fputs(",\"actions\":[", out);
        for (size_t a = 0; a < plan->count; a++) {
            const agent_action *action = &plan->actions[a];
            fprintf(out, "%s{\"action\":\"%s\",\"name\":", a ? "," : "",
                    agent_action_kind_name(action->kind));
            agent_cli_print_json_string(out, action->name);
            fputs(",\"changes\":[", out);
            for (size_t f = 0; f < action->diff.count; f++) {
                fprintf(out, "%s{\"path\":", f ? "," : "");
                agent_cli_print_json_string(out, action->diff.fields[f].path);
                /* want/have are JSON texts already. */
                fprintf(out, ",\"want\":%s,\"have\":", action->diff.fields[f].want);
                if (strcmp(action->diff.fields[f].have, "(missing)") == 0)
                    fputs("null", out);
                else
                    fputs(action->diff.fields[f].have, out);
                fputc('}', out);
            }
            fputs("]}", out);
        }
        fputs("]}", out);
    }
    fprintf(out, "],\"changes\":%zu}\n", changes);
}
