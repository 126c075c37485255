/* handler_sign - sign-up, sign-in and sign-out by e-mail and password (PROTOCOL.md §8). With
 * AUTHFCGI_REQUIRE_EMAIL_VERIFICATION sign-up starts no session and mails a verification link,
 * and sign-in refuses an unverified address after checking the password. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "auth/admin.h"
#include "auth/app.h"
#include "auth/call_store.h"
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
#include "auth/steps.h"
#include "auth/two_factor.h"
#include "global/store.h"
#include "util/text.h"

/* remember_me - rememberMe defaults to true; only an explicit false makes a short session. */
static bool remember_me(const struct call *c)
{
    const struct value *v = &c->in.body[FIELD_REMEMBER_ME];

    return !(v->kind == VALUE_BOOLEAN && !v->boolean);
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
            .role = c->app->admin ? ADMIN_DEFAULT_ROLE : NULL, /* as a new user's */
        };
        synthetic.updated_at = synthetic.created_at;
        user = &synthetic;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "token", NULL);
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, user));
    response_json(c->resp, 200, obj);
}

/* duplicate_sign_up - an address that is taken: 422, or with verification required the
 * synthetic answer after the same hash work a new user costs. */
static void duplicate_sign_up(struct call *c, const char *email)
{
    if (!c->app->require_email_verification) {
        response_http_error(c->resp, HTTP_ERROR_USER_ALREADY_EXISTS);
        return;
    }
    (void)steps_hash_password(c, &c->in.body[FIELD_PASSWORD]);
    answer_unverified_sign_up(c, NULL, email);
}

/* sign_up_settle - the sign-up was sent to the database but the answer to its COMMIT was lost
 * (DB_UNKNOWN): look the address up again (db reconnects) to learn what happened. A row with
 * the id this attempt drew means it committed: DB_OK, *user as the sign-up would have
 * returned it (the session and mail committed with it). Another user's row means it did not
 * and the address is taken: DB_CONFLICT. No row: nothing was committed, DB_RETRY. When the
 * lookup fails too the outcome stays unknown. Logged, so an operator sees the case. */
static enum db_status sign_up_settle(struct call *c, const char *email, const char *user_id,
                                     struct user_record *user)
{
    const char *hash = NULL;
    enum db_status st = call_store_user_by_email(c, email, user, &hash);
    enum db_status outcome = DB_UNKNOWN;

    switch (st) {
    case DB_OK:
        outcome = strcmp(user->id, user_id) == 0 ? DB_OK : DB_CONFLICT;
        break;
    case DB_NOTFOUND:
        outcome = DB_RETRY;
        break;
    case DB_CONFLICT:
    case DB_INVALID:
    case DB_RETRY:
    case DB_FAIL:
    case DB_UNKNOWN:
        break;
    }
    log_event(LOG_LEVEL_WARN, "sign_up_outcome_unknown", "lookup=%s settled=%s reason=%s",
              db_status_name(st), outcome == DB_OK ? "committed" : db_status_name(outcome),
              "the database connection was lost after COMMIT was sent");
    return outcome;
}

/* A sign-up being prepared: what the store's one transaction writes. */
struct sign_up {
    struct new_user user;
    struct new_session session; /* when start_session */
    struct new_mail mail;       /* when send_mail */
    const char *raw_token;      /* the new session's token (request's arena), when start_session */
    bool remember;
    /* Better Auth: no automatic sign-in while verification is required. */
    bool start_session;
    bool send_mail;
};

/* prepare_sign_up - the new user for email with its ids, password hash, session and
 * verification mail, in su. Returns false after answering the error. */
static bool prepare_sign_up(struct call *c, const char *email, struct sign_up *su)
{
    const struct value *image = &c->in.body[FIELD_IMAGE];
    const char *name = c->in.body[FIELD_NAME].str;
    char *user_id = arena_alloc(c->req->arena, RANDOM_TOKEN_LEN + 1);
    char *account_id = arena_alloc(c->req->arena, RANDOM_TOKEN_LEN + 1);
    const char *hash = steps_hash_password(c, &c->in.body[FIELD_PASSWORD]);
    enum fail_reason why = FAIL__MAX;

    if (hash == NULL)
        why = FAIL_PASSWORD_HASH;
    else if (random_token(user_id, RANDOM_TOKEN_LEN) != 0 ||
             random_token(account_id, RANDOM_TOKEN_LEN) != 0)
        why = FAIL_RANDOM;
    else if (su->start_session &&
             !steps_new_session(c, user_id, su->remember, &su->session, &su->raw_token))
        why = FAIL_SESSION_TOKEN;
    if (why != FAIL__MAX) {
        router_fail(c, why);
        return false;
    }
    if (su->send_mail) {
        struct user_record to_be = {.id = user_id, .name = name, .email = email};
        const struct value *callback = &c->in.body[FIELD_CALLBACK_URL];

        if (!steps_verification_mail(
                c, &to_be, NULL, callback->kind == VALUE_STRING ? callback->str : NULL, &su->mail))
            return false;
    }
    su->user = (struct new_user){
        .id = user_id,
        .name = name,
        .email = email,
        .image = image->kind == VALUE_STRING ? image->str : NULL,
        .role = c->app->admin ? ADMIN_DEFAULT_ROLE : NULL,
        .account_id = account_id,
        .password_hash = hash,
        .mail = su->send_mail ? &su->mail : NULL,
    };
    return true;
}

