/* xchacha - XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03): HChaCha20 here, the rest
 * libcrypto's ChaCha20-Poly1305 (OpenSSL 3 has no X variant), and Better Auth's
 * symmetricEncrypt/Decrypt on top: hex(nonce || ciphertext || tag) under SHA-256(secret). */
#ifndef AUTHFCGI_XCHACHA_H
#define AUTHFCGI_XCHACHA_H

#include <stddef.h>
#include <stdint.h>

#define XCHACHA_KEY_LEN 32
#define XCHACHA_NONCE_LEN 24
#define XCHACHA_TAG_LEN 16

/* hchacha20 - the subkey of key and the first 16 bytes of an XChaCha nonce. */
void hchacha20(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce16[16], uint8_t out[32]);

/* xchacha_seal - out = ciphertext of in[0..len) then the 16-byte tag (out holds len + 16).
 * Returns 0, or -1 when libcrypto fails. */
int xchacha_seal(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce[XCHACHA_NONCE_LEN],
                 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out);

/* xchacha_open - in[0..len) is ciphertext then tag (len >= 16); out gets len - 16 bytes.
 * Returns 0, or -1 when the tag does not match (out is then wiped) or libcrypto fails. */
int xchacha_open(const uint8_t key[XCHACHA_KEY_LEN], const uint8_t nonce[XCHACHA_NONCE_LEN],
                 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out);

/* xchacha_ba_encrypt - Better Auth's symmetricEncrypt with a single secret: a fresh random
 * nonce, key SHA-256(secret), no associated data. Returns the lower-case hex text (malloc'd,
 * the caller frees), or NULL on failure. */
char *xchacha_ba_encrypt(const char *secret, const uint8_t *data, size_t len);

/* xchacha_ba_decrypt - Better Auth's symmetricDecrypt: text is bare hex or the
 * "$ba$<version>$<hex>" envelope (decrypted with the same single secret). Returns the plain
 * bytes NUL-terminated (malloc'd, *len without the NUL; the caller wipes and frees), or NULL
 * for text that is not such a ciphertext under this secret. */
uint8_t *xchacha_ba_decrypt(const char *secret, const char *text, size_t *len);

#endif
