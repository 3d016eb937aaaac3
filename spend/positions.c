/* Where each value of a JSON document starts (jansson keeps no positions), so definition
 * errors can say FILE:LINE:COL. One pass over text already known to be valid JSON. */
#include "spend/spend_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

typedef struct scanner {
    const char *p, *end;
    int line, column, depth;
    char *path;
    size_t path_length, path_capacity;
    spend_positions *out;
    bool ok;
} scanner;

static void advance(scanner *s)
{
    if (*s->p == '\n') {
        s->line++;
        s->column = 1;
    } else if (((unsigned char)*s->p & 0xC0) != 0x80) {
        s->column++; /* count characters, not UTF-8 continuation bytes */
    }
    s->p++;
}

static void skip_space(scanner *s)
{
    while (s->p < s->end && isspace((unsigned char)*s->p))
        advance(s);
}

static void path_push(scanner *s, const char *text, size_t length)
{
    if (s->path_length + length + 1 > s->path_capacity) {
        size_t capacity = (s->path_capacity + length + 1) * 2;
        char *grown = realloc(s->path, capacity);
        if (grown == NULL) {
            s->ok = false;
            return;
        }
        s->path = grown;
        s->path_capacity = capacity;
    }
    memcpy(s->path + s->path_length, text, length);
    s->path_length += length;
    s->path[s->path_length] = '\0';
}

static void record(scanner *s)
{
    spend_positions *out = s->out;
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 64;
        spend_position *grown = realloc(out->entries, capacity * sizeof *grown);
        if (grown == NULL) {
            s->ok = false;
            return;
        }
        out->entries = grown;
        out->capacity = capacity;
    }
    char *path = strdup(s->path);
    if (path == NULL) {
        s->ok = false;
        return;
    }
    out->entries[out->count++] = (spend_position){path, s->line, s->column};
}

static void skip_string(scanner *s, const char **text, size_t *length)
{
    advance(s); /* '"' */
    const char *start = s->p;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            advance(s);
        advance(s);
    }
    *text = start;
    *length = (size_t)(s->p - start);
    if (s->p < s->end)
        advance(s);
}

static void scan_value(scanner *s);

static void scan_container(scanner *s, bool object)
{
    char close = object ? '}' : ']';
    advance(s);
    skip_space(s);
    if (s->p < s->end && *s->p == close) {
        advance(s);
        return;
    }
    for (size_t i = 0; s->ok && s->p < s->end; i++) {
        size_t base = s->path_length;
        skip_space(s);
        if (object) {
            const char *key = NULL;
            size_t length = 0;
            if (s->p >= s->end || *s->p != '"') {
                s->ok = false;
                return;
            }
            skip_string(s, &key, &length);
            path_push(s, ".", 1);
            path_push(s, key, length);
            skip_space(s);
            if (s->p < s->end && *s->p == ':')
                advance(s);
        } else {
            char item[32];
            int n = snprintf(item, sizeof item, "[%zu]", i);
            path_push(s, item, (size_t)n);
        }
        scan_value(s);
        s->path_length = base;
        s->path[base] = '\0';
        skip_space(s);
        if (s->p < s->end && *s->p == ',') {
            advance(s);
            continue;
        }
        if (s->p < s->end && *s->p == close)
            advance(s);
        return;
    }
}

static void scan_value(scanner *s)
{
    skip_space(s);
    if (!s->ok || s->p >= s->end || ++s->depth > MAX_DEPTH) {
        s->ok = false;
        return;
    }
    record(s);
    if (*s->p == '{' || *s->p == '[') {
        scan_container(s, *s->p == '{');
    } else if (*s->p == '"') {
        const char *text;
        size_t length;
        skip_string(s, &text, &length);
    } else {
        while (s->p < s->end && !isspace((unsigned char)*s->p) && strchr(",]}", *s->p) == NULL)
            advance(s);
    }
    s->depth--;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const spend_position *)a)->path, ((const spend_position *)b)->path);
}

spend_status spend_positions_index(const char *text, size_t length, spend_positions *out)
{
    memset(out, 0, sizeof *out);
    scanner s = {.p = text, .end = text + length, .line = 1, .column = 1, .out = out, .ok = true};
    path_push(&s, "$", 1);
    if (s.ok)
        scan_value(&s);
    free(s.path);
    if (out->count > 0)
        qsort(out->entries, out->count, sizeof *out->entries, compare_paths);
    /* A scan that stopped early still leaves useful positions; only memory is fatal. */
    return out->entries == NULL && length > 0 ? SPEND_E_NOMEM : SPEND_OK;
}

void spend_positions_find(const spend_positions *positions, const char *path, int *out_line,
                          int *out_column)
{
    *out_line = 0;
    *out_column = 0;
    if (positions == NULL || positions->count == 0)
        return;
    spend_position key = {(char *)path, 0, 0};
    const spend_position *found =
        bsearch(&key, positions->entries, positions->count, sizeof key, compare_paths);
    if (found != NULL) {
        *out_line = found->line;
        *out_column = found->column;
    }
}

void spend_positions_dispose(spend_positions *positions)
{
    for (size_t i = 0; i < positions->count; i++)
        free(positions->entries[i].path);
    free(positions->entries);
    memset(positions, 0, sizeof *positions);
}
