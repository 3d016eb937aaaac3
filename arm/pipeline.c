/* The pipeline: pacing, bearer tokens and retries around arm_http_send_all. Requests that
 * are ready go out together; the rest wait (on the injected clock) until their time. */
#include "arm/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    arm_http_exchange *out;
    const arm_http_request *request;
    arm_http_request wrapped;
    arm_http_header *headers;
    char *token;
    char key[256];
    int attempts;
    double first_try;
    double ready_at;
    bool refreshed;
    bool done;
} item;

static void wipe_token(item *it)
{
    if (it->token != NULL) {
        explicit_bzero(it->token, strlen(it->token));
        free(it->token);
        it->token = NULL;
    }
    if (it->headers != NULL) {
        const char *auth = it->headers[it->wrapped.header_count - 1].value;
        explicit_bzero((char *)auth, strlen(auth));
        free((char *)auth);
        free(it->headers);
        it->headers = NULL;
    }
}

/* Builds the request to send: the caller's, plus Authorization when tokens are in use. */
static arm_status prepare(const arm_pipeline *p, item *it, arm_error *err)
{
    it->wrapped = *it->request;
    if (p->tokens == NULL)
        return ARM_OK;
    arm_status st = p->tokens->get_token(p->tokens->ctx, p->resource, &it->token, err);
    if (st != ARM_OK || it->token == NULL) {
        if (err != NULL && err->status == ARM_OK)
            arm_error_set(err, ARM_ERR_AUTH, "no token for %s", p->resource);
        return ARM_ERR_AUTH;
    }
    size_t n = it->request->header_count;
    it->headers = calloc(n + 1, sizeof *it->headers);
    size_t len = strlen(it->token) + 8;
    char *value = it->headers != NULL ? malloc(len) : NULL;
    if (value == NULL) {
        free(it->headers);
        it->headers = NULL;
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory building headers");
    }
    snprintf(value, len, "Bearer %s", it->token);
    if (n > 0)
        memcpy(it->headers, it->request->headers, n * sizeof *it->headers);
    it->headers[n].name = "Authorization";
    it->headers[n].value = value;
    it->wrapped.headers = it->headers;
    it->wrapped.header_count = n + 1;
    return ARM_OK;
}

/* Decides what happens to a finished try; returns true when the item is finished. */
static bool settle(const arm_pipeline *p, const arm_retry_policy *rp, item *it,
                   arm_http_exchange *x, double now)
{
    it->attempts++;
    x->error.attempts = it->attempts;
    arm_pacer_observe(p->pacer, it->key, &x->response, now);
    if (x->status == ARM_ERR_HTTP && x->response.status == 401 && p->tokens != NULL &&
        !it->refreshed) {
        /* A token can expire or be revoked early: fetch a fresh one once, at once. */
        it->refreshed = true;
        if (p->tokens->invalidate != NULL)
            p->tokens->invalidate(p->tokens->ctx, p->resource);
        it->ready_at = now;
        return false;
    }
    double delay = 0;
    if (x->status == ARM_OK ||
        !arm_retry_decide(rp, it->request->method, x->status, &x->response, it->attempts,
                          rp->clock.random(rp->clock.ctx), now, &delay))
        return true;
    if (it->attempts >= rp->max_attempts || now + delay - it->first_try > rp->max_total_s) {
        x->status = x->error.status = ARM_ERR_GAVE_UP;
        return true;
    }
    it->ready_at = now + delay;
    if (p->pacer != NULL)
        it->ready_at += arm_pacer_reserve(p->pacer, it->key, it->ready_at);
    arm_http_client_log(
        p->http, ARM_LOG_INFO, "retrying %s %s in %.1f s after %s%s%.0ld (try %d of %d)",
        x->error.method, x->error.path, it->ready_at - now, arm_status_text(x->status),
        x->response.status ? " " : "", x->response.status, it->attempts + 1, rp->max_attempts);
    return false;
}

