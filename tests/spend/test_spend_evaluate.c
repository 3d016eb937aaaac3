/* Evaluation over generated months: rows streamed from Parquet files land where an independent
 * reading of the same rows says they should, totals reconcile to the cent, and the summary
 * Parquet file holds the same figures. */
#include "spend_test_util.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ROWS        20000
#define SCOPE_COUNT 3

static const char definitions_json[] =
    "{\"spendScopes\":["
    "{\"name\":\"Compute\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{\"conditions\":{"
    "\"c\":{\"field\":\"service_category\",\"values\":[\"Compute\"],\"operator\":\"is\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
    "\"condition_identifier\":\"c\",\"parts\":[]}]}}}]},"
    "{\"name\":\"Team Data\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{\"conditions\":{"
    "\"t\":{\"field\":\"tags\",\"values\":[\"team=Data\"],\"operator\":\"is\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
    "\"condition_identifier\":\"t\",\"parts\":[]}]}}}]},"
    "{\"name\":\"Purchases\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{\"conditions\":{"
    "\"p\":{\"field\":\"charge_category\",\"values\":[\"Purchase\"],\"operator\":\"is\"}},"
    "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
    "\"condition_identifier\":\"p\",\"parts\":[]}]}}}]}]}";

typedef struct fixture {
    char *dir; /* the month's Parquet files */
    char *out; /* summaries */
    spend_definitions *definitions;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = test_make_temp_dir();
    f->out = test_make_temp_dir();
    focus_export_options options = focus_export_options_default();
    options.scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    options.year = 2024;
    options.month = 3;
    options.dataset = "FocusCost";
    options.version = "1.0r2";
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.rows = ROWS;
    options.max_rows_per_file = 7000;
    options.directory = f->dir;
    options.keep_files = true;
    focus_export_result result;
    focus_error error;
    focus_error_init(&error);
    if (focus_export_month(&options, &result, &error) != FOCUS_OK) {
        fprintf(stderr, "export: %s\n", error.message);
        return -1;
    }
    if (result.file_count != 3)
        return -1;
    focus_export_result_dispose(&result);
    f->definitions = test_definitions(definitions_json);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    spend_definitions_free(f->definitions);
    test_remove_tree(f->dir);
    test_remove_tree(f->out);
    free(f->dir);
    free(f->out);
    free(f);
    return 0;
}

/* What each row should get, decided here from the raw columns, not by the spend module. */
typedef struct expected {
    long double billed[SCOPE_COUNT + 1], effective[SCOPE_COUNT + 1];
    uint64_t rows[SCOPE_COUNT + 1];
    long double total;
    uint64_t total_rows;
} expected;

static bool cell_is(const focus_value *v, const char *text)
{
    return !v->is_null && v->length == strlen(text) && memcmp(v->text, text, v->length) == 0;
}

static bool cell_has(const focus_value *v, const char *text)
{
    return !v->is_null && memmem(v->text, v->length, text, strlen(text)) != NULL;
}

static void read_expected(const char *dir, expected *out)
{
    memset(out, 0, sizeof *out);
    for (int part = 1; part <= 3; part++) {
        char *path = NULL;
        assert_true(asprintf(&path, "%s/part_0_%04d.parquet", dir, part) > 0);
        focus_reader *reader = NULL;
        focus_error error;
        focus_error_init(&error);
        assert_int_equal(focus_reader_open(path, NULL, &reader, &error), FOCUS_OK);
        size_t n = 0;
        const focus_column *cols = focus_reader_columns(reader, &n);
        int category = -1, tags = -1, charge = -1, billed = -1, effective = -1;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(cols[i].name, "ServiceCategory") == 0)
                category = (int)i;
            if (strcmp(cols[i].name, "Tags") == 0)
                tags = (int)i;
            if (strcmp(cols[i].name, "ChargeCategory") == 0)
                charge = (int)i;
            if (strcmp(cols[i].name, "BilledCost") == 0)
                billed = (int)i;
            if (strcmp(cols[i].name, "EffectiveCost") == 0)
                effective = (int)i;
        }
        assert_true(category >= 0 && tags >= 0 && charge >= 0 && billed >= 0 && effective >= 0);
        const focus_value *row;
        while (focus_reader_next(reader, &row, &error) == FOCUS_OK && row != NULL) {
            int scope = cell_is(&row[category], "Compute")          ? 1
                        : cell_has(&row[tags], "\"team\":\"Data\"") ? 2
                        : cell_is(&row[charge], "Purchase")         ? 3
                                                                    : 0;
            out->billed[scope] += row[billed].number;
            out->effective[scope] += row[effective].number;
            out->rows[scope]++;
            out->total += row[billed].number;
            out->total_rows++;
        }
        focus_reader_free(reader);
        free(path);
    }
}

