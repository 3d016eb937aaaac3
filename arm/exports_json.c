/* Exports bodies <-> plain structs with jansson. One table maps each modelled json_field to its
 * JSON path; the parsed document is kept so a PUT returns unmodelled fields unchanged. */
#include "arm/exports.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 6

typedef struct json_field {
    size_t offset;
    const char *path[MAX_DEPTH]; /* NULL-terminated */
    bool read_only;              /* parsed, never sent */
} json_field;

#define F(member, ro, ...)                                                                         \
    {                                                                                              \
        offsetof(arm_export, member), {__VA_ARGS__, NULL}, ro                                      \
    }
static const json_field export_fields[] = {
    F(id, true, "id"),
    F(name, true, "name"),
    F(type, true, "type"),
    F(etag, false, "eTag"),
    F(location, false, "location"),
    F(identity_type, false, "identity", "type"),
    F(identity_principal_id, true, "identity", "principalId"),
    F(identity_tenant_id, true, "identity", "tenantId"),
    F(format, false, "properties", "format"),
    F(destination_type, false, "properties", "deliveryInfo", "destination", "type"),
    F(destination_resource_id, false, "properties", "deliveryInfo", "destination", "resourceId"),
    F(destination_container, false, "properties", "deliveryInfo", "destination", "container"),
    F(destination_root_folder_path, false, "properties", "deliveryInfo", "destination",
      "rootFolderPath"),
    F(definition_type, false, "properties", "definition", "type"),
    F(timeframe, false, "properties", "definition", "timeframe"),
    F(time_period_from, false, "properties", "definition", "timePeriod", "from"),
    F(time_period_to, false, "properties", "definition", "timePeriod", "to"),
    F(granularity, false, "properties", "definition", "dataSet", "granularity"),
    F(data_version, false, "properties", "definition", "dataSet", "configuration", "dataVersion"),
    F(schedule_status, false, "properties", "schedule", "status"),
    F(recurrence, false, "properties", "schedule", "recurrence"),
    F(recurrence_from, false, "properties", "schedule", "recurrencePeriod", "from"),
    F(recurrence_to, false, "properties", "schedule", "recurrencePeriod", "to"),
    F(data_overwrite_behavior, false, "properties", "dataOverwriteBehavior"),
    F(compression_mode, false, "properties", "compressionMode"),
    F(description, false, "properties", "exportDescription"),
    F(next_run_time_estimate, true, "properties", "nextRunTimeEstimate"),
};
#undef F

#define R(member, ...)                                                                             \
    {                                                                                              \
        offsetof(arm_export_run, member), {__VA_ARGS__, NULL}, true                                \
    }
static const json_field run_fields[] = {
    R(id, "id"),
    R(execution_type, "properties", "executionType"),
    R(status, "properties", "status"),
    R(submitted_by, "properties", "submittedBy"),
    R(submitted_time, "properties", "submittedTime"),
    R(processing_start_time, "properties", "processingStartTime"),
    R(processing_end_time, "properties", "processingEndTime"),
    R(start_date, "properties", "startDate"),
    R(end_date, "properties", "endDate"),
    R(file_name, "properties", "fileName"),
    R(manifest_file, "properties", "manifestFile"),
    R(error_code, "properties", "error", "code"),
    R(error_message, "properties", "error", "message"),
};
#undef R

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char **slot(void *base, const json_field *f)
{
    return (char **)((char *)base + f->offset);
}

static json_t *get_path(json_t *root, const char *const *path)
{
    json_t *v = root;
    for (size_t i = 0; v != NULL && path[i] != NULL; i++)
        v = json_is_object(v) ? json_object_get(v, path[i]) : NULL;
    return v;
}

/* Sets a leaf, creating (or replacing non-object) parents. */
static int set_path(json_t *root, const char *const *path, json_t *value)
{
    json_t *v = root;
    for (size_t i = 0; path[i + 1] != NULL; i++) {
        json_t *child = json_object_get(v, path[i]);
        if (!json_is_object(child)) {
            child = json_object();
            if (child == NULL || json_object_set_new(v, path[i], child) != 0) {
                json_decref(value);
                return -1;
            }
        }
        v = child;
    }
    size_t last = 0;
    while (path[last + 1] != NULL)
        last++;
    return json_object_set_new(v, path[last], value);
}

