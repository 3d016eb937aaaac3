/* A hub on 127.0.0.1: the mock (landing into Azurite), a Blob client, a hubagent environment. */
#include "hub_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

hub_fixture_options hub_fixture_options_default(void)
{
    return (hub_fixture_options){.base_config = "mock-server/config.json",
                                 .azurite = true,
                                 .rows = 50,
                                 .max_rows_per_file = 20};
}

void hub_subscription(int n, char *out, size_t size)
{
    snprintf(out, size, "/subscriptions/00000000-0000-0000-0000-0000000001%02d", n);
}

char *hub_write(const hub_fixture *hub, const char *name, const char *text)
{
    size_t len = strlen(hub->dir) + strlen(name) + 2;
    char *path = malloc(len);
    snprintf(path, len, "%s/%s", hub->dir, name);
    if (test_write_file(path, text, strlen(text)) != 0) {
        fprintf(stderr, "hub_fixture: cannot write %s\n", path);
        free(path);
        return NULL;
    }
    return path;
}

char *hub_write_settings(const hub_fixture *hub, const char *name, char scopes[][128], size_t count,
                         const char *retention)
{
    size_t size = 256 + count * 160 + strlen(retention);
    char *text = malloc(size);
    size_t used = (size_t)snprintf(
        text, size, "{\"$schema\":\"https://aka.ms/finops/hubs/settings-schema\",\"scopes\":[");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(text + used, size - used, "%s{\"scope\":\"%s\"}", i ? "," : "",
                                 scopes[i]);
    snprintf(text + used, size - used, "],\"retention\":%s}", retention);
    char *path = hub_write(hub, name, text);
    free(text);
    return path;
}

/* The copy lives elsewhere: certificate paths relative to the base file become absolute. */
static void absolute_certificates(json_t *config, const char *base)
{
    const char *slash = strrchr(base, '/');
    size_t i, j;
    json_t *principal, *cert;
    json_array_foreach(json_object_get(config, "principals"), i, principal)
    {
        json_array_foreach(json_object_get(principal, "certificates"), j, cert)
        {
            const char *text = json_string_value(cert);
            if (text == NULL || text[0] == '/' || strncmp(text, "-----", 5) == 0)
                continue;
            char relative[512];
            snprintf(relative, sizeof relative, "%.*s%s", slash ? (int)(slash - base + 1) : 0, base,
                     text);
            char *path = test_data_path(relative);
            json_array_set_new(json_object_get(principal, "certificates"), j, json_string(path));
            free(path);
        }
    }
}

static char *write_config(const hub_fixture_options *o, const hub_fixture *hub)
{
    char *base = test_data_path(o->base_config);
    json_error_t error;
    json_t *config = json_load_file(base, 0, &error);
    free(base);
    if (config == NULL) {
        fprintf(stderr, "hub_fixture: %s: %s\n", o->base_config, error.text);
        return NULL;
    }
    absolute_certificates(config, o->base_config);
    if (hub->azurite.endpoint != NULL) {
        json_t *storage = json_array_get(json_object_get(config, "storage_accounts"), 0);
        json_object_set_new(storage, "endpoint", json_string(hub->azurite.endpoint));
        json_object_set_new(storage, "account", json_string(TEST_AZURITE_ACCOUNT));
        json_object_set_new(storage, "key", json_string(TEST_AZURITE_KEY));
    }
    json_object_set_new(config, "runs",
                        json_pack("{s:i, s:i, s:i, s:i}", "queued_ms", o->queued_ms,
                                  "in_progress_ms", o->in_progress_ms, "rows", o->rows,
                                  "max_rows_per_file", o->max_rows_per_file));
    if (o->seed != 0)
        json_object_set_new(config, "seed", json_integer((json_int_t)(o->seed % 2000000000UL)));
    json_t *subscriptions = json_object_get(config, "subscriptions");
    for (int i = 0; i < o->subscriptions; i++) {
        char id[64];
        hub_subscription(i, id, sizeof id);
        json_array_append_new(subscriptions,
                              json_pack("{s:s, s:s, s:s}", "id", id + strlen("/subscriptions/"),
                                        "display_name", "hub test", "management_group", "mg-root"));
    }
    size_t len = strlen(hub->dir) + 32;
    char *path = malloc(len);
    snprintf(path, len, "%s/mock-config.json", hub->dir);
    int rc = json_dump_file(config, path, JSON_INDENT(1));
    json_decref(config);
    if (rc != 0) {
        free(path);
        return NULL;
    }
    return path;
}

