/* agent plan: per scope, what reconciling would do — create, update (with a
 * field-by-field diff), leave alone, or (with prune) delete the hub's own. */
#ifndef HUBAGENT_AGENT_PLAN_H
#define HUBAGENT_AGENT_PLAN_H

#include "agent/desired.h"

#include <stdio.h>

typedef enum agent_action_kind {
    AGENT_ACTION_NONE,   /* exists and matches */
    AGENT_ACTION_CREATE, /* missing */
    AGENT_ACTION_UPDATE, /* exists and drifted */
    AGENT_ACTION_DELETE, /* the hub's name, but no longer wanted (prune only) */
} agent_action_kind;

const char *agent_action_kind_name(agent_action_kind kind);

typedef struct agent_action {
    agent_action_kind kind;
    char *name;
    agent_dataset dataset;  /* unknown for deletes of names no longer wanted */
    const json_t *desired;  /* borrowed from the desired set while it lives; NULL for deletes */
    char body_hash[17];     /* agent_desired_body_hash of desired ("" for deletes) */
    char *etag;             /* the export's eTag: as listed, then as written */
    agent_export_diff diff; /* updates only */
    bool failed;            /* applying it failed (reconcile only) */
} agent_action;

typedef struct agent_scope_plan {
    char *scope;
    agent_action *actions;
    size_t count;
} agent_scope_plan;

/* Compares the desired exports of a scope with what ARM listed there
 * (`actual`: the "value" array of Exports_List). With `prune`, this hub's
 * exports that are not desired become deletes: named like the hub's
 * (lower(hub_name) + one of the hub's suffixes) and, when storage_account_id
 * is given, delivering to that storage account (another hub of the same name
 * delivers elsewhere); nobody else's export is ever touched. */
agent_desired_status agent_plan_scope(const char *scope, const agent_desired_set *desired,
                                      const json_t *actual, const char *hub_name,
                                      const char *storage_account_id, bool prune,
                                      agent_scope_plan *out_plan);
void agent_scope_plan_dispose(agent_scope_plan *plan);

/* How many actions change something (create, update, delete). */
size_t agent_scope_plan_changes(const agent_scope_plan *plan);

/* Human-readable, one block per scope; `verbose` also lists unchanged exports. */
void agent_plan_print_text(const agent_scope_plan *plans, size_t count, FILE *out, bool verbose);
/* {"scopes":[{"scope","actions":[{"action","name","changes":[{path,want,have}]}]}],
 *  "changes":N} */
void agent_plan_print_json(const agent_scope_plan *plans, size_t count, FILE *out);

#endif
