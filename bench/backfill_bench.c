/* Benchmark: `hubagent backfill` of 13 months x N scopes (default 50) against the mock's
 * enforced Cost Management budget, scaled down 10x in time, beside two yardsticks replayed
 * on the same mock in the same run: the hub's backfill (one run call per scope and month,
 * one retry after 30 s -> 3 s, never waits for completion) and the PowerShell command's
 * (a fixed 60 s -> 6 s wait on every 429). Prints one JSON line: wall time / the
 * throttle-bound minimum, calls, 429s and months lost for each.
 * Usage: bench_backfill [SCOPES] [--only-hubagent]   (from the build tree, with HUBAGENT_BINARY_DIR
 * and HUBAGENT_SOURCE_DIR set as for the tests). */
#include "mock_client.h"
#include "mock_fixture.h"
#include "test_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MONTHS 13
/* The scaled budget: per scope and client 10 calls, then 0.5/s; per client 60, then 10/s. */
#define SCOPE_CAPACITY  10.0
#define SCOPE_RATE      0.5
#define CLIENT_CAPACITY 60.0
#define CLIENT_RATE     10.0
#define RUN_SECONDS     0.4 /* queued 100 ms + in progress 300 ms */
#define TIME_SCALE      10.0

static mock_fixture mock;
static char work_dir[512];
static int scope_count = 50;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_s(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
}

static void scope_id(int i, char *out, size_t size)
{
    snprintf(out, size, "/subscriptions/00000000-0000-0000-0000-00000000%04d", 1000 + i);
}

static int write_files(char *config_path, char *settings_path)
{
    char *base = test_data_path("agent/mock-hub.json");
    json_error_t error;
    json_t *config = json_load_file(base, 0, &error);
    free(base);
    if (config == NULL)
        return -1;
    json_object_del(json_array_get(json_object_get(config, "principals"), 0), "certificates");
    json_t *subscriptions = json_object_get(config, "subscriptions");
    json_t *settings =
        json_pack("{s:[], s:{s:{s:i}}}", "scopes", "retention", "ingestion", "months", MONTHS);
    for (int i = 0; i < scope_count; i++) {
        char id[128];
        scope_id(i, id, sizeof id);
        json_array_append_new(
            subscriptions, json_pack("{s:s, s:s}", "id", id + 15, "management_group", "mg-root"));
        json_array_append_new(json_object_get(settings, "scopes"), json_pack("{s:s}", "scope", id));
    }
    snprintf(config_path, 600, "%s/mock.json", work_dir);
    snprintf(settings_path, 600, "%s/settings.json", work_dir);
    int rc = json_dump_file(config, config_path, 0) | json_dump_file(settings, settings_path, 0);
    json_decref(config);
    json_decref(settings);
    return rc;
}

static void set_budget(void)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"enabled\":true,\"scope_client\":{\"capacity\":%g,\"refill_per_second\":%g},"
             "\"client\":{\"capacity\":%g,\"refill_per_second\":%g},"
             "\"tenant\":{\"capacity\":0,\"refill_per_second\":1}}",
             SCOPE_CAPACITY, SCOPE_RATE, CLIENT_CAPACITY, CLIENT_RATE);
    admin_send(&mock, "PUT", "/admin/throttling", body);
}

typedef struct outcome {
    const char *name;
    double seconds;
    int run_calls, history_calls, throttled, lost;
} outcome;

