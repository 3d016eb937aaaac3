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

/* What to do when no usable token could be had, in every command that says so. */
#define AGENT_CLI_CREDENTIAL_HINT                                                                  \
    "fix the credential (`hubagent auth check` says which one is used and why)"

/* A subcommand gets argv after its own name (argv[0] is the name). */
typedef int (*agent_command_fn)(int argc, char **argv);

typedef struct agent_command {
    const char *name;
    const char *summary;
    agent_command_fn run;
} agent_command;

int agent_cli_main(int argc, char **argv);

/* Runs the subcommand argv[1] of `command` from `subcommands` (argv shifted so the
 * subcommand is argv[0]); --help prints `usage`; a missing or unknown one is a usage error. */
int agent_cli_dispatch(int argc, char **argv, const char *command, const char *usage,
                       const agent_command *subcommands, size_t count);

#define AGENT_CLI_MAX_ARGS 64

/* A command line split into option flags (--name value, --name=value; names
 * from the agent option table, plus --config), the command's own switches,
 * and positional arguments. Values point into argv. */
typedef struct agent_cli_args {
    const char *option_names[AGENT_CLI_MAX_ARGS]; /* point into name_storage */
    char name_storage[AGENT_CLI_MAX_ARGS][64];
    const char *option_values[AGENT_CLI_MAX_ARGS];
    size_t option_count;
    const char *switches[AGENT_CLI_MAX_ARGS];
    const char *switch_values[AGENT_CLI_MAX_ARGS]; /* for switches declared "name=" */
    char switch_storage[AGENT_CLI_MAX_ARGS][64];
    size_t switch_count;
    const char *positional[AGENT_CLI_MAX_ARGS];
    size_t positional_count;
} agent_cli_args;

/* `allowed_switches` is a NULL-terminated list of the command's own flags
 * without "--": "json" is a boolean, "tick=" takes a value. Returns
 * AGENT_EXIT_OK or, after printing why, AGENT_EXIT_USAGE. */
int agent_cli_parse_args(int argc, char **argv, const char *const *allowed_switches,
                         agent_cli_args *out_args);
int agent_cli_has_switch(const agent_cli_args *args, const char *name);
/* Resolves the options given on the command line (and environment, file,
 * defaults) into out_config; on a bad value says why on stderr and returns
 * AGENT_EXIT_FAILED (nothing to dispose then). */
struct agent_config;
int agent_cli_load_config(const agent_cli_args *args, struct agent_config *out_config);
/* The value of a "name=" switch, or NULL when not given. */
const char *agent_cli_switch_value(const agent_cli_args *args, const char *name);

int agent_cli_config(int argc, char **argv);
int agent_cli_auth(int argc, char **argv);
int agent_cli_plan(int argc, char **argv);
int agent_cli_run(int argc, char **argv);
int agent_cli_status(int argc, char **argv);
int agent_cli_release(int argc, char **argv);
int agent_cli_backfill(int argc, char **argv);

int agent_cli_settings(int argc, char **argv);
int agent_cli_settings_upload(int argc, char **argv);
int agent_cli_inspect(int argc, char **argv);
int agent_cli_spend_scopes(int argc, char **argv);
int agent_cli_ingest(int argc, char **argv);

struct agent_azure;
struct agent_state;
struct settings;
/* One hand-off pass (what `ingest` does with no filter) for `run --once` after its runs were
 * watched: prints its summary line to `out`, returns the number of problems (0 = all good). */
size_t agent_cli_ingest_pass(struct agent_azure *azure, struct agent_state *state,
                             const struct settings *value, FILE *out);
/* The same pass for the scheduled agent: its lines go to the agent log; quiet when there was
 * nothing new. Does nothing without a storage endpoint. */
size_t agent_handoff_after_tick(struct agent_azure *azure, struct agent_state *state,
                                const struct settings *value);

/* Prints "hubagent: " + message to stderr and returns AGENT_EXIT_USAGE. */
int agent_cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Writes `text` as a JSON string literal (quotes and escapes included). */
void agent_cli_print_json_string(FILE *out, const char *text);

#endif
