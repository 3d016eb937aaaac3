/* arm/retry.h: retries with back-off and jitter, 429 handling, pacing and bearer tokens around
 * the transport — the "pipeline" every Azure call of the project goes through. */
#ifndef HUBAGENT_ARM_RETRY_H
#define HUBAGENT_ARM_RETRY_H

#include <stdbool.h>

#include "arm/error.h"
#include "arm/http.h"
#include "arm/pacer.h"

/* Time, sleeping and randomness behind one seam so tests never sleep. */
typedef struct arm_clock {
    void *ctx;
    double (*now)(void *ctx); /* seconds since the epoch */
    void (*sleep)(void *ctx, double seconds);
    double (*random)(void *ctx); /* uniform in [0, 1) */
} arm_clock;

/* The real clock: CLOCK_REALTIME, nanosleep, getrandom. */
arm_clock arm_clock_system(void);

typedef struct arm_retry_policy {
    int max_attempts;          /* tries in all, default 6 */
    double base_delay_s;       /* first back-off, default 1 */
    double max_delay_s;        /* cap of one back-off, default 30 */
    double max_total_s;        /* no wait may end later than this after the first try: 900 */
    double throttle_default_s; /* 429 without any retry-after header: 60 */
    arm_clock clock;           /* default arm_clock_system() */
    /* Whether calls may not wait until `wait_until` (the clock's seconds) — asked to stop,
     * or a deadline (NULL: they always may). A call that would have to wait that long (for
     * the pacer, a back-off, a retry-after) is not made: it ends ARM_ERR_CANCELLED at once.
     * A call that can go now still goes (a lease release on the way out), and a try already
     * sent completes, so nothing is left half-done on the service's side. */
    bool (*cancelled)(void *ctx, double wait_until);
    void *cancel_ctx;
} arm_retry_policy;

arm_retry_policy arm_retry_policy_default(void);

/* Back-off after `failed` failed tries (≥ 1): d = min(max_delay, base·2^(failed−1)), then
 * jittered to d·(0.5 + 0.5·random01) so that many clients do not retry in lockstep. */
double arm_retry_backoff(const arm_retry_policy *policy, int failed, double random01);

/* Whether a finished try may be repeated, and the wait first (*out_delay, seconds).
 * Idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) retry on transport errors, timeouts,
 * 408, 429, 500, 502, 503 and 504; other methods (POST: export run) only on 429 or when
 * the request never left. 429 waits the largest retry-after header, else throttle_default_s;
 * other retryable replies wait the larger of back-off and any retry-after. Does not look at
 * attempt/time bounds: arm_pipeline does. */
bool arm_retry_decide(const arm_retry_policy *policy, const char *method, arm_status status,
                      const arm_http_response *response, int failed, double random01, double now,
                      double *out_delay);

/* Signs a request right before each try (Shared Key): appends up to ARM_SIGNER_MAX_HEADERS
 * malloc'd name/value pairs (e.g. x-ms-date, Authorization) to out, setting *out_count.
 * request->headers already include x-ms-client-request-id. */
#define ARM_SIGNER_MAX_HEADERS 3
typedef struct arm_request_signer {
    void *ctx;
    arm_status (*sign)(void *ctx, const arm_http_request *request, arm_http_field *out,
                       size_t *out_count, arm_error *err);
} arm_request_signer;

/* Everything a call needs besides the request. Every pointer but http may be NULL. */
typedef struct arm_pipeline {
    arm_http_client *http;
    const arm_retry_policy *retry;    /* NULL = arm_retry_policy_default() */
    arm_pacer *pacer;                 /* NULL = no client-side pacing */
    const arm_token_provider *tokens; /* NULL = send no Authorization header */
    const char *resource;             /* token resource, e.g. "https://management.azure.com/" */
    const arm_request_signer *signer; /* NULL = no signature */
} arm_pipeline;

/* Sends with pacing, a bearer token (one fresh token after a 401), and retries. pacer_key
 * NULL = arm_pacer_key_for(method, url). When retries run out on a retryable failure the
 * status is ARM_ERR_GAVE_UP with the last try's details; err->attempts counts tries. */
arm_status arm_pipeline_send(const arm_pipeline *pipeline, const char *pacer_key,
                             const arm_http_request *request, arm_http_response *response,
                             arm_error *err);

/* The same for a batch, run concurrently on this thread; each exchange gets its own
 * status/error. pacer_keys may be NULL (derive each). */
arm_status arm_pipeline_send_all(const arm_pipeline *pipeline, const char *const *pacer_keys,
                                 arm_http_exchange *exchanges, size_t count, arm_error *err);

#endif
