/* cookie - Better Auth's cookies: their names, the HMAC-SHA256 signature on their values,
 * reading a Cookie header by Better Auth's exact rules, the Set-Cookie lines it sends, and
 * `Authorization: Bearer` values as its bearer plugin accepts them (PROTOCOL.md §3, §11).
 *
 * Nothing here allocates. Results go into caller buffers sized with the constants below, or
 * are static strings. struct cookie_config is read-only after cookie_config_init and may be
 * shared by any number of requests; reading a signed value remembers the last one verified
 * (process-wide, so one request at a time, like util/digest.h). */
#ifndef AUTHFCGI_COOKIE_H
#define AUTHFCGI_COOKIE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Padded standard base64 of an HMAC-SHA256: 43 characters and one '='. */
#define COOKIE_SIGNATURE_LEN 44
/* The longest value this module signs or accepts as signed, without its signature. Better
 * Auth's are 32-character tokens or "true"; anything longer is refused, never truncated. */
#define COOKIE_VALUE_MAX 255
/* Buffer size for a signed value "value.signature" and its NUL. */
#define COOKIE_SIGNED_SIZE (COOKIE_VALUE_MAX + 1 + COOKIE_SIGNATURE_LEN + 1)
/* Buffer size for a signed value once percent-encoded (every byte may become 3), and NUL. */
#define COOKIE_ENCODED_SIZE (3 * (COOKIE_SIGNED_SIZE - 1) + 1)
/* Buffer size for one Set-Cookie header value: name, encoded value, attributes. */
#define COOKIE_LINE_SIZE (COOKIE_ENCODED_SIZE + 128)
/* Session cookie lifetime, Better Auth's `session.expiresIn` default (7 days). */
#define COOKIE_SESSION_MAX_AGE 604800
/* How many lines cookie_deletion_lines returns. */
#define COOKIE_DELETION_COUNT 3

enum cookie_kind {
    COOKIE_SESSION_TOKEN, /* better-auth.session_token: the signed session token */
    COOKIE_SESSION_DATA,  /* better-auth.session_data: Better Auth's cookie cache (unused) */
    COOKIE_DONT_REMEMBER, /* better-auth.dont_remember: signed "true" for rememberMe:false */
    COOKIE_ADMIN_SESSION, /* better-auth.admin_session: the admin plugin's signed
                             "<admin's token>:<its dont_remember value>" while impersonating */
    COOKIE_TWO_FACTOR,    /* better-auth.two_factor: a pending second step (two_factor.c) */
    COOKIE_TRUST_DEVICE,  /* better-auth.trust_device: a device that skips the second step */
    COOKIE_KIND__MAX
};

enum cookie_status {
    COOKIE_OK,      /* found (and, where asked, the signature verified); value written */
    COOKIE_ABSENT,  /* no such cookie, no header, or an empty value */
    COOKIE_INVALID, /* present but unusable: unsigned, malformed, too long, wrong signature */
    COOKIE_FAIL,    /* libcrypto failed: an internal error, not the client's */
};

struct cookie_config {
    const char *secret; /* borrowed: must outlive the config */
    size_t secret_len;
    bool secure; /* https base URL: "__Secure-" names and the Secure attribute */
    /* A bare token (no signature) counts as a Bearer value, as Better Auth's bearer plugin
     * takes it by default. False (cookie_config_init's choice) is its requireSignature: true:
     * the token alone, which get-session shows any script on the page, opens no session. */
    bool bearer_unsigned;
};

/* cookie_config_init - once per worker. secret is the HMAC key (its bytes, as Better Auth's
 * TextEncoder would give them); secure is whether the base URL is https. bearer_unsigned
 * starts false; set it right after, before the config is shared. */
void cookie_config_init(struct cookie_config *c, const char *secret, bool secure);

/* cookie_name - the cookie's name as sent and as read: with the "__Secure-" prefix exactly
 * when c->secure (Better Auth then ignores the unprefixed name, and vice versa). Static. */
const char *cookie_name(const struct cookie_config *c, enum cookie_kind kind);

/* cookie_sign - out = value "." base64(HMAC-SHA256(secret, value)), the decoded signed form
 * (Better Auth's `set-auth-token` header). value must be 1..COOKIE_VALUE_MAX bytes.
 * COOKIE_SIGNED_SIZE is always enough. Returns 0, or -1 when value is empty or too long, out
 * too small, or libcrypto fails. */
int cookie_sign(const struct cookie_config *c, const char *value, char *out, size_t outlen);

/* cookie_encode_component - JavaScript's encodeURIComponent over the bytes of in (UTF-8):
 * A-Z a-z 0-9 and -_.!~*'() stay, every other byte becomes %XX (upper-case hex). For signed
 * tokens only '+', '/' and '=' change. Returns 0, or -1 when out (3 * strlen(in) + 1 is always
 * enough) is too small. */
int cookie_encode_component(const char *in, char *out, size_t outlen);

/* cookie_session_line - the Set-Cookie value for a new or refreshed session:
 * `NAME=encoded(token.sig); Max-Age=604800; Path=/; HttpOnly; [Secure; ]SameSite=Lax`, without
 * Max-Age (a browser-session cookie) when remember is false. COOKIE_LINE_SIZE is enough.
 * Returns 0 or -1 as cookie_sign. */
