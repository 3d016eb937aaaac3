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
 * (NULL binds SQL NULL), 'i' int64_t, 'd' double. */
agent_state_status agent_state_prepare(agent_state *state, sqlite3_stmt **out,
                                       agent_state_error *error, const char *sql, const char *types,
                                       ...);
/* Steps a statement that returns no rows, then finalizes it. */
agent_state_status agent_state_step_done(agent_state *state, sqlite3_stmt *stmt,
                                         agent_state_error *error, const char *what);
/* Steps a prepared SELECT to its end, one array element of `size` bytes per row (zeroed,
 * then filled by `read_row`), and finalizes it. On failure frees what was read with
 * `free_rows` and leaves *out_rows NULL; `what` names the rows in the error. */
typedef void (*agent_state_row_reader)(sqlite3_stmt *stmt, void *out_element);
typedef void (*agent_state_rows_freer)(void *rows, size_t count);
agent_state_status agent_state_collect(agent_state *state, sqlite3_stmt *stmt, size_t size,
                                       agent_state_row_reader read_row,
                                       agent_state_rows_freer free_rows, void **out_rows,
                                       size_t *out_count, agent_state_error *error,
                                       const char *what);
/* Steps a prepared SELECT once: its row read into `out_row` by `read_row`, or
 * AGENT_STATE_E_NOT_FOUND; finalizes it. `what` names the row in the error. */
agent_state_status agent_state_get_one(agent_state *state, sqlite3_stmt *stmt,
                                       agent_state_row_reader read_row, void *out_row,
                                       agent_state_error *error, const char *what);
/* A text column as a malloc'd string, or NULL. */
char *agent_state_column_text(sqlite3_stmt *stmt, int column);

#endif
