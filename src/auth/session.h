/* session - who is asking: the session behind a request's cookie or bearer token, Better
 * Auth's sliding refresh, starting and ending sessions with their cookies, and the stored
 * form of tokens (SHA-256 hex at rest by default). Handlers use this module; it uses the
 * store and the cookie module. */
#ifndef AUTHFCGI_SESSION_H
#define AUTHFCGI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cookie.h"
#include "auth/http.h"
#include "util/random.h"
#include "global/store.h"

struct app;
struct request;
struct response;

#define SESSION_EXPIRES_IN_S 604800   /* 7 days, Better Auth's session.expiresIn */
#define SESSION_SHORT_EXPIRES_S 86400 /* rememberMe:false rows live 1 day */
#define SESSION_UPDATE_AGE_S 86400    /* sliding refresh at most once a day */
#define SESSION_FRESH_AGE_S 86400     /* "fresh" = created within a day */
/* Room for a stored token: 64 hex digits of SHA-256, or the raw 32-character token. */
#define SESSION_STORED_TOKEN_SIZE 65

enum session_found {
    SESSION_NONE,  /* no cookie/bearer, or one whose signature does not verify or is missing
                      (a bare bearer token unless AUTHFCGI_BEARER_UNSIGNED): no lookup made */
    SESSION_STALE, /* well signed, but no such row or it expired: the client should forget it */
    SESSION_VALID,
};

struct session_state {
    enum session_found found;
    struct session_record session; /* when VALID; token field holds the RAW token */
    struct user_record user;       /* when VALID */
    const char *token; /* the raw token presented (VALID and STALE), else ""; in the request's
                          arena, which wipes it */
    bool via_bearer;
    bool from_cache;          /* VALID, answered by the session_data cookie (no store call) */
    bool dont_remember;       /* a valid dont_remember cookie came with the request */
    enum fail_reason failure; /* with DB_FAIL from session_resolve: what failed, when it was
                                 not the store (FAIL_NONE when it was) */
};

/* session_stored_token - the form of a raw token kept in session.token. Returns 0 or -1. */
int session_stored_token(const struct app *app, const char *raw,
                         char out[SESSION_STORED_TOKEN_SIZE]);

/* How session_resolve goes about it. */
enum session_resolve_flags {
    SESSION_REFRESH = 1 << 0,    /* Better Auth's sliding refresh (and the cookie cache written) */
    SESSION_SKIP_CACHE = 1 << 1, /* ask the store even where the cookie cache would answer: the
                                    routes Better Auth reads "authoritatively" (its admin
                                    middleware) */
    SESSION_QUIET_ON_CACHE = 1 << 2, /* a state-changing route Better Auth would answer from a
                                        valid session_data (its sessionMiddleware): the store
                                        is asked all the same, but with such a cookie nothing
                                        is refreshed or written, as there */
};

/* session_resolve - find the request's session. With SESSION_REFRESH, a session last extended
 * over SESSION_UPDATE_AGE_S ago is extended (database write + Set-Cookie on resp), unless the
 * request carries dont_remember or a truthy ?disableRefresh. An expired row is deleted.
 * Returns DB_OK (see st->found) or the store's RETRY/FAIL, never UNKNOWN (its writes are
 * housekeeping: db_housekeeping); DB_FAIL with st->failure set when
 * a cookie could not be checked or signed or a token digested (router_session_failed). */
enum db_status session_resolve(const struct app *app, const struct request *req,
                               struct response *resp, unsigned flags, struct session_state *st);

/* session_cache_cookie - with AUTHFCGI_COOKIE_CACHE, the session_data Set-Cookie line for
 * session s (its token field holding the RAW token) and user u, as Better Auth adds it wherever
 * it sets the session cookie (remember false: a browser-session cookie believed 60 s); nothing
 * with the cache off or for a value too long for one cookie. Returns 0 or -1 (internal error).
 *
 * The cache itself is read by session_resolve: for GET and HEAD requests and authorizer
 * checks, unless ?disableCookieCache is truthy or SESSION_SKIP_CACHE is given, a valid
 * session_data cookie of the presented token answers without the database (no sliding refresh
 * then); a stale one is deleted and the database asked. A session read from the database with
 * refresh gets the cookie written. */
int session_cache_cookie(const struct app *app, struct response *resp,
                         const struct session_record *s, const struct user_record *u,
                         bool remember);

/* session_new - fill a new_session for user_id with fresh id and token (raw token copied to
 * raw_token; ns->token points into stored, which the caller provides). */
int session_new(const struct app *app, const struct request *req, const char *user_id,
                bool remember, struct new_session *ns, char raw_token[RANDOM_TOKEN_LEN + 1],
                char stored[SESSION_STORED_TOKEN_SIZE], char id[RANDOM_TOKEN_LEN + 1]);

/* session_set_cookies - the Set-Cookie lines for a session just created for req (the
 * session_remember_line after the token's, and set-auth-token when bearer tokens are on).
 * Returns 0 or -1 (internal error). */
int session_set_cookies(const struct app *app, const struct request *req, struct response *resp,
                        const char *raw_token, bool remember);

/* session_remember_line - Better Auth's dont_remember step of setSessionCookie: the signed
 * dont_remember cookie when !remember; when remember, its deletion if req (may be NULL)
 * carried a valid one, so that an earlier "don't remember me" does not outlive this sign-in.
 * Returns 0 or -1 (internal error). */
int session_remember_line(const struct app *app, const struct request *req, struct response *resp,
                          bool remember);

/* session_resend_cookies - the same lines again for the session the request presented (a
 * refresh, update-user, a change-email link), with set-auth-token only when it came as a Bearer
 * token: a request that authenticated with the HttpOnly cookie needs no token, and one in a
 * header that page scripts can read would hand them what HttpOnly hides. Returns 0 or -1. */
int session_resend_cookies(const struct app *app, struct response *resp,
                           const struct session_state *st);

/* session_drop_cookie_lines - remove the Set-Cookie lines resp has for any of the n cookies
 * of kinds (Better Auth's expireCookie does so before it adds the deletion): a cookie is set
 * once per answer. */
void session_drop_cookie_lines(const struct app *app, struct response *resp,
                               const enum cookie_kind *kinds, size_t n);

/* session_clear_cookies - Better Auth's three deletion lines, in place of any line resp
 * already had for those cookies; before the last, the deletion of any chunk session_data.N
 * req carries (session_clean_cache_lines). */
void session_clear_cookies(const struct app *app, const struct request *req, struct response *resp);

/* session_clean_cache_lines - Better Auth's sessionStore.clean(): a deletion line for the
 * session_data cookie and for each chunk of one (session_data.N) the request carries; with
 * chunks_only for the chunks alone, where the caller deletes session_data itself. Better Auth
 * then deletes session_data twice in one answer; a response here sets each cookie once
 * (RFC 6265 4.1.1; README "Deviations"). */
void session_clean_cache_lines(const struct app *app, const struct request *req,
                               struct response *resp, bool chunks_only);

/* session_is_fresh - created within SESSION_FRESH_AGE_S. */
bool session_is_fresh(const struct session_record *s, int64_t now_ms);

/* session_now_ms - wall clock in Unix milliseconds. */
int64_t session_now_ms(void);

#endif
