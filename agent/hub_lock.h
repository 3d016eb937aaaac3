/* agent hub lock: one agent per hub, even on different machines — a lease on
 * config/hubagent.lock in the hub's storage, renewed while the agent acts. */
#ifndef HUBAGENT_AGENT_HUB_LOCK_H
#define HUBAGENT_AGENT_HUB_LOCK_H

#include "agent/azure.h"
#include "agent/config.h"

typedef struct agent_hub_lock agent_hub_lock;

#define AGENT_HUB_LOCK_BLOB "hubagent.lock"

/* Takes the lease (60 s, renewed every 20 s by a thread of its own). When
 * another agent holds it: ARM_ERR_HTTP with a message saying so. */
arm_status agent_hub_lock_acquire(const agent_config *config, agent_hub_lock **out_lock,
                                  arm_error *err);
/* Stops renewing and releases the lease; NULL is a no-op. */
void agent_hub_lock_release(agent_hub_lock *lock);

#endif
