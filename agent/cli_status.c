/* `hubagent status [--json]`: what the agent keeps, from its state alone —
 * per scope its exports, each export's last run and how it ended. Reads the
 * state without the writer's lock, so it works while an agent runs. */
#include "agent/cli.h"
#include "agent/backfill.h"
#include "agent/handoff.h"
#include "agent/config.h"
#include "agent/state.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char status_usage[] =
    "usage: hubagent status [--json] [--state FILE]\n\n"
    "Shows, per scope, the exports the agent keeps and each one's last run: why it\n"
    "ran, its run id, how it ended and the service's message when it failed; per scope\n"
    "and month what was handed to ingestion; the newest backfill jobs; and the spend-scope\n"
    "months evaluated, with their totals and where their summaries went.\n";

static void format_time(int64_t when, char *out, size_t size)
{
    if (when <= 0) {
        snprintf(out, size, "-");
        return;
    }
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_run_json(FILE *out, const agent_state_run *run)
{
    char triggered[32], finished[32];
    format_time(run->triggered_at, triggered, sizeof triggered);
    format_time(run->finished_at, finished, sizeof finished);
    fputs("{\"reason\":", out);
    agent_cli_print_json_string(out, run->reason ? run->reason : "");
    fputs(",\"run_id\":", out);
    agent_cli_print_json_string(out, run->run_id ? run->run_id : "");
    fputs(",\"status\":", out);
    agent_cli_print_json_string(out, run->status ? run->status : "");
    fprintf(out, ",\"triggered_at\":\"%s\",\"finished_at\":\"%s\"", triggered, finished);
    if (run->period_from != NULL) {
        fputs(",\"period_from\":", out);
        agent_cli_print_json_string(out, run->period_from);
    }
    if (run->error != NULL) {
        fputs(",\"error\":", out);
        agent_cli_print_json_string(out, run->error);
    }
    fputc('}', out);
}

static void print_spend_month_json(const agent_state_spend_month *m)
{
    char when[32];
    format_time(m->evaluated_at, when, sizeof when);
    const char *keys[] = {"month",
                          m->month,
                          "destination",
                          m->destination,
                          "summary",
                          m->summary,
                          "data_source",
                          m->data_source,
                          "definitions_digest",
                          m->definitions_digest,
                          "data_digest",
                          m->data_digest,
                          "evaluated_at",
                          when};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k += 2) {
        printf("%s\"%s\":", k ? "," : "{", keys[k]);
        agent_cli_print_json_string(stdout, keys[k + 1] ? keys[k + 1] : "");
    }
    printf(",\"files\":%lld,\"rows\":%lld,\"unscoped_rows\":%lld,\"billed_cost\":%.6f,"
           "\"effective_cost\":%.6f,\"list_cost\":%.6f}",
           (long long)m->files, (long long)m->rows, (long long)m->unscoped_rows, m->billed_cost,
           m->effective_cost, m->list_cost);
}

