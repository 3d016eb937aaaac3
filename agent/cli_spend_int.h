/* spend-scopes CLI internals shared by cli_spend.c (validate, printing), cli_spend_report.c
 * (the report command and its state) and cli_spend_hub.c (the hub's storage). */
#ifndef HUBAGENT_AGENT_CLI_SPEND_INT_H
#define HUBAGENT_AGENT_CLI_SPEND_INT_H

#include "agent/cli.h"
#include "agent/config.h"
#include "spend/spend.h"

#include <stdbool.h>

/* The hub's ingestion container (spec: finops-hub ingestion layout). */
#define SPEND_INGESTION_CONTAINER "ingestion"

extern const char spend_cli_usage[];

/* ---- cli_spend.c ----------------------------------------------------------------------- */

/* Parses a spendScopes file, problems on stderr as FILE:LINE:COL lines (and the JSON verdict on
 * stdout when `json`); `text` non-NULL parses that text instead of reading `file` (then only a
 * name). Returns an AGENT_EXIT_ code. */
int spend_cli_load_definitions(const char *file, const char *text, size_t length, int json,
                               spend_definitions **out_definitions);

/* How the month's report came about: evaluated now, or read back because nothing changed. */
typedef struct spend_cli_outcome {
    const char *definitions; /* where the spend scopes came from */
    const char *output_path; /* the local summary, or NULL without --output */
    bool skipped;            /* not evaluated: read back from the summary */
    char reason[256];        /* why it was (or was not) evaluated */
} spend_cli_outcome;

void spend_cli_print_report(FILE *out, bool json, const spend_definitions *definitions,
                            const spend_summary *summary, const spend_cli_outcome *outcome);

/* ---- cli_spend_report.c ---------------------------------------------------------------- */

int spend_cli_report(int argc, char **argv);

/* ---- cli_spend_hub.c ------------------------------------------------------------------- */

/* The hub's storage with the agent's options; connected on first use. */
typedef struct spend_hub {
    const agent_config *config;
    struct agent_azure *azure;
} spend_hub;

void spend_hub_dispose(spend_hub *hub);
/* The storage endpoint without a trailing '/', or NULL when none is configured. */
const char *spend_hub_endpoint(const spend_hub *hub, char *buffer, size_t capacity);

/* Uploads `local` to ingestion/`blob` as one block blob (committed whole or not at all).
 * Returns an AGENT_EXIT_ code. */
int spend_hub_upload(spend_hub *hub, const char *local, const char *blob);
/* Downloads ingestion/`blob` to `local` (through LOCAL.partial). Returns an AGENT_EXIT_ code;
 * quiet when `quiet` (a missing summary only means evaluating again). */
int spend_hub_download(spend_hub *hub, const char *blob, const char *local, bool quiet);

/* The month's *.parquet blobs under ingestion/Costs/YYYY/MM/, listed (not yet read), with a
 * digest of their names, sizes and eTags in out_digest: the same blobs give the same digest
 * however often they are downloaded. Returns an AGENT_EXIT_ code. */
typedef struct spend_hub_month spend_hub_month;
int spend_hub_month_open(spend_hub *hub, int year, int month, spend_hub_month **out_month,
                         char out_digest[static 17]);
/* Where the month's blobs are, for people: "ingestion/Costs/YYYY/MM/". */
const char *spend_hub_month_prefix(const spend_hub_month *month);
/* Downloads them into a new temporary folder (*out_dir, malloc'd; remove it with
 * spend_hub_remove_dir). Returns an AGENT_EXIT_ code. */
int spend_hub_month_download(spend_hub *hub, spend_hub_month *month, char **out_dir);
void spend_hub_month_free(spend_hub_month *month);
void spend_hub_remove_dir(const char *dir);

/* The spend scopes: --spend-scopes / HUBAGENT_SPEND_SCOPES / the agent config file, else
 * settings.json's "spendScopes" (relative to a --settings file, or a blob in the hub's config
 * container). *out_source (malloc'd) says which. Returns an AGENT_EXIT_ code (USAGE when no
 * place names any). */
int spend_hub_load_definitions(spend_hub *hub, spend_definitions **out_definitions,
                               char **out_source);

#endif
