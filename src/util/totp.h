/* totp - one-time codes of RFC 4226 / RFC 6238 (HMAC-SHA1), checked as Better Auth 1.7.25
 * checks them (@better-auth/utils/otp: the codes of counter-window..counter+window, each
 * compared over the expected length in constant time), and base32 for otpauth:// URIs. */
#ifndef AUTHFCGI_TOTP_H
#define AUTHFCGI_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_PERIOD_S 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1
#define TOTP_MAX_DIGITS 8

/* totp_hotp - the digits-digit code (1..8) of key for counter, NUL-terminated in out (which
 * holds digits + 1 bytes). Returns 0, or -1 when libcrypto fails. */
int totp_hotp(const uint8_t *key, size_t key_len, uint64_t counter, int digits, char *out);

/* totp_verify - whether code is key's code for a time step within window steps of now_s
 * (Unix seconds). Every candidate is computed and compared, whatever matches. */
bool totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t now_s, int period_s,
                 int digits, int window);

/* totp_equal - code equals expected, in time that depends only on expected's length. */
bool totp_equal(const char *code, const char *expected);

/* totp_base32 - RFC 4648 base32 of data without padding, NUL-terminated in out (which holds
 * (len * 8 + 4) / 5 + 1 bytes). */
void totp_base32(const uint8_t *data, size_t len, char *out);

#endif
