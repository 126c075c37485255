/* handler_admin - the admin plugin's user endpoints: get-user, list-users, create-user,
 * update-user, set-role, set-user-password, remove-user, has-permission (better-auth 1.7.25
 * plugins/admin/routes.mjs, recorded in test/fixtures/admin). Each checks its caller's
 * permission first, as Better Auth does, then the target. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/admin.h"
#include "auth/admin_perm.h"
#include "auth/app.h"
#include "auth/body.h"
#include "auth/call_store.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "auth/router.h"
#include "auth/steps.h"
#include "util/arena.h"
#include "util/email.h"
#include "util/random.h"

/* GET /admin/get-user?id= - the bare user object. */
void handle_admin_get_user(struct call *c)
{
    struct user_record me, u;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "get", HTTP_ERROR_NOT_ALLOWED_GET_USER) ||
        !admin_find_user(c, c->in.query[FIELD_ID].str, &u))
        return;
    admin_answer_user(c, &u, false);
}

/* ---- list-users ---- */

/* Users list-users answers at most without a limit (the adapter's defaultFindManyLimit). */
#define ADMIN_LIST_DEFAULT_LIMIT 100

static bool name_in(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* page_number - Number(v) || undefined for limit and offset: *out 0 for none; false for a value
 * PostgreSQL refuses (negative, fractional), where Better Auth's query fails. */
static bool page_number(const struct value *v, int64_t *out)
{
    char *end;
    double n = v->kind == VALUE_STRING ? strtod(v->str, &end) : 0;

    *out = 0;
    if (v->kind != VALUE_STRING || end == v->str || *end != '\0' || isnan(n) || n == 0)
        return true;
    if (n < 0 || n != floor(n) || n > 1e15)
        return false;
    *out = (int64_t)n;
    return true;
}

static const char *query_string(const struct call *c, enum field f)
{
    const struct value *v = &c->in.query[f];

    return v->kind == VALUE_STRING ? v->str : NULL;
}

/* list_query - the parameters as Better Auth hands them to its adapter. False when the adapter
 * would fail (a field the user has no column for, a bad page): Better Auth then answers an
 * empty list. */
static bool list_query(const struct call *c, struct admin_user_query *q)
{
    static const char *const text_fields[] = {
        "email", "name", "id", "role", "banReason", "banned", "emailVerified", "image", NULL};
    static const char *const sort_fields[] = {
        "email",     "name",      "id",         "role",   "banReason",     "image",
        "createdAt", "updatedAt", "banExpires", "banned", "emailVerified", NULL};
    const char *search = query_string(c, FIELD_SEARCH_VALUE);

    *q = (struct admin_user_query){0};
    if (search != NULL && search[0] != '\0') {
        q->search_value = search;
        q->search_field = query_string(c, FIELD_SEARCH_FIELD) ?: "email";
        q->search_op = query_string(c, FIELD_SEARCH_OPERATOR) ?: "contains";
    }
    if (c->in.query[FIELD_FILTER_VALUE].kind != VALUE_ABSENT) {
        q->filter_value = query_string(c, FIELD_FILTER_VALUE);
        q->filter_field = query_string(c, FIELD_FILTER_FIELD) ?: "email";
        q->filter_op = query_string(c, FIELD_FILTER_OPERATOR) ?: "eq";
        if (q->filter_value == NULL || !name_in(q->filter_field, text_fields))
            return false;
    }
    q->sort_field = query_string(c, FIELD_SORT_BY);
    q->sort_desc = query_string(c, FIELD_SORT_DIRECTION) != NULL &&
                   strcmp(query_string(c, FIELD_SORT_DIRECTION), "desc") == 0;
    if (q->sort_field != NULL && !name_in(q->sort_field, sort_fields))
        return false;
    return page_number(&c->in.query[FIELD_LIMIT], &q->limit) &&
           page_number(&c->in.query[FIELD_OFFSET], &q->offset);
}

/* GET /admin/list-users - {"users","total"} and "limit"/"offset" when given. */
void handle_admin_list_users(struct call *c)
{
    struct user_record me, *users = NULL;
    struct admin_user_query q;
    size_t count = 0;
    int64_t total = 0;
    struct json_object *obj, *arr;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "list", HTTP_ERROR_NOT_ALLOWED_LIST_USERS))
        return;
    bool usable = list_query(c, &q);
    int64_t given_limit = q.limit;
    /* Better Auth's adapter reads at most defaultFindManyLimit (100) users without a limit */
    if (q.limit == 0)
        q.limit = ADMIN_LIST_DEFAULT_LIMIT;
    if (usable && (st = call_store_admin_user_list(c, &q, &users, &count, &total)) != DB_OK) {
        router_store_error(c, st);
        return;
    }
    obj = json_object_new_object();
    arr = json_object_new_array();
    for (size_t i = 0; i < count; i++)
        json_object_array_add(arr, json_view_user(&c->app->user_view, &users[i]));
    json_object_object_add(obj, "users", arr);
    json_object_object_add(obj, "total", json_object_new_int64(usable ? total : 0));
    if (usable && given_limit > 0)
        json_object_object_add(obj, "limit", json_object_new_int64(given_limit));
    if (usable && q.offset > 0)
        json_object_object_add(obj, "offset", json_object_new_int64(q.offset));
    response_json(c->resp, 200, obj);
}

