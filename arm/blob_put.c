/* Block blob uploads: one Put Blob for small sources, else Put Block (several in flight,
 * each from a bounded buffer or straight from memory) and Put Block List. */
#include "arm/blob_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fd_reader {
    int fd;
} fd_reader;

static size_t fd_read(void *ctx, char *buf, size_t len)
{
    fd_reader *r = ctx;
    for (;;) {
        ssize_t n = read(r->fd, buf, len);
        if (n >= 0)
            return (size_t)n;
        if (errno != EINTR)
            return ARM_HTTP_READ_ABORT;
    }
}

static int fd_rewind(void *ctx)
{
    return lseek(((fd_reader *)ctx)->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/* Headers common to Put Blob and Put Block List. */
static size_t put_headers(arm_http_header *hs, const char *content_type,
                          const arm_blob_conditions *cond, bool single)
{
    size_t n = 0;
    if (single)
        hs[n++] = (arm_http_header){"x-ms-blob-type", "BlockBlob"};
    if (content_type != NULL)
        hs[n++] = (arm_http_header){"x-ms-blob-content-type", content_type};
    blob_add_conditions(cond, hs, &n);
    return n;
}

static arm_status put_single(arm_blob_client *c, const char *container, const char *blob,
                             const arm_blob_source *src, int fd, uint64_t length,
                             const char *content_type, const arm_blob_conditions *cond,
                             arm_blob_properties *out_props, arm_error *err)
{
    arm_http_header hs[6];
    fd_reader reader = {fd};
    arm_http_request req = {.method = "PUT", .headers = hs, .total_timeout_ms = -1};
    req.header_count = put_headers(hs, content_type, cond, true);
    if (fd >= 0) {
        req.body_read = fd_read;
        req.body_rewind = fd_rewind;
        req.body_ctx = &reader;
        req.body_length = length;
    } else if (src->read != NULL) {
        req.body_read = src->read;
        req.body_rewind = src->rewind;
        req.body_ctx = src->ctx;
        req.body_length = length;
    } else {
        req.body = src->data != NULL ? src->data : "";
        req.body_len = src->data_len;
    }
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, NULL, &req, &resp, err);
    if (st == ARM_OK)
        blob_props_from_response(&resp, out_props);
    arm_http_response_dispose(&resp);
    return st;
}

/* Block ids must all have the same length: base64 of a 16-digit index. */
static void block_id(uint64_t index, char out[32])
{
    char raw[24]; /* 16 digits: far more than the 50 000 blocks a blob may have */
    snprintf(raw, sizeof raw, "%016llu", (unsigned long long)index);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, 16);
}

/* Fills buf with up to want bytes of the source at offset (files: pread; callbacks: read in
 * order). Returns bytes read, or -1 on error. */
static long long fill(const arm_blob_source *src, int fd, uint64_t offset, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n;
        if (fd >= 0) {
            n = pread(fd, buf + got, want - got, (off_t)(offset + got));
            if (n < 0 && errno == EINTR)
                continue;
        } else {
            size_t r = src->read(src->ctx, buf + got, want - got);
            n = r == ARM_HTTP_READ_ABORT ? -1 : (ssize_t)r;
        }
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long long)got;
}

/* Sends one round of blocks concurrently. */
static arm_status send_blocks(arm_blob_client *c, const char *container, const char *blob,
                              const char *lease_id, uint64_t first, size_t count,
                              const char *const *data, const size_t *lens, arm_error *err)
{
    arm_http_request built[64];
    arm_http_exchange x[64];
    memset(built, 0, sizeof built);
    memset(x, 0, sizeof x);
    arm_http_header hs[1] = {{"x-ms-lease-id", lease_id}};
    arm_status st = ARM_OK;
    size_t made = 0;
    for (; made < count && st == ARM_OK; made++) {
        char id[32], query[96];
        block_id(first + made, id);
        char *enc = blob_encode(id, false);
        if (enc == NULL) {
            st = arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
            break;
        }
        snprintf(query, sizeof query, "comp=block&blockid=%s", enc);
        free(enc);
        arm_http_request r = {.method = "PUT",
                              .headers = hs,
                              .header_count = lease_id ? 1 : 0,
                              .body = data[made],
                              .body_len = lens[made],
                              .total_timeout_ms = -1};
        st = blob_request_build(c, container, blob, query, &r, &built[made], err);
        x[made].request = &built[made];
    }
    if (st == ARM_OK)
        st = arm_pipeline_send_all(&c->pipeline, NULL, x, count, err);
    for (size_t i = 0; st == ARM_OK && i < count; i++) {
        if (x[i].status != ARM_OK) {
            st = x[i].status;
            if (err != NULL)
                *err = x[i].error;
        }
    }
    arm_http_exchange_dispose(x, count);
    for (size_t i = 0; i < count; i++)
        blob_request_release(&built[i]);
    return st;
}

