/* Role-based access over the scope tree: which roles allow which export actions, and
 * whether a scope sits under another (management groups and billing scopes both count). */
#include "mock-server/mock_int.h"

#include <string.h>

typedef struct role_grant {
    const char *role;
    bool read, write, delete_, action, assign;
} role_grant;

/* Built-in Azure roles and billing roles, reduced to what Cost Management exports need. */
static const role_grant ROLES[] = {
    {"Owner", true, true, true, true, true},
    {"User Access Administrator", true, false, false, false, true},
    {"Contributor", true, true, true, true, false},
    {"Cost Management Contributor", true, true, true, true, false},
    {"Reader", true, false, false, false, false},
    {"Cost Management Reader", true, false, false, false, false},
    {"Billing account owner", true, true, true, true, false},
    {"Billing account contributor", true, true, true, true, false},
    {"Billing account reader", true, false, false, false, false},
    {"Billing profile owner", true, true, true, true, false},
    {"Billing profile contributor", true, true, true, true, false},
    {"Billing profile reader", true, false, false, false, false},
    {"Invoice section owner", true, true, true, true, false},
    {"Invoice section contributor", true, true, true, true, false},
    {"Invoice section reader", true, false, false, false, false},
    {"Enrollment administrator", true, true, true, true, false},
    {"Enrollment reader", true, false, false, false, false},
    {"Department administrator", true, true, true, true, false},
    {"Department reader", true, false, false, false, false},
    {"Account owner", true, true, true, true, false},
};

static bool grants(const char *role, const char *action)
{
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++) {
        if (strcasecmp(ROLES[i].role, role) != 0)
            continue;
        if (strcmp(action, "read") == 0)
            return ROLES[i].read;
        if (strcmp(action, "write") == 0)
            return ROLES[i].write;
        if (strcmp(action, "delete") == 0)
            return ROLES[i].delete_;
        if (strcmp(action, "action") == 0)
            return ROLES[i].action;
        if (strcmp(action, "roleAssignments/write") == 0)
            return ROLES[i].assign;
    }
    return false;
}

bool mock_scope_is_under(const mock_config *config, const mock_scope *scope,
                         const char *ancestor_lower)
{
    /* Breadth-first over parents; the tree is shallow (a dozen levels at most). */
    const mock_scope *queue[64];
    size_t head = 0, tail = 0;
    queue[tail++] = scope;
    while (head < tail) {
        const mock_scope *s = queue[head++];
        for (int k = 0; k < MOCK_SCOPE_MAX_PARENTS; k++) {
            if (s->parents[k] == NULL)
                continue;
            if (strcmp(s->parents[k], ancestor_lower) == 0)
                return true;
            const mock_scope *parent = mock_config_find_scope(config, s->parents[k]);
            if (parent != NULL && tail < 64)
                queue[tail++] = parent;
        }
    }
    return false;
}

bool mock_rbac_allows(const mock_server *server, const char *object_id, const mock_scope *scope,
                      const char *action)
{
    const mock_config *config = &server->config;
    for (size_t i = 0; i < config->role_count; i++) {
        const mock_role_assignment *r = &config->roles[i];
        if (strcasecmp(r->principal_object_id, object_id) != 0 || !grants(r->role, action))
            continue;
        if (strcmp(r->scope_lower, scope->lower) == 0 ||
            mock_scope_is_under(config, scope, r->scope_lower))
            return true;
    }
    return false;
}
