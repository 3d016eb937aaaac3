/* A hub on 127.0.0.1 for end-to-end suites: hubagent-mock from a configuration written here
 * (optionally landing completed runs into a real Azurite, the hub's storage), a Blob client
 * to read the containers back, and the environment of a hubagent pointed at both. Everything
 * started is stopped by hub_fixture_stop, also after a failed start. */
#ifndef HUBAGENT_TEST_HUB_FIXTURE_H
#define HUBAGENT_TEST_HUB_FIXTURE_H

#include "mock_client.h"

#include "arm/blob.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hub_fixture_options {
    const char *base_config;       /* under tests/data/ (default "mock-server/config.json") */
    bool azurite;                  /* start Azurite and land runs there (default true) */
    int queued_ms, in_progress_ms; /* run timing (default 0, 0) */
    int rows, max_rows_per_file;   /* what a landed run writes (default 50, 20) */
    int subscriptions;  /* extra subscriptions 00000000-0000-0000-0000-0000000001NN under mg-root
                           (default 0), see hub_subscription() */
    unsigned long seed; /* the mock's seed of random faults (0: the mock's own) */
} hub_fixture_options;

hub_fixture_options hub_fixture_options_default(void);

typedef struct hub_fixture {
    mock_fixture mock;
    test_azurite azurite; /* endpoint NULL without Azurite */
    char *dir;            /* a temporary folder of the suite's own (settings, states) */
    arm_http_client *http;
    arm_blob_client *blob; /* NULL without Azurite */
} hub_fixture;

/* Returns 0, or -1 with the reason on stderr (and nothing left running after
 * hub_fixture_stop). */
int hub_fixture_start(const hub_fixture_options *options, hub_fixture *out);
/* Stops the mock and Azurite and removes the folders. Returns 0 when the mock exited
 * cleanly (no sanitizer report, no crash), -1 otherwise. Safe on a zeroed fixture. */
int hub_fixture_stop(hub_fixture *hub);

/* "/subscriptions/00000000-0000-0000-0000-0000000001NN" of the extra subscription n. */
void hub_subscription(int n, char *out, size_t size);

/* Writes `text` to a file of the hub's folder; returns its path (malloc'd). */
char *hub_write(const hub_fixture *hub, const char *name, const char *text);

/* Writes a hub settings.json of the hub's folder with `scopes` (scope ids, `count` of them)
 * and `retention` (the JSON object's text); returns its path (malloc'd). */
char *hub_write_settings(const hub_fixture *hub, const char *name, char scopes[][128], size_t count,
                         const char *retention);

/* The environment of a hubagent acting for hub "Demo" as the test service principal with the
 * mock as Entra ID and ARM (and Azurite as its storage when the hub has one), with settings
 * and state files of the test's choice and 1 s polls. */
typedef struct hub_env {
    char *vars[40]; /* NULL-terminated, for test_process_start/test_run_command */
    char text[40][700];
    size_t count;
} hub_env;

void hub_env_init(hub_env *env, const hub_fixture *hub, const char *settings_path,
                  const char *state_path);
/* Sets NAME=VALUE (printf-style), replacing an earlier value of NAME. */
void hub_env_set(hub_env *env, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* ---- The hub's storage (fails the test when Azurite does) ---------------------------------- */

/* A blob's bytes (malloc'd) or NULL when it cannot be read. */
char *hub_blob_get(const hub_fixture *hub, const char *container, const char *name, size_t *len);
bool hub_blob_exists(const hub_fixture *hub, const char *container, const char *name);
void hub_blob_put(const hub_fixture *hub, const char *container, const char *name, const char *data,
                  size_t len);
/* Names under a prefix, newline-joined into `out`; returns the count. */
size_t hub_blob_list(const hub_fixture *hub, const char *container, const char *prefix, char *out,
                     size_t size);
/* runInfo.runId of the manifest placed in an ingestion folder (malloc'd), or NULL. */
char *hub_manifest_run(const hub_fixture *hub, const char *destination);

/* ---- Exports at T_SUB, through the mock's ARM with `token` ----------------------------------- */

/* PUTs export `name` (export_body("FocusCost", extra)) and runs it for January 2024 (asserting
 * the run call's 200); returns the PUT's status for the caller to check. */
long hub_export_create_and_run(const hub_fixture *hub, const char *token, const char *name,
                               const char *extra);
/* Polls runHistory (as a client would) until the newest run of `name` leaves Queued and
 * InProgress, and returns it (decref it); fails the test after about 30 s. */
json_t *hub_export_wait_run(const hub_fixture *hub, const char *token, const char *name);

#endif
