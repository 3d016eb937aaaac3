/* Export validation as Cost Management does it: api-versions, dataset x scope matrix,
 * data versions, format/compression, destination, schedule, time periods; and defaults. */
#include "mock-server/mock_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *API_VERSIONS[] = {
    "2019-01-01", "2019-09-01",         "2019-10-01",         "2019-11-01",
    "2020-06-01", "2020-12-01-preview", "2021-10-01",         "2022-10-01",
    "2023-03-01", "2023-04-01-preview", "2023-07-01-preview", "2023-08-01",
    "2023-09-01", "2023-11-01",         "2024-08-01",         "2025-03-01",
};

bool mock_api_version_known(const char *api_version)
{
    for (size_t i = 0; i < sizeof API_VERSIONS / sizeof API_VERSIONS[0]; i++)
        if (strcmp(API_VERSIONS[i], api_version) == 0)
            return true;
    return false;
}

/* The versions with the newer export shape (FocusCost, dataVersion, compressionMode...). */
static bool new_shape(const char *v)
{
    return strcmp(v, "2023-07-01-preview") == 0 || strcmp(v, "2025-03-01") >= 0;
}

const char *mock_scope_type_name(mock_scope_type type)
{
    static const char *names[] = {"Subscription",   "ResourceGroup",  "ManagementGroup",
                                  "BillingAccount", "Department",     "EnrollmentAccount",
                                  "BillingProfile", "InvoiceSection", "Customer",
                                  "StorageAccount"};
    return names[type];
}

static const char *DATASETS[] = {"Usage",
                                 "ActualCost",
                                 "AmortizedCost",
                                 "FocusCost",
                                 "PriceSheet",
                                 "ReservationTransactions",
                                 "ReservationRecommendations",
                                 "ReservationDetails"};
enum { DATASET_COUNT = 8, COST_DATASETS = 4 };

static bool fail(mock_reply *reply, const char *format, ...) __attribute__((format(printf, 2, 3)));

static bool fail(mock_reply *reply, const char *format, ...)
{
    char message[900];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    mock_reply_arm_error(reply, 400, "BadRequest", "Request properties validation failed: %s",
                         message);
    return false;
}

/* Which datasets the scope accepts (bit i = DATASETS[i]). */
static unsigned allowed_datasets(const mock_server *server, const mock_scope *scope)
{
    const unsigned costs = 0xf, billing = 0xf0, usage_only = 0x1;
    const char *agreement = scope->agreement ? scope->agreement : "";
    switch (scope->type) {
    case MOCK_SCOPE_SUBSCRIPTION:
    case MOCK_SCOPE_RESOURCE_GROUP:
        return strcmp(agreement, "MOSP") == 0 ? usage_only : costs;
    case MOCK_SCOPE_MANAGEMENT_GROUP: {
        /* ActualCost only, and only when every subscription below is EA. */
        const mock_config *config = &server->config;
        for (size_t i = 0; i < config->scope_count; i++) {
            const mock_scope *s = &config->scopes[i];
            if (s->type == MOCK_SCOPE_SUBSCRIPTION &&
                mock_scope_is_under(config, s, scope->lower) &&
                (s->agreement == NULL || strcmp(s->agreement, "EA") != 0))
                return 0;
        }
        return 0x3;
    }
    case MOCK_SCOPE_BILLING_ACCOUNT:
        if (strcmp(agreement, "EA") == 0)
            return costs | billing;
        return strcmp(agreement, "MCA") == 0 ? costs : 0;
    case MOCK_SCOPE_DEPARTMENT:
    case MOCK_SCOPE_ENROLLMENT_ACCOUNT:
    case MOCK_SCOPE_INVOICE_SECTION:
    case MOCK_SCOPE_CUSTOMER:
        return costs;
    case MOCK_SCOPE_BILLING_PROFILE:
        return costs | billing;
    case MOCK_SCOPE_STORAGE_ACCOUNT:
        return 0;
    }
    return 0;
}

