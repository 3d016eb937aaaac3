/* ARM error type: status texts, reply-body parsing (JSON, XML, HTML, garbage) and the
 * masking that keeps secrets in query strings out of every message. */
#include "arm/error.h"
#include "arm/xml_int.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *arm_status_text(arm_status status)
{
    switch (status) {
    case ARM_OK:
        return "ok";
    case ARM_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case ARM_ERR_NO_MEMORY:
        return "out of memory";
    case ARM_ERR_TRANSPORT:
        return "transport error";
    case ARM_ERR_TIMEOUT:
        return "timed out";
    case ARM_ERR_HTTP:
        return "HTTP error reply";
    case ARM_ERR_PARSE:
        return "unparseable reply";
    case ARM_ERR_TOO_LARGE:
        return "reply too large";
    case ARM_ERR_CALLBACK:
        return "stopped by callback";
    case ARM_ERR_AUTH:
        return "no token";
    case ARM_ERR_IO:
        return "local I/O error";
    case ARM_ERR_GAVE_UP:
        return "retries exhausted";
    case ARM_ERR_CANCELLED:
        return "cancelled";
    }
    return "unknown status";
}

void arm_error_init(arm_error *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof *err);
    err->retry_after_s = -1;
}

/* Copies at most n bytes of src, stopping at NUL, replacing control characters so a
 * message stays on one line. */
static void copy_text(char *dst, size_t cap, const char *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && src[i] != '\0' && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    dst[o] = '\0';
}

static const char *const secret_params[] = {
    "sig",           "signature", "token",     "access_token",     "refresh_token",
    "client_secret", "code",      "assertion", "client_assertion", "password",
    "key",
};

static int is_secret_param(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof secret_params / sizeof secret_params[0]; i++) {
        if (strlen(secret_params[i]) == len && strncasecmp(secret_params[i], name, len) == 0)
            return 1;
    }
    return 0;
}

/* Masks secret values in any text of the form name=value (query strings, form bodies,
 * messages that echo a SAS URL). Values end at &, whitespace, quote or angle bracket. */
