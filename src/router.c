/* router - the route table and dispatch. The table is the single list of what authfcgi
 * answers; a test checks it against schema/openapi.yaml. */
#include "config.h"

#include "router.h"

#include <string.h>

#include "handlers.h"
#include "http.h"

const struct route route_table[] = {
    {"GET", "/api/auth/ok", handle_ok, "ok"},
    {"GET", "/healthz", handle_healthz, "healthz"},
    {"GET", "/readyz", handle_readyz, "readyz"},
};
const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

/* router_find - exact match on method and path: Better Auth routes no prefixes, no trailing
 * slashes and answers no HEAD or OPTIONS. */
const struct route *router_find(const char *method, const char *path)
{
    for (size_t i = 0; i < route_count; i++)
        if (strcmp(route_table[i].path, path) == 0 && strcmp(route_table[i].method, method) == 0)
            return &route_table[i];
    return NULL;
}

/* router_dispatch - run the route's handler or answer Better Auth's bare 404. */
void router_dispatch(struct app *app, struct request *req, struct response *resp)
{
    const struct route *route = router_find(req->method, req->path);

    if (route == NULL) {
        response_empty(resp, 404);
        return;
    }
    route->handler(app, req, resp);
}
