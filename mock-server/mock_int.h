/* Internals of hubagent-mock shared by its source files: configuration model,
 * keys, the request/reply pair every route handler works on, and shared state. */
#ifndef HUBAGENT_MOCK_INT_H
#define HUBAGENT_MOCK_INT_H

#include "mock-server/mock.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- configuration model ------------------------------------------------------------ */

typedef enum mock_principal_kind {
    MOCK_PRINCIPAL_SERVICE = 0,
    MOCK_PRINCIPAL_MI_SYSTEM,
    MOCK_PRINCIPAL_MI_USER,
} mock_principal_kind;

typedef struct mock_principal {
    char *name;
    char *tenant;
    char *client_id;
    char *object_id;
    char *resource_id; /* user-assigned identities: their ARM id */
    mock_principal_kind kind;
    char **secrets;
    size_t secret_count;
    X509 **certificates;
    size_t certificate_count;
} mock_principal;

typedef enum mock_scope_type {
    MOCK_SCOPE_SUBSCRIPTION = 0,
    MOCK_SCOPE_RESOURCE_GROUP,
    MOCK_SCOPE_MANAGEMENT_GROUP,
    MOCK_SCOPE_BILLING_ACCOUNT,
    MOCK_SCOPE_DEPARTMENT,
    MOCK_SCOPE_ENROLLMENT_ACCOUNT,
    MOCK_SCOPE_BILLING_PROFILE,
    MOCK_SCOPE_INVOICE_SECTION,
    MOCK_SCOPE_CUSTOMER,
    MOCK_SCOPE_STORAGE_ACCOUNT,
} mock_scope_type;

#define MOCK_SCOPE_MAX_PARENTS 2

/* One node of the scope tree. A subscription has two parents: its management
 * group and its most specific billing scope; everything else has at most one. */
typedef struct mock_scope {
    char *id;    /* canonical ARM id as configured, starting with '/' */
    char *lower; /* lowercase id, the lookup key (ARM paths are case-insensitive) */
    char *name;  /* last segment */
    char *display_name;
    char *tenant;
    char *agreement; /* EA, MCA, MPA, MOSP: of the billing account above */
    mock_scope_type type;
    char *parents[MOCK_SCOPE_MAX_PARENTS]; /* lowercase ids, NULL when absent */
} mock_scope;

typedef struct mock_role_assignment {
    char *principal_object_id;
    char *role;
    char *scope_lower;
} mock_role_assignment;

typedef struct mock_storage_account {
    char *resource_id;
    char *endpoint; /* blob endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1 */
    char *account;
    char *key;
} mock_storage_account;

typedef struct mock_bucket_config {
    double capacity;
    double refill_per_second;
} mock_bucket_config;

typedef struct mock_throttle_config {
    bool enabled;
    mock_bucket_config scope_client; /* Cost Management: per scope and client ("entity") */
    mock_bucket_config client;       /* Cost Management: per client across scopes */
    mock_bucket_config tenant;       /* Cost Management: per tenant */
    mock_bucket_config arm_reads;    /* ARM: per principal, GET */
    mock_bucket_config arm_writes;   /* ARM: per principal, PUT/POST/DELETE */
} mock_throttle_config;

typedef struct mock_run_config {
    long queued_ms;
    long in_progress_ms;
    char *outcome;          /* Completed, Failed, Timeout, DataNotAvailable */
    long rows;              /* data rows a landed run writes */
    long max_rows_per_file; /* 0 = one file */
} mock_run_config;

typedef struct mock_config {
    char *path;
    char **tenants;
    size_t tenant_count;
    mock_principal *principals;
    size_t principal_count;
    mock_scope *scopes;
    size_t scope_count;
    mock_role_assignment *roles;
    size_t role_count;
    mock_storage_account *storage;
    size_t storage_count;
    long token_lifetime_s;
    char *identity_header; /* App Service X-IDENTITY-HEADER value */
    char *msi_secret;      /* legacy MSI_SECRET value */
    mock_throttle_config throttle;
    mock_run_config runs;
    json_t *faults;         /* array of fault rules, kept as JSON (see faults.c) */
    json_t *data_factories; /* [{id, triggers: {name: "Started"|"Stopped"}}] */
    unsigned seed;
} mock_config;

