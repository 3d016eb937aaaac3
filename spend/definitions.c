/* The spendScopes file: an ordered list of spend scopes (first = highest priority), each with
 * monthly segments that neither overlap nor leave gaps. Every problem is reported, not just the
 * first, each naming its spend scope, segment and condition. */
#include "spend/spend_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEND_MAX_FILE_BYTES (16u * 1024u * 1024u)

void spend_parse_problem(spend_parse_context *c, spend_severity severity, const char *path,
                         const char *format, ...)
{
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    int line, column;
    if (path == NULL) /* its own allocation failed: still report, without a position */
        path = "$";
    spend_positions_find(c->positions, path, &line, &column);
    const char *sep = c->where[0] != '\0' ? ": " : "";
    if (spend_report_add(c->report, severity, path, line, column, "%s%s%s", c->where, sep,
                         message) != SPEND_OK)
        c->status = SPEND_E_NOMEM;
}

void spend_segment_dispose(spend_segment *s)
{
    for (size_t i = 0; i < s->account_count; i++)
        free(s->accounts[i]);
    free(s->accounts);
    for (size_t i = 0; i < s->condition_count; i++) {
        spend_condition *c = &s->conditions[i];
        for (size_t j = 0; j < c->value_count; j++) {
            free(c->values[j].text);
            free(c->values[j].tag_key);
            pcre2_code_free(c->values[j].regex);
        }
        free(c->values);
        free(c->id);
    }
    free(s->conditions);
    free(s->nodes);
    free(s->children);
    free(s->canonical);
    memset(s, 0, sizeof *s);
}

void spend_definitions_free(spend_definitions *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->scope_count; i++) {
        for (size_t j = 0; j < d->scopes[i].segment_count; j++)
            spend_segment_dispose(&d->scopes[i].segments[j]);
        free(d->scopes[i].segments);
        free(d->scopes[i].name);
    }
    free(d->scopes);
    free(d);
}

static void set_where(spend_parse_context *c, const char *name, const spend_segment *segment)
{
    if (segment == NULL) {
        snprintf(c->where, sizeof c->where, "spend scope \"%s\"", name);
        return;
    }
    char from[8], to[8];
    spend_month_format(segment->from, from);
    spend_month_format(segment->to, to);
    if (segment->from < 0)
        snprintf(c->where, sizeof c->where, "spend scope \"%s\", segment %zu", name,
                 segment->index + 1);
    else
        snprintf(c->where, sizeof c->where, "spend scope \"%s\", segment %zu (%s..%s)", name,
                 segment->index + 1, from, to);
}

static const char *const segment_keys[] = {"from",       "to",    "criteria", "account_criteria",
                                           "conditions", "logic", "version",  "description",
                                           NULL};
static const char *const scope_keys[] = {"name", "segments", "description", NULL};

static void warn_unknown_keys(spend_parse_context *c, json_t *object, const char *path,
                              const char *const *known)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        bool found = false;
        for (size_t i = 0; known[i] != NULL && !found; i++)
            found = strcmp(known[i], key) == 0;
        if (!found) {
            char *at = NULL;
            if (asprintf(&at, "%s.%s", path, key) < 0)
                return;
            spend_parse_problem(c, SPEND_SEVERITY_WARNING, at, "unknown key \"%s\" is ignored",
                                key);
            free(at);
        }
    }
}

static bool parse_month_key(spend_parse_context *c, json_t *segment, const char *path,
                            const char *key, bool required, spend_month *out)
{
    json_t *value = json_object_get(segment, key);
    char *at = NULL;
    if (asprintf(&at, "%s.%s", path, key) < 0) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    bool ok = true;
    if (value == NULL || json_is_null(value)) {
        if (required) {
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "missing \"%s\" month (YYYY-MM)",
                                key);
            ok = false;
        }
    } else if (!spend_month_parse(json_string_value(value), out)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at, "\"%s\" must be a month YYYY-MM", key);
        ok = false;
    }
    free(at);
    return ok;
}

static bool parse_segment(spend_parse_context *c, const char *name, json_t *json, const char *path,
                          spend_segment *segment)
{
    segment->from = -1;
    segment->to = SPEND_MONTH_OPEN;
    set_where(c, name, segment);
    if (!json_is_object(json)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "a segment must be an object");
        return false;
    }
    bool ok = parse_month_key(c, json, path, "from", true, &segment->from);
    ok = parse_month_key(c, json, path, "to", false, &segment->to) && ok;
    set_where(c, name, segment);
    if (ok && segment->to < segment->from) {
        char *at = NULL;
        if (asprintf(&at, "%s.to", path) >= 0)
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at, "\"to\" is before \"from\"");
        free(at);
        ok = false;
    }
    warn_unknown_keys(c, json, path, segment_keys);
    /* Kion's criteria object as it is, under "criteria" or inline in the segment. */
    json_t *criteria = json_object_get(json, "criteria");
    char *at = NULL;
    if (asprintf(&at, "%s%s", path, criteria != NULL ? ".criteria" : "") < 0) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    ok = spend_criteria_parse(c, criteria != NULL ? criteria : json, at, segment) && ok;
    json_t *canonical_source = criteria != NULL ? criteria : json;
    segment->canonical = json_dumps(canonical_source, JSON_COMPACT | JSON_SORT_KEYS);
    if (segment->canonical == NULL)
        c->status = SPEND_E_NOMEM;
    free(at);
    return ok;
}

