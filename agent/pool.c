/* The worker pool: threads take the next item from a shared counter, so a
 * slow scope holds one worker, never the rest. */
#include "agent/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct pool_work {
    agent_azure *azure;
    size_t count;
    agent_pool_fn fn;
    void *ctx;
    atomic_size_t next;
} pool_work;

static void *worker(void *argument)
{
    pool_work *work = argument;
    agent_azure *azure = work->azure;
    arm_http_client *http = NULL;
    arm_exports_client *client = NULL;
    arm_error error;
    arm_error_init(&error);
    arm_status status = arm_http_client_new(&azure->http_options, &http, &error);
    if (status == ARM_OK) {
        arm_exports_options options = arm_exports_options_default();
        options.endpoint = azure->arm_endpoint;
        options.api_version = azure->api_version;
        options.resource = azure->arm.resource;
        options.tokens = &azure->tokens;
        options.pacer = azure->pacer;
        options.retry = &azure->retry;
        status = arm_exports_client_new(http, &options, &client, &error);
    }
    for (;;) {
        size_t item = atomic_fetch_add(&work->next, 1);
        if (item >= work->count)
            break;
        work->fn(work->ctx, item, status == ARM_OK ? client : NULL, status, &error);
    }
    arm_exports_client_free(client);
    arm_http_client_free(http);
    return NULL;
}

void agent_pool_run(agent_azure *azure, size_t count, int concurrency, agent_pool_fn fn, void *ctx)
{
    pool_work work = {.azure = azure, .count = count, .fn = fn, .ctx = ctx};
    atomic_init(&work.next, 0);
    size_t threads = (size_t)(concurrency > 0 ? concurrency : 1);
    if (threads > count)
        threads = count ? count : 1;
    pthread_t *ids = calloc(threads, sizeof *ids);
    size_t started = 0;
    while (ids != NULL && started < threads &&
           pthread_create(&ids[started], NULL, worker, &work) == 0)
        started++;
    if (started == 0)
        worker(&work);
    for (size_t t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    free(ids);
}
