/* `hubagent spend-scopes report`: a month's FOCUS cost rows attributed to the spend scopes.
 * With --output the month is tracked in the agent's state database, per destination (the
 * local folder, or the hub's ingestion container with --upload): a month whose definitions
 * digest and data digest both match the recorded ones is not evaluated again, its summary is
 * read back instead (as Kion's segments avoid reprocessing); --force evaluates anyway. */
#include "agent/cli_spend_int.h"
#include "agent/state.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct report_run {
    agent_cli_args args;
    agent_config config;
    spend_hub hub;
    bool json, upload, from_hub, force;
    const char *input;
    const char *output;
    spend_month month;
    char month_text[8];
    char relative[64]; /* SpendScopes/YYYY/MM/spend-scopes.parquet */
    spend_definitions *definitions;
    char *definitions_source;
    char definitions_digest[17], data_digest[17];
    spend_hub_month *hub_month; /* --from-hub: listed first, downloaded only when evaluated */
    char *fetched;              /* … into this temporary folder */
    char *data_source;
    char *output_path;   /* the local summary file */
    char *destination;   /* the state's key: canonical --output, or the hub's container URL */
    char *summary_place; /* the summary file, or its blob with --upload */
    agent_state *state;
    spend_summary *summary;
    spend_cli_outcome outcome;
} report_run;

static void report_run_dispose(report_run *r)
{
    spend_hub_remove_dir(r->fetched);
    free(r->fetched);
    spend_hub_month_free(r->hub_month);
    spend_hub_dispose(&r->hub);
    agent_state_free(r->state);
    spend_summary_free(r->summary);
    spend_definitions_free(r->definitions);
    free(r->definitions_source);
    free(r->data_source);
    free(r->output_path);
    free(r->destination);
    free(r->summary_place);
    agent_config_dispose(&r->config);
}

/* An absolute, canonical name for a folder that may not exist yet: its deepest existing
 * ancestor resolved (symlinks, "..", "./"), the rest appended, so one folder is one key. */
