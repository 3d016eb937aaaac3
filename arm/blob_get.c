/* Blob downloads (streamed to a file or callback, ranged), server-side copy with waiting,
 * and leases. */
#include "arm/blob_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct file_sink {
    int fd;
} file_sink;

static int file_write(void *ctx, const char *data, size_t len)
{
    file_sink *f = ctx;
    while (len > 0) {
        ssize_t n = write(f->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int file_rewind(void *ctx)
{
    file_sink *f = ctx;
    return ftruncate(f->fd, 0) == 0 && lseek(f->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

static arm_status get_to(arm_blob_client *c, const char *container, const char *blob,
                         const arm_blob_sink *sink, arm_http_write_fn write,
                         arm_http_rewind_fn rewind, void *ctx, const arm_blob_conditions *cond,
                         arm_blob_properties *out_props, arm_error *err)
{
    arm_http_header hs[5];
    size_t n = 0;
    blob_add_conditions(cond, hs, &n);
    char range[64];
    if (sink->range_start > 0 || sink->range_length > 0) {
        if (sink->range_length > 0)
            snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)sink->range_start,
                     (unsigned long long)(sink->range_start + sink->range_length - 1));
        else
            snprintf(range, sizeof range, "bytes=%llu-", (unsigned long long)sink->range_start);
        hs[n++] = (arm_http_header){"x-ms-range", range};
    }
    arm_http_request req = {.method = "GET",
                            .headers = hs,
                            .header_count = n,
                            .response_write = write,
                            .response_rewind = rewind,
                            .response_ctx = ctx,
                            .total_timeout_ms = -1}; /* large blobs: the low-speed limit guards */
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, NULL, &req, &resp, err);
    if (st == ARM_OK)
        blob_props_from_response(&resp, out_props);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_blob_get(arm_blob_client *c, const char *container, const char *blob,
                        const arm_blob_sink *sink, const arm_blob_conditions *cond,
                        arm_blob_properties *out_props, arm_error *err)
{
    if (sink == NULL || blob == NULL || (sink->path == NULL) == (sink->write == NULL))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_blob_get: needs a blob and exactly one of sink path or write");
    if (sink->write != NULL)
        return get_to(c, container, blob, sink, sink->write, sink->rewind, sink->ctx, cond,
                      out_props, err);
    /* Into PATH.partial, renamed on success, so a reader never sees half a file. */
    char *partial = NULL;
    if (asprintf(&partial, "%s.partial", sink->path) < 0)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    file_sink f = {open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) {
        arm_status st =
            arm_error_set(err, ARM_ERR_IO, "cannot create %s: %s", partial, strerror(errno));
        free(partial);
        return st;
    }
    arm_status st =
        get_to(c, container, blob, sink, file_write, file_rewind, &f, cond, out_props, err);
    if (st == ARM_ERR_CALLBACK)
        st = arm_error_set(err, ARM_ERR_IO, "cannot write %s: %s", partial, strerror(errno));
    if (close(f.fd) != 0 && st == ARM_OK)
        st = arm_error_set(err, ARM_ERR_IO, "cannot write %s: %s", partial, strerror(errno));
    if (st == ARM_OK && rename(partial, sink->path) != 0)
        st = arm_error_set(err, ARM_ERR_IO, "cannot rename %s to %s: %s", partial, sink->path,
                           strerror(errno));
    if (st != ARM_OK)
        unlink(partial);
    free(partial);
    return st;
}

arm_status arm_blob_get_bytes(arm_blob_client *c, const char *container, const char *blob,
                              char **out_data, size_t *out_len, arm_error *err)
{
    if (out_data == NULL || blob == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_get_bytes: NULL argument");
    *out_data = NULL;
    if (out_len != NULL)
        *out_len = 0;
    arm_http_request req = {.method = "GET"};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, NULL, &req, &resp, err);
    if (st == ARM_OK) {
        *out_data = resp.body != NULL ? resp.body : strdup("");
        if (out_len != NULL)
            *out_len = resp.body_len;
        resp.body = NULL;
        if (*out_data == NULL)
            st = arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_blob_copy(arm_blob_client *c, const char *container, const char *blob,
                         const char *source_url, bool wait, arm_blob_properties *out_props,
                         arm_error *err)
{
    if (blob == NULL || source_url == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_blob_copy: NULL argument");
    arm_blob_properties props;
    arm_http_header hs[] = {{"x-ms-copy-source", source_url}};
    arm_http_request req = {.method = "PUT", .headers = hs, .header_count = 1};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, NULL, &req, &resp, err);
    blob_props_from_response(&resp, &props);
    arm_http_response_dispose(&resp);
    const arm_clock *clock = &c->retry.clock;
    double start = clock->now(clock->ctx), delay = 0.5;
    /* A pending copy runs in the service; poll its status with a growing interval. */
    while (st == ARM_OK && wait && strcasecmp(props.copy_status, "pending") == 0) {
        if (clock->now(clock->ctx) - start > c->opts.copy_wait_max_s) {
            st = arm_error_set(err, ARM_ERR_TIMEOUT, "copy to %s/%s still pending after %.0f s",
                               container, blob, c->opts.copy_wait_max_s);
            break;
        }
        clock->sleep(clock->ctx, delay);
        delay = delay * 2 > 15 ? 15 : delay * 2;
        st = arm_blob_head(c, container, blob, &props, err);
    }
    if (st == ARM_OK && props.copy_status[0] != '\0' &&
        strcasecmp(props.copy_status, "success") != 0 &&
        strcasecmp(props.copy_status, "pending") != 0) {
        st = arm_error_set(err, ARM_ERR_HTTP, "copy to %s/%s ended with status %s", container, blob,
                           props.copy_status);
        if (err != NULL)
            snprintf(err->code, sizeof err->code, "Copy%s", props.copy_status);
    }
    if (out_props != NULL)
        *out_props = props;
    return st;
}

static arm_status lease(arm_blob_client *c, const char *container, const char *blob,
                        const char *action, const char *lease_id, const char *duration,
                        const char *proposed, char *out_id, arm_error *err)
{
    if (blob == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "lease: no blob name");
    arm_http_header hs[4];
    size_t n = 0;
    hs[n++] = (arm_http_header){"x-ms-lease-action", action};
    if (lease_id != NULL)
        hs[n++] = (arm_http_header){"x-ms-lease-id", lease_id};
    if (duration != NULL)
        hs[n++] = (arm_http_header){"x-ms-lease-duration", duration};
    if (proposed != NULL)
        hs[n++] = (arm_http_header){"x-ms-proposed-lease-id", proposed};
    arm_http_request req = {.method = "PUT", .headers = hs, .header_count = n};
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = blob_send(c, container, blob, "comp=lease", &req, &resp, err);
    if (st == ARM_OK && out_id != NULL) {
        const char *id = arm_http_response_header(&resp, "x-ms-lease-id");
        snprintf(out_id, 64, "%s", id != NULL ? id : "");
        if (id == NULL)
            st = arm_error_set(err, ARM_ERR_PARSE, "lease reply has no x-ms-lease-id");
    }
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_blob_lease_acquire(arm_blob_client *c, const char *container, const char *blob,
                                  int duration_s, const char *proposed_id, char out_lease_id[64],
                                  arm_error *err)
{
    if (duration_s != -1 && (duration_s < 15 || duration_s > 60))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "lease duration %d s: use 15 to 60, or -1 for infinite", duration_s);
    char duration[16];
    snprintf(duration, sizeof duration, "%d", duration_s);
    return lease(c, container, blob, "acquire", NULL, duration, proposed_id, out_lease_id, err);
}

arm_status arm_blob_lease_renew(arm_blob_client *c, const char *container, const char *blob,
                                const char *lease_id, arm_error *err)
{
    if (lease_id == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "lease renew: no lease id");
    return lease(c, container, blob, "renew", lease_id, NULL, NULL, NULL, err);
}

arm_status arm_blob_lease_release(arm_blob_client *c, const char *container, const char *blob,
                                  const char *lease_id, arm_error *err)
{
    if (lease_id == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "lease release: no lease id");
    return lease(c, container, blob, "release", lease_id, NULL, NULL, NULL, err);
}
