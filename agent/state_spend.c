/* The agent's spend-scope months: which digests of definitions and data each month's summary
 * was evaluated from, per destination, so `spend-scopes report` skips a month nothing changed
 * in (as Kion's segments avoid reprocessing) and `status` can list what was evaluated. */
#include "agent/state_int.h"

#include <stdlib.h>
#include <string.h>

void agent_state_spend_month_dispose(agent_state_spend_month *m)
{
    if (m == NULL)
        return;
    char *texts[] = {m->month,       m->destination, m->definitions_digest,
                     m->data_digest, m->data_source, m->summary};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(texts[i]);
    memset(m, 0, sizeof *m);
}

void agent_state_spend_months_free(agent_state_spend_month *months, size_t count)
{
    for (size_t i = 0; months != NULL && i < count; i++)
        agent_state_spend_month_dispose(&months[i]);
    free(months);
}

#define SPEND_MONTH_COLUMNS                                                                        \
    "month, destination, definitions_digest, data_digest, data_source, summary, files, rows, "     \
    "billed_cost, effective_cost, list_cost, unscoped_rows, rows_outside_month, evaluated_at"

static void read_spend_month(sqlite3_stmt *stmt, void *out_element)
{
    agent_state_spend_month *m = out_element;
    char **texts[] = {&m->month,       &m->destination, &m->definitions_digest,
                      &m->data_digest, &m->data_source, &m->summary};
    for (int i = 0; i < 6; i++)
        *texts[i] = agent_state_column_text(stmt, i);
    m->files = sqlite3_column_int64(stmt, 6);
    m->rows = sqlite3_column_int64(stmt, 7);
    m->billed_cost = sqlite3_column_double(stmt, 8);
    m->effective_cost = sqlite3_column_double(stmt, 9);
    m->list_cost = sqlite3_column_double(stmt, 10);
    m->unscoped_rows = sqlite3_column_int64(stmt, 11);
    m->rows_outside_month = sqlite3_column_int64(stmt, 12);
    m->evaluated_at = sqlite3_column_int64(stmt, 13);
}

agent_state_status agent_state_put_spend_month(agent_state *state, const agent_state_spend_month *m,
                                               agent_state_error *error)
{
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "INSERT OR REPLACE INTO spend_scope_months (" SPEND_MONTH_COLUMNS ") VALUES (?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "ssssssiidddiii", m->month, m->destination, m->definitions_digest, m->data_digest,
        m->data_source, m->summary, m->files, m->rows, m->billed_cost, m->effective_cost,
        m->list_cost, m->unscoped_rows, m->rows_outside_month, m->evaluated_at);
    return status == AGENT_STATE_OK
               ? agent_state_step_done(state, stmt, error, "saving a spend-scope month")
               : status;
}

agent_state_status agent_state_get_spend_month(agent_state *state, const char *month,
                                               const char *destination,
                                               agent_state_spend_month *out,
                                               agent_state_error *error)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    agent_state_status status =
        agent_state_prepare(state, &stmt, error,
                            "SELECT " SPEND_MONTH_COLUMNS " FROM spend_scope_months WHERE "
                            "month = ? AND destination = ?",
                            "ss", month, destination);
    return status == AGENT_STATE_OK ? agent_state_get_one(state, stmt, read_spend_month, out, error,
                                                          "a spend-scope month")
                                    : status;
}

static void free_spend_months(void *rows, size_t count)
{
    agent_state_spend_months_free(rows, count);
}

agent_state_status agent_state_list_spend_months(agent_state *state,
                                                 agent_state_spend_month **out_months,
                                                 size_t *out_count, agent_state_error *error)
{
    *out_months = NULL;
    *out_count = 0;
    sqlite3_stmt *stmt;
    agent_state_status status = agent_state_prepare(
        state, &stmt, error,
        "SELECT " SPEND_MONTH_COLUMNS " FROM spend_scope_months ORDER BY month DESC, destination",
        "");
    if (status != AGENT_STATE_OK)
        return status;
    return agent_state_collect(state, stmt, sizeof(**out_months), read_spend_month,
                               free_spend_months, (void **)out_months, out_count, error,
                               "spend-scope months");
}

static bool same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

unsigned agent_state_spend_month_changes(const agent_state_spend_month *recorded,
                                         const char *definitions_digest, const char *data_digest)
{
    if (recorded == NULL)
        return AGENT_SPEND_NEVER_EVALUATED;
    unsigned changes = 0;
    if (!same(recorded->definitions_digest, definitions_digest))
        changes |= AGENT_SPEND_DEFINITIONS_CHANGED;
    if (!same(recorded->data_digest, data_digest))
        changes |= AGENT_SPEND_DATA_CHANGED;
    return changes;
}
