/* Keys and certificates made at start (CA, TLS server certificate, token signing key),
 * base64 helpers and compact JWS signing/verification (RS256, PS256) on OpenSSL. */
#include "mock-server/mock_int.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *mock_b64url_encode(const unsigned char *data, size_t len)
{
    char *out = malloc(len / 3 * 4 + 5);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
        out[o++] = B64URL[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *mock_b64_decode_any(const char *text, size_t *out_len)
{
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    unsigned char *out = malloc(len * 3 / 4 + 3);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(text[i]);
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
    *out_len = o;
    return out;
}

char *mock_cert_thumbprint(X509 *cert, bool sha256)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!X509_digest(cert, sha256 ? EVP_sha256() : EVP_sha1(), digest, &len))
        return NULL;
    return mock_b64url_encode(digest, len);
}

char *mock_thumbprint_normalize(const char *thumbprint)
{
    size_t len = 0;
    unsigned char *raw = mock_b64_decode_any(thumbprint, &len);
    if (raw == NULL)
        return NULL;
    char *out = mock_b64url_encode(raw, len);
    free(raw);
    return out;
}

char *mock_guid(void)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return NULL;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *out = malloc(37);
    if (out == NULL)
        return NULL;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return out;
}

/* ---- certificates --------------------------------------------------------------------- */

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return false;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1;
}

static X509 *make_cert(EVP_PKEY *key, const char *common_name, X509 *issuer, EVP_PKEY *issuer_key,
                       bool is_ca)
{
    X509 *cert = X509_new();
    if (cert == NULL)
        return NULL;
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    bool ok = bn != NULL && X509_set_version(cert, 2) == 1 &&
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600) != NULL &&
         X509_set_pubkey(cert, key) == 1;
    X509_NAME *name = X509_get_subject_name(cert);
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"hubagent-mock",
                                    -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)common_name,
                                    -1, -1, 0) == 1;
    X509 *signer = issuer != NULL ? issuer : cert;
    ok = ok && X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1;
    ok = ok && add_ext(cert, signer, NID_subject_key_identifier, "hash");
    ok = ok && add_ext(cert, signer, NID_authority_key_identifier, "keyid:always");
    if (is_ca) {
        ok = ok && add_ext(cert, signer, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(cert, signer, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(cert, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
             add_ext(cert, signer, NID_ext_key_usage, "serverAuth") &&
             add_ext(cert, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    }
    ok = ok && X509_sign(cert, issuer_key != NULL ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)len + 1);
    if (out != NULL) {
        memcpy(out, data, (size_t)len);
        out[len] = '\0';
    }
    return out;
}

static char *cert_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1)
        out = bio_to_string(bio);
    BIO_free(bio);
    return out;
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
        out = bio_to_string(bio);
    BIO_free(bio);
    return out;
}

static char *bn_param_b64(EVP_PKEY *key, const char *param)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
        return NULL;
    int len = BN_num_bytes(bn);
    unsigned char *raw = malloc((size_t)len + 1);
    char *out = NULL;
    if (raw != NULL) {
        BN_bn2bin(bn, raw);
        out = mock_b64url_encode(raw, (size_t)len);
    }
    free(raw);
    BN_free(bn);
    return out;
}

mock_status mock_keys_generate(mock_keys *out, mock_error *error)
{
    memset(out, 0, sizeof *out);
    /* EC keys for TLS: generating them is instant, unlike RSA. */
    out->ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *server_key = EVP_EC_gen("P-256");
    X509 *server_cert = NULL;
    if (out->ca_key != NULL && server_key != NULL) {
        out->ca_cert = make_cert(out->ca_key, "hubagent-mock CA", NULL, NULL, true);
        if (out->ca_cert != NULL)
            server_cert = make_cert(server_key, "localhost", out->ca_cert, out->ca_key, false);
    }
    if (server_cert != NULL) {
        out->ca_pem = cert_pem(out->ca_cert);
        out->server_cert_pem = cert_pem(server_cert);
        out->server_key_pem = key_pem(server_key);
    }
    X509_free(server_cert);
    EVP_PKEY_free(server_key);
    if (out->ca_pem == NULL || out->server_cert_pem == NULL || out->server_key_pem == NULL) {
        unsigned long code = ERR_get_error();
        mock_error_set(error, "generating the CA or the server certificate failed: %s",
                       code ? ERR_reason_error_string(code) : "out of memory");
        mock_keys_dispose(out);
        return MOCK_ERROR_CRYPTO;
    }
    return MOCK_OK;
}

