/* The mock's one JSON configuration file: tenants, principals, role assignments,
 * the scope tree, storage accounts, run timing, throttling and faults. */
#include "mock-server/mock_int.h"

#include <ctype.h>
#include <libgen.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mock_format(char *out, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(out, size, format, args);
    va_end(args);
    return n;
}

void mock_error_set(mock_error *error, const char *format, ...)
{
    if (error == NULL)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
}

char *mock_lower_dup(const char *text)
{
    char *out = strdup(text);
    for (char *p = out; p != NULL && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* Reads an optional string member; false (with a message) when present but not a string. */
bool mock_json_string(json_t *object, const char *key, const char *where, char **out, bool required,
                      mock_error *error)
{
    json_t *value = json_object_get(object, key);
    *out = NULL;
    if (value == NULL || json_is_null(value)) {
        if (required)
            mock_error_set(error, "%s.%s: required string is missing", where, key);
        return !required;
    }
    if (!json_is_string(value) || json_string_length(value) == 0) {
        mock_error_set(error, "%s.%s: expected a non-empty string", where, key);
        return false;
    }
    *out = strdup(json_string_value(value));
    return true;
}

bool mock_json_known_keys(json_t *object, const char *where, const char *known, mock_error *error)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        /* known is a space-separated list; a typo must not be silently ignored. */
        size_t len = strlen(key);
        bool found = false;
        for (const char *p = known; *p && !found;) {
            size_t word = strcspn(p, " ");
            found = word == len && strncmp(p, key, len) == 0;
            p += word + (p[word] == ' ');
        }
        if (!found) {
            mock_error_set(error, "%s: unknown key '%s' (known: %s)", where, key, known);
            return false;
        }
    }
    return true;
}

static bool get_number(json_t *object, const char *key, const char *where, double *inout,
                       mock_error *error)
{
    json_t *value = json_object_get(object, key);
    if (value == NULL)
        return true;
    if (!json_is_number(value) || json_number_value(value) < 0) {
        mock_error_set(error, "%s.%s: expected a number >= 0", where, key);
        return false;
    }
    *inout = json_number_value(value);
    return true;
}

static X509 *load_certificate(const char *config_path, const char *value)
{
    BIO *bio = NULL;
    if (strncmp(value, "-----BEGIN", 10) == 0) {
        bio = BIO_new_mem_buf(value, -1);
    } else {
        char *copy = strdup(config_path);
        char path[4096];
        if (value[0] == '/')
            mock_format(path, sizeof path, "%s", value);
        else
            mock_format(path, sizeof path, "%s/%s", dirname(copy), value);
        free(copy);
        bio = BIO_new_file(path, "r");
    }
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return cert;
}

const char *mock_config_first_tenant(const mock_config *config)
{
    return config->tenant_count > 0 ? config->tenants[0] : NULL;
}

