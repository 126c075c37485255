/* handler_account - what a signed-in user does to their own account: change the password,
 * update the profile, delete the account, list accounts, re-check the password (PROTOCOL.md
 * §8). Every route here runs with a valid session (ROUTE_SESSION). */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "auth/call_store.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "util/log.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "global/store.h"

/* handle_change_password - POST /change-password. With revokeOtherSessions every session of
 * the user, the current one too, is replaced by one new session in the same transaction. */
void handle_change_password(struct call *c)
{
    const struct value *current = &c->in.body[FIELD_CURRENT_PASSWORD];
    const struct value *next = &c->in.body[FIELD_NEW_PASSWORD];
    const struct value *revoke = &c->in.body[FIELD_REVOKE_OTHER_SESSIONS];
    bool revoke_all = revoke->kind == VALUE_BOOLEAN && revoke->boolean;
    const char *hash, *raw = NULL;
    struct session_record created;
    struct new_session ns;
    struct json_object *obj;
    enum db_status st;

    if (!steps_password_length(c, next, true) || !steps_password_length(c, current, false))
        return;
    if (!steps_current_password(c, current, true))
        return;
    if ((hash = steps_hash_password(c, next)) == NULL) {
        router_fail(c, FAIL_PASSWORD_HASH);
        return;
    }
    if (revoke_all && !steps_new_session(c, c->session.user.id, true, &ns, &raw)) {
        router_fail(c, FAIL_SESSION_TOKEN);
        return;
    }
    st = call_store_password_set(c, c->session.user.id, hash, revoke_all ? &ns : NULL,
                                 revoke_all ? &created : NULL);
    if (st != DB_OK) {
        router_store_error(c, st);
        return;
    }
    obj = json_object_new_object();
    if (revoke_all) {
        c->resp->nheaders = 0; /* a refresh cookie of the revoked session must not survive */
        /* The row lives 7 days, but like Better Auth's setSessionCookie the cookie stays a
         * browser-session one when the client said "don't remember me". */
        created.token = raw;
        if (session_set_cookies(c->app, c->req, c->resp, raw, !c->session.dont_remember) != 0 ||
            session_cache_cookie(c->app, c->resp, &created, &c->session.user,
                                 !c->session.dont_remember) != 0) {
            json_object_put(obj);
            router_fail(c, FAIL_COOKIE_SIGN);
            return;
        }
        json_object_object_add(obj, "token", json_object_new_string(raw));
    } else {
        json_object_object_add(obj, "token", NULL);
    }
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, &c->session.user));
    response_json(c->resp, 200, obj);
}

/* handle_update_user - POST /update-user: name and image; e-mail changes have their own flow. */
void handle_update_user(struct call *c)
{
    const struct value *name = &c->in.body[FIELD_NAME];
    const struct value *image = &c->in.body[FIELD_IMAGE];
    struct user_update u = {FIELD_KEEP, NULL, FIELD_KEEP, NULL};
    struct user_record updated;
    enum db_status st;

    if (body_value_truthy(&c->in.body[FIELD_EMAIL])) {
        response_http_error(c->resp, HTTP_ERROR_EMAIL_CAN_NOT_BE_UPDATED);
        return;
    }
    if (name->kind == VALUE_STRING) {
        u.name_op = FIELD_SET;
        u.name = name->str;
    }
    if (image->kind == VALUE_STRING) {
        u.image_op = FIELD_SET;
        u.image = image->str;
    } else if (image->kind == VALUE_NULL) {
        u.image_op = FIELD_SET_NULL;
    }
    if (u.name_op == FIELD_KEEP && u.image_op == FIELD_KEEP) {
        response_http_error(c->resp, HTTP_ERROR_NO_FIELDS_TO_UPDATE);
        return;
    }
    st = call_store_user_update(c, c->session.user.id, &u, &updated);
    if (st != DB_OK) {
        router_store_error(c, st);
        return;
    }
    /* Better Auth re-sends the session cookie (its cookie cache would carry the new user),
     * without Max-Age and with dont_remember again for a rememberMe:false session: sending
     * Max-Age there would make a "don't remember me" login outlive the browser. */
    c->resp->nheaders = 0;
    if (session_resend_cookies(c->app, c->resp, &c->session) != 0 ||
        session_cache_cookie(c->app, c->resp, &c->session.session, &updated,
                             !c->session.dont_remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    steps_answer_status_true(c);
}

/* handle_delete_user - POST /delete-user (only when AUTHFCGI_DELETE_USER=on): with the right
 * password, or without one on a fresh session. Accounts and sessions go by cascade. */
void handle_delete_user(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    /* Better Auth tests both with JavaScript truthiness: "" is no password, no token. */
    bool has_password = body_value_truthy(pw);
    struct json_object *obj;
    enum db_status st;

    if (has_password) { /* without a credential account: Better Auth's CREDENTIAL_ACCOUNT_NOT_FOUND
                         */
        if (!steps_password_length(c, pw, false) || !steps_current_password(c, pw, true))
            return;
    }
    if (body_value_truthy(&c->in.body[FIELD_TOKEN])) {
        /* No deletion-by-mail flow is configured, so no token can be pending. */
        response_http_error(c->resp, HTTP_ERROR_DELETION_TOKEN_INVALID);
        return;
    }
    if (!has_password && !session_is_fresh(&c->session.session, session_now_ms())) {
        response_http_error(c->resp, HTTP_ERROR_SESSION_EXPIRED);
        return;
    }
    st = call_store_user_delete(c, c->session.user.id);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    c->resp->nheaders = 0;
    session_clear_cookies(c->app, c->req, c->resp);
    obj = json_object_new_object();
    json_object_object_add(obj, "success", json_object_new_boolean(1));
    json_object_object_add(obj, "message", json_object_new_string("User deleted"));
    response_json(c->resp, 200, obj);
}

/* handle_delete_user_callback - GET /delete-user/callback: the link of a deletion mail. No
 * deletion-by-mail flow is configured, so no token can be valid; without a session Better
 * Auth answers FAILED_TO_GET_USER_INFO (and forgets a stale cookie). */
void handle_delete_user_callback(struct call *c)
{
    if (c->session.found != SESSION_VALID) {
        if (c->session.found == SESSION_STALE)
            session_clear_cookies(c->app, c->req, c->resp);
        response_http_error(c->resp, HTTP_ERROR_FAILED_TO_GET_USER_INFO);
        return;
    }
    response_http_error(c->resp, HTTP_ERROR_DELETION_TOKEN_INVALID);
}

/* handle_update_session - POST /update-session: sessions have no additional fields here, so
 * there is never anything to update. */
void handle_update_session(struct call *c)
{
    response_http_error(c->resp, HTTP_ERROR_NO_FIELDS_TO_UPDATE);
}

/* handle_list_accounts - GET /list-accounts. */
void handle_list_accounts(struct call *c)
{
    struct account_record *list = NULL;
    size_t count = 0;
    struct json_object *arr;
    enum db_status st = call_store_account_list(c, c->session.user.id, &list, &count);

    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    arr = json_object_new_array();
    for (size_t i = 0; i < count; i++)
        json_object_array_add(arr, json_view_account(&list[i]));
    response_json(c->resp, 200, arr);
}

/* handle_verify_password - POST /verify-password: {"status":true} or 400 INVALID_PASSWORD. */
void handle_verify_password(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];

    if (!steps_password_length(c, pw, false) || !steps_current_password(c, pw, false))
        return;
    steps_answer_status_true(c);
}
