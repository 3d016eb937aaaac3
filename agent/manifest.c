/* manifest.json parsing and the hub's naming rules (finops-hub.md §5): every value the
 * hand-off uses comes from the manifest, never from the folder names it was found under. */
#include "agent/manifest.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *agent_handoff_status_text(agent_handoff_status status)
{
    switch (status) {
    case AGENT_HANDOFF_OK:
        return "ok";
    case AGENT_HANDOFF_E_MANIFEST:
        return "the manifest is not usable";
    case AGENT_HANDOFF_E_STORAGE:
        return "a storage request failed";
    case AGENT_HANDOFF_E_STATE:
        return "the state database failed";
    case AGENT_HANDOFF_E_CHECK:
        return "a data file failed its checks";
    case AGENT_HANDOFF_E_IO:
        return "a local file operation failed";
    case AGENT_HANDOFF_E_NOMEM:
        return "out of memory";
    }
    return "unknown status";
}

void agent_handoff_error_init(agent_handoff_error *error)
{
    if (error != NULL)
        memset(error, 0, sizeof *error);
}

agent_handoff_status agent_handoff_fail(agent_handoff_error *error, agent_handoff_status status,
                                        const char *where, const char *format, ...)
{
    if (error != NULL) {
        error->status = status;
        snprintf(error->where, sizeof error->where, "%s", where ? where : "");
        va_list args;
        va_start(args, format);
        vsnprintf(error->message, sizeof error->message, format, args);
        va_end(args);
    }
    return status;
}

void agent_manifest_dispose(agent_manifest *m)
{
    if (m == NULL)
        return;
    free(m->export_name);
    free(m->resource_id);
    free(m->type);
    free(m->data_version);
    free(m->scope);
    free(m->run_id);
    free(m->submitted_time);
    for (size_t i = 0; i < m->blob_count; i++)
        free(m->blobs[i].name);
    free(m->blobs);
    memset(m, 0, sizeof *m);
}

static bool only_space(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!isspace((unsigned char)text[i]))
            return false;
    return true;
}

/* A required string member of `object`, copied; NULL (after setting the error) if missing. */
static char *need_text(json_t *object, const char *section, const char *key, const char *where,
                       agent_handoff_error *error)
{
    const char *value = json_string_value(json_object_get(object, key));
    if (value == NULL || value[0] == '\0') {
        agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where, "%s: %s.%s is %s", where,
                           section, key,
                           json_object_get(object, key) ? "not a non-empty string" : "missing");
        return NULL;
    }
    return strdup(value);
}

/* A non-negative count; -1 for null/absent; -2 (error set) for anything else. */
static int64_t count_of(json_t *value, const char *what, const char *where,
                        agent_handoff_error *error)
{
    if (value == NULL || json_is_null(value))
        return -1;
    if (json_is_integer(value) && json_integer_value(value) >= 0)
        return (int64_t)json_integer_value(value);
    agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where, "%s: %s is not a count", where,
                       what);
    return -2;
}

static const char exports_marker[] = "/providers/microsoft.costmanagement/exports/";

static char *scope_of(const char *resource_id)
{
    char *lower = strdup(resource_id);
    if (lower == NULL)
        return NULL;
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *cut = strstr(lower, exports_marker);
    if (cut == NULL) {
        free(lower);
        return NULL;
    }
    *cut = '\0';
    return lower;
}

/* Run ids and export names become file and folder names in the hub: letters,
 * digits, '-', '_' and '.' only (what Cost Management uses), so none can reach
 * another folder; an export type, letters and digits only. */
static bool safe_name(const char *name, const char *also)
{
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr(also, *p) == NULL)
            return false;
    return true;
}

