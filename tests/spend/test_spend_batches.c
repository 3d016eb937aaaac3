/* The three ways rows reach the evaluator agree to the row and the cent: Parquet batches of
 * dictionary indices (conditions tested once per dictionary entry), Parquet without
 * dictionaries (values), and rows one at a time (spend_evaluator_add_row). The definitions
 * use what the benchmark's do not: account criteria, composite fields matching on their later
 * columns (charge class, description, meter), every negative operator, tag keys, nested
 * logic. */
#include "spend_test_util.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ROWS 30000

static const focus_schema *cost_schema(void)
{
    const focus_schema *s = NULL;
    assert_int_equal(focus_schema_find("FocusCost", "1.0r2", NULL, &s, NULL), FOCUS_OK);
    return s;
}

static void write_month(const char *path, bool dictionary)
{
    focus_generator_options g = focus_generator_options_default();
    g.scope = "/providers/Microsoft.Billing/billingAccounts/87654321";
    g.year = 2024;
    g.month = 3;
    g.schema = cost_schema();
    g.rows = ROWS;
    focus_generator *generator = NULL;
    assert_int_equal(focus_generator_new(&g, &generator, NULL), FOCUS_OK);
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    options.parquet_dictionary = dictionary;
    options.parquet_row_group_rows = 7000; /* several dictionaries per column */
    focus_writer *w = NULL;
    assert_int_equal(focus_writer_open(path, g.schema, &options, &w, NULL), FOCUS_OK);
    const focus_value *row;
    while (focus_generator_next(generator, &row, NULL) == FOCUS_OK && row)
        assert_int_equal(focus_writer_write_row(w, row, NULL), FOCUS_OK);
    assert_int_equal(focus_writer_close(w, NULL, NULL), FOCUS_OK);
    focus_generator_free(generator);
}

/* The SubAccountId of the file's first row, for account criteria. */
static char *first_account(const char *path)
{
    focus_reader *r = NULL;
    assert_int_equal(focus_reader_open(path, NULL, &r, NULL), FOCUS_OK);
    size_t count;
    const focus_column *columns = focus_reader_columns(r, &count);
    const focus_value *row;
    assert_int_equal(focus_reader_next(r, &row, NULL), FOCUS_OK);
    char *account = NULL;
    for (size_t c = 0; c < count; c++)
        if (strcmp(columns[c].name, "SubAccountId") == 0)
            account = strndup(row[c].text, row[c].length);
    focus_reader_free(r);
    assert_non_null(account);
    return account;
}

#define COND(id, field, op, values)                                                                \
    "\"" id "\":{\"field\":\"" field "\",\"operator\":\"" op "\",\"values\":" values "}"
#define LEAF(id)         "{\"type\":\"condition\",\"condition_identifier\":\"" id "\",\"parts\":[]}"
#define GROUP(op, parts) "{\"type\":\"group\",\"operator\":\"" op "\",\"parts\":[" parts "]}"
#define SCOPE(name, accounts, conditions, logic)                                                   \
    "{\"name\":\"" name "\",\"segments\":[{\"from\":\"2024-01\",\"criteria\":{" accounts           \
    "\"conditions\":{" conditions "},\"logic\":" logic "}}]}"

/* ACCOUNT stands for a sub-account of the data. */
// clang-format off
static const char definitions_template[] = "{\"spendScopes\":["
    SCOPE("Account web",
          "\"account_criteria\":{\"type\":\"account_ids\",\"account_ids\":[\"ACCOUNT\"]},",
          COND("w", "service_category", "is", "[\"Web\",\"Databases\",\"Storage\"]"),
          GROUP("or", LEAF("w"))) ","
    SCOPE("Charge details", "",
          COND("d", "charge_details", "contains", "[\"Correction\",\"P10 LRS\"]") ","
          COND("x", "charge_details", "matches_regex", "[\"^Tiered Block\"]"),
          GROUP("or", LEAF("d") "," LEAF("x"))) ","
    SCOPE("Not prod, tagged team", "",
          COND("p", "tags", "is_not", "[\"env=prod\"]") ","
          COND("t", "tags", "is", "[\"team\"]"),
          GROUP("and", LEAF("p") "," LEAF("t"))) ","
    SCOPE("Resources", "",
          COND("r", "resource_identifier", "contains", "[\"vm\",\"kv\"]") ","
          COND("e", "region", "does_not_contain", "[\"east\"]"),
          GROUP("and", LEAF("r") "," LEAF("e"))) ","
    SCOPE("Nested negatives", "",
          COND("v", "service_name", "does_not_match_regex", "[\"^Virtual\"]") ","
          COND("g", "region", "is_not", "[\"westeurope\"]") ","
          COND("c", "service_category", "is", "[\"Compute\"]") ","
          COND("o", "tags", "contains", "[\"owner=ops\"]"),
          GROUP("and", LEAF("v") "," LEAF("g") "," GROUP("or", LEAF("c") "," LEAF("o")))) ","
    SCOPE("The account", "",
          COND("a", "sub_account_id", "is", "[\"ACCOUNT\"]"),
          GROUP("or", LEAF("a")))
    "]}";
