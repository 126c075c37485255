/* handler_sign - sign-up, sign-in and sign-out by e-mail and password (PROTOCOL.md §8), and
 * the password-length and session-start steps other handlers share. With
 * AUTHFCGI_REQUIRE_EMAIL_VERIFICATION sign-up starts no session and mails a verification link,
 * and sign-in refuses an unverified address after checking the password. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "auth/app.h"
#include "util/arena.h"
#include "util/email.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "util/log.h"
#include "auth/origin.h"
#include "auth/password.h"
#include "util/random.h"
#include "auth/router.h"
#include "auth/session.h"
#include "global/store.h"
#include "util/text.h"

#define PASSWORD_MIN_UNITS 8
#define PASSWORD_MAX_UNITS 128

/* handler_password_length - see handlers.h. */
bool handler_password_length(struct call *c, const struct value *pw, bool check_min)
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

/* remember_me - rememberMe defaults to true; only an explicit false makes a short session. */
static bool remember_me(const struct call *c)
{
    const struct value *v = &c->in.body[FIELD_REMEMBER_ME];

    return !(v->kind == VALUE_BOOLEAN && !v->boolean);
}

/* cache_new_session - the cookie cache line for a session just created (rec from the store,
 * raw its token), as Better Auth's setSessionCookie adds it. */
