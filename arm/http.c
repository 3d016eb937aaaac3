/* The libcurl transport: one multi handle per client, so every request (single or batch)
 * shares the connection cache and HTTP/2 connections; bodies stream through callbacks. */
#include "arm/http_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Error replies of streamed requests are kept (up to this) for the error parser. */
#define ERROR_BODY_CAP (64 * 1024)

struct arm_http_client {
    arm_http_options opts;
    char *ca_bundle_path;
    char *user_agent;
    CURLM *multi;
    CURLSH *share;
};

typedef struct transfer {
    arm_http_client *client;
    const arm_http_request *req;
    arm_http_response *resp;
    arm_error *err;
    arm_status *status;
    CURL *easy;
    struct curl_slist *headers;
    size_t mem_pos;
    char *buf;
    size_t len, cap, limit;
    bool decided, stream, overflow, callback_abort;
    char errbuf[CURL_ERROR_SIZE];
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

arm_http_options arm_http_options_default(void)
{
    arm_http_options o;
    memset(&o, 0, sizeof o);
    o.connect_timeout_ms = 10000;
    o.total_timeout_ms = 120000;
    o.low_speed_bytes = 1024;
    o.low_speed_seconds = 60;
    o.user_agent = "hubagent/" HUBAGENT_VERSION;
    o.max_response_bytes = 32u * 1024 * 1024;
    o.max_in_flight = 16;
    o.max_host_connections = 8;
    o.http2 = true;
    return o;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

arm_status arm_http_client_new(const arm_http_options *opts, arm_http_client **out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_http_client_new: out is NULL");
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK)
        return arm_error_set(err, ARM_ERR_TRANSPORT, "libcurl initialisation failed: %s",
                             curl_easy_strerror(curl_init_result));
    arm_http_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "arm_http_client_new: out of memory");
    c->opts = opts != NULL ? *opts : arm_http_options_default();
    arm_http_options d = arm_http_options_default();
    if (c->opts.user_agent == NULL)
        c->opts.user_agent = d.user_agent;
    if (c->opts.max_response_bytes == 0)
        c->opts.max_response_bytes = d.max_response_bytes;
    if (c->opts.max_in_flight <= 0)
        c->opts.max_in_flight = d.max_in_flight;
    if (c->opts.max_host_connections <= 0)
        c->opts.max_host_connections = d.max_host_connections;
    c->ca_bundle_path = dup_or_null(c->opts.ca_bundle_path);
    c->user_agent = strdup(c->opts.user_agent);
    c->multi = curl_multi_init();
    c->share = curl_share_init();
    if ((c->opts.ca_bundle_path != NULL && c->ca_bundle_path == NULL) || c->user_agent == NULL ||
        c->multi == NULL || c->share == NULL) {
        arm_http_client_free(c);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "arm_http_client_new: out of memory");
    }
    c->opts.ca_bundle_path = c->ca_bundle_path;
    c->opts.user_agent = c->user_agent;
    /* One thread uses a client, so the share needs no locks: it only lets separate easy
     * handles reuse DNS answers and TLS sessions. */
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->opts.max_host_connections);
    *out = c;
    return ARM_OK;
}

void arm_http_client_free(arm_http_client *client)
{
    if (client == NULL)
        return;
    if (client->multi != NULL)
        curl_multi_cleanup(client->multi);
    if (client->share != NULL)
        curl_share_cleanup(client->share);
    free(client->ca_bundle_path);
    free(client->user_agent);
    free(client);
}

void arm_http_client_log(const arm_http_client *client, arm_log_level level, const char *format,
                         ...)
{
    if (client == NULL || client->opts.log == NULL)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, format);
    vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    client->opts.log(client->opts.log_ctx, level, line);
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    transfer *t = userp;
    size_t len = size * n;
    char *name, *value;
    switch (arm_http_parse_header_line(data, len, &name, &value)) {
    case ARM_HEADER_LINE_STATUS: /* 100 Continue or a new reply: keep only the final one */
        arm_http_response_clear_headers(t->resp);
        t->decided = false;
        break;
    case ARM_HEADER_LINE_FIELD:
        if (arm_http_response_add_header(t->resp, name, value) != 0)
            return 0;
        break;
    case ARM_HEADER_LINE_NO_MEMORY:
        return 0;
    default:
        break;
    }
    return len;
}

static int append(transfer *t, const char *data, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *grown = realloc(t->buf, cap);
        if (grown == NULL)
            return -1;
        t->buf = grown;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, data, len);
    t->len += len;
    t->buf[t->len] = '\0';
    return 0;
}

