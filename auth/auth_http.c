/* auth: sending a token request with the retry rules of IMDS and of the other token
 * services (Entra ID, App Service). Waits go through the injected sleep. */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

#define AUTH_MAX_DELAY_MS     60000
#define AUTH_IMDS_410_STEP_MS 10000 /* IMDS: "back within 70 s"; MSAL retries every 10 s */
#define AUTH_IMDS_410_MAX_MS  70000

void auth_http_response_dispose(auth_http_response *response)
{
    if (!response)
        return;
    free(response->body);
    memset(response, 0, sizeof(*response));
    response->retry_after = -1;
}

static int64_t exponential_ms(int64_t base_ms, int attempt)
{
    int64_t delay = base_ms;
    for (int i = 1; i < attempt && delay < AUTH_MAX_DELAY_MS; i++)
        delay *= 2;
    return delay > AUTH_MAX_DELAY_MS ? AUTH_MAX_DELAY_MS : delay;
}

int64_t auth_retry_delay_ms(auth_retry_policy policy, int attempt, int max_retries,
                            long http_status, auth_http_failure failure,
                            int64_t retry_after_seconds, int64_t waited_ms)
{
    bool transient_failure =
        failure == AUTH_HTTP_TIMEOUT || failure == AUTH_HTTP_OTHER || failure == AUTH_HTTP_CONNECT;
    int64_t retry_after_ms = retry_after_seconds > 0 ? retry_after_seconds * 1000 : 0;
    if (retry_after_ms > AUTH_MAX_DELAY_MS)
        retry_after_ms = AUTH_MAX_DELAY_MS;

    if (policy == AUTH_RETRY_IMDS && failure == AUTH_HTTP_OK && http_status == 410) {
        /* IMDS is starting or being updated: it promises to be back within 70 s. */
        if (waited_ms + AUTH_IMDS_410_STEP_MS > AUTH_IMDS_410_MAX_MS)
            return -1;
        return retry_after_ms > AUTH_IMDS_410_STEP_MS ? retry_after_ms : AUTH_IMDS_410_STEP_MS;
    }
    if (attempt > max_retries)
        return -1;
    bool retryable = transient_failure;
    if (failure == AUTH_HTTP_OK) {
        retryable = http_status == 429 || (http_status >= 500 && http_status <= 599) ||
                    (policy == AUTH_RETRY_IMDS && http_status == 404);
    }
    if (!retryable)
        return -1;
    /* IMDS: tries at ~0/2/6/14/30 s (2 s doubling); others 1 s doubling. Both cap at 60 s;
     * a longer Retry-After wins, and a 5xx waits at least 1 s. */
    int64_t delay = exponential_ms(policy == AUTH_RETRY_IMDS ? 2000 : 1000, attempt);
    if (retry_after_ms > delay)
        delay = retry_after_ms;
    return delay;
}

static const char *failure_text(auth_http_failure failure)
{
    switch (failure) {
    case AUTH_HTTP_CONNECT:
        return "could not connect";
    case AUTH_HTTP_TIMEOUT:
        return "timed out";
    default:
        return "transport error";
    }
}

/* The URL without its query: IMDS/App Service URLs carry no secret, but keep errors short. */
static void url_for_error(const char *url, char *out, size_t out_size)
{
    size_t n = strcspn(url, "?");
    snprintf(out, out_size, "%.*s", (int)(n < 200 ? n : 200), url);
}

auth_status auth_http_send_retrying(const auth_credential *credential, auth_retry_policy policy,
                                    const auth_http_request *request, bool connect_is_unavailable,
                                    auth_http_response *out_response, auth_error *error)
{
    const auth_options *options = &credential->options;
    auth_transport transport = options->transport;
    if (!transport.send)
        transport = auth_default_transport();
    char where[256];
    url_for_error(request->url, where, sizeof(where));
    if (!transport.send)
        return auth_error_set(error, AUTH_TRANSPORT, credential->name, 0, NULL, NULL,
                              "%s: no HTTP transport is available to reach %s", credential->name,
                              where);
    int64_t waited_ms = 0;
    for (int attempt = 1;; attempt++) {
        char detail[256] = "";
        auth_http_response_dispose(out_response);
        auth_http_failure failure =
            transport.send(transport.ctx, request, out_response, detail, sizeof(detail));
        if (failure == AUTH_HTTP_CONNECT && attempt == 1 && connect_is_unavailable) {
            auth_http_response_dispose(out_response);
            return auth_error_set(error, AUTH_UNAVAILABLE, credential->name, 0, NULL, NULL,
                                  "%s: no endpoint answers at %s (%s)", credential->name, where,
                                  detail[0] ? detail : failure_text(failure));
        }
        int64_t delay =
            auth_retry_delay_ms(policy, attempt, options->max_retries, out_response->status,
                                failure, out_response->retry_after, waited_ms);
        if (delay < 0) {
            if (failure == AUTH_HTTP_OK)
                return AUTH_OK; /* an answer: the caller reads success or error from it */
            auth_http_response_dispose(out_response);
            return auth_error_set(error, AUTH_TRANSPORT, credential->name, 0, NULL, NULL,
                                  "%s: %s %s after %d tries: %s", credential->name, request->method,
                                  where, attempt, detail[0] ? detail : failure_text(failure));
        }
        if (failure == AUTH_HTTP_OK)
            auth_log(options, "%s: HTTP %ld from %s; retry %d in %lld ms", credential->name,
                     out_response->status, where, attempt, (long long)delay);
        else
            auth_log(options, "%s: %s (%s); retry %d in %lld ms", credential->name,
                     failure_text(failure), where, attempt, (long long)delay);
        auth_sleep_ms(options, delay);
        waited_ms += delay;
    }
}
