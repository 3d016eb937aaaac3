/* agent stop: SIGTERM and SIGINT ask the agent to stop; long work checks the
 * request between steps and sleeps wake up at once. */
#ifndef HUBAGENT_AGENT_STOP_H
#define HUBAGENT_AGENT_STOP_H

#include <stdbool.h>

void agent_stop_install(void);
bool agent_stop_requested(void);
/* Sleeps up to `seconds`; returns false when woken by a stop request. */
bool agent_stop_sleep(double seconds);
/* A deadline for the calling thread's waits (epoch seconds, 0: none), so a
 * slice of work ends on time: see agent_stop_refuses_wait. */
void agent_stop_set_thread_deadline(double deadline);
/* True when a wait until `wait_until` (epoch seconds) should not start: a stop
 * was asked for, or it would end past the thread's deadline. */
bool agent_stop_refuses_wait(double wait_until);

#endif
