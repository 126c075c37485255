/* url - a WHATWG URL parser state machine reduced to the special schemes http and https,
 * plus the form-urlencoded parser and serialiser. The comments name the states of the URL
 * standard (https://url.spec.whatwg.org/) that each piece implements. */
#include "config.h"

#include "util/url.h"

#include "util/arena.h"
#include "util/text.h"
#include "util/utf8.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- a growable string in the arena (arena.h) ------------------------------------------ */

static void buf_addc(struct arena_buf *b, char c)
{
    arena_buf_add(b, &c, 1);
}

static void buf_adds(struct arena_buf *b, const char *s)
{
    arena_buf_add(b, s, strlen(s));
}

static void buf_add_pct(struct arena_buf *b, unsigned char c)
{
    char esc[3] = {'%', text_hex_digit(c >> 4, true), text_hex_digit(c, true)};
    arena_buf_add(b, esc, 3);
}

/* ---- percent-encode sets ----------------------------------------------------------------- */

enum encode_set { SET_FRAGMENT, SET_SPECIAL_QUERY, SET_PATH, SET_USERINFO };

/* in_set - the sets as Node 20 applies them (its path set does not yet include '^'). */
static bool in_set(unsigned char c, enum encode_set set)
{
    if (c < 0x20 || c > 0x7E) /* the C0 control percent-encode set */
        return true;
    switch (set) {
    case SET_FRAGMENT:
        return strchr(" \"<>`", c) != NULL;
    case SET_SPECIAL_QUERY:
        return strchr(" \"#<>'", c) != NULL;
    case SET_PATH:
        return strchr(" \"#<>?`{}", c) != NULL;
    case SET_USERINFO:
        return strchr(" \"#<>?`{}/:;=@[\\]^|", c) != NULL;
    }
    return true;
}

/* buf_add_encoded - append s, percent-encoding the bytes in set (a '%' is kept as is). */
static void buf_add_encoded(struct arena_buf *b, const char *s, size_t n, enum encode_set set)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_set(c, set))
            buf_add_pct(b, c);
        else
            buf_addc(b, (char)c);
    }
}

/* percent_decode - "%XX" to a byte, anything else (a lone '%' too) as it is; plus_is_space
 * for form-urlencoded input. Returns an arena copy of at most n bytes, NUL-terminated. */
static char *percent_decode(struct arena *a, const char *s, size_t n, bool plus_is_space,
                            size_t *out_len)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = text_hex_value((unsigned char)s[i + 1])) >= 0 &&
            (lo = text_hex_value((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ---- hosts ------------------------------------------------------------------------------- */

static bool is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ipv4_number - the IPv4 number parser: "0x" hex, leading-zero octal, or decimal. Values
 * beyond 2^32 are clamped (they fail later either way). */
static bool ipv4_number(const char *s, size_t n, uint64_t *out)
{
    if (n == 0)
        return false;
    unsigned radix = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        radix = 16;
        s += 2;
        n -= 2;
    } else if (n >= 2 && s[0] == '0') {
        radix = 8;
        s += 1;
        n -= 1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = text_hex_value((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= radix)
            return false;
        v = v * radix + (unsigned)d;
        if (v > UINT32_MAX)
            v = (uint64_t)UINT32_MAX + 1;
    }
    *out = v;
    return true;
}

/* ends_in_a_number - does the last label (ignoring one trailing dot) look numeric? Then the
 * host must parse as IPv4. */
static bool ends_in_a_number(const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '.') {
        if (memchr(s, '.', n - 1) == NULL)
            return false; /* a single label "1." is a domain */
        n--;
    }
    const char *dot = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '.') {
            dot = s + i - 1;
            break;
        }
    const char *last = dot ? dot + 1 : s;
    size_t last_len = (size_t)(s + n - last);
    if (last_len == 0)
        return false;
    bool digits = true;
    for (size_t i = 0; i < last_len; i++)
        digits = digits && is_ascii_digit(last[i]);
    uint64_t ignored;
    return digits || ipv4_number(last, last_len, &ignored);
}

/* parse_ipv4 - the IPv4 parser: up to four dot-separated numbers, the last one filling the
 * remaining bytes ("127.1" is 127.0.0.1). */
static bool parse_ipv4(const char *s, size_t n, uint32_t *out)
{
    uint64_t parts[4];
    size_t count = 0;
    if (n > 0 && s[n - 1] == '.')
        n--; /* one trailing dot is allowed */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (count == 4 || !ipv4_number(s + start, i - start, &parts[count]))
            return false;
        count++;
        start = i + 1;
    }
    for (size_t i = 0; i + 1 < count; i++)
        if (parts[i] > 255)
            return false;
    if (parts[count - 1] >= (uint64_t)1 << (8 * (5 - count)))
        return false;
    uint64_t v = parts[count - 1];
    for (size_t i = 0; i + 1 < count; i++)
        v += parts[i] << (8 * (3 - i));
    *out = (uint32_t)v;
    return true;
}