mock_status mock_config_load(const char *path, mock_config *out, mock_error *error);
/* Shared by config.c and config_scopes.c. */
char *mock_lower_dup(const char *text);
bool mock_json_string(json_t *object, const char *key, const char *where, char **out, bool required,
                      mock_error *error);
const char *mock_config_first_tenant(const mock_config *config);
/* False (with a message naming the key) when object has a key not in the space-separated
 * list known. */
bool mock_json_known_keys(json_t *object, const char *where, const char *known, mock_error *error);
/* Appends a scope (the array may move: do not keep pointers into it across calls). */
mock_scope *mock_config_add_scope(mock_config *config, const char *id, mock_scope_type type,
                                  const char *display, const char *tenant, const char *agreement);
void mock_config_set_parent(mock_scope *scope, int slot, const char *parent_id);
bool mock_config_parse_scopes(mock_config *config, json_t *root, mock_error *error);
void mock_config_dispose(mock_config *config);
mock_status mock_throttle_parse(json_t *json, mock_throttle_config *inout, mock_error *error);
mock_status mock_runs_parse(json_t *json, mock_run_config *inout, mock_error *error);

const mock_principal *mock_config_find_principal(const mock_config *config, const char *client_id);
const mock_principal *mock_config_find_principal_by_oid(const mock_config *config,
                                                        const char *object_id);
const mock_scope *mock_config_find_scope(const mock_config *config, const char *id);
const char *mock_config_find_tenant(const mock_config *config, const char *name);
const mock_storage_account *mock_config_find_storage(const mock_config *config,
                                                     const char *resource_id);

/* ---- keys, JWTs --------------------------------------------------------------------- */

typedef struct mock_keys {
    EVP_PKEY *ca_key;
    X509 *ca_cert;
    char *ca_pem;
    char *server_key_pem;
    char *server_cert_pem;
    EVP_PKEY *signing_key; /* RSA key that signs access tokens, published as JWKS */
    char *kid;
    char *jwk_n;
    char *jwk_e;
} mock_keys;

/* The CA and the TLS server certificate (EC, fast). */
mock_status mock_keys_generate(mock_keys *out, mock_error *error);
/* The RSA token-signing key, kid and JWK parts into out (slow: run off the start path). */
bool mock_signing_key_generate(mock_keys *out);
/* Waits (releasing server->lock) until the signing key exists; false if it failed. */
bool mock_signing_wait(mock_server *server);
void mock_keys_dispose(mock_keys *keys);

char *mock_b64url_encode(const unsigned char *data, size_t len);
/* Accepts standard and URL alphabets, padded or not. */
unsigned char *mock_b64_decode_any(const char *text, size_t *out_len);
/* Thumbprint of a certificate's DER, base64url without padding. sha256 false = SHA-1. */
char *mock_cert_thumbprint(X509 *cert, bool sha256);
/* Canonical form of a thumbprint given in any base64 alphabet (url, no padding). */
char *mock_thumbprint_normalize(const char *thumbprint);

char *mock_jwt_sign(EVP_PKEY *key, const char *kid, json_t *claims);

typedef struct mock_jwt {
    json_t *header;
    json_t *claims;
    char *signing_input;
    unsigned char *signature;
    size_t signature_len;
} mock_jwt;

/* Splits and decodes a compact JWS; returns false when it is not one. */
bool mock_jwt_parse(const char *token, mock_jwt *out);
void mock_jwt_dispose(mock_jwt *jwt);
/* Verifies RS256 or PS256 with the given public key. */
bool mock_jwt_verify(const mock_jwt *jwt, EVP_PKEY *key);

char *mock_guid(void);

/* ---- requests and replies ------------------------------------------------------------ */

typedef enum mock_listener {
    MOCK_LISTENER_TLS = 0,
    MOCK_LISTENER_IMDS,
    MOCK_LISTENER_ADMIN
} mock_listener;

typedef struct mock_request {
    struct MHD_Connection *connection;
    mock_listener listener;
    const char *method;
    const char *path;
    char *body;
    size_t body_len;
    const char *route;             /* set by the dispatcher for the log, faults and throttling */
    char *principal;               /* object id of the authenticated caller, for the log */
    const char *forced_run_status; /* a fault says the run this request starts ends so */
} mock_request;

#define MOCK_MAX_HEADERS 24

