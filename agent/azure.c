/* Building the agent's connection to Azure from its options, and reading the
 * hub's settings.json from a file or from the hub's own storage. */
#include "agent/azure.h"
#include "agent/log.h"
#include "agent/stop.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

static arm_status from_auth(arm_error *err, const auth_error *error, auth_status status)
{
    return arm_error_set(err, ARM_ERR_AUTH, "%s",
                         error->message[0] ? error->message : auth_status_text(status));
}

static arm_status open_credential(agent_azure *azure, const agent_config *config, arm_error *err)
{
    auth_chain_options options;
    auth_chain_options_default(&options);
    auth_error error;
    memset(&error, 0, sizeof error);
    auth_status status =
        auth_kind_parse(agent_config_get(config, AGENT_OPTION_CREDENTIAL), &options.kind, &error);
    if (config->sources[AGENT_OPTION_AUTHORITY_HOST] != AGENT_SOURCE_DEFAULT)
        options.authority_host = agent_config_get(config, AGENT_OPTION_AUTHORITY_HOST);
    options.common.ca_bundle = agent_config_get(config, AGENT_OPTION_CA_BUNDLE);
    auth_chain_options_load_env(&options, NULL, NULL);
    if (options.authority_host == NULL)
        options.authority_host = agent_config_get(config, AGENT_OPTION_AUTHORITY_HOST);
    if (status == AUTH_OK)
        status =
            auth_chain_new(&options, &azure->credential, &azure->credential_explanation, &error);
    if (status == AUTH_OK)
        status = auth_cache_new(NULL, NULL, &azure->cache, &error);
    if (status != AUTH_OK)
        return from_auth(err, &error, status);
    azure->provider = (auth_provider){azure->cache, azure->credential};
    azure->tokens = auth_provider_arm(&azure->provider);
    return ARM_OK;
}

/* Pacer waits and back-offs can be long; a stop request must not wait them out. */
static void stoppable_sleep(void *ctx, double seconds)
{
    (void)ctx;
    agent_stop_sleep(seconds);
}

static bool refuses_wait(void *ctx, double wait_until)
{
    (void)ctx;
    return agent_stop_refuses_wait(wait_until);
}

static arm_status open_blob(agent_azure *azure, const agent_config *config, arm_error *err)
{
    const char *endpoint = agent_config_get(config, AGENT_OPTION_STORAGE_ENDPOINT);
    if (endpoint == NULL)
        return ARM_OK;
    arm_blob_options options = arm_blob_options_default();
    options.endpoint = endpoint;
    options.shared_key = agent_config_get(config, AGENT_OPTION_STORAGE_KEY);
    options.retry = &azure->retry;
    if (options.shared_key == NULL)
        options.tokens = &azure->tokens;
    return arm_blob_client_new(azure->http, &options, &azure->blob, err);
}

