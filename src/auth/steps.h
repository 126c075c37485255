/* steps - what more than one handler does: check a password's length, hash one, start a
 * session, look a user up by e-mail, prepare a mail link, answer {"status":true}, fail
 * without leaving half-made headers. Handlers (handler_*.c) call these and the modules below
 * them, never each other.
 *
 * Secrets (password hashes, raw session tokens) are held in the request's arena, which wipes
 * every byte it handed out when the request ends (arena_reset): no handler wipes by hand. */
#ifndef AUTHFCGI_STEPS_H
#define AUTHFCGI_STEPS_H

#include <stdbool.h>

#include "auth/http.h"
#include "global/mail.h"
#include "global/store.h"

struct call;
struct value;

/* steps_password_length - Better Auth's length rules on a password value, counted in UTF-16
 * units: check_min adds PASSWORD_TOO_SHORT (8). Returns true when acceptable; otherwise c's
 * response holds the 400. */
bool steps_password_length(struct call *c, const struct value *pw, bool check_min);

/* steps_hash_password - pw hashed in the configured format, in the request's arena (wiped when
 * the request ends). NULL when hashing failed; nothing is answered. */
const char *steps_hash_password(struct call *c, const struct value *pw);

/* steps_new_session - a new session for user_id (session_new) whose id, stored token and raw
 * token (*raw) live in the request's arena. False when no token could be made; nothing is
 * answered (the caller's 500 is FAIL_SESSION_TOKEN). */
bool steps_new_session(struct call *c, const char *user_id, bool remember, struct new_session *ns,
                       const char **raw);

/* steps_stored_token - the stored form of the raw token raw (session_stored_token: the raw
 * token itself under plain storage) in the request's arena. NULL when it could not be
 * computed; nothing is answered (the caller's 500 is FAIL_TOKEN_DIGEST). */
char *steps_stored_token(struct call *c, const char *raw);

/* steps_start_session - create a session for user, add its cookies (the cookie cache's too),
 * and return the raw token (request's arena) in *token. Returns false after answering the
 * error. */
bool steps_start_session(struct call *c, const struct user_record *user, bool remember,
                         const char **token);

/* steps_cache_session - add the cookie cache line (when AUTHFCGI_COOKIE_CACHE is on) for the
 * session row rec just created for user, whose raw token is raw, as Better Auth's
 * setSessionCookie adds it; rec NULL adds nothing. Returns false after answering the error. */
bool steps_cache_session(struct call *c, const struct session_record *rec,
                         const struct user_record *user, const char *raw, bool remember);

/* steps_account_guard - the per-account limit (account_guard.h) on key when
 * AUTHFCGI_ACCOUNT_GUARD is on: claim an attempt (success false) or record a success, which
 * starts the delay over. True when the request may go on; otherwise it is answered: the rate
 * limiter's 429, or like every store failure 503/500 (never a 200 on a database error; the
 * attempt then stays counted). */
bool steps_account_guard(struct call *c, const char *key, bool success);

/* steps_lowered_email - a copy of the e-mail s in the request's arena, lower-cased as Better
 * Auth stores, looks up and compares addresses. */
char *steps_lowered_email(struct call *c, const char *s);

/* steps_find_user - look the (lowered) e-mail up: true with *found, and when found the user
 * and its credential hash (NULL without one); false after answering a store failure. */
bool steps_find_user(struct call *c, const char *email, struct user_record *user, const char **hash,
                     bool *found);

/* steps_store_failed, steps_fail - the 5xx of router_store_error and router_fail, with no
 * header set so far (a refreshed session cookie, a redirect) surviving into it. */
void steps_store_failed(struct call *c, enum db_status st);
void steps_fail(struct call *c, enum fail_reason why);

/* steps_verification_mail - prepare a verify-email link for user: to the user's own address,
 * or with new_email to that address as a change-email link; callback NULL or "" stands for
 * "/". A fresh single-use row, the JWT, the link, the rendered mail, all in the request's
 * arena, ready for a store operation that queues it. Needs c->app->mail. Returns false after
 * answering 500 (steps_fail). */
bool steps_verification_mail(struct call *c, const struct user_record *user, const char *new_email,
                             const char *callback, struct new_mail *out);

/* steps_prepare_mail - render kind for recipient with url into out, with a fresh verification
 * row identifier -> user_id that lives as long as the link. False after answering 500. */
bool steps_prepare_mail(struct call *c, enum mail_kind kind, const char *recipient,
                        const char *name, const char *url, const char *identifier,
                        const char *user_id, struct new_mail *out);

/* steps_current_password - verify pw against the session user's credential: false after
 * answering INVALID_PASSWORD or a store error. A user without a credential account gets
 * CREDENTIAL_ACCOUNT_NOT_FOUND with say_missing (change-password, delete-user), else
 * INVALID_PASSWORD (verify-password, the plugins), as in Better Auth. */
bool steps_current_password(struct call *c, const struct value *pw, bool say_missing);

/* steps_answer_status_true - 200 {"status":true}. */
void steps_answer_status_true(struct call *c);

#endif
