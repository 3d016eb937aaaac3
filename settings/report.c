/* The settings report: every problem found in a settings file, with its
 * JSON path and line:column, printed the way compilers print diagnostics. */
#include "settings/settings_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *settings_status_text(settings_status status)
{
    switch (status) {
    case SETTINGS_OK:
        return "ok";
    case SETTINGS_E_IO:
        return "the settings file could not be read";
    case SETTINGS_E_SYNTAX:
        return "the settings file is not valid JSON";
    case SETTINGS_E_INVALID:
        return "the settings file is not valid hub settings";
    case SETTINGS_E_NOMEM:
        return "out of memory";
    case SETTINGS_E_ARGUMENT:
        return "invalid argument";
    }
    return "unknown status";
}

void settings_report_init(settings_report *report, const char *source)
{
    memset(report, 0, sizeof *report);
    report->source = strdup(source != NULL ? source : "settings.json");
}

void settings_report_dispose(settings_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->count; i++) {
        free(report->problems[i].path);
        free(report->problems[i].message);
    }
    free(report->problems);
    free(report->source);
    memset(report, 0, sizeof *report);
}

settings_status settings_report_add_v(settings_report *report, settings_severity severity,
                                      const char *path, int line, int column, const char *format,
                                      va_list args)
{
    if (report == NULL)
        return SETTINGS_OK;
    if (report->count == report->capacity) {
        size_t capacity = report->capacity ? report->capacity * 2 : 8;
        settings_problem *grown = realloc(report->problems, capacity * sizeof *grown);
        if (grown == NULL)
            return SETTINGS_E_NOMEM;
        report->problems = grown;
        report->capacity = capacity;
    }
    char *message = NULL;
    if (vasprintf(&message, format, args) < 0)
        return SETTINGS_E_NOMEM;
    char *path_copy = strdup(path != NULL ? path : "$");
    if (path_copy == NULL) {
        free(message);
        return SETTINGS_E_NOMEM;
    }
    report->problems[report->count++] =
        (settings_problem){severity, path_copy, line, column, message};
    if (severity == SETTINGS_SEVERITY_ERROR)
        report->error_count++;
    return SETTINGS_OK;
}

settings_status settings_report_add(settings_report *report, settings_severity severity,
                                    const char *path, int line, int column, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    settings_status status =
        settings_report_add_v(report, severity, path, line, column, format, args);
    va_end(args);
    return status;
}

void settings_report_print(const settings_report *report, void *file)
{
    FILE *out = file;
    for (size_t i = 0; i < report->count; i++) {
        const settings_problem *p = &report->problems[i];
        const char *kind = p->severity == SETTINGS_SEVERITY_ERROR ? "error" : "warning";
        if (p->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s\n", report->source, p->line, p->column, kind,
                    p->message);
        else
            fprintf(out, "%s: %s: %s\n", report->source, kind, p->message);
    }
}