/* The scope becomes folders under ingestion: no "." or ".." segment, no control bytes. */
static bool safe_scope(const char *scope)
{
    for (const char *p = scope; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\')
            return false;
    for (const char *segment = scope; segment != NULL; segment = strchr(segment + 1, '/')) {
        const char *name = segment[0] == '/' ? segment + 1 : segment;
        size_t length = strcspn(name, "/");
        if ((length == 1 && name[0] == '.') || (length == 2 && strncmp(name, "..", 2) == 0))
            return false;
    }
    return true;
}

static agent_handoff_status parse_blobs(json_t *blobs, const char *where, agent_manifest *m,
                                        agent_handoff_error *error)
{
    if (blobs == NULL || json_is_null(blobs))
        return AGENT_HANDOFF_OK;
    if (!json_is_array(blobs))
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: blobs is not an array", where);
    m->blobs = calloc(json_array_size(blobs) + 1, sizeof *m->blobs);
    if (m->blobs == NULL)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, where, "no memory");
    for (size_t i = 0; i < json_array_size(blobs); i++) {
        json_t *item = json_array_get(blobs, i);
        char what[64];
        snprintf(what, sizeof what, "blobs[%zu]", i);
        char *name = need_text(item, what, "blobName", where, error);
        if (name == NULL)
            return AGENT_HANDOFF_E_MANIFEST;
        agent_manifest_blob *b = &m->blobs[m->blob_count++];
        b->name = name;
        snprintf(what, sizeof what, "blobs[%zu].byteCount", i);
        int64_t bytes = count_of(json_object_get(item, "byteCount"), what, where, error);
        if (bytes < 0)
            return bytes == -1 ? agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                                    "%s: %s is missing", where, what)
                               : AGENT_HANDOFF_E_MANIFEST;
        b->byte_count = (uint64_t)bytes;
        snprintf(what, sizeof what, "blobs[%zu].dataRowCount", i);
        b->row_count = count_of(json_object_get(item, "dataRowCount"), what, where, error);
        if (b->row_count == -2)
            return AGENT_HANDOFF_E_MANIFEST;
    }
    return AGENT_HANDOFF_OK;
}

static agent_handoff_status parse_json(json_t *root, const char *where, agent_manifest *m,
                                       agent_handoff_error *error)
{
    if (!json_is_object(root))
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: the manifest is not a JSON object", where);
    if (json_object_size(root) == 0) {
        m->empty = true;
        return AGENT_HANDOFF_OK;
    }
    json_t *config = json_object_get(root, "exportConfig");
    json_t *run = json_object_get(root, "runInfo");
    if (!json_is_object(config) || !json_is_object(run))
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: %s is missing or not an object", where,
                                  json_is_object(config) ? "runInfo" : "exportConfig");
    if (!(m->export_name = need_text(config, "exportConfig", "exportName", where, error)) ||
        !(m->resource_id = need_text(config, "exportConfig", "resourceId", where, error)) ||
        !(m->type = need_text(config, "exportConfig", "type", where, error)) ||
        !(m->data_version = need_text(config, "exportConfig", "dataVersion", where, error)) ||
        !(m->run_id = need_text(run, "runInfo", "runId", where, error)))
        return AGENT_HANDOFF_E_MANIFEST;
    const struct {
        const char *value, *field, *allowed, *what;
    } names[] = {{m->run_id, "runInfo.runId", "-_.", "a run id (letters, digits, '-', '_', '.')"},
                 {m->export_name, "exportConfig.exportName", "-_.",
                  "an export name (letters, digits, '-', '_', '.')"},
                 {m->type, "exportConfig.type", "", "an export type (letters and digits)"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!safe_name(names[i].value, names[i].allowed))
            return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                      "%s: %s '%s' is not %s", where, names[i].field,
                                      names[i].value, names[i].what);
    const char *submitted = json_string_value(json_object_get(run, "submittedTime"));
    m->submitted_time = strdup(submitted ? submitted : "");
    m->scope = scope_of(m->resource_id);
    if (m->scope == NULL || m->scope[0] != '/' || !safe_scope(m->scope))
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: exportConfig.resourceId '%s' is not an export's id "
                                  "(…/providers/Microsoft.CostManagement/exports/NAME)",
                                  where, m->resource_id);
    const char *start = json_string_value(json_object_get(run, "startDate"));
    if (start == NULL || sscanf(start, "%4d-%2d", &m->year, &m->month) != 2 || m->month < 1 ||
        m->month > 12 || m->year < 1970)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: runInfo.startDate %s%s%s is not a date (yyyy-mm-dd…)", where,
                                  start ? "'" : "", start ? start : "missing", start ? "'" : "");
    json_t *row_count = json_object_get(root, "dataRowCount");
    m->row_count = count_of(row_count, "dataRowCount", where, error);
    if (m->row_count == -2)
        return AGENT_HANDOFF_E_MANIFEST;
    int64_t blob_count = count_of(json_object_get(root, "blobCount"), "blobCount", where, error);
    if (blob_count == -2)
        return AGENT_HANDOFF_E_MANIFEST;
    agent_handoff_status status = parse_blobs(json_object_get(root, "blobs"), where, m, error);
    if (status != AGENT_HANDOFF_OK)
        return status;
    if (blob_count >= 0 && (size_t)blob_count != m->blob_count)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where,
                                  "%s: blobCount is %lld but blobs lists %zu", where,
                                  (long long)blob_count, m->blob_count);
    /* The hub's test, kept to report what it would have dropped (#2173, #2042). */
    m->has_no_rows = blob_count <= 0 || (row_count != NULL && m->row_count <= 0);
    return AGENT_HANDOFF_OK;
}

