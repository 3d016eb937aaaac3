/* Backfill jobs and items in the state: enqueueing (joining open items,
 * skipping months already done), the open work list, item updates, and job
 * summaries for status. */
#include "agent/state_int.h"

#include <stdlib.h>
#include <string.h>

#define ITEM_COLUMNS                                                                               \
    "id, job_id, scope, dataset, month, export_name, period_from, period_to, state, run_id, "      \
    "run_status, attempts, failures, last_error, excluded_runs, triggered_at, finished_at, "       \
    "updated_at"

void agent_state_backfill_item_dispose(agent_state_backfill_item *item)
{
    if (item == NULL)
        return;
    char *texts[] = {item->scope,       item->dataset,    item->month,        item->export_name,
                     item->period_from, item->period_to,  item->state,        item->run_id,
                     item->run_status,  item->last_error, item->excluded_runs};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(texts[i]);
    memset(item, 0, sizeof *item);
}

void agent_state_backfill_items_free(agent_state_backfill_item *items, size_t count)
{
    for (size_t i = 0; items != NULL && i < count; i++)
        agent_state_backfill_item_dispose(&items[i]);
    free(items);
}

bool agent_state_backfill_state_is_final(const char *state)
{
    return state != NULL && (strcmp(state, "completed") == 0 || strcmp(state, "failed") == 0 ||
                             strcmp(state, "no-data") == 0);
}

static void read_item(sqlite3_stmt *stmt, agent_state_backfill_item *item)
{
    item->id = sqlite3_column_int64(stmt, 0);
    item->job_id = sqlite3_column_int64(stmt, 1);
    char **texts[] = {&item->scope,       &item->dataset,     &item->month,
                      &item->export_name, &item->period_from, &item->period_to,
                      &item->state,       &item->run_id,      &item->run_status};
    for (int i = 0; i < 9; i++)
        *texts[i] = agent_state_column_text(stmt, i + 2);
    item->attempts = sqlite3_column_int64(stmt, 11);
    item->failures = sqlite3_column_int64(stmt, 12);
    item->last_error = agent_state_column_text(stmt, 13);
    item->excluded_runs = agent_state_column_text(stmt, 14);
    item->triggered_at = sqlite3_column_int64(stmt, 15);
    item->finished_at = sqlite3_column_int64(stmt, 16);
    item->updated_at = sqlite3_column_int64(stmt, 17);
}

/* 1 when a row exists, 0 when not, -1 on error. *out_text (may be NULL)
 * receives the first column as text. */
static int query_one(agent_state *state, agent_state_error *error, const char *sql,
                     const agent_state_backfill_item *item, char **out_text)
{
    sqlite3_stmt *stmt;
    if (agent_state_prepare(state, &stmt, error, sql, "ssss", item->scope, item->dataset,
                            item->month, item->period_to) != AGENT_STATE_OK)
        return -1;
    int rc = sqlite3_step(stmt);
    int found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (found < 0)
        agent_state_sql_fail(state, error, "reading backfill items");
    if (found == 1 && out_text != NULL)
        *out_text = agent_state_column_text(stmt, 0);
    sqlite3_finalize(stmt);
    return found;
}

/* The month's earlier run ids (all of them, "," separated, or NULL) into
 * *out_runs; returns 1 when it completed (or had no data) for the same
 * period, 0 when not, -1 on error. */
static int earlier(agent_state *state, const agent_state_backfill_item *item, char **out_runs,
                   agent_state_error *error)
{
    *out_runs = NULL;
    sqlite3_stmt *stmt;
    if (agent_state_prepare(
            state, &stmt, error,
            "SELECT group_concat(coalesce(run_id, '') || ',' || "
            "coalesce(excluded_runs, ''), ','), "
            "coalesce(sum(state IN ('completed', 'no-data') AND period_to = ?4), 0) "
            "FROM backfill_items WHERE scope = ?1 AND dataset = ?2 AND month = ?3",
            "ssss", item->scope, item->dataset, item->month, item->period_to) != AGENT_STATE_OK)
        return -1;
    int found = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *out_runs = agent_state_column_text(stmt, 0);
        found = sqlite3_column_int64(stmt, 1) > 0;
    } else {
        agent_state_sql_fail(state, error, "reading earlier backfill items");
    }
    sqlite3_finalize(stmt);
    return found;
}

