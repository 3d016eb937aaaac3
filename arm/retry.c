/* Retry rules: which failures are worth repeating, for which methods, and how long to wait.
 * Pure functions of their inputs (time and randomness come in as arguments). */
#include "arm/retry.h"

#include <math.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static double system_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void system_sleep(void *ctx, double seconds)
{
    (void)ctx;
    if (!(seconds > 0))
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0) /* resume after signals */
        ;
}

static double system_random(void *ctx)
{
    (void)ctx;
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)time(NULL) * 2654435761u;
    return (double)r / 4294967296.0;
}

arm_clock arm_clock_system(void)
{
    arm_clock c = {NULL, system_now, system_sleep, system_random};
    return c;
}

arm_retry_policy arm_retry_policy_default(void)
{
    arm_retry_policy p;
    p.max_attempts = 6;
    p.base_delay_s = 1;
    p.max_delay_s = 30;
    p.max_total_s = 900;
    p.throttle_default_s = 60;
    p.clock = arm_clock_system();
    p.cancelled = NULL;
    p.cancel_ctx = NULL;
    return p;
}

double arm_retry_backoff(const arm_retry_policy *policy, int failed, double random01)
{
    if (failed < 1)
        failed = 1;
    double d = policy->base_delay_s * ldexp(1.0, failed > 60 ? 60 : failed - 1);
    if (d > policy->max_delay_s)
        d = policy->max_delay_s;
    if (random01 < 0)
        random01 = 0;
    if (random01 > 1)
        random01 = 1;
    return d * (0.5 + 0.5 * random01);
}

static bool idempotent(const char *method)
{
    static const char *const safe[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"};
    for (size_t i = 0; method != NULL && i < sizeof safe / sizeof safe[0]; i++) {
        if (strcmp(method, safe[i]) == 0)
            return true;
    }
    return false;
}

bool arm_retry_decide(const arm_retry_policy *policy, const char *method, arm_status status,
                      const arm_http_response *response, int failed, double random01, double now,
                      double *out_delay)
{
    double backoff = arm_retry_backoff(policy, failed, random01);
    double hinted = response != NULL ? arm_http_retry_after(response, now) : -1;
    *out_delay = 0;
    if (status == ARM_ERR_TRANSPORT || status == ARM_ERR_TIMEOUT) {
        bool unsent = response != NULL && !response->request_sent;
        if (!idempotent(method) && !unsent)
            return false; /* the service may have acted on it: never run an export twice */
        *out_delay = backoff;
        return true;
    }
    if (status != ARM_ERR_HTTP || response == NULL)
        return false;
    long code = response->status;
    if (code == 429) {
        *out_delay = hinted >= 0 ? hinted : policy->throttle_default_s;
        return true;
    }
    if (code != 408 && code != 500 && code != 502 && code != 503 && code != 504)
        return false;
    if (!idempotent(method))
        return false;
    *out_delay = hinted > backoff ? hinted : backoff;
    return true;
}
