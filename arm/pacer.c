/* Token-bucket pacer shared by the process: reserve before sending, observe each reply.
 * Tokens can go negative (debt) so that N concurrent callers get N staggered start times. */
#include "arm/pacer.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct bucket {
    char *key;
    arm_pacer_limits limits;
    double tokens;
    double updated;
    double blocked_until;
    double last_cut; /* when the shared bucket's rate was last cut (AIMD) */
} bucket;

struct arm_pacer {
    arm_pacer_options opts;
    pthread_mutex_t lock;
    bucket *buckets;
    size_t count;
};

arm_pacer_options arm_pacer_options_default(void)
{
    arm_pacer_options o;
    o.cost_management = (arm_pacer_limits){10, 0.2};
    o.cost_management_shared = (arm_pacer_limits){1000, 50};
    o.arm_reads = (arm_pacer_limits){200, 20};
    o.arm_writes = (arm_pacer_limits){160, 8};
    o.default_limits = (arm_pacer_limits){50, 5};
    o.throttle_default_s = 60;
    return o;
}

arm_status arm_pacer_new(const arm_pacer_options *opts, arm_pacer **out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_pacer_new: out is NULL");
    arm_pacer_options o = opts != NULL ? *opts : arm_pacer_options_default();
    const arm_pacer_limits *all[] = {&o.cost_management, &o.cost_management_shared, &o.arm_reads,
                                     &o.arm_writes, &o.default_limits};
    for (size_t i = 0; i < 5; i++) {
        if (!(all[i]->capacity >= 1) || !(all[i]->refill_per_s > 0))
            return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                                 "arm_pacer_new: limits need capacity >= 1 and refill > 0");
    }
    arm_pacer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "arm_pacer_new: out of memory");
    p->opts = o;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return ARM_OK;
}

void arm_pacer_free(arm_pacer *pacer)
{
    if (pacer == NULL)
        return;
    for (size_t i = 0; i < pacer->count; i++)
        free(pacer->buckets[i].key);
    free(pacer->buckets);
    pthread_mutex_destroy(&pacer->lock);
    free(pacer);
}

/* The bucket every Cost Management scope also draws on. */
#define SHARED_KEY "costmanagement*shared"

static bool is_cost_management(const char *key)
{
    return strncmp(key, "costmanagement:", 15) == 0;
}

static arm_pacer_limits limits_for(const arm_pacer *p, const char *key)
{
    if (strcmp(key, SHARED_KEY) == 0)
        return p->opts.cost_management_shared;
    if (strncmp(key, "costmanagement:", 15) == 0)
        return p->opts.cost_management;
    if (strncmp(key, "arm-read:", 9) == 0)
        return p->opts.arm_reads;
    if (strncmp(key, "arm-write:", 10) == 0)
        return p->opts.arm_writes;
    return p->opts.default_limits;
}

