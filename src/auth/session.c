/* session - resolving, refreshing, starting and ending sessions, with Better Auth's rules
 * (PROTOCOL.md §3, §4, §11). The raw token only ever exists in the cookie and in memory; what
 * the store sees is its stored form. */
#include "config.h"

#include "auth/session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/app.h"
#include "util/arena.h"
#include "util/clock.h"
#include "auth/cookie.h"
#include "auth/cookie_cache.h"
#include "util/digest.h"
#include "auth/http.h"
#include "util/random.h"
#include "util/text.h"

/* session_now_ms - the clock sessions expire by: the wall clock, as the database's. */
int64_t session_now_ms(void)
{
    return clock_wall_ms();
}

/* session_stored_token - SHA-256 hex under hash storage, so a leaked session table yields no
 * usable cookie; the raw token under plain storage (a database shared with Better Auth). */
int session_stored_token(const struct app *app, const char *raw,
                         char out[SESSION_STORED_TOKEN_SIZE])
{
    unsigned char digest[DIGEST_SHA256_LEN];

    if (!app->hash_session_tokens) {
        if (strlen(raw) >= SESSION_STORED_TOKEN_SIZE)
            return -1;
        strcpy(out, raw);
        return 0;
    }
    if (digest_sha256(raw, strlen(raw), digest) != 0)
        return -1;
    text_hex_encode(digest, DIGEST_SHA256_LEN, out);
    return 0;
}

/* query_flag_truthy - whether ?name=value is present with a non-empty value: Better Auth
 * coerces with JavaScript truthiness of the string, so "false" and "0" count as true. */
static bool query_flag_truthy(const char *query, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = query;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=')
            return p[nlen + 1] != '\0' && p[nlen + 1] != '&';
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return false;
}

/* read_presented_token - bearer first (when enabled and it verifies), then the cookie. The
 * value is read into room for anything the cookie module accepts: a bare bearer value is the
 * client's text, of any length up to COOKIE_VALUE_MAX, and one of a length we never issue is
 * no session (COOKIE_INVALID), not an internal error. */
static enum cookie_status read_presented_token(const struct app *app, const struct request *req,
                                               struct arena *arena, struct session_state *st)
{
    char value[COOKIE_VALUE_MAX + 1];
    enum cookie_status cs = COOKIE_ABSENT;
    bool bearer = false;

    if (app->bearer) {
        cs = cookie_read_bearer(&app->cookies, req->authorization, value, sizeof(value));
        bearer = cs == COOKIE_OK;
    }
    if (cs != COOKIE_OK && cs != COOKIE_FAIL)
        cs = cookie_read_signed(&app->cookies, req->cookie, COOKIE_SESSION_TOKEN, value,
                                sizeof(value));
    if (cs == COOKIE_OK) {
        if (strlen(value) == RANDOM_TOKEN_LEN) {
            st->token = arena_strdup(arena, value);
            st->via_bearer = bearer;
        } else {
            cs = COOKIE_INVALID;
        }
    }
    explicit_bzero(value, sizeof(value));
    return cs;
}

/* has_dont_remember - a valid dont_remember cookie came with the request. */
static bool has_dont_remember(const struct app *app, const struct request *req)
{
    char flag[8];

    return cookie_read_signed(&app->cookies, req->cookie, COOKIE_DONT_REMEMBER, flag,
                              sizeof(flag)) == COOKIE_OK &&
           strcmp(flag, "true") == 0;
}

/* find_live_session - the session behind stored and its user: SESSION_VALID (with the
 * dont_remember flag read), or SESSION_STALE when there is no such row or it had expired at
 * *now, the time read once the row was found. Returns DB_OK or the store's failure. */
static enum db_status find_live_session(const struct app *app, const struct request *req,
                                        struct response *resp, const char *stored, int64_t *now,
                                        struct session_state *st)
{
    enum db_status rc;

    rc = app->store->ops->session_lookup(app->store->impl, resp->arena, stored, &st->session,
                                         &st->user);
    if (rc == DB_NOTFOUND) {
        st->found = SESSION_STALE;
        return DB_OK;
    }
    if (rc != DB_OK)
        return rc;
    *now = session_now_ms();
    if (st->session.expires_at_ms < *now) {
        rc = db_housekeeping(app->store->ops->session_delete_token(app->store->impl, stored));
        if (rc != DB_OK && rc != DB_NOTFOUND)
            return rc;
        st->found = SESSION_STALE;
        return DB_OK;
    }
    st->found = SESSION_VALID;
    st->dont_remember = has_dont_remember(app, req);
    return DB_OK;
}

