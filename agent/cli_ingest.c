/* `hubagent ingest`: hands landed runs in msexports to the hub's ingestion layout on demand,
 * and the same pass for `run --once` after its runs were watched. */
#include "agent/azure.h"
#include "agent/cli.h"
#include "agent/datafactory.h"
#include "agent/handoff.h"
#include "agent/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

enum { EXIT_SOME_FAILED = 3 };

static const char ingest_usage[] =
    "usage: hubagent ingest [--scope S] [--month YYYY-MM] [--wait SECONDS]\n"
    "                       [--incomplete-after SECONDS] [--summary] [--json]\n"
    "                       [--handoff native|adf] [--prefix P]\n"
    "                       [--OPTION VALUE]...\n\n"
    "Hands every new landed run (manifest.json in msexports) to the hub's ingestion\n"
    "layout, as the hub's msexports_ExecuteETL does: Parquet copied server-side, CSV\n"
    "converted to Parquet/Snappy, the other runs' files of the month removed, the\n"
    "manifest copied last. Each manifest (path + eTag) is handled once; a run whose\n"
    "files are not all there waits, and after --incomplete-after seconds (default\n"
    "3600) is reported incomplete. Bad files are moved under msexports/quarantine/.\n"
    "  --scope S         only runs of this scope\n"
    "  --month YYYY-MM   only runs of this month\n"
    "  --wait SECONDS    poll this long for a run's missing files (default 0)\n"
    "  --prefix P        only manifests whose msexports path starts with P (e.g. the\n"
    "                    blob an Event Grid BlobCreated event names)\n"
    "  --summary         only print what was handed off, per scope and month\n"
    "  --handoff adf     start the hub's own Data Factory pipeline msexports_ExecuteETL\n"
    "                    for each run instead (--data-factory-id, else the hub's\n"
    "                    {hub}-engine-* factory) and\n"
    "                    follow it to its end (--watch seconds, default 3600)\n"
    "Exit 0 when every run was handed off (or was already), 3 when some wait, were\n"
    "quarantined, conflict or failed, 1 when it could not start.\n";

static void print_report(const agent_handoff_report *r, FILE *out)
{
    fprintf(out,
            "Hand-off: %zu manifests; %zu handed off (%zu files, %zu converted), %zu already, "
            "%zu superseded, %zu waiting, %zu incomplete, %zu quarantined, %zu empty, "
            "%zu conflicts, %zu invalid, %zu failed; %zu source blobs deleted by retention; "
            "%llu bytes copied server-side, %llu bytes read by the agent.\n",
            r->manifests, r->handed_off, r->files, r->converted, r->already, r->superseded,
            r->waiting, r->incomplete, r->quarantined, r->empty, r->conflicts, r->invalid,
            r->failed, r->retention_deleted, (unsigned long long)r->bytes_copied,
            (unsigned long long)r->bytes_downloaded);
}

static size_t problems(const agent_handoff_report *r)
{
    return r->waiting + r->incomplete + r->quarantined + r->conflicts + r->invalid + r->failed;
}

size_t agent_cli_ingest_pass(agent_azure *azure, agent_state *state, const settings *value,
                             FILE *out)
{
    if (azure->blob == NULL) {
        fprintf(stderr, "hubagent: hand-off skipped: no --storage-endpoint\n");
        return 0;
    }
    agent_handoff_options options = agent_handoff_options_default();
    options.retention_days = value ? value->retention.msexports_days : 0;
    agent_handoff_report report;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    if (agent_handoff_run(azure->blob, state, &options, stderr, &report, &error) !=
        AGENT_HANDOFF_OK) {
        fprintf(stderr, "hubagent: hand-off: %s\n", error.message);
        return 1;
    }
    print_report(&report, out);
    /* A run still waiting for its files is not a failure yet: it is bounded and reported. */
    return problems(&report) - report.waiting;
}

/* Sends each line of a memory stream to the agent log. */
static void log_lines(char *text, agent_log_level level)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        agent_log(strstr(line, " → ") ? AGENT_LOG_INFO : level, "%s", line); /* placed: info */
}

