/* jwt - HS256 compact JWS: base64url, the HMAC, and jose's verification rules as Better Auth's
 * verify-email relies on them (JWTExpired is the one failure told apart). */
#include "config.h"

#include "auth/jwt.h"

#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "util/arena.h"
#include "util/digest.h"

/* base64url of {"alg":"HS256"}: the only header we write, the one Better Auth writes. */
#define HEADER_B64 "eyJhbGciOiJIUzI1NiJ9"
/* The longest token we look at; ours are a few hundred bytes. */
#define TOKEN_MAX 8192

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* jwt_base64url_encode - see jwt.h. */
size_t jwt_base64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0, i = 0;

    for (; i + 2 < len; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static int sextet(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-')
        return 62;
    if (ch == '_')
        return 63;
    return -1;
}

/* jwt_base64url_decode - see jwt.h. */
long jwt_base64url_decode(const char *in, size_t len, unsigned char *out)
{
    unsigned long acc = 0;
    size_t o = 0;
    int bits = 0;

    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = sextet(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned long)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    /* The bits left over pad the last character: anything but zeros is another spelling of
     * the same bytes. */
    if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

/* jwt_mac_b64 - see jwt.h. */
int jwt_mac_b64(const char *secret, size_t secret_len, const char *data, size_t len,
                char out[JWT_MAC_B64_LEN + 1])
{
    unsigned char mac[DIGEST_SHA256_LEN];

    if (digest_hmac_sha256(secret, secret_len, data, len, mac) != 0)
        return -1;
    jwt_base64url_encode(mac, DIGEST_SHA256_LEN, out);
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

/* jwt_sign - see jwt.h. */
char *jwt_sign(struct arena *a, const char *secret, size_t secret_len, const char *payload_json)
{
    size_t plen = strlen(payload_json);
    size_t hlen = sizeof(HEADER_B64) - 1;
    char *token = arena_alloc(a, hlen + 1 + 4 * ((plen + 2) / 3) + 1 + JWT_MAC_B64_LEN + 1);
    size_t n = hlen;

    memcpy(token, HEADER_B64, hlen);
    token[n++] = '.';
    n += jwt_base64url_encode((const unsigned char *)payload_json, plen, token + n);
    /* The signature covers "header.payload", written after it with its NUL. */
    if (jwt_mac_b64(secret, secret_len, token, n, token + n + 1) != 0)
        return NULL;
    token[n] = '.';
    return token;
}

/* jwt_parse_b64_object - see jwt.h. */
struct json_object *jwt_parse_b64_object(const char *b64, size_t len)
{
    unsigned char buf[TOKEN_MAX];
    struct json_tokener *tok;
    struct json_object *obj;
    long n;

    if (len > TOKEN_MAX)
        return NULL;
    n = jwt_base64url_decode(b64, len, buf);
    if (n < 0)
        return NULL;
    tok = json_tokener_new();
    if (tok == NULL)
        return NULL;
    obj = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
    /* The whole part must be one JSON value, as JSON.parse wants it. */
    if (obj != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
                        json_tokener_get_parse_end(tok) != (size_t)n ||
                        !json_object_is_type(obj, json_type_object))) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

static bool is_number(struct json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* header_ok - {"alg":"HS256", ...} without "crit" (jose refuses extensions it does not know,
 * and we know none) and without "b64" (the unencoded-payload option). */
static bool header_ok(struct json_object *h)
{
    struct json_object *alg;

    return json_object_object_get_ex(h, "alg", &alg) &&
           json_object_is_type(alg, json_type_string) &&
           strcmp(json_object_get_string(alg), "HS256") == 0 &&
           !json_object_object_get_ex(h, "crit", NULL) &&
           !json_object_object_get_ex(h, "b64", NULL);
}

/* claims_status - jose's JWT claim checks with no clock tolerance. */
static enum jwt_status claims_status(struct json_object *claims, int64_t now_s)
{
    struct json_object *v;
    double now = (double)now_s;

    if (json_object_object_get_ex(claims, "iat", &v) && !is_number(v))
        return JWT_INVALID;
    if (json_object_object_get_ex(claims, "nbf", &v) &&
        (!is_number(v) || json_object_get_double(v) > now))
        return JWT_INVALID;
    if (json_object_object_get_ex(claims, "exp", &v)) {
        if (!is_number(v))
            return JWT_INVALID;
        if (json_object_get_double(v) <= now)
            return JWT_EXPIRED;
    }
    return JWT_OK;
}

/* jwt_verify - see jwt.h. */
enum jwt_status jwt_verify(const char *secret, size_t secret_len, const char *token, size_t len,
                           int64_t now_s, struct json_object **claims)
{
    const char *dot1, *dot2, *sig;
    char expected[JWT_MAC_B64_LEN + 1];
    struct json_object *header, *payload;
    enum jwt_status st;

    *claims = NULL;
    if (len > TOKEN_MAX || memchr(token, '\0', len) != NULL)
        return JWT_INVALID;
    dot1 = memchr(token, '.', len);
    if (dot1 == NULL)
        return JWT_INVALID;
    dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
        return JWT_INVALID;
    sig = dot2 + 1;
    header = jwt_parse_b64_object(token, (size_t)(dot1 - token));
    if (header == NULL)
        return JWT_INVALID;
    st = header_ok(header) ? JWT_OK : JWT_INVALID;
    json_object_put(header);
    if (st != JWT_OK)
        return st;
    if (jwt_mac_b64(secret, secret_len, token, (size_t)(dot2 - token), expected) != 0)
        return JWT_FAIL;
    if ((size_t)(token + len - sig) != JWT_MAC_B64_LEN ||
        CRYPTO_memcmp(sig, expected, JWT_MAC_B64_LEN) != 0)
        return JWT_INVALID;
    payload = jwt_parse_b64_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (payload == NULL)
        return JWT_INVALID;
    st = claims_status(payload, now_s);
    if (st != JWT_OK) {
        json_object_put(payload);
        return st;
    }
    *claims = payload;
    return JWT_OK;
}
