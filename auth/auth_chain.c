/* auth: the default chain — explicit options, then the Azure SDKs' environment variables,
 * tried in DefaultAzureCredential's order, with a secret-free account of the choice. */
#include "auth/auth_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void auth_chain_options_default(auth_chain_options *out_options)
{
    memset(out_options, 0, sizeof(*out_options));
    out_options->kind = AUTH_KIND_AUTO;
    out_options->assertion_algorithm = AUTH_ASSERTION_PS256;
    auth_options_default(&out_options->common);
    out_options->common.authority_host = NULL; /* the chain's own field decides */
}

static const char *real_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static void fill(const char **field, auth_getenv_fn getenv_fn, void *ctx, const char *name)
{
    if (*field && **field)
        return;
    const char *value = getenv_fn(ctx, name);
    if (value && *value)
        *field = value;
}

void auth_chain_options_load_env(auth_chain_options *options, auth_getenv_fn getenv_fn, void *ctx)
{
    if (!getenv_fn)
        getenv_fn = real_getenv;
    fill(&options->tenant_id, getenv_fn, ctx, "AZURE_TENANT_ID");
    fill(&options->client_id, getenv_fn, ctx, "AZURE_CLIENT_ID");
    fill(&options->client_secret, getenv_fn, ctx, "AZURE_CLIENT_SECRET");
    fill(&options->certificate_path, getenv_fn, ctx, "AZURE_CLIENT_CERTIFICATE_PATH");
    fill(&options->certificate_password, getenv_fn, ctx, "AZURE_CLIENT_CERTIFICATE_PASSWORD");
    fill(&options->send_certificate_chain, getenv_fn, ctx, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN");
    fill(&options->federated_token_file, getenv_fn, ctx, "AZURE_FEDERATED_TOKEN_FILE");
    fill(&options->authority_host, getenv_fn, ctx, "AZURE_AUTHORITY_HOST");
    fill(&options->identity_endpoint, getenv_fn, ctx, "IDENTITY_ENDPOINT");
    fill(&options->identity_header, getenv_fn, ctx, "IDENTITY_HEADER");
    fill(&options->msi_endpoint, getenv_fn, ctx, "MSI_ENDPOINT");
    fill(&options->msi_secret, getenv_fn, ctx, "MSI_SECRET");
    fill(&options->imds_authority_host, getenv_fn, ctx, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
    fill(&options->token_credentials, getenv_fn, ctx, "AZURE_TOKEN_CREDENTIALS");
}

const char *auth_kind_name(auth_kind kind)
{
    switch (kind) {
    case AUTH_KIND_AUTO:
        return "auto";
    case AUTH_KIND_CLIENT_SECRET:
        return "client-secret";
    case AUTH_KIND_CLIENT_CERTIFICATE:
        return "client-certificate";
    case AUTH_KIND_WORKLOAD_IDENTITY:
        return "workload-identity";
    case AUTH_KIND_APP_SERVICE:
        return "app-service";
    case AUTH_KIND_MSI_LEGACY:
        return "msi-legacy";
    case AUTH_KIND_IMDS:
        return "imds";
    }
    return "unknown";
}

auth_status auth_kind_parse(const char *text, auth_kind *out_kind, auth_error *error)
{
    for (int kind = AUTH_KIND_AUTO; kind <= AUTH_KIND_IMDS; kind++) {
        if (text && strcmp(text, auth_kind_name((auth_kind)kind)) == 0) {
            *out_kind = (auth_kind)kind;
            return AUTH_OK;
        }
    }
    return auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                          "unknown credential kind \"%.40s\" (expected auto, client-secret, "
                          "client-certificate, workload-identity, app-service, msi-legacy or "
                          "imds)",
                          text ? text : "(null)");
}

static bool set(const char *value)
{
    return value && *value;
}

/* Names the missing settings of a candidate; empty when it is fully configured. */
static void missing(char *out, size_t size, int count, ...)
{
    out[0] = '\0';
    va_list args;
    va_start(args, count);
    for (int i = 0; i < count; i++) {
        const char *value = va_arg(args, const char *);
        const char *name = va_arg(args, const char *);
        if (!set(value)) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, "%s%s", used ? ", " : "", name);
        }
    }
    va_end(args);
}

typedef struct candidate {
    auth_kind kind;
    const char *label;
    char missing[160];
} candidate;

static void append(char **text, size_t *len, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char **text, size_t *len, const char *format, ...)
{
    if (!*text)
        return;
    va_list args;
    va_start(args, format);
    char *line = NULL;
    int n = vasprintf(&line, format, args);
    va_end(args);
    char *bigger = n >= 0 ? realloc(*text, *len + (size_t)n + 1) : NULL;
    if (!bigger) {
        free(line);
        free(*text);
        *text = NULL;
        return;
    }
    memcpy(bigger + *len, line, (size_t)n + 1);
    *len += (size_t)n;
    *text = bigger;
    free(line);
}

