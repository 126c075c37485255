/* jwt - compact JSON Web Tokens signed with HS256, the form of Better Auth's e-mail
 * verification links (jose's SignJWT / jwtVerify as Better Auth calls them): protected header
 * {"alg":"HS256"}, base64url without padding, HMAC-SHA256 keyed by the secret's bytes.
 * Reading accepts HS256 only and applies jose's claim rules for exp, nbf and iat.
 *
 * Stateless and reentrant; results live in the arena passed in, or are json-c references the
 * caller releases. */
#ifndef AUTHFCGI_JWT_H
#define AUTHFCGI_JWT_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct json_object;

enum jwt_status {
    JWT_OK,
    JWT_INVALID, /* not a compact JWS, another algorithm, a bad signature, unusable claims */
    JWT_EXPIRED, /* well signed, but exp <= now (jose's JWTExpired) */
    JWT_FAIL,    /* libcrypto failed: an internal error, not the client's */
};

/* jwt_sign - "header.payload.signature" for the claims text payload_json (used byte for byte,
 * so the caller decides the key order; Better Auth's tokens serialise the JSON.stringify way).
 * Returns an arena string, or NULL when libcrypto fails. */
char *jwt_sign(struct arena *a, const char *secret, size_t secret_len, const char *payload_json);

/* jwt_verify - check len bytes of token at now_s (Unix seconds): exactly three base64url
 * parts; a header that is a JSON object with "alg":"HS256" and no "crit"; the signature, in
 * constant time, over the first two parts; claims that are a JSON object whose exp, nbf and
 * iat, when present, are numbers; nbf not in the future. A token whose only fault is
 * exp <= now_s is JWT_EXPIRED (the signature is checked first, so only our own tokens ever
 * are). On JWT_OK *claims is a new json-c reference to the claims object the caller releases
 * with json_object_put; otherwise it is NULL. */
enum jwt_status jwt_verify(const char *secret, size_t secret_len, const char *token, size_t len,
                           int64_t now_s, struct json_object **claims);

/* An HMAC-SHA256 is 43 base64url characters. */
#define JWT_MAC_B64_LEN 43

/* jwt_mac_b64 - base64url (no padding) of HMAC-SHA256(secret, data[0..len)) into out, which
 * holds JWT_MAC_B64_LEN + 1 bytes. Returns 0, or -1 when libcrypto fails. */
int jwt_mac_b64(const char *secret, size_t secret_len, const char *data, size_t len,
                char out[JWT_MAC_B64_LEN + 1]);

/* jwt_parse_b64_object - the JSON object base64url-encoded (strictly, as
 * jwt_base64url_decode) in len bytes at b64, as JSON.parse reads it (one value, nothing
 * after it); NULL when it is not one or len is over 8192. The caller releases it with
 * json_object_put. */
struct json_object *jwt_parse_b64_object(const char *b64, size_t len);

/* jwt_base64url_encode - RFC 4648 §5 without padding into out, which must hold
 * 4 * ((len + 2) / 3) + 1 bytes. Returns the length written (NUL not counted). Exposed for
 * tests. */
size_t jwt_base64url_encode(const unsigned char *in, size_t len, char *out);

/* jwt_base64url_decode - the reverse, strictly: only [A-Za-z0-9_-], no padding, no length
 * that leaves a lone character, unused trailing bits zero (one encoding per value). out must
 * hold 3 * (len / 4) + 2 bytes. Returns the decoded length, or -1. */
long jwt_base64url_decode(const char *in, size_t len, unsigned char *out);

#endif