/* ---- create-user ---- */

/* new_admin_user - ids, the lower-cased address and the password hash (none without a
 * password) of the user create-user makes. False after answering. */
static bool new_admin_user(struct call *c, const char *email, struct new_user *u)
{
    const struct value *pw = &c->in.body[FIELD_PASSWORD];
    char *id = arena_alloc(c->req->arena, RANDOM_TOKEN_LEN + 1);
    char *account_id = arena_alloc(c->req->arena, RANDOM_TOKEN_LEN + 1);

    /* Better Auth checks only the maximum length here (assertPasswordNotTooLong). */
    if (pw->kind == VALUE_STRING && pw->len > 0 && !steps_password_length(c, pw, false))
        return false;
    if (random_token(id, RANDOM_TOKEN_LEN) != 0 ||
        random_token(account_id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    *u = (struct new_user){
        .id = id, .name = c->in.body[FIELD_NAME].str, .email = email, .account_id = account_id};
    if (pw->kind == VALUE_STRING && pw->len > 0 &&
        (u->password_hash = steps_hash_password(c, pw)) == NULL) {
        steps_fail(c, FAIL_PASSWORD_HASH);
        return false;
    }
    return true;
}

/* update_fields - name and image, taken when they are of the right type. */
static void update_fields(struct call *c, struct json_object *data, struct admin_change *ch)
{
    struct json_object *name = json_object_object_get(data, "name");
    struct json_object *image;

    if (json_object_is_type(name, json_type_string))
        ch->name = arena_strdup(c->req->arena, json_object_get_string(name));
    if (json_object_object_get_ex(data, "image", &image)) {
        if (json_object_is_type(image, json_type_string)) {
            ch->image_op = FIELD_SET;
            ch->image = arena_strdup(c->req->arena, json_object_get_string(image));
        } else if (image == NULL) {
            ch->image_op = FIELD_SET_NULL;
        }
    }
}

/* create_role - body.role, else data.role, else the default "user"; one given needs
 * user:set-role. False after answering. */
static bool create_role(struct call *c, const struct user_record *me, struct json_object *data,
                        struct admin_change *ch)
{
    const struct value *role = &c->in.body[FIELD_ROLE];
    struct json_object *data_role;
    bool in_data = json_object_object_get_ex(data, "role", &data_role);

    ch->role = "user";
    if (role->kind == VALUE_ABSENT && !in_data)
        return true;
    if (!admin_require(c, me, "user", "set-role", HTTP_ERROR_NOT_ALLOWED_CHANGE_ROLE))
        return false;
    if (role->kind != VALUE_ABSENT)
        return (ch->role = admin_roles_text(c, role, HTTP_ERROR_VALIDATION)) != NULL;
    if ((ch->role = admin_roles_join(c, data_role)) == NULL)
        response_http_error(c->resp, HTTP_ERROR_INVALID_ROLE_TYPE);
    return ch->role != NULL;
}

/* create_extras - the role, and data's image (a string or null) and emailVerified (a
 * boolean). False after answering. */
static bool create_extras(struct call *c, const struct user_record *me, struct admin_change *ch)
{
    struct json_object *data = admin_body_member(c, "data"), *verified;
    bool ok = create_role(c, me, data, ch);

    if (ok)
        update_fields(c, data, ch);
    if (ok && json_object_object_get_ex(data, "emailVerified", &verified) &&
        json_object_is_type(verified, json_type_boolean))
        ch->email_verified = json_object_get_boolean(verified) ? "t" : "f";
    ch->name = NULL; /* body.name wins over data.name */
    json_object_put(data);
    return ok;
}

/* POST /admin/create-user - a user (with a credential account when a password is given) with
 * its role, image and emailVerified, in one transaction. Other data members are not taken. */
void handle_admin_create_user(struct call *c)
{
    struct admin_change ch = {.ban_expires_in_s = -1};
    struct user_record me, u;
    struct new_user nu;
    char *email;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "create", HTTP_ERROR_NOT_ALLOWED_CREATE_USERS) ||
        !create_extras(c, &me, &ch))
        return;
    email = steps_lowered_email(c, c->in.body[FIELD_EMAIL].str);
    if (!email_is_valid(email, strlen(email))) {
        response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL);
        return;
    }
    if (!new_admin_user(c, email, &nu))
        return;
    st = call_store_admin_user_create(c, &nu, &ch, &u);
    if (st == DB_CONFLICT)
        response_http_error(c->resp, HTTP_ERROR_USER_EXISTS_USE_ANOTHER_EMAIL);
    else if (st != DB_OK)
        router_store_error(c, st);
    else
        admin_answer_user(c, &u, true);
}

