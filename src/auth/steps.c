/* steps - the steps handlers share (steps.h): password rules and hashing, starting a session,
 * finding a user by e-mail, preparing a mail link, and the answers several handlers give. */
#include "config.h"

#include "auth/steps.h"

#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "auth/app.h"
#include "auth/call_store.h"
#include "auth/mail_token.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"
#include "util/arena.h"
#include "util/email.h"
#include "util/log.h"
#include "util/random.h"
#include "util/text.h"

/* steps_password_length - see steps.h. */
bool steps_password_length(struct call *c, const struct value *pw, bool check_min)
{
    size_t units = 0;

    /* body_validate only lets valid UTF-8 through, so this cannot fail on client input. */
    if (text_utf16_length(pw->str, pw->len, &units) != 0)
        units = pw->len;
    if (check_min && units < PASSWORD_MIN_UNITS) {
        response_http_error(c->resp, HTTP_ERROR_PASSWORD_TOO_SHORT);
        return false;
    }
    if (units > PASSWORD_MAX_UNITS) {
        response_http_error(c->resp, HTTP_ERROR_PASSWORD_TOO_LONG);
        return false;
    }
    return true;
}

/* steps_hash_password - see steps.h. */
const char *steps_hash_password(struct call *c, const struct value *pw)
{
    char *hash = arena_alloc(c->req->arena, PASSWORD_HASH_SIZE);

    if (password_hash(&c->app->passwords, pw->str, pw->len, hash, PASSWORD_HASH_SIZE) !=
        PASSWORD_OK)
        return NULL;
    return hash;
}

/* steps_new_session - see steps.h. */
bool steps_new_session(struct call *c, const char *user_id, bool remember, struct new_session *ns,
                       const char **raw)
{
    struct arena *a = c->req->arena;
    char *token = arena_alloc(a, RANDOM_TOKEN_LEN + 1);
    char *stored = arena_alloc(a, SESSION_STORED_TOKEN_SIZE);
    char *id = arena_alloc(a, RANDOM_TOKEN_LEN + 1);

    if (session_new(c->app, c->req, user_id, remember, ns, token, stored, id) != 0)
        return false;
    *raw = token;
    return true;
}

/* steps_stored_token - see steps.h. */
char *steps_stored_token(struct call *c, const char *raw)
{
    char *stored = arena_alloc(c->req->arena, SESSION_STORED_TOKEN_SIZE);

    return session_stored_token(c->app, raw, stored) == 0 ? stored : NULL;
}

