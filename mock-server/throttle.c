/* Throttling like Cost Management and ARM: token buckets per scope+client, client and
 * tenant, and ARM read/write buckets per principal; 429s and remaining-quota headers. */
#include "mock-server/mock_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mock_throttle_clear(mock_server *server)
{
    for (size_t i = 0; i < server->bucket_count; i++)
        free(server->buckets[i].key);
    free(server->buckets);
    server->buckets = NULL;
    server->bucket_count = 0;
}

/* Index of the bucket for key (created full), or -1. Indexes, because the array moves. */
static long bucket_for(mock_server *server, const char *key, const mock_bucket_config *cfg,
                       double now)
{
    for (size_t i = 0; i < server->bucket_count; i++)
        if (strcmp(server->buckets[i].key, key) == 0)
            return (long)i;
    mock_bucket *grown = realloc(server->buckets, (server->bucket_count + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    server->buckets = grown;
    mock_bucket *b = &grown[server->bucket_count];
    b->key = strdup(key);
    b->tokens = cfg->capacity;
    b->updated = now;
    return (long)server->bucket_count++;
}

typedef struct check {
    const char *header; /* name part of the retry-after / remaining headers */
    const mock_bucket_config *cfg;
    long bucket;
    long retry_after;
} check;

static void refill(mock_bucket *b, const mock_bucket_config *cfg, double now)
{
    if (now > b->updated)
        b->tokens = fmin(cfg->capacity, b->tokens + (now - b->updated) * cfg->refill_per_second);
    b->updated = now;
}

bool mock_throttle_check(mock_server *server, const mock_request *request, const char *scope_lower,
                         const char *client, const char *tenant, bool cost_management,
                         mock_reply *reply)
{
    const mock_throttle_config *t = &server->throttle;
    if (!t->enabled)
        return true;
    double now = mock_now(server);
    bool read = strcmp(request->method, "GET") == 0;
    /* A ClientType header moves the caller into its own bucket, as the real service does. */
    const char *client_type = mock_request_header(request, "ClientType");
    char keys[5][1400];
    check checks[5];
    size_t n = 0;
    snprintf(keys[n], sizeof keys[n], "arm-%s|%s", read ? "reads" : "writes", client);
    checks[n++] = (check){read ? "reads" : "writes", read ? &t->arm_reads : &t->arm_writes, -1, 0};
    if (cost_management) {
        snprintf(keys[n], sizeof keys[n], "cm-entity|%s|%s", scope_lower, client);
        checks[n++] = (check){"entity", &t->scope_client, -1, 0};
        snprintf(keys[n], sizeof keys[n], "cm-client|%s", client_type ? client_type : client);
        checks[n++] = (check){"clienttype", &t->client, -1, 0};
        snprintf(keys[n], sizeof keys[n], "cm-tenant|%s", tenant);
        checks[n++] = (check){"tenant", &t->tenant, -1, 0};
    }
    long retry_after = 0;
    bool arm_throttled = false;
    for (size_t i = 0; i < n; i++) {
        if (checks[i].cfg->capacity <= 0)
            continue; /* capacity 0 switches a bucket off */
        checks[i].bucket = bucket_for(server, keys[i], checks[i].cfg, now);
    }
    for (size_t i = 0; i < n; i++) {
        if (checks[i].bucket < 0)
            continue;
        mock_bucket *bucket = &server->buckets[checks[i].bucket];
        refill(bucket, checks[i].cfg, now);
        if (bucket->tokens < 1.0) {
            double rate = checks[i].cfg->refill_per_second;
            checks[i].retry_after = rate > 0 ? (long)ceil((1.0 - bucket->tokens) / rate) : 3600;
            if (checks[i].retry_after < 1)
                checks[i].retry_after = 1;
            if (checks[i].retry_after > retry_after)
                retry_after = checks[i].retry_after;
            arm_throttled = arm_throttled || i == 0;
        }
    }
    char name[128], value[64];
    if (retry_after > 0) {
        if (arm_throttled && !cost_management)
            mock_reply_arm_error(reply, 429, "TooManyRequests",
                                 "The request is being throttled as the limit has been reached for "
                                 "operation type - '%s'. Please try again after '%ld' seconds.",
                                 read ? "Read" : "Write", retry_after);
        else
            mock_reply_arm_error(reply, 429, "429", "Too many requests. Please retry.");
        snprintf(value, sizeof value, "%ld", retry_after);
        mock_reply_header(reply, "Retry-After", value);
        for (size_t i = 1; i < n; i++) {
            if (checks[i].retry_after > 0) {
                snprintf(name, sizeof name,
                         "x-ms-ratelimit-microsoft.costmanagement-%s-retry-after",
                         checks[i].header);
                snprintf(value, sizeof value, "%ld", checks[i].retry_after);
                mock_reply_header(reply, name, value);
            }
        }
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (checks[i].bucket < 0)
            continue;
        mock_bucket *bucket = &server->buckets[checks[i].bucket];
        bucket->tokens -= 1.0;
        long remaining = (long)floor(bucket->tokens);
        if (i == 0) {
            const char *kind = read                                     ? "reads"
                               : strcmp(request->method, "DELETE") == 0 ? "deletes"
                                                                        : "writes";
            snprintf(name, sizeof name, "x-ms-ratelimit-remaining-subscription-%s", kind);
            snprintf(value, sizeof value, "%ld", remaining);
            mock_reply_header(reply, name, value);
            snprintf(name, sizeof name, "x-ms-ratelimit-remaining-tenant-%s",
                     read ? "reads" : "writes");
            mock_reply_header(reply, name, value);
        } else {
            snprintf(name, sizeof name,
                     "x-ms-ratelimit-remaining-microsoft.costmanagement-%s-requests",
                     checks[i].header);
            snprintf(value, sizeof value, "DefaultQuota:%ld", remaining);
            mock_reply_header(reply, name, value);
        }
    }
    return true;
}