static agent_state_status enqueue_items(agent_state *state, const char *request,
                                        const agent_state_backfill_item *items, size_t count,
                                        bool rerun, int64_t now, agent_state_backfill_enqueued *out,
                                        agent_state_error *error)
{
    for (size_t i = 0; i < count; i++) {
        const agent_state_backfill_item *item = &items[i];
        int open = query_one(state, error,
                             "SELECT id FROM backfill_items WHERE scope = ?1 AND dataset = ?2 "
                             "AND month = ?3 "
                             "AND state NOT IN ('completed', 'failed', 'no-data')",
                             item, NULL);
        if (open < 0)
            return AGENT_STATE_E_SQL;
        if (open) {
            out->joined++;
            continue;
        }
        /* Earlier runs of the month (good or failed) are never mistaken for
         * the new one, however soon it follows them. */
        char *earlier_runs = NULL;
        int done = earlier(state, item, &earlier_runs, error);
        if (done < 0)
            return AGENT_STATE_E_SQL;
        if (done && !rerun) {
            free(earlier_runs);
            out->already_done++;
            continue;
        }
        if (out->job_id == 0) {
            sqlite3_stmt *stmt;
            agent_state_status status =
                agent_state_prepare(state, &stmt, error,
                                    "INSERT INTO backfill_jobs (request, created_at) VALUES (?, ?)",
                                    "si", request, now);
            if (status == AGENT_STATE_OK)
                status = agent_state_step_done(state, stmt, error, "recording a backfill job");
            if (status != AGENT_STATE_OK) {
                free(earlier_runs);
                return status;
            }
            out->job_id = sqlite3_last_insert_rowid(state->db);
        }
        sqlite3_stmt *stmt;
        agent_state_status status = agent_state_prepare(
            state, &stmt, error,
            "INSERT INTO backfill_items (job_id, scope, dataset, month, export_name, period_from, "
            "period_to, excluded_runs, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isssssssi", out->job_id, item->scope, item->dataset, item->month, item->export_name,
            item->period_from, item->period_to, earlier_runs, now);
        free(earlier_runs);
        if (status == AGENT_STATE_OK)
            status = agent_state_step_done(state, stmt, error, "recording a backfill item");
        if (status != AGENT_STATE_OK)
            return status;
        out->added++;
    }
    return AGENT_STATE_OK;
}

agent_state_status agent_state_backfill_enqueue(agent_state *state, const char *request,
                                                const agent_state_backfill_item *items,
                                                size_t count, bool rerun, int64_t now,
                                                agent_state_backfill_enqueued *out,
                                                agent_state_error *error)
{
    memset(out, 0, sizeof *out);
    agent_state_status status = agent_state_begin(state, error);
    if (status != AGENT_STATE_OK)
        return status;
    status = enqueue_items(state, request, items, count, rerun, now, out, error);
    if (status == AGENT_STATE_OK)
        status = agent_state_commit(state, error);
    if (status != AGENT_STATE_OK) {
        agent_state_rollback(state);
        memset(out, 0, sizeof *out);
    }
    return status;
}

static void read_item_row(sqlite3_stmt *stmt, void *out_element)
{
    read_item(stmt, out_element);
}

static void free_items_rows(void *rows, size_t count)
{
    agent_state_backfill_items_free(rows, count);
}

agent_state_status agent_state_backfill_open_items(agent_state *state,
                                                   agent_state_backfill_item **out_items,
                                                   size_t *out_count, agent_state_error *error)
{
    *out_items = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT " ITEM_COLUMNS " FROM backfill_items "
        "WHERE state NOT IN ('completed', 'failed', 'no-data') ORDER BY job_id, id",
        "");
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_items), read_item_row, free_items_rows,
                               (void **)out_items, out_count, error, "backfill items");
}

