/* auth unit tests: the token cache with a fake clock and a scripted credential — reuse,
 * refresh ahead, fallback on a failed refresh, invalidation after 401, one refresh at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth_int.h"
#include "auth_fake.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A credential that hands out "token-N" living `lifetime` seconds, or fails on demand. */
typedef struct scripted_credential {
    auth_credential base;
    fake_time *time;
    int64_t lifetime;
    int64_t refresh_in;
    bool fail;
    bool repeat_last; /* hand back the previous token again (as IMDS's own cache may) */
    int issued;
    /* concurrency probe */
    atomic_int in_flight;
    atomic_int max_in_flight;
    atomic_int *arrived;
    int wait_for;
} scripted_credential;

static auth_status scripted_get_token(auth_credential *credential, const char *scope,
                                      auth_token *out, auth_error *error)
{
    scripted_credential *s = (scripted_credential *)credential;
    (void)scope;
    int now_in = atomic_fetch_add(&s->in_flight, 1) + 1;
    if (now_in > atomic_load(&s->max_in_flight))
        atomic_store(&s->max_in_flight, now_in);
    while (s->arrived && atomic_load(s->arrived) < s->wait_for)
        sched_yield(); /* hold the refresh until every thread is queued behind it */
    auth_status status = AUTH_OK;
    if (s->fail) {
        status = auth_error_set(error, AUTH_TRANSPORT, credential->name, 503, "unavailable", NULL,
                                "%s: scripted failure", credential->name);
    } else {
        if (!s->repeat_last || s->issued == 0)
            s->issued++;
        if (asprintf(&out->access_token, "token-%d", s->issued) < 0)
            abort();
        int64_t now = s->time ? s->time->now : 0;
        out->expires_on = now + s->lifetime;
        out->refresh_on = s->refresh_in ? now + s->refresh_in : 0;
    }
    atomic_fetch_sub(&s->in_flight, 1);
    return status;
}

static void scripted_destroy(auth_credential *credential)
{
    free(credential);
}

static const auth_credential_vtable scripted_vtable = {scripted_get_token, scripted_destroy};

static scripted_credential *scripted_new(fake_time *time, int64_t lifetime)
{
    scripted_credential *s = calloc(1, sizeof(*s));
    assert_int_equal(
        auth_credential_base_init(&s->base, &scripted_vtable, "ScriptedCredential", NULL, NULL),
        AUTH_OK);
    s->time = time;
    s->lifetime = lifetime;
    return s;
}

typedef struct cache_fixture {
    fake_time time;
    auth_cache *cache;
    scripted_credential *credential;
    auth_token token;
} cache_fixture;

static int setup(void **state)
{
    cache_fixture *f = calloc(1, sizeof(*f));
    f->time.now = 1700000000;
    assert_int_equal(auth_cache_new(fake_clock, &f->time, &f->cache, NULL), AUTH_OK);
    f->credential = scripted_new(&f->time, 3600);
    auth_token_init(&f->token);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    cache_fixture *f = *state;
    auth_token_dispose(&f->token);
    auth_credential_free(&f->credential->base);
    auth_cache_free(f->cache);
    free(f);
    return 0;
}

static const char *get(cache_fixture *f, const char *scope, auth_status expected)
{
    auth_error error;
    assert_int_equal(auth_cache_get_token(f->cache, &f->credential->base, scope, &f->token, &error),
                     expected);
    return f->token.access_token ? f->token.access_token : "";
}

#define ARM "https://management.azure.com"

static void test_reuses_until_five_minutes_before_expiry(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 3600 - 300 - 1; /* one second before the refresh point */
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_int_equal(auth_cache_fetch_count(f->cache), 1);
    f->time.now += 1; /* exactly 5 minutes before expiry: refresh ahead */
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
    assert_int_equal(f->token.expires_on, f->time.now + 3600);
}

static void test_scope_and_resource_share_an_entry(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_string_equal(get(f, ARM "/.default", AUTH_OK), "token-1");
    assert_string_equal(get(f, ARM "/", AUTH_OK), "token-1");
    assert_string_equal(get(f, "https://storage.azure.com/.default", AUTH_OK), "token-2");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
}

static void test_credentials_do_not_share_tokens(void **state)
{
    cache_fixture *f = *state;
    scripted_credential *other = scripted_new(&f->time, 3600);
    other->issued = 100;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_int_equal(auth_cache_get_token(f->cache, &other->base, ARM, &f->token, NULL), AUTH_OK);
    assert_string_equal(f->token.access_token, "token-101");
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    auth_credential_free(&other->base);
}

static void test_failed_refresh_keeps_valid_token_and_waits(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 3400; /* inside the refresh window, token still valid for 200 s */
    f->credential->fail = true;
    fake_log log = {0};
    auth_cache_set_log(f->cache, fake_log_line, &log);
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
    assert_non_null(log.text);
    assert_non_null(strstr(log.text, "token refresh for https://management.azure.com failed, "
                                     "still using the cached token (expires in 200 s)"));
    assert_non_null(strstr(log.text, "ScriptedCredential: scripted failure"));
    auth_cache_set_log(f->cache, NULL, NULL);
    fake_log_dispose(&log);
    f->time.now += 10; /* no new attempt for 30 s */
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
    f->time.now += 20;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    assert_int_equal(auth_cache_fetch_count(f->cache), 3);
    f->credential->fail = false;
    f->time.now += 30;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
}