typedef struct mock_reply {
    unsigned status;
    char *body;
    size_t body_len;
    const char *content_type;
    char *header_names[MOCK_MAX_HEADERS];
    char *header_values[MOCK_MAX_HEADERS];
    size_t header_count;
    bool reset; /* close the connection without answering */
    long delay_ms;
} mock_reply;

const char *mock_request_header(const mock_request *request, const char *name);
const char *mock_request_query(const mock_request *request, const char *name);
/* Value of a field in an application/x-www-form-urlencoded body (malloc'd or NULL). */
char *mock_form_value(const char *body, size_t len, const char *name);

void mock_reply_header(mock_reply *reply, const char *name, const char *value);
void mock_reply_json(mock_reply *reply, unsigned status, json_t *body); /* steals body */
void mock_reply_arm_error(mock_reply *reply, unsigned status, const char *code, const char *format,
                          ...) __attribute__((format(printf, 4, 5)));
void mock_reply_dispose(mock_reply *reply);

/* ---- server state ----------------------------------------------------------------- */

typedef struct mock_bucket {
    char *key;
    double tokens;
    double updated; /* mock clock seconds */
} mock_bucket;

typedef struct mock_export_run {
    char *id;
    char *run_id;
    time_t submitted;  /* mock clock */
    long submitted_ms; /* sub-second part, for the 7-digit timestamps */
    char *submitted_by;
    char *execution_type;
    char *from;
    char *to;
    char *forced_outcome; /* set by a fault, or NULL for the configured outcome */
    json_t *settings;     /* export properties at submit time */
    bool landing;         /* the landing thread is uploading its files */
    bool landed;          /* files uploaded (or the attempt failed: see failure) */
    char *failure;        /* why landing failed, shown as the run's error */
} mock_export_run;

typedef struct mock_export {
    char *scope_id; /* canonical */
    char *name;
    char *key; /* lowercase scope + name */
    char *etag;
    char *api_version; /* version it was created or last written with */
    json_t *body;      /* the stored resource: identity, location, properties */
    mock_export_run *runs;
    size_t run_count;
    time_t next_due; /* next scheduled run (mock clock), 0 = none */
} mock_export;

typedef struct mock_log_entry {
    double time;
    char *method;
    char *path;
    const char *route;
    unsigned status;
    char *principal;
    char *api_version;
} mock_log_entry;

typedef struct mock_listener_context {
    mock_server *server;
    mock_listener listener;
} mock_listener_context;

struct mock_server {
    mock_options options;
    mock_listener_context contexts[3];
    mock_config config;
    mock_keys keys;
    pthread_mutex_t lock;
    struct MHD_Daemon *tls_daemon;
    struct MHD_Daemon *imds_daemon;
    struct MHD_Daemon *admin_daemon;
    int tls_port, imds_port, admin_port;
    double clock_offset;
    mock_export *exports;
    size_t export_count;
    mock_bucket *buckets;
    size_t bucket_count;
    mock_log_entry *log;
    size_t log_count;
    json_t *faults;         /* active fault rules (copy, with sequence positions) */
    json_t *factories;      /* Data Factory trigger states now (copy of the config's) */
    unsigned long long rng; /* xorshift state for probabilistic faults */
    mock_throttle_config throttle;
    mock_run_config runs;
    long token_lifetime_s;
    pthread_t signing_thread;
    pthread_cond_t signing_cond;
    bool signing_started, signing_ready, signing_failed;
    pthread_t landing_thread;
    pthread_cond_t wake;
    bool landing_started;
    bool stopping;
    json_t *pipeline_runs; /* Data Factory pipeline runs (datafactory.c) */
    json_t *secrets;       /* client id -> secrets now, where rotated by the admin API */
};

double mock_now(const mock_server *server);
/* ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS[.fffffff]Z" into buf (>= 32 bytes). */
void mock_format_time(time_t t, long fraction_ms, bool seven_digits, char *buf);
/* Parses ISO-8601 date or date-time (fractions, Z or offset); false if invalid. */
bool mock_parse_time(const char *text, time_t *out);

/* Route handlers. Each runs with server->lock held and fills reply. */
void mock_entra_handle(mock_server *server, mock_request *request, mock_reply *reply);
void mock_imds_handle(mock_server *server, mock_request *request, mock_reply *reply);
void mock_arm_handle(mock_server *server, mock_request *request, mock_reply *reply);
/* The hub's Data Factory: factories in a resource group, their triggers, start/stop. */
void mock_datafactory_handle(mock_server *server, mock_request *request, mock_reply *reply,
                             const mock_principal *caller);
