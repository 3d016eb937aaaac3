/* Ticks and runs. Cost Management's run call returns no run id, so a run the
 * agent fired is found afterwards in the export's run history (submitted
 * after the trigger, same data period) and followed there until it ends. */
#include "agent/runs.h"
#include "agent/pool.h"
#include "agent/stop.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Clocks differ: a run submitted this long before our trigger still counts. */
#define CLOCK_SKEW_SECONDS 120

bool agent_run_status_is_final(const char *status)
{
    static const char *const finals[] = {
        "Completed", "Failed", "Timeout", "DataNotAvailable", "NewDataNotAvailable", NULL};
    for (size_t i = 0; status != NULL && finals[i] != NULL; i++)
        if (strcasecmp(status, finals[i]) == 0)
            return true;
    return false;
}

static time_t parse_time(const char *text)
{
    struct tm tm = {0};
    if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return 0;
    return timegm(&tm);
}

static bool same_day(const char *a, const char *b)
{
    return a != NULL && b != NULL && strncmp(a, b, 10) == 0;
}

static const char *run_id_of(const arm_export_run *run)
{
    const char *slash = run->id ? strrchr(run->id, '/') : NULL;
    return slash ? slash + 1 : run->id;
}

/* The history entry that is this run: its id once known, else the first one
 * submitted after the trigger for the same period. */
static const arm_export_run *match_run(const arm_export_run_list *history,
                                       const agent_state_run *run)
{
    const arm_export_run *best = NULL;
    time_t best_time = 0;
    for (size_t i = 0; i < history->count; i++) {
        const arm_export_run *item = &history->items[i];
        const char *id = run_id_of(item);
        if (run->run_id != NULL) {
            if (id != NULL && strcasecmp(id, run->run_id) == 0)
                return item;
            continue;
        }
        time_t submitted = parse_time(item->submitted_time);
        if (submitted < run->triggered_at - CLOCK_SKEW_SECONDS)
            continue;
        if (run->period_from != NULL && !same_day(item->start_date, run->period_from))
            continue;
        if (best == NULL || submitted < best_time) {
            best = item;
            best_time = submitted;
        }
    }
    return best;
}

/* Brings a recorded run up to date from the export's run history. */
static arm_status refresh_run(arm_exports_client *client, agent_state *state, agent_state_run *run,
                              arm_error *err)
{
    arm_export_run_list history = {0};
    arm_status status =
        arm_exports_run_history(client, run->scope, run->export_name, &history, err);
    if (status != ARM_OK)
        return status;
    const arm_export_run *item = match_run(&history, run);
    if (item != NULL) {
        char *run_id = strdup(run_id_of(item) ? run_id_of(item) : "");
        char *run_status = strdup(item->status ? item->status : "Unknown");
        char *message = item->error_message ? strdup(item->error_message) : NULL;
        free(run->run_id);
        free(run->status);
        free(run->error);
        run->run_id = run_id;
        run->status = run_status;
        run->error = message;
        if (agent_run_status_is_final(run->status))
            run->finished_at = (int64_t)time(NULL);
        agent_state_error state_error;
        if (agent_state_update_run(state, run, &state_error) != AGENT_STATE_OK)
            status =
                arm_error_set(err, ARM_ERR_IO, "cannot record the run: %s", state_error.message);
    }
    arm_export_run_list_dispose(&history);
    return status;
}

typedef struct tick_work {
    agent_state *state;
    const settings *value;
    const agent_runs_options *options;
    agent_tick tick;
    time_t tick_at;
    agent_runs_report *report;
    pthread_mutex_t lock;
    bool credential_failed; /* no usable token: nothing more is fired this tick */
} tick_work;

static void count(tick_work *work, size_t *counter)
{
    pthread_mutex_lock(&work->lock);
    (*counter)++;
    pthread_mutex_unlock(&work->lock);
}

/* True (under the lock) once a run call failed for want of a usable token; the first
 * caller to see it says so, once for all. */
