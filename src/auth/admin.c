/* admin - the admin plugin's hooks into the core handlers and the pieces its endpoints
 * share (admin.h). */
#include "config.h"

#include "auth/admin.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/admin_perm.h"
#include "auth/app.h"
#include "auth/body.h"
#include "auth/call_store.h"
#include "auth/json_view.h"
#include "auth/router.h"
#include "auth/session.h"
#include "util/arena.h"
#include "util/log.h"

/* ---- hooks ---- */

bool admin_sign_in_allowed(struct call *c, const struct user_record *user)
{
    static const struct admin_change lift = {.ban = ADMIN_BAN_LIFT, .ban_expires_in_s = -1};
    struct user_record lifted;
    enum db_status st;

    if (!user->banned)
        return true;
    if (user->ban_expires == NULL || user->ban_expires_ms >= session_now_ms()) {
        response_http_error(c->resp, HTTP_ERROR_BANNED_USER);
        return false;
    }
    st = call_store_admin_user_change(c, user->id, &lift, &lifted);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return false;
    }
    log_event(LOG_LEVEL_INFO, "ban_ended", "user=%s", user->id);
    return true;
}

/* ---- views ---- */

void admin_answer_success(struct call *c)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "success", json_object_new_boolean(1));
    response_json(c->resp, 200, obj);
}

void admin_change_user(struct call *c, const char *user_id, const struct admin_change *ch)
{
    struct user_record u;
    enum db_status st = call_store_admin_user_change(c, user_id, ch, &u);

    if (st == DB_NOTFOUND)
        response_http_error(c->resp, HTTP_ERROR_ADMIN_USER_NOT_FOUND);
    else if (st != DB_OK)
        router_store_error(c, st);
    else
        admin_answer_user(c, &u, true);
}

void admin_answer_user(struct call *c, const struct user_record *u, bool wrapped)
{
    struct json_object *obj = json_view_user(&c->app->user_view, u);

    if (wrapped) {
        struct json_object *outer = json_object_new_object();

        json_object_object_add(outer, "user", obj);
        obj = outer;
    }
    response_json(c->resp, 200, obj);
}

/* ---- the caller and its permissions ---- */

bool admin_caller(struct call *c, struct user_record *me)
{
    if (c->session.found != SESSION_VALID) {
        response_empty(c->resp, 401);
        return false;
    }
    *me = c->session.user; /* read with the session, its admin columns included */
    return true;
}

bool admin_require(struct call *c, const struct user_record *me, const char *resource,
                   const char *action, enum http_error refusal)
{
    if (admin_allows(me->role, resource, action))
        return true;
    response_http_error(c->resp, refusal);
    return false;
}

bool admin_find_user(struct call *c, const char *user_id, struct user_record *out)
{
    enum db_status st = call_store_admin_user_get(c, user_id, out);

    if (st == DB_NOTFOUND)
        response_http_error(c->resp, HTTP_ERROR_ADMIN_USER_NOT_FOUND);
    else if (st != DB_OK)
        router_store_error(c, st);
    return st == DB_OK;
}

/* ---- input ---- */

/* number_text - JavaScript's String(n) for the numbers JSON can carry: integers up to 2^53
 * without exponent, others in the shortest form that reads back (%.17g is close enough
 * for ids, which are strings in practice). */
static const char *number_text(struct call *c, double n)
{
    char buf[40];

    if (isinf(n))
        return n < 0 ? "-Infinity" : "Infinity";
    if (n == floor(n) && fabs(n) < 9007199254740992.0)
        snprintf(buf, sizeof buf, "%.0f", n);
    else
        snprintf(buf, sizeof buf, "%.17g", n);
    return arena_strdup(c->req->arena, buf);
}

const char *admin_string(struct call *c, const struct value *v)
{
    switch (v->kind) {
    case VALUE_STRING:
        return v->str;
    case VALUE_NUMBER:
        return number_text(c, v->number);
    case VALUE_BOOLEAN:
        return v->boolean ? "true" : "false";
    case VALUE_NULL:
        return "null";
    case VALUE_OBJECT:
        return "[object Object]";
    case VALUE_ARRAY: /* String([..]) joins the items; ids are never arrays */
        return "";
    case VALUE_ABSENT:
        break;
    }
    return "undefined";
}

struct json_object *admin_body_member(struct call *c, const char *name)
{
    struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
    struct json_object *root, *member = NULL;

    if (tok == NULL)
        return NULL;
    root = json_tokener_parse_ex(tok, c->req->body, (int)c->req->body_len);
    json_tokener_free(tok);
    if (root != NULL && json_object_object_get_ex(root, name, &member))
        json_object_get(member);
    json_object_put(root);
    return member;
}

const char *admin_roles_join(struct call *c, struct json_object *role)
{
    bool list = json_object_is_type(role, json_type_array);
    size_t n = list ? json_object_array_length(role) : 1, len = 0;
    char *out;

    for (size_t i = 0; i < n; i++) {
        struct json_object *item = list ? json_object_array_get_idx(role, i) : role;

        if (!json_object_is_type(item, json_type_string))
            return NULL;
        len += (size_t)json_object_get_string_len(item) + 1;
    }
    out = arena_alloc(c->req->arena, len + 1);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, ",");
        strcat(out, json_object_get_string(list ? json_object_array_get_idx(role, i) : role));
    }
    return out;
}

const char *admin_roles_text(struct call *c, const struct value *v, enum http_error bad_item)
{
    struct json_object *role;
    const char *out;

    if (v->kind == VALUE_STRING)
        return v->str;
    role = admin_body_member(c, "role");
    out = json_object_is_type(role, json_type_array) ? admin_roles_join(c, role) : NULL;
    json_object_put(role);
    if (out != NULL)
        return out;
    if (bad_item == HTTP_ERROR_VALIDATION) /* zod's union refused it */
        response_http_error_text(c->resp, bad_item, "[body.role] Invalid input");
    else
        response_http_error(c->resp, bad_item);
    return NULL;
}
