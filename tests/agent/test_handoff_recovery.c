/* The hand-off after the unexpected and beside the hub: kill -9 midway converges, retention
 * deletes only processed source data, the hub's Data Factory ingestion is started for what
 * was placed, and MCA recommendations are converted and renamed. */
#include "handoff_fixture.h"

#include "arm/blob.h"
#include "focus/focus.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#define SCOPE_F "/subscriptions/00000000-0000-0000-0000-0000000000f1"
#define DEST_F  "Costs/2024/01/subscriptions/00000000-0000-0000-0000-0000000000f1"

/* kill -9 in the middle of a hand-off, then a rerun: the folder ends with exactly the new
 * run's files and its manifest. */
static void test_kill_midway_then_rerun_converges(void **state)
{
    (void)state;
    state_number = 6;
    put_manifest(land(SCOPE_F, "f", "run-f-1", "2024-02-01T00:00:00Z", true, 20, 0));
    test_run_result r = ingest("--scope", SCOPE_F, NULL, NULL);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);
    put_manifest(land(SCOPE_F, "f", "run-f-2", "2024-02-02T00:00:00Z", false, 6000, 500));

    hub_env env;
    handoff_env(&env);
    char *argv[32];
    test_hubagent_argv((const char *[]){"ingest", "--scope", SCOPE_F, NULL}, argv);
    test_process child;
    assert_int_equal(test_process_start(argv, env.vars, &child), 0);
    char names[16384];
    bool seen = false;
    for (int i = 0; i < 2000 && !seen; i++) {
        hub_blob_list(&hub, "ingestion", DEST_F "/run-f-2__", names, sizeof names);
        seen = names[0] != '\0';
        if (!seen)
            sleep_ms(5);
    }
    kill(child.pid, SIGKILL);
    int killed = test_process_stop(&child);
    test_process_dispose(&child);
    test_hubagent_argv_free(argv);
    assert_true(seen);
    /* It really died midway, not after finishing. */
    assert_true(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL);
    r = ingest("--scope", SCOPE_F, NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    test_run_result_dispose(&r);
    assert_int_equal(hub_blob_list(&hub, "ingestion", DEST_F "/", names, sizeof names), 13);
    assert_null(strstr(names, "run-f-1"));
    char *id = hub_manifest_run(&hub, DEST_F);
    assert_string_equal(id, "run-f-2");
    free(id);
    int64_t rows = 0;
    for (int part = 1; part <= 12; part++) {
        char name[300];
        snprintf(name, sizeof name, DEST_F "/run-f-2__part_0_%04d.parquet", part);
        rows += hub_parquet_rows(&hub, "ingestion", name, NULL);
    }
    assert_int_equal(rows, 6000);
}

#define SCOPE_G "/subscriptions/00000000-0000-0000-0000-0000000000a7"

/* retention.msexports.days > 0: the hub keeps source data, so does the hand-off. */
static void test_retention_days_keep_sources(void **state)
{
    (void)state;
    state_number = 7;
    static const char settings[] =
        "{\"$schema\":\"https://aka.ms/finops/hubs/settings-schema\",\"type\":\"HubInstance\","
        "\"version\":\"14.0\",\"scopes\":[{\"scope\":\"" T_SUB "\"}],\"retention\":{"
        "\"msexports\":{\"days\":7},\"ingestion\":{\"months\":13}}}";
    char path[600];
    snprintf(path, sizeof path, "%s/settings-keep.json", hub.dir);
    test_write_file(path, settings, strlen(settings));
    keep_settings = path;
    put_manifest(land(SCOPE_G, "g", "run-g-1", "2024-02-01T00:00:00Z", true, 10, 0));
    test_run_result r = ingest("--scope", SCOPE_G, NULL, NULL);
    keep_settings = NULL;
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off"));
    assert_non_null(strstr(r.out, "0 source blobs deleted by retention"));
    test_run_result_dispose(&r);
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));

    /* A manifest listing another run's file is refused: retention must never reach it. */
    json_t *m = land(SCOPE_G, "g", "run-g-2", "2024-02-02T00:00:00Z", true, 10, 0);
    json_object_set_new(json_array_get(json_object_get(m, "blobs"), 0), "blobName",
                        json_string("hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));
    put_manifest(m);
    keep_settings = path;
    r = ingest("--scope", SCOPE_G, NULL, NULL);
    keep_settings = NULL;
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.out, "1 invalid"));
    assert_non_null(strstr(r.out, "is not in the manifest's folder"));
    test_run_result_dispose(&r);
    assert_true(
        hub_blob_exists(&hub, "msexports", "hub/g/20240101-20240131/run-g-1/part_0_0001.parquet"));
    arm_error err; /* the later tests start from new states: leave them no bad manifest */
    assert_int_equal(arm_blob_delete(hub.blob, "msexports",
                                     "hub/g/20240101-20240131/run-g-2/manifest.json", NULL, &err),
                     ARM_OK);
}

#define SCOPE_H "/subscriptions/00000000-0000-0000-0000-0000000000a8"
#define FACTORY                                                                                    \
    T_SUB "/resourceGroups/rg-hub/providers/Microsoft.DataFactory/factories/demo-engine-x"
