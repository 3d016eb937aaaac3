/* agent CLI session: what the commands that act on scopes (plan, run,
 * backfill) build first — configuration, Azure connection, checked settings. */
#ifndef HUBAGENT_AGENT_CLI_SESSION_H
#define HUBAGENT_AGENT_CLI_SESSION_H

#include "agent/cli.h"
#include "agent/reconcile.h"

typedef struct agent_cli_session {
    agent_config config;
    agent_azure *azure;
    settings *value;
    char *settings_etag;
    agent_reconcile_options options; /* desired exports from the options, concurrency */
} agent_cli_session;

/* Loads the configuration, connects, reads and checks the settings (online
 * overlap check unless --no-online-check is among args' switches). Returns
 * AGENT_EXIT_OK, or AGENT_EXIT_FAILED after saying why on stderr; dispose
 * the session either way. */
int agent_cli_session_open(agent_cli_session *s, const agent_cli_args *args);
void agent_cli_session_dispose(agent_cli_session *s);

#endif
