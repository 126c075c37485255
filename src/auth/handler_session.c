/* handler_session - reading and revoking sessions: get-session, list-sessions and the three
 * revoke endpoints (PROTOCOL.md §4, §8). */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "auth/call_store.h"
#include "auth/cookie.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "global/store.h"

/* no_store - get-session's answers must never be cached by a browser or a proxy. */
static void no_store(struct response *resp)
{
    response_header(resp, "Cache-Control", "no-store");
    response_header(resp, "Pragma", "no-cache");
}

/* handle_get_session - GET /get-session: 200 null without a session (and the deletion cookies
 * when a well-signed one is stale), else {"session","user"} with the sliding refresh; from the
 * cookie cache with the keys in the order Better Auth answers it there. */
void handle_get_session(struct call *c)
{
    struct session_state st;
    struct json_object *obj;
    enum db_status rc;

    no_store(c->resp);
    rc = session_resolve(c->app, c->req, c->resp, SESSION_REFRESH, &st);
    if (rc != DB_OK) {
        c->resp->nheaders = 0; /* no half-made cookies on a 503 */
        router_failed(c, rc, st.failure);
        return;
    }
    if (st.found == SESSION_STALE) {
        session_clear_cookies(c->app, c->req, c->resp);
        response_json(c->resp, 200, NULL);
        return;
    }
    /* The cookie cache is off: a session_data cookie a client still holds is deleted. */
    if (!c->app->cookie_cache)
        session_clean_cache_lines(c->app, c->req, c->resp, false);
    if (st.found == SESSION_NONE) {
        response_json(c->resp, 200, NULL);
        return;
    }
    obj = json_object_new_object();
    if (st.from_cache) {
        json_object_object_add(obj, "session",
                               json_view_session_cached(&c->app->user_view, &st.session));
        json_object_object_add(obj, "user", json_view_user_cached(&c->app->user_view, &st.user));
    } else {
        json_object_object_add(obj, "session", json_view_session(&c->app->user_view, &st.session));
        json_object_object_add(obj, "user", json_view_user(&c->app->user_view, &st.user));
    }
    response_json(c->resp, 200, obj);
}

/* handle_get_session_post - POST /get-session is refused as Better Auth refuses it without
 * deferSessionRefresh. */
void handle_get_session_post(struct call *c)
{
    no_store(c->resp);
    response_http_error(c->resp, HTTP_ERROR_DEFER_SESSION_REQUIRED);
}

/* handle_list_sessions - GET /list-sessions (fresh session only). With hashed storage the
 * other devices' tokens do not exist anywhere: they are listed under their session id, a
 * handle revoke-session accepts from their owner. */
void handle_list_sessions(struct call *c)
{
    struct session_record *list = NULL;
    struct json_object *arr;
    size_t count = 0;
    enum db_status rc;

    if (!session_is_fresh(&c->session.session, session_now_ms())) {
        response_http_error(c->resp, HTTP_ERROR_SESSION_NOT_FRESH);
        return;
    }
    rc = call_store_session_list(c, c->session.user.id, &list, &count);
    if (rc != DB_OK && rc != DB_NOTFOUND) {
        router_store_error(c, rc);
        return;
    }
    arr = json_object_new_array();
    for (size_t i = 0; i < count; i++) {
        struct session_record s = list[i];

        if (strcmp(s.id, c->session.session.id) == 0)
            s.token = c->session.token;
        else if (c->app->hash_session_tokens)
            s.token = s.id;
        if (c->app->admin && s.impersonated_by != NULL)
            continue; /* the admin plugin's after-hook leaves impersonation sessions out */
        json_object_array_add(arr, json_view_session(&c->app->user_view, &s));
    }
    response_json(c->resp, 200, arr);
}

/* handle_revoke_session - POST /revoke-session: 200 whether or not the token named one of the
 * caller's sessions (another user's token deletes nothing). */
void handle_revoke_session(struct call *c)
{
    const struct value *token = &c->in.body[FIELD_TOKEN];
    const char *stored, *deleted_id = NULL;
    enum db_status rc;

    if (token->len < SESSION_STORED_TOKEN_SIZE) {
        if ((stored = steps_stored_token(c, token->str)) == NULL) {
            router_fail(c, FAIL_TOKEN_DIGEST);
            return;
        }
        rc = call_store_session_delete_of_user(c, c->session.user.id, stored,
                                               c->app->hash_session_tokens ? token->str : NULL,
                                               &deleted_id);
        if (rc != DB_OK && rc != DB_NOTFOUND) {
            router_store_error(c, rc);
            return;
        }
        if (rc == DB_OK && strcmp(deleted_id, c->session.session.id) == 0)
            session_clear_cookies(c->app, c->req, c->resp);
    }
    steps_answer_status_true(c);
}

/* handle_revoke_sessions - POST /revoke-sessions: every session, the current one included. */
void handle_revoke_sessions(struct call *c)
{
    enum db_status rc = call_store_session_delete_all(c, c->session.user.id);

    if (rc != DB_OK && rc != DB_NOTFOUND) {
        router_store_error(c, rc);
        return;
    }
    session_clear_cookies(c->app, c->req, c->resp);
    steps_answer_status_true(c);
}

/* handle_revoke_other_sessions - POST /revoke-other-sessions: all but the current one. */
void handle_revoke_other_sessions(struct call *c)
{
    enum db_status rc =
        call_store_session_delete_others(c, c->session.user.id, c->session.session.id);

    if (rc != DB_OK && rc != DB_NOTFOUND) {
        router_store_error(c, rc);
        return;
    }
    steps_answer_status_true(c);
}