/* serialize_ipv6 - the URL standard's IPv6 serialiser: lower-case hex without leading zeros,
 * the first longest run of two or more zero pieces compressed to "::". */
static void serialize_ipv6(struct arena_buf *b, const unsigned char bytes[16])
{
    unsigned pieces[8];
    for (int i = 0; i < 8; i++)
        pieces[i] = (unsigned)bytes[2 * i] << 8 | bytes[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && pieces[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    buf_addc(b, '[');
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            buf_adds(b, i == 0 ? "::" : ":");
            i += best_len - 1;
            continue;
        }
        char tmp[5];
        int n = 0;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (pieces[i] >> shift) & 15;
            if (d || started || shift == 0) {
                tmp[n++] = text_hex_digit(d, false);
                started = true;
            }
        }
        arena_buf_add(b, tmp, (size_t)n);
        if (i < 7)
            buf_addc(b, ':');
    }
    buf_addc(b, ']');
}

/* parse_host - the host parser for special schemes; the serialised host into *out. */
static bool parse_host(struct arena *a, const char *s, size_t n, const char **out)
{
    struct arena_buf b;
    arena_buf_init(&b, a);
    if (n > 0 && s[0] == '[') {
        char tmp[INET6_ADDRSTRLEN];
        unsigned char bytes[16];
        if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof tmp)
            return false;
        memcpy(tmp, s + 1, n - 2);
        tmp[n - 2] = '\0';
        if (memchr(tmp, '\0', n - 2) || inet_pton(AF_INET6, tmp, bytes) != 1)
            return false;
        serialize_ipv6(&b, bytes);
        *out = b.s;
        return true;
    }

    size_t dlen;
    char *domain = percent_decode(a, s, n, false, &dlen);
    if (dlen == 0)
        return false;
    for (size_t i = 0; i < dlen; i++) {
        unsigned char c = (unsigned char)domain[i];
        if (c >= 0x80) /* would need IDNA (domain to ASCII): not supported */
            return false;
        if (c <= 0x20 || c == 0x7F || strchr("#%/:<>?@[\\]^|", c) != NULL)
            return false; /* forbidden domain code point */
        if (c >= 'A' && c <= 'Z')
            domain[i] = (char)(c - 'A' + 'a');
    }
    if (ends_in_a_number(domain, dlen)) {
        uint32_t v;
        if (!parse_ipv4(domain, dlen, &v))
            return false;
        *out = arena_printf(a, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
        return true;
    }
    *out = domain;
    return true;
}

/* ---- the parser -------------------------------------------------------------------------- */

struct segments {
    const char **s;
    size_t *len;
    size_t n;
};

/* is_single_dot - "." or "%2e": a segment the path parser drops. */
static bool is_single_dot(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 3 && strncasecmp(s, "%2e", 3) == 0);
}

