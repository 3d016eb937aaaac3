/* auth: managed identity through the Instance Metadata Service (VMs, scale sets, AKS
 * nodes): plain HTTP to a link-local address, `Metadata: true`, IMDS's retry rules. */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

/* azure-identity's IMDS connect timeout */
#define AUTH_IMDS_CONNECT_TIMEOUT_MS 2000

typedef struct auth_imds_credential {
    auth_credential base;
    char *endpoint;
    char *id_param; /* "client_id=…", "object_id=…", "msi_res_id=…" or NULL (encoded) */
} auth_imds_credential;

/* Builds "key=<encoded value>" for the one id given (or NULL for system-assigned). The
 * keys differ per API: IMDS and App Service name them differently. */
auth_status auth_managed_identity_id_param(const char *credential_name,
                                           const auth_managed_identity_options *id,
                                           const char *client_key, const char *object_key,
                                           const char *resource_key, char **out_param,
                                           auth_error *error)
{
    *out_param = NULL;
    if (!id)
        return AUTH_OK;
    const char *key = NULL, *value = NULL;
    int given = 0;
    if (id->client_id && *id->client_id) {
        key = client_key, value = id->client_id, given++;
    }
    if (id->object_id && *id->object_id) {
        key = object_key, value = id->object_id, given++;
    }
    if (id->resource_id && *id->resource_id) {
        key = resource_key, value = id->resource_id, given++;
    }
    if (given > 1)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, credential_name, 0, NULL, NULL,
                              "%s: give at most one of client id, object id and resource id "
                              "for a user-assigned identity (%d given)",
                              credential_name, given);
    if (given == 0)
        return AUTH_OK;
    if (!key)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, credential_name, 0, NULL, NULL,
                              "%s: this endpoint can only select a user-assigned identity by "
                              "client id",
                              credential_name);
    char *encoded = auth_url_encode(value);
    size_t len = encoded ? strlen(key) + strlen(encoded) + 2 : 0;
    char *param = encoded ? malloc(len) : NULL;
    if (!param) {
        free(encoded);
        return auth_error_set(error, AUTH_NO_MEMORY, credential_name, 0, NULL, NULL,
                              "%s: out of memory", credential_name);
    }
    snprintf(param, len, "%s=%s", key, encoded);
    free(encoded);
    *out_param = param;
    return AUTH_OK;
}

/* Shared by the managed identity endpoints: GET url with headers, then parse. */
auth_status auth_managed_identity_fetch(auth_credential *credential, auth_retry_policy policy,
                                        const char *url, const char *const *headers,
                                        const char *const *secrets, auth_token *out_token,
                                        auth_error *error)
{
    auth_http_request request = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .ca_bundle = credential->options.ca_bundle,
        .timeout_ms = credential->options.timeout_ms,
        /* IMDS is link-local: on Azure the connect is immediate; elsewhere the address may
         * swallow packets, and waiting longer only delays "no managed identity here". */
        .connect_timeout_ms = policy == AUTH_RETRY_IMDS ? AUTH_IMDS_CONNECT_TIMEOUT_MS : 0,
    };
    auth_http_response response = {.retry_after = -1};
    auth_status status =
        auth_http_send_retrying(credential, policy, &request, true, &response, error);
    if (status != AUTH_OK)
        return status;
    if (response.status == 200) {
        status = auth_parse_token_response(credential, response.body,
                                           auth_now(&credential->options), out_token, error);
    } else {
        status = auth_error_from_response(credential, &response, "token request", secrets, error);
        if (error && strcmp(error->code, "bad_request_102") == 0) {
            /* we always send the header: something between us and IMDS dropped it */
            char original[sizeof(error->message)];
            snprintf(original, sizeof(original), "%s", error->message);
            snprintf(error->message, sizeof(error->message),
                     "%.600s (the Metadata header was sent; a proxy may have removed it — "
                     "IMDS must be reached directly)",
                     original);
        }
    }
    auth_http_response_dispose(&response);
    return status;
}

static auth_status imds_get_token(auth_credential *credential, const char *scope_or_resource,
                                  auth_token *out_token, auth_error *error)
{
    auth_imds_credential *imds = (auth_imds_credential *)credential;
    char *resource = auth_scope_to_resource(scope_or_resource);
    char *encoded = resource ? auth_url_encode(resource) : NULL;
    free(resource);
    if (!encoded)
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "%s: out of memory", credential->name);
    const char *separator = strchr(imds->endpoint, '?') ? "&" : "?";
    char *url = NULL;
    int n = asprintf(&url, "%s%sapi-version=2018-02-01&resource=%s%s%s", imds->endpoint, separator,
                     encoded, imds->id_param ? "&" : "", imds->id_param ? imds->id_param : "");
    free(encoded);
    if (n < 0)
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "%s: out of memory", credential->name);
    /* lowercase "true": IMDS's guard against server-side request forgery */
    static const char *const headers[] = {"Metadata: true", NULL};
    auth_status status = auth_managed_identity_fetch(credential, AUTH_RETRY_IMDS, url, headers,
                                                     NULL, out_token, error);
    free(url);
    return status;
}

static void imds_destroy(auth_credential *credential)
{
    auth_imds_credential *imds = (auth_imds_credential *)credential;
    free(imds->endpoint);
    free(imds->id_param);
    free(imds);
}

static const auth_credential_vtable imds_vtable = {imds_get_token, imds_destroy};

auth_status auth_imds_credential_new(const char *endpoint, const auth_managed_identity_options *id,
                                     const auth_options *options, auth_credential **out_credential,
                                     auth_error *error)
{
    static const char name[] = "ManagedIdentityCredential(IMDS)";
    *out_credential = NULL;
    if (!endpoint || !*endpoint)
        endpoint = AUTH_IMDS_ENDPOINT;
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: IMDS endpoint \"%.200s\" is not an http(s) URL", name, endpoint);
    auth_imds_credential *imds = calloc(1, sizeof(*imds));
    if (!imds)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    auth_status status = auth_credential_base_init(&imds->base, &imds_vtable, name, options, error);
    if (status == AUTH_OK)
        status = auth_managed_identity_id_param(name, id, "client_id", "object_id", "msi_res_id",
                                                &imds->id_param, error);
    if (status == AUTH_OK && !(imds->endpoint = strdup(endpoint)))
        status =
            auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory", name);
    if (status != AUTH_OK) {
        auth_credential_free(&imds->base);
        return status;
    }
    auth_credential_set_description(&imds->base, "%s at %s, %s%s", name, imds->endpoint,
                                    imds->id_param ? "user-assigned " : "system-assigned",
                                    imds->id_param ? imds->id_param : "");
    *out_credential = &imds->base;
    return AUTH_OK;
}
