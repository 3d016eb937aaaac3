/* settings: the FinOps hub's config/settings.json — parsed, scopes normalised
 * and classified, duplicates and overlaps rejected before anything changes. */
#ifndef HUBAGENT_SETTINGS_H
#define HUBAGENT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum settings_status {
    SETTINGS_OK = 0,
    SETTINGS_E_IO,       /* the file could not be read */
    SETTINGS_E_SYNTAX,   /* not JSON */
    SETTINGS_E_INVALID,  /* JSON, but not valid hub settings (see the report) */
    SETTINGS_E_NOMEM,    /* out of memory */
    SETTINGS_E_ARGUMENT, /* a caller passed something unusable */
} settings_status;

const char *settings_status_text(settings_status status);

/* Every scope type Cost Management exports use, plus the management group,
 * which is recognised only to be refused with a reason. */
typedef enum settings_scope_type {
    SETTINGS_SCOPE_EA_BILLING_ACCOUNT,
    SETTINGS_SCOPE_EA_DEPARTMENT,
    SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT,
    SETTINGS_SCOPE_MCA_BILLING_ACCOUNT,
    SETTINGS_SCOPE_MCA_BILLING_PROFILE,
    SETTINGS_SCOPE_MCA_INVOICE_SECTION,
    SETTINGS_SCOPE_SUBSCRIPTION,
    SETTINGS_SCOPE_RESOURCE_GROUP,
    SETTINGS_SCOPE_MANAGEMENT_GROUP,
} settings_scope_type;

/* Stable machine name, e.g. "ea-department", "resource-group". */
const char *settings_scope_type_name(settings_scope_type type);

#define SETTINGS_SCOPE_MAX_PARENTS 3

/* One normalised scope. Strings are owned by the struct. */
typedef struct settings_scope {
    char *input; /* as written in the file */
    char *scope; /* normalised, e.g. "/subscriptions/<guid>" */
    settings_scope_type type;
    char *billing_account_id; /* billing scopes only, else NULL */
    char *subscription_id;    /* subscription and resource group, else NULL */
    /* Enclosing scopes that can be known from the path alone, nearest
     * first (normalised): a resource group's subscription, an invoice
     * section's billing profile then billing account. */
    char *parents[SETTINGS_SCOPE_MAX_PARENTS];
    size_t parent_count;
    size_t index; /* position in the file's scopes array */
    int line;     /* where the scope value is in the file (1-based), or 0 */
    int column;
} settings_scope;

/* Parses and normalises one scope string. On failure returns
 * SETTINGS_E_INVALID and writes why into `why` (may be NULL). */
settings_status settings_scope_parse(const char *text, settings_scope *out_scope, char *why,
                                     size_t why_size);
void settings_scope_dispose(settings_scope *scope);

typedef enum settings_severity {
    SETTINGS_SEVERITY_ERROR,
    SETTINGS_SEVERITY_WARNING,
} settings_severity;

/* One problem found in a settings file: where and what. */
typedef struct settings_problem {
    settings_severity severity;
    char *path;    /* JSON path, e.g. "$.scopes[3].scope" */
    int line;      /* 1-based, 0 when unknown */
    int column;    /* 1-based, 0 when unknown */
    char *message; /* one line, no trailing period */
} settings_problem;

/* The caller-owned error struct: every problem found, not only the first. */
typedef struct settings_report {
    char *source; /* file name used in messages */
    settings_problem *problems;
    size_t count;
    size_t capacity;
    size_t error_count;
} settings_report;

void settings_report_init(settings_report *report, const char *source);
void settings_report_dispose(settings_report *report);
/* Writes "SOURCE:LINE:COL: error: message" lines for each problem. */
void settings_report_print(const settings_report *report, void *file /* FILE* */);

typedef struct settings_retention {
    int msexports_days;   /* <= 0: delete processed source data */
    int ingestion_months; /* backfill window */
    int raw_days;
    int final_months;
} settings_retention;

typedef struct settings {
    char *schema;
    char *type;
    char *version;
    settings_scope *scopes;
    size_t scope_count;
    settings_retention retention;
    /* "spendScopes": where the spend scopes file is — a path relative to a settings file read
     * from disk, or a blob path in the hub's config container. NULL when absent. */
    char *spend_scopes;
} settings;

/* Looks up where the scopes sit in Azure beyond what their paths show (a
 * subscription's billing account, department, management group…). Fills
 * `out_ancestors` with up to `capacity` normalised scope strings it owns
 * (valid until the next call) and sets *out_count. Returns 0 on success;
 * non-zero makes the check fail with `why`. Used by the agent's online check. */
typedef struct settings_ancestry {
    int (*lookup)(void *payload, const settings_scope *scope, const char **out_ancestors,
                  size_t capacity, size_t *out_count, char *why, size_t why_size);
    void *payload;
} settings_ancestry;

/* Parses settings.json text. On SETTINGS_E_SYNTAX or SETTINGS_E_INVALID the
 * report says why and *out_settings is NULL: nothing half-parsed escapes. */
settings_status settings_parse(const char *text, size_t length, settings **out_settings,
                               settings_report *report);
settings_status settings_load_file(const char *path, settings **out_settings,
                                   settings_report *report);
void settings_free(settings *value);

/* Duplicate and overlap check over already-parsed scopes; run by
 * settings_parse with ancestry NULL (offline). With an ancestry the check
 * also sees containment that only Azure knows. Adds errors to the report. */
settings_status settings_check_overlaps(const settings_scope *scopes, size_t count,
                                        const settings_ancestry *ancestry, settings_report *report);

/* Files larger than this are refused before parsing. */
#define SETTINGS_MAX_FILE_BYTES (64u * 1024u * 1024u)

#endif
