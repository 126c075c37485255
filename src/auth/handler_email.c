/* handler_email - the mail links (PROTOCOL.md §8, §9): request-password-reset and the two
 * reset-password endpoints, send-verification-email and verify-email, change-email (the
 * verification mail of sign-up and sign-in is prepared by steps.c). A mail is rendered by
 * steps.c and queued in the outbox by the store in the transaction of the change it belongs
 * to; delivery is `authfcgi mail`'s.
 *
 * Links come from the configured base URL (origins.api_base), never from the request. Every
 * link works once: a reset token is a verification row, used up by the reset; a verify-email
 * JWT carries a "jti" naming a verification row, used up by the verification (Better Auth's
 * JWTs are stateless and replayable until they expire: a documented deviation). */
#include "config.h"

#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "auth/call_store.h"
#include "util/arena.h"
#include "util/email.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "util/log.h"
#include "global/mail.h"
#include "auth/mail_token.h"
#include "auth/origin.h"
#include "auth/password.h"
#include "util/random.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "global/store.h"

static const char reset_requested[] =
    "If this email exists in our system, check your email for the reset link";

/* resolve_session - session_resolve with flags; false after answering its failure (no
 * half-made cookie survives into the 5xx). */
static bool resolve_session(struct call *c, unsigned flags, struct session_state *st)
{
    enum db_status rc = session_resolve(c->app, c->req, c->resp, flags, st);

    if (rc != DB_OK) {
        c->resp->nheaders = 0;
        router_failed(c, rc, st->failure);
        return false;
    }
    return true;
}

/* redirect - Better Auth's endpoint redirects: 302, a Location composed by origin_safe_location
 * (never one that leaves the trusted origins), an empty application/json body. */
static void redirect(struct call *c, const struct origin_location *loc)
{
    response_header(c->resp, "Location",
                    origin_safe_location(&c->app->origins, c->req->arena, loc));
    c->resp->status = 302;
    c->resp->body = "";
    c->resp->body_len = 0;
}

/* string_of - a validated optional string field, or NULL. */
static const char *string_of(const struct value *v)
{
    return v->kind == VALUE_STRING ? v->str : NULL;
}

/* issue - queue m with its row; false after answering the store's error. */
static bool issue(struct call *c, const struct new_mail *m)
{
    enum db_status st = call_store_mail_issue(c, m);

    if (st != DB_OK) {
        steps_store_failed(c, st);
        return false;
    }
    log_event(LOG_LEVEL_INFO, "mail_queued", "kind=%s", mail_kind_name(m->message->kind));
    return true;
}

/* ---- mails queued after the answer ----
 * request-password-reset, change-email and send-verification-email without a session give the
 * same answer whether or not the address belongs to someone, and only one of the two branches
 * has a mail to queue: a link to sign, a mail to render, and a transaction with a verification
 * row and an outbox row whose commit waits for the WAL flush - a millisecond or more that the
 * other branch would not spend, and the answer's timing would name the address. So both
 * branches answer right after the same lookup, and the mail is prepared and queued once the
 * answer has been delivered (response_defer), still in one transaction: nothing is half-written.
 * Equal database work on both branches was the other way; it would need a fake transaction
 * with a commit as costly as a real one on every unknown address. The price: a store failure
 * after the answer cannot reach the client (who could not have been told without telling that
 * the address exists); it is logged as mail_not_queued, and the user asks again.
 *
 * The branch without a mail does the same after its answer, short of queueing: it prepares the
 * mail it would send (link, signature, rendering) and reads the row's identifier instead of
 * writing it. On a busy machine the work that follows an answer competes for the CPU with
 * delivering it, and it keeps the worker from the next request: both must not differ either
 * (measured: without it the mailing branch answered ~0.1 ms, 12-14 %, later on 2 busy cores). */