static arm_status commit_blocks(arm_blob_client *c, const char *container, const char *blob,
                                uint64_t blocks, const char *content_type,
                                const arm_blob_conditions *cond, arm_blob_properties *out_props,
                                arm_error *err)
{
    size_t cap = 64 + (size_t)blocks * 48;
    char *xml = malloc(cap);
    if (xml == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory for a block list");
    size_t len =
        (size_t)snprintf(xml, cap, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for (uint64_t i = 0; i < blocks; i++) {
        char id[32];
        block_id(i, id);
        len += (size_t)snprintf(xml + len, cap - len, "<Latest>%s</Latest>", id);
    }
    len += (size_t)snprintf(xml + len, cap - len, "</BlockList>");
    arm_http_header hs[6];
    arm_http_request req = {.method = "PUT", .headers = hs, .body = xml, .body_len = len};
    req.header_count = put_headers(hs, content_type, cond, false);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, "comp=blocklist", &req, &resp, err);
    if (st == ARM_OK)
        blob_props_from_response(&resp, out_props);
    arm_http_response_dispose(&resp);
    free(xml);
    return st;
}

arm_status blob_put_blocks(arm_blob_client *c, const char *container, const char *blob,
                           const arm_blob_source *src, int fd, const char *content_type,
                           const arm_blob_conditions *cond, arm_blob_properties *out_props,
                           arm_error *err)
{
    uint64_t length = src->length;
    size_t bs = c->opts.block_size;
    size_t parallel = (size_t)c->opts.parallel_blocks > 64 ? 64 : (size_t)c->opts.parallel_blocks;
    bool from_memory = fd < 0 && src->read == NULL;
    char *buffers = from_memory ? NULL : malloc(parallel * bs);
    if (!from_memory && buffers == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY,
                             "cannot allocate %zu upload buffers of %zu "
                             "bytes",
                             parallel, bs);
    const char *lease_id = cond != NULL ? cond->lease_id : NULL;
    uint64_t offset = 0, index = 0;
    arm_status st = ARM_OK;
    while (st == ARM_OK && offset < length) {
        const char *data[64];
        size_t lens[64], k = 0;
        for (; k < parallel && offset < length; k++) {
            size_t want = length - offset < bs ? (size_t)(length - offset) : bs;
            if (from_memory) {
                data[k] = (const char *)src->data + offset;
            } else {
                long long got = fill(src, fd, offset, buffers + k * bs, want);
                if (got != (long long)want) {
                    st = arm_error_set(err, got < 0 ? ARM_ERR_IO : ARM_ERR_CALLBACK,
                                       "upload source ended or failed at byte %llu of %llu",
                                       (unsigned long long)(offset + (got > 0 ? got : 0)),
                                       (unsigned long long)length);
                    break;
                }
                data[k] = buffers + k * bs;
            }
            lens[k] = want;
            offset += want;
        }
        if (st == ARM_OK)
            st = send_blocks(c, container, blob, lease_id, index, k, data, lens, err);
        index += k;
    }
    free(buffers);
    if (st == ARM_OK)
        st = commit_blocks(c, container, blob, index, content_type, cond, out_props, err);
    return st;
}

arm_status arm_blob_put(arm_blob_client *c, const char *container, const char *blob,
                        const arm_blob_source *source, const char *content_type,
                        const arm_blob_conditions *cond, arm_blob_properties *out_props,
                        arm_error *err)
{
    if (c == NULL || source == NULL || blob == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_put: NULL argument");
    int kinds = (source->data != NULL) + (source->path != NULL) + (source->read != NULL);
    if (kinds > 1)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_blob_put: give one of data, path or read");
    arm_blob_source src = *source;
    int fd = -1;
    if (src.path != NULL) {
        fd = open(src.path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0) {
            arm_status st =
                arm_error_set(err, ARM_ERR_IO, "cannot read %s: %s", src.path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return st;
        }
        src.length = (uint64_t)sb.st_size;
    } else if (src.read == NULL) {
        src.length = src.data_len;
    }
    arm_status st;
    if (src.length <= c->opts.single_put_max)
        st = put_single(c, container, blob, &src, fd, src.length, content_type, cond, out_props,
                        err);
    else
        st = blob_put_blocks(c, container, blob, &src, fd, content_type, cond, out_props, err);
    if (fd >= 0)
        close(fd);
    return st;
}