/* is_double_dot - ".." in any mix with "%2e": a segment that removes its parent. */
static bool is_double_dot(const char *s, size_t n)
{
    if (n == 2)
        return s[0] == '.' && s[1] == '.';
    if (n == 4)
        return (s[0] == '.' && strncasecmp(s + 1, "%2e", 3) == 0) ||
               (strncasecmp(s, "%2e", 3) == 0 && s[3] == '.');
    return n == 6 && strncasecmp(s, "%2e%2e", 6) == 0;
}

static bool is_slash(char c)
{
    return c == '/' || c == '\\'; /* special schemes treat '\' as '/' */
}

struct parser {
    struct arena *a;
    const char *s;
    size_t n, i;
    struct url *u;
    struct segments path;
};

/* parse_query_and_fragment - query state and fragment state, from s[i] (after '?' or '#'). */
static void parse_query_and_fragment(struct parser *p, bool in_query)
{
    struct arena_buf b;
    if (in_query) {
        size_t end = p->i;
        while (end < p->n && p->s[end] != '#')
            end++;
        arena_buf_init(&b, p->a);
        buf_add_encoded(&b, p->s + p->i, end - p->i, SET_SPECIAL_QUERY);
        p->u->query = b.s;
        if (end == p->n)
            return;
        p->i = end + 1;
    }
    arena_buf_init(&b, p->a);
    buf_add_encoded(&b, p->s + p->i, p->n - p->i, SET_FRAGMENT);
    p->u->fragment = b.s;
    p->i = p->n;
}

/* parse_path - path state from s[i] onwards, appending to the segments already there. */
static void parse_path(struct parser *p)
{
    struct arena_buf seg;
    arena_buf_init(&seg, p->a);
    for (;;) {
        char c = p->i < p->n ? p->s[p->i] : '\0';
        bool end = p->i == p->n;
        if (end || is_slash(c) || c == '?' || c == '#') {
            bool slash = !end && is_slash(c);
            if (is_double_dot(seg.s, seg.len)) {
                if (p->path.n > 0)
                    p->path.n--;
                if (!slash) {
                    p->path.s[p->path.n] = "";
                    p->path.len[p->path.n++] = 0;
                }
            } else if (is_single_dot(seg.s, seg.len)) {
                if (!slash) {
                    p->path.s[p->path.n] = "";
                    p->path.len[p->path.n++] = 0;
                }
            } else {
                p->path.s[p->path.n] = seg.s;
                p->path.len[p->path.n++] = seg.len;
            }
            if (end)
                return;
            p->i++;
            if (c == '?' || c == '#') {
                parse_query_and_fragment(p, c == '?');
                return;
            }
            arena_buf_init(&seg, p->a);
            continue;
        }
        buf_add_encoded(&seg, &c, 1, SET_PATH);
        p->i++;
    }
}

/* parse_authority - authority state, host state and port state, up to the path. */
static bool parse_authority(struct parser *p)
{
    size_t end = p->i;
    while (end < p->n && !is_slash(p->s[end]) && p->s[end] != '?' && p->s[end] != '#')
        end++;
    const char *auth = p->s + p->i;
    size_t alen = end - p->i;
    p->i = end;

    const char *at = NULL;
    for (size_t k = 0; k < alen; k++)
        if (auth[k] == '@')
            at = auth + k;
    struct arena_buf user, pass;
    arena_buf_init(&user, p->a);
    arena_buf_init(&pass, p->a);
    if (at != NULL) {
        size_t ulen = (size_t)(at - auth);
        const char *colon = memchr(auth, ':', ulen);
        size_t name_len = colon ? (size_t)(colon - auth) : ulen;
        buf_add_encoded(&user, auth, name_len, SET_USERINFO);
        if (colon)
            buf_add_encoded(&pass, colon + 1, ulen - name_len - 1, SET_USERINFO);
        alen -= ulen + 1;
        auth = at + 1;
    }
    p->u->username = user.s;
    p->u->password = pass.s;

    size_t host_len = alen;
    bool brackets = false;
    for (size_t k = 0; k < alen; k++) {
        if (auth[k] == '[')
            brackets = true;
        else if (auth[k] == ']')
            brackets = false;
        else if (auth[k] == ':' && !brackets) {
            host_len = k;
            break;
        }
    }
    if (host_len == 0 || !parse_host(p->a, auth, host_len, &p->u->host))
        return false;

    p->u->port = -1;
    if (host_len < alen) {
        long port = 0;
        for (size_t k = host_len + 1; k < alen; k++) {
            if (!is_ascii_digit(auth[k]))
                return false;
            port = port * 10 + (auth[k] - '0');
            if (port > 65535)
                return false;
        }
        if (alen - host_len > 1 && port != (p->u->https ? 443 : 80))
            p->u->port = (int)port;
    }
    return true;
}

