/* `hubagent settings validate [--json] FILE`: the verdict on a settings file,
 * with the normalised scopes, or one line per problem. */
#include "agent/cli.h"
#include "settings/settings.h"

#include <string.h>

static const char settings_usage[] =
    "usage: hubagent settings validate [--json] FILE\n"
    "       hubagent settings upload FILE [--OPTION VALUE]...\n\n"
    "Checks a FinOps hub settings.json: every scope recognised and normalised, no\n"
    "duplicate or overlapping scopes. Exit 0 when valid, 1 when not, 2 on usage errors.\n\n"
    "  --json    print the verdict as JSON on stdout\n";

static void print_problems_json(FILE *out, const settings_report *report,
                                settings_severity severity)
{
    int first = 1;
    for (size_t i = 0; i < report->count; i++) {
        const settings_problem *p = &report->problems[i];
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

static void print_json(FILE *out, const char *file, const settings *value,
                       const settings_report *report)
{
    fprintf(out, "{\"file\":");
    agent_cli_print_json_string(out, file);
    fprintf(out, ",\"valid\":%s", value != NULL ? "true" : "false");
    if (value != NULL) {
        fprintf(out, ",\"scopes\":[");
        for (size_t i = 0; i < value->scope_count; i++) {
            const settings_scope *s = &value->scopes[i];
            fprintf(out, "%s{\"index\":%zu,\"input\":", i ? "," : "", s->index);
            agent_cli_print_json_string(out, s->input);
            fprintf(out, ",\"scope\":");
            agent_cli_print_json_string(out, s->scope);
            fprintf(out, ",\"type\":\"%s\"}", settings_scope_type_name(s->type));
        }
        const settings_retention *r = &value->retention;
        fprintf(out,
                "],\"retention\":{\"msexports\":{\"days\":%d},\"ingestion\":{\"months\":%d},"
                "\"raw\":{\"days\":%d},\"final\":{\"months\":%d}}",
                r->msexports_days, r->ingestion_months, r->raw_days, r->final_months);
    } else {
        fprintf(out, ",\"errors\":[");
        print_problems_json(out, report, SETTINGS_SEVERITY_ERROR);
        fputc(']', out);
    }
    fprintf(out, ",\"warnings\":[");
    print_problems_json(out, report, SETTINGS_SEVERITY_WARNING);
    fprintf(out, "]}\n");
}

static void print_table(FILE *out, const settings *value)
{
    fprintf(out, "%-5s %-22s %s\n", "INDEX", "TYPE", "SCOPE");
    for (size_t i = 0; i < value->scope_count; i++) {
        const settings_scope *s = &value->scopes[i];
        fprintf(out, "%-5zu %-22s %s", s->index, settings_scope_type_name(s->type), s->scope);
        if (strcmp(s->input, s->scope) != 0)
            fprintf(out, "   (written \"%s\")", s->input);
        fputc('\n', out);
    }
    fprintf(out, "%zu scope%s; retention: ingestion %d months, msexports %d days\n",
            value->scope_count, value->scope_count == 1 ? "" : "s",
            value->retention.ingestion_months, value->retention.msexports_days);
}

static int settings_validate(int argc, char **argv)
{
    int json = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(settings_usage, stdout);
            return AGENT_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return agent_cli_usage_error("settings validate: unknown option '%s'", argv[i]);
        } else if (file != NULL) {
            return agent_cli_usage_error("settings validate: one FILE only ('%s' and '%s')", file,
                                         argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (file == NULL)
        return agent_cli_usage_error("settings validate: missing FILE\n%s", settings_usage);

    settings_report report;
    settings_report_init(&report, file);
    settings *value = NULL;
    settings_status status = settings_load_file(file, &value, &report);
    settings_report_print(&report, stderr);
    if (json)
        print_json(stdout, file, value, &report);
    else if (status == SETTINGS_OK)
        print_table(stdout, value);
    if (status != SETTINGS_OK && report.error_count == 0)
        fprintf(stderr, "%s: error: %s\n", file, settings_status_text(status));
    settings_free(value);
    settings_report_dispose(&report);
    return status == SETTINGS_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

int agent_cli_settings(int argc, char **argv)
{
    static const agent_command subcommands[] = {
        {"validate", "check a settings.json", settings_validate},
        {"upload", "validate, then write it to the hub's storage", agent_cli_settings_upload},
    };
    return agent_cli_dispatch(argc, argv, "settings", settings_usage, subcommands,
                              sizeof subcommands / sizeof subcommands[0]);
}
