/* The pipeline: pacing, bearer tokens and retries around arm_http_send_all. Requests that
 * are ready go out together; the rest wait (on the injected clock) until their time. */
#include "arm/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_EXTRA (ARM_SIGNER_MAX_HEADERS + 2)

typedef struct item {
    arm_http_exchange *out;
    const arm_http_request *request;
    arm_http_request wrapped;
    arm_http_header *headers;
    arm_http_field extra[MAX_EXTRA]; /* added per try: client id, Authorization, signature */
    size_t extra_count;
    char client_request_id[37];
    char key[256];
    int attempts;
    double first_try;
    double ready_at;
    bool refreshed;
    bool done;
    arm_error unauthorized; /* the 401 that made us refresh the token */
} item;

/* Frees what prepare() added, wiping values: they may hold tokens or signatures. */
static void wipe_extra(item *it)
{
    for (size_t i = 0; i < it->extra_count; i++) {
        if (it->extra[i].value != NULL)
            explicit_bzero(it->extra[i].value, strlen(it->extra[i].value));
        free(it->extra[i].name);
        free(it->extra[i].value);
    }
    it->extra_count = 0;
    free(it->headers);
    it->headers = NULL;
}

static arm_status add_extra(item *it, const char *name, const char *prefix, const char *value,
                            arm_error *err)
{
    size_t len = strlen(prefix) + strlen(value) + 1;
    arm_http_field *f = &it->extra[it->extra_count];
    f->name = strdup(name);
    f->value = malloc(len);
    if (f->name == NULL || f->value == NULL) {
        free(f->name);
        free(f->value);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory building headers");
    }
    snprintf(f->value, len, "%s%s", prefix, value);
    it->extra_count++;
    return ARM_OK;
}

