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

/* The month's *.parquet blobs under ingestion/Costs/YYYY/MM/, listed (not yet read), with a
 * digest of their names, sizes and eTags in out_digest. Returns an AGENT_EXIT_ code. */
typedef struct spend_hub_month spend_hub_month;
int spend_hub_month_open(const agent_cli_args *args, int year, int month,
                         spend_hub_month **out_month, char out_digest[static 17]);
/* Downloads them into a new temporary folder (*out_dir, malloc'd; remove it with
 * spend_hub_remove_dir). Returns an AGENT_EXIT_ code. */
int spend_hub_month_download(spend_hub_month *month, char **out_dir);
void spend_hub_month_free(spend_hub_month *month);
void spend_hub_remove_dir(const char *dir);

#endif