/* steps_start_session - see steps.h. */
bool steps_start_session(struct call *c, const struct user_record *user, bool remember,
                         const char **token)
{
    struct new_session ns;
    struct session_record rec;
    enum db_status st;

    if (!steps_new_session(c, user->id, remember, &ns, token)) {
        router_fail(c, FAIL_SESSION_TOKEN);
        return false;
    }
    st = call_store_session_create(c, &ns, &rec);
    if (st != DB_OK) {
        router_store_error(c, st);
        return false;
    }
    if (session_set_cookies(c->app, c->req, c->resp, *token, remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    return steps_cache_session(c, &rec, user, *token, remember);
}

/* steps_cache_session - see steps.h. */
bool steps_cache_session(struct call *c, const struct session_record *rec,
                         const struct user_record *user, const char *raw, bool remember)
{
    struct session_record s;

    if (rec == NULL)
        return true;
    s = *rec;
    s.token = raw; /* the cookie carries the raw token, as the session cookie does */
    if (session_cache_cookie(c->app, c->resp, &s, user, remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    return true;
}

/* steps_account_guard - see steps.h. */
bool steps_account_guard(struct call *c, const char *key, bool success)
{
    enum fail_reason why = FAIL_NONE;
    bool allowed = true;
    int retry_after = 0;
    enum db_status st;

    if (!c->app->account_guard)
        return true;
    st = success ? account_guard_success(c->app, key, &why)
                 : account_guard_claim(c->app, key, &allowed, &retry_after, &why);
    if (st != DB_OK) {
        router_failed(c, st, why);
        return false;
    }
    if (!allowed)
        response_too_many(c->resp, retry_after);
    return allowed;
}

/* steps_lowered_email - see steps.h. */
char *steps_lowered_email(struct call *c, const char *s)
{
    char *email = arena_strdup(c->req->arena, s);

    email_lowercase(email, strlen(email));
    return email;
}

/* steps_find_user - see steps.h. */
bool steps_find_user(struct call *c, const char *email, struct user_record *user, const char **hash,
                     bool *found)
{
    enum db_status st;

    *hash = NULL;
    st = call_store_user_by_email(c, email, user, hash);
    if (st != DB_OK && st != DB_NOTFOUND) {
        steps_store_failed(c, st);
        return false;
    }
    *found = st == DB_OK;
    return true;
}

/* steps_store_failed - see steps.h. */
void steps_store_failed(struct call *c, enum db_status st)
{
    c->resp->nheaders = 0;
    router_store_error(c, st);
}

/* steps_fail - see steps.h. */
void steps_fail(struct call *c, enum fail_reason why)
{
    c->resp->nheaders = 0;
    router_fail(c, why);
}

/* steps_prepare_mail - see steps.h. */
bool steps_prepare_mail(struct call *c, enum mail_kind kind, const char *recipient,
                        const char *name, const char *url, const char *identifier,
                        const char *user_id, struct new_mail *out)
{
    struct arena *a = c->req->arena;
    struct mail_message *msg = arena_alloc(a, sizeof(*msg));
    char *row_id = arena_alloc(a, RANDOM_TOKEN_LEN + 1);
    struct mail_fields fields = {.recipient = recipient, .url = url, .name = name};
    const char *why = "unknown";

    if (random_token(row_id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    if (mail_render(c->app->mail, kind, &fields, time(NULL), a, msg, &why) != 0) {
        log_event(LOG_LEVEL_ERROR, "mail_render_failed", "kind=%s reason=\"%s\"",
                  mail_kind_name(kind), why);
        steps_fail(c, FAIL_MAIL_RENDER);
        return false;
    }
    *out = (struct new_mail){
        .message = msg,
        .verification_id = row_id,
        .identifier = identifier,
        .value = user_id,
        .expires_in_s = MAIL_TOKEN_TTL_S,
    };
    return true;
}

/* steps_verification_mail - see steps.h. */
bool steps_verification_mail(struct call *c, const struct user_record *user, const char *new_email,
                             const char *callback, struct new_mail *out)
{
    struct arena *a = c->req->arena;
    char *jti = arena_alloc(a, RANDOM_TOKEN_LEN + 1);
    struct mail_claims claims = {
        .email = user->email,
        .update_to = new_email,
        .request_type = new_email != NULL ? MAIL_TOKEN_CHANGE_EMAIL : NULL,
        .user_id = user->id,
        .jti = jti,
    };
    const char *jwt;

    if (random_token(jti, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    jwt = mail_token_sign(a, c->app->cookies.secret, c->app->cookies.secret_len, &claims,
                          (int64_t)time(NULL));
    if (jwt == NULL) {
        steps_fail(c, FAIL_JWT_SIGN);
        return false;
    }
    return steps_prepare_mail(c, new_email != NULL ? MAIL_CHANGE_EMAIL : MAIL_VERIFY_EMAIL,
                              new_email != NULL ? new_email : user->email, user->name,
                              mail_token_verify_link(a, c->app->origins.api_base, jwt, callback),
                              arena_printf(a, MAIL_TOKEN_VERIFY_PREFIX "%s", jti), user->id, out);
}

/* steps_current_password - see steps.h. */
bool steps_current_password(struct call *c, const struct value *pw, bool say_missing)
{
    const char *hash = NULL;
    enum password_status ps;
    enum db_status st;

    st = call_store_credential_of_user(c, c->session.user.id, &hash);
    if (st == DB_NOTFOUND || (st == DB_OK && hash == NULL)) {
        if (say_missing)
            response_http_error(c->resp, HTTP_ERROR_CREDENTIAL_ACCOUNT_NOT_FOUND);
        else
            response_http_error(c->resp, HTTP_ERROR_INVALID_PASSWORD);
        return false;
    }
    if (st != DB_OK) {
        router_store_error(c, st);
        return false;
    }
    ps = password_verify(&c->app->passwords, pw->str, pw->len, hash, NULL);
    if (ps == PASSWORD_FAIL) {
        router_fail(c, FAIL_PASSWORD_VERIFY);
        return false;
    }
    if (ps != PASSWORD_OK) {
        response_http_error(c->resp, HTTP_ERROR_INVALID_PASSWORD);
        return false;
    }
    return true;
}

/* steps_answer_status_true - see steps.h. */
void steps_answer_status_true(struct call *c)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "status", json_object_new_boolean(1));
    response_json(c->resp, 200, obj);
}
