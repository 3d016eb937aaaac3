/* Entra ID on the TLS listener: OIDC discovery, JWKS, instance discovery and the client
 * credentials token endpoint (client secret or certificate assertion), AADSTS errors. */
#include "mock-server/mock_int.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Splits "/a/b/c" into at most n segments (pointers into buf). */
static size_t split_path(const char *path, char *buf, size_t size, char **segments, size_t n)
{
    snprintf(buf, size, "%s", path);
    size_t count = 0;
    char *save = NULL;
    for (char *s = strtok_r(buf, "/", &save); s != NULL && count < n;
         s = strtok_r(NULL, "/", &save))
        segments[count++] = s;
    return count;
}

bool mock_entra_owns(const char *path)
{
    char buf[512];
    char *seg[6];
    size_t n = split_path(path, buf, sizeof buf, seg, 6);
    if (n < 2 || strcasecmp(seg[0], "subscriptions") == 0 || strcasecmp(seg[0], "providers") == 0)
        return false;
    return strcmp(seg[1], "oauth2") == 0 || strcmp(seg[1], "v2.0") == 0 ||
           strcmp(seg[1], ".well-known") == 0 || strcmp(seg[1], "discovery") == 0;
}

const char *mock_audience_for(const char *resource)
{
    static const char *known[] = {
        "https://management.azure.com/",        "https://management.azure.com",
        "https://management.core.windows.net/", "https://management.core.windows.net",
        "https://storage.azure.com/",           "https://storage.azure.com",
    };
    if (resource == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(resource, known[i]) == 0)
            /* Storage tokens carry the audience without a slash (what Azurite checks). */
            return i >= 4 ? "https://storage.azure.com" : known[i];
    return NULL;
}

char *mock_token_issue(mock_server *server, const mock_principal *principal, const char *audience,
                       time_t *out_expires)
{
    if (!mock_signing_wait(server))
        return NULL;
    time_t now = (time_t)mock_now(server);
    time_t exp = now + server->token_lifetime_s;
    char issuer[128];
    snprintf(issuer, sizeof issuer, "https://sts.windows.net/%s/", principal->tenant);
    json_t *claims = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "aud", audience, "iss",
        issuer, "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp", (json_int_t)exp, "tid",
        principal->tenant, "oid", principal->object_id, "sub", principal->object_id, "appid",
        principal->client_id, "appidacr", principal->certificate_count ? "2" : "1", "idtyp", "app",
        "ver", "1.0", "uti", "mock");
    if (principal->kind != MOCK_PRINCIPAL_SERVICE && principal->resource_id != NULL)
        json_object_set_new(claims, "xms_mirid", json_string(principal->resource_id));
    char *token = mock_jwt_sign(server->keys.signing_key, server->keys.kid, claims);
    json_decref(claims);
    if (out_expires != NULL)
        *out_expires = exp;
    return token;
}

static void aadsts(mock_reply *reply, unsigned status, const char *error, int code,
                   const char *format, ...) __attribute__((format(printf, 5, 6)));

static void aadsts(mock_reply *reply, unsigned status, const char *error, int code,
                   const char *format, ...)
{
    char message[768], description[1024], timestamp[32];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    char *trace = mock_guid();
    char *correlation = mock_guid();
    time_t now = time(NULL);
    mock_format_time(now, 0, false, timestamp);
    snprintf(description, sizeof description,
             "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", code, message,
             trace ? trace : "", correlation ? correlation : "", timestamp);
    mock_reply_json(reply, status,
                    json_pack("{s:s, s:s, s:[i], s:s, s:s, s:s, s:s}", "error", error,
                              "error_description", description, "error_codes", code, "timestamp",
                              timestamp, "trace_id", trace ? trace : "", "correlation_id",
                              correlation ? correlation : "", "error_uri",
                              "https://login.microsoftonline.com/error?code="));
    free(trace);
    free(correlation);
}