arm_status agent_azure_open(const agent_config *config, agent_azure **out, arm_error *err)
{
    *out = NULL;
    agent_azure *azure = calloc(1, sizeof *azure);
    if (azure == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    azure->retry = arm_retry_policy_default();
    azure->retry.clock.sleep = stoppable_sleep;
    azure->retry.cancelled = refuses_wait; /* no call waits out the pacer after a stop */
    arm_http_options http = arm_http_options_default();
    http.ca_bundle_path = agent_config_get(config, AGENT_OPTION_CA_BUNDLE);
    http.max_in_flight = agent_config_get_int(config, AGENT_OPTION_CONCURRENCY);
    agent_log_configure(agent_config_get(config, AGENT_OPTION_LOG_FORMAT),
                        agent_config_get(config, AGENT_OPTION_LOG_LEVEL));
    if (agent_log_enabled(AGENT_LOG_DEBUG))
        http.log = agent_log_arm_line; /* every call's request and correlation ids */
    azure->http_options = http;
    arm_status status = arm_http_client_new(&http, &azure->http, err);
    arm_pacer_options pacing = arm_pacer_options_default();
    /* Cost Management allows about 100 calls per 5 minutes per scope and client:
     * spend at most 60 at once, then a third of a call a second. */
    pacing.cost_management = (arm_pacer_limits){
        60, agent_config_get_int(config, AGENT_OPTION_CM_CALLS_PER_MINUTE) / 60.0};
    if (status == ARM_OK)
        status = arm_pacer_new(&pacing, &azure->pacer, err);
    if (status == ARM_OK)
        status = open_credential(azure, config, err);
    if (status == ARM_OK)
        status = open_blob(azure, config, err);
    if (status == ARM_OK) {
        azure->arm_endpoint = strdup(agent_config_get(config, AGENT_OPTION_ARM_ENDPOINT));
        azure->api_version = strdup(agent_config_get(config, AGENT_OPTION_API_VERSION));
        if (azure->arm_endpoint == NULL || azure->api_version == NULL)
            status = arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    if (status != ARM_OK) {
        agent_azure_free(azure);
        return status;
    }
    size_t length = strlen(azure->arm_endpoint);
    while (length > 0 && azure->arm_endpoint[length - 1] == '/')
        azure->arm_endpoint[--length] = '\0';
    azure->arm = (arm_pipeline){.http = azure->http,
                                .retry = &azure->retry,
                                .pacer = azure->pacer,
                                .tokens = &azure->tokens,
                                .resource = agent_config_get(config, AGENT_OPTION_ARM_RESOURCE)};
    *out = azure;
    return ARM_OK;
}

void agent_azure_free(agent_azure *azure)
{
    if (azure == NULL)
        return;
    arm_blob_client_free(azure->blob);
    auth_cache_free(azure->cache);
    auth_credential_free(azure->credential);
    arm_pacer_free(azure->pacer);
    arm_http_client_free(azure->http);
    free(azure->arm_endpoint);
    free(azure->api_version);
    free(azure->credential_explanation);
    free(azure);
}

typedef struct memory_sink {
    char *data;
    size_t length;
} memory_sink;

static int collect(void *ctx, const char *data, size_t length)
{
    memory_sink *sink = ctx;
    if (sink->length + length > SETTINGS_MAX_FILE_BYTES)
        return 1;
    char *grown = realloc(sink->data, sink->length + length + 1);
    if (grown == NULL)
        return 1;
    memcpy(grown + sink->length, data, length);
    sink->data = grown;
    sink->length += length;
    grown[sink->length] = '\0';
    return 0;
}

static int restart(void *ctx)
{
    ((memory_sink *)ctx)->length = 0;
    return 0;
}

settings_status agent_settings_load(const agent_config *config, agent_azure *azure,
                                    settings **out_settings, char **out_etag,
                                    settings_report *report, arm_error *err)
{
    *out_settings = NULL;
    *out_etag = NULL;
    const char *file = agent_config_get(config, AGENT_OPTION_SETTINGS);
    if (file != NULL) {
        /* A file's fingerprint stands for the blob's eTag: a change is seen. */
        struct stat info;
        if (stat(file, &info) == 0 &&
            asprintf(out_etag, "file:%lld.%09ld:%lld", (long long)info.st_mtim.tv_sec,
                     info.st_mtim.tv_nsec, (long long)info.st_size) < 0)
            *out_etag = NULL;
        settings_status status = settings_load_file(file, out_settings, report);
        if (status != SETTINGS_OK) {
            free(*out_etag);
            *out_etag = NULL;
        }
        return status;
    }
    if (azure == NULL || azure->blob == NULL) {
        arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                      "no settings: give --settings FILE, or --storage-endpoint to read the "
                      "hub's config/settings.json");
        return SETTINGS_E_IO;
    }
    memory_sink sink = {0};
    arm_blob_sink blob_sink = {.write = collect, .rewind = restart, .ctx = &sink};
    arm_blob_properties properties;
    memset(&properties, 0, sizeof properties);
    arm_status status = arm_blob_get(azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_SETTINGS_BLOB,
                                     &blob_sink, NULL, &properties, err);
    if (status != ARM_OK) {
        free(sink.data);
        return SETTINGS_E_IO;
    }
    settings_status parsed =
        settings_parse(sink.data ? sink.data : "", sink.length, out_settings, report);
    free(sink.data);
    if (parsed == SETTINGS_OK && (*out_etag = strdup(properties.etag)) == NULL) {
        settings_free(*out_settings);
        *out_settings = NULL;
        return SETTINGS_E_NOMEM;
    }
    return parsed;
}
