/* Test-side client for hubagent-mock suites: libcurl calls that trust the mock's CA,
 * token helpers, admin API helpers, and certificate client assertions built with OpenSSL. */
#ifndef HUBAGENT_TEST_MOCK_CLIENT_H
#define HUBAGENT_TEST_MOCK_CLIENT_H

#include "mock_fixture.h"

#include <jansson.h>
#include <stdbool.h>

#define T_TENANT      "11111111-1111-1111-1111-111111111111"
#define T_TENANT2     "22222222-2222-2222-2222-222222222222"
#define T_SP          "aaaaaaaa-0000-0000-0000-000000000001"
#define T_SP_OID      "bbbbbbbb-0000-0000-0000-000000000001"
#define T_SP_SECRET   "test-secret-1"
#define T_READER      "aaaaaaaa-0000-0000-0000-000000000002"
#define T_NOROLE      "aaaaaaaa-0000-0000-0000-000000000003"
#define T_OTHER       "aaaaaaaa-0000-0000-0000-000000000004"
#define T_MI_SYSTEM   "cccccccc-0000-0000-0000-000000000001"
#define T_MI_USER     "cccccccc-0000-0000-0000-000000000002"
#define T_MI_USER_OID "dddddddd-0000-0000-0000-000000000002"
#define T_SUB         "/subscriptions/00000000-0000-0000-0000-00000000000a"
#define T_SUB_MCA     "/subscriptions/00000000-0000-0000-0000-00000000000b"
#define T_SUB_OTHER   "/subscriptions/00000000-0000-0000-0000-00000000000c"
#define T_STORAGE                                                                                  \
    T_SUB "/resourceGroups/rg-hub/providers/Microsoft.Storage/storageAccounts/hubstorage"
#define T_MANAGEMENT ".default"

typedef struct http_result {
    long status; /* 0 when the connection failed (reset, refused) */
    char *body;
    size_t body_len;
    char *headers;
    json_t *json; /* parsed body, or NULL */
    int curl_code;
} http_result;

/* headers: NULL-terminated "Name: value" list or NULL; body may be NULL. */
void http_call(const char *method, const char *url, const char *ca, const char *const *headers,
               const char *body, http_result *out);
/* The value of a response header (malloc'd) or NULL. */
char *http_header(const http_result *result, const char *name);
void http_result_dispose(http_result *result);

/* Client-credentials token with a secret for scope (e.g. https://management.azure.com/.default). */
char *mock_token(const mock_fixture *fx, const char *client_id, const char *secret,
                 const char *scope);
/* ARM call with a bearer token; path starts with '/', query included. */
void arm_call(const mock_fixture *fx, const char *token, const char *method, const char *path,
              const char *body, http_result *out);
/* Admin API: PUT/POST a JSON body and assert 200. */
void admin_send(const mock_fixture *fx, const char *method, const char *path, const char *body);
/* Number of logged requests on route. */
int admin_count(const mock_fixture *fx, const char *route);

/* A client assertion signed with key_path for cert_path: alg "RS256" (x5t, SHA-1) or
 * "PS256" (x5t#S256); thumbprint_alphabet "url-padded", "url", "std". exp_offset is added to
 * now; nbf only when with_nbf. */
char *make_assertion(const char *key_path, const char *cert_path, const char *alg,
                     const char *thumbprint_alphabet, const char *aud, const char *client_id,
                     long exp_offset, bool with_nbf);

/* A valid export body at the hub's usual shape. */
char *export_body(const char *type, const char *extra_properties_json);

#endif
