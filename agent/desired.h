/* agent desired state: the Cost Management exports a FinOps hub keeps for each
 * scope (names, datasets, bodies), and the field-by-field drift from Azure's. */
#ifndef HUBAGENT_AGENT_DESIRED_H
#define HUBAGENT_AGENT_DESIRED_H

#include "settings/settings.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum agent_dataset {
    AGENT_DATASET_COSTS,  /* FocusCost, daily and monthly */
    AGENT_DATASET_PRICES, /* PriceSheet */
    AGENT_DATASET_RESERVATION_DETAILS,
    AGENT_DATASET_RESERVATION_TRANSACTIONS,
    AGENT_DATASET_RECOMMENDATIONS, /* ReservationRecommendations */
    AGENT_DATASET_COUNT,
} agent_dataset;

/* "costs", "prices", "reservationdetails", "reservationtransactions",
 * "recommendations"; agent_dataset_parse accepts these names. */
const char *agent_dataset_name(agent_dataset dataset);
bool agent_dataset_parse(const char *name, agent_dataset *out_dataset);

typedef struct agent_desired_options {
    const char *hub_name;           /* export names start with lower(hub_name) */
    const char *storage_account_id; /* ARM id of the hub's storage account */
    const char *focus_version;      /* "1.0r2" (default), "1.0", "1.0-preview", "1.2-preview" */
    bool dataset_enabled[AGENT_DATASET_COUNT];
} agent_desired_options;

/* Defaults: every dataset on, FOCUS 1.0r2. hub_name and storage_account_id
 * must still be set. */
agent_desired_options agent_desired_options_default(void);

/* One export the hub keeps at a scope. */
typedef struct agent_desired_export {
    char *name; /* e.g. "myhub-daily-costdetails" */
    agent_dataset dataset;
    const char *recurrence; /* "Daily" or "Monthly" */
    json_t *body;           /* the PUT body (owned) */
} agent_desired_export;

typedef struct agent_desired_set {
    agent_desired_export *exports;
    size_t count;
} agent_desired_set;

typedef enum agent_desired_status {
    AGENT_DESIRED_OK = 0,
    AGENT_DESIRED_E_OPTIONS, /* hub name, storage id or FOCUS version unusable */
    AGENT_DESIRED_E_NOMEM,
} agent_desired_status;

/* The exports for one scope, following the dataset × scope-type matrix:
 * EA billing accounts and MCA billing profiles get all six, every other
 * scope type the two cost exports. `why` explains an options error. */
agent_desired_status agent_desired_for_scope(const settings_scope *scope,
                                             const agent_desired_options *options,
                                             agent_desired_set *out_set, char *why,
                                             size_t why_size);
void agent_desired_set_dispose(agent_desired_set *set);

/* Scope ids compare without case and without leading or trailing slashes. */
bool agent_scope_id_equal(const char *a, const char *b);
/* The settings' scope with this id, or NULL. */
const settings_scope *agent_settings_find_scope(const settings *value, const char *scope);

/* True when `name` is lower(hub_name) followed by one of the suffixes of the
 * hub's exports: an export this hub owns, whatever this run wants. */
bool agent_desired_is_hub_export(const char *hub_name, const char *name);

/* A stable fingerprint of a body (FNV-1a over its canonical JSON), as 16
 * hex digits into out (17 bytes). */
void agent_desired_body_hash(const json_t *body, char out[17]);

/* Where Cost Management writes a scope's files under msexports: the scope
 * without its leading "/", with ":" (refused by Cost Management in paths,
 * present in every MCA id) replaced by "-", which keeps it unique. Malloc'd. */
char *agent_desired_root_folder(const char *scope);

/* The fields of `desired` that differ in `actual` (an export as ARM returns
 * it), one entry per field: its path, the value wanted and the value seen
 * (JSON text, "(missing)" when absent). Enum values compare without case, as
 * the service does. */
typedef struct agent_field_diff {
    char *path;
    char *want;
    char *have;
} agent_field_diff;

typedef struct agent_export_diff {
    agent_field_diff *fields;
    size_t count;
} agent_export_diff;

agent_desired_status agent_desired_diff(const json_t *desired, const json_t *actual,
                                        agent_export_diff *out_diff);
void agent_export_diff_dispose(agent_export_diff *diff);

#endif
