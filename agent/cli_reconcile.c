/* `hubagent plan` and `hubagent run --once`: read the settings, list every
 * scope's exports once, and show (plan) or make (run) the changes. */
#include "agent/cli.h"
#include "agent/overlap_online.h"
#include "agent/reconcile.h"
#include "agent/runs.h"

#include <time.h>

#include <string.h>

enum {
    EXIT_PLAN_CHANGES = 2, /* plan: changes pending, as terraform's -detailed-exitcode */
    EXIT_SOME_FAILED = 3,  /* run: some scopes failed, the others were done */
};

static const char plan_usage[] =
    "usage: hubagent plan [--json] [--prune] [--verbose] [--no-online-check]\n"
    "                     [--OPTION VALUE]...\n\n"
    "Shows, per scope, the exports that would be created, updated (field by field),\n"
    "left alone or, with --prune, deleted (only this hub's own). Exit 0 when nothing\n"
    "would change, 2 when something would, 1 when it could not find out.\n";

static const char run_usage[] =
    "usage: hubagent run --once [--prune] [--tick daily|monthly] [--no-runs]\n"
    "                           [--no-handoff] [--no-online-check] [--OPTION VALUE]...\n\n"
    "Creates and repairs every scope's exports (only what differs is written), then\n"
    "runs what the hub's schedule says is due: each scope's daily exports once per\n"
    "daily tick, its monthly exports once per monthly tick, never while the previous\n"
    "run of an export is still going. Runs are recorded in the state and followed\n"
    "through run history (--watch seconds now, the rest on the next run).\n"
    "  --tick T    fire tick T now, whatever the schedule says\n"
    "  --no-runs   only reconcile the exports\n"
    "  --no-handoff  do not hand landed runs to ingestion afterwards (see `ingest`)\n"
    "Exit 0 when everything is right, 3 when some scopes, triggers or runs failed\n"
    "(the others were done), 1 when it could not start.\n";

/* Everything both commands need before they touch a scope. */
typedef struct session {
    agent_config config;
    agent_azure *azure;
    settings *value;
    char *settings_etag;
    agent_reconcile_options options;
} session;

