/* `hubagent config show [--json] [options]`: the effective configuration,
 * each value with where it came from, secrets masked. */
#include "agent/cli.h"
#include "agent/config.h"

#include <string.h>

static const char config_usage[] =
    "usage: hubagent config show [--json] [--config FILE] [--OPTION VALUE]...\n\n"
    "Prints every option's effective value and where it came from: a flag, the\n"
    "environment, the agent config file (--config or HUBAGENT_CONFIG), or the default.\n";

static void print_options_help(FILE *out)
{
    fprintf(out, "\noptions (flag, environment variable, default):\n");
    for (int i = 0; i < AGENT_OPTION_COUNT; i++) {
        const agent_option_info *info = agent_option_describe((agent_option)i);
        fprintf(out, "  --%-20s %-28s %s\n      %s\n", info->name, info->environment,
                info->fallback ? info->fallback : "(unset)", info->help);
    }
}

int agent_cli_config(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fputs(config_usage, out);
        print_options_help(out);
        return argc < 2 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
    }
    if (strcmp(argv[1], "show") != 0)
        return agent_cli_usage_error("config: unknown subcommand '%s'", argv[1]);
    static const char *const switches[] = {"json", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc - 1, argv + 1, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (args.positional_count > 0)
        return agent_cli_usage_error("config show: unexpected argument '%s'", args.positional[0]);
    agent_config config;
    if (agent_cli_load_config(&args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    agent_config_print(&config, stdout, agent_cli_has_switch(&args, "json"));
    agent_config_dispose(&config);
    return AGENT_EXIT_OK;
}
