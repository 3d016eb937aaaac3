/* A month's evaluation: rows stream through once, a batch at a time; each goes to the first
 * spend scope (priority order) whose segment for the month takes it, or stays unscoped with its
 * sub-account. Only the groups are kept, so memory follows their number, not the number of
 * rows. */
#include "spend/evaluator_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column names per spend_column, first present wins (FOCUS 1.0+ names before 1.0-preview). */
static const char *const column_names[SPEND_COL_COUNT][3] = {
    [SPEND_COL_TAGS] = {"Tags"},
    [SPEND_COL_SERVICE_NAME] = {"ServiceName"},
    [SPEND_COL_SERVICE_CATEGORY] = {"ServiceCategory"},
    [SPEND_COL_REGION] = {"RegionId", "Region"},
    [SPEND_COL_SUB_ACCOUNT_ID] = {"SubAccountId"},
    [SPEND_COL_RESOURCE_ID] = {"ResourceId"},
    [SPEND_COL_RESOURCE_NAME] = {"ResourceName"},
    [SPEND_COL_CHARGE_CATEGORY] = {"ChargeCategory"},
    [SPEND_COL_CHARGE_TYPE] = {"ChargeSubcategory", "ChargeClass"},
    [SPEND_COL_CHARGE_DESCRIPTION] = {"ChargeDescription"},
    [SPEND_COL_USAGE_TYPE] = {"x_SkuMeterName", "UsageType"},
    [SPEND_COL_SKU] = {"SkuId"},
    [SPEND_COL_BILLED_COST] = {"BilledCost"},
    [SPEND_COL_EFFECTIVE_COST] = {"EffectiveCost"},
    [SPEND_COL_LIST_COST] = {"ListCost"},
    [SPEND_COL_BILLING_CURRENCY] = {"BillingCurrency"},
    [SPEND_COL_CHARGE_PERIOD_START] = {"ChargePeriodStart"},
};

typedef struct long_totals {
    long double billed, effective, list;
    uint64_t rows;
} long_totals;

/* The group key columns, besides the spend scope. */
static const spend_column key_columns[4] = {SPEND_COL_SUB_ACCOUNT_ID, SPEND_COL_SERVICE_CATEGORY,
                                            SPEND_COL_CHARGE_CATEGORY, SPEND_COL_BILLING_CURRENCY};

struct spend_evaluator {
    const spend_definitions *definitions;
    spend_month month;
    const spend_segment **active; /* per scope: the segment in force this month, or NULL */
    long column[SPEND_COL_COUNT]; /* index in the bound row, -1 when absent */
    focus_type type[SPEND_COL_COUNT];
    bool needed[SPEND_COL_COUNT]; /* read by this month's conditions, keys, costs or dates */
    bool bound;
    spend_selector *selector;
    spend_groups groups;
    spend_memo key_ids[4]; /* per key column: dictionary entry -> string id */
    long_totals total;
    size_t file_count;
    int64_t month_start, month_end; /* µs since the epoch, [start, end) */
    uint64_t rows_outside_month;
};

void spend_error_init(spend_error *error)
{
    memset(error, 0, sizeof *error);
}

static spend_status fail(spend_error *error, spend_status status, const char *file,
                         const char *format, ...) __attribute__((format(printf, 4, 5)));
static spend_status fail(spend_error *error, spend_status status, const char *file,
                         const char *format, ...)
{
    if (error != NULL) {
        error->status = status;
        snprintf(error->file, sizeof error->file, "%s", file != NULL ? file : "");
        va_list args;
        va_start(args, format);
        vsnprintf(error->message, sizeof error->message, format, args);
        va_end(args);
    }
    return status;
}

#define FREE_SLOT (-2)