static auth_status build(const auth_chain_options *options, auth_kind kind,
                         auth_credential **out_credential, auth_error *error)
{
    auth_options common = options->common;
    common.authority_host =
        set(options->authority_host) ? options->authority_host : AUTH_AUTHORITY_PUBLIC;
    auth_managed_identity_options id = {
        .client_id = options->client_id,
        .object_id = options->managed_identity_object_id,
        .resource_id = options->managed_identity_resource_id,
    };
    if (set(id.object_id) || set(id.resource_id))
        id.client_id = NULL; /* an explicit object/resource id beats AZURE_CLIENT_ID */
    switch (kind) {
    case AUTH_KIND_CLIENT_SECRET:
        return auth_client_secret_credential_new(options->tenant_id, options->client_id,
                                                 options->client_secret, &common, out_credential,
                                                 error);
    case AUTH_KIND_CLIENT_CERTIFICATE: {
        auth_certificate_options cert;
        auth_certificate_options_default(&cert);
        cert.password = options->certificate_password;
        cert.algorithm = options->assertion_algorithm;
        cert.send_certificate_chain = set(options->send_certificate_chain) &&
                                      (strcasecmp(options->send_certificate_chain, "true") == 0 ||
                                       strcmp(options->send_certificate_chain, "1") == 0);
        return auth_client_certificate_credential_new(options->tenant_id, options->client_id,
                                                      options->certificate_path, &cert, &common,
                                                      out_credential, error);
    }
    case AUTH_KIND_WORKLOAD_IDENTITY:
        return auth_workload_identity_credential_new(options->tenant_id, options->client_id,
                                                     options->federated_token_file, &common,
                                                     out_credential, error);
    case AUTH_KIND_APP_SERVICE:
        return auth_app_service_credential_new(options->identity_endpoint, options->identity_header,
                                               &id, &common, out_credential, error);
    case AUTH_KIND_MSI_LEGACY:
        return auth_msi_legacy_credential_new(options->msi_endpoint, options->msi_secret, &id,
                                              &common, out_credential, error);
    case AUTH_KIND_IMDS:
    case AUTH_KIND_AUTO: {
        char *endpoint = NULL;
        if (set(options->imds_authority_host)) {
            size_t len = strlen(options->imds_authority_host);
            while (len > 0 && options->imds_authority_host[len - 1] == '/')
                len--;
            if (asprintf(&endpoint, "%.*s/metadata/identity/oauth2/token", (int)len,
                         options->imds_authority_host) < 0)
                return auth_error_set(error, AUTH_NO_MEMORY, "", 0, NULL, NULL, "out of memory");
        }
        auth_status status =
            auth_imds_credential_new(endpoint, &id, &common, out_credential, error);
        free(endpoint);
        return status;
    }
    }
    return auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                          "unknown credential kind %d", (int)kind);
}

/* AZURE_TOKEN_CREDENTIALS narrows the chain the way azure-identity does: "prod" keeps every
 * credential here (there are no developer ones), a credential name keeps only its kinds. */
static auth_status narrow(const char *value, bool allowed[6], auth_error *error)
{
    static const struct {
        const char *name;
        bool allowed[6];
    } choices[] = {
        {"prod", {true, true, true, true, true, true}},
        {"EnvironmentCredential", {true, true, false, false, false, false}},
        {"WorkloadIdentityCredential", {false, false, true, false, false, false}},
        {"ManagedIdentityCredential", {false, false, false, true, true, true}},
    };
    for (size_t i = 0; i < 6; i++)
        allowed[i] = true;
    if (!set(value))
        return AUTH_OK;
    for (size_t c = 0; c < sizeof(choices) / sizeof(choices[0]); c++) {
        if (strcasecmp(value, choices[c].name) == 0) {
            memcpy(allowed, choices[c].allowed, sizeof(choices[c].allowed));
            return AUTH_OK;
        }
    }
    if (strcasecmp(value, "dev") == 0)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                              "AZURE_TOKEN_CREDENTIALS=dev selects developer tools (Azure CLI, "
                              "Visual Studio Code, …), which hubagent does not use; unset it or "
                              "use prod");
    return auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                          "AZURE_TOKEN_CREDENTIALS=\"%.60s\" is not one of prod, "
                          "EnvironmentCredential, WorkloadIdentityCredential, "
                          "ManagedIdentityCredential",
                          value);
}