static char *canonical_folder(const char *path)
{
    char *resolved = realpath(path, NULL);
    if (resolved != NULL || errno != ENOENT)
        return resolved;
    char *copy = strdup(path);
    if (copy == NULL)
        return NULL;
    size_t length = strlen(copy);
    while (length > 1 && copy[length - 1] == '/')
        copy[--length] = '\0';
    char *slash = strrchr(copy, '/');
    const char *leaf = slash ? slash + 1 : copy;
    char *parent = slash == copy ? strdup("/") : NULL;
    if (slash != copy) {
        if (slash != NULL)
            *slash = '\0';
        parent = canonical_folder(slash ? copy : ".");
    }
    char *out = NULL;
    if (parent == NULL ||
        asprintf(&out, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/", leaf) < 0)
        out = NULL;
    free(parent);
    free(copy);
    return out;
}

static int parse_options(report_run *r, int argc, char **argv)
{
    /* Own switches; any other --name VALUE is an agent option (spend scopes, state, storage). */
    static const char *const switches[] = {
        "json",         "help",   "month=",   "input=", "output=",
        "spend-state=", "upload", "from-hub", "force",  NULL};
    int rc = agent_cli_parse_args(argc, argv, switches, &r->args);
    if (rc != AGENT_EXIT_OK)
        return rc;
    const agent_cli_args *args = &r->args;
    if (agent_cli_has_switch(args, "help")) {
        fputs(spend_cli_usage, stdout);
        return -1;
    }
    if (args->positional_count > 0)
        return agent_cli_usage_error("spend-scopes report: unknown argument '%s'",
                                     args->positional[0]);
    r->json = agent_cli_has_switch(args, "json");
    r->upload = agent_cli_has_switch(args, "upload");
    r->from_hub = agent_cli_has_switch(args, "from-hub");
    r->force = agent_cli_has_switch(args, "force");
    r->input = agent_cli_switch_value(args, "input");
    r->output = agent_cli_switch_value(args, "output");
    const char *month_text = agent_cli_switch_value(args, "month");
    if (agent_cli_switch_value(args, "spend-state") != NULL)
        return agent_cli_usage_error(
            "spend-scopes report: --spend-state is gone: evaluated months are kept in the "
            "agent's state database (--state FILE, default hubagent-state.db) with --output");
    if (month_text == NULL || !spend_month_parse(month_text, &r->month))
        return agent_cli_usage_error("spend-scopes report: --month YYYY-MM is required%s%s%s",
                                     month_text ? " (not '" : "", month_text ? month_text : "",
                                     month_text ? "')" : "");
    if ((r->input == NULL) == !r->from_hub)
        return agent_cli_usage_error("spend-scopes report: either --input DIR or --from-hub");
    if (r->upload && r->output == NULL)
        return agent_cli_usage_error("spend-scopes report: --upload needs --output (the local "
                                     "copy it uploads)");
    if (r->force && r->output == NULL)
        return agent_cli_usage_error("spend-scopes report: --force needs --output (without it "
                                     "every report evaluates)");
    spend_month_format(r->month, r->month_text);
    spend_summary_relative_path(r->month, r->relative, sizeof r->relative);
    return AGENT_EXIT_OK;
}

/* Where the summary goes and under which key the state tracks it. */
static int choose_destination(report_run *r)
{
    char *folder = canonical_folder(r->output);
    if (folder == NULL) {
        fprintf(stderr, "hubagent: --output %s: %s\n", r->output, strerror(errno));
        return AGENT_EXIT_FAILED;
    }
    int ok = asprintf(&r->output_path, "%s/%s", folder, r->relative) >= 0;
    if (!ok)
        r->output_path = NULL;
    char endpoint[512];
    if (ok && r->upload) {
        if (spend_hub_endpoint(&r->hub, endpoint, sizeof endpoint) == NULL) {
            free(folder);
            fprintf(stderr, "hubagent: --upload: no --storage-endpoint: where is the hub's "
                            "storage account?\n");
            return AGENT_EXIT_FAILED;
        }
        ok = asprintf(&r->destination, "%s/%s", endpoint, SPEND_INGESTION_CONTAINER) >= 0 &&
             asprintf(&r->summary_place, "%s/%s", SPEND_INGESTION_CONTAINER, r->relative) >= 0;
        free(folder);
    } else if (ok) {
        r->destination = folder;
        r->summary_place = strdup(r->output_path);
        ok = r->summary_place != NULL;
    } else {
        free(folder);
    }
    return ok ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

static int compute_digests(report_run *r)
{
    spend_definitions_month_digest(r->definitions, r->month, r->definitions_digest);
    if (r->from_hub) {
        int code = spend_hub_month_open(&r->hub, r->month / 12, r->month % 12 + 1, &r->hub_month,
                                        r->data_digest);
        if (code == AGENT_EXIT_OK &&
            (r->data_source = strdup(spend_hub_month_prefix(r->hub_month))) == NULL)
            code = AGENT_EXIT_FAILED;
        return code;
    }
    if (r->output == NULL)
        return AGENT_EXIT_OK; /* nothing is recorded: the data needs no digest */
    spend_error error;
    spend_error_init(&error);
    if (spend_directory_fingerprint(r->input, r->data_digest, &error) != SPEND_OK) {
        fprintf(stderr, "%s: error: %s\n", error.file, error.message);
        return AGENT_EXIT_FAILED;
    }
    r->data_source = canonical_folder(r->input);
    if (r->data_source == NULL)
        fprintf(stderr, "hubagent: --input %s: %s\n", r->input, strerror(errno));
    return r->data_source != NULL ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

static void format_time(int64_t when, char *out, size_t size)
{
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool same_cents(double a, double b)
{
    return fabs(a - b) < 0.005;
}

/* The recorded summary, read back; false when it is gone or is not the one recorded. */
static bool read_back(report_run *r, const agent_state_spend_month *recorded)
{
    spend_error error;
    spend_error_init(&error);
    if (r->upload &&
        spend_hub_download(&r->hub, r->relative, r->output_path, true) != AGENT_EXIT_OK)
        return false;
    if (spend_summary_read_parquet(r->output_path, &r->summary, &error) != SPEND_OK)
        return false;
    const spend_totals *t = &r->summary->month_total;
    if ((int64_t)t->row_count != recorded->rows ||
        !same_cents(t->billed_cost, recorded->billed_cost) ||
        !same_cents(t->effective_cost, recorded->effective_cost) ||
        !same_cents(t->list_cost, recorded->list_cost)) {
        spend_summary_free(r->summary);
        r->summary = NULL;
        return false;
    }
    r->summary->file_count = (size_t)recorded->files;
    r->summary->rows_outside_month = (uint64_t)recorded->rows_outside_month;
    return true;
}

/* Decides whether the month is evaluated, and says why in outcome.reason. */
static int check_recorded(report_run *r)
{
    agent_state_spend_month recorded;
    agent_state_error error = {0};
    agent_state_status status =
        agent_state_get_spend_month(r->state, r->month_text, r->destination, &recorded, &error);
    if (status != AGENT_STATE_OK && status != AGENT_STATE_E_NOT_FOUND) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        return AGENT_EXIT_FAILED;
    }
    bool found = status == AGENT_STATE_OK;
    unsigned changes = agent_state_spend_month_changes(found ? &recorded : NULL,
                                                       r->definitions_digest, r->data_digest);
    char when[32] = "";
    if (found)
        format_time(recorded.evaluated_at, when, sizeof when);
    char *reason = r->outcome.reason;
    size_t size = sizeof r->outcome.reason;
    if (changes & AGENT_SPEND_NEVER_EVALUATED)
        snprintf(reason, size, "%s was never evaluated into %s", r->month_text, r->destination);
    else if (changes == (AGENT_SPEND_DEFINITIONS_CHANGED | AGENT_SPEND_DATA_CHANGED))
        snprintf(reason, size, "the definitions and the data changed since %s", when);
    else if (changes & AGENT_SPEND_DEFINITIONS_CHANGED)
        snprintf(reason, size, "the definitions in force for %s changed since %s", r->month_text,
                 when);
    else if (changes & AGENT_SPEND_DATA_CHANGED)
        snprintf(reason, size, "the data changed since %s", when);
    else if (r->force)
        snprintf(reason, size, "--force (unchanged since %s)", when);
    else if (read_back(r, &recorded))
        snprintf(reason, size,
                 "definitions (%s) and data (%s) unchanged since evaluated at %s; --force "
                 "evaluates again",
                 r->definitions_digest, r->data_digest, when);
    else
        snprintf(reason, size, "unchanged since %s, but the summary at %s is gone or differs", when,
                 r->summary_place);
    r->outcome.skipped = r->summary != NULL;
    if (found)
        agent_state_spend_month_dispose(&recorded);
    return AGENT_EXIT_OK;
}

static int evaluate(report_run *r)
{
    const char *input = r->input;
    if (r->from_hub) {
        int code = spend_hub_month_download(&r->hub, r->hub_month, &r->fetched);
        if (code != AGENT_EXIT_OK)
            return code;
        input = r->fetched;
    }
    spend_error error;
    spend_error_init(&error);
    if (spend_evaluate_directory(r->definitions, r->month, input, &r->summary, &error) !=
        SPEND_OK) {
        fprintf(stderr, "%s%serror: %s\n", error.file, error.file[0] ? ": " : "", error.message);
        return AGENT_EXIT_FAILED;
    }
    if (r->output_path != NULL &&
        spend_summary_write_parquet(r->summary, r->output_path, &error) != SPEND_OK) {
        fprintf(stderr, "%s: error: %s\n", error.file, error.message);
        return AGENT_EXIT_FAILED;
    }
    if (!r->upload)
        return AGENT_EXIT_OK;
    if (!spend_summary_reconciles(r->summary)) {
        fprintf(stderr, "hubagent: spend-scopes report: totals do not reconcile: not uploaded\n");
        return AGENT_EXIT_FAILED;
    }
    return spend_hub_upload(&r->hub, r->output_path, r->relative);
}

/* Only a summary that reconciles and reached its destination is recorded. */
static int record(report_run *r)
{
    const spend_summary *s = r->summary;
    agent_state_spend_month m = {.month = r->month_text,
                                 .destination = r->destination,
                                 .definitions_digest = r->definitions_digest,
                                 .data_digest = r->data_digest,
                                 .data_source = r->data_source,
                                 .summary = r->summary_place,
                                 .files = (int64_t)s->file_count,
                                 .rows = (int64_t)s->month_total.row_count,
                                 .billed_cost = s->month_total.billed_cost,
                                 .effective_cost = s->month_total.effective_cost,
                                 .list_cost = s->month_total.list_cost,
                                 .unscoped_rows = (int64_t)s->unscoped.row_count,
                                 .rows_outside_month = (int64_t)s->rows_outside_month,
                                 .evaluated_at = (int64_t)time(NULL)};
    agent_state_error error = {0};
    if (agent_state_put_spend_month(r->state, &m, &error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

static int open_state(report_run *r)
{
    agent_state_error error = {0};
    if (agent_state_open(agent_config_get(&r->config, AGENT_OPTION_STATE), NULL, &r->state,
                         &error) != AGENT_STATE_OK) {
        fprintf(stderr, "hubagent: %s\n", error.message);
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

static int run_report(report_run *r)
{
    int code = spend_hub_load_definitions(&r->hub, &r->definitions, &r->definitions_source);
    r->outcome.definitions = r->definitions_source;
    if (code == AGENT_EXIT_OK && r->output != NULL)
        code = choose_destination(r);
    r->outcome.output_path = r->output_path;
    if (code == AGENT_EXIT_OK)
        code = compute_digests(r);
    if (r->output == NULL)
        snprintf(r->outcome.reason, sizeof r->outcome.reason,
                 "no --output: nothing is written or recorded");
    else if (code == AGENT_EXIT_OK && (code = open_state(r)) == AGENT_EXIT_OK)
        code = check_recorded(r);
    if (code == AGENT_EXIT_OK && !r->outcome.skipped)
        code = evaluate(r);
    if (code == AGENT_EXIT_OK && !r->outcome.skipped && r->state != NULL &&
        spend_summary_reconciles(r->summary))
        code = record(r);
    if (code != AGENT_EXIT_OK)
        return code;
    spend_cli_print_report(stdout, r->json, r->definitions, r->summary, &r->outcome);
    if (r->summary->rows_outside_month > 0)
        fprintf(stderr,
                "hubagent: spend-scopes report: warning: %llu rows have a ChargePeriodStart "
                "outside %s: does --input hold only that month's data?\n",
                (unsigned long long)r->summary->rows_outside_month, r->month_text);
    if (!spend_summary_reconciles(r->summary)) {
        fprintf(stderr, "hubagent: spend-scopes report: totals do not reconcile\n");
        return AGENT_EXIT_FAILED;
    }
    return AGENT_EXIT_OK;
}

int spend_cli_report(int argc, char **argv)
{
    report_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return AGENT_EXIT_FAILED;
    int code = parse_options(r, argc, argv);
    if (code == AGENT_EXIT_OK &&
        (code = agent_cli_load_config(&r->args, &r->config)) == AGENT_EXIT_OK) {
        r->hub.config = &r->config;
        code = run_report(r);
    }
    report_run_dispose(r);
    free(r);
    return code < 0 ? AGENT_EXIT_OK : code; /* -1: --help */
}
