/* auth test helpers: scripted transport, fake time, log capture, JWTs and certificates. */
#include "auth_fake.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fake_push_retry_after(fake_transport *fake, long status, const char *body, int64_t seconds)
{
    if (fake->reply_count >= FAKE_MAX)
        abort();
    fake->replies[fake->reply_count++] = (fake_reply){
        .failure = AUTH_HTTP_OK, .status = status, .body = body, .retry_after = seconds};
}

void fake_push(fake_transport *fake, long status, const char *body)
{
    fake_push_retry_after(fake, status, body, -1);
}

void fake_push_failure(fake_transport *fake, auth_http_failure failure)
{
    if (fake->reply_count >= FAKE_MAX)
        abort();
    fake->replies[fake->reply_count++] = (fake_reply){.failure = failure, .retry_after = -1};
}

static auth_http_failure fake_send(void *ctx, const auth_http_request *request,
                                   auth_http_response *out, char *detail, size_t detail_len)
{
    fake_transport *fake = ctx;
    if (fake->record_count < FAKE_MAX) {
        fake_record *record = &fake->records[fake->record_count++];
        record->method = strdup(request->method);
        record->url = strdup(request->url);
        size_t len = 0;
        FILE *headers = open_memstream(&record->headers, &len);
        for (size_t i = 0; request->headers && request->headers[i]; i++)
            fprintf(headers, "%s\n", request->headers[i]);
        fclose(headers);
        record->body = request->body ? strndup(request->body, request->body_len) : NULL;
        record->ca_bundle = request->ca_bundle ? strdup(request->ca_bundle) : NULL;
    }
    memset(out, 0, sizeof(*out));
    out->retry_after = -1;
    if (fake->next >= fake->reply_count) {
        snprintf(detail, detail_len, "fake transport: no scripted reply left");
        return AUTH_HTTP_CONNECT;
    }
    fake_reply *reply = &fake->replies[fake->next++];
    if (reply->failure != AUTH_HTTP_OK) {
        snprintf(detail, detail_len, "fake transport failure %d", (int)reply->failure);
        return reply->failure;
    }
    out->status = reply->status;
    out->body = strdup(reply->body ? reply->body : "");
    out->body_len = strlen(out->body);
    out->retry_after = reply->retry_after;
    return AUTH_HTTP_OK;
}

auth_transport fake_transport_bind(fake_transport *fake)
{
    auth_transport transport = {fake_send, fake};
    return transport;
}

void fake_transport_dispose(fake_transport *fake)
{
    for (size_t i = 0; i < fake->record_count; i++) {
        free(fake->records[i].method);
        free(fake->records[i].url);
        free(fake->records[i].headers);
        free(fake->records[i].body);
        free(fake->records[i].ca_bundle);
    }
    memset(fake, 0, sizeof(*fake));
}

int64_t fake_clock(void *ctx)
{
    return ((fake_time *)ctx)->now;
}

void fake_sleep(void *ctx, int64_t millis)
{
    fake_time *time = ctx;
    if (time->sleeps < FAKE_MAX)
        time->slept_ms[time->sleeps] = millis;
    time->sleeps++;
    time->now += millis / 1000;
}

void fake_log_line(void *ctx, const char *line)
{
    fake_log *log = ctx;
    fprintf(stderr, "[auth log] %s\n", line); /* test_auth_secrets greps this output */
    size_t add = strlen(line) + 1;
    char *bigger = realloc(log->text, log->len + add + 1);
    if (!bigger)
        abort();
    memcpy(bigger + log->len, line, add - 1);
    bigger[log->len + add - 1] = '\n';
    bigger[log->len + add] = '\0';
    log->text = bigger;
    log->len += add;
}

void fake_log_dispose(fake_log *log)
{
    free(log->text);
    log->text = NULL;
    log->len = 0;
}

void fake_options(auth_options *out, fake_transport *fake, fake_time *time, fake_log *log)
{
    auth_options_default(out);
    if (fake)
        out->transport = fake_transport_bind(fake);
    if (time) {
        out->clock = fake_clock;
        out->clock_ctx = time;
        out->sleep = fake_sleep;
        out->sleep_ctx = time;
    }
    if (log) {
        out->log = fake_log_line;
        out->log_ctx = log;
    }
}

static char *b64url(const char *text)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = strlen(text);
    char *out = malloc(len * 4 / 3 + 4);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)text[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)text[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)text[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alphabet[v >> 6 & 63];
        if (i + 2 < len)
            out[o++] = alphabet[v & 63];
    }
    out[o] = '\0';
    return out;
}

char *fake_jwt(const char *tid, const char *oid, const char *appid, const char *aud, long exp)
{
    char payload[1024];
    snprintf(payload, sizeof(payload),
             "{\"aud\":\"%s\",\"tid\":\"%s\",\"oid\":\"%s\",\"appid\":\"%s\",\"exp\":%ld}", aud,
             tid, oid, appid, exp);
    char *header = b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    char *body = b64url(payload);
    char *jwt = NULL;
    if (asprintf(&jwt, "%s.%s.c2lnbmF0dXJl", header, body) < 0)
        abort();
    free(header);
    free(body);
    return jwt;
}

char *fake_entra_body(const char *access_token, long expires_in)
{
    char *body = NULL;
    if (asprintf(&body,
                 "{\"token_type\":\"Bearer\",\"expires_in\":%ld,\"ext_expires_in\":%ld,"
                 "\"access_token\":\"%s\"}",
                 expires_in, expires_in, access_token) < 0)
        abort();
    return body;
}

static X509 *self_signed(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"hubagent-test", -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    if (!X509_sign(cert, key, EVP_sha256())) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

bool fake_write_cert_pem(const char *path, const char *password, bool mismatched)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    EVP_PKEY *other = mismatched ? EVP_RSA_gen(2048) : NULL;
    X509 *cert = key ? self_signed(mismatched ? other : key) : NULL;
    FILE *file = fopen(path, "w");
    bool ok = cert && file &&
              PEM_write_PrivateKey(file, key, password ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL,
                                   (void *)password) == 1 &&
              PEM_write_X509(file, cert) == 1;
    if (file)
        fclose(file);
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    return ok;
}

bool fake_write_cert_pfx(const char *path, const char *password)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *cert = key ? self_signed(key) : NULL;
    PKCS12 *p12 =
        cert ? PKCS12_create(password, "hubagent-test", key, cert, NULL, 0, 0, 0, 0, 0) : NULL;
    FILE *file = fopen(path, "wb");
    bool ok = p12 && file && i2d_PKCS12_fp(file, p12) == 1;
    if (file)
        fclose(file);
    PKCS12_free(p12);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *fake_form_field(const char *body, const char *name)
{
    size_t name_len = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            char *out = malloc(len + 1);
            size_t o = 0;
            for (size_t i = name_len + 1; i < len; i++) {
                if (p[i] == '%' && i + 2 < len + 1 && hex_value(p[i + 1]) >= 0 &&
                    hex_value(p[i + 2]) >= 0) {
                    out[o++] = (char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]));
                    i += 2;
                } else {
                    out[o++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            out[o] = '\0';
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

void fake_report_error(const auth_error *error)
{
    if (error && (error->message[0] || error->code[0]))
        fprintf(stderr, "[auth error] %s | %s | %s\n", error->credential, error->code,
                error->message);
}

void fake_report_text(const char *label, const char *text)
{
    if (text)
        fprintf(stderr, "[auth %s] %s\n", label, text);
}
