/* Buffered file output with optional gzip (zlib, gzip wrapper) and input that detects and
 * inflates gzip. Errors name the file and, for input, the offset reached. */
#include "focus/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_BUFFER (256 * 1024)

static focus_status io_error(focus_error *error, const char *path, int64_t offset, const char *what)
{
    return focus_fail(error, FOCUS_IO, path, offset, -1, "%s %s: %s", what, path,
                      strerror(errno ? errno : EIO));
}

focus_status focus_output_open(focus_output *out, const char *path, bool gzip, focus_error *error)
{
    memset(out, 0, sizeof(*out));
    out->path = strdup(path);
    out->buffer = malloc(STREAM_BUFFER);
    if (!out->path || !out->buffer) {
        free(out->path);
        free(out->buffer);
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory to write %s", path);
    }
    out->gzip = gzip;
    /* Level 6 (zlib's default) with the gzip wrapper: what `gzip` itself writes. */
    if (gzip && deflateInit2(&out->z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(out->path);
        free(out->buffer);
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "cannot start gzip for %s", path);
    }
    out->file = fopen(path, "wb");
    if (!out->file) {
        focus_status status = io_error(error, path, -1, "cannot create");
        if (gzip)
            deflateEnd(&out->z);
        free(out->path);
        free(out->buffer);
        memset(out, 0, sizeof(*out));
        return status;
    }
    return FOCUS_OK;
}

static focus_status flush_buffer(focus_output *out, focus_error *error)
{
    if (out->used && fwrite(out->buffer, 1, out->used, out->file) != out->used)
        return io_error(error, out->path, (int64_t)out->stored_bytes, "cannot write");
    out->stored_bytes += out->used;
    out->used = 0;
    return FOCUS_OK;
}

static focus_status deflate_some(focus_output *out, int flush, focus_error *error)
{
    int rc;
    do {
        out->z.next_out = out->buffer + out->used;
        out->z.avail_out = (uInt)(STREAM_BUFFER - out->used);
        rc = deflate(&out->z, flush);
        if (rc == Z_STREAM_ERROR)
            return focus_fail(error, FOCUS_IO, out->path, -1, -1, "gzip failed for %s", out->path);
        out->used = STREAM_BUFFER - out->z.avail_out;
        if (out->used == STREAM_BUFFER || flush == Z_FINISH) {
            focus_status status = flush_buffer(out, error);
            if (status != FOCUS_OK)
                return status;
        }
    } while (out->z.avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return FOCUS_OK;
}

focus_status focus_output_write(focus_output *out, const void *data, size_t length,
                                focus_error *error)
{
    if (out->gzip) {
        out->z.next_in = (Bytef *)(uintptr_t)data;
        out->z.avail_in = (uInt)length;
        return deflate_some(out, Z_NO_FLUSH, error);
    }
    if (length > STREAM_BUFFER - out->used) {
        focus_status status = flush_buffer(out, error);
        if (status != FOCUS_OK)
            return status;
        if (length >= STREAM_BUFFER) {
            if (fwrite(data, 1, length, out->file) != length)
                return io_error(error, out->path, (int64_t)out->stored_bytes, "cannot write");
            out->stored_bytes += length;
            return FOCUS_OK;
        }
    }
    memcpy(out->buffer + out->used, data, length);
    out->used += length;
    return FOCUS_OK;
}

static void output_dispose(focus_output *out)
{
    if (out->gzip)
        deflateEnd(&out->z);
    free(out->buffer);
    free(out->path);
    memset(out, 0, sizeof(*out));
}

focus_status focus_output_close(focus_output *out, uint64_t *out_bytes, focus_error *error)
{
    focus_status status = out->gzip ? deflate_some(out, Z_FINISH, error) : flush_buffer(out, error);
    if (fclose(out->file) != 0 && status == FOCUS_OK)
        status = io_error(error, out->path, (int64_t)out->stored_bytes, "cannot close");
    if (out_bytes)
        *out_bytes = out->stored_bytes;
    output_dispose(out);
    return status;
}

void focus_output_abandon(focus_output *out)
{
    if (out->file) {
        fclose(out->file);
        remove(out->path);
    }
    output_dispose(out);
}

focus_status focus_input_open(focus_input *in, const char *path, focus_error *error)
{
    memset(in, 0, sizeof(*in));
    in->file = fopen(path, "rb");
    if (!in->file)
        return io_error(error, path, -1, "cannot open");
    in->path = strdup(path);
    in->raw = malloc(STREAM_BUFFER);
    in->plain = malloc(STREAM_BUFFER);
    if (!in->path || !in->raw || !in->plain) {
        focus_input_close(in);
        return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "no memory to read %s", path);
    }
    int c1 = fgetc(in->file), c2 = fgetc(in->file);
    rewind(in->file);
    if (c1 == 0x1f && c2 == 0x8b) {
        in->gzip = true;
        if (inflateInit2(&in->z, 31) != Z_OK) {
            in->gzip = false;
            focus_input_close(in);
            return focus_fail(error, FOCUS_NO_MEMORY, path, -1, -1, "cannot start gunzip");
        }
    }
    return FOCUS_OK;
}

focus_status focus_input_fill(focus_input *in, focus_error *error)
{
    in->consumed += in->plain_start;
    in->plain_start = in->plain_end = 0;
    if (!in->gzip) {
        size_t n = in->eof ? 0 : fread(in->plain, 1, STREAM_BUFFER, in->file);
        if (n == 0 && ferror(in->file))
            return io_error(error, in->path, (int64_t)in->consumed, "cannot read");
        in->eof = n == 0;
        in->plain_end = n;
        return FOCUS_OK;
    }
    while (in->plain_end == 0) {
        if (in->z.avail_in == 0 && !in->eof) {
            size_t n = fread(in->raw, 1, STREAM_BUFFER, in->file);
            if (n == 0 && ferror(in->file))
                return io_error(error, in->path, (int64_t)in->consumed, "cannot read");
            in->eof = n == 0;
            in->z.next_in = in->raw;
            in->z.avail_in = (uInt)n;
        }
        if (in->z.avail_in == 0 && in->eof) {
            if (in->member_done)
                return FOCUS_OK;
            return focus_fail(error, FOCUS_CORRUPT, in->path, (int64_t)in->consumed, -1,
                              "%s: gzip stream truncated after %llu bytes of data", in->path,
                              (unsigned long long)in->consumed);
        }
        if (in->member_done) { /* concatenated gzip members are one stream */
            inflateReset(&in->z);
            in->member_done = false;
        }
        in->z.next_out = in->plain;
        in->z.avail_out = STREAM_BUFFER;
        int rc = inflate(&in->z, Z_NO_FLUSH);
        in->plain_end = STREAM_BUFFER - in->z.avail_out;
        if (rc == Z_STREAM_END)
            in->member_done = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return focus_fail(error, FOCUS_CORRUPT, in->path, (int64_t)in->consumed, -1,
                              "%s: bad gzip data after %llu bytes: %s", in->path,
                              (unsigned long long)in->consumed, in->z.msg ? in->z.msg : "error");
    }
    return FOCUS_OK;
}

void focus_input_close(focus_input *in)
{
    if (in->gzip)
        inflateEnd(&in->z);
    if (in->file)
        fclose(in->file);
    free(in->raw);
    free(in->plain);
    free(in->path);
    memset(in, 0, sizeof(*in));
}