/* Calls and 429s from the mock's log; months lost = scope-months without a Completed run. */
static void measure(outcome *o)
{
    char url[600];
    snprintf(url, sizeof url, "%s/admin/requests", mock.admin);
    http_result log;
    http_call("GET", url, NULL, NULL, NULL, &log);
    size_t i;
    json_t *request;
    json_array_foreach(json_object_get(log.json, "requests"), i, request)
    {
        const char *route = json_string_value(json_object_get(request, "route"));
        if (json_integer_value(json_object_get(request, "status")) == 429)
            o->throttled++;
        if (strcmp(route, "exports.run") == 0)
            o->run_calls++;
        else if (strcmp(route, "exports.runHistory") == 0)
            o->history_calls++;
    }
    http_result_dispose(&log);
    /* Wait for the runs that were accepted to end, then count completed months. */
    pause_s(RUN_SECONDS + 0.5);
    snprintf(url, sizeof url, "%s/admin/exports", mock.admin);
    http_result exports;
    http_call("GET", url, NULL, NULL, NULL, &exports);
    int completed = 0;
    json_t *export_;
    json_array_foreach(json_object_get(exports.json, "value"), i, export_)
    {
        if (strcmp(json_string_value(json_object_get(export_, "name")),
                   "demo-monthly-costdetails") != 0)
            continue;
        char seen[MONTHS + 1][8] = {{0}};
        int distinct = 0;
        size_t r;
        json_t *run;
        json_array_foreach(json_object_get(export_, "runs"), r, run)
        {
            const char *from = json_string_value(json_object_get(run, "from"));
            if (strcmp(json_string_value(json_object_get(run, "status")), "Completed") != 0)
                continue;
            bool dup = false;
            for (int k = 0; k < distinct; k++)
                dup = dup || strncmp(seen[k], from, 7) == 0;
            if (!dup && distinct < MONTHS)
                snprintf(seen[distinct++], sizeof seen[0], "%.7s", from);
        }
        completed += distinct;
    }
    http_result_dispose(&exports);
    o->lost = scope_count * MONTHS - completed;
}

static char env_storage[6][700];
static char *env[16];

static void build_env(const char *settings_path, const char *state)
{
    snprintf(env_storage[0], 700, "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(env_storage[1], 700, "HUBAGENT_ARM_ENDPOINT=%s", mock.arm);
    snprintf(env_storage[2], 700, "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(env_storage[3], 700, "HUBAGENT_SETTINGS=%s", settings_path);
    snprintf(env_storage[4], 700, "HUBAGENT_STATE=%s/%s", work_dir, state);
    /* The agent knows the per-scope rate (it would learn it, slower); not the rest. */
    snprintf(env_storage[5], 700, "HUBAGENT_CM_CALLS_PER_MINUTE=%d", (int)(SCOPE_RATE * 60));
    const char *fixed[] = {"AZURE_TENANT_ID=" T_TENANT,
                           "AZURE_CLIENT_ID=" T_SP,
                           "AZURE_CLIENT_SECRET=" T_SP_SECRET,
                           "HUBAGENT_HUB_NAME=Demo",
                           "HUBAGENT_STORAGE_ACCOUNT_ID=" T_STORAGE,
                           "HUBAGENT_POLL_INTERVAL=1"};
    size_t n = 0;
    for (size_t i = 0; i < 6; i++)
        env[n++] = (char *)fixed[i];
    for (size_t i = 0; i < 6; i++)
        env[n++] = env_storage[i];
    env[n] = NULL;
}

static int hubagent(const char *const *args)
{
    char *argv[16] = {test_build_path("agent/hubagent")};
    size_t n = 1;
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = test_run_command(argv, env, NULL, &out, &err);
    if (rc != 0)
        fprintf(stderr, "hubagent %s: exit %d\n%s%s\n", args[0], rc, out ? out : "",
                err ? err : "");
    free(out);
    free(err);
    free(argv[0]);
    return rc;
}

/* A fresh mock with the hub's exports already in place and full buckets. */
static void prepare(const char *state)
{
    admin_send(&mock, "POST", "/admin/reset", "{}");
    admin_send(&mock, "PUT", "/admin/throttling", "{\"enabled\":false}");
    char settings_path[600];
    snprintf(settings_path, sizeof settings_path, "%s/settings.json", work_dir);
    build_env(settings_path, state);
    const char *create[] = {"run", "--once", "--no-runs", "--no-online-check", NULL};
    hubagent(create);
    admin_send(&mock, "PUT", "/admin/runs",
               "{\"queued_ms\":100,\"in_progress_ms\":300,\"outcome\":\"Completed\"}");
    set_budget();
    admin_send(&mock, "DELETE", "/admin/requests", NULL);
}

static void month_period(int back, char *from, char *to)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int index = (tm.tm_year + 1900) * 12 + tm.tm_mon - back;
    int year = index / 12, month = index % 12 + 1;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last =
        days[month - 1] + (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0));
    sprintf(from, "%04d-%02d-01T00:00:00Z", year, month);
    sprintf(to, "%04d-%02d-%02dT00:00:00Z", year, month, last);
}

