/* auth: service principal with a certificate — a PEM (or PKCS#12) key + certificate, and a client
 * assertion JWT signed RS256 (libjwt, x5t) or PS256 (OpenSSL, x5t#S256). */
#include "auth/auth_int.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* Entra ID accepts assertions valid up to 10 minutes; MSAL uses the same. */
#define AUTH_ASSERTION_LIFETIME_SECONDS 600

typedef struct auth_cert_credential {
    auth_credential base;
    char *tenant_id;
    char *client_id;
    char *path;
    auth_assertion_algorithm algorithm;
    EVP_PKEY *key;
    char *key_pem;  /* unencrypted PKCS#8 for libjwt (RS256); wiped on free */
    char *x5t;      /* b64url SHA-1 of the certificate DER */
    char *x5t_s256; /* b64url SHA-256 of the certificate DER */
    json_t *x5c;    /* leaf first, then the rest of the chain (standard base64 DER) */
    bool send_chain;
} auth_cert_credential;

static int password_callback(char *buffer, int size, int rwflag, void *userdata)
{
    (void)rwflag;
    const char *password = userdata;
    if (!password)
        return 0;
    int len = (int)strlen(password);
    if (len > size)
        len = size;
    memcpy(buffer, password, (size_t)len);
    return len;
}

static char *openssl_reason(void)
{
    static _Thread_local char reason[160];
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code)
        return strcpy(reason, "no detail");
    ERR_error_string_n(code, reason, sizeof(reason));
    return reason;
}

static auth_status thumbprints(auth_cert_credential *cert, X509 *x509, auth_error *error)
{
    unsigned char sha1[EVP_MAX_MD_SIZE], sha256[EVP_MAX_MD_SIZE];
    unsigned int sha1_len = 0, sha256_len = 0;
    if (X509_digest(x509, EVP_sha1(), sha1, &sha1_len) != 1 ||
        X509_digest(x509, EVP_sha256(), sha256, &sha256_len) != 1)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, cert->base.name, 0, NULL, NULL,
                              "%s: cannot hash the certificate in %s: %s", cert->base.name,
                              cert->path, openssl_reason());
    cert->x5t = auth_base64url_encode(sha1, sha1_len);
    cert->x5t_s256 = auth_base64url_encode(sha256, sha256_len);
    if (!cert->x5t || !cert->x5t_s256)
        return auth_error_set(error, AUTH_NO_MEMORY, cert->base.name, 0, NULL, NULL,
                              "%s: out of memory", cert->base.name);
    return AUTH_OK;
}

/* Appends one certificate to the x5c array (RFC 7515: standard base64 of the DER). */
static bool add_x5c(auth_cert_credential *cert, X509 *x509)
{
    unsigned char *der = NULL;
    int der_len = i2d_X509(x509, &der);
    if (der_len <= 0)
        return false;
    char *b64 = malloc((size_t)(der_len + 2) / 3 * 4 + 1);
    bool ok = b64 && EVP_EncodeBlock((unsigned char *)b64, der, der_len) > 0 &&
              json_array_append_new(cert->x5c, json_string(b64)) == 0;
    free(b64);
    OPENSSL_free(der);
    return ok;
}

