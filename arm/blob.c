/* Blob client: construction, URLs, the common request path, and the small operations
 * (containers, head, get, delete, copy, leases). Uploads are in blob_put.c, lists in
 * blob_list.c, signing in blob_sign.c. */
#include "arm/blob_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

arm_blob_options arm_blob_options_default(void)
{
    arm_blob_options o;
    memset(&o, 0, sizeof o);
    o.api_version = "2021-08-06";
    o.block_size = 8u * 1024 * 1024;
    o.single_put_max = 32u * 1024 * 1024;
    o.parallel_blocks = 4;
    o.copy_wait_max_s = 3600;
    return o;
}

/* The account is the host's first label (account style) or the first path segment
 * (path style, Azurite). */
static char *account_from_endpoint(const char *endpoint)
{
    const char *host = strstr(endpoint, "://");
    if (host == NULL)
        return NULL;
    host += 3;
    const char *slash = strchr(host, '/');
    if (slash != NULL && slash[1] != '\0')
        return strndup(slash + 1, strcspn(slash + 1, "/"));
    size_t n = strcspn(host, ".:/");
    return n > 0 ? strndup(host, n) : NULL;
}

static arm_status decode_key(arm_blob_client *c, const char *key, arm_error *err)
{
    size_t n = strlen(key);
    c->key = malloc(n + 1);
    if (c->key == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    int len = EVP_DecodeBlock(c->key, (const unsigned char *)key, (int)n);
    if (len <= 0 || n % 4 != 0)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "blob shared key is not valid base64 (length %zu)", n);
    /* EVP_DecodeBlock counts '=' padding as zero bytes. */
    while (n > 0 && key[n - 1] == '=') {
        n--;
        len--;
    }
    c->key_len = (size_t)len;
    return ARM_OK;
}

arm_status arm_blob_client_new(arm_http_client *http, const arm_blob_options *opts,
                               arm_blob_client **out, arm_error *err)
{
    if (out == NULL || http == NULL || opts == NULL || opts->endpoint == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_blob_client_new: needs an http client and an endpoint");
    *out = NULL;
    if (strncmp(opts->endpoint, "http://", 7) != 0 && strncmp(opts->endpoint, "https://", 8) != 0)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "blob endpoint \"%s\" must start with http:// or https://",
                             opts->endpoint);
    if (opts->shared_key != NULL && opts->tokens != NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "blob client: give a shared key or a token provider, not both");
    arm_blob_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    arm_blob_options d = arm_blob_options_default();
    c->http = http;
    c->opts = *opts;
    if (c->opts.block_size == 0)
        c->opts.block_size = d.block_size;
    if (c->opts.single_put_max == 0)
        c->opts.single_put_max = d.single_put_max;
    if (c->opts.parallel_blocks <= 0)
        c->opts.parallel_blocks = d.parallel_blocks;
    if (c->opts.copy_wait_max_s <= 0)
        c->opts.copy_wait_max_s = d.copy_wait_max_s;
    c->endpoint = strdup(opts->endpoint);
    size_t el = c->endpoint ? strlen(c->endpoint) : 0;
    while (el > 0 && c->endpoint[el - 1] == '/')
        c->endpoint[--el] = '\0';
    c->account = opts->account ? strdup(opts->account) : account_from_endpoint(opts->endpoint);
    c->api_version = strdup(opts->api_version ? opts->api_version : d.api_version);
    arm_status st = ARM_OK;
    if (c->endpoint == NULL || c->api_version == NULL)
        st = arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    else if (c->account == NULL || c->account[0] == '\0')
        st = arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "blob endpoint \"%s\" names no account",
                           opts->endpoint);
    else if (opts->shared_key != NULL)
        st = decode_key(c, opts->shared_key, err);
    if (st != ARM_OK) {
        arm_blob_client_free(c);
        return st;
    }
    c->opts.endpoint = c->endpoint;
    c->opts.account = c->account;
    c->opts.api_version = c->api_version;
    c->opts.shared_key = NULL; /* only the decoded copy is kept */
    c->retry = opts->retry ? *opts->retry : arm_retry_policy_default();
    c->signer.ctx = c;
    c->signer.sign = blob_shared_key_sign;
    c->pipeline.http = http;
    c->pipeline.retry = &c->retry;
    c->pipeline.tokens = opts->tokens;
    c->pipeline.resource = ARM_BLOB_STORAGE_RESOURCE;
    c->pipeline.signer = c->key != NULL ? &c->signer : NULL;
    *out = c;
    return ARM_OK;
}

void arm_blob_client_free(arm_blob_client *c)
{
    if (c == NULL)
        return;
    if (c->key != NULL)
        explicit_bzero(c->key, c->key_len);
    free(c->key);
    free(c->endpoint);
    free(c->account);
    free(c->api_version);
    free(c);
}

char *blob_encode(const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *o = malloc(n * 3 + 1), *p = o;
    if (o == NULL)
        return NULL;
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    *p = '\0';
    return o;
}

char *blob_url_build(const arm_blob_client *c, const char *container, const char *blob,
                     const char *query)
{
    char *ec = container ? blob_encode(container, false) : strdup("");
    char *eb = blob ? blob_encode(blob, true) : strdup("");
    char *url = NULL;
    if (ec != NULL && eb != NULL &&
        asprintf(&url, "%s/%s%s%s%s%s", c->endpoint, ec, blob ? "/" : "", eb, query ? "?" : "",
                 query ? query : "") < 0)
        url = NULL;
    free(ec);
    free(eb);
    return url;
}

