/* Drift: which fields of an export differ from what the hub wants, compared
 * as the service compares them (enum values without case, partitionData as a
 * boolean or the string the hub sends, filters as a set). */
#include "agent/desired.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields whose values are case-sensitive: blob paths and dataset versions. */
static const char *const case_sensitive_fields[] = {
    "properties.deliveryInfo.destination.rootFolderPath",
    "properties.deliveryInfo.destination.container",
    "properties.definition.dataSet.configuration.dataVersion",
};

/* Fields the agent does not manage: Cost Management rewrites the period. */
static const char *const ignored_fields[] = {
    "properties.schedule.recurrencePeriod",
};

static bool path_in(const char *path, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(path, list[i]) == 0)
            return true;
    return false;
}

static json_t *lookup_path(const json_t *root, const char *path)
{
    char *copy = strdup(path);
    const json_t *node = root;
    char *save = NULL;
    for (char *key = strtok_r(copy, ".", &save); key != NULL && node != NULL;
         key = strtok_r(NULL, ".", &save))
        node = json_is_object(node) ? json_object_get(node, key) : NULL;
    free(copy);
    return (json_t *)node;
}

static bool as_boolean(const json_t *value, bool *out)
{
    if (json_is_boolean(value)) {
        *out = json_is_true(value);
        return true;
    }
    if (json_is_string(value) && (strcasecmp(json_string_value(value), "true") == 0 ||
                                  strcasecmp(json_string_value(value), "false") == 0)) {
        *out = strcasecmp(json_string_value(value), "true") == 0;
        return true;
    }
    return false;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A filter list as one canonical string: lowercased "name=value" sorted. */
static char *filter_key(const json_t *filters)
{
    size_t count = json_is_array(filters) ? json_array_size(filters) : 0;
    char **items = calloc(count + 1, sizeof *items);
    size_t total = 1;
    for (size_t i = 0; i < count; i++) {
        const json_t *f = json_array_get(filters, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *value = json_string_value(json_object_get(f, "value"));
        if (asprintf(&items[i], "%s=%s", name ? name : "", value ? value : "") < 0)
            items[i] = strdup("");
        for (char *p = items[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        total += strlen(items[i]) + 1;
    }
    qsort(items, count, sizeof *items, compare_strings);
    char *key = calloc(total, 1);
    for (size_t i = 0; i < count; i++) {
        strcat(key, items[i]);
        strcat(key, ";");
        free(items[i]);
    }
    free(items);
    return key;
}

static bool values_equal(const char *path, const json_t *want, const json_t *have)
{
    /* The service may drop an empty list from what it returns. */
    if (json_is_array(want) && json_array_size(want) == 0 && (have == NULL || json_is_null(have)))
        return true;
    if (have == NULL)
        return false;
    bool want_bool, have_bool;
    if (json_is_boolean(want) && as_boolean(have, &have_bool) && as_boolean(want, &want_bool))
        return want_bool == have_bool;
    if (json_is_array(want)) {
        char *a = filter_key(want), *b = filter_key(have);
        bool equal = json_is_array(have) && strcmp(a, b) == 0;
        free(a);
        free(b);
        return equal;
    }
    if (json_is_string(want) && json_is_string(have)) {
        bool exact = path_in(path, case_sensitive_fields,
                             sizeof case_sensitive_fields / sizeof case_sensitive_fields[0]);
        return exact ? strcmp(json_string_value(want), json_string_value(have)) == 0
                     : strcasecmp(json_string_value(want), json_string_value(have)) == 0;
    }
    return json_equal((json_t *)want, (json_t *)have) != 0;
}

static agent_desired_status add_field(agent_export_diff *diff, const char *path, const json_t *want,
                                      const json_t *have)
{
    agent_field_diff *grown = realloc(diff->fields, (diff->count + 1) * sizeof *grown);
    if (grown == NULL)
        return AGENT_DESIRED_E_NOMEM;
    diff->fields = grown;
    agent_field_diff *field = &diff->fields[diff->count];
    field->path = strdup(path);
    field->want = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
    field->have = have ? json_dumps(have, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("(missing)");
    diff->count++;
    return (field->path && field->want && field->have) ? AGENT_DESIRED_OK : AGENT_DESIRED_E_NOMEM;
}

/* Walks every leaf (and array) of `want` under `path`. */
static agent_desired_status diff_node(const json_t *want, const json_t *actual, char *path,
                                      size_t path_size, agent_export_diff *diff)
{
    if (path_in(path, ignored_fields, sizeof ignored_fields / sizeof ignored_fields[0]))
        return AGENT_DESIRED_OK;
    if (!json_is_object(want)) {
        const json_t *have = lookup_path(actual, path);
        return values_equal(path, want, have) ? AGENT_DESIRED_OK
                                              : add_field(diff, path, want, have);
    }
    const char *key;
    json_t *child;
    size_t base = strlen(path);
    agent_desired_status status = AGENT_DESIRED_OK;
    json_object_foreach((json_t *)want, key, child)
    {
        snprintf(path + base, path_size - base, "%s%s", base ? "." : "", key);
        status = diff_node(child, actual, path, path_size, diff);
        path[base] = '\0';
        if (status != AGENT_DESIRED_OK)
            break;
    }
    return status;
}

agent_desired_status agent_desired_diff(const json_t *desired, const json_t *actual,
                                        agent_export_diff *out_diff)
{
    memset(out_diff, 0, sizeof *out_diff);
    char path[512] = "properties";
    const json_t *properties = json_object_get(desired, "properties");
    agent_desired_status status =
        properties ? diff_node(properties, actual, path, sizeof path, out_diff) : AGENT_DESIRED_OK;
    if (status != AGENT_DESIRED_OK)
        agent_export_diff_dispose(out_diff);
    return status;
}

void agent_export_diff_dispose(agent_export_diff *diff)
{
    if (diff == NULL)
        return;
    for (size_t i = 0; i < diff->count; i++) {
        free(diff->fields[i].path);
        free(diff->fields[i].want);
        free(diff->fields[i].have);
    }
    free(diff->fields);
    memset(diff, 0, sizeof *diff);
}