static void assert_cents(long double expected_value, double actual)
{
    long double diff = expected_value - (long double)actual;
    if (diff < 0)
        diff = -diff;
    if (diff >= 0.005L)
        fail_msg("expected %.4Lf, got %.4f", expected_value, actual);
}

static void test_attribution_and_reconciliation(void **state)
{
    fixture *f = *state;
    expected want;
    read_expected(f->dir, &want);
    assert_int_equal(want.total_rows, ROWS);
    for (int s = 0; s <= SCOPE_COUNT; s++)
        assert_true(want.rows[s] > 0); /* the data exercises every spend scope and unscoped */

    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_summary *summary = NULL;
    spend_error error;
    spend_error_init(&error);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, f->dir, &summary, &error),
                     SPEND_OK);
    assert_int_equal(summary->file_count, 3);
    assert_int_equal(summary->month_total.row_count, ROWS);
    assert_cents(want.total, summary->month_total.billed_cost);
    assert_true(spend_summary_reconciles(summary));

    long double billed[SCOPE_COUNT + 1] = {0}, effective[SCOPE_COUNT + 1] = {0};
    uint64_t rows[SCOPE_COUNT + 1] = {0};
    for (size_t i = 0; i < summary->row_count; i++) {
        const spend_summary_row *r = &summary->rows[i];
        assert_true(r->priority >= 0 && r->priority <= SCOPE_COUNT);
        assert_true((r->priority == 0) == (r->spend_scope == NULL));
        if (r->priority == 0)
            assert_non_null(r->sub_account_id); /* unscoped rolls up to its subscription */
        billed[r->priority] += r->billed_cost;
        effective[r->priority] += r->effective_cost;
        rows[r->priority] += r->row_count;
    }
    for (int s = 0; s <= SCOPE_COUNT; s++) {
        assert_int_equal(rows[s], want.rows[s]);
        assert_cents(want.billed[s], (double)billed[s]);
        assert_cents(want.effective[s], (double)effective[s]);
    }
    assert_int_equal(summary->unscoped.row_count, want.rows[0]);
    spend_summary_free(summary);
}

static void test_summary_parquet(void **state)
{
    fixture *f = *state;
    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_summary *summary = NULL;
    spend_error error;
    spend_error_init(&error);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, f->dir, &summary, &error),
                     SPEND_OK);
    char relative[64];
    spend_summary_relative_path(month, relative, sizeof relative);
    assert_string_equal(relative, "SpendScopes/2024/03/spend-scopes.parquet");
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", f->out, relative) > 0);
    assert_int_equal(spend_summary_write_parquet(summary, path, &error), SPEND_OK);

    focus_reader *reader = NULL;
    focus_error ferror;
    focus_error_init(&ferror);
    assert_int_equal(focus_reader_open(path, NULL, &reader, &ferror), FOCUS_OK);
    assert_int_equal(focus_reader_declared_rows(reader), (int64_t)summary->row_count);
    size_t n = 0;
    const focus_column *cols = focus_reader_columns(reader, &n);
    assert_int_equal(n, spend_summary_schema()->column_count);
    assert_string_equal(cols[1].name, "SpendScope");
    const focus_value *row;
    long double billed = 0;
    uint64_t rows = 0, unscoped_rows = 0;
    while (focus_reader_next(reader, &row, &ferror) == FOCUS_OK && row != NULL) {
        assert_true(row[0].length == 7 && memcmp(row[0].text, "2024-03", 7) == 0);
        billed += row[7].number;
        rows += (uint64_t)row[10].integer;
        if (row[1].is_null)
            unscoped_rows += (uint64_t)row[10].integer;
    }
    focus_reader_free(reader);
    assert_int_equal(rows, ROWS);
    assert_int_equal(unscoped_rows, summary->unscoped.row_count);
    assert_cents(billed, summary->month_total.billed_cost);
    /* Written through a temporary name: nothing else is left in the folder. */
    char *folder = NULL;
    assert_true(asprintf(&folder, "%s/SpendScopes/2024/03", f->out) > 0);
    char *argv[] = {"/bin/ls", "-A", folder, NULL};
    char *out = NULL;
    assert_int_equal(test_run_command(argv, NULL, NULL, &out, NULL), 0);
    assert_string_equal(out, "spend-scopes.parquet\n");
    free(out);
    free(folder);
    free(path);
    spend_summary_free(summary);
}

