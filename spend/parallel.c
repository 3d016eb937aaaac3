/* A month's files evaluated on several threads: each thread has its own evaluator (reader,
 * row, regex match block, groups) over the shared read-only definitions; the groups are merged
 * at the end, so memory stays one reader and one group table per thread. */
#include "spend/spend_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 8

spend_evaluate_options spend_evaluate_options_default(void)
{
    return (spend_evaluate_options){.threads = 0};
}

typedef struct shared {
    const char *const *paths;
    size_t count;
    size_t next;       /* next file to take, under the lock */
    bool failed;       /* once one file fails the others stop taking files */
    spend_error error; /* the first failure */
    spend_status status;
    pthread_mutex_t lock;
} shared;

typedef struct worker {
    shared *shared;
    spend_evaluator *evaluator;
} worker;

static void *work(void *argument)
{
    worker *w = argument;
    shared *s = w->shared;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t index = s->next < s->count && !s->failed ? s->next++ : s->count;
        pthread_mutex_unlock(&s->lock);
        if (index >= s->count)
            return NULL;
        spend_error error;
        spend_error_init(&error);
        spend_status status = spend_evaluator_add_file(w->evaluator, s->paths[index], &error);
        if (status != SPEND_OK) {
            pthread_mutex_lock(&s->lock);
            if (!s->failed) {
                s->failed = true;
                s->status = status;
                s->error = error;
            }
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
    }
}

static unsigned thread_count(const spend_evaluate_options *options, size_t files)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = options != NULL && options->threads > 0 ? options->threads
                 : cpus > 0                              ? (unsigned)cpus
                                                         : 1;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n > files)
        n = (unsigned)files;
    return n > 0 ? n : 1;
}

spend_status spend_evaluate_files(const spend_definitions *definitions, spend_month month,
                                  const char *const *paths, size_t count,
                                  const spend_evaluate_options *options,
                                  spend_summary **out_summary, spend_error *error)
{
    *out_summary = NULL;
    unsigned n = thread_count(options, count);
    worker workers[MAX_THREADS] = {0};
    pthread_t threads[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    shared s = {.paths = paths, .count = count, .status = SPEND_OK};
    spend_error_init(&s.error);
    pthread_mutex_init(&s.lock, NULL);
    spend_status status = SPEND_OK;
    for (unsigned i = 0; status == SPEND_OK && i < n; i++) {
        workers[i].shared = &s;
        status = spend_evaluator_new(definitions, month, &workers[i].evaluator, error);
    }
    /* The calling thread is worker 0; the others run beside it. */
    for (unsigned i = 1; status == SPEND_OK && i < n; i++)
        started[i] = pthread_create(&threads[i], NULL, work, &workers[i]) == 0;
    if (status == SPEND_OK)
        work(&workers[0]);
    for (unsigned i = 1; i < n; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&s.lock);
    if (status == SPEND_OK && s.failed) {
        status = s.status;
        if (error != NULL)
            *error = s.error;
    }
    for (unsigned i = 1; status == SPEND_OK && i < n; i++)
        status = spend_evaluator_merge(workers[0].evaluator, workers[i].evaluator, error);
    for (unsigned i = 1; i < n; i++)
        spend_evaluator_free(workers[i].evaluator);
    if (status != SPEND_OK) {
        spend_evaluator_free(workers[0].evaluator);
        return status;
    }
    return spend_evaluator_finish(workers[0].evaluator, out_summary, error);
}