static bool parse_principals(mock_config *config, json_t *array, mock_error *error)
{
    size_t i;
    json_t *item;
    config->principals = calloc(json_array_size(array) + 1, sizeof *config->principals);
    json_array_foreach(array, i, item)
    {
        char where[64];
        mock_format(where, sizeof where, "principals[%zu]", i);
        if (!mock_json_known_keys(item, where,
                                  "name type client_id object_id tenant resource_id secrets "
                                  "certificates",
                                  error))
            return false;
        mock_principal *p = &config->principals[config->principal_count++];
        char *kind = NULL, *tenant = NULL;
        if (!json_is_object(item) ||
            !mock_json_string(item, "name", where, &p->name, false, error) ||
            !mock_json_string(item, "client_id", where, &p->client_id, true, error) ||
            !mock_json_string(item, "object_id", where, &p->object_id, true, error) ||
            !mock_json_string(item, "tenant", where, &tenant, false, error) ||
            !mock_json_string(item, "resource_id", where, &p->resource_id, false, error) ||
            !mock_json_string(item, "type", where, &kind, false, error)) {
            if (!json_is_object(item))
                mock_error_set(error, "%s: expected an object", where);
            free(kind);
            free(tenant);
            return false;
        }
        p->tenant =
            tenant ? tenant
                   : (mock_config_first_tenant(config) ? strdup(mock_config_first_tenant(config))
                                                       : NULL);
        if (kind == NULL || strcmp(kind, "ServicePrincipal") == 0) {
            p->kind = MOCK_PRINCIPAL_SERVICE;
        } else if (strcmp(kind, "SystemAssigned") == 0) {
            p->kind = MOCK_PRINCIPAL_MI_SYSTEM;
        } else if (strcmp(kind, "UserAssigned") == 0) {
            p->kind = MOCK_PRINCIPAL_MI_USER;
        } else {
            mock_error_set(error,
                           "%s.type: '%s' is not one of ServicePrincipal, SystemAssigned, "
                           "UserAssigned",
                           where, kind);
            free(kind);
            return false;
        }
        free(kind);
        if (p->tenant == NULL || mock_config_find_tenant(config, p->tenant) == NULL) {
            mock_error_set(error, "%s.tenant: no such tenant in \"tenants\"", where);
            return false;
        }
        json_t *secrets = json_object_get(item, "secrets");
        json_t *certs = json_object_get(item, "certificates");
        p->secrets = calloc(json_array_size(secrets) + 1, sizeof *p->secrets);
        p->certificates = calloc(json_array_size(certs) + 1, sizeof *p->certificates);
        size_t j;
        json_t *value;
        json_array_foreach(secrets, j, value)
        {
            if (!json_is_string(value)) {
                mock_error_set(error, "%s.secrets[%zu]: expected a string", where, j);
                return false;
            }
            p->secrets[p->secret_count++] = strdup(json_string_value(value));
        }
        json_array_foreach(certs, j, value)
        {
            X509 *cert = json_is_string(value)
                             ? load_certificate(config->path, json_string_value(value))
                             : NULL;
            if (cert == NULL) {
                mock_error_set(error,
                               "%s.certificates[%zu]: not a PEM certificate or a readable file "
                               "holding one",
                               where, j);
                return false;
            }
            p->certificates[p->certificate_count++] = cert;
        }
    }
    return true;
}

static bool parse_bucket(json_t *json, const char *key, mock_bucket_config *out, mock_error *error)
{
    json_t *b = json_object_get(json, key);
    if (b == NULL)
        return true;
    char where[64];
    mock_format(where, sizeof where, "throttling.%s", key);
    if (!mock_json_known_keys(b, where, "capacity refill_per_second", error))
        return false;
    return get_number(b, "capacity", where, &out->capacity, error) &&
           get_number(b, "refill_per_second", where, &out->refill_per_second, error);
}

mock_status mock_throttle_parse(json_t *json, mock_throttle_config *t, mock_error *error)
{
    if (json == NULL)
        return MOCK_OK;
    if (!json_is_object(json)) {
        mock_error_set(error, "throttling: expected an object");
        return MOCK_ERROR_CONFIG;
    }
    if (!mock_json_known_keys(json, "throttling",
                              "enabled scope_client client tenant arm_reads arm_writes", error))
        return MOCK_ERROR_CONFIG;
    json_t *enabled = json_object_get(json, "enabled");
    if (enabled != NULL)
        t->enabled = json_is_true(enabled);
    bool ok = parse_bucket(json, "scope_client", &t->scope_client, error) &&
              parse_bucket(json, "client", &t->client, error) &&
              parse_bucket(json, "tenant", &t->tenant, error) &&
              parse_bucket(json, "arm_reads", &t->arm_reads, error) &&
              parse_bucket(json, "arm_writes", &t->arm_writes, error);
    return ok ? MOCK_OK : MOCK_ERROR_CONFIG;
}

