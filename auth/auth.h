/* auth: credentials for ARM (managed identity, service principal, workload identity)
 * behind one interface, a token cache, the default chain and `hubagent auth check`. */
#ifndef HUBAGENT_AUTH_H
#define HUBAGENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arm/http.h" /* the transport, and arm_token_provider which auth implements */

/* ---- Clouds ------------------------------------------------------------------------------
 * The authority host and the ARM resource are options, so the same code talks to any cloud
 * (and to the mock). Public cloud is the default.
 *   Public:  https://login.microsoftonline.com   https://management.azure.com
 *   US Gov:  https://login.microsoftonline.us    https://management.usgovcloudapi.net
 *   China:   https://login.chinacloudapi.cn      https://management.chinacloudapi.cn
 * Pass a resource ("https://management.azure.com") or a scope (".../.default") to
 * get_token: Entra ID gets `{resource}/.default`, managed identity gets the resource. */
#define AUTH_AUTHORITY_PUBLIC "https://login.microsoftonline.com"
#define AUTH_AUTHORITY_US_GOV "https://login.microsoftonline.us"
#define AUTH_AUTHORITY_CHINA  "https://login.chinacloudapi.cn"
#define AUTH_ARM_PUBLIC       "https://management.azure.com"
#define AUTH_ARM_US_GOV       "https://management.usgovcloudapi.net"
#define AUTH_ARM_CHINA        "https://management.chinacloudapi.cn"
#define AUTH_IMDS_ENDPOINT    "http://169.254.169.254/metadata/identity/oauth2/token"

/* Tokens are refreshed this long before they expire (azure-identity's offset). */
#define AUTH_REFRESH_OFFSET_SECONDS 300

typedef enum auth_status {
    AUTH_OK = 0,
    AUTH_INVALID_ARGUMENT, /* bad option or input: the message says which */
    AUTH_UNAVAILABLE,      /* credential not configured / endpoint absent */
    AUTH_REJECTED,         /* the token service refused (e.g. AADSTS7000215) */
    AUTH_TRANSPORT,        /* could not talk to the token service */
    AUTH_BAD_RESPONSE,     /* the service answered something we cannot read */
    AUTH_IO,               /* a file (certificate, federated token) could not be read */
    AUTH_NO_MEMORY,
} auth_status;

const char *auth_status_text(auth_status status);

/* Caller-owned error details. Never contains a secret, assertion or token. */
typedef struct auth_error {
    auth_status status;
    char credential[48]; /* e.g. "ClientSecretCredential" */
    long http_status;    /* 0 when no HTTP answer */
    char code[64];       /* service error, e.g. "invalid_client" or "AADSTS7000215" */
    char message[768];   /* full sentence: credential, what failed, service description */
} auth_error;

/* ---- Injected effects (tests use fakes; NULL = the real thing) --------------------------- */
typedef int64_t (*auth_clock_fn)(void *ctx);              /* seconds since the epoch */
typedef void (*auth_sleep_fn)(void *ctx, int64_t millis); /* retry back-off */
typedef void (*auth_log_fn)(void *ctx, const char *line); /* never given a secret */

/* HTTP seam: the default sends through arm/http.h. Tests inject a fake. */
typedef enum auth_http_failure {
    AUTH_HTTP_OK = 0,
    AUTH_HTTP_CONNECT, /* nothing listening / no route: endpoint absent */
    AUTH_HTTP_TIMEOUT,
    AUTH_HTTP_TLS, /* certificate / handshake failure: never retried */
    AUTH_HTTP_OTHER,
} auth_http_failure;

typedef struct auth_http_request {
    const char *method; /* "GET" or "POST" */
    const char *url;
    const char *const *headers; /* "Name: value", NULL-terminated, may be NULL */
    const char *body;           /* POST body or NULL */
    size_t body_len;
    const char *ca_bundle; /* PEM file of CAs to trust instead of the system store, or NULL */
    long timeout_ms;
    long connect_timeout_ms; /* 0 = timeout_ms; a connect that times out means "absent" */
} auth_http_request;

typedef struct auth_http_response {
    long status;
    char *body; /* malloc'd, NUL-terminated; freed by the caller */
    size_t body_len;
    int64_t retry_after; /* seconds from Retry-After, or -1 */
} auth_http_response;

