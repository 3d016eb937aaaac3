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

static void test_upload(void **state)
{
    test_azurite azurite = *(test_azurite *)*state;
    char *dir = test_make_temp_dir(), *out = test_make_temp_dir();
    test_focus_may_2024("/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", 1500, 0, dir);
    char *file = test_data_path("spend/valid.json");

    char *err = NULL;
    int code =
        run((const char *[]){"spend-scopes", "report", "--month", "2024-05", "--spend-scopes", file,
                             "--input", dir, "--output", out, "--upload", "--storage-endpoint",
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
    char *state_file = NULL;
    assert_true(asprintf(&state_file, "%s/spend-state.json", out) > 0);
    const char *const from_hub[] = {"spend-scopes",
                                    "report",
                                    "--month",
                                    "2024-05",
                                    "--spend-scopes",
                                    file,
                                    "--from-hub",
                                    "--output",
                                    out,
                                    "--spend-state",
                                    state_file,
                                    "--json",
                                    "--storage-endpoint",
                                    azurite.endpoint,
                                    "--storage-key",
                                    TEST_AZURITE_KEY,
                                    NULL};
    for (int round = 0; round < 2; round++) {
        char *json_out = NULL;
        code = run_out(from_hub, &json_out, &err);
        if (code != 0)
            fprintf(stderr, "%s\n", err ? err : "");
        assert_int_equal(code, 0);
        json_error_t jerror;
        json_t *root = json_loads(json_out, 0, &jerror);
        assert_non_null(root);
        assert_int_equal(json_is_true(json_object_get(root, "reused")), round == 1);
        if (round == 0)
            assert_int_equal(json_integer_value(json_object_get(root, "files")), 1);
        json_t *month = json_object_get(json_object_get(root, "totals"), "month");
        assert_int_equal(json_integer_value(json_object_get(month, "rowCount")), 1500);
        json_decref(root);
        free(json_out);
        free(err);
    }
    code = run((const char *[]){"spend-scopes", "report", "--month", "2024-06", "--spend-scopes",
                                file, "--from-hub", "--storage-endpoint", azurite.endpoint,
                                "--storage-key", TEST_AZURITE_KEY, NULL},
               &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "no .parquet blobs under ingestion/Costs/2024/06/"));
    free(err);
    free(state_file);
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