static bool cache_new_session(struct call *c, const struct session_record *rec,
                              const struct user_record *user, const char *raw, bool remember)
{
    struct session_record s = *rec;

    s.token = raw;
    if (session_cache_cookie(c->app, c->resp, &s, user, remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    return true;
}

/* start_session - handler_start_session, with the cookie cache line when user is non-NULL. */
static bool start_session(struct call *c, const char *user_id, const struct user_record *user,
                          bool remember, const char **token)
{
    char raw[RANDOM_TOKEN_LEN + 1], stored[SESSION_STORED_TOKEN_SIZE], id[RANDOM_TOKEN_LEN + 1];
    struct new_session ns;
    struct session_record rec;
    enum db_status st;

    if (session_new(c->app, c->req, user_id, remember, &ns, raw, stored, id) != 0) {
        router_fail(c, FAIL_SESSION_TOKEN);
        return false;
    }
    st = c->app->store->ops->session_create(c->app->store->impl, c->resp->arena, &ns, &rec);
    if (st != DB_OK) {
        router_store_error(c, st);
        return false;
    }
    if (session_set_cookies(c->app, c->resp, raw, remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    if (user != NULL && !cache_new_session(c, &rec, user, raw, remember))
        return false;
    *token = arena_strdup(c->resp->arena, raw);
    return true;
}

/* handler_start_session - see handlers.h. */
bool handler_start_session(struct call *c, const char *user_id, bool remember, const char **token)
{
    return start_session(c, user_id, NULL, remember, token);
}

/* lowered_email - the request's e-mail, lower-cased as Better Auth stores and looks it up. */
static char *lowered_email(struct call *c)
{
    const struct value *v = &c->in.body[FIELD_EMAIL];
    char *email = arena_strndup(c->req->arena, v->str, v->len);

    email_lowercase(email, v->len);
    return email;
}

/* iso_now - the current time as Better Auth's JSON shows it, in the arena. */
static const char *iso_now(struct arena *a)
{
    char buf[TEXT_ISO_TIME_SIZE];

    (void)text_iso_time(session_now_ms(), buf);
    return arena_strdup(a, buf);
}

/* answer_unverified_sign_up - {"token":null,"user":...}: a real new user, or (user NULL, for
 * an address that is taken) Better Auth's synthetic one with a fresh id and no database
 * write, so that sign-up tells nobody which addresses exist. */
static void answer_unverified_sign_up(struct call *c, const struct user_record *user,
                                      const char *email)
{
    const struct value *image = &c->in.body[FIELD_IMAGE];
    char id[RANDOM_TOKEN_LEN + 1];
    struct user_record synthetic;
    struct json_object *obj;

    if (user == NULL) {
        if (random_token(id, RANDOM_TOKEN_LEN) != 0) {
            router_fail(c, FAIL_RANDOM);
            return;
        }
        synthetic = (struct user_record){
            .id = arena_strdup(c->resp->arena, id),
            .name = c->in.body[FIELD_NAME].str,
            .email = email,
            .image = image->kind == VALUE_STRING ? image->str : NULL,
            .created_at = iso_now(c->resp->arena),
        };
        synthetic.updated_at = synthetic.created_at;
        user = &synthetic;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "token", NULL);
    json_object_object_add(obj, "user", json_view_user(user));
    response_json(c->resp, 200, obj);
}

/* duplicate_sign_up - an address that is taken: 422, or with verification required the
 * synthetic answer after the same hash work a new user costs. */
static void duplicate_sign_up(struct call *c, const char *email)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    char hash[PASSWORD_HASH_SIZE];

    if (!c->app->require_email_verification) {
        response_http_error(c->resp, HTTP_ERROR_USER_ALREADY_EXISTS);
        return;
    }
    (void)password_hash(&c->app->passwords, pw->str, pw->len, hash, sizeof(hash));
    explicit_bzero(hash, sizeof(hash));
    answer_unverified_sign_up(c, NULL, email);
}

/* handle_sign_up - POST /sign-up/email: user + credential account + session (+ verification
 * mail) in one transaction. The e-mail is checked first so a duplicate costs no hash; a
 * concurrent duplicate that slips past the check still ends as a duplicate through the unique
 * constraint. */
void handle_sign_up(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    const struct value *image = &c->in.body[FIELD_IMAGE];
    const struct value *name = &c->in.body[FIELD_NAME];
    char user_id[RANDOM_TOKEN_LEN + 1], account_id[RANDOM_TOKEN_LEN + 1];
    char raw[RANDOM_TOKEN_LEN + 1], stored[SESSION_STORED_TOKEN_SIZE], sid[RANDOM_TOKEN_LEN + 1];
    char hash[PASSWORD_HASH_SIZE];
    struct user_record user;
    struct session_record session;
    struct new_session ns;
    struct new_user nu;
    struct new_mail mail;
    struct json_object *obj;
    const char *existing_hash = NULL;
    bool remember = remember_me(c);
    /* Better Auth: no automatic sign-in while verification is required. */
    bool start_session = !c->app->require_email_verification;
    enum fail_reason why = FAIL__MAX;
    bool send_mail = c->app->verify_on_sign_up && c->app->mail != NULL;
    enum db_status st;
    char *email = lowered_email(c);

    if (!handler_password_length(c, pw, true))
        return;
    st = c->app->store->ops->user_by_email(c->app->store->impl, c->resp->arena, email, &user,
                                           &existing_hash);
    if (st == DB_OK) {
        duplicate_sign_up(c, email);
        return;
    }
    if (st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    if (password_hash(&c->app->passwords, pw->str, pw->len, hash, sizeof(hash)) != PASSWORD_OK)
        why = FAIL_PASSWORD_HASH;
    else if (random_token(user_id, RANDOM_TOKEN_LEN) != 0 ||
             random_token(account_id, RANDOM_TOKEN_LEN) != 0)
        why = FAIL_RANDOM;
    else if (start_session &&
             session_new(c->app, c->req, user_id, remember, &ns, raw, stored, sid) != 0)
        why = FAIL_SESSION_TOKEN;
    if (why != FAIL__MAX) {
        explicit_bzero(hash, sizeof(hash));
        router_fail(c, why);
        return;
    }
    if (send_mail) {
        struct user_record to_be = {.id = user_id, .name = name->str, .email = email};

        if (!handler_verification_mail(c, &to_be,
                                       c->in.body[FIELD_CALLBACK_URL].kind == VALUE_STRING
                                           ? c->in.body[FIELD_CALLBACK_URL].str
                                           : NULL,
                                       &mail)) {
            explicit_bzero(hash, sizeof(hash));
            return;
        }
    }
    nu = (struct new_user){
        .id = user_id,
        .name = name->str,
        .email = email,
        .image = image->kind == VALUE_STRING ? image->str : NULL,
        .account_id = account_id,
        .password_hash = hash,
        .mail = send_mail ? &mail : NULL,
    };
    st = c->app->store->ops->sign_up(c->app->store->impl, c->resp->arena, &nu,
                                     start_session ? &ns : NULL, &user, &session);
    explicit_bzero(hash, sizeof(hash));
    if (st == DB_CONFLICT) {
        duplicate_sign_up(c, email);
        return;
    }
    if (st != DB_OK) {
        router_store_error(c, st);
        return;
    }
    if (send_mail)
        log_event(LOG_LEVEL_INFO, "mail_queued", "kind=verify-email");
    if (!start_session) {
        answer_unverified_sign_up(c, &user, email);
        return;
    }
    if (session_set_cookies(c->app, c->resp, raw, remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    if (!cache_new_session(c, &session, &user, raw, remember))
        return;
    obj = json_object_new_object();
    json_object_object_add(obj, "token", json_object_new_string(raw));
    json_object_object_add(obj, "user", json_view_user(&user));
    response_json(c->resp, 200, obj);
}

/* upgrade_hash - after a successful sign-in with an old-format hash, store the configured
 * format. A failure here must not fail the sign-in: it is logged and retried next time. */
static void upgrade_hash(struct call *c, const char *user_id, const struct value *pw)
{
    char hash[PASSWORD_HASH_SIZE];
    enum db_status st;

    if (password_hash(&c->app->passwords, pw->str, pw->len, hash, sizeof(hash)) != PASSWORD_OK) {
        log_event(LOG_LEVEL_WARN, "password_upgrade_failed", "reason=hash");
        return;
    }
    st = c->app->store->ops->password_set(c->app->store->impl, c->resp->arena, user_id, hash,
                                          NULL, NULL);
    explicit_bzero(hash, sizeof(hash));
    if (st != DB_OK)
        log_event(LOG_LEVEL_WARN, "password_upgrade_failed", "reason=%s", db_status_name(st));
}

/* refuse_unverified - sign-in of an unverified address while verification is required: 403,
 * after a new link is queued when AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN asks for one. */
static void refuse_unverified(struct call *c, const struct user_record *user)
{
    const struct value *callback = &c->in.body[FIELD_CALLBACK_URL];
    const char *link_callback = callback->kind == VALUE_STRING ? callback->str : NULL;
    struct new_mail mail;
    enum db_status st;

    if (c->app->verify_on_sign_in && c->app->mail != NULL) {
        if (!handler_verification_mail(c, user, link_callback, &mail))
            return;
        st = c->app->store->ops->mail_issue(c->app->store->impl, &mail);
        if (st != DB_OK) {
            router_store_error(c, st);
            return;
        }
        log_event(LOG_LEVEL_INFO, "mail_queued", "kind=verify-email");
    }
    response_http_error(c->resp, HTTP_ERROR_EMAIL_NOT_VERIFIED);
}

/* guard_account - the per-account limit (account_guard.h), claimed for every address alike,
 * with or without an account, before anything is looked up. Returns true when the attempt
 * may go on; otherwise resp holds the answer, the rate limiter's 429. */
static bool guard_account(struct call *c, const char *email)
{
    bool allowed = true;
    int retry_after = 0;
    enum fail_reason why = FAIL_NONE;
    enum db_status st;

    if (!c->app->account_guard)
        return true;
    st = account_guard_claim(c->app, email, &allowed, &retry_after, &why);
    if (st != DB_OK) {
        router_failed(c, st, why);
        return false;
    }
    if (!allowed)
        response_too_many(c->resp, retry_after);
    return allowed;
}

/* guard_success - the right password: not a failure, and the delay starts over. Like every
 * store failure, one here answers 503/500 (never a 200 on a database error); the attempt then
 * stays counted as a failure. Returns true when the sign-in may go on. */
static bool guard_success(struct call *c, const char *email)
{
    enum fail_reason why = FAIL_NONE;
    enum db_status st;

    if (!c->app->account_guard)
        return true;
    st = account_guard_success(c->app, email, &why);
    if (st != DB_OK) {
        router_failed(c, st, why);
        return false;
    }
    return true;
}

/* hash_kinds - the kinds of hash in play (password_verify_equally): read from the account table
 * on the worker's first sign-in, before the e-mail is looked up, so that its cost falls on
 * both branches. NULL after answering a store failure (read again on the next sign-in). */
static struct password_kinds *hash_kinds(struct call *c)
{
    const char *hashes[16];
    size_t count = 0;
    enum db_status st;

    if (c->app->hash_kinds_read)
        return &c->app->hash_kinds;
    st = c->app->store->ops->password_kinds(c->app->store->impl, c->req->arena, hashes,
                                            sizeof(hashes) / sizeof(hashes[0]), &count);
    if (st != DB_OK) {
        router_store_error(c, st);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (!password_kinds_add(&c->app->hash_kinds, hashes[i]) &&
            c->app->hash_kinds.count == PASSWORD_KINDS_MAX)
            log_event(LOG_LEVEL_WARN, "password_kinds_full", "max=%d", PASSWORD_KINDS_MAX);
    c->app->hash_kinds_read = true;
    return &c->app->hash_kinds;
}

/* handle_sign_in - POST /sign-in/email. Unknown e-mail, missing credential, unreadable hash
 * and wrong password give the same 401 after the same hash work, whatever kinds of hash the
 * database holds (password_verify_equally). */
void handle_sign_in(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    const struct value *email_value = &c->in.body[FIELD_EMAIL];
    const struct value *callback = &c->in.body[FIELD_CALLBACK_URL];
    struct user_record user;
    const char *hash = NULL, *token;
    bool needs_upgrade = false;
    struct password_kinds *kinds;
    struct json_object *obj;
    enum password_status ps;
    enum db_status st;
    char *email;

    if (!email_is_valid(email_value->str, email_value->len)) {
        response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL);
        return;
    }
    if (!handler_password_length(c, pw, false))
        return;
    email = lowered_email(c);
    if (!guard_account(c, email))
        return;
    kinds = hash_kinds(c);
    if (kinds == NULL)
        return;
    st = c->app->store->ops->user_by_email(c->app->store->impl, c->resp->arena, email, &user,
                                           &hash);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    ps = password_verify_equally(&c->app->passwords, kinds, pw->str, pw->len,
                                 st == DB_OK ? hash : NULL, &needs_upgrade);
    if (ps != PASSWORD_OK) {
        if (st == DB_OK && hash != NULL && (ps == PASSWORD_FAIL || ps == PASSWORD_BAD_HASH))
            log_event(LOG_LEVEL_WARN, "password_verify_failed", "reason=%s",
                      ps == PASSWORD_FAIL ? "internal" : "unknown_hash_format");
        response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL_OR_PASSWORD);
        return;
    }
    if (!guard_success(c, email))
        return;
    if (needs_upgrade)
        upgrade_hash(c, user.id, pw);
    if (c->app->require_email_verification && !user.email_verified) {
        refuse_unverified(c, &user);
        return;
    }
    if (!start_session(c, user.id, &user, remember_me(c), &token))
        return;
    obj = json_object_new_object();
    if (callback->kind == VALUE_STRING && callback->len > 0) {
        /* The client follows "url" as the browser follows Location: both are composed alike. */
        const char *url = origin_safe_location(&c->app->origins, c->resp->arena,
                                               &(struct origin_location){.target = callback->str});

        json_object_object_add(obj, "redirect", json_object_new_boolean(1));
        json_object_object_add(obj, "token", json_object_new_string(token));
        json_object_object_add(obj, "url", json_object_new_string(url));
        response_header(c->resp, "Location", url);
    } else {
        json_object_object_add(obj, "redirect", json_object_new_boolean(0));
        json_object_object_add(obj, "token", json_object_new_string(token));
        /* Better Auth echoes an empty callbackURL as "url": "" (and sends no Location). */
        if (callback->kind == VALUE_STRING)
            json_object_object_add(obj, "url", json_object_new_string(""));
    }
    json_object_object_add(obj, "user", json_view_user(&user));
    response_json(c->resp, 200, obj);
}

/* handle_sign_out - POST /sign-out: always 200 and the deletion cookies; the presented
 * session's row goes if there is one. */
void handle_sign_out(struct call *c)
{
    struct session_state st;
    struct json_object *obj;
    enum db_status rc;
    char stored[SESSION_STORED_TOKEN_SIZE];

    rc = session_resolve(c->app, c->req, c->resp, false, &st);
    if (rc != DB_OK) {
        router_failed(c, rc, st.failure);
        return;
    }
    if (st.found == SESSION_VALID) {
        if (session_stored_token(c->app, st.token, stored) != 0) {
            router_fail(c, FAIL_TOKEN_DIGEST);
            return;
        }
        rc = c->app->store->ops->session_delete_token(c->app->store->impl, stored);
        if (rc != DB_OK && rc != DB_NOTFOUND) {
            router_store_error(c, rc);
            return;
        }
    }
    session_clear_cookies(c->app, c->resp);
    obj = json_object_new_object();
    json_object_object_add(obj, "success", json_object_new_boolean(1));
    response_json(c->resp, 200, obj);
}
