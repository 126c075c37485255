/* handler_admin_session - the admin plugin's endpoints on bans and sessions: ban-user,
 * unban-user, list-user-sessions, revoke-user-session(s), impersonate-user and
 * stop-impersonating (better-auth 1.7.25 plugins/admin/routes.mjs, recorded in
 * test/fixtures/admin). While an admin impersonates, better-auth.admin_session holds the
 * admin's own session token (signed), so stop-impersonating can hand it back. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/admin.h"
#include "auth/admin_perm.h"
#include "auth/app.h"
#include "auth/body.h"
#include "auth/call_store.h"
#include "auth/cookie.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "util/arena.h"

/* An impersonation session lasts an hour (impersonationSessionDuration's default). */
#define IMPERSONATION_S 3600

/* The last instant a JavaScript Date holds (8.64e15 ms after the epoch): Better Auth's
 * `new Date(Date.now() + banExpiresIn * 1000)` is invalid past it, and PostgreSQL's timestamps
 * end not long after. */
#define LAST_DATE_MS 8.64e15

/* ban_expires_in - banExpiresIn as seconds from now: -1 for none (`banExpiresIn ? ... : null`:
 * falsy values count as absent), 0 for one already past. False after answering 400 for a ban
 * that would end after LAST_DATE_MS, which no date can hold (nor int64_t every such number). */
static bool ban_expires_in(struct call *c, const struct value *expires, int64_t *out)
{
    double n = expires->number;

    *out = -1;
    if (expires->kind != VALUE_NUMBER || n == 0 || n != n)
        return true;
    if (n > (LAST_DATE_MS - (double)session_now_ms()) / 1000) {
        response_http_error_text(c->resp, HTTP_ERROR_VALIDATION,
                                 "[body.banExpiresIn] Too big: the ban would end after the last "
                                 "date a timestamp holds");
        return false;
    }
    *out = n > 0 ? (int64_t)n : 0;
    return true;
}

/* POST /admin/ban-user - banned with banReason ("No reason") until banExpiresIn seconds from
 * now (never without it); the user's sessions end in the same transaction. */
void handle_admin_ban_user(struct call *c)
{
    const struct value *reason = &c->in.body[FIELD_BAN_REASON];
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct admin_change ch = {.ban = ADMIN_BAN_SET};
    struct user_record me, u;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "ban", HTTP_ERROR_NOT_ALLOWED_BAN) ||
        !admin_find_user(c, user_id, &u))
        return;
    if (strcmp(user_id, me.id) == 0) {
        response_http_error(c->resp, HTTP_ERROR_CANNOT_BAN_YOURSELF);
        return;
    }
    if (!ban_expires_in(c, &c->in.body[FIELD_BAN_EXPIRES_IN], &ch.ban_expires_in_s))
        return;
    /* `banReason || "No reason"` */
    ch.ban_reason = reason->kind == VALUE_STRING && reason->len > 0 ? reason->str : "No reason";
    admin_change_user(c, user_id, &ch);
}

/* POST /admin/unban-user - banned false, reason and end cleared. */
void handle_admin_unban_user(struct call *c)
{
    const struct admin_change ch = {.ban = ADMIN_BAN_LIFT, .ban_expires_in_s = -1};
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct user_record me;

    if (!admin_caller(c, &me) || !admin_require(c, &me, "user", "ban", HTTP_ERROR_NOT_ALLOWED_BAN))
        return;
    admin_change_user(c, user_id, &ch);
}

/* POST /admin/list-user-sessions - {"sessions":[...]}, empty for an unknown user. */
void handle_admin_list_user_sessions(struct call *c)
{
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct session_record *list = NULL;
    struct user_record me;
    size_t count = 0;
    struct json_object *obj, *arr;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "session", "list", HTTP_ERROR_NOT_ALLOWED_LIST_SESSIONS))
        return;
    if ((st = call_store_session_list(c, user_id, &list, &count)) != DB_OK) {
        router_store_error(c, st);
        return;
    }
    arr = json_object_new_array();
    for (size_t i = 0; i < count; i++)
        json_object_array_add(arr, json_view_session(&c->app->user_view, &list[i]));
    obj = json_object_new_object();
    json_object_object_add(obj, "sessions", arr);
    response_json(c->resp, 200, obj);
}