static size_t on_write(char *data, size_t size, size_t n, void *userp)
{
    transfer *t = userp;
    size_t len = size * n;
    if (!t->decided) {
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        t->stream = t->req->response_write != NULL && code >= 200 && code < 300;
        t->decided = true;
    }
    if (t->stream) {
        t->resp->streamed_bytes += len;
        if (t->req->response_write(t->req->response_ctx, data, len) != 0) {
            t->callback_abort = true;
            return 0;
        }
        return len;
    }
    if (t->len + len > t->limit) {
        if (t->req->response_write != NULL) { /* an error body of a streamed request: trim */
            size_t room = t->limit - t->len;
            if (room > 0 && append(t, data, room) != 0)
                return 0;
            return len;
        }
        t->overflow = true;
        return 0;
    }
    return append(t, data, len) == 0 ? len : 0;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userp)
{
    transfer *t = userp;
    size_t len = size * n;
    const arm_http_request *r = t->req;
    if (r->body_read == NULL) {
        size_t left = r->body_len - t->mem_pos;
        size_t k = left < len ? left : len;
        if (k > 0)
            memcpy(buf, (const char *)r->body + t->mem_pos, k);
        t->mem_pos += k;
        return k;
    }
    size_t got = r->body_read(r->body_ctx, buf, len);
    if (got == ARM_HTTP_READ_ABORT || got > len) {
        t->callback_abort = true;
        return CURL_READFUNC_ABORT;
    }
    return got;
}

/* libcurl rewinds an upload when it must resend it on a new connection. */
static int on_seek(void *userp, curl_off_t offset, int origin)
{
    transfer *t = userp;
    if (origin != SEEK_SET || offset != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    if (t->req->body_read == NULL) {
        t->mem_pos = 0;
        return CURL_SEEKFUNC_OK;
    }
    if (t->req->body_rewind == NULL || t->req->body_rewind(t->req->body_ctx) != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    return CURL_SEEKFUNC_OK;
}

static int has_body(const arm_http_request *r)
{
    return r->body_read != NULL || r->body != NULL || strcmp(r->method, "PUT") == 0 ||
           strcmp(r->method, "POST") == 0 || strcmp(r->method, "PATCH") == 0;
}

static arm_status add_header(transfer *t, const char *name, const char *value)
{
    if (strpbrk(name, "\r\n:") != NULL || name[0] == '\0' || strpbrk(value, "\r\n") != NULL)
        return arm_error_set(t->err, ARM_ERR_INVALID_ARGUMENT,
                             "request header %s has a line break or bad name", name);
    char line[8192];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof line)
        return arm_error_set(t->err, ARM_ERR_INVALID_ARGUMENT, "request header %s is too long",
                             name);
    if (value[0] == '\0') /* "Name;" is curl's way to send an empty value */
        snprintf(line, sizeof line, "%s;", name);
    struct curl_slist *l = curl_slist_append(t->headers, line);
    if (l == NULL)
        return arm_error_set(t->err, ARM_ERR_NO_MEMORY, "out of memory adding header");
    t->headers = l;
    return ARM_OK;
}

static arm_status transfer_setup(transfer *t)
{
    const arm_http_request *r = t->req;
    const arm_http_options *o = &t->client->opts;
    arm_error_set_request(t->err, r->method, r->url);
    if (r->client_request_id != NULL)
        snprintf(t->resp->client_request_id, sizeof t->resp->client_request_id, "%s",
                 r->client_request_id);
    else
        arm_http_new_guid(t->resp->client_request_id);
    snprintf(t->err->client_request_id, sizeof t->err->client_request_id, "%s",
             t->resp->client_request_id);
    if (r->method == NULL || r->url == NULL || (r->body != NULL && r->body_read != NULL))
        return arm_error_set(t->err, ARM_ERR_INVALID_ARGUMENT,
                             "request needs a method, a URL and at most one body source");
    t->limit = r->response_write != NULL ? ERROR_BODY_CAP
               : r->max_response_bytes   ? r->max_response_bytes
                                         : o->max_response_bytes;
    if (r->body_read != NULL && r->body_rewind != NULL && r->body_rewind(r->body_ctx) != 0)
        return arm_error_set(t->err, ARM_ERR_CALLBACK, "request body could not be rewound");
    if (r->response_write != NULL && r->response_rewind != NULL &&
        r->response_rewind(r->response_ctx) != 0)
        return arm_error_set(t->err, ARM_ERR_CALLBACK, "reply sink could not be rewound");
    CURL *e = t->easy = curl_easy_init();
    if (e == NULL)
        return arm_error_set(t->err, ARM_ERR_NO_MEMORY, "curl_easy_init failed");
    arm_status st = ARM_OK;
    bool has_id = false;
    for (size_t i = 0; st == ARM_OK && i < r->header_count; i++) {
        const char *v = r->headers[i].value ? r->headers[i].value : "";
        if (r->headers[i].name != NULL &&
            strcasecmp(r->headers[i].name, "x-ms-client-request-id") == 0) {
            /* Already there (a signature covers it): report that one. */
            has_id = true;
            snprintf(t->resp->client_request_id, sizeof t->resp->client_request_id, "%s", v);
            snprintf(t->err->client_request_id, sizeof t->err->client_request_id, "%s", v);
        }
        st = r->headers[i].name == NULL ? arm_error_set(t->err, ARM_ERR_INVALID_ARGUMENT,
                                                        "request header %zu has no name", i)
                                        : add_header(t, r->headers[i].name, v);
    }
    if (st == ARM_OK && !has_id)
        st = add_header(t, "x-ms-client-request-id", t->resp->client_request_id);
    /* No "Expect: 100-continue" round trip: Azure answers uploads promptly anyway. */
    if (st == ARM_OK && t->headers != NULL && curl_slist_append(t->headers, "Expect:") == NULL)
        st = arm_error_set(t->err, ARM_ERR_NO_MEMORY, "out of memory adding header");
    if (st != ARM_OK)
        return st;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_bundle_path != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_bundle_path);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    long total = r->total_timeout_ms == 0 ? o->total_timeout_ms : r->total_timeout_ms;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total > 0 ? total : 0L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_seconds);
    curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     o->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, t->client->share);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    /* libcurl silently resends a request whose reused connection dies without a reply; the
     * server may have acted on it. A fresh connection rules that out for POST/PATCH (an export
     * run must never happen twice) and for callers who ask. */
    if (r->fresh_connection || strcmp(r->method, "POST") == 0 || strcmp(r->method, "PATCH") == 0)
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (has_body(r)) {
        curl_off_t size = r->body_read != NULL ? (curl_off_t)r->body_length
                                               : (curl_off_t)(r->body != NULL ? r->body_len : 0);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, size);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, t);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, t);
        if (strcmp(r->method, "PUT") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    return ARM_OK;
}

