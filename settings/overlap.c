/* Duplicate and overlapping scopes: two entries for the same scope, or one
 * inside another, would export the same costs twice. One hash table over the
 * normalised scopes makes the check linear, so 10,000 scopes stay instant. */
#include "settings/settings_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANCESTRY_CAPACITY 16

typedef struct scope_table {
    const settings_scope **slots;
    size_t mask;
} scope_table;

/* Azure ids are case-insensitive, so the table compares them so. */
static size_t hash_scope(const char *text)
{
    size_t hash = 1469598103934665603u;
    for (; *text != '\0'; text++) {
        hash ^= (unsigned char)tolower((unsigned char)*text);
        hash *= 1099511628211u;
    }
    return hash;
}

static settings_status table_init(scope_table *table, size_t count)
{
    size_t size = 16;
    while (size < count * 2)
        size *= 2;
    table->slots = calloc(size, sizeof *table->slots);
    table->mask = size - 1;
    return table->slots != NULL ? SETTINGS_OK : SETTINGS_E_NOMEM;
}

/* Returns the entry already holding `text`, or NULL (and, when `insert` is
 * given, stores it). */
static const settings_scope *table_find(scope_table *table, const char *text,
                                        const settings_scope *insert)
{
    for (size_t slot = hash_scope(text) & table->mask;; slot = (slot + 1) & table->mask) {
        const settings_scope *entry = table->slots[slot];
        if (entry == NULL) {
            if (insert != NULL)
                table->slots[slot] = insert;
            return NULL;
        }
        if (strcasecmp(entry->scope, text) == 0)
            return entry;
    }
}

static const char *human_type(settings_scope_type type)
{
    switch (type) {
    case SETTINGS_SCOPE_EA_BILLING_ACCOUNT:
        return "EA billing account";
    case SETTINGS_SCOPE_EA_DEPARTMENT:
        return "EA department";
    case SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT:
        return "EA enrollment account";
    case SETTINGS_SCOPE_MCA_BILLING_ACCOUNT:
        return "MCA billing account";
    case SETTINGS_SCOPE_MCA_BILLING_PROFILE:
        return "MCA billing profile";
    case SETTINGS_SCOPE_MCA_INVOICE_SECTION:
        return "MCA invoice section";
    case SETTINGS_SCOPE_SUBSCRIPTION:
        return "subscription";
    case SETTINGS_SCOPE_RESOURCE_GROUP:
        return "resource group";
    case SETTINGS_SCOPE_MANAGEMENT_GROUP:
        return "management group";
    }
    return "scope";
}

static settings_status report_at(settings_report *report, const settings_scope *at,
                                 const char *format, ...) __attribute__((format(printf, 3, 4)));

static settings_status report_at(settings_report *report, const settings_scope *at,
                                 const char *format, ...)
{
    char path[64];
    snprintf(path, sizeof path, "$.scopes[%zu].scope", at->index);
    va_list args;
    va_start(args, format);
    settings_status status = settings_report_add_v(report, SETTINGS_SEVERITY_ERROR, path, at->line,
                                                   at->column, format, args);
    va_end(args);
    return status;
}

static settings_status report_overlap(settings_report *report, const settings_scope *inner,
                                      const settings_scope *outer, bool online)
{
    return report_at(report, inner,
                     "scopes[%zu] \"%s\" (%s) is inside scopes[%zu] \"%s\" (%s)%s: the %s's "
                     "exports already include its costs, so they would be counted twice; "
                     "keep only one of the two",
                     inner->index, inner->input, human_type(inner->type), outer->index,
                     outer->input, human_type(outer->type), online ? " according to Azure" : "",
                     human_type(outer->type));
}

static settings_status check_ancestors(scope_table *table, const settings_scope *scope,
                                       const settings_ancestry *ancestry, settings_report *report)
{
    settings_status status = SETTINGS_OK;
    for (size_t p = 0; p < scope->parent_count && status == SETTINGS_OK; p++) {
        const settings_scope *outer = table_find(table, scope->parents[p], NULL);
        if (outer != NULL)
            return report_overlap(report, scope, outer, false);
    }
    if (ancestry == NULL || ancestry->lookup == NULL)
        return status;
    const char *ancestors[ANCESTRY_CAPACITY];
    size_t count = 0;
    char why[256] = "";
    if (ancestry->lookup(ancestry->payload, scope, ancestors, ANCESTRY_CAPACITY, &count, why,
                         sizeof why) != 0)
        return report_at(report, scope, "scopes[%zu] \"%s\": the online overlap check failed: %s",
                         scope->index, scope->input, why[0] ? why : "no reason given");
    for (size_t a = 0; a < count && a < ANCESTRY_CAPACITY; a++) {
        const settings_scope *outer = table_find(table, ancestors[a], NULL);
        if (outer != NULL && outer != scope)
            return report_overlap(report, scope, outer, true);
    }
    return status;
}

settings_status settings_check_overlaps(const settings_scope *scopes, size_t count,
                                        const settings_ancestry *ancestry, settings_report *report)
{
    scope_table table;
    if (table_init(&table, count) != SETTINGS_OK)
        return SETTINGS_E_NOMEM;
    settings_status status = SETTINGS_OK;
    bool *duplicate = calloc(count ? count : 1, sizeof *duplicate);
    if (duplicate == NULL)
        status = SETTINGS_E_NOMEM;
    for (size_t i = 0; i < count && status == SETTINGS_OK; i++) {
        const settings_scope *first = table_find(&table, scopes[i].scope, &scopes[i]);
        if (first == NULL)
            continue;
        duplicate[i] = true;
        status =
            report_at(report, &scopes[i],
                      "scopes[%zu] \"%s\" is the same scope as scopes[%zu] \"%s\" (both are "
                      "%s): its costs would be exported twice; remove one of them",
                      scopes[i].index, scopes[i].input, first->index, first->input, first->scope);
    }
    for (size_t i = 0; i < count && status == SETTINGS_OK; i++)
        if (!duplicate[i])
            status = check_ancestors(&table, &scopes[i], ancestry, report);
    free(duplicate);
    free(table.slots);
    if (status == SETTINGS_OK && report != NULL && report->error_count > 0)
        return SETTINGS_E_INVALID;
    return status;
}
