/* handlers - one function per route; each reads its validated input from the call, talks to
 * the store and fills the response. Grouped by concern in handler_*.c files. */
#ifndef AUTHFCGI_HANDLERS_H
#define AUTHFCGI_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct call;
struct new_mail;
struct user_record;
struct value;

/* handler_meta.c */
void handle_ok(struct call *c);
void handle_error(struct call *c);
void handle_healthz(struct call *c);
void handle_readyz(struct call *c);

/* handler_sign.c */
void handle_sign_up(struct call *c);
void handle_sign_in(struct call *c);
void handle_sign_out(struct call *c);

/* handler_session.c */
void handle_get_session(struct call *c);
void handle_get_session_post(struct call *c);
void handle_list_sessions(struct call *c);
void handle_revoke_session(struct call *c);
void handle_revoke_sessions(struct call *c);
void handle_revoke_other_sessions(struct call *c);

/* handler_account.c */
void handle_change_password(struct call *c);
void handle_update_user(struct call *c);
void handle_delete_user(struct call *c);
void handle_delete_user_callback(struct call *c);
void handle_update_session(struct call *c);
void handle_list_accounts(struct call *c);
void handle_verify_password(struct call *c);

/* handler_email.c */
void handle_request_password_reset(struct call *c);
void handle_reset_password_callback(struct call *c);
void handle_reset_password(struct call *c);
void handle_send_verification_email(struct call *c);
void handle_verify_email(struct call *c);
void handle_change_email(struct call *c);

/* handler_verification_mail - prepare a verify-email link to user's address for a store
 * operation that queues it (sign-up's transaction, mail_issue): a fresh single-use row, the
 * JWT, the link with callback (NULL or "" = "/"), the rendered mail; everything in the
 * request's arena. Needs c->app->mail. Returns false after answering 500. */
bool handler_verification_mail(struct call *c, const struct user_record *user, const char *callback,
                               struct new_mail *out);

/* Shared by the handlers (handler_sign.c). */

/* handler_password_length - Better Auth's length rules on a password value, counted in UTF-16
 * units: check_min adds PASSWORD_TOO_SHORT (8). Returns true when acceptable; otherwise c's
 * response holds the 400. */
bool handler_password_length(struct call *c, const struct value *pw, bool check_min);

/* handler_start_session - create a session for user_id, add its cookies, and return the raw
 * token (arena) in *token. Returns false after answering the error. */
bool handler_start_session(struct call *c, const char *user_id, bool remember,
                           const char **token);

#endif
