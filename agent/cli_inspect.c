/* `hubagent inspect [--json] [--top N] FILE...`: what each landed export file is (format,
 * dataset/version guess, schema), its row count and cost by month and service. */
#include "agent/cli.h"
#include "focus/focus.h"

#include <stdlib.h>
#include <string.h>

static const char inspect_usage[] =
    "usage: hubagent inspect [--json] [--top N] FILE...\n\n"
    "Reads each CSV (plain or gzip) or Parquet file through once and prints its format,\n"
    "the Cost Management dataset and version its columns match, its schema, row count and\n"
    "total cost by month and service. A damaged file is reported with the offset or line\n"
    "where it goes wrong. Exit 0 when every file was read, 1 otherwise, 2 on usage errors.\n\n"
    "  --json    one JSON array on stdout, an object per file ({\"file\",\"error\"} on failure)\n"
    "  --top N   groups (services) listed per month, default 10\n";

static void print_error_json(FILE *out, const char *file, const focus_error *error)
{
    fprintf(out, "{\"file\":");
    agent_cli_print_json_string(out, file);
    fprintf(out, ",\"error\":{\"status\":");
    agent_cli_print_json_string(out, focus_status_text(error->status));
    fprintf(out, ",\"message\":");
    agent_cli_print_json_string(out, error->message);
    fprintf(out, ",\"offset\":%lld,\"line\":%lld}}\n", (long long)error->offset,
            (long long)error->line);
}

int agent_cli_inspect(int argc, char **argv)
{
    focus_inspect_options options = focus_inspect_options_default();
    const char *files[AGENT_CLI_MAX_ARGS];
    size_t file_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            options.json = true;
        } else if (strcmp(argv[i], "--top") == 0 || strncmp(argv[i], "--top=", 6) == 0) {
            const char *value = argv[i][5] == '=' ? argv[i] + 6 : (i + 1 < argc ? argv[++i] : "");
            char *end = NULL;
            long top = strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || top < 1 || top > 1000)
                return agent_cli_usage_error("inspect: --top takes a number from 1 to 1000");
            options.top_services = (size_t)top;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(inspect_usage, stdout);
            return AGENT_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return agent_cli_usage_error("inspect: unknown option '%s'", argv[i]);
        } else if (file_count == AGENT_CLI_MAX_ARGS) {
            return agent_cli_usage_error("inspect: at most %d files at a time", AGENT_CLI_MAX_ARGS);
        } else {
            files[file_count++] = argv[i];
        }
    }
    if (file_count == 0)
        return agent_cli_usage_error("inspect: missing FILE\n%s", inspect_usage);
    int exit_code = AGENT_EXIT_OK;
    if (options.json)
        fputs("[", stdout);
    for (size_t i = 0; i < file_count; i++) {
        if (options.json && i > 0)
            fputs(",", stdout);
        else if (i > 0)
            fputs("\n", stdout);
        focus_error error;
        focus_error_init(&error);
        if (focus_inspect_file(files[i], &options, stdout, &error) == FOCUS_OK)
            continue;
        exit_code = AGENT_EXIT_FAILED;
        fprintf(stderr, "hubagent: %s: %s\n", files[i], error.message);
        if (options.json)
            print_error_json(stdout, files[i], &error);
    }
    if (options.json)
        fputs("]\n", stdout);
    return exit_code;
}
