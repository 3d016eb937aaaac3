/* auth: the token cache — one token per credential + resource, refreshed ahead of expiry by
 * one caller at a time, and dropped (never reused) after ARM rejects it. */
#include "auth/auth_int.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failed refresh while the old token is still valid, wait this long before trying
 * again (azure-identity's DEFAULT_TOKEN_REFRESH_RETRY_DELAY). */
#define AUTH_REFRESH_RETRY_SECONDS 30

typedef struct auth_cache_entry {
    uint64_t credential_id;
    char *resource; /* normalised: "/.default" stripped, so both spellings share */
    auth_token token;
    int64_t refresh_at;
    int64_t retry_not_before;
    unsigned char rejected[SHA256_DIGEST_LENGTH]; /* hash of the token ARM refused */
    bool has_rejected;
    pthread_mutex_t refresh_lock; /* held while this entry's token is being fetched */
    struct auth_cache_entry *next;
} auth_cache_entry;

struct auth_cache {
    pthread_mutex_t lock; /* guards the list and every entry's fields */
    auth_cache_entry *entries;
    auth_clock_fn clock;
    void *clock_ctx;
    atomic_ulong fetches;
    auth_log_fn log;
    void *log_ctx;
};

static int64_t cache_now(const auth_cache *cache)
{
    return cache->clock ? cache->clock(cache->clock_ctx) : (int64_t)time(NULL);
}

auth_status auth_cache_new(auth_clock_fn clock, void *clock_ctx, auth_cache **out_cache,
                           auth_error *error)
{
    *out_cache = NULL;
    auth_cache *cache = calloc(1, sizeof(*cache));
    if (!cache || pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache);
        return auth_error_set(error, AUTH_NO_MEMORY, "auth_cache", 0, NULL, NULL,
                              "token cache: out of memory");
    }
    cache->clock = clock;
    cache->clock_ctx = clock_ctx;
    atomic_init(&cache->fetches, 0);
    *out_cache = cache;
    return AUTH_OK;
}

