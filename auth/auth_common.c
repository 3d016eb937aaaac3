/* auth: options, the credential base, secret-scrubbing errors, logging, and small encoders
 * shared by every credential. */
#include "auth/auth_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *auth_status_text(auth_status status)
{
    switch (status) {
    case AUTH_OK:
        return "ok";
    case AUTH_INVALID_ARGUMENT:
        return "invalid argument";
    case AUTH_UNAVAILABLE:
        return "credential unavailable";
    case AUTH_REJECTED:
        return "rejected by the token service";
    case AUTH_TRANSPORT:
        return "could not reach the token service";
    case AUTH_BAD_RESPONSE:
        return "unreadable answer from the token service";
    case AUTH_IO:
        return "file error";
    case AUTH_NO_MEMORY:
        return "out of memory";
    }
    return "unknown status";
}

void auth_options_default(auth_options *out_options)
{
    memset(out_options, 0, sizeof(*out_options));
    out_options->authority_host = AUTH_AUTHORITY_PUBLIC;
    out_options->timeout_ms = 10000;
    out_options->max_retries = 5;
}

void auth_scrub(char *text, size_t size, const char *const *secrets)
{
    static const char mark[] = "[redacted]";
    if (!text || !secrets)
        return;
    for (const char *const *secret = secrets; *secret; secret++) {
        size_t secret_len = strlen(*secret);
        if (secret_len < 4) /* too short to be a secret; scrubbing would mangle text */
            continue;
        char *hit;
        while ((hit = strstr(text, *secret)) != NULL) {
            size_t tail = strlen(hit + secret_len);
            size_t mark_len = sizeof(mark) - 1;
            size_t used = (size_t)(hit - text);
            if (used + mark_len + tail + 1 > size) {
                /* no room for the mark: cut the message at the secret */
                *hit = '\0';
                break;
            }
            memmove(hit + mark_len, hit + secret_len, tail + 1);
            memcpy(hit, mark, mark_len);
        }
    }
}

auth_status auth_error_set(auth_error *error, auth_status status, const char *credential,
                           long http_status, const char *code, const char *const *secrets,
                           const char *format, ...)
{
    if (!error)
        return status;
    memset(error, 0, sizeof(*error));
    error->status = status;
    error->http_status = http_status;
    snprintf(error->credential, sizeof(error->credential), "%s", credential ? credential : "");
    snprintf(error->code, sizeof(error->code), "%s", code ? code : "");
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
    auth_scrub(error->message, sizeof(error->message), secrets);
    auth_scrub(error->code, sizeof(error->code), secrets);
    return status;
}

int64_t auth_now(const auth_options *options)
{
    if (options && options->clock)
        return options->clock(options->clock_ctx);
    return (int64_t)time(NULL);
}

void auth_sleep_ms(const auth_options *options, int64_t millis)
{
    if (millis <= 0)
        return;
    if (options && options->sleep) {
        options->sleep(options->sleep_ctx, millis);
        return;
    }
    struct timespec wait = {.tv_sec = millis / 1000, .tv_nsec = (long)(millis % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
    }
}

void auth_log(const auth_options *options, const char *format, ...)
{
    if (!options || !options->log)
        return;
    char line[512];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    options->log(options->log_ctx, line);
}

static _Atomic uint64_t next_credential_id = 1;

auth_status auth_credential_base_init(auth_credential *base, const auth_credential_vtable *vtable,
                                      const char *name, const auth_options *options,
                                      auth_error *error)
{
    memset(base, 0, sizeof(*base));
    base->vtable = vtable;
    base->name = name;
    base->id = atomic_fetch_add(&next_credential_id, 1);
    if (options)
        base->options = *options;
    else
        auth_options_default(&base->options);
    if (base->options.timeout_ms <= 0)
        base->options.timeout_ms = 10000;
    if (base->options.max_retries < 0)
        base->options.max_retries = 0;

    const char *authority = base->options.authority_host;
    if (!authority || !*authority)
        authority = AUTH_AUTHORITY_PUBLIC;
    if (strncmp(authority, "https://", 8) != 0 || strlen(authority) <= 8)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: authority host \"%s\" must be an https:// URL (Entra ID "
                              "refuses plain HTTP; use the mock's CA bundle for tests)",
                              name, authority);
    base->owned_authority = strdup(authority);
    if (!base->owned_authority)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    size_t len = strlen(base->owned_authority);
    while (len > 8 && base->owned_authority[len - 1] == '/') /* AKS sets a trailing '/' */
        base->owned_authority[--len] = '\0';
    base->options.authority_host = base->owned_authority;
    if (base->options.ca_bundle) {
        base->owned_ca_bundle = strdup(base->options.ca_bundle);
        if (!base->owned_ca_bundle)
            return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                  name);
        base->options.ca_bundle = base->owned_ca_bundle;
    }
    return AUTH_OK;
}