mock_status mock_runs_parse(json_t *json, mock_run_config *r, mock_error *error)
{
    if (json == NULL)
        return MOCK_OK;
    if (!json_is_object(json)) {
        mock_error_set(error, "runs: expected an object");
        return MOCK_ERROR_CONFIG;
    }
    if (!mock_json_known_keys(json, "runs",
                              "queued_ms in_progress_ms outcome rows max_rows_per_file", error))
        return MOCK_ERROR_CONFIG;
    double queued = (double)r->queued_ms, progress = (double)r->in_progress_ms;
    double rows = (double)r->rows, per_file = (double)r->max_rows_per_file;
    if (!get_number(json, "queued_ms", "runs", &queued, error) ||
        !get_number(json, "in_progress_ms", "runs", &progress, error) ||
        !get_number(json, "rows", "runs", &rows, error) ||
        !get_number(json, "max_rows_per_file", "runs", &per_file, error))
        return MOCK_ERROR_CONFIG;
    r->rows = rows < 1 ? 1 : (long)rows;
    r->max_rows_per_file = (long)per_file;
    const char *outcome = json_string_value(json_object_get(json, "outcome"));
    if (outcome != NULL) {
        const char *allowed[] = {"Completed", "Failed", "Timeout", "DataNotAvailable",
                                 "NewDataNotAvailable"};
        bool known = false;
        for (size_t i = 0; i < 5; i++)
            known = known || strcmp(outcome, allowed[i]) == 0;
        if (!known) {
            mock_error_set(error,
                           "runs.outcome: '%s' is not one of Completed, Failed, Timeout, "
                           "DataNotAvailable, NewDataNotAvailable",
                           outcome);
            return MOCK_ERROR_CONFIG;
        }
        free(r->outcome);
        r->outcome = strdup(outcome);
    }
    r->queued_ms = (long)queued;
    r->in_progress_ms = (long)progress;
    return MOCK_OK;
}

static void set_defaults(mock_config *config)
{
    config->token_lifetime_s = 3599;
    config->throttle = (mock_throttle_config){
        .enabled = true,
        /* ~100 calls per 5 minutes per scope and client, as Microsoft engineers describe. */
        .scope_client = {100, 100.0 / 300.0},
        .client = {300, 1.0},
        .tenant = {500, 2.0},
        .arm_reads = {250, 25},
        .arm_writes = {200, 10},
    };
    config->runs.queued_ms = 200;
    config->runs.in_progress_ms = 300;
    config->runs.outcome = strdup("Completed");
    config->runs.rows = 100;
}

static bool parse_root(mock_config *config, json_t *root, mock_error *error);

mock_status mock_config_load(const char *path, mock_config *out, mock_error *error)
{
    memset(out, 0, sizeof *out);
    set_defaults(out);
    out->path = strdup(path);
    json_error_t json_error;
    json_t *root = json_load_file(path, 0, &json_error);
    if (root == NULL) {
        mock_error_set(error, "%s:%d:%d: %s", path, json_error.line, json_error.column,
                       json_error.text);
        mock_config_dispose(out);
        return MOCK_ERROR_CONFIG;
    }
    mock_error inner = {{0}};
    bool ok = json_is_object(root) && parse_root(out, root, &inner);
    if (!json_is_object(root))
        mock_format(inner.message, sizeof inner.message, "top level: expected a JSON object");
    json_decref(root);
    if (!ok) {
        mock_error_set(error, "%s: %s", path, inner.message);
        mock_config_dispose(out);
        return MOCK_ERROR_CONFIG;
    }
    return MOCK_OK;
}

