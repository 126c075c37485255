/* xchacha - HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2), XChaCha20-Poly1305 over libcrypto's
 * ChaCha20-Poly1305 (§2.3: subkey from the first 16 nonce bytes, IETF nonce = 4 zero bytes and
 * the last 8), and the hex format Better Auth stores two-factor secrets in. */
#include "config.h"

#include "util/xchacha.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/digest.h"
#include "util/random.h"
#include "util/text.h"

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                                                             \
    do {                                                                                           \
        a += b;                                                                                    \
        d ^= a;                                                                                    \
        d = ROTL(d, 16);                                                                           \
        c += d;                                                                                    \
        b ^= c;                                                                                    \
        b = ROTL(b, 12);                                                                           \
        a += b;                                                                                    \
        d ^= a;                                                                                    \
        d = ROTL(d, 8);                                                                            \
        c += d;                                                                                    \
        b ^= c;                                                                                    \
        b = ROTL(b, 7);                                                                            \
    } while (0)

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void hchacha20(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce16[16], uint8_t out[32])
{
    uint32_t x[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

    for (int i = 0; i < 8; i++)
        x[4 + i] = load32(key + 4 * i);
    for (int i = 0; i < 4; i++)
        x[12 + i] = load32(nonce16 + 4 * i);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 4; i++) {
        store32(out + 4 * i, x[i]);
        store32(out + 16 + 4 * i, x[12 + i]);
    }
    OPENSSL_cleanse(x, sizeof(x));
}

/* aead - one ChaCha20-Poly1305 pass under the XChaCha subkey; enc 1 seals, 0 opens (in holds
 * len bytes of text, the tag at tag). */
static int aead(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce[XCHACHA_NONCE_LEN],
                const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                uint8_t *tag, int enc)
{
    uint8_t subkey[32], iv[12] = {0};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n, ok = ctx != NULL && len <= (size_t)INT32_MAX && aad_len <= (size_t)INT32_MAX;

    hchacha20(key, nonce, subkey);
    memcpy(iv + 4, nonce + 16, 8);
    ok = ok && EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, sizeof(iv), NULL) == 1 &&
         EVP_CipherInit_ex(ctx, NULL, NULL, subkey, iv, enc) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, XCHACHA_TAG_LEN, tag) == 1;
    if (ok && aad_len > 0)
        ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1;
    if (ok && len > 0)
        ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
    ok = ok && EVP_CipherFinal_ex(ctx, out + len, &n) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, XCHACHA_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(subkey, sizeof(subkey));
    if (!ok && !enc)
        OPENSSL_cleanse(out, len);
    return ok ? 0 : -1;
}

int xchacha_seal(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce[XCHACHA_NONCE_LEN],
                 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    return aead(key, nonce, aad, aad_len, in, len, out, out + len, 1);
}

int xchacha_open(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce[XCHACHA_NONCE_LEN],
                 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t tag[XCHACHA_TAG_LEN];

    if (len < XCHACHA_TAG_LEN)
        return -1;
    memcpy(tag, in + len - XCHACHA_TAG_LEN, XCHACHA_TAG_LEN);
    return aead(key, nonce, aad, aad_len, in, len - XCHACHA_TAG_LEN, out, tag, 0);
}

char *xchacha_ba_encrypt(const char *secret, const uint8_t *data, size_t len)
{
    uint8_t key[DIGEST_SHA256_LEN];
    size_t total = XCHACHA_NONCE_LEN + len + XCHACHA_TAG_LEN;
    uint8_t *raw = malloc(total);
    char *hex = malloc(2 * total + 1);
    int rc = raw == NULL || hex == NULL ? -1 : 0;

    if (rc == 0)
        rc = digest_sha256(secret, strlen(secret), key);
    if (rc == 0)
        rc = random_bytes(raw, XCHACHA_NONCE_LEN);
    if (rc == 0)
        rc = xchacha_seal(key, raw, NULL, 0, data, len, raw + XCHACHA_NONCE_LEN);
    if (rc == 0)
        text_hex_encode(raw, total, hex);
    OPENSSL_cleanse(key, sizeof(key));
    free(raw);
    if (rc != 0) {
        free(hex);
        return NULL;
    }
    return hex;
}

/* unhex - the bytes of an even-length hex string (malloc'd, *len), or NULL. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *raw;

    if (n % 2 != 0 || (raw = malloc(n / 2 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = text_hex_value((unsigned char)hex[2 * i]);
        int lo = text_hex_value((unsigned char)hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(raw);
            return NULL;
        }
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return raw;
}

/* envelope_body - the hex after "$ba$<digits>$", or text itself when it has no envelope. */
static const char *envelope_body(const char *text)
{
    const char *p;

    if (strncmp(text, "$ba$", 4) != 0)
        return text;
    p = text + 4; /* only now known to point into text: "" + 4 would be undefined */
    while (*p >= '0' && *p <= '9')
        p++;
    return p > text + 4 && *p == '$' ? p + 1 : NULL;
}

uint8_t *xchacha_ba_decrypt(const char *secret, const char *text, size_t *len)
{
    uint8_t key[DIGEST_SHA256_LEN];
    const char *hex = envelope_body(text);
    size_t raw_len = 0;
    uint8_t *raw = hex != NULL ? unhex(hex, &raw_len) : NULL;
    uint8_t *plain = NULL;
    size_t n;

    if (raw == NULL || raw_len < XCHACHA_NONCE_LEN + XCHACHA_TAG_LEN)
        goto out;
    n = raw_len - XCHACHA_NONCE_LEN - XCHACHA_TAG_LEN;
    if ((plain = malloc(n + 1)) == NULL || digest_sha256(secret, strlen(secret), key) != 0 ||
        xchacha_open(key, raw, NULL, 0, raw + XCHACHA_NONCE_LEN, raw_len - XCHACHA_NONCE_LEN,
                     plain) != 0) {
        free(plain);
        plain = NULL;
        goto out;
    }
    plain[n] = '\0';
    *len = n;
out:
    OPENSSL_cleanse(key, sizeof(key));
    free(raw);
    return plain;
}
