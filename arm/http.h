/* arm/http.h: the project's HTTP transport on libcurl — one client object with connection
 * reuse, HTTP/2, TLS always verified, streamed bodies, and many requests in flight on one thread.
 */
#ifndef HUBAGENT_ARM_HTTP_H
#define HUBAGENT_ARM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arm/error.h"

typedef enum arm_log_level { ARM_LOG_DEBUG = 0, ARM_LOG_INFO, ARM_LOG_WARN } arm_log_level;

/* Receives one line per event. Lines never contain secrets (tokens, keys, sig= values). */
typedef void (*arm_log_fn)(void *ctx, arm_log_level level, const char *line);

typedef struct arm_http_options {
    const char *ca_bundle_path; /* PEM file to trust (e.g. the mock's CA); NULL = system store.
                                   Peer and host verification are always on. */
    long connect_timeout_ms;    /* default 10 000 */
    long total_timeout_ms;      /* per request, default 120 000; requests may override */
    long low_speed_bytes;       /* abort when slower than this many bytes/s … default 1024 */
    long low_speed_seconds;     /* … for this long, default 60 */
    const char *user_agent;     /* default "hubagent/" HUBAGENT_VERSION */
    size_t max_response_bytes;  /* cap for replies kept in memory, default 32 MiB */
    int max_in_flight;          /* concurrent transfers in arm_http_send_all, default 16 */
    int max_host_connections;   /* default 8 (HTTP/2 multiplexes over fewer) */
    bool http2;                 /* offer HTTP/2 over TLS (ALPN), default true */
    arm_log_fn log;             /* optional */
    void *log_ctx;
} arm_http_options;

arm_http_options arm_http_options_default(void);

typedef struct arm_http_client arm_http_client;

arm_status arm_http_client_new(const arm_http_options *opts, arm_http_client **out, arm_error *err);
void arm_http_client_free(arm_http_client *client);

/* Logs through the client's log callback (used by the retry layer and the clients). */
void arm_http_client_log(const arm_http_client *client, arm_log_level level, const char *format,
                         ...) __attribute__((format(printf, 3, 4)));

typedef struct arm_http_header {
    const char *name;
    const char *value;
} arm_http_header;

/* Fills buf with up to len bytes of request body; returns the count, 0 at the end, or
 * ARM_HTTP_READ_ABORT to stop the request (ARM_ERR_CALLBACK). */
typedef size_t (*arm_http_read_fn)(void *ctx, char *buf, size_t len);
#define ARM_HTTP_READ_ABORT ((size_t)-1)
/* Puts a read body back at its start so the request can be sent again; 0 = done. */
typedef int (*arm_http_rewind_fn)(void *ctx);
/* Receives reply body bytes of a 2xx reply; returns 0 to go on, non-zero to stop. */
typedef int (*arm_http_write_fn)(void *ctx, const char *data, size_t len);

typedef struct arm_http_request {
    const char *method; /* GET, HEAD, PUT, POST, DELETE, PATCH */
    const char *url;
    const arm_http_header *headers; /* extra request headers */
    size_t header_count;
    /* Body: from memory (body/body_len), or from body_read with body_length bytes.
     * PUT/POST/PATCH always send Content-Length (0 without a body). */
    const void *body;
    size_t body_len;
    arm_http_read_fn body_read;
    arm_http_rewind_fn body_rewind; /* needed for retries of streamed bodies */
    void *body_ctx;
    uint64_t body_length;
    /* Reply: to response_write when set (2xx only; error bodies are kept in memory for
     * the error parser), else into arm_http_response.body up to max_response_bytes. */
    arm_http_write_fn response_write;
    void *response_ctx;
    arm_http_rewind_fn response_rewind; /* lets a streamed reply be retried (truncate sink) */
    size_t max_response_bytes;          /* 0 = client default */
    long total_timeout_ms;         /* 0 = client default, -1 = none (streams rely on low-speed) */
    const char *client_request_id; /* NULL = a fresh GUID; set when a signature covers it */
    bool fresh_connection; /* never on a reused connection, so libcurl cannot silently resend
                              it (always so for POST and PATCH) */
} arm_http_request;

typedef struct arm_http_field {
    char *name;
    char *value;
} arm_http_field;

typedef struct arm_http_response {
    long status;             /* 0 when no reply */
    int http_version;        /* 1 or 2 */
    arm_http_field *headers; /* of the final reply */
    size_t header_count;
    char *body; /* NUL-terminated; NULL when streamed or empty */
    size_t body_len;
    bool request_sent;          /* false when the request surely never reached the server */
    uint64_t streamed_bytes;    /* body bytes handed to response_write */
    char client_request_id[40]; /* the x-ms-client-request-id we sent */
    double elapsed_s;
} arm_http_response;

void arm_http_response_init(arm_http_response *response);
void arm_http_response_dispose(arm_http_response *response);

/* Value of the first reply header with this name (case-insensitive), or NULL. */
const char *arm_http_response_header(const arm_http_response *response, const char *name);

/* The longest wait, in seconds, any throttling header of this reply asks for: Retry-After
 * (seconds or HTTP date, relative to now_epoch_s), retry-after-ms, x-ms-retry-after-ms and
 * every x-ms-ratelimit-*-retry-after. -1 when none is present or parseable. */
double arm_http_retry_after(const arm_http_response *response, double now_epoch_s);

/* Sends one request and waits for the reply. Returns ARM_OK for any reply < 400,
 * ARM_ERR_HTTP for >= 400 (err filled from the body; response still filled), or a transport
 * status. response must be initialised; it is reset first. */
arm_status arm_http_send(arm_http_client *client, const arm_http_request *request,
                         arm_http_response *response, arm_error *err);

/* One entry of a concurrent batch: request in, response/status/error out. */
typedef struct arm_http_exchange {
    const arm_http_request *request;
    arm_http_response response;
    arm_status status;
    arm_error error;
} arm_http_exchange;

/* Initialises each exchange's response/error (request must be set beforehand), then runs
 * all requests concurrently (up to max_in_flight) on the calling thread until every one
 * has finished. Returns ARM_OK when all ran (look at each status), or a setup failure. */
arm_status arm_http_send_all(arm_http_client *client, arm_http_exchange *exchanges, size_t count,
                             arm_error *err);
void arm_http_exchange_dispose(arm_http_exchange *exchanges, size_t count);

/* A fresh random GUID (version 4), lower case, 36 characters + NUL. */
void arm_http_new_guid(char out[37]);

/* Where a bearer token comes from. arm's clients take this interface; auth/ implements it.
 * resource is e.g. "https://management.azure.com/" or "https://storage.azure.com/". */
typedef struct arm_token_provider {
    void *ctx;
    /* Stores a malloc'd access token (no "Bearer " prefix) in *out_token; the caller wipes
     * and frees it. */
    arm_status (*get_token)(void *ctx, const char *resource, char **out_token, arm_error *err);
    /* Forgets a cached token after the service said 401 to `rejected` (the token that was
     * sent; NULL: whichever is cached), so the next get_token is fresh. A token fetched
     * since (another call's 401 came first) is kept. */
    void (*invalidate)(void *ctx, const char *resource, const char *rejected);
} arm_token_provider;

#endif
