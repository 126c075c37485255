/* cookie - Better Auth's cookie names, HMAC-SHA256 signatures, Cookie header reading, Set-Cookie
 * lines and bearer values. The reading rules copy better-call's parseCookies/getSignedCookie
 * and the bearer plugin of better-auth 1.7.25; comments say where we knowingly differ. */
#include "config.h"

#include "auth/cookie.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/arena.h"
#include "util/digest.h"
#include "util/text.h"

#define SECURE_PREFIX "__Secure-"
#define ATTRIBUTES "Path=/; HttpOnly; SameSite=Lax"
#define SECURE_ATTRIBUTES "Path=/; HttpOnly; Secure; SameSite=Lax"

/* Indexed by [secure][kind]. */
static const char *const cookie_names[2][COOKIE_KIND__MAX] = {
    {
        [COOKIE_SESSION_TOKEN] = "better-auth.session_token",
        [COOKIE_SESSION_DATA] = "better-auth.session_data",
        [COOKIE_DONT_REMEMBER] = "better-auth.dont_remember",
        [COOKIE_ADMIN_SESSION] = "better-auth.admin_session",
        [COOKIE_TWO_FACTOR] = "better-auth.two_factor",
        [COOKIE_TRUST_DEVICE] = "better-auth.trust_device",
    },
    {
        [COOKIE_SESSION_TOKEN] = SECURE_PREFIX "better-auth.session_token",
        [COOKIE_SESSION_DATA] = SECURE_PREFIX "better-auth.session_data",
        [COOKIE_DONT_REMEMBER] = SECURE_PREFIX "better-auth.dont_remember",
        [COOKIE_ADMIN_SESSION] = SECURE_PREFIX "better-auth.admin_session",
        [COOKIE_TWO_FACTOR] = SECURE_PREFIX "better-auth.two_factor",
        [COOKIE_TRUST_DEVICE] = SECURE_PREFIX "better-auth.trust_device",
    },
};

/* The admin plugin's stop-impersonating expires its cookie. */
static const char *const admin_deletion_lines[2] = {
    "better-auth.admin_session=; Max-Age=0; " ATTRIBUTES,
    SECURE_PREFIX "better-auth.admin_session=; Max-Age=0; " SECURE_ATTRIBUTES,
};

static const char *const deletion_lines[2][COOKIE_DELETION_COUNT] = {
    {
        "better-auth.session_token=; Max-Age=0; " ATTRIBUTES,
        "better-auth.session_data=; Max-Age=0; " ATTRIBUTES,
        "better-auth.dont_remember=; Max-Age=0; " ATTRIBUTES,
    },
    {
        SECURE_PREFIX "better-auth.session_token=; Max-Age=0; " SECURE_ATTRIBUTES,
        SECURE_PREFIX "better-auth.session_data=; Max-Age=0; " SECURE_ATTRIBUTES,
        SECURE_PREFIX "better-auth.dont_remember=; Max-Age=0; " SECURE_ATTRIBUTES,
    },
};

/* cookie_config_init - borrow the secret; nothing is derived from it in advance. */
void cookie_config_init(struct cookie_config *c, const char *secret, bool secure)
{
    c->secret = secret;
    c->secret_len = strlen(secret);
    c->secure = secure;
    c->bearer_unsigned = false;
}

/* cookie_name - static names, indexed by the secure flag. */
const char *cookie_name(const struct cookie_config *c, enum cookie_kind kind)
{
    return cookie_names[c->secure][kind];
}

/* cookie_deletion_lines - static lines, indexed by the secure flag. */
const char *const *cookie_deletion_lines(const struct cookie_config *c)
{
    return deletion_lines[c->secure];
}

/* signature_of - sig = padded base64 of HMAC-SHA256(secret, value[0..len)), NUL-terminated.
 * Returns 0, or -1 when libcrypto fails. */
