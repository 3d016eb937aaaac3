/* The hub lock. A lease rather than a flag: if the agent dies, the lease
 * runs out within a minute and the next agent can act. The renewing thread
 * has its own connection to storage, so it never shares a client with the
 * agent's work. */
#include "agent/hub_lock.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASE_SECONDS 60
#define RENEW_SECONDS 20

struct agent_hub_lock {
    agent_azure *azure; /* its own connection: clients are not shared across threads */
    char lease_id[64];
    pthread_t renewer;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    bool stopping;
    bool renewing;
};

static void *renew_loop(void *argument)
{
    agent_hub_lock *lock = argument;
    pthread_mutex_lock(&lock->mutex);
    while (!lock->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += RENEW_SECONDS;
        pthread_cond_timedwait(&lock->wake, &lock->mutex, &deadline);
        if (lock->stopping)
            break;
        arm_error error;
        arm_error_init(&error);
        arm_blob_lease_renew(lock->azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_HUB_LOCK_BLOB,
                             lock->lease_id, &error);
    }
    pthread_mutex_unlock(&lock->mutex);
    return NULL;
}

arm_status agent_hub_lock_acquire(const agent_config *config, agent_hub_lock **out_lock,
                                  arm_error *err)
{
    *out_lock = NULL;
    agent_hub_lock *lock = calloc(1, sizeof *lock);
    if (lock == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    pthread_mutex_init(&lock->mutex, NULL);
    pthread_cond_init(&lock->wake, NULL);
    arm_status status = agent_azure_open(config, &lock->azure, err);
    if (status == ARM_OK && lock->azure->blob == NULL)
        status = arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "no storage endpoint for the lock");
    if (status == ARM_OK)
        status = arm_blob_create_container(lock->azure->blob, AGENT_SETTINGS_CONTAINER, NULL, err);
    if (status == ARM_OK) {
        /* Create the lock blob once; an existing one is fine. */
        arm_blob_source empty = {.data = "", .data_len = 0};
        arm_blob_conditions create_only = {.if_none_match = "*"};
        arm_error exists;
        arm_error_init(&exists);
        arm_status put =
            arm_blob_put(lock->azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_HUB_LOCK_BLOB, &empty,
                         "text/plain", &create_only, NULL, &exists);
        if (put != ARM_OK && exists.http_status != 409 && exists.http_status != 412) {
            *err = exists;
            status = put;
        }
    }
    if (status == ARM_OK) {
        status =
            arm_blob_lease_acquire(lock->azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_HUB_LOCK_BLOB,
                                   LEASE_SECONDS, NULL, lock->lease_id, err);
        if (status == ARM_ERR_HTTP && err->http_status == 409)
            arm_error_set(err, ARM_ERR_HTTP,
                          "the hub is in use by another hubagent (it holds the lease on %s/%s); "
                          "only one agent may act on a hub at a time",
                          AGENT_SETTINGS_CONTAINER, AGENT_HUB_LOCK_BLOB);
    }
    if (status == ARM_OK) {
        lock->renewing = pthread_create(&lock->renewer, NULL, renew_loop, lock) == 0;
        *out_lock = lock;
        return ARM_OK;
    }
    agent_azure_free(lock->azure);
    pthread_cond_destroy(&lock->wake);
    pthread_mutex_destroy(&lock->mutex);
    free(lock);
    return status;
}

void agent_hub_lock_release(agent_hub_lock *lock)
{
    if (lock == NULL)
        return;
    pthread_mutex_lock(&lock->mutex);
    lock->stopping = true;
    pthread_cond_signal(&lock->wake);
    pthread_mutex_unlock(&lock->mutex);
    if (lock->renewing)
        pthread_join(lock->renewer, NULL);
    arm_error error;
    arm_error_init(&error);
    arm_blob_lease_release(lock->azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_HUB_LOCK_BLOB,
                           lock->lease_id, &error);
    agent_azure_free(lock->azure);
    pthread_cond_destroy(&lock->wake);
    pthread_mutex_destroy(&lock->mutex);
    free(lock);
}