bool mock_signing_key_generate(mock_keys *out)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    char *n = key ? bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N) : NULL;
    char *e = key ? bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E) : NULL;
    char *kid = NULL;
    unsigned char digest[32];
    unsigned int len = 0;
    unsigned char *der = NULL;
    int der_len = key ? i2d_PUBKEY(key, &der) : 0;
    if (der_len > 0 && EVP_Digest(der, (size_t)der_len, digest, &len, EVP_sha1(), NULL) == 1)
        kid = mock_b64url_encode(digest, len);
    OPENSSL_free(der);
    if (n == NULL || e == NULL || kid == NULL) {
        EVP_PKEY_free(key);
        free(n);
        free(e);
        free(kid);
        return false;
    }
    out->signing_key = key;
    out->jwk_n = n;
    out->jwk_e = e;
    out->kid = kid;
    return true;
}

void mock_keys_dispose(mock_keys *keys)
{
    EVP_PKEY_free(keys->ca_key);
    X509_free(keys->ca_cert);
    EVP_PKEY_free(keys->signing_key);
    free(keys->ca_pem);
    if (keys->server_key_pem != NULL)
        OPENSSL_cleanse(keys->server_key_pem, strlen(keys->server_key_pem));
    free(keys->server_key_pem);
    free(keys->server_cert_pem);
    free(keys->kid);
    free(keys->jwk_n);
    free(keys->jwk_e);
    memset(keys, 0, sizeof *keys);
}

/* ---- JWS ---------------------------------------------------------------------------- */

static char *json_b64(json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT);
    if (text == NULL)
        return NULL;
    char *out = mock_b64url_encode((const unsigned char *)text, strlen(text));
    free(text);
    return out;
}

char *mock_jwt_sign(EVP_PKEY *key, const char *kid, json_t *claims)
{
    json_t *header =
        json_pack("{s:s, s:s, s:s, s:s}", "typ", "JWT", "alg", "RS256", "kid", kid, "x5t", kid);
    char *h = json_b64(header);
    char *c = json_b64(claims);
    json_decref(header);
    char *out = NULL;
    if (h != NULL && c != NULL) {
        size_t input_len = strlen(h) + 1 + strlen(c);
        char *input = malloc(input_len + 1);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char sig[512];
        size_t sig_len = sizeof sig;
        if (input != NULL && ctx != NULL) {
            snprintf(input, input_len + 1, "%s.%s", h, c);
            if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
                EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, input_len) == 1) {
                char *s = mock_b64url_encode(sig, sig_len);
                out = s == NULL ? NULL : malloc(input_len + 2 + strlen(s));
                if (out != NULL)
                    sprintf(out, "%s.%s", input, s);
                free(s);
            }
        }
        EVP_MD_CTX_free(ctx);
        free(input);
    }
    free(h);
    free(c);
    return out;
}

static json_t *decode_part(const char *start, size_t len)
{
    char *copy = strndup(start, len);
    size_t raw_len = 0;
    unsigned char *raw = copy ? mock_b64_decode_any(copy, &raw_len) : NULL;
    free(copy);
    json_t *out = raw ? json_loadb((const char *)raw, raw_len, 0, NULL) : NULL;
    free(raw);
    if (out != NULL && !json_is_object(out)) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

bool mock_jwt_parse(const char *token, mock_jwt *out)
{
    memset(out, 0, sizeof *out);
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL || dot2[1] == '\0')
        return false;
    out->header = decode_part(token, (size_t)(dot1 - token));
    out->claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    out->signing_input = strndup(token, (size_t)(dot2 - token));
    out->signature = mock_b64_decode_any(dot2 + 1, &out->signature_len);
    if (out->header == NULL || out->claims == NULL || out->signing_input == NULL ||
        out->signature == NULL) {
        mock_jwt_dispose(out);
        return false;
    }
    return true;
}

void mock_jwt_dispose(mock_jwt *jwt)
{
    json_decref(jwt->header);
    json_decref(jwt->claims);
    free(jwt->signing_input);
    free(jwt->signature);
    memset(jwt, 0, sizeof *jwt);
}

bool mock_jwt_verify(const mock_jwt *jwt, EVP_PKEY *key)
{
    const char *alg = json_string_value(json_object_get(jwt->header, "alg"));
    if (alg == NULL || (strcmp(alg, "RS256") != 0 && strcmp(alg, "PS256") != 0))
        return false;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1;
    if (ok && strcmp(alg, "PS256") == 0)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
    ok = ok && EVP_DigestVerify(ctx, jwt->signature, jwt->signature_len,
                                (const unsigned char *)jwt->signing_input,
                                strlen(jwt->signing_input)) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}
