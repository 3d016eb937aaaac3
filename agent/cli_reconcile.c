/* `hubagent plan` and `hubagent run --once`: read the settings, list every
 * scope's exports once, and show (plan) or make (run) the changes. */
#include "agent/hub_lock.h"
#include "agent/run_loop.h"
#include "agent/session.h"

#include <time.h>

#include <string.h>
#include <unistd.h>

enum {
    EXIT_PLAN_CHANGES = 2, /* plan: changes pending, as terraform's -detailed-exitcode */
    EXIT_SOME_FAILED = 3,  /* run: some scopes failed, the others were done */
};

static const char plan_usage[] =
    "usage: hubagent plan [--json] [--prune] [--verbose] [--no-online-check]\n"
    "                     [--OPTION VALUE]...\n\n"
    "Shows, per scope, the exports that would be created, updated (field by field),\n"
    "left alone or, with --prune, deleted (only this hub's own, also at scopes gone from\n"
    "the settings where the state recorded them; without --prune those scopes are only\n"
    "named). Exit 0 when nothing would change, 2 when something would, 1 when it could\n"
    "not find out.\n";

static const char run_usage[] =
    "usage: hubagent run [--once] [--prune] [--tick daily|monthly] [--no-runs] [--take-over]\n"
    "                    [--no-handoff] [--no-online-check] [--OPTION VALUE]...\n\n"
    "Creates and repairs every scope's exports (only what differs is written), then\n"
    "runs what the hub's schedule says is due: each scope's daily exports once per\n"
    "daily tick, its monthly exports once per monthly tick, never while the previous\n"
    "run of an export is still going. Runs are recorded in the state and followed\n"
    "through run history (--watch seconds now, the rest on the next run).\n"
    "  --tick T    fire tick T now, whatever the schedule says\n"
    "  --no-runs   only reconcile the exports\n"
    "  --take-over stop the hub's Data Factory export triggers, which would run the\n"
    "              same exports again ('hubagent release' starts them again)\n"
    "  --no-handoff  do not hand landed runs to ingestion after the runs (see `ingest`)\n"
    "Without --once it stays up (a VM, a systemd service): ticks on the schedule, looks\n"
    "at settings.json every --settings-interval seconds and applies a change at once,\n"
    "logs to stderr (--log-format), and exits 0 on SIGTERM once the step in hand is done.\n"
    "With --once: exit 0 when everything is right, 3 when some scopes, triggers or runs failed\n"
    "(the others were done), 1 when it could not start.\n";

/* The retired scopes from the state, read-only (a plan changes nothing and
 * needs no lock): none when there is no state yet. */
static void find_retired(agent_session *s)
{
    agent_state_options options = agent_state_options_default();
    options.read_only = true;
    agent_state *state = NULL;
    agent_state_error error = {0};
    const char *path = agent_config_get(&s->config, AGENT_OPTION_STATE);
    if (agent_state_open(path, &options, &state, &error) == AGENT_STATE_OK)
        agent_session_find_retired(s, state);
    else if (path != NULL && access(path, F_OK) == 0)
        fprintf(stderr,
                "hubagent: plan: the state cannot be read (%s): scopes gone from the settings "
                "that still hold this hub's exports are not shown (`run --prune` would find "
                "them)\n",
                error.message);
    agent_state_free(state);
}

static void print_retired(const agent_session *s)
{
    if (s->options.retired_count == 0)
        return;
    printf("\nThis hub's exports are still at %zu scope%s no longer in the settings (left as "
           "they are; --prune deletes them):\n",
           s->options.retired_count, s->options.retired_count == 1 ? "" : "s");
    for (size_t i = 0; i < s->options.retired_count; i++)
        printf("  %s\n", s->options.retired[i]);
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
    agent_session s;
    rc = agent_session_open(&s, &args, agent_cli_has_switch(&args, "no-online-check"));
    agent_scope_result *results = NULL;
    arm_error error;
    arm_error_init(&error);
    if (rc == AGENT_EXIT_OK) {
        s.options.prune = agent_cli_has_switch(&args, "prune");
        find_retired(&s);
        agent_reconcile(s.azure, s.value, &s.options, &results, &error);
        size_t count = agent_reconcile_result_count(s.value, &s.options), changes = 0;
        agent_scope_plan *plans = calloc(count ? count : 1, sizeof *plans);
        for (size_t i = 0; i < count; i++) {
            plans[i] = results[i].plan;
            changes += agent_scope_plan_changes(&plans[i]);
        }
        if (agent_cli_has_switch(&args, "json")) {
            agent_plan_print_json(plans, count, stdout);
        } else {
            agent_plan_print_text(plans, count, stdout, agent_cli_has_switch(&args, "verbose"));
            if (!s.options.prune)
                print_retired(&s);
            agent_session_check_factory(&s, NULL, false);
        }
        free(plans);
        size_t failed = agent_session_report_failures(results, count);
        rc = failed ? AGENT_EXIT_FAILED : changes ? EXIT_PLAN_CHANGES : AGENT_EXIT_OK;
        agent_reconcile_results_free(results, count);
    }
    agent_session_dispose(&s);
    return rc;
}