static void test_expired_token_is_never_returned(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 3600; /* expired */
    f->credential->fail = true;
    auth_error error;
    assert_int_equal(auth_cache_get_token(f->cache, &f->credential->base, ARM, &f->token, &error),
                     AUTH_TRANSPORT);
    assert_null(f->token.access_token);
    assert_string_equal(error.credential, "ScriptedCredential");
    assert_int_equal(error.http_status, 503);
}

static void test_invalidate_after_401_fetches_new_token(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    auth_cache_invalidate(f->cache, &f->credential->base, ARM "/.default", NULL);
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
    /* invalidating something never cached is harmless */
    auth_cache_invalidate(f->cache, &f->credential->base, "https://vault.azure.net", NULL);
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
}

/* Two calls were refused the same token at once: the first 401 fetches a new token, the
 * second (late) must not throw that new one away. */
static void test_late_401_keeps_the_newer_token(void **state)
{
    cache_fixture *f = *state;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    auth_cache_invalidate(f->cache, &f->credential->base, ARM, "token-1");
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
    auth_cache_invalidate(f->cache, &f->credential->base, ARM, "token-1");
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
    assert_int_equal(auth_cache_fetch_count(f->cache), 2);
    /* A 401 to the current token still forgets it. */
    auth_cache_invalidate(f->cache, &f->credential->base, ARM, "token-2");
    assert_string_equal(get(f, ARM, AUTH_OK), "token-3");
}

static void test_rejected_token_handed_back_is_refused(void **state)
{
    cache_fixture *f = *state;
    f->credential->repeat_last = true;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    auth_cache_invalidate(f->cache, &f->credential->base, ARM, "token-1");
    auth_error error;
    assert_int_equal(auth_cache_get_token(f->cache, &f->credential->base, ARM, &f->token, &error),
                     AUTH_REJECTED);
    assert_null(f->token.access_token);
    assert_non_null(strstr(error.message, "just rejected"));
    assert_null(strstr(error.message, "token-1"));
    f->credential->repeat_last = false;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
}

static void test_short_lived_tokens_refresh_at_half_life(void **state)
{
    cache_fixture *f = *state;
    f->credential->lifetime = 120; /* shorter than the 5-minute offset */
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 59;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 1;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
}

static void test_refresh_in_is_honoured(void **state)
{
    cache_fixture *f = *state;
    f->credential->lifetime = 86400;
    f->credential->refresh_in = 43200;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 43199;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-1");
    f->time.now += 1;
    assert_string_equal(get(f, ARM, AUTH_OK), "token-2");
}

typedef struct thread_arg {
    cache_fixture *f;
    atomic_int *arrived;
    auth_status status;
    char token[32];
} thread_arg;

static void *fetch_thread(void *p)
{
    thread_arg *arg = p;
    auth_token token;
    auth_token_init(&token);
    atomic_fetch_add(arg->arrived, 1);
    arg->status = auth_cache_get_token(arg->f->cache, &arg->f->credential->base, ARM, &token, NULL);
    snprintf(arg->token, sizeof(arg->token), "%s", token.access_token ? token.access_token : "");
    auth_token_dispose(&token);
    return NULL;
}

static void test_one_refresh_at_a_time(void **state)
{
    cache_fixture *f = *state;
    enum { THREADS = 8 };
    atomic_int arrived;
    atomic_init(&arrived, 0);
    f->credential->arrived = &arrived;
    f->credential->wait_for = THREADS;
    pthread_t threads[THREADS];
    thread_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (thread_arg){.f = f, .arrived = &arrived};
        assert_int_equal(pthread_create(&threads[i], NULL, fetch_thread, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(args[i].status, AUTH_OK);
        assert_string_equal(args[i].token, "token-1");
    }
    assert_int_equal(auth_cache_fetch_count(f->cache), 1);
    assert_int_equal(atomic_load(&f->credential->max_in_flight), 1);
}

static void test_arm_token_provider(void **state)
{
    cache_fixture *f = *state;
    auth_provider provider = {f->cache, &f->credential->base};
    arm_token_provider arm = auth_provider_arm(&provider);
    char *token = NULL;
    arm_error error;
    arm_error_init(&error);
    assert_int_equal(arm.get_token(arm.ctx, ARM "/", &token, &error), ARM_OK);
    assert_string_equal(token, "token-1");
    free(token);
    assert_int_equal(arm.get_token(arm.ctx, ARM "/", &token, &error), ARM_OK);
    assert_string_equal(token, "token-1");
    free(token);
    arm.invalidate(arm.ctx, ARM "/", NULL); /* ARM said 401 */
    assert_int_equal(arm.get_token(arm.ctx, ARM "/", &token, &error), ARM_OK);
    assert_string_equal(token, "token-2");
    free(token);
    f->credential->fail = true;
    f->time.now += 3600;
    token = NULL;
    assert_int_equal(arm.get_token(arm.ctx, ARM "/", &token, &error), ARM_ERR_AUTH);
    assert_null(token);
    assert_non_null(strstr(error.message, "ScriptedCredential: scripted failure"));
    assert_string_equal(error.code, "unavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reuses_until_five_minutes_before_expiry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_resource_share_an_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_do_not_share_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_refresh_keeps_valid_token_and_waits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_token_is_never_returned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalidate_after_401_fetches_new_token, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_late_401_keeps_the_newer_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_token_handed_back_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_short_lived_tokens_refresh_at_half_life, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refresh_in_is_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_refresh_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arm_token_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