/* Returns AUTH_HTTP_OK when an HTTP answer (any status) arrived; otherwise fills detail
 * (no secrets: detail is about the connection). */
typedef auth_http_failure (*auth_http_send_fn)(void *ctx, const auth_http_request *request,
                                               auth_http_response *out_response, char *detail,
                                               size_t detail_len);
typedef struct auth_transport {
    auth_http_send_fn send;
    void *ctx;
} auth_transport;

/* Shared by every credential. TLS verification is always on; there is no way to turn it
 * off, only a CA bundle to add (e.g. the mock's CA). */
typedef struct auth_options {
    const char *authority_host; /* https only; default AUTH_AUTHORITY_PUBLIC */
    const char *ca_bundle;      /* PEM CA file or NULL */
    long timeout_ms;            /* per HTTP request; default 10000 */
    int max_retries;            /* retries after the first try; default 5 (IMDS's rule) */
    auth_transport transport;   /* .send NULL = arm/http.h */
    auth_clock_fn clock;        /* NULL = time() */
    void *clock_ctx;
    auth_sleep_fn sleep; /* NULL = nanosleep */
    void *sleep_ctx;
    auth_log_fn log; /* NULL = silent */
    void *log_ctx;
} auth_options;

void auth_options_default(auth_options *out_options);

/* ---- Tokens ------------------------------------------------------------------------------ */
typedef struct auth_token {
    char *access_token; /* owned; secret: never print it */
    int64_t expires_on; /* epoch seconds */
    int64_t refresh_on; /* epoch seconds: refresh ahead from here (0 = expires_on - offset) */
    /* Non-secret claims decoded from the JWT payload, unverified, for display only.
     * Empty strings / 0 when the token is not a JWT or lacks the claim. */
    char tenant_id[64]; /* tid */
    char object_id[64]; /* oid */
    char app_id[64];    /* appid (v1) or azp (v2) */
    char audience[256]; /* aud */
    int64_t exp;        /* exp */
} auth_token;

void auth_token_init(auth_token *token);
void auth_token_dispose(auth_token *token); /* wipes and frees the access token */
/* Deep copy; out must be initialised (it is disposed first). */
auth_status auth_token_copy(const auth_token *source, auth_token *out_copy, auth_error *error);
/* Fills the claim fields from token->access_token (unverified). Returns AUTH_BAD_RESPONSE
 * if the token is not a readable JWT; claims then stay empty. */
auth_status auth_token_decode_claims(auth_token *token, auth_error *error);

/* ---- Credentials ------------------------------------------------------------------------- */
typedef struct auth_credential auth_credential;

/* scope_or_resource: "https://management.azure.com" or ".../.default". No caching here:
 * every call asks the service (see auth_cache). */
auth_status auth_credential_get_token(auth_credential *credential, const char *scope_or_resource,
                                      auth_token *out_token, auth_error *error);
/* "ClientSecretCredential", "ManagedIdentityCredential(IMDS)", … */
const char *auth_credential_name(const auth_credential *credential);
/* One line, no secrets: tenant, client id, endpoint. */
const char *auth_credential_describe(const auth_credential *credential);
void auth_credential_free(auth_credential *credential);

/* Managed identity. At most one of the three ids (none = system-assigned). */
typedef struct auth_managed_identity_options {
    const char *client_id;
    const char *object_id;
    const char *resource_id; /* msi_res_id / mi_res_id */
} auth_managed_identity_options;

/* IMDS: endpoint NULL = AUTH_IMDS_ENDPOINT. Plain HTTP by design, `Metadata: true`. */
auth_status auth_imds_credential_new(const char *endpoint, const auth_managed_identity_options *id,
                                     const auth_options *options, auth_credential **out_credential,
                                     auth_error *error);
/* App Service / Functions / Container Apps: IDENTITY_ENDPOINT + IDENTITY_HEADER
 * (api-version 2019-08-01, header X-IDENTITY-HEADER). */
auth_status auth_app_service_credential_new(const char *identity_endpoint,
                                            const char *identity_header,
                                            const auth_managed_identity_options *id,
                                            const auth_options *options,
                                            auth_credential **out_credential, auth_error *error);