static const char *data_versions(const char *type, const char **out_default)
{
    if (strcmp(type, "FocusCost") == 0) {
        *out_default = "1.0r2";
        return "1.0-preview(v1),1.0,1.0r2,1.2-preview";
    }
    if (strcmp(type, "ReservationDetails") == 0) {
        *out_default = "2023-03-01";
        return "2023-03-01";
    }
    if (strcmp(type, "PriceSheet") == 0 || strcmp(type, "ReservationRecommendations") == 0 ||
        strcmp(type, "ReservationTransactions") == 0) {
        *out_default = "2023-05-01";
        return "2023-05-01";
    }
    *out_default = "2023-05-01";
    return "2019-10-01,2021-01-01,2021-10-01,2023-05-01";
}

static bool in_list(const char *list, const char *value)
{
    size_t len = strlen(value);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t item = comma ? (size_t)(comma - p) : strlen(p);
        if (item == len && strncmp(p, value, len) == 0)
            return true;
        p += item + (comma ? 1 : 0);
    }
    return false;
}

/* One calendar month after t, clamped to the month's last day. */
static time_t add_month(time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    int day = tm.tm_mday;
    tm.tm_mday = 1;
    tm.tm_mon += 1;
    time_t first = timegm(&tm);
    struct tm next;
    gmtime_r(&first, &next);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = next.tm_year + 1900;
    int max = days[next.tm_mon] +
              (next.tm_mon == 1 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)));
    next.tm_mday = day > max ? max : day;
    return timegm(&next);
}

static bool check_period(mock_server *server, json_t *period, const char *what, bool run,
                         mock_reply *reply)
{
    const char *from = json_string_value(json_object_get(period, "from"));
    const char *to = json_string_value(json_object_get(period, "to"));
    time_t f, t;
    if (!json_is_object(period) || from == NULL || to == NULL)
        return fail(reply, "Invalid %s timePeriod; 'from' and 'to' are both required.", what);
    if (!mock_parse_time(from, &f) || !mock_parse_time(to, &t))
        return fail(reply, "Invalid %s timePeriod; 'from' and 'to' must be ISO-8601 dates.", what);
    if (t < f)
        return fail(reply, "Invalid %s timePeriod; 'to' value must be after 'from'.", what);
    if (run && t > (time_t)mock_now(server))
        return fail(reply, "Invalid definition timePeriod; 'to' value cannot be in the future.");
    if (t > add_month(f))
        return fail(reply, "Invalid %s timePeriod; the time period cannot exceed 1 month.", what);
    return true;
}

bool mock_run_request_validate(mock_server *server, const json_t *body, char **out_from,
                               char **out_to, mock_reply *reply)
{
    *out_from = *out_to = NULL;
    json_t *period = json_object_get(body, "timePeriod");
    if (period == NULL)
        return true;
    if (!check_period(server, period, "run", true, reply))
        return false;
    *out_from = strdup(json_string_value(json_object_get(period, "from")));
    *out_to = strdup(json_string_value(json_object_get(period, "to")));
    return true;
}

static const char *canonical(const char *value, const char *const *allowed, size_t count)
{
    for (size_t i = 0; value != NULL && i < count; i++)
        if (strcasecmp(value, allowed[i]) == 0)
            return allowed[i];
    return NULL;
}

