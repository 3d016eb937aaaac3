/* agent state internals shared by state.c (open, lock, migrate, values) and
 * state_rows.c (exports and runs): the handle and statement helpers. */
#ifndef HUBAGENT_AGENT_STATE_INT_H
#define HUBAGENT_AGENT_STATE_INT_H

#include "agent/state.h"

#include <sqlite3.h>

struct agent_state {
    sqlite3 *db;
    int lock_fd;
    int version;
};

/* Fills the error from the connection's last failure. */
agent_state_status agent_state_sql_fail(agent_state *state, agent_state_error *error,
                                        const char *what);
/* Prepares `sql` and binds one argument per letter of `types`: 's' text
 * (NULL binds SQL NULL), 'i' int64_t. */
agent_state_status agent_state_prepare(agent_state *state, sqlite3_stmt **out,
                                       agent_state_error *error, const char *sql, const char *types,
                                       ...);
/* Steps a statement that returns no rows, then finalizes it. */
agent_state_status agent_state_step_done(agent_state *state, sqlite3_stmt *stmt,
                                         agent_state_error *error, const char *what);
/* A text column as a malloc'd string, or NULL. */
char *agent_state_column_text(sqlite3_stmt *stmt, int column);

#endif