static auth_status load_pem(auth_cert_credential *cert, const char *password, auth_error *error)
{
    const char *name = cert->base.name;
    size_t len = 0;
    char *pem = auth_read_file(cert->path, &len);
    if (!pem)
        return auth_error_set(error, AUTH_IO, name, 0, NULL, NULL,
                              "%s: cannot read certificate file %s: %s", name, cert->path,
                              strerror(errno));
    BIO *key_bio = BIO_new_mem_buf(pem, (int)len);
    BIO *cert_bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x509 = NULL;
    auth_status status = AUTH_OK;
    bool is_pem = memmem(pem, len, "-----BEGIN", 10) != NULL;
    PKCS12 *p12 = NULL;
    STACK_OF(X509) *chain = NULL;
    if (!key_bio || !cert_bio) {
        status =
            auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory", name);
    } else if (!is_pem && !(p12 = d2i_PKCS12_bio(key_bio, NULL))) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: %s is neither PEM nor PKCS#12 (PFX): %s", name, cert->path,
                                openssl_reason());
    } else if (p12 && !PKCS12_parse(p12, password ? password : "", &cert->key, &x509, &chain)) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: cannot open the PKCS#12 file %s (is the password "
                                "right? AZURE_CLIENT_CERTIFICATE_PASSWORD): %s",
                                name, cert->path, openssl_reason());
    } else if (p12 && (!cert->key || !x509)) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: the PKCS#12 file %s must hold a private key and its "
                                "certificate",
                                name, cert->path);
    } else if (!p12 && !(cert->key = PEM_read_bio_PrivateKey(key_bio, NULL, password_callback,
                                                             (void *)password))) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: no readable private key in %s (a PEM file with the key and "
                                "the certificate is needed%s): %s",
                                name, cert->path,
                                password ? "; is the password right?"
                                         : "; an encrypted key needs "
                                           "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                openssl_reason());
    } else if (!p12 && !(x509 = PEM_read_bio_X509(cert_bio, NULL, NULL, NULL))) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: no certificate in %s (the PEM file must hold the "
                                "certificate as well as the key): %s",
                                name, cert->path, openssl_reason());
    } else if (EVP_PKEY_get_base_id(cert->key) != EVP_PKEY_RSA) {
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: the key in %s is not RSA (Entra ID client assertions are "
                                "RS256 or PS256)",
                                name, cert->path);
    } else if (X509_check_private_key(x509, cert->key) != 1) {
        ERR_clear_error();
        status = auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                                "%s: the first certificate in %s does not match its private key",
                                name, cert->path);
    } else {
        status = thumbprints(cert, x509, error);
    }
    if (status == AUTH_OK) {
        /* x5c: the leaf, then any further certificates in the file */
        bool ok = (cert->x5c = json_array()) != NULL && add_x5c(cert, x509);
        for (int i = 0; ok && chain && i < sk_X509_num(chain); i++)
            ok = add_x5c(cert, sk_X509_value(chain, i));
        X509 *extra;
        while (ok && !p12 && (extra = PEM_read_bio_X509(cert_bio, NULL, NULL, NULL)) != NULL) {
            ok = add_x5c(cert, extra);
            X509_free(extra);
        }
        ERR_clear_error(); /* the loop ends on "no more certificates" */
        if (!ok)
            status =
                auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL,
                               "%s: cannot encode the certificate chain of %s", name, cert->path);
    }
    if (status == AUTH_OK) {
        /* libjwt takes the key as PEM text */
        BIO *out = BIO_new(BIO_s_mem());
        char *data = NULL;
        long out_len = 0;
        if (out && PEM_write_bio_PrivateKey(out, cert->key, NULL, NULL, 0, NULL, NULL) == 1)
            out_len = BIO_get_mem_data(out, &data);
        if (out_len > 0)
            cert->key_pem = strndup(data, (size_t)out_len);
        if (out_len > 0)
            OPENSSL_cleanse(data, (size_t)out_len);
        BIO_free(out);
        if (!cert->key_pem)
            status =
                auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL,
                               "%s: cannot re-encode the private key: %s", name, openssl_reason());
    }
    X509_free(x509);
    sk_X509_pop_free(chain, X509_free);
    PKCS12_free(p12);
    BIO_free(key_bio);
    BIO_free(cert_bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    return status;
}

static bool add_x5c_header(jwt_t *jwt, const auth_cert_credential *cert)
{
    if (!cert->send_chain)
        return true;
    json_t *wrapper = json_pack("{s:O}", "x5c", cert->x5c);
    char *text = wrapper ? json_dumps(wrapper, JSON_COMPACT) : NULL;
    bool ok = text && jwt_add_headers_json(jwt, text) == 0;
    free(text);
    json_decref(wrapper);
    return ok;
}