static bool check_destination(mock_server *server, json_t *props, bool defaults, mock_reply *reply)
{
    json_t *destination = json_object_get(json_object_get(props, "deliveryInfo"), "destination");
    if (!json_is_object(destination))
        return fail(reply, "deliveryInfo.destination is required.");
    const char *container = json_string_value(json_object_get(destination, "container"));
    const char *resource_id = json_string_value(json_object_get(destination, "resourceId"));
    const char *root = json_string_value(json_object_get(destination, "rootFolderPath"));
    const char *type = json_string_value(json_object_get(destination, "type"));
    size_t len = container ? strlen(container) : 0;
    bool container_ok = len >= 3 && len <= 63 && container[0] != '-' && container[len - 1] != '-';
    for (size_t i = 0; container_ok && i < len; i++)
        container_ok = (container[i] >= 'a' && container[i] <= 'z') ||
                       (container[i] >= '0' && container[i] <= '9') ||
                       (container[i] == '-' && container[i + 1] != '-');
    if (!container_ok)
        return fail(reply,
                    "Invalid deliveryInfo destination container '%s'; 3-63 lowercase letters, "
                    "digits and single hyphens.",
                    container ? container : "");
    if (root != NULL && root[0] == '/')
        return fail(reply, "Invalid deliveryInfo destination rootFolderPath; value cannot begin "
                           "with a forward slash");
    if (root != NULL && (strstr(root, "\\") || strstr(root, "//") || strstr(root, "..")))
        return fail(reply, "Invalid deliveryInfo destination rootFolderPath '%s'.", root);
    if (type != NULL && strcmp(type, "AzureBlob") != 0)
        return fail(reply, "Invalid deliveryInfo destination type '%s'; valid values: 'AzureBlob'.",
                    type);
    if (type == NULL && defaults)
        json_object_set_new(destination, "type", json_string("AzureBlob"));
    if (resource_id == NULL)
        return fail(reply, "deliveryInfo.destination.resourceId is required.");
    if (mock_config_find_storage(&server->config, resource_id) == NULL)
        return fail(reply,
                    "Invalid deliveryInfo destination resourceId '%s'; the storage account was "
                    "not found.",
                    resource_id);
    return true;
}

static bool check_schedule(mock_server *server, json_t *props, const mock_export *existing,
                           mock_reply *reply)
{
    json_t *schedule = json_object_get(props, "schedule");
    if (schedule == NULL)
        return true;
    const char *status = json_string_value(json_object_get(schedule, "status"));
    const char *recurrence = json_string_value(json_object_get(schedule, "recurrence"));
    static const char *const statuses[] = {"Active", "Inactive"};
    static const char *const recurrences[] = {"Daily", "Weekly", "Monthly", "Annually"};
    if (status != NULL && canonical(status, statuses, 2) == NULL)
        return fail(reply, "Invalid schedule status '%s'; valid values: 'Active', 'Inactive'.",
                    status);
    bool active = status == NULL || strcasecmp(status, "Active") == 0;
    if (recurrence != NULL && canonical(recurrence, recurrences, 4) == NULL &&
        !(strcmp(recurrence, "None") == 0 && !active))
        return fail(reply,
                    "Invalid schedule recurrence '%s'; valid values: 'Daily', 'Weekly', "
                    "'Monthly', 'Annually'.",
                    recurrence);
    json_t *period = json_object_get(schedule, "recurrencePeriod");
    if (active && (recurrence == NULL || period == NULL))
        return fail(reply, "An active schedule needs a recurrence and a recurrencePeriod.");
    if (period == NULL)
        return true;
    const char *from = json_string_value(json_object_get(period, "from"));
    const char *to = json_string_value(json_object_get(period, "to"));
    time_t f, t;
    if (from == NULL || !mock_parse_time(from, &f))
        return fail(reply, "Invalid schedule recurrencePeriod; 'from' must be an ISO-8601 date.");
    if (to != NULL && (!mock_parse_time(to, &t) || t <= f))
        return fail(reply, "Invalid schedule recurrencePeriod; 'to' must be after 'from'.");
    /* Only a new or changed start date must lie in the future. */
    json_t *old =
        existing ? json_object_get(
                       json_object_get(json_object_get(existing->body, "properties"), "schedule"),
                       "recurrencePeriod")
                 : NULL;
    const char *old_from = json_string_value(json_object_get(old, "from"));
    time_t of;
    bool unchanged = old_from && mock_parse_time(old_from, &of) && of == f;
    if (active && !unchanged && f < (time_t)mock_now(server) - 60)
        return fail(reply, "Invalid schedule recurrencePeriod; 'from' must be in the future.");
    return true;
}

