/* `hubagent settings upload FILE`: puts a settings.json into the hub's
 * storage (container "config"), only once it has been validated, so a bad
 * file never reaches the hub. */
#include "agent/azure.h"
#include "agent/cli.h"

#include <string.h>

int agent_cli_settings_upload(int argc, char **argv)
{
    static const char *const switches[] = {"help", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help") || args.positional_count != 1) {
        fputs("usage: hubagent settings upload FILE [--storage-endpoint URL] [--OPTION VALUE]...\n"
              "Validates FILE, then writes it to the hub's storage as config/settings.json.\n",
              args.positional_count == 1 ? stdout : stderr);
        return args.positional_count == 1 ? AGENT_EXIT_OK : AGENT_EXIT_USAGE;
    }
    const char *file = args.positional[0];
    settings_report report;
    settings_report_init(&report, file);
    settings *value = NULL;
    settings_status status = settings_load_file(file, &value, &report);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    settings_free(value);
    if (status != SETTINGS_OK) {
        fprintf(stderr, "hubagent: %s was not uploaded\n", file);
        return AGENT_EXIT_FAILED;
    }
    agent_config config;
    if (agent_cli_load_config(&args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    agent_azure *azure = NULL;
    arm_error error;
    arm_error_init(&error);
    arm_status result = agent_azure_open(&config, &azure, &error);
    if (result == ARM_OK && azure->blob == NULL)
        result = arm_error_set(&error, ARM_ERR_INVALID_ARGUMENT,
                               "no --storage-endpoint: where is the hub's storage account?");
    if (result == ARM_OK)
        result = arm_blob_create_container(azure->blob, AGENT_SETTINGS_CONTAINER, NULL, &error);
    arm_blob_properties properties;
    memset(&properties, 0, sizeof properties);
    arm_blob_source source = {.path = file};
    if (result == ARM_OK)
        result = arm_blob_put(azure->blob, AGENT_SETTINGS_CONTAINER, AGENT_SETTINGS_BLOB, &source,
                              "application/json", NULL, &properties, &error);
    if (result == ARM_OK) {
        printf("uploaded %s to %s/%s (eTag %s)\n", file, AGENT_SETTINGS_CONTAINER,
               AGENT_SETTINGS_BLOB, properties.etag);
    } else {
        char line[1024];
        fprintf(stderr, "hubagent: cannot upload %s: %s\n", file,
                arm_error_format(&error, line, sizeof line));
    }
    agent_azure_free(azure);
    agent_config_dispose(&config);
    return result == ARM_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}
