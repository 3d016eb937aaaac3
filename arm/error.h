/* arm/error.h: the one error type for every Azure call (ARM, Cost Management, Blob, Entra ID):
 * status kind, HTTP status, service code/message/details, request identity, retry-after seen. */
#ifndef HUBAGENT_ARM_ERROR_H
#define HUBAGENT_ARM_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum arm_status {
    ARM_OK = 0,
    ARM_ERR_INVALID_ARGUMENT, /* caller passed something unusable */
    ARM_ERR_NO_MEMORY,
    ARM_ERR_TRANSPORT, /* DNS, connect, TLS, reset: no usable HTTP reply */
    ARM_ERR_TIMEOUT,   /* connect, total or low-speed timeout */
    ARM_ERR_HTTP,      /* the service answered with a status >= 400 */
    ARM_ERR_PARSE,     /* a 2xx reply whose body could not be understood */
    ARM_ERR_TOO_LARGE, /* a reply body exceeded the in-memory cap */
    ARM_ERR_CALLBACK,  /* a caller's read/write callback asked to stop */
    ARM_ERR_AUTH,      /* the token provider could not give a token */
    ARM_ERR_IO,        /* a local file could not be read or written */
    ARM_ERR_GAVE_UP,   /* retries exhausted (count or total time); details are the last try's */
    ARM_ERR_CANCELLED, /* asked to stop before the call could be (re)tried: it was not sent */
} arm_status;

const char *arm_status_text(arm_status status);

#define ARM_ERROR_MAX_DETAILS 8

typedef struct arm_error_detail {
    char code[96];
    char message[384];
    char target[128];
} arm_error_detail;

/* Caller-owned, fixed-size (no _dispose needed). Every text field is NUL-terminated and
 * free of secrets: query values such as sig= are masked before they are stored. */
typedef struct arm_error {
    arm_status status;
    long http_status;  /* 0 when no reply was received */
    char code[128];    /* ARM error.code, Blob <Code>/x-ms-error-code, OAuth "error" */
    char message[768]; /* service message, or what went wrong locally */
    char target[128];
    size_t detail_count; /* nested details, flattened depth-first */
    arm_error_detail details[ARM_ERROR_MAX_DETAILS];
    char method[16];
    char path[512];             /* path and query of the request, secrets masked */
    char client_request_id[40]; /* our x-ms-client-request-id */
    char request_id[80];        /* the reply's x-ms-request-id */
    char correlation_id[80];    /* the reply's x-ms-correlation-request-id */
    double retry_after_s;       /* largest retry-after hint seen, -1 when none */
    int attempts;               /* tries made (retry layer) */
} arm_error;

void arm_error_init(arm_error *err);

/* Sets status and a printf-style message (err may be NULL). Returns status, so failures
 * read `return arm_error_set(err, ARM_ERR_IO, "cannot open %s", path);`. */
arm_status arm_error_set(arm_error *err, arm_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills code/message/target/details from an error reply body: ARM/Cost Management JSON
 * ({"error":{code,message,target,details[]}}), OAuth JSON ({"error":"x","error_description"}),
 * Blob XML (<Error><Code/><Message/>), HTML (<title>) or anything else (a printable excerpt).
 * Survives empty, truncated and binary bodies. Does not touch status/http_status. */
void arm_error_parse_body(arm_error *err, const char *body, size_t len);

/* Records the request's method and URL as path + query with secret values masked. */
void arm_error_set_request(arm_error *err, const char *method, const char *url);

/* Copies `url` into out (capacity cap, always NUL-terminated) with the values of secret query
 * parameters (sig, token, client_secret, code, assertion, …) replaced by "REDACTED".
 * With path_only the scheme and host are dropped. */
void arm_mask_url(const char *url, int path_only, char *out, size_t cap);

/* One line for humans/logs: "GET /path?api-version=x: HTTP 404 NotFound: message
 * (correlation id …)". Returns out. */
char *arm_error_format(const arm_error *err, char *out, size_t cap);

/* The call (its status and error) failed for want of a usable token: none could be had
 * (ARM_ERR_AUTH), or the service refused one fetched afresh (401; the pipeline retries a
 * 401 once with a new token). Every other call with the same credential fails alike. */
bool arm_error_is_credential_failure(arm_status status, const arm_error *error);

#endif
