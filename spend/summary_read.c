/* A month's summary read back from its Parquet file, so an unchanged month is reported without
 * reading its cost data again. */
#include "spend/spend_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static spend_status fail(spend_error *error, spend_status status, const char *file,
                         const char *message)
{
    if (error != NULL) {
        error->status = status;
        snprintf(error->file, sizeof error->file, "%s", file ? file : "");
        snprintf(error->message, sizeof error->message, "%.500s", message);
    }
    return status;
}

static char *copy(const focus_value *v, bool *ok)
{
    if (v->is_null)
        return NULL;
    char *s = strndup(v->text, v->length);
    if (s == NULL)
        *ok = false;
    return s;
}

static void add(spend_totals *t, const spend_summary_row *r)
{
    t->billed_cost += r->billed_cost;
    t->effective_cost += r->effective_cost;
    t->list_cost += r->list_cost;
    t->row_count += r->row_count;
}

spend_status spend_summary_read_parquet(const char *path, spend_summary **out_summary,
                                        spend_error *error)
{
    *out_summary = NULL;
    focus_error ferror;
    focus_error_init(&ferror);
    focus_reader *reader = NULL;
    if (focus_reader_open(path, NULL, &reader, &ferror) != FOCUS_OK)
        return fail(error, SPEND_E_DATA, path, ferror.message);
    const focus_schema *schema = spend_summary_schema();
    size_t n = 0;
    const focus_column *columns = focus_reader_columns(reader, &n);
    bool ok = n == schema->column_count;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(columns[i].name, schema->columns[i].name) == 0 &&
             columns[i].type == schema->columns[i].type;
    if (!ok) {
        focus_reader_free(reader);
        return fail(error, SPEND_E_DATA, path, "not a spend-scopes summary (columns differ)");
    }
    int64_t declared = focus_reader_declared_rows(reader);
    spend_summary *s = calloc(1, sizeof *s);
    if (s == NULL ||
        (declared > 0 && (s->rows = calloc((size_t)declared, sizeof *s->rows)) == NULL)) {
        free(s);
        focus_reader_free(reader);
        return fail(error, SPEND_E_NOMEM, path, "out of memory");
    }
    spend_status status = SPEND_OK;
    s->month = -1;
    for (;;) {
        const focus_value *row = NULL;
        if (focus_reader_next(reader, &row, &ferror) != FOCUS_OK) {
            status = fail(error, SPEND_E_DATA, path, ferror.message);
            break;
        }
        if (row == NULL)
            break;
        if ((int64_t)s->row_count >= declared) {
            status = fail(error, SPEND_E_DATA, path, "more rows than the footer declares");
            break;
        }
        char month_text[8] = "";
        spend_month month;
        if (!row[0].is_null && row[0].length == 7)
            memcpy(month_text, row[0].text, 7);
        if (!spend_month_parse(month_text, &month) || (s->month >= 0 && month != s->month)) {
            status = fail(error, SPEND_E_DATA, path, "BillingMonth is not one YYYY-MM month");
            break;
        }
        s->month = month;
        spend_summary_row *r = &s->rows[s->row_count++];
        bool copied = true;
        r->spend_scope = copy(&row[1], &copied);
        r->priority = (int)row[2].integer;
        r->sub_account_id = copy(&row[3], &copied);
        r->service_category = copy(&row[4], &copied);
        r->charge_category = copy(&row[5], &copied);
        r->billing_currency = copy(&row[6], &copied);
        r->billed_cost = row[7].number;
        r->effective_cost = row[8].number;
        r->list_cost = row[9].number;
        r->row_count = (uint64_t)row[10].integer;
        if (!copied) {
            status = fail(error, SPEND_E_NOMEM, path, "out of memory");
            break;
        }
        add(r->priority > 0 ? &s->scoped : &s->unscoped, r);
    }
    focus_reader_free(reader);
    if (status == SPEND_OK && s->month < 0)
        status = fail(error, SPEND_E_DATA, path, "the summary has no rows");
    if (status != SPEND_OK) {
        spend_summary_free(s);
        return status;
    }
    s->month_total = s->scoped;
    s->month_total.billed_cost += s->unscoped.billed_cost;
    s->month_total.effective_cost += s->unscoped.effective_cost;
    s->month_total.list_cost += s->unscoped.list_cost;
    s->month_total.row_count += s->unscoped.row_count;
    *out_summary = s;
    return SPEND_OK;
}
