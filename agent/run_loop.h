/* agent run loop: the scheduled agent (`hubagent run` without --once), for a
 * VM or a systemd service. */
#ifndef HUBAGENT_AGENT_RUN_LOOP_H
#define HUBAGENT_AGENT_RUN_LOOP_H

#include "agent/session.h"

/* Runs until SIGTERM or SIGINT; returns the exit code. */
int agent_run_loop(agent_session *s, agent_state *state, bool skip_online_check);

#endif