static void discovery(const mock_request *request, mock_reply *reply, const char *tenant, bool adfs)
{
    const char *host = mock_request_header(request, "Host");
    char base[256], issuer[384], token[384], authorize[384], jwks[384];
    snprintf(base, sizeof base, "https://%s", host ? host : "127.0.0.1");
    if (adfs) {
        snprintf(issuer, sizeof issuer, "%s/adfs", base);
        snprintf(token, sizeof token, "%s/adfs/oauth2/token", base);
        snprintf(authorize, sizeof authorize, "%s/adfs/oauth2/authorize", base);
        snprintf(jwks, sizeof jwks, "%s/adfs/discovery/keys", base);
    } else {
        snprintf(issuer, sizeof issuer, "%s/%s/v2.0", base, tenant);
        snprintf(token, sizeof token, "%s/%s/oauth2/v2.0/token", base, tenant);
        snprintf(authorize, sizeof authorize, "%s/%s/oauth2/v2.0/authorize", base, tenant);
        snprintf(jwks, sizeof jwks, "%s/%s/discovery/v2.0/keys", base, tenant);
    }
    mock_reply_json(reply, 200,
                    json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[s,s], s:[s], s:s}", "issuer", issuer,
                              "token_endpoint", token, "authorization_endpoint", authorize,
                              "jwks_uri", jwks, "response_types_supported", "code",
                              "token_endpoint_auth_methods_supported", "client_secret_post",
                              "private_key_jwt", "id_token_signing_alg_values_supported", "RS256",
                              "tenant_region_scope", "WW"));
}

static void jwks(mock_server *server, mock_reply *reply)
{
    if (!mock_signing_wait(server)) {
        mock_reply_arm_error(reply, 500, "InternalServerError", "no signing key");
        return;
    }
    mock_reply_json(reply, 200,
                    json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "RSA",
                              "use", "sig", "alg", "RS256", "kid", server->keys.kid, "x5t",
                              server->keys.kid, "n", server->keys.jwk_n, "e", server->keys.jwk_e));
}

static void instance_discovery(const mock_request *request, mock_reply *reply)
{
    const char *host = mock_request_header(request, "Host");
    char endpoint[384];
    snprintf(endpoint, sizeof endpoint, "https://%s/common/v2.0/.well-known/openid-configuration",
             host ? host : "127.0.0.1");
    mock_reply_json(reply, 200,
                    json_pack("{s:s, s:s, s:[{s:s, s:s, s:[s]}]}", "tenant_discovery_endpoint",
                              endpoint, "api-version", "1.1", "metadata", "preferred_network",
                              host ? host : "127.0.0.1", "preferred_cache",
                              host ? host : "127.0.0.1", "aliases", host ? host : "127.0.0.1"));
}

static bool constant_equal(const char *a, const char *b)
{
    size_t len = strlen(a);
    return len == strlen(b) && CRYPTO_memcmp(a, b, len) == 0;
}

static const char *path_of_url(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *path = scheme ? strchr(scheme + 3, '/') : url;
    return path ? path : "";
}

/* Checks a private_key_jwt client assertion against the principal's certificates. */
static bool check_assertion(mock_server *server, const mock_request *request,
                            const mock_principal *principal, const char *tenant,
                            const char *assertion, mock_reply *reply)
{
    mock_jwt jwt;
    if (!mock_jwt_parse(assertion, &jwt)) {
        aadsts(reply, 400, "invalid_client", 50027,
               "JWT token is invalid or malformed (client_assertion).");
        return false;
    }
    const char *x5t = json_string_value(json_object_get(jwt.header, "x5t"));
    const char *x5t256 = json_string_value(json_object_get(jwt.header, "x5t#S256"));
    char *wanted = mock_thumbprint_normalize(x5t256 ? x5t256 : (x5t ? x5t : ""));
    X509 *cert = NULL;
    for (size_t i = 0; wanted != NULL && cert == NULL && i < principal->certificate_count; i++) {
        char *have = mock_cert_thumbprint(principal->certificates[i], x5t256 != NULL);
        if (have != NULL && strcmp(have, wanted) == 0)
            cert = principal->certificates[i];
        free(have);
    }
    free(wanted);
    bool ok = false;
    double now = mock_now(server);
    json_t *aud = json_object_get(jwt.claims, "aud");
    const char *aud_text =
        json_is_array(aud) ? json_string_value(json_array_get(aud, 0)) : json_string_value(aud);
    char v2[256], v1[256];
    snprintf(v2, sizeof v2, "/%s/v2.0", tenant);
    snprintf(v1, sizeof v1, "/%s/oauth2/token", tenant);
    json_t *exp = json_object_get(jwt.claims, "exp");
    json_t *nbf = json_object_get(jwt.claims, "nbf");
    const char *iss = json_string_value(json_object_get(jwt.claims, "iss"));
    const char *sub = json_string_value(json_object_get(jwt.claims, "sub"));
    if (cert == NULL) {
        aadsts(reply, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '%s']",
               x5t256 ? x5t256 : (x5t ? x5t : "(none: the header has no x5t or x5t#S256)"));
    } else {
        EVP_PKEY *key = X509_get0_pubkey(cert);
        if (key == NULL || !mock_jwt_verify(&jwt, key)) {
            aadsts(reply, 401, "invalid_client", 700027,
                   "Client assertion failed signature validation (alg %s).",
                   json_string_value(json_object_get(jwt.header, "alg"))
                       ? json_string_value(json_object_get(jwt.header, "alg"))
                       : "missing");
        } else if (aud_text == NULL || (strcasecmp(path_of_url(aud_text), request->path) != 0 &&
                                        strcasecmp(path_of_url(aud_text), v2) != 0 &&
                                        strcasecmp(path_of_url(aud_text), v1) != 0)) {
            aadsts(reply, 401, "invalid_client", 700027,
                   "Client assertion contains an invalid audience '%s'; expected this token "
                   "endpoint.",
                   aud_text ? aud_text : "(missing)");
        } else if (!json_is_number(exp) || json_number_value(exp) < now - 300) {
            aadsts(reply, 401, "invalid_client", 700024,
                   "Client assertion is not within its valid time range (exp).");
        } else if (nbf != NULL && (!json_is_number(nbf) || json_number_value(nbf) > now + 300)) {
            aadsts(reply, 401, "invalid_client", 700024,
                   "Client assertion is not within its valid time range (nbf).");
        } else if ((iss && strcasecmp(iss, principal->client_id) != 0) ||
                   (sub && strcasecmp(sub, principal->client_id) != 0)) {
            aadsts(reply, 401, "invalid_client", 700021,
                   "Client assertion application identifier doesn't match 'client_id' "
                   "parameter.");
        } else {
            ok = true;
        }
    }
    mock_jwt_dispose(&jwt);
    return ok;
}

