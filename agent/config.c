/* The agent's options, all in one table that drives parsing, validation,
 * `hubagent config show` and the help text. */
#include "agent/config.h"
#include "agent/desired.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef bool (*option_validator)(const char *value, char *why, size_t why_size);

static bool valid_hub_name(const char *v, char *why, size_t n)
{
    size_t length = strlen(v);
    bool ok = length > 0 && length <= 64 &&
              strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                        "QRSTUVWXYZ0123456789-_") == length;
    if (!ok)
        snprintf(why, n, "must be 1-64 letters, digits, '-' or '_'");
    return ok;
}

static bool valid_storage_id(const char *v, char *why, size_t n)
{
    bool ok = strncasecmp(v, "/subscriptions/", 15) == 0 &&
              strcasestr(v, "/providers/Microsoft.Storage/storageAccounts/") != NULL;
    if (!ok)
        snprintf(why, n,
                 "must be a storage account ARM id "
                 "(/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/"
                 "storageAccounts/NAME)");
    return ok;
}

static bool valid_factory_id(const char *v, char *why, size_t n)
{
    bool ok = strncasecmp(v, "/subscriptions/", 15) == 0 &&
              strcasestr(v, "/providers/Microsoft.DataFactory/factories/") != NULL;
    if (!ok)
        snprintf(why, n,
                 "must be a Data Factory ARM id "
                 "(/subscriptions/…/providers/Microsoft.DataFactory/factories/NAME)");
    return ok;
}

/* https everywhere; plain http only to this machine (Azurite, the mock). */
static bool valid_url(const char *v, char *why, size_t n)
{
    bool ok = strncmp(v, "https://", 8) == 0 || strncmp(v, "http://127.0.0.1", 16) == 0 ||
              strncmp(v, "http://localhost", 16) == 0;
    if (!ok)
        snprintf(why, n, "must be an https:// URL (http:// only for 127.0.0.1 or localhost)");
    return ok;
}

static bool one_of(const char *v, const char *const *choices, char *why, size_t n)
{
    size_t used = (size_t)snprintf(why, n, "must be one of:");
    for (size_t i = 0; choices[i] != NULL; i++) {
        if (strcmp(v, choices[i]) == 0)
            return true;
        if (used < n)
            used += (size_t)snprintf(why + used, n - used, " %s", choices[i]);
    }
    return false;
}

static bool valid_api_version(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"2023-07-01-preview", "2025-03-01", NULL};
    return one_of(v, choices, why, n);
}

static bool valid_credential(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"auto",
                                          "client-secret",
                                          "client-certificate",
                                          "workload-identity",
                                          "app-service",
                                          "msi-legacy",
                                          "imds",
                                          NULL};
    return one_of(v, choices, why, n);
}

static bool valid_focus_version(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"1.0r2", "1.0", "1.0-preview", "1.2-preview", NULL};
    return one_of(v, choices, why, n);
}

static bool valid_log_format(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"auto", "text", "json", NULL};
    return one_of(v, choices, why, n);
}

static bool valid_backfill_new_scopes(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"added", "all", "off", NULL};
    return one_of(v, choices, why, n);
}

static bool valid_log_level(const char *v, char *why, size_t n)
{
    static const char *const choices[] = {"debug", "info", "warn", "error", NULL};
    return one_of(v, choices, why, n);
}

static bool valid_datasets(const char *v, char *why, size_t n)
{
    char *copy = strdup(v);
    bool ok = copy != NULL && v[0] != '\0';
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); ok && item != NULL;
         item = strtok_r(NULL, ",", &save)) {
        agent_dataset dataset;
        if (!agent_dataset_parse(item, &dataset)) {
            snprintf(why, n,
                     "'%s' is not a dataset (costs, prices, reservationdetails, "
                     "reservationtransactions, recommendations)",
                     item);
            ok = false;
        }
    }
    if (!ok && v[0] == '\0')
        snprintf(why, n, "must name at least one dataset");
    free(copy);
    return ok;
}

static bool time_of_day_ok(const char *v)
{
    return strlen(v) == 5 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
           v[2] == ':' && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]) &&
           atoi(v) < 24 && atoi(v + 3) < 60;
}

static bool valid_daily(const char *v, char *why, size_t n)
{
    if (!time_of_day_ok(v))
        snprintf(why, n, "must be a time of day HH:MM, e.g. 01:01");
    return time_of_day_ok(v);
}

/* "2,5,19@01:11": days of the month (1-28, so every month has them) at a time. */
static bool valid_monthly(const char *v, char *why, size_t n)
{
    const char *at = strchr(v, '@');
    bool ok = at != NULL && at != v && time_of_day_ok(at + 1);
    for (const char *p = v; ok && p < at;) {
        char *end;
        long day = strtol(p, &end, 10);
        ok = end > p && day >= 1 && day <= 28 && (end == at || *end == ',');
        p = end == at ? at : end + 1;
    }
    if (!ok)
        snprintf(why, n, "must be days of the month (1-28) then @HH:MM, e.g. 2,5,19@01:11");
    return ok;
}

