/* `hubagent backfill`: plans the months, records them as a job in the state
 * (joining months already queued), makes sure the exports exist, then drives
 * every open month to the end with live progress. */
#include "agent/backfill.h"
#include "agent/cli.h"
#include "agent/session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_SOME_FAILED = 3 };

static const char usage[] =
    "usage: hubagent backfill [--scope S]... [--months N | --from YYYY-MM [--to YYYY-MM]]\n"
    "                         [--dataset D]... [--dry-run] [--rerun] [--no-reconcile]\n"
    "                         [--max-failures N] [--progress auto|tty|json|none]\n"
    "                         [--progress-interval SECONDS] [--no-online-check]\n"
    "                         [--OPTION VALUE]...\n\n"
    "Exports the hub's history month by month: one run of each scope's export per\n"
    "dataset and month, newest month first, the price sheet before costs, then the\n"
    "reservation datasets where the scope has them. Past months use the monthly\n"
    "export, the current month (only with --from/--to) the daily one up to yesterday.\n"
    "The default window is the settings' retention.ingestion.months back from last\n"
    "month. The work is a job in the state: run the same command again after any\n"
    "interruption and it resumes; months queued by an unfinished job are joined, not\n"
    "run twice; months already completed are skipped unless --rerun. Runs go as fast\n"
    "as Cost Management's budget allows; a 429 never fails a month, and a month is\n"
    "given up only after --max-failures (3) real failures.\n"
    "  --scope S         only this scope of the settings (repeatable)\n"
    "  --dataset D       prices, costs, reservationdetails, reservationtransactions\n"
    "                    (repeatable or comma-separated; default: the --datasets option)\n"
    "  --dry-run         print the runs it would make and change nothing\n"
    "  --no-reconcile    do not create or repair the exports first\n"
    "  --progress P      tty: a live line on stderr; json: JSON-line events on stderr\n"
    "                    (auto: tty when stderr is a terminal, else json)\n"
    "Exit 0 when every month completed (or has no data), 3 when some failed or are\n"
    "unfinished (named on stderr), 1 when it could not start, 2 on a usage error.\n";

static const char *const switches[] = {"scope=",
                                       "months=",
                                       "from=",
                                       "to=",
                                       "dataset=",
                                       "dry-run",
                                       "rerun",
                                       "no-reconcile",
                                       "no-online-check",
                                       "max-failures=",
                                       "progress=",
                                       "progress-interval=",
                                       "help",
                                       NULL};

typedef struct request {
    const char *scopes[AGENT_CLI_MAX_ARGS];
    size_t scope_count;
    bool datasets[AGENT_DATASET_COUNT];
    bool datasets_given;
    int months;
    const char *from, *to;
    int max_failures;
    const char *progress;
    double progress_interval;
} request;

static bool whole_number(const char *text, int low, int high, int *out)
{
    char *end = NULL;
    long value = text ? strtol(text, &end, 10) : 0;
    if (text == NULL || *text == '\0' || *end != '\0' || value < low || value > high)
        return false;
    *out = (int)value;
    return true;
}

static int parse_request(const agent_cli_args *args, request *out)
{
    memset(out, 0, sizeof *out);
    out->max_failures = 3;
    out->progress = "auto";
    out->progress_interval = -1;
    for (size_t i = 0; i < args->switch_count; i++) {
        const char *name = args->switches[i], *value = args->switch_values[i];
        int number;
        if (strcmp(name, "scope") == 0) {
            out->scopes[out->scope_count++] = value;
        } else if (strcmp(name, "dataset") == 0) {
            out->datasets_given = true;
            char *copy = strdup(value), *save = NULL;
            for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                agent_dataset dataset;
                if (!agent_dataset_parse(item, &dataset) ||
                    dataset == AGENT_DATASET_RECOMMENDATIONS) {
                    int rc = agent_cli_usage_error(
                        "backfill: --dataset '%s' is not one of prices, costs, "
                        "reservationdetails, reservationtransactions%s",
                        item,
                        dataset == AGENT_DATASET_RECOMMENDATIONS
                            ? " (recommendations look back from today and have no history)"
                            : "");
                    free(copy);
                    return rc;
                }
                out->datasets[dataset] = true;
            }
            free(copy);
        } else if (strcmp(name, "months") == 0) {
            if (!whole_number(value, 1, 84, &out->months))
                return agent_cli_usage_error("backfill: --months '%s' must be 1 to 84", value);
        } else if (strcmp(name, "from") == 0) {
            out->from = value;
        } else if (strcmp(name, "to") == 0) {
            out->to = value;
        } else if (strcmp(name, "max-failures") == 0) {
            if (!whole_number(value, 1, 100, &out->max_failures))
                return agent_cli_usage_error("backfill: --max-failures '%s' must be 1 to 100",
                                             value);
        } else if (strcmp(name, "progress") == 0) {
            if (strcmp(value, "auto") != 0 && strcmp(value, "tty") != 0 &&
                strcmp(value, "json") != 0 && strcmp(value, "none") != 0)
                return agent_cli_usage_error(
                    "backfill: --progress is auto, tty, json or none, not '%s'", value);
            out->progress = value;
        } else if (strcmp(name, "progress-interval") == 0) {
            if (!whole_number(value, 1, 3600, &number))
                return agent_cli_usage_error(
                    "backfill: --progress-interval '%s' must be 1 to 3600 seconds", value);
            out->progress_interval = number;
        }
    }
    return AGENT_EXIT_OK;
}