static void token(mock_server *server, mock_request *request, mock_reply *reply,
                  const char *tenant_name, bool v2)
{
    const char *body = request->body ? request->body : "";
    char *grant = mock_form_value(body, request->body_len, "grant_type");
    char *client_id = mock_form_value(body, request->body_len, "client_id");
    char *scope = mock_form_value(body, request->body_len, "scope");
    char *resource = mock_form_value(body, request->body_len, "resource");
    char *secret = mock_form_value(body, request->body_len, "client_secret");
    char *assertion_type = mock_form_value(body, request->body_len, "client_assertion_type");
    char *assertion = mock_form_value(body, request->body_len, "client_assertion");
    const char *tenant = strcmp(tenant_name, "adfs") == 0
                             ? server->config.tenants[0]
                             : mock_config_find_tenant(&server->config, tenant_name);
    const mock_principal *principal = mock_config_find_principal(&server->config, client_id);
    char wanted[512] = "";
    if (scope != NULL) {
        snprintf(wanted, sizeof wanted, "%s", scope);
        char *space = strchr(wanted, ' ');
        if (space != NULL)
            *space = '\0';
        size_t len = strlen(wanted);
        if (len >= 9 && strcmp(wanted + len - 9, "/.default") == 0)
            wanted[len - 9] =
                '\0'; /* "https://management.core.windows.net//.default" keeps a slash */
    } else if (resource != NULL) {
        snprintf(wanted, sizeof wanted, "%s", resource);
    }
    const char *audience = mock_audience_for(wanted);
    if (strcmp(request->method, "POST") != 0) {
        aadsts(reply, 405, "invalid_request", 900561,
               "The endpoint only accepts POST requests. Received a %s request.", request->method);
    } else if (tenant == NULL) {
        aadsts(reply, 400, "invalid_request", 90002,
               "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are "
               "signing into the correct cloud.",
               tenant_name);
    } else if (grant == NULL || strcmp(grant, "client_credentials") != 0) {
        aadsts(reply, 400, "unsupported_grant_type", 70003,
               "The app requested an unsupported grant type '%s'; this mock serves "
               "client_credentials only.",
               grant ? grant : "(none)");
    } else if (client_id == NULL) {
        aadsts(reply, 400, "invalid_request", 900144,
               "The request body must contain the following parameter: 'client_id'.");
    } else if (principal == NULL || principal->kind != MOCK_PRINCIPAL_SERVICE ||
               strcasecmp(principal->tenant, tenant) != 0) {
        aadsts(reply, 400, "unauthorized_client", 700016,
               "Application with identifier '%s' was not found in the directory '%s'.", client_id,
               tenant);
    } else if (wanted[0] == '\0') {
        aadsts(reply, 400, "invalid_request", 900144,
               "The request body must contain the following parameter: '%s'.",
               v2 ? "scope" : "resource");
    } else if (audience == NULL) {
        aadsts(reply, 400, "invalid_resource", 500011,
               "The resource principal named %s was not found in the tenant named %s.", wanted,
               tenant);
    } else if (secret == NULL && assertion == NULL) {
        aadsts(reply, 401, "invalid_client", 7000218,
               "The request body must contain the following parameter: 'client_assertion' or "
               "'client_secret'.");
    } else if (secret != NULL) {
        bool match = false;
        json_t *rotated = json_object_get(server->secrets, principal->client_id);
        size_t i;
        json_t *value;
        if (rotated != NULL) {
            json_array_foreach(rotated, i, value)
            {
                match = constant_equal(json_string_value(value), secret) || match;
            }
        } else {
            for (i = 0; i < principal->secret_count; i++)
                match = constant_equal(principal->secrets[i], secret) || match;
        }
        if (!match)
            aadsts(reply, 401, "invalid_client", 7000215,
                   "Invalid client secret provided. Ensure the secret being sent in the request is "
                   "the client secret value, not the client secret ID, for a secret added to app "
                   "'%s'.",
                   principal->client_id);
        else
            reply->status = 1;
    } else if (assertion_type == NULL || strcmp(assertion_type, ASSERTION_TYPE) != 0) {
        aadsts(reply, 400, "invalid_request", 700025, "client_assertion_type must be '%s'.",
               ASSERTION_TYPE);
    } else if (check_assertion(server, request, principal, tenant_name, assertion, reply)) {
        reply->status = 1;
    }
    if (reply->status == 1) {
        time_t expires = 0;
        char *access = mock_token_issue(server, principal, audience, &expires);
        request->principal = strdup(principal->object_id);
        long lifetime = server->token_lifetime_s;
        if (access == NULL) {
            aadsts(reply, 500, "temporarily_unavailable", 50196,
                   "The mock could not sign a token (no signing key).");
        } else if (v2) {
            mock_reply_json(reply, 200,
                            json_pack("{s:s, s:i, s:i, s:s}", "token_type", "Bearer", "expires_in",
                                      (int)lifetime, "ext_expires_in", (int)lifetime,
                                      "access_token", access ? access : ""));
        } else {
            char in[32], on[32];
            snprintf(in, sizeof in, "%ld", lifetime);
            snprintf(on, sizeof on, "%lld", (long long)expires);
            mock_reply_json(reply, 200,
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "token_type", "Bearer",
                                      "expires_in", in, "expires_on", on, "resource", wanted,
                                      "access_token", access ? access : "", "ext_expires_in", in));
        }
        free(access);
    }
    if (secret != NULL)
        OPENSSL_cleanse(secret, strlen(secret));
    free(grant);
    free(client_id);
    free(scope);
    free(resource);
    free(secret);
    free(assertion_type);
    free(assertion);
}

