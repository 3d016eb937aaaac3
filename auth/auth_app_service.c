/* auth: managed identity on App Service, Functions and Container Apps (IDENTITY_ENDPOINT +
 * IDENTITY_HEADER, 2019-08-01) and the legacy MSI_ENDPOINT + MSI_SECRET (2017-09-01). */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct auth_app_service_credential {
    auth_credential base;
    char *endpoint;
    char *header_name; /* "X-IDENTITY-HEADER" or "secret" */
    char *header_secret;
    const char *api_version;
    char *id_param;
} auth_app_service_credential;

static auth_status app_service_get_token(auth_credential *credential, const char *scope_or_resource,
                                         auth_token *out_token, auth_error *error)
{
    auth_app_service_credential *app = (auth_app_service_credential *)credential;
    char *resource = auth_scope_to_resource(scope_or_resource);
    char *encoded = resource ? auth_url_encode(resource) : NULL;
    free(resource);
    char *url = NULL, *header = NULL;
    const char *separator = strchr(app->endpoint, '?') ? "&" : "?";
    if (!encoded || asprintf(&url, "%s%sapi-version=%s&resource=%s%s%s", app->endpoint, separator,
                             app->api_version, encoded, app->id_param ? "&" : "",
                             app->id_param ? app->id_param : "") < 0) {
        url = NULL;
    }
    if (url && asprintf(&header, "%s: %s", app->header_name, app->header_secret) < 0)
        header = NULL;
    free(encoded);
    if (!url || !header) {
        free(url);
        auth_free_secret(header);
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "%s: out of memory", credential->name);
    }
    const char *headers[] = {header, NULL};
    const char *secrets[] = {app->header_secret, NULL};
    auth_status status = auth_managed_identity_fetch(credential, AUTH_RETRY_SERVICE, url, headers,
                                                     secrets, out_token, error);
    free(url);
    auth_free_secret(header);
    return status;
}

static void app_service_destroy(auth_credential *credential)
{
    auth_app_service_credential *app = (auth_app_service_credential *)credential;
    free(app->endpoint);
    free(app->header_name);
    auth_free_secret(app->header_secret);
    free(app->id_param);
    free(app);
}

static const auth_credential_vtable app_service_vtable = {app_service_get_token,
                                                          app_service_destroy};

static auth_status
app_service_new(const char *name, const char *endpoint_variable, const char *secret_variable,
                const char *endpoint, const char *secret, const char *header_name,
                const char *api_version, const char *client_key, const char *object_key,
                const char *resource_key, const auth_managed_identity_options *id,
                const auth_options *options, auth_credential **out_credential, auth_error *error)
{
    *out_credential = NULL;
    if (!endpoint || !*endpoint)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL, "%s: %s is not set",
                              name, endpoint_variable);
    if (!secret || !*secret)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL, "%s: %s is not set",
                              name, secret_variable);
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: %s \"%.200s\" is not an http(s) URL", name, endpoint_variable,
                              endpoint);
    if (strpbrk(secret, "\r\n"))
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: %s contains a line break", name, secret_variable);
    auth_app_service_credential *app = calloc(1, sizeof(*app));
    if (!app)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    app->api_version = api_version;
    auth_status status =
        auth_credential_base_init(&app->base, &app_service_vtable, name, options, error);
    if (status == AUTH_OK)
        status = auth_managed_identity_id_param(name, id, client_key, object_key, resource_key,
                                                &app->id_param, error);
    if (status == AUTH_OK) {
        app->endpoint = strdup(endpoint);
        app->header_name = strdup(header_name);
        app->header_secret = strdup(secret);
        if (!app->endpoint || !app->header_name || !app->header_secret)
            status = auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                    name);
    }
    if (status != AUTH_OK) {
        auth_credential_free(&app->base);
        return status;
    }
    auth_credential_set_description(
        &app->base, "%s at %s (api-version %s), %s%s", name, app->endpoint, api_version,
        app->id_param ? "user-assigned " : "system-assigned", app->id_param ? app->id_param : "");
    *out_credential = &app->base;
    return AUTH_OK;
}

auth_status auth_app_service_credential_new(const char *identity_endpoint,
                                            const char *identity_header,
                                            const auth_managed_identity_options *id,
                                            const auth_options *options,
                                            auth_credential **out_credential, auth_error *error)
{
    return app_service_new("ManagedIdentityCredential(AppService)", "IDENTITY_ENDPOINT",
                           "IDENTITY_HEADER", identity_endpoint, identity_header,
                           "X-IDENTITY-HEADER", "2019-08-01", "client_id", "object_id", "mi_res_id",
                           id, options, out_credential, error);
}

auth_status auth_msi_legacy_credential_new(const char *msi_endpoint, const char *msi_secret,
                                           const auth_managed_identity_options *id,
                                           const auth_options *options,
                                           auth_credential **out_credential, auth_error *error)
{
    return app_service_new("ManagedIdentityCredential(MSI legacy)", "MSI_ENDPOINT", "MSI_SECRET",
                           msi_endpoint, msi_secret, "secret", "2017-09-01", "clientid", NULL, NULL,
                           id, options, out_credential, error);
}
