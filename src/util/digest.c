/* digest - SHA-256 and HMAC-SHA256 with contexts kept for the life of the process. The
 * contexts are made on first use (in the worker, after fork) and reused: re-initialising a
 * context with an algorithm it already holds fetches nothing. */
#include "config.h"

#include "util/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Process-lifetime caches, never freed: one of each per process. */
static EVP_MD *sha256;
static EVP_MD_CTX *md_ctx;
static EVP_MAC_CTX *hmac_ctx;

static int sha256_ready(void)
{
    if (md_ctx != NULL)
        return 0;
    if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
        return -1;
    md_ctx = EVP_MD_CTX_new();
    return md_ctx != NULL ? 0 : -1;
}

/* hmac_ready - an HMAC context whose digest is already set, so that each EVP_MAC_init needs
 * only the key. */
static int hmac_ready(void)
{
    if (hmac_ctx != NULL)
        return 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL)
        return -1;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (ctx == NULL)
        return -1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return -1;
    }
    hmac_ctx = ctx;
    return 0;
}

/* digest_sha256 - see digest.h. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
    unsigned int n = 0;

    if (sha256_ready() != 0 || EVP_DigestInit_ex2(md_ctx, sha256, NULL) != 1 ||
        EVP_DigestUpdate(md_ctx, data, len) != 1 || EVP_DigestFinal_ex(md_ctx, out, &n) != 1)
        return -1;
    return n == DIGEST_SHA256_LEN ? 0 : -1;
}

/* digest_hmac_sha256 - see digest.h. An empty key is passed as one that is there but empty:
 * a NULL key would mean "keep the previous one". */
int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN])
{
    static const unsigned char empty_key[1];
    size_t n = 0;

    if (hmac_ready() != 0 ||
        EVP_MAC_init(hmac_ctx, key_len > 0 ? key : empty_key, key_len, NULL) != 1 ||
        EVP_MAC_update(hmac_ctx, data, len) != 1 ||
        EVP_MAC_final(hmac_ctx, out, &n, DIGEST_SHA256_LEN) != 1)
        return -1;
    return n == DIGEST_SHA256_LEN ? 0 : -1;
}
