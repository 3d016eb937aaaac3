/* The JSON position index: one pass over settings.json text recording where
 * each value starts, so every error can say FILE:LINE:COL and its JSON path,
 * and finding every duplicate key (jansson stops at the first). */
#include "settings/settings_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_MAX_DEPTH 2048

typedef struct scan_key {
    const char *text;
    size_t length;
    int line;
    int column;
} scan_key;

typedef struct scanner {
    const char *p;
    const char *end;
    int line;
    int column;
    int depth;
    char *path;
    size_t path_length;
    size_t path_capacity;
    settings_position_index *index;
    settings_report *report;
    settings_status status;
} scanner;

static void scan_advance(scanner *s)
{
    if (*s->p == '\n') {
        s->line++;
        s->column = 1;
    } else {
        s->column++;
    }
    s->p++;
}

static void scan_whitespace(scanner *s)
{
    while (s->p < s->end && isspace((unsigned char)*s->p))
        scan_advance(s);
}

static bool scan_ok(const scanner *s)
{
    return s->status == SETTINGS_OK;
}

static void scan_malformed(scanner *s)
{
    /* Only reachable when the caller skipped jansson's validation. */
    if (scan_ok(s))
        s->status = SETTINGS_E_SYNTAX;
}

static bool path_append(scanner *s, const char *text, size_t length)
{
    if (s->path_length + length + 1 > s->path_capacity) {
        size_t capacity = (s->path_capacity + length + 1) * 2;
        char *grown = realloc(s->path, capacity);
        if (grown == NULL) {
            s->status = SETTINGS_E_NOMEM;
            return false;
        }
        s->path = grown;
        s->path_capacity = capacity;
    }
    memcpy(s->path + s->path_length, text, length);
    s->path_length += length;
    s->path[s->path_length] = '\0';
    return true;
}

static void path_truncate(scanner *s, size_t length)
{
    s->path_length = length;
    s->path[length] = '\0';
}

/* Keys that are plain identifiers read as ".key"; others as ["key"]. */
static void path_append_key(scanner *s, const char *key, size_t length)
{
    bool plain = length > 0;
    for (size_t i = 0; i < length; i++)
        if (!(isalnum((unsigned char)key[i]) || key[i] == '_' || key[i] == '$'))
            plain = false;
    if (plain) {
        if (path_append(s, ".", 1))
            path_append(s, key, length);
    } else if (path_append(s, "[\"", 2) && path_append(s, key, length)) {
        path_append(s, "\"]", 2);
    }
}

static void record_position(scanner *s)
{
    settings_position_index *index = s->index;
    if (index->count == index->capacity) {
        size_t capacity = index->capacity ? index->capacity * 2 : 64;
        settings_position *grown = realloc(index->entries, capacity * sizeof *grown);
        if (grown == NULL) {
            s->status = SETTINGS_E_NOMEM;
            return;
        }
        index->entries = grown;
        index->capacity = capacity;
    }
    char *path = strdup(s->path);
    if (path == NULL) {
        s->status = SETTINGS_E_NOMEM;
        return;
    }
    index->entries[index->count++] = (settings_position){path, s->line, s->column};
}

/* Skips a string token; out_text and out_length give its raw contents. */
static void scan_string(scanner *s, const char **out_text, size_t *out_length)
{
    if (s->p >= s->end || *s->p != '"') {
        scan_malformed(s);
        return;
    }
    scan_advance(s);
    const char *start = s->p;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            scan_advance(s);
        scan_advance(s);
    }
    if (s->p >= s->end) {
        scan_malformed(s);
        return;
    }
    *out_text = start;
    *out_length = (size_t)(s->p - start);
    scan_advance(s);
}

static int compare_keys(const void *a, const void *b)
{
    const scan_key *x = a, *y = b;
    size_t n = x->length < y->length ? x->length : y->length;
    int c = memcmp(x->text, y->text, n);
    if (c != 0)
        return c;
    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    /* Equal keys sort in document order so the later one is reported. */
    return (x->line - y->line) != 0 ? x->line - y->line : x->column - y->column;
}

