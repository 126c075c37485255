/* router - the route table (method, path, handler, OpenAPI operation) and dispatch. Routing is
 * exact, as Better Auth's: an unknown path, a wrong method, a trailing slash, HEAD and OPTIONS
 * all get 404 with an empty body. */
#ifndef AUTHFCGI_ROUTER_H
#define AUTHFCGI_ROUTER_H

#include <stddef.h>

struct app;
struct request;
struct response;

typedef void (*handler_fn)(struct app *app, struct request *req, struct response *resp);

struct route {
    const char *method;
    const char *path;         /* full path, e.g. "/api/auth/ok" */
    handler_fn handler;
    const char *operation_id; /* operationId in schema/openapi.yaml */
};

extern const struct route route_table[];
extern const size_t route_count;

/* router_find - the route for method and path, or NULL. */
const struct route *router_find(const char *method, const char *path);

/* router_dispatch - run the matching handler, or answer 404 with an empty body. */
void router_dispatch(struct app *app, struct request *req, struct response *resp);

#endif