/* refresh_is_due - Better Auth's sliding refresh: the session was last extended more than
 * SESSION_UPDATE_AGE_S before now, and neither dont_remember nor ?disableRefresh holds it. */
static bool refresh_is_due(const struct request *req, const struct session_state *st, int64_t now)
{
    return !st->dont_remember && !query_flag_truthy(req->query, "disableRefresh") &&
           st->session.expires_at_ms - (int64_t)SESSION_EXPIRES_IN_S * 1000 +
                   (int64_t)SESSION_UPDATE_AGE_S * 1000 <=
               now;
}

/* refresh_session - extend st's session by SESSION_EXPIRES_IN_S and send its cookies again;
 * SESSION_STALE when it was revoked between the two statements. Returns DB_OK, the store's
 * failure, or DB_FAIL with st->failure. */
static enum db_status refresh_session(const struct app *app, struct response *resp,
                                      struct session_state *st)
{
    struct session_record refreshed;
    enum db_status rc;

    rc = db_housekeeping(app->store->ops->session_refresh(
        app->store->impl, resp->arena, st->session.id, SESSION_EXPIRES_IN_S, &refreshed));
    if (rc == DB_NOTFOUND) {
        st->found = SESSION_STALE;
        return DB_OK;
    }
    if (rc != DB_OK)
        return rc;
    st->session = refreshed;
    if (session_resend_cookies(app, resp, st) != 0) {
        st->failure = FAIL_COOKIE_SIGN;
        return DB_FAIL;
    }
    return DB_OK;
}

/* session_cache_cookie - see session.h. */
int session_cache_cookie(const struct app *app, struct response *resp,
                         const struct session_record *s, const struct user_record *u, bool remember)
{
    char *line;

    if (!app->cookie_cache)
        return 0;
    if (cookie_cache_line(resp->arena, &app->cookies, s, u, &app->user_view, session_now_ms(),
                          app->cookie_cache_max_age, remember, &line) != 0)
        return -1;
    if (line != NULL)
        response_header(resp, "Set-Cookie", line);
    return 0;
}

/* from_cookie_cache - true when the session_data cookie answered, where the cache applies (see
 * session.h): then *rc is DB_OK (st VALID), or DB_FAIL with st->failure on an internal error.
 * False to ask the database; a stale cookie then gets its deletion line, as Better Auth's
 * get-session sends it. */
static bool from_cookie_cache(const struct app *app, const struct request *req,
                              struct response *resp, struct session_state *st, enum db_status *rc)
{
    /* An authorizer check (the FastCGI role, or nginx's AUTHFCGI_AUTHORIZE) asks about a
     * request of any method, which changes nothing here. */
    bool applies = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
                   req->role == ROLE_AUTHORIZER || req->authorize != NULL;

    if (!app->cookie_cache || !applies || query_flag_truthy(req->query, "disableCookieCache"))
        return false;
    switch (cookie_cache_read(resp->arena, &app->cookies, req->cookie, st->token, session_now_ms(),
                              &st->session, &st->user)) {
    case CACHE_HIT:
        st->found = SESSION_VALID;
        st->from_cache = true;
        st->dont_remember = has_dont_remember(app, req);
        *rc = DB_OK;
        return true;
    case CACHE_FAIL:
        st->failure = FAIL_COOKIE_VERIFY;
        *rc = DB_FAIL;
        return true;
    case CACHE_STALE:
        response_header(resp, "Set-Cookie", cookie_deletion_lines(&app->cookies)[1]);
        break;
    case CACHE_ABSENT:
        break;
    }
    memset(&st->session, 0, sizeof(st->session));
    memset(&st->user, 0, sizeof(st->user));
    return false;
}

/* cache_would_answer - whether the request carries a session_data cookie that Better Auth
 * would take for the session presented (SESSION_QUIET_ON_CACHE). Its records are not used:
 * the store answers. A libcrypto failure counts as no. */
static bool cache_would_answer(const struct app *app, const struct request *req,
                               struct response *resp, const struct session_state *st)
{
    struct session_record s;
    struct user_record u;

    return app->cookie_cache && !query_flag_truthy(req->query, "disableCookieCache") &&
           cookie_cache_read(resp->arena, &app->cookies, req->cookie, st->token, session_now_ms(),
                             &s, &u) == CACHE_HIT;
}

