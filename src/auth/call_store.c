/* call_store - the store operations handlers use, each one line over the store's table of
 * functions with the request's arena (call_store.h). */
#include "config.h"

#include "auth/call_store.h"

#include "auth/app.h"
#include "auth/router.h"
#include "util/arena.h"

/* The store of the call's application, and its implementation pointer. */
#define OPS(c) ((c)->app->store->ops)
#define IMPL(c) ((c)->app->store->impl)

enum db_status call_store_ping(struct call *c)
{
    return OPS(c)->ping(IMPL(c));
}

enum db_status call_store_sign_up(struct call *c, const struct new_user *u,
                                  const struct new_session *s, struct user_record *user_out,
                                  struct session_record *session_out)
{
    return OPS(c)->sign_up(IMPL(c), c->req->arena, u, s, user_out, session_out);
}

enum db_status call_store_user_by_email(struct call *c, const char *email,
                                        struct user_record *user_out, const char **password_hash)
{
    return OPS(c)->user_by_email(IMPL(c), c->req->arena, email, user_out, password_hash);
}

enum db_status call_store_credential_of_user(struct call *c, const char *user_id,
                                             const char **password_hash)
{
    return OPS(c)->credential_of_user(IMPL(c), c->req->arena, user_id, password_hash);
}

enum db_status call_store_password_kinds(struct call *c, const char **hashes, size_t max,
                                         size_t *count)
{
    return OPS(c)->password_kinds(IMPL(c), c->req->arena, hashes, max, count);
}

enum db_status call_store_password_set(struct call *c, const char *user_id,
                                       const char *password_hash, const struct new_session *s,
                                       struct session_record *session_out)
{
    return OPS(c)->password_set(IMPL(c), c->req->arena, user_id, password_hash, s, session_out);
}

enum db_status call_store_password_upgrade(struct call *c, const char *user_id,
                                           const char *old_hash, const char *new_hash)
{
    return OPS(c)->password_upgrade(IMPL(c), user_id, old_hash, new_hash);
}

enum db_status call_store_user_update(struct call *c, const char *user_id,
                                      const struct user_update *u, struct user_record *out)
{
    return OPS(c)->user_update(IMPL(c), c->req->arena, user_id, u, out);
}

enum db_status call_store_user_delete(struct call *c, const char *user_id)
{
    return OPS(c)->user_delete(IMPL(c), user_id);
}

enum db_status call_store_account_list(struct call *c, const char *user_id,
                                       struct account_record **out, size_t *count)
{
    return OPS(c)->account_list(IMPL(c), c->req->arena, user_id, out, count);
}

enum db_status call_store_session_create(struct call *c, const struct new_session *s,
                                         struct session_record *out)
{
    return OPS(c)->session_create(IMPL(c), c->req->arena, s, out);
}

enum db_status call_store_session_delete_token(struct call *c, const char *token)
{
    return OPS(c)->session_delete_token(IMPL(c), token);
}

enum db_status call_store_session_delete_of_user(struct call *c, const char *user_id,
                                                 const char *token, const char *handle,
                                                 const char **deleted_id)
{
    return OPS(c)->session_delete_of_user(IMPL(c), c->req->arena, user_id, token, handle,
                                          deleted_id);
}

enum db_status call_store_session_list(struct call *c, const char *user_id,
                                       struct session_record **out, size_t *count)
{
    return OPS(c)->session_list(IMPL(c), c->req->arena, user_id, out, count);
}

enum db_status call_store_session_delete_all(struct call *c, const char *user_id)
{
    return OPS(c)->session_delete_all(IMPL(c), user_id);
}

enum db_status call_store_session_delete_others(struct call *c, const char *user_id,
                                                const char *keep_id)
{
    return OPS(c)->session_delete_others(IMPL(c), user_id, keep_id);
}

enum db_status call_store_mail_issue(struct call *c, const struct new_mail *m)
{
    return OPS(c)->mail_issue(IMPL(c), m);
}

enum db_status call_store_verification_find(struct call *c, const char *identifier,
                                            const char **value)
{
    return OPS(c)->verification_find(IMPL(c), c->req->arena, identifier, value);
}

enum db_status call_store_password_reset(struct call *c, const char *identifier,
                                         const char *account_id, const char *password_hash,
                                         bool revoke_sessions, const char **user_id)
{
    return OPS(c)->password_reset(IMPL(c), c->req->arena, identifier, account_id, password_hash,
                                  revoke_sessions, user_id);
}

enum db_status call_store_email_confirm(struct call *c, const char *identifier, const char *user_id,
                                        const char *email, const char *new_email,
                                        const char *keep_session_id, struct user_record *out)
{
    return OPS(c)->email_confirm(IMPL(c), c->req->arena, identifier, user_id, email, new_email,
                                 keep_session_id, out);
}

enum db_status call_store_two_factor_get(struct call *c, const char *user_id,
                                         struct user_record *user, struct two_factor_record *tf)
{
    return OPS(c)->two_factor_get(IMPL(c), c->req->arena, user_id, user, tf);
}

enum db_status call_store_admin_user_get(struct call *c, const char *user_id,
                                         struct user_record *out)
{
    return OPS(c)->admin_user_get(IMPL(c), c->req->arena, user_id, out);
}

enum db_status call_store_admin_user_change(struct call *c, const char *user_id,
                                            const struct admin_change *ch, struct user_record *out)
{
    return OPS(c)->admin_user_change(IMPL(c), c->req->arena, user_id, ch, out);
}

enum db_status call_store_admin_user_create(struct call *c, const struct new_user *u,
                                            const struct admin_change *ch, struct user_record *out)
{
    return OPS(c)->admin_user_create(IMPL(c), c->req->arena, u, ch, out);
}

enum db_status call_store_admin_password_set(struct call *c, const char *user_id,
                                             const char *account_id, const char *password_hash)
{
    return OPS(c)->admin_password_set(IMPL(c), user_id, account_id, password_hash);
}

enum db_status call_store_admin_user_list(struct call *c, const struct admin_user_query *q,
                                          struct user_record **out, size_t *count, int64_t *total)
{
    return OPS(c)->admin_user_list(IMPL(c), c->req->arena, q, out, count, total);
}

enum db_status call_store_admin_session_impersonate(struct call *c, const struct new_session *s,
                                                    const char *admin_id,
                                                    struct session_record *out)
{
    return OPS(c)->admin_session_impersonate(IMPL(c), c->req->arena, s, admin_id, out);
}

enum db_status call_store_session_lookup(struct call *c, const char *token,
                                         struct session_record *session_out,
                                         struct user_record *user_out)
{
    return OPS(c)->session_lookup(IMPL(c), c->req->arena, token, session_out, user_out);
}
