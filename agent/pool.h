/* agent pool: a few worker threads over a list of items (scopes), each worker
 * with its own HTTP and Exports clients sharing the process's pacer and tokens. */
#ifndef HUBAGENT_AGENT_POOL_H
#define HUBAGENT_AGENT_POOL_H

#include "agent/azure.h"
#include "arm/exports.h"

/* Called once per item, on some worker. `setup_status`/`setup_error` say
 * whether the worker's clients could be built; when not, client is NULL. */
typedef void (*agent_pool_fn)(void *ctx, size_t item, arm_exports_client *client,
                              arm_status setup_status, const arm_error *setup_error);

/* Runs fn over items 0..count-1 on up to `concurrency` threads and returns
 * when all are done (on the calling thread when no thread can start). */
void agent_pool_run(agent_azure *azure, size_t count, int concurrency, agent_pool_fn fn, void *ctx);

#endif