int hub_fixture_start(const hub_fixture_options *options, hub_fixture *out)
{
    hub_fixture_options o = options ? *options : hub_fixture_options_default();
    memset(out, 0, sizeof *out);
    out->mock.process.pid = -1;
    out->azurite.process.pid = -1;
    out->dir = test_make_temp_dir();
    if (out->dir == NULL || (o.azurite && test_azurite_start(&out->azurite) != 0))
        return -1;
    char *config = write_config(&o, out);
    int rc = config ? mock_fixture_start(config, &out->mock) : -1;
    free(config);
    if (rc != 0)
        return -1;
    arm_http_options http_options = arm_http_options_default();
    if (arm_http_client_new(&http_options, &out->http, NULL) != ARM_OK)
        return -1;
    if (!o.azurite)
        return 0;
    arm_blob_options blob_options = arm_blob_options_default();
    blob_options.endpoint = out->azurite.endpoint;
    blob_options.account = TEST_AZURITE_ACCOUNT;
    blob_options.shared_key = TEST_AZURITE_KEY;
    return arm_blob_client_new(out->http, &blob_options, &out->blob, NULL) == ARM_OK ? 0 : -1;
}

int hub_fixture_stop(hub_fixture *hub)
{
    if (hub == NULL)
        return 0;
    arm_blob_client_free(hub->blob);
    arm_http_client_free(hub->http);
    int status = mock_fixture_stop(&hub->mock);
    test_azurite_stop(&hub->azurite);
    test_remove_tree(hub->dir);
    free(hub->dir);
    memset(hub, 0, sizeof *hub);
    hub->mock.process.pid = -1;
    hub->azurite.process.pid = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void hub_env_set(hub_env *env, const char *format, ...)
{
    char entry[700];
    va_list args;
    va_start(args, format);
    vsnprintf(entry, sizeof entry, format, args);
    va_end(args);
    const char *eq = strchr(entry, '=');
    size_t name_len = eq ? (size_t)(eq - entry) + 1 : strlen(entry);
    size_t slot = env->count;
    for (size_t i = 0; i < env->count; i++)
        if (strncmp(env->text[i], entry, name_len) == 0)
            slot = i;
    assert_true(slot < sizeof env->text / sizeof env->text[0] - 1);
    snprintf(env->text[slot], sizeof env->text[slot], "%s", entry);
    env->vars[slot] = env->text[slot];
    if (slot == env->count)
        env->count++;
    env->vars[env->count] = NULL;
}

void hub_env_init(hub_env *env, const hub_fixture *hub, const char *settings_path,
                  const char *state_path)
{
    memset(env, 0, sizeof *env);
    hub_env_set(env, "AZURE_AUTHORITY_HOST=%s", hub->mock.login);
    hub_env_set(env, "HUBAGENT_ARM_ENDPOINT=%s", hub->mock.arm);
    hub_env_set(env, "HUBAGENT_CA_BUNDLE=%s", hub->mock.ca_path);
    hub_env_set(env, "HUBAGENT_SETTINGS=%s", settings_path);
    hub_env_set(env, "HUBAGENT_STATE=%s", state_path);
    hub_env_set(env, "AZURE_TENANT_ID=%s", T_TENANT);
    hub_env_set(env, "AZURE_CLIENT_ID=%s", T_SP);
    hub_env_set(env, "AZURE_CLIENT_SECRET=%s", T_SP_SECRET);
    hub_env_set(env, "HUBAGENT_HUB_NAME=Demo");
    hub_env_set(env, "HUBAGENT_STORAGE_ACCOUNT_ID=%s", T_STORAGE);
    hub_env_set(env, "HUBAGENT_POLL_INTERVAL=1");
    if (hub->azurite.endpoint != NULL) {
        hub_env_set(env, "HUBAGENT_STORAGE_ENDPOINT=%s", hub->azurite.endpoint);
        hub_env_set(env, "HUBAGENT_STORAGE_KEY=%s", TEST_AZURITE_KEY);
    }
}

char *hub_blob_get(const hub_fixture *hub, const char *container, const char *name, size_t *len)
{
    char *data = NULL;
    arm_error err;
    if (arm_blob_get_bytes(hub->blob, container, name, &data, len, &err) != ARM_OK)
        return NULL;
    return data;
}

bool hub_blob_exists(const hub_fixture *hub, const char *container, const char *name)
{
    arm_blob_properties props;
    arm_error err;
    return arm_blob_head(hub->blob, container, name, &props, &err) == ARM_OK;
}

void hub_blob_put(const hub_fixture *hub, const char *container, const char *name, const char *data,
                  size_t len)
{
    arm_blob_source source = {.data = data, .data_len = len, .length = len};
    arm_error err;
    assert_int_equal(arm_blob_create_container(hub->blob, container, NULL, &err), ARM_OK);
    assert_int_equal(arm_blob_put(hub->blob, container, name, &source, NULL, NULL, NULL, &err),
                     ARM_OK);
}

size_t hub_blob_list(const hub_fixture *hub, const char *container, const char *prefix, char *out,
                     size_t size)
{
    arm_blob_list_page page;
    arm_blob_list_page_init(&page);
    arm_error err;
    out[0] = '\0';
    if (arm_blob_list(hub->blob, container, prefix, NULL, 0, &page, &err) != ARM_OK)
        return 0;
    size_t count = page.count;
    for (size_t i = 0; i < page.count; i++) {
        strncat(out, page.items[i].name, size - strlen(out) - 2);
        strcat(out, "\n");
    }
    arm_blob_list_page_dispose(&page);
    return count;
}

char *hub_manifest_run(const hub_fixture *hub, const char *destination)
{
    char name[700];
    snprintf(name, sizeof name, "%s/manifest.json", destination);
    size_t len;
    char *text = hub_blob_get(hub, "ingestion", name, &len);
    if (text == NULL)
        return NULL;
    json_t *m = json_loadb(text, len, 0, NULL);
    free(text);
    const char *id = json_string_value(json_object_get(json_object_get(m, "runInfo"), "runId"));
    char *copy = id ? strdup(id) : NULL;
    json_decref(m);
    return copy;
}

#define HUB_EXPORTS T_SUB "/providers/Microsoft.CostManagement/exports"

long hub_export_create_and_run(const hub_fixture *hub, const char *token, const char *name,
                               const char *extra)
{
    char *body = export_body("FocusCost", extra);
    char path[512];
    snprintf(path, sizeof path, HUB_EXPORTS "/%s?api-version=2025-03-01", name);
    http_result r;
    arm_call(&hub->mock, token, "PUT", path, body, &r);
    long created = r.status;
    if (created != 200 && created != 201)
        fprintf(stderr, "%s\n", r.body ? r.body : "");
    http_result_dispose(&r);
    free(body);
    snprintf(path, sizeof path, HUB_EXPORTS "/%s/run?api-version=2025-03-01", name);
    arm_call(&hub->mock, token, "POST", path,
             "{\"timePeriod\":{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-31T00:00:00Z\"}}",
             &r);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
    return created;
}

json_t *hub_export_wait_run(const hub_fixture *hub, const char *token, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, HUB_EXPORTS "/%s/runHistory?api-version=2025-03-01", name);
    for (int attempt = 0; attempt < 600; attempt++) {
        http_result r;
        arm_call(&hub->mock, token, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *run = json_array_get(json_object_get(r.json, "value"), 0);
        const char *status =
            json_string_value(json_object_get(json_object_get(run, "properties"), "status"));
        if (status && strcmp(status, "Queued") != 0 && strcmp(status, "InProgress") != 0) {
            json_incref(run);
            http_result_dispose(&r);
            return run;
        }
        http_result_dispose(&r);
        struct timespec pause = {0, 50000000L};
        nanosleep(&pause, NULL);
    }
    fail_msg("the run of %s never finished", name);
    return NULL;
}