void mock_entra_handle(mock_server *server, mock_request *request, mock_reply *reply)
{
    char buf[512];
    char *seg[6];
    size_t n = split_path(request->path, buf, sizeof buf, seg, 6);
    const char *tenant = n > 0 ? seg[0] : "";
    bool adfs = strcmp(tenant, "adfs") == 0;
    if (n == 4 && strcmp(seg[1], "v2.0") == 0 && strcmp(seg[2], ".well-known") == 0 &&
        strcmp(seg[3], "openid-configuration") == 0) {
        const char *id = mock_config_find_tenant(&server->config, tenant);
        if (id == NULL && strcmp(tenant, "common") != 0 && strcmp(tenant, "organizations") != 0)
            aadsts(reply, 400, "invalid_tenant", 90002, "Tenant '%s' not found.", tenant);
        else
            discovery(request, reply, id ? id : "{tenantid}", false);
    } else if (n == 3 && adfs && strcmp(seg[1], ".well-known") == 0 &&
               strcmp(seg[2], "openid-configuration") == 0) {
        discovery(request, reply, "adfs", true);
    } else if ((n == 3 && strcmp(seg[1], "discovery") == 0 && strcmp(seg[2], "keys") == 0) ||
               (n == 4 && strcmp(seg[1], "discovery") == 0 && strcmp(seg[2], "v2.0") == 0 &&
                strcmp(seg[3], "keys") == 0)) {
        jwks(server, reply);
    } else if (n == 3 && strcmp(seg[1], "discovery") == 0 && strcmp(seg[2], "instance") == 0) {
        instance_discovery(request, reply);
    } else if (n == 4 && strcmp(seg[1], "oauth2") == 0 && strcmp(seg[2], "v2.0") == 0 &&
               strcmp(seg[3], "token") == 0) {
        token(server, request, reply, tenant, true);
    } else if (n == 3 && strcmp(seg[1], "oauth2") == 0 && strcmp(seg[2], "token") == 0) {
        token(server, request, reply, tenant, false);
    } else {
        aadsts(reply, 404, "invalid_request", 900561, "The endpoint '%s' is not served.",
               request->path);
    }
}
