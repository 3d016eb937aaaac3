/* What the backfill tests share: the mock hub with subscriptions of their own,
 * settings of an EA account and those subscriptions, hubagent commands against
 * them, and checks of each month's runs from the mock's own records. */
#ifndef HUBAGENT_TEST_BACKFILL_FIXTURE_H
#define HUBAGENT_TEST_BACKFILL_FIXTURE_H

#include "../mock-server/mock_client.h"
#include "mock_fixture.h"

#include <jansson.h>

#define EA            "/providers/Microsoft.Billing/billingAccounts/8611537"
#define SUBSCRIPTIONS 5
#define MONTHS        13

extern mock_fixture mock;
extern char *work_dir;
extern char *settings_path;  /* EA + SUBSCRIPTIONS subscriptions, MONTHS of retention */
extern char state_path[600]; /* a new state per test (reset_mock) */
extern char scopes[SUBSCRIPTIONS + 1][128]; /* EA, then the subscriptions */

typedef struct run_result {
    int code;
    char *out;
    char *err;
} run_result;

typedef struct command {
    char *argv[24];
    char *env[16];
    char storage[8][700];
} command;

void run_result_dispose(run_result *r);
/* `hubagent SUBCOMMAND ARGS…` with the mock's endpoints, short polls and the test's state. */
void command_init(command *c, const char *subcommand, const char *const *args);
void command_dispose(command *c);
/* Runs `hubagent backfill ARGS…` to its end. */
run_result backfill(const char *const *args);
/* Asserts the exit code, printing both outputs when it differs. */
void expect_code(run_result *r, int code);
/* "YYYY-MM" of the month `back` months before the current one. */
void month_back(int back, char *out, size_t size);
/* The mock's record of one export's runs. */
json_t *mock_runs(const char *scope, const char *name);
/* Every one of the last `months` months ran exactly once without failing at this export
 * (failed runs may precede it), and no other month ran. Returns the failed runs seen. */
int expect_each_month_once(const char *scope, const char *name, int months);

/* cmocka group setup/teardown (mock up, files written) and per-test setup (mock reset,
 * a new state file). */
int group_setup(void **state);
int group_teardown(void **state);
int reset_mock(void **state);

#endif
