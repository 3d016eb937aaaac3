/* The spend-scopes report: every problem found in a definitions file with its JSON path and
 * line:column, printed the way compilers print diagnostics (as settings/ does). */
#include "spend/spend_int.h"

#include <stdlib.h>
#include <string.h>

const char *spend_status_text(spend_status status)
{
    switch (status) {
    case SPEND_OK:
        return "ok";
    case SPEND_E_IO:
        return "a file could not be read or written";
    case SPEND_E_SYNTAX:
        return "the spend scopes file is not valid JSON";
    case SPEND_E_INVALID:
        return "the spend scopes file is not valid";
    case SPEND_E_DATA:
        return "the cost data cannot be used";
    case SPEND_E_NOMEM:
        return "out of memory";
    case SPEND_E_ARGUMENT:
        return "invalid argument";
    }
    return "unknown status";
}

void spend_report_init(spend_report *report, const char *source)
{
    memset(report, 0, sizeof *report);
    report->source = strdup(source != NULL ? source : "spend-scopes.json");
}

void spend_report_dispose(spend_report *report)
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

spend_status spend_report_add(spend_report *report, spend_severity severity, const char *path,
                              int line, int column, const char *format, ...)
{
    if (report == NULL)
        return SPEND_OK;
    if (report->count == report->capacity) {
        size_t capacity = report->capacity ? report->capacity * 2 : 8;
        spend_problem *grown = realloc(report->problems, capacity * sizeof *grown);
        if (grown == NULL)
            return SPEND_E_NOMEM;
        report->problems = grown;
        report->capacity = capacity;
    }
    va_list args;
    va_start(args, format);
    char *message = NULL;
    int n = vasprintf(&message, format, args);
    va_end(args);
    if (n < 0)
        return SPEND_E_NOMEM;
    char *path_copy = strdup(path != NULL ? path : "$");
    if (path_copy == NULL) {
        free(message);
        return SPEND_E_NOMEM;
    }
    report->problems[report->count++] = (spend_problem){severity, path_copy, line, column, message};
    if (severity == SPEND_SEVERITY_ERROR)
        report->error_count++;
    return SPEND_OK;
}

void spend_report_print(const spend_report *report, FILE *out)
{
    for (size_t i = 0; i < report->count; i++) {
        const spend_problem *p = &report->problems[i];
        const char *kind = p->severity == SPEND_SEVERITY_ERROR ? "error" : "warning";
        if (p->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s\n", report->source, p->line, p->column, kind,
                    p->message);
        else
            fprintf(out, "%s: %s: %s\n", report->source, kind, p->message);
    }
}
