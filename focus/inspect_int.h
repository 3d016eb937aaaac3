/* focus_inspect_file internals: what one read-through of a file found, shared by the
 * reading (inspect.c) and the text / JSON printing (inspect_print.c). */
#ifndef HUBAGENT_FOCUS_INSPECT_INT_H
#define HUBAGENT_FOCUS_INSPECT_INT_H

#include "focus/focus_int.h"

/* What each dataset sums and by what: cost column, date column (month), group column. */
typedef struct summary_plan {
    focus_dataset dataset;
    const char *cost, *date, *group;
} summary_plan;

typedef struct group_total {
    int month; /* year * 12 + month - 1; -1 when the row has no date */
    char *name;
    double cost;
    uint64_t rows;
} group_total;

typedef struct inspection {
    const char *path;
    focus_format format;
    bool gzip;
    const focus_schema *schema; /* the guess, NULL if none */
    size_t matched, file_columns;
    bool exact;
    const char *note;
    const focus_column *columns;
    size_t column_count;
    uint64_t rows;
    double total;
    const summary_plan *plan;
    group_total *groups;
    size_t group_count, group_capacity;
} inspection;

void focus_inspect_print_text(const inspection *in, const focus_inspect_options *options,
                              FILE *out);
void focus_inspect_print_json(const inspection *in, const focus_inspect_options *options,
                              FILE *out);

#endif
