/* Resolving the agent's options: flags over environment over the agent config
 * file over defaults, each value validated where it came from, and shown
 * with its source (secrets masked) by `hubagent config show`. */
#include "agent/cli.h"
#include "agent/config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MASK "********"

static const char *lookup_environment(const char *name)
{
    return getenv(name);
}

static agent_config_status config_fail(agent_config_error *error, agent_config_status status,
                                       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static agent_config_status config_fail(agent_config_error *error, agent_config_status status,
                                       const char *format, ...)
{
    if (error != NULL) {
        va_list args;
        va_start(args, format);
        vsnprintf(error->message, sizeof error->message, format, args);
        va_end(args);
    }
    return status;
}

/* Validates and stores one value; `where` names its origin for errors. */
static agent_config_status set_value(agent_config *config, agent_option option, const char *value,
                                     agent_option_source source, const char *where,
                                     agent_config_error *error)
{
    char why[256] = "";
    const agent_option_info *info = agent_option_describe(option);
    if (!agent_option_validate(option, value, why, sizeof why)) {
        if (info->secret)
            return config_fail(error, AGENT_CONFIG_E_INVALID, "%s: %s", where, why);
        return config_fail(error, AGENT_CONFIG_E_INVALID, "%s: '%s' %s", where, value, why);
    }
    char *copy = strdup(value);
    if (copy == NULL)
        return config_fail(error, AGENT_CONFIG_E_NOMEM, "out of memory");
    free(config->values[option]);
    config->values[option] = copy;
    config->sources[option] = source;
    return AGENT_CONFIG_OK;
}

static agent_config_status load_file(agent_config *config, const char *path,
                                     agent_config_error *error)
{
    json_error_t json_error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &json_error);
    if (root == NULL)
        return config_fail(error, AGENT_CONFIG_E_IO, "%s:%d:%d: %s", path, json_error.line,
                           json_error.column, json_error.text);
    agent_config_status status = AGENT_CONFIG_OK;
    if (!json_is_object(root))
        status = config_fail(error, AGENT_CONFIG_E_INVALID,
                             "%s: the agent config file must be a JSON object of options", path);
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (status != AGENT_CONFIG_OK)
            break;
        agent_option option;
        char where[600];
        snprintf(where, sizeof where, "%s: \"%s\"", path, key);
        char number[32];
        const char *text = json_string_value(value);
        if (json_is_integer(value)) {
            snprintf(number, sizeof number, "%lld", (long long)json_integer_value(value));
            text = number;
        }
        if (!agent_option_find(key, &option))
            status = config_fail(error, AGENT_CONFIG_E_INVALID, "%s: unknown option", where);
        else if (text == NULL)
            status = config_fail(error, AGENT_CONFIG_E_INVALID, "%s: must be a string", where);
        else
            status = set_value(config, option, text, AGENT_SOURCE_FILE, where, error);
    }
    json_decref(root);
    return status;
}

agent_config_status agent_config_load(const char *const *flag_names, const char *const *flag_values,
                                      size_t flag_count, agent_config_lookup lookup,
                                      agent_config *out_config, agent_config_error *error)
{
    memset(out_config, 0, sizeof *out_config);
    if (lookup == NULL)
        lookup = lookup_environment;
    agent_config_status status = AGENT_CONFIG_OK;
    for (int i = 0; i < AGENT_OPTION_COUNT && status == AGENT_CONFIG_OK; i++) {
        const char *fallback = agent_option_describe((agent_option)i)->fallback;
        if (fallback != NULL)
            status = set_value(out_config, (agent_option)i, fallback, AGENT_SOURCE_DEFAULT,
                               "default", error);
    }
    const char *file = lookup("HUBAGENT_CONFIG");
    for (size_t f = 0; f < flag_count; f++)
        if (strcmp(flag_names[f], "config") == 0)
            file = flag_values[f];
    if (status == AGENT_CONFIG_OK && file != NULL && file[0] != '\0') {
        out_config->file = strdup(file);
        status = load_file(out_config, file, error);
    }
    for (int i = 0; i < AGENT_OPTION_COUNT && status == AGENT_CONFIG_OK; i++) {
        const agent_option_info *info = agent_option_describe((agent_option)i);
        const char *value = lookup(info->environment);
        if (value != NULL)
            status = set_value(out_config, (agent_option)i, value, AGENT_SOURCE_ENVIRONMENT,
                               info->environment, error);
    }
    for (size_t f = 0; f < flag_count && status == AGENT_CONFIG_OK; f++) {
        agent_option option;
        char where[128];
        snprintf(where, sizeof where, "--%s", flag_names[f]);
        if (strcmp(flag_names[f], "config") == 0)
            continue;
        if (!agent_option_find(flag_names[f], &option))
            status = config_fail(error, AGENT_CONFIG_E_INVALID, "%s: unknown option", where);
        else
            status = set_value(out_config, option, flag_values[f], AGENT_SOURCE_FLAG, where, error);
    }
    if (status != AGENT_CONFIG_OK)
        agent_config_dispose(out_config);
    return status;
}

void agent_config_dispose(agent_config *config)
{
    if (config == NULL)
        return;
    for (int i = 0; i < AGENT_OPTION_COUNT; i++)
        free(config->values[i]);
    free(config->file);
    memset(config, 0, sizeof *config);
}

const char *agent_config_get(const agent_config *config, agent_option option)
{
    return (unsigned)option < AGENT_OPTION_COUNT ? config->values[option] : NULL;
}

int agent_config_get_int(const agent_config *config, agent_option option)
{
    const char *value = agent_config_get(config, option);
    if (value == NULL)
        value = agent_option_describe(option)->fallback;
    return value ? atoi(value) : 0;
}

static const char *shown_value(const agent_config *config, int i)
{
    const char *value = config->values[i];
    if (value != NULL && agent_option_describe((agent_option)i)->secret)
        return MASK;
    return value;
}

void agent_config_print(const agent_config *config, FILE *out, bool json)
{
    if (json)
        fputs("{\"options\":[", out);
    else
        fprintf(out, "%-20s %-40s %s\n", "OPTION", "VALUE", "FROM");
    for (int i = 0; i < AGENT_OPTION_COUNT; i++) {
        const agent_option_info *info = agent_option_describe((agent_option)i);
        const char *value = shown_value(config, i);
        const char *source = agent_option_source_name(config->sources[i]);
        if (json) {
            fprintf(out, "%s{\"name\":\"%s\",\"value\":", i ? "," : "", info->name);
            if (value != NULL)
                agent_cli_print_json_string(out, value);
            else
                fputs("null", out);
            fprintf(out, ",\"source\":\"%s\",\"environment\":\"%s\"}", value ? source : "unset",
                    info->environment);
            continue;
        }
        char from[128];
        if (value == NULL)
            snprintf(from, sizeof from, "unset");
        else if (config->sources[i] == AGENT_SOURCE_ENVIRONMENT)
            snprintf(from, sizeof from, "environment (%s)", info->environment);
        else if (config->sources[i] == AGENT_SOURCE_FILE)
            snprintf(from, sizeof from, "file (%s)", config->file ? config->file : "?");
        else
            snprintf(from, sizeof from, "%s", source);
        fprintf(out, "%-20s %-40s %s\n", info->name, value ? value : "-", from);
    }
    if (json)
        fputs("]}\n", out);
}
