/* cookie_cache - Better Auth's session cookie cache (session.cookieCache, its default
 * "compact" strategy; PROTOCOL.md §12, test/fixtures/cookie_cache): the session_data cookie
 * carries the session and its user, signed with the secret, so that within its max age a
 * request is answered without the database.
 *
 * The value is base64url, without padding, of {"session":P,"expiresAt":E,"signature":S}:
 * P = {"session":{...},"user":{...},"updatedAt":<ms>,"version":"1"}, E the cookie's expiry in
 * Unix ms, S = base64url(HMAC-SHA256(secret, P with ,"expiresAt":E before its last brace)),
 * everything serialised the JSON.stringify way: Better Auth verifies by re-serialising what it
 * parsed, so that is also how a value is read back here.
 *
 * Stateless and reentrant; strings returned live in the arena passed in. */
#ifndef AUTHFCGI_COOKIE_CACHE_H
#define AUTHFCGI_COOKIE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cookie.h"
#include "global/store.h"

struct arena;
struct user_view;

/* Better Auth's session.cookieCache.maxAge default, seconds. */
#define COOKIE_CACHE_MAX_AGE_DEFAULT 300
/* The expiry Better Auth writes into a cookie without Max-Age (a rememberMe:false session's):
 * `getDate(maxAge || 60, "sec")`. */
#define COOKIE_CACHE_SESSION_ONLY_S 60
/* The longest value written or read. Better Auth splits longer ones over session_data.0, .1,
 * ... (a browser keeps at most 4096 bytes a cookie); authfcgi neither writes nor reads those
 * and goes to the database instead. */
#define COOKIE_CACHE_VALUE_MAX 3800

enum cookie_cache_status {
    CACHE_HIT,    /* signed, unexpired, for the presented token: session and user filled */
    CACHE_ABSENT, /* no session_data cookie */
    CACHE_STALE,  /* present but not usable (bad signature, malformed, expired, another
                     session's, another version): the client should drop it */
    CACHE_FAIL,   /* libcrypto failed: an internal error, not the client's */
};

/* cookie_cache_encode - the cookie value for session s (its token field holding the RAW
 * token, as Better Auth's cookie holds it) and user u shown as v shows them in answers,
 * stamped updated_at_ms and expiring at expires_at_ms. Returns an arena string, or NULL when
 * libcrypto fails. */
char *cookie_cache_encode(struct arena *a, const char *secret, size_t secret_len,
                          const struct session_record *s, const struct user_record *u,
                          const struct user_view *v, int64_t updated_at_ms, int64_t expires_at_ms);

/* cookie_cache_decode - read value as Better Auth's get-session does: well formed, signed with
 * secret, version "1", not expired at now_ms (neither the cookie nor the session inside), and
 * for the session whose raw token is token. On CACHE_HIT s and u are filled (arena strings;
 * s->token is the raw token; u->two_factor_enabled and u->banned false unless the user object
 * says true; the admin plugin's strings NULL when absent).
 * Never CACHE_ABSENT. */
enum cookie_cache_status cookie_cache_decode(struct arena *a, const char *secret, size_t secret_len,
                                             const char *value, const char *token, int64_t now_ms,
                                             struct session_record *s, struct user_record *u);

/* cookie_cache_read - cookie_cache_decode of the session_data cookie in a Cookie header (may
 * be NULL), first occurrence, as cookie_get reads it. */
enum cookie_cache_status cookie_cache_read(struct arena *a, const struct cookie_config *c,
                                           const char *header, const char *token, int64_t now_ms,
                                           struct session_record *s, struct user_record *u);

/* cookie_cache_line - the Set-Cookie value Better Auth sends for s and u (shown as v) at now_ms:
 * `NAME=value; Max-Age=max_age_s; Path=/; HttpOnly; [Secure; ]SameSite=Lax`, expiring after
 * max_age_s; when !remember without Max-Age and expiring after COOKIE_CACHE_SESSION_ONLY_S.
 * Returns 0 with *out an arena string, or NULL when the value would be over
 * COOKIE_CACHE_VALUE_MAX (nothing to send); -1 when libcrypto fails. */
int cookie_cache_line(struct arena *a, const struct cookie_config *c,
                      const struct session_record *s, const struct user_record *u,
                      const struct user_view *v, int64_t now_ms, int max_age_s, bool remember,
                      char **out);

#endif
