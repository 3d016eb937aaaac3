/* focus_inspect_file: what a landed file is (format, dataset/version guessed from its
 * columns and date style), its schema, row count, and total cost by month and group. */
#include "focus/inspect_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

focus_inspect_options focus_inspect_options_default(void)
{
    focus_inspect_options options = {0};
    options.json = false;
    options.top_services = 10;
    return options;
}

static const summary_plan plans[] = {
    {FOCUS_DATASET_FOCUS_COST, "EffectiveCost", "ChargePeriodStart", "ServiceName"},
    {FOCUS_DATASET_PRICE_SHEET, NULL, "EffectiveStartDate", "PriceType"},
    {FOCUS_DATASET_RESERVATION_DETAILS, "UsedHours", "UsageDate", "SkuName"},
    {FOCUS_DATASET_RESERVATION_RECOMMENDATIONS, NULL, "FirstUsageDate", "ResourceType"},
    {FOCUS_DATASET_RESERVATION_TRANSACTIONS, "Amount", "EventDate", "ArmSkuName"},
    {FOCUS_DATASET_COST_DETAILS, "Cost", "Date", "MeterCategory"},
};

static bool has_column(const focus_column *columns, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(columns[i].name, name) == 0)
            return true;
    return false;
}

/* The schema whose columns the file has most of; all of them and no more is exact. */
static void guess_schema(inspection *in)
{
    size_t best_missing = SIZE_MAX, best_extra = SIZE_MAX;
    for (size_t s = 0; s < focus_schema_count(); s++) {
        const focus_schema *schema = focus_schema_at(s);
        size_t matched = 0;
        for (size_t c = 0; c < schema->column_count; c++)
            matched += has_column(in->columns, in->column_count, schema->columns[c].name);
        size_t missing = schema->column_count - matched;
        size_t extra = in->column_count - matched;
        if (matched * 2 < schema->column_count)
            continue;
        if (missing < best_missing || (missing == best_missing && extra < best_extra)) {
            best_missing = missing;
            best_extra = extra;
            in->schema = schema;
            in->matched = matched;
        }
    }
    in->exact = in->schema && best_missing == 0 && best_extra == 0;
    if (in->schema && in->schema->dataset == FOCUS_DATASET_FOCUS_COST &&
        strcmp(in->schema->version, "1.2-preview") == 0 && best_missing == 1 &&
        !has_column(in->columns, in->column_count, "x_SkuDetails"))
        in->note = "1.2-preview columns without x_SkuDetails: FOCUS 1.2";
}

/* FOCUS 1.0 and 1.0r2 share columns; only the date text tells them apart (CSV only). */
static void refine_version(inspection *in, const char *text, size_t length)
{
    if (!in->schema || in->schema->dataset != FOCUS_DATASET_FOCUS_COST || length == 0)
        return;
    bool seconds = length >= 20 && text[16] == ':';
    const char *want = seconds ? "1.0r2" : "1.0";
    if ((strcmp(in->schema->version, "1.0") == 0 || strcmp(in->schema->version, "1.0r2") == 0) &&
        strcmp(in->schema->version, want) != 0)
        focus_schema_find("FocusCost", want, NULL, &in->schema, NULL);
}

static group_total *group_for(inspection *in, int month, const char *name, size_t length)
{
    for (size_t i = in->group_count; i-- > 0;) {
        group_total *g = &in->groups[i];
        if (g->month == month && strlen(g->name) == length && memcmp(g->name, name, length) == 0)
            return g;
    }
    if (in->group_count == in->group_capacity) {
        size_t capacity = in->group_capacity ? in->group_capacity * 2 : 64;
        group_total *grown = realloc(in->groups, capacity * sizeof(*grown));
        if (!grown)
            return NULL;
        in->groups = grown;
        in->group_capacity = capacity;
    }
    group_total *g = &in->groups[in->group_count];
    g->name = malloc(length + 1);
    if (!g->name)
        return NULL;
    memcpy(g->name, name, length);
    g->name[length] = '\0';
    g->month = month;
    g->cost = 0;
    g->rows = 0;
    in->group_count++;
    return g;
}