/* write_cookie_cache - Better Auth's get-session writes the cookie cache for a session it read
 * from the database (refreshed or not), but not with dont_remember or ?disableRefresh.
 * Returns 0, or -1 with st->failure set. */
static int write_cookie_cache(const struct app *app, const struct request *req,
                              struct response *resp, struct session_state *st)
{
    if (st->dont_remember || query_flag_truthy(req->query, "disableRefresh"))
        return 0;
    if (session_cache_cookie(app, resp, &st->session, &st->user, true) != 0) {
        st->failure = FAIL_COOKIE_SIGN;
        return -1;
    }
    return 0;
}

/* session_resolve - see session.h. The stored form of the token (the raw token itself under
 * plain storage) is held in the request's arena, which wipes it when the request ends. */
enum db_status session_resolve(const struct app *app, const struct request *req,
                               struct response *resp, unsigned flags, struct session_state *st)
{
    bool refresh = (flags & SESSION_REFRESH) != 0;
    char *stored;
    enum cookie_status cs;
    enum db_status rc;
    int64_t now = 0;

    memset(st, 0, sizeof(*st));
    st->token = "";
    cs = read_presented_token(app, req, resp->arena, st);
    if (cs == COOKIE_FAIL) {
        st->failure = FAIL_COOKIE_VERIFY;
        return DB_FAIL;
    }
    if (cs != COOKIE_OK || strlen(st->token) != RANDOM_TOKEN_LEN) {
        /* Unsigned, tampered, garbage or of a length we never issue: not a session, and no
         * database lookup is spent on it. */
        st->found = SESSION_NONE;
        st->token = "";
        return DB_OK;
    }
    if (!(flags & SESSION_SKIP_CACHE) && from_cookie_cache(app, req, resp, st, &rc))
        return rc;
    if ((flags & SESSION_QUIET_ON_CACHE) && cache_would_answer(app, req, resp, st))
        refresh = false;
    stored = arena_alloc(resp->arena, SESSION_STORED_TOKEN_SIZE);
    if (session_stored_token(app, st->token, stored) != 0) {
        st->failure = FAIL_TOKEN_DIGEST;
        return DB_FAIL;
    }
    rc = find_live_session(app, req, resp, stored, &now, st);
    if (rc == DB_OK && st->found == SESSION_VALID && refresh && refresh_is_due(req, st, now))
        rc = refresh_session(app, resp, st);
    if (rc != DB_OK || st->found != SESSION_VALID)
        return rc;
    /* Clients see their own raw token, never the stored digest. */
    st->session.token = st->token;
    if (refresh && write_cookie_cache(app, req, resp, st) != 0)
        return DB_FAIL;
    return DB_OK;
}

/* session_new - a new session's id, token and metadata. ipAddress and userAgent are empty
 * strings, never NULL, when unknown (as Better Auth writes them). */
int session_new(const struct app *app, const struct request *req, const char *user_id,
                bool remember, struct new_session *ns, char raw_token[RANDOM_TOKEN_LEN + 1],
                char stored[SESSION_STORED_TOKEN_SIZE], char id[RANDOM_TOKEN_LEN + 1])
{
    if (random_token(raw_token, RANDOM_TOKEN_LEN) != 0 || random_token(id, RANDOM_TOKEN_LEN) != 0)
        return -1;
    if (session_stored_token(app, raw_token, stored) != 0)
        return -1;
    ns->id = id;
    ns->token = stored;
    ns->user_id = user_id;
    ns->expires_in_s = remember ? SESSION_EXPIRES_IN_S : SESSION_SHORT_EXPIRES_S;
    ns->ip_address = req->client_ip != NULL ? req->client_ip : "";
    ns->user_agent = req->user_agent != NULL ? req->user_agent : "";
    return 0;
}

/* session_remember_line - see session.h. Any validly signed value counts, as Better Auth's
 * truthiness test of getSignedCookie does. */
int session_remember_line(const struct app *app, const struct request *req, struct response *resp,
                          bool remember)
{
    char line[COOKIE_LINE_SIZE];
    char value[COOKIE_VALUE_MAX + 1];

    if (!remember) {
        if (cookie_dont_remember_line(&app->cookies, line, sizeof(line)) != 0)
            return -1;
        response_header(resp, "Set-Cookie", line);
    } else if (req != NULL && cookie_read_signed(&app->cookies, req->cookie, COOKIE_DONT_REMEMBER,
                                                 value, sizeof(value)) == COOKIE_OK) {
        response_header(resp, "Set-Cookie", cookie_deletion_lines(&app->cookies)[2]);
    }
    return 0;
}

