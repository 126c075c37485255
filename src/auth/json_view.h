/* json_view - the JSON shapes Better Auth answers with, built from store records with keys in
 * Better Auth's order (clients do not care, byte-for-byte comparisons do). Each function
 * returns a new json_object reference owned by the caller. */
#ifndef AUTHFCGI_JSON_VIEW_H
#define AUTHFCGI_JSON_VIEW_H

#include "global/store.h"

struct json_object;

/* {"name","email","emailVerified","image","createdAt","updatedAt","id"} */
struct json_object *json_view_user(const struct user_record *u);
/* {"expiresAt","token","createdAt","updatedAt","ipAddress","userAgent","userId","id"} */
struct json_object *json_view_session(const struct session_record *s);
/* {"accountId","providerId","userId","createdAt","updatedAt","id","scopes":[]} */
struct json_object *json_view_account(const struct account_record *a);

#endif