static int compare_segments(const void *a, const void *b)
{
    const spend_segment *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

/* Kion refuses to save overlapping or gapped segments; so does this. */
static bool check_coverage(spend_parse_context *c, const char *name, const char *path,
                           spend_scope *scope)
{
    qsort(scope->segments, scope->segment_count, sizeof *scope->segments, compare_segments);
    bool ok = true;
    snprintf(c->where, sizeof c->where, "spend scope \"%s\"", name);
    for (size_t i = 1; i < scope->segment_count; i++) {
        const spend_segment *prev = &scope->segments[i - 1], *next = &scope->segments[i];
        char at[256], a_from[8], a_to[8], b_from[8], b_to[8], gap_from[8], gap_to[8];
        snprintf(at, sizeof at, "%s.segments[%zu]", path, next->index);
        spend_month_format(prev->from, a_from);
        spend_month_format(prev->to, a_to);
        spend_month_format(next->from, b_from);
        spend_month_format(next->to, b_to);
        if (next->from <= prev->to) {
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                "segment %zu (%s..%s) overlaps segment %zu (%s..%s)",
                                next->index + 1, b_from, b_to, prev->index + 1, a_from, a_to);
            ok = false;
        } else if (next->from > prev->to + 1) {
            spend_month_format(prev->to + 1, gap_from);
            spend_month_format(next->from - 1, gap_to);
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                "gap between segment %zu (%s..%s) and segment %zu (%s..%s): "
                                "%s..%s is covered by no segment",
                                prev->index + 1, a_from, a_to, next->index + 1, b_from, b_to,
                                gap_from, gap_to);
            ok = false;
        }
    }
    return ok;
}

static bool parse_scope(spend_parse_context *c, json_t *json, const char *path, size_t index,
                        spend_definitions *d)
{
    spend_scope *scope = &d->scopes[index];
    c->where[0] = '\0';
    if (!json_is_object(json)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "spend scope %zu must be an object",
                            index + 1);
        return false;
    }
    json_t *name = json_object_get(json, "name");
    char at[256];
    snprintf(at, sizeof at, "%s.name", path);
    if (!json_is_string(name) || json_string_length(name) == 0) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, name ? at : path,
                            "spend scope %zu needs a non-empty \"name\"", index + 1);
        return false;
    }
    scope->name = strdup(json_string_value(name));
    if (scope->name == NULL) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < index; i++)
        if (d->scopes[i].name != NULL && strcasecmp(d->scopes[i].name, scope->name) == 0) {
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                "duplicate spend scope name \"%s\" (spend scope %zu has it)",
                                scope->name, i + 1);
            ok = false;
        }
    set_where(c, scope->name, NULL);
    warn_unknown_keys(c, json, path, scope_keys);
    json_t *segments = json_object_get(json, "segments");
    if (!json_is_array(segments) || json_array_size(segments) == 0) {
        snprintf(at, sizeof at, "%s.segments", path);
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, segments ? at : path,
                            "needs a non-empty \"segments\" array");
        return false;
    }
    scope->segments = calloc(json_array_size(segments), sizeof *scope->segments);
    if (scope->segments == NULL) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    bool segments_ok = true;
    for (size_t i = 0; i < json_array_size(segments); i++) {
        snprintf(at, sizeof at, "%s.segments[%zu]", path, i);
        spend_segment *segment = &scope->segments[scope->segment_count++];
        segment->index = i;
        if (!parse_segment(c, scope->name, json_array_get(segments, i), at, segment))
            segments_ok = false;
    }
    bool months_known = true;
    for (size_t i = 0; i < scope->segment_count; i++)
        months_known = months_known && scope->segments[i].from >= 0 &&
                       scope->segments[i].to >= scope->segments[i].from;
    if (months_known && !check_coverage(c, scope->name, path, scope))
        ok = false;
    return ok && segments_ok;
}