agent_state_status agent_state_backfill_update(agent_state *state,
                                               const agent_state_backfill_item *item,
                                               agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "UPDATE backfill_items SET state = ?, run_id = ?, run_status = ?, attempts = ?, "
        "failures = ?, last_error = ?, excluded_runs = ?, triggered_at = ?, finished_at = ?, "
        "updated_at = ? WHERE id = ?",
        "sssiissiiii", item->state, item->run_id, item->run_status, item->attempts, item->failures,
        item->last_error, item->excluded_runs, item->triggered_at, item->finished_at,
        item->updated_at, item->id);
    if (status != AGENT_STATE_OK)
        return status;
    status = agent_state_step_done(state, stmt, error, "updating a backfill item");
    if (status == AGENT_STATE_OK && sqlite3_changes(state->db) == 0)
        status = AGENT_STATE_E_NOT_FOUND;
    return status;
}

agent_state_status agent_state_backfill_finish_jobs(agent_state *state, int64_t now,
                                                    agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "UPDATE backfill_jobs SET finished_at = ?1, status = CASE WHEN EXISTS (SELECT 1 FROM "
        "backfill_items i WHERE i.job_id = backfill_jobs.id AND i.state = 'failed') "
        "THEN 'failed' ELSE 'completed' END "
        "WHERE finished_at = 0 AND NOT EXISTS (SELECT 1 FROM backfill_items i "
        "WHERE i.job_id = backfill_jobs.id AND i.state NOT IN ('completed', 'failed', 'no-data'))",
        "i", now);
    return status == AGENT_STATE_OK
               ? agent_state_step_done(state, stmt, error, "finishing backfill jobs")
               : status;
}

void agent_state_backfill_jobs_free(agent_state_backfill_job *jobs, size_t count)
{
    for (size_t i = 0; jobs != NULL && i < count; i++) {
        free(jobs[i].request);
        free(jobs[i].status);
        free(jobs[i].oldest_month);
        free(jobs[i].newest_month);
    }
    free(jobs);
}

static void read_job_row(sqlite3_stmt *stmt, void *out_element)
{
    agent_state_backfill_job *job = out_element;
    job->id = sqlite3_column_int64(stmt, 0);
    job->request = agent_state_column_text(stmt, 1);
    job->status = agent_state_column_text(stmt, 2);
    job->created_at = sqlite3_column_int64(stmt, 3);
    job->finished_at = sqlite3_column_int64(stmt, 4);
    size_t *counts[] = {&job->total,     &job->pending, &job->in_flight,
                        &job->completed, &job->no_data, &job->failed};
    for (int c = 0; c < 6; c++)
        *counts[c] = (size_t)sqlite3_column_int64(stmt, 5 + c);
    job->oldest_month = agent_state_column_text(stmt, 11);
    job->newest_month = agent_state_column_text(stmt, 12);
}

static void free_jobs_rows(void *rows, size_t count)
{
    agent_state_backfill_jobs_free(rows, count);
}

agent_state_status agent_state_backfill_jobs(agent_state *state, size_t limit,
                                             agent_state_backfill_job **out_jobs, size_t *out_count,
                                             agent_state_error *error)
{
    *out_jobs = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT j.id, j.request, j.status, j.created_at, j.finished_at, count(i.id), "
        "sum(i.state = 'pending'), sum(i.state IN ('triggered', 'running')), "
        "sum(i.state = 'completed'), sum(i.state = 'no-data'), sum(i.state = 'failed'), "
        "min(i.month), max(i.month) FROM backfill_jobs j LEFT JOIN backfill_items i "
        "ON i.job_id = j.id GROUP BY j.id ORDER BY j.id DESC LIMIT ?",
        "i", limit > 0 ? (int64_t)limit : (int64_t)-1);
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_jobs), read_job_row, free_jobs_rows,
                               (void **)out_jobs, out_count, error, "backfill jobs");
}
