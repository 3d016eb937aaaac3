/* List Blobs: one page per call (prefix, marker, maxresults), parsed from the XML reply
 * with a small scanner for the few elements the service sends. */
#include "arm/blob_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void arm_blob_list_page_init(arm_blob_list_page *page)
{
    memset(page, 0, sizeof *page);
}

void arm_blob_list_page_dispose(arm_blob_list_page *page)
{
    if (page == NULL)
        return;
    for (size_t i = 0; i < page->count; i++)
        free(page->items[i].name);
    free(page->items);
    free(page->next_marker);
    memset(page, 0, sizeof *page);
}

/* Finds <tag>…</tag> (or <tag/>) in [s, end); sets the inner range. */
static int element(const char *s, const char *end, const char *tag, const char **in_start,
                   const char **in_end)
{
    char open[64], close[64], empty[64];
    int ol = snprintf(open, sizeof open, "<%s>", tag);
    int cl = snprintf(close, sizeof close, "</%s>", tag);
    int el = snprintf(empty, sizeof empty, "<%s/>", tag);
    for (const char *p = s; p < end; p++) {
        if (*p != '<')
            continue;
        if (end - p >= el && memcmp(p, empty, (size_t)el) == 0) {
            *in_start = *in_end = p + el;
            return 1;
        }
        if (end - p >= ol && memcmp(p, open, (size_t)ol) == 0) {
            const char *b = p + ol;
            for (const char *q = b; q + cl <= end; q++) {
                if (memcmp(q, close, (size_t)cl) == 0) {
                    *in_start = b;
                    *in_end = q;
                    return 1;
                }
            }
            return 0;
        }
    }
    return 0;
}

/* Text of an element, XML entities decoded (malloc'd), or NULL when absent. */
static char *text(const char *s, const char *end, const char *tag)
{
    const char *a, *b;
    if (!element(s, end, tag, &a, &b))
        return NULL;
    char *out = malloc((size_t)(b - a) + 1), *o = out;
    if (out == NULL)
        return NULL;
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    while (a < b) {
        int done = 0;
        for (size_t k = 0; *a == '&' && k < sizeof ents / sizeof ents[0]; k++) {
            size_t n = strlen(ents[k].ent);
            if ((size_t)(b - a) >= n && memcmp(a, ents[k].ent, n) == 0) {
                *o++ = ents[k].c;
                a += n;
                done = 1;
                break;
            }
        }
        if (!done)
            *o++ = *a++;
    }
    *o = '\0';
    return out;
}

static void text_into(const char *s, const char *end, const char *tag, char *dst, size_t cap)
{
    char *t = text(s, end, tag);
    if (t != NULL)
        snprintf(dst, cap, "%s", t);
    free(t);
}

static arm_status parse_list(const char *xml, size_t len, arm_blob_list_page *page, arm_error *err)
{
    const char *end = xml + len, *blobs_a, *blobs_b;
    if (!element(xml, end, "EnumerationResults", &blobs_a, &blobs_b) &&
        strstr(xml, "<EnumerationResults") == NULL)
        return arm_error_set(err, ARM_ERR_PARSE,
                             "list reply is not an EnumerationResults "
                             "document");
    if (element(xml, end, "Blobs", &blobs_a, &blobs_b)) {
        const char *p = blobs_a, *a, *b;
        while (element(p, blobs_b, "Blob", &a, &b)) {
            arm_blob_item *grown = realloc(page->items, (page->count + 1) * sizeof *grown);
            if (grown == NULL)
                return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
            page->items = grown;
            arm_blob_item *it = &page->items[page->count];
            memset(it, 0, sizeof *it);
            it->name = text(a, b, "Name");
            if (it->name == NULL)
                return arm_error_set(err, ARM_ERR_PARSE, "list reply: a <Blob> has no <Name>");
            page->count++;
            const char *pa, *pb;
            if (element(a, b, "Properties", &pa, &pb)) {
                text_into(pa, pb, "Etag", it->props.etag, sizeof it->props.etag);
                text_into(pa, pb, "Content-Type", it->props.content_type,
                          sizeof it->props.content_type);
                text_into(pa, pb, "Last-Modified", it->props.last_modified,
                          sizeof it->props.last_modified);
                text_into(pa, pb, "LeaseState", it->props.lease_state,
                          sizeof it->props.lease_state);
                text_into(pa, pb, "CopyStatus", it->props.copy_status,
                          sizeof it->props.copy_status);
                char *n = text(pa, pb, "Content-Length");
                it->props.content_length = n != NULL ? strtoull(n, NULL, 10) : 0;
                free(n);
            }
            p = b;
        }
    }
    page->next_marker = text(xml, end, "NextMarker");
    if (page->next_marker != NULL && page->next_marker[0] == '\0') {
        free(page->next_marker);
        page->next_marker = NULL;
    }
    return ARM_OK;
}

static int append_param(char *q, size_t cap, const char *name, const char *value)
{
    char *enc = blob_encode(value, false);
    if (enc == NULL)
        return -1;
    size_t n = strlen(q);
    int w = snprintf(q + n, cap - n, "&%s=%s", name, enc);
    free(enc);
    return w < 0 || (size_t)w >= cap - n ? -1 : 0;
}

arm_status arm_blob_list(arm_blob_client *c, const char *container, const char *prefix,
                         const char *marker, int max_results, arm_blob_list_page *out_page,
                         arm_error *err)
{
    if (out_page == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_list: no page");
    arm_blob_list_page_dispose(out_page);
    if (max_results < 0 || max_results > 5000)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_blob_list: max_results %d is outside 0..5000", max_results);
    char query[4096] = "restype=container&comp=list";
    char count[16];
    snprintf(count, sizeof count, "%d", max_results);
    if ((prefix != NULL && append_param(query, sizeof query, "prefix", prefix) != 0) ||
        (marker != NULL && append_param(query, sizeof query, "marker", marker) != 0) ||
        (max_results > 0 && append_param(query, sizeof query, "maxresults", count) != 0))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_blob_list: prefix or marker "
                             "too long");
    arm_http_request req = {.method = "GET"};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, NULL, query, &req, &resp, err);
    if (st == ARM_OK)
        st = parse_list(resp.body ? resp.body : "", resp.body_len, out_page, err);
    if (st != ARM_OK)
        arm_blob_list_page_dispose(out_page);
    arm_http_response_dispose(&resp);
    return st;
}
