/* The synthetic data generator's frame: options, seeding, the per-row text arena and the
 * row loop. What goes in each row is in generator_cost.c and generator_other.c. */
#include "focus/generator_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BYTES 32768

focus_generator_options focus_generator_options_default(void)
{
    focus_generator_options options = {0};
    options.year = 2025;
    options.month = 1;
    options.rows = 1000;
    return options;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

focus_status focus_generator_new(const focus_generator_options *options,
                                 focus_generator **out_generator, focus_error *error)
{
    if (!out_generator || !options)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_generator_new needs options and an out parameter");
    *out_generator = NULL;
    if (!options->schema)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1, "no schema given");
    if (!options->scope || !*options->scope)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1, "no scope given");
    if (options->month < 1 || options->month > 12 || options->year < 1970 || options->year > 9999)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1, "invalid month %04d-%02d",
                          options->year, options->month);
    focus_generator *g = calloc(1, sizeof(*g));
    if (!g)
        return focus_fail(error, FOCUS_NO_MEMORY, NULL, -1, -1, "no memory for the generator");
    g->options = *options;
    g->schema = options->schema;
    /* The scope model depends on the scope only, so every dataset and month of one scope
     * shows the same subscriptions, resources and reservations. */
    focus_scope_model_build(options->scope, options->seed, &g->scope);
    uint64_t seed = focus_hash_text(g->scope.seed, g->schema->dataset_name);
    seed = focus_hash_text(seed, g->schema->version);
    seed = focus_hash_text(seed, g->schema->variant ? g->schema->variant : "");
    g->seed = focus_mix(seed ^ (uint64_t)(options->year * 12 + options->month));
    g->days = days_in_month(options->year, options->month);
    /* Month-to-date data stops at through_day; the billing period is still the month. */
    g->data_days =
        options->through_day > 0 && options->through_day < g->days ? options->through_day : g->days;
    g->month_start = focus_datetime_from_civil(options->year, options->month, 1, 0, 0, 0);
    g->month_end = g->month_start + (int64_t)g->days * 86400 * 1000000;
    size_t n = g->schema->column_count;
    g->fields = malloc(n * sizeof(*g->fields));
    g->values = calloc(n, sizeof(*g->values));
    g->arena = malloc(ARENA_BYTES);
    g->arena_capacity = ARENA_BYTES;
    if (!g->fields || !g->values || !g->arena) {
        focus_generator_free(g);
        return focus_fail(error, FOCUS_NO_MEMORY, NULL, -1, -1, "no memory for the generator");
    }
    uint64_t pool = options->rows / 120;
    g->resource_pool = (uint32_t)(pool < 24 ? 24 : pool > 400000 ? 400000 : pool);
    g->commitment_pool = 2 + g->resource_pool / 400;
    bool cost = g->schema->dataset == FOCUS_DATASET_FOCUS_COST ||
                g->schema->dataset == FOCUS_DATASET_COST_DETAILS;
    focus_status status = cost ? focus_gen_setup_cost(g, error) : focus_gen_setup_other(g, error);
    if (status != FOCUS_OK) {
        focus_generator_free(g);
        return status;
    }
    *out_generator = g;
    return FOCUS_OK;
}

focus_status focus_generator_next(focus_generator *g, const focus_value **out_row,
                                  focus_error *error)
{
    if (!g || !out_row)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_generator_next needs a generator and an out parameter");
    *out_row = NULL;
    if (g->row >= g->options.rows)
        return FOCUS_OK;
    g->arena_used = 0;
    for (size_t i = 0; i < g->schema->column_count; i++) {
        memset(&g->values[i], 0, sizeof(g->values[i]));
        g->values[i].is_null = true;
    }
    focus_status status = g->build_row(g, error);
    if (status != FOCUS_OK)
        return status;
    g->row++;
    *out_row = g->values;
    return FOCUS_OK;
}

void focus_generator_free(focus_generator *g)
{
    if (!g)
        return;
    free(g->fields);
    free(g->values);
    free(g->arena);
    free(g->slot_prefix);
    free(g);
}

void focus_gen_text(focus_generator *g, int column, const char *format, ...)
{
    char *at = g->arena + g->arena_used;
    size_t room = g->arena_capacity - g->arena_used;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(at, room, format, args);
    va_end(args);
    if (n < 0)
        n = 0;
    if ((size_t)n >= room) /* cannot happen with the catalog's lengths; keep what fits */
        n = room ? (int)room - 1 : 0;
    g->arena_used += (size_t)n + 1;
    focus_value *v = &g->values[column];
    v->is_null = false;
    v->text = at;
    v->length = (size_t)n;
}

void focus_gen_const(focus_generator *g, int column, const char *text)
{
    focus_value *v = &g->values[column];
    v->is_null = text == NULL;
    v->text = text;
    v->length = text ? strlen(text) : 0;
}

void focus_gen_copy(focus_generator *g, int column, const char *text)
{
    if (!text)
        return;
    size_t length = strlen(text), room = g->arena_capacity - g->arena_used;
    if (length >= room) /* cannot happen with the catalog's lengths; keep what fits */
        length = room ? room - 1 : 0;
    char *at = g->arena + g->arena_used;
    memcpy(at, text, length);
    at[length] = '\0';
    g->arena_used += length + 1;
    focus_value *v = &g->values[column];
    v->is_null = false;
    v->text = at;
    v->length = length;
}

void focus_gen_number(focus_generator *g, int column, double value)
{
    g->values[column].is_null = false;
    g->values[column].number = value;
}

void focus_gen_time(focus_generator *g, int column, int64_t micros)
{
    g->values[column].is_null = false;
    g->values[column].integer = micros;
}

void focus_gen_bool(focus_generator *g, int column, bool value)
{
    g->values[column].is_null = false;
    g->values[column].boolean = value;
}

int focus_field_lookup(const focus_field_name *table, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].field;
    return -1;
}