size_t agent_handoff_after_tick(agent_azure *azure, agent_state *state, const settings *value)
{
    if (azure->blob == NULL)
        return 0; /* no storage endpoint: nothing to hand off from */
    char *log_text = NULL, *out_text = NULL;
    size_t log_size = 0, out_size = 0;
    FILE *log = open_memstream(&log_text, &log_size);
    FILE *out = open_memstream(&out_text, &out_size);
    if (log == NULL || out == NULL) {
        if (log)
            fclose(log);
        if (out)
            fclose(out);
        free(log_text);
        free(out_text);
        return agent_cli_ingest_pass(azure, state, value, stderr);
    }
    agent_handoff_options options = agent_handoff_options_default();
    options.retention_days = value ? value->retention.msexports_days : 0;
    agent_handoff_report report;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    agent_handoff_status status =
        agent_handoff_run(azure->blob, state, &options, log, &report, &error);
    if (status == AGENT_HANDOFF_OK && report.manifests > report.already)
        print_report(&report, out);
    fclose(log);
    fclose(out);
    log_lines(log_text, AGENT_LOG_WARN);
    log_lines(out_text, AGENT_LOG_INFO);
    free(log_text);
    free(out_text);
    if (status != AGENT_HANDOFF_OK) {
        agent_log(AGENT_LOG_ERROR, "hand-off: %s", error.message);
        return 1;
    }
    return problems(&report) - report.waiting;
}

static bool parse_int(const char *text, int *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 0 || value > 86400 * 365)
        return false;
    *out = (int)value;
    return true;
}

