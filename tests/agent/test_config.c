/* agent configuration: precedence (flag > environment > file > default),
 * validation that names where a bad value came from, secrets masked, and
 * every option documented in the README. */
#include "agent/config.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const *fake_environment;

static const char *fake_lookup(const char *name)
{
    size_t length = strlen(name);
    for (size_t i = 0; fake_environment != NULL && fake_environment[i] != NULL; i++)
        if (strncmp(fake_environment[i], name, length) == 0 && fake_environment[i][length] == '=')
            return fake_environment[i] + length + 1;
    return NULL;
}

static char *write_temp(const char *text, char **out_dir)
{
    *out_dir = test_make_temp_dir();
    char *path = malloc(strlen(*out_dir) + 16);
    sprintf(path, "%s/agent.json", *out_dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

static void test_precedence(void **state)
{
    (void)state;
    char *dir;
    char *file =
        write_temp("{\"hub-name\":\"fromfile\",\"concurrency\":8,\"time-zone\":\"Europe/Paris\","
                   "\"log-level\":\"warn\"}",
                   &dir);
    char config_env[600];
    snprintf(config_env, sizeof config_env, "HUBAGENT_CONFIG=%s", file);
    const char *env[] = {config_env, "HUBAGENT_HUB_NAME=fromenv", "HUBAGENT_CONCURRENCY=12", NULL};
    fake_environment = env;
    const char *names[] = {"concurrency"};
    const char *values[] = {"3"};
    agent_config config;
    agent_config_error error = {{0}};
    assert_int_equal(agent_config_load(names, values, 1, fake_lookup, &config, &error),
                     AGENT_CONFIG_OK);
    assert_string_equal(agent_config_get(&config, AGENT_OPTION_HUB_NAME), "fromenv");
    assert_int_equal(config.sources[AGENT_OPTION_HUB_NAME], AGENT_SOURCE_ENVIRONMENT);
    assert_int_equal(agent_config_get_int(&config, AGENT_OPTION_CONCURRENCY), 3);
    assert_int_equal(config.sources[AGENT_OPTION_CONCURRENCY], AGENT_SOURCE_FLAG);
    assert_string_equal(agent_config_get(&config, AGENT_OPTION_TIME_ZONE), "Europe/Paris");
    assert_int_equal(config.sources[AGENT_OPTION_TIME_ZONE], AGENT_SOURCE_FILE);
    assert_string_equal(agent_config_get(&config, AGENT_OPTION_API_VERSION), "2023-07-01-preview");
    assert_int_equal(config.sources[AGENT_OPTION_API_VERSION], AGENT_SOURCE_DEFAULT);
    assert_null(agent_config_get(&config, AGENT_OPTION_STORAGE_ACCOUNT_ID));
    agent_config_dispose(&config);
    test_remove_tree(dir);
    free(dir);
    free(file);
}

static void expect_invalid(const char *flag, const char *value, const char *const *env,
                           const char *message)
{
    fake_environment = env;
    const char *names[] = {flag};
    const char *values[] = {value};
    agent_config config;
    agent_config_error error = {{0}};
    agent_config_status status =
        agent_config_load(names, values, flag ? 1 : 0, fake_lookup, &config, &error);
    if (status != AGENT_CONFIG_E_INVALID || strstr(error.message, message) == NULL)
        fprintf(stderr, "got %d '%s', want '%s'\n", status, error.message, message);
    assert_int_equal(status, AGENT_CONFIG_E_INVALID);
    assert_non_null(strstr(error.message, message));
}

static void test_invalid_values_name_their_source(void **state)
{
    (void)state;
    expect_invalid("concurrency", "0", NULL, "--concurrency: '0' must be a whole number");
    expect_invalid("hub-name", "bad name", NULL, "--hub-name: 'bad name' must be 1-64");
    expect_invalid("arm-endpoint", "http://example.com", NULL, "must be an https:// URL");
    expect_invalid("api-version", "2020-06-01", NULL,
                   "must be one of: 2023-07-01-preview 2025-03-01");
    expect_invalid("datasets", "costs,bogus", NULL, "'bogus' is not a dataset");
    expect_invalid("monthly-schedule", "2,31@01:11", NULL, "days of the month (1-28)");
    expect_invalid("daily-schedule", "25:00", NULL, "time of day HH:MM");
    expect_invalid("storage-account-id", "hubstore", NULL, "storage account ARM id");
    expect_invalid("nonsense", "1", NULL, "--nonsense: unknown option");
    const char *env[] = {"HUBAGENT_LOG_LEVEL=loud", NULL};
    expect_invalid(NULL, NULL, env, "HUBAGENT_LOG_LEVEL: 'loud' must be one of");
}

static void test_config_file_errors(void **state)
{
    (void)state;
    char *dir;
    char *file = write_temp("{\"hub-name\":\"a\",\n\"colour\":\"blue\"}", &dir);
    char config_env[600];
    snprintf(config_env, sizeof config_env, "HUBAGENT_CONFIG=%s", file);
    const char *env[] = {config_env, NULL};
    expect_invalid(NULL, NULL, env, "\"colour\": unknown option");
    test_write_file(file, "{\"hub-name\": ", 13);
    fake_environment = env;
    agent_config config;
    agent_config_error error = {{0}};
    assert_int_equal(agent_config_load(NULL, NULL, 0, fake_lookup, &config, &error),
                     AGENT_CONFIG_E_IO);
    assert_non_null(strstr(error.message, file));
    test_remove_tree(dir);
    free(dir);
    free(file);
}

static void test_secrets_masked(void **state)
{
    (void)state;
    const char *env[] = {"HUBAGENT_STORAGE_KEY=TopSecretKey==", NULL};
    fake_environment = env;
    agent_config config;
    agent_config_error error = {{0}};
    assert_int_equal(agent_config_load(NULL, NULL, 0, fake_lookup, &config, &error),
                     AGENT_CONFIG_OK);
    for (int json = 0; json < 2; json++) {
        char *text = NULL;
        size_t length = 0;
        FILE *out = open_memstream(&text, &length);
        agent_config_print(&config, out, json);
        fclose(out);
        assert_null(strstr(text, "TopSecretKey"));
        assert_non_null(strstr(text, "********"));
        free(text);
    }
    agent_config_dispose(&config);
}

/* The spend scopes file: flag > HUBAGENT_SPEND_SCOPES > the agent config file > unset (then
 * spend-scopes report looks at settings.json's "spendScopes"). */
static void test_spend_scopes_precedence(void **state)
{
    (void)state;
    char *dir;
    char *file = write_temp("{\"spend-scopes\":\"from-file.json\"}", &dir);
    char config_env[600];
    snprintf(config_env, sizeof config_env, "HUBAGENT_CONFIG=%s", file);
    const char *names[] = {"spend-scopes"};
    const char *values[] = {"from-flag.json"};
    const char *with_env[] = {config_env, "HUBAGENT_SPEND_SCOPES=from-env.json", NULL};
    const char *file_only[] = {config_env, NULL};
    const struct {
        const char *const *environment;
        size_t flags;
        const char *value;
        agent_option_source source;
    } cases[] = {
        {with_env, 1, "from-flag.json", AGENT_SOURCE_FLAG},
        {with_env, 0, "from-env.json", AGENT_SOURCE_ENVIRONMENT},
        {file_only, 0, "from-file.json", AGENT_SOURCE_FILE},
        {NULL, 0, NULL, AGENT_SOURCE_DEFAULT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_environment = cases[i].environment;
        agent_config config;
        agent_config_error error = {{0}};
        assert_int_equal(
            agent_config_load(names, values, cases[i].flags, fake_lookup, &config, &error),
            AGENT_CONFIG_OK);
        const char *value = agent_config_get(&config, AGENT_OPTION_SPEND_SCOPES);
        if (cases[i].value == NULL)
            assert_null(value);
        else
            assert_string_equal(value, cases[i].value);
        assert_int_equal(config.sources[AGENT_OPTION_SPEND_SCOPES], cases[i].source);
        agent_config_dispose(&config);
    }
    fake_environment = NULL;
    const char *empty[] = {""};
    agent_config config;
    agent_config_error error = {{0}};
    assert_int_equal(agent_config_load(names, empty, 1, fake_lookup, &config, &error),
                     AGENT_CONFIG_E_INVALID);
    assert_non_null(strstr(error.message, "--spend-scopes"));
    test_remove_tree(dir);
    free(dir);
    free(file);
}

/* Every option is documented in the README (meta-test, as curl's test1139). */
static void test_every_option_documented(void **state)
{
    (void)state;
    char *path = test_data_path("../../README.md");
    char *readme = test_read_file(path, NULL);
    assert_non_null(readme);
    for (int i = 0; i < AGENT_OPTION_COUNT; i++) {
        const agent_option_info *info = agent_option_describe((agent_option)i);
        char flag[80];
        snprintf(flag, sizeof flag, "`--%s`", info->name);
        if (strstr(readme, flag) == NULL || strstr(readme, info->environment) == NULL)
            fprintf(stderr, "README.md does not document %s / %s\n", flag, info->environment);
        assert_non_null(strstr(readme, flag));
        assert_non_null(strstr(readme, info->environment));
        assert_non_null(info->help);
    }
    free(readme);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_spend_scopes_precedence),
        cmocka_unit_test(test_invalid_values_name_their_source),
        cmocka_unit_test(test_config_file_errors),
        cmocka_unit_test(test_secrets_masked),
        cmocka_unit_test(test_every_option_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
