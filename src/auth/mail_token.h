/* mail_token - the credentials mail links carry, and the links (PROTOCOL.md §8, §9): Better
 * Auth's e-mail verification JWT with one claim of ours, "jti", that names a verification row
 * ("verify-email:<jti>") so each link works once; and the URLs of the reset-password and
 * verify-email links, built from the configured base URL byte for byte as Better Auth builds
 * them (encodeURIComponent of the callback). Reset-password tokens are random_token(24)
 * strings whose row is "reset-password:<token>".
 *
 * Every string returned lives in the arena passed in. */
#ifndef AUTHFCGI_MAIL_TOKEN_H
#define AUTHFCGI_MAIL_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "auth/jwt.h"

struct arena;

/* Lifetime of a link: Better Auth's resetPasswordTokenExpiresIn and emailVerification
 * expiresIn defaults. */
#define MAIL_TOKEN_TTL_S 3600
/* Verification row identifiers: prefix + token (reset) or prefix + jti (verify-email). */
#define MAIL_TOKEN_RESET_PREFIX "reset-password:"
#define MAIL_TOKEN_VERIFY_PREFIX "verify-email:"
/* requestType of a change-email link (the one kind of change-email token authfcgi issues). */
#define MAIL_TOKEN_CHANGE_EMAIL "change-email-verification"

struct mail_claims {
    const char *email;        /* the address the link was issued for, lower-case */
    const char *update_to;    /* change-email: the new address; NULL otherwise */
    const char *request_type; /* change-email: MAIL_TOKEN_CHANGE_EMAIL; NULL otherwise */
    const char *user_id;      /* NULL only in tokens issued without one */
    const char *jti;          /* ours; NULL in a token Better Auth itself issued */
    int64_t iat;
    int64_t exp;
};

/* mail_token_sign - the JWT for c, issued at now_s: c->iat = now_s and c->exp = now_s +
 * MAIL_TOKEN_TTL_S are written back. The claims are serialised the JSON.stringify way in
 * Better Auth's order, "email", "updateTo", "requestType", "userId", then "jti", "iat", "exp",
 * leaving out the NULL ones. Returns an arena string, or NULL when libcrypto fails. */
char *mail_token_sign(struct arena *a, const char *secret, size_t secret_len, struct mail_claims *c,
                      int64_t now_s);

/* mail_token_read - jwt_verify, then the claims Better Auth's verify-email reads: "email" a
 * string that email_is_valid accepts (Better Auth parses it with z.email()), "updateTo",
 * "requestType", "userId" and "jti" strings when present, "iat"/"exp" when numbers (else 0).
 * Claims of other types are JWT_INVALID. On JWT_OK *out holds arena copies. */
enum jwt_status mail_token_read(struct arena *a, const char *secret, size_t secret_len,
                                const char *token, size_t len, int64_t now_s,
                                struct mail_claims *out);

/* mail_token_reset_link - {api_base}/reset-password/<token>?callbackURL=<encoded>, the encoded
 * part being encodeURIComponent(redirect_to), or nothing when redirect_to is NULL or "".
 * The callback is UTF-8 (body_validate's promise); its bytes are encoded. Returns an arena
 * string. */
char *mail_token_reset_link(struct arena *a, const char *api_base, const char *token,
                            const char *redirect_to);

/* mail_token_verify_link - {api_base}/verify-email?token=<jwt>&callbackURL=<encoded>, the
 * encoded part being encodeURIComponent(callback), or of "/" when callback is NULL or "".
 * Returns an arena string. */
char *mail_token_verify_link(struct arena *a, const char *api_base, const char *jwt,
                             const char *callback);

#endif