char *arm_blob_url(const arm_blob_client *c, const char *container, const char *blob)
{
    return c != NULL && container != NULL ? blob_url_build(c, container, blob, NULL) : NULL;
}

arm_status blob_request_build(const arm_blob_client *c, const char *container, const char *blob,
                              const char *query, const arm_http_request *req, arm_http_request *out,
                              arm_error *err)
{
    memset(out, 0, sizeof *out);
    if (c == NULL || container == NULL || container[0] == '\0')
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "blob call needs a container name");
    if (blob != NULL && blob[0] == '\0')
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "blob name is empty");
    char *url = blob_url_build(c, container, blob, query);
    arm_http_header *hs = calloc(req->header_count + 1, sizeof *hs);
    if (url == NULL || hs == NULL) {
        free(url);
        free(hs);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    if (req->header_count > 0)
        memcpy(hs, req->headers, req->header_count * sizeof *hs);
    hs[req->header_count] = (arm_http_header){"x-ms-version", c->api_version};
    *out = *req;
    out->url = url;
    out->headers = hs;
    out->header_count = req->header_count + 1;
    return ARM_OK;
}

void blob_request_release(arm_http_request *built)
{
    free((char *)built->url);
    free((arm_http_header *)built->headers);
    built->url = NULL;
    built->headers = NULL;
}

arm_status blob_send(arm_blob_client *c, const char *container, const char *blob, const char *query,
                     arm_http_request *req, arm_http_response *resp, arm_error *err)
{
    arm_http_request r;
    arm_status st = blob_request_build(c, container, blob, query, req, &r, err);
    if (st != ARM_OK)
        return st;
    st = arm_pipeline_send(&c->pipeline, "", &r, resp, err);
    blob_request_release(&r);
    return st;
}

void blob_add_conditions(const arm_blob_conditions *cond, arm_http_header *hs, size_t *n)
{
    if (cond == NULL)
        return;
    if (cond->if_match != NULL)
        hs[(*n)++] = (arm_http_header){"If-Match", cond->if_match};
    if (cond->if_none_match != NULL)
        hs[(*n)++] = (arm_http_header){"If-None-Match", cond->if_none_match};
    if (cond->lease_id != NULL)
        hs[(*n)++] = (arm_http_header){"x-ms-lease-id", cond->lease_id};
}

static void copy_header(const arm_http_response *r, const char *name, char *dst, size_t cap)
{
    const char *v = arm_http_response_header(r, name);
    if (v != NULL)
        snprintf(dst, cap, "%s", v);
}

void blob_props_from_response(const arm_http_response *r, arm_blob_properties *p)
{
    if (p == NULL)
        return;
    memset(p, 0, sizeof *p);
    copy_header(r, "ETag", p->etag, sizeof p->etag);
    copy_header(r, "Content-Type", p->content_type, sizeof p->content_type);
    copy_header(r, "Last-Modified", p->last_modified, sizeof p->last_modified);
    copy_header(r, "x-ms-lease-state", p->lease_state, sizeof p->lease_state);
    copy_header(r, "x-ms-copy-status", p->copy_status, sizeof p->copy_status);
    copy_header(r, "x-ms-copy-id", p->copy_id, sizeof p->copy_id);
    copy_header(r, "x-ms-copy-progress", p->copy_progress, sizeof p->copy_progress);
    const char *len = arm_http_response_header(r, "Content-Length");
    if (len != NULL)
        p->content_length = strtoull(len, NULL, 10);
}

/* Runs a body-less request and fills props from the reply headers. */
static arm_status simple(arm_blob_client *c, const char *method, const char *container,
                         const char *blob, const char *query, const arm_http_header *hs, size_t n,
                         arm_blob_properties *props, arm_error *err)
{
    arm_http_request req = {.method = method, .headers = hs, .header_count = n};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, query, &req, &resp, err);
    if (st == ARM_OK)
        blob_props_from_response(&resp, props);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_blob_create_container(arm_blob_client *c, const char *container, bool *out_created,
                                     arm_error *err)
{
    arm_error local;
    if (err == NULL)
        err = &local;
    if (out_created != NULL)
        *out_created = false;
    arm_status st = simple(c, "PUT", container, NULL, "restype=container", NULL, 0, NULL, err);
    if (st == ARM_ERR_HTTP && err->http_status == 409 &&
        strcmp(err->code, "ContainerAlreadyExists") == 0) {
        arm_error_init(err);
        return ARM_OK;
    }
    if (st == ARM_OK && out_created != NULL)
        *out_created = true;
    return st;
}

arm_status arm_blob_delete_container(arm_blob_client *c, const char *container, arm_error *err)
{
    return simple(c, "DELETE", container, NULL, "restype=container", NULL, 0, NULL, err);
}

arm_status arm_blob_head(arm_blob_client *c, const char *container, const char *blob,
                         arm_blob_properties *out_props, arm_error *err)
{
    if (blob == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_head: no blob name");
    return simple(c, "HEAD", container, blob, NULL, NULL, 0, out_props, err);
}

arm_status arm_blob_delete(arm_blob_client *c, const char *container, const char *blob,
                           const arm_blob_conditions *cond, arm_error *err)
{
    if (blob == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_delete: no blob name");
    arm_http_header hs[4];
    size_t n = 0;
    blob_add_conditions(cond, hs, &n);
    return simple(c, "DELETE", container, blob, NULL, hs, n, NULL, err);
}