spend_status spend_evaluator_new(const spend_definitions *definitions, spend_month month,
                                 spend_evaluator **out, spend_error *error)
{
    *out = NULL;
    if (definitions == NULL || month < 0 || month == SPEND_MONTH_OPEN)
        return fail(error, SPEND_E_ARGUMENT, NULL, "an evaluator needs definitions and a month");
    spend_evaluator *e = calloc(1, sizeof *e);
    if (e == NULL)
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    e->definitions = definitions;
    e->month = month;
    e->active = calloc(definitions->scope_count + 1, sizeof *e->active);
    bool groups = spend_groups_init(&e->groups);
    if (e->active == NULL || !groups) {
        spend_evaluator_free(e);
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < definitions->scope_count; i++) {
        const spend_scope *scope = &definitions->scopes[i];
        for (size_t j = 0; j < scope->segment_count; j++)
            if (month >= scope->segments[j].from && month <= scope->segments[j].to)
                e->active[i] = &scope->segments[j];
    }
    static const spend_column always[] = {SPEND_COL_SUB_ACCOUNT_ID,  SPEND_COL_SERVICE_CATEGORY,
                                          SPEND_COL_CHARGE_CATEGORY, SPEND_COL_BILLING_CURRENCY,
                                          SPEND_COL_BILLED_COST,     SPEND_COL_EFFECTIVE_COST,
                                          SPEND_COL_LIST_COST,       SPEND_COL_CHARGE_PERIOD_START};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        e->needed[always[i]] = true;
    for (size_t i = 0; i < definitions->scope_count; i++)
        for (size_t j = 0; e->active[i] != NULL && j < e->active[i]->condition_count; j++) {
            spend_column columns[4];
            size_t n = spend_field_columns(e->active[i]->conditions[j].field, columns);
            for (size_t k = 0; k < n; k++)
                e->needed[columns[k]] = true;
        }
    if (spend_selector_new(e->active, definitions->scope_count, &e->selector) != SPEND_OK) {
        spend_evaluator_free(e);
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < SPEND_COL_COUNT; i++)
        e->column[i] = -1;
    int year = month / 12, month_of_year = month % 12 + 1;
    e->month_start = focus_datetime_from_civil(year, month_of_year, 1, 0, 0, 0);
    e->month_end = month_of_year == 12
                       ? focus_datetime_from_civil(year + 1, 1, 1, 0, 0, 0)
                       : focus_datetime_from_civil(year, month_of_year + 1, 1, 0, 0, 0);
    *out = e;
    return SPEND_OK;
}

void spend_evaluator_free(spend_evaluator *e)
{
    if (e == NULL)
        return;
    spend_groups_dispose(&e->groups);
    for (int k = 0; k < 4; k++)
        free(e->key_ids[k].entries);
    spend_selector_free(e->selector);
    free(e->active);
    free(e);
}

spend_status spend_evaluator_bind(spend_evaluator *e, const focus_column *columns, size_t count,
                                  spend_error *error)
{
    for (size_t c = 0; c < SPEND_COL_COUNT; c++) {
        e->column[c] = -1;
        for (size_t n = 0; n < 3 && column_names[c][n] != NULL && e->column[c] < 0; n++)
            for (size_t i = 0; i < count; i++)
                if (strcmp(columns[i].name, column_names[c][n]) == 0) {
                    e->column[c] = (long)i;
                    e->type[c] = columns[i].type;
                    break;
                }
    }
    static const spend_column required[] = {SPEND_COL_BILLED_COST, SPEND_COL_EFFECTIVE_COST};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (e->column[required[i]] < 0) {
            e->bound = false;
            return fail(error, SPEND_E_DATA, NULL,
                        "the cost data has no %s column: not FOCUS cost details",
                        column_names[required[i]][0]);
        }
    e->bound = true;
    return SPEND_OK;
}

static double cost_of(const spend_evaluator *e, spend_column c, const focus_value *v)
{
    if (v->is_null)
        return 0;
    switch (e->type[c]) {
    case FOCUS_TYPE_DECIMAL:
        return v->number;
    case FOCUS_TYPE_INTEGER:
        return (double)v->integer;
    case FOCUS_TYPE_STRING: { /* CSV read without a schema */
        char buffer[64];
        size_t n = v->length < sizeof buffer - 1 ? v->length : sizeof buffer - 1;
        memcpy(buffer, v->text, n);
        buffer[n] = '\0';
        return strtod(buffer, NULL);
    }
    default:
        return 0;
    }
}

