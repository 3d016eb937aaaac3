/* `hubagent spend-scopes validate|report`: checks a spendScopes file the way `settings
 * validate` checks settings, and attributes a month of FOCUS cost data to the spend scopes. */
#include "agent/cli_spend_int.h"

#include <stdlib.h>
#include <string.h>

const char spend_cli_usage[] =
    "usage: hubagent spend-scopes validate [--json] FILE\n"
    "       hubagent spend-scopes report --month YYYY-MM [--spend-scopes FILE]\n"
    "                                    (--input DIR | --from-hub)\n"
    "                                    [--output DIR [--upload] [--force]] [--json]\n"
    "                                    [--state FILE] [--storage-endpoint URL] [--OPTION "
    "VALUE]...\n\n"
    "validate: checks a spendScopes file (segments without overlaps or gaps, conditions\n"
    "  defined and used, fields, operators, regexes). Exit 0 when valid, 1 when not.\n"
    "report: attributes every row of the month's FOCUS cost Parquet files under --input to\n"
    "  the first spend scope (in file order) whose segment for the month matches it; the rest\n"
    "  stays unscoped with its subscription. Exit 0 when the totals reconcile, 1 on failure,\n"
    "  2 on usage errors. The spend scopes file is --spend-scopes (or HUBAGENT_SPEND_SCOPES,\n"
    "  or \"spend-scopes\" in the agent config file), else settings.json's \"spendScopes\".\n"
    "  With --output, writes the summary to DIR/SpendScopes/YYYY/MM/spend-scopes.parquet and\n"
    "  records the month in the agent's state database (--state): a month whose definitions\n"
    "  and data are unchanged since is not evaluated again but read back (--force evaluates).\n"
    "  With --upload, the summary goes to the hub's storage: ingestion/SpendScopes/...\n"
    "  --from-hub reads the month's files from the hub's storage (ingestion/Costs/YYYY/MM/)\n"
    "  instead of --input.\n\n"
    "  --json    print the verdict / report as JSON on stdout\n";

static void print_problems_json(FILE *out, const spend_report *report, spend_severity severity)
{
    int first = 1;
    for (size_t i = 0; i < report->count; i++) {
        const spend_problem *p = &report->problems[i];
        if (p->severity != severity)
            continue;
        fprintf(out, "%s{\"path\":", first ? "" : ",");
        agent_cli_print_json_string(out, p->path);
        fprintf(out, ",\"line\":%d,\"column\":%d,\"message\":", p->line, p->column);
        agent_cli_print_json_string(out, p->message);
        fputc('}', out);
        first = 0;
    }
}

static void print_segment_json(FILE *out, const spend_segment_info *info)
{
    char from[8], to[8];
    spend_month_format(info->from, from);
    spend_month_format(info->to, to);
    fprintf(out, "{\"from\":\"%s\",\"to\":", from);
    if (info->to == SPEND_MONTH_OPEN)
        fputs("null", out);
    else
        fprintf(out, "\"%s\"", to);
    if (info->all_accounts)
        fputs(",\"accounts\":\"all\"", out);
    else
        fprintf(out, ",\"accounts\":%zu", info->account_count);
    fprintf(out, ",\"conditions\":%zu}", info->condition_count);
}

static void print_validate_json(FILE *out, const char *file, const spend_definitions *d,
                                const spend_report *report)
{
    fprintf(out, "{\"file\":");
    agent_cli_print_json_string(out, file);
    fprintf(out, ",\"valid\":%s", d != NULL ? "true" : "false");
    if (d != NULL) {
        fputs(",\"spendScopes\":[", out);
        for (size_t i = 0; i < spend_definitions_scope_count(d); i++) {
            fprintf(out, "%s{\"priority\":%zu,\"name\":", i ? "," : "", i + 1);
            agent_cli_print_json_string(out, spend_definitions_scope_name(d, i));
            fputs(",\"segments\":[", out);
            for (size_t j = 0; j < spend_definitions_segment_count(d, i); j++) {
                spend_segment_info info;
                spend_definitions_segment_info(d, i, j, &info);
                if (j)
                    fputc(',', out);
                print_segment_json(out, &info);
            }
            fputs("]}", out);
        }
        fputc(']', out);
    } else {
        fputs(",\"errors\":[", out);
        print_problems_json(out, report, SPEND_SEVERITY_ERROR);
        fputc(']', out);
    }
    fputs(",\"warnings\":[", out);
    print_problems_json(out, report, SPEND_SEVERITY_WARNING);
    fputs("]}\n", out);
}

