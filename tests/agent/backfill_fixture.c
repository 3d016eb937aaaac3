/* What the backfill tests share (see backfill_fixture.h). */
#include "backfill_fixture.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

mock_fixture mock;
char *work_dir;
char *settings_path;
char state_path[600];
static int generation;
char scopes[SUBSCRIPTIONS + 1][128];

/* The mock's hub configuration plus subscriptions of their own (no billing
 * account, so none is inside another scope). */
static char *write_mock_config(void)
{
    char *base = test_data_path("agent/mock-hub.json");
    json_error_t error;
    json_t *config = json_load_file(base, 0, &error);
    free(base);
    assert_non_null(config);
    json_t *principal = json_array_get(json_object_get(config, "principals"), 0);
    json_object_del(principal, "certificates"); /* a path relative to the original file */
    json_t *subscriptions = json_object_get(config, "subscriptions");
    for (int i = 0; i < SUBSCRIPTIONS; i++) {
        char id[64];
        snprintf(id, sizeof id, "00000000-0000-0000-0000-0000000001%02d", i);
        json_array_append_new(subscriptions, json_pack("{s:s, s:s, s:s}", "id", id, "display_name",
                                                       "backfill", "management_group", "mg-root"));
    }
    char *path = malloc(600);
    snprintf(path, 600, "%s/mock-backfill.json", work_dir);
    assert_int_equal(json_dump_file(config, path, JSON_INDENT(1)), 0);
    json_decref(config);
    return path;
}

static char *write_settings(void)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"scopes\":[{\"scope\":\"" EA "\"}");
    snprintf(scopes[0], sizeof scopes[0], "%s", EA);
    for (int i = 0; i < SUBSCRIPTIONS; i++) {
        snprintf(scopes[i + 1], sizeof scopes[0],
                 "/subscriptions/00000000-0000-0000-0000-0000000001%02d", i);
        used +=
            (size_t)snprintf(text + used, sizeof text - used, ",{\"scope\":\"%s\"}", scopes[i + 1]);
    }
    snprintf(text + used, sizeof text - used, "],\"retention\":{\"ingestion\":{\"months\":%d}}}",
             MONTHS);
    char *path = malloc(600);
    snprintf(path, 600, "%s/settings.json", work_dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

void run_result_dispose(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* hubagent SUBCOMMAND with the mock's endpoints, short polls and the test's state. */
void command_init(command *c, const char *subcommand, const char *const *args)
{
    memset(c, 0, sizeof *c);
    snprintf(c->storage[0], sizeof c->storage[0], "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(c->storage[1], sizeof c->storage[1], "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(c->storage[2], sizeof c->storage[2], "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(c->storage[3], sizeof c->storage[3], "HUBAGENT_SETTINGS=%s", settings_path);
    snprintf(c->storage[4], sizeof c->storage[4], "HUBAGENT_STATE=%s", state_path);
    const char *fixed[] = {"AZURE_TENANT_ID=" T_TENANT,
                           "AZURE_CLIENT_ID=" T_SP,
                           "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                           "HUBAGENT_HUB_NAME=Demo",
                           "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                           "HUBAGENT_POLL_INTERVAL=1",
                           "HUBAGENT_CM_CALLS_PER_MINUTE=600"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        c->env[n++] = (char *)fixed[i];
    for (int i = 0; i < 5; i++)
        c->env[n++] = c->storage[i];
    c->env[n] = NULL;
    c->argv[0] = test_build_path("agent/hubagent");
    c->argv[1] = (char *)subcommand;
    n = 2;
    for (size_t i = 0; args[i] != NULL && n < 22; i++)
        c->argv[n++] = (char *)args[i];
    c->argv[n] = NULL;
}

void command_dispose(command *c)
{
    free(c->argv[0]);
}

run_result backfill(const char *const *args)
{
    command c;
    command_init(&c, "backfill", args);
    run_result r = {0};
    r.code = test_run_command(c.argv, c.env, NULL, &r.out, &r.err);
    command_dispose(&c);
    return r;
}

void expect_code(run_result *r, int code)
{
    if (r->code != code)
        fprintf(stderr, "exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n", r->code, code, r->out,
                r->err);
    assert_int_equal(r->code, code);
}

/* "YYYY-MM" of the month `back` months before the current one. */
void month_back(int back, char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int index = (tm.tm_year + 1900) * 12 + tm.tm_mon - back;
    snprintf(out, size, "%04d-%02d", index / 12, index % 12 + 1);
}

/* The mock's record of one export's runs. */
json_t *mock_runs(const char *scope, const char *name)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/exports", mock.admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *runs = NULL;
    size_t i;
    json_t *export_;
    json_array_foreach(json_object_get(r.json, "value"), i, export_)
    {
        if (strcasecmp(json_string_value(json_object_get(export_, "scope")), scope) == 0 &&
            strcmp(json_string_value(json_object_get(export_, "name")), name) == 0)
            runs = json_incref(json_object_get(export_, "runs"));
    }
    http_result_dispose(&r);
    return runs ? runs : json_array();
}

/* Every one of the last `months` months ran exactly once without failing at
 * this export (failed runs may precede it), and no other month ran. Returns
 * the number of failed runs seen. */
int expect_each_month_once(const char *scope, const char *name, int months)
{
    json_t *runs = mock_runs(scope, name);
    int failed = 0;
    for (int back = 1; back <= months; back++) {
        char month[16];
        month_back(back, month, sizeof month);
        int good = 0;
        size_t i;
        json_t *run;
        json_array_foreach(runs, i, run)
        {
            const char *from = json_string_value(json_object_get(run, "from"));
            const char *status = json_string_value(json_object_get(run, "status"));
            if (from == NULL || strncmp(from, month, 7) != 0)
                continue;
            if (strcmp(status, "Failed") == 0 || strcmp(status, "Timeout") == 0)
                failed++;
            else
                good++;
        }
        if (good != 1)
            fprintf(stderr, "%s %s %s: %d good runs\n", scope, name, month, good);
        assert_int_equal(good, 1);
    }
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run)
    {
        char oldest[16];
        month_back(months, oldest, sizeof oldest);
        const char *from = json_string_value(json_object_get(run, "from"));
        assert_true(strncmp(from, oldest, 7) >= 0);
    }
    json_decref(runs);
    return failed;
}

int group_setup(void **state)
{
    (void)state;
    work_dir = test_make_temp_dir();
    char *config = write_mock_config();
    settings_path = write_settings();
    int rc = mock_fixture_start(config, &mock);
    free(config);
    return rc;
}

int group_teardown(void **state)
{
    (void)state;
    mock_fixture_stop(&mock);
    test_remove_tree(work_dir);
    free(work_dir);
    free(settings_path);
    return 0;
}

int reset_mock(void **state)
{
    (void)state;
    generation++;
    snprintf(state_path, sizeof state_path, "%s/state-%d.db", work_dir, generation);
    admin_send(&mock, "POST", "/admin/reset", "{}");
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":200,\"outcome\":\"Completed\"}");
    admin_send(&mock, "DELETE", "/admin/requests", NULL);
    return 0;
}