static bool check_format(json_t *props, const char *api_version, bool defaults, mock_reply *reply)
{
    const char *format = json_string_value(json_object_get(props, "format"));
    const char *compression = json_string_value(json_object_get(props, "compressionMode"));
    const char *overwrite = json_string_value(json_object_get(props, "dataOverwriteBehavior"));
    /* The hub's managed exports send Parquet/snappy with 2023-07-01-preview and the service
     * takes it (finops-toolkit ManagedExports); the older stables are Csv only. */
    bool parquet_ok =
        strcmp(api_version, "2023-07-01-preview") == 0 || strcmp(api_version, "2025-03-01") >= 0;
    static const char *const formats[] = {"Csv", "Parquet", "Delta"};
    const char *canon = format ? canonical(format, formats, parquet_ok ? 3 : 1) : "Csv";
    if (canon == NULL)
        return fail(reply, "Invalid format '%s'; valid values: %s.", format,
                    parquet_ok ? "'Csv', 'Parquet', 'Delta'" : "'Csv'");
    if (format == NULL && defaults)
        json_object_set_new(props, "format", json_string("Csv"));
    else if (format != NULL)
        json_object_set_new(props, "format", json_string(canon));
    if (compression != NULL) {
        /* The wire values are exactly "None", "gzip" and "snappy". */
        bool known = strcmp(compression, "None") == 0 || strcmp(compression, "gzip") == 0 ||
                     (parquet_ok && strcmp(compression, "snappy") == 0);
        if (!known)
            return fail(reply, "Invalid compressionMode '%s'; valid values: 'None', 'gzip'%s.",
                        compression, parquet_ok ? ", 'snappy'" : "");
        if (strcmp(compression, "gzip") == 0 && strcmp(canon, "Csv") != 0)
            return fail(reply, "compressionMode 'gzip' is only supported with format 'Csv'.");
        if (strcmp(compression, "snappy") == 0 && strcmp(canon, "Parquet") != 0)
            return fail(reply, "compressionMode 'snappy' is only supported with format 'Parquet'.");
    } else if (defaults) {
        json_object_set_new(props, "compressionMode", json_string("None"));
    }
    if (overwrite != NULL && strcmp(overwrite, "OverwritePreviousReport") != 0 &&
        strcmp(overwrite, "CreateNewReport") != 0)
        return fail(reply,
                    "Invalid dataOverwriteBehavior '%s'; valid values: 'OverwritePreviousReport', "
                    "'CreateNewReport'.",
                    overwrite);
    if (overwrite == NULL && defaults)
        json_object_set_new(props, "dataOverwriteBehavior", json_string("CreateNewReport"));
    if (defaults && json_object_get(props, "exportDescription") == NULL)
        json_object_set_new(props, "exportDescription", json_string(""));
    return true;
}

