/* auth internals shared by the credential files: the credential base type, errors that
 * scrub secrets, HTTP with retries, token-response parsing and small encoders. */
#ifndef HUBAGENT_AUTH_INT_H
#define HUBAGENT_AUTH_INT_H

#include "auth/auth.h"

#include <stdarg.h>
#include <stdbool.h>

typedef struct auth_credential_vtable {
    auth_status (*get_token)(auth_credential *credential, const char *scope_or_resource,
                             auth_token *out_token, auth_error *error);
    void (*destroy)(auth_credential *credential); /* frees the derived part only */
} auth_credential_vtable;

/* Every credential type starts with this. */
struct auth_credential {
    const auth_credential_vtable *vtable;
    const char *name;  /* static */
    char *description; /* malloc'd, secret-free */
    uint64_t id;       /* unique per process: the cache key, never reused */
    auth_options options;
    char *owned_authority; /* normalised copy behind options.authority_host */
    char *owned_ca_bundle;
};

/* Fills the base: copies options (NULL = defaults), validates and normalises the
 * authority host (https, no trailing '/'). */
auth_status auth_credential_base_init(auth_credential *base, const auth_credential_vtable *vtable,
                                      const char *name, const auth_options *options,
                                      auth_error *error);
void auth_credential_base_dispose(auth_credential *base);
void auth_credential_set_description(auth_credential *base, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets every field of error (if not NULL); returns status. The message is formatted, then
 * any of the NULL-terminated `secrets` found in it is replaced by "[redacted]". */
auth_status auth_error_set(auth_error *error, auth_status status, const char *credential,
                           long http_status, const char *code, const char *const *secrets,
                           const char *format, ...) __attribute__((format(printf, 7, 8)));
/* Replaces each occurrence of each secret (len >= 4) in text, in place. */
void auth_scrub(char *text, size_t size, const char *const *secrets);

int64_t auth_now(const auth_options *options);
void auth_sleep_ms(const auth_options *options, int64_t millis);
void auth_log(const auth_options *options, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Which answers are worth another try, and how long to wait before retry `attempt`
 * (1-based) given the time already spent waiting. Returns < 0 when no retry. */
typedef enum auth_retry_policy {
    AUTH_RETRY_IMDS,    /* 404, 410 (slow start: 10 s steps up to 70 s), 429, 5xx, timeouts */
    AUTH_RETRY_SERVICE, /* 429, 5xx, timeouts (Entra ID, App Service) */
} auth_retry_policy;
int64_t auth_retry_delay_ms(auth_retry_policy policy, int attempt, int max_retries,
                            long http_status, auth_http_failure failure,
                            int64_t retry_after_seconds, int64_t waited_ms);

/* The transport used when options->transport.send is NULL: arm/http.h. */
auth_transport auth_default_transport(void);

/* Sends with retries. On AUTH_OK out_response holds an HTTP answer (maybe an error status);
 * transport failures after the last try become AUTH_TRANSPORT (AUTH_UNAVAILABLE when the
 * first try could not connect at all and connect_is_unavailable). */
auth_status auth_http_send_retrying(const auth_credential *credential, auth_retry_policy policy,
                                    const auth_http_request *request, bool connect_is_unavailable,
                                    auth_http_response *out_response, auth_error *error);
void auth_http_response_dispose(auth_http_response *response);

/* Parses a token endpoint's 200 body (Entra ID, IMDS, App Service, legacy MSI): numbers may
 * be JSON numbers or strings, expires_on may be epoch seconds or a date string. */
auth_status auth_parse_token_response(const auth_credential *credential, const char *body,
                                      int64_t now, auth_token *out_token, auth_error *error);
/* Turns an error answer into an auth_error: `error`, `error_description`, AADSTS code. */
auth_status auth_error_from_response(const auth_credential *credential,
                                     const auth_http_response *response, const char *what,
                                     const char *const *secrets, auth_error *error);
/* Parses "06/20/2019 02:57:58 +00:00" and "1/16/2020 5:24:12 AM +00:00"; -1 if not. */
int64_t auth_parse_msi_date(const char *text);

/* "https://x/.default" -> "https://x" (malloc'd) and "https://x" -> "https://x/.default". */
char *auth_scope_to_resource(const char *scope_or_resource);
char *auth_resource_to_scope(const char *scope_or_resource);

/* malloc'd percent-encoding (RFC 3986 unreserved kept). */
char *auth_url_encode(const char *text);
/* malloc'd base64url without padding; NULL on allocation failure. */
char *auth_base64url_encode(const unsigned char *data, size_t len);
/* malloc'd decoded bytes (NUL-terminated); NULL if invalid. */
unsigned char *auth_base64url_decode(const char *text, size_t len, size_t *out_len);
/* 36-char RFC 4122 v4 UUID from the OpenSSL RNG; false on RNG failure. */
bool auth_random_uuid(char out[37]);
/* Reads a whole small file (max 1 MiB); NULL + errno on failure. */
char *auth_read_file(const char *path, size_t *out_len);
/* Frees after overwriting; for secrets. */
void auth_free_secret(char *secret);
/* Accepts tenant/client ids made of [A-Za-z0-9._-] only (they go into URLs). */
bool auth_is_safe_id(const char *text);

/* Entra ID client credentials grant shared by secret, certificate and workload identity:
 * `secret_fields` is the URL-encoded tail ("client_secret=…" or "client_assertion_type=…&
 * client_assertion=…"); `secrets` are scrubbed from any error. */
auth_status auth_entra_request_token(auth_credential *credential, const char *tenant_id,
                                     const char *client_id, const char *scope_or_resource,
                                     const char *secret_fields, const char *const *secrets,
                                     auth_token *out_token, auth_error *error);
/* Client credentials with a client assertion (a signed JWT or a federated token): the form
 * around `assertion` (URL-encoded when it needs it), then auth_entra_request_token. Takes
 * ownership of `assertion` and wipes it. */
auth_status auth_entra_request_token_with_assertion(auth_credential *credential,
                                                    const char *tenant_id, const char *client_id,
                                                    const char *scope_or_resource, char *assertion,
                                                    auth_token *out_token, auth_error *error);
/* Checks tenant and client ids are present and URL-safe. */
auth_status auth_entra_check_ids(const char *name, const char *tenant_id, const char *client_id,
                                 auth_error *error);
/* "{authority}/{tenant}/oauth2/v2.0/token", malloc'd. */
char *auth_entra_token_endpoint(const auth_credential *credential, const char *tenant_id);

/* Managed identity helpers (auth_imds.c), shared with the App Service credentials:
 * "key=<encoded id>" for the one id given (NULL key = not supported by that API), and a GET
 * that parses the token or the service's error. */
auth_status auth_managed_identity_id_param(const char *credential_name,
                                           const auth_managed_identity_options *id,
                                           const char *client_key, const char *object_key,
                                           const char *resource_key, char **out_param,
                                           auth_error *error);
auth_status auth_managed_identity_fetch(auth_credential *credential, auth_retry_policy policy,
                                        const char *url, const char *const *headers,
                                        const char *const *secrets, auth_token *out_token,
                                        auth_error *error);

#endif
