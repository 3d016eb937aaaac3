/* The session the scope commands share: configuration, the Azure
 * connection, and settings checked offline and (unless told not to) online. */
#include "agent/cli_session.h"
#include "agent/overlap_online.h"

#include <stdlib.h>
#include <string.h>

void agent_cli_session_dispose(agent_cli_session *s)
{
    settings_free(s->value);
    free(s->settings_etag);
    agent_azure_free(s->azure);
    agent_config_dispose(&s->config);
}

static bool datasets_from(const char *list, bool enabled[AGENT_DATASET_COUNT])
{
    for (int d = 0; d < AGENT_DATASET_COUNT; d++)
        enabled[d] = false;
    char *copy = strdup(list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        agent_dataset dataset;
        if (agent_dataset_parse(item, &dataset))
            enabled[dataset] = true;
    }
    free(copy);
    return true;
}

/* Overlaps only Azure can see: a listed subscription under a listed billing
 * scope. Refused before anything changes, like the offline ones. */
static int check_online(agent_cli_session *s, const agent_cli_args *args)
{
    if (agent_cli_has_switch(args, "no-online-check")) {
        fprintf(stderr, "hubagent: online overlap check skipped (--no-online-check)\n");
        return AGENT_EXIT_OK;
    }
    agent_online_ancestry *ancestry = NULL;
    arm_error error;
    arm_error_init(&error);
    if (agent_online_ancestry_build(s->azure, s->value, &ancestry, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr,
                "hubagent: online overlap check failed: %s\n"
                "hubagent: nothing was changed; give --no-online-check to go on without it\n",
                arm_error_format(&error, line, sizeof line));
        return AGENT_EXIT_FAILED;
    }
    settings_ancestry lookup = agent_online_ancestry_interface(ancestry);
    settings_report report;
    const char *source = agent_config_get(&s->config, AGENT_OPTION_SETTINGS);
    settings_report_init(&report, source ? source : "config/settings.json");
    settings_status status =
        settings_check_overlaps(s->value->scopes, s->value->scope_count, &lookup, &report);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    agent_online_ancestry_free(ancestry);
    if (status != SETTINGS_OK) {
        fprintf(stderr, "hubagent: settings rejected; nothing was changed\n");
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

int agent_cli_session_open(agent_cli_session *s, const agent_cli_args *args)
{
    memset(s, 0, sizeof *s);
    agent_config_error config_error = {{0}};
    if (agent_config_load(args->option_names, args->option_values, args->option_count, NULL,
                          &s->config, &config_error) != AGENT_CONFIG_OK) {
        fprintf(stderr, "hubagent: %s\n", config_error.message);
        return AGENT_EXIT_FAILED;
    }
    static const agent_option required[] = {AGENT_OPTION_HUB_NAME, AGENT_OPTION_STORAGE_ACCOUNT_ID};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const agent_option_info *info = agent_option_describe(required[i]);
        if (agent_config_get(&s->config, required[i]) == NULL) {
            fprintf(stderr, "hubagent: --%s (or %s) is required\n", info->name, info->environment);
            return AGENT_EXIT_FAILED;
        }
    }
    arm_error error;
    arm_error_init(&error);
    if (agent_azure_open(&s->config, &s->azure, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr, "hubagent: cannot connect to Azure: %s\n",
                arm_error_format(&error, line, sizeof line));
        return AGENT_EXIT_FAILED;
    }
    settings_report report;
    const char *source = agent_config_get(&s->config, AGENT_OPTION_SETTINGS);
    settings_report_init(&report, source ? source : "config/settings.json");
    settings_status status =
        agent_settings_load(&s->config, s->azure, &s->value, &s->settings_etag, &report, &error);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    if (status != SETTINGS_OK) {
        char line[1024];
        if (error.status != ARM_OK)
            fprintf(stderr, "hubagent: cannot read settings: %s\n",
                    arm_error_format(&error, line, sizeof line));
        fprintf(stderr, "hubagent: settings rejected; nothing was changed\n");
        return AGENT_EXIT_FAILED;
    }
    if (check_online(s, args) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    s->options.desired = agent_desired_options_default();
    s->options.desired.hub_name = agent_config_get(&s->config, AGENT_OPTION_HUB_NAME);
    s->options.desired.storage_account_id =
        agent_config_get(&s->config, AGENT_OPTION_STORAGE_ACCOUNT_ID);
    s->options.desired.focus_version = agent_config_get(&s->config, AGENT_OPTION_FOCUS_VERSION);
    datasets_from(agent_config_get(&s->config, AGENT_OPTION_DATASETS),
                  s->options.desired.dataset_enabled);
    s->options.concurrency = agent_config_get_int(&s->config, AGENT_OPTION_CONCURRENCY);
    return AGENT_EXIT_OK;
}
