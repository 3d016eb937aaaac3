/* The `hubagent` command: finds the subcommand and runs it. */
#include "agent/cli.h"
#include "agent/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const agent_command commands[] = {
    {"settings", "validate the hub's settings.json and show its scopes", agent_cli_settings},
    {"config", "show the effective configuration and where each value came from", agent_cli_config},
    {"plan", "show what reconciling the exports would change", agent_cli_plan},
    {"run", "create and repair every scope's exports (--once)", agent_cli_run},
    {"status", "show each scope's exports and their last runs", agent_cli_status},
    {"release", "give the exports back to the hub's Data Factory triggers", agent_cli_release},
    {"backfill", "export history month by month, resumable and throttle-paced", agent_cli_backfill},
    {"auth", "check which credential is used and that it gets an ARM token", agent_cli_auth},
    {"inspect", "show what export files hold: dataset, schema, rows, cost", agent_cli_inspect},
    {"spend-scopes", "validate spend scopes and attribute a month's spend to them",
     agent_cli_spend_scopes},
    {"ingest", "hand landed runs to the hub's ingestion layout", agent_cli_ingest},
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

int agent_cli_has_switch(const agent_cli_args *args, const char *name)
{
    for (size_t i = 0; i < args->switch_count; i++)
        if (strcmp(args->switches[i], name) == 0)
            return 1;
    return 0;
}

const char *agent_cli_switch_value(const agent_cli_args *args, const char *name)
{
    for (size_t i = 0; i < args->switch_count; i++)
        if (strcmp(args->switches[i], name) == 0)
            return args->switch_values[i];
    return NULL;
}

/* 0: not a switch of the command; 1: a boolean switch; 2: takes a value. */
static int switch_kind(const char *const *allowed, const char *name, size_t length)
{
    for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++) {
        size_t allowed_length = strlen(allowed[i]);
        bool valued = allowed_length > 0 && allowed[i][allowed_length - 1] == '=';
        if (valued)
            allowed_length--;
        if (allowed_length == length && strncmp(allowed[i], name, length) == 0)
            return valued ? 2 : 1;
    }
    return 0;
}

int agent_cli_parse_args(int argc, char **argv, const char *const *allowed_switches,
                         agent_cli_args *out_args)
{
    memset(out_args, 0, sizeof *out_args);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (out_args->positional_count == AGENT_CLI_MAX_ARGS)
                return agent_cli_usage_error("too many arguments");
            out_args->positional[out_args->positional_count++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *equals = strchr(name, '=');
        size_t length = equals ? (size_t)(equals - name) : strlen(name);
        if (length >= sizeof out_args->name_storage[0])
            return agent_cli_usage_error("unknown option %s", arg);
        int kind = switch_kind(allowed_switches, name, length);
        if (kind != 0) {
            if (out_args->switch_count == AGENT_CLI_MAX_ARGS)
                return agent_cli_usage_error("too many options");
            if (kind == 1 && equals != NULL)
                return agent_cli_usage_error("--%.*s takes no value", (int)length, name);
            const char *value = NULL;
            if (kind == 2) {
                value = equals ? equals + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (value == NULL)
                    return agent_cli_usage_error("--%.*s needs a value", (int)length, name);
            }
            char *stored = out_args->switch_storage[out_args->switch_count];
            snprintf(stored, sizeof out_args->switch_storage[0], "%.*s", (int)length, name);
            out_args->switches[out_args->switch_count] = stored;
            out_args->switch_values[out_args->switch_count++] = value;
            continue;
        }
        if (out_args->option_count == AGENT_CLI_MAX_ARGS)
            return agent_cli_usage_error("too many options");
        char *option_name = out_args->name_storage[out_args->option_count];
        snprintf(option_name, sizeof out_args->name_storage[0], "%.*s", (int)length, name);
        agent_option option;
        if (strcmp(option_name, "config") != 0 && !agent_option_find(option_name, &option))
            return agent_cli_usage_error("unknown option --%s", option_name);
        const char *value = equals ? equals + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL)
            return agent_cli_usage_error("--%s needs a value", option_name);
        out_args->option_names[out_args->option_count] = option_name;
        out_args->option_values[out_args->option_count++] = value;
    }
    return AGENT_EXIT_OK;
}

int agent_cli_load_config(const agent_cli_args *args, agent_config *out_config)
{
    agent_config_error error = {{0}};
    if (agent_config_load(args->option_names, args->option_values, args->option_count, NULL,
                          out_config, &error) != AGENT_CONFIG_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

int agent_cli_dispatch(int argc, char **argv, const char *command, const char *usage,
                       const agent_command *subcommands, size_t count)
{
    if (argc < 2)
        return agent_cli_usage_error("%s: missing subcommand\n%s", command, usage);
    for (size_t i = 0; i < count; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return AGENT_EXIT_OK;
    }
    return agent_cli_usage_error("%s: unknown subcommand '%s'", command, argv[1]);
}
