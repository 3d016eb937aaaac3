/* What the scheduled agent backfills by itself: the history of scopes added to
 * the settings. The state remembers the scopes it last saw, so a scope added
 * while the agent was down is found at its next start as well. */
#include "agent/backfill.h"
#include "agent/log.h"

#include <stdlib.h>
#include <string.h>

#define KNOWN_SCOPES_KEY "backfill.known-scopes"

/* The scope ids, one per line (the settings' normalised form). */
static char *scope_list(const settings *value)
{
    size_t length = 1;
    for (size_t i = 0; i < value->scope_count; i++)
        length += strlen(value->scopes[i].scope) + 1;
    char *text = malloc(length);
    if (text == NULL)
        return NULL;
    text[0] = '\0';
    char *end = text;
    for (size_t i = 0; i < value->scope_count; i++)
        end += sprintf(end, "%s\n", value->scopes[i].scope);
    return text;
}

static bool listed(const char *list, const char *scope)
{
    for (const char *line = list; line != NULL && *line != '\0';) {
        const char *next = strchr(line, '\n');
        size_t length = next ? (size_t)(next - line) : strlen(line);
        char id[1024];
        if (length < sizeof id) {
            memcpy(id, line, length);
            id[length] = '\0';
            if (agent_scope_id_equal(id, scope))
                return true;
        }
        line = next ? next + 1 : NULL;
    }
    return false;
}

/* The scheduled run of a new monthly export (fired as soon as the export
 * exists) already covers last month: that month is not run a second time by
 * the backfill. (Should the export stay uncreatable until the month turns,
 * that month is left to `hubagent backfill`.) */
static bool covered_by_tick(const settings *view, const agent_desired_options *desired,
                            const agent_state_backfill_item *item, const char *last_month)
{
    if (strcmp(item->month, last_month) != 0)
        return false;
    const settings_scope *scope = agent_settings_find_scope(view, item->scope);
    agent_desired_set set;
    if (scope == NULL || agent_desired_for_scope(scope, desired, &set, NULL, 0) != AGENT_DESIRED_OK)
        return false;
    bool monthly = false;
    for (size_t i = 0; i < set.count; i++)
        if (strcmp(set.exports[i].name, item->export_name) == 0)
            monthly = strcmp(set.exports[i].recurrence, "Monthly") == 0;
    agent_desired_set_dispose(&set);
    return monthly;
}

/* Queues the default window of history for the scopes of `view`. */
static bool queue(agent_state *state, const settings *view, const agent_desired_options *desired,
                  time_t now, size_t *out_added)
{
    agent_month *months = NULL;
    size_t month_count = 0;
    char why[300];
    agent_month_range_request range = {.default_months = view->retention.ingestion_months};
    agent_state_backfill_item *items = NULL;
    size_t count = 0;
    bool ok = agent_month_range(&range, now, &months, &month_count, why, sizeof why) &&
              agent_backfill_plan(view, desired, months, month_count, now, &items, &count, why,
                                  sizeof why);
    if (!ok) {
        agent_log(AGENT_LOG_ERROR, "backfill of new scopes: %s", why);
        free(months);
        return false;
    }
    /* Newest first: months[0] is last month. */
    char newest[16] = "-", oldest[16] = "-";
    if (month_count > 0) {
        agent_month_format(months[0], newest, sizeof newest);
        agent_month_format(months[month_count - 1], oldest, sizeof oldest);
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (covered_by_tick(view, desired, &items[i], newest))
            agent_state_backfill_item_dispose(&items[i]);
        else
            items[kept++] = items[i];
    }
    count = kept;
    char request[256];
    snprintf(request, sizeof request, "run: %zu scope%s added to the settings, %s..%s",
             view->scope_count, view->scope_count == 1 ? "" : "s", oldest, newest);
    agent_state_backfill_enqueued queued = {0};
    agent_state_error error = {0};
    ok = agent_state_backfill_enqueue(state, request, items, count, false, (int64_t)now, &queued,
                                      &error) == AGENT_STATE_OK;
    if (!ok)
        agent_log(AGENT_LOG_ERROR, "backfill of new scopes: cannot record the job: %s",
                  error.message);
    else
        agent_log(AGENT_LOG_INFO,
                  "backfill: %s: %zu month runs queued (job %lld), %zu already queued, %zu "
                  "already done",
                  request + strlen("run: "), queued.added, (long long)queued.job_id, queued.joined,
                  queued.already_done);
    *out_added = ok ? queued.added : 0;
    agent_state_backfill_items_free(items, count);
    free(months);
    return ok;
}

size_t agent_backfill_queue_new_scopes(agent_state *state, const settings *value,
                                       const agent_desired_options *desired, const char *mode,
                                       time_t now)
{
    char *known = NULL;
    agent_state_error error = {0};
    agent_state_status status = agent_state_get_value(state, KNOWN_SCOPES_KEY, &known, &error);
    if (status != AGENT_STATE_OK && status != AGENT_STATE_E_NOT_FOUND) {
        agent_log(AGENT_LOG_ERROR, "backfill of new scopes: %s", error.message);
        return 0;
    }
    bool first_start = status == AGENT_STATE_E_NOT_FOUND;
    settings view = *value;
    view.scopes = calloc(value->scope_count ? value->scope_count : 1, sizeof *view.scopes);
    view.scope_count = 0;
    bool wanted = mode != NULL && strcmp(mode, "off") != 0;
    for (size_t i = 0; wanted && view.scopes != NULL && i < value->scope_count; i++) {
        bool added =
            first_start ? strcmp(mode, "all") == 0 : !listed(known, value->scopes[i].scope);
        if (added)
            view.scopes[view.scope_count++] = value->scopes[i];
    }
    if (first_start && wanted && view.scope_count == 0)
        agent_log(AGENT_LOG_INFO,
                  "backfill: first start with this state: %zu scopes noted; scopes added from now "
                  "on are backfilled (`hubagent backfill` fills the history of these)",
                  value->scope_count);
    size_t added = 0;
    bool queued =
        view.scopes != NULL && (view.scope_count == 0 || queue(state, &view, desired, now, &added));
    /* Noted only once queued: a failure is tried again at the next look. */
    char *list = queued ? scope_list(value) : NULL;
    if (list != NULL &&
        agent_state_set_value(state, KNOWN_SCOPES_KEY, list, &error) != AGENT_STATE_OK)
        agent_log(AGENT_LOG_ERROR, "backfill of new scopes: cannot note the scopes: %s",
                  error.message);
    free(list);
    free(view.scopes);
    free(known);
    return added;
}