static long run_call(const char *token, int scope, int back)
{
    char id[128], from[32], to[32], path[400], body[200];
    scope_id(scope, id, sizeof id);
    month_period(back, from, to);
    snprintf(path, sizeof path,
             "%s/providers/Microsoft.CostManagement/exports/demo-monthly-costdetails/run"
             "?api-version=2023-07-01-preview",
             id);
    snprintf(body, sizeof body, "{\"timePeriod\":{\"from\":\"%s\",\"to\":\"%s\"}}", from, to);
    http_result r;
    arm_call(&mock, token, "POST", path, body, &r);
    long status = r.status;
    http_result_dispose(&r);
    return status;
}

/* The hub: per month (newest first), per scope in turn, one retry after 30 s. */
static void hub_strategy(const char *token)
{
    for (int back = 1; back <= MONTHS; back++)
        for (int s = 0; s < scope_count; s++)
            if (run_call(token, s, back) != 200) {
                pause_s(30 / TIME_SCALE);
                run_call(token, s, back);
            }
}

/* Start-FinOpsCostExport: newest first, a fixed 60 s wait on 429, then the same month again. */
static void powershell_strategy(const char *token)
{
    for (int s = 0; s < scope_count; s++)
        for (int back = 1; back <= MONTHS; back++)
            for (int tries = 0; tries < 100 && run_call(token, s, back) == 429; tries++)
                pause_s(60 / TIME_SCALE);
}

/* The least time the budget allows for the calls a backfill needs: one run call per
 * scope and month and one run-history call per scope, then the last run's own time. */
static double throttle_bound(void)
{
    double per_scope = MONTHS + 1;
    double scope_bound = (per_scope - SCOPE_CAPACITY) / SCOPE_RATE;
    double client_bound = (per_scope * scope_count - CLIENT_CAPACITY) / CLIENT_RATE;
    double bound = scope_bound > client_bound ? scope_bound : client_bound;
    return (bound > 0 ? bound : 0) + RUN_SECONDS;
}

static void print(const outcome *o, double bound, bool last)
{
    printf("\"%s\":{\"seconds\":%.1f,\"ratio\":%.3f,\"run_calls\":%d,\"history_calls\":%d,"
           "\"throttled\":%d,\"months_lost\":%d}%s",
           o->name, o->seconds, o->seconds / bound, o->run_calls, o->history_calls, o->throttled,
           o->lost, last ? "" : ",");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        scope_count = atoi(argv[1]);
    if (scope_count < 1 || scope_count > 500) {
        fprintf(stderr, "usage: bench_backfill [SCOPES 1-500]\n");
        return 2;
    }
    char *dir = test_make_temp_dir();
    snprintf(work_dir, sizeof work_dir, "%s", dir);
    free(dir);
    char config_path[600], settings_path[600];
    if (write_files(config_path, settings_path) != 0 || mock_fixture_start(config_path, &mock)) {
        fprintf(stderr, "bench_backfill: cannot start the mock\n");
        return 1;
    }
    outcome ours = {.name = "hubagent"}, hub = {.name = "hub"}, ps = {.name = "powershell"};

    prepare("ours.db");
    const char *backfill[] = {"backfill",
                              "--no-reconcile",
                              "--no-online-check",
                              "--dataset",
                              "costs",
                              "--progress",
                              "none",
                              NULL};
    double start = now_s();
    hubagent(backfill);
    ours.seconds = now_s() - start;
    measure(&ours);

    bool only_ours = argc > 2 && strcmp(argv[2], "--only-hubagent") == 0;
    char *token = mock_token(&mock, T_SP, T_SP_SECRET, "https://management.azure.com/.default");
    if (!only_ours) {
        prepare("hub.db");
        start = now_s();
        hub_strategy(token);
        hub.seconds = now_s() - start;
        measure(&hub);

        prepare("ps.db");
        start = now_s();
        powershell_strategy(token);
        ps.seconds = now_s() - start;
        measure(&ps);
    }
    free(token);

    double bound = throttle_bound();
    printf("{\"bench\":\"backfill\",\"scopes\":%d,\"months\":%d,\"throttle_bound_s\":%.1f,",
           scope_count, MONTHS, bound);
    print(&ours, bound, false);
    print(&hub, bound, false);
    print(&ps, bound, true);
    printf("}\n");
    mock_fixture_stop(&mock);
    test_remove_tree(work_dir);
    return 0;
}
