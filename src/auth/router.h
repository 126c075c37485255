/* router - the route table (method, path, handler, OpenAPI operation, input schema, checks)
 * and the request pipeline every /api/auth route goes through in Better Auth's order: rate
 * limit, route, body parse (415, bad JSON), Origin check when a cookie is sent, redirect-URL
 * check, schema validation, sign-in/up Fetch-Metadata rules, session, handler.
 *
 * Routing is exact, as Better Auth's: an unknown path, a wrong method, a trailing slash, HEAD
 * and OPTIONS all get 404 with an empty body. A route path may end in one parameter segment
 * ("/reset-password/:token"): it matches one non-empty segment without '/'. */
#ifndef AUTHFCGI_ROUTER_H
#define AUTHFCGI_ROUTER_H

#include <stddef.h>

#include "auth/body.h"
#include "auth/session.h"

struct app;
struct request;
struct response;

/* Everything a handler gets for one request. in is validated; session is resolved when the
 * route has ROUTE_SESSION (and then valid: the pipeline answered 401 otherwise). */
struct call {
    struct app *app;
    struct request *req;
    struct response *resp;
    struct body_fields in;
    struct session_state session;
    const char *param; /* the path segment matching a route's ":name" (raw); NULL otherwise */
    const struct route *route; /* the matched route: logs name it, never the path (tokens) */
};

typedef void (*handler_fn)(struct call *c);

enum route_flags {
    ROUTE_SESSION = 1 << 0,          /* needs a session: 401 UNAUTHORIZED without one */
    ROUTE_SIGN_IN_UP = 1 << 1,       /* the Fetch-Metadata login-CSRF rules apply */
    ROUTE_NO_REFRESH = 1 << 2,       /* resolve the session without the sliding refresh */
    ROUTE_OPTIONAL_SESSION = 1 << 3, /* resolve the session when there is one (never 401) */
    ROUTE_CALLBACK_QUERY = 1 << 4,   /* GET with ?callbackURL: origin_check_callback after
                                        body_validate (403 INVALID_CALLBACK_URL) */
    ROUTE_HASHES = 1 << 5,     /* computes a password hash: skipped (499) for a client that left */
    ROUTE_ADMIN = 1 << 6,      /* the admin plugin's: 404 unless AUTHFCGI_ADMIN is on */
    ROUTE_TWO_FACTOR = 1 << 7, /* the twoFactor plugin's: 404 unless AUTHFCGI_TWO_FACTOR */
    ROUTE_STORE_SESSION = 1 << 8,  /* the session from the store, never the cookie cache */
    ROUTE_QUIET_ON_CACHE = 1 << 9, /* SESSION_QUIET_ON_CACHE: Better Auth's sessionMiddleware
                                      would answer from a valid session_data */
};

struct route {
    const char *method;
    const char *path; /* full path, e.g. "/api/auth/ok" */
    handler_fn handler;
    const char *operation_id; /* operationId in schema/openapi.yaml */
    enum body_schema schema;
    unsigned flags;
};

extern const struct route route_table[];
extern const size_t route_count;

/* router_find - the route for method and path, or NULL. A parameter segment matches as the
 * header comment says; router_param gives its value. */
const struct route *router_find(const char *method, const char *path);

/* router_route - router_find, minus the routes a setting turns off (AUTHFCGI_DELETE_USER):
 * the route this app answers for method and path, or NULL. */
const struct route *router_route(const struct app *app, const char *method, const char *path);

/* router_param - the part of path matching route's parameter segment, or NULL when the route
 * has none. Points into path. */
const char *router_param(const struct route *route, const char *path);

/* router_dispatch - run the pipeline and the matching handler, or answer 404 empty. A path
 * under /auth/ goes to the built-in pages instead (pages.h), when they are on. */
void router_dispatch(struct app *app, struct request *req, struct response *resp);

/* The one 5xx answer, in two halves: router_store_error for the store's failures,
 * router_fail for every other. Both leave the headers already set as they are. */

/* router_store_error - answer a store failure: 503 SERVICE_UNAVAILABLE + Retry-After for
 * DB_RETRY (nothing was done: repeat it); 503 OUTCOME_UNKNOWN + Retry-After for DB_UNKNOWN
 * (the change may have been made: look before repeating), logged as event=request_failed
 * route=... status=outcome_unknown; any other status is logged (event=request_failed
 * route=... status=...) and answered a bare 500 (no internals in the body). */
void router_store_error(struct call *c, enum db_status st);

/* router_fail - answer 500 for a failure that is not the database's, logged as
 * event=request_failed route=... reason=<why>. c->route may be NULL (before routing). */
void router_fail(struct call *c, enum fail_reason why);

/* router_failed - answer a failure a lower layer reported through a db_status (with why
 * when it was not the store's, session_resolve and account_guard do): router_fail(c, why),
 * or router_store_error(c, rc) when why is FAIL_NONE. */
void router_failed(struct call *c, enum db_status rc, enum fail_reason why);

#endif
