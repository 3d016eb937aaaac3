/* Test-side client for hubagent-mock suites (see mock_client.h). */
#include "mock_client.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct buffer {
    char *data;
    size_t len;
} buffer;

static size_t collect(char *data, size_t size, size_t count, void *user)
{
    buffer *b = user;
    size_t n = size * count;
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, data, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

void http_call(const char *method, const char *url, const char *ca, const char *const *headers,
               const char *body, http_result *out)
{
    memset(out, 0, sizeof *out);
    CURL *curl = curl_easy_init();
    buffer response = {0}, head = {0};
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        list = curl_slist_append(list, headers[i]);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (ca != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    out->curl_code = (int)curl_easy_perform(curl);
    if (out->curl_code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = response.data ? response.data : strdup("");
    out->body_len = response.len;
    out->headers = head.data ? head.data : strdup("");
    out->json = json_loadb(out->body, out->body_len, 0, NULL);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
}

char *http_header(const http_result *result, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = result->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t line_len = end ? (size_t)(end - line) : strlen(line);
        if (line_len > len && strncasecmp(line, name, len) == 0 && line[len] == ':') {
            const char *value = line + len + 1;
            while (*value == ' ')
                value++;
            return strndup(value, line_len - (size_t)(value - line));
        }
        line = end ? end + 2 : line + line_len;
    }
    return NULL;
}

void http_result_dispose(http_result *result)
{
    free(result->body);
    free(result->headers);
    json_decref(result->json);
    memset(result, 0, sizeof *result);
}

static char *url_encode(const char *text)
{
    CURL *curl = curl_easy_init();
    char *escaped = curl_easy_escape(curl, text, 0);
    char *out = strdup(escaped);
    curl_free(escaped);
    curl_easy_cleanup(curl);
    return out;
}

char *mock_token(const mock_fixture *fx, const char *client_id, const char *secret,
                 const char *scope)
{
    char url[512], body[1024];
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", fx->login, T_TENANT);
    char *s = url_encode(scope), *c = url_encode(secret);
    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", client_id, c,
             s);
    free(s);
    free(c);
    http_result r;
    http_call("POST", url, fx->ca_path, NULL, body, &r);
    const char *token = json_string_value(json_object_get(r.json, "access_token"));
    if (token == NULL)
        fprintf(stderr, "token request failed: %ld %s\n", r.status, r.body);
    char *out = token ? strdup(token) : NULL;
    http_result_dispose(&r);
    return out;
}

void arm_call(const mock_fixture *fx, const char *token, const char *method, const char *path,
              const char *body, http_result *out)
{
    char url[2048], auth[4096];
    snprintf(url, sizeof url, "%s%s", fx->arm, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    const char *headers[] = {auth, "Content-Type: application/json",
                             "x-ms-client-request-id: test-request-id", NULL};
    http_call(method, url, fx->ca_path, token ? headers : headers + 1, body, out);
}

void admin_send(const mock_fixture *fx, const char *method, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", fx->admin, path);
    const char *headers[] = {"Content-Type: application/json", NULL};
    http_result r;
    http_call(method, url, NULL, headers, body, &r);
    if (r.status != 200)
        fprintf(stderr, "admin %s %s: %ld %s\n", method, path, r.status, r.body);
    assert_int_equal(r.status, 200);
    http_result_dispose(&r);
}

int admin_count(const mock_fixture *fx, const char *route)
{
    char url[512];
    snprintf(url, sizeof url, "%s/admin/requests", fx->admin);
    http_result r;
    http_call("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    int count = (int)json_integer_value(json_object_get(json_object_get(r.json, "counts"), route));
    http_result_dispose(&r);
    return count;
}

static char *b64(const unsigned char *data, size_t len, const char *alphabet)
{
    char *out = malloc(len * 2 + 8);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    if (strcmp(alphabet, "std") == 0)
        return out;
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    if (strcmp(alphabet, "url") == 0) {
        char *eq = strchr(out, '=');
        if (eq)
            *eq = '\0';
    }
    return out;
}

static char *b64_json(json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT);
    char *out = b64((unsigned char *)text, strlen(text), "url");
    free(text);
    return out;
}

char *make_assertion(const char *key_path, const char *cert_path, const char *alg,
                     const char *thumbprint_alphabet, const char *aud, const char *client_id,
                     long exp_offset, bool with_nbf)
{
    FILE *kf = fopen(key_path, "r"), *cf = fopen(cert_path, "r");
    assert_non_null(kf);
    assert_non_null(cf);
    EVP_PKEY *key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
    X509 *cert = PEM_read_X509(cf, NULL, NULL, NULL);
    fclose(kf);
    fclose(cf);
    assert_non_null(key);
    assert_non_null(cert);
    bool pss = strcmp(alg, "PS256") == 0;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    X509_digest(cert, pss ? EVP_sha256() : EVP_sha1(), digest, &digest_len);
    char *thumb = b64(digest, digest_len, thumbprint_alphabet);
    json_t *header =
        json_pack("{s:s, s:s, s:s}", "alg", alg, "typ", "JWT", pss ? "x5t#S256" : "x5t", thumb);
    double now = (double)time(NULL);
    json_t *claims =
        json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "aud", aud, "iss", client_id, "sub", client_id,
                  "jti", "test-jti", "exp", now + (double)exp_offset, "iat", now);
    if (with_nbf)
        json_object_set_new(claims, "nbf", json_integer((json_int_t)now));
    char *h = b64_json(header), *c = b64_json(claims);
    size_t input_len = strlen(h) + strlen(c) + 1;
    char *input = malloc(input_len + 1);
    snprintf(input, input_len + 1, "%s.%s", h, c);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key), 1);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, input_len), 1);
    char *s = b64(sig, sig_len, "url");
    char *out = malloc(input_len + strlen(s) + 2);
    sprintf(out, "%s.%s", input, s);
    free(s);
    free(input);
    free(h);
    free(c);
    free(thumb);
    json_decref(header);
    json_decref(claims);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    return out;
}

char *export_body(const char *type, const char *extra)
{
    char *out = malloc(4096);
    snprintf(out, 4096,
             "{\"properties\":{\"format\":\"Csv\",\"deliveryInfo\":{\"destination\":{"
             "\"resourceId\":\"%s\",\"container\":\"msexports\",\"rootFolderPath\":\"hub\"}},"
             "\"definition\":{\"type\":\"%s\",\"timeframe\":\"MonthToDate\",\"dataSet\":{"
             "\"granularity\":\"Daily\"}},\"schedule\":{\"status\":\"Inactive\"}%s%s}}",
             T_STORAGE, type, extra ? "," : "", extra ? extra : "");
    return out;
}
