/* Printing an inspection: a short human summary, or JSON for machines (`--json`). */
#include "focus/inspect_int.h"

#include <stdio.h>
#include <string.h>

static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void month_text(int month, char out[16])
{
    if (month < 0)
        snprintf(out, 16, "(no date)");
    else
        snprintf(out, 16, "%04d-%02d", month / 12, month % 12 + 1);
}

static const char *format_name(const inspection *in)
{
    if (in->format == FOCUS_FORMAT_PARQUET)
        return "parquet";
    return in->gzip ? "csv+gzip" : "csv";
}

static size_t top(const focus_inspect_options *options)
{
    return options->top_services ? options->top_services : 10;
}

void focus_inspect_print_text(const inspection *in, const focus_inspect_options *options, FILE *out)
{
    fprintf(out, "file: %s\nformat: %s\n", in->path, format_name(in));
    if (in->schema)
        fprintf(out, "dataset: %s %s%s%s (%s: %zu of %zu columns)\n", in->schema->dataset_name,
                in->schema->version, in->schema->variant ? " " : "",
                in->schema->variant ? in->schema->variant : "", in->exact ? "exact" : "closest",
                in->matched, in->schema->column_count);
    else
        fprintf(out, "dataset: unknown (no known dataset has most of these columns)\n");
    if (in->note)
        fprintf(out, "note: %s\n", in->note);
    fprintf(out, "rows: %llu\ncolumns (%zu):\n", (unsigned long long)in->rows, in->column_count);
    for (size_t c = 0; c < in->column_count; c++)
        fprintf(out, "  %-34s %-8s %s\n", in->columns[c].name, focus_type_name(in->columns[c].type),
                in->columns[c].nullable ? "nullable" : "required");
    if (!in->plan)
        return;
    const char *what = in->plan->cost ? in->plan->cost : "rows";
    if (in->plan->cost)
        fprintf(out, "total %s: %.2f\n", in->plan->cost, in->total);
    fprintf(out, "%s by month and %s:\n", what, in->plan->group);
    size_t shown = 0;
    for (size_t i = 0; i < in->group_count; i++) {
        const group_total *g = &in->groups[i];
        if (i == 0 || g->month != in->groups[i - 1].month)
            shown = 0;
        if (shown++ >= top(options))
            continue;
        char month[16];
        month_text(g->month, month);
        if (in->plan->cost)
            fprintf(out, "  %s  %-32s %14.2f  (%llu rows)\n", month, g->name, g->cost,
                    (unsigned long long)g->rows);
        else
            fprintf(out, "  %s  %-32s %llu rows\n", month, g->name, (unsigned long long)g->rows);
    }
}

void focus_inspect_print_json(const inspection *in, const focus_inspect_options *options, FILE *out)
{
    fprintf(out, "{\"file\":");
    json_string(out, in->path);
    fprintf(out, ",\"format\":\"%s\",\"dataset\":", format_name(in));
    if (in->schema) {
        json_string(out, in->schema->dataset_name);
        fprintf(out, ",\"version\":");
        json_string(out, in->schema->version);
        fprintf(out, ",\"variant\":");
        if (in->schema->variant)
            json_string(out, in->schema->variant);
        else
            fprintf(out, "null");
        fprintf(out, ",\"match\":\"%s\",\"matchedColumns\":%zu", in->exact ? "exact" : "closest",
                in->matched);
    } else {
        fprintf(out, "null,\"version\":null,\"variant\":null,\"match\":\"none\"");
    }
    if (in->note) {
        fprintf(out, ",\"note\":");
        json_string(out, in->note);
    }
    fprintf(out, ",\"rows\":%llu,\"columns\":[", (unsigned long long)in->rows);
    for (size_t c = 0; c < in->column_count; c++) {
        fprintf(out, "%s{\"name\":", c ? "," : "");
        json_string(out, in->columns[c].name);
        fprintf(out, ",\"type\":\"%s\",\"nullable\":%s}", focus_type_name(in->columns[c].type),
                in->columns[c].nullable ? "true" : "false");
    }
    fprintf(out, "]");
    if (in->plan) {
        fprintf(out, ",\"costColumn\":");
        if (in->plan->cost)
            json_string(out, in->plan->cost);
        else
            fprintf(out, "null");
        fprintf(out, ",\"groupColumn\":");
        json_string(out, in->plan->group);
        fprintf(out, ",\"totalCost\":%.10g,\"months\":[", in->total);
        size_t shown = 0;
        for (size_t i = 0; i < in->group_count; i++) {
            const group_total *g = &in->groups[i];
            bool first = i == 0 || g->month != in->groups[i - 1].month;
            if (first) {
                char month[16];
                month_text(g->month, month);
                double cost = 0;
                uint64_t rows = 0;
                for (size_t k = i; k < in->group_count && in->groups[k].month == g->month; k++) {
                    cost += in->groups[k].cost;
                    rows += in->groups[k].rows;
                }
                fprintf(out, "%s{\"month\":", i ? "]}," : "");
                if (g->month < 0)
                    fprintf(out, "null");
                else
                    json_string(out, month);
                fprintf(out, ",\"cost\":%.10g,\"rows\":%llu,\"groups\":[", cost,
                        (unsigned long long)rows);
                shown = 0;
            }
            if (shown++ >= top(options))
                continue;
            fprintf(out, "%s{\"name\":", shown > 1 ? "," : "");
            json_string(out, g->name);
            fprintf(out, ",\"cost\":%.10g,\"rows\":%llu}", g->cost, (unsigned long long)g->rows);
        }
        fprintf(out, "%s]", in->group_count ? "]}" : "");
    }
    fprintf(out, "}\n");
}
