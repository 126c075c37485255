/* admin_perm - the permission table of Better Auth's admin plugin and its hasPermission
 * (access/access.mjs role().authorize with the AND connector). */
#include "config.h"

#include "auth/admin_perm.h"

#include <string.h>

struct statement {
    const char *resource;
    const char *const *actions; /* NULL-terminated */
};

static const char *const admin_user_actions[] = {
    "create",       "list",      "set-role",  "ban", "impersonate", "delete",
    "set-password", "set-email", "set-phone", "get", "update",      NULL};
static const char *const admin_session_actions[] = {"list", "revoke", "delete", NULL};
static const char *const no_actions[] = {NULL};

struct role_def {
    const char *name;
    struct statement statements[2];
};

static const struct role_def roles_table[] = {
    {"admin", {{"user", admin_user_actions}, {"session", admin_session_actions}}},
    {"user", {{"user", no_actions}, {"session", no_actions}}},
};

static const struct role_def *role_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof roles_table / sizeof roles_table[0]; i++)
        if (strlen(roles_table[i].name) == len && strncmp(roles_table[i].name, name, len) == 0)
            return &roles_table[i];
    return NULL;
}

static const struct statement *statement_of(const struct role_def *r, const char *resource)
{
    for (size_t i = 0; i < sizeof r->statements / sizeof r->statements[0]; i++)
        if (strcmp(r->statements[i].resource, resource) == 0)
            return &r->statements[i];
    return NULL;
}

static bool statement_has(const struct statement *st, const char *action)
{
    for (size_t i = 0; st->actions[i] != NULL; i++)
        if (strcmp(st->actions[i], action) == 0)
            return true;
    return false;
}

/* role_authorizes - role.authorize(ask), connector AND. */
static bool role_authorizes(const struct role_def *r, const struct admin_perm_ask *ask, size_t nask)
{
    if (nask == 0)
        return false; /* "Not authorized": no resource was authorized */
    for (size_t i = 0; i < nask; i++) {
        const struct statement *st = statement_of(r, ask[i].resource);

        if (st == NULL || ask[i].nactions == 0)
            return false;
        for (size_t j = 0; j < ask[i].nactions; j++)
            if (ask[i].actions[j] == NULL || !statement_has(st, ask[i].actions[j]))
                return false;
    }
    return true;
}

/* admin_roles_allow - see admin_perm.h. Names are compared exactly, as Better Auth splits
 * on "," without trimming. */
bool admin_roles_allow(const char *roles, const struct admin_perm_ask *ask, size_t nask)
{
    const char *p = roles != NULL && roles[0] != '\0' ? roles : "user";

    for (;;) {
        size_t n = strcspn(p, ",");
        const struct role_def *r = role_find(p, n);

        if (r != NULL && role_authorizes(r, ask, nask))
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}

bool admin_allows(const char *roles, const char *resource, const char *action)
{
    const char *actions[] = {action};
    struct admin_perm_ask ask = {resource, actions, 1};

    return admin_roles_allow(roles, &ask, 1);
}

bool admin_role_grants(const char *role, const char *resource, const char *action)
{
    const struct role_def *r = role_find(role, strlen(role));
    const struct statement *st = r != NULL ? statement_of(r, resource) : NULL;

    return st != NULL && statement_has(st, action);
}

bool admin_role_is_admin(const char *roles)
{
    const char *p = roles != NULL && roles[0] != '\0' ? roles : "user";

    for (;;) {
        size_t n = strcspn(p, ",");
        /* adminRoles are trimmed by Better Auth, the user's names are not */
        if (n == 5 && strncmp(p, "admin", 5) == 0)
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}