/* copy_base_path - the base URL's path as segments; drop_last for a path-relative input. */
static void copy_base_path(struct parser *p, const struct url *base, bool drop_last)
{
    const char *s = base->path + 1; /* skip the leading '/' */
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        p->path.s[p->path.n] = s;
        p->path.len[p->path.n++] = len;
        if (!slash)
            break;
        s = slash + 1;
    }
    if (drop_last && p->path.n > 0)
        p->path.n--;
}

/* parse_relative - relative state: what input without its own authority takes from base. */
static bool parse_relative(struct parser *p, const struct url *base)
{
    struct url *u = p->u;
    u->https = base->https;
    u->username = base->username;
    u->password = base->password;
    u->host = base->host;
    u->port = base->port;
    if (p->i < p->n && is_slash(p->s[p->i])) {
        if (p->i + 1 < p->n && is_slash(p->s[p->i + 1])) { /* "//host": relative slash state */
            p->i += 2;
            while (p->i < p->n && is_slash(p->s[p->i]))
                p->i++;
            if (!parse_authority(p))
                return false;
        }
        if (p->i < p->n && is_slash(p->s[p->i])) /* path start state */
            p->i++;
        parse_path(p);
        return true;
    }
    if (p->i == p->n) {
        copy_base_path(p, base, false);
        u->query = base->query;
        return true;
    }
    if (p->s[p->i] == '?' || p->s[p->i] == '#') {
        copy_base_path(p, base, false);
        if (p->s[p->i] == '#')
            u->query = base->query;
        p->i++;
        parse_query_and_fragment(p, p->s[p->i - 1] == '?');
        return true;
    }
    copy_base_path(p, base, true);
    parse_path(p);
    return true;
}

/* strip_input - leading/trailing C0 control or space removed, ASCII tab and newline removed
 * everywhere (the first steps of the basic URL parser). */
static char *strip_input(struct arena *a, const char *in, size_t len, size_t *out_len)
{
    while (len > 0 && (unsigned char)in[0] <= 0x20) {
        in++;
        len--;
    }
    while (len > 0 && (unsigned char)in[len - 1] <= 0x20)
        len--;
    char *s = arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
            s[n++] = in[i];
    *out_len = n;
    return s;
}

static bool is_ascii_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* scheme_length - the length of a leading "scheme:" (without the colon), or 0 for none. */
static size_t scheme_length(const char *s, size_t n)
{
    if (n == 0 || !is_ascii_alpha(s[0]))
        return 0;
    size_t k = 1;
    while (k < n && (is_ascii_alpha(s[k]) || is_ascii_digit(s[k]) || s[k] == '+' || s[k] == '-' ||
                     s[k] == '.'))
        k++;
    return k < n && s[k] == ':' ? k : 0;
}

/* path_segment_count - how many segments base's path has (1 without a base). */
static size_t path_segment_count(const struct url *base)
{
    size_t count = 1;
    for (const char *c = base ? base->path : ""; *c; c++)
        count += *c == '/';
    return count;
}

/* url_parse - see url.h. */
enum url_status url_parse(struct arena *a, const char *input, size_t len, const struct url *base,
                          struct url *out)
{
    struct parser p = {.a = a, .u = out};
    p.s = strip_input(a, input, len, &p.n);
    *out = (struct url){.username = "", .password = "", .port = -1};