/* Per row, the string id of key column k: interned once per dictionary entry when it can. */
static bool key_ids(spend_evaluator *e, const spend_batch *b, int k, uint32_t *out)
{
    spend_column c = key_columns[k];
    const focus_batch_column *column = b->columns[c];
    if (column != NULL && column->indices != NULL && b->text[c]) {
        if (!spend_memo_ready(&e->key_ids[k], column, sizeof(uint32_t), 0xff))
            return false;
        uint32_t *ids = e->key_ids[k].entries;
        for (size_t r = 0; r < b->rows; r++) {
            uint32_t index = column->indices[r];
            if (index == FOCUS_NULL_INDEX) {
                out[r] = 0;
                continue;
            }
            if (ids[index] == UINT32_MAX &&
                !spend_groups_intern(&e->groups, spend_text_cell(&column->dictionary[index], true),
                                     &ids[index]))
                return false;
            out[r] = ids[index];
        }
        return true;
    }
    for (size_t r = 0; r < b->rows; r++)
        if (!spend_groups_intern(&e->groups, spend_text_cell(spend_batch_cell(b, c, r), b->text[c]),
                                 &out[r]))
            return false;
    return true;
}

/* Per row, the cost in column c (0 when null or absent); decimals without a per-row switch. */
static void costs(const spend_evaluator *e, const spend_batch *b, spend_column c, double *out)
{
    const focus_batch_column *column = b->columns[c];
    if (column != NULL && e->type[c] == FOCUS_TYPE_DECIMAL && column->indices != NULL) {
        for (size_t r = 0; r < b->rows; r++) {
            uint32_t index = column->indices[r];
            out[r] = index == FOCUS_NULL_INDEX ? 0 : column->dictionary[index].number;
        }
    } else if (column != NULL && e->type[c] == FOCUS_TYPE_DECIMAL) {
        for (size_t r = 0; r < b->rows; r++)
            out[r] = column->values[r].is_null ? 0 : column->values[r].number;
    } else {
        for (size_t r = 0; r < b->rows; r++)
            out[r] = cost_of(e, c, spend_batch_cell(b, c, r));
    }
}

static void count_outside_month(spend_evaluator *e, const spend_batch *b)
{
    if (b->columns[SPEND_COL_CHARGE_PERIOD_START] == NULL ||
        e->type[SPEND_COL_CHARGE_PERIOD_START] != FOCUS_TYPE_DATETIME)
        return;
    for (size_t r = 0; r < b->rows; r++) {
        const focus_value *period = spend_batch_cell(b, SPEND_COL_CHARGE_PERIOD_START, r);
        e->rows_outside_month += !period->is_null && (period->integer < e->month_start ||
                                                      period->integer >= e->month_end);
    }
}

static spend_status add_batch(spend_evaluator *e, const spend_batch *b, spend_error *error)
{
    int32_t scope[FOCUS_BATCH_ROWS];
    uint32_t keys[4][FOCUS_BATCH_ROWS];
    double billed[FOCUS_BATCH_ROWS], effective[FOCUS_BATCH_ROWS], list[FOCUS_BATCH_ROWS];
    if (!spend_selector_assign(e->selector, b, scope))
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    for (int k = 0; k < 4; k++)
        if (!key_ids(e, b, k, keys[k]))
            return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    count_outside_month(e, b);
    costs(e, b, SPEND_COL_BILLED_COST, billed);
    costs(e, b, SPEND_COL_EFFECTIVE_COST, effective);
    costs(e, b, SPEND_COL_LIST_COST, list);
    long_totals total = e->total; /* in registers, not stored back every row */
    for (size_t r = 0; r < b->rows; r++) {
        total.billed += billed[r];
        total.effective += effective[r];
        total.list += list[r];
        uint32_t key[4] = {keys[0][r], keys[1][r], keys[2][r], keys[3][r]};
        spend_group *g = spend_groups_find(&e->groups, scope[r], key);
        if (g == NULL)
            return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
        g->billed += billed[r];
        g->effective += effective[r];
        g->list += list[r];
        g->rows++;
    }
    total.rows += b->rows;
    e->total = total;
    return SPEND_OK;
}