spend_status spend_definitions_parse(const char *text, size_t length,
                                     spend_definitions **out_definitions, spend_report *report)
{
    *out_definitions = NULL;
    json_error_t jerror;
    json_t *root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerror);
    if (root == NULL) {
        spend_report_add(report, SPEND_SEVERITY_ERROR, "$", jerror.line, jerror.column,
                         "not valid JSON: %s", jerror.text);
        return SPEND_E_SYNTAX;
    }
    spend_positions positions;
    spend_positions_index(text, length, &positions);
    spend_parse_context c = {.report = report, .positions = &positions, .status = SPEND_OK};
    spend_definitions *d = calloc(1, sizeof *d);
    bool ok = d != NULL;
    /* The file is {"spendScopes": [...]} or, for short files, the array alone. */
    json_t *list = json_is_array(root) ? root : json_object_get(root, "spendScopes");
    if (d == NULL) {
        c.status = SPEND_E_NOMEM;
    } else if (!json_is_array(list)) {
        spend_parse_problem(&c, SPEND_SEVERITY_ERROR, "$",
                            "expected an object with a \"spendScopes\" array");
        ok = false;
    } else {
        const char *base = json_is_array(root) ? "$" : "$.spendScopes";
        if (json_is_object(root)) {
            static const char *const top_keys[] = {"spendScopes", "version", "$schema", NULL};
            warn_unknown_keys(&c, root, "$", top_keys);
        }
        d->scopes = calloc(json_array_size(list) + 1, sizeof *d->scopes);
        if (d->scopes == NULL)
            c.status = SPEND_E_NOMEM;
        for (size_t i = 0; d->scopes != NULL && i < json_array_size(list); i++) {
            char at[128];
            snprintf(at, sizeof at, "%s[%zu]", base, i);
            d->scope_count = i + 1;
            if (!parse_scope(&c, json_array_get(list, i), at, i, d))
                ok = false;
        }
    }
    json_decref(root);
    spend_positions_dispose(&positions);
    spend_status status = c.status != SPEND_OK                           ? c.status
                          : (!ok || (report && report->error_count > 0)) ? SPEND_E_INVALID
                                                                         : SPEND_OK;
    if (status != SPEND_OK) {
        spend_definitions_free(d);
        return status;
    }
    *out_definitions = d;
    return SPEND_OK;
}

spend_status spend_definitions_load_file(const char *path, spend_definitions **out_definitions,
                                         spend_report *report)
{
    *out_definitions = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        spend_report_add(report, SPEND_SEVERITY_ERROR, "$", 0, 0, "cannot open: %s",
                         strerror(errno));
        return SPEND_E_IO;
    }
    char *text = malloc(SPEND_MAX_FILE_BYTES + 1);
    size_t length = text ? fread(text, 1, SPEND_MAX_FILE_BYTES + 1, f) : 0;
    bool failed = text == NULL || ferror(f);
    fclose(f);
    if (failed || length > SPEND_MAX_FILE_BYTES) {
        spend_report_add(report, SPEND_SEVERITY_ERROR, "$", 0, 0,
                         failed ? "cannot read the file" : "file larger than %u bytes",
                         SPEND_MAX_FILE_BYTES);
        free(text);
        return SPEND_E_IO;
    }
    spend_status status = spend_definitions_parse(text, length, out_definitions, report);
    free(text);
    return status;
}

size_t spend_definitions_scope_count(const spend_definitions *d)
{
    return d->scope_count;
}

const char *spend_definitions_scope_name(const spend_definitions *d, size_t scope)
{
    return scope < d->scope_count ? d->scopes[scope].name : NULL;
}

size_t spend_definitions_segment_count(const spend_definitions *d, size_t scope)
{
    return scope < d->scope_count ? d->scopes[scope].segment_count : 0;
}

void spend_definitions_segment_info(const spend_definitions *d, size_t scope, size_t segment,
                                    spend_segment_info *out)
{
    memset(out, 0, sizeof *out);
    if (scope >= d->scope_count || segment >= d->scopes[scope].segment_count)
        return;
    const spend_segment *s = &d->scopes[scope].segments[segment];
    *out =
        (spend_segment_info){s->from, s->to, s->all_accounts, s->account_count, s->condition_count};
}

void spend_definitions_month_digest(const spend_definitions *d, spend_month month,
                                    char out_digest[static 17])
{
    uint64_t hash = SPEND_DIGEST_SEED;
    for (size_t i = 0; i < d->scope_count; i++) {
        const spend_scope *scope = &d->scopes[i];
        hash = spend_digest_add(hash, scope->name, strlen(scope->name) + 1);
        for (size_t j = 0; j < scope->segment_count; j++) {
            const spend_segment *s = &scope->segments[j];
            if (month >= s->from && month <= s->to && s->canonical != NULL)
                hash = spend_digest_add(hash, s->canonical, strlen(s->canonical) + 1);
        }
        hash = spend_digest_add(hash, "|", 1);
    }
    snprintf(out_digest, 17, "%016llx", (unsigned long long)hash);
}