int cookie_session_line(const struct cookie_config *c, const char *token, bool remember, char *out,
                        size_t outlen);

/* cookie_dont_remember_line - the Set-Cookie value Better Auth adds for rememberMe:false:
 * `NAME=encoded(true.sig); Path=/; HttpOnly; [Secure; ]SameSite=Lax`. Returns 0 or -1. */
/* cookie_admin_session_line - "better-auth.admin_session=<signed value>; Max-Age=604800; ..."
 * (the admin plugin, while impersonating); cookie_admin_session_deletion - the line that
 * expires it. Returns 0 or -1, as cookie_session_line. */
int cookie_admin_session_line(const struct cookie_config *c, const char *value, char *out,
                              size_t outlen);
const char *cookie_admin_session_deletion(const struct cookie_config *c);
int cookie_dont_remember_line(const struct cookie_config *c, char *out, size_t outlen);

/* cookie_signed_line - `NAME=encoded(value.sig); Max-Age=max_age; Path=/; ...` for any kind
 * (no Max-Age when max_age is 0). COOKIE_LINE_SIZE is enough. Returns 0 or -1. */
int cookie_signed_line(const struct cookie_config *c, enum cookie_kind kind, const char *value,
                       int max_age, char *out, size_t outlen);

/* cookie_expire_line - `NAME=; Max-Age=0; Path=/; ...`, as Better Auth expires a cookie.
 * Returns 0, or -1 when out is too small. */
int cookie_expire_line(const struct cookie_config *c, enum cookie_kind kind, char *out,
                       size_t outlen);

/* cookie_deletion_lines - the COOKIE_DELETION_COUNT Set-Cookie values that log a browser out
 * (session_token, session_data, dont_remember, each `=; Max-Age=0; ...`), in the order Better
 * Auth sends them. Static. */
const char *const *cookie_deletion_lines(const struct cookie_config *c);

/* Most lines cookie_chunk_deletions returns: the cookie and chunks enough for any value
 * Better Auth writes (its cap is 100 chunks; a request carrying more keeps the rest). */
#define COOKIE_CHUNK_DELETIONS_MAX 101

/* cookie_chunk_deletions - the lines Better Auth's session store sends when it cleans a cookie
 * that may come in chunks (session_data, session_data.0, .1, ...): one deletion line
 * (cookie_expire_line's form) for every distinct cookie of the Cookie header (may be NULL)
 * called kind's name, or that name, a dot and a chunk index (digits without a leading zero),
 * in the order they first come. Pairs better-auth's parseCookies skips (no '=', a value with
 * a quote, backslash, ';' or a byte outside printable ASCII) count for nothing. Lines are
 * arena strings in out (room for COOKIE_CHUNK_DELETIONS_MAX); returns how many. */
size_t cookie_chunk_deletions(struct arena *a, const struct cookie_config *c, enum cookie_kind kind,
                              const char *header, const char *out[COOKIE_CHUNK_DELETIONS_MAX]);

/* cookie_get - the value of the first cookie called name in a Cookie header (may be NULL),
 * read as Better Auth reads it: pairs split on ';' (a pair without '=' is skipped), name and
 * value trimmed, the FIRST pair with the name wins even when its value is unusable, one
 * surrounding pair of double quotes removed, and a value containing '%' percent-decoded
 * unless an escape is malformed (then it is used as it stands). Returns COOKIE_OK with the
 * value in out, COOKIE_ABSENT (none, or empty), or COOKIE_INVALID (the value does not fit
 * outlen, or decodes to a NUL byte). */
enum cookie_status cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* cookie_read_signed - the verified value of a signed cookie (the session token, or "true"
 * for dont_remember) from a Cookie header (may be NULL): cookie_get, then split at the LAST
 * '.', the signature exactly COOKIE_SIGNATURE_LEN characters ending in '=' and equal, in
 * constant time, to the value's HMAC. A bad signature is COOKIE_INVALID, like an unsigned or
 * garbled value: the caller treats all of them as no cookie, and must not look the value up.
 * out gets the value (token) on COOKIE_OK only; COOKIE_VALUE_MAX + 1 is always enough. */
enum cookie_status cookie_read_signed(const struct cookie_config *c, const char *header,
                                      enum cookie_kind kind, char *out, size_t outlen);

/* cookie_read_bearer - the session token carried by an Authorization header (may be NULL), as
 * Better Auth's bearer plugin takes it. The scheme is "Bearer " in any case; the rest,
 * trimmed, is either `token.sig`, raw or percent-encoded, verified like a cookie, or a raw
 * token without '.': with c->bearer_unsigned accepted as if signed (only a database lookup
 * can tell whether it is real), else refused. COOKIE_ABSENT when the header is missing,
 * another scheme, or empty: the caller then reads the Cookie header. COOKIE_INVALID when a
 * signed form does not verify or an unsigned one is refused: Better Auth then ignores the
 * header and falls back to the cookie too. */
enum cookie_status cookie_read_bearer(const struct cookie_config *c, const char *authorization,
                                      char *out, size_t outlen);

#endif
