/* The agent's SQLite state: opened in WAL mode, migrated by PRAGMA
 * user_version, and guarded by a lock file that the kernel releases when the
 * holder dies (even by kill -9), so a crashed agent never blocks the next. */
#include "agent/state_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* migrations[i] takes a database from version i to i + 1. */
static const char *const migrations[AGENT_STATE_SCHEMA_VERSION] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE exports (scope TEXT NOT NULL, name TEXT NOT NULL, etag TEXT,"
    "  body_hash TEXT, updated_at INTEGER NOT NULL, PRIMARY KEY (scope, name));"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, scope TEXT NOT NULL,"
    "  export_name TEXT NOT NULL, run_id TEXT, reason TEXT NOT NULL,"
    "  period_from TEXT, period_to TEXT, status TEXT NOT NULL, error TEXT,"
    "  triggered_at INTEGER NOT NULL, finished_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX runs_by_export ON runs (scope, export_name, id);",
    /* 2: backfill jobs. An item is one scope x dataset x month; at most one
     * item per key is open (not completed, failed or no-data) across jobs, so
     * overlapping backfills join instead of running a month twice. */
    "CREATE TABLE backfill_jobs (id INTEGER PRIMARY KEY, request TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'running', created_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE backfill_items (id INTEGER PRIMARY KEY,"
    "  job_id INTEGER NOT NULL REFERENCES backfill_jobs (id), scope TEXT NOT NULL,"
    "  dataset TEXT NOT NULL, month TEXT NOT NULL, export_name TEXT NOT NULL,"
    "  period_from TEXT NOT NULL, period_to TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending', run_id TEXT, run_status TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT, excluded_runs TEXT, triggered_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX backfill_items_open ON backfill_items (scope, dataset, month)"
    "  WHERE state NOT IN ('completed', 'failed', 'no-data');"
    "CREATE INDEX backfill_items_by_job ON backfill_items (job_id, state);",
    /* 3: hand-off of landed runs to ingestion, one row per manifest blob and eTag. */
    "CREATE TABLE handoffs (manifest TEXT NOT NULL, etag TEXT NOT NULL, status TEXT NOT NULL,"
    "  scope TEXT, dataset TEXT, month TEXT, run_id TEXT, submitted_time TEXT,"
    "  destination TEXT, detail TEXT, files INTEGER NOT NULL DEFAULT 0,"
    "  rows INTEGER NOT NULL DEFAULT -1, first_seen INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL, retention_done INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (manifest, etag));"
    "CREATE INDEX handoffs_by_destination ON handoffs (destination, status);",
    /* 4: spend-scope months: what each month's summary was evaluated from, per destination
     * (a local folder or the hub's ingestion container), so an unchanged month is skipped. */
    "CREATE TABLE spend_scope_months (month TEXT NOT NULL, destination TEXT NOT NULL,"
    "  definitions_digest TEXT NOT NULL, data_digest TEXT NOT NULL, data_source TEXT,"
    "  summary TEXT NOT NULL, files INTEGER NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0,"
    "  billed_cost REAL NOT NULL DEFAULT 0, effective_cost REAL NOT NULL DEFAULT 0,"
    "  list_cost REAL NOT NULL DEFAULT 0, unscoped_rows INTEGER NOT NULL DEFAULT 0,"
    "  rows_outside_month INTEGER NOT NULL DEFAULT 0, evaluated_at INTEGER NOT NULL, PRIMARY KEY "
    "(month, destination));",
};

const char *agent_state_status_text(agent_state_status status)
{
    switch (status) {
    case AGENT_STATE_OK:
        return "ok";
    case AGENT_STATE_E_OPEN:
        return "the state database cannot be opened";
    case AGENT_STATE_E_LOCKED:
        return "the state database is in use by another agent";
    case AGENT_STATE_E_SCHEMA:
        return "the state database has an unknown schema";
    case AGENT_STATE_E_SQL:
        return "a state database statement failed";
    case AGENT_STATE_E_NOT_FOUND:
        return "not found";
    case AGENT_STATE_E_NOMEM:
        return "out of memory";
    }
    return "unknown status";
}

agent_state_options agent_state_options_default(void)
{
    return (agent_state_options){.read_only = false, .busy_timeout_ms = 5000};
}

static agent_state_status fail(agent_state_error *error, agent_state_status status, int code,
                               const char *format, ...) __attribute__((format(printf, 4, 5)));

static agent_state_status fail(agent_state_error *error, agent_state_status status, int code,
                               const char *format, ...)
{
    if (error != NULL) {
        error->sqlite_code = code;
        va_list args;
        va_start(args, format);
        vsnprintf(error->message, sizeof error->message, format, args);
        va_end(args);
    }
    return status;
}

agent_state_status agent_state_sql_fail(agent_state *state, agent_state_error *error,
                                        const char *what)
{
    int code = sqlite3_extended_errcode(state->db);
    if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
        return fail(error, AGENT_STATE_E_OPEN, code, "%s: not a hubagent state database (%s)", what,
                    sqlite3_errmsg(state->db));
    return fail(error, AGENT_STATE_E_SQL, code, "%s: %s", what, sqlite3_errmsg(state->db));
}