/* Rebuilds the header array: the caller's headers, then the extra ones. */
static arm_status link_headers(item *it, arm_error *err)
{
    size_t n = it->request->header_count;
    free(it->headers);
    it->headers = calloc(n + it->extra_count, sizeof *it->headers);
    if (it->headers == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory building headers");
    if (n > 0)
        memcpy(it->headers, it->request->headers, n * sizeof *it->headers);
    for (size_t i = 0; i < it->extra_count; i++) {
        it->headers[n + i].name = it->extra[i].name;
        it->headers[n + i].value = it->extra[i].value;
    }
    it->wrapped.headers = it->headers;
    it->wrapped.header_count = n + it->extra_count;
    return ARM_OK;
}

/* Builds the request for one try: the caller's, plus x-ms-client-request-id (the same on
 * every try), a bearer token and/or a signature over exactly what is sent. */
static arm_status prepare(const arm_pipeline *p, item *it, arm_error *err)
{
    it->wrapped = *it->request;
    if (it->client_request_id[0] == '\0') {
        if (it->request->client_request_id != NULL)
            snprintf(it->client_request_id, sizeof it->client_request_id, "%s",
                     it->request->client_request_id);
        else
            arm_http_new_guid(it->client_request_id);
    }
    it->wrapped.client_request_id = it->client_request_id;
    if (p->tokens == NULL && p->signer == NULL)
        return ARM_OK;
    /* The signer must see the id header the transport will add, so it is added here. */
    arm_status st = add_extra(it, "x-ms-client-request-id", "", it->client_request_id, err);
    if (st == ARM_OK && p->tokens != NULL) {
        char *token = NULL;
        st = p->tokens->get_token(p->tokens->ctx, p->resource, &token, err);
        if (st == ARM_OK && token == NULL)
            st = arm_error_set(err, ARM_ERR_AUTH, "no token for %s", p->resource);
        if (st == ARM_OK)
            st = add_extra(it, "Authorization", "Bearer ", token, err);
        if (token != NULL) {
            explicit_bzero(token, strlen(token));
            free(token);
        }
    }
    if (st == ARM_OK)
        st = link_headers(it, err);
    if (st == ARM_OK && p->signer != NULL) {
        size_t added = 0;
        st =
            p->signer->sign(p->signer->ctx, &it->wrapped, it->extra + it->extra_count, &added, err);
        it->extra_count += added <= ARM_SIGNER_MAX_HEADERS ? added : 0;
        if (st == ARM_OK)
            st = link_headers(it, err);
    }
    return st;
}

/* Every call left must wait, and may not: they end here, unsent; a try already made keeps
 * its reply's details (a 429's retry-after, say) beside the cancelled status. */
static void cancel_waiting(const arm_pipeline *p, item *items, size_t count, double now)
{
    for (size_t i = 0; i < count; i++) {
        if (items[i].done)
            continue;
        /* Its reservation goes back: a call given up must not delay those that follow. */
        arm_pacer_release(p->pacer, items[i].key, now);
        arm_error *error = &items[i].out->error;
        if (items[i].attempts == 0)
            arm_error_set(error, ARM_ERR_CANCELLED, "not sent: asked to stop");
        error->status = ARM_ERR_CANCELLED;
        error->attempts = items[i].attempts;
        items[i].out->status = ARM_ERR_CANCELLED;
        items[i].done = true;
    }
}

/* The bearer token the try carried (NULL when none): a 401 invalidates that one only. */
static const char *sent_token(const item *it)
{
    static const char bearer[] = "Bearer ";
    for (size_t i = 0; i < it->extra_count; i++)
        if (strcasecmp(it->extra[i].name, "Authorization") == 0 &&
            strncmp(it->extra[i].value, bearer, sizeof bearer - 1) == 0)
            return it->extra[i].value + sizeof bearer - 1;
    return NULL;
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
        it->unauthorized = x->error;
        if (p->tokens->invalidate != NULL)
            p->tokens->invalidate(p->tokens->ctx, p->resource, sent_token(it));
        it->ready_at = now;
        return false;
    }
    double delay = 0;
    /* Bytes already handed to a sink that cannot start over make a retry unsafe. */
    bool sink_dirty = x->response.streamed_bytes > 0 && it->request->response_rewind == NULL;
    /* Likewise a streamed body that cannot start over cannot be sent again. */
    bool source_spent = it->request->body_read != NULL && it->request->body_rewind == NULL;
    if (x->status == ARM_OK || sink_dirty || source_spent ||
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
        bool finished = st != ARM_OK || settle(p, rp, it, &xs[k], now);
        wipe_extra(it); /* after settle: a 401 names the token it refused */
        if (finished) {
            it->done = true;
            arm_http_response_dispose(&it->out->response);
            *it->out = xs[k];
            it->out->request = it->request;
        } else {
            it->out->error = xs[k].error; /* the last try's details, should a stop end it here */
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
            arm_error_init(&it->out->error); /* this try's, not the last one's */
            arm_status ps = prepare(p, it, &it->out->error);
            if (ps != ARM_OK && it->refreshed) {
                /* No fresh token: the service's own 401 says more than the token
                 * provider's failure (wrong tenant, a missing role on storage…); why
                 * no token could be had (a rotated secret…) leads its message. */
                arm_error refresh = it->out->error;
                it->out->error = it->unauthorized;
                char text[sizeof refresh.message * 2 + 64];
                snprintf(text, sizeof text, "no fresh token: %s; the service had said: %s",
                         refresh.message, it->unauthorized.message);
                snprintf(it->out->error.message, sizeof it->out->error.message, "%.*s",
                         (int)sizeof it->out->error.message - 1, text);
                ps = ARM_ERR_HTTP;
            }
            if (ps != ARM_OK) {
                /* A provider may fail without filling the error: the status still says so. */
                if (it->out->error.status == ARM_OK)
                    it->out->error.status = ps;
                it->out->status = ps;
                it->done = true;
                left--;
                continue;
            }
            ready[n++] = i;
        }
        if (n == 0) {
            if (next > now && rp.cancelled != NULL && rp.cancelled(rp.cancel_ctx, next)) {
                cancel_waiting(p, items, count, now);
                break;
            }
            if (next > now)
                rp.clock.sleep(rp.clock.ctx, next - now);
            continue;
        }
        st = run_round(p, &rp, items, ready, n, err);
        for (size_t k = 0; k < n; k++)
            left -= items[ready[k]].done ? 1 : 0;
    }
    for (size_t i = 0; i < count; i++) {
        wipe_extra(&items[i]);
        if (!items[i].done) /* the transport itself failed: nothing more was tried */
            exchanges[i].status =
                arm_error_set(&exchanges[i].error, st, "not sent: %s", arm_status_text(st));
    }
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