static void session_dispose(session *s)
{
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
static int check_online(session *s, const agent_cli_args *args)
{
    if (agent_cli_has_switch(args, "no-online-check")) {
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

static int session_open(session *s, const agent_cli_args *args)
{
    memset(s, 0, sizeof *s);
    agent_config_error config_error = {{0}};
    if (agent_config_load(args->option_names, args->option_values, args->option_count, NULL,
                          &s->config, &config_error) != AGENT_CONFIG_OK) {
        fprintf(stderr, "hubagent: %s\n", config_error.message);
        return AGENT_EXIT_FAILED;
    }
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
    if (check_online(s, args) != AGENT_EXIT_OK)
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

static size_t report_failures(const agent_scope_result *results, size_t count)
{
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        if (results[i].status == ARM_OK)
            continue;
        char line[1024];
        fprintf(stderr, "hubagent: %s: %s\n", results[i].plan.scope,
                arm_error_format(&results[i].error, line, sizeof line));
        failed++;
    }
    return failed;
}

int agent_cli_plan(int argc, char **argv)
{
    static const char *const switches[] = {"json", "prune", "verbose", "no-online-check",
                                           "help", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(plan_usage, stdout);
        return AGENT_EXIT_OK;
    }
    if (args.positional_count > 0)
        return agent_cli_usage_error("plan: unexpected argument '%s'", args.positional[0]);
    session s;
    rc = session_open(&s, &args);
    agent_scope_result *results = NULL;
    arm_error error;
    arm_error_init(&error);
    if (rc == AGENT_EXIT_OK) {
        s.options.prune = agent_cli_has_switch(&args, "prune");
        agent_reconcile(s.azure, s.value, &s.options, &results, &error);
        size_t count = s.value->scope_count, changes = 0;
        agent_scope_plan *plans = calloc(count ? count : 1, sizeof *plans);
        for (size_t i = 0; i < count; i++) {
            plans[i] = results[i].plan;
            changes += agent_scope_plan_changes(&plans[i]);
        }
        if (agent_cli_has_switch(&args, "json"))
            agent_plan_print_json(plans, count, stdout);
        else
            agent_plan_print_text(plans, count, stdout, agent_cli_has_switch(&args, "verbose"));
        free(plans);
        size_t failed = report_failures(results, count);
        rc = failed ? AGENT_EXIT_FAILED : changes ? EXIT_PLAN_CHANGES : AGENT_EXIT_OK;
        agent_reconcile_results_free(results, count);
    }
    session_dispose(&s);
    return rc;
}

static size_t reconcile_and_report(session *s)
{
    agent_scope_result *results = NULL;
    arm_error error;
    arm_error_init(&error);
    agent_reconcile(s->azure, s->value, &s->options, &results, &error);
    size_t created = 0, updated = 0, deleted = 0;
    for (size_t i = 0; i < s->value->scope_count; i++) {
        const agent_scope_result *r = &results[i];
        created += r->created;
        updated += r->updated;
        deleted += r->deleted;
        if (r->status == ARM_OK)
            printf("%s: %zu created, %zu updated, %zu deleted\n", r->plan.scope, r->created,
                   r->updated, r->deleted);
    }
    size_t failed = report_failures(results, s->value->scope_count);
    printf("Exports: %zu scopes, %zu failed; %zu exports created, %zu updated, %zu deleted.\n",
           s->value->scope_count, failed, created, updated, deleted);
    agent_reconcile_results_free(results, s->value->scope_count);
    return failed;
}

/* Fires the due ticks (or the forced one) and follows the runs. Returns the
 * number of failures (triggers and runs). */
static size_t run_ticks(session *s, agent_state *state, const char *forced)
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
    printf("Runs: %zu triggered, %zu already ran this tick, %zu skipped (previous run still "
           "going), %zu not triggered; %zu completed, %zu no data, %zu failed, %zu still "
           "running.\n",
           report.triggered, report.already_ran, report.skipped_running, report.trigger_failed,
           report.completed, report.no_data, report.failed, report.unfinished);
    return report.trigger_failed + report.failed;
}

int agent_cli_run(int argc, char **argv)
{
    static const char *const switches[] = {
        "once", "prune", "no-runs", "tick=", "no-online-check", "no-handoff", "help", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(run_usage, stdout);
        return AGENT_EXIT_OK;
    }
    if (!agent_cli_has_switch(&args, "once"))
        return agent_cli_usage_error("run: only --once is available in this version");
    if (args.positional_count > 0)
        return agent_cli_usage_error("run: unexpected argument '%s'", args.positional[0]);
    const char *forced = agent_cli_switch_value(&args, "tick");
    if (forced != NULL && strcasecmp(forced, "daily") != 0 && strcasecmp(forced, "monthly") != 0)
        return agent_cli_usage_error("run: --tick is daily or monthly, not '%s'", forced);
    session s;
    rc = session_open(&s, &args);
    agent_state *state = NULL;
    if (rc == AGENT_EXIT_OK) {
        agent_state_error state_error = {0};
        if (agent_state_open(agent_config_get(&s.config, AGENT_OPTION_STATE), NULL, &state,
                             &state_error) != AGENT_STATE_OK) {
            fprintf(stderr, "hubagent: %s\n", state_error.message);
            rc = AGENT_EXIT_FAILED;
        }
    }
    if (rc == AGENT_EXIT_OK) {
        s.options.prune = agent_cli_has_switch(&args, "prune");
        s.options.apply = true;
        size_t failed = reconcile_and_report(&s);
        if (!agent_cli_has_switch(&args, "no-runs"))
            failed += run_ticks(&s, state, forced);
        /* Landed runs go to ingestion right after they were watched. */
        if (!agent_cli_has_switch(&args, "no-handoff"))
            failed += agent_cli_ingest_pass(s.azure, state, s.value, stdout);
        rc = failed ? EXIT_SOME_FAILED : AGENT_EXIT_OK;
    }
    agent_state_free(state);
    session_dispose(&s);
    return rc;
}