/* POST /admin/revoke-user-session - the session with this token (as list-user-sessions shows
 * it, i.e. as stored), whoever's; {"success":true} also when there is none. */
void handle_admin_revoke_user_session(struct call *c)
{
    struct user_record me;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "session", "revoke", HTTP_ERROR_NOT_ALLOWED_REVOKE_SESSIONS))
        return;
    st = call_store_session_delete_token(c, c->in.body[FIELD_SESSION_TOKEN].str);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    admin_answer_success(c);
}

/* POST /admin/revoke-user-sessions - every session of the user. */
void handle_admin_revoke_user_sessions(struct call *c)
{
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct user_record me;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "session", "revoke", HTTP_ERROR_NOT_ALLOWED_REVOKE_SESSIONS))
        return;
    if ((st = call_store_session_delete_all(c, user_id)) != DB_OK) {
        router_store_error(c, st);
        return;
    }
    admin_answer_success(c);
}

/* ---- impersonation ---- */

/* admin_cookie_line - better-auth.admin_session for the caller's own session: its raw token
 * and, when it was not remembered, the dont_remember cookie's value. The line and the value
 * hold the admin's raw token, so they live in the request's arena (wiped with it); NULL when
 * signing fails. */
static const char *admin_cookie_line(struct call *c)
{
    char dont[COOKIE_SIGNED_SIZE] = "";
    char *value = arena_alloc(c->req->arena, COOKIE_SIGNED_SIZE);
    char *line = arena_alloc(c->req->arena, COOKIE_LINE_SIZE);

    if (cookie_read_signed(&c->app->cookies, c->req->cookie, COOKIE_DONT_REMEMBER, dont,
                           sizeof dont) != COOKIE_OK)
        dont[0] = '\0';
    snprintf(value, COOKIE_SIGNED_SIZE, "%s:%s", c->session.token, dont);
    return cookie_admin_session_line(&c->app->cookies, value, line, COOKIE_LINE_SIZE) == 0 ? line
                                                                                           : NULL;
}

/* impersonate_answer - Better Auth's cookies: the caller's deleted, the admin cookie, the
 * target's session (not remembered, its cookie cache too); then {"session","user"}. */
static void impersonate_answer(struct call *c, const struct user_record *target,
                               const struct session_record *s, const char *raw)
{
    const char *line = admin_cookie_line(c);
    struct json_object *obj;

    session_clear_cookies(c->app, c->req, c->resp);
    if (line == NULL) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    response_header(c->resp, "Set-Cookie", line);
    struct session_record shown = *s;
    shown.token = raw;
    if (session_set_cookies(c->app, c->req, c->resp, raw, false) != 0 ||
        session_cache_cookie(c->app, c->resp, &shown, target, false) != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "session", json_view_session(&c->app->user_view, &shown));
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, target));
    response_json(c->resp, 200, obj);
}

/* POST /admin/impersonate-user - a one-hour session of the target marked impersonatedBy the
 * caller. Admins (role "admin") need user:impersonate-admins, which no default role has. The
 * session passes the plugin's session-creation hook, as every session does: a banned target
 * is refused (403 BANNED_USER), one whose ban has ended is lifted. */