// clang-format on

static spend_definitions *definitions_for(const char *account)
{
    char *json = malloc(sizeof definitions_template * 2 + strlen(account) * 4);
    char *out = json;
    for (const char *p = definitions_template; *p;)
        if (strncmp(p, "ACCOUNT", 7) == 0) {
            out = stpcpy(out, account);
            p += 7;
        } else {
            *out++ = *p++;
        }
    *out = '\0';
    spend_definitions *d = test_definitions(json);
    free(json);
    return d;
}

static spend_summary *by_files(const spend_definitions *d, spend_month month, const char *path)
{
    spend_summary *s = NULL;
    spend_error error;
    spend_error_init(&error);
    spend_evaluate_options options = spend_evaluate_options_default();
    options.threads = 1;
    if (spend_evaluate_files(d, month, &path, 1, &options, &s, &error) != SPEND_OK)
        fail_msg("%s: %s", error.file, error.message);
    return s;
}

static spend_summary *by_rows(const spend_definitions *d, spend_month month, const char *path)
{
    spend_evaluator *e = NULL;
    spend_error error;
    spend_error_init(&error);
    assert_int_equal(spend_evaluator_new(d, month, &e, &error), SPEND_OK);
    focus_reader *r = NULL;
    assert_int_equal(focus_reader_open(path, NULL, &r, NULL), FOCUS_OK);
    size_t count;
    const focus_column *columns = focus_reader_columns(r, &count);
    assert_int_equal(spend_evaluator_bind(e, columns, count, &error), SPEND_OK);
    const focus_value *row;
    while (focus_reader_next(r, &row, NULL) == FOCUS_OK && row)
        assert_int_equal(spend_evaluator_add_row(e, row, &error), SPEND_OK);
    focus_reader_free(r);
    spend_summary *s = NULL;
    assert_int_equal(spend_evaluator_finish(e, &s, &error), SPEND_OK);
    return s;
}

static void assert_same(const spend_summary *a, const spend_summary *b)
{
    assert_int_equal(a->row_count, b->row_count);
    assert_int_equal(a->month_total.row_count, b->month_total.row_count);
    for (size_t i = 0; i < a->row_count; i++) {
        const spend_summary_row *x = &a->rows[i], *y = &b->rows[i];
        assert_int_equal(x->priority, y->priority);
        const char *kx[] = {x->sub_account_id, x->service_category, x->charge_category,
                            x->billing_currency};
        const char *ky[] = {y->sub_account_id, y->service_category, y->charge_category,
                            y->billing_currency};
        for (int k = 0; k < 4; k++)
            assert_string_equal(kx[k] ? kx[k] : "(null)", ky[k] ? ky[k] : "(null)");
        assert_int_equal(x->row_count, y->row_count);
        assert_true(x->billed_cost - y->billed_cost < 0.005 &&
                    y->billed_cost - x->billed_cost < 0.005);
        assert_true(x->list_cost - y->list_cost < 0.005 && y->list_cost - x->list_cost < 0.005);
    }
}

static void test_batches_values_and_rows_agree(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir(), *indexed = NULL, *plain = NULL;
    assert_true(asprintf(&indexed, "%s/indexed.parquet", dir) > 0);
    assert_true(asprintf(&plain, "%s/plain.parquet", dir) > 0);
    write_month(indexed, true);
    write_month(plain, false);
    char *account = first_account(indexed);
    spend_definitions *d = definitions_for(account);
    spend_month march;
    assert_true(spend_month_parse("2024-03", &march));
    spend_summary *a = by_files(d, march, indexed), *b = by_files(d, march, plain),
                  *c = by_rows(d, march, indexed);
    assert_int_equal(a->month_total.row_count, ROWS);
    assert_true(spend_summary_reconciles(a));
    /* Every spend scope and the unscoped rest take rows, so every path is exercised. */
    uint64_t rows[7] = {0};
    for (size_t i = 0; i < a->row_count; i++)
        rows[a->rows[i].priority] += a->rows[i].row_count;
    for (int p = 0; p < 7; p++)
        if (rows[p] == 0)
            fail_msg("priority %d takes no rows", p);
    assert_same(a, b);
    assert_same(a, c);
    spend_summary_free(a);
    spend_summary_free(b);
    spend_summary_free(c);
    spend_definitions_free(d);
    free(account);
    free(indexed);
    free(plain);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_values_and_rows_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
