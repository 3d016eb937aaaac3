/* List Blobs: one page per call (prefix, marker, maxresults), parsed from the XML reply
 * with a small scanner for the few elements the service sends. */
#include "arm/blob_int.h"
#include "arm/xml_int.h"

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

static bool element(const char *s, const char *end, const char *tag, const char **a, const char **b)
{
    return arm_xml_find(s, end, tag, false, a, b);
}

static char *text(const char *s, const char *end, const char *tag)
{
    return arm_xml_text(s, end, tag, false);
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
