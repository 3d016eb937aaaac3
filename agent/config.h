/* agent configuration: every option in one table (name, flag, environment
 * variable, default, validation), resolved flags > environment > file > default. */
#ifndef HUBAGENT_AGENT_CONFIG_H
#define HUBAGENT_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum agent_option {
    AGENT_OPTION_HUB_NAME,
    AGENT_OPTION_STORAGE_ACCOUNT_ID,
    AGENT_OPTION_STORAGE_ENDPOINT,
    AGENT_OPTION_STORAGE_KEY,
    AGENT_OPTION_DATA_FACTORY_ID,
    AGENT_OPTION_SETTINGS,
    AGENT_OPTION_STATE,
    AGENT_OPTION_SPEND_SCOPES,
    AGENT_OPTION_ARM_ENDPOINT,
    AGENT_OPTION_ARM_RESOURCE,
    AGENT_OPTION_AUTHORITY_HOST,
    AGENT_OPTION_API_VERSION,
    AGENT_OPTION_CA_BUNDLE,
    AGENT_OPTION_CREDENTIAL,
    AGENT_OPTION_FOCUS_VERSION,
    AGENT_OPTION_DATASETS,
    AGENT_OPTION_DAILY_SCHEDULE,
    AGENT_OPTION_MONTHLY_SCHEDULE,
    AGENT_OPTION_TIME_ZONE,
    AGENT_OPTION_CONCURRENCY,
    AGENT_OPTION_WATCH,
    AGENT_OPTION_POLL_INTERVAL,
    AGENT_OPTION_SETTINGS_INTERVAL,
    AGENT_OPTION_BACKFILL_NEW_SCOPES,
    AGENT_OPTION_CM_CALLS_PER_MINUTE,
    AGENT_OPTION_LOG_FORMAT,
    AGENT_OPTION_LOG_LEVEL,
    AGENT_OPTION_COUNT,
} agent_option;

typedef enum agent_option_source {
    AGENT_SOURCE_DEFAULT,
    AGENT_SOURCE_FILE,
    AGENT_SOURCE_ENVIRONMENT,
    AGENT_SOURCE_FLAG,
} agent_option_source;

const char *agent_option_source_name(agent_option_source source);

/* The static description of an option (the one table). */
typedef struct agent_option_info {
    const char *name;        /* flag without "--", and key in the config file */
    const char *environment; /* environment variable */
    const char *fallback;    /* default, or NULL when unset by default */
    bool secret;             /* masked everywhere it is shown */
    const char *help;
} agent_option_info;

const agent_option_info *agent_option_describe(agent_option option);
/* Checks a value for an option; false with the reason in `why`. */
bool agent_option_validate(agent_option option, const char *value, char *why, size_t why_size);
/* Finds an option by its name; returns false when there is none. */
bool agent_option_find(const char *name, agent_option *out_option);

typedef struct agent_config {
    char *values[AGENT_OPTION_COUNT]; /* NULL when unset */
    agent_option_source sources[AGENT_OPTION_COUNT];
    char *file; /* the agent config file read, if any */
} agent_config;

typedef enum agent_config_status {
    AGENT_CONFIG_OK = 0,
    AGENT_CONFIG_E_INVALID, /* a value or key is wrong: see the error */
    AGENT_CONFIG_E_IO,      /* the config file cannot be read */
    AGENT_CONFIG_E_NOMEM,
} agent_config_status;

typedef struct agent_config_error {
    char message[512];
} agent_config_error;

/* Resolves every option. `flags` holds "--name=value" or "--name value"
 * pairs already split by the caller into name/value arrays; `environment`
 * is looked up with getenv-like `lookup` (NULL = getenv). The config file is
 * the --config flag, else HUBAGENT_CONFIG, else none. */
typedef const char *(*agent_config_lookup)(const char *name);

agent_config_status agent_config_load(const char *const *flag_names, const char *const *flag_values,
                                      size_t flag_count, agent_config_lookup lookup,
                                      agent_config *out_config, agent_config_error *error);
void agent_config_dispose(agent_config *config);

const char *agent_config_get(const agent_config *config, agent_option option);
/* Integer options; returns the fallback's value when unset. */
int agent_config_get_int(const agent_config *config, agent_option option);

/* Prints each option, its value (secrets masked) and where it came from. */
void agent_config_print(const agent_config *config, FILE *out, bool json);

#endif
