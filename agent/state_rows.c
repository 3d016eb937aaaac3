/* The agent's rows: what it last wrote of each export (eTag and body hash,
 * so steady state needs no writes) and every run it triggered. */
#include "agent/state_int.h"

#include <stdlib.h>
#include <string.h>

void agent_state_export_dispose(agent_state_export *export)
{
    if (export == NULL)
        return;
    free(export->scope);
    free(export->name);
    free(export->etag);
    free(export->body_hash);
    memset(export, 0, sizeof *export);
}

agent_state_status agent_state_put_export(agent_state *state, const agent_state_export *export,
                                          agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "INSERT INTO exports (scope, name, etag, body_hash, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (scope, name) DO UPDATE SET etag = excluded.etag, "
        "body_hash = excluded.body_hash, updated_at = excluded.updated_at",
        "ssssi", export->scope, export->name, export->etag, export->body_hash, export->updated_at);
    return status == AGENT_STATE_OK ? agent_state_step_done(state, stmt, error, "saving an export")
                                    : status;
}

agent_state_status agent_state_get_export(agent_state *state, const char *scope, const char *name,
                                          agent_state_export *out_export, agent_state_error *error)
{
    memset(out_export, 0, sizeof *out_export);
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT scope, name, etag, body_hash, updated_at FROM exports WHERE scope = ? AND name = ?",
        "ss", scope, name);
    if (status != AGENT_STATE_OK)
        return status;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        out_export->scope = agent_state_column_text(stmt, 0);
        out_export->name = agent_state_column_text(stmt, 1);
        out_export->etag = agent_state_column_text(stmt, 2);
        out_export->body_hash = agent_state_column_text(stmt, 3);
        out_export->updated_at = sqlite3_column_int64(stmt, 4);
    } else {
        status = rc == SQLITE_DONE ? AGENT_STATE_E_NOT_FOUND
                                   : agent_state_sql_fail(state, error, "reading an export");
    }
    sqlite3_finalize(stmt);
    return status;
}

agent_state_status agent_state_delete_export(agent_state *state, const char *scope,
                                             const char *name, agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error, "DELETE FROM exports WHERE scope = ? AND name = ?", "ss", scope, name);
    return status == AGENT_STATE_OK
               ? agent_state_step_done(state, stmt, error, "forgetting an export")
               : status;
}

static void read_export_row(sqlite3_stmt *stmt, void *out_element)
{
    agent_state_export *row = out_element;
    row->scope = agent_state_column_text(stmt, 0);
    row->name = agent_state_column_text(stmt, 1);
    row->etag = agent_state_column_text(stmt, 2);
    row->body_hash = agent_state_column_text(stmt, 3);
    row->updated_at = sqlite3_column_int64(stmt, 4);
}

static void free_exports_rows(void *rows, size_t count)
{
    agent_state_exports_free(rows, count);
}

agent_state_status agent_state_list_exports(agent_state *state, agent_state_export **out_exports,
                                            size_t *out_count, agent_state_error *error)
{
    *out_exports = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT scope, name, etag, body_hash, updated_at FROM exports ORDER BY scope, name", "");
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_exports), read_export_row,
                               free_exports_rows, (void **)out_exports, out_count, error,
                               "exports");
}

void agent_state_exports_free(agent_state_export *exports, size_t count)
{
    for (size_t i = 0; exports != NULL && i < count; i++)
        agent_state_export_dispose(&exports[i]);
    free(exports);
}

void agent_state_run_dispose(agent_state_run *run)
{
    if (run == NULL)
        return;
    free(run->scope);
    free(run->export_name);
    free(run->run_id);
    free(run->reason);
    free(run->period_from);
    free(run->period_to);
    free(run->status);
    free(run->error);
    memset(run, 0, sizeof *run);
}

agent_state_status agent_state_insert_run(agent_state *state, agent_state_run *run,
                                          agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "INSERT INTO runs (scope, export_name, run_id, reason, period_from, period_to, status, "
        "error, triggered_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "ssssssssii", run->scope, run->export_name, run->run_id, run->reason, run->period_from,
        run->period_to, run->status, run->error, run->triggered_at, run->finished_at);
    if (status == AGENT_STATE_OK)
        status = agent_state_step_done(state, stmt, error, "recording a run");
    if (status == AGENT_STATE_OK)
        run->id = sqlite3_last_insert_rowid(state->db);
    return status;
}

agent_state_status agent_state_update_run(agent_state *state, const agent_state_run *run,
                                          agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "UPDATE runs SET run_id = ?, status = ?, error = ?, finished_at = ? WHERE id = ?", "sssii",
        run->run_id, run->status, run->error, run->finished_at, run->id);
    if (status != AGENT_STATE_OK)
        return status;
    status = agent_state_step_done(state, stmt, error, "updating a run");
    if (status == AGENT_STATE_OK && sqlite3_changes(state->db) == 0)
        status = AGENT_STATE_E_NOT_FOUND;
    return status;
}

#define RUN_COLUMNS                                                                                \
    "id, scope, export_name, run_id, reason, period_from, period_to, status, error, "              \
    "triggered_at, finished_at"

static void read_run(sqlite3_stmt *stmt, agent_state_run *out_run)
{
    out_run->id = sqlite3_column_int64(stmt, 0);
    char **texts[] = {&out_run->scope,  &out_run->export_name, &out_run->run_id,
                      &out_run->reason, &out_run->period_from, &out_run->period_to,
                      &out_run->status, &out_run->error};
    for (int i = 0; i < 8; i++)
        *texts[i] = agent_state_column_text(stmt, i + 1);
    out_run->triggered_at = sqlite3_column_int64(stmt, 9);
    out_run->finished_at = sqlite3_column_int64(stmt, 10);
}

agent_state_status agent_state_last_run(agent_state *state, const char *scope,
                                        const char *export_name, const char *reason,
                                        agent_state_run *out_run, agent_state_error *error)
{
    memset(out_run, 0, sizeof *out_run);
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT " RUN_COLUMNS " FROM runs WHERE scope = ?1 AND export_name = ?2 "
        "AND (?3 IS NULL OR reason = ?3) ORDER BY id DESC LIMIT 1",
        "sss", scope, export_name, reason);
    if (status != AGENT_STATE_OK)
        return status;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        read_run(stmt, out_run);
    else
        status = rc == SQLITE_DONE ? AGENT_STATE_E_NOT_FOUND
                                   : agent_state_sql_fail(state, error, "reading a run");
    sqlite3_finalize(stmt);
    return status;
}

static void read_run_row(sqlite3_stmt *stmt, void *out_element)
{
    read_run(stmt, out_element);
}

static void free_runs_rows(void *rows, size_t count)
{
    agent_state_runs_free(rows, count);
}

agent_state_status agent_state_unfinished_runs(agent_state *state, agent_state_run **out_runs,
                                               size_t *out_count, agent_state_error *error)
{
    *out_runs = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error, "SELECT " RUN_COLUMNS " FROM runs WHERE finished_at = 0 ORDER BY id",
        "");
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_runs), read_run_row, free_runs_rows,
                               (void **)out_runs, out_count, error, "runs");
}

void agent_state_runs_free(agent_state_run *runs, size_t count)
{
    for (size_t i = 0; runs != NULL && i < count; i++)
        agent_state_run_dispose(&runs[i]);
    free(runs);
}