static int run_ingest(const agent_cli_args *args, const char *scope, int year, int month,
                      const char *month_text)
{
    agent_config config;
    if (agent_cli_load_config(args, &config) != AGENT_EXIT_OK)
        return AGENT_EXIT_FAILED;
    agent_handoff_options options = agent_handoff_options_default();
    options.scope = scope;
    /* An Event Grid BlobCreated handler passes the manifest's own path (or folder) here. */
    options.prefix = agent_cli_switch_value(args, "prefix");
    options.year = year;
    options.month = month;
    const char *wait = agent_cli_switch_value(args, "wait");
    const char *after = agent_cli_switch_value(args, "incomplete-after");
    int rc = AGENT_EXIT_OK;
    if ((wait && !parse_int(wait, &options.wait_s)) ||
        (after && !parse_int(after, &options.incomplete_after_s))) {
        agent_config_dispose(&config);
        return agent_cli_usage_error("ingest: --wait and --incomplete-after take seconds");
    }
    agent_state *state = NULL;
    agent_state_error state_error = {0};
    agent_state_options state_options = agent_state_options_default();
    bool summary_only = agent_cli_has_switch(args, "summary");
    state_options.read_only = summary_only;
    if (agent_state_open(agent_config_get(&config, AGENT_OPTION_STATE), &state_options, &state,
                         &state_error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", state_error.message);
        agent_config_dispose(&config);
        return AGENT_EXIT_FAILED;
    }
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    if (!summary_only) {
        agent_azure *azure = NULL;
        arm_error arm;
        arm_error_init(&arm);
        settings *value = NULL;
        char *etag = NULL;
        if (agent_config_get(&config, AGENT_OPTION_STORAGE_ENDPOINT) == NULL) {
            fprintf(stderr, "hubagent: ingest needs the hub's storage: --storage-endpoint\n");
            rc = AGENT_EXIT_FAILED;
        } else if (agent_azure_open(&config, &azure, &arm) != ARM_OK) {
            char line[1024];
            fprintf(stderr, "hubagent: cannot connect to Azure: %s\n",
                    arm_error_format(&arm, line, sizeof line));
            rc = AGENT_EXIT_FAILED;
        } else {
            settings_report report;
            const char *source = agent_config_get(&config, AGENT_OPTION_SETTINGS);
            settings_report_init(&report, source ? source : "config/settings.json");
            settings_status loaded =
                agent_settings_load(&config, azure, &value, &etag, &report, &arm);
            settings_report_print(&report, stderr);
            settings_report_dispose(&report);
            if (loaded != SETTINGS_OK) {
                fprintf(stderr, "hubagent: settings rejected (retention unknown); nothing was "
                                "handed off\n");
                rc = AGENT_EXIT_FAILED;
            }
        }
        agent_handoff_adf adf = {0};
        agent_hub_factory factory = {0};
        const char *mode = agent_cli_switch_value(args, "handoff");
        bool use_adf = rc == AGENT_EXIT_OK && mode != NULL && strcmp(mode, "adf") == 0;
        if (use_adf) {
            /* --data-factory-id, else the hub's "{hub}-engine-*" factory next to its storage. */
            if (agent_config_get(&config, AGENT_OPTION_DATA_FACTORY_ID) != NULL ||
                agent_config_get(&config, AGENT_OPTION_HUB_NAME) != NULL) {
                arm_error_init(&arm);
                if (agent_hub_factory_inspect(azure, &config, &factory, &arm) != ARM_OK) {
                    char line[1024];
                    fprintf(stderr, "hubagent: finding the hub's Data Factory: %s\n",
                            arm_error_format(&arm, line, sizeof line));
                }
            }
            if (factory.id == NULL) {
                fprintf(stderr, "hubagent: --handoff adf needs the hub's Data Factory: give "
                                "--data-factory-id (or --hub-name and --storage-account-id to "
                                "find {hub}-engine-*)\n");
                rc = AGENT_EXIT_FAILED;
            }
        }
        if (rc == AGENT_EXIT_OK && use_adf) {
            adf.arm = &azure->arm;
            adf.arm_endpoint = azure->arm_endpoint;
            adf.factory_id = factory.id;
            int watch = agent_config_get_int(&config, AGENT_OPTION_WATCH);
            adf.watch_s = watch > 0 ? watch : 3600;
            adf.poll_s = agent_config_get_int(&config, AGENT_OPTION_POLL_INTERVAL);
            options.adf = &adf;
        }
        if (rc == AGENT_EXIT_OK) {
            options.retention_days = value->retention.msexports_days;
            agent_handoff_report report;
            if (agent_handoff_run(azure->blob, state, &options, stderr, &report, &error) !=
                AGENT_HANDOFF_OK) {
                fprintf(stderr, "hubagent: hand-off: %s\n", error.message);
                rc = AGENT_EXIT_FAILED;
            } else {
                print_report(&report, agent_cli_has_switch(args, "json") ? stderr : stdout);
                rc = problems(&report) ? EXIT_SOME_FAILED : AGENT_EXIT_OK;
            }
        }
        agent_hub_factory_dispose(&factory);
        settings_free(value);
        free(etag);
        agent_azure_free(azure);
    }
    if (rc != AGENT_EXIT_FAILED &&
        agent_handoff_print_summary(state, scope, month_text, agent_cli_has_switch(args, "json"),
                                    stdout, &error) != AGENT_HANDOFF_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        rc = AGENT_EXIT_FAILED;
    }
    agent_state_free(state);
    agent_config_dispose(&config);
    return rc;
}

int agent_cli_ingest(int argc, char **argv)
{
    static const char *const switches[] = {
        "scope=",  "month=", "wait=", "incomplete-after=", "summary", "json", "handoff=",
        "prefix=", "help",   NULL};
    agent_cli_args args;
    int rc = agent_cli_parse_args(argc, argv, switches, &args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    if (agent_cli_has_switch(&args, "help")) {
        fputs(ingest_usage, stdout);
        return AGENT_EXIT_OK;
    }
    if (args.positional_count > 0)
        return agent_cli_usage_error("ingest: unexpected argument '%s'", args.positional[0]);
    const char *month_text = agent_cli_switch_value(&args, "month");
    int year = 0, month = 0;
    char tail = 0;
    if (month_text != NULL && (sscanf(month_text, "%4d-%2d%c", &year, &month, &tail) != 2 ||
                               strlen(month_text) != 7 || year < 2000 || month < 1 || month > 12))
        return agent_cli_usage_error("ingest: --month is YYYY-MM, not '%s'", month_text);
    const char *mode = agent_cli_switch_value(&args, "handoff");
    if (mode != NULL && strcmp(mode, "native") != 0 && strcmp(mode, "adf") != 0)
        return agent_cli_usage_error("ingest: --handoff is native or adf, not '%s'", mode);
    const char *scope = agent_cli_switch_value(&args, "scope");
    char *lower = NULL;
    if (scope != NULL) {
        /* Scopes are compared as the hub stores them: lowercase, no trailing slash. */
        lower = strdup(scope);
        size_t n = strlen(lower);
        while (n > 1 && lower[n - 1] == '/')
            lower[--n] = '\0';
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    rc = run_ingest(&args, lower, year, month, month_text);
    free(lower);
    return rc;
}