static void test_priority_moves_spend_not_totals(void **state)
{
    fixture *f = *state;
    /* Same rules, reversed order: Purchases first now takes Compute purchases. */
    static const char reversed[] =
        "{\"spendScopes\":["
        "{\"name\":\"Purchases\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{\"conditions\":{"
        "\"p\":{\"field\":\"charge_category\",\"values\":[\"Purchase\"],\"operator\":\"is\"}},"
        "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
        "\"condition_identifier\":\"p\",\"parts\":[]}]}}}]},"
        "{\"name\":\"Compute\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{\"conditions\":{"
        "\"c\":{\"field\":\"service_category\",\"values\":[\"Compute\"],\"operator\":\"is\"}},"
        "\"logic\":{\"type\":\"group\",\"operator\":\"or\",\"parts\":[{\"type\":\"condition\","
        "\"condition_identifier\":\"c\",\"parts\":[]}]}}}]}]}";
    spend_definitions *d = test_definitions(reversed);
    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_summary *a = NULL, *b = NULL;
    spend_error error;
    spend_error_init(&error);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, f->dir, &a, &error), SPEND_OK);
    assert_int_equal(spend_evaluate_directory(d, month, f->dir, &b, &error), SPEND_OK);
    assert_int_equal(a->month_total.row_count, b->month_total.row_count);
    assert_cents(a->month_total.billed_cost, b->month_total.billed_cost);
    assert_true(spend_summary_reconciles(b));
    uint64_t purchases_a = 0, purchases_b = 0;
    for (size_t i = 0; i < a->row_count; i++)
        if (a->rows[i].spend_scope && strcmp(a->rows[i].spend_scope, "Purchases") == 0)
            purchases_a += a->rows[i].row_count;
    for (size_t i = 0; i < b->row_count; i++)
        if (b->rows[i].spend_scope && strcmp(b->rows[i].spend_scope, "Purchases") == 0)
            purchases_b += b->rows[i].row_count;
    assert_true(purchases_b > purchases_a);
    spend_summary_free(a);
    spend_summary_free(b);
    spend_definitions_free(d);
}

static void test_bad_data_is_an_error(void **state)
{
    fixture *f = *state;
    char *empty = test_make_temp_dir();
    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_summary *summary = NULL;
    spend_error error;
    spend_error_init(&error);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, empty, &summary, &error),
                     SPEND_E_DATA);
    assert_non_null(strstr(error.message, "no .parquet files"));
    char *bad = NULL;
    assert_true(asprintf(&bad, "%s/broken.parquet", empty) > 0);
    assert_int_equal(test_write_file(bad, "PAR1 not really", 15), 0);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, empty, &summary, &error),
                     SPEND_E_DATA);
    assert_null(summary);
    assert_non_null(strstr(error.file, "broken.parquet"));
    free(bad);
    test_remove_tree(empty);
    free(empty);
}

/* One evaluator per thread, merged: the same groups, counts and (to the cent) costs. */
static void test_threads_agree(void **state)
{
    fixture *f = *state;
    char *paths[3];
    for (int i = 0; i < 3; i++)
        assert_true(asprintf(&paths[i], "%s/part_0_%04d.parquet", f->dir, i + 1) > 0);
    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_error error;
    spend_error_init(&error);
    spend_summary *one = NULL, *three = NULL;
    spend_evaluate_options options = spend_evaluate_options_default();
    options.threads = 1;
    assert_int_equal(spend_evaluate_files(f->definitions, month, (const char *const *)paths, 3,
                                          &options, &one, &error),
                     SPEND_OK);
    options.threads = 3;
    assert_int_equal(spend_evaluate_files(f->definitions, month, (const char *const *)paths, 3,
                                          &options, &three, &error),
                     SPEND_OK);
    assert_int_equal(one->file_count, 3);
    assert_int_equal(three->file_count, 3);
    assert_int_equal(one->row_count, three->row_count);
    assert_int_equal(one->month_total.row_count, three->month_total.row_count);
    assert_true(spend_summary_reconciles(three));
    for (size_t i = 0; i < one->row_count; i++) {
        const spend_summary_row *a = &one->rows[i], *b = &three->rows[i];
        assert_int_equal(a->priority, b->priority);
        assert_string_equal(a->sub_account_id ? a->sub_account_id : "-",
                            b->sub_account_id ? b->sub_account_id : "-");
        assert_int_equal(a->row_count, b->row_count);
        assert_cents(a->billed_cost, b->billed_cost);
    }
    spend_summary_free(one);
    spend_summary_free(three);

    /* A bad file among good ones fails the whole month, naming it. */
    char *dir = test_make_temp_dir(), *bad = NULL;
    assert_true(asprintf(&bad, "%s/bad.parquet", dir) > 0);
    assert_int_equal(test_write_file(bad, "PAR1 nope", 9), 0);
    const char *mixed[] = {paths[0], bad, paths[1], paths[2]};
    options.threads = 2;
    assert_int_equal(
        spend_evaluate_files(f->definitions, month, mixed, 4, &options, &three, &error),
        SPEND_E_DATA);
    assert_null(three);
    assert_non_null(strstr(error.file, "bad.parquet"));
    free(bad);
    test_remove_tree(dir);
    free(dir);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
}

