/* The hand-off pass: find manifests in msexports, keep per destination folder only the newest
 * complete run, place its files, remove the other runs' files, copy the manifest LAST (the
 * Data Explorer stage fires on it), remember it by blob path + eTag, then apply retention.
 * Every step is repeatable, so a pass killed anywhere converges on the next one. */
#include "agent/handoff_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

agent_handoff_options agent_handoff_options_default(void)
{
    return (agent_handoff_options){.source_container = "msexports",
                                   .ingestion_container = "ingestion",
                                   .retention_days = 0,
                                   .incomplete_after_s = 3600,
                                   .wait_s = 0};
}

typedef struct candidate {
    char *path;
    char etag[80];
    char *text;
    size_t length;
    agent_manifest manifest;
    char destination[2048];
    char dataset[128];
    agent_state_handoff prior; /* the row of (path, eTag), when seen before */
    bool has_prior;
} candidate;

static void candidate_dispose(candidate *c)
{
    free(c->path);
    free(c->text);
    agent_manifest_dispose(&c->manifest);
    agent_state_handoff_dispose(&c->prior);
}

static bool is_final(const char *status)
{
    /* "conflict" is not final: once the other folder is dealt with, the run goes in. */
    static const char *const final[] = {"handed-off",  "replaced", "superseded",
                                        "quarantined", "empty",    "invalid"};
    for (size_t i = 0; status && i < sizeof final / sizeof final[0]; i++)
        if (strcmp(status, final[i]) == 0)
            return true;
    return false;
}

static void logf_(FILE *log, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void logf_(FILE *log, const char *format, ...)
{
    if (log == NULL)
        return;
    va_list args;
    va_start(args, format);
    fputs("hand-off: ", log);
    vfprintf(log, format, args);
    fputc('\n', log);
    va_end(args);
}

/* Saves the outcome of a candidate. */
static agent_handoff_status record(agent_state *state, candidate *c, const char *status,
                                   const char *detail, int64_t files, int64_t rows,
                                   agent_handoff_error *error)
{
    time_t now = time(NULL);
    char month[16] = "";
    if (c->manifest.year > 0)
        snprintf(month, sizeof month, "%04d-%02d", c->manifest.year, c->manifest.month);
    agent_state_handoff row = {
        .manifest = c->path,
        .etag = c->etag,
        .status = (char *)status,
        .scope = c->manifest.scope,
        .dataset = c->dataset[0] ? c->dataset : NULL,
        .month = month[0] ? month : NULL,
        .run_id = c->manifest.run_id,
        .submitted_time = c->manifest.submitted_time,
        .destination = c->destination[0] ? c->destination : NULL,
        .detail = (char *)detail,
        .files = files,
        .rows = rows,
        .first_seen = c->has_prior ? c->prior.first_seen : (int64_t)now,
        .updated_at = (int64_t)now,
        .retention_done = false,
    };
    agent_state_error state_error = {0};
    if (agent_state_put_handoff(state, &row, &state_error) != AGENT_STATE_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, c->path, "%s", state_error.message);
    return AGENT_HANDOFF_OK;
}

/* ---- Discovery --------------------------------------------------------------------------- */

static bool is_manifest(const char *name)
{
    size_t n = strlen(name);
    return n >= 13 && strcmp(name + n - 13, "manifest.json") == 0 &&
           strncmp(name, HANDOFF_QUARANTINE_PREFIX, strlen(HANDOFF_QUARANTINE_PREFIX)) != 0;
}

static agent_handoff_status discover(handoff_context *hc, agent_state *state, candidate **out,
                                     size_t *out_count, agent_handoff_error *error)
{
    *out = NULL;
    *out_count = 0;
    size_t capacity = 0;
    char *marker = NULL;
    agent_handoff_status status = AGENT_HANDOFF_OK;
    do {
        arm_blob_list_page page;
        arm_blob_list_page_init(&page);
        arm_error arm;
        arm_error_init(&arm);
        if (arm_blob_list(hc->blob, hc->options->source_container, hc->options->prefix, marker, 0,
                          &page, &arm) != ARM_OK) {
            free(marker);
            arm_blob_list_page_dispose(&page);
            /* No container yet: no export has landed, so there is nothing to hand off. */
            if (arm.http_status == 404 && strcmp(arm.code, "ContainerNotFound") == 0)
                return AGENT_HANDOFF_OK;
            return handoff_storage_fail(error, "listing", hc->options->source_container, &arm);
        }
        free(marker);
        marker = page.next_marker ? strdup(page.next_marker) : NULL;
        for (size_t i = 0; i < page.count && status == AGENT_HANDOFF_OK; i++) {
            if (!is_manifest(page.items[i].name))
                continue;
            if (*out_count == capacity) {
                capacity = capacity ? capacity * 2 : 16;
                candidate *grown = realloc(*out, capacity * sizeof *grown);
                if (grown == NULL) {
                    status = agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, NULL, "no memory");
                    break;
                }
                *out = grown;
            }
            candidate *c = &(*out)[(*out_count)++];
            memset(c, 0, sizeof *c);
            c->path = strdup(page.items[i].name);
            snprintf(c->etag, sizeof c->etag, "%s", page.items[i].props.etag);
            agent_state_error state_error = {0};
            agent_state_status got =
                agent_state_get_handoff(state, c->path, c->etag, &c->prior, &state_error);
            if (got == AGENT_STATE_OK)
                c->has_prior = true;
            else if (got != AGENT_STATE_E_NOT_FOUND)
                status = agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, c->path, "%s",
                                            state_error.message);
        }
        arm_blob_list_page_dispose(&page);
    } while (marker != NULL && status == AGENT_HANDOFF_OK);
    free(marker);
    return status;
}

