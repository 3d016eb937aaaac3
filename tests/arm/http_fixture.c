/* Scripted libmicrohttpd server for arm's transport and retry tests (see http_fixture.h). */
#include "http_fixture.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUEUE_MAX 32

typedef struct scripted {
    int status; /* 0 = drop the connection */
    char *headers;
    char *body;
} scripted;

struct http_fixture {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    scripted queue[QUEUE_MAX];
    int head, tail, hits, active, max_active;
};

typedef struct request_state {
    size_t received;
} request_state;

static enum MHD_Result add_headers(struct MHD_Response *r, const char *headers)
{
    if (headers == NULL)
        return MHD_YES;
    char *copy = strdup(headers);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        MHD_add_response_header(r, line, v);
    }
    free(copy);
    return MHD_YES;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *headers,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    add_headers(r, headers);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static ssize_t pattern_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = *(uint64_t *)cls;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = (size_t)(total - pos < max ? total - pos : max);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (pos + i) % 26);
    return (ssize_t)n;
}

static enum MHD_Result echo(struct MHD_Connection *c, const char *method, size_t received)
{
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-client-request-id");
    const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *custom = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *version = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-version");
    char body[1024];
    snprintf(body, sizeof body,
             "{\"method\":\"%s\",\"client_request_id\":\"%s\",\"user_agent\":\"%s\","
             "\"content_length\":\"%s\",\"x_test\":\"%s\",\"received\":%zu,"
             "\"authorization\":\"%s\",\"x_ms_version\":\"%s\"}",
             method, id ? id : "", ua ? ua : "", cl ? cl : "", custom ? custom : "", received,
             auth ? auth : "", version ? version : "");
    return reply(c, 200,
                 "Content-Type: application/json\nx-ms-request-id: rid-1\n"
                 "x-ms-correlation-request-id: corr-1\nX-Multi: one\n",
                 body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)version;
    (void)upload_data;
    http_fixture *f = cls;
    request_state *s = *state;
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        *state = s;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        s->received += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/echo") == 0 || strncmp(url, "/echo/", 6) == 0)
        return echo(c, method, s->received);
    if (strcmp(url, "/slow") == 0) {
        /* Counted only while handled, so the overlap seen is real concurrency; the pause
         * lets a batch overlap (concurrency, not timing, is asserted). */
        pthread_mutex_lock(&f->lock);
        if (++f->active > f->max_active)
            f->max_active = f->active;
        pthread_mutex_unlock(&f->lock);
        usleep(200 * 1000);
        pthread_mutex_lock(&f->lock);
        f->active--;
        pthread_mutex_unlock(&f->lock);
        return echo(c, method, s->received);
    }
    if (strncmp(url, "/status/", 8) == 0) {
        int code = atoi(url + 8);
        char body[256];
        snprintf(body, sizeof body, "{\"error\":{\"code\":\"Code%d\",\"message\":\"status %d\"}}",
                 code, code);
        return reply(c, code,
                     "Content-Type: application/json\nx-ms-request-id: rid-e\n"
                     "x-ms-correlation-request-id: corr-e\n",
                     body, strlen(body));
    }
    if (strncmp(url, "/bytes/", 7) == 0) {
        uint64_t *total = malloc(sizeof *total);
        *total = strtoull(url + 7, NULL, 10);
        struct MHD_Response *r =
            MHD_create_response_from_callback(*total, 64 * 1024, pattern_reader, total, free);
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/script") == 0) {
        pthread_mutex_lock(&f->lock);
        f->hits++;
        scripted next = {200, NULL, NULL};
        int have = f->head != f->tail;
        if (have) {
            next = f->queue[f->head];
            f->head = (f->head + 1) % QUEUE_MAX;
        }
        pthread_mutex_unlock(&f->lock);
        enum MHD_Result ret;
        if (have && next.status == 0)
            ret = MHD_NO; /* closes the connection without a reply */
        else
            ret = reply(c, next.status, next.headers, next.body ? next.body : "{}",
                        next.body ? strlen(next.body) : 2);
        free(next.headers);
        free(next.body);
        return ret;
    }
    return reply(c, 404, NULL, "", 0);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*state);
    *state = NULL;
}

http_fixture *http_fixture_start(void)
{
    http_fixture *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                                 NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, f, MHD_OPTION_END);
    if (f->daemon == NULL) {
        free(f);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)info->port);
    return f;
}

void http_fixture_stop(http_fixture *f)
{
    if (f == NULL)
        return;
    MHD_stop_daemon(f->daemon);
    while (f->head != f->tail) {
        free(f->queue[f->head].headers);
        free(f->queue[f->head].body);
        f->head = (f->head + 1) % QUEUE_MAX;
    }
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const char *http_fixture_url(const http_fixture *f)
{
    return f->url;
}

void http_fixture_push(http_fixture *f, int status, const char *headers, const char *body)
{
    pthread_mutex_lock(&f->lock);
    scripted *s = &f->queue[f->tail];
    s->status = status;
    s->headers = headers ? strdup(headers) : NULL;
    s->body = body ? strdup(body) : NULL;
    f->tail = (f->tail + 1) % QUEUE_MAX;
    pthread_mutex_unlock(&f->lock);
}

void http_fixture_push_reset(http_fixture *f)
{
    http_fixture_push(f, 0, NULL, NULL);
}

int http_fixture_script_hits(http_fixture *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->hits;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int http_fixture_max_concurrent(http_fixture *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->max_active;
    pthread_mutex_unlock(&f->lock);
    return n;
}