struct later_mail {
    struct call call;        /* the handler's call, answering into scratch from now on */
    struct response scratch; /* where a failure's error answer goes: the real one is sent */
    enum mail_kind kind;     /* MAIL_RESET_PASSWORD, MAIL_VERIFY_EMAIL or MAIL_CHANGE_EMAIL */
    struct user_record user; /* whose account the link is for (nobody's: id "") */
    const char *new_email;   /* MAIL_CHANGE_EMAIL: the address the link moves the account to */
    const char *option;      /* a reset link's redirectTo, or a verification link's callback */
    bool send;               /* false: prepare the mail only, as the other branch would */
};

static bool reset_mail(struct call *c, const struct user_record *user, const char *redirect_to,
                       struct new_mail *out);

/* queue_later - the deferred half of mail_after_answer. */
static void queue_later(void *ctx)
{
    struct later_mail *l = ctx;
    struct call *c = &l->call;
    struct new_mail mail;
    enum db_status st;
    const char *ignored = NULL;
    bool prepared = l->kind == MAIL_RESET_PASSWORD
                        ? reset_mail(c, &l->user, l->option, &mail)
                        : steps_verification_mail(c, &l->user, l->new_email, l->option, &mail);

    if (!l->send) {
        if (l->kind == MAIL_CHANGE_EMAIL) /* logged here: a log line is work too */
            log_event(LOG_LEVEL_INFO, "change_email_taken", NULL);
        if (prepared)
            (void)call_store_verification_find(c, mail.identifier, &ignored);
        return;
    }
    if (!prepared) { /* not the store's failure: router_fail logged what failed */
        log_event(LOG_LEVEL_ERROR, "mail_not_queued", "kind=%s reason=not_prepared",
                  mail_kind_name(l->kind));
        return;
    }
    st = call_store_mail_issue(c, &mail);
    if (st == DB_OK)
        log_event(LOG_LEVEL_INFO, "mail_queued", "kind=%s", mail_kind_name(l->kind));
    else
        log_event(LOG_LEVEL_ERROR, "mail_not_queued", "kind=%s status=%s", mail_kind_name(l->kind),
                  db_status_name(st));
}

/* mail_after_answer - once c's answer is delivered, queue kind for user when send, else only
 * prepare it (see above); user NULL stands for nobody at address. */
static void mail_after_answer(struct call *c, enum mail_kind kind, const struct user_record *user,
                              const char *address, const char *new_email, const char *option,
                              bool send)
{
    struct later_mail *l = arena_alloc(c->req->arena, sizeof(*l));
    struct user_record nobody = {.id = "", .name = "", .email = address};

    *l = (struct later_mail){.call = *c,
                             .kind = kind,
                             .user = user != NULL ? *user : nobody,
                             .new_email = new_email,
                             .option = option,
                             .send = send};
    response_init(&l->scratch, c->req->arena);
    l->call.resp = &l->scratch;
    response_defer(c->resp, queue_later, l);
}

/* ---- password reset ---- */

/* reset_identifier - the verification row of reset token: under hashed token storage (as for
 * session tokens) "reset-password:" + the token's SHA-256 hex, so that a reader of the
 * database gets no live link; under plain storage Better Auth's "reset-password:<token>".
 * NULL after answering 500. A row written in the other form (before the storage changed)
 * is not found: its link answers INVALID_TOKEN, and the row expires within the hour. */
static const char *reset_identifier(struct call *c, const char *token)
{
    const char *stored;

    if (!c->app->hash_session_tokens)
        return arena_printf(c->req->arena, MAIL_TOKEN_RESET_PREFIX "%s", token);
    if ((stored = steps_stored_token(c, token)) == NULL) {
        steps_fail(c, FAIL_TOKEN_DIGEST);
        return NULL;
    }
    return arena_printf(c->req->arena, MAIL_TOKEN_RESET_PREFIX "%s", stored);
}

static void answer_reset_requested(struct call *c)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "status", json_object_new_boolean(1));
    json_object_object_add(obj, "message", json_object_new_string(reset_requested));
    response_json(c->resp, 200, obj);
}