/* Reads and parses a candidate's manifest; false when it is not to be handed off now. */
static bool load(handoff_context *hc, agent_state *state, candidate *c, agent_handoff_error *error)
{
    const agent_handoff_options *o = hc->options;
    arm_error arm;
    arm_error_init(&arm);
    if (arm_blob_get_bytes(hc->blob, o->source_container, c->path, &c->text, &c->length, &arm) !=
        ARM_OK) {
        handoff_storage_fail(error, "reading", c->path, &arm);
        logf_(hc->log, "%s", error->message);
        hc->report->failed++;
        return false;
    }
    agent_handoff_error parse_error;
    agent_handoff_error_init(&parse_error);
    if (agent_manifest_parse(c->text, c->length, c->path, &c->manifest, &parse_error) !=
        AGENT_HANDOFF_OK) {
        logf_(hc->log, "invalid manifest: %s", parse_error.message);
        hc->report->invalid++;
        record(state, c, "invalid", parse_error.message, 0, -1, error);
        return false;
    }
    if (c->manifest.empty) {
        /* The hub never fires on these (#2057); say so instead of staying silent. */
        logf_(hc->log, "%s: empty manifest, nothing to hand off", c->path);
        hc->report->empty++;
        record(state, c, "empty", "0-byte or {} manifest", 0, -1, error);
        return false;
    }
    const agent_manifest *m = &c->manifest;
    /* A run's files sit in its manifest's folder. Anything else is refused: retention would
     * delete what the manifest lists, and it must never reach another run's data. */
    const char *slash = strrchr(c->path, '/');
    size_t folder = slash ? (size_t)(slash - c->path) + 1 : 0;
    for (size_t i = 0; i < m->blob_count; i++) {
        const char *name = m->blobs[i].name;
        if (strncmp(name, c->path, folder) != 0 || strstr(name, "..") != NULL ||
            strchr(name + folder, '/') != NULL) {
            char why[1400];
            snprintf(why, sizeof why, "%s: blobs[%zu] '%s' is not in the manifest's folder",
                     c->path, i, name);
            logf_(hc->log, "invalid manifest: %s", why);
            hc->report->invalid++;
            record(state, c, "invalid", why, 0, -1, error);
            return false;
        }
    }
    if (o->scope != NULL && strcasecmp(o->scope, m->scope) != 0)
        return false;
    if (o->year > 0 && (m->year != o->year || m->month != o->month))
        return false;
    agent_manifest_dataset_folder(m->type, c->dataset, sizeof c->dataset);
    if (!agent_manifest_destination(m, c->destination, sizeof c->destination)) {
        hc->report->invalid++;
        record(state, c, "invalid", "destination folder name too long", 0, -1, error);
        return false;
    }
    return true;
}

