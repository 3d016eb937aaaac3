/* What ARM knows about containment: each listed billing scope's
 * billingSubscriptions say which subscriptions it holds, and, through their
 * department and enrollment account ids, which enrollment accounts sit in
 * which department. */
#include "agent/overlap_online.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define BILLING_API_VERSION "2024-04-01"
#define MAX_PAGES           100
#define MAX_LINKS           16

/* "child is inside parent", both normalised scope strings. */
typedef struct containment {
    char *child;
    char *parent;
} containment;

struct agent_online_ancestry {
    containment *links;
    size_t count;
    const char *found[MAX_LINKS];
};

static bool is_billing_scope(settings_scope_type type)
{
    return type != SETTINGS_SCOPE_SUBSCRIPTION && type != SETTINGS_SCOPE_RESOURCE_GROUP &&
           type != SETTINGS_SCOPE_MANAGEMENT_GROUP;
}

static arm_status add_link(agent_online_ancestry *ancestry, const char *child, const char *parent)
{
    settings_scope child_scope, parent_scope;
    if (settings_scope_parse(child, &child_scope, NULL, 0) != SETTINGS_OK)
        return ARM_OK; /* ids of scope kinds the hub does not list: nothing to check */
    if (settings_scope_parse(parent, &parent_scope, NULL, 0) != SETTINGS_OK) {
        settings_scope_dispose(&child_scope);
        return ARM_OK;
    }
    containment *grown = realloc(ancestry->links, (ancestry->count + 1) * sizeof *grown);
    arm_status status = grown ? ARM_OK : ARM_ERR_NO_MEMORY;
    if (grown != NULL) {
        ancestry->links = grown;
        grown[ancestry->count++] = (containment){child_scope.scope, parent_scope.scope};
        child_scope.scope = parent_scope.scope = NULL;
    }
    settings_scope_dispose(&child_scope);
    settings_scope_dispose(&parent_scope);
    return status;
}

/* Every scope a billing subscription names as its own container. */
static arm_status learn_subscription(agent_online_ancestry *ancestry, const char *listed,
                                     const json_t *item)
{
    const json_t *properties = json_object_get(item, "properties");
    const char *id = json_string_value(json_object_get(properties, "subscriptionId"));
    if (id == NULL)
        id = json_string_value(json_object_get(item, "name"));
    if (id == NULL)
        return ARM_OK;
    char subscription[128];
    snprintf(subscription, sizeof subscription, "/subscriptions/%s", id);
    arm_status status = add_link(ancestry, subscription, listed);
    static const char *const fields[] = {"billingAccountId", "billingProfileId", "invoiceSectionId",
                                         "departmentId", "enrollmentAccountId"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0] && status == ARM_OK; f++) {
        const char *parent = json_string_value(json_object_get(properties, fields[f]));
        if (parent != NULL)
            status = add_link(ancestry, subscription, parent);
    }
    /* An enrollment account sits in the department its subscriptions report. */
    const char *department = json_string_value(json_object_get(properties, "departmentId"));
    const char *account = json_string_value(json_object_get(properties, "enrollmentAccountId"));
    if (status == ARM_OK && department != NULL && account != NULL)
        status = add_link(ancestry, account, department);
    return status;
}

static arm_status list_billing_subscriptions(agent_azure *azure, agent_online_ancestry *ancestry,
                                             const char *scope, arm_error *err)
{
    char *url = NULL;
    if (asprintf(&url, "%s%s/billingSubscriptions?api-version=%s", azure->arm_endpoint, scope,
                 BILLING_API_VERSION) < 0)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_status status = ARM_OK;
    for (int page = 0; url != NULL && page < MAX_PAGES && status == ARM_OK; page++) {
        arm_http_request request = {.method = "GET", .url = url};
        arm_http_response response;
        arm_http_response_init(&response);
        status = arm_pipeline_send(&azure->arm, NULL, &request, &response, err);
        json_t *root = status == ARM_OK && response.body
                           ? json_loadb(response.body, response.body_len, 0, NULL)
                           : NULL;
        if (status == ARM_OK && root == NULL)
            status =
                arm_error_set(err, ARM_ERR_PARSE, "billingSubscriptions of %s: not JSON", scope);
        size_t index;
        json_t *item;
        json_array_foreach(json_object_get(root, "value"), index, item)
        {
            if (status == ARM_OK)
                status = learn_subscription(ancestry, scope, item);
        }
        const char *next = json_string_value(json_object_get(root, "nextLink"));
        free(url);
        url = next ? strdup(next) : NULL;
        json_decref(root);
        arm_http_response_dispose(&response);
    }
    free(url);
    return status;
}

arm_status agent_online_ancestry_build(agent_azure *azure, const settings *value,
                                       agent_online_ancestry **out_ancestry, arm_error *err)
{
    *out_ancestry = calloc(1, sizeof **out_ancestry);
    if (*out_ancestry == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_status status = ARM_OK;
    for (size_t i = 0; i < value->scope_count && status == ARM_OK; i++)
        if (is_billing_scope(value->scopes[i].type))
            status = list_billing_subscriptions(azure, *out_ancestry, value->scopes[i].scope, err);
    if (status != ARM_OK) {
        agent_online_ancestry_free(*out_ancestry);
        *out_ancestry = NULL;
    }
    return status;
}

void agent_online_ancestry_free(agent_online_ancestry *ancestry)
{
    if (ancestry == NULL)
        return;
    for (size_t i = 0; i < ancestry->count; i++) {
        free(ancestry->links[i].child);
        free(ancestry->links[i].parent);
    }
    free(ancestry->links);
    free(ancestry);
}

/* A resource group is wherever its subscription is. */
static int lookup(void *payload, const settings_scope *scope, const char **out_ancestors,
                  size_t capacity, size_t *out_count, char *why, size_t why_size)
{
    (void)why;
    (void)why_size;
    agent_online_ancestry *ancestry = payload;
    const char *child = scope->type == SETTINGS_SCOPE_RESOURCE_GROUP && scope->parent_count > 0
                            ? scope->parents[0]
                            : scope->scope;
    *out_count = 0;
    for (size_t i = 0; i < ancestry->count && *out_count < capacity; i++)
        if (strcasecmp(ancestry->links[i].child, child) == 0)
            out_ancestors[(*out_count)++] = ancestry->links[i].parent;
    return 0;
}

settings_ancestry agent_online_ancestry_interface(agent_online_ancestry *ancestry)
{
    return (settings_ancestry){lookup, ancestry};
}