static void print_validate_table(FILE *out, const spend_definitions *d)
{
    fprintf(out, "%-8s %-32s %s\n", "PRIORITY", "SPEND SCOPE", "SEGMENTS");
    for (size_t i = 0; i < spend_definitions_scope_count(d); i++) {
        fprintf(out, "%-8zu %-32s", i + 1, spend_definitions_scope_name(d, i));
        for (size_t j = 0; j < spend_definitions_segment_count(d, i); j++) {
            spend_segment_info info;
            spend_definitions_segment_info(d, i, j, &info);
            char from[8], to[8], accounts[32];
            spend_month_format(info.from, from);
            spend_month_format(info.to, to);
            if (info.all_accounts)
                snprintf(accounts, sizeof accounts, "all subscriptions");
            else
                snprintf(accounts, sizeof accounts, "%zu subscription%s", info.account_count,
                         info.account_count == 1 ? "" : "s");
            fprintf(out, "%s%s..%s (%s, %zu condition%s)", j ? "; " : " ", from, to, accounts,
                    info.condition_count, info.condition_count == 1 ? "" : "s");
        }
        fputc('\n', out);
    }
    size_t n = spend_definitions_scope_count(d);
    fprintf(out, "%zu spend scope%s\n", n, n == 1 ? "" : "s");
}

int spend_cli_load_definitions(const char *file, const char *text, size_t length, int json,
                               spend_definitions **out)
{
    spend_report report;
    spend_report_init(&report, file);
    spend_status status = text != NULL ? spend_definitions_parse(text, length, out, &report)
                                       : spend_definitions_load_file(file, out, &report);
    spend_report_print(&report, stderr);
    if (json)
        print_validate_json(stdout, file, *out, &report);
    if (status != SPEND_OK && report.error_count == 0)
        fprintf(stderr, "%s: error: %s\n", file, spend_status_text(status));
    spend_report_dispose(&report);
    return status == SPEND_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

static int spend_validate(int argc, char **argv)
{
    int json = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(spend_cli_usage, stdout);
            return AGENT_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return agent_cli_usage_error("spend-scopes validate: unknown option '%s'", argv[i]);
        else if (file != NULL)
            return agent_cli_usage_error("spend-scopes validate: one FILE only ('%s' and '%s')",
                                         file, argv[i]);
        else
            file = argv[i];
    }
    if (file == NULL)
        return agent_cli_usage_error("spend-scopes validate: missing FILE\n%s", spend_cli_usage);
    spend_definitions *d = NULL;
    int code = spend_cli_load_definitions(file, NULL, 0, json, &d);
    if (code == AGENT_EXIT_OK && !json)
        print_validate_table(stdout, d);
    spend_definitions_free(d);
    return code;
}

/* Per spend scope (in priority order) and per unscoped sub-account. */
typedef struct line_total {
    const char *label;
    spend_totals totals;
} line_total;

static void add_totals(spend_totals *t, const spend_summary_row *r)
{
    t->billed_cost += r->billed_cost;
    t->effective_cost += r->effective_cost;
    t->list_cost += r->list_cost;
    t->row_count += r->row_count;
}

