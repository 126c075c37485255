/* json_read - an iterative RFC 8259 reader. Two passes over the text: the first only checks
 * it (so nothing is reported for invalid JSON), the second decodes the top-level value and
 * the members of a top-level object. Nesting is tracked in a bit stack (object or array per
 * level) sized from the text, so depth is bounded only by the body size, as in JSON.parse. */
#include "config.h"

#include "util/json_read.h"

#include "util/arena.h"
#include "util/text.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    const char *s;
    size_t len, pos;
    struct arena *arena;
    unsigned char *stack; /* bit d set: level d+1 is an object */
    size_t depth;
    bool emit; /* second pass: decode and report */
    struct json_value *top;
    json_member_fn on_member;
    void *ctx;
    const char *key; /* name of the top-level member being read (emit pass) */
    size_t key_len;
};

static int peek(const struct reader *r)
{
    return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void skip_ws(struct reader *r)
{
    while (r->pos < r->len) {
        char c = r->s[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        r->pos++;
    }
}

static bool in_object(const struct reader *r)
{
    size_t d = r->depth - 1;
    return (r->stack[d / 8] >> (d % 8)) & 1u;
}

static void push(struct reader *r, bool object)
{
    size_t d = r->depth++;
    if (object)
        r->stack[d / 8] |= (unsigned char)(1u << (d % 8));
    else
        r->stack[d / 8] &= (unsigned char)~(1u << (d % 8));
}

/* read_hex4 - the 4 hex digits at s (already checked to exist) as a UTF-16 code unit. */
static uint32_t read_hex4(const char *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 4) | (uint32_t)text_hex_value((unsigned char)s[i]);
    return v;
}

/* decode_string - the n raw bytes between the quotes (already checked) into the arena.
 * Escaped UTF-16 pairs are joined; a lone surrogate becomes U+FFFD. */
static char *decode_string(struct arena *a, const char *s, size_t n, size_t *out_len)
{
    /* Every escape is at least as long as its UTF-8 output, so n bytes suffice. */
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            uint32_t unit = read_hex4(s + i);
            i += 4;
            if (unit >= 0xD800 && unit <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                uint32_t low = read_hex4(s + i + 2);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    i += 6;
                    o += utf8_encode(out + o, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                    break;
                }
            }
            if (unit >= 0xD800 && unit <= 0xDFFF)
                unit = 0xFFFD;
            o += utf8_encode(out + o, unit);
            break;
        }
        default: /* '"', '\\', '/' */
            out[o++] = e;
            break;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* read_string - at '"': check the string and, when decode, decode it. */
static int read_string(struct reader *r, bool decode, const char **str, size_t *len)
{
    size_t start = ++r->pos;
    for (;;) {
        int c = peek(r);
        if (c < 0x20) /* end of text, or a raw control character */
            return -1;
        if (c == '"')
            break;
        r->pos++;
        if (c != '\\')
            continue;
        c = peek(r);
        if (c < 0 || strchr("\"\\/bfnrtu", c) == NULL)
            return -1;
        r->pos++;
        if (c == 'u') {
            for (int i = 0; i < 4; i++, r->pos++)
                if (text_hex_value(peek(r)) < 0)
                    return -1;
        }
    }
    size_t end = r->pos++;
    if (decode)
        *str = decode_string(r->arena, r->s + start, end - start, len);
    return 0;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* read_number - -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int read_number(struct reader *r, bool decode, double *value)
{
    size_t start = r->pos;
    if (peek(r) == '-')
        r->pos++;
    if (peek(r) == '0') {
        r->pos++;
    } else if (is_digit(peek(r))) {
        while (is_digit(peek(r)))
            r->pos++;
    } else {
        return -1;
    }
    if (peek(r) == '.') {
        r->pos++;
        if (!is_digit(peek(r)))
            return -1;
        while (is_digit(peek(r)))
            r->pos++;
    }
    if (peek(r) == 'e' || peek(r) == 'E') {
        r->pos++;
        if (peek(r) == '+' || peek(r) == '-')
            r->pos++;
        if (!is_digit(peek(r)))
            return -1;
        while (is_digit(peek(r)))
            r->pos++;
    }
    if (decode) {
        /* strtod needs a terminator; the program never calls setlocale, so the decimal
         * point is '.'. Overflow gives +-HUGE_VAL, JavaScript's Infinity. */
        char *copy = arena_strndup(r->arena, r->s + start, r->pos - start);
        *value = strtod(copy, NULL);
    }
    return 0;
}

static int read_literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
        return -1;
    r->pos += n;
    return 0;
}

/* wanted - is the value about to be read the top-level value or a top-level member? */
static bool wanted(const struct reader *r)
{
    return r->emit && (r->depth == 0 || (r->depth == 1 && in_object(r)));
}

/* report - hand a wanted value over: the top-level value, or a member to on_member. */
static void report(struct reader *r, const struct json_value *v)
{
    if (r->depth == 0)
        *r->top = *v;
    else if (r->on_member)
        r->on_member(r->ctx, r->key, r->key_len, v);
}

/* read_member_name - at a member: "name" ws ':' ws. */
static int read_member_name(struct reader *r)
{
    if (peek(r) != '"')
        return -1;
    bool decode = r->emit && r->depth == 1;
    if (read_string(r, decode, &r->key, &r->key_len) < 0)
        return -1;
    skip_ws(r);
    if (peek(r) != ':')
        return -1;
    r->pos++;
    skip_ws(r);
    return 0;
}

/* read_scalar - a string, number or literal, reported when wanted. */
static int read_scalar(struct reader *r)
{
    struct json_value v = {.kind = JSON_NULL};
    bool want = wanted(r);
    int c = peek(r), rc;
    if (c == '"') {
        v.kind = JSON_STRING;
        rc = read_string(r, want, &v.str, &v.len);
    } else if (c == 't' || c == 'f') {
        v.kind = JSON_BOOLEAN;
        v.boolean = c == 't';
        rc = read_literal(r, c == 't' ? "true" : "false");
    } else if (c == 'n') {
        rc = read_literal(r, "null");
    } else {
        v.kind = JSON_NUMBER;
        rc = read_number(r, want, &v.number);
    }
    if (rc == 0 && want)
        report(r, &v);
    return rc;
}

/* parse - one pass over the whole text. */
static int parse(struct reader *r)
{
    r->pos = 0;
    r->depth = 0;
    skip_ws(r);
    for (;;) {
        /* A value starts here. */
        int c = peek(r);
        if (c == '{' || c == '[') {
            if (wanted(r)) {
                struct json_value v = {.kind = c == '{' ? JSON_OBJECT : JSON_ARRAY};
                report(r, &v);
            }
            push(r, c == '{');
            r->pos++;
            skip_ws(r);
            if (peek(r) != (c == '{' ? '}' : ']')) {
                if (c == '{' && read_member_name(r) < 0)
                    return -1;
                continue;
            }
            r->pos++; /* empty container */
            r->depth--;
        } else if (read_scalar(r) < 0) {
            return -1;
        }

        /* After a value: close containers until another value is due, or the text ends. */
        for (;;) {
            skip_ws(r);
            if (r->depth == 0)
                return r->pos == r->len ? 0 : -1;
            bool object = in_object(r);
            c = peek(r);
            if (c == ',') {
                r->pos++;
                skip_ws(r);
                if (object && read_member_name(r) < 0)
                    return -1;
                break;
            }
            if (c != (object ? '}' : ']'))
                return -1;
            r->pos++;
            r->depth--;
        }
    }
}

/* json_read - see json_read.h. */
int json_read(struct arena *a, const char *text, size_t len, struct json_value *top,
              json_member_fn on_member, void *ctx)
{
    struct reader r = {
        .s = text,
        .len = len,
        .arena = a,
        /* Each level needs at least one byte of text, so len levels at most. */
        .stack = arena_alloc(a, len / 8 + 1),
        .top = top,
        .on_member = on_member,
        .ctx = ctx,
    };
    if (parse(&r) < 0)
        return -1;
    r.emit = true;
    return parse(&r);
}