/* The spend columns of a batch: `columns` by file column as bound, or by spend column. */
static void batch_of(const spend_evaluator *e, const focus_batch_column *columns,
                     bool by_spend_column, size_t rows, spend_batch *out)
{
    out->rows = rows;
    for (int c = 0; c < SPEND_COL_COUNT; c++) {
        long at = by_spend_column ? c : e->column[c];
        out->columns[c] = e->column[c] >= 0 ? &columns[at] : NULL;
        out->text[c] = e->type[c] == FOCUS_TYPE_STRING;
    }
}

spend_status spend_evaluator_add_row(spend_evaluator *e, const focus_value *row, spend_error *error)
{
    if (!e->bound)
        return fail(error, SPEND_E_ARGUMENT, NULL, "rows added before their columns were bound");
    focus_batch_column columns[SPEND_COL_COUNT];
    for (int c = 0; c < SPEND_COL_COUNT; c++)
        columns[c] = (focus_batch_column){.values = e->column[c] >= 0 ? &row[e->column[c]] : NULL};
    spend_batch b;
    batch_of(e, columns, true, 1, &b);
    return add_batch(e, &b, error);
}

spend_status spend_evaluator_add_file(spend_evaluator *e, const char *path, spend_error *error)
{
    focus_error ferror;
    focus_error_init(&ferror);
    focus_reader *reader = NULL;
    if (focus_reader_open(path, NULL, &reader, &ferror) != FOCUS_OK)
        return fail(error, SPEND_E_DATA, path, "%s", ferror.message);
    size_t count = 0;
    const focus_column *columns = focus_reader_columns(reader, &count);
    spend_status status = spend_evaluator_bind(e, columns, count, error);
    if (status != SPEND_OK && error != NULL)
        snprintf(error->file, sizeof error->file, "%s", path);
    /* Decode only the columns attribution reads: a FOCUS file has ~100, this needs at most
     * 17, and only those this month's conditions test besides keys, costs and dates. */
    const char *wanted[SPEND_COL_COUNT];
    size_t wanted_count = 0;
    for (size_t c = 0; status == SPEND_OK && c < SPEND_COL_COUNT; c++)
        if (e->column[c] >= 0 && e->needed[c])
            wanted[wanted_count++] = columns[e->column[c]].name;
    if (status == SPEND_OK &&
        focus_reader_select_columns(reader, wanted, wanted_count, &ferror) != FOCUS_OK)
        status = fail(error, SPEND_E_DATA, path, "%s", ferror.message);
    while (status == SPEND_OK) {
        const focus_batch_column *columns_read = NULL;
        size_t rows = 0;
        if (focus_reader_next_batch(reader, &columns_read, &rows, &ferror) != FOCUS_OK) {
            status = fail(error, SPEND_E_DATA, path, "%s", ferror.message);
            break;
        }
        if (rows == 0)
            break;
        spend_batch b;
        batch_of(e, columns_read, false, rows, &b);
        status = add_batch(e, &b, error);
    }
    focus_reader_free(reader);
    e->bound = false;
    if (status == SPEND_OK)
        e->file_count++;
    return status;
}

spend_status spend_evaluator_merge(spend_evaluator *into, spend_evaluator *from, spend_error *error)
{
    for (size_t i = 0; i < from->groups.capacity; i++) {
        const spend_group *g = &from->groups.slots[i];
        if (g->scope == SPEND_GROUP_FREE)
            continue;
        uint32_t key[4];
        for (int k = 0; k < 4; k++) {
            focus_value cell = {.is_null = g->key[k] == 0};
            cell.text = spend_groups_text(&from->groups, g->key[k], &cell.length);
            if (!spend_groups_intern(&into->groups, &cell, &key[k]))
                return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
        }
        spend_group *t = spend_groups_find(&into->groups, g->scope, key);
        if (t == NULL)
            return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
        t->billed += g->billed;
        t->effective += g->effective;
        t->list += g->list;
        t->rows += g->rows;
    }
    into->total.billed += from->total.billed;
    into->total.effective += from->total.effective;
    into->total.list += from->total.list;
    into->total.rows += from->total.rows;
    into->file_count += from->file_count;
    into->rows_outside_month += from->rows_outside_month;
    return SPEND_OK;
}