static int column_index(const inspection *in, const char *name)
{
    for (size_t i = 0; name && i < in->column_count; i++)
        if (strcmp(in->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Reads every row, summing by month and group. Cells of untyped (CSV) columns are parsed. */
static focus_status summarize(inspection *in, focus_reader *reader, focus_error *error)
{
    int cost = column_index(in, in->plan ? in->plan->cost : NULL);
    int date = column_index(in, in->plan ? in->plan->date : NULL);
    int group = column_index(in, in->plan ? in->plan->group : NULL);
    const focus_value *row;
    bool dated = false;
    for (;;) {
        focus_status status = focus_reader_next(reader, &row, error);
        if (status != FOCUS_OK)
            return status;
        if (!row)
            return FOCUS_OK;
        in->rows++;
        if (!in->plan)
            continue;
        focus_value parsed;
        double amount = 0;
        if (cost >= 0 && !row[cost].is_null) {
            amount = row[cost].number;
            if (in->columns[cost].type == FOCUS_TYPE_STRING &&
                focus_value_parse(FOCUS_TYPE_DECIMAL, row[cost].text, row[cost].length, &parsed,
                                  NULL) == FOCUS_OK)
                amount = parsed.is_null ? 0 : parsed.number;
        }
        int month = -1;
        if (date >= 0 && !row[date].is_null) {
            int64_t micros = row[date].integer;
            bool ok = true;
            if (in->columns[date].type == FOCUS_TYPE_STRING) {
                if (!dated) {
                    refine_version(in, row[date].text, row[date].length);
                    dated = true;
                }
                ok = focus_value_parse(FOCUS_TYPE_DATETIME, row[date].text, row[date].length,
                                       &parsed, NULL) == FOCUS_OK &&
                     !parsed.is_null;
                micros = parsed.integer;
            } else if (in->columns[date].type == FOCUS_TYPE_DATE) {
                micros = focus_saturating_mul(micros, INT64_C(86400000000));
            }
            if (ok) {
                int y, mo, d, h, mi, s;
                focus_datetime_to_civil(micros, &y, &mo, &d, &h, &mi, &s);
                month = y >= 0 && y <= 9999 ? y * 12 + mo - 1 : -1; /* far-off dates: none */
            }
        }
        const char *name = "(none)";
        size_t length = 6;
        if (group >= 0 && !row[group].is_null && in->columns[group].type == FOCUS_TYPE_STRING) {
            name = row[group].text;
            length = row[group].length;
        }
        group_total *g = group_for(in, month, name, length);
        if (!g)
            return focus_fail(error, FOCUS_NO_MEMORY, in->path, -1, -1, "out of memory");
        g->cost += amount;
        g->rows++;
        in->total += amount;
    }
}

static int by_month_then_cost(const void *a, const void *b)
{
    const group_total *x = a, *y = b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool is_gzip(const char *path)
{
    FILE *file = fopen(path, "rb");
    int a = file ? fgetc(file) : EOF, b = file ? fgetc(file) : EOF;
    if (file)
        fclose(file);
    return a == 0x1f && b == 0x8b;
}

focus_status focus_inspect_file(const char *path, const focus_inspect_options *options, FILE *out,
                                focus_error *error)
{
    if (!path || !out)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, path, -1, -1,
                          "focus_inspect_file needs a path and an output");
    focus_inspect_options defaults = focus_inspect_options_default();
    if (!options)
        options = &defaults;
    inspection in = {0};
    in.path = path;
    focus_reader *reader = NULL;
    focus_status status = focus_reader_open(path, NULL, &reader, error);
    if (status != FOCUS_OK)
        return status;
    in.format = focus_reader_format(reader);
    in.gzip = in.format == FOCUS_FORMAT_CSV && is_gzip(path);
    in.columns = focus_reader_columns(reader, &in.column_count);
    in.file_columns = in.column_count;
    guess_schema(&in);
    if (in.schema && in.format == FOCUS_FORMAT_PARQUET &&
        in.schema->dataset == FOCUS_DATASET_FOCUS_COST &&
        strncmp(in.schema->version, "1.0", 3) == 0 && in.schema->version[3] != '-')
        in.note = "Parquet dates are typed, so FOCUS 1.0 and 1.0r2 look the same";
    if (in.schema && in.exact && in.format == FOCUS_FORMAT_CSV) {
        /* Read again with the schema, so cells that do not fit their type are reported. */
        focus_reader_free(reader);
        reader = NULL;
        status = focus_reader_open(path, in.schema, &reader, error);
        if (status != FOCUS_OK)
            return status;
        in.columns = focus_reader_columns(reader, &in.column_count);
    }
    for (size_t p = 0; in.schema && p < sizeof(plans) / sizeof(plans[0]); p++)
        if (plans[p].dataset == in.schema->dataset)
            in.plan = &plans[p];
    /* The date style tells 1.0 from 1.0r2 in CSV even when the schema typed the dates. */
    if (in.schema && in.format == FOCUS_FORMAT_CSV && in.plan) {
        focus_reader *peek = NULL;
        const focus_value *row;
        int date = column_index(&in, in.plan->date);
        if (date >= 0 && focus_reader_open(path, NULL, &peek, NULL) == FOCUS_OK &&
            focus_reader_next(peek, &row, NULL) == FOCUS_OK && row && !row[date].is_null)
            refine_version(&in, row[date].text, row[date].length);
        focus_reader_free(peek);
    }
    status = summarize(&in, reader, error);
    if (status == FOCUS_OK) {
        if (in.group_count)
            qsort(in.groups, in.group_count, sizeof(*in.groups), by_month_then_cost);
        if (options->json)
            focus_inspect_print_json(&in, options, out);
        else
            focus_inspect_print_text(&in, options, out);
    }
    for (size_t i = 0; i < in.group_count; i++)
        free(in.groups[i].name);
    free(in.groups);
    focus_reader_free(reader);
    return status;
}