static bool credential_gone(tick_work *work, const arm_error *error)
{
    pthread_mutex_lock(&work->lock);
    bool first = error != NULL && !work->credential_failed;
    if (first) {
        work->credential_failed = true;
        work->report->trigger_failed++;
    }
    bool gone = work->credential_failed;
    pthread_mutex_unlock(&work->lock);
    if (first) {
        char line[1024];
        fprintf(stderr, "hubagent: runs not triggered: the credential failed: %s\n",
                arm_error_format(error, line, sizeof line));
    }
    return gone;
}

static void report_failure(const char *scope, const char *name, const char *what,
                           const arm_error *error)
{
    char line[1024];
    fprintf(stderr, "hubagent: %s: %s: %s: %s\n", scope, name, what,
            arm_error_format(error, line, sizeof line));
}

/* True when the export's previous run is still going (after a fresh look). */
static bool still_running(arm_exports_client *client, agent_state *state, const char *scope,
                          const char *name)
{
    agent_state_run last;
    if (agent_state_last_run(state, scope, name, NULL, &last, NULL) != AGENT_STATE_OK)
        return false;
    bool running = last.finished_at == 0;
    if (running) {
        arm_error error;
        arm_error_init(&error);
        if (refresh_run(client, state, &last, &error) == ARM_OK)
            running = last.finished_at == 0;
    }
    agent_state_run_dispose(&last);
    return running;
}

static const char *tick_reason(agent_tick tick)
{
    return tick == AGENT_TICK_DAILY ? "daily" : "monthly";
}

static bool ran_for_tick(tick_work *work, const char *scope, const char *name)
{
    agent_state_run last;
    if (agent_state_last_run(work->state, scope, name, tick_reason(work->tick), &last, NULL) !=
        AGENT_STATE_OK)
        return false;
    bool ran = last.triggered_at >= (int64_t)work->tick_at;
    agent_state_run_dispose(&last);
    return ran;
}

static void tick_scope(void *ctx, size_t item, arm_exports_client *client, arm_status setup_status,
                       const arm_error *setup_error)
{
    tick_work *work = ctx;
    const settings_scope *scope = &work->value->scopes[item];
    if (agent_stop_requested())
        return; /* not fired: the next tick or run fires it */
    agent_desired_set desired;
    if (agent_desired_for_scope(scope, &work->options->desired, &desired, NULL, 0) !=
        AGENT_DESIRED_OK)
        return;
    const char *recurrence = agent_tick_name(work->tick);
    for (size_t e = 0; e < desired.count && !agent_stop_requested(); e++) {
        const agent_desired_export *export_ = &desired.exports[e];
        if (strcmp(export_->recurrence, recurrence) != 0)
            continue;
        if (credential_gone(work, NULL))
            break; /* not fired: the next tick fires it once the credential works */
        if (client == NULL) {
            report_failure(scope->scope, export_->name, "run not triggered", setup_error);
            count(work, &work->report->trigger_failed);
            (void)setup_status;
            continue;
        }
        if (ran_for_tick(work, scope->scope, export_->name)) {
            count(work, &work->report->already_ran);
            continue;
        }
        if (still_running(client, work->state, scope->scope, export_->name)) {
            count(work, &work->report->skipped_running);
            continue;
        }
        arm_error error;
        arm_error_init(&error);
        int64_t now = (int64_t)time(NULL);
        arm_status run_status =
            arm_exports_run(client, scope->scope, export_->name, NULL, NULL, &error);
        if (run_status == ARM_ERR_CANCELLED)
            break; /* asked to stop before it was sent: not fired, the next start fires it */
        if (run_status != ARM_OK && arm_error_is_credential_failure(run_status, &error)) {
            credential_gone(work, &error);
            break;
        }
        if (run_status != ARM_OK) {
            report_failure(scope->scope, export_->name, "run not triggered", &error);
            count(work, &work->report->trigger_failed);
            continue;
        }
        agent_state_run run = {.scope = (char *)scope->scope,
                               .export_name = export_->name,
                               .reason = (char *)tick_reason(work->tick),
                               .status = "Triggered",
                               .triggered_at = now};
        agent_state_error state_error;
        if (agent_state_insert_run(work->state, &run, &state_error) != AGENT_STATE_OK)
            fprintf(stderr, "hubagent: %s: %s: the run was triggered but not recorded: %s\n",
                    scope->scope, export_->name, state_error.message);
        count(work, &work->report->triggered);
    }
    agent_desired_set_dispose(&desired);
}

