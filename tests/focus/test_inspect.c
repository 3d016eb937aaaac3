/* focus_inspect_file: dataset/version guessed from columns and date style, row counts and
 * cost totals that match the data, JSON that parses, and clean errors for bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "focus_test_util.h"
#include "test_util.h"

static const char *const scope = "/subscriptions/3f2504e0-4f89-11d3-9a0c-0305e82c3301";

static char *inspect(const char *path, bool json, focus_status want, focus_error *error)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    focus_inspect_options options = focus_inspect_options_default();
    options.json = json;
    focus_error_init(error);
    assert_int_equal(focus_inspect_file(path, &options, out, error), want);
    fclose(out);
    return text;
}

static double effective_total(const focus_schema *s, uint64_t rows)
{
    focus_generator_options options = focus_generator_options_default();
    options.scope = scope;
    options.schema = s;
    options.year = 2024;
    options.month = 7;
    options.rows = rows;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    int c = focus_schema_column_index(s, "EffectiveCost");
    double total = 0;
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row)
        total += row[c].number;
    focus_generator_free(g);
    return total;
}

static void check_json(const char *path, const char *dataset, const char *version,
                       const char *variant, uint64_t rows, double total)
{
    focus_error error;
    char *text = inspect(path, true, FOCUS_OK, &error);
    json_error_t json_error;
    json_t *doc = json_loads(text, 0, &json_error);
    if (!doc)
        fail_msg("bad JSON (%s): %s", json_error.text, text);
    assert_string_equal(json_string_value(json_object_get(doc, "dataset")), dataset);
    assert_string_equal(json_string_value(json_object_get(doc, "version")), version);
    if (variant)
        assert_string_equal(json_string_value(json_object_get(doc, "variant")), variant);
    assert_string_equal(json_string_value(json_object_get(doc, "match")), "exact");
    assert_int_equal(json_integer_value(json_object_get(doc, "rows")), rows);
    if (total >= 0) {
        double got = json_number_value(json_object_get(doc, "totalCost"));
        assert_true(fabs(got - total) <= 1e-6 * (1 + fabs(total)));
        json_t *months = json_object_get(doc, "months");
        assert_int_equal(json_array_size(months), 1);
        json_t *month = json_array_get(months, 0);
        assert_string_equal(json_string_value(json_object_get(month, "month")), "2024-07");
        assert_true(json_array_size(json_object_get(month, "groups")) > 1);
    }
    json_decref(doc);
    free(text);
}

static void test_guesses_and_totals(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char path[512];
    const char *versions[] = {"1.0", "1.0r2", "1.0-preview(v1)", "1.2-preview"};
    for (int v = 0; v < 4; v++) {
        const focus_schema *s = NULL;
        assert_int_equal(focus_schema_find("FocusCost", versions[v], NULL, &s, NULL), FOCUS_OK);
        for (int parquet = 0; parquet < 2; parquet++) {
            focus_writer_options options = focus_writer_options_default();
            options.format = parquet ? FOCUS_FORMAT_PARQUET : FOCUS_FORMAT_CSV;
            options.compression = parquet ? FOCUS_COMPRESSION_SNAPPY : FOCUS_COMPRESSION_GZIP;
            options.csv_bom = true;
            snprintf(path, sizeof(path), "%s/f%d.%s", dir, v, parquet ? "parquet" : "csv.gz");
            focus_test_write_month(path, s, scope, 1200, &options);
            /* Parquet keeps typed dates: 1.0 and 1.0r2 look the same there. */
            const char *want = parquet && v < 2 ? NULL : versions[v];
            if (want)
                check_json(path, "FocusCost", want, NULL, 1200, effective_total(s, 1200));
        }
    }
    const focus_schema *ps = NULL;
    assert_int_equal(focus_schema_find("PriceSheet", "2023-05-01", "MCA", &ps, NULL), FOCUS_OK);
    snprintf(path, sizeof(path), "%s/prices.csv", dir);
    focus_test_write_month(path, ps, scope, 500, NULL);
    check_json(path, "PriceSheet", "2023-05-01", "MCA", 500, -1);
    focus_error error;
    char *text = inspect(path, false, FOCUS_OK, &error);
    assert_non_null(strstr(text, "dataset: PriceSheet 2023-05-01 MCA (exact: 25 of 25 columns)"));
    assert_non_null(strstr(text, "rows: 500"));
    assert_non_null(strstr(text, "rows by month and PriceType"));
    free(text);
    test_remove_tree(dir);
    free(dir);
}

static void test_bad_files(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char path[512];
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL), FOCUS_OK);
    snprintf(path, sizeof(path), "%s/t.parquet", dir);
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    focus_test_write_month(path, s, scope, 300, &options);
    size_t length;
    char *bytes = test_read_file(path, &length);
    test_write_file(path, bytes, length / 2);
    free(bytes);
    focus_error error;
    free(inspect(path, false, FOCUS_CORRUPT, &error));
    assert_string_equal(error.file, path);
    /* A known schema with a cell that is not its type: the line is named. */
    snprintf(path, sizeof(path), "%s/c.csv", dir);
    focus_test_write_month(path, s, scope, 20, NULL);
    char *text = test_read_file(path, &length);
    char *second = strchr(strchr(text, '\n') + 1, '\n') + 1; /* line 3 */
    second[0] = 'x';                                         /* BilledCost is first */
    test_write_file(path, text, length);
    free(text);
    free(inspect(path, false, FOCUS_SCHEMA_MISMATCH, &error));
    assert_int_equal(error.line, 3);
    assert_non_null(strstr(error.message, "BilledCost"));
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guesses_and_totals),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
