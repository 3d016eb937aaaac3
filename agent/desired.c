/* The exports a FinOps hub keeps per scope, built as the hub builds them
 * (names, datasets, schedules, destinations), and better where the hub fails:
 * MCA scopes get a path Cost Management accepts. */
#include "agent/desired.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSEXPORTS_CONTAINER "msexports"

/* One row per export the hub creates (finops-hub spec §2). */
typedef struct export_kind {
    const char *suffix;
    agent_dataset dataset;
    const char *type;
    const char *version; /* NULL: the chosen FOCUS version */
    const char *timeframe;
    const char *recurrence;
    const char *format;
    const char *compression;
    bool granularity;
    bool recommendation_filters;
} export_kind;

static const export_kind export_kinds[] = {
    {"-daily-costdetails", AGENT_DATASET_COSTS, "FocusCost", NULL, "MonthToDate", "Daily",
     "Parquet", "snappy", true, false},
    {"-monthly-costdetails", AGENT_DATASET_COSTS, "FocusCost", NULL, "TheLastMonth", "Monthly",
     "Parquet", "snappy", true, false},
    {"-monthly-pricesheet", AGENT_DATASET_PRICES, "PriceSheet", "2023-05-01", "TheCurrentMonth",
     "Monthly", "Parquet", "snappy", false, false},
    {"-daily-reservationdetails", AGENT_DATASET_RESERVATION_DETAILS, "ReservationDetails",
     "2023-03-01", "MonthToDate", "Daily", "Csv", "None", true, false},
    {"-daily-reservationtransactions", AGENT_DATASET_RESERVATION_TRANSACTIONS,
     "ReservationTransactions", "2023-05-01", "MonthToDate", "Daily", "Csv", "None", false, false},
    {"-daily-recommendations-shared-last30days-virtualmachines", AGENT_DATASET_RECOMMENDATIONS,
     "ReservationRecommendations", "2023-05-01", "MonthToDate", "Daily", "Csv", "None", false,
     true},
};

static const char *const dataset_names[AGENT_DATASET_COUNT] = {
    [AGENT_DATASET_COSTS] = "costs",
    [AGENT_DATASET_PRICES] = "prices",
    [AGENT_DATASET_RESERVATION_DETAILS] = "reservationdetails",
    [AGENT_DATASET_RESERVATION_TRANSACTIONS] = "reservationtransactions",
    [AGENT_DATASET_RECOMMENDATIONS] = "recommendations",
};

static const char *const focus_versions[] = {"1.0r2", "1.0", "1.0-preview", "1.2-preview"};

const char *agent_dataset_name(agent_dataset dataset)
{
    return (unsigned)dataset < AGENT_DATASET_COUNT ? dataset_names[dataset] : "unknown";
}

bool agent_dataset_parse(const char *name, agent_dataset *out_dataset)
{
    for (int d = 0; d < AGENT_DATASET_COUNT; d++) {
        if (strcasecmp(name, dataset_names[d]) == 0) {
            *out_dataset = (agent_dataset)d;
            return true;
        }
    }
    return false;
}

agent_desired_options agent_desired_options_default(void)
{
    agent_desired_options options = {.focus_version = "1.0r2"};
    for (int d = 0; d < AGENT_DATASET_COUNT; d++)
        options.dataset_enabled[d] = true;
    return options;
}

/* Price sheets and reservation data exist only at EA billing accounts and
 * MCA billing profiles; costs exist at every scope type. */
static bool scope_has_dataset(settings_scope_type type, agent_dataset dataset)
{
    if (dataset == AGENT_DATASET_COSTS)
        return type != SETTINGS_SCOPE_MANAGEMENT_GROUP;
    return type == SETTINGS_SCOPE_EA_BILLING_ACCOUNT || type == SETTINGS_SCOPE_MCA_BILLING_PROFILE;
}

void agent_desired_body_hash(const json_t *body, char out[17])
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t hash = 14695981039346656037u;
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        hash ^= (unsigned char)*p;
        hash *= 1099511628211u;
    }
    free(text);
    snprintf(out, 17, "%016llx", (unsigned long long)hash);
}

char *agent_desired_root_folder(const char *scope)
{
    while (*scope == '/')
        scope++;
    char *folder = strdup(scope);
    for (char *p = folder; p != NULL && *p != '\0'; p++)
        if (*p == ':')
            *p = '-';
    return folder;
}

bool agent_desired_is_hub_export(const char *hub_name, const char *name)
{
    size_t hub_length = strlen(hub_name);
    if (strncasecmp(name, hub_name, hub_length) != 0)
        return false;
    for (size_t k = 0; k < sizeof export_kinds / sizeof export_kinds[0]; k++)
        if (strcasecmp(name + hub_length, export_kinds[k].suffix) == 0)
            return true;
    return false;
}

static bool hub_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > 64)
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
    return true;
}

