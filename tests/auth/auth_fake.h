/* auth test helpers: a scripted fake HTTP transport that records requests, a fake clock and
 * sleep, log capture, unsigned test JWTs and throw-away RSA certificates. */
#ifndef HUBAGENT_TEST_AUTH_FAKE_H
#define HUBAGENT_TEST_AUTH_FAKE_H

#include "auth/auth.h"

#include <stdbool.h>

/* Secrets used by the auth tests; test_auth_secrets greps every test's output for them. */
#define FAKE_CLIENT_SECRET   "s3cr3t~Client.Secret-Value_0123456789"
#define FAKE_IDENTITY_HEADER "identity-header-secret-5f2c9a"
#define FAKE_MSI_SECRET      "msi-legacy-secret-77d1e0"
#define FAKE_FEDERATED_A     "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmZWRlcmF0ZWQtQSJ9.c2lnQQ"
#define FAKE_FEDERATED_B     "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmZWRlcmF0ZWQtQiJ9.c2lnQg"
#define FAKE_CERT_PASSWORD   "cert-pem-password-41b7"
#define FAKE_TENANT          "72f988bf-86f1-41af-91ab-2d7cd011db47"
#define FAKE_CLIENT          "11111111-2222-3333-4444-555555555555"

#define FAKE_MAX 24

typedef struct fake_reply {
    auth_http_failure failure;
    long status;
    const char *body;
    int64_t retry_after;
} fake_reply;

typedef struct fake_record {
    char *method;
    char *url;
    char *headers; /* "Name: value\n" lines */
    char *body;
    char *ca_bundle;
} fake_record;

typedef struct fake_transport {
    fake_reply replies[FAKE_MAX];
    size_t reply_count;
    size_t next;
    fake_record records[FAKE_MAX];
    size_t record_count;
} fake_transport;

void fake_push(fake_transport *fake, long status, const char *body);
void fake_push_retry_after(fake_transport *fake, long status, const char *body, int64_t seconds);
void fake_push_failure(fake_transport *fake, auth_http_failure failure);
auth_transport fake_transport_bind(fake_transport *fake);
void fake_transport_dispose(fake_transport *fake);

/* Clock and sleep: sleeping advances the clock and is recorded. */
typedef struct fake_time {
    int64_t now;
    int64_t slept_ms[FAKE_MAX];
    size_t sleeps;
} fake_time;
int64_t fake_clock(void *ctx);
void fake_sleep(void *ctx, int64_t millis);

/* Appends every log line to a growing buffer. */
typedef struct fake_log {
    char *text;
    size_t len;
} fake_log;
void fake_log_line(void *ctx, const char *line);
void fake_log_dispose(fake_log *log);

/* Print the last error / a text (explanations, reports) to stderr, so test_auth_secrets sees
 * everything the auth code produced. */
void fake_report_error(const auth_error *error);
void fake_report_text(const char *label, const char *text);

/* auth_options wired to the fakes (any may be NULL). */
void fake_options(auth_options *out, fake_transport *fake, fake_time *time, fake_log *log);

/* An unsigned-looking JWT "header.payload.sig" with these claims (malloc'd). */
char *fake_jwt(const char *tid, const char *oid, const char *appid, const char *aud, long exp);
/* A token endpoint body {"access_token":…,"expires_in":N} (malloc'd). */
char *fake_entra_body(const char *access_token, long expires_in);

/* Writes a PEM with an RSA key (encrypted with password when not NULL) and a self-signed
 * certificate for it. With mismatched, the certificate belongs to another key. */
bool fake_write_cert_pem(const char *path, const char *password, bool mismatched);

/* The same as a PKCS#12 (PFX) file protected by password. */
bool fake_write_cert_pfx(const char *path, const char *password);

/* Percent-decodes a form value (malloc'd), and finds a form field in a body (malloc'd). */
char *fake_form_field(const char *body, const char *name);

#endif