static bool check_definition(mock_server *server, const mock_scope *scope, json_t *props,
                             const char *api_version, bool defaults, mock_reply *reply)
{
    json_t *definition = json_object_get(props, "definition");
    if (!json_is_object(definition))
        return fail(reply, "definition is required.");
    const char *type = json_string_value(json_object_get(definition, "type"));
    const char *canon = canonical(type, DATASETS, new_shape(api_version) ? DATASET_COUNT : 3);
    if (canon == NULL)
        return fail(reply, "Invalid definition type '%s'; valid values: %s.", type ? type : "",
                    new_shape(api_version)
                        ? "'Usage', 'ActualCost', 'AmortizedCost', 'FocusCost', 'PriceSheet', "
                          "'ReservationTransactions', 'ReservationRecommendations', "
                          "'ReservationDetails'"
                        : "'Usage', 'ActualCost', 'AmortizedCost'");
    json_object_set_new(definition, "type", json_string(canon));
    unsigned allowed = allowed_datasets(server, scope);
    size_t index = 0;
    while (strcmp(DATASETS[index], canon) != 0)
        index++;
    if (!(allowed & (1u << index))) {
        if (scope->type == MOCK_SCOPE_MANAGEMENT_GROUP && allowed == 0) {
            mock_reply_arm_error(reply, 400, "DisallowedOperation",
                                 "Exports at management group scope are only supported when "
                                 "every subscription in it belongs to an Enterprise Agreement.");
            return false;
        }
        char valid[400] = "";
        for (size_t i = 0; i < DATASET_COUNT; i++)
            if (allowed & (1u << i))
                snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s'%s'",
                         valid[0] ? ", " : "", DATASETS[i]);
        return fail(reply, "Invalid definition type '%s' for scope type '%s'; valid values: %s.",
                    canon, mock_scope_type_name(scope->type), valid[0] ? valid : "none");
    }
    static const char *const timeframes[] = {
        "MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate",
        "Custom",      "TheCurrentMonth"};
    const char *timeframe = json_string_value(json_object_get(definition, "timeframe"));
    const char *tf = canonical(timeframe, timeframes, 7);
    if (tf == NULL)
        return fail(reply,
                    "Invalid definition timeframe '%s'; valid values: 'MonthToDate', "
                    "'BillingMonthToDate', 'TheLastMonth', 'TheLastBillingMonth', 'WeekToDate', "
                    "'Custom', 'TheCurrentMonth'.",
                    timeframe ? timeframe : "");
    json_t *period = json_object_get(definition, "timePeriod");
    if (strcmp(tf, "Custom") == 0 && period == NULL)
        return fail(reply, "definition timePeriod is required with timeframe 'Custom'.");
    if (strcmp(tf, "Custom") != 0 && period != NULL && !json_is_null(period))
        return fail(reply, "definition timePeriod is only allowed with timeframe 'Custom'.");
    if (period != NULL && !json_is_null(period) &&
        !check_period(server, period, "definition", false, reply))
        return false;
    json_t *dataset = json_object_get(definition, "dataSet");
    const char *granularity = json_string_value(json_object_get(dataset, "granularity"));
    if (granularity != NULL && strcmp(granularity, "Daily") != 0 &&
        strcmp(granularity, "Monthly") != 0)
        return fail(reply, "Invalid dataSet granularity '%s'; valid values: 'Daily', 'Monthly'.",
                    granularity);
    json_t *configuration = json_object_get(dataset, "configuration");
    const char *version = json_string_value(json_object_get(configuration, "dataVersion"));
    const char *default_version = NULL;
    const char *versions = data_versions(canon, &default_version);
    if (version != NULL && !in_list(versions, version))
        return fail(reply,
                    "Invalid dataSet configuration dataVersion '%s' for type '%s'; valid "
                    "values: %s.",
                    version, canon, versions);
    if (version == NULL && defaults) {
        if (!json_is_object(dataset)) {
            dataset = json_object();
            json_object_set_new(definition, "dataSet", dataset);
        }
        if (!json_is_object(configuration)) {
            configuration = json_object();
            json_object_set_new(dataset, "configuration", configuration);
        }
        json_object_set_new(configuration, "dataVersion", json_string(default_version));
    }
    json_t *filters = json_object_get(configuration, "filters");
    if (json_array_size(filters) > 0 && strcmp(canon, "ReservationRecommendations") != 0)
        return fail(reply, "dataSet configuration filters are only supported for "
                           "ReservationRecommendations.");
    return true;
}

bool mock_export_validate(mock_server *server, const mock_scope *scope, const char *api_version,
                          json_t *body, const mock_export *existing, mock_reply *reply)
{
    json_t *props = json_object_get(body, "properties");
    if (!json_is_object(props))
        return fail(reply, "properties are required.");
    bool defaults = new_shape(api_version);
    if (!check_definition(server, scope, props, api_version, defaults, reply) ||
        !check_destination(server, props, defaults, reply) ||
        !check_format(props, api_version, defaults, reply) ||
        !check_schedule(server, props, existing, reply))
        return false;
    json_t *partition = json_object_get(props, "partitionData");
    if (partition != NULL && !json_is_boolean(partition))
        return fail(reply, "partitionData must be a boolean.");
    json_t *identity = json_object_get(body, "identity");
    const char *identity_type = json_string_value(json_object_get(identity, "type"));
    if (identity_type != NULL && strcmp(identity_type, "None") != 0 &&
        strcmp(identity_type, "SystemAssigned") != 0)
        return fail(reply, "Invalid identity type '%s'; valid values: 'None', 'SystemAssigned'.",
                    identity_type);
    if (identity_type != NULL && strcmp(identity_type, "SystemAssigned") == 0 &&
        !json_is_string(json_object_get(body, "location")))
        return fail(reply, "location is required for an export with a system-assigned identity.");
    return true;
}
