/* Helpers shared by the focus test suites: generate a month into a writer, compare rows read
 * back with the generator's, and check an error names the file. */
#ifndef HUBAGENT_FOCUS_TEST_UTIL_H
#define HUBAGENT_FOCUS_TEST_UTIL_H

#include "focus/focus.h"

/* Writes `rows` generated rows of schema/scope/month to path; returns the file's stats. */
focus_file_stats focus_test_write_month(const char *path, const focus_schema *schema,
                                        const char *scope, uint64_t rows,
                                        const focus_writer_options *options);
/* Reads path back and checks every row equals the regenerated one (same types and values;
 * decimals to 1e-12 relative). Returns the number of rows read. */
uint64_t focus_test_check_month(const char *path, const focus_schema *schema, const char *scope,
                                uint64_t rows);
/* Whether two cells of a column are equal. */
int focus_test_values_equal(focus_type type, const focus_value *a, const focus_value *b);
uint64_t focus_test_file_size(const char *path);

#endif