static line_total *scope_lines(const spend_definitions *d, const spend_summary *s)
{
    size_t n = spend_definitions_scope_count(d);
    line_total *lines = calloc(n + 1, sizeof *lines);
    if (lines == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        lines[i].label = spend_definitions_scope_name(d, i);
    for (size_t i = 0; i < s->row_count; i++)
        if (s->rows[i].priority > 0 && (size_t)s->rows[i].priority <= n)
            add_totals(&lines[s->rows[i].priority - 1].totals, &s->rows[i]);
    return lines;
}

/* Unscoped rows are sorted by sub-account, so each sub-account is one run. */
static line_total *unscoped_lines(const spend_summary *s, size_t *out_count)
{
    line_total *lines = calloc(s->row_count + 1, sizeof *lines);
    size_t n = 0;
    for (size_t i = 0; lines != NULL && i < s->row_count; i++) {
        const spend_summary_row *r = &s->rows[i];
        if (r->priority != 0)
            continue;
        const char *label = r->sub_account_id ? r->sub_account_id : "(no sub-account)";
        if (n == 0 || strcmp(lines[n - 1].label, label) != 0)
            lines[n++].label = label;
        add_totals(&lines[n - 1].totals, r);
    }
    *out_count = n;
    return lines;
}

static void print_totals_json(FILE *out, const spend_totals *t)
{
    fprintf(out, "\"billedCost\":%.6f,\"effectiveCost\":%.6f,\"listCost\":%.6f,\"rowCount\":%llu",
            t->billed_cost, t->effective_cost, t->list_cost, (unsigned long long)t->row_count);
}

static void print_report_json(FILE *out, const spend_definitions *d, const spend_summary *s,
                              const spend_cli_outcome *outcome)
{
    char month[8];
    spend_month_format(s->month, month);
    size_t scope_count = spend_definitions_scope_count(d), unscoped_count = 0;
    line_total *scopes = scope_lines(d, s);
    line_total *unscoped = unscoped_lines(s, &unscoped_count);
    fprintf(out, "{\"month\":\"%s\",\"files\":%zu,\"definitions\":", month, s->file_count);
    agent_cli_print_json_string(out, outcome->definitions);
    fprintf(out, ",\"skipped\":%s,\"reason\":", outcome->skipped ? "true" : "false");
    agent_cli_print_json_string(out, outcome->reason);
    fputs(",\"spendScopes\":[", out);
    for (size_t i = 0; scopes != NULL && i < scope_count; i++) {
        fprintf(out, "%s{\"priority\":%zu,\"name\":", i ? "," : "", i + 1);
        agent_cli_print_json_string(out, scopes[i].label);
        fputc(',', out);
        print_totals_json(out, &scopes[i].totals);
        fputc('}', out);
    }
    fputs("],\"unscoped\":[", out);
    for (size_t i = 0; unscoped != NULL && i < unscoped_count; i++) {
        fprintf(out, "%s{\"subAccountId\":", i ? "," : "");
        agent_cli_print_json_string(out, unscoped[i].label);
        fputc(',', out);
        print_totals_json(out, &unscoped[i].totals);
        fputc('}', out);
    }
    fputs("],\"groups\":[", out);
    for (size_t i = 0; i < s->row_count; i++) {
        const spend_summary_row *r = &s->rows[i];
        const char *keys[] = {"spendScope",       r->spend_scope,     "subAccountId",
                              r->sub_account_id,  "serviceCategory",  r->service_category,
                              "chargeCategory",   r->charge_category, "billingCurrency",
                              r->billing_currency};
        fprintf(out, "%s{\"priority\":%d", i ? "," : "", r->priority);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k += 2) {
            fprintf(out, ",\"%s\":", keys[k]);
            if (keys[k + 1] == NULL)
                fputs("null", out);
            else
                agent_cli_print_json_string(out, keys[k + 1]);
        }
        spend_totals t = {r->billed_cost, r->effective_cost, r->list_cost, r->row_count};
        fputc(',', out);
        print_totals_json(out, &t);
        fputc('}', out);
    }
    fputs("],\"totals\":{\"spendScopes\":{", out);
    print_totals_json(out, &s->scoped);
    fputs("},\"unscoped\":{", out);
    print_totals_json(out, &s->unscoped);
    fputs("},\"month\":{", out);
    print_totals_json(out, &s->month_total);
    fprintf(out, "},\"reconciles\":%s},\"rowsOutsideMonth\":%llu,\"output\":",
            spend_summary_reconciles(s) ? "true" : "false",
            (unsigned long long)s->rows_outside_month);
    if (outcome->output_path != NULL)
        agent_cli_print_json_string(out, outcome->output_path);
    else
        fputs("null", out);
    fputs("}\n", out);
    free(scopes);
    free(unscoped);
}