#define FACTORIES "/providers/Microsoft.DataFactory/factories/demo-engine-x"

/* --handoff adf: the hub's own msexports_ExecuteETL is started with what its blob trigger
 * passes, and followed to its end; the agent places nothing itself. */
static void test_data_factory_handoff(void **state)
{
    (void)state;
    state_number = 9;
    test_run_result r = ingest("--handoff", "adf", NULL, NULL);
    assert_int_equal(r.code, 1); /* no factory given, and no hub name to find it by */
    assert_non_null(strstr(r.err, "--data-factory-id"));
    test_run_result_dispose(&r);
    r = ingest("--handoff", "dfs", NULL, NULL);
    assert_int_equal(r.code, 2);
    test_run_result_dispose(&r);
    put_manifest(land(SCOPE_H, "h", "run-h-1", "2024-02-01T00:00:00Z", true, 10, 0));
    hub_env env;
    handoff_env(&env);
    hub_env_set(&env, "HUBAGENT_DATA_FACTORY_ID=%s", FACTORY);
    r = test_hubagent_run((const char *[]){"ingest", "--scope", SCOPE_H, "--handoff", "adf", NULL},
                          env.vars);
    assert_true(test_run_expect(&r, 0));
    assert_non_null(strstr(r.out, "1 handed off"));
    assert_non_null(strstr(r.err, "msexports_ExecuteETL run"));
    test_run_result_dispose(&r);
    char url[300];
    snprintf(url, sizeof url, "%s/admin/pipelineruns", hub.mock.admin);
    http_result h;
    http_call("GET", url, NULL, NULL, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(h.json), 1);
    json_t *run = json_array_get(h.json, 0);
    assert_string_equal(json_string_value(json_object_get(run, "pipelineName")),
                        "msexports_ExecuteETL");
    assert_string_equal(json_string_value(json_object_get(run, "status")), "Succeeded");
    json_t *parameters = json_object_get(run, "parameters");
    assert_string_equal(json_string_value(json_object_get(parameters, "folderPath")),
                        "msexports/hub/h/20240101-20240131/run-h-1");
    assert_string_equal(json_string_value(json_object_get(parameters, "fileName")),
                        "manifest.json");
    http_result_dispose(&h);
    /* The pipeline places the files, not the agent. */
    char names[1024];
    assert_int_equal(hub_blob_list(&hub, "ingestion",
                                   "Costs/2024/01/subscriptions/"
                                   "00000000-0000-0000-0000-0000000000a8/",
                                   names, sizeof names),
                     0);
    /* The mock checks names and parameters as the service would. */
    arm_call(&hub.mock, token, "POST",
             T_SUB "/resourceGroups/rg-hub" FACTORIES
                   "/pipelines/msexports_ExecuteETL/createRun?api-version=2018-06-01",
             "{\"folderPath\":\"hub/x\",\"fileName\":\"manifest.json\"}", &h);
    assert_int_equal(h.status, 400);
    http_result_dispose(&h);
    arm_call(&hub.mock, token, "POST",
             T_SUB "/resourceGroups/rg-hub" FACTORIES
                   "/pipelines/no_such_pipeline/createRun?api-version=2018-06-01",
             "{}", &h);
    assert_int_equal(h.status, 404);
    http_result_dispose(&h);
}

#define SCOPE_R "/subscriptions/00000000-0000-0000-0000-0000000000a9"

/* An MCA reservation recommendations CSV: the _mca schema is chosen from its header, the
 * columns get the hub's sink names, and the folder carries the export name (no slash). */
static void test_mca_recommendations_converted_and_renamed(void **state)
{
    (void)state;
    state_number = 10;
    put_manifest(land_dataset(SCOPE_R, "rec-mca", "run-r-1", "2024-02-01T00:00:00Z", false, 12, 0,
                              "ReservationRecommendations", "2023-05-01", "MCA"));
    test_run_result r = ingest("--scope", SCOPE_R, NULL, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "1 handed off (1 files, 1 converted)"));
    test_run_result_dispose(&r);
    const char *dest =
        "Recommendations/2024/01/subscriptions/00000000-0000-0000-0000-0000000000a9rec-mca";
    char name[300];
    snprintf(name, sizeof name, "%s/run-r-1__part_0_0001.parquet", dest);
    assert_int_equal(hub_parquet_rows(&hub, "ingestion", name, "NetSavingsJson"), 12);
    assert_int_equal(
        hub_parquet_rows(&hub, "ingestion", name, "TotalCostWithReservedInstancesJson"), 12);
    assert_int_equal(hub_parquet_rows(&hub, "ingestion", name, "SkuProperties"), 12);
    char *id = hub_manifest_run(&hub, dest);
    assert_string_equal(id, "run-r-1");
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_midway_then_rerun_converges),
        cmocka_unit_test(test_retention_days_keep_sources),
        cmocka_unit_test(test_data_factory_handoff),
        cmocka_unit_test(test_mca_recommendations_converted_and_renamed),
    };
    return cmocka_run_group_tests(tests, handoff_setup, handoff_teardown);
}
