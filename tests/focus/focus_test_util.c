/* Helpers shared by the focus test suites (see focus_test_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "focus_test_util.h"

static focus_generator *start(const focus_schema *schema, const char *scope, uint64_t rows)
{
    focus_generator_options options = focus_generator_options_default();
    options.scope = scope;
    options.schema = schema;
    options.year = 2024;
    options.month = 7;
    options.rows = rows;
    focus_generator *g = NULL;
    assert_int_equal(focus_generator_new(&options, &g, NULL), FOCUS_OK);
    return g;
}

focus_file_stats focus_test_write_month(const char *path, const focus_schema *schema,
                                        const char *scope, uint64_t rows,
                                        const focus_writer_options *options)
{
    focus_generator *g = start(schema, scope, rows);
    focus_writer *w = NULL;
    focus_error error;
    focus_error_init(&error);
    if (focus_writer_open(path, schema, options, &w, &error) != FOCUS_OK)
        fail_msg("open %s: %s", path, error.message);
    const focus_value *row;
    while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row)
        if (focus_writer_write_row(w, row, &error) != FOCUS_OK)
            fail_msg("write %s: %s", path, error.message);
    focus_file_stats stats = {0};
    if (focus_writer_close(w, &stats, &error) != FOCUS_OK)
        fail_msg("close %s: %s", path, error.message);
    focus_generator_free(g);
    return stats;
}

int focus_test_values_equal(focus_type type, const focus_value *a, const focus_value *b)
{
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    switch (type) {
    case FOCUS_TYPE_STRING:
        return a->length == b->length && memcmp(a->text, b->text, a->length) == 0;
    case FOCUS_TYPE_DECIMAL:
        return fabs(a->number - b->number) <= 1e-12 * (1 + fabs(a->number));
    case FOCUS_TYPE_BOOLEAN:
        return a->boolean == b->boolean;
    default:
        return a->integer == b->integer;
    }
}

uint64_t focus_test_check_month(const char *path, const focus_schema *schema, const char *scope,
                                uint64_t rows)
{
    focus_generator *g = start(schema, scope, rows);
    focus_reader *r = NULL;
    focus_error error;
    focus_error_init(&error);
    if (focus_reader_open(path, schema, &r, &error) != FOCUS_OK)
        fail_msg("open %s: %s", path, error.message);
    size_t count = 0;
    const focus_column *columns = focus_reader_columns(r, &count);
    assert_int_equal(count, schema->column_count);
    for (size_t c = 0; c < count; c++) {
        assert_string_equal(columns[c].name, schema->columns[c].name);
        assert_int_equal(columns[c].type, schema->columns[c].type);
    }
    uint64_t seen = 0;
    const focus_value *want, *got;
    for (;;) {
        if (focus_reader_next(r, &got, &error) != FOCUS_OK)
            fail_msg("read %s: %s (line %lld offset %lld)", path, error.message,
                     (long long)error.line, (long long)error.offset);
        assert_int_equal(focus_generator_next(g, &want, NULL), FOCUS_OK);
        if (!got || !want) {
            assert_true(!got && !want);
            break;
        }
        for (size_t c = 0; c < count; c++)
            if (!focus_test_values_equal(columns[c].type, &want[c], &got[c]))
                fail_msg("%s row %llu column %s differs", path, (unsigned long long)seen,
                         columns[c].name);
        seen++;
    }
    focus_reader_free(r);
    focus_generator_free(g);
    return seen;
}

uint64_t focus_test_file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}
