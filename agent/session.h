/* agent session: what plan and run share — the options, the connection to
 * Azure, the validated settings — and the steps run takes with them. */
#ifndef HUBAGENT_AGENT_SESSION_H
#define HUBAGENT_AGENT_SESSION_H

#include "agent/backfill.h"
#include "agent/cli.h"
#include "agent/reconcile.h"
#include "agent/state.h"

typedef struct agent_session {
    agent_config config;
    agent_azure *azure;
    settings *value;
    char *settings_etag; /* the blob's eTag, or a file's fingerprint */
    agent_reconcile_options options;
    bool log_events;        /* report through the log (the scheduled agent), not stdout */
    bool credential_failed; /* the last reconcile got no usable token: nothing can go on */
} agent_session;

/* Options, Azure, settings and the online overlap check; prints why and
 * returns AGENT_EXIT_FAILED when any of them is not usable. */
int agent_session_open(agent_session *s, const agent_cli_args *args, bool skip_online_check);
void agent_session_dispose(agent_session *s);

/* Reads the settings again; when they changed and are valid, they replace
 * the current ones (*out_changed = true). Invalid new settings are reported
 * and the current ones kept. Returns AGENT_EXIT_OK unless they were invalid. */
int agent_session_reload_settings(agent_session *s, bool skip_online_check, bool *out_changed);

/* Prints each failed scope (a credential failure, the same for all, once);
 * returns how many failed. */
size_t agent_session_report_failures(const agent_scope_result *results, size_t count);
/* The scopes gone from the settings where the state recorded this hub's
 * exports, into s->options.retired (prune deletes the hub's exports there). */
void agent_session_find_retired(agent_session *s, agent_state *state);
/* Reconciles (applying; with prune, the retired scopes too) and records the
 * exports in the state; returns the number of scopes that failed. */
size_t agent_session_reconcile(agent_session *s, agent_state *state);
/* Fires the due ticks (or the forced one, "daily"/"monthly") and follows the
 * runs; returns the number of failures. */
size_t agent_session_run_ticks(agent_session *s, agent_state *state, const char *forced);

/* The hub's Data Factory: says when its export triggers are started (they
 * would run the exports a second time); with take_over (and a state) stops
 * them and records which, for `hubagent release`. Returns 0, or 1 when a
 * take-over failed. */
size_t agent_session_check_factory(agent_session *s, agent_state *state, bool take_over);

/* Backfill drive options from the session's options (poll interval,
 * concurrency); only the settings' scopes are driven. */
agent_backfill_options agent_session_backfill_options(const agent_session *s);

#endif