/* The settings restricted to the requested scopes (a shallow view). */
static int select_scopes(const settings *all, const request *req, settings *out_view)
{
    *out_view = *all;
    if (req->scope_count == 0)
        return AGENT_EXIT_OK;
    out_view->scopes = calloc(req->scope_count, sizeof *out_view->scopes);
    out_view->scope_count = 0;
    for (size_t r = 0; r < req->scope_count; r++) {
        bool found = false;
        for (size_t s = 0; s < all->scope_count && !found; s++) {
            if (!agent_scope_id_equal(all->scopes[s].scope, req->scopes[r]))
                continue;
            found = true;
            bool duplicate = false;
            for (size_t v = 0; v < out_view->scope_count; v++)
                duplicate = duplicate || out_view->scopes[v].scope == all->scopes[s].scope;
            if (!duplicate)
                out_view->scopes[out_view->scope_count++] = all->scopes[s];
        }
        if (!found) {
            fprintf(stderr, "hubagent: backfill: --scope '%s' is not a scope of the settings\n",
                    req->scopes[r]);
            return AGENT_EXIT_FAILED;
        }
    }
    return AGENT_EXIT_OK;
}

typedef struct progress_sink {
    bool tty;
    bool drawn;
} progress_sink;

static void format_duration(double seconds, char *out, size_t size)
{
    if (seconds < 0)
        snprintf(out, size, "?");
    else if (seconds < 90)
        snprintf(out, size, "%.0fs", seconds);
    else if (seconds < 5400)
        snprintf(out, size, "%.0fm%02.0fs", seconds / 60 - 0.5, (double)((long)seconds % 60));
    else
        snprintf(out, size, "%.1fh", seconds / 3600);
}

static void show_progress(const agent_backfill_progress *p, void *ctx)
{
    progress_sink *sink = ctx;
    size_t done = p->completed + p->no_data + p->failed;
    if (sink->tty) {
        char eta[32], throttled[32];
        format_duration(p->final ? 0 : p->eta_seconds, eta, sizeof eta);
        format_duration(p->throttled_seconds, throttled, sizeof throttled);
        fprintf(stderr,
                "\r\033[Kbackfill: %zu/%zu month runs done (%zu failed), %zu in flight, "
                "%zu/%zu scopes done, %.1f/min, throttled %s, ETA %s",
                done, p->total, p->failed, p->in_flight, p->scopes_done, p->scopes,
                p->rate_per_minute, throttled, eta);
        if (p->final)
            fputc('\n', stderr);
        sink->drawn = true;
    } else {
        fprintf(stderr,
                "{\"event\":\"%s\",\"total\":%zu,\"done\":%zu,\"completed\":%zu,"
                "\"no_data\":%zu,\"failed\":%zu,\"in_flight\":%zu,\"scopes\":%zu,"
                "\"scopes_done\":%zu,\"calls\":%zu,"
                "\"retries\":%zu,\"polls\":%zu,\"throttled_s\":%.1f,\"elapsed_s\":%.1f,"
                "\"rate_per_min\":%.2f,\"eta_s\":%.0f}\n",
                p->final ? "backfill.done" : "backfill.progress", p->total, done, p->completed,
                p->no_data, p->failed, p->in_flight, p->scopes, p->scopes_done, p->calls,
                p->retries, p->polls, p->throttled_seconds, p->elapsed_seconds, p->rate_per_minute,
                p->eta_seconds);
    }
    fflush(stderr);
}

static void print_plan(const agent_state_backfill_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        printf("  %s  %-24s %s  %s  %.10s..%.10s\n", items[i].month, items[i].dataset,
               items[i].scope, items[i].export_name, items[i].period_from, items[i].period_to);
}

