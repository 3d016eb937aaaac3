/* auth: tokens — ownership, unverified claim decoding for display, and parsing of the
 * token endpoints' answers (Entra ID, IMDS, App Service, legacy MSI) and errors. */
#include "auth/auth_int.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void auth_token_init(auth_token *token)
{
    memset(token, 0, sizeof(*token));
}

void auth_token_dispose(auth_token *token)
{
    if (!token)
        return;
    auth_free_secret(token->access_token);
    auth_token_init(token);
}

auth_status auth_token_copy(const auth_token *source, auth_token *out_copy, auth_error *error)
{
    auth_token_dispose(out_copy);
    *out_copy = *source;
    out_copy->access_token = source->access_token ? strdup(source->access_token) : NULL;
    if (source->access_token && !out_copy->access_token) {
        auth_token_init(out_copy);
        return auth_error_set(error, AUTH_NO_MEMORY, "", 0, NULL, NULL, "copying a token");
    }
    return AUTH_OK;
}

static void copy_claim(json_t *payload, const char *name, char *out, size_t out_size)
{
    json_t *value = json_object_get(payload, name);
    if (json_is_string(value))
        snprintf(out, out_size, "%s", json_string_value(value));
}

auth_status auth_token_decode_claims(auth_token *token, auth_error *error)
{
    token->tenant_id[0] = token->object_id[0] = token->app_id[0] = token->audience[0] = '\0';
    token->exp = 0;
    const char *jwt = token->access_token;
    const char *first_dot = jwt ? strchr(jwt, '.') : NULL;
    const char *second_dot = first_dot ? strchr(first_dot + 1, '.') : NULL;
    if (!second_dot)
        return auth_error_set(error, AUTH_BAD_RESPONSE, "", 0, NULL, NULL,
                              "the access token is not a JWT (no claims to show)");
    size_t payload_len = 0;
    unsigned char *payload_text =
        auth_base64url_decode(first_dot + 1, (size_t)(second_dot - first_dot - 1), &payload_len);
    if (!payload_text)
        return auth_error_set(error, AUTH_BAD_RESPONSE, "", 0, NULL, NULL,
                              "the access token's payload is not base64url");
    json_error_t parse_error;
    json_t *payload = json_loadb((const char *)payload_text, payload_len, 0, &parse_error);
    OPENSSL_cleanse(payload_text, payload_len);
    free(payload_text);
    if (!json_is_object(payload)) {
        json_decref(payload);
        return auth_error_set(error, AUTH_BAD_RESPONSE, "", 0, NULL, NULL,
                              "the access token's payload is not a JSON object");
    }
    copy_claim(payload, "tid", token->tenant_id, sizeof(token->tenant_id));
    copy_claim(payload, "oid", token->object_id, sizeof(token->object_id));
    copy_claim(payload, "appid", token->app_id, sizeof(token->app_id));
    if (!token->app_id[0]) /* v2.0 tokens name the client azp */
        copy_claim(payload, "azp", token->app_id, sizeof(token->app_id));
    json_t *aud = json_object_get(payload, "aud");
    if (json_is_array(aud))
        aud = json_array_get(aud, 0);
    if (json_is_string(aud))
        snprintf(token->audience, sizeof(token->audience), "%s", json_string_value(aud));
    json_t *exp = json_object_get(payload, "exp");
    if (json_is_integer(exp))
        token->exp = (int64_t)json_integer_value(exp);
    json_decref(payload);
    return AUTH_OK;
}

int64_t auth_parse_msi_date(const char *text)
{
    int month, day, year, hour, minute, second, consumed = 0;
    if (!text || sscanf(text, "%d/%d/%d %d:%d:%d%n", &month, &day, &year, &hour, &minute, &second,
                        &consumed) != 6)
        return -1;
    const char *rest = text + consumed;
    while (*rest == ' ')
        rest++;
    if (strncasecmp(rest, "AM", 2) == 0 || strncasecmp(rest, "PM", 2) == 0) {
        bool pm = toupper((unsigned char)rest[0]) == 'P';
        if (hour < 1 || hour > 12)
            return -1;
        hour = hour % 12 + (pm ? 12 : 0);
        rest += 2;
        while (*rest == ' ')
            rest++;
    }
    int offset_minutes = 0;
    if (*rest == '+' || *rest == '-') {
        int oh, om;
        if (sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2)
            return -1;
        offset_minutes = (oh * 60 + om) * (*rest == '-' ? -1 : 1);
    } else if (*rest != '\0') {
        return -1;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1970 || hour > 23 || minute > 59 ||
        second > 60)
        return -1;
    struct tm when = {.tm_year = year - 1900,
                      .tm_mon = month - 1,
                      .tm_mday = day,
                      .tm_hour = hour,
                      .tm_min = minute,
                      .tm_sec = second};
    return (int64_t)timegm(&when) - (int64_t)offset_minutes * 60;
}