static int never_sent(CURLcode rc)
{
    return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
           rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
}

static void transfer_finish(transfer *t, CURLcode rc)
{
    arm_http_response *resp = t->resp;
    arm_error *err = t->err;
    long code = 0, version = 0, request_size = 0;
    double seconds = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &seconds);
    resp->status = code;
    resp->http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    resp->elapsed_s = seconds;
    resp->request_sent = !never_sent(rc) && request_size > 0;
    if (t->len > 0) {
        resp->body = t->buf;
        resp->body_len = t->len;
        t->buf = NULL;
    }
    err->http_status = code;
    const char *rid = arm_http_response_header(resp, "x-ms-request-id");
    const char *cid = arm_http_response_header(resp, "x-ms-correlation-request-id");
    snprintf(err->request_id, sizeof err->request_id, "%s", rid ? rid : "");
    snprintf(err->correlation_id, sizeof err->correlation_id, "%s", cid ? cid : "");
    err->retry_after_s = arm_http_retry_after(resp, (double)time(NULL));
    if (rc != CURLE_OK) {
        arm_status st = t->callback_abort                ? ARM_ERR_CALLBACK
                        : t->overflow                    ? ARM_ERR_TOO_LARGE
                        : rc == CURLE_OPERATION_TIMEDOUT ? ARM_ERR_TIMEOUT
                        : rc == CURLE_OUT_OF_MEMORY      ? ARM_ERR_NO_MEMORY
                                                         : ARM_ERR_TRANSPORT;
        if (st == ARM_ERR_TOO_LARGE)
            arm_error_set(err, st, "reply body larger than %zu bytes", t->limit);
        else
            arm_error_set(err, st, "%s%s%s", curl_easy_strerror(rc), t->errbuf[0] ? ": " : "",
                          t->errbuf);
        if (st == ARM_ERR_TOO_LARGE || st == ARM_ERR_CALLBACK)
            err->http_status = 0; /* the reply was not taken */
    } else if (code >= 400) {
        err->status = ARM_ERR_HTTP;
        arm_error_parse_body(err, resp->body, resp->body_len);
        const char *hcode = arm_http_response_header(resp, "x-ms-error-code");
        if (err->code[0] == '\0' && hcode != NULL)
            snprintf(err->code, sizeof err->code, "%s", hcode);
        if (err->message[0] == '\0')
            snprintf(err->message, sizeof err->message, "%s",
                     resp->body_len ? "error reply" : "error reply with an empty body");
    } else {
        err->status = ARM_OK;
    }
    *t->status = err->status;
    arm_http_client_log(t->client, err->status == ARM_OK ? ARM_LOG_DEBUG : ARM_LOG_INFO,
                        "%s %s -> %ld%s%s in %.3f s (HTTP/%d) x-ms-client-request-id=%s "
                        "x-ms-request-id=%s x-ms-correlation-request-id=%s",
                        err->method, err->path, code, rc != CURLE_OK ? " " : "",
                        rc != CURLE_OK ? arm_status_text(err->status) : "", seconds,
                        resp->http_version, resp->client_request_id, rid ? rid : "-",
                        cid ? cid : "-");
}