static int by_destination_newest_first(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    int d = strcmp(x->destination, y->destination);
    if (d != 0)
        return d;
    d = strcmp(y->manifest.submitted_time, x->manifest.submitted_time);
    return d != 0 ? d : strcmp(y->path, x->path);
}

/* ---- One run --------------------------------------------------------------------------- */

/* Every listed blob present with its listed size? `detail` says what is not. */
static agent_handoff_status check_complete(handoff_context *hc, const candidate *c, bool *complete,
                                           char *detail, size_t size, agent_handoff_error *error)
{
    *complete = true;
    for (size_t i = 0; i < c->manifest.blob_count; i++) {
        const agent_manifest_blob *b = &c->manifest.blobs[i];
        arm_blob_properties props;
        arm_error arm;
        arm_error_init(&arm);
        if (arm_blob_head(hc->blob, hc->options->source_container, b->name, &props, &arm) !=
            ARM_OK) {
            if (arm.http_status != 404)
                return handoff_storage_fail(error, "reading", b->name, &arm);
            snprintf(detail, size, "%s is missing", b->name);
            *complete = false;
            return AGENT_HANDOFF_OK;
        }
        if (props.content_length != b->byte_count) {
            snprintf(detail, size, "%s has %llu bytes, the manifest says %llu", b->name,
                     (unsigned long long)props.content_length, (unsigned long long)b->byte_count);
            *complete = false;
            return AGENT_HANDOFF_OK;
        }
    }
    return AGENT_HANDOFF_OK;
}

static void sleep_seconds(int seconds)
{
    struct timespec ts = {seconds, 0};
    nanosleep(&ts, NULL);
}

typedef enum outcome { PLACED, WAITING, INCOMPLETE, QUARANTINED, CONFLICT, FAILED } outcome;

