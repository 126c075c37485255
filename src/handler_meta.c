/* handler_meta - liveness and readiness: Better Auth's /ok, and /healthz and /readyz for
 * load balancers and supervisors. */
#include "config.h"

#include <json-c/json.h>

#include "app.h"
#include "handlers.h"
#include "http.h"
#include "store.h"

/* handle_ok - GET /api/auth/ok: {"ok":true}, exactly as Better Auth. */
void handle_ok(struct app *app, struct request *req, struct response *resp)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "ok", json_object_new_boolean(1));
    response_json(resp, 200, obj);
}

/* handle_healthz - the process is alive and serving; says nothing about the database. */
void handle_healthz(struct app *app, struct request *req, struct response *resp)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "status", json_object_new_string("ok"));
    response_json(resp, 200, obj);
}

/* handle_readyz - one database round trip; 503 with Retry-After when it fails. */
void handle_readyz(struct app *app, struct request *req, struct response *resp)
{
    struct json_object *obj;
    enum db_status st = app->store->ops->ping(app->store->impl);

    if (st != DB_OK) {
        response_unavailable(resp, app->store->ops->retry_after(app->store->impl));
        return;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "status", json_object_new_string("ready"));
    response_json(resp, 200, obj);
}