static void print_spend_months(agent_state *state, bool json)
{
    agent_state_spend_month *months = NULL;
    size_t count = 0;
    agent_state_error error = {0};
    if (agent_state_list_spend_months(state, &months, &count, &error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        if (json)
            fputs("null", stdout);
        return;
    }
    if (json)
        fputc('[', stdout);
    else if (count == 0)
        printf("  none yet: 'hubagent spend-scopes report --output DIR' records them\n");
    for (size_t i = 0; i < count; i++) {
        const agent_state_spend_month *m = &months[i];
        if (json) {
            if (i)
                fputc(',', stdout);
            print_spend_month_json(m);
            continue;
        }
        char when[32];
        format_time(m->evaluated_at, when, sizeof when);
        printf("  %s  evaluated %s  %lld rows (%lld unscoped)  billed %.2f  %s\n", m->month, when,
               (long long)m->rows, (long long)m->unscoped_rows, m->billed_cost, m->summary);
    }
    if (json)
        fputc(']', stdout);
    agent_state_spend_months_free(months, count);
}

static void print_status(agent_state *state, const agent_state_export *exports, size_t count,
                         bool json)
{
    char *settings_etag = NULL;
    agent_state_get_value(state, "settings.etag", &settings_etag, NULL);
    if (json) {
        fputs("{\"settings_etag\":", stdout);
        if (settings_etag)
            agent_cli_print_json_string(stdout, settings_etag);
        else
            fputs("null", stdout);
        fputs(",\"scopes\":[", stdout);
    } else {
        printf("settings applied: %s\n", settings_etag ? settings_etag : "(from a file)");
    }
    free(settings_etag);
    for (size_t i = 0; i < count; i++) {
        const agent_state_export *e = &exports[i];
        bool new_scope = i == 0 || strcmp(exports[i - 1].scope, e->scope) != 0;
        bool last_of_scope = i + 1 == count || strcmp(exports[i + 1].scope, e->scope) != 0;
        agent_state_run run;
        bool has_run =
            agent_state_last_run(state, e->scope, e->name, NULL, &run, NULL) == AGENT_STATE_OK;
        if (json) {
            if (new_scope) {
                fprintf(stdout, "%s{\"scope\":", i ? "," : "");
                agent_cli_print_json_string(stdout, e->scope);
                fputs(",\"exports\":[", stdout);
            } else {
                fputc(',', stdout);
            }
            fputs("{\"name\":", stdout);
            agent_cli_print_json_string(stdout, e->name);
            fputs(",\"last_run\":", stdout);
            if (has_run)
                print_run_json(stdout, &run);
            else
                fputs("null", stdout);
            fputc('}', stdout);
            if (last_of_scope)
                fputs("]}", stdout);
        } else {
            if (new_scope)
                printf("%s\n", e->scope);
            char when[32];
            format_time(has_run ? run.triggered_at : 0, when, sizeof when);
            printf("  %-58s %-10s %-20s %s%s%s\n", e->name, has_run ? run.status : "never run",
                   when, has_run && run.reason ? run.reason : "", has_run && run.error ? ": " : "",
                   has_run && run.error ? run.error : "");
        }
        if (has_run)
            agent_state_run_dispose(&run);
    }
    if (json)
        fputs("],\"handoffs\":", stdout);
    else if (count == 0)
        printf("no exports yet: run 'hubagent run --once'\n");
    /* Per scope × month: what reached ingestion, from which run, and what did not. */
    if (!json)
        printf("\nhand-off to ingestion:\n");
    agent_handoff_error handoff_error;
    agent_handoff_error_init(&handoff_error);
    if (agent_handoff_print_summary(state, NULL, NULL, json, stdout, &handoff_error) !=
        AGENT_HANDOFF_OK) {
        fprintf(stderr, "hubagent: %s\n", handoff_error.message);
        if (json)
            fputs("null", stdout);
    }
    /* The newest backfill jobs: months done, pending, failed. */
    if (json)
        fputs(",\"backfill_jobs\":", stdout);
    else
        printf("\nbackfill jobs:\n");
    agent_state_error backfill_error = {0};
    if (agent_backfill_print_jobs(state, 5, json, stdout, &backfill_error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", backfill_error.message);
        if (json)
            fputs("null", stdout);
    }
    /* Spend-scope months evaluated (spend-scopes report --output), newest first. */
    if (json)
        fputs(",\"spend_scope_months\":", stdout);
    else
        printf("\nspend-scope months:\n");
    print_spend_months(state, json);
    if (json)
        fputs("}\n", stdout);
}

int agent_cli_status(int argc, char **argv)
{
    static const char *const switches[] = {"json", "help", NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(status_usage, stdout);
        return AGENT_EXIT_OK;
    }
    if (args.positional_count > 0)
        return agent_cli_usage_error("status: unexpected argument '%s'", args.positional[0]);
    agent_config config;
    if (agent_cli_load_config(&args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    agent_state_options options = agent_state_options_default();
    options.read_only = true;
    agent_state *state = NULL;
    agent_state_error error = {0};
    agent_state_export *exports = NULL;
    size_t count = 0;
    rc = AGENT_EXIT_OK;
    if (agent_state_open(agent_config_get(&config, AGENT_OPTION_STATE), &options, &state, &error) !=
            AGENT_STATE_OK ||
        agent_state_list_exports(state, &exports, &count, &error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        rc = AGENT_EXIT_FAILED;
    } else {
        print_status(state, exports, count, agent_cli_has_switch(&args, "json"));
    }
    agent_state_exports_free(exports, count);
    agent_state_free(state);
    agent_config_dispose(&config);
    return rc;
}