/* set_cookies - session_set_cookies, with set-auth-token only when auth_token. */
static int set_cookies(const struct app *app, const struct request *req, struct response *resp,
                       const char *raw_token, bool remember, bool auth_token)
{
    char line[COOKIE_LINE_SIZE];
    char signed_token[COOKIE_SIGNED_SIZE];

    if (cookie_session_line(&app->cookies, raw_token, remember, line, sizeof(line)) != 0)
        return -1;
    response_header(resp, "Set-Cookie", line);
    if (session_remember_line(app, req, resp, remember) != 0)
        return -1;
    if (auth_token) {
        if (cookie_sign(&app->cookies, raw_token, signed_token, sizeof(signed_token)) != 0)
            return -1;
        response_header(resp, "set-auth-token", signed_token);
        response_header(resp, "Access-Control-Expose-Headers", "set-auth-token");
    }
    return 0;
}

/* session_set_cookies - see session.h. */
int session_set_cookies(const struct app *app, const struct request *req, struct response *resp,
                        const char *raw_token, bool remember)
{
    return set_cookies(app, req, resp, raw_token, remember, app->bearer);
}

/* session_resend_cookies - see session.h. */
int session_resend_cookies(const struct app *app, struct response *resp,
                           const struct session_state *st)
{
    /* no request: a remembered session came without a dont_remember cookie to delete */
    return set_cookies(app, NULL, resp, st->token, !st->dont_remember,
                       app->bearer && st->via_bearer);
}

/* sets_one_of - whether a Set-Cookie value sets one of the n cookies of kinds. */
static bool sets_one_of(const struct app *app, const char *value, const enum cookie_kind *kinds,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = cookie_name(&app->cookies, kinds[i]);
        size_t len = strlen(name);

        if (strncmp(value, name, len) == 0 && value[len] == '=')
            return true;
    }
    return false;
}

/* session_drop_cookie_lines - see session.h. */
void session_drop_cookie_lines(const struct app *app, struct response *resp,
                               const enum cookie_kind *kinds, size_t n)
{
    size_t kept = 0;

    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, "Set-Cookie") != 0 ||
            !sets_one_of(app, resp->headers[i].value, kinds, n))
            resp->headers[kept++] = resp->headers[i];
    resp->nheaders = kept;
}

/* session_clear_cookies - see session.h. Lines this answer already had for the same cookies
 * go first (Better Auth's expireCookie): a refreshed session cookie or cookie cache written
 * while resolving the session must not travel, still valid, beside its deletion. */
void session_clear_cookies(const struct app *app, const struct request *req, struct response *resp)
{
    static const enum cookie_kind session_cookies[] = {COOKIE_SESSION_TOKEN, COOKIE_SESSION_DATA,
                                                       COOKIE_DONT_REMEMBER};
    const char *const *lines = cookie_deletion_lines(&app->cookies);

    session_drop_cookie_lines(app, resp, session_cookies,
                              sizeof session_cookies / sizeof session_cookies[0]);
    response_header(resp, "Set-Cookie", lines[0]);
    response_header(resp, "Set-Cookie", lines[1]);
    session_clean_cache_lines(app, req, resp, true);
    response_header(resp, "Set-Cookie", lines[2]);
}

/* session_clean_cache_lines - see session.h. */
void session_clean_cache_lines(const struct app *app, const struct request *req,
                               struct response *resp, bool chunks_only)
{
    const char *base = cookie_deletion_lines(&app->cookies)[1];
    const char *lines[COOKIE_CHUNK_DELETIONS_MAX];
    size_t n =
        cookie_chunk_deletions(resp->arena, &app->cookies, COOKIE_SESSION_DATA, req->cookie, lines);

    for (size_t i = 0; i < n; i++)
        if (!chunks_only || strcmp(lines[i], base) != 0)
            response_header(resp, "Set-Cookie", lines[i]);
}

/* session_is_fresh - Better Auth measures freshness from createdAt, not updatedAt, and a
 * session exactly freshAge old is no longer fresh (`now - createdAt >= freshAge`). */
bool session_is_fresh(const struct session_record *s, int64_t now_ms)
{
    return now_ms - s->created_at_ms < (int64_t)SESSION_FRESH_AGE_S * 1000;
}