void handle_admin_impersonate_user(struct call *c)
{
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct user_record me, target;
    struct new_session ns;
    struct session_record s;
    const char *raw;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "impersonate", HTTP_ERROR_NOT_ALLOWED_IMPERSONATE) ||
        !admin_find_user(c, user_id, &target))
        return;
    if (admin_role_is_admin(target.role) &&
        !admin_require(c, &me, "user", "impersonate-admins", HTTP_ERROR_CANNOT_IMPERSONATE_ADMINS))
        return;
    if (!admin_sign_in_allowed(c, &target))
        return;
    if (!steps_new_session(c, target.id, false, &ns, &raw)) {
        steps_fail(c, FAIL_SESSION_TOKEN);
        return;
    }
    ns.expires_in_s = IMPERSONATION_S;
    st = call_store_admin_session_impersonate(c, &ns, me.id, &s);
    if (st != DB_OK) {
        router_store_error(c, st);
        return;
    }
    impersonate_answer(c, &target, &s, raw);
}

/* admin_session_back - the admin's session named by the admin cookie: its raw token in *raw
 * (in the request's arena, which wipes it), *remember, the session and its user. False after
 * answering 500 "Failed to find admin session" (or a store failure). */
static bool admin_session_back(struct call *c, const char *admin_id, const char **raw,
                               bool *remember, struct session_record *s, struct user_record *u)
{
    char *value = arena_alloc(c->req->arena, COOKIE_SIGNED_SIZE);
    const char *stored;
    char *colon;
    enum db_status st = DB_NOTFOUND;

    if (cookie_read_signed(&c->app->cookies, c->req->cookie, COOKIE_ADMIN_SESSION, value,
                           COOKIE_SIGNED_SIZE) == COOKIE_OK &&
        (colon = strchr(value, ':')) != NULL) {
        *colon = '\0';
        *remember = colon[1] == '\0';
        *raw = value;
        if ((stored = steps_stored_token(c, value)) == NULL) {
            steps_fail(c, FAIL_TOKEN_DIGEST);
            return false;
        }
        st = call_store_session_lookup(c, stored, s, u);
    }
    if (st == DB_OK && strcmp(s->user_id, admin_id) == 0 && s->expires_at_ms > session_now_ms())
        return true;
    if (st == DB_OK || st == DB_NOTFOUND)
        response_http_error(c->resp, HTTP_ERROR_ADMIN_SESSION_NOT_FOUND);
    else
        router_store_error(c, st);
    return false;
}

/* stop_answer - the admin's session cookie back (remembered as before) with its cookie cache,
 * the admin cookie expired, {"session","user"}. */
static void stop_answer(struct call *c, const char *raw, bool remember, struct session_record *s,
                        const struct user_record *admin)
{
    struct json_object *obj;

    if (session_set_cookies(c->app, c->req, c->resp, raw, remember) != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    s->token = raw;
    if (session_cache_cookie(c->app, c->resp, s, admin, remember) != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    response_header(c->resp, "Set-Cookie", cookie_admin_session_deletion(&c->app->cookies));
    obj = json_object_new_object();
    json_object_object_add(obj, "session", json_view_session(&c->app->user_view, s));
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, admin));
    response_json(c->resp, 200, obj);
}

/* POST /admin/stop-impersonating - end the impersonation session and hand the admin's own
 * back. Needs no permission: only an impersonation session can stop. */
void handle_admin_stop_impersonating(struct call *c)
{
    const char *raw = NULL, *by, *stored;
    struct session_record s;
    struct user_record admin;
    bool remember = true;
    enum db_status st;

    if (c->session.found != SESSION_VALID) {
        response_empty(c->resp, 401);
        return;
    }
    if ((stored = steps_stored_token(c, c->session.token)) == NULL) {
        steps_fail(c, FAIL_TOKEN_DIGEST);
        return;
    }
    if ((by = c->session.session.impersonated_by) == NULL) { /* read with the session */
        response_http_error(c->resp, HTTP_ERROR_NOT_IMPERSONATING);
        return;
    }
    if (!admin_session_back(c, by, &raw, &remember, &s, &admin)) /* admin: its user */
        return;
    st = call_store_session_delete_token(c, stored);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    stop_answer(c, raw, remember, &s, &admin);
}
