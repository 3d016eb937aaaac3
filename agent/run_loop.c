/* `hubagent run` without --once: the scheduled agent. It reconciles at start
 * and whenever settings.json changes, fires each tick when it falls, follows
 * the runs, backfills scopes added to the settings in between, and sleeps;
 * SIGTERM lets the step in hand finish (or leave it for the next start:
 * nothing is fired twice) and exits promptly. */
#include "agent/backfill.h"
#include "agent/cli.h"
#include "agent/log.h"
#include "agent/run_loop.h"
#include "agent/schedule.h"
#include "agent/stop.h"

#include <time.h>

static time_t earliest(time_t a, time_t b)
{
    return (b != 0 && b < a) ? b : a;
}

static size_t unfinished_runs(agent_state *state)
{
    agent_state_run *runs = NULL;
    size_t count = 0;
    if (agent_state_unfinished_runs(state, &runs, &count, NULL) != AGENT_STATE_OK)
        return 0;
    agent_state_runs_free(runs, count);
    return count;
}

/* Queues the history of scopes added to the settings (the backfill-new-scopes
 * option); true when some backfill month is open. */
static bool queue_new_scopes(agent_session *s, agent_state *state)
{
    agent_backfill_queue_new_scopes(state, s->value, &s->options.desired,
                                    agent_config_get(&s->config, AGENT_OPTION_BACKFILL_NEW_SCOPES),
                                    time(NULL));
    agent_state_backfill_item *items = NULL;
    size_t count = 0;
    if (agent_state_backfill_open_items(state, &items, &count, NULL) != AGENT_STATE_OK)
        return false;
    agent_state_backfill_items_free(items, count);
    return count > 0;
}

/* Drives the open backfill months until `until` (ticks come first: the loop
 * calls again after them); returns true while some are left open. */
static bool backfill_slice(agent_session *s, agent_state *state, time_t until)
{
    agent_backfill_options options = agent_session_backfill_options(s);
    options.until = (double)until;
    agent_backfill_report report;
    arm_error error;
    arm_error_init(&error);
    arm_status status = agent_backfill_drive(s->azure, state, &options, &report, &error);
    const agent_backfill_progress *t = &report.totals;
    if (t->completed + t->no_data + t->failed + t->run_calls > 0)
        agent_log(AGENT_LOG_INFO,
                  "backfill: %zu run calls, %zu completed, %zu no data, %zu failed; %zu open "
                  "(%.0f s throttled)",
                  t->run_calls, t->completed, t->no_data, t->failed, report.unfinished_count,
                  t->throttled_seconds);
    for (size_t i = 0; i < report.failed_count; i++)
        agent_log(AGENT_LOG_ERROR, "backfill failed: %s", report.failed[i]);
    if (status != ARM_OK) {
        char line[1024];
        agent_log(AGENT_LOG_ERROR, "backfill: %s", arm_error_format(&error, line, sizeof line));
    }
    /* A credential that failed may work again (a token service blip, a secret
     * fixed): the months stay open and the next slice tries again. */
    bool open = (status == ARM_OK || status == ARM_ERR_AUTH) && report.unfinished_count > 0;
    agent_backfill_report_dispose(&report);
    return open;
}

/* A reconcile that left scopes failed (a missing role, a credential that
 * failed) is tried again later, sooner at first: settings-interval, doubled
 * each time up to an hour, so a lasting failure costs little budget. */
typedef struct reconcile_retry {
    size_t failed;
    int attempts;
    time_t next;
} reconcile_retry;

static void reconcile(agent_session *s, agent_state *state, reconcile_retry *retry, int interval)
{
    retry->failed = agent_session_reconcile(s, state);
    if (s->settings_etag != NULL)
        agent_state_set_value(state, "settings.etag", s->settings_etag, NULL);
    retry->attempts = retry->failed ? retry->attempts + 1 : 0;
    int shift = retry->attempts < 7 ? retry->attempts - 1 : 6;
    long delay = retry->failed ? (long)interval << (shift > 0 ? shift : 0) : 0;
    retry->next = retry->failed ? time(NULL) + (delay < 3600 ? delay : 3600) : 0;
}

int agent_run_loop(agent_session *s, agent_state *state, bool skip_online_check)
{
    agent_schedule schedule;
    char why[256];
    if (!agent_schedule_parse(agent_config_get(&s->config, AGENT_OPTION_DAILY_SCHEDULE),
                              agent_config_get(&s->config, AGENT_OPTION_MONTHLY_SCHEDULE),
                              agent_config_get(&s->config, AGENT_OPTION_TIME_ZONE), &schedule, why,
                              sizeof why)) {
        agent_log(AGENT_LOG_ERROR, "%s", why);
        return AGENT_EXIT_FAILED;
    }
    agent_stop_install();
    s->log_events = true;
    int settings_interval = agent_config_get_int(&s->config, AGENT_OPTION_SETTINGS_INTERVAL);
    int poll_interval = agent_config_get_int(&s->config, AGENT_OPTION_POLL_INTERVAL);
    agent_log(AGENT_LOG_INFO, "hubagent %s started: %zu scopes, daily at %s, monthly on %s (%s)",
              HUBAGENT_VERSION, s->value->scope_count,
              agent_config_get(&s->config, AGENT_OPTION_DAILY_SCHEDULE),
              agent_config_get(&s->config, AGENT_OPTION_MONTHLY_SCHEDULE), schedule.time_zone);
    reconcile_retry retry = {0};
    reconcile(s, state, &retry, settings_interval);
    bool backfilling = queue_new_scopes(s, state);
    time_t next_settings_check = time(NULL) + settings_interval;
    while (!agent_stop_requested()) {
        /* Without a usable token every call fails alike: wait for the retry. */
        if (!s->credential_failed) {
            agent_session_run_ticks(s, state, NULL);
            /* Landed runs go to ingestion as soon as they are complete. */
            agent_handoff_after_tick(s->azure, state, s->value);
        }
        time_t now = time(NULL);
        time_t wake = next_settings_check;
        wake = earliest(wake, agent_schedule_next(&schedule, AGENT_TICK_DAILY, now));
        wake = earliest(wake, agent_schedule_next(&schedule, AGENT_TICK_MONTHLY, now));
        if (unfinished_runs(state) > 0)
            wake = earliest(wake, now + poll_interval);
        /* Backfill months fill the time up to the next tick or look at the settings. */
        if (backfilling && !s->credential_failed)
            backfilling = backfill_slice(s, state, wake);
        now = time(NULL);
        if (!agent_stop_sleep(wake > now ? (double)(wake - now) : 0))
            break;
        if (time(NULL) < next_settings_check)
            continue;
        next_settings_check = time(NULL) + settings_interval;
        bool changed = false;
        if (agent_session_reload_settings(s, skip_online_check, &changed) == AGENT_EXIT_OK &&
            changed) {
            agent_log(AGENT_LOG_INFO, "settings changed (%s): %zu scopes; reconciling",
                      s->settings_etag ? s->settings_etag : "?", s->value->scope_count);
            retry.attempts = 0;
            reconcile(s, state, &retry, settings_interval);
            backfilling = queue_new_scopes(s, state);
        } else if (retry.failed > 0 && time(NULL) >= retry.next) {
            agent_log(AGENT_LOG_INFO, "reconciling again: %zu scope%s failed last time",
                      retry.failed, retry.failed == 1 ? "" : "s");
            reconcile(s, state, &retry, settings_interval);
            backfilling = queue_new_scopes(s, state);
        }
    }
    agent_log(AGENT_LOG_INFO, "stopping: asked to stop; nothing is left half-done");
    return AGENT_EXIT_OK;
}
