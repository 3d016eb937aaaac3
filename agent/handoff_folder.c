/* The ingestion folders around a hand-off: listing one folder level, the other runs' files
 * removed (or this run's taken back), and the same scope and month found under another folder. */
#include "agent/handoff_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Blob names under `folder/` (that folder only, not below), optionally only *.parquet. */
static agent_handoff_status list_folder(handoff_context *hc, const char *container,
                                        const char *prefix, bool this_level_only,
                                        arm_blob_item **out, size_t *out_count,
                                        agent_handoff_error *error)
{
    *out = NULL;
    *out_count = 0;
    char *marker = NULL;
    size_t capacity = 0, skip = strlen(prefix);
    do {
        arm_blob_list_page page;
        arm_blob_list_page_init(&page);
        arm_error arm;
        arm_error_init(&arm);
        if (arm_blob_list(hc->blob, container, prefix, marker, 0, &page, &arm) != ARM_OK) {
            free(marker);
            arm_blob_list_page_dispose(&page);
            return handoff_storage_fail(error, "listing", prefix, &arm);
        }
        free(marker);
        marker = page.next_marker ? strdup(page.next_marker) : NULL;
        for (size_t i = 0; i < page.count; i++) {
            if (this_level_only && strchr(page.items[i].name + skip, '/') != NULL)
                continue;
            if (*out_count == capacity) {
                capacity = capacity ? capacity * 2 : 16;
                arm_blob_item *grown = realloc(*out, capacity * sizeof *grown);
                if (grown == NULL)
                    break;
                *out = grown;
            }
            (*out)[*out_count] = page.items[i];
            (*out)[(*out_count)++].name = strdup(page.items[i].name);
        }
        arm_blob_list_page_dispose(&page);
    } while (marker != NULL);
    return AGENT_HANDOFF_OK;
}

static void items_free(arm_blob_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i].name);
    free(items);
}

/* The same scope and month already ingested under another folder (#320): the Data Explorer
 * stage deduplicates per folder only, so handing this one off would double the cost. */
agent_handoff_status handoff_find_conflict(handoff_context *hc, const agent_manifest *m,
                                           const char *dataset, const char *destination,
                                           char *detail, size_t size, agent_handoff_error *error)
{
    detail[0] = '\0';
    if (strcmp(dataset, "Recommendations") == 0)
        return AGENT_HANDOFF_OK; /* one folder per export there, by the hub's design */
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/%04d/%02d/", dataset, m->year, m->month);
    arm_blob_item *items = NULL;
    size_t count = 0;
    agent_handoff_status status =
        list_folder(hc, hc->options->ingestion_container, prefix, false, &items, &count, error);
    for (size_t i = 0; status == AGENT_HANDOFF_OK && i < count && !detail[0]; i++) {
        const char *name = items[i].name;
        size_t n = strlen(name);
        if (n < 14 || strcmp(name + n - 14, "/manifest.json") != 0)
            continue;
        size_t folder_length = n - 14;
        if (folder_length == strlen(destination) && strncmp(name, destination, folder_length) == 0)
            continue;
        bool same = folder_length == strlen(destination) &&
                    strncasecmp(name, destination, folder_length) == 0;
        if (!same) {
            char *text = NULL;
            size_t length = 0;
            arm_error arm;
            arm_error_init(&arm);
            agent_manifest other;
            agent_handoff_error ignored;
            if (arm_blob_get_bytes(hc->blob, hc->options->ingestion_container, name, &text, &length,
                                   &arm) == ARM_OK &&
                agent_manifest_parse(text, length, name, &other, &ignored) == AGENT_HANDOFF_OK) {
                same = !other.empty && strcmp(other.scope, m->scope) == 0 &&
                       strcasecmp(other.type, m->type) == 0;
                agent_manifest_dispose(&other);
            }
            free(text);
        }
        if (same)
            snprintf(detail, size, "%s %04d-%02d of %s is already ingested under %.*s", dataset,
                     m->year, m->month, m->scope, (int)folder_length, name);
    }
    items_free(items, count);
    return status;
}

/* Deletes the files of `run_id` (rollback) or, with keep_run, every other run's files. */
agent_handoff_status handoff_sweep_folder(handoff_context *hc, const char *destination,
                                          const char *run_id, bool keep_run,
                                          agent_handoff_error *error)
{
    char prefix[2100], own[300];
    snprintf(prefix, sizeof prefix, "%s/", destination);
    snprintf(own, sizeof own, "%s__", run_id);
    arm_blob_item *items = NULL;
    size_t count = 0;
    agent_handoff_status status =
        list_folder(hc, hc->options->ingestion_container, prefix, true, &items, &count, error);
    for (size_t i = 0; status == AGENT_HANDOFF_OK && i < count; i++) {
        const char *leaf = items[i].name + strlen(prefix);
        size_t n = strlen(leaf);
        if (n < 8 || strcmp(leaf + n - 8, ".parquet") != 0)
            continue; /* manifest.json stays */
        bool mine = strncmp(leaf, own, strlen(own)) == 0;
        if (mine == keep_run)
            continue;
        arm_error arm;
        arm_error_init(&arm);
        if (arm_blob_delete(hc->blob, hc->options->ingestion_container, items[i].name, NULL,
                            &arm) != ARM_OK &&
            arm.http_status != 404)
            status = handoff_storage_fail(error, "deleting", items[i].name, &arm);
    }
    items_free(items, count);
    return status;
}