const char *mock_datafactory_route(const char *method, const char *path);
bool mock_datafactory_parse(mock_config *config, json_t *root, mock_error *error);
/* Data Factory createRun / pipeline run status ("datafactory.createRun", "…getRun"). */
void mock_datafactory_pipelines_handle(mock_server *server, mock_request *request,
                                       mock_reply *reply, const mock_principal *caller);
/* Every pipeline run started, as the service shows them (for the admin API). */
json_t *mock_datafactory_runs(mock_server *server);
void mock_admin_handle(mock_server *server, mock_request *request, mock_reply *reply);
bool mock_entra_owns(const char *path);

/* Issues an access token for principal and audience (resource without /.default). */
char *mock_token_issue(mock_server *server, const mock_principal *principal, const char *audience,
                       time_t *out_expires);
/* Canonical audience for a requested resource, or NULL when Entra would not know it. */
const char *mock_audience_for(const char *resource);

/* exports.c / runs.c */
void mock_exports_handle(mock_server *server, mock_request *request, mock_reply *reply,
                         const mock_scope *scope, const char *rest, const char *api_version,
                         const mock_principal *caller);
void mock_exports_clear(mock_server *server);
/* Starts the Scheduled runs of active schedules that are due (called by the worker). */
void mock_exports_schedule(mock_server *server);
bool mock_schedule_next(json_t *props, time_t after, time_t *out);
/* caller NULL = a Scheduled run submitted by System. */
void mock_run_submit(mock_server *server, mock_export *export, const mock_principal *caller,
                     const char *from, const char *to, const char *forced_status);
json_t *mock_run_to_json(mock_server *server, const mock_export *export, mock_export_run *run);
const char *mock_run_status(mock_server *server, mock_export_run *run);
/* {rootFolderPath}/{exportName}/{YYYYMMDD-YYYYMMDD}/{runId}: where a run's files go. */
void mock_run_folder(const mock_export *export, const mock_export_run *run, char *out, size_t size);
/* "Landing" when the run is done and its files must still be uploaded. */
const char *mock_run_phase(mock_server *server, mock_export_run *run);

/* landing.c: the thread that uploads completed runs' files to their storage account. */
bool mock_landing_start(mock_server *server);
void mock_landing_stop(mock_server *server);

/* validate.c: fills in the service defaults, or answers 400 and returns false. */
bool mock_export_validate(mock_server *server, const mock_scope *scope, const char *api_version,
                          json_t *body, const mock_export *existing, mock_reply *reply);
bool mock_run_request_validate(mock_server *server, const json_t *body, char **out_from,
                               char **out_to, mock_reply *reply);
bool mock_api_version_known(const char *api_version);
const char *mock_scope_type_name(mock_scope_type type);

/* rbac.c */
bool mock_rbac_allows(const mock_server *server, const char *object_id, const mock_scope *scope,
                      const char *action);
bool mock_scope_is_under(const mock_config *config, const mock_scope *scope,
                         const char *ancestor_lower);

/* throttle.c: false (and a 429 reply) when the caller is throttled. */
bool mock_throttle_check(mock_server *server, const mock_request *request, const char *scope_lower,
                         const char *client, const char *tenant, bool cost_management,
                         mock_reply *reply);
void mock_throttle_clear(mock_server *server);

/* faults.c */
typedef struct mock_fault {
    unsigned status; /* 0 = none */
    long retry_after;
    bool reset;
    bool reset_after; /* handle the request, then drop the reply */
    long delay_ms;
    bool truncate;
    bool malformed;
    char *run_status; /* run ends with this status */
} mock_fault;
/* Picks the fault for this request (consuming sequence steps); returns false when none. */
bool mock_fault_pick(mock_server *server, const mock_request *request, mock_fault *out);
void mock_fault_dispose(mock_fault *fault);
mock_status mock_faults_set(mock_server *server, json_t *rules, mock_error *error);

/* Route name of a request, for the log, faults and throttling. */
const char *mock_route_of(const mock_request *request);

/* log */
void mock_log_add(mock_server *server, const mock_request *request, unsigned status);
void mock_log_clear(mock_server *server);

/* snprintf for ids built from configured names; truncation is accepted (ids are short). */
int mock_format(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void mock_error_set(mock_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
