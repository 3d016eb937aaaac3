/* agent reconcile: for every scope, list its exports once, plan against the
 * desired ones, and (when applying) write only what differs, scopes in parallel. */
#ifndef HUBAGENT_AGENT_RECONCILE_H
#define HUBAGENT_AGENT_RECONCILE_H

#include "agent/azure.h"
#include "agent/plan.h"

typedef struct agent_reconcile_options {
    agent_desired_options desired;
    bool prune;
    bool apply; /* false: plan only */
    int concurrency;
    /* Scopes gone from the settings where this hub's exports were made (the state knows):
     * with prune, they want no export, so this hub's own there are deleted. */
    char **retired;
    size_t retired_count;
} agent_reconcile_options;

/* What happened at one scope. A failure at one scope never stops the others. */
typedef struct agent_scope_result {
    agent_scope_plan plan;
    arm_status status; /* ARM_OK when listed (and, when applying, every write succeeded) */
    arm_error error;   /* the first failure */
    size_t created, updated, deleted, failed;
} agent_scope_result;

/* Runs over every scope of `value`, then (with prune) the retired scopes.
 * *out_results has one entry per scope, in settings order, then one per retired
 * scope (agent_reconcile_result_count); free with agent_reconcile_results_free. */
arm_status agent_reconcile(agent_azure *azure, const settings *value,
                           const agent_reconcile_options *options, agent_scope_result **out_results,
                           arm_error *err);
void agent_reconcile_results_free(agent_scope_result *results, size_t count);
size_t agent_reconcile_result_count(const settings *value, const agent_reconcile_options *options);

#endif