/* Legacy MSI_ENDPOINT + MSI_SECRET (api-version 2017-09-01, header `secret`). Only a
 * client id can select a user-assigned identity on this API. */
auth_status auth_msi_legacy_credential_new(const char *msi_endpoint, const char *msi_secret,
                                           const auth_managed_identity_options *id,
                                           const auth_options *options,
                                           auth_credential **out_credential, auth_error *error);

/* Service principal with a client secret (OAuth2 client credentials, v2.0 endpoint). */
auth_status auth_client_secret_credential_new(const char *tenant_id, const char *client_id,
                                              const char *client_secret,
                                              const auth_options *options,
                                              auth_credential **out_credential, auth_error *error);

typedef enum auth_assertion_algorithm {
    AUTH_ASSERTION_PS256 = 0, /* x5t#S256, PSS padding: current Entra ID guidance */
    AUTH_ASSERTION_RS256,     /* x5t (SHA-1): legacy, still accepted */
} auth_assertion_algorithm;

typedef struct auth_certificate_options {
    const char *password;               /* encrypted PEM key or PFX; NULL = none */
    auth_assertion_algorithm algorithm; /* default PS256 */
    /* Put the certificate chain in the assertion's x5c header, for apps registered by
     * subject name + issuer (AZURE_CLIENT_SEND_CERTIFICATE_CHAIN). Default off. */
    bool send_certificate_chain;
} auth_certificate_options;

void auth_certificate_options_default(auth_certificate_options *out_options);

/* Service principal with a certificate: a PEM file holding the private key and the
 * certificate (further certificates after it form the chain), or a PKCS#12 (PFX) file.
 * The file is read once, when the credential is made. cert_options NULL = defaults. */
auth_status auth_client_certificate_credential_new(const char *tenant_id, const char *client_id,
                                                   const char *certificate_path,
                                                   const auth_certificate_options *cert_options,
                                                   const auth_options *options,
                                                   auth_credential **out_credential,
                                                   auth_error *error);

/* Workload identity: the federated token file is read afresh on every request. */
auth_status auth_workload_identity_credential_new(const char *tenant_id, const char *client_id,
                                                  const char *token_file_path,
                                                  const auth_options *options,
                                                  auth_credential **out_credential,
                                                  auth_error *error);

/* ---- Token cache -------------------------------------------------------------------------
 * Keyed by credential + scope. A token is reused until its refresh time (5 minutes before
 * expiry, earlier if the service says refresh_in); then one caller refreshes while others
 * wait. If the refresh fails and the old token is still valid, the old token is returned
 * and the refresh retried no sooner than 30 s later. After ARM answers 401, call
 * auth_cache_invalidate(): the next call fetches a new token, and a fetch that hands back
 * the very token ARM rejected is refused rather than reused. Thread-safe. */
typedef struct auth_cache auth_cache;

auth_status auth_cache_new(auth_clock_fn clock, void *clock_ctx, auth_cache **out_cache,
                           auth_error *error);
void auth_cache_free(auth_cache *cache);
auth_status auth_cache_get_token(auth_cache *cache, auth_credential *credential,
                                 const char *scope_or_resource, auth_token *out_token,
                                 auth_error *error);
/* `rejected`: the token the service refused (NULL: whichever is cached). When the cache
 * already holds another one (a concurrent call's 401 fetched it), that one is kept. */
void auth_cache_invalidate(auth_cache *cache, const auth_credential *credential,
                           const char *scope_or_resource, const char *rejected);
/* Where to say that a refresh failed while the cached token was still used (NULL = silent). */
void auth_cache_set_log(auth_cache *cache, auth_log_fn log, void *log_ctx);
/* How many times the cache asked the credential (for tests and `auth check`). */
unsigned long auth_cache_fetch_count(const auth_cache *cache);

/* arm's clients take an arm_token_provider: this one serves tokens from the cache and
 * invalidates on 401. Both pointers stay owned by the caller and must outlive the provider.
 *   auth_provider p = {cache, credential};  arm_token_provider tp = auth_provider_arm(&p); */
