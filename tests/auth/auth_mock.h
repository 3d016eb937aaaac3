/* auth integration test support: hubagent-mock started once per suite (with the CA it
 * writes), HTTP through arm/http.h, admin calls, and token checks against the mock's ARM. */
#ifndef HUBAGENT_TEST_AUTH_MOCK_H
#define HUBAGENT_TEST_AUTH_MOCK_H

#include "arm/http.h"
#include "auth/auth.h"
#include "auth_fake.h"
#include "mock_fixture.h"

/* From the mock's tests/data/mock-server/config.json. */
#define M_TENANT        "11111111-1111-1111-1111-111111111111"
#define M_SP            "aaaaaaaa-0000-0000-0000-000000000001"
#define M_SP_OID        "bbbbbbbb-0000-0000-0000-000000000001"
#define M_SP_SECRET     "test-secret-1"
#define M_MI_SYSTEM_OID "dddddddd-0000-0000-0000-000000000001"
#define M_MI_USER       "cccccccc-0000-0000-0000-000000000002"
#define M_MI_USER_OID   "dddddddd-0000-0000-0000-000000000002"
#define M_MI_USER_RES_ID                                                                           \
    "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-hub/providers/"         \
    "Microsoft.ManagedIdentity/userAssignedIdentities/uami"
#define M_MSI_SECRET "test-msi-secret"
#define ARM_RESOURCE "https://management.azure.com"

extern mock_fixture fx;
extern char *dir;
extern char *sp_pem;    /* key + registered certificate */
extern char *other_pem; /* key + certificate the mock does not know */
extern char *sp_key_path, *sp_cert_path;
extern int64_t clock_offset; /* test_clock = time(NULL) + clock_offset */
extern fake_time sleeps;     /* records back-off without sleeping */
extern fake_log log_lines;

int64_t test_clock(void *ctx);
/* cmocka group setup/teardown: start and always stop the mock. */
int group_setup(void **state);
int group_teardown(void **state);
/* One HTTP call trusting the mock's CA; returns the status (0 = none). */
long http(const char *method, const char *url, const arm_http_header *headers, size_t header_count,
          const char *body, char **out_body);
/* An admin API call that must answer 200. */
void admin(const char *method, const char *path, const char *body);
/* What the mock's ARM answers to this bearer token. */
long arm_accepts(const char *token);
/* auth_options for the mock: authority, CA, recorded sleeps and log. */
void mock_options(auth_options *options);
/* Gets an ARM token and checks its claims and that the mock's ARM takes it. */
void token_works(auth_credential *credential, const char *object_id);
/* Expects a failure and no token; returns the status. */
auth_status token_fails(auth_credential *credential, auth_error *error);

#endif
