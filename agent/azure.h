/* agent azure: the agent's one connection to Azure, built from its options —
 * HTTP client, credential chain and token cache, pacer, ARM pipeline, Blob. */
#ifndef HUBAGENT_AGENT_AZURE_H
#define HUBAGENT_AGENT_AZURE_H

#include "agent/config.h"
#include "arm/blob.h"
#include "arm/retry.h"
#include "auth/auth.h"
#include "settings/settings.h"

typedef struct agent_azure {
    arm_http_options http_options; /* for workers' own clients; strings borrowed from config */
    arm_http_client *http;
    arm_pacer *pacer;
    auth_credential *credential;
    auth_cache *cache;
    auth_provider provider;
    arm_token_provider tokens;
    arm_retry_policy retry; /* waits that end at once when the agent is asked to stop */
    arm_pipeline arm;       /* ARM calls: bearer token for arm_resource, retries, pacing */
    arm_blob_client *blob;  /* the hub's storage account, or NULL when no endpoint is set */
    char *arm_endpoint;     /* without a trailing slash */
    char *api_version;
    char *credential_explanation; /* why this credential (secret-free) */
} agent_azure;

/* Builds everything from the configuration. On failure *out is NULL and err
 * says which part failed. */
arm_status agent_azure_open(const agent_config *config, agent_azure **out, arm_error *err);
void agent_azure_free(agent_azure *azure);

/* Where the hub keeps its settings. */
#define AGENT_SETTINGS_CONTAINER "config"
#define AGENT_SETTINGS_BLOB      "settings.json"

/* settings.json from --settings FILE, else the hub's storage (container
 * "config", blob "settings.json"). *out_etag is the blob's eTag (malloc'd),
 * or NULL for a file. Problems go to the report; a storage failure to err. */
settings_status agent_settings_load(const agent_config *config, agent_azure *azure,
                                    settings **out_settings, char **out_etag,
                                    settings_report *report, arm_error *err);

#endif
