/* `hubagent auth check`: which credential the agent would use and why, a
 * token for ARM, and its non-secret claims — never the token itself. */
#include "agent/cli.h"
#include "agent/config.h"
#include "auth/auth.h"

#include <string.h>

static const char auth_usage[] =
    "usage: hubagent auth check [--credential KIND] [--authority-host URL]\n"
    "                           [--arm-resource URL] [--ca-bundle FILE] [--config FILE]\n\n"
    "Says which credential is chosen and why (from the Azure SDK environment\n"
    "variables and the options), gets a token for ARM and prints its tenant,\n"
    "object id, app id and expiry. Exit 0 when a token was obtained, 1 when not.\n";

int agent_cli_auth(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(auth_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
    }
    if (strcmp(argv[1], "check") != 0)
        return agent_cli_usage_error("auth: unknown subcommand '%s'", argv[1]);
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc - 1, argv + 1, NULL, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (args.positional_count > 0)
        return agent_cli_usage_error("auth check: unexpected argument '%s'", args.positional[0]);
    agent_config config;
    if (agent_cli_load_config(&args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    auth_chain_options options;
    auth_chain_options_default(&options);
    auth_error error;
    memset(&error, 0, sizeof error);
    auth_status status =
        auth_kind_parse(agent_config_get(&config, AGENT_OPTION_CREDENTIAL), &options.kind, &error);
    /* The option beats AZURE_AUTHORITY_HOST only when it was given explicitly. */
    if (config.sources[AGENT_OPTION_AUTHORITY_HOST] != AGENT_SOURCE_DEFAULT)
        options.authority_host = agent_config_get(&config, AGENT_OPTION_AUTHORITY_HOST);
    options.common.ca_bundle = agent_config_get(&config, AGENT_OPTION_CA_BUNDLE);
    auth_chain_options_load_env(&options, NULL, NULL);
    if (options.authority_host == NULL)
        options.authority_host = agent_config_get(&config, AGENT_OPTION_AUTHORITY_HOST);
    if (status == AUTH_OK)
        status = auth_check_report(&options, agent_config_get(&config, AGENT_OPTION_ARM_RESOURCE),
                                   stdout, &error);
    if (status != AUTH_OK)
        fprintf(stderr, "hubagent: auth check failed: %s\n",
                error.message[0] ? error.message : auth_status_text(status));
    agent_config_dispose(&config);
    return status == AUTH_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}
