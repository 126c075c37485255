/* email - the e-mail rules Better Auth applies: zod 4's default e-mail pattern and the
 * lower-casing done before every store and lookup.
 *
 * The pattern (zod 4.6.7, `z.email()`) is ^LOCAL@DOMAIN$ with
 *   LOCAL  = (?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]
 *   DOMAIN = (?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}
 * It is ASCII only: no quoted local parts, no IP-literal domains, no internationalised
 * addresses. Matched by hand, no regex library. */
#ifndef AUTHFCGI_EMAIL_H
#define AUTHFCGI_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

/* email_is_valid - true when the len bytes at s match the pattern above in full. Any byte
 * outside ASCII, or a U+0000, makes the address invalid. */
bool email_is_valid(const char *s, size_t len);

/* email_lowercase - lower-case A-Z in place, as JavaScript's toLowerCase() does for ASCII.
 * Bytes above 0x7F are left alone: only addresses that passed email_is_valid (pure ASCII)
 * are ever lower-cased for storage, so Unicode case mapping can never matter. */
void email_lowercase(char *s, size_t len);

#endif