auth_status auth_chain_new(const auth_chain_options *options, auth_credential **out_credential,
                           char **out_explanation, auth_error *error)
{
    *out_credential = NULL;
    if (out_explanation)
        *out_explanation = NULL;
    candidate list[] = {
        {AUTH_KIND_CLIENT_SECRET, "service principal with client secret", ""},
        {AUTH_KIND_CLIENT_CERTIFICATE, "service principal with certificate", ""},
        {AUTH_KIND_WORKLOAD_IDENTITY, "workload identity (federated token)", ""},
        {AUTH_KIND_APP_SERVICE, "managed identity, App Service/Functions/Container Apps", ""},
        {AUTH_KIND_MSI_LEGACY, "managed identity, legacy MSI endpoint", ""},
        {AUTH_KIND_IMDS, "managed identity, IMDS", ""},
    };
    const auth_chain_options *o = options;
    missing(list[0].missing, sizeof(list[0].missing), 3, o->tenant_id, "AZURE_TENANT_ID",
            o->client_id, "AZURE_CLIENT_ID", o->client_secret, "AZURE_CLIENT_SECRET");
    missing(list[1].missing, sizeof(list[1].missing), 3, o->tenant_id, "AZURE_TENANT_ID",
            o->client_id, "AZURE_CLIENT_ID", o->certificate_path, "AZURE_CLIENT_CERTIFICATE_PATH");
    missing(list[2].missing, sizeof(list[2].missing), 3, o->tenant_id, "AZURE_TENANT_ID",
            o->client_id, "AZURE_CLIENT_ID", o->federated_token_file, "AZURE_FEDERATED_TOKEN_FILE");
    missing(list[3].missing, sizeof(list[3].missing), 2, o->identity_endpoint, "IDENTITY_ENDPOINT",
            o->identity_header, "IDENTITY_HEADER");
    missing(list[4].missing, sizeof(list[4].missing), 2, o->msi_endpoint, "MSI_ENDPOINT",
            o->msi_secret, "MSI_SECRET");
    /* IMDS needs no setting: it is the last resort on any Azure VM. */

    bool allowed[6];
    auth_status narrowed =
        narrow(o->kind == AUTH_KIND_AUTO ? o->token_credentials : NULL, allowed, error);
    if (narrowed != AUTH_OK) {
        if (out_explanation)
            *out_explanation = strdup(error ? error->message : "");
        return narrowed;
    }
    size_t count = sizeof(list) / sizeof(list[0]);
    size_t chosen = count;
    for (size_t i = 0; i < count; i++) {
        if (o->kind == AUTH_KIND_AUTO ? allowed[i] && list[i].missing[0] == '\0'
                                      : list[i].kind == o->kind) {
            chosen = i;
            break;
        }
    }
    size_t len = 0;
    char *text = strdup("");
    if (o->kind == AUTH_KIND_AUTO)
        append(&text, &len, "Credential chain (the first fully configured one is used):\n");
    if (o->kind == AUTH_KIND_AUTO && set(o->token_credentials))
        append(&text, &len, "  AZURE_TOKEN_CREDENTIALS=%s narrows it.\n", o->token_credentials);
    else
        append(&text, &len, "Credential kind forced to %s by configuration.\n",
               auth_kind_name(o->kind));
    for (size_t i = 0; i < count; i++) {
        const char *mark = i == chosen ? "->" : "  ";
        if (o->kind == AUTH_KIND_AUTO && !allowed[i])
            append(&text, &len, "  %s %zu. %s: excluded by AZURE_TOKEN_CREDENTIALS\n", mark, i + 1,
                   list[i].label);
        else if (i < chosen && o->kind == AUTH_KIND_AUTO)
            append(&text, &len, "  %s %zu. %s: skipped, not set: %s\n", mark, i + 1, list[i].label,
                   list[i].missing);
        else if (i == chosen && list[i].kind == AUTH_KIND_IMDS)
            append(&text, &len, "  %s %zu. %s: chosen (no other credential is configured%s)\n",
                   mark, i + 1, list[i].label,
                   set(o->imds_authority_host) ? "; AZURE_POD_IDENTITY_AUTHORITY_HOST sets the "
                                                 "endpoint"
                                               : "");
        else if (i == chosen)
            append(&text, &len, "  %s %zu. %s: chosen%s%s\n", mark, i + 1, list[i].label,
                   list[i].missing[0] ? ", but not set: " : " (all its settings are present)",
                   list[i].missing);
        else if (o->kind == AUTH_KIND_AUTO)
            append(&text, &len, "  %s %zu. %s: not tried\n", mark, i + 1, list[i].label);
    }
    if (chosen < count && set(o->client_id) &&
        (list[chosen].kind == AUTH_KIND_APP_SERVICE || list[chosen].kind == AUTH_KIND_MSI_LEGACY ||
         list[chosen].kind == AUTH_KIND_IMDS) &&
        !set(o->managed_identity_object_id) && !set(o->managed_identity_resource_id))
        append(&text, &len, "  AZURE_CLIENT_ID selects the user-assigned identity %s.\n",
               o->client_id);

    auth_status status;
    if (chosen == count && o->kind == AUTH_KIND_AUTO)
        status = auth_error_set(error, AUTH_UNAVAILABLE, "", 0, NULL, NULL,
                                "no credential allowed by AZURE_TOKEN_CREDENTIALS=%.60s is "
                                "configured",
                                o->token_credentials);
    else if (chosen == count)
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                                "unknown credential kind %d", (int)o->kind);
    else
        status = build(o, list[chosen].kind, out_credential, error);
    if (status == AUTH_OK)
        append(&text, &len, "Using %s.\n", auth_credential_describe(*out_credential));
    else if (error)
        append(&text, &len, "Cannot use it: %s\n", error->message);
    if (!text && status == AUTH_OK) {
        auth_credential_free(*out_credential);
        *out_credential = NULL;
        return auth_error_set(error, AUTH_NO_MEMORY, "", 0, NULL, NULL, "out of memory");
    }
    if (out_explanation)
        *out_explanation = text;
    else
        free(text);
    return status;
}
