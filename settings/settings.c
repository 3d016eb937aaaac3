/* settings.json: the hub's own file, read with jansson and checked field by
 * field. All-or-nothing: every problem is reported, and a file with any error
 * yields no settings at all. */
#include "settings/settings_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HUB_SETTINGS_SCHEMA "https://aka.ms/finops/hubs/settings-schema"
/* Cost Management keeps cost data for seven years. */
#define MAX_USEFUL_INGESTION_MONTHS 84

typedef struct validator {
    const char *text;
    settings_position_index positions;
    settings_report *report;
    settings_status status; /* SETTINGS_E_NOMEM once memory ran out */
    settings *result;
} validator;

static const char *json_kind(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

static void problem(validator *v, settings_severity severity, const char *path, const char *format,
                    ...) __attribute__((format(printf, 4, 5)));

static void problem(validator *v, settings_severity severity, const char *path, const char *format,
                    ...)
{
    const settings_position *at = settings_position_find(&v->positions, path);
    va_list args;
    va_start(args, format);
    if (settings_report_add_v(v->report, severity, path, at ? at->line : 0, at ? at->column : 0,
                              format, args) != SETTINGS_OK)
        v->status = SETTINGS_E_NOMEM;
    va_end(args);
}

/* Reads an optional string member; a present non-string is an error. */
static void read_string(validator *v, json_t *object, const char *key, char **out)
{
    json_t *value = json_object_get(object, key);
    char path[64];
    snprintf(path, sizeof path, key[0] == '$' ? "$[\"%s\"]" : "$.%s", key);
    if (value == NULL)
        return;
    if (!json_is_string(value)) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "\"%s\" must be a string, not %s", key,
                json_kind(value));
        return;
    }
    *out = strdup(json_string_value(value));
    if (*out == NULL)
        v->status = SETTINGS_E_NOMEM;
}

static void read_header(validator *v, json_t *root)
{
    settings *s = v->result;
    read_string(v, root, "$schema", &s->schema);
    read_string(v, root, "type", &s->type);
    read_string(v, root, "version", &s->version);
    read_string(v, root, "spendScopes", &s->spend_scopes);
    if (s->spend_scopes != NULL && s->spend_scopes[0] == '\0')
        problem(v, SETTINGS_SEVERITY_ERROR, "$.spendScopes",
                "\"spendScopes\" is empty; give the spend scopes file's path or leave it out");
    if (json_object_get(root, "$schema") == NULL)
        problem(v, SETTINGS_SEVERITY_WARNING, "$",
                "no \"$schema\"; the hub writes \"" HUB_SETTINGS_SCHEMA "\"");
    if (s->type != NULL && strcmp(s->type, "HubInstance") != 0)
        problem(v, SETTINGS_SEVERITY_WARNING, "$.type",
                "\"type\" is \"%s\"; hub settings say \"HubInstance\"", s->type);
}

/* retention.<section>.<field>: an optional non-negative (or any, when
 * `negative_ok`) integer. */
static void read_retention_value(validator *v, json_t *retention, const char *section,
                                 const char *field, bool negative_ok, int *out)
{
    char path[96];
    snprintf(path, sizeof path, "$.retention.%s", section);
    json_t *object = json_object_get(retention, section);
    if (object == NULL)
        return;
    if (!json_is_object(object)) {
        problem(v, SETTINGS_SEVERITY_ERROR, path,
                "retention.%s must be an object like {\"%s\": N}, not %s", section, field,
                json_kind(object));
        return;
    }
    json_t *value = json_object_get(object, field);
    snprintf(path, sizeof path, "$.retention.%s.%s", section, field);
    if (value == NULL)
        return;
    if (!json_is_integer(value)) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "retention.%s.%s must be a whole number, not %s",
                section, field, json_kind(value));
        return;
    }
    json_int_t n = json_integer_value(value);
    if ((!negative_ok && n < 0) || n > 100000 || n < -100000) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "retention.%s.%s is %lld; expected %s", section,
                field, (long long)n,
                negative_ok ? "a value between -100000 and 100000"
                            : "a value between 0 and 100000");
        return;
    }
    *out = (int)n;
}