static bool valid_time_zone(const char *v, char *why, size_t n)
{
    size_t length = strlen(v);
    bool ok =
        length > 0 && length < 64 && v[0] != '/' && strstr(v, "..") == NULL &&
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-") == length;
    if (!ok)
        snprintf(why, n, "must be an IANA time zone name such as UTC or Europe/Paris");
    return ok;
}

static bool whole_number_between(const char *v, long low, long high)
{
    char *end;
    long value = strtol(v, &end, 10);
    return end != v && *end == '\0' && value >= low && value <= high;
}

static bool valid_watch(const char *v, char *why, size_t n)
{
    bool ok = whole_number_between(v, 0, 86400);
    if (!ok)
        snprintf(why, n, "must be a whole number of seconds from 0 to 86400");
    return ok;
}

static bool valid_poll_interval(const char *v, char *why, size_t n)
{
    bool ok = whole_number_between(v, 1, 3600);
    if (!ok)
        snprintf(why, n, "must be a whole number of seconds from 1 to 3600");
    return ok;
}

static bool valid_calls_per_minute(const char *v, char *why, size_t n)
{
    bool ok = whole_number_between(v, 1, 6000);
    if (!ok)
        snprintf(why, n, "must be a whole number of calls per minute from 1 to 6000");
    return ok;
}

static bool valid_concurrency(const char *v, char *why, size_t n)
{
    bool ok = whole_number_between(v, 1, 256);
    if (!ok)
        snprintf(why, n, "must be a whole number from 1 to 256");
    return ok;
}

typedef struct option_row {
    agent_option_info info;
    option_validator validate; /* NULL: any non-empty text */
} option_row;