/* Deletes a leaf and then every parent the deletion left empty. */
static void remove_path(json_t *root, const char *const *path, size_t depth)
{
    json_t *parents[MAX_DEPTH + 1];
    parents[0] = root;
    for (size_t i = 0; i + 1 < depth; i++) {
        parents[i + 1] = json_object_get(parents[i], path[i]);
        if (!json_is_object(parents[i + 1]))
            return;
    }
    json_object_del(parents[depth - 1], path[depth - 1]);
    for (size_t i = depth - 1; i > 0 && json_object_size(parents[i]) == 0; i--)
        json_object_del(parents[i - 1], path[i - 1]);
}

static size_t path_depth(const json_field *f)
{
    size_t n = 0;
    while (f->path[n] != NULL)
        n++;
    return n;
}

static arm_status read_fields(json_t *obj, const json_field *fields, size_t n, void *base,
                              arm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = get_path(obj, fields[i].path);
        if (!json_is_string(v))
            continue; /* absent, null or a shape we do not model: left to the document */
        char *copy = strdup(json_string_value(v));
        if (copy == NULL)
            return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
        *slot(base, &fields[i]) = copy;
    }
    return ARM_OK;
}

static json_t *load(const char *json, size_t len, const char *what, arm_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(json != NULL ? json : "", json != NULL ? len : 0, 0, &je);
    if (root == NULL)
        arm_error_set(err, ARM_ERR_PARSE, "%s: invalid JSON at line %d column %d: %s", what,
                      je.line, je.column, je.text);
    else if (!json_is_object(root)) {
        arm_error_set(err, ARM_ERR_PARSE, "%s: expected a JSON object", what);
        json_decref(root);
        root = NULL;
    }
    return root;
}

static void run_dispose(arm_export_run *r)
{
    for (size_t i = 0; i < COUNT(run_fields); i++)
        free(*slot(r, &run_fields[i]));
    memset(r, 0, sizeof *r);
}

static arm_status read_runs(json_t *array, const char *what, arm_export_run **out,
                            size_t *out_count, arm_error *err)
{
    *out = NULL;
    *out_count = 0;
    if (array == NULL)
        return ARM_OK;
    if (!json_is_array(array))
        return arm_error_set(err, ARM_ERR_PARSE, "%s: \"value\" is not an array", what);
    size_t n = json_array_size(array);
    if (n == 0)
        return ARM_OK;
    *out = calloc(n, sizeof **out);
    if (*out == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    *out_count = n; /* zeroed entries are safe to dispose if reading stops early */
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(array, i);
        if (!json_is_object(item))
            continue; /* tolerated: nothing to read */
        arm_status st = read_fields(item, run_fields, COUNT(run_fields), &(*out)[i], err);
        if (st != ARM_OK)
            return st;
    }
    return ARM_OK;
}

void arm_export_init(arm_export *e)
{
    memset(e, 0, sizeof *e);
    e->partition_data = -1;
}

void arm_export_dispose(arm_export *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < COUNT(export_fields); i++)
        free(*slot(e, &export_fields[i]));
    for (size_t i = 0; i < e->run_count; i++)
        run_dispose(&e->runs[i]);
    free(e->runs);
    json_decref((json_t *)e->document);
    arm_export_init(e);
}

arm_status arm_export_set(char **slot_ptr, const char *value)
{
    if (slot_ptr == NULL)
        return ARM_ERR_INVALID_ARGUMENT;
    char *copy = value != NULL ? strdup(value) : NULL;
    if (value != NULL && copy == NULL)
        return ARM_ERR_NO_MEMORY;
    free(*slot_ptr);
    *slot_ptr = copy;
    return ARM_OK;
}

