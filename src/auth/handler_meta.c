/* handler_meta - liveness and readiness: Better Auth's /ok and /error, and /healthz and
 * /readyz for load balancers and supervisors. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "auth/body.h"
#include "auth/call_store.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/origin.h"
#include "auth/router.h"
#include "global/store.h"
#include "util/url.h"

/* handle_ok - GET /api/auth/ok: {"ok":true}, exactly as Better Auth. */
void handle_ok(struct call *c)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "ok", json_object_new_boolean(1));
    response_json(c->resp, 200, obj);
}

/* error_code_is_safe - Better Auth passes on only codes made of [A-Za-z0-9_'-]. */
static bool error_code_is_safe(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '\'' || *s == '-'))
            return false;
    return true;
}

/* handle_error - GET /api/auth/error: Better Auth's production answer, a bare 302 to the site
 * root carrying the error code (sanitised) and description. */
void handle_error(struct call *c)
{
    const struct value *code = &c->in.query[FIELD_ERROR];
    const struct value *desc = &c->in.query[FIELD_ERROR_DESCRIPTION];
    struct url root = {.username = "", .password = "", .host = "", .port = -1, .path = "/"};

    url_search_set(c->req->arena, &root, "error",
                   code->kind == VALUE_STRING && error_code_is_safe(code->str) ? code->str
                                                                               : "UNKNOWN");
    if (desc->kind == VALUE_STRING && desc->len > 0)
        url_search_set(c->req->arena, &root, "error_description", desc->str);
    response_header(
        c->resp, "Location",
        origin_safe_location(
            &c->app->origins, c->req->arena,
            &(struct origin_location){.target = url_path_query_fragment(c->req->arena, &root)}));
    response_empty(c->resp, 302);
}

/* handle_healthz - the process is alive and serving; says nothing about the database. */
void handle_healthz(struct call *c)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "status", json_object_new_string("ok"));
    response_json(c->resp, 200, obj);
}

/* handle_readyz - one database round trip; 503 with Retry-After when it fails. */
void handle_readyz(struct call *c)
{
    struct json_object *obj;
    enum db_status st = call_store_ping(c);

    if (st != DB_OK) {
        router_store_error(c, DB_RETRY); /* any failure: not ready, come back later */
        return;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "status", json_object_new_string("ready"));
    response_json(c->resp, 200, obj);
}