int agent_cli_run(int argc, char **argv)
{
    static const char *const switches[] = {
        "once",      "prune",      "no-runs", "tick=", "no-online-check",
        "take-over", "no-handoff", "help",    NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(run_usage, stdout);
        return AGENT_EXIT_OK;
    }
    bool once = agent_cli_has_switch(&args, "once");
    if (!once && (agent_cli_switch_value(&args, "tick") || agent_cli_has_switch(&args, "no-runs")))
        return agent_cli_usage_error("run: --tick and --no-runs go with --once");
    if (args.positional_count > 0)
        return agent_cli_usage_error("run: unexpected argument '%s'", args.positional[0]);
    const char *forced = agent_cli_switch_value(&args, "tick");
    if (forced != NULL && strcasecmp(forced, "daily") != 0 && strcasecmp(forced, "monthly") != 0)
        return agent_cli_usage_error("run: --tick is daily or monthly, not '%s'", forced);
    agent_session s;
    rc = agent_session_open(&s, &args, agent_cli_has_switch(&args, "no-online-check"));
    agent_state *state = NULL;
    if (rc == AGENT_EXIT_OK) {
        agent_state_error state_error = {0};
        if (agent_state_open(agent_config_get(&s.config, AGENT_OPTION_STATE), NULL, &state,
                             &state_error) != AGENT_STATE_OK) {
            fprintf(stderr, "hubagent: %s\n", state_error.message);
            rc = AGENT_EXIT_FAILED;
        }
    }
    /* The state lock keeps out a second agent on this machine; the lease on the
     * hub's storage keeps out one anywhere else. */
    agent_hub_lock *hub_lock = NULL;
    if (rc == AGENT_EXIT_OK && s.azure->blob != NULL) {
        arm_error lock_error;
        arm_error_init(&lock_error);
        if (agent_hub_lock_acquire(&s.config, &hub_lock, &lock_error) != ARM_OK) {
            char line[1024];
            fprintf(stderr, "hubagent: %s\n", arm_error_format(&lock_error, line, sizeof line));
            rc = AGENT_EXIT_FAILED;
        }
    }
    size_t take_over_failed = 0;
    if (rc == AGENT_EXIT_OK)
        take_over_failed =
            agent_session_check_factory(&s, state, agent_cli_has_switch(&args, "take-over"));
    if (rc == AGENT_EXIT_OK && !once) {
        s.options.prune = agent_cli_has_switch(&args, "prune");
        s.options.apply = true;
        rc = agent_run_loop(&s, state, agent_cli_has_switch(&args, "no-online-check"));
    } else if (rc == AGENT_EXIT_OK) {
        s.options.prune = agent_cli_has_switch(&args, "prune");
        s.options.apply = true;
        size_t failed = agent_session_reconcile(&s, state);
        if (s.settings_etag != NULL)
            agent_state_set_value(state, "settings.etag", s.settings_etag, NULL);
        if (s.credential_failed) {
            /* Every call would fail the same way: no runs, no hand-off, one message. */
            fprintf(stderr, "hubagent: nothing else was tried: " AGENT_CLI_CREDENTIAL_HINT
                            " and run again\n");
        } else {
            if (!agent_cli_has_switch(&args, "no-runs"))
                failed += agent_session_run_ticks(&s, state, forced);
            /* Landed runs go to ingestion right after they were watched. */
            if (!agent_cli_has_switch(&args, "no-handoff"))
                failed += agent_cli_ingest_pass(s.azure, state, s.value, stdout);
        }
        rc = s.credential_failed         ? AGENT_EXIT_FAILED
             : failed + take_over_failed ? EXIT_SOME_FAILED
                                         : AGENT_EXIT_OK;
    }
    agent_hub_lock_release(hub_lock);
    agent_state_free(state);
    agent_session_dispose(&s);
    return rc;
}