static bool parse_root(mock_config *config, json_t *root, mock_error *error)
{
    if (!mock_json_known_keys(
            root, "top level",
            "tenants principals role_assignments billing_accounts "
            "management_groups subscriptions storage_accounts token_lifetime_s "
            "identity_header msi_secret runs throttling faults data_factories seed",
            error))
        return false;
    json_t *tenants = json_object_get(root, "tenants");
    if (!json_is_array(tenants) || json_array_size(tenants) == 0) {
        mock_error_set(error, "tenants: expected a non-empty array of tenant ids");
        return false;
    }
    config->tenants = calloc(json_array_size(tenants), sizeof *config->tenants);
    size_t i;
    json_t *item;
    json_array_foreach(tenants, i, item)
    {
        const char *id = json_is_string(item) ? json_string_value(item)
                                              : json_string_value(json_object_get(item, "id"));
        if (id == NULL) {
            mock_error_set(error, "tenants[%zu]: expected a tenant id string", i);
            return false;
        }
        config->tenants[config->tenant_count++] = strdup(id);
    }
    if (!parse_principals(config, json_object_get(root, "principals"), error) ||
        !mock_config_parse_scopes(config, root, error))
        return false;
    json_t *storage = json_object_get(root, "storage_accounts");
    config->storage = calloc(json_array_size(storage) + 1, sizeof *config->storage);
    json_array_foreach(storage, i, item)
    {
        char where[64];
        mock_format(where, sizeof where, "storage_accounts[%zu]", i);
        if (!mock_json_known_keys(item, where, "resource_id endpoint account key", error))
            return false;
        mock_storage_account *s = &config->storage[config->storage_count++];
        if (!mock_json_string(item, "resource_id", where, &s->resource_id, true, error) ||
            !mock_json_string(item, "endpoint", where, &s->endpoint, false, error) ||
            !mock_json_string(item, "account", where, &s->account, false, error) ||
            !mock_json_string(item, "key", where, &s->key, false, error))
            return false;
        /* The account is a scope too: MI exports need roleAssignments/write on it. */
        char parent[1024];
        mock_format(parent, sizeof parent, "%s", s->resource_id);
        char *providers = strcasestr(parent, "/providers/");
        if (providers != NULL)
            *providers = '\0';
        const mock_scope *owner = mock_config_find_scope(config, parent);
        /* Copies: add_scope may move the scope array. */
        char *owner_id = owner ? strdup(owner->id) : NULL;
        char *tenant =
            strdup(owner && owner->tenant ? owner->tenant : mock_config_first_tenant(config));
        mock_scope *scope = mock_config_add_scope(config, s->resource_id,
                                                  MOCK_SCOPE_STORAGE_ACCOUNT, NULL, tenant, NULL);
        if (scope != NULL && owner_id != NULL)
            mock_config_set_parent(scope, 0, owner_id);
        free(owner_id);
        free(tenant);
    }
    if (!mock_datafactory_parse(config, root, error))
        return false;
    json_t *roles = json_object_get(root, "role_assignments");
    config->roles = calloc(json_array_size(roles) + 1, sizeof *config->roles);
    json_array_foreach(roles, i, item)
    {
        char where[64];
        mock_format(where, sizeof where, "role_assignments[%zu]", i);
        if (!mock_json_known_keys(item, where, "principal role scope", error))
            return false;
        char *principal = NULL, *role = NULL, *scope = NULL;
        bool ok = mock_json_string(item, "principal", where, &principal, true, error) &&
                  mock_json_string(item, "role", where, &role, true, error) &&
                  mock_json_string(item, "scope", where, &scope, true, error);
        const mock_principal *p = NULL;
        if (ok) {
            p = mock_config_find_principal(config, principal);
            if (p == NULL)
                p = mock_config_find_principal_by_oid(config, principal);
            if (p == NULL) {
                mock_error_set(error, "%s.principal: '%s' is not a configured principal", where,
                               principal);
                ok = false;
            } else if (mock_config_find_scope(config, scope) == NULL) {
                mock_error_set(error, "%s.scope: '%s' is not a configured scope", where, scope);
                ok = false;
            }
        }
        if (ok) {
            mock_role_assignment *r = &config->roles[config->role_count++];
            r->principal_object_id = strdup(p->object_id);
            r->role = role;
            r->scope_lower = strdup(mock_config_find_scope(config, scope)->lower);
            role = NULL;
        }
        free(principal);
        free(role);
        free(scope);
        if (!ok)
            return false;
    }
    double lifetime = (double)config->token_lifetime_s;
    double seed = 1;
    if (!get_number(root, "token_lifetime_s", "top level", &lifetime, error) ||
        !get_number(root, "seed", "top level", &seed, error))
        return false;
    config->token_lifetime_s = lifetime < 1 ? 1 : (long)lifetime;
    config->seed = (unsigned)seed;
    if (!mock_json_string(root, "identity_header", "top level", &config->identity_header, false,
                          error) ||
        !mock_json_string(root, "msi_secret", "top level", &config->msi_secret, false, error))
        return false;
    if (config->identity_header == NULL)
        config->identity_header = strdup("mock-identity-header");
    if (config->msi_secret == NULL)
        config->msi_secret = strdup("mock-msi-secret");
    if (mock_throttle_parse(json_object_get(root, "throttling"), &config->throttle, error) ||
        mock_runs_parse(json_object_get(root, "runs"), &config->runs, error))
        return false;
    json_t *faults = json_object_get(root, "faults");
    if (faults != NULL && !json_is_array(faults)) {
        mock_error_set(error, "faults: expected an array of fault rules");
        return false;
    }
    config->faults = faults ? json_deep_copy(faults) : json_array();
    return true;
}