static const option_row options[AGENT_OPTION_COUNT] = {
    [AGENT_OPTION_HUB_NAME] = {{"hub-name", "HUBAGENT_HUB_NAME", NULL, false,
                                "the hub's name; export names start with it, lowercased"},
                               valid_hub_name},
    [AGENT_OPTION_STORAGE_ACCOUNT_ID] =
        {{"storage-account-id", "HUBAGENT_STORAGE_ACCOUNT_ID", NULL, false,
          "ARM id of the hub's storage account (exports land there)"},
         valid_storage_id},
    [AGENT_OPTION_STORAGE_ENDPOINT] = {{"storage-endpoint", "HUBAGENT_STORAGE_ENDPOINT", NULL,
                                        false,
                                        "blob endpoint of the hub's storage account "
                                        "(https://ACCOUNT.blob.core.windows.net)"},
                                       valid_url},
    [AGENT_OPTION_STORAGE_KEY] = {{"storage-key", "HUBAGENT_STORAGE_KEY", NULL, true,
                                   "Shared Key for the storage account; unset = use the "
                                   "credential's token"},
                                  NULL},
    [AGENT_OPTION_DATA_FACTORY_ID] = {{"data-factory-id", "HUBAGENT_DATA_FACTORY_ID", NULL, false,
                                       "ARM id of the hub's Data Factory; unset = the "
                                       "{hub}-engine-* factory in the storage account's group"},
                                      valid_factory_id},
    [AGENT_OPTION_SETTINGS] = {{"settings", "HUBAGENT_SETTINGS", NULL, false,
                                "read settings.json from this file instead of the hub's "
                                "config container"},
                               NULL},
    [AGENT_OPTION_STATE] = {{"state", "HUBAGENT_STATE", "hubagent-state.db", false,
                             "the agent's SQLite state file"},
                            NULL},
    [AGENT_OPTION_SPEND_SCOPES] = {{"spend-scopes", "HUBAGENT_SPEND_SCOPES", NULL, false,
                                    "the spend scopes file (JSON); unset = settings.json's "
                                    "\"spendScopes\""},
                                   NULL},
    [AGENT_OPTION_ARM_ENDPOINT] = {{"arm-endpoint", "HUBAGENT_ARM_ENDPOINT",
                                    "https://management.azure.com", false,
                                    "Azure Resource Manager endpoint (sovereign clouds differ)"},
                                   valid_url},
    [AGENT_OPTION_ARM_RESOURCE] = {{"arm-resource", "HUBAGENT_ARM_RESOURCE",
                                    "https://management.azure.com/", false,
                                    "audience of ARM tokens"},
                                   valid_url},
    [AGENT_OPTION_AUTHORITY_HOST] = {{"authority-host", "AZURE_AUTHORITY_HOST",
                                      "https://login.microsoftonline.com", false,
                                      "Entra ID authority host"},
                                     valid_url},
    [AGENT_OPTION_API_VERSION] = {{"api-version", "HUBAGENT_API_VERSION", "2023-07-01-preview",
                                   false, "Cost Management Exports api-version"},
                                  valid_api_version},
    [AGENT_OPTION_CA_BUNDLE] = {{"ca-bundle", "HUBAGENT_CA_BUNDLE", NULL, false,
                                 "extra CA certificates (PEM) to trust; verification stays on"},
                                NULL},
    [AGENT_OPTION_CREDENTIAL] = {{"credential", "HUBAGENT_CREDENTIAL", "auto", false,
                                  "which credential: auto (the Azure SDKs' chain), client-secret, "
                                  "client-certificate, workload-identity, app-service, msi-legacy, "
                                  "imds"},
                                 valid_credential},
    [AGENT_OPTION_FOCUS_VERSION] = {{"focus-version", "HUBAGENT_FOCUS_VERSION", "1.0r2", false,
                                     "FOCUS dataset version of the cost exports"},
                                    valid_focus_version},
    [AGENT_OPTION_DATASETS] = {{"datasets", "HUBAGENT_DATASETS",
                                "costs,prices,reservationdetails,reservationtransactions,"
                                "recommendations",
                                false, "datasets to export, comma-separated"},
                               valid_datasets},
    [AGENT_OPTION_DAILY_SCHEDULE] = {{"daily-schedule", "HUBAGENT_DAILY_SCHEDULE", "01:01", false,
                                      "time of the daily run (the hub's: 01:01)"},
                                     valid_daily},
    [AGENT_OPTION_MONTHLY_SCHEDULE] = {{"monthly-schedule", "HUBAGENT_MONTHLY_SCHEDULE",
                                        "2,5,19@01:11", false,
                                        "days and time of the monthly runs (the hub's: "
                                        "2,5,19@01:11)"},
                                       valid_monthly},
    [AGENT_OPTION_TIME_ZONE] = {{"time-zone", "HUBAGENT_TIME_ZONE", "UTC", false,
                                 "time zone of the schedules"},
                                valid_time_zone},
    [AGENT_OPTION_CONCURRENCY] = {{"concurrency", "HUBAGENT_CONCURRENCY", "16", false,
                                   "requests in flight at once, within the throttling budget"},
                                  valid_concurrency},
    [AGENT_OPTION_WATCH] = {{"watch", "HUBAGENT_WATCH", "0", false,
                             "seconds to wait for triggered runs to end; runs still going are "
                             "followed on the next run"},
                            valid_watch},
    [AGENT_OPTION_POLL_INTERVAL] = {{"poll-interval", "HUBAGENT_POLL_INTERVAL", "30", false,
                                     "seconds between run-history polls (polls cost throttling "
                                     "budget too)"},
                                    valid_poll_interval},
    [AGENT_OPTION_SETTINGS_INTERVAL] = {{"settings-interval", "HUBAGENT_SETTINGS_INTERVAL", "60",
                                         false,
                                         "seconds between looks at settings.json while `run` stays "
                                         "up; a change is applied at once"},
                                        valid_poll_interval},
    [AGENT_OPTION_BACKFILL_NEW_SCOPES] = {{"backfill-new-scopes", "HUBAGENT_BACKFILL_NEW_SCOPES",
                                           "added", false,
                                           "what `run` backfills by itself: added (scopes added "
                                           "to the settings since it first saw them), all (also "
                                           "every scope at its first start) or off"},
                                          valid_backfill_new_scopes},
    [AGENT_OPTION_CM_CALLS_PER_MINUTE] = {{"cm-calls-per-minute", "HUBAGENT_CM_CALLS_PER_MINUTE",
                                           "20", false,
                                           "Cost Management calls per minute per scope after a "
                                           "burst of 60 (the pacer slows down further when the "
                                           "service says less is left)"},
                                          valid_calls_per_minute},
    [AGENT_OPTION_LOG_FORMAT] = {{"log-format", "HUBAGENT_LOG_FORMAT", "auto", false,
                                  "auto (text on a terminal, else JSON lines), text or json"},
                                 valid_log_format},
    [AGENT_OPTION_LOG_LEVEL] = {{"log-level", "HUBAGENT_LOG_LEVEL", "info", false,
                                 "debug, info, warn or error"},
                                valid_log_level},
};

static const char *const source_names[] = {"default", "file", "environment", "flag"};

const char *agent_option_source_name(agent_option_source source)
{
    return (unsigned)source < 4 ? source_names[source] : "unknown";
}

const agent_option_info *agent_option_describe(agent_option option)
{
    return (unsigned)option < AGENT_OPTION_COUNT ? &options[option].info : NULL;
}

bool agent_option_find(const char *name, agent_option *out_option)
{
    for (int i = 0; i < AGENT_OPTION_COUNT; i++) {
        if (strcmp(options[i].info.name, name) == 0) {
            *out_option = (agent_option)i;
            return true;
        }
    }
    return false;
}

bool agent_option_validate(agent_option option, const char *value, char *why, size_t why_size)
{
    if ((unsigned)option >= AGENT_OPTION_COUNT || value == NULL) {
        snprintf(why, why_size, "unknown option");
        return false;
    }
    if (value[0] == '\0') {
        snprintf(why, why_size, "must not be empty");
        return false;
    }
    return options[option].validate == NULL || options[option].validate(value, why, why_size);
}
