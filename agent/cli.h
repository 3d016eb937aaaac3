/* agent CLI: the `hubagent` command's subcommands, one function each, and the
 * helpers they share. Exit codes: 0 ok, 1 failed, 2 usage error. */
#ifndef HUBAGENT_AGENT_CLI_H
#define HUBAGENT_AGENT_CLI_H

#include <stdio.h>

enum {
    AGENT_EXIT_OK = 0,
    AGENT_EXIT_FAILED = 1,
    AGENT_EXIT_USAGE = 2,
};

/* A subcommand gets argv after its own name (argv[0] is the name). */
typedef int (*agent_command_fn)(int argc, char **argv);

typedef struct agent_command {
    const char *name;
    const char *summary;
    agent_command_fn run;
} agent_command;

int agent_cli_main(int argc, char **argv);

int agent_cli_settings(int argc, char **argv);

/* Prints "hubagent: " + message to stderr and returns AGENT_EXIT_USAGE. */
int agent_cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Writes `text` as a JSON string literal (quotes and escapes included). */
void agent_cli_print_json_string(FILE *out, const char *text);

#endif
