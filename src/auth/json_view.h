/* json_view - the JSON shapes Better Auth answers with, built from store records with keys in
 * Better Auth's order (clients do not care, byte-for-byte comparisons do). Each function
 * returns a new json_object reference owned by the caller. */
#ifndef AUTHFCGI_JSON_VIEW_H
#define AUTHFCGI_JSON_VIEW_H

#include <stdbool.h>

#include "global/store.h"

struct json_object;

/* Which plugins' fields the user and session objects show. Decided once from the settings
 * (app_init fills app->user_view), so that every answer carrying a user or a session, the
 * cookie cache's included, shows the same ones; all false is Better Auth's core objects. The
 * records carry every plugin's columns whatever the view. */
struct user_view {
    bool admin;      /* user "role","banned","banReason","banExpires"; session
                        "impersonatedBy": AUTHFCGI_ADMIN */
    bool two_factor; /* user "twoFactorEnabled": AUTHFCGI_TWO_FACTOR */
};

/* {"name","email","emailVerified","image","createdAt","updatedAt"[,"role","banned","banReason",
 * "banExpires"][,"twoFactorEnabled"],"id"}: the plugins' fields in the order of the recorded
 * server's plugins, and "id" after them, as Better Auth lists it. */
struct json_object *json_view_user(const struct user_view *v, const struct user_record *u);
/* {"expiresAt","token","createdAt","updatedAt","ipAddress","userAgent","userId"
 * [,"impersonatedBy"],"id"} */
struct json_object *json_view_session(const struct user_view *v, const struct session_record *s);
/* The same objects as get-session answers them from the cookie cache: Better Auth passes the
 * cached ones through its zod schemas, which put the schema's keys first in the schema's order
 * and the plugins' after them:
 * {"id","createdAt","updatedAt","email","emailVerified","name","image"[,plugins as above]} and
 * {"id","createdAt","updatedAt","userId","expiresAt","token","ipAddress","userAgent"
 * [,"impersonatedBy"]}. */
struct json_object *json_view_user_cached(const struct user_view *v, const struct user_record *u);
struct json_object *json_view_session_cached(const struct user_view *v,
                                             const struct session_record *s);
/* {"accountId","providerId","userId","createdAt","updatedAt","id","scopes":[]} */
struct json_object *json_view_account(const struct account_record *a);

#endif
