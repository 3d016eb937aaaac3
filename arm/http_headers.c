/* Reply header handling for the transport: parsing curl's raw lines, storing fields,
 * case-insensitive lookup, and the GUIDs we send as x-ms-client-request-id. */
#include "arm/http_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

static char *dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

arm_header_line_kind arm_http_parse_header_line(const char *line, size_t len, char **out_name,
                                                char **out_value)
{
    *out_name = NULL;
    *out_value = NULL;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0)
        return ARM_HEADER_LINE_END;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
        return ARM_HEADER_LINE_STATUS;
    const char *colon = memchr(line, ':', len);
    if (colon == NULL || colon == line)
        return ARM_HEADER_LINE_INVALID;
    size_t name_len = (size_t)(colon - line);
    while (name_len > 0 && isspace((unsigned char)line[name_len - 1]))
        name_len--;
    if (name_len == 0)
        return ARM_HEADER_LINE_INVALID;
    const char *v = colon + 1;
    const char *end = line + len;
    while (v < end && isspace((unsigned char)*v))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    *out_name = dup_range(line, name_len);
    *out_value = dup_range(v, (size_t)(end - v));
    if (*out_name == NULL || *out_value == NULL) {
        free(*out_name);
        free(*out_value);
        *out_name = *out_value = NULL;
        return ARM_HEADER_LINE_NO_MEMORY;
    }
    return ARM_HEADER_LINE_FIELD;
}

int arm_http_response_add_header(arm_http_response *response, char *name, char *value)
{
    arm_http_field *grown =
        realloc(response->headers, (response->header_count + 1) * sizeof *response->headers);
    if (grown == NULL) {
        free(name);
        free(value);
        return -1;
    }
    response->headers = grown;
    response->headers[response->header_count].name = name;
    response->headers[response->header_count].value = value;
    response->header_count++;
    return 0;
}

void arm_http_response_clear_headers(arm_http_response *response)
{
    for (size_t i = 0; i < response->header_count; i++) {
        free(response->headers[i].name);
        free(response->headers[i].value);
    }
    free(response->headers);
    response->headers = NULL;
    response->header_count = 0;
}

const char *arm_http_response_header(const arm_http_response *response, const char *name)
{
    if (response == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcasecmp(response->headers[i].name, name) == 0)
            return response->headers[i].value;
    }
    return NULL;
}

void arm_http_response_init(arm_http_response *response)
{
    memset(response, 0, sizeof *response);
}

void arm_http_response_dispose(arm_http_response *response)
{
    if (response == NULL)
        return;
    arm_http_response_clear_headers(response);
    free(response->body);
    memset(response, 0, sizeof *response);
}

void arm_http_new_guid(char out[37])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    for (; got < sizeof b; got++) /* getrandom cannot fail on Linux ≥ 3.17; be safe anyway */
        b[got] = (unsigned char)rand();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* A delay in seconds written as a number, or an HTTP date (then relative to now). */
static double parse_delay(const char *value, double now, double unit)
{
    char *end;
    double v = strtod(value, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end != value && *end == '\0')
        return v >= 0 ? v * unit : -1;
    if (unit != 1.0)
        return -1;
    time_t when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return -1;
    double d = (double)when - now;
    return d > 0 ? d : 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

double arm_http_retry_after(const arm_http_response *response, double now_epoch_s)
{
    double best = -1;
    for (size_t i = 0; response != NULL && i < response->header_count; i++) {
        const char *name = response->headers[i].name;
        double d = -1;
        if (strcasecmp(name, "retry-after") == 0)
            d = parse_delay(response->headers[i].value, now_epoch_s, 1.0);
        else if (strcasecmp(name, "retry-after-ms") == 0 ||
                 strcasecmp(name, "x-ms-retry-after-ms") == 0)
            d = parse_delay(response->headers[i].value, now_epoch_s, 0.001);
        else if (strncasecmp(name, "x-ms-ratelimit-", 15) == 0 &&
                 ends_with_ci(name, "-retry-after"))
            d = parse_delay(response->headers[i].value, now_epoch_s, 1.0);
        if (d > best)
            best = d;
    }
    return best;
}
