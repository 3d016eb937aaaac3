/* agent Data Factory: taking over from the hub's own pipelines — which of its
 * export triggers are started (they would run the hub's exports a second
 * time), stopping them, and starting them again on release. */
#ifndef HUBAGENT_AGENT_DATAFACTORY_H
#define HUBAGENT_AGENT_DATAFACTORY_H

#include "agent/azure.h"
#include "agent/config.h"

/* The triggers that run exports; the ingestion triggers are never touched. */
#define AGENT_EXPORT_TRIGGER_COUNT 3
extern const char *const agent_export_triggers[AGENT_EXPORT_TRIGGER_COUNT];

typedef struct agent_hub_factory {
    char *id; /* NULL when the hub has no Data Factory to take over from */
    bool started[AGENT_EXPORT_TRIGGER_COUNT];
} agent_hub_factory;

/* Finds the hub's factory (--data-factory-id, else "{hub}-engine-*" in the
 * storage account's resource group) and its export triggers' state. */
arm_status agent_hub_factory_inspect(agent_azure *azure, const agent_config *config,
                                     agent_hub_factory *out_factory, arm_error *err);
void agent_hub_factory_dispose(agent_hub_factory *factory);
size_t agent_hub_factory_started_count(const agent_hub_factory *factory);

/* Starts or stops one trigger of the factory. */
arm_status agent_hub_factory_set_trigger(agent_azure *azure, const char *factory_id,
                                         const char *trigger, bool start, arm_error *err);

#endif
