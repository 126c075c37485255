/* json_view - Better Auth's user, session and account objects. */
#include "config.h"

#include "auth/json_view.h"

#include <json-c/json.h>

/* string_or_null - JSON string, or null for a NULL column. */
static struct json_object *string_or_null(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

/* user_plugin_fields - the plugins' user fields v shows, in the recorded server's order. */
static void user_plugin_fields(struct json_object *o, const struct user_view *v,
                               const struct user_record *u)
{
    if (v->admin) {
        json_object_object_add(o, "role", string_or_null(u->role));
        json_object_object_add(o, "banned", json_object_new_boolean(u->banned));
        json_object_object_add(o, "banReason", string_or_null(u->ban_reason));
        json_object_object_add(o, "banExpires", string_or_null(u->ban_expires));
    }
    if (v->two_factor)
        json_object_object_add(o, "twoFactorEnabled",
                               json_object_new_boolean(u->two_factor_enabled));
}

struct json_object *json_view_user(const struct user_view *v, const struct user_record *u)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", string_or_null(u->name));
    json_object_object_add(o, "email", string_or_null(u->email));
    json_object_object_add(o, "emailVerified", json_object_new_boolean(u->email_verified));
    json_object_object_add(o, "image", string_or_null(u->image));
    json_object_object_add(o, "createdAt", string_or_null(u->created_at));
    json_object_object_add(o, "updatedAt", string_or_null(u->updated_at));
    user_plugin_fields(o, v, u);
    json_object_object_add(o, "id", string_or_null(u->id));
    return o;
}

/* json_view_user_cached - Better Auth checks the cached user with its zod schema, which puts
 * the schema's keys first in its own order and the others (the plugins') after them. */
struct json_object *json_view_user_cached(const struct user_view *v, const struct user_record *u)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "id", string_or_null(u->id));
    json_object_object_add(o, "createdAt", string_or_null(u->created_at));
    json_object_object_add(o, "updatedAt", string_or_null(u->updated_at));
    json_object_object_add(o, "email", string_or_null(u->email));
    json_object_object_add(o, "emailVerified", json_object_new_boolean(u->email_verified));
    json_object_object_add(o, "name", string_or_null(u->name));
    json_object_object_add(o, "image", string_or_null(u->image));
    user_plugin_fields(o, v, u);
    return o;
}

struct json_object *json_view_session(const struct user_view *v, const struct session_record *s)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "expiresAt", string_or_null(s->expires_at));
    json_object_object_add(o, "token", string_or_null(s->token));
    json_object_object_add(o, "createdAt", string_or_null(s->created_at));
    json_object_object_add(o, "updatedAt", string_or_null(s->updated_at));
    json_object_object_add(o, "ipAddress", string_or_null(s->ip_address));
    json_object_object_add(o, "userAgent", string_or_null(s->user_agent));
    json_object_object_add(o, "userId", string_or_null(s->user_id));
    if (v->admin)
        json_object_object_add(o, "impersonatedBy", string_or_null(s->impersonated_by));
    json_object_object_add(o, "id", string_or_null(s->id));
    return o;
}

/* json_view_session_cached - as json_view_user_cached, for the session schema. */
struct json_object *json_view_session_cached(const struct user_view *v,
                                             const struct session_record *s)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "id", string_or_null(s->id));
    json_object_object_add(o, "createdAt", string_or_null(s->created_at));
    json_object_object_add(o, "updatedAt", string_or_null(s->updated_at));
    json_object_object_add(o, "userId", string_or_null(s->user_id));
    json_object_object_add(o, "expiresAt", string_or_null(s->expires_at));
    json_object_object_add(o, "token", string_or_null(s->token));
    json_object_object_add(o, "ipAddress", string_or_null(s->ip_address));
    json_object_object_add(o, "userAgent", string_or_null(s->user_agent));
    if (v->admin)
        json_object_object_add(o, "impersonatedBy", string_or_null(s->impersonated_by));
    return o;
}

struct json_object *json_view_account(const struct account_record *a)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "accountId", string_or_null(a->account_id));
    json_object_object_add(o, "providerId", string_or_null(a->provider_id));
    json_object_object_add(o, "userId", string_or_null(a->user_id));
    json_object_object_add(o, "createdAt", string_or_null(a->created_at));
    json_object_object_add(o, "updatedAt", string_or_null(a->updated_at));
    json_object_object_add(o, "id", string_or_null(a->id));
    json_object_object_add(o, "scopes", json_object_new_array());
    return o;
}