static void print_line(FILE *out, const char *first, const char *label, const spend_totals *t)
{
    fprintf(out, "%-9s %-44s %14.2f %14.2f %14.2f %10llu\n", first, label, t->billed_cost,
            t->effective_cost, t->list_cost, (unsigned long long)t->row_count);
}

static void print_report_table(FILE *out, const spend_definitions *d, const spend_summary *s,
                               const spend_cli_outcome *outcome)
{
    char month[8];
    spend_month_format(s->month, month);
    size_t scope_count = spend_definitions_scope_count(d), unscoped_count = 0;
    line_total *scopes = scope_lines(d, s);
    line_total *unscoped = unscoped_lines(s, &unscoped_count);
    fprintf(out, "Spend scopes for %s (%zu file%s, %llu rows)\n\n", month, s->file_count,
            s->file_count == 1 ? "" : "s", (unsigned long long)s->month_total.row_count);
    fprintf(out, "%-9s %-44s %14s %14s %14s %10s\n", "PRIORITY", "SPEND SCOPE", "BILLED",
            "EFFECTIVE", "LIST", "ROWS");
    for (size_t i = 0; scopes != NULL && i < scope_count; i++) {
        char priority[24];
        snprintf(priority, sizeof priority, "%zu", i + 1);
        print_line(out, priority, scopes[i].label, &scopes[i].totals);
    }
    fprintf(out, "\n%-9s %-44s\n", "UNSCOPED", "SUB-ACCOUNT");
    for (size_t i = 0; unscoped != NULL && i < unscoped_count; i++)
        print_line(out, "-", unscoped[i].label, &unscoped[i].totals);
    fputc('\n', out);
    print_line(out, "total", "spend scopes", &s->scoped);
    print_line(out, "total", "unscoped", &s->unscoped);
    print_line(out, "total", "month (every row read)", &s->month_total);
    bool ok = spend_summary_reconciles(s);
    fprintf(out,
            "\ncheck: spend scopes + unscoped = month total, to the cent (billed %.2f + %.2f = "
            "%.2f, effective %.2f + %.2f = %.2f, rows %llu + %llu = %llu): %s\n",
            s->scoped.billed_cost, s->unscoped.billed_cost, s->month_total.billed_cost,
            s->scoped.effective_cost, s->unscoped.effective_cost, s->month_total.effective_cost,
            (unsigned long long)s->scoped.row_count, (unsigned long long)s->unscoped.row_count,
            (unsigned long long)s->month_total.row_count, ok ? "ok" : "FAILED");
    fprintf(out, "spend scopes from %s\n", outcome->definitions);
    fprintf(out, "%s: %s\n", outcome->skipped ? "skipped" : "evaluated", outcome->reason);
    if (outcome->output_path != NULL)
        fprintf(out, "summary %s %s\n", outcome->skipped ? "read from" : "written to",
                outcome->output_path);
    free(scopes);
    free(unscoped);
}

void spend_cli_print_report(FILE *out, bool json, const spend_definitions *definitions,
                            const spend_summary *summary, const spend_cli_outcome *outcome)
{
    if (json)
        print_report_json(out, definitions, summary, outcome);
    else
        print_report_table(out, definitions, summary, outcome);
}

int agent_cli_spend_scopes(int argc, char **argv)
{
    static const agent_command subcommands[] = {
        {"validate", "check a spend scopes file", spend_validate},
        {"report", "attribute a month's spend", spend_cli_report},
    };
    return agent_cli_dispatch(argc, argv, "spend-scopes", spend_cli_usage, subcommands,
                              sizeof subcommands / sizeof subcommands[0]);
}