static outcome place_run(handoff_context *hc, agent_state *state, candidate *c,
                         agent_handoff_error *error)
{
    const agent_manifest *m = &c->manifest;
    char detail[1200] = "";
    bool complete = false;
    time_t deadline = time(NULL) + hc->options->wait_s;
    for (;;) {
        if (check_complete(hc, c, &complete, detail, sizeof detail, error) != AGENT_HANDOFF_OK) {
            logf_(hc->log, "%s: failed (retried next pass): %s", c->path, error->message);
            return FAILED;
        }
        if (complete || time(NULL) >= deadline)
            break;
        sleep_seconds(1);
    }
    if (!complete) {
        int64_t first = c->has_prior ? c->prior.first_seen : (int64_t)time(NULL);
        bool overdue = (int64_t)time(NULL) - first >= hc->options->incomplete_after_s;
        record(state, c, overdue ? "incomplete" : "waiting", detail, 0, -1, error);
        logf_(hc->log, "%s: %s: %s", c->path, overdue ? "incomplete" : "waiting", detail);
        return overdue ? INCOMPLETE : WAITING;
    }
    if (handoff_find_conflict(hc, &c->manifest, c->dataset, c->destination, detail, sizeof detail,
                              error) != AGENT_HANDOFF_OK) {
        logf_(hc->log, "%s: failed (retried next pass): %s", c->path, error->message);
        return FAILED;
    }
    if (detail[0]) {
        record(state, c, "conflict", detail, 0, -1, error);
        logf_(hc->log, "%s: not handed off: %s", c->path, detail);
        return CONFLICT;
    }
    if (hc->options->adf != NULL) {
        char adf_run[80];
        bool succeeded = false;
        if (handoff_adf_run(hc, c->path, adf_run, sizeof adf_run, &succeeded, detail, sizeof detail,
                            error) != AGENT_HANDOFF_OK) {
            record(state, c, "failed", error->message, 0, -1, error);
            logf_(hc->log, "%s: failed (retried next pass): %s", c->path, error->message);
            return FAILED;
        }
        record(state, c, succeeded ? "handed-off" : "failed", detail, (int64_t)m->blob_count,
               m->row_count, error);
        logf_(hc->log, "%s: %s", c->path, detail);
        if (!succeeded)
            return FAILED;
        agent_state_error replace_error = {0};
        agent_state_replace_handoffs(state, c->destination, c->path, c->etag, &replace_error);
        return PLACED;
    }
    int64_t rows = 0;
    bool rows_known = true;
    agent_handoff_status status = AGENT_HANDOFF_OK;
    for (size_t i = 0; i < m->blob_count && status == AGENT_HANDOFF_OK; i++) {
        int64_t file_rows = -1;
        status = handoff_place_file(hc, m, &m->blobs[i], c->destination, &file_rows, error);
        if (status == AGENT_HANDOFF_E_CHECK) {
            char reason[1100];
            snprintf(reason, sizeof reason, "%s", error->message);
            agent_handoff_error move_error;
            agent_handoff_error_init(&move_error);
            if (handoff_quarantine(hc, m->blobs[i].name, c->path, reason, &move_error) !=
                AGENT_HANDOFF_OK)
                logf_(hc->log, "quarantining %s failed: %s", m->blobs[i].name, move_error.message);
            handoff_sweep_folder(hc, c->destination, m->run_id, false, &move_error);
            record(state, c, "quarantined", reason, 0, -1, &move_error);
            logf_(hc->log, "%s: quarantined: %s", c->path, reason);
            return QUARANTINED;
        }
        if (status != AGENT_HANDOFF_OK) {
            /* Take back what this run placed so far; the next pass starts over. */
            agent_handoff_error rollback_error;
            agent_handoff_error_init(&rollback_error);
            handoff_sweep_folder(hc, c->destination, m->run_id, false, &rollback_error);
            break;
        }
        rows_known = rows_known && file_rows >= 0;
        rows += file_rows;
    }
    if (status == AGENT_HANDOFF_OK && rows_known && m->row_count >= 0 && rows != m->row_count) {
        char reason[600];
        snprintf(reason, sizeof reason, "the files hold %lld data rows, the manifest says %lld",
                 (long long)rows, (long long)m->row_count);
        handoff_sweep_folder(hc, c->destination, m->run_id, false, error);
        record(state, c, "quarantined", reason, 0, -1, error);
        logf_(hc->log, "%s: quarantined: %s", c->path, reason);
        return QUARANTINED;
    }
    /* Other runs' files go before the manifest is copied: the next stage sees one run. */
    if (status == AGENT_HANDOFF_OK)
        status = handoff_sweep_folder(hc, c->destination, m->run_id, true, error);
    if (status == AGENT_HANDOFF_OK) {
        char target[2100];
        snprintf(target, sizeof target, "%s/manifest.json", c->destination);
        arm_blob_source source = {.data = c->text, .data_len = c->length, .length = c->length};
        arm_error arm;
        arm_error_init(&arm);
        if (arm_blob_put(hc->blob, hc->options->ingestion_container, target, &source,
                         "application/json", NULL, NULL, &arm) != ARM_OK)
            status = handoff_storage_fail(error, "writing", target, &arm);
    }
    if (status != AGENT_HANDOFF_OK) {
        record(state, c, "failed", error->message, 0, -1, error);
        logf_(hc->log, "%s: failed (retried next pass): %s", c->path, error->message);
        return FAILED;
    }
    if (record(state, c, "handed-off",
               m->has_no_rows ? "the hub would have skipped this run (no rows / null row count)"
                              : NULL,
               (int64_t)m->blob_count, rows_known ? rows : -1, error) != AGENT_HANDOFF_OK)
        return FAILED;
    agent_state_error state_error = {0};
    if (agent_state_replace_handoffs(state, c->destination, c->path, c->etag, &state_error) !=
        AGENT_STATE_OK) {
        agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, c->path, "%s", state_error.message);
        return FAILED;
    }
    logf_(hc->log, "%s → %s/%s: %zu files, %lld rows (run %s)", c->path,
          hc->options->ingestion_container, c->destination, m->blob_count,
          rows_known ? (long long)rows : -1LL, m->run_id);
    return PLACED;
}

/* ---- The pass ------------------------------------------------------------------------- */

