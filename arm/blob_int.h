/* Internals shared by the Blob client's files: the client struct, URL building, the common
 * request path and Shared Key signing. Not part of the public API. */
#ifndef HUBAGENT_ARM_BLOB_INT_H
#define HUBAGENT_ARM_BLOB_INT_H

#include "arm/blob.h"

struct arm_blob_client {
    arm_http_client *http;
    arm_blob_options opts;
    char *endpoint;
    char *account;
    char *api_version;
    unsigned char *key; /* decoded Shared Key, wiped on free */
    size_t key_len;
    arm_retry_policy retry;
    arm_request_signer signer;
    arm_pipeline pipeline;
};

/* Percent-encodes everything but unreserved characters (and '/' when keep_slash). */
char *blob_encode(const char *s, bool keep_slash);

/* endpoint/container[/blob][?query] with container and blob encoded; query is used as is. */
char *blob_url_build(const arm_blob_client *c, const char *container, const char *blob,
                     const char *query);

/* Copies req with url = container/blob?query and the version header added (allocated in out:
 * release with blob_request_release). */
arm_status blob_request_build(const arm_blob_client *c, const char *container, const char *blob,
                              const char *query, const arm_http_request *req, arm_http_request *out,
                              arm_error *err);
void blob_request_release(arm_http_request *built);

/* Sends one request to container/blob?query with the client's version header and auth.
 * req supplies method, extra headers, body and sink; its url is filled here. */
arm_status blob_send(arm_blob_client *c, const char *container, const char *blob, const char *query,
                     arm_http_request *req, arm_http_response *resp, arm_error *err);

/* Adds the condition headers to hs (capacity ≥ *n + 3). */
void blob_add_conditions(const arm_blob_conditions *cond, arm_http_header *hs, size_t *n);

void blob_props_from_response(const arm_http_response *resp, arm_blob_properties *props);

/* The arm_request_signer callback for Shared Key (ctx = the client). */
arm_status blob_shared_key_sign(void *ctx, const arm_http_request *request, arm_http_field *out,
                                size_t *out_count, arm_error *err);

/* The Shared Key string-to-sign for a request (malloc'd); exposed for unit tests.
 * date is the x-ms-date value the request will carry. */
char *blob_string_to_sign(const char *account, const arm_http_request *request, const char *date);

/* Single-shot and block-list uploads (blob_put.c). */
arm_status blob_put_blocks(arm_blob_client *c, const char *container, const char *blob,
                           const arm_blob_source *src, int fd, const char *content_type,
                           const arm_blob_conditions *cond, arm_blob_properties *out_props,
                           arm_error *err);

#endif