/* Finds or creates a bucket (lock held); NULL only when out of memory. */
static bucket *find(arm_pacer *p, const char *key, double now)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->buckets[i].key, key) == 0)
            return &p->buckets[i];
    }
    bucket *grown = realloc(p->buckets, (p->count + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    p->buckets = grown;
    bucket *b = &p->buckets[p->count];
    b->key = strdup(key);
    if (b->key == NULL)
        return NULL;
    p->count++;
    b->limits = limits_for(p, key);
    b->tokens = b->limits.capacity;
    b->updated = now;
    b->blocked_until = 0;
    b->last_cut = 0;
    return b;
}

static void refill(bucket *b, double now)
{
    if (now > b->updated) {
        b->tokens += (now - b->updated) * b->limits.refill_per_s;
        if (b->tokens > b->limits.capacity)
            b->tokens = b->limits.capacity;
        b->updated = now;
    }
}

/* Takes a token from one bucket (lock held); the wait it imposes. */
static double take(bucket *b, double now)
{
    double wait = 0;
    refill(b, now);
    b->tokens -= 1;
    if (b->tokens < 0)
        wait = -b->tokens / b->limits.refill_per_s;
    if (b->blocked_until - now > wait)
        wait = b->blocked_until - now;
    return wait;
}

/* The buckets a call with `key` draws on: its own, and for Cost Management the one all
 * scopes share (lock held; an entry may be NULL when out of memory). find() may move the
 * buckets when it adds one, so both exist before either pointer is taken. */
static void buckets_of(arm_pacer *pacer, const char *key, double now, bucket *out[2])
{
    bool shared = is_cost_management(key);
    if (shared)
        find(pacer, SHARED_KEY, now);
    out[0] = find(pacer, key, now);
    out[1] = shared ? find(pacer, SHARED_KEY, now) : NULL;
}

double arm_pacer_reserve(arm_pacer *pacer, const char *key, double now)
{
    if (pacer == NULL || key == NULL || key[0] == '\0')
        return 0;
    pthread_mutex_lock(&pacer->lock);
    bucket *buckets[2];
    buckets_of(pacer, key, now, buckets);
    double wait = 0;
    for (int i = 0; i < 2; i++) {
        double bucket_wait = buckets[i] != NULL ? take(buckets[i], now) : 0;
        if (bucket_wait > wait)
            wait = bucket_wait;
    }
    pthread_mutex_unlock(&pacer->lock);
    return wait;
}

void arm_pacer_release(arm_pacer *pacer, const char *key, double now)
{
    if (pacer == NULL || key == NULL || key[0] == '\0')
        return;
    pthread_mutex_lock(&pacer->lock);
    bucket *buckets[2];
    buckets_of(pacer, key, now, buckets);
    for (int i = 0; i < 2; i++) {
        if (buckets[i] == NULL)
            continue;
        refill(buckets[i], now);
        buckets[i]->tokens += 1;
        if (buckets[i]->tokens > buckets[i]->limits.capacity)
            buckets[i]->tokens = buckets[i]->limits.capacity;
    }
    pthread_mutex_unlock(&pacer->lock);
}

/* Which bucket a Cost Management quota header speaks of: the scope's ("entity") or the one
 * all scopes share ("clienttype", "client", "tenant"). */
static bool names_shared_quota(const char *header)
{
    const char *cm = strcasestr(header, "microsoft.costmanagement-");
    if (cm == NULL)
        return false;
    cm += strlen("microsoft.costmanagement-");
    return strncasecmp(cm, "clienttype-", 11) == 0 || strncasecmp(cm, "client-", 7) == 0 ||
           strncasecmp(cm, "tenant-", 7) == 0;
}

/* Lowers a bucket to what the service says is left, blocks it on a 429 (lock held). */
static void learn(arm_pacer *pacer, bucket *b, double remaining, bool throttled, double after,
                  double now)
{
    refill(b, now);
    /* Trust the service when it sees less quota than we think (other clients share it). */
    if (remaining >= 0 && remaining < b->tokens)
        b->tokens = remaining;
    if (remaining == 0 && b->blocked_until < now + 1 / b->limits.refill_per_s)
        b->blocked_until = now + 1 / b->limits.refill_per_s;
    if (throttled) {
        if (after < 0)
            after = pacer->opts.throttle_default_s;
        if (b->tokens > 0)
            b->tokens = 0;
        if (now + after > b->blocked_until)
            b->blocked_until = now + after;
    }
}

/* The shared quota's refill rate is not published: find it as TCP finds a link's, halving
 * it on a 429 (once per retry-after window, as replies to calls already in flight come back
 * throttled together) and adding a little back with each reply that got through. */
static void adapt_rate(arm_pacer *pacer, bucket *b, bool throttled, double after, double now)
{
    double ceiling = pacer->opts.cost_management_shared.refill_per_s;
    double floor_rate = ceiling / 1000;
    if (throttled) {
        if (now - b->last_cut >= (after > 1 ? after : 1)) {
            b->limits.refill_per_s =
                b->limits.refill_per_s / 2 > floor_rate ? b->limits.refill_per_s / 2 : floor_rate;
            b->last_cut = now;
        }
    } else if (b->limits.refill_per_s < ceiling) {
        b->limits.refill_per_s += b->limits.refill_per_s * 0.02 + 0.01;
        if (b->limits.refill_per_s > ceiling)
            b->limits.refill_per_s = ceiling;
    }
}

/* Smallest number in a remaining-quota value: "249", "DefaultQuota:7",
 * "QueriesPerHour:597,QueriesPerMin:57,QueriesPer10Sec:9". -1 when none. */
static double smallest_number(const char *value)
{
    double best = -1;
    const char *p = value;
    while (*p != '\0') {
        if (isdigit((unsigned char)*p) &&
            (p == value || p[-1] == ':' || p[-1] == ' ' || p[-1] == ',' || p[-1] == '=')) {
            char *end;
            double v = strtod(p, &end);
            if (best < 0 || v < best)
                best = v;
            p = end;
            continue;
        }
        p++;
    }
    return best;
}

void arm_pacer_observe(arm_pacer *pacer, const char *key, const arm_http_response *response,
                       double now)
{
    if (pacer == NULL || key == NULL || key[0] == '\0' || response == NULL || response->status == 0)
        return;
    bool cost = is_cost_management(key);
    /* What the reply says of the scope's quota and, for Cost Management, of the shared one. */
    double remaining = -1, shared_remaining = -1, shared_after = -1;
    for (size_t i = 0; i < response->header_count; i++) {
        const char *name = response->headers[i].name;
        bool shared = cost && names_shared_quota(name);
        if (strncasecmp(name, "x-ms-ratelimit-remaining-", 25) == 0) {
            double v = smallest_number(response->headers[i].value);
            double *slot = shared ? &shared_remaining : &remaining;
            if (v >= 0 && (*slot < 0 || v < *slot))
                *slot = v;
        } else if (shared && strcasestr(name, "-retry-after") != NULL) {
            double v = strtod(response->headers[i].value, NULL);
            if (v > shared_after)
                shared_after = v;
        }
    }
    bool throttled = response->status == 429;
    /* A 429 the shared quota caused blocks every scope; otherwise only this one. */
    bool shared_throttled = throttled && shared_after >= 0;
    pthread_mutex_lock(&pacer->lock);
    bucket *b = find(pacer, key, now);
    if (b != NULL)
        learn(pacer, b, remaining, throttled && !shared_throttled,
              arm_http_retry_after(response, now), now);
    if (cost && (shared_remaining >= 0 || shared_throttled)) {
        bucket *shared = find(pacer, SHARED_KEY, now);
        if (shared != NULL) {
            learn(pacer, shared, shared_remaining, shared_throttled, shared_after, now);
            adapt_rate(pacer, shared, shared_throttled, shared_after, now);
        }
    }
    pthread_mutex_unlock(&pacer->lock);
}

double arm_pacer_tokens(arm_pacer *pacer, const char *key, double now)
{
    if (pacer == NULL || key == NULL)
        return 0;
    pthread_mutex_lock(&pacer->lock);
    double tokens = limits_for(pacer, key).capacity;
    for (size_t i = 0; i < pacer->count; i++) {
        if (strcmp(pacer->buckets[i].key, key) == 0) {
            refill(&pacer->buckets[i], now);
            tokens = pacer->buckets[i].tokens;
        }
    }
    pthread_mutex_unlock(&pacer->lock);
    return tokens;
}

void arm_pacer_key_for(const char *method, const char *url, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    if (url == NULL)
        return;
    const char *path = strstr(url, "://");
    path = path != NULL ? strchr(path + 3, '/') : url;
    if (path == NULL)
        path = "/";
    size_t path_len = strcspn(path, "?#");
    const char *cm = strcasestr(path, "/providers/Microsoft.CostManagement/");
    if (cm != NULL && (size_t)(cm - path) < path_len) {
        int n = (int)(cm - path);
        snprintf(out, cap, "costmanagement:%.*s", n, path);
        for (char *c = out; *c != '\0'; c++)
            *c = (char)tolower((unsigned char)*c);
        return;
    }
    int read = method == NULL || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const char *sub = strcasestr(path, "/subscriptions/");
    if (sub != NULL && (size_t)(sub - path) < path_len) {
        sub += 15;
        int n = (int)strcspn(sub, "/?#");
        snprintf(out, cap, "%s:%.*s", read ? "arm-read" : "arm-write", n, sub);
        for (char *c = out; *c != '\0'; c++)
            *c = (char)tolower((unsigned char)*c);
    } else {
        snprintf(out, cap, "%s:tenant", read ? "arm-read" : "arm-write");
    }
}

arm_status arm_pacer_export(arm_pacer *pacer, char **out_json, arm_error *err)
{
    if (pacer == NULL || out_json == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_pacer_export: NULL argument");
    json_t *buckets = json_object();
    pthread_mutex_lock(&pacer->lock);
    for (size_t i = 0; i < pacer->count; i++) {
        const bucket *b = &pacer->buckets[i];
        json_object_set_new(buckets, b->key,
                            json_pack("{s:f,s:f,s:f}", "tokens", b->tokens, "updated", b->updated,
                                      "blocked_until", b->blocked_until));
    }
    pthread_mutex_unlock(&pacer->lock);
    json_t *root = json_pack("{s:i,s:o}", "version", 1, "buckets", buckets);
    *out_json = root != NULL ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (*out_json == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "arm_pacer_export: out of memory");
    return ARM_OK;
}

arm_status arm_pacer_import(arm_pacer *pacer, const char *json, arm_error *err)
{
    if (pacer == NULL || json == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_pacer_import: NULL argument");
    json_error_t je;
    json_t *root = json_loads(json, 0, &je);
    json_t *buckets = json_object_get(root, "buckets");
    if (!json_is_object(root) || json_integer_value(json_object_get(root, "version")) != 1 ||
        !json_is_object(buckets)) {
        json_decref(root);
        return arm_error_set(err, ARM_ERR_PARSE,
                             "pacer state: expected {\"version\":1,\"buckets\":{…}} (line %d: %s)",
                             je.line, root == NULL ? je.text : "wrong shape");
    }
    arm_status st = ARM_OK;
    const char *key;
    json_t *v;
    pthread_mutex_lock(&pacer->lock);
    json_object_foreach(buckets, key, v)
    {
        json_t *t = json_object_get(v, "tokens"), *u = json_object_get(v, "updated"),
               *bu = json_object_get(v, "blocked_until");
        if (!json_is_number(t) || !json_is_number(u) || !json_is_number(bu)) {
            st = arm_error_set(err, ARM_ERR_PARSE,
                               "pacer state: bucket \"%s\" needs numeric tokens, updated and "
                               "blocked_until",
                               key);
            break;
        }
        double updated = json_number_value(u);
        bucket *b = find(pacer, key, updated);
        if (b == NULL) {
            st = arm_error_set(err, ARM_ERR_NO_MEMORY, "pacer state: out of memory");
            break;
        }
        /* Bring both views to the same instant, then keep the lower tokens / later block. */
        double at = updated > b->updated ? updated : b->updated;
        bucket saved = *b;
        saved.tokens = json_number_value(t);
        saved.updated = updated;
        refill(&saved, at);
        refill(b, at);
        if (saved.tokens < b->tokens)
            b->tokens = saved.tokens;
        if (json_number_value(bu) > b->blocked_until)
            b->blocked_until = json_number_value(bu);
    }
    pthread_mutex_unlock(&pacer->lock);
    json_decref(root);
    return st;
}
