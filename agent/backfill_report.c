/* What a backfill drive reports of its months: the failed and the unfinished,
 * each named, for the command's summary. */
#include "agent/backfill.h"
#include "agent/backfill_int.h"

#include <stdlib.h>
#include <string.h>

static char *describe(const agent_state_backfill_item *row, const char *why)
{
    size_t length = strlen(row->scope) + strlen(row->dataset) + strlen(row->month) +
                    (why ? strlen(why) : 0) + 16;
    char *text = malloc(length);
    if (text != NULL)
        snprintf(text, length, "%s %s %s%s%s", row->scope, row->dataset, row->month,
                 why ? ": " : "", why ? why : "");
    return text;
}

static void push(char ***list, size_t *count, char *text)
{
    char **grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (grown == NULL || text == NULL) {
        free(text);
        if (grown != NULL)
            *list = grown;
        return;
    }
    grown[(*count)++] = text;
    *list = grown;
}

void agent_backfill_report_dispose(agent_backfill_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->failed_count; i++)
        free(report->failed[i]);
    for (size_t i = 0; i < report->unfinished_count; i++)
        free(report->unfinished[i]);
    free(report->failed);
    free(report->unfinished);
    memset(report, 0, sizeof *report);
}

void agent_backfill_report_items(agent_backfill_report *report,
                                 const agent_state_backfill_item *rows, size_t count,
                                 const settings *scopes)
{
    for (size_t i = 0; i < count; i++) {
        if (scopes != NULL && agent_settings_find_scope(scopes, rows[i].scope) == NULL)
            continue; /* held: counted apart */
        if (strcmp(rows[i].state, "failed") == 0)
            push(&report->failed, &report->failed_count, describe(&rows[i], rows[i].last_error));
        else if (!agent_state_backfill_state_is_final(rows[i].state))
            push(&report->unfinished, &report->unfinished_count, describe(&rows[i], rows[i].state));
    }
}
