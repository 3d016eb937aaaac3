/* settings internals: the JSON position index (line:column of every value,
 * which jansson does not keep) and report helpers shared by the parser. */
#ifndef HUBAGENT_SETTINGS_INT_H
#define HUBAGENT_SETTINGS_INT_H

#include "settings/settings.h"

#include <stdarg.h>

/* Where one JSON value starts, by its JSON path ("$.scopes[3].scope"). */
typedef struct settings_position {
    char *path;
    int line;
    int column;
} settings_position;

typedef struct settings_position_index {
    settings_position *entries;
    size_t count;
    size_t capacity;
} settings_position_index;

/* Walks the text once, recording every value's path and position and
 * reporting each duplicate object key as an error. The text must already be
 * known to be valid JSON. */
settings_status settings_index_positions(const char *text, size_t length,
                                         settings_position_index *out_index,
                                         settings_report *report);
/* Sorted lookup; returns NULL when the path is not in the document. */
const settings_position *settings_position_find(const settings_position_index *index,
                                                const char *path);
void settings_position_index_dispose(settings_position_index *index);

settings_status settings_report_add(settings_report *report, settings_severity severity,
                                    const char *path, int line, int column, const char *format, ...)
    __attribute__((format(printf, 6, 7)));
settings_status settings_report_add_v(settings_report *report, settings_severity severity,
                                      const char *path, int line, int column, const char *format,
                                      va_list args) __attribute__((format(printf, 6, 0)));

#endif
