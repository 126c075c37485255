/* call_store - the store as handlers call it: one short, typed function per store operation a
 * handler uses, taking the call in place of spelling out c->app->store->ops->X(impl, ...).
 * Each behaves exactly as the operation of the same name in global/store.h (arguments,
 * return values, DB_NOTFOUND/DB_CONFLICT); records and strings come back in the request's
 * arena. Nothing here answers the client: the handler interprets the status. */
#ifndef AUTHFCGI_CALL_STORE_H
#define AUTHFCGI_CALL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "global/store.h"

struct call;

enum db_status call_store_ping(struct call *c);

/* ---- users and credentials ---- */
enum db_status call_store_sign_up(struct call *c, const struct new_user *u,
                                  const struct new_session *s, struct user_record *user_out,
                                  struct session_record *session_out);
enum db_status call_store_user_by_email(struct call *c, const char *email,
                                        struct user_record *user_out, const char **password_hash);
enum db_status call_store_credential_of_user(struct call *c, const char *user_id,
                                             const char **password_hash);
enum db_status call_store_password_kinds(struct call *c, const char **hashes, size_t max,
                                         size_t *count);
enum db_status call_store_password_set(struct call *c, const char *user_id,
                                       const char *password_hash, const struct new_session *s,
                                       struct session_record *session_out);
enum db_status call_store_password_upgrade(struct call *c, const char *user_id,
                                           const char *old_hash, const char *new_hash);
enum db_status call_store_user_update(struct call *c, const char *user_id,
                                      const struct user_update *u, struct user_record *out);
enum db_status call_store_user_delete(struct call *c, const char *user_id);
enum db_status call_store_account_list(struct call *c, const char *user_id,
                                       struct account_record **out, size_t *count);

/* ---- sessions ---- */
enum db_status call_store_session_create(struct call *c, const struct new_session *s,
                                         struct session_record *out);
enum db_status call_store_session_lookup(struct call *c, const char *token,
                                         struct session_record *session_out,
                                         struct user_record *user_out);
enum db_status call_store_session_delete_token(struct call *c, const char *token);
enum db_status call_store_session_delete_of_user(struct call *c, const char *user_id,
                                                 const char *token, const char *handle,
                                                 const char **deleted_id);
enum db_status call_store_session_list(struct call *c, const char *user_id,
                                       struct session_record **out, size_t *count);
enum db_status call_store_session_delete_all(struct call *c, const char *user_id);
enum db_status call_store_session_delete_others(struct call *c, const char *user_id,
                                                const char *keep_id);

/* ---- mail links ---- */
enum db_status call_store_mail_issue(struct call *c, const struct new_mail *m);
enum db_status call_store_verification_find(struct call *c, const char *identifier,
                                            const char **value);
enum db_status call_store_password_reset(struct call *c, const char *identifier,
                                         const char *account_id, const char *password_hash,
                                         bool revoke_sessions, const char **user_id);
enum db_status call_store_email_confirm(struct call *c, const char *identifier, const char *user_id,
                                        const char *email, const char *new_email,
                                        const char *keep_session_id, struct user_record *out);

/* ---- the two-factor plugin ---- */
enum db_status call_store_two_factor_get(struct call *c, const char *user_id,
                                         struct user_record *user, struct two_factor_record *tf);

/* ---- the admin plugin ---- */
enum db_status call_store_admin_user_get(struct call *c, const char *user_id,
                                         struct user_record *out);
enum db_status call_store_admin_user_change(struct call *c, const char *user_id,
                                            const struct admin_change *ch, struct user_record *out);
enum db_status call_store_admin_user_create(struct call *c, const struct new_user *u,
                                            const struct admin_change *ch, struct user_record *out);
enum db_status call_store_admin_password_set(struct call *c, const char *user_id,
                                             const char *account_id, const char *password_hash);
enum db_status call_store_admin_user_list(struct call *c, const struct admin_user_query *q,
                                          struct user_record **out, size_t *count, int64_t *total);
enum db_status call_store_admin_session_impersonate(struct call *c, const struct new_session *s,
                                                    const char *admin_id,
                                                    struct session_record *out);

#endif
