/* auth: the default HTTP transport, arm/http.h. A client per request: token requests are
 * rare (about one an hour per resource) and a client belongs to one thread. */
#include "auth/auth_int.h"

#include "arm/http.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static auth_http_failure arm_send(void *ctx, const auth_http_request *request,
                                  auth_http_response *out_response, char *detail, size_t detail_len)
{
    (void)ctx;
    memset(out_response, 0, sizeof(*out_response));
    out_response->retry_after = -1;
    arm_http_options options = arm_http_options_default();
    options.ca_bundle_path = request->ca_bundle;
    options.http2 = false; /* token endpoints are small HTTP/1.1 exchanges (IMDS is HTTP/1.1) */
    if (request->timeout_ms > 0) {
        options.connect_timeout_ms = request->timeout_ms;
        options.total_timeout_ms = request->timeout_ms;
    }
    if (request->connect_timeout_ms > 0)
        options.connect_timeout_ms = request->connect_timeout_ms;
    arm_error error;
    arm_error_init(&error);
    arm_http_client *client = NULL;
    if (arm_http_client_new(&options, &client, &error) != ARM_OK) {
        snprintf(detail, detail_len, "%s", error.message);
        return AUTH_HTTP_OTHER;
    }
    size_t header_count = 0;
    while (request->headers && request->headers[header_count])
        header_count++;
    arm_http_header *headers = calloc(header_count + 1, sizeof(*headers));
    char **names = calloc(header_count + 1, sizeof(*names));
    if (!headers || !names) {
        free(headers);
        free(names);
        arm_http_client_free(client);
        snprintf(detail, detail_len, "out of memory");
        return AUTH_HTTP_OTHER;
    }
    for (size_t i = 0; i < header_count; i++) {
        const char *line = request->headers[i];
        const char *colon = strchr(line, ':');
        size_t name_len = colon ? (size_t)(colon - line) : strlen(line);
        names[i] = strndup(line, name_len);
        const char *value = colon ? colon + 1 : "";
        while (*value == ' ')
            value++;
        headers[i].name = names[i] ? names[i] : "";
        headers[i].value = value;
    }
    arm_http_request arm_request = {
        .method = request->method,
        .url = request->url,
        .headers = headers,
        .header_count = header_count,
        .body = request->body,
        .body_len = request->body_len,
        .max_response_bytes = 1024 * 1024,
    };
    arm_http_response response;
    arm_http_response_init(&response);
    arm_status status = arm_http_send(client, &arm_request, &response, &error);
    auth_http_failure failure = AUTH_HTTP_OK;
    if (status == ARM_OK || status == ARM_ERR_HTTP) {
        out_response->status = response.status;
        out_response->body = response.body ? response.body : strdup("");
        out_response->body_len = response.body ? response.body_len : 0;
        response.body = NULL;
        double retry_after = arm_http_retry_after(&response, (double)time(NULL));
        out_response->retry_after = retry_after >= 0 ? (int64_t)(retry_after + 0.999) : -1;
        if (!out_response->body) {
            failure = AUTH_HTTP_OTHER;
            snprintf(detail, detail_len, "out of memory");
        }
    } else {
        snprintf(detail, detail_len, "%s", error.message);
        if (status == ARM_ERR_TIMEOUT && !response.request_sent)
            failure = AUTH_HTTP_CONNECT; /* nothing answered the connect: nobody is there */
        else if (status == ARM_ERR_TIMEOUT)
            failure = AUTH_HTTP_TIMEOUT;
        else if (strstr(error.message, "SSL") || strstr(error.message, "certificate"))
            failure = AUTH_HTTP_TLS; /* a trust problem does not fix itself by retrying */
        else if (!response.request_sent)
            failure = AUTH_HTTP_CONNECT;
        else
            failure = AUTH_HTTP_OTHER;
    }
    arm_http_response_dispose(&response);
    for (size_t i = 0; i < header_count; i++)
        free(names[i]);
    free(names);
    free(headers);
    arm_http_client_free(client);
    return failure;
}

auth_transport auth_default_transport(void)
{
    auth_transport transport = {arm_send, NULL};
    return transport;
}

/* ---- arm_token_provider over the cache ---- */

static arm_status provider_get_token(void *ctx, const char *resource, char **out_token,
                                     arm_error *err)
{
    auth_provider *provider = ctx;
    auth_token token;
    auth_token_init(&token);
    auth_error error;
    auth_status status =
        auth_cache_get_token(provider->cache, provider->credential, resource, &token, &error);
    if (status != AUTH_OK) {
        arm_error_set(err, status == AUTH_NO_MEMORY ? ARM_ERR_NO_MEMORY : ARM_ERR_AUTH, "%s",
                      error.message);
        if (err) {
            err->http_status = error.http_status;
            snprintf(err->code, sizeof(err->code), "%s", error.code);
        }
        return status == AUTH_NO_MEMORY ? ARM_ERR_NO_MEMORY : ARM_ERR_AUTH;
    }
    *out_token = token.access_token; /* handed over: the caller wipes and frees it */
    token.access_token = NULL;
    auth_token_dispose(&token);
    return ARM_OK;
}

static void provider_invalidate(void *ctx, const char *resource, const char *rejected)
{
    auth_provider *provider = ctx;
    auth_cache_invalidate(provider->cache, provider->credential, resource, rejected);
}

arm_token_provider auth_provider_arm(auth_provider *provider)
{
    arm_token_provider arm = {provider, provider_get_token, provider_invalidate};
    return arm;
}