static int signature_of(const struct cookie_config *c, const char *value, size_t len,
                        char sig[COOKIE_SIGNATURE_LEN + 1])
{
    unsigned char mac[DIGEST_SHA256_LEN];
    int rc = -1;

    if (digest_hmac_sha256(c->secret, c->secret_len, value, len, mac) == 0 &&
        EVP_EncodeBlock((unsigned char *)sig, mac, DIGEST_SHA256_LEN) == COOKIE_SIGNATURE_LEN)
        rc = 0;
    explicit_bzero(mac, sizeof(mac));
    return rc;
}

/* cookie_sign - value "." signature, refusing rather than truncating. */
int cookie_sign(const struct cookie_config *c, const char *value, char *out, size_t outlen)
{
    size_t len = strlen(value);
    char sig[COOKIE_SIGNATURE_LEN + 1];

    if (len == 0 || len > COOKIE_VALUE_MAX || outlen < len + 1 + COOKIE_SIGNATURE_LEN + 1)
        return -1;
    if (signature_of(c, value, len, sig) != 0)
        return -1;
    memcpy(out, value, len);
    out[len] = '.';
    memcpy(out + len + 1, sig, COOKIE_SIGNATURE_LEN + 1);
    return 0;
}

/* is_uri_unreserved - the characters encodeURIComponent leaves alone. */
static bool is_uri_unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("-_.!~*'()", ch) != NULL);
}

/* cookie_encode_component - one byte at a time; UTF-8 sequences come out as JavaScript's. */
int cookie_encode_component(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        size_t need = is_uri_unreserved(*p) ? 1 : 3;

        if (o + need >= outlen)
            return -1;
        if (need == 1) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = text_hex_digit(*p >> 4, true);
            out[o++] = text_hex_digit(*p, true);
        }
    }
    if (o >= outlen)
        return -1;
    out[o] = '\0';
    return 0;
}

/* signed_line - `NAME=encoded(value.sig); [Max-Age=N; ]attributes` into out. The signed value
 * is a live credential, so the stack copies are wiped. */
static int signed_line(const struct cookie_config *c, enum cookie_kind kind, const char *value,
                       int max_age, char *out, size_t outlen)
{
    char signed_value[COOKIE_SIGNED_SIZE];
    char encoded[COOKIE_ENCODED_SIZE];
    int rc = -1;

    if (cookie_sign(c, value, signed_value, sizeof(signed_value)) == 0 &&
        cookie_encode_component(signed_value, encoded, sizeof(encoded)) == 0) {
        int n;

        if (max_age > 0)
            n = snprintf(out, outlen, "%s=%s; Max-Age=%d; %s", cookie_name(c, kind), encoded,
                         max_age, c->secure ? SECURE_ATTRIBUTES : ATTRIBUTES);
        else
            n = snprintf(out, outlen, "%s=%s; %s", cookie_name(c, kind), encoded,
                         c->secure ? SECURE_ATTRIBUTES : ATTRIBUTES);
        if (n >= 0 && (size_t)n < outlen)
            rc = 0;
        else if (outlen > 0)
            explicit_bzero(out, outlen);
    }
    explicit_bzero(signed_value, sizeof(signed_value));
    explicit_bzero(encoded, sizeof(encoded));
    return rc;
}

/* cookie_session_line - Max-Age only for a remembered session. */
int cookie_session_line(const struct cookie_config *c, const char *token, bool remember, char *out,
                        size_t outlen)
{
    return signed_line(c, COOKIE_SESSION_TOKEN, token, remember ? COOKIE_SESSION_MAX_AGE : 0, out,
                       outlen);
}

/* cookie_admin_session_line - the admin plugin's cookie: value signed, with the session
 * cookie's Max-Age (Better Auth gives it the session token cookie's options). */
int cookie_admin_session_line(const struct cookie_config *c, const char *value, char *out,
                              size_t outlen)
{
    return signed_line(c, COOKIE_ADMIN_SESSION, value, COOKIE_SESSION_MAX_AGE, out, outlen);
}

/* cookie_admin_session_deletion - a static line. */
const char *cookie_admin_session_deletion(const struct cookie_config *c)
{
    return admin_deletion_lines[c->secure];
}

/* cookie_dont_remember_line - the constant "true", signed like a token. */
int cookie_dont_remember_line(const struct cookie_config *c, char *out, size_t outlen)
{
    return signed_line(c, COOKIE_DONT_REMEMBER, "true", 0, out, outlen);
}