static void transfer_cleanup(transfer *t)
{
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->buf);
    t->easy = NULL;
    t->headers = NULL;
    t->buf = NULL;
}

/* Runs transfers to completion on this thread, at most max_in_flight at a time. */
static arm_status run_transfers(arm_http_client *c, transfer *ts, size_t count, arm_error *err)
{
    size_t next = 0, done = 0;
    int in_flight = 0;
    while (done < count) {
        while (in_flight < c->opts.max_in_flight && next < count) {
            transfer *t = &ts[next++];
            arm_status st = transfer_setup(t);
            if (st == ARM_OK && curl_multi_add_handle(c->multi, t->easy) != CURLM_OK)
                st = arm_error_set(t->err, ARM_ERR_NO_MEMORY, "curl_multi_add_handle failed");
            if (st != ARM_OK) {
                *t->status = st;
                transfer_cleanup(t);
                done++;
                continue;
            }
            in_flight++;
        }
        int running = 0;
        CURLMcode mc = curl_multi_perform(c->multi, &running);
        if (mc != CURLM_OK) {
            for (size_t i = 0; i < next; i++) {
                if (ts[i].easy != NULL) {
                    curl_multi_remove_handle(c->multi, ts[i].easy);
                    *ts[i].status = arm_error_set(ts[i].err, ARM_ERR_TRANSPORT, "aborted");
                    transfer_cleanup(&ts[i]);
                }
            }
            return arm_error_set(err, ARM_ERR_TRANSPORT, "curl_multi_perform: %s",
                                 curl_multi_strerror(mc));
        }
        CURLMsg *m;
        int queued;
        while ((m = curl_multi_info_read(c->multi, &queued)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            transfer *t = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            CURLcode rc = m->data.result;
            curl_multi_remove_handle(c->multi, m->easy_handle);
            transfer_finish(t, rc);
            transfer_cleanup(t);
            in_flight--;
            done++;
        }
        if (in_flight > 0 && done < count)
            curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    return ARM_OK;
}

static void transfer_prepare(transfer *t, arm_http_client *c, const arm_http_request *r,
                             arm_http_response *resp, arm_error *err, arm_status *status)
{
    memset(t, 0, sizeof *t);
    t->client = c;
    t->req = r;
    t->resp = resp;
    t->err = err;
    t->status = status;
}

arm_status arm_http_send(arm_http_client *client, const arm_http_request *request,
                         arm_http_response *response, arm_error *err)
{
    arm_error local;
    if (err == NULL)
        err = &local;
    arm_error_init(err);
    if (client == NULL || request == NULL || response == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_http_send: NULL argument");
    arm_http_response_dispose(response);
    arm_status status = ARM_OK;
    transfer t;
    transfer_prepare(&t, client, request, response, err, &status);
    arm_status st = run_transfers(client, &t, 1, err);
    return st != ARM_OK ? st : status;
}

arm_status arm_http_send_all(arm_http_client *client, arm_http_exchange *exchanges, size_t count,
                             arm_error *err)
{
    if (client == NULL || (exchanges == NULL && count > 0))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_http_send_all: NULL argument");
    transfer *ts = calloc(count ? count : 1, sizeof *ts);
    if (ts == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "arm_http_send_all: out of memory");
    for (size_t i = 0; i < count; i++) {
        arm_http_exchange *x = &exchanges[i];
        arm_http_response_init(&x->response);
        arm_error_init(&x->error);
        x->status = ARM_OK;
        transfer_prepare(&ts[i], client, x->request, &x->response, &x->error, &x->status);
        if (x->request == NULL) {
            x->status = arm_error_set(&x->error, ARM_ERR_INVALID_ARGUMENT,
                                      "exchange %zu has no "
                                      "request",
                                      i);
        }
    }
    /* Requestless entries are skipped by compacting them out of the run. */
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (exchanges[i].request != NULL)
            ts[n++] = ts[i];
    }
    arm_status st = run_transfers(client, ts, n, err);
    free(ts);
    return st;
}

void arm_http_exchange_dispose(arm_http_exchange *exchanges, size_t count)
{
    for (size_t i = 0; exchanges != NULL && i < count; i++)
        arm_http_response_dispose(&exchanges[i].response);
}
