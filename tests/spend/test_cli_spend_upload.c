/* `hubagent spend-scopes report --upload`: the month's summary lands in the hub's ingestion
 * container (Azurite) byte for byte as written locally, and is refused without storage. */
#include "spend_test_util.h"
#include "test_util.h"

#include "arm/blob.h"
#include "focus/focus.h"

#include <jansson.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int run_out(const char *const *args, char **out_out, char **out_err)
{
    test_run_result r = test_hubagent_run(args, NULL);
    *out_out = r.out;
    *out_err = r.err;
    return r.code;
}

static int run(const char *const *args, char **out_err)
{
    test_run_result r = test_hubagent_run(args, NULL);
    free(r.out);
    if (out_err != NULL)
        *out_err = r.err;
    else
        free(r.err);
    return r.code;
}

/* Azurite is started and stopped by the group, so a failing test never leaves it running. */
static int start_azurite(void **state)
{
    test_azurite *azurite = calloc(1, sizeof *azurite);
    *state = azurite;
    return azurite != NULL && test_azurite_start(azurite) == 0 ? 0 : -1;
}

static int stop_azurite(void **state)
{
    test_azurite *azurite = *state;
    test_azurite_stop(azurite); /* NULL-safe, and safe after a failed start */
    free(azurite);
    return 0;
}

/* Runs a report that must succeed and checks whether it was skipped, why, and its rows. */
static void expect_report(const char *const *args, bool skipped, const char *reason, long long rows)
{
    char *out = NULL, *err = NULL;
    int code = run_out(args, &out, &err);
    if (code != 0)
        fail_msg("exit %d: %s", code, err ? err : "");
    json_error_t jerror;
    json_t *root = json_loads(out, 0, &jerror);
    assert_non_null(root);
    const char *why = json_string_value(json_object_get(root, "reason"));
    if (json_is_true(json_object_get(root, "skipped")) != skipped || why == NULL ||
        strstr(why, reason) == NULL)
        fail_msg("expected skipped=%d with \"%s\", got: %s", skipped, reason, out);
    json_t *month = json_object_get(json_object_get(root, "totals"), "month");
    assert_int_equal(json_integer_value(json_object_get(month, "rowCount")), rows);
    json_decref(root);
    free(out);
    free(err);
}

