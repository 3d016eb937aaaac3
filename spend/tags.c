/* The Tags cell: a JSON object of tag names to values, parsed once per distinct value a
 * condition asks about. Older Azure exports drop the braces ("k": "v","k2": "v2"); both are read.
 */
#include "spend/spend_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct cursor {
    const char *p, *end;
    char *out; /* decode buffer for strings with escapes */
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool read_hex4(cursor *c, unsigned *out)
{
    if (c->end - c->p < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex(c->p[i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    c->p += 4;
    *out = v;
    return true;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* A JSON string: points into the cell when it has no escapes, else into the decode buffer
 * (decoded text is never longer than its escaped form). */
static bool read_string(cursor *c, const char **out, size_t *out_length)
{
    if (c->p >= c->end || *c->p != '"')
        return false;
    const char *start = ++c->p;
    const char *q = start;
    while (q < c->end && *q != '"' && *q != '\\')
        q++;
    if (q < c->end && *q == '"') {
        *out = start;
        *out_length = (size_t)(q - start);
        c->p = q + 1;
        return true;
    }
    char *o = c->out, *begin = c->out;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p != '\\') {
            *o++ = *c->p++;
            continue;
        }
        if (++c->p >= c->end)
            return false;
        char e = *c->p++;
        switch (e) {
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            unsigned cp, low;
            if (!read_hex4(c, &cp))
                return false;
            if (cp >= 0xD800 && cp < 0xDC00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
                c->p[1] == 'u') {
                c->p += 2;
                if (!read_hex4(c, &low) || low < 0xDC00 || low > 0xDFFF)
                    return false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            o = put_utf8(o, cp);
            break;
        }
        default:
            *o++ = e; /* \" \\ \/ */
            break;
        }
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    c->out = o;
    *out = begin;
    *out_length = (size_t)(o - begin);
    return true;
}

/* Non-string values (numbers, booleans, nested JSON) are kept as their raw text. */
static bool read_raw(cursor *c, const char **out, size_t *out_length)
{
    const char *start = c->p;
    int depth = 0;
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch == '"') {
            const char *s;
            size_t n;
            if (!read_string(c, &s, &n))
                return false;
            continue;
        }
        if (ch == '{' || ch == '[')
            depth++;
        else if (ch == '}' || ch == ']') {
            if (depth == 0)
                break;
            depth--;
        } else if (ch == ',' && depth == 0)
            break;
        c->p++;
    }
    size_t n = (size_t)(c->p - start);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\n'))
        n--;
    *out = start;
    *out_length = n;
    return n > 0;
}

static bool add_tag(spend_tags *tags, const char *key, size_t key_length, const char *value,
                    size_t value_length)
{
    if (tags->count == tags->capacity) {
        size_t capacity = tags->capacity ? tags->capacity * 2 : 16;
        spend_tag *grown = realloc(tags->tags, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        tags->tags = grown;
        tags->capacity = capacity;
    }
    tags->tags[tags->count++] = (spend_tag){key, value, key_length, value_length};
    return true;
}

static bool parse(spend_tags *tags, const focus_value *cell)
{
    if (cell->length + 1 > tags->text_capacity) {
        char *grown = realloc(tags->text, cell->length + 1);
        if (grown == NULL)
            return false;
        tags->text = grown;
        tags->text_capacity = cell->length + 1;
    }
    cursor c = {cell->text, cell->text + cell->length, tags->text};
    skip_space(&c);
    if (c.p >= c.end)
        return true; /* empty: no tags */
    bool braces = *c.p == '{';
    if (braces)
        c.p++;
    for (;;) {
        skip_space(&c);
        if (c.p >= c.end)
            return !braces;
        if (braces && *c.p == '}')
            return true;
        const char *key, *value;
        size_t key_length, value_length;
        if (!read_string(&c, &key, &key_length))
            return false;
        skip_space(&c);
        if (c.p >= c.end || *c.p != ':')
            return false;
        c.p++;
        skip_space(&c);
        bool ok = c.p < c.end && *c.p == '"' ? read_string(&c, &value, &value_length)
                                             : read_raw(&c, &value, &value_length);
        if (!ok || !add_tag(tags, key, key_length, value, value_length))
            return false;
        skip_space(&c);
        if (c.p < c.end && *c.p == ',')
            c.p++;
        else if (c.p < c.end && *c.p == '}' && braces)
            return true;
        else if (c.p < c.end)
            return false;
    }
}

bool spend_tags_parse(spend_tags *tags, const focus_value *cell)
{
    tags->count = 0;
    bool valid = !cell->is_null && cell->text != NULL && parse(tags, cell);
    if (!valid)
        tags->count = 0;
    return valid;
}

void spend_tags_dispose(spend_tags *tags)
{
    free(tags->tags);
    free(tags->text);
    memset(tags, 0, sizeof *tags);
}
