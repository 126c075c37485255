/* admin_perm - the admin plugin's permission model, as Better Auth 1.7.25 declares it
 * (plugins/admin/access/statement.mjs): two resources, "user" and "session", their actions,
 * and the default roles "admin" (every action but user:impersonate-admins) and "user" (none).
 * A user's role is a comma list ("admin,user"); NULL or "" counts as the default role "user". */
#ifndef AUTHFCGI_ADMIN_PERM_H
#define AUTHFCGI_ADMIN_PERM_H

#include <stdbool.h>
#include <stddef.h>

/* One resource of a permission check and the actions asked for on it. */
struct admin_perm_ask {
    const char *resource;
    const char *const *actions; /* nactions strings */
    size_t nactions;
};

/* admin_role_grants - does the single role name grant action on resource? Unknown names:
 * false. */
bool admin_role_grants(const char *role, const char *resource, const char *action);

/* admin_roles_allow - Better Auth's hasPermission: true when one of the roles in the comma
 * list roles grants every action asked for on every resource asked about (role.authorize
 * with the AND connector: an unknown resource or an empty action list refuses, and so does
 * an empty ask). */
bool admin_roles_allow(const char *roles, const struct admin_perm_ask *ask, size_t nask);

/* admin_allows - the single check the endpoints make: roles may do action on resource. */
bool admin_allows(const char *roles, const char *resource, const char *action);

/* admin_role_is_admin - is one of the names in roles an admin role ("admin": adminRoles'
 * default)? Impersonating such a user needs user:impersonate-admins. */
bool admin_role_is_admin(const char *roles);

#endif
