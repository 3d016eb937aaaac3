/* Test fixture for hubagent-mock: starts the built mock on OS-chosen ports with a given
 * configuration, reads its JSON start line, exposes the endpoints, and always stops it. */
#ifndef HUBAGENT_MOCK_FIXTURE_H
#define HUBAGENT_MOCK_FIXTURE_H

#include "test_util.h"

typedef struct mock_fixture {
    test_process process;
    char *dir;               /* temporary folder holding the CA certificate */
    char *ca_path;           /* CA PEM to trust (CURLOPT_CAINFO, REQUESTS_CA_BUNDLE) */
    char *arm;               /* https://127.0.0.1:PORT — ARM */
    char *login;             /* https://127.0.0.1:PORT — Entra ID (authority host) */
    char *imds;              /* http://127.0.0.1:PORT — IMDS base */
    char *identity_endpoint; /* http://127.0.0.1:PORT/msi/token — IDENTITY_ENDPOINT, MSI_ENDPOINT */
    char *identity_header;   /* IDENTITY_HEADER value the mock expects */
    char *admin;             /* http://127.0.0.1:PORT — admin API */
    char *start_line;        /* the whole JSON line */
} mock_fixture;

/* Starts ${HUBAGENT_BINARY_DIR}/mock-server/hubagent-mock --config config_path on port 0
 * and waits (up to 10 s) for its start line. Returns 0, or -1 with the reason and the
 * mock's stderr on stderr (and nothing left running). */
int mock_fixture_start(const char *config_path, mock_fixture *out);

/* Stops the mock (SIGTERM, then SIGKILL) and frees everything. Safe on a zeroed or
 * already-stopped fixture. Returns the exit status as waitpid reports it; when that is not
 * a clean exit 0 (a sanitizer report, a crash) the mock's stderr is printed. */
int mock_fixture_stop(mock_fixture *fixture);

/* The string value of "key" in a flat JSON object line (malloc'd), or NULL. */
char *mock_fixture_json_field(const char *line, const char *key);

#endif
