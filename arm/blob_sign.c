/* Shared Key authorization for Blob Storage: the canonical string-to-sign (version ≥
 * 2015-02-21 rules) and its HMAC-SHA256 under the account key. */
#include "arm/blob_int.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct buf {
    char *p;
    size_t len, cap;
    bool failed;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = realloc(b->p, cap);
        if (g == NULL) {
            b->failed = true;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_nl(buf *b, const char *s)
{
    if (s != NULL)
        put(b, s, strlen(s));
    put(b, "\n", 1);
}

static const char *header(const arm_http_request *r, const char *name)
{
    for (size_t i = 0; i < r->header_count; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    }
    return NULL;
}

static int cmp_fields(const void *a, const void *b)
{
    const arm_http_field *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static char *lower_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = (char)tolower((unsigned char)s[i]);
    d[n] = '\0';
    return d;
}

/* Value trimmed, inner runs of whitespace collapsed to one space. */
static void put_collapsed(buf *b, const char *v)
{
    while (isspace((unsigned char)*v))
        v++;
    bool space = false;
    for (; *v != '\0'; v++) {
        if (isspace((unsigned char)*v)) {
            space = true;
            continue;
        }
        if (space)
            put(b, " ", 1);
        space = false;
        put(b, v, 1);
    }
}

static char *url_decode(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            d[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            d[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    d[o] = '\0';
    return d;
}

/* "\nname:value" per query parameter, names lowercased and sorted, values decoded;
 * repeated names get their values sorted and comma-joined. */
static void put_canonical_query(buf *b, const char *query)
{
    size_t n = 0;
    for (const char *q = query; *q != '\0'; q++)
        n += *q == '&';
    arm_http_field *f = calloc(n + 1, sizeof *f);
    if (f == NULL) {
        b->failed = true;
        return;
    }
    size_t count = 0;
    for (const char *q = query; *q != '\0';) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t nlen = eq != NULL ? (size_t)(eq - q) : len;
        if (len > 0) {
            f[count].name = url_decode(q, nlen);
            char *lname = f[count].name ? lower_dup(f[count].name, strlen(f[count].name)) : NULL;
            free(f[count].name);
            f[count].name = lname;
            f[count].value = eq != NULL ? url_decode(eq + 1, len - nlen - 1) : strdup("");
            if (f[count].name == NULL || f[count].value == NULL)
                b->failed = true;
            count++;
        }
        q += len + (q[len] == '&');
    }
    if (!b->failed) {
        qsort(f, count, sizeof *f, cmp_fields);
        for (size_t i = 0; i < count; i++) {
            if (i == 0 || strcmp(f[i].name, f[i - 1].name) != 0) {
                put(b, "\n", 1);
                put(b, f[i].name, strlen(f[i].name));
                put(b, ":", 1);
            } else {
                put(b, ",", 1);
            }
            put(b, f[i].value, strlen(f[i].value));
        }
    }
    for (size_t i = 0; i < count; i++) {
        free(f[i].name);
        free(f[i].value);
    }
    free(f);
}

char *blob_string_to_sign(const char *account, const arm_http_request *r, const char *date)
{
    buf b = {0};
    puts_nl(&b, r->method);
    puts_nl(&b, header(r, "Content-Encoding"));
    puts_nl(&b, header(r, "Content-Language"));
    uint64_t length = r->body_read != NULL ? r->body_length : r->body != NULL ? r->body_len : 0;
    char len_text[32] = "";
    if (length > 0)
        snprintf(len_text, sizeof len_text, "%llu", (unsigned long long)length);
    puts_nl(&b, len_text);
    puts_nl(&b, header(r, "Content-MD5"));
    puts_nl(&b, header(r, "Content-Type"));
    puts_nl(&b, ""); /* Date: x-ms-date is used instead */
    puts_nl(&b, header(r, "If-Modified-Since"));
    puts_nl(&b, header(r, "If-Match"));
    puts_nl(&b, header(r, "If-None-Match"));
    puts_nl(&b, header(r, "If-Unmodified-Since"));
    puts_nl(&b, header(r, "Range"));
    /* Canonicalized headers: every x-ms-* (with the x-ms-date about to be added). */
    arm_http_field *xs = calloc(r->header_count + 1, sizeof *xs);
    size_t nx = 0;
    if (xs == NULL) {
        free(b.p);
        return NULL;
    }
    for (size_t i = 0; i < r->header_count; i++) {
        if (strncasecmp(r->headers[i].name, "x-ms-", 5) == 0 &&
            strcasecmp(r->headers[i].name, "x-ms-date") != 0) {
            xs[nx].name = (char *)r->headers[i].name;
            xs[nx++].value = (char *)r->headers[i].value;
        }
    }
    xs[nx].name = "x-ms-date";
    xs[nx++].value = (char *)date;
    char **lowered = calloc(nx, sizeof *lowered);
    for (size_t i = 0; lowered != NULL && i < nx; i++) {
        lowered[i] = lower_dup(xs[i].name, strlen(xs[i].name));
        if (lowered[i] == NULL)
            b.failed = true;
        xs[i].name = lowered[i] != NULL ? lowered[i] : "";
    }
    if (lowered == NULL)
        b.failed = true;
    else {
        qsort(xs, nx, sizeof *xs, cmp_fields);
        for (size_t i = 0; i < nx; i++) {
            put(&b, xs[i].name, strlen(xs[i].name));
            put(&b, ":", 1);
            put_collapsed(&b, xs[i].value ? xs[i].value : "");
            put(&b, "\n", 1);
        }
        for (size_t i = 0; i < nx; i++)
            free(lowered[i]);
    }
    free(lowered);
    free(xs);
    /* Canonicalized resource: /account + the encoded path, then the query. */
    const char *path = strstr(r->url, "://");
    path = path != NULL ? strchr(path + 3, '/') : NULL;
    if (path == NULL)
        path = "/";
    size_t plen = strcspn(path, "?#");
    put(&b, "/", 1);
    put(&b, account, strlen(account));
    put(&b, path, plen);
    if (path[plen] == '?') {
        char *query = strndup(path + plen + 1, strcspn(path + plen + 1, "#"));
        if (query == NULL)
            b.failed = true;
        else
            put_canonical_query(&b, query);
        free(query);
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

arm_status blob_shared_key_sign(void *ctx, const arm_http_request *request, arm_http_field *out,
                                size_t *out_count, arm_error *err)
{
    arm_blob_client *c = ctx;
    *out_count = 0;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char *sts = blob_string_to_sign(c->account, request, date);
    if (sts == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory signing a request");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *ok = HMAC(EVP_sha256(), c->key, (int)c->key_len, (const unsigned char *)sts,
                             strlen(sts), mac, &mac_len);
    free(sts);
    if (ok == NULL)
        return arm_error_set(err, ARM_ERR_AUTH, "HMAC-SHA256 failed while signing a request");
    char sig[96];
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)mac_len);
    size_t auth_len = strlen(c->account) + strlen(sig) + 16;
    out[0].name = strdup("x-ms-date");
    out[0].value = strdup(date);
    out[1].name = strdup("Authorization");
    out[1].value = malloc(auth_len);
    if (out[1].value != NULL)
        snprintf(out[1].value, auth_len, "SharedKey %s:%s", c->account, sig);
    explicit_bzero(mac, sizeof mac);
    explicit_bzero(sig, sizeof sig);
    *out_count = 2; /* the pipeline frees whatever was allocated */
    if (out[0].name == NULL || out[0].value == NULL || out[1].name == NULL || out[1].value == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory signing a request");
    return ARM_OK;
}