/* ---- set-role, set-user-password, remove-user ---- */

/* POST /admin/set-role - {"user"}. Any role name is taken (Better Auth checks names only when
 * custom roles are configured). */
void handle_admin_set_role(struct call *c)
{
    struct admin_change ch = {.ban_expires_in_s = -1};
    struct user_record me;
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "set-role", HTTP_ERROR_NOT_ALLOWED_CHANGE_ROLE) ||
        (ch.role = admin_roles_text(c, &c->in.body[FIELD_ROLE], HTTP_ERROR_VALIDATION)) == NULL)
        return;
    admin_change_user(c, user_id, &ch);
}

/* POST /admin/set-user-password - {"status":true}; a user without a credential account gets
 * one; the user's sessions are kept, as in Better Auth. */
void handle_admin_set_user_password(struct call *c)
{
    const struct value *pw = &c->in.body[FIELD_NEW_PASSWORD];
    struct user_record me, u;
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    char account_id[RANDOM_TOKEN_LEN + 1];
    const char *hash;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "set-password", HTTP_ERROR_NOT_ALLOWED_SET_PASSWORD) ||
        !steps_password_length(c, pw, true) || !admin_find_user(c, user_id, &u))
        return;
    if ((hash = steps_hash_password(c, pw)) == NULL) {
        steps_fail(c, FAIL_PASSWORD_HASH);
        return;
    }
    if (random_token(account_id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return;
    }
    st = call_store_admin_password_set(c, user_id, account_id, hash);
    if (st == DB_NOTFOUND) /* removed since it was found */
        response_http_error(c->resp, HTTP_ERROR_ADMIN_USER_NOT_FOUND);
    else if (st != DB_OK)
        router_store_error(c, st);
    else
        steps_answer_status_true(c);
}

/* POST /admin/remove-user - the user, its accounts and sessions (by cascade). */
void handle_admin_remove_user(struct call *c)
{
    struct user_record me, u;
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "delete", HTTP_ERROR_NOT_ALLOWED_DELETE_USERS))
        return;
    if (strcmp(user_id, me.id) == 0) {
        response_http_error(c->resp, HTTP_ERROR_CANNOT_REMOVE_YOURSELF);
        return;
    }
    if (!admin_find_user(c, user_id, &u))
        return;
    st = call_store_user_delete(c, user_id);
    if (st != DB_OK && st != DB_NOTFOUND) {
        router_store_error(c, st);
        return;
    }
    admin_answer_success(c);
}

/* ---- has-permission ---- */

#define ASK_MAX 16
#define ACTIONS_MAX 64

/* permission_ask - {"resource": ["action", ...], ...} into ask (its strings borrowed from
 * perms). False when it is not a record of arrays of strings, or larger than we take. */