static int compare_rows(const void *a, const void *b)
{
    const spend_summary_row *x = a, *y = b;
    /* Spend scopes in priority order, unscoped (priority 0) last. */
    int px = x->priority == 0 ? 0x7fffffff : x->priority;
    int py = y->priority == 0 ? 0x7fffffff : y->priority;
    if (px != py)
        return px < py ? -1 : 1;
    const char *kx[] = {x->sub_account_id, x->service_category, x->charge_category,
                        x->billing_currency};
    const char *ky[] = {y->sub_account_id, y->service_category, y->charge_category,
                        y->billing_currency};
    for (int k = 0; k < 4; k++) {
        int c = strcmp(kx[k] ? kx[k] : "", ky[k] ? ky[k] : "");
        if (c != 0)
            return c;
    }
    return 0;
}

spend_status spend_evaluator_finish(spend_evaluator *e, spend_summary **out, spend_error *error)
{
    *out = NULL;
    spend_summary *s = calloc(1, sizeof *s);
    if (s == NULL ||
        (e->groups.count > 0 && (s->rows = calloc(e->groups.count, sizeof *s->rows)) == NULL)) {
        free(s);
        spend_evaluator_free(e);
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    }
    s->month = e->month;
    s->file_count = e->file_count;
    s->rows_outside_month = e->rows_outside_month;
    long_totals scoped = {0}, unscoped = {0};
    bool out_of_memory = false;
    for (size_t i = 0; i < e->groups.capacity; i++) {
        const spend_group *g = &e->groups.slots[i];
        if (g->scope == SPEND_GROUP_FREE)
            continue;
        spend_summary_row *r = &s->rows[s->row_count++];
        r->spend_scope = g->scope >= 0 ? strdup(e->definitions->scopes[g->scope].name) : NULL;
        if (g->scope >= 0 && r->spend_scope == NULL)
            out_of_memory = true;
        r->priority = g->scope + 1;
        const char **keys[4] = {&r->sub_account_id, &r->service_category, &r->charge_category,
                                &r->billing_currency};
        for (int k = 0; k < 4; k++) {
            const char *text = spend_groups_text(&e->groups, g->key[k], NULL);
            *keys[k] = text != NULL ? strdup(text) : NULL;
            if (text != NULL && *keys[k] == NULL)
                out_of_memory = true;
        }
        r->billed_cost = (double)g->billed;
        r->effective_cost = (double)g->effective;
        r->list_cost = (double)g->list;
        r->row_count = g->rows;
        long_totals *t = g->scope >= 0 ? &scoped : &unscoped;
        t->billed += g->billed;
        t->effective += g->effective;
        t->list += g->list;
        t->rows += g->rows;
    }
    if (s->row_count > 0)
        qsort(s->rows, s->row_count, sizeof *s->rows, compare_rows);
    s->month_total = (spend_totals){(double)e->total.billed, (double)e->total.effective,
                                    (double)e->total.list, e->total.rows};
    s->scoped = (spend_totals){(double)scoped.billed, (double)scoped.effective, (double)scoped.list,
                               scoped.rows};
    s->unscoped = (spend_totals){(double)unscoped.billed, (double)unscoped.effective,
                                 (double)unscoped.list, unscoped.rows};
    spend_evaluator_free(e);
    if (out_of_memory) {
        spend_summary_free(s);
        return fail(error, SPEND_E_NOMEM, NULL, "out of memory");
    }
    *out = s;
    return SPEND_OK;
}

static bool same_to_the_cent(double total, double part_a, double part_b)
{
    return fabs(total - (part_a + part_b)) < 0.005;
}

bool spend_summary_reconciles(const spend_summary *s)
{
    const spend_totals *t = &s->month_total, *a = &s->scoped, *b = &s->unscoped;
    return t->row_count == a->row_count + b->row_count &&
           same_to_the_cent(t->billed_cost, a->billed_cost, b->billed_cost) &&
           same_to_the_cent(t->effective_cost, a->effective_cost, b->effective_cost) &&
           same_to_the_cent(t->list_cost, a->list_cost, b->list_cost);
}

void spend_summary_free(spend_summary *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->row_count; i++) {
        spend_summary_row *r = &s->rows[i];
        free((char *)r->spend_scope);
        free((char *)r->sub_account_id);
        free((char *)r->service_category);
        free((char *)r->charge_category);
        free((char *)r->billing_currency);
    }
    free(s->rows);
    free(s);
}
