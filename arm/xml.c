/* Element lookup and entity decoding for the XML that Blob Storage sends. */
#include "arm/xml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *find(const char *s, const char *end, const char *needle, bool ignore_case)
{
    size_t n = strlen(needle);
    for (const char *p = s; p + n <= end; p++) {
        if ((ignore_case ? strncasecmp(p, needle, n) : strncmp(p, needle, n)) == 0)
            return p;
    }
    return NULL;
}

static bool at(const char *p, const char *end, const char *text, bool ignore_case)
{
    size_t n = strlen(text);
    return (size_t)(end - p) >= n &&
           (ignore_case ? strncasecmp(p, text, n) : strncmp(p, text, n)) == 0;
}

bool arm_xml_find(const char *s, const char *end, const char *tag, bool ignore_case,
                  const char **out_start, const char **out_end)
{
    char open[64], close[64], empty[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    snprintf(empty, sizeof empty, "<%s/>", tag);
    /* One pass over the text: lists can be megabytes long and are scanned element by
     * element, so each lookup must stop at the first match. */
    for (const char *p = s; p < end; p++) {
        if (*p != '<')
            continue;
        if (at(p, end, empty, ignore_case)) {
            *out_start = *out_end = p + strlen(empty);
            return true;
        }
        if (at(p, end, open, ignore_case)) {
            *out_start = p + strlen(open);
            const char *c = find(*out_start, end, close, ignore_case);
            *out_end = c != NULL ? c : end;
            return true;
        }
    }
    return false;
}

char *arm_xml_text(const char *s, const char *end, const char *tag, bool ignore_case)
{
    const char *a, *b;
    if (!arm_xml_find(s, end, tag, ignore_case, &a, &b))
        return NULL;
    char *out = malloc((size_t)(b - a) + 1), *o = out;
    if (out == NULL)
        return NULL;
    static const struct {
        const char *entity;
        char c;
    } entities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    while (a < b) {
        bool decoded = false;
        for (size_t k = 0; *a == '&' && k < sizeof entities / sizeof entities[0]; k++) {
            size_t n = strlen(entities[k].entity);
            if ((size_t)(b - a) >= n && memcmp(a, entities[k].entity, n) == 0) {
                *o++ = entities[k].c;
                a += n;
                decoded = true;
                break;
            }
        }
        if (!decoded)
            *o++ = *a++;
    }
    *o = '\0';
    return out;
}