void mock_config_dispose(mock_config *config)
{
    free(config->path);
    for (size_t i = 0; i < config->tenant_count; i++)
        free(config->tenants[i]);
    free(config->tenants);
    for (size_t i = 0; i < config->principal_count; i++) {
        mock_principal *p = &config->principals[i];
        free(p->name);
        free(p->tenant);
        free(p->client_id);
        free(p->object_id);
        free(p->resource_id);
        for (size_t j = 0; j < p->secret_count; j++)
            free(p->secrets[j]);
        free(p->secrets);
        for (size_t j = 0; j < p->certificate_count; j++)
            X509_free(p->certificates[j]);
        free(p->certificates);
    }
    free(config->principals);
    for (size_t i = 0; i < config->scope_count; i++) {
        mock_scope *s = &config->scopes[i];
        free(s->id);
        free(s->lower);
        free(s->name);
        free(s->display_name);
        free(s->tenant);
        free(s->agreement);
        for (int k = 0; k < MOCK_SCOPE_MAX_PARENTS; k++)
            free(s->parents[k]);
    }
    free(config->scopes);
    for (size_t i = 0; i < config->role_count; i++) {
        free(config->roles[i].principal_object_id);
        free(config->roles[i].role);
        free(config->roles[i].scope_lower);
    }
    free(config->roles);
    for (size_t i = 0; i < config->storage_count; i++) {
        free(config->storage[i].resource_id);
        free(config->storage[i].endpoint);
        free(config->storage[i].account);
        free(config->storage[i].key);
    }
    free(config->storage);
    free(config->identity_header);
    free(config->msi_secret);
    free(config->runs.outcome);
    json_decref(config->faults);
    json_decref(config->data_factories);
    memset(config, 0, sizeof *config);
}

const mock_principal *mock_config_find_principal(const mock_config *config, const char *client_id)
{
    for (size_t i = 0; client_id != NULL && i < config->principal_count; i++)
        if (strcasecmp(config->principals[i].client_id, client_id) == 0)
            return &config->principals[i];
    return NULL;
}

const mock_principal *mock_config_find_principal_by_oid(const mock_config *config,
                                                        const char *object_id)
{
    for (size_t i = 0; object_id != NULL && i < config->principal_count; i++)
        if (strcasecmp(config->principals[i].object_id, object_id) == 0)
            return &config->principals[i];
    return NULL;
}

const mock_scope *mock_config_find_scope(const mock_config *config, const char *id)
{
    if (id == NULL)
        return NULL;
    while (id[0] == '/' && id[1] == '/')
        id++;
    size_t len = strlen(id);
    while (len > 1 && id[len - 1] == '/')
        len--;
    bool slash = id[0] == '/';
    for (size_t i = 0; i < config->scope_count; i++) {
        const char *lower = config->scopes[i].lower + (slash ? 0 : 1);
        if (strlen(lower) == len && strncasecmp(lower, id, len) == 0)
            return &config->scopes[i];
    }
    return NULL;
}

const char *mock_config_find_tenant(const mock_config *config, const char *name)
{
    for (size_t i = 0; name != NULL && i < config->tenant_count; i++)
        if (strcasecmp(config->tenants[i], name) == 0)
            return config->tenants[i];
    return NULL;
}

const mock_storage_account *mock_config_find_storage(const mock_config *config,
                                                     const char *resource_id)
{
    for (size_t i = 0; resource_id != NULL && i < config->storage_count; i++) {
        const char *id = config->storage[i].resource_id;
        const char *wanted = resource_id;
        while (*id == '/')
            id++;
        while (*wanted == '/')
            wanted++;
        if (strcasecmp(id, wanted) == 0)
            return &config->storage[i];
    }
    return NULL;
}
