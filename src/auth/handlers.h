/* handlers - one function per route; each reads its validated input from the call, talks to
 * the store and fills the response. Grouped by concern in handler_*.c files, which share
 * their common steps through steps.h and never call each other. */
#ifndef AUTHFCGI_HANDLERS_H
#define AUTHFCGI_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct call;

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

/* handler_admin.c, handler_admin_session.c: the admin plugin (AUTHFCGI_ADMIN) */
void handle_admin_get_user(struct call *c);
void handle_admin_list_users(struct call *c);
void handle_admin_create_user(struct call *c);
void handle_admin_update_user(struct call *c);
void handle_admin_set_role(struct call *c);
void handle_admin_set_user_password(struct call *c);
void handle_admin_remove_user(struct call *c);
void handle_admin_has_permission(struct call *c);
void handle_admin_ban_user(struct call *c);
void handle_admin_unban_user(struct call *c);
void handle_admin_list_user_sessions(struct call *c);
void handle_admin_revoke_user_session(struct call *c);
void handle_admin_revoke_user_sessions(struct call *c);
void handle_admin_impersonate_user(struct call *c);
void handle_admin_stop_impersonating(struct call *c);

#endif
