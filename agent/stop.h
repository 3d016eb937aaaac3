/* agent stop: SIGTERM and SIGINT ask the agent to stop; long work checks the
 * request between steps and sleeps wake up at once. */
#ifndef HUBAGENT_AGENT_STOP_H
#define HUBAGENT_AGENT_STOP_H

#include <stdbool.h>

void agent_stop_install(void);
bool agent_stop_requested(void);
/* Sleeps up to `seconds`; returns false when woken by a stop request. */
bool agent_stop_sleep(double seconds);

#endif