static void read_retention(validator *v, json_t *root)
{
    settings_retention *r = &v->result->retention;
    *r = (settings_retention){
        .msexports_days = 0, .ingestion_months = 13, .raw_days = 0, .final_months = 13};
    json_t *retention = json_object_get(root, "retention");
    if (retention == NULL)
        return;
    if (!json_is_object(retention)) {
        problem(v, SETTINGS_SEVERITY_ERROR, "$.retention",
                "\"retention\" must be an object, not %s", json_kind(retention));
        return;
    }
    read_retention_value(v, retention, "msexports", "days", true, &r->msexports_days);
    read_retention_value(v, retention, "ingestion", "months", false, &r->ingestion_months);
    read_retention_value(v, retention, "raw", "days", true, &r->raw_days);
    read_retention_value(v, retention, "final", "months", false, &r->final_months);
    if (r->ingestion_months > MAX_USEFUL_INGESTION_MONTHS)
        problem(v, SETTINGS_SEVERITY_WARNING, "$.retention.ingestion.months",
                "retention.ingestion.months is %d, but Cost Management keeps only %d months; "
                "older months will come back empty",
                r->ingestion_months, MAX_USEFUL_INGESTION_MONTHS);
}

static bool scope_is_blank(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    return text[0] == '\0' || (text[0] == '/' && text[1 + strspn(text + 1, " \t\r\n")] == '\0');
}

static void read_scope_item(validator *v, json_t *item, size_t index, const char *item_path)
{
    char path[80];
    snprintf(path, sizeof path, "%s", item_path);
    if (!json_is_object(item)) {
        problem(v, SETTINGS_SEVERITY_ERROR, path,
                "scopes[%zu] must be an object like {\"scope\": \"/subscriptions/…\"}, not %s",
                index, json_kind(item));
        return;
    }
    json_t *value = json_object_get(item, "scope");
    if (value == NULL) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "scopes[%zu] has no \"scope\"", index);
        return;
    }
    snprintf(path, sizeof path, "%s.scope", item_path);
    if (!json_is_string(value)) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "scopes[%zu].scope must be a string, not %s",
                index, json_kind(value));
        return;
    }
    const char *text = json_string_value(value);
    if (scope_is_blank(text)) {
        problem(v, SETTINGS_SEVERITY_WARNING, path,
                "scopes[%zu] is empty and is ignored, as the hub ignores it", index);
        return;
    }
    settings *s = v->result;
    settings_scope *scope = &s->scopes[s->scope_count];
    char why[256];
    settings_status status = settings_scope_parse(text, scope, why, sizeof why);
    if (status == SETTINGS_E_NOMEM) {
        v->status = status;
        return;
    }
    if (status != SETTINGS_OK) {
        problem(v, SETTINGS_SEVERITY_ERROR, path, "scopes[%zu] \"%s\": %s", index, text, why);
        return;
    }
    const settings_position *at = settings_position_find(&v->positions, path);
    scope->index = index;
    scope->line = at ? at->line : 0;
    scope->column = at ? at->column : 0;
    s->scope_count++;
    if (scope->type == SETTINGS_SCOPE_MANAGEMENT_GROUP)
        problem(v, SETTINGS_SEVERITY_ERROR, path,
                "scopes[%zu] \"%s\" is a management group: Cost Management has no FOCUS cost "
                "exports at management group scope; list its subscriptions, or the EA billing "
                "account or department they belong to, instead",
                index, text);
}

static void read_scopes(validator *v, json_t *root)
{
    json_t *scopes = json_object_get(root, "scopes");
    if (scopes == NULL) {
        problem(v, SETTINGS_SEVERITY_ERROR, "$",
                "no \"scopes\": hub settings list the scopes to export as "
                "\"scopes\": [{\"scope\": \"…\"}]");
        return;
    }
    json_t *wrapped = NULL;
    if (json_is_object(scopes)) {
        /* The hub's deployment sometimes writes a one-item array as an object. */
        problem(v, SETTINGS_SEVERITY_WARNING, "$.scopes",
                "\"scopes\" is a single object; read as a one-item array, as the hub does");
        wrapped = json_pack("[O]", scopes);
        if (wrapped == NULL) {
            v->status = SETTINGS_E_NOMEM;
            return;
        }
        scopes = wrapped;
    } else if (!json_is_array(scopes)) {
        problem(v, SETTINGS_SEVERITY_ERROR, "$.scopes", "\"scopes\" must be an array, not %s",
                json_kind(scopes));
        return;
    }
    size_t count = json_array_size(scopes);
    settings *s = v->result;
    s->scopes = calloc(count ? count : 1, sizeof *s->scopes);
    if (s->scopes == NULL) {
        v->status = SETTINGS_E_NOMEM;
    } else if (count == 0) {
        problem(v, SETTINGS_SEVERITY_WARNING, "$.scopes",
                "\"scopes\" is empty: there is nothing to export");
    }
    for (size_t i = 0; i < count && v->status == SETTINGS_OK; i++) {
        char path[64];
        /* A wrapped object's positions are those of $.scopes itself. */
        if (wrapped != NULL)
            snprintf(path, sizeof path, "$.scopes");
        else
            snprintf(path, sizeof path, "$.scopes[%zu]", i);
        read_scope_item(v, json_array_get(scopes, i), i, path);
    }
    json_decref(wrapped);
}