typedef struct auth_provider {
    auth_cache *cache;
    auth_credential *credential;
} auth_provider;
arm_token_provider auth_provider_arm(auth_provider *provider);

/* ---- Default chain ------------------------------------------------------------------------
 * Explicit options win; auth_chain_options_load_env() fills what is still NULL from the
 * Azure SDKs' variables. Order (azure-identity's DefaultAzureCredential, minus developer
 * tools): client secret → client certificate → workload identity → App Service
 * (IDENTITY_ENDPOINT+IDENTITY_HEADER) → legacy MSI (MSI_ENDPOINT+MSI_SECRET) → IMDS. */
typedef enum auth_kind {
    AUTH_KIND_AUTO = 0,
    AUTH_KIND_CLIENT_SECRET,
    AUTH_KIND_CLIENT_CERTIFICATE,
    AUTH_KIND_WORKLOAD_IDENTITY,
    AUTH_KIND_APP_SERVICE,
    AUTH_KIND_MSI_LEGACY,
    AUTH_KIND_IMDS,
} auth_kind;

typedef struct auth_chain_options {
    auth_kind kind;                   /* AUTO = first configured in the order above */
    const char *tenant_id;            /* AZURE_TENANT_ID */
    const char *client_id;            /* AZURE_CLIENT_ID (also user-assigned MI client id) */
    const char *client_secret;        /* AZURE_CLIENT_SECRET */
    const char *certificate_path;     /* AZURE_CLIENT_CERTIFICATE_PATH */
    const char *certificate_password; /* AZURE_CLIENT_CERTIFICATE_PASSWORD */
    /* AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ("true"/"1"): x5c in the assertion */
    const char *send_certificate_chain;
    const char *federated_token_file; /* AZURE_FEDERATED_TOKEN_FILE */
    const char *authority_host;       /* AZURE_AUTHORITY_HOST (trailing '/' stripped) */
    const char *identity_endpoint;    /* IDENTITY_ENDPOINT */
    const char *identity_header;      /* IDENTITY_HEADER */
    const char *msi_endpoint;         /* MSI_ENDPOINT */
    const char *msi_secret;           /* MSI_SECRET */
    /* AZURE_POD_IDENTITY_AUTHORITY_HOST: base URL replacing IMDS's (tests, pod identity). */
    const char *imds_authority_host;
    /* AZURE_TOKEN_CREDENTIALS: "prod", "EnvironmentCredential" (secret or certificate),
     * "WorkloadIdentityCredential" or "ManagedIdentityCredential" narrows the AUTO chain. */
    const char *token_credentials;
    const char *managed_identity_object_id;   /* explicit only */
    const char *managed_identity_resource_id; /* explicit only */
    auth_assertion_algorithm assertion_algorithm;
    auth_options common; /* authority_host here is ignored: use the field above */
} auth_chain_options;

/* "auto", "client-secret", "client-certificate", "workload-identity", "app-service",
 * "msi-legacy", "imds": for a CLI flag or a setting. */
const char *auth_kind_name(auth_kind kind);
auth_status auth_kind_parse(const char *text, auth_kind *out_kind, auth_error *error);

typedef const char *(*auth_getenv_fn)(void *ctx, const char *name);

void auth_chain_options_default(auth_chain_options *out_options);
/* Fills NULL fields from the environment (getenv NULL = getenv(3)). The strings stay
 * owned by the environment / ctx. */
void auth_chain_options_load_env(auth_chain_options *options, auth_getenv_fn getenv_fn, void *ctx);
/* Picks and builds the credential. out_explanation (may be NULL) receives a malloc'd,
 * multi-line, secret-free account of which credential was chosen and why the earlier ones
 * were skipped. */
auth_status auth_chain_new(const auth_chain_options *options, auth_credential **out_credential,
                           char **out_explanation, auth_error *error);

/* `hubagent auth check`: explains the choice, gets a token for arm_resource (NULL =
 * AUTH_ARM_PUBLIC) and prints tenant, object id, app id, audience and expiry to out.
 * Never prints the token. */
auth_status auth_check_report(const auth_chain_options *options, const char *arm_resource,
                              FILE *out, auth_error *error);

#endif
