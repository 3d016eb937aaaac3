/* What the hand-off suites share: a hub (the mock landing runs in Azurite), hubagent runs
 * acting for it, and runs landed the way Cost Management lands them. */
#ifndef HUBAGENT_TEST_HANDOFF_FIXTURE_H
#define HUBAGENT_TEST_HANDOFF_FIXTURE_H

#include "hub_check.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define EXPORTS  T_SUB "/providers/Microsoft.CostManagement/exports"
#define SUB_DEST "Costs/2024/01/subscriptions/00000000-0000-0000-0000-00000000000a"

extern hub_fixture hub;
extern char *token;         /* the test service principal's ARM token */
extern char *settings_path; /* T_SUB, retention.msexports.days 0 */
extern int state_number;    /* each test's own state file: state-N.db */
extern char *keep_settings; /* when set: a settings.json with retention.msexports.days 7 */

/* cmocka group setup and teardown: the hub up, the token, the settings. */
int handoff_setup(void **state);
int handoff_teardown(void **state);

/* The environment of every hubagent here: the hub, hub "Demo", costs only, the test's state. */
void handoff_env(hub_env *env);
/* `hubagent COMMAND A1…A4` (NULL ends the arguments early) in that environment. */
test_run_result hubagent(const char *command, const char *a1, const char *a2, const char *a3,
                         const char *a4);
test_run_result ingest(const char *a1, const char *a2, const char *a3, const char *a4);
void sleep_ms(long ms);

/* Creates an export at T_SUB, runs it for January 2024 and waits for it; returns its run id. */
char *mock_run(const char *name, const char *extra);
/* Lands a run the way Cost Management does, minus the manifest (returned, to upload with
 * put_manifest once a test has shaped it). Files are of January 2024. */
json_t *land_dataset(const char *scope, const char *export_name, const char *run_id,
                     const char *submitted, bool parquet, uint64_t rows, uint64_t per_file,
                     const char *dataset, const char *version, const char *variant);
/* land_dataset for FocusCost 1.0r2. */
json_t *land(const char *scope, const char *export_name, const char *run_id, const char *submitted,
             bool parquet, uint64_t rows, uint64_t per_file);
void put_manifest(json_t *m);
/* The name of the manifest's i-th blob. */
const char *blob_name(json_t *m, size_t i);

#endif