void settings_free(settings *value)
{
    if (value == NULL)
        return;
    for (size_t i = 0; i < value->scope_count; i++)
        settings_scope_dispose(&value->scopes[i]);
    free(value->scopes);
    free(value->schema);
    free(value->type);
    free(value->version);
    free(value->spend_scopes);
    free(value);
}

static settings_status syntax_error(settings_report *report, const json_error_t *error)
{
    settings_report_add(report, SETTINGS_SEVERITY_ERROR, "$", error->line, error->column,
                        "not valid JSON: %s", error->text);
    return SETTINGS_E_SYNTAX;
}

settings_status settings_parse(const char *text, size_t length, settings **out_settings,
                               settings_report *report)
{
    if (text == NULL || out_settings == NULL)
        return SETTINGS_E_ARGUMENT;
    *out_settings = NULL;
    if (length > SETTINGS_MAX_FILE_BYTES) {
        settings_report_add(report, SETTINGS_SEVERITY_ERROR, "$", 0, 0,
                            "the file is %zu bytes; settings files are refused above %u bytes",
                            length, SETTINGS_MAX_FILE_BYTES);
        return SETTINGS_E_INVALID;
    }
    json_error_t error;
    json_t *root = json_loadb(text, length, JSON_ALLOW_NUL, &error);
    if (root == NULL)
        return syntax_error(report, &error);

    validator v = {.text = text, .report = report, .status = SETTINGS_OK};
    v.status = settings_index_positions(text, length, &v.positions, report);
    v.result = calloc(1, sizeof *v.result);
    if (v.result == NULL)
        v.status = SETTINGS_E_NOMEM;
    if (v.status == SETTINGS_OK && !json_is_object(root)) {
        problem(&v, SETTINGS_SEVERITY_ERROR, "$", "the settings file must be a JSON object, not %s",
                json_kind(root));
    } else if (v.status == SETTINGS_OK) {
        read_header(&v, root);
        read_scopes(&v, root);
        read_retention(&v, root);
    }
    if (v.status == SETTINGS_OK) {
        settings_status overlap =
            settings_check_overlaps(v.result->scopes, v.result->scope_count, NULL, report);
        if (overlap == SETTINGS_E_NOMEM)
            v.status = overlap;
    }
    json_decref(root);
    settings_position_index_dispose(&v.positions);
    if (v.status == SETTINGS_OK && report != NULL && report->error_count > 0)
        v.status = SETTINGS_E_INVALID;
    if (v.status != SETTINGS_OK) {
        settings_free(v.result);
        return v.status;
    }
    *out_settings = v.result;
    return SETTINGS_OK;
}

settings_status settings_load_file(const char *path, settings **out_settings,
                                   settings_report *report)
{
    if (path == NULL || out_settings == NULL)
        return SETTINGS_E_ARGUMENT;
    *out_settings = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        settings_report_add(report, SETTINGS_SEVERITY_ERROR, "$", 0, 0, "cannot open: %s",
                            strerror(errno));
        return SETTINGS_E_IO;
    }
    size_t capacity = 64 * 1024, length = 0;
    char *text = malloc(capacity);
    settings_status status = text ? SETTINGS_OK : SETTINGS_E_NOMEM;
    while (status == SETTINGS_OK) {
        length += fread(text + length, 1, capacity - length, file);
        if (ferror(file)) {
            settings_report_add(report, SETTINGS_SEVERITY_ERROR, "$", 0, 0, "cannot read: %s",
                                strerror(errno));
            status = SETTINGS_E_IO;
        } else if (length < capacity) {
            break;
        } else if (capacity > SETTINGS_MAX_FILE_BYTES) {
            break; /* settings_parse refuses it with the size */
        } else {
            char *grown = realloc(text, capacity * 2);
            if (grown == NULL)
                status = SETTINGS_E_NOMEM;
            else
                text = grown, capacity *= 2;
        }
    }
    fclose(file);
    if (status == SETTINGS_OK)
        status = settings_parse(text, length, out_settings, report);
    free(text);
    return status;
}