static json_t *export_body(const export_kind *kind, const char *focus_version,
                           const char *root_folder, const char *storage_account_id)
{
    json_t *filters =
        kind->recommendation_filters
            ? json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "name", "reservationScope", "value",
                        "Shared", "name", "resourceType", "value", "VirtualMachines", "name",
                        "lookBackPeriod", "value", "Last30Days")
            : json_array();
    json_t *data_set = json_pack("{s:{s:s,s:o}}", "configuration", "dataVersion",
                                 kind->version ? kind->version : focus_version, "filters", filters);
    if (data_set != NULL && kind->granularity)
        json_object_set_new(data_set, "granularity", json_string("Daily"));
    return json_pack(
        "{s:{s:s},s:s,s:{s:{s:s,s:s,s:o},s:{s:{s:s,s:s,s:s,s:s}},s:{s:s,s:{s:s,s:s},s:s},"
        "s:s,s:b,s:s,s:s}}",
        "identity", "type", "SystemAssigned", "location", "global", "properties", "definition",
        "type", kind->type, "timeframe", kind->timeframe, "dataSet", data_set, "deliveryInfo",
        "destination", "type", "AzureBlob", "resourceId", storage_account_id, "container",
        MSEXPORTS_CONTAINER, "rootFolderPath", root_folder, "schedule", "recurrence",
        kind->recurrence, "recurrencePeriod", "from", "2024-01-01T00:00:00.000Z", "to",
        "2050-02-01T00:00:00.000Z", "status", "Inactive", "format", kind->format, "partitionData",
        1, "dataOverwriteBehavior", "CreateNewReport", "compressionMode", kind->compression);
}

static agent_desired_status options_error(char *why, size_t why_size, const char *message,
                                          const char *value)
{
    if (why != NULL && why_size > 0)
        snprintf(why, why_size, "%s%s%s%s", message, value ? " ('" : "", value ? value : "",
                 value ? "')" : "");
    return AGENT_DESIRED_E_OPTIONS;
}

static agent_desired_status check_options(const agent_desired_options *options, char *why,
                                          size_t why_size)
{
    if (!hub_name_ok(options->hub_name))
        return options_error(why, why_size, "the hub name must be 1-64 letters, digits, '-' or '_'",
                             options->hub_name);
    if (options->storage_account_id == NULL ||
        strcasestr(options->storage_account_id, "/providers/Microsoft.Storage/storageAccounts/") ==
            NULL)
        return options_error(why, why_size,
                             "the storage account must be an ARM id "
                             "(/subscriptions/…/providers/Microsoft.Storage/storageAccounts/…)",
                             options->storage_account_id);
    for (size_t v = 0; v < sizeof focus_versions / sizeof focus_versions[0]; v++)
        if (options->focus_version != NULL &&
            strcmp(options->focus_version, focus_versions[v]) == 0)
            return AGENT_DESIRED_OK;
    return options_error(why, why_size,
                         "the FOCUS version must be 1.0r2, 1.0, 1.0-preview or 1.2-preview",
                         options->focus_version);
}

agent_desired_status agent_desired_for_scope(const settings_scope *scope,
                                             const agent_desired_options *options,
                                             agent_desired_set *out_set, char *why, size_t why_size)
{
    memset(out_set, 0, sizeof *out_set);
    agent_desired_status status = check_options(options, why, why_size);
    if (status != AGENT_DESIRED_OK)
        return status;
    size_t kinds = sizeof export_kinds / sizeof export_kinds[0];
    out_set->exports = calloc(kinds, sizeof *out_set->exports);
    char *root_folder = agent_desired_root_folder(scope->scope);
    if (out_set->exports == NULL || root_folder == NULL)
        status = AGENT_DESIRED_E_NOMEM;
    for (size_t k = 0; k < kinds && status == AGENT_DESIRED_OK; k++) {
        const export_kind *kind = &export_kinds[k];
        if (!options->dataset_enabled[kind->dataset] ||
            !scope_has_dataset(scope->type, kind->dataset))
            continue;
        agent_desired_export *export = &out_set->exports[out_set->count];
        if (asprintf(&export->name, "%s%s", options->hub_name, kind->suffix) < 0) {
            export->name = NULL;
            status = AGENT_DESIRED_E_NOMEM;
            break;
        }
        for (char *p = export->name; *p != '\0'; p++)
            *p = (char)tolower((unsigned char)*p);
        export->dataset = kind->dataset;
        export->recurrence = kind->recurrence;
        export->body =
            export_body(kind, options->focus_version, root_folder, options->storage_account_id);
        out_set->count++;
        if (export->body == NULL)
            status = AGENT_DESIRED_E_NOMEM;
    }
    free(root_folder);
    if (status != AGENT_DESIRED_OK)
        agent_desired_set_dispose(out_set);
    return status;
}

void agent_desired_set_dispose(agent_desired_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->exports[i].name);
        json_decref(set->exports[i].body);
    }
    free(set->exports);
    memset(set, 0, sizeof *set);
}

bool agent_scope_id_equal(const char *a, const char *b)
{
    while (*a == '/')
        a++;
    while (*b == '/')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && a[la - 1] == '/')
        la--;
    while (lb > 0 && b[lb - 1] == '/')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

const settings_scope *agent_settings_find_scope(const settings *value, const char *scope)
{
    for (size_t i = 0; value != NULL && scope != NULL && i < value->scope_count; i++)
        if (agent_scope_id_equal(value->scopes[i].scope, scope))
            return &value->scopes[i];
    return NULL;
}
