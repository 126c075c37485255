/* admin - Better Auth 1.7.25's admin plugin (AUTHFCGI_ADMIN): what the core handlers call
 * when it is on (the ban check at sign-in), and what its own endpoints (handler_admin*.c)
 * share: the calling admin, the permission check and its input. Its fields travel with every
 * user and session record (store.h) and json_view.h shows them. README "Admin plugin" has the
 * wire. */
#ifndef AUTHFCGI_ADMIN_H
#define AUTHFCGI_ADMIN_H

#include <stdbool.h>

#include "auth/http.h"
#include "global/store.h"

struct call;
struct json_object;
struct session_state;
struct value;

/* The role a new user gets while the plugin is on (Better Auth's defaultRole), written with
 * its row. */
#define ADMIN_DEFAULT_ROLE "user"

/* ---- hooks in the core handlers (each only when c->app->admin) ---- */

/* admin_sign_in_allowed - the plugin's session-creation hook on user as read (its ban
 * columns): a banned user gets 403 BANNED_USER; a ban that has ended is lifted (and the
 * sign-in goes on, its answer showing user as read, as Better Auth's does). Returns true when
 * a session may be created; otherwise c's response holds the answer. */
bool admin_sign_in_allowed(struct call *c, const struct user_record *user);

/* ---- what the admin endpoints share ---- */

/* admin_caller - the signed-in caller with its admin columns, as read with its session (the
 * cookie cache's included, as Better Auth's admin middleware trusts it). Returns false after
 * answering 401 with an empty body (Better Auth's admin middleware) without a session. */
bool admin_caller(struct call *c, struct user_record *me);

/* admin_require - may me do action on resource? Returns true, or false after answering
 * refusal (a 403 of the error table). */
bool admin_require(struct call *c, const struct user_record *me, const char *resource,
                   const char *action, enum http_error refusal);

/* admin_string - String(v) as z.coerce.string() makes it, in the request's arena. */
const char *admin_string(struct call *c, const struct value *v);

/* admin_body_member - a copy of the body's member name (arrays and objects, which body.c
 * keeps only the kind of), or NULL when absent. The caller puts it. The body was checked as
 * JSON already. */
struct json_object *admin_body_member(struct call *c, const char *name);

/* admin_roles_join - a role value (a string, or an array of strings joined with ",") in the
 * request's arena; NULL when it is neither. */
const char *admin_roles_join(struct call *c, struct json_object *role);

/* admin_roles_text - the role value (a string, or an array of strings joined with ",") in
 * the request's arena; NULL after answering 400 bad_item for an item that is not a string
 * (HTTP_ERROR_VALIDATION: zod's "[body.role] Invalid input"). */
const char *admin_roles_text(struct call *c, const struct value *v, enum http_error bad_item);

/* admin_find_user - the user user_id; false after answering 404 USER_NOT_FOUND or a store
 * failure. */
bool admin_find_user(struct call *c, const char *user_id, struct user_record *out);

/* admin_answer_success - 200 {"success":true}. */
void admin_answer_success(struct call *c);

/* admin_change_user - apply ch to user_id and answer {"user"}; 404 ADMIN_USER_NOT_FOUND when
 * there is no such user, the store's failure otherwise. */
void admin_change_user(struct call *c, const char *user_id, const struct admin_change *ch);

/* admin_answer_user - 200 {"user": ...} (wrapped) or the bare user object. */
void admin_answer_user(struct call *c, const struct user_record *u, bool wrapped);

#endif
