/* text - small text helpers shared by request validation, the decoders, the store and the
 * password module: lengths as JavaScript counts them, hex digits, timestamps as JSON shows
 * them. */
#ifndef AUTHFCGI_TEXT_H
#define AUTHFCGI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* text_utf16_length - the number of UTF-16 code units of the len bytes of UTF-8 at s, which is
 * what JavaScript's `string.length` reports and so what Better Auth's limits count: one per
 * code point up to U+FFFF, two per code point above (a surrogate pair). s need not be
 * NUL-terminated and may contain U+0000. Returns 0 with *out set, or -1 when s is not
 * well-formed UTF-8 (overlong forms, surrogates, values above U+10FFFF, truncated
 * sequences); *out is then untouched. */
int text_utf16_length(const char *s, size_t len, size_t *out);

/* text_fail - format one line of error text into err (errlen bytes, truncated to fit) and
 * return -1: the failure path of the functions that report into a caller's buffer. */
int text_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* text_hex_value - 0..15 for a hex digit in either case (c as an unsigned char), else -1:
 * what %XX escapes, JSON's \uXXXX and signed cookies are read with. */
int text_hex_value(int c);

/* text_hex_digit - the hex digit for v & 15: lower-case (what Node's toString("hex") writes),
 * or upper-case when upper (percent-escapes, quoted-printable). The one hex alphabet. */
char text_hex_digit(unsigned v, bool upper);

/* text_hex_encode - the len bytes at data as 2 * len lower-case hex digits and a NUL in out. */
void text_hex_encode(const unsigned char *data, size_t len, char *out);

/* Room for text_iso_time's output: "+275760-09-13T00:00:00.000Z" and the NUL. */
#define TEXT_ISO_TIME_SIZE 32

/* text_iso_time - Unix milliseconds as JavaScript's Date.toISOString() prints them and Better
 * Auth's JSON carries them: "2026-11-25T23:27:39.123Z" (UTC; milliseconds rounded down, before
 * 1970 too). out holds TEXT_ISO_TIME_SIZE bytes. Returns 0, or -1 for a time gmtime cannot
 * represent (out is then ""). */
int text_iso_time(int64_t ms, char out[TEXT_ISO_TIME_SIZE]);

/* text_next_item - the next comma-separated item of the list at *cursor, spaces and tabs
 * around it trimmed (*len may be 0: an empty item); false at the end of the list. *cursor moves
 * past the item (NULL after the last). */
bool text_next_item(const char **cursor, const char **start, size_t *len);

/* text_parse_int64 - a whole decimal number, as PostgreSQL prints a bigint: 0 with *out, or -1
 * for NULL, "", anything else, or a value out of range. */
int text_parse_int64(const char *s, int64_t *out);

#endif
