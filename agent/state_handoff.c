/* The agent's hand-off rows: which manifest (blob path + eTag) became what, so a manifest is
 * handed off once, a late or duplicated one is recognised, and `status` can tell per month. */
#include "agent/state_int.h"

#include <stdlib.h>
#include <string.h>

void agent_state_handoff_dispose(agent_state_handoff *h)
{
    if (h == NULL)
        return;
    char *texts[] = {h->manifest, h->etag,   h->status,         h->scope,       h->dataset,
                     h->month,    h->run_id, h->submitted_time, h->destination, h->detail};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(texts[i]);
    memset(h, 0, sizeof *h);
}

#define HANDOFF_COLUMNS                                                                            \
    "manifest, etag, status, scope, dataset, month, run_id, submitted_time, destination, detail, " \
    "files, rows, first_seen, updated_at, retention_done"

static void read_handoff(sqlite3_stmt *stmt, agent_state_handoff *h)
{
    char **texts[] = {&h->manifest, &h->etag,   &h->status,         &h->scope,       &h->dataset,
                      &h->month,    &h->run_id, &h->submitted_time, &h->destination, &h->detail};
    for (int i = 0; i < 10; i++)
        *texts[i] = agent_state_column_text(stmt, i);
    h->files = sqlite3_column_int64(stmt, 10);
    h->rows = sqlite3_column_int64(stmt, 11);
    h->first_seen = sqlite3_column_int64(stmt, 12);
    h->updated_at = sqlite3_column_int64(stmt, 13);
    h->retention_done = sqlite3_column_int64(stmt, 14) != 0;
}

agent_state_status agent_state_put_handoff(agent_state *state, const agent_state_handoff *h,
                                           agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "INSERT INTO handoffs (" HANDOFF_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?) ON CONFLICT (manifest, etag) DO UPDATE SET status = excluded.status, "
        "scope = excluded.scope, dataset = excluded.dataset, month = excluded.month, "
        "run_id = excluded.run_id, submitted_time = excluded.submitted_time, "
        "destination = excluded.destination, detail = excluded.detail, files = excluded.files, "
        "rows = excluded.rows, updated_at = excluded.updated_at, "
        "retention_done = excluded.retention_done",
        "ssssssssssiiiii", h->manifest, h->etag, h->status, h->scope, h->dataset, h->month,
        h->run_id, h->submitted_time, h->destination, h->detail, h->files, h->rows, h->first_seen,
        h->updated_at, (int64_t)(h->retention_done ? 1 : 0));
    return status == AGENT_STATE_OK ? agent_state_step_done(state, stmt, error, "saving a hand-off")
                                    : status;
}

static void read_handoff_row(sqlite3_stmt *stmt, void *out_element)
{
    read_handoff(stmt, out_element);
}

static agent_state_status get_one(agent_state *state, sqlite3_stmt *stmt, agent_state_handoff *out,
                                  agent_state_error *error)
{
    return agent_state_get_one(state, stmt, read_handoff_row, out, error, "a hand-off");
}

agent_state_status agent_state_get_handoff(agent_state *state, const char *manifest,
                                           const char *etag, agent_state_handoff *out,
                                           agent_state_error *error)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error,
                            "SELECT " HANDOFF_COLUMNS " FROM handoffs WHERE manifest = ? AND "
                            "etag = ?",
                            "ss", manifest, etag);
    return status == AGENT_STATE_OK ? get_one(state, stmt, out, error) : status;
}

agent_state_status agent_state_current_handoff(agent_state *state, const char *destination,
                                               agent_state_handoff *out, agent_state_error *error)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error,
                            "SELECT " HANDOFF_COLUMNS " FROM handoffs WHERE destination = ? AND "
                            "status = 'handed-off' ORDER BY updated_at DESC, rowid DESC LIMIT 1",
                            "s", destination);
    return status == AGENT_STATE_OK ? get_one(state, stmt, out, error) : status;
}

agent_state_status agent_state_replace_handoffs(agent_state *state, const char *destination,
                                                const char *manifest, const char *etag,
                                                agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error,
                            "UPDATE handoffs SET status = 'replaced' WHERE destination = ? AND "
                            "status = 'handed-off' AND NOT (manifest = ? AND etag = ?)",
                            "sss", destination, manifest, etag);
    return status == AGENT_STATE_OK
               ? agent_state_step_done(state, stmt, error, "marking replaced hand-offs")
               : status;
}

static void free_handoff_rows(void *rows, size_t count)
{
    agent_state_handoffs_free(rows, count);
}

agent_state_status agent_state_list_handoffs(agent_state *state, const char *scope,
                                             const char *month, const char *filter,
                                             agent_state_handoff **out_rows, size_t *out_count,
                                             agent_state_error *error)
{
    *out_rows = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT " HANDOFF_COLUMNS " FROM handoffs WHERE (?1 IS NULL OR scope = lower(?1)) AND "
        "(?2 IS NULL OR month = ?2) AND (?3 IS NULL OR status = ?3) "
        "ORDER BY scope, month, dataset, submitted_time, rowid",
        "sss", scope, month, filter);
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_rows), read_handoff_row, free_handoff_rows,
                               (void **)out_rows, out_count, error, "hand-offs");
}

void agent_state_handoffs_free(agent_state_handoff *rows, size_t count)
{
    for (size_t i = 0; rows != NULL && i < count; i++)
        agent_state_handoff_dispose(&rows[i]);
    free(rows);
}