void auth_cache_free(auth_cache *cache)
{
    if (!cache)
        return;
    auth_cache_entry *entry = cache->entries;
    while (entry) {
        auth_cache_entry *next = entry->next;
        auth_token_dispose(&entry->token);
        free(entry->resource);
        pthread_mutex_destroy(&entry->refresh_lock);
        free(entry);
        entry = next;
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

void auth_cache_set_log(auth_cache *cache, auth_log_fn log, void *log_ctx)
{
    if (!cache)
        return;
    pthread_mutex_lock(&cache->lock);
    cache->log = log;
    cache->log_ctx = log_ctx;
    pthread_mutex_unlock(&cache->lock);
}

unsigned long auth_cache_fetch_count(const auth_cache *cache)
{
    return cache ? atomic_load(&((auth_cache *)cache)->fetches) : 0;
}

/* Caller holds cache->lock. Entries live until the cache is freed, so a pointer to one
 * stays valid after the lock is released. */
static auth_cache_entry *find_entry(auth_cache *cache, uint64_t credential_id, const char *resource,
                                    bool create)
{
    for (auth_cache_entry *entry = cache->entries; entry; entry = entry->next)
        if (entry->credential_id == credential_id && strcmp(entry->resource, resource) == 0)
            return entry;
    if (!create)
        return NULL;
    auth_cache_entry *entry = calloc(1, sizeof(*entry));
    if (!entry)
        return NULL;
    entry->resource = strdup(resource);
    if (!entry->resource || pthread_mutex_init(&entry->refresh_lock, NULL) != 0) {
        free(entry->resource);
        free(entry);
        return NULL;
    }
    entry->credential_id = credential_id;
    entry->next = cache->entries;
    cache->entries = entry;
    return entry;
}

/* "https://x/.default", "https://x/" and "https://x" name the same token. */
static char *cache_key(const char *scope_or_resource)
{
    char *key = auth_scope_to_resource(scope_or_resource);
    size_t len = key ? strlen(key) : 0;
    while (len > 8 && key[len - 1] == '/')
        key[--len] = '\0';
    return key;
}

static bool entry_is_fresh(const auth_cache_entry *entry, int64_t now)
{
    return entry->token.access_token && now < entry->refresh_at;
}

static bool entry_is_usable(const auth_cache_entry *entry, int64_t now)
{
    return entry->token.access_token && now < entry->token.expires_on;
}

static int64_t refresh_time(const auth_token *token, int64_t now)
{
    int64_t at = token->expires_on - AUTH_REFRESH_OFFSET_SECONDS;
    if (token->refresh_on > now && token->refresh_on < at) /* the service's refresh_in */
        at = token->refresh_on;
    if (at <= now) /* a token shorter-lived than the offset: refresh at half its life */
        at = now + (token->expires_on - now) / 2;
    return at;
}

static void token_hash(const char *token, unsigned char out[SHA256_DIGEST_LENGTH])
{
    SHA256((const unsigned char *)token, strlen(token), out);
}

auth_status auth_cache_get_token(auth_cache *cache, auth_credential *credential,
                                 const char *scope_or_resource, auth_token *out_token,
                                 auth_error *error)
{
    if (!cache || !credential || !scope_or_resource || !out_token)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, "auth_cache", 0, NULL, NULL,
                              "auth_cache_get_token: NULL argument");
    auth_token_dispose(out_token); /* a failure leaves no token behind */
    char *resource = cache_key(scope_or_resource);
    if (!resource)
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "token cache: out of memory");
    pthread_mutex_lock(&cache->lock);
    auth_cache_entry *entry = find_entry(cache, credential->id, resource, true);
    free(resource);
    if (!entry) {
        pthread_mutex_unlock(&cache->lock);
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "token cache: out of memory");
    }
    if (entry_is_fresh(entry, cache_now(cache))) {
        auth_status status = auth_token_copy(&entry->token, out_token, error);
        pthread_mutex_unlock(&cache->lock);
        return status;
    }
    pthread_mutex_unlock(&cache->lock);

    /* One refresh at a time per entry; whoever waited here finds the new token. */
    pthread_mutex_lock(&entry->refresh_lock);
    pthread_mutex_lock(&cache->lock);
    int64_t now = cache_now(cache);
    if (entry_is_fresh(entry, now) ||
        (entry_is_usable(entry, now) && now < entry->retry_not_before)) {
        auth_status status = auth_token_copy(&entry->token, out_token, error);
        pthread_mutex_unlock(&cache->lock);
        pthread_mutex_unlock(&entry->refresh_lock);
        return status;
    }
    pthread_mutex_unlock(&cache->lock);

    auth_token fresh;
    auth_token_init(&fresh);
    auth_error fetch_error;
    atomic_fetch_add(&cache->fetches, 1);
    auth_status status =
        auth_credential_get_token(credential, scope_or_resource, &fresh, &fetch_error);

    auth_log_fn log = NULL;
    void *log_ctx = NULL;
    char line[sizeof(fetch_error.message) + 160];
    pthread_mutex_lock(&cache->lock);
    now = cache_now(cache);
    if (status == AUTH_OK && fresh.expires_on <= now) {
        status = auth_error_set(&fetch_error, AUTH_BAD_RESPONSE, credential->name, 0, NULL, NULL,
                                "%s: the token service returned a token that has already "
                                "expired (is this machine's clock right?)",
                                credential->name);
    }
    if (status == AUTH_OK && entry->has_rejected) {
        unsigned char hash[SHA256_DIGEST_LENGTH];
        token_hash(fresh.access_token, hash);
        if (memcmp(hash, entry->rejected, sizeof(hash)) == 0)
            status = auth_error_set(&fetch_error, AUTH_REJECTED, credential->name, 0, NULL, NULL,
                                    "%s: the token service handed back the token ARM just "
                                    "rejected; not reusing it",
                                    credential->name);
    }
    if (status == AUTH_OK) {
        auth_token_dispose(&entry->token);
        entry->token = fresh; /* takes ownership */
        auth_token_init(&fresh);
        entry->refresh_at = refresh_time(&entry->token, now);
        entry->retry_not_before = 0;
        entry->has_rejected = false;
        status = auth_token_copy(&entry->token, out_token, error);
    } else if (entry_is_usable(entry, now)) {
        /* Refreshing ahead failed but the old token still works: use it, retry later. */
        entry->retry_not_before = now + AUTH_REFRESH_RETRY_SECONDS;
        status = auth_token_copy(&entry->token, out_token, error);
        if (cache->log) {
            log = cache->log;
            log_ctx = cache->log_ctx;
            snprintf(line, sizeof(line),
                     "token refresh for %s failed, still using the cached token (expires in "
                     "%lld s), next try in %d s: %s",
                     entry->resource, (long long)(entry->token.expires_on - now),
                     AUTH_REFRESH_RETRY_SECONDS, fetch_error.message);
        }
    } else if (error) {
        *error = fetch_error;
    }
    pthread_mutex_unlock(&cache->lock);
    pthread_mutex_unlock(&entry->refresh_lock);
    if (log) /* outside the locks: the callback may do anything */
        log(log_ctx, line);
    auth_token_dispose(&fresh);
    return status;
}

void auth_cache_invalidate(auth_cache *cache, const auth_credential *credential,
                           const char *scope_or_resource, const char *rejected)
{
    if (!cache || !credential || !scope_or_resource)
        return;
    char *resource = cache_key(scope_or_resource);
    if (!resource)
        return;
    pthread_mutex_lock(&cache->lock);
    auth_cache_entry *entry = find_entry(cache, credential->id, resource, false);
    bool current = entry && entry->token.access_token &&
                   (rejected == NULL || strcmp(rejected, entry->token.access_token) == 0);
    if (current) {
        token_hash(entry->token.access_token, entry->rejected);
        entry->has_rejected = true;
        auth_token_dispose(&entry->token);
        entry->refresh_at = 0;
        entry->retry_not_before = 0;
    }
    pthread_mutex_unlock(&cache->lock);
    free(resource);
}