/* reset_mail - a reset link for user: a fresh 24-character token naming a verification row
 * (an hour), the link with redirect_to, the rendered mail. The token, a live link, is held
 * in the request's arena, wiped when the request ends. False after answering 500. */
static bool reset_mail(struct call *c, const struct user_record *user, const char *redirect_to,
                       struct new_mail *out)
{
    char *token = arena_alloc(c->req->arena, RANDOM_RESET_TOKEN_LEN + 1);
    const char *url, *identifier;

    if (random_token(token, RANDOM_RESET_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    url = mail_token_reset_link(c->req->arena, c->app->origins.api_base, token, redirect_to);
    identifier = reset_identifier(c, token);
    return identifier != NULL && steps_prepare_mail(c, MAIL_RESET_PASSWORD, user->email, user->name,
                                                    url, identifier, user->id, out);
}

/* handle_request_password_reset - POST /request-password-reset: the same 200 after the same
 * lookup whether or not the address is known; for a known one the token row and its mail are
 * queued in one transaction after the answer (mail_after_answer). Better Auth gives an
 * unknown address a dummy row lookup instead, which matches a lookup but not a commit. */
void handle_request_password_reset(struct call *c)
{
    struct user_record user;
    const char *hash;
    bool found;
    char *email;

    if (c->app->mail == NULL) {
        response_http_error(c->resp, HTTP_ERROR_RESET_PASSWORD_DISABLED);
        return;
    }
    email = steps_lowered_email(c, c->in.body[FIELD_EMAIL].str);
    if (!steps_find_user(c, email, &user, &hash, &found))
        return;
    mail_after_answer(c, MAIL_RESET_PASSWORD, found ? &user : NULL, email, NULL,
                      string_of(&c->in.body[FIELD_REDIRECT_TO]), found);
    answer_reset_requested(c);
}

/* handle_reset_password_callback - GET /reset-password/:token?callbackURL=: the link in the
 * mail. A live token goes on to the callback (resolved against the base URL) with ?token=,
 * without being used up; anything else with ?error=INVALID_TOKEN, to Better Auth's error page
 * when the callback is empty. */
void handle_reset_password_callback(struct call *c)
{
    const char *callback = c->in.query[FIELD_CALLBACK_URL].str;
    const char *identifier, *user_id = NULL;
    const char *invalid = http_errors[HTTP_ERROR_RESET_TOKEN_INVALID].code;
    enum db_status st = DB_NOTFOUND;

    if (callback[0] != '\0') {
        if ((identifier = reset_identifier(c, c->param)) == NULL)
            return;
        st = call_store_verification_find(c, identifier, &user_id);
        if (st != DB_OK && st != DB_NOTFOUND) {
            steps_store_failed(c, st);
            return;
        }
    }
    redirect(c, &(struct origin_location){.target = callback,
                                          .absolute = true,
                                          .how = ORIGIN_PARAM_SET,
                                          .name = st == DB_OK ? "token" : "error",
                                          .value = st == DB_OK ? c->param : invalid});
}

static void answer_invalid_reset_token(struct call *c)
{
    response_http_error(c->resp, HTTP_ERROR_RESET_TOKEN_INVALID);
}

/* reset_token_refused - answer a store call on a reset token's row that did not succeed:
 * INVALID_TOKEN when the row is gone, expired or used, else the store's failure. Returns
 * true when st was not DB_OK (and so answered). */
static bool reset_token_refused(struct call *c, enum db_status st)
{
    if (st == DB_NOTFOUND)
        answer_invalid_reset_token(c);
    else if (st != DB_OK)
        steps_store_failed(c, st);
    return st != DB_OK;
}

/* handle_reset_password - POST /reset-password: the token from the body, else ?token=; the
 * password length before the token; the token looked at before the costly hash, then used up
 * in the transaction that sets the password (a second use, even a concurrent one, finds it
 * gone). */
void handle_reset_password(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_NEW_PASSWORD];
    const struct value *body_token = &c->in.body[FIELD_TOKEN];
    const struct value *query_token = &c->in.query[FIELD_TOKEN];
    const char *token = body_value_truthy(body_token)    ? body_token->str
                        : body_value_truthy(query_token) ? query_token->str
                                                         : NULL;
    char account_id[RANDOM_TOKEN_LEN + 1];
    const char *identifier, *hash, *user_id = NULL;

    if (token == NULL) {
        answer_invalid_reset_token(c);
        return;
    }
    if (!steps_password_length(c, pw, true))
        return;
    if ((identifier = reset_identifier(c, token)) == NULL)
        return;
    if (reset_token_refused(c, call_store_verification_find(c, identifier, &user_id)))
        return;
    if (random_token(account_id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return;
    }
    if ((hash = steps_hash_password(c, pw)) == NULL) {
        steps_fail(c, FAIL_PASSWORD_HASH);
        return;
    }
    if (reset_token_refused(c,
                            call_store_password_reset(c, identifier, account_id, hash,
                                                      c->app->revoke_sessions_on_reset, &user_id)))
        return;
    steps_answer_status_true(c);
}

/* ---- e-mail verification ---- */

static void answer_verification_disabled(struct call *c)
{
    response_http_error(c->resp, HTTP_ERROR_VERIFICATION_EMAIL_NOT_ENABLED);
}

/* send_anonymously - send-verification-email without a session: the same 200 right after the
 * lookup, and a mail for an existing, unverified user queued after it (mail_after_answer).
 * Better Auth makes both branches wait 500 ms instead, which here would hold a worker idle:
 * two such requests a second would stall it. */
static void send_anonymously(struct call *c)
{
    struct user_record user;
    const char *hash;
    bool found;
    char *email = steps_lowered_email(c, c->in.body[FIELD_EMAIL].str);

    if (!steps_find_user(c, email, &user, &hash, &found))
        return;
    mail_after_answer(c, MAIL_VERIFY_EMAIL, found ? &user : NULL, email, NULL,
                      string_of(&c->in.body[FIELD_CALLBACK_URL]), found && !user.email_verified);
    steps_answer_status_true(c);
}

/* handle_send_verification_email - POST /send-verification-email. With a session only for the
 * session's own, unverified address (EMAIL_MISMATCH, EMAIL_ALREADY_VERIFIED); without one, see
 * send_anonymously. */
void handle_send_verification_email(struct call *c)
{
    const struct value *email = &c->in.body[FIELD_EMAIL];
    struct session_state st;
    struct new_mail mail;

    if (c->app->mail == NULL) {
        answer_verification_disabled(c);
        return;
    }
    /* Better Auth takes the session from the cookie cache here (getSessionFromCtx). */
    if (!resolve_session(c, SESSION_REFRESH | SESSION_QUIET_ON_CACHE, &st))
        return;
    if (st.found != SESSION_VALID) {
        send_anonymously(c);
        return;
    }
    if (strcmp(steps_lowered_email(c, st.user.email), steps_lowered_email(c, email->str)) != 0) {
        response_http_error(c->resp, HTTP_ERROR_EMAIL_MISMATCH);
        return;
    }
    if (st.user.email_verified) {
        response_http_error(c->resp, HTTP_ERROR_EMAIL_ALREADY_VERIFIED);
        return;
    }
    if (!steps_verification_mail(c, &st.user, NULL, string_of(&c->in.body[FIELD_CALLBACK_URL]),
                                 &mail) ||
        !issue(c, &mail))
        return;
    steps_answer_status_true(c);
}

/* verify_failed - Better Auth's redirectOnError: with a callbackURL, a 302 to it with
 * error=CODE appended to its query; without, e's answer. */
static void verify_failed(struct call *c, enum http_error e)
{
    const struct value *callback = &c->in.query[FIELD_CALLBACK_URL];

    if (body_value_truthy(callback)) {
        redirect(c, &(struct origin_location){.target = callback->str,
                                              .how = ORIGIN_PARAM_APPEND,
                                              .name = "error",
                                              .value = http_errors[e].code});
        return;
    }
    response_http_error(c->resp, e);
}

/* verify_done - the success answer: a 302 to the callback, or 200 with user (NULL:
 * "user":null). */
static void verify_done(struct call *c, const struct user_record *user)
{
    const struct value *callback = &c->in.query[FIELD_CALLBACK_URL];
    struct json_object *obj;

    if (body_value_truthy(callback)) {
        redirect(c, &(struct origin_location){.target = callback->str});
        return;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "status", json_object_new_boolean(1));
    json_object_object_add(obj, "user",
                           user != NULL ? json_view_user(&c->app->user_view, user) : NULL);
    response_json(c->resp, 200, obj);
}

/* confirm - use the link's row and apply it (a first verification keeps keep_session_id's
 * session only, see verify_address); false after answering. */
static bool confirm(struct call *c, const struct mail_claims *claims, const char *user_id,
                    const char *keep_session_id, struct user_record *out)
{
    const char *identifier =
        arena_printf(c->req->arena, MAIL_TOKEN_VERIFY_PREFIX "%s", claims->jti);
    enum db_status st = call_store_email_confirm(c, identifier, user_id, claims->email,
                                                 claims->update_to, keep_session_id, out);

    if (st == DB_NOTFOUND) {
        /* Used already, or the user's address moved on since the link was sent. */
        verify_failed(c, HTTP_ERROR_LINK_TOKEN_INVALID);
        return false;
    }
    if (st == DB_CONFLICT) {
        /* The new address was taken after the link was sent (Better Auth: a bare 500). */
        verify_failed(c, HTTP_ERROR_USER_ALREADY_EXISTS);
        return false;
    }
    if (st != DB_OK) {
        steps_store_failed(c, st);
        return false;
    }
    return true;
}

/* verify_change - a change-email link: the session, if any, must be the link's user; the
 * address changes, emailVerified is kept, and a session cookie is sent again (Better Auth
 * re-sets it to carry the new address). The user's sessions all stay: they are the account
 * holder's, who asked for the change from one of them, and the new address's owner only
 * confirms it. emailVerified does not go from false to true here; when the new address is
 * verified later, verify_address ends the sessions as for any first verification. */
static void verify_change(struct call *c, const struct mail_claims *claims,
                          const struct user_record *bound, const struct session_state *st)
{
    struct user_record updated;

    if (st->found == SESSION_VALID && strcmp(st->user.id, bound->id) != 0) {
        verify_failed(c, HTTP_ERROR_INVALID_USER);
        return;
    }
    if (!confirm(c, claims, bound->id, NULL, &updated))
        return;
    if (st->found == SESSION_VALID) {
        c->resp->nheaders = 0;
        if (session_resend_cookies(c->app, c->resp, st) != 0 ||
            session_cache_cookie(c->app, c->resp, &st->session, &updated, !st->dont_remember) !=
                0) {
            steps_fail(c, FAIL_COOKIE_SIGN);
            return;
        }
    }
    verify_done(c, &updated);
}

/* verify_address - a verification link. Its first use on an unverified address ends every
 * session the user had, in the transaction that sets emailVerified: anybody can sign up with
 * an address that is not theirs (verification not required) and keep a session that the
 * owner's verification would otherwise leave alive. Only the session this request carries
 * stays, when it is the user's own: it belongs to whoever opened the link, the address's
 * owner. No session is created here (Better Auth's autoSignInAfterVerification is not
 * supported), so none made after the verification is ever touched. Sessions are resolved
 * without the sliding refresh: this answer sets no cookie, as Better Auth's sets none. */
static void verify_address(struct call *c, const struct mail_claims *claims,
                           const struct user_record *user, const struct session_state *st)
{
    struct user_record updated;

    if (!confirm(c, claims, user->id,
                 st->found == SESSION_VALID && strcmp(st->user.id, user->id) == 0 ? st->session.id
                                                                                  : NULL,
                 &updated))
        return;
    verify_done(c, NULL);
}

/* handle_verify_email - GET /verify-email?token=&callbackURL=: the link of a verification or
 * change-email mail. Failures are 401 codes, or redirects carrying them with a callbackURL. */
void handle_verify_email(struct call *c)
{
    const struct value *token = &c->in.query[FIELD_TOKEN];
    struct mail_claims claims;
    struct user_record user;
    struct session_state session;
    const char *hash;
    bool found;
    enum jwt_status js;

    js = mail_token_read(c->req->arena, c->app->cookies.secret, c->app->cookies.secret_len,
                         token->str, token->len, (int64_t)time(NULL), &claims);
    if (js == JWT_EXPIRED) {
        verify_failed(c, HTTP_ERROR_TOKEN_EXPIRED);
        return;
    }
    if (js == JWT_FAIL) {
        steps_fail(c, FAIL_JWT_READ);
        return;
    }
    /* A token without our jti is not one of our links (Better Auth's own are replayable). */
    if (js != JWT_OK || claims.jti == NULL) {
        verify_failed(c, HTTP_ERROR_LINK_TOKEN_INVALID);
        return;
    }
    if (claims.update_to != NULL && (claims.user_id == NULL || claims.request_type == NULL ||
                                     strcmp(claims.request_type, MAIL_TOKEN_CHANGE_EMAIL) != 0)) {
        verify_failed(c, HTTP_ERROR_LINK_TOKEN_INVALID);
        return;
    }
    if (!steps_find_user(c, claims.email, &user, &hash, &found))
        return;
    if (!found) {
        /* Better Auth finds a change link's user by id and calls a link whose address is no
         * longer the user's INVALID_TOKEN; by address, gone mostly means just that. */
        if (claims.update_to != NULL)
            verify_failed(c, HTTP_ERROR_LINK_TOKEN_INVALID);
        else
            verify_failed(c, HTTP_ERROR_USER_NOT_FOUND);
        return;
    }
    if (claims.user_id != NULL && strcmp(claims.user_id, user.id) != 0) {
        verify_failed(c, HTTP_ERROR_LINK_TOKEN_INVALID);
        return;
    }
    /* A change link re-sends the session cookie, so its session gets the sliding refresh. */
    if (!resolve_session(c, claims.update_to != NULL ? SESSION_REFRESH : 0, &session))
        return;
    if (claims.update_to != NULL)
        verify_change(c, &claims, &user, &session);
    else
        verify_address(c, &claims, &user, &session);
}

/* ---- change of e-mail ---- */

/* handle_change_email - POST /change-email (AUTHFCGI_CHANGE_EMAIL=on): a change-email link to
 * the new address; nothing changes until it is opened. A taken address gets the same 200, at
 * the same time, and no mail. */
void handle_change_email(struct call *c)
{
    const char *callback = string_of(&c->in.body[FIELD_CALLBACK_URL]);
    char *new_email = steps_lowered_email(c, c->in.body[FIELD_NEW_EMAIL].str);
    struct user_record taken;
    const char *hash;
    bool found;

    if (!c->app->change_email) {
        response_http_error(c->resp, HTTP_ERROR_CHANGE_EMAIL_DISABLED);
        return;
    }
    if (strcmp(new_email, c->session.user.email) == 0) {
        response_http_error(c->resp, HTTP_ERROR_EMAIL_IS_THE_SAME);
        return;
    }
    if (c->app->mail == NULL) {
        response_http_error(c->resp, HTTP_ERROR_CHANGE_EMAIL_NOT_ENABLED);
        return;
    }
    if (!steps_find_user(c, new_email, &taken, &hash, &found))
        return;
    /* A free address's link is queued after the answer, and a taken one's only prepared, so
     * that neither answers sooner (mail_after_answer). */
    mail_after_answer(c, MAIL_CHANGE_EMAIL, &c->session.user, NULL, new_email, callback, !found);
    steps_answer_status_true(c);
}