void auth_credential_base_dispose(auth_credential *base)
{
    free(base->description);
    free(base->owned_authority);
    free(base->owned_ca_bundle);
    base->description = base->owned_authority = base->owned_ca_bundle = NULL;
}

void auth_credential_set_description(auth_credential *base, const char *format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    free(base->description);
    base->description = strdup(line);
}

auth_status auth_credential_get_token(auth_credential *credential, const char *scope_or_resource,
                                      auth_token *out_token, auth_error *error)
{
    if (!credential || !out_token)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, credential ? credential->name : "", 0,
                              NULL, NULL, "auth_credential_get_token: NULL argument");
    if (!scope_or_resource || strncmp(scope_or_resource, "https://", 8) != 0 ||
        strlen(scope_or_resource) > 1024)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, credential->name, 0, NULL, NULL,
                              "%s: scope or resource \"%.200s\" must be an https:// URI",
                              credential->name, scope_or_resource ? scope_or_resource : "(null)");
    auth_token_dispose(out_token);
    auth_status status =
        credential->vtable->get_token(credential, scope_or_resource, out_token, error);
    if (status != AUTH_OK)
        auth_token_dispose(out_token);
    return status;
}

const char *auth_credential_name(const auth_credential *credential)
{
    return credential ? credential->name : "";
}

const char *auth_credential_describe(const auth_credential *credential)
{
    if (!credential)
        return "";
    return credential->description ? credential->description : credential->name;
}

void auth_credential_free(auth_credential *credential)
{
    if (!credential)
        return;
    auth_credential_base_dispose(credential);
    credential->vtable->destroy(credential);
}

char *auth_scope_to_resource(const char *scope_or_resource)
{
    static const char suffix[] = "/.default";
    size_t len = strlen(scope_or_resource);
    size_t suffix_len = sizeof(suffix) - 1;
    if (len >= suffix_len && strcmp(scope_or_resource + len - suffix_len, suffix) == 0)
        len -= suffix_len;
    return strndup(scope_or_resource, len);
}

char *auth_resource_to_scope(const char *scope_or_resource)
{
    static const char suffix[] = "/.default";
    size_t len = strlen(scope_or_resource);
    size_t suffix_len = sizeof(suffix) - 1;
    if (len >= suffix_len && strcmp(scope_or_resource + len - suffix_len, suffix) == 0)
        return strdup(scope_or_resource);
    while (len > 8 && scope_or_resource[len - 1] == '/') /* "https://x/" -> "https://x" */
        len--;
    char *scope = malloc(len + suffix_len + 1);
    if (!scope)
        return NULL;
    memcpy(scope, scope_or_resource, len);
    memcpy(scope + len, suffix, suffix_len + 1);
    return scope;
}

char *auth_url_encode(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(text);
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    char *cursor = out;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            *cursor++ = (char)c;
        } else {
            *cursor++ = '%';
            *cursor++ = hex[c >> 4];
            *cursor++ = hex[c & 15];
        }
    }
    *cursor = '\0';
    return out;
}

char *auth_base64url_encode(const unsigned char *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

static int base64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

unsigned char *auth_base64url_decode(const char *text, size_t len, size_t *out_len)
{
    while (len > 0 && text[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3 + 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = base64url_value(text[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

bool auth_random_uuid(char out[37])
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        return false;
    bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
             bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
    return true;
}

char *auth_read_file(const char *path, size_t *out_len)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    size_t cap = 4096, len = 0;
    char *data = malloc(cap);
    while (data) {
        size_t got = fread(data + len, 1, cap - len - 1, file);
        len += got;
        if (got == 0)
            break;
        if (len + 1 == cap) {
            if (cap >= 1024 * 1024) { /* a credential file this big is not one */
                OPENSSL_cleanse(data, len);
                free(data);
                data = NULL;
                errno = EFBIG;
                break;
            }
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                OPENSSL_cleanse(data, len);
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (!data)
        return NULL;
    if (failed) {
        OPENSSL_cleanse(data, len);
        free(data);
        errno = EIO;
        return NULL;
    }
    data[len] = '\0';
    if (out_len)
        *out_len = len;
    return data;
}

void auth_free_secret(char *secret)
{
    if (!secret)
        return;
    OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
}

bool auth_is_safe_id(const char *text)
{
    if (!text || !*text || strlen(text) > 256)
        return false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}