static bool permission_ask(struct call *c, struct json_object *perms,
                           struct admin_perm_ask ask[ASK_MAX], size_t *nask)
{
    const char **actions = arena_alloc(c->req->arena, ACTIONS_MAX * sizeof *actions);
    size_t used = 0;

    *nask = 0;
    if (!json_object_is_type(perms, json_type_object))
        return false;
    json_object_object_foreach(perms, resource, list)
    {
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

        if (!json_object_is_type(list, json_type_array) || *nask == ASK_MAX ||
            used + n > ACTIONS_MAX)
            return false;
        ask[*nask] = (struct admin_perm_ask){resource, actions + used, n};
        for (size_t i = 0; i < n; i++) {
            struct json_object *item = json_object_array_get_idx(list, i);

            if (!json_object_is_type(item, json_type_string))
                return false;
            actions[used++] = json_object_get_string(item);
        }
        (*nask)++;
    }
    return true;
}

/* has_permission_input - z.xor of {permission} and {permissions}, then Better Auth's own
 * check that it was given as permissions. False after answering 400. */
static bool has_permission_input(struct call *c)
{
    bool one = c->in.body[FIELD_PERMISSION].kind == VALUE_OBJECT;
    bool many = c->in.body[FIELD_PERMISSIONS].kind == VALUE_OBJECT;

    if (one && many)
        response_http_error_text(c->resp, HTTP_ERROR_VALIDATION,
                                 "[body] Invalid input: more than one option matched");
    else if (!one && !many)
        response_http_error_text(c->resp, HTTP_ERROR_VALIDATION, "[body] Invalid input");
    else if (!many)
        response_http_error(c->resp, HTTP_ERROR_NO_PERMISSIONS_PASSED);
    return many && !one;
}

/* POST /admin/has-permission - {"error":null,"success":...} for the caller's own roles (a
 * role or userId in the body counts only without a session, which over HTTP is a 401). */
void handle_admin_has_permission(struct call *c)
{
    struct admin_perm_ask ask[ASK_MAX];
    struct user_record me;
    struct json_object *perms, *obj;
    size_t nask;
    bool valid;

    if (!has_permission_input(c) || !admin_caller(c, &me))
        return;
    perms = admin_body_member(c, "permissions");
    valid = permission_ask(c, perms, ask, &nask);
    obj = json_object_new_object();
    json_object_object_add(obj, "error", NULL);
    json_object_object_add(obj, "success",
                           json_object_new_boolean(valid && admin_roles_allow(me.role, ask, nask)));
    response_json(c->resp, 200, obj);
    json_object_put(perms);
}

/* ---- update-user ---- */

static bool has_key(struct json_object *data, const char *key)
{
    return json_object_object_get_ex(data, key, NULL);
}

/* update_role - data.role as set-role takes it, each item a string (INVALID_ROLE_TYPE). */
static bool update_role(struct call *c, const struct user_record *me, struct json_object *role,
                        struct admin_change *ch)
{
    if (!admin_require(c, me, "user", "set-role", HTTP_ERROR_NOT_ALLOWED_CHANGE_ROLE))
        return false;
    if ((ch->role = admin_roles_join(c, role)) == NULL) {
        response_http_error(c->resp, HTTP_ERROR_INVALID_ROLE_TYPE);
        return false;
    }
    return true;
}

/* update_ban - data.banned: true bans (with data.banReason, no end) and ends the user's
 * sessions, false lifts the ban. */
static bool update_ban(struct call *c, const struct user_record *me, const char *user_id,
                       struct json_object *data, struct admin_change *ch)
{
    struct json_object *banned = json_object_object_get(data, "banned");
    struct json_object *reason = json_object_object_get(data, "banReason");

    if (!admin_require(c, me, "user", "ban", HTTP_ERROR_NOT_ALLOWED_BAN))
        return false;
    if (json_object_is_type(banned, json_type_boolean) && json_object_get_boolean(banned)) {
        if (strcmp(user_id, me->id) == 0) {
            response_http_error(c->resp, HTTP_ERROR_CANNOT_BAN_YOURSELF);
            return false;
        }
        ch->ban = ADMIN_BAN_SET;
        ch->ban_reason = json_object_is_type(reason, json_type_string)
                             ? arena_strdup(c->req->arena, json_object_get_string(reason))
                             : NULL;
    } else if (json_object_is_type(banned, json_type_boolean)) {
        ch->ban = ADMIN_BAN_LIFT;
    }
    return true;
}