/* Takes the writer's lock; on contention names who holds it. */
static agent_state_status take_lock(agent_state *state, const char *path, agent_state_error *error)
{
    char lock_path[4096];
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    state->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (state->lock_fd < 0)
        return fail(error, AGENT_STATE_E_OPEN, 0, "cannot create lock file %s: %s", lock_path,
                    strerror(errno));
    if (flock(state->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[256] = "";
        ssize_t n = pread(state->lock_fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(state->lock_fd);
        state->lock_fd = -1;
        return fail(error, AGENT_STATE_E_LOCKED, 0,
                    "%s is in use by another hubagent (%s); only one agent may act on a state "
                    "at a time",
                    path, holder[0] ? holder : "holder unknown");
    }
    char host[128] = "unknown host";
    gethostname(host, sizeof host - 1);
    char holder[256];
    int length = snprintf(holder, sizeof holder, "pid %ld on %s since %ld\n", (long)getpid(), host,
                          (long)time(NULL));
    if (ftruncate(state->lock_fd, 0) != 0 || pwrite(state->lock_fd, holder, (size_t)length, 0) < 0)
        return fail(error, AGENT_STATE_E_OPEN, 0, "cannot write lock file %s: %s", lock_path,
                    strerror(errno));
    return AGENT_STATE_OK;
}

static agent_state_status exec(agent_state *state, const char *sql, agent_state_error *error,
                               const char *what)
{
    if (sqlite3_exec(state->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return agent_state_sql_fail(state, error, what);
    return AGENT_STATE_OK;
}

static agent_state_status read_version(agent_state *state, agent_state_error *error)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return agent_state_sql_fail(state, error, "reading the schema version");
    }
    state->version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return AGENT_STATE_OK;
}

static agent_state_status migrate(agent_state *state, const char *path, bool read_only,
                                  agent_state_error *error)
{
    agent_state_status status = read_version(state, error);
    if (status != AGENT_STATE_OK)
        return status;
    if (state->version > AGENT_STATE_SCHEMA_VERSION)
        return fail(error, AGENT_STATE_E_SCHEMA, 0,
                    "%s has schema version %d, written by a newer hubagent; this one knows up to "
                    "%d",
                    path, state->version, AGENT_STATE_SCHEMA_VERSION);
    if (state->version == AGENT_STATE_SCHEMA_VERSION)
        return AGENT_STATE_OK;
    if (read_only)
        return fail(error, AGENT_STATE_E_SCHEMA, 0,
                    "%s has schema version %d and needs migrating to %d; run a writing command "
                    "(hubagent run) first",
                    path, state->version, AGENT_STATE_SCHEMA_VERSION);
    status = exec(state, "BEGIN IMMEDIATE", error, "starting the migration");
    for (int v = state->version; v < AGENT_STATE_SCHEMA_VERSION && status == AGENT_STATE_OK; v++) {
        char what[64], version_sql[64];
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        snprintf(version_sql, sizeof version_sql, "PRAGMA user_version = %d", v + 1);
        status = exec(state, migrations[v], error, what);
        if (status == AGENT_STATE_OK)
            status = exec(state, version_sql, error, what);
    }
    if (status == AGENT_STATE_OK)
        status = exec(state, "COMMIT", error, "committing the migration");
    if (status != AGENT_STATE_OK) {
        sqlite3_exec(state->db, "ROLLBACK", NULL, NULL, NULL);
        return status == AGENT_STATE_E_SQL ? AGENT_STATE_E_SCHEMA : status;
    }
    state->version = AGENT_STATE_SCHEMA_VERSION;
    return AGENT_STATE_OK;
}

agent_state_status agent_state_open(const char *path, const agent_state_options *options,
                                    agent_state **out_state, agent_state_error *error)
{
    agent_state_options defaults = agent_state_options_default();
    if (options == NULL)
        options = &defaults;
    *out_state = NULL;
    agent_state *state = calloc(1, sizeof *state);
    if (state == NULL)
        return fail(error, AGENT_STATE_E_NOMEM, 0, "out of memory");
    state->lock_fd = -1;
    agent_state_status status = AGENT_STATE_OK;
    if (!options->read_only)
        status = take_lock(state, path, error);
    int flags =
        options->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (status == AGENT_STATE_OK &&
        sqlite3_open_v2(path, &state->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
        status = fail(error, AGENT_STATE_E_OPEN, state->db ? sqlite3_errcode(state->db) : 0,
                      "cannot open %s: %s", path,
                      state->db ? sqlite3_errmsg(state->db) : "out of memory");
    if (status == AGENT_STATE_OK) {
        sqlite3_busy_timeout(state->db, options->busy_timeout_ms);
        status = read_version(state, error);
    }
    if (status == AGENT_STATE_OK && !options->read_only)
        status = exec(state, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error,
                      "enabling WAL");
    if (status == AGENT_STATE_OK)
        status = migrate(state, path, options->read_only, error);
    if (status != AGENT_STATE_OK) {
        agent_state_free(state);
        return status;
    }
    *out_state = state;
    return AGENT_STATE_OK;
}

void agent_state_free(agent_state *state)
{
    if (state == NULL)
        return;
    sqlite3_close(state->db);
    if (state->lock_fd >= 0)
        close(state->lock_fd); /* releases the flock */
    free(state);
}

int agent_state_schema_version(const agent_state *state)
{
    return state->version;
}

agent_state_status agent_state_begin(agent_state *state, agent_state_error *error)
{
    return exec(state, "BEGIN IMMEDIATE", error, "starting a transaction");
}

agent_state_status agent_state_commit(agent_state *state, agent_state_error *error)
{
    return exec(state, "COMMIT", error, "committing");
}

void agent_state_rollback(agent_state *state)
{
    sqlite3_exec(state->db, "ROLLBACK", NULL, NULL, NULL);
}

agent_state_status agent_state_prepare(agent_state *state, sqlite3_stmt **out,
                                       agent_state_error *error, const char *sql, const char *types,
                                       ...)
{
    if (sqlite3_prepare_v2(state->db, sql, -1, out, NULL) != SQLITE_OK)
        return agent_state_sql_fail(state, error, "preparing a statement");
    va_list args;
    va_start(args, types);
    for (int i = 0; types[i] != '\0'; i++) {
        if (types[i] == 'i') {
            sqlite3_bind_int64(*out, i + 1, va_arg(args, int64_t));
        } else if (types[i] == 'd') {
            sqlite3_bind_double(*out, i + 1, va_arg(args, double));
        } else {
            const char *text = va_arg(args, const char *);
            if (text == NULL)
                sqlite3_bind_null(*out, i + 1);
            else
                sqlite3_bind_text(*out, i + 1, text, -1, SQLITE_TRANSIENT);
        }
    }
    va_end(args);
    return AGENT_STATE_OK;
}

agent_state_status agent_state_step_done(agent_state *state, sqlite3_stmt *stmt,
                                         agent_state_error *error, const char *what)
{
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? AGENT_STATE_OK : agent_state_sql_fail(state, error, what);
}

char *agent_state_column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? strdup((const char *)text) : NULL;
}

agent_state_status agent_state_set_value(agent_state *state, const char *key, const char *value,
                                         agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error,
                            "INSERT INTO meta (key, value) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            "ss", key, value);
    return status == AGENT_STATE_OK ? agent_state_step_done(state, stmt, error, "saving a value")
                                    : status;
}

agent_state_status agent_state_get_value(agent_state *state, const char *key, char **out_value,
                                         agent_state_error *error)
{
    sqlite3_stmt *stmt;
    *out_value = NULL;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error, "SELECT value FROM meta WHERE key = ?", "s", key);
    if (status != AGENT_STATE_OK)
        return status;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out_value = agent_state_column_text(stmt, 0);
    else if (rc == SQLITE_DONE)
        status = AGENT_STATE_E_NOT_FOUND;
    else
        status = agent_state_sql_fail(state, error, "reading a value");
    sqlite3_finalize(stmt);
    return status;
}

agent_state_status agent_state_delete_value(agent_state *state, const char *key,
                                            agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error, "DELETE FROM meta WHERE key = ?", "s", key);
    return status == AGENT_STATE_OK
               ? agent_state_step_done(state, stmt, error, "forgetting a value")
               : status;
}

agent_state_status agent_state_get_one(agent_state *state, sqlite3_stmt *stmt,
                                       agent_state_row_reader read_row, void *out_row,
                                       agent_state_error *error, const char *what)
{
    agent_state_status status = AGENT_STATE_OK;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        read_row(stmt, out_row);
    } else if (rc == SQLITE_DONE) {
        status = AGENT_STATE_E_NOT_FOUND;
    } else {
        char context[96];
        snprintf(context, sizeof context, "reading %s", what);
        status = agent_state_sql_fail(state, error, context);
    }
    sqlite3_finalize(stmt);
    return status;
}

agent_state_status agent_state_collect(agent_state *state, sqlite3_stmt *stmt, size_t size,
                                       agent_state_row_reader read_row,
                                       agent_state_rows_freer free_rows, void **out_rows,
                                       size_t *out_count, agent_state_error *error,
                                       const char *what)
{
    *out_rows = NULL;
    *out_count = 0;
    agent_state_status status = AGENT_STATE_OK;
    size_t capacity = 0;
    char *rows = NULL;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*out_count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            char *grown = realloc(rows, capacity * size);
            if (grown == NULL) {
                status = AGENT_STATE_E_NOMEM;
                break;
            }
            rows = grown;
        }
        void *element = rows + (*out_count)++ * size;
        memset(element, 0, size);
        read_row(stmt, element);
    }
    if (status == AGENT_STATE_OK && rc != SQLITE_DONE) {
        char context[96];
        snprintf(context, sizeof context, "reading %s", what);
        status = agent_state_sql_fail(state, error, context);
    }
    sqlite3_finalize(stmt);
    if (status != AGENT_STATE_OK) {
        free_rows(rows, *out_count);
        *out_count = 0;
        return status;
    }
    *out_rows = rows;
    return AGENT_STATE_OK;
}
