/* The backfill engine. Each scope is driven by one worker (scopes have their
 * own Cost Management budget): it fires its pending months in order as fast
 * as the shared pacer allows and follows the runs with one run-history call
 * per export. Every step is written to the state before and after the call,
 * so a kill -9 at any point is resolved from run history on the next start. */
#include "agent/backfill.h"
#include "agent/stop.h"
#include "agent/backfill_int.h"
#include "agent/pool.h"
#include "agent/runs.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 64

agent_backfill_options agent_backfill_options_default(void)
{
    return (agent_backfill_options){.workers = 0,
                                    .poll_seconds = 30,
                                    .max_failures = 3,
                                    .retry_seconds = 60,
                                    .unknown_grace_seconds = 30,
                                    .progress_seconds = 10};
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_seconds(double seconds)
{
    if (seconds > 0)
        agent_stop_sleep(seconds); /* wakes at once when the agent is asked to stop */
}

/* An item while it is driven: its row and when it may be tried again. */
typedef struct live_item {
    agent_state_backfill_item *row;
    double retry_at;
} live_item;

typedef struct scope_work {
    const char *scope;
    live_item *items; /* in run order */
    size_t count;
    int poll_failures;
} scope_work;

typedef struct drive_work {
    agent_state *state;
    const agent_backfill_options *options;
    scope_work *scopes;
    size_t scope_count;
    pthread_mutex_t lock; /* state writes, progress, report */
    agent_backfill_progress progress;
    double started;
    bool stop; /* the state cannot be written, or the credential fails: nothing more is fired */
    arm_status stop_status;
    char stop_reason[1100];
    bool done;
    pthread_cond_t wake;
} drive_work;

static bool stopped(drive_work *work)
{
    pthread_mutex_lock(&work->lock);
    /* The scheduled agent asked to stop (SIGTERM): the job stays open and resumes later. */
    bool stop = work->stop || agent_stop_requested() ||
                (work->options->until > 0 && now_seconds() >= work->options->until);
    pthread_mutex_unlock(&work->lock);
    return stop;
}

static void replace(char **field, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    free(*field);
    *field = copy;
}

static bool in_flight(const agent_state_backfill_item *row)
{
    return strcmp(row->state, "triggered") == 0 || strcmp(row->state, "running") == 0;
}

/* Writes the item; when the state refuses, stops everything. */
static bool save(drive_work *work, agent_state_backfill_item *row)
{
    row->updated_at = (int64_t)time(NULL);
    agent_state_error error = {0};
    pthread_mutex_lock(&work->lock);
    agent_state_status status = agent_state_backfill_update(work->state, row, &error);
    if (status != AGENT_STATE_OK && !work->stop) {
        work->stop = true;
        work->stop_status = ARM_ERR_IO;
        snprintf(work->stop_reason, sizeof work->stop_reason, "cannot record %s %s %s: %s",
                 row->scope, row->dataset, row->month, error.message);
    }
    pthread_mutex_unlock(&work->lock);
    return status == AGENT_STATE_OK;
}

static void count_call(drive_work *work, const arm_error *error, double seconds, bool poll,
                       bool accepted_run)
{
    int tries = error->attempts > 0 ? error->attempts : 1;
    pthread_mutex_lock(&work->lock);
    work->progress.calls += (size_t)tries;
    work->progress.retries += (size_t)(tries - 1);
    if (tries > 1)
        work->progress.throttled_seconds += seconds;
    if (poll)
        work->progress.polls++;
    if (accepted_run)
        work->progress.run_calls++;
    pthread_mutex_unlock(&work->lock);
}

static void log_item(const agent_state_backfill_item *row, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void log_item(const agent_state_backfill_item *row, const char *format, ...)
{
    char text[1200];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    fprintf(stderr, "hubagent: backfill %s %s %s: %s\n", row->scope, row->dataset, row->month,
            text);
}

/* A real failure: counted, and the month is given up after max_failures. */
static void fail_item(drive_work *work, live_item *item, const char *message)
{
    agent_state_backfill_item *row = item->row;
    row->failures++;
    replace(&row->last_error, message);
    replace(&row->run_id, NULL);
    replace(&row->run_status, NULL);
    bool give_up = row->failures >= work->options->max_failures;
    replace(&row->state, give_up ? "failed" : "pending");
    if (give_up)
        row->finished_at = (int64_t)time(NULL);
    item->retry_at = now_seconds() + work->options->retry_seconds * (double)row->failures;
    log_item(row, "%s (failure %lld of %d%s)", message, (long long)row->failures,
             work->options->max_failures, give_up ? ", giving up" : ", will retry");
    if (save(work, row) && give_up) {
        pthread_mutex_lock(&work->lock);
        work->progress.failed++;
        pthread_mutex_unlock(&work->lock);
    }
}

static bool depends_on_prices(const scope_work *scope, const live_item *item)
{
    if (strcmp(item->row->dataset, "costs") != 0)
        return false;
    for (size_t i = 0; i < scope->count; i++) {
        const agent_state_backfill_item *other = scope->items[i].row;
        if (strcmp(other->dataset, "prices") == 0 && strcmp(other->month, item->row->month) == 0 &&
            !agent_state_backfill_state_is_final(other->state))
            return true;
    }
    return false;
}

/* No token, or the service refused the one we had after a fresh try: the
 * credential is at fault, not the month. Every call would fail the same way,
 * so the drive stops at once, once, and leaves the months open. */
static bool stop_on_credential(drive_work *work, arm_status status, const arm_error *error)
{
    if (!arm_error_is_credential_failure(status, error))
        return false;
    char line[1024];
    arm_error_format(error, line, sizeof line);
    pthread_mutex_lock(&work->lock);
    if (!work->stop) {
        work->stop = true;
        work->stop_status = ARM_ERR_AUTH;
        snprintf(work->stop_reason, sizeof work->stop_reason, "the credential failed: %s", line);
    }
    pthread_mutex_unlock(&work->lock);
    return true;
}

static bool throttled(const arm_error *error)
{
    /* Also when retries ran out: the last try's reply is kept. */
    return error->http_status == 429;
}

/* Fires one month. The intent is recorded first: if we die during the call,
 * the next start finds the run in run history or knows it was never made.
 * False when the call was not made because it would have had to wait past a
 * stop or the slice's end: the scope's budget is spent for this slice. */
static bool trigger(drive_work *work, arm_exports_client *client, live_item *item)
{
    agent_state_backfill_item *row = item->row;
    replace(&row->state, "triggered");
    replace(&row->run_id, NULL);
    replace(&row->run_status, NULL);
    row->attempts++;
    row->triggered_at = (int64_t)time(NULL);
    if (!save(work, row))
        return true;
    arm_error error;
    arm_error_init(&error);
    double started = now_seconds();
    arm_status status = arm_exports_run(client, row->scope, row->export_name, row->period_from,
                                        row->period_to, &error);
    count_call(work, &error, now_seconds() - started, false, status == ARM_OK);
    if (status == ARM_OK) {
        replace(&row->run_status, "Accepted");
        save(work, row);
        return true;
    }
    char line[1024];
    arm_error_format(&error, line, sizeof line);
    if (status == ARM_ERR_CANCELLED || throttled(&error) ||
        stop_on_credential(work, status, &error)) {
        /* Not accepted (or not even sent: asked to stop, no token): the month waits
         * its turn again, nothing is counted. */
        replace(&row->state, "pending");
        row->attempts--;
        row->triggered_at = 0;
        double after = error.retry_after_s > 0 ? error.retry_after_s : 1;
        item->retry_at = now_seconds() + after;
        save(work, row);
        return status != ARM_ERR_CANCELLED;
    }
    if (error.http_status == 0) {
        /* No reply: the run may or may not exist; run history will say. */
        replace(&row->last_error, line);
        save(work, row);
        return true;
    }
    fail_item(work, item, line);
    return true;
}

/* True when another item of the scope already owns the run. */
static bool claimed(void *ctx, const agent_state_backfill_item *row, const char *id)
{
    const scope_work *scope = ctx;
    for (size_t i = 0; i < scope->count; i++) {
        const agent_state_backfill_item *other = scope->items[i].row;
        if (other != row && other->run_id != NULL && strcasecmp(other->run_id, id) == 0)
            return true;
    }
    return false;
}

static void finish(drive_work *work, live_item *item, const char *state, size_t *counter)
{
    agent_state_backfill_item *row = item->row;
    replace(&row->state, state);
    row->finished_at = (int64_t)time(NULL);
    if (save(work, row)) {
        pthread_mutex_lock(&work->lock);
        (*counter)++;
        pthread_mutex_unlock(&work->lock);
    }
}

/* Applies what run history says about one item. */
static void follow(drive_work *work, scope_work *scope, live_item *item,
                   const arm_export_run_list *history, double polled_at)
{
    agent_state_backfill_item *row = item->row;
    const arm_export_run *run = agent_backfill_match_run(row, history, claimed, scope);
    if (run == NULL) {
        if (row->run_id != NULL)
            return; /* known run, outside the history's window: keep waiting */
        double waited = polled_at - (double)row->triggered_at;
        if (row->run_status == NULL && waited >= work->options->unknown_grace_seconds) {
            /* The call never reached Cost Management (we died or lost the
             * reply before it did): the month is simply not run yet. */
            replace(&row->state, "pending");
            row->attempts--;
            row->triggered_at = 0;
            save(work, row);
        } else if (row->run_status != NULL &&
                   waited >= 10 * work->options->poll_seconds + CLOCK_SKEW_SECONDS) {
            fail_item(work, item, "the run was accepted but never appeared in run history");
        }
        return;
    }
    const char *status = run->status ? run->status : "Unknown";
    bool changed =
        row->run_id == NULL || row->run_status == NULL || strcmp(row->run_status, status) != 0;
    replace(&row->run_id, agent_backfill_run_id(run));
    replace(&row->run_status, status);
    if (!agent_run_status_is_final(status)) {
        if (changed || strcmp(row->state, "running") != 0) {
            replace(&row->state, "running");
            save(work, row);
        }
        return;
    }
    if (strcasecmp(status, "Completed") == 0) {
        finish(work, item, "completed", &work->progress.completed);
    } else if (strcasestr(status, "DataNotAvailable") != NULL) {
        finish(work, item, "no-data", &work->progress.no_data);
    } else {
        char message[900];
        snprintf(message, sizeof message, "run %s ended %s%s%s", row->run_id, status,
                 run->error_message ? ": " : "", run->error_message ? run->error_message : "");
        agent_backfill_exclude_run(row, row->run_id);
        fail_item(work, item, message);
    }
}

/* One run-history call per export with runs in flight; false when one could
 * not be made (a stop, the slice's end, the credential). */
static bool poll(drive_work *work, arm_exports_client *client, scope_work *scope)
{
    for (size_t i = 0; i < scope->count; i++) {
        agent_state_backfill_item *row = scope->items[i].row;
        if (!in_flight(row))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = in_flight(scope->items[j].row) &&
                   strcmp(scope->items[j].row->export_name, row->export_name) == 0;
        if (seen)
            continue; /* this export was polled for an earlier item */
        arm_export_run_list history = {0};
        arm_error error;
        arm_error_init(&error);
        double started = now_seconds();
        arm_status status =
            arm_exports_run_history(client, scope->scope, row->export_name, &history, &error);
        count_call(work, &error, now_seconds() - started, true, false);
        if (status == ARM_ERR_CANCELLED || stop_on_credential(work, status, &error))
            return false; /* the runs are followed in the next slice or start */
        if (status != ARM_OK) {
            if (!throttled(&error)) {
                char line[1024];
                scope->poll_failures++;
                fprintf(stderr, "hubagent: backfill %s: %s: run history: %s\n", scope->scope,
                        row->export_name, arm_error_format(&error, line, sizeof line));
            }
            continue;
        }
        scope->poll_failures = 0;
        for (size_t k = i; k < scope->count; k++)
            if (in_flight(scope->items[k].row) &&
                strcmp(scope->items[k].row->export_name, row->export_name) == 0)
                follow(work, scope, &scope->items[k], &history, started);
        arm_export_run_list_dispose(&history);
    }
    return true;
}

static void drive_scope(void *ctx, size_t index, arm_exports_client *client,
                        arm_status setup_status, const arm_error *setup_error)
{
    drive_work *work = ctx;
    scope_work *scope = &work->scopes[index];
    if (client == NULL) {
        char line[1024];
        (void)setup_status;
        fprintf(stderr, "hubagent: backfill %s: %s\n", scope->scope,
                arm_error_format(setup_error, line, sizeof line));
        return;
    }
    const agent_backfill_options *options = work->options;
    /* A slice ends on time: no call of this worker waits for the budget past it. */
    agent_stop_set_thread_deadline(options->until);
    double next_poll = 0; /* unknown outcomes first: poll at once */
    while (!stopped(work)) {
        size_t open = 0, flying = 0;
        double now = now_seconds(), wake = now + options->poll_seconds;
        for (size_t i = 0; i < scope->count; i++) {
            const agent_state_backfill_item *row = scope->items[i].row;
            open += !agent_state_backfill_state_is_final(row->state);
            flying += in_flight(row);
        }
        if (open == 0)
            break;
        if (scope->poll_failures >= options->max_failures)
            break; /* cannot follow the runs: leave them for the next start */
        if (flying > 0 && now >= next_poll) {
            if (!poll(work, client, scope))
                break; /* it would have had to wait past the slice or a stop */
            next_poll = now_seconds() + options->poll_seconds;
            continue;
        }
        bool fired = false, spent = false;
        for (size_t i = 0; i < scope->count && !stopped(work); i++) {
            live_item *item = &scope->items[i];
            if (strcmp(item->row->state, "pending") != 0 || depends_on_prices(scope, item))
                continue;
            if (item->retry_at > now) {
                if (item->retry_at < wake)
                    wake = item->retry_at;
                continue;
            }
            if (!trigger(work, client, item)) {
                spent = true; /* nothing more goes this slice: the budget waits */
                break;
            }
            fired = true;
            now = now_seconds();
            if (next_poll > 0 && now >= next_poll)
                break; /* the runs in flight need a look before more are fired */
        }
        if (spent)
            break;
        if (fired)
            continue;
        if (flying > 0 && next_poll < wake)
            wake = next_poll;
        if (options->until > 0 && options->until < wake)
            wake = options->until;
        pause_seconds(wake - now_seconds() < 0.05 ? 0.05 : wake - now_seconds());
    }
    agent_stop_set_thread_deadline(0);
}

static agent_backfill_progress snapshot(drive_work *work, bool final)
{
    pthread_mutex_lock(&work->lock);
    agent_backfill_progress p = work->progress;
    pthread_mutex_unlock(&work->lock);
    p.in_flight = 0;
    p.scopes = work->scope_count;
    for (size_t s = 0; s < work->scope_count; s++) {
        bool open = false;
        for (size_t i = 0; i < work->scopes[s].count; i++) {
            p.in_flight += in_flight(work->scopes[s].items[i].row);
            open =
                open || !agent_state_backfill_state_is_final(work->scopes[s].items[i].row->state);
        }
        p.scopes_done += !open;
    }
    p.elapsed_seconds = now_seconds() - work->started;
    size_t finished = p.completed + p.no_data + p.failed;
    p.rate_per_minute = p.elapsed_seconds > 0 ? (double)finished * 60 / p.elapsed_seconds : 0;
    p.eta_seconds = finished > 0 && p.total >= finished
                        ? (double)(p.total - finished) * p.elapsed_seconds / (double)finished
                        : -1;
    p.final = final;
    return p;
}

static void *progress_thread(void *argument)
{
    drive_work *work = argument;
    pthread_mutex_lock(&work->lock);
    while (!work->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double at =
            (double)until.tv_sec + (double)until.tv_nsec / 1e9 + work->options->progress_seconds;
        until.tv_sec = (time_t)at;
        until.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
        pthread_cond_timedwait(&work->wake, &work->lock, &until);
        if (work->done)
            break;
        pthread_mutex_unlock(&work->lock);
        agent_backfill_progress p = snapshot(work, false);
        work->options->progress(&p, work->options->progress_ctx);
        pthread_mutex_lock(&work->lock);
    }
    pthread_mutex_unlock(&work->lock);
    return NULL;
}

/* Groups the open items by scope, each scope's in run order. */
static scope_work *group_by_scope(agent_state_backfill_item *rows, size_t count,
                                  size_t *out_scope_count)
{
    if (count > 0)
        qsort(rows, count, sizeof *rows, agent_backfill_item_compare);
    scope_work *scopes = calloc(count ? count : 1, sizeof *scopes);
    size_t scope_count = 0;
    for (size_t i = 0; scopes != NULL && i < count; i++) {
        scope_work *scope = NULL;
        for (size_t s = 0; s < scope_count && scope == NULL; s++)
            if (strcmp(scopes[s].scope, rows[i].scope) == 0)
                scope = &scopes[s];
        if (scope == NULL) {
            scope = &scopes[scope_count++];
            scope->scope = rows[i].scope;
            scope->items = calloc(count, sizeof *scope->items);
            if (scope->items == NULL) {
                scope_count--;
                continue;
            }
        }
        scope->items[scope->count++] = (live_item){.row = &rows[i], .retry_at = 0};
    }
    *out_scope_count = scope_count;
    return scopes;
}

arm_status agent_backfill_drive(agent_azure *azure, agent_state *state,
                                const agent_backfill_options *options,
                                agent_backfill_report *out_report, arm_error *err)
{
    memset(out_report, 0, sizeof *out_report);
    agent_state_backfill_item *rows = NULL;
    size_t count = 0;
    agent_state_error state_error = {0};
    if (agent_state_backfill_open_items(state, &rows, &count, &state_error) != AGENT_STATE_OK)
        return arm_error_set(err, ARM_ERR_IO, "cannot read backfill items: %s",
                             state_error.message);
    drive_work work = {.state = state, .options = options, .started = now_seconds()};
    work.scopes = group_by_scope(rows, count, &work.scope_count);
    if (work.scopes == NULL) {
        agent_state_backfill_items_free(rows, count);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    /* Scopes no longer in the settings keep their open months for when they return. */
    size_t kept = 0;
    for (size_t i = 0; i < work.scope_count; i++) {
        if (options->scopes != NULL &&
            agent_settings_find_scope(options->scopes, work.scopes[i].scope) == NULL) {
            out_report->held += work.scopes[i].count;
            free(work.scopes[i].items);
            continue;
        }
        work.scopes[kept++] = work.scopes[i];
    }
    work.scope_count = kept;
    work.progress.total = count - out_report->held;
    pthread_mutex_init(&work.lock, NULL);
    pthread_cond_init(&work.wake, NULL);
    pthread_t reporter;
    bool reporting = options->progress != NULL && options->progress_seconds > 0 &&
                     pthread_create(&reporter, NULL, progress_thread, &work) == 0;
    int workers = options->workers > 0 ? options->workers : MAX_WORKERS;
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    if (work.scope_count > 0)
        agent_pool_run(azure, work.scope_count, workers, drive_scope, &work);
    pthread_mutex_lock(&work.lock);
    work.done = true;
    pthread_cond_broadcast(&work.wake);
    pthread_mutex_unlock(&work.lock);
    if (reporting)
        pthread_join(reporter, NULL);
    agent_state_backfill_finish_jobs(state, (int64_t)time(NULL), NULL);
    out_report->totals = snapshot(&work, true);
    agent_backfill_report_items(out_report, rows, count, options->scopes);
    if (options->progress != NULL)
        options->progress(&out_report->totals, options->progress_ctx);
    arm_status status = ARM_OK;
    if (work.stop)
        status = arm_error_set(err, work.stop_status, "%s", work.stop_reason);
    for (size_t s = 0; s < work.scope_count; s++)
        free(work.scopes[s].items);
    free(work.scopes);
    pthread_cond_destroy(&work.wake);
    pthread_mutex_destroy(&work.lock);
    agent_state_backfill_items_free(rows, count);
    return status;
}