static char *describe_request(const request *req, const agent_month *months, size_t month_count,
                              size_t scope_count, const bool datasets[AGENT_DATASET_COUNT])
{
    char newest[16] = "-", oldest[16] = "-", names[160] = "";
    if (month_count > 0) {
        agent_month_format(months[0], newest, sizeof newest);
        agent_month_format(months[month_count - 1], oldest, sizeof oldest);
    }
    for (int d = 0; d < AGENT_DATASET_COUNT; d++)
        if (datasets[d] && d != AGENT_DATASET_RECOMMENDATIONS)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     names[0] ? "," : "", agent_dataset_name((agent_dataset)d));
    char *text = malloc(512);
    if (text != NULL)
        snprintf(text, 512, "%zu scope%s%s, %s..%s, %s", scope_count, scope_count == 1 ? "" : "s",
                 req->scope_count ? " (--scope)" : "", oldest, newest, names);
    return text;
}

/* Creates or repairs the exports; returns how many scopes failed (each said), or SIZE_MAX
 * when the credential did. */
static size_t reconcile_scopes(agent_session *s, const settings *view)
{
    agent_reconcile_options options = s->options;
    options.apply = true;
    options.prune = false;
    agent_scope_result *results = NULL;
    arm_error error;
    arm_error_init(&error);
    agent_reconcile(s->azure, view, &options, &results, &error);
    size_t created = 0, updated = 0;
    bool credential = false;
    for (size_t i = 0; results != NULL && i < view->scope_count; i++) {
        created += results[i].created;
        updated += results[i].updated;
        credential =
            credential || arm_error_is_credential_failure(results[i].status, &results[i].error);
    }
    size_t failed = results ? agent_session_report_failures(results, view->scope_count) : 0;
    if (created + updated > 0)
        printf("Exports: %zu created, %zu updated before the backfill.\n", created, updated);
    fflush(stdout);
    agent_reconcile_results_free(results, view->scope_count);
    return credential ? SIZE_MAX : failed;
}

static int drive(agent_session *s, agent_state *state, const request *req)
{
    agent_backfill_options options = agent_session_backfill_options(s);
    options.max_failures = req->max_failures;
    progress_sink sink = {.tty = strcmp(req->progress, "tty") == 0 ||
                                 (strcmp(req->progress, "auto") == 0 && isatty(STDERR_FILENO))};
    if (strcmp(req->progress, "none") != 0) {
        options.progress = show_progress;
        options.progress_ctx = &sink;
    }
    options.progress_seconds = req->progress_interval > 0 ? req->progress_interval
                               : sink.tty                 ? 1
                                                          : 10;
    agent_backfill_report report;
    arm_error error;
    arm_error_init(&error);
    arm_status status = agent_backfill_drive(s->azure, state, &options, &report, &error);
    const agent_backfill_progress *t = &report.totals;
    printf("Backfill: %zu runs: %zu completed, %zu no data, %zu failed, %zu unfinished; "
           "%zu calls (%zu run calls, %zu run-history polls, %zu retried), %.0f s.\n",
           t->total, t->completed, t->no_data, t->failed, report.unfinished_count, t->calls,
           t->run_calls, t->polls, t->retries, t->elapsed_seconds);
    for (size_t i = 0; i < report.failed_count; i++)
        fprintf(stderr, "hubagent: backfill failed: %s\n", report.failed[i]);
    for (size_t i = 0; i < report.unfinished_count; i++)
        fprintf(stderr, "hubagent: backfill unfinished: %s\n", report.unfinished[i]);
    if (report.unfinished_count > 0)
        fprintf(stderr, "hubagent: run the same command again to resume the unfinished months\n");
    if (report.held > 0)
        fprintf(stderr,
                "hubagent: backfill: %zu open month run%s of scopes no longer in the settings "
                "left as they are (they resume if the scopes come back)\n",
                report.held, report.held == 1 ? "" : "s");
    int rc = report.failed_count + report.unfinished_count > 0 ? EXIT_SOME_FAILED : AGENT_EXIT_OK;
    if (status != ARM_OK) {
        fprintf(stderr, "hubagent: backfill stopped: %s\n", error.message);
        if (status == ARM_ERR_AUTH)
            fprintf(stderr, "hubagent: the months are left open: " AGENT_CLI_CREDENTIAL_HINT
                            " and run the same command again\n");
        rc = AGENT_EXIT_FAILED;
    }
    agent_backfill_report_dispose(&report);
    return rc;
}