/* A JSON number or a string of digits (IMDS and App Service send strings). */
static bool json_seconds(json_t *value, int64_t *out)
{
    if (json_is_integer(value)) {
        *out = (int64_t)json_integer_value(value);
        return true;
    }
    if (json_is_real(value)) {
        *out = (int64_t)json_real_value(value);
        return true;
    }
    if (json_is_string(value)) {
        const char *text = json_string_value(value);
        char *end;
        long long parsed = strtoll(text, &end, 10);
        if (end != text && *end == '\0') {
            *out = parsed;
            return true;
        }
    }
    return false;
}

auth_status auth_parse_token_response(const auth_credential *credential, const char *body,
                                      int64_t now, auth_token *out_token, auth_error *error)
{
    const char *name = credential->name;
    json_error_t parse_error;
    json_t *root = json_loads(body ? body : "", 0, &parse_error);
    if (!json_is_object(root)) {
        json_decref(root);
        return auth_error_set(error, AUTH_BAD_RESPONSE, name, 200, NULL, NULL,
                              "%s: token response is not a JSON object (line %d: %s)", name,
                              parse_error.line, parse_error.text);
    }
    auth_status status = AUTH_OK;
    json_t *access = json_object_get(root, "access_token");
    json_t *type = json_object_get(root, "token_type");
    int64_t expires_in = 0, expires_on = 0, refresh_in = 0;
    json_t *expires_on_value = json_object_get(root, "expires_on");
    bool has_in = json_seconds(json_object_get(root, "expires_in"), &expires_in);
    bool has_on = json_seconds(expires_on_value, &expires_on);
    if (!has_on && json_is_string(expires_on_value)) {
        expires_on = auth_parse_msi_date(json_string_value(expires_on_value));
        has_on = expires_on > 0;
    }
    if (!json_is_string(access) || json_string_length(access) == 0) {
        status = auth_error_set(error, AUTH_BAD_RESPONSE, name, 200, NULL, NULL,
                                "%s: token response has no access_token", name);
    } else if (type &&
               (!json_is_string(type) || strcasecmp(json_string_value(type), "Bearer") != 0)) {
        status = auth_error_set(error, AUTH_BAD_RESPONSE, name, 200, NULL, NULL,
                                "%s: token_type is not Bearer", name);
    } else if (!has_in && !has_on) {
        status = auth_error_set(error, AUTH_BAD_RESPONSE, name, 200, NULL, NULL,
                                "%s: token response has neither a readable expires_in nor "
                                "expires_on",
                                name);
    }
    if (status == AUTH_OK) {
        auth_token_dispose(out_token);
        out_token->access_token = strdup(json_string_value(access));
        if (!out_token->access_token)
            status = auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                    name);
    }
    if (status == AUTH_OK) {
        /* expires_in is relative, so it is immune to skew between our clock and the
         * service's; expires_on is used only when it is all we get. */
        out_token->expires_on = has_in ? now + expires_in : expires_on;
        if (json_seconds(json_object_get(root, "refresh_in"), &refresh_in) && refresh_in > 0)
            out_token->refresh_on = now + refresh_in;
        auth_token_decode_claims(out_token, NULL); /* opaque tokens are fine: no claims */
    }
    json_decref(root);
    return status;
}

auth_status auth_error_from_response(const auth_credential *credential,
                                     const auth_http_response *response, const char *what,
                                     const char *const *secrets, auth_error *error)
{
    const char *name = credential->name;
    long http = response->status;
    auth_status status = (http >= 500 || http == 429) ? AUTH_TRANSPORT : AUTH_REJECTED;
    json_t *root = json_loads(response->body ? response->body : "", 0, NULL);
    const char *service_error = NULL, *description = NULL;
    json_t *nested = NULL;
    if (json_is_object(root)) {
        json_t *err = json_object_get(root, "error");
        if (json_is_object(err)) { /* some endpoints nest {"error":{"code","message"}} */
            nested = err;
            err = json_object_get(nested, "code");
            description = json_string_value(json_object_get(nested, "message"));
        }
        service_error = json_string_value(err);
        if (!description)
            description = json_string_value(json_object_get(root, "error_description"));
    }
    char code[64] = "";
    if (description && strncmp(description, "AADSTS", 6) == 0) {
        size_t n = 6;
        while (isdigit((unsigned char)description[n]) && n < sizeof(code) - 1)
            n++;
        snprintf(code, sizeof(code), "%.*s", (int)n, description);
    } else if (service_error) {
        snprintf(code, sizeof(code), "%s", service_error);
    }
    if (service_error || description) {
        auth_error_set(error, status, name, http, code, secrets,
                       "%s: %s failed: HTTP %ld %s: %.500s", name, what, http,
                       service_error ? service_error : "",
                       description ? description : "(no description)");
    } else {
        /* not the documented error shape: show a printable prefix of the body */
        char excerpt[160] = "";
        size_t n = 0;
        for (const char *p = response->body; p && *p && n < sizeof(excerpt) - 1; p++)
            excerpt[n++] = isprint((unsigned char)*p) ? *p : ' ';
        excerpt[n] = '\0';
        auth_error_set(error, status, name, http, code, secrets, "%s: %s failed: HTTP %ld%s%s",
                       name, what, http, n ? ": " : "", excerpt);
    }
    json_decref(root);
    return status;
}
