/* auth: Entra ID's OAuth2 client credentials grant (v2.0 endpoint), and the two credentials
 * that are only that grant plus a secret: client secret and workload identity. */
#include "auth/auth_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

char *auth_entra_token_endpoint(const auth_credential *credential, const char *tenant_id)
{
    char *url = NULL;
    if (asprintf(&url, "%s/%s/oauth2/v2.0/token", credential->options.authority_host, tenant_id) <
        0)
        return NULL;
    return url;
}

auth_status auth_entra_request_token(auth_credential *credential, const char *tenant_id,
                                     const char *client_id, const char *scope_or_resource,
                                     const char *secret_fields, const char *const *secrets,
                                     auth_token *out_token, auth_error *error)
{
    const char *name = credential->name;
    char *url = auth_entra_token_endpoint(credential, tenant_id);
    char *scope = auth_resource_to_scope(scope_or_resource);
    char *scope_encoded = scope ? auth_url_encode(scope) : NULL;
    char *client_encoded = auth_url_encode(client_id);
    char *body = NULL;
    int body_len = -1;
    if (url && scope_encoded && client_encoded)
        body_len = asprintf(&body, "grant_type=client_credentials&client_id=%s&scope=%s&%s",
                            client_encoded, scope_encoded, secret_fields);
    free(scope);
    free(scope_encoded);
    free(client_encoded);
    if (body_len < 0) {
        free(url);
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    }
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    auth_http_request request = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = (size_t)body_len,
        .ca_bundle = credential->options.ca_bundle,
        .timeout_ms = credential->options.timeout_ms,
    };
    auth_http_response response = {.retry_after = -1};
    auth_status status =
        auth_http_send_retrying(credential, AUTH_RETRY_SERVICE, &request, false, &response, error);
    OPENSSL_cleanse(body, (size_t)body_len);
    free(body);
    if (status == AUTH_OK) {
        if (response.status == 200)
            status = auth_parse_token_response(credential, response.body,
                                               auth_now(&credential->options), out_token, error);
        else
            status =
                auth_error_from_response(credential, &response, "token request", secrets, error);
    }
    if (status != AUTH_OK && error && error->status == status) {
        /* say which tenant/client and where, so the operator can find the app */
        char detail[sizeof(error->message)];
        snprintf(detail, sizeof(detail), "%s", error->message);
        snprintf(error->message, sizeof(error->message), "%.560s [tenant %s, client %s, %s]",
                 detail, tenant_id, client_id, url);
        auth_scrub(error->message, sizeof(error->message), secrets);
    }
    auth_http_response_dispose(&response);
    free(url);
    return status;
}

/* Validation shared by every Entra ID credential: ids go into the URL and the form. */
auth_status auth_entra_check_ids(const char *name, const char *tenant_id, const char *client_id,
                                 auth_error *error)
{
    if (!tenant_id || !*tenant_id)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL,
                              "%s: no tenant id (AZURE_TENANT_ID)", name);
    if (!client_id || !*client_id)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL,
                              "%s: no client id (AZURE_CLIENT_ID)", name);
    if (!auth_is_safe_id(tenant_id))
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: tenant id \"%.80s\" may only contain letters, digits, '.', "
                              "'-' and '_'",
                              name, tenant_id);
    if (!auth_is_safe_id(client_id))
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: client id \"%.80s\" may only contain letters, digits, '.', "
                              "'-' and '_'",
                              name, client_id);
    return AUTH_OK;
}

/* ---- client secret ---- */

typedef struct auth_secret_credential {
    auth_credential base;
    char *tenant_id;
    char *client_id;
    char *secret;
} auth_secret_credential;

static auth_status secret_get_token(auth_credential *credential, const char *scope_or_resource,
                                    auth_token *out_token, auth_error *error)
{
    auth_secret_credential *sp = (auth_secret_credential *)credential;
    char *encoded = auth_url_encode(sp->secret);
    char *fields = NULL;
    if (encoded && asprintf(&fields, "client_secret=%s", encoded) < 0)
        fields = NULL;
    auth_free_secret(encoded);
    if (!fields)
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "%s: out of memory", credential->name);
    const char *secrets[] = {sp->secret, NULL};
    auth_status status =
        auth_entra_request_token(credential, sp->tenant_id, sp->client_id, scope_or_resource,
                                 fields, secrets, out_token, error);
    auth_free_secret(fields);
    return status;
}

static void secret_destroy(auth_credential *credential)
{
    auth_secret_credential *sp = (auth_secret_credential *)credential;
    free(sp->tenant_id);
    free(sp->client_id);
    auth_free_secret(sp->secret);
    free(sp);
}

static const auth_credential_vtable secret_vtable = {secret_get_token, secret_destroy};