static bool supersedes(const agent_state_handoff *current, const candidate *c)
{
    if (current->run_id && c->manifest.run_id && strcmp(current->run_id, c->manifest.run_id) == 0)
        return true; /* the same run again (a rewritten or copied manifest) */
    return current->submitted_time &&
           strcmp(current->submitted_time, c->manifest.submitted_time) > 0;
}

static void handle_group(handoff_context *hc, agent_state *state, candidate *group, size_t count,
                         agent_handoff_error *error)
{
    agent_state_handoff current;
    agent_state_error state_error = {0};
    bool has_current = agent_state_current_handoff(state, group[0].destination, &current,
                                                   &state_error) == AGENT_STATE_OK;
    bool placed = false, blocked = false;
    const char *placed_run = NULL;
    for (size_t i = 0; i < count; i++) {
        candidate *c = &group[i];
        if (placed || (has_current && supersedes(&current, c))) {
            char detail[2600];
            snprintf(detail, sizeof detail, "run %s is the one handed off to %s",
                     placed ? placed_run : current.run_id, c->destination);
            record(state, c, "superseded", detail, 0, -1, error);
            logf_(hc->log, "%s: superseded: %s", c->path, detail);
            hc->report->superseded++;
            continue;
        }
        if (blocked)
            continue; /* a newer run of this month waits: older ones wait behind it */
        switch (place_run(hc, state, c, error)) {
        case PLACED:
            placed = true;
            placed_run = c->manifest.run_id;
            hc->report->handed_off++;
            break;
        case WAITING:
            hc->report->waiting++;
            blocked = true;
            break;
        case INCOMPLETE:
            hc->report->incomplete++;
            blocked = true;
            break;
        case QUARANTINED:
            hc->report->quarantined++;
            break;
        case CONFLICT:
            hc->report->conflicts++;
            blocked = true;
            break;
        case FAILED:
            hc->report->failed++;
            blocked = true;
            break;
        }
    }
    if (has_current)
        agent_state_handoff_dispose(&current);
}

agent_handoff_status agent_handoff_run(arm_blob_client *blob, agent_state *state,
                                       const agent_handoff_options *options, FILE *log,
                                       agent_handoff_report *out_report, agent_handoff_error *error)
{
    memset(out_report, 0, sizeof *out_report);
    handoff_context hc = {.blob = blob, .options = options, .log = log, .report = out_report};
    arm_error arm;
    arm_error_init(&arm);
    if (arm_blob_create_container(blob, options->ingestion_container, NULL, &arm) != ARM_OK)
        return handoff_storage_fail(error, "creating container", options->ingestion_container,
                                    &arm);
    candidate *all = NULL;
    size_t count = 0;
    agent_handoff_status status = discover(&hc, state, &all, &count, error);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        candidate *c = &all[i];
        out_report->manifests++;
        bool keep = false;
        if (status == AGENT_HANDOFF_OK) {
            if (c->has_prior && is_final(c->prior.status)) {
                out_report->already++;
            } else {
                agent_handoff_error load_error;
                agent_handoff_error_init(&load_error);
                keep = load(&hc, state, c, &load_error);
                if (load_error.status == AGENT_HANDOFF_E_STATE)
                    status = agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, c->path, "%s",
                                                load_error.message);
            }
        }
        if (keep)
            all[kept++] = *c;
        else
            candidate_dispose(c);
    }
    if (kept > 1)
        qsort(all, kept, sizeof *all, by_destination_newest_first);
    for (size_t i = 0; i < kept && status == AGENT_HANDOFF_OK;) {
        size_t j = i + 1;
        while (j < kept && strcmp(all[j].destination, all[i].destination) == 0)
            j++;
        agent_handoff_error run_error;
        agent_handoff_error_init(&run_error);
        handle_group(&hc, state, all + i, j - i, &run_error);
        if (run_error.status == AGENT_HANDOFF_E_STATE)
            status = agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, run_error.where, "%s",
                                        run_error.message);
        i = j;
    }
    for (size_t i = 0; i < kept; i++)
        candidate_dispose(&all[i]);
    free(all);
    /* With Data Factory the hub's pipeline applies retention itself. */
    if (status == AGENT_HANDOFF_OK && options->adf == NULL)
        status = handoff_apply_retention(&hc, state, error);
    return status;
}