/* RS256 through libjwt, which adds "alg" and "typ" to the header itself. */
static char *sign_rs256(auth_cert_credential *cert, const char *audience, int64_t now,
                        const char *jti)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)cert->key_pem,
                    (int)strlen(cert->key_pem)) == 0 &&
        jwt_add_header(jwt, "x5t", cert->x5t) == 0 && add_x5c_header(jwt, cert) &&
        jwt_add_grant(jwt, "aud", audience) == 0 &&
        jwt_add_grant(jwt, "iss", cert->client_id) == 0 &&
        jwt_add_grant(jwt, "sub", cert->client_id) == 0 && jwt_add_grant(jwt, "jti", jti) == 0 &&
        jwt_add_grant_int(jwt, "nbf", (long)now) == 0 &&
        jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
        jwt_add_grant_int(jwt, "exp", (long)(now + AUTH_ASSERTION_LIFETIME_SECONDS)) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}

static char *b64url_json(json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *out = text ? auth_base64url_encode((unsigned char *)text, strlen(text)) : NULL;
    free(text);
    return out;
}

/* PS256 with OpenSSL: libjwt 1.10.2 knows no PS* algorithms. */
static char *sign_ps256(auth_cert_credential *cert, const char *audience, int64_t now,
                        const char *jti)
{
    json_t *header =
        json_pack("{s:s, s:s, s:s}", "alg", "PS256", "typ", "JWT", "x5t#S256", cert->x5t_s256);
    if (header && cert->send_chain)
        json_object_set(header, "x5c", cert->x5c);
    json_t *claims =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "aud", audience, "iss", cert->client_id,
                  "sub", cert->client_id, "jti", jti, "nbf", (json_int_t)now, "iat",
                  (json_int_t)now, "exp", (json_int_t)(now + AUTH_ASSERTION_LIFETIME_SECONDS));
    char *header_b64 = header ? b64url_json(header) : NULL;
    char *claims_b64 = claims ? b64url_json(claims) : NULL;
    json_decref(header);
    json_decref(claims);
    char *signing_input = NULL, *out = NULL;
    if (!header_b64 || !claims_b64 ||
        asprintf(&signing_input, "%s.%s", header_b64, claims_b64) < 0) {
        free(header_b64);
        free(claims_b64);
        return NULL;
    }
    free(header_b64);
    free(claims_b64);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pkey_ctx = NULL;
    unsigned char *signature = NULL;
    size_t signature_len = 0;
    if (md && EVP_DigestSignInit(md, &pkey_ctx, EVP_sha256(), NULL, cert->key) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
        EVP_DigestSign(md, NULL, &signature_len, (unsigned char *)signing_input,
                       strlen(signing_input)) == 1 &&
        (signature = malloc(signature_len)) != NULL &&
        EVP_DigestSign(md, signature, &signature_len, (unsigned char *)signing_input,
                       strlen(signing_input)) == 1) {
        char *signature_b64 = auth_base64url_encode(signature, signature_len);
        if (signature_b64 && asprintf(&out, "%s.%s", signing_input, signature_b64) < 0)
            out = NULL;
        free(signature_b64);
    }
    ERR_clear_error();
    free(signature);
    EVP_MD_CTX_free(md);
    free(signing_input);
    return out;
}

static auth_status cert_get_token(auth_credential *credential, const char *scope_or_resource,
                                  auth_token *out_token, auth_error *error)
{
    auth_cert_credential *cert = (auth_cert_credential *)credential;
    char jti[37];
    char *audience = auth_entra_token_endpoint(credential, cert->tenant_id);
    if (!audience || !auth_random_uuid(jti)) {
        free(audience);
        return auth_error_set(error, AUTH_NO_MEMORY, credential->name, 0, NULL, NULL,
                              "%s: cannot prepare the client assertion (memory or RNG)",
                              credential->name);
    }
    int64_t now = auth_now(&credential->options);
    char *assertion = cert->algorithm == AUTH_ASSERTION_RS256
                          ? sign_rs256(cert, audience, now, jti)
                          : sign_ps256(cert, audience, now, jti);
    free(audience);
    if (!assertion)
        return auth_error_set(
            error, AUTH_INVALID_ARGUMENT, credential->name, 0, NULL, NULL,
            "%s: signing the %s client assertion with the key from %s failed", credential->name,
            cert->algorithm == AUTH_ASSERTION_RS256 ? "RS256" : "PS256", cert->path);
    return auth_entra_request_token_with_assertion(credential, cert->tenant_id, cert->client_id,
                                                   scope_or_resource, assertion, out_token, error);
}