static void report_duplicate_keys(scanner *s, scan_key *keys, size_t count)
{
    qsort(keys, count, sizeof *keys, compare_keys);
    for (size_t i = 1; i < count && scan_ok(s); i++) {
        if (keys[i].length != keys[i - 1].length ||
            memcmp(keys[i].text, keys[i - 1].text, keys[i].length) != 0)
            continue;
        size_t base = s->path_length;
        path_append_key(s, keys[i].text, keys[i].length);
        s->status = settings_report_add(
            s->report, SETTINGS_SEVERITY_ERROR, s->path, keys[i].line, keys[i].column,
            "duplicate key \"%.*s\" (first at line %d, column %d); JSON readers disagree on "
            "which one wins, so the file is refused",
            (int)keys[i].length, keys[i].text, keys[i - 1].line, keys[i - 1].column);
        path_truncate(s, base);
    }
}

static void scan_value(scanner *s);

static void scan_object(scanner *s)
{
    scan_key *keys = NULL;
    size_t count = 0, capacity = 0;
    scan_advance(s); /* '{' */
    scan_whitespace(s);
    if (s->p < s->end && *s->p == '}') {
        scan_advance(s);
        return;
    }
    while (scan_ok(s)) {
        scan_whitespace(s);
        scan_key key = {NULL, 0, s->line, s->column};
        scan_string(s, &key.text, &key.length);
        scan_whitespace(s);
        if (!scan_ok(s) || s->p >= s->end || *s->p != ':') {
            scan_malformed(s);
            break;
        }
        scan_advance(s);
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            scan_key *grown = realloc(keys, capacity * sizeof *grown);
            if (grown == NULL) {
                s->status = SETTINGS_E_NOMEM;
                break;
            }
            keys = grown;
        }
        keys[count++] = key;
        size_t base = s->path_length;
        path_append_key(s, key.text, key.length);
        scan_value(s);
        path_truncate(s, base);
        scan_whitespace(s);
        if (s->p < s->end && *s->p == ',') {
            scan_advance(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}')
            scan_advance(s);
        else
            scan_malformed(s);
        break;
    }
    if (scan_ok(s))
        report_duplicate_keys(s, keys, count);
    free(keys);
}

static void scan_array(scanner *s)
{
    scan_advance(s); /* '[' */
    scan_whitespace(s);
    if (s->p < s->end && *s->p == ']') {
        scan_advance(s);
        return;
    }
    for (size_t i = 0; scan_ok(s); i++) {
        char item[32];
        int n = snprintf(item, sizeof item, "[%zu]", i);
        size_t base = s->path_length;
        path_append(s, item, (size_t)n);
        scan_value(s);
        path_truncate(s, base);
        scan_whitespace(s);
        if (s->p < s->end && *s->p == ',') {
            scan_advance(s);
            continue;
        }
        if (s->p < s->end && *s->p == ']')
            scan_advance(s);
        else
            scan_malformed(s);
        break;
    }
}

static void scan_value(scanner *s)
{
    scan_whitespace(s);
    if (!scan_ok(s) || s->p >= s->end || ++s->depth > SCAN_MAX_DEPTH) {
        scan_malformed(s);
        return;
    }
    record_position(s);
    if (*s->p == '{') {
        scan_object(s);
    } else if (*s->p == '[') {
        scan_array(s);
    } else if (*s->p == '"') {
        const char *text;
        size_t length;
        scan_string(s, &text, &length);
    } else {
        while (s->p < s->end && !isspace((unsigned char)*s->p) && strchr(",]}", *s->p) == NULL)
            scan_advance(s);
    }
    s->depth--;
}

static int compare_positions(const void *a, const void *b)
{
    return strcmp(((const settings_position *)a)->path, ((const settings_position *)b)->path);
}

settings_status settings_index_positions(const char *text, size_t length,
                                         settings_position_index *out_index,
                                         settings_report *report)
{
    memset(out_index, 0, sizeof *out_index);
    scanner s = {.p = text,
                 .end = text + length,
                 .line = 1,
                 .column = 1,
                 .index = out_index,
                 .report = report,
                 .status = SETTINGS_OK};
    if (path_append(&s, "$", 1))
        scan_value(&s);
    free(s.path);
    qsort(out_index->entries, out_index->count, sizeof *out_index->entries, compare_positions);
    return s.status;
}

const settings_position *settings_position_find(const settings_position_index *index,
                                                const char *path)
{
    settings_position key = {(char *)path, 0, 0};
    if (index->count == 0)
        return NULL;
    return bsearch(&key, index->entries, index->count, sizeof key, compare_positions);
}

void settings_position_index_dispose(settings_position_index *index)
{
    if (index == NULL)
        return;
    for (size_t i = 0; i < index->count; i++)
        free(index->entries[i].path);
    free(index->entries);
    memset(index, 0, sizeof *index);
}