/* Sends the ready items together and settles each. */
static arm_status run_round(const arm_pipeline *p, const arm_retry_policy *rp, item *items,
                            size_t *ready, size_t n, arm_error *err)
{
    arm_http_exchange *xs = calloc(n, sizeof *xs);
    if (xs == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    double started = rp->clock.now(rp->clock.ctx);
    for (size_t k = 0; k < n; k++) {
        item *it = &items[ready[k]];
        if (it->first_try < 0)
            it->first_try = started;
        xs[k].request = &it->wrapped;
    }
    arm_status st = arm_http_send_all(p->http, xs, n, err);
    double now = rp->clock.now(rp->clock.ctx);
    for (size_t k = 0; k < n; k++) {
        item *it = &items[ready[k]];
        wipe_token(it);
        if (st != ARM_OK || settle(p, rp, it, &xs[k], now)) {
            it->done = true;
            arm_http_response_dispose(&it->out->response);
            *it->out = xs[k];
            it->out->request = it->request;
        } else {
            arm_http_response_dispose(&xs[k].response);
        }
    }
    free(xs);
    return st;
}

arm_status arm_pipeline_send_all(const arm_pipeline *p, const char *const *pacer_keys,
                                 arm_http_exchange *exchanges, size_t count, arm_error *err)
{
    if (p == NULL || p->http == NULL || (exchanges == NULL && count > 0))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_pipeline_send_all: NULL argument");
    arm_retry_policy rp = p->retry != NULL ? *p->retry : arm_retry_policy_default();
    if (rp.max_attempts < 1)
        rp.max_attempts = 1;
    item *items = calloc(count ? count : 1, sizeof *items);
    size_t *ready = calloc(count ? count : 1, sizeof *ready);
    if (items == NULL || ready == NULL) {
        free(items);
        free(ready);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    double now = rp.clock.now(rp.clock.ctx);
    size_t left = 0;
    for (size_t i = 0; i < count; i++) {
        item *it = &items[i];
        it->out = &exchanges[i];
        it->request = exchanges[i].request;
        arm_http_response_init(&exchanges[i].response);
        arm_error_init(&exchanges[i].error);
        exchanges[i].status = ARM_OK;
        it->first_try = -1;
        if (it->request == NULL || it->request->method == NULL || it->request->url == NULL) {
            exchanges[i].status = arm_error_set(&exchanges[i].error, ARM_ERR_INVALID_ARGUMENT,
                                                "exchange %zu has no request method/URL", i);
            it->done = true;
            continue;
        }
        if (pacer_keys != NULL && pacer_keys[i] != NULL)
            snprintf(it->key, sizeof it->key, "%s", pacer_keys[i]);
        else if (p->pacer != NULL)
            arm_pacer_key_for(it->request->method, it->request->url, it->key, sizeof it->key);
        it->ready_at = now + arm_pacer_reserve(p->pacer, it->key, now);
        left++;
    }
    arm_status st = ARM_OK;
    while (left > 0 && st == ARM_OK) {
        now = rp.clock.now(rp.clock.ctx);
        size_t n = 0;
        double next = -1;
        for (size_t i = 0; i < count; i++) {
            item *it = &items[i];
            if (it->done)
                continue;
            if (it->ready_at > now) {
                if (next < 0 || it->ready_at < next)
                    next = it->ready_at;
                continue;
            }
            if (prepare(p, it, &it->out->error) != ARM_OK) {
                it->out->status = it->out->error.status;
                it->done = true;
                left--;
                continue;
            }
            ready[n++] = i;
        }
        if (n == 0) {
            if (next > now)
                rp.clock.sleep(rp.clock.ctx, next - now);
            continue;
        }
        st = run_round(p, &rp, items, ready, n, err);
        for (size_t k = 0; k < n; k++)
            left -= items[ready[k]].done ? 1 : 0;
    }
    for (size_t i = 0; i < count; i++)
        wipe_token(&items[i]);
    free(items);
    free(ready);
    return st;
}

arm_status arm_pipeline_send(const arm_pipeline *p, const char *pacer_key,
                             const arm_http_request *request, arm_http_response *response,
                             arm_error *err)
{
    if (response == NULL || request == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_pipeline_send: NULL argument");
    arm_http_exchange x = {.request = request};
    const char *keys[1] = {pacer_key};
    arm_status st = arm_pipeline_send_all(p, keys, &x, 1, err);
    arm_http_response_dispose(response);
    *response = x.response;
    if (st != ARM_OK)
        return st;
    if (err != NULL)
        *err = x.error;
    return x.status;
}