static void cert_destroy(auth_credential *credential)
{
    auth_cert_credential *cert = (auth_cert_credential *)credential;
    free(cert->tenant_id);
    free(cert->client_id);
    free(cert->path);
    EVP_PKEY_free(cert->key);
    auth_free_secret(cert->key_pem);
    free(cert->x5t);
    free(cert->x5t_s256);
    json_decref(cert->x5c);
    free(cert);
}

static const auth_credential_vtable cert_vtable = {cert_get_token, cert_destroy};

void auth_certificate_options_default(auth_certificate_options *out_options)
{
    memset(out_options, 0, sizeof(*out_options));
    out_options->algorithm = AUTH_ASSERTION_PS256;
}

auth_status auth_client_certificate_credential_new(const char *tenant_id, const char *client_id,
                                                   const char *certificate_path,
                                                   const auth_certificate_options *cert_options,
                                                   const auth_options *options,
                                                   auth_credential **out_credential,
                                                   auth_error *error)
{
    static const char name[] = "ClientCertificateCredential";
    *out_credential = NULL;
    auth_certificate_options defaults;
    auth_certificate_options_default(&defaults);
    if (!cert_options)
        cert_options = &defaults;
    const char *pem_path = certificate_path;
    const char *password = cert_options->password;
    auth_assertion_algorithm algorithm = cert_options->algorithm;
    auth_status status = auth_entra_check_ids(name, tenant_id, client_id, error);
    if (status != AUTH_OK)
        return status;
    if (!pem_path || !*pem_path)
        return auth_error_set(error, AUTH_UNAVAILABLE, name, 0, NULL, NULL,
                              "%s: no certificate path (AZURE_CLIENT_CERTIFICATE_PATH)", name);
    if (algorithm != AUTH_ASSERTION_PS256 && algorithm != AUTH_ASSERTION_RS256)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, name, 0, NULL, NULL,
                              "%s: unknown assertion algorithm %d", name, (int)algorithm);
    auth_cert_credential *cert = calloc(1, sizeof(*cert));
    if (!cert)
        return auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                              name);
    cert->algorithm = algorithm;
    cert->send_chain = cert_options->send_certificate_chain;
    status = auth_credential_base_init(&cert->base, &cert_vtable, name, options, error);
    if (status == AUTH_OK) {
        cert->tenant_id = strdup(tenant_id);
        cert->client_id = strdup(client_id);
        cert->path = strdup(pem_path);
        if (!cert->tenant_id || !cert->client_id || !cert->path)
            status = auth_error_set(error, AUTH_NO_MEMORY, name, 0, NULL, NULL, "%s: out of memory",
                                    name);
    }
    if (status == AUTH_OK)
        status = load_pem(cert, password, error);
    if (status != AUTH_OK) {
        auth_credential_free(&cert->base);
        return status;
    }
    auth_credential_set_description(
        &cert->base, "%s for client %s in tenant %s via %s, %s assertion, certificate %s (%s %s)",
        name, client_id, tenant_id, cert->base.options.authority_host,
        algorithm == AUTH_ASSERTION_RS256 ? "RS256" : "PS256", pem_path,
        algorithm == AUTH_ASSERTION_RS256 ? "x5t" : "x5t#S256",
        algorithm == AUTH_ASSERTION_RS256 ? cert->x5t : cert->x5t_s256);
    *out_credential = &cert->base;
    return AUTH_OK;
}