/* answer_signed_up - the new user's answer: with a session its cookies and token, else the
 * unverified answer. session is the store's row for the cookie cache; NULL when a lost COMMIT
 * was settled by a lookup (no row came back: get-session writes the cache line later). */
static void answer_signed_up(struct call *c, const struct sign_up *su,
                             const struct session_record *session, const struct user_record *user)
{
    struct json_object *obj;

    if (su->send_mail)
        log_event(LOG_LEVEL_INFO, "mail_queued", "kind=verify-email");
    if (!su->start_session) {
        answer_unverified_sign_up(c, user, su->user.email);
        return;
    }
    if (session_set_cookies(c->app, c->req, c->resp, su->raw_token, su->remember) != 0) {
        router_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    if (!steps_cache_session(c, session, user, su->raw_token, su->remember))
        return;
    obj = json_object_new_object();
    json_object_object_add(obj, "token", json_object_new_string(su->raw_token));
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, user));
    response_json(c->resp, 200, obj);
}

/* handle_sign_up - POST /sign-up/email: user + credential account + session (+ verification
 * mail) in one transaction. The e-mail is checked first so a duplicate costs no hash; a
 * concurrent duplicate that slips past the check still ends as a duplicate through the unique
 * constraint. */
void handle_sign_up(struct call *c)
{
    struct sign_up su = {
        .remember = remember_me(c),
        .start_session = !c->app->require_email_verification,
        .send_mail = c->app->verify_on_sign_up && c->app->mail != NULL,
    };
    struct user_record user;
    struct session_record session;
    const char *existing_hash;
    bool taken, settled = false;
    enum db_status st;
    char *email = steps_lowered_email(c, c->in.body[FIELD_EMAIL].str);

    if (!steps_password_length(c, &c->in.body[FIELD_PASSWORD], true))
        return;
    if (!steps_find_user(c, email, &user, &existing_hash, &taken))
        return;
    if (taken) {
        duplicate_sign_up(c, email);
        return;
    }
    if (!prepare_sign_up(c, email, &su))
        return;
    st = call_store_sign_up(c, &su.user, su.start_session ? &su.session : NULL, &user, &session);
    if (st == DB_UNKNOWN) {
        st = sign_up_settle(c, email, su.user.id, &user);
        settled = true;
    }
    if (st == DB_CONFLICT) {
        duplicate_sign_up(c, email);
        return;
    }
    if (st != DB_OK) {
        router_store_error(c, st);
        return;
    }
    answer_signed_up(c, &su, settled ? NULL : &session, &user);
}

/* upgrade_hash - after a successful sign-in with the old-format hash old, store the configured
 * format, unless the password changed meanwhile (a reset must not be undone by a sign-in with
 * the password it replaced). A failure here must not fail the sign-in: it is logged and
 * retried next time. */
static void upgrade_hash(struct call *c, const char *user_id, const char *old,
                         const struct value *pw)
{
    const char *hash = steps_hash_password(c, pw);
    enum db_status st;

    if (hash == NULL) {
        log_event(LOG_LEVEL_WARN, "password_upgrade_failed", "reason=hash");
        return;
    }
    st = call_store_password_upgrade(c, user_id, old, hash);
    if (st == DB_NOTFOUND)
        log_event(LOG_LEVEL_INFO, "password_upgrade_skipped", "reason=changed_meanwhile");
    else if (st != DB_OK)
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
        if (!steps_verification_mail(c, user, NULL, link_callback, &mail))
            return;
        st = call_store_mail_issue(c, &mail);
        if (st != DB_OK) {
            router_store_error(c, st);
            return;
        }
        log_event(LOG_LEVEL_INFO, "mail_queued", "kind=verify-email");
    }
    response_http_error(c->resp, HTTP_ERROR_EMAIL_NOT_VERIFIED);
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
    st = call_store_password_kinds(c, hashes, sizeof(hashes) / sizeof(hashes[0]), &count);
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