static void test_upload(void **state)
{
    test_azurite azurite = *(test_azurite *)*state;
    char *dir = test_make_temp_dir(), *out = test_make_temp_dir();
    test_focus_may_2024("/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", 1500, 0, dir);
    char *file = test_data_path("spend/valid.json");

    char *err = NULL, *db = NULL;
    assert_true(asprintf(&db, "%s/agent-state.db", dir) > 0);
    int code = run((const char *[]){"spend-scopes", "report", "--month", "2024-05",
                                    "--spend-scopes", file, "--input", dir, "--output", out,
                                    "--upload", "--state", db, "--storage-endpoint",
                                    azurite.endpoint, "--storage-key", TEST_AZURITE_KEY, NULL},
                   &err);
    if (code != 0)
        fprintf(stderr, "%s\n", err ? err : "");
    assert_int_equal(code, 0);
    assert_non_null(strstr(err, "uploaded ingestion/SpendScopes/2024/05/spend-scopes.parquet"));
    assert_null(strstr(err, TEST_AZURITE_KEY)); /* the key never shows */
    free(err);

    arm_http_options ho = arm_http_options_default();
    arm_blob_options bo = arm_blob_options_default();
    bo.endpoint = azurite.endpoint;
    bo.shared_key = TEST_AZURITE_KEY;
    arm_http_client *http = NULL;
    arm_blob_client *blob = NULL;
    assert_int_equal(arm_http_client_new(&ho, &http, NULL), ARM_OK);
    assert_int_equal(arm_blob_client_new(http, &bo, &blob, NULL), ARM_OK);
    char *downloaded = NULL, *local = NULL;
    assert_true(asprintf(&downloaded, "%s/downloaded.parquet", dir) > 0);
    assert_true(asprintf(&local, "%s/SpendScopes/2024/05/spend-scopes.parquet", out) > 0);
    arm_blob_sink sink = {.path = downloaded};
    assert_int_equal(arm_blob_get(blob, "ingestion", "SpendScopes/2024/05/spend-scopes.parquet",
                                  &sink, NULL, NULL, NULL),
                     ARM_OK);
    size_t a_length = 0, b_length = 0;
    char *a = test_read_file(local, &a_length), *b = test_read_file(downloaded, &b_length);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a_length, b_length);
    assert_memory_equal(a, b, a_length);
    free(a);
    free(b);

    /* The month's cost files in the ingestion layout, with a manifest that is not data. */
    assert_int_equal(arm_blob_create_container(blob, "ingestion", NULL, NULL), ARM_OK);
    char *part = NULL;
    assert_true(asprintf(&part, "%s/part_0_0001.parquet", dir) > 0);
    arm_blob_source source = {.path = part};
    const char *base = "Costs/2024/05/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/";
    char blob_name[256];
    snprintf(blob_name, sizeof blob_name, "%srun1__part_0_0001.parquet", base);
    assert_int_equal(arm_blob_put(blob, "ingestion", blob_name, &source, NULL, NULL, NULL, NULL),
                     ARM_OK);
    snprintf(blob_name, sizeof blob_name, "%smanifest.json", base);
    arm_blob_source manifest = {.data = "{}", .data_len = 2, .length = 2};
    assert_int_equal(arm_blob_put(blob, "ingestion", blob_name, &manifest, NULL, NULL, NULL, NULL),
                     ARM_OK);
    /* From the hub into the local folder (a destination of its own), then into the hub: each
     * evaluated, then skipped while the blobs' names, sizes and eTags stay the same. */
    const char *from_hub[] = {"spend-scopes",
                              "report",
                              "--month",
                              "2024-05",
                              "--spend-scopes",
                              file,
                              "--from-hub",
                              "--output",
                              out,
                              "--state",
                              db,
                              "--json",
                              "--storage-endpoint",
                              azurite.endpoint,
                              "--storage-key",
                              TEST_AZURITE_KEY,
                              NULL,
                              NULL};
    expect_report(from_hub, false, "never evaluated into", 1500);
    expect_report(from_hub, true, "unchanged since", 1500);
    from_hub[16] = "--upload"; /* the hub's summary came from --input so far */
    expect_report(from_hub, false, "the data changed since", 1500);
    /* Skipped for the hub, the summary is read back from the hub, not the local copy. */
    assert_int_equal(unlink(local), 0);
    expect_report(from_hub, true, "unchanged since", 1500);
    assert_int_equal(access(local, R_OK), 0);
    /* The same bytes put again: a new eTag, so the data changed. */
    snprintf(blob_name, sizeof blob_name, "%srun1__part_0_0001.parquet", base);
    assert_int_equal(arm_blob_put(blob, "ingestion", blob_name, &source, NULL, NULL, NULL, NULL),
                     ARM_OK);
    expect_report(from_hub, false, "the data changed since", 1500);

    /* The spend scopes named by the hub's settings.json: a blob in the config container. */
    size_t scopes_length = 0;
    char *scopes = test_read_file(file, &scopes_length);
    assert_non_null(scopes);
    assert_int_equal(arm_blob_create_container(blob, "config", NULL, NULL), ARM_OK);
    arm_blob_source scopes_source = {
        .data = scopes, .data_len = scopes_length, .length = scopes_length};
    assert_int_equal(
        arm_blob_put(blob, "config", "spend/scopes.json", &scopes_source, NULL, NULL, NULL, NULL),
        ARM_OK);
    static const char settings_json[] =
        "{\"$schema\": \"https://aka.ms/finops/hubs/settings-schema\", \"type\": "
        "\"HubInstance\", \"scopes\": [{\"scope\": "
        "\"/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e\"}], \"spendScopes\": "
        "\"spend/scopes.json\"}";
    arm_blob_source settings_source = {
        .data = settings_json, .data_len = strlen(settings_json), .length = strlen(settings_json)};
    assert_int_equal(
        arm_blob_put(blob, "config", "settings.json", &settings_source, NULL, NULL, NULL, NULL),
        ARM_OK);
    free(scopes);
    char *json_out = NULL;
    code = run_out((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--from-hub",
                                    "--json", "--storage-endpoint", azurite.endpoint,
                                    "--storage-key", TEST_AZURITE_KEY, NULL},
                   &json_out, &err);
    if (code != 0)
        fprintf(stderr, "%s\n", err ? err : "");
    assert_int_equal(code, 0);
    assert_non_null(strstr(json_out,
                           "\"definitions\":\"config/spend/scopes.json (\\\"spendScopes\\\" "
                           "in settings.json)\""));
    free(json_out);
    free(err);

    code = run((const char *[]){"spend-scopes", "report", "--month", "2024-06", "--spend-scopes",
                                file, "--from-hub", "--storage-endpoint", azurite.endpoint,
                                "--storage-key", TEST_AZURITE_KEY, NULL},
               &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "no .parquet blobs under ingestion/Costs/2024/06/"));
    free(err);
    free(db);
    free(part);
    arm_blob_client_free(blob);
    arm_http_client_free(http);

    /* Nowhere to upload to, and nothing local to upload. */
    code = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes",
                                file, "--input", dir, "--output", out, "--upload", NULL},
               &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "no --storage-endpoint"));
    free(err);
    code = run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes",
                                file, "--input", dir, "--upload", NULL},
               &err);
    assert_int_equal(code, 2);
    free(err);

    free(downloaded);
    free(local);
    free(file);
    test_remove_tree(dir);
    test_remove_tree(out);
    free(dir);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload),
    };
    return cmocka_run_group_tests(tests, start_azurite, stop_azurite);
}