static void write_small(const char *path, bool with_effective, int rows)
{
    static const focus_column cols[] = {{"ServiceName", FOCUS_TYPE_STRING, true},
                                        {"BilledCost", FOCUS_TYPE_DECIMAL, false},
                                        {"EffectiveCost", FOCUS_TYPE_DECIMAL, false}};
    focus_schema schema = {FOCUS_DATASET_FOCUS_COST, "Small", "1", NULL, FOCUS_DATES_ISO_SECONDS,
                           with_effective ? 3 : 2,   cols};
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    focus_writer *w = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_writer_open(path, &schema, &options, &w, &error), FOCUS_OK);
    for (int i = 0; i < rows; i++) {
        focus_value row[3] = {
            {.text = "Virtual Machines", .length = 16}, {.number = 0.01}, {.number = 0.02}};
        assert_int_equal(focus_writer_write_row(w, row, &error), FOCUS_OK);
    }
    assert_int_equal(focus_writer_close(w, NULL, &error), FOCUS_OK);
}

/* Files without the cost columns are refused by name; sparse files (few columns, no rows)
 * are fine, and a cent at a time still adds up. */
static void test_sparse_and_unusable_files(void **state)
{
    fixture *f = *state;
    spend_month month;
    assert_true(spend_month_parse("2024-03", &month));
    spend_error error;
    spend_error_init(&error);
    spend_summary *s = NULL;

    char *dir = test_make_temp_dir(), *path = NULL;
    assert_true(asprintf(&path, "%s/a.parquet", dir) > 0);
    write_small(path, false, 3);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, dir, &s, &error),
                     SPEND_E_DATA);
    assert_null(s);
    assert_non_null(strstr(error.message, "no EffectiveCost column"));
    assert_non_null(strstr(error.file, "a.parquet"));

    write_small(path, true, 0);
    char *second = NULL;
    assert_true(asprintf(&second, "%s/b.parquet", dir) > 0);
    write_small(second, true, 10000);
    assert_int_equal(spend_evaluate_directory(f->definitions, month, dir, &s, &error), SPEND_OK);
    assert_int_equal(s->file_count, 2);
    assert_int_equal(s->month_total.row_count, 10000);
    assert_int_equal(s->unscoped.row_count, 10000); /* no ServiceCategory: nothing matches */
    assert_cents(100.0L, s->month_total.billed_cost);
    assert_cents(200.0L, s->unscoped.effective_cost);
    assert_true(spend_summary_reconciles(s));
    assert_int_equal(s->row_count, 1);
    assert_null(s->rows[0].sub_account_id);
    spend_summary_free(s);
    free(second);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