/* cookie_signed_line - see cookie.h. */
int cookie_signed_line(const struct cookie_config *c, enum cookie_kind kind, const char *value,
                       int max_age, char *out, size_t outlen)
{
    return signed_line(c, kind, value, max_age, out, outlen);
}

/* cookie_expire_line - see cookie.h. */
int cookie_expire_line(const struct cookie_config *c, enum cookie_kind kind, char *out,
                       size_t outlen)
{
    int n = snprintf(out, outlen, "%s=; Max-Age=0; %s", cookie_name(c, kind),
                     c->secure ? SECURE_ATTRIBUTES : ATTRIBUTES);

    return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

/* is_js_space - what JavaScript's String.prototype.trim removes, for the single bytes a header
 * can hold: Node hands header values to Better Auth as Latin-1 strings, so a 0xA0 byte is
 * U+00A0 NO-BREAK SPACE and is trimmed too. */
static bool is_js_space(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0xA0;
}

/* trim - narrow [*start, *end) past JavaScript whitespace at both ends. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && is_js_space((unsigned char)**start))
        (*start)++;
    while (*end > *start && is_js_space((unsigned char)(*end)[-1]))
        (*end)--;
}

/* percent_decode - decode the len bytes at in into out (room for len + 1). Returns the decoded
 * length, or -1 when an escape is malformed: decodeURIComponent throws there and Better Auth
 * keeps the value as it stands. Unlike decodeURIComponent this does not insist that escaped
 * bytes form UTF-8: such a value cannot carry a signature we made (we only sign ASCII), so
 * it is refused either way. */
static long percent_decode(const char *in, size_t len, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        if (len - i < 3)
            return -1;
        int hi = text_hex_value((unsigned char)in[i + 1]),
            lo = text_hex_value((unsigned char)in[i + 2]);
        if (hi < 0 || lo < 0)
            return -1;
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    out[o] = '\0';
    return (long)o;
}

/* store_value - copy a cookie or bearer value into out, percent-decoded when it contains '%'
 * (raw when decoding fails). COOKIE_INVALID when it does not fit or decodes to a NUL byte,
 * which no C string could carry and no signature of ours covers. */
static enum cookie_status store_value(const char *v, size_t len, char *out, size_t outlen)
{
    if (len >= outlen)
        return COOKIE_INVALID;
    if (memchr(v, '%', len) != NULL) {
        long n = percent_decode(v, len, out);

        if (n >= 0) { /* not empty: every escape decodes to a byte */
            if (memchr(out, '\0', (size_t)n) != NULL) {
                explicit_bzero(out, outlen);
                return COOKIE_INVALID;
            }
            return COOKIE_OK;
        }
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return len == 0 ? COOKIE_ABSENT : COOKIE_OK;
}

/* is_chunk_of - whether key (len bytes) is name, or name "." and a chunk index as Better Auth's
 * session store reads one (String(Number(suffix)) === suffix for a safe non-negative integer:
 * digits, no leading zero, no sign). */
static bool is_chunk_of(const char *key, size_t len, const char *name)
{
    size_t n = strlen(name), digits = len - n - 1;

    if (len < n || memcmp(key, name, n) != 0)
        return false;
    if (len == n)
        return true;
    if (key[n] != '.' || digits == 0 || digits > 15 || (key[n + 1] == '0' && digits > 1))
        return false;
    for (size_t i = n + 1; i < len; i++)
        if (key[i] < '0' || key[i] > '9')
            return false;
    return true;
}

/* is_cookie_value - better-auth's cookieValueRegex, after one pair of quotes came off. */
static bool is_cookie_value(const char *v, const char *end)
{
    if (end - v >= 2 && *v == '"' && end[-1] == '"') {
        v++;
        end--;
    }
    for (; v < end; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7E || *v == '"' || *v == '\\')
            return false;
    return true;
}

/* seen_before - whether out[0..n) already deletes the cookie named key (len bytes). */
static bool seen_before(const char *const *out, size_t n, const char *key, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(out[i], key, len) == 0 && out[i][len] == '=')
            return true;
    return false;
}

/* cookie_chunk_deletions - see cookie.h. better-auth's parseCookies builds a Map, so a name
 * that comes twice is one entry, at its first place. */
size_t cookie_chunk_deletions(struct arena *a, const struct cookie_config *c, enum cookie_kind kind,
                              const char *header, const char *out[COOKIE_CHUNK_DELETIONS_MAX])
{
    const char *name = cookie_name(c, kind);
    size_t n = 0;

    for (const char *p = header; p != NULL && n < COOKIE_CHUNK_DELETIONS_MAX;) {
        const char *end = p + strcspn(p, ";");
        const char *eq = memchr(p, '=', (size_t)(end - p));

        if (eq != NULL) {
            const char *key = p, *key_end = eq, *v = eq + 1, *v_end = end;

            trim(&key, &key_end);
            trim(&v, &v_end);
            if (is_chunk_of(key, (size_t)(key_end - key), name) && is_cookie_value(v, v_end) &&
                !seen_before(out, n, key, (size_t)(key_end - key)))
                out[n++] = arena_printf(a, "%.*s=; Max-Age=0; %s", (int)(key_end - key), key,
                                        c->secure ? SECURE_ATTRIBUTES : ATTRIBUTES);
        }
        p = *end == '\0' ? NULL : end + 1;
    }
    return n;
}

/* cookie_get - better-call's parseCookies, stopping at the first pair with the name. */
enum cookie_status cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
    size_t name_len = strlen(name);

    if (outlen > 0)
        out[0] = '\0';
    if (header == NULL || outlen == 0)
        return COOKIE_ABSENT;
    for (const char *p = header;;) {
        const char *end = p + strcspn(p, ";");
        const char *eq = memchr(p, '=', (size_t)(end - p));

        if (eq != NULL) {
            const char *key = p, *key_end = eq;

            trim(&key, &key_end);
            if ((size_t)(key_end - key) == name_len && memcmp(key, name, name_len) == 0) {
                const char *v = eq + 1, *v_end = end;

                trim(&v, &v_end);
                /* better-call drops the first and the last character when the first is a
                 * double quote, whatever the last one is. */
                if (v < v_end && *v == '"') {
                    v++;
                    if (v < v_end)
                        v_end--;
                }
                return store_value(v, (size_t)(v_end - v), out, outlen);
            }
        }
        if (*end == '\0')
            return COOKIE_ABSENT;
        p = end + 1;
    }
}

