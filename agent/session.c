/* The session plan and run share, and run's steps: reconcile and record,
 * fire the ticks and follow the runs. */
#include "agent/session.h"
#include "agent/datafactory.h"
#include "agent/log.h"
#include "agent/overlap_online.h"
#include "agent/runs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line of progress: stdout for a command, the log for the scheduled agent. */
static void say(const agent_session *s, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const agent_session *s, const char *format, ...)
{
    char line[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (s->log_events)
        agent_log(AGENT_LOG_INFO, "%s", line);
    else
        printf("%s\n", line);
}

static void forget_retired(agent_session *s)
{
    for (size_t i = 0; i < s->options.retired_count; i++)
        free(s->options.retired[i]);
    free(s->options.retired);
    s->options.retired = NULL;
    s->options.retired_count = 0;
}

void agent_session_dispose(agent_session *s)
{
    forget_retired(s);
    settings_free(s->value);
    free(s->settings_etag);
    agent_azure_free(s->azure);
    agent_config_dispose(&s->config);
}

static bool datasets_from(const char *list, bool enabled[AGENT_DATASET_COUNT])
{
    for (int d = 0; d < AGENT_DATASET_COUNT; d++)
        enabled[d] = false;
    char *copy = strdup(list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        agent_dataset dataset;
        if (agent_dataset_parse(item, &dataset))
            enabled[dataset] = true;
    }
    free(copy);
    return true;
}

/* Overlaps only Azure can see: a listed subscription under a listed billing
 * scope. Refused before anything changes, like the offline ones. */
static int check_online(agent_session *s, bool skip)
{
    if (skip) {
        fprintf(stderr, "hubagent: online overlap check skipped (--no-online-check)\n");
        return AGENT_EXIT_OK;
    }
    agent_online_ancestry *ancestry = NULL;
    arm_error error;
    arm_error_init(&error);
    if (agent_online_ancestry_build(s->azure, s->value, &ancestry, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr,
                "hubagent: online overlap check failed: %s\n"
                "hubagent: nothing was changed; give --no-online-check to go on without it\n",
                arm_error_format(&error, line, sizeof line));
        return AGENT_EXIT_FAILED;
    }
    settings_ancestry lookup = agent_online_ancestry_interface(ancestry);
    settings_report report;
    const char *source = agent_config_get(&s->config, AGENT_OPTION_SETTINGS);
    settings_report_init(&report, source ? source : "config/settings.json");
    settings_status status =
        settings_check_overlaps(s->value->scopes, s->value->scope_count, &lookup, &report);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    agent_online_ancestry_free(ancestry);
    if (status != SETTINGS_OK) {
        fprintf(stderr, "hubagent: settings rejected; nothing was changed\n");
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

int agent_session_open(agent_session *s, const agent_cli_args *args, bool skip_online_check)
{
    memset(s, 0, sizeof *s);
    if (agent_cli_load_config(args, &s->config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    static const agent_option required[] = {AGENT_OPTION_HUB_NAME, AGENT_OPTION_STORAGE_ACCOUNT_ID};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const agent_option_info *info = agent_option_describe(required[i]);
        if (agent_config_get(&s->config, required[i]) == NULL) {
            fprintf(stderr, "hubagent: --%s (or %s) is required\n", info->name, info->environment);
            return AGENT_EXIT_FAILED;
        }
    }
    arm_error error;
    arm_error_init(&error);
    if (agent_azure_open(&s->config, &s->azure, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr, "hubagent: cannot connect to Azure: %s\n",
                arm_error_format(&error, line, sizeof line));
        return AGENT_EXIT_FAILED;
    }
    settings_report report;
    const char *source = agent_config_get(&s->config, AGENT_OPTION_SETTINGS);
    settings_report_init(&report, source ? source : "config/settings.json");
    settings_status status =
        agent_settings_load(&s->config, s->azure, &s->value, &s->settings_etag, &report, &error);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    if (status != SETTINGS_OK) {
        char line[1024];
        if (error.status != ARM_OK)
            fprintf(stderr, "hubagent: cannot read settings: %s\n",
                    arm_error_format(&error, line, sizeof line));
        fprintf(stderr, "hubagent: settings rejected; nothing was changed\n");
        return AGENT_EXIT_FAILED;
    }
    if (check_online(s, skip_online_check) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    s->options.desired = agent_desired_options_default();
    s->options.desired.hub_name = agent_config_get(&s->config, AGENT_OPTION_HUB_NAME);
    s->options.desired.storage_account_id =
        agent_config_get(&s->config, AGENT_OPTION_STORAGE_ACCOUNT_ID);
    s->options.desired.focus_version = agent_config_get(&s->config, AGENT_OPTION_FOCUS_VERSION);
    datasets_from(agent_config_get(&s->config, AGENT_OPTION_DATASETS),
                  s->options.desired.dataset_enabled);
    s->options.concurrency = agent_config_get_int(&s->config, AGENT_OPTION_CONCURRENCY);
    return AGENT_EXIT_OK;
}

size_t agent_session_report_failures(const agent_scope_result *results, size_t count)
{
    size_t failed = 0, same_credential = 0;
    for (size_t i = 0; i < count; i++) {
        if (results[i].status == ARM_OK)
            continue;
        failed++;
        /* The credential fails every scope alike: said once, counted below. */
        bool credential = arm_error_is_credential_failure(results[i].status, &results[i].error);
        if (credential && same_credential++ > 0)
            continue;
        char line[1024];
        fprintf(stderr, "hubagent: %s: %s%s\n", results[i].plan.scope,
                credential ? "the credential failed: " : "",
                arm_error_format(&results[i].error, line, sizeof line));
    }
    if (same_credential > 1)
        fprintf(stderr, "hubagent: %zu more scopes failed the same way (the credential)\n",
                same_credential - 1);
    return failed;
}

/* What the agent now keeps, for status and the next run: each export's eTag
 * and the hash of the body it wants. */
static void record_exports(agent_state *state, const agent_scope_result *result)
{
    int64_t now = (int64_t)time(NULL);
    for (size_t a = 0; a < result->plan.count; a++) {
        const agent_action *action = &result->plan.actions[a];
        agent_state_error error;
        if (action->failed)
            continue;
        if (action->kind == AGENT_ACTION_DELETE) {
            agent_state_delete_export(state, result->plan.scope, action->name, &error);
            continue;
        }
        agent_state_export row = {result->plan.scope, action->name, action->etag,
                                  (char *)action->body_hash, now};
        if (agent_state_put_export(state, &row, &error) != AGENT_STATE_OK)
            fprintf(stderr, "hubagent: cannot record %s in the state: %s\n", action->name,
                    error.message);
    }
}

void agent_session_find_retired(agent_session *s, agent_state *state)
{
    forget_retired(s);
    agent_state_export *exports = NULL;
    size_t count = 0;
    if (state == NULL || agent_state_list_exports(state, &exports, &count, NULL) != AGENT_STATE_OK)
        return;
    for (size_t i = 0; i < count; i++) {
        const char *scope = exports[i].scope;
        if (agent_settings_find_scope(s->value, scope) != NULL ||
            !agent_desired_is_hub_export(s->options.desired.hub_name, exports[i].name))
            continue;
        bool known = false;
        for (size_t r = 0; r < s->options.retired_count && !known; r++)
            known = agent_scope_id_equal(s->options.retired[r], scope);
        char **grown =
            known ? NULL
                  : realloc(s->options.retired, (s->options.retired_count + 1) * sizeof *grown);
        if (grown != NULL) {
            s->options.retired = grown;
            if ((grown[s->options.retired_count] = strdup(scope)) != NULL)
                s->options.retired_count++;
        }
    }
    agent_state_exports_free(exports, count);
}

/* A retired scope the agent has pruned (or found gone: 404) keeps nothing in
 * the state but a delete that failed, to try again; so it is not called again. */
static void forget_retired_scope(agent_state *state, const agent_scope_result *result)
{
    bool gone = result->status != ARM_OK && result->error.http_status == 404;
    if (result->status != ARM_OK && !gone)
        return; /* not known: ask again next time */
    agent_state_export *exports = NULL;
    size_t count = 0;
    if (agent_state_list_exports(state, &exports, &count, NULL) != AGENT_STATE_OK)
        return;
    for (size_t i = 0; i < count; i++) {
        if (!agent_scope_id_equal(exports[i].scope, result->plan.scope))
            continue;
        bool retry = false;
        for (size_t a = 0; a < result->plan.count && !gone; a++)
            retry = retry || (result->plan.actions[a].failed &&
                              strcmp(result->plan.actions[a].name, exports[i].name) == 0);
        if (!retry)
            agent_state_delete_export(state, exports[i].scope, exports[i].name, NULL);
    }
    agent_state_exports_free(exports, count);
}

size_t agent_session_reconcile(agent_session *s, agent_state *state)
{
    agent_scope_result *results = NULL;
    arm_error error;
    arm_error_init(&error);
    if (s->options.prune)
        agent_session_find_retired(s, state);
    agent_reconcile(s->azure, s->value, &s->options, &results, &error);
    size_t total = agent_reconcile_result_count(s->value, &s->options);
    size_t created = 0, updated = 0, deleted = 0;
    s->credential_failed = false;
    for (size_t i = 0; i < total; i++) {
        const agent_scope_result *r = &results[i];
        s->credential_failed =
            s->credential_failed || arm_error_is_credential_failure(r->status, &r->error);
        created += r->created;
        updated += r->updated;
        deleted += r->deleted;
        if (r->status == ARM_OK)
            say(s, "%s: %zu created, %zu updated, %zu deleted", r->plan.scope, r->created,
                r->updated, r->deleted);
        record_exports(state, r);
        if (i >= s->value->scope_count)
            forget_retired_scope(state, r);
    }
    size_t failed = agent_session_report_failures(results, total);
    say(s, "Exports: %zu scopes, %zu failed; %zu exports created, %zu updated, %zu deleted.", total,
        failed, created, updated, deleted);
    agent_reconcile_results_free(results, total);
    return failed;
}

/* Fires the due ticks (or the forced one) and follows the runs. Returns the
 * number of failures (triggers and runs). */
size_t agent_session_run_ticks(agent_session *s, agent_state *state, const char *forced)
{
    agent_schedule schedule;
    char why[256];
    if (!agent_schedule_parse(agent_config_get(&s->config, AGENT_OPTION_DAILY_SCHEDULE),
                              agent_config_get(&s->config, AGENT_OPTION_MONTHLY_SCHEDULE),
                              agent_config_get(&s->config, AGENT_OPTION_TIME_ZONE), &schedule, why,
                              sizeof why)) {
        fprintf(stderr, "hubagent: %s\n", why);
        return 1;
    }
    agent_runs_options options = {
        .desired = s->options.desired,
        .concurrency = s->options.concurrency,
        .watch_seconds = agent_config_get_int(&s->config, AGENT_OPTION_WATCH),
        .poll_seconds = agent_config_get_int(&s->config, AGENT_OPTION_POLL_INTERVAL)};
    agent_runs_report report = {0};
    arm_error error;
    arm_error_init(&error);
    time_t now = time(NULL);
    for (int t = AGENT_TICK_DAILY; t <= AGENT_TICK_MONTHLY; t++) {
        agent_tick tick = (agent_tick)t;
        if (forced != NULL && strcasecmp(forced, agent_tick_name(tick)) != 0)
            continue;
        time_t at = forced ? now : agent_schedule_previous(&schedule, tick, now);
        agent_runs_tick(s->azure, state, s->value, &options, tick, at, &report, &error);
    }
    agent_runs_watch(s->azure, state, &options, &report, &error);
    say(s,
        "Runs: %zu triggered, %zu already ran this tick, %zu skipped (previous run still "
        "going), %zu not triggered; %zu completed, %zu no data, %zu failed, %zu still "
        "running.",
        report.triggered, report.already_ran, report.skipped_running, report.trigger_failed,
        report.completed, report.no_data, report.failed, report.unfinished);
    return report.trigger_failed + report.failed;
}

int agent_session_reload_settings(agent_session *s, bool skip_online_check, bool *out_changed)
{
    *out_changed = false;
    settings *fresh = NULL;
    char *etag = NULL;
    arm_error error;
    arm_error_init(&error);
    settings_report report;
    const char *source = agent_config_get(&s->config, AGENT_OPTION_SETTINGS);
    settings_report_init(&report, source ? source : "config/settings.json");
    settings_status status =
        agent_settings_load(&s->config, s->azure, &fresh, &etag, &report, &error);
    if (status == SETTINGS_OK && etag != NULL && s->settings_etag != NULL &&
        strcmp(etag, s->settings_etag) == 0) {
        settings_free(fresh);
        free(etag);
        settings_report_dispose(&report);
        return AGENT_EXIT_OK;
    }
    if (status != SETTINGS_OK) {
        for (size_t i = 0; i < report.count; i++)
            agent_log(AGENT_LOG_ERROR, "%s:%d:%d: %s", report.source, report.problems[i].line,
                      report.problems[i].column, report.problems[i].message);
        char line[1024];
        if (error.status != ARM_OK)
            agent_log(AGENT_LOG_ERROR, "cannot read settings: %s",
                      arm_error_format(&error, line, sizeof line));
        agent_log(AGENT_LOG_ERROR, "new settings rejected; the agent goes on with the ones it has");
        settings_report_dispose(&report);
        return AGENT_EXIT_FAILED;
    }
    settings_report_dispose(&report);
    settings *current = s->value;
    s->value = fresh;
    if (check_online(s, skip_online_check) != AGENT_EXIT_OK) {
        s->value = current;
        settings_free(fresh);
        free(etag);
        agent_log(AGENT_LOG_ERROR, "new settings rejected; the agent goes on with the ones it has");
        return AGENT_EXIT_FAILED;
    }
    settings_free(current);
    free(s->settings_etag);
    s->settings_etag = etag;
    *out_changed = true;
    return AGENT_EXIT_OK;
}

size_t agent_session_check_factory(agent_session *s, agent_state *state, bool take_over)
{
    agent_hub_factory factory;
    arm_error error;
    arm_error_init(&error);
    char line[1024];
    if (agent_hub_factory_inspect(s->azure, &s->config, &factory, &error) != ARM_OK) {
        say(s, "Note: could not look at the hub's Data Factory: %s",
            arm_error_format(&error, line, sizeof line));
        agent_hub_factory_dispose(&factory);
        return 0;
    }
    size_t started = factory.id ? agent_hub_factory_started_count(&factory) : 0;
    if (started == 0) {
        agent_hub_factory_dispose(&factory);
        return 0;
    }
    char names[256] = "";
    for (size_t t = 0; t < AGENT_EXPORT_TRIGGER_COUNT; t++)
        if (factory.started[t])
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     names[0] ? ", " : "", agent_export_triggers[t]);
    if (!take_over || state == NULL) {
        say(s,
            "Note: the hub's Data Factory %s has %s started: it runs this hub's exports too, so "
            "runs would happen twice. 'hubagent run --take-over' stops them (the ingestion "
            "triggers stay on); 'hubagent release' starts them again.",
            strrchr(factory.id, '/') + 1, names);
        agent_hub_factory_dispose(&factory);
        return 0;
    }
    size_t failed = 0;
    char stopped[256] = "";
    for (size_t t = 0; t < AGENT_EXPORT_TRIGGER_COUNT; t++) {
        if (!factory.started[t])
            continue;
        if (agent_hub_factory_set_trigger(s->azure, factory.id, agent_export_triggers[t], false,
                                          &error) != ARM_OK) {
            say(s, "Take-over: cannot stop %s: %s", agent_export_triggers[t],
                arm_error_format(&error, line, sizeof line));
            failed++;
            continue;
        }
        snprintf(stopped + strlen(stopped), sizeof stopped - strlen(stopped), "%s%s",
                 stopped[0] ? "," : "", agent_export_triggers[t]);
    }
    if (stopped[0] != '\0') {
        agent_state_set_value(state, "takeover.factory", factory.id, NULL);
        agent_state_set_value(state, "takeover.triggers", stopped, NULL);
        say(s,
            "Take-over: stopped %s in the hub's Data Factory %s; 'hubagent release' starts "
            "them again.",
            stopped, strrchr(factory.id, '/') + 1);
    }
    agent_hub_factory_dispose(&factory);
    return failed;
}

agent_backfill_options agent_session_backfill_options(const agent_session *s)
{
    agent_backfill_options options = agent_backfill_options_default();
    options.poll_seconds = agent_config_get_int(&s->config, AGENT_OPTION_POLL_INTERVAL);
    options.retry_seconds = options.poll_seconds;
    /* A lost run call shows in run history within seconds, or it was never made. */
    options.unknown_grace_seconds = options.poll_seconds * 2 < 3 ? 3 : options.poll_seconds * 2;
    if (options.unknown_grace_seconds > 30)
        options.unknown_grace_seconds = 30;
    options.scopes = s->value;
    if (s->config.sources[AGENT_OPTION_CONCURRENCY] != AGENT_SOURCE_DEFAULT)
        options.workers = s->options.concurrency;
    return options;
}