static int backfill(agent_session *s, const agent_cli_args *args, const request *req)
{
    settings view;
    int rc = select_scopes(s->value, req, &view);
    agent_month *months = NULL;
    size_t month_count = 0;
    char why[300];
    agent_month_range_request range = {.months = req->months,
                                       .from = req->from,
                                       .to = req->to,
                                       .default_months = s->value->retention.ingestion_months};
    time_t now = time(NULL);
    if (rc == AGENT_EXIT_OK &&
        !agent_month_range(&range, now, &months, &month_count, why, sizeof why)) {
        fprintf(stderr, "hubagent: backfill: %s\n", why);
        rc = AGENT_EXIT_FAILED;
    }
    agent_desired_options desired = s->options.desired;
    if (req->datasets_given)
        for (int d = 0; d < AGENT_DATASET_COUNT; d++)
            desired.dataset_enabled[d] = desired.dataset_enabled[d] && req->datasets[d];
    agent_state_backfill_item *items = NULL;
    size_t count = 0;
    if (rc == AGENT_EXIT_OK && !agent_backfill_plan(&view, &desired, months, month_count, now,
                                                    &items, &count, why, sizeof why)) {
        fprintf(stderr, "hubagent: backfill: %s\n", why);
        rc = AGENT_EXIT_FAILED;
    }
    char *description =
        rc == AGENT_EXIT_OK
            ? describe_request(req, months, month_count, view.scope_count, desired.dataset_enabled)
            : NULL;
    if (rc == AGENT_EXIT_OK && agent_cli_has_switch(args, "dry-run")) {
        printf("Backfill plan (dry run, nothing changed): %s: %zu runs, in this order:\n",
               description, count);
        print_plan(items, count);
    } else if (rc == AGENT_EXIT_OK) {
        agent_state *state = NULL;
        agent_state_error state_error = {0};
        if (agent_state_open(agent_config_get(&s->config, AGENT_OPTION_STATE), NULL, &state,
                             &state_error) != AGENT_STATE_OK) {
            fprintf(stderr, "hubagent: %s\n", state_error.message);
            rc = AGENT_EXIT_FAILED;
        }
        agent_state_backfill_enqueued queued = {0};
        if (rc == AGENT_EXIT_OK &&
            agent_state_backfill_enqueue(state, description, items, count,
                                         agent_cli_has_switch(args, "rerun"), (int64_t)now, &queued,
                                         &state_error) != AGENT_STATE_OK) {
            fprintf(stderr, "hubagent: backfill: cannot record the job: %s\n", state_error.message);
            rc = AGENT_EXIT_FAILED;
        }
        if (rc == AGENT_EXIT_OK) {
            if (queued.job_id > 0)
                printf("Backfill job %lld: %s: %zu runs added", (long long)queued.job_id,
                       description, queued.added);
            else
                printf("Backfill: %s: nothing new to add", description);
            printf(", %zu joined an unfinished job, %zu already done%s.\n", queued.joined,
                   queued.already_done, queued.already_done ? " (--rerun runs them again)" : "");
            fflush(stdout);
            size_t failed =
                agent_cli_has_switch(args, "no-reconcile") ? 0 : reconcile_scopes(s, &view);
            if (failed == SIZE_MAX) {
                fprintf(
                    stderr,
                    "hubagent: nothing was run; the months are queued: " AGENT_CLI_CREDENTIAL_HINT
                    " and run the same command again\n");
                rc = AGENT_EXIT_FAILED;
            } else {
                if (failed > 0)
                    fprintf(stderr, "hubagent: backfill: going on; months of scopes whose "
                                    "exports are missing will fail\n");
                rc = drive(s, state, req);
            }
        }
        agent_state_free(state);
    }
    free(description);
    agent_state_backfill_items_free(items, count);
    free(months);
    if (view.scopes != s->value->scopes)
        free(view.scopes);
    return rc;
}

int agent_cli_backfill(int argc, char **argv)
{
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(usage, stdout);
        return AGENT_EXIT_OK;
    }
    if (args.positional_count > 0)
        return agent_cli_usage_error("backfill: unexpected argument '%s'", args.positional[0]);
    request req;
    rc = parse_request(&args, &req);
    if (rc != AGENT_EXIT_OK)
        return rc;
    agent_session s;
    rc = agent_session_open(&s, &args, agent_cli_has_switch(&args, "no-online-check"));
    if (rc == AGENT_EXIT_OK)
        rc = backfill(&s, &args, &req);
    agent_session_dispose(&s);
    return rc;
}
