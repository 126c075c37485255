/* rate_limit - Better Auth's request limits (PROTOCOL.md §7), counted in PostgreSQL so every
 * worker and every host shares one count per client and path. */
#ifndef AUTHFCGI_RATE_LIMIT_H
#define AUTHFCGI_RATE_LIMIT_H

#include <stdbool.h>

#include "db.h"

struct app;
struct request;

struct rate_limit_rule {
    int window_s;
    int max;
};

/* rate_limit_rule_for - the rule for a path below the base path ("/sign-in/email"). */
struct rate_limit_rule rate_limit_rule_for(const char *subpath);

/* rate_limit_check - count req against its rule. *allowed false means answer 429 with
 * X-Retry-After: *retry_after_s. Returns the store's status (DB_OK when counted). */
enum db_status rate_limit_check(const struct app *app, const struct request *req,
                                const char *subpath, bool *allowed, int *retry_after_s);

#endif