/* The input fingerprint changes with the Parquet files only; a summary reads back as written. */
static void test_fingerprint_and_read_back(void **state)
{
    fixture *f = *state;
    char *dir = test_make_temp_dir();
    char a[17], b[17], c[17];
    spend_error error;
    spend_error_init(&error);
    char *file = NULL, *other = NULL, *summary_path = NULL;
    assert_true(asprintf(&file, "%s/x.parquet", dir) > 0);
    assert_true(asprintf(&other, "%s/notes.txt", dir) > 0);
    assert_true(asprintf(&summary_path, "%s/out/s.parquet", dir) > 0);
    assert_int_equal(spend_directory_fingerprint(dir, a, &error), SPEND_OK);
    assert_int_equal(test_write_file(other, "x", 1), 0);
    assert_int_equal(spend_directory_fingerprint(dir, b, &error), SPEND_OK);
    assert_string_equal(a, b); /* only Parquet files count */
    assert_int_equal(test_write_file(file, "PAR1", 4), 0);
    assert_int_equal(spend_directory_fingerprint(dir, c, &error), SPEND_OK);
    assert_string_not_equal(a, c);
    assert_int_not_equal(spend_directory_fingerprint("/nonexistent-dir", a, &error), SPEND_OK);

    spend_month march;
    assert_true(spend_month_parse("2024-03", &march));
    spend_summary *written = NULL, *read = NULL;
    assert_int_equal(spend_evaluate_directory(f->definitions, march, f->dir, &written, &error),
                     SPEND_OK);
    assert_int_equal(spend_summary_write_parquet(written, summary_path, &error), SPEND_OK);
    assert_int_equal(spend_summary_read_parquet(summary_path, &read, &error), SPEND_OK);
    assert_int_equal(read->month, march);
    assert_int_equal(read->row_count, written->row_count);
    assert_int_equal(read->month_total.row_count, written->month_total.row_count);
    assert_int_equal(read->unscoped.row_count, written->unscoped.row_count);
    assert_cents(written->month_total.billed_cost, read->month_total.billed_cost);
    assert_true(spend_summary_reconciles(read));
    for (size_t i = 0; i < read->row_count; i++) {
        assert_int_equal(read->rows[i].priority, written->rows[i].priority);
        assert_int_equal(read->rows[i].row_count, written->rows[i].row_count);
    }
    spend_summary_free(read);
    read = NULL;
    /* A cost file is not a summary. */
    char *cost_file = NULL;
    assert_true(asprintf(&cost_file, "%s/part_0_0001.parquet", f->dir) > 0);
    assert_int_equal(spend_summary_read_parquet(cost_file, &read, &error), SPEND_E_DATA);
    assert_null(read);
    free(cost_file);
    spend_summary_free(written);
    free(file);
    free(other);
    free(summary_path);
    test_remove_tree(dir);
    free(dir);
}

/* Spend reads ~16 of a FOCUS file's ~100 columns: the others must read as null, and the
 * selected ones exactly as a full read gives them. */
static void test_reader_column_selection(void **state)
{
    fixture *f = *state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/part_0_0002.parquet", f->dir) > 0);
    focus_reader *all = NULL, *some = NULL;
    focus_error error;
    focus_error_init(&error);
    assert_int_equal(focus_reader_open(path, NULL, &all, &error), FOCUS_OK);
    assert_int_equal(focus_reader_open(path, NULL, &some, &error), FOCUS_OK);
    const char *names[] = {"Tags", "BilledCost", "NoSuchColumn"};
    assert_int_equal(focus_reader_select_columns(some, names, 3, &error), FOCUS_OK);
    size_t n = 0;
    const focus_column *cols = focus_reader_columns(all, &n);
    int tags = -1, billed = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cols[i].name, "Tags") == 0)
            tags = (int)i;
        if (strcmp(cols[i].name, "BilledCost") == 0)
            billed = (int)i;
    }
    assert_true(tags >= 0 && billed >= 0);
    uint64_t rows = 0, tagged = 0;
    for (;;) {
        const focus_value *a = NULL, *b = NULL;
        assert_int_equal(focus_reader_next(all, &a, &error), FOCUS_OK);
        assert_int_equal(focus_reader_next(some, &b, &error), FOCUS_OK);
        assert_true((a == NULL) == (b == NULL));
        if (a == NULL)
            break;
        rows++;
        for (size_t i = 0; i < n; i++)
            if ((int)i != tags && (int)i != billed)
                assert_true(b[i].is_null);
        assert_true(a[billed].number == b[billed].number);
        assert_int_equal(a[tags].is_null, b[tags].is_null);
        if (!a[tags].is_null) {
            tagged++;
            assert_int_equal(a[tags].length, b[tags].length);
            assert_memory_equal(a[tags].text, b[tags].text, a[tags].length);
        }
    }
    assert_int_equal(rows, 7000);
    assert_true(tagged > 0);
    /* Too late once rows were read. */
    assert_int_not_equal(focus_reader_select_columns(some, names, 1, &error), FOCUS_OK);
    focus_reader_free(all);
    focus_reader_free(some);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attribution_and_reconciliation),
        cmocka_unit_test(test_summary_parquet),
        cmocka_unit_test(test_priority_moves_spend_not_totals),
        cmocka_unit_test(test_bad_data_is_an_error),
        cmocka_unit_test(test_reader_column_selection),
        cmocka_unit_test(test_fingerprint_and_read_back),
        cmocka_unit_test(test_sparse_and_unusable_files),
        cmocka_unit_test(test_threads_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