/* check_password - the user behind email and whether the password is theirs. Unknown e-mail,
 * missing credential, unreadable hash and wrong password give the same 401 after the same
 * hash work, whatever kinds of hash the database holds (password_verify_equally). Returns true
 * for the right password (*needs_upgrade when its hash is of an old format, *checked that
 * hash); otherwise c's response holds the answer. */
static bool check_password(struct call *c, const char *email, struct user_record *user,
                           bool *needs_upgrade, const char **checked)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    struct password_kinds *kinds = hash_kinds(c);
    const char *hash = NULL;
    bool found;
    enum password_status ps;

    if (kinds == NULL || !steps_find_user(c, email, user, &hash, &found))
        return false;
    ps = password_verify_equally(&c->app->passwords, kinds, pw->str, pw->len, found ? hash : NULL,
                                 needs_upgrade);
    if (ps != PASSWORD_OK) {
        if (found && hash != NULL && (ps == PASSWORD_FAIL || ps == PASSWORD_BAD_HASH))
            log_event(LOG_LEVEL_WARN, "password_verify_failed", "reason=%s",
                      ps == PASSWORD_FAIL ? "internal" : "unknown_hash_format");
        response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL_OR_PASSWORD);
        return false;
    }
    *checked = hash;
    return true;
}

/* answer_signed_in - 200 with the new session's token and the user; with a non-empty
 * callbackURL also "redirect":true, its "url" and a Location. */
static void answer_signed_in(struct call *c, const struct user_record *user, const char *token)
{
    const struct value *callback = &c->in.body[FIELD_CALLBACK_URL];
    struct json_object *obj = json_object_new_object();

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
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, user));
    response_json(c->resp, 200, obj);
}

/* handle_sign_in - POST /sign-in/email: the per-account limit, the password (check_password),
 * an upgrade of an old-format hash, the verification rule, then a new session. */
void handle_sign_in(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    const struct value *email_value = &c->in.body[FIELD_EMAIL];
    struct user_record user;
    const char *token;
    const char *checked = NULL;
    bool needs_upgrade = false;
    char *email;

    if (!email_is_valid(email_value->str, email_value->len)) {
        response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL);
        return;
    }
    if (!steps_password_length(c, pw, false))
        return;
    email = steps_lowered_email(c, email_value->str);
    /* The per-account limit is claimed for every address alike, with or without an account,
     * before anything is looked up; the right password then starts its delay over. */
    if (!steps_account_guard(c, email, false) ||
        !check_password(c, email, &user, &needs_upgrade, &checked) ||
        !steps_account_guard(c, email, true))
        return;
    if (needs_upgrade)
        upgrade_hash(c, user.id, checked, pw);
    if (c->app->require_email_verification && !user.email_verified) {
        refuse_unverified(c, &user);
        return;
    }
    if (c->app->admin && !admin_sign_in_allowed(c, &user)) /* bans (admin.h) */
        return;
    /* after the ban check, as Better Auth's session hook: a banned user never gets a challenge */
    if (two_factor_sign_in(c, &user, remember_me(c)))
        return;
    if (!steps_start_session(c, &user, remember_me(c), &token))
        return;
    answer_signed_in(c, &user, token);
}

/* handle_sign_out - POST /sign-out: always 200 and the deletion cookies; the presented
 * session's row goes if there is one. */
void handle_sign_out(struct call *c)
{
    struct session_state st;
    struct json_object *obj;
    enum db_status rc;
    const char *stored;

    rc = session_resolve(c->app, c->req, c->resp, 0, &st);
    if (rc != DB_OK) {
        router_failed(c, rc, st.failure);
        return;
    }
    if (st.found == SESSION_VALID) {
        if ((stored = steps_stored_token(c, st.token)) == NULL) {
            router_fail(c, FAIL_TOKEN_DIGEST);
            return;
        }
        rc = call_store_session_delete_token(c, stored);
        if (rc != DB_OK && rc != DB_NOTFOUND) {
            router_store_error(c, rc);
            return;
        }
    }
    session_clear_cookies(c->app, c->req, c->resp);
    obj = json_object_new_object();
    json_object_object_add(obj, "success", json_object_new_boolean(1));
    response_json(c->resp, 200, obj);
}
