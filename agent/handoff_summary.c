/* After the hand-off: retention of processed source data (as the hub applies it) and the
 * per scope × month summary that `ingest` and `status` print. */
#include "agent/handoff_int.h"

#include "agent/cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

agent_handoff_status handoff_apply_retention(handoff_context *c, agent_state *state,
                                             agent_handoff_error *error)
{
    if (c->options->retention_days > 0)
        return AGENT_HANDOFF_OK; /* the hub keeps source data forever then */
    char month[16];
    if (c->options->year > 0)
        snprintf(month, sizeof month, "%04d-%02d", c->options->year, c->options->month);
    agent_state_handoff *rows = NULL;
    size_t count = 0;
    agent_state_error state_error = {0};
    if (agent_state_list_handoffs(state, c->options->scope, c->options->year > 0 ? month : NULL,
                                  NULL, &rows, &count, &state_error) != AGENT_STATE_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, NULL, "%s", state_error.message);
    agent_handoff_status status = AGENT_HANDOFF_OK;
    for (size_t i = 0; i < count && status == AGENT_HANDOFF_OK; i++) {
        agent_state_handoff *row = &rows[i];
        /* Only runs that were processed: handed off (and maybe replaced since). */
        if (row->retention_done ||
            (strcmp(row->status, "handed-off") != 0 && strcmp(row->status, "replaced") != 0))
            continue;
        char *text = NULL;
        size_t length = 0;
        arm_error arm;
        arm_error_init(&arm);
        agent_manifest m;
        memset(&m, 0, sizeof m);
        bool gone = false;
        if (arm_blob_get_bytes(c->blob, c->options->source_container, row->manifest, &text, &length,
                               &arm) != ARM_OK) {
            if (arm.http_status != 404) {
                status = handoff_storage_fail(error, "reading", row->manifest, &arm);
                break;
            }
            gone = true; /* someone removed the run: nothing left to delete */
        }
        agent_handoff_error ignored;
        if (!gone &&
            agent_manifest_parse(text, length, row->manifest, &m, &ignored) != AGENT_HANDOFF_OK)
            gone = true;
        free(text);
        /* Only a manifest with the eTag handed off: a rewritten one is a new run. */
        for (size_t b = 0; !gone && b < m.blob_count && status == AGENT_HANDOFF_OK; b++) {
            arm_error_init(&arm);
            if (arm_blob_delete(c->blob, c->options->source_container, m.blobs[b].name, NULL,
                                &arm) == ARM_OK)
                c->report->retention_deleted++;
            else if (arm.http_status != 404)
                status = handoff_storage_fail(error, "deleting", m.blobs[b].name, &arm);
        }
        agent_manifest_dispose(&m);
        if (status == AGENT_HANDOFF_OK) {
            row->retention_done = true;
            row->updated_at = (int64_t)time(NULL);
            if (agent_state_put_handoff(state, row, &state_error) != AGENT_STATE_OK)
                status = agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, row->manifest, "%s",
                                            state_error.message);
        }
    }
    agent_state_handoffs_free(rows, count);
    return status;
}

static void print_json_row(FILE *out, const agent_state_handoff *r, bool first)
{
    const char *keys[] = {"scope",  "month",    "dataset",     "status",
                          "run_id", "manifest", "destination", "detail"};
    const char *values[] = {r->scope,  r->month,    r->dataset,     r->status,
                            r->run_id, r->manifest, r->destination, r->detail};
    fputs(first ? "\n  {" : ",\n  {", out);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        fprintf(out, "%s\"%s\": ", i ? ", " : "", keys[i]);
        if (values[i] == NULL)
            fputs("null", out);
        else
            agent_cli_print_json_string(out, values[i]);
    }
    fprintf(out, ", \"files\": %lld, \"rows\": %lld, \"updated_at\": %lld}", (long long)r->files,
            (long long)r->rows, (long long)r->updated_at);
}

agent_handoff_status agent_handoff_print_summary(agent_state *state, const char *scope,
                                                 const char *month, bool json, FILE *out,
                                                 agent_handoff_error *error)
{
    agent_state_handoff *rows = NULL;
    size_t count = 0;
    agent_state_error state_error = {0};
    if (agent_state_list_handoffs(state, scope, month, NULL, &rows, &count, &state_error) !=
        AGENT_STATE_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_STATE, NULL, "%s", state_error.message);
    if (json) {
        fputs("[", out);
        for (size_t i = 0; i < count; i++)
            print_json_row(out, &rows[i], i == 0);
        fputs(count ? "\n]\n" : "]\n", out);
    } else if (count == 0) {
        fprintf(out, "no runs handed off yet\n");
    } else {
        fprintf(out, "%-44s %-7s %-24s %-12s %-38s %5s %9s\n", "SCOPE", "MONTH", "DATASET",
                "STATUS", "RUN", "FILES", "ROWS");
        for (size_t i = 0; i < count; i++) {
            const agent_state_handoff *r = &rows[i];
            fprintf(out, "%-44s %-7s %-24s %-12s %-38s %5lld %9lld\n", r->scope ? r->scope : "-",
                    r->month ? r->month : "-", r->dataset ? r->dataset : "-", r->status,
                    r->run_id ? r->run_id : "-", (long long)r->files, (long long)r->rows);
            if (r->detail && strcmp(r->status, "handed-off") != 0)
                fprintf(out, "    %s: %s\n", r->manifest, r->detail);
        }
    }
    agent_state_handoffs_free(rows, count);
    return AGENT_HANDOFF_OK;
}
