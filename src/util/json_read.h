/* json_read - a strict reader for JSON request bodies: it accepts exactly the texts
 * JavaScript's JSON.parse accepts (RFC 8259: no comments, no trailing commas, no NaN or
 * Infinity literals, no "1." or "01", no raw control characters in strings, any nesting
 * depth) and hands back the top-level value and, for an object, its members.
 *
 * Why not json-c (which builds our responses): in strict mode json-c 0.16 still accepts NaN,
 * Infinity, "1." and raw tabs in strings, truncates member names at an escaped U+0000, and
 * keeps heap copies of every string it parsed (passwords) that we cannot wipe. Request bodies
 * need none of json-c's tree, only the top-level members, and this reader puts every byte it
 * produces in the request arena, which is wiped after the request. */
#ifndef AUTHFCGI_JSON_READ_H
#define AUTHFCGI_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum json_kind { JSON_NULL, JSON_BOOLEAN, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
    enum json_kind kind;
    const char *str; /* JSON_STRING: decoded, NUL-terminated, in the arena; may hold U+0000 */
    size_t len;      /* JSON_STRING: bytes at str */
    bool boolean;    /* JSON_BOOLEAN */
    double number;   /* JSON_NUMBER: the double JavaScript reads (+-HUGE_VAL beyond range) */
};

/* Called once per member of a top-level object, in document order; a repeated name is
 * reported each time (JSON.parse keeps the last). For a member whose value is an array or
 * object only the kind is filled in. key and value live in the arena. */
typedef void (*json_member_fn)(void *ctx, const char *key, size_t key_len,
                               const struct json_value *value);

/* json_read - read the len bytes of text, which must be valid UTF-8 (decode it the way
 * TextDecoder does first; strings then come out valid UTF-8 too, with lone surrogate escapes
 * turned into U+FFFD as JavaScript does when it writes a string out as UTF-8). Leading and
 * trailing JSON whitespace is allowed. Returns 0 with *top filled in and on_member (may be
 * NULL) called for each member of a top-level object, or -1 when the text is not valid JSON;
 * on_member is never called for invalid text. */
int json_read(struct arena *a, const char *text, size_t len, struct json_value *top,
              json_member_fn on_member, void *ctx);

#endif