arm_status agent_runs_tick(agent_azure *azure, agent_state *state, const settings *value,
                           const agent_runs_options *options, agent_tick tick, time_t tick_at,
                           agent_runs_report *report, arm_error *err)
{
    (void)err;
    tick_work work = {.state = state,
                      .value = value,
                      .options = options,
                      .tick = tick,
                      .tick_at = tick_at,
                      .report = report};
    pthread_mutex_init(&work.lock, NULL);
    agent_pool_run(azure, value->scope_count, options->concurrency, tick_scope, &work);
    pthread_mutex_destroy(&work.lock);
    return ARM_OK;
}

typedef struct watch_work {
    agent_state *state;
    agent_state_run *runs;
    agent_runs_report *report;
    pthread_mutex_t lock;
} watch_work;

static void watch_run(void *ctx, size_t item, arm_exports_client *client, arm_status setup_status,
                      const arm_error *setup_error)
{
    watch_work *work = ctx;
    agent_state_run *run = &work->runs[item];
    if (agent_stop_requested())
        return;
    arm_error error;
    arm_error_init(&error);
    if (client == NULL) {
        (void)setup_status;
        report_failure(run->scope, run->export_name, "run status unknown", setup_error);
        return;
    }
    if (refresh_run(client, work->state, run, &error) != ARM_OK) {
        report_failure(run->scope, run->export_name, "run status unknown", &error);
        return;
    }
    if (run->finished_at == 0)
        return;
    pthread_mutex_lock(&work->lock);
    if (strcasecmp(run->status, "Completed") == 0)
        work->report->completed++;
    else if (strcasestr(run->status, "DataNotAvailable") != NULL)
        work->report->no_data++;
    else
        work->report->failed++;
    pthread_mutex_unlock(&work->lock);
    if (strcasecmp(run->status, "Completed") != 0 &&
        strcasestr(run->status, "DataNotAvailable") == NULL)
        fprintf(stderr, "hubagent: %s: %s: run %s ended %s%s%s\n", run->scope, run->export_name,
                run->run_id ? run->run_id : "?", run->status, run->error ? ": " : "",
                run->error ? run->error : "");
}

arm_status agent_runs_watch(agent_azure *azure, agent_state *state,
                            const agent_runs_options *options, agent_runs_report *report,
                            arm_error *err)
{
    time_t deadline = time(NULL) + (time_t)options->watch_seconds;
    for (;;) {
        agent_state_run *runs = NULL;
        size_t count_runs = 0;
        agent_state_error state_error;
        if (agent_state_unfinished_runs(state, &runs, &count_runs, &state_error) != AGENT_STATE_OK)
            return arm_error_set(err, ARM_ERR_IO, "cannot read runs: %s", state_error.message);
        if (count_runs > 0) {
            watch_work work = {.state = state, .runs = runs, .report = report};
            pthread_mutex_init(&work.lock, NULL);
            agent_pool_run(azure, count_runs, options->concurrency, watch_run, &work);
            pthread_mutex_destroy(&work.lock);
        }
        size_t left = 0;
        for (size_t i = 0; i < count_runs; i++)
            left += runs[i].finished_at == 0;
        agent_state_runs_free(runs, count_runs);
        report->unfinished = left;
        if (left == 0 || time(NULL) + (time_t)options->poll_seconds > deadline)
            return ARM_OK;
        if (!agent_stop_sleep(options->poll_seconds))
            return ARM_OK;
    }
}
