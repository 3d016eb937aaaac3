/* spend-scopes and the hub's storage: a month's ingested cost files fetched from the ingestion
 * container, and the month's summary put back there. Used by agent/cli_spend.c only. */
#ifndef HUBAGENT_AGENT_CLI_SPEND_HUB_H
#define HUBAGENT_AGENT_CLI_SPEND_HUB_H

#include "agent/cli.h"

/* The hub's ingestion container (spec: finops-hub ingestion layout). */
#define SPEND_INGESTION_CONTAINER "ingestion"

/* Uploads `local` to ingestion/`blob` as one block blob (committed whole or not at all).
 * Storage options come from `args` (agent options). Returns an AGENT_EXIT_ code. */
int spend_hub_upload(const agent_cli_args *args, const char *local, const char *blob);

/* Downloads every *.parquet blob under ingestion/Costs/YYYY/MM/ into a new temporary folder
 * (*out_dir, malloc'd; remove it with spend_hub_remove_dir) and sets out_digest to a digest of
 * the blobs' names, sizes and eTags. Returns an AGENT_EXIT_ code. */
int spend_hub_fetch_month(const agent_cli_args *args, int year, int month, char **out_dir,
                          char out_digest[static 17]);
void spend_hub_remove_dir(const char *dir);

#endif
