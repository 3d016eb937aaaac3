/* agent online overlap check: asks ARM which subscriptions (and enrollment
 * accounts) sit under each listed billing scope, so overlaps the paths alone
 * cannot show are refused like the offline ones. */
#ifndef HUBAGENT_AGENT_OVERLAP_ONLINE_H
#define HUBAGENT_AGENT_OVERLAP_ONLINE_H

#include "agent/azure.h"
#include "settings/settings.h"

typedef struct agent_online_ancestry agent_online_ancestry;

/* One billingSubscriptions listing per listed billing scope. */
arm_status agent_online_ancestry_build(agent_azure *azure, const settings *value,
                                       agent_online_ancestry **out_ancestry, arm_error *err);
void agent_online_ancestry_free(agent_online_ancestry *ancestry);

/* The settings_ancestry interface over what was learned. */
settings_ancestry agent_online_ancestry_interface(agent_online_ancestry *ancestry);

#endif
