/* rate_limit - Better Auth's request limits (PROTOCOL.md §7), counted in PostgreSQL so every
 * worker and every host shares one count per client and route. */
#ifndef AUTHFCGI_RATE_LIMIT_H
#define AUTHFCGI_RATE_LIMIT_H

#include <stdbool.h>

#include "global/db.h"

struct app;
struct request;

/* The route of every request under the base path that matches no route: unknown paths share
 * one count per client, so neither a path (which may carry a token) nor a flood of made-up
 * paths ever reaches the table. */
#define RATE_LIMIT_UNROUTED "(unrouted)"

struct rate_limit_rule {
    int window_s;
    int max;
};

/* rate_limit_rule_for - the rule for a route given by its path below the base path
 * ("/sign-in/email", "/reset-password/:token") or RATE_LIMIT_UNROUTED; hashes: the route
 * computes a password hash (strict like sign-in). */
struct rate_limit_rule rate_limit_rule_for(const char *route_path, bool hashes);

/* rate_limit_check - count req (whose client_ip is known) against its route's rule, keyed
 * "<client ip>|<route path>". *allowed false means answer 429 with X-Retry-After:
 * *retry_after_s. Returns the store's status (DB_OK when counted), DB_UNKNOWN reported as
 * DB_RETRY (db_housekeeping: whether the hit was counted, the request itself did not run). */
enum db_status rate_limit_check(const struct app *app, const struct request *req,
                                const char *route_path, bool hashes, bool *allowed,
                                int *retry_after_s);

#endif
