/* digest - SHA-256 and HMAC-SHA256 over OpenSSL 3, with the algorithms fetched once per
 * process: the one-shot calls (HMAC(), EVP_Digest()) look them up by name on every call, which
 * cost get-session more than the hashing itself. Not thread-safe (one request at a time). */
#ifndef AUTHFCGI_DIGEST_H
#define AUTHFCGI_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* digest_sha256 - out = SHA-256(data[0..len)). Returns 0, or -1 when libcrypto fails. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

/* digest_hmac_sha256 - out = HMAC-SHA256(key, data[0..len)). Returns 0, or -1 when libcrypto
 * fails. The caller wipes out when it is a secret. */
int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]);

#endif