agent_handoff_status agent_manifest_parse(const char *text, size_t length, const char *where,
                                          agent_manifest *out, agent_handoff_error *error)
{
    memset(out, 0, sizeof *out);
    out->row_count = -1;
    if (text == NULL || only_space(text, length)) {
        out->empty = true;
        return AGENT_HANDOFF_OK;
    }
    json_error_t json_error;
    json_t *root = json_loadb(text, length, 0, &json_error);
    if (root == NULL)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, where, "%s:%d:%d: not JSON: %s",
                                  where, json_error.line, json_error.column, json_error.text);
    agent_handoff_status status = parse_json(root, where, out, error);
    json_decref(root);
    if (status != AGENT_HANDOFF_OK)
        agent_manifest_dispose(out);
    return status;
}

void agent_manifest_dataset_folder(const char *type, char *out, size_t size)
{
    static const struct {
        const char *type, *folder;
    } map[] = {
        {"focuscost", "Costs"},
        {"pricesheet", "Prices"},
        {"reservationdetails", "CommitmentDiscountUsage"},
        {"reservationrecommendations", "Recommendations"},
        {"reservationtransactions", "Transactions"},
        {"actualcost", "ActualCosts"},
        {"amortizedcost", "AmortizedCosts"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(type, map[i].type) == 0) {
            snprintf(out, size, "%s", map[i].folder);
            return;
        }
    size_t n = 0;
    for (; type[n] != '\0' && n + 1 < size; n++)
        out[n] = (char)tolower((unsigned char)type[n]);
    if (size > 0)
        out[n] = '\0';
}

bool agent_manifest_destination(const agent_manifest *m, char *out, size_t size)
{
    char dataset[128], raw[2048];
    agent_manifest_dataset_folder(m->type, dataset, sizeof dataset);
    bool recommendations = strcmp(dataset, "Recommendations") == 0;
    int n = snprintf(raw, sizeof raw, "%s/%04d/%02d/%s%s", dataset, m->year, m->month, m->scope,
                     recommendations ? m->export_name : "");
    if (n < 0 || (size_t)n >= sizeof raw)
        return false;
    /* replace(…, '//', '/') as the pipeline does: once, left to right. */
    size_t w = 0;
    for (size_t r = 0; raw[r] != '\0'; r++) {
        if (raw[r] == '/' && raw[r + 1] == '/')
            r++;
        if (w + 1 >= size)
            return false;
        out[w++] = raw[r];
    }
    out[w] = '\0';
    return true;
}

static bool ends_with(const char *text, size_t length, const char *suffix)
{
    size_t s = strlen(suffix);
    return length >= s && strncasecmp(text + length - s, suffix, s) == 0;
}

bool agent_manifest_destination_file(const char *run_id, const char *blob_name, char *out,
                                     size_t size)
{
    const char *slash = strrchr(blob_name, '/');
    const char *leaf = slash ? slash + 1 : blob_name;
    size_t length = strlen(leaf);
    if (ends_with(leaf, length, ".gz"))
        length -= 3;
    const char *extension = "";
    if (ends_with(leaf, length, ".csv")) {
        length -= 4;
        extension = ".parquet";
    }
    int n = snprintf(out, size, "%s__%.*s%s", run_id, (int)length, leaf, extension);
    return n >= 0 && (size_t)n < size;
}

const char *agent_manifest_variant(const char *type, const char *const *columns, size_t count)
{
    const char *marker = NULL;
    if (strcasecmp(type, "pricesheet") == 0 || strcasecmp(type, "reservationtransactions") == 0)
        marker = "BillingProfileId";
    else if (strcasecmp(type, "reservationrecommendations") == 0)
        marker = "Net Savings";
    if (marker == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++)
        if (columns[i] != NULL && strcmp(columns[i], marker) == 0)
            return "MCA";
    return "EA";
}