static void mask_secrets(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = in;
    while (*p != '\0' && o + 1 < cap) {
        if (*p == '=') {
            const char *name = p;
            while (name > in && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
                name--;
            if (name < p && is_secret_param(name, (size_t)(p - name))) {
                const char *mask = "=REDACTED";
                for (const char *m = mask; *m != '\0' && o + 1 < cap; m++)
                    out[o++] = *m;
                p++;
                while (*p != '\0' && *p != '&' && *p != '"' && *p != '\'' && *p != '<' &&
                       *p != '>' && !isspace((unsigned char)*p))
                    p++;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

void arm_mask_url(const char *url, int path_only, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    if (url == NULL)
        return;
    const char *start = url;
    if (path_only) {
        const char *scheme = strstr(url, "://");
        if (scheme != NULL) {
            const char *slash = strchr(scheme + 3, '/');
            start = slash != NULL ? slash : "/";
        }
    }
    mask_secrets(start, out, cap);
}

arm_status arm_error_set(arm_error *err, arm_status status, const char *format, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    char raw[sizeof err->message];
    va_list ap;
    va_start(ap, format);
    vsnprintf(raw, sizeof raw, format, ap);
    va_end(ap);
    mask_secrets(raw, err->message, sizeof err->message);
    return status;
}

void arm_error_set_request(arm_error *err, const char *method, const char *url)
{
    if (err == NULL)
        return;
    copy_text(err->method, sizeof err->method, method ? method : "", (size_t)-1);
    arm_mask_url(url, 1, err->path, sizeof err->path);
}

static void set_field(char *dst, size_t cap, const char *src)
{
    char tmp[1024];
    copy_text(tmp, sizeof tmp, src, (size_t)-1);
    mask_secrets(tmp, dst, cap);
}

/* ARM codes are usually strings, but Cost Management sometimes sends the bare HTTP
 * number, and some services send it as a JSON number. */
static void json_text(const json_t *value, char *dst, size_t cap)
{
    if (json_is_string(value))
        set_field(dst, cap, json_string_value(value));
    else if (json_is_integer(value))
        snprintf(dst, cap, "%lld", (long long)json_integer_value(value));
}

static void add_details(arm_error *err, const json_t *details, int depth)
{
    if (!json_is_array(details) || depth > 4)
        return;
    size_t i;
    const json_t *d;
    json_array_foreach(details, i, d)
    {
        if (!json_is_object(d))
            continue;
        if (err->detail_count < ARM_ERROR_MAX_DETAILS) {
            arm_error_detail *out = &err->details[err->detail_count++];
            json_text(json_object_get(d, "code"), out->code, sizeof out->code);
            json_text(json_object_get(d, "message"), out->message, sizeof out->message);
            json_text(json_object_get(d, "target"), out->target, sizeof out->target);
        }
        add_details(err, json_object_get(d, "details"), depth + 1);
    }
}

static int parse_json(arm_error *err, const char *body, size_t len)
{
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    const json_t *e = json_object_get(root, "error");
    if (json_is_string(e)) { /* OAuth / Entra ID style */
        json_text(e, err->code, sizeof err->code);
        json_text(json_object_get(root, "error_description"), err->message, sizeof err->message);
    } else {
        if (!json_is_object(e))
            e = json_object_get(root, "odata.error"); /* some older RPs */
        if (!json_is_object(e))
            e = root;
        json_text(json_object_get(e, "code"), err->code, sizeof err->code);
        const json_t *msg = json_object_get(e, "message");
        if (json_is_object(msg)) /* odata: {"lang":..,"value":..} */
            msg = json_object_get(msg, "value");
        json_text(msg, err->message, sizeof err->message);
        json_text(json_object_get(e, "target"), err->target, sizeof err->target);
        add_details(err, json_object_get(e, "details"), 0);
    }
    json_decref(root);
    return err->code[0] != '\0' || err->message[0] != '\0';
}

/* Finds "name" : "value" in text that is not valid JSON (a truncated reply). */
static int scan_json_field(const char *body, size_t len, const char *name, char *dst, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\"", name);
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen < len; i++) {
        if (memcmp(body + i, key, klen) != 0)
            continue;
        size_t j = i + klen;
        while (j < len && isspace((unsigned char)body[j]))
            j++;
        if (j >= len || body[j] != ':')
            continue;
        j++;
        while (j < len && isspace((unsigned char)body[j]))
            j++;
        if (j >= len || body[j] != '"')
            continue;
        size_t start = ++j;
        while (j < len && body[j] != '"')
            j += body[j] == '\\' ? 2 : 1;
        char tmp[1024];
        copy_text(tmp, sizeof tmp, body + start, (j < len ? j : len) - start);
        mask_secrets(tmp, dst, cap);
        return 1;
    }
    return 0;
}

/* Text of an XML/HTML element into dst, cleaned and masked like every message. */
static int xml_element(const char *body, size_t len, const char *tag, char *dst, size_t cap)
{
    char *text = arm_xml_text(body, body + len, tag, true);
    if (text == NULL)
        return 0;
    set_field(dst, cap, text);
    free(text);
    return 1;
}

void arm_error_parse_body(arm_error *err, const char *body, size_t len)
{
    if (err == NULL || body == NULL || len == 0)
        return;
    size_t i = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) /* Storage sends a UTF-8 BOM */
        i = 3;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i == len)
        return;
    if (body[i] == '{') {
        if (parse_json(err, body + i, len - i))
            return;
        int found = scan_json_field(body + i, len - i, "code", err->code, sizeof err->code);
        found |= scan_json_field(body + i, len - i, "message", err->message, sizeof err->message);
        if (found)
            return;
    } else if (body[i] == '<') {
        if (xml_element(body + i, len - i, "Code", err->code, sizeof err->code)) {
            xml_element(body + i, len - i, "Message", err->message, sizeof err->message);
            /* Blob messages carry "\nRequestId:…\nTime:…": keep only the first line. */
            char *nl = strstr(err->message, " RequestId:");
            if (nl != NULL)
                *nl = '\0';
            return;
        }
        if (xml_element(body + i, len - i, "title", err->message, sizeof err->message))
            return;
    }
    /* Anything else: a short printable excerpt, so the operator sees what came back. */
    char tmp[200];
    copy_text(tmp, sizeof tmp, body + i, len - i < 160 ? len - i : 160);
    for (char *p = tmp; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    char masked[400];
    mask_secrets(tmp, masked, sizeof masked);
    snprintf(err->message, sizeof err->message, "unrecognised reply body: %s", masked);
}

char *arm_error_format(const arm_error *err, char *out, size_t cap)
{
    if (cap == 0)
        return out;
    if (err == NULL) {
        snprintf(out, cap, "(no error)");
        return out;
    }
    size_t o = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (o < cap) {                                                                             \
            int n_ = snprintf(out + o, cap - o, __VA_ARGS__);                                      \
            o += n_ > 0 ? (size_t)n_ : 0;                                                          \
        }                                                                                          \
    } while (0)
    if (err->method[0] != '\0')
        APPEND("%s %s: ", err->method, err->path);
    if (err->http_status != 0)
        APPEND("HTTP %ld ", err->http_status);
    else
        APPEND("%s: ", arm_status_text(err->status));
    if (err->code[0] != '\0')
        APPEND("%s: ", err->code);
    APPEND("%s", err->message[0] != '\0' ? err->message : arm_status_text(err->status));
    for (size_t i = 0; i < err->detail_count; i++)
        APPEND(" [%s: %s]", err->details[i].code, err->details[i].message);
    if (err->correlation_id[0] != '\0')
        APPEND(" (correlation id %s)", err->correlation_id);
    else if (err->request_id[0] != '\0')
        APPEND(" (request id %s)", err->request_id);
    if (err->attempts > 1)
        APPEND(" after %d attempts", err->attempts);
#undef APPEND
    return out;
}

bool arm_error_is_credential_failure(arm_status status, const arm_error *error)
{
    return status == ARM_ERR_AUTH ||
           (error != NULL && (error->status == ARM_ERR_AUTH || error->http_status == 401));
}