/* update_email - data.email (String()'d, lower-cased, an address) and data.emailVerified (a
 * boolean), with user:set-email. Whether the address is another user's the store says. */
static bool update_email(struct call *c, const struct user_record *me, struct json_object *data,
                         struct admin_change *ch)
{
    struct json_object *email, *verified;

    if (!admin_require(c, me, "user", "set-email", HTTP_ERROR_NOT_ALLOWED_SET_EMAIL))
        return false;
    if (json_object_object_get_ex(data, "email", &email)) {
        char *lowered =
            steps_lowered_email(c, email != NULL ? json_object_get_string(email) : "null");

        if (!email_is_valid(lowered, strlen(lowered))) {
            response_http_error(c->resp, HTTP_ERROR_INVALID_EMAIL);
            return false;
        }
        ch->email = lowered;
    }
    if (json_object_object_get_ex(data, "emailVerified", &verified)) {
        if (!json_object_is_type(verified, json_type_boolean)) {
            response_http_error_text(c->resp, HTTP_ERROR_VALIDATION,
                                     "[body.data.emailVerified] Invalid input: expected boolean");
            return false;
        }
        ch->email_verified = json_object_get_boolean(verified) ? "t" : "f";
    }
    return true;
}

/* update_checks - Better Auth's checks on data, in its order. False after answering. */
static bool update_checks(struct call *c, const struct user_record *me, const char *user_id,
                          struct json_object *data, struct admin_change *ch)
{
    if (json_object_object_length(data) == 0) {
        response_http_error(c->resp, HTTP_ERROR_NO_DATA_TO_UPDATE);
        return false;
    }
    if (has_key(data, "password") || has_key(data, "id")) {
        response_http_error(c->resp, has_key(data, "password")
                                         ? HTTP_ERROR_PASSWORD_NOT_VIA_UPDATE_USER
                                         : HTTP_ERROR_USER_ID_CANNOT_BE_UPDATED);
        return false;
    }
    if (has_key(data, "role") && !update_role(c, me, json_object_object_get(data, "role"), ch))
        return false;
    if ((has_key(data, "banned") || has_key(data, "banReason") || has_key(data, "banExpires")) &&
        !update_ban(c, me, user_id, data, ch))
        return false;
    if ((has_key(data, "email") || has_key(data, "emailVerified")) &&
        !update_email(c, me, data, ch))
        return false;
    update_fields(c, data, ch);
    return true;
}

/* POST /admin/update-user - the bare user after the change (one statement; a ban also ends
 * the user's sessions, in the same transaction). */
void handle_admin_update_user(struct call *c)
{
    struct admin_change ch = {.ban_expires_in_s = -1};
    struct user_record me, u;
    const char *user_id = admin_string(c, &c->in.body[FIELD_USER_ID]);
    struct json_object *data;
    enum db_status st;

    if (!admin_caller(c, &me) ||
        !admin_require(c, &me, "user", "update", HTTP_ERROR_NOT_ALLOWED_UPDATE_USERS))
        return;
    /* NULL: deeper than json-c reads (body.c's reader took it) */
    if ((data = admin_body_member(c, "data")) == NULL) {
        response_http_error_text(c->resp, HTTP_ERROR_VALIDATION,
                                 "[body.data] Invalid input: nested too deeply");
        return;
    }
    if (!update_checks(c, &me, user_id, data, &ch)) {
        json_object_put(data);
        return;
    }
    json_object_put(data);
    st = call_store_admin_user_change(c, user_id, &ch, &u);
    if (st == DB_NOTFOUND)
        response_http_error(c->resp, HTTP_ERROR_ADMIN_USER_NOT_FOUND);
    else if (st == DB_CONFLICT) /* the new address is another user's */
        response_http_error(c->resp, HTTP_ERROR_USER_EXISTS_USE_ANOTHER_EMAIL);
    else if (st != DB_OK)
        router_store_error(c, st);
    else
        admin_answer_user(c, &u, false);
}
