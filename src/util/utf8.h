/* utf8 - turning untrusted bytes into well-formed UTF-8 the way browsers and Node do (the
 * WHATWG Encoding standard's "UTF-8 decode": every maximal invalid subsequence becomes one
 * U+FFFD). Better Auth sees request bodies and query values only after that decoding, so we
 * apply it too: what reaches a handler or the database is always valid UTF-8. */
#ifndef AUTHFCGI_UTF8_H
#define AUTHFCGI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Worst case growth of utf8_decode_lossy: one invalid byte becomes three (EF BF BD). */
#define UTF8_LOSSY_MAX(len) (3 * (len))

/* utf8_is_valid - true when the len bytes at s are well-formed UTF-8 (no overlong forms,
 * surrogates or values above U+10FFFF). s may contain U+0000. */
bool utf8_is_valid(const char *s, size_t len);

/* utf8_decode_lossy - copy len bytes of src to dst replacing each maximal ill-formed
 * subsequence by U+FFFD, exactly as TextDecoder("utf-8") does (a leading BOM is kept: strip
 * it yourself where the standard says so). dst must hold UTF8_LOSSY_MAX(len) bytes; no NUL is
 * written. Returns the number of bytes written. */
size_t utf8_decode_lossy(char *dst, const char *src, size_t len);

/* utf8_encode - write code point cp (at most U+10FFFF, not a surrogate) as 1-4 bytes at dst;
 * returns the count. */
size_t utf8_encode(char *dst, uint32_t cp);

#endif