    /* Room for every segment: one per byte of input plus the base's. */
    size_t max_segments = p.n + path_segment_count(base) + 1;
    p.path.s = arena_alloc(a, max_segments * sizeof *p.path.s);
    p.path.len = arena_alloc(a, max_segments * sizeof *p.path.len);

    size_t scheme_len = scheme_length(p.s, p.n);
    bool ok;
    if (scheme_len > 0) {
        if (scheme_len == 4 && strncasecmp(p.s, "http", 4) == 0)
            out->https = false;
        else if (scheme_len == 5 && strncasecmp(p.s, "https", 5) == 0)
            out->https = true;
        else
            return URL_OTHER_SCHEME;
        p.i = scheme_len + 1;
        if (base != NULL && base->https == out->https &&
            !(p.i + 1 < p.n && p.s[p.i] == '/' && p.s[p.i + 1] == '/')) {
            /* "http:foo" against an http base: special relative or authority state */
            ok = parse_relative(&p, base);
        } else {
            while (p.i < p.n && is_slash(p.s[p.i])) /* special authority ignore slashes */
                p.i++;
            ok = parse_authority(&p);
            if (ok) {
                if (p.i < p.n && is_slash(p.s[p.i])) /* path start state */
                    p.i++;
                parse_path(&p);
            }
        }
    } else {
        if (base == NULL)
            return URL_INVALID;
        ok = parse_relative(&p, base);
    }
    if (!ok)
        return URL_INVALID;

    struct arena_buf path;
    arena_buf_init(&path, a);
    for (size_t k = 0; k < p.path.n; k++) {
        buf_addc(&path, '/');
        arena_buf_add(&path, p.path.s[k], p.path.len[k]);
    }
    if (path.len == 0)
        buf_addc(&path, '/');
    out->path = path.s;
    return URL_OK;
}

/* add_scheme_authority - "scheme://[userinfo@]host[:port]"; userinfo only for href. */
static void add_scheme_authority(struct arena_buf *b, const struct url *u, bool userinfo)
{
    buf_adds(b, u->https ? "https://" : "http://");
    if (userinfo && (u->username[0] || u->password[0])) {
        buf_adds(b, u->username);
        if (u->password[0]) {
            buf_addc(b, ':');
            buf_adds(b, u->password);
        }
        buf_addc(b, '@');
    }
    buf_adds(b, u->host);
    if (u->port >= 0) {
        char port[8];
        int n = snprintf(port, sizeof port, ":%d", u->port);
        arena_buf_add(b, port, (size_t)n);
    }
}

/* add_path_query_fragment - "/path[?query][#fragment]". */
static void add_path_query_fragment(struct arena_buf *b, const struct url *u)
{
    buf_adds(b, u->path);
    if (u->query) {
        buf_addc(b, '?');
        buf_adds(b, u->query);
    }
    if (u->fragment) {
        buf_addc(b, '#');
        buf_adds(b, u->fragment);
    }
}

/* url_origin - see url.h. */
char *url_origin(struct arena *a, const struct url *u)
{
    struct arena_buf b;
    arena_buf_init(&b, a);
    add_scheme_authority(&b, u, false);
    return b.s;
}

/* url_href - see url.h. */
char *url_href(struct arena *a, const struct url *u)
{
    struct arena_buf b;
    arena_buf_init(&b, a);
    add_scheme_authority(&b, u, true);
    add_path_query_fragment(&b, u);
    return b.s;
}

/* url_path_query_fragment - see url.h. */
char *url_path_query_fragment(struct arena *a, const struct url *u)
{
    struct arena_buf b;
    arena_buf_init(&b, a);
    add_path_query_fragment(&b, u);
    return b.s;
}

/* ---- application/x-www-form-urlencoded --------------------------------------------------- */