/* The last signed value this process verified, and under which secret. A browser sends the
 * same session cookie with every request, and its HMAC was the largest part of an authorizer
 * check answered from the cookie cache (contrib/bench/RESULTS.md). The same bytes under the
 * same secret have the same signature, so a value equal to this one (compared in constant
 * time, like a signature) is not hashed again. A secret longer than the buffer is never
 * remembered. One request at a time, like digest.c. */
static struct {
    char value[COOKIE_SIGNED_SIZE - 1];
    size_t len; /* 0 = nothing remembered */
    char secret[256];
    size_t secret_len;
} verified;

/* verified_hit - whether the len bytes at v, under c's secret, are the value remembered. */
static bool verified_hit(const struct cookie_config *c, const char *v, size_t len)
{
    return verified.len == len && len > 0 && verified.secret_len == c->secret_len &&
           CRYPTO_memcmp(verified.secret, c->secret, c->secret_len) == 0 &&
           CRYPTO_memcmp(verified.value, v, len) == 0;
}

static void verified_remember(const struct cookie_config *c, const char *v, size_t len)
{
    verified.len = 0;
    if (len > sizeof verified.value || c->secret_len > sizeof verified.secret)
        return;
    memcpy(verified.secret, c->secret, c->secret_len);
    verified.secret_len = c->secret_len;
    memcpy(verified.value, v, len);
    verified.len = len;
}

