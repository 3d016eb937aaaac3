/* arm/pacer.h: client-side throttling — token buckets per scope/subscription/tenant that
 * learn from x-ms-ratelimit-remaining-* headers and 429s, so callers rarely see a 429. */
#ifndef HUBAGENT_ARM_PACER_H
#define HUBAGENT_ARM_PACER_H

#include <stddef.h>

#include "arm/error.h"
#include "arm/http.h"

typedef struct arm_pacer_limits {
    double capacity;     /* burst size (tokens) */
    double refill_per_s; /* steady rate */
} arm_pacer_limits;

/* Buckets are keyed by strings whose prefix picks the limits:
 *   "costmanagement:<scope>"   Cost Management calls at one scope (exports, runs); each also
 *                              draws on the one bucket shared by all scopes
 *   "arm-read:<subscription>"  ARM reads, per subscription ("tenant" when none)
 *   "arm-write:<subscription>" ARM writes and deletes
 * Any other key uses default_limits. */
typedef struct arm_pacer_options {
    arm_pacer_limits cost_management; /* default 10 burst, 0.2/s (12 per minute) */
    /* One bucket all Cost Management calls of this client share, whatever their scope: the
     * service also counts per client and per tenant. Learned from the
     * x-ms-ratelimit-remaining-microsoft.costmanagement-{clienttype,client,tenant}-requests
     * headers and blocked by their -retry-after ones. Default 1000 burst, 50/s: the service's own
     * counts (sent on every reply) are what really holds it down. */
    arm_pacer_limits cost_management_shared;
    arm_pacer_limits arm_reads;      /* default 200 burst, 20/s (ARM: 250, 25/s) */
    arm_pacer_limits arm_writes;     /* default 160 burst, 8/s (ARM: 200, 10/s) */
    arm_pacer_limits default_limits; /* default 50 burst, 5/s */
    double throttle_default_s;       /* block after a 429 without retry-after: 60 */
} arm_pacer_options;

arm_pacer_options arm_pacer_options_default(void);

/* One pacer is shared by everything in the process; it is thread-safe. */
typedef struct arm_pacer arm_pacer;

arm_status arm_pacer_new(const arm_pacer_options *opts, arm_pacer **out, arm_error *err);
void arm_pacer_free(arm_pacer *pacer);

/* Takes one token from the bucket and returns how many seconds the caller must wait before
 * sending (0 = now). Tokens may go into debt, so concurrent callers are spaced out. */
double arm_pacer_reserve(arm_pacer *pacer, const char *key, double now);
/* Gives back the token of a reservation whose call was never sent (cancelled), so calls
 * given up do not leave the bucket in debt for those that follow. */
void arm_pacer_release(arm_pacer *pacer, const char *key, double now);

/* Learns from a reply: x-ms-ratelimit-remaining-* lowers the bucket to what the service
 * says is left; a 429 empties it and blocks it for the reply's retry-after (or the default). */
void arm_pacer_observe(arm_pacer *pacer, const char *key, const arm_http_response *response,
                       double now);

/* Current tokens of a bucket after refill (for tests and diagnostics); capacity if unknown. */
double arm_pacer_tokens(arm_pacer *pacer, const char *key, double now);

/* The bucket key for a request: "costmanagement:<scope>" for Cost Management paths, else
 * "arm-read:"/"arm-write:" + subscription id (or "tenant"). Writes into out (cap bytes). */
void arm_pacer_key_for(const char *method, const char *url, char *out, size_t cap);

/* State as JSON ({"version":1,"buckets":{key:{tokens,updated,blocked_until}}}, times in
 * seconds since the epoch) so the agent can persist it across runs. *out_json is malloc'd. */
arm_status arm_pacer_export(arm_pacer *pacer, char **out_json, arm_error *err);
/* Merges saved state, keeping for each bucket the more conservative of saved and current. */
arm_status arm_pacer_import(arm_pacer *pacer, const char *json, arm_error *err);

#endif
