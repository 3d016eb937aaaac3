/* `hubagent inspect`: text and JSON for good files, exit 1 and the file's error for a bad
 * one, exit 2 on usage errors. Runs the built binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "focus/focus.h"
#include "test_util.h"

static void write_month(const char *path, focus_format format)
{
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL), FOCUS_OK);
    focus_generator_options g_options = focus_generator_options_default();
    g_options.scope = "/subscriptions/3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    g_options.schema = s;
    g_options.rows = 400;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&g_options, &g, NULL), FOCUS_OK);
    focus_writer_options w_options = focus_writer_options_default();
    w_options.format = format;
    w_options.compression =
        format == FOCUS_FORMAT_PARQUET ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_GZIP;
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(path, s, &w_options, &w, NULL), FOCUS_OK);
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row)
        assert_int_equal(focus_writer_write_row(w, row, NULL), FOCUS_OK);
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    focus_generator_free(g);
}

static void test_inspect_command(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char csv[512], parquet[512], bad[512];
    snprintf(csv, sizeof(csv), "%s/part_0_0001.csv.gz", dir);
    snprintf(parquet, sizeof(parquet), "%s/part_0_0001.parquet", dir);
    snprintf(bad, sizeof(bad), "%s/bad.parquet", dir);
    write_month(csv, FOCUS_FORMAT_CSV);
    write_month(parquet, FOCUS_FORMAT_PARQUET);
    test_write_file(bad, "PAR1 not really", 15);
    char *hubagent = test_build_path("agent/hubagent");
    char *out = NULL, *err = NULL;

    char *text_argv[] = {hubagent, "inspect", "--top", "3", csv, NULL};
    assert_int_equal(test_run_command(text_argv, NULL, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "dataset: FocusCost 1.0r2 (exact: 96 of 96 columns)"));
    assert_non_null(strstr(out, "rows: 400"));
    assert_non_null(strstr(out, "EffectiveCost by month and ServiceName"));
    free(out);
    free(err);

    char *json_argv[] = {hubagent, "inspect", "--json", csv, parquet, bad, NULL};
    assert_int_equal(test_run_command(json_argv, NULL, NULL, &out, &err), 1);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(doc), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 1), "rows")), 400);
    json_t *error = json_object_get(json_array_get(doc, 2), "error");
    assert_non_null(error);
    assert_non_null(strstr(json_string_value(json_object_get(error, "message")), bad));
    assert_non_null(strstr(err, bad));
    json_decref(doc);
    free(out);
    free(err);

    char *usage_argv[] = {hubagent, "inspect", NULL};
    assert_int_equal(test_run_command(usage_argv, NULL, NULL, &out, &err), 2);
    free(out);
    free(err);
    free(hubagent);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_inspect_command)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