static arm_status export_from_object(json_t *root, arm_export *out, arm_error *err)
{
    arm_export_init(out);
    arm_status st = read_fields(root, export_fields, COUNT(export_fields), out, err);
    json_t *pd = get_path(root, (const char *const[]){"properties", "partitionData", NULL});
    if (json_is_boolean(pd))
        out->partition_data = json_is_true(pd) ? 1 : 0;
    json_t *runs = get_path(root, (const char *const[]){"properties", "runHistory", "value", NULL});
    if (st == ARM_OK)
        st = read_runs(runs, "export runHistory", &out->runs, &out->run_count, err);
    out->document = json_incref(root);
    if (st != ARM_OK)
        arm_export_dispose(out);
    return st;
}

arm_status arm_export_parse(const char *json, size_t len, arm_export *out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_export_parse: no output");
    arm_export_init(out);
    json_t *root = load(json, len, "export", err);
    if (root == NULL)
        return ARM_ERR_PARSE;
    arm_status st = export_from_object(root, out, err);
    json_decref(root);
    return st;
}

arm_status arm_export_build(const arm_export *e, char **out_json, arm_error *err)
{
    if (e == NULL || out_json == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_export_build: NULL argument");
    *out_json = NULL;
    json_t *doc = e->document != NULL ? json_deep_copy((json_t *)e->document) : json_object();
    if (doc == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    int failed = 0;
    for (size_t i = 0; i < COUNT(export_fields); i++) {
        const json_field *f = &export_fields[i];
        if (f->read_only)
            continue;
        const char *v = *slot((void *)e, f);
        if (v != NULL)
            failed |= set_path(doc, f->path, json_string(v)) != 0;
        else if (json_is_string(get_path(doc, f->path)))
            remove_path(doc, f->path, path_depth(f)); /* cleared by the caller */
    }
    static const char *const pd_path[] = {"properties", "partitionData", NULL};
    if (e->partition_data >= 0)
        failed |= set_path(doc, pd_path, json_boolean(e->partition_data)) != 0;
    /* Read-only results of GET ?$expand=runHistory must not travel back. */
    json_t *props = json_object_get(doc, "properties");
    if (json_is_object(props))
        json_object_del(props, "runHistory");
    *out_json = failed ? NULL : json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (*out_json == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory building an export body");
    return ARM_OK;
}

void arm_export_list_dispose(arm_export_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++)
        arm_export_dispose(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

arm_status arm_export_list_parse(const char *json, size_t len, arm_export_list *out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_export_list_parse: no output");
    memset(out, 0, sizeof *out);
    json_t *root = load(json, len, "export list", err);
    if (root == NULL)
        return ARM_ERR_PARSE;
    json_t *value = json_object_get(root, "value");
    arm_status st = ARM_OK;
    if (!json_is_array(value))
        st = arm_error_set(err, ARM_ERR_PARSE, "export list: no \"value\" array");
    size_t n = json_array_size(value);
    if (st == ARM_OK && n > 0 && (out->items = calloc(n, sizeof *out->items)) == NULL)
        st = arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; st == ARM_OK && i < n; i++) {
        json_t *item = json_array_get(value, i);
        if (!json_is_object(item)) {
            st = arm_error_set(err, ARM_ERR_PARSE, "export list: value[%zu] is not an object", i);
            break;
        }
        st = export_from_object(item, &out->items[out->count], err);
        if (st == ARM_OK)
            out->count++;
    }
    json_decref(root);
    if (st != ARM_OK)
        arm_export_list_dispose(out);
    return st;
}

void arm_export_run_list_dispose(arm_export_run_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++)
        run_dispose(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

arm_status arm_export_run_list_parse(const char *json, size_t len, arm_export_run_list *out,
                                     arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_export_run_list_parse: no output");
    memset(out, 0, sizeof *out);
    json_t *root = load(json, len, "run history", err);
    if (root == NULL)
        return ARM_ERR_PARSE;
    json_t *value = json_object_get(root, "value");
    arm_status st = value == NULL
                        ? arm_error_set(err, ARM_ERR_PARSE, "run history: no \"value\" array")
                        : read_runs(value, "run history", &out->items, &out->count, err);
    json_decref(root);
    if (st != ARM_OK)
        arm_export_run_list_dispose(out);
    return st;
}
