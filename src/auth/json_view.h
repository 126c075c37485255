/* json_view - the JSON shapes Better Auth answers with, built from store records with keys in
 * Better Auth's order (clients do not care, byte-for-byte comparisons do). Each function
 * returns a new json_object reference owned by the caller. */
#ifndef AUTHFCGI_JSON_VIEW_H
#define AUTHFCGI_JSON_VIEW_H

#include <stdbool.h>

#include "global/store.h"

struct json_object;

/* Which plugins' fields a user object shows besides the admin plugin's (those come with its
 * record, json_view_admin_user). Decided once from the settings (app_init fills
 * app->user_view), so that every answer carrying a user, the cookie cache's included, shows
 * the same ones; all false is Better Auth's core user. */
struct user_view {
    bool two_factor; /* "twoFactorEnabled": AUTHFCGI_TWO_FACTOR */
};

/* {"name","email","emailVerified","image","createdAt","updatedAt"[,"twoFactorEnabled"],"id"}:
 * Better Auth lists "id" after the fields plugins add. */
struct json_object *json_view_user(const struct user_view *v, const struct user_record *u);
/* The same with the admin plugin's fields, which come before the twoFactor plugin's (the
 * plugins' order in the recorded server): {...,"updatedAt","role","banned","banReason",
 * "banExpires"[,"twoFactorEnabled"],"id"} */
struct json_object *json_view_admin_user(const struct user_view *v, const struct admin_user *u);
/* {"expiresAt","token","createdAt","updatedAt","ipAddress","userAgent","userId","id"} */
struct json_object *json_view_session(const struct session_record *s);
/* {"accountId","providerId","userId","createdAt","updatedAt","id","scopes":[]} */
struct json_object *json_view_account(const struct account_record *a);

#endif
