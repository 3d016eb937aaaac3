/* `hubagent release`: hands the exports back to the hub's Data Factory by
 * starting the triggers `run --take-over` stopped (and only those). */
#include "agent/cli.h"
#include "agent/datafactory.h"
#include "agent/state.h"

#include <stdlib.h>
#include <string.h>

int agent_cli_release(int argc, char **argv)
{
    static const char *const switches[] = {"help", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help") || args.positional_count > 0) {
        fputs("usage: hubagent release [--OPTION VALUE]...\n"
              "Starts again the hub's Data Factory triggers that 'run --take-over' stopped.\n",
              args.positional_count ? stderr : stdout);
        return args.positional_count ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
    }
    agent_config config;
    if (agent_cli_load_config(&args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    agent_state *state = NULL;
    agent_state_error state_error = {0};
    agent_azure *azure = NULL;
    arm_error error;
    arm_error_init(&error);
    char *factory = NULL, *triggers = NULL;
    rc = AGENT_EXIT_FAILED;
    if (agent_state_open(agent_config_get(&config, AGENT_OPTION_STATE), NULL, &state,
                         &state_error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", state_error.message);
    } else if (agent_state_get_value(state, "takeover.factory", &factory, NULL) != AGENT_STATE_OK ||
               agent_state_get_value(state, "takeover.triggers", &triggers, NULL) !=
                   AGENT_STATE_OK) {
        printf("nothing to release: this agent has not taken over any Data Factory trigger\n");
        rc = AGENT_EXIT_OK;
    } else if (agent_azure_open(&config, &azure, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr, "hubagent: %s\n", arm_error_format(&error, line, sizeof line));
    } else {
        rc = AGENT_EXIT_OK;
        char *save = NULL;
        for (char *name = strtok_r(triggers, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
            if (agent_hub_factory_set_trigger(azure, factory, name, true, &error) != ARM_OK) {
                char line[1024];
                fprintf(stderr, "hubagent: cannot start %s: %s\n", name,
                        arm_error_format(&error, line, sizeof line));
                rc = AGENT_EXIT_FAILED;
            } else {
                printf("started %s in %s\n", name, strrchr(factory, '/') + 1);
            }
        }
        if (rc == AGENT_EXIT_OK) {
            agent_state_delete_value(state, "takeover.triggers", NULL);
            agent_state_delete_value(state, "takeover.factory", NULL);
        }
    }
    free(factory);
    free(triggers);
    agent_azure_free(azure);
    agent_state_free(state);
    agent_config_dispose(&config);
    return rc;
}
