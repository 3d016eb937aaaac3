/* The `hubagent` command: finds the subcommand and runs it. */
#include "agent/cli.h"

#include <stdarg.h>
#include <string.h>

static const agent_command commands[] = {
    {"settings", "validate the hub's settings.json and show its scopes", agent_cli_settings},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: hubagent <command> [options]\n\n"
                 "Keeps a FinOps hub's Cost Management exports right.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-12s %s\n", "version", "print the version");
    fprintf(out, "\nRun 'hubagent <command> --help' for a command's options.\n");
}

int agent_cli_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("hubagent: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    return AGENT_EXIT_USAGE;
}

void agent_cli_print_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

int agent_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return AGENT_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return AGENT_EXIT_OK;
    }
    if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
        printf("hubagent %s\n", HUBAGENT_VERSION);
        return AGENT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    agent_cli_usage_error("unknown command '%s'", name);
    print_usage(stderr);
    return AGENT_EXIT_USAGE;
}