auth_status auth_client_secret_credential_new(const char *tenant_id, const char *client_id,
                                              const char *client_secret,
                                              const auth_options *options,
                                              auth_credential **out_credential, auth_error *error)
{
    static const char name[] = "ClientSecretCredential";
    *out_credential = NULL;
    auth_status status = auth_entra_check_ids(name, tenant_id, client_id, error);
    if (status != AUTH_OK)
        return status;
    if (!client_secret || !*client_secret)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL,
                              "%s: no client secret (AZURE_CLIENT_SECRET)", name);
    auth_secret_credential *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    status = auth_credential_base_init(&sp->base, &secret_vtable, name, options, error);
    if (status == AUTH_OK) {
        sp->tenant_id = strdup(tenant_id);
        sp->client_id = strdup(client_id);
        sp->secret = strdup(client_secret);
        if (!sp->tenant_id || !sp->client_id || !sp->secret)
            status = auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                    name);
    }
    if (status != AUTH_OK) {
        auth_credential_free(&sp->base);
        return status;
    }
    auth_credential_set_description(&sp->base, "%s for client %s in tenant %s via %s", name,
                                    client_id, tenant_id, sp->base.options.authority_host);
    *out_credential = &sp->base;
    return AUTH_OK;
}

/* ---- workload identity ---- */

typedef struct auth_workload_credential {
    auth_credential base;
    char *tenant_id;
    char *client_id;
    char *token_file;
} auth_workload_credential;

static auth_status workload_get_token(auth_credential *credential, const char *scope_or_resource,
                                      auth_token *out_token, auth_error *error)
{
    auth_workload_credential *wi = (auth_workload_credential *)credential;
    /* Read on every request: the platform rotates the projected token. */
    size_t len = 0;
    char *assertion = auth_read_file(wi->token_file, &len);
    if (!assertion)
        return auth_error_set(error, AUTH_IO, credential->name, 0, NULL, NULL,
                              "%s: cannot read the federated token file %s: %s", credential->name,
                              wi->token_file, strerror(errno));
    while (len > 0 && (assertion[len - 1] == '\n' || assertion[len - 1] == '\r' ||
                       assertion[len - 1] == ' ' || assertion[len - 1] == '\t'))
        assertion[--len] = '\0';
    if (len == 0) {
        auth_free_secret(assertion);
        return auth_error_set(error, AUTH_IO, credential->name, 0, NULL, NULL,
                              "%s: the federated token file %s is empty", credential->name,
                              wi->token_file);
    }
    return auth_entra_request_token_with_assertion(credential, wi->tenant_id, wi->client_id,
                                                   scope_or_resource, assertion, out_token, error);
}

static void workload_destroy(auth_credential *credential)
{
    auth_workload_credential *wi = (auth_workload_credential *)credential;
    free(wi->tenant_id);
    free(wi->client_id);
    free(wi->token_file);
    free(wi);
}

static const auth_credential_vtable workload_vtable = {workload_get_token, workload_destroy};

auth_status auth_workload_identity_credential_new(const char *tenant_id, const char *client_id,
                                                  const char *token_file_path,
                                                  const auth_options *options,
                                                  auth_credential **out_credential,
                                                  auth_error *error)
{
    static const char name[] = "WorkloadIdentityCredential";
    *out_credential = NULL;
    auth_status status = auth_entra_check_ids(name, tenant_id, client_id, error);
    if (status != AUTH_OK)
        return status;
    if (!token_file_path || !*token_file_path)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL,
                              "%s: no federated token file (AZURE_FEDERATED_TOKEN_FILE)", name);
    auth_workload_credential *wi = calloc(1, sizeof(*wi));
    if (!wi)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    status = auth_credential_base_init(&wi->base, &workload_vtable, name, options, error);
    if (status == AUTH_OK) {
        wi->tenant_id = strdup(tenant_id);
        wi->client_id = strdup(client_id);
        wi->token_file = strdup(token_file_path);
        if (!wi->tenant_id || !wi->client_id || !wi->token_file)
            status = auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                    name);
    }
    if (status != AUTH_OK) {
        auth_credential_free(&wi->base);
        return status;
    }
    auth_credential_set_description(
        &wi->base, "%s for client %s in tenant %s via %s, token file %s", name, client_id,
        tenant_id, wi->base.options.authority_host, token_file_path);
    *out_credential = &wi->base;
    return AUTH_OK;
}

auth_status auth_entra_request_token_with_assertion(auth_credential *credential,
                                                    const char *tenant_id, const char *client_id,
                                                    const char *scope_or_resource, char *assertion,
                                                    auth_token *out_token, auth_error *error)
{
    /* A JWT is base64url and '.', which need no encoding; a federated token may be anything. */
    char *encoded = auth_url_encode(assertion);
    char *fields = NULL;
    if (encoded &&
        asprintf(&fields,
                 "client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type"
                 "%%3Ajwt-bearer&client_assertion=%s",
                 encoded) < 0)
        fields = NULL;
    auth_free_secret(encoded);
    auth_status status;
    if (!fields) {
        status = auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                                "%s: out of memory", credential->name);
    } else {
        const char *secrets[] = {assertion, NULL};
        status = auth_entra_request_token(credential, tenant_id, client_id, scope_or_resource,
                                          fields, secrets, out_token, error);
    }
    auth_free_secret(fields);
    auth_free_secret(assertion);
    return status;
}
