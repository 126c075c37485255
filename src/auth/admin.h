/* admin - Better Auth 1.7.25's admin plugin (AUTHFCGI_ADMIN): what the core handlers call
 * when it is on (the ban check at sign-in, the role of a new user, the admin fields of
 * get-session), and what its own endpoints (handler_admin*.c) share: the calling admin, the
 * permission check, its session view and its input (its user view is json_view.h's). README
 * "Admin plugin" has the wire. */
#ifndef AUTHFCGI_ADMIN_H
#define AUTHFCGI_ADMIN_H

#include <stdbool.h>

#include "auth/http.h"
#include "global/store.h"

struct call;
struct json_object;
struct session_state;
struct value;

/* ---- hooks in the core handlers (each only when c->app->admin) ---- */

/* admin_sign_in_allowed - the plugin's session-creation hook: a banned user gets 403
 * BANNED_USER; a ban that has ended is lifted (and the sign-in goes on). Returns true when a
 * session may be created, with *out the user as read before the hook (what Better Auth's
 * sign-in answer shows, a lifted ban included); otherwise c's response holds the answer. */
bool admin_sign_in_allowed(struct call *c, const struct user_record *user, struct admin_user *out);

/* admin_after_sign_up - a new user gets the default role "user", as the plugin's user-creation
 * hook gives it. A failure is logged, not answered: the user exists, and no role reads as
 * "user" everywhere. */
void admin_after_sign_up(struct call *c, const char *user_id);

/* admin_session_view - get-session's {"session","user"} with the plugin's fields
 * (session.impersonatedBy, user.role/banned/banReason/banExpires). NULL after answering a
 * store failure. */
struct json_object *admin_session_view(struct call *c, const struct session_state *st);

/* admin_view_user - the user object of an answer that carries the session's user (u, as the
 * caller read it): with the plugin on, with its role and ban fields, read anew, as Better
 * Auth's session user has them; without the plugin, or when that read fails (logged: the
 * request's change is made, its answer stays), the core object. */
struct json_object *admin_view_user(struct call *c, const struct user_record *u);

/* admin_list_session - list-sessions' entry for shown (whose stored token is stored): with
 * impersonatedBy, and left out when it is an impersonation session, as the plugin's after-hook
 * does. False after answering a store failure. */
bool admin_list_session(struct call *c, const char *stored, const struct session_record *shown,
                        struct json_object *arr);

/* ---- what the admin endpoints share ---- */

/* admin_view_session - Better Auth's session object with impersonatedBy (NULL: null). */
struct json_object *admin_view_session(const struct session_record *s, const char *impersonated_by);

/* admin_caller - the signed-in caller with its admin columns. Returns false after answering:
 * 401 with an empty body (Better Auth's admin middleware) without a session, or the store's
 * failure. */
bool admin_caller(struct call *c, struct admin_user *me);

/* admin_require - may me do action on resource? Returns true, or false after answering
 * refusal (a 403 of the error table). */
bool admin_require(struct call *c, const struct admin_user *me, const char *resource,
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
bool admin_find_user(struct call *c, const char *user_id, struct admin_user *out);

/* admin_answer_success - 200 {"success":true}. */
void admin_answer_success(struct call *c);

/* admin_change_user - apply ch to user_id and answer {"user"}; 404 ADMIN_USER_NOT_FOUND when
 * there is no such user, the store's failure otherwise. */
void admin_change_user(struct call *c, const char *user_id, const struct admin_change *ch);

/* admin_answer_user - 200 {"user": ...} (wrapped) or the bare user object. */
void admin_answer_user(struct call *c, const struct admin_user *u, bool wrapped);

#endif