static char *form_decode(struct arena *a, const char *s, size_t n, size_t *out_len)
{
    size_t raw_len;
    char *raw = percent_decode(a, s, n, true, &raw_len);
    if (utf8_is_valid(raw, raw_len)) {
        *out_len = raw_len;
        return raw;
    }
    char *text = arena_alloc(a, UTF8_LOSSY_MAX(raw_len) + 1);
    *out_len = utf8_decode_lossy(text, raw, raw_len);
    text[*out_len] = '\0';
    return text;
}

/* url_form_parse - see url.h. */
void url_form_parse(struct arena *a, const char *s, size_t len, url_form_fn fn, void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '&')
            continue;
        if (i > start) {
            const char *piece = s + start;
            size_t n = i - start;
            const char *eq = memchr(piece, '=', n);
            size_t name_raw = eq ? (size_t)(eq - piece) : n;
            size_t name_len, value_len;
            char *name = form_decode(a, piece, name_raw, &name_len);
            char *value = eq ? form_decode(a, eq + 1, n - name_raw - 1, &value_len)
                             : form_decode(a, "", 0, &value_len);
            fn(ctx, name, name_len, value, value_len);
        }
        start = i + 1;
    }
}

/* form_encode - the urlencoded byte serialiser: [*-._0-9A-Za-z] kept, space as '+'. */
static void form_encode(struct arena_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ')
            buf_addc(b, '+');
        else if (is_ascii_alpha((char)c) || is_ascii_digit((char)c) || strchr("*-._", c) != NULL)
            buf_addc(b, (char)c);
        else
            buf_add_pct(b, c);
    }
}

struct pair {
    const char *name, *value;
    size_t name_len, value_len;
};

struct pair_list {
    struct pair *v;
    size_t n;
};

/* collect_pair - url_form_fn that appends to a struct pair_list. */
static void collect_pair(void *ctx, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    struct pair_list *list = ctx;
    list->v[list->n++] = (struct pair){name, value, name_len, value_len};
}

/* url_search_set - see url.h. */
void url_search_set(struct arena *a, struct url *u, const char *name, const char *value)
{
    const char *q = u->query ? u->query : "";
    size_t qlen = strlen(q), max = 1;
    for (size_t i = 0; i < qlen; i++)
        max += q[i] == '&';
    struct pair_list list = {arena_alloc(a, (max + 1) * sizeof *list.v), 0};
    url_form_parse(a, q, qlen, collect_pair, &list);

    size_t name_len = strlen(name), value_len = strlen(value), kept = 0;
    bool found = false;
    for (size_t i = 0; i < list.n; i++) {
        struct pair *pr = &list.v[i];
        if (pr->name_len == name_len && memcmp(pr->name, name, name_len) == 0) {
            if (found)
                continue; /* later pairs of the same name are removed */
            found = true;
            pr->value = value;
            pr->value_len = value_len;
        }
        list.v[kept++] = *pr;
    }
    list.n = kept;
    if (!found)
        list.v[list.n++] = (struct pair){name, value, name_len, value_len};

    struct arena_buf b;
    arena_buf_init(&b, a);
    for (size_t i = 0; i < list.n; i++) {
        if (i > 0)
            buf_addc(&b, '&');
        form_encode(&b, list.v[i].name, list.v[i].name_len);
        buf_addc(&b, '=');
        form_encode(&b, list.v[i].value, list.v[i].value_len);
    }
    u->query = b.s;
}

/* url_search_append - see url.h. */
void url_search_append(struct arena *a, struct url *u, const char *name, const char *value)
{
    struct arena_buf b;
    arena_buf_init(&b, a);
    /* The search getter shows nothing for an empty query; the setter re-encodes the text
     * with the special-query set ('%' itself is left alone). */
    if (u->query && u->query[0]) {
        buf_adds(&b, u->query);
        if (u->query[strlen(u->query) - 1] != '&')
            buf_addc(&b, '&');
    }
    form_encode(&b, name, strlen(name));
    buf_addc(&b, '=');
    form_encode(&b, value, strlen(value));
    struct arena_buf q;
    arena_buf_init(&q, a);
    buf_add_encoded(&q, b.s, b.len, SET_SPECIAL_QUERY);
    u->query = q.s;
}