/* verify_signed - check `value.sig` (len bytes at v) and copy the value into out. The value
 * ends at the LAST '.', must not be empty, and the signature must be 44 characters ending in
 * '=' (better-call's getSignedCookie). Better Auth then decodes the signature with atob and
 * lets WebCrypto compare bytes; we compare the canonical base64 text in constant time, which
 * additionally refuses the non-canonical spellings atob would tolerate (nobody sends them). */
static enum cookie_status verify_signed(const struct cookie_config *c, const char *v, size_t len,
                                        char *out, size_t outlen)
{
    const char *dot = memrchr(v, '.', len);
    char expected[COOKIE_SIGNATURE_LEN + 1];
    size_t value_len;
    enum cookie_status st;

    if (dot == NULL || dot == v)
        return COOKIE_INVALID;
    value_len = (size_t)(dot - v);
    if (len - value_len - 1 != COOKIE_SIGNATURE_LEN || v[len - 1] != '=' ||
        value_len > COOKIE_VALUE_MAX)
        return COOKIE_INVALID;
    if (value_len >= outlen)
        return COOKIE_FAIL;
    if (verified_hit(c, v, len)) {
        memcpy(out, v, value_len);
        out[value_len] = '\0';
        return COOKIE_OK;
    }
    if (signature_of(c, v, value_len, expected) != 0)
        return COOKIE_FAIL;
    if (CRYPTO_memcmp(expected, dot + 1, COOKIE_SIGNATURE_LEN) == 0) {
        memcpy(out, v, value_len);
        out[value_len] = '\0';
        verified_remember(c, v, len);
        st = COOKIE_OK;
    } else {
        st = COOKIE_INVALID;
    }
    explicit_bzero(expected, sizeof(expected));
    return st;
}

/* cookie_read_signed - find, then verify; the encoded copy is wiped either way. */
enum cookie_status cookie_read_signed(const struct cookie_config *c, const char *header,
                                      enum cookie_kind kind, char *out, size_t outlen)
{
    char value[COOKIE_ENCODED_SIZE]; /* room for the percent-encoded form */
    enum cookie_status st = cookie_get(header, cookie_name(c, kind), value, sizeof(value));

    if (outlen > 0)
        out[0] = '\0';
    if (st == COOKIE_OK)
        st = verify_signed(c, value, strlen(value), out, outlen);
    explicit_bzero(value, sizeof(value));
    return st;
}

/* cookie_read_bearer - the bearer plugin's reading, ending in the cookie's verification. */
enum cookie_status cookie_read_bearer(const struct cookie_config *c, const char *authorization,
                                      char *out, size_t outlen)
{
    char value[COOKIE_ENCODED_SIZE]; /* room for the percent-encoded form */
    const char *v, *v_end;
    enum cookie_status st;

    if (outlen > 0)
        out[0] = '\0';
    if (authorization == NULL || strncasecmp(authorization, "bearer ", 7) != 0)
        return COOKIE_ABSENT;
    v = authorization + 7;
    v_end = v + strlen(v);
    trim(&v, &v_end);
    if (v == v_end)
        return COOKIE_ABSENT;

    /* No '.': a raw token. By default the plugin signs it itself and carries on as with a
     * cookie, so any such value counts as signed and the session lookup decides; with
     * requireSignature it ignores the header. */
    if (memchr(v, '.', (size_t)(v_end - v)) == NULL) {
        size_t len = (size_t)(v_end - v);

        if (!c->bearer_unsigned || len > COOKIE_VALUE_MAX)
            return COOKIE_INVALID;
        if (len >= outlen)
            return COOKIE_FAIL;
        memcpy(out, v, len);
        out[len] = '\0';
        return COOKIE_OK;
    }

    st = store_value(v, (size_t)(v_end - v), value, sizeof(value));
    if (st == COOKIE_OK) {
        const char *dot = strchr(value, '.');

        /* The plugin checks the part before the FIRST '.', the cookie reader the part before
         * the LAST: only a value with one '.' passes both. */
        if (dot == NULL || strchr(dot + 1, '.') != NULL)
            st = COOKIE_INVALID;
        else
            st = verify_signed(c, value, strlen(value), out, outlen);
    }
    explicit_bzero(value, sizeof(value));
    return st;
}
