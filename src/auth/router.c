/* router - the route table and the pipeline in front of every handler. The table is the single
 * list of what authfcgi answers; a test checks it against schema/openapi.yaml. */
#include "config.h"

#include "auth/router.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/app.h"
#include "auth/authorize.h"
#include "util/arena.h"
#include "util/client_ip.h"
#include "auth/handlers.h"
#include "auth/http.h"
#include "util/log.h"
#include "auth/origin.h"
#include "auth/pages.h"
#include "auth/rate_limit.h"
#include "auth/two_factor.h"

#define BASE_PATH "/api/auth"

const struct route route_table[] = {
    {"GET", BASE_PATH "/ok", handle_ok, "ok", SCHEMA_NONE, 0},
    {"GET", BASE_PATH "/error", handle_error, "error", SCHEMA_ERROR, 0},
    {"POST", BASE_PATH "/sign-up/email", handle_sign_up, "signUpEmail", SCHEMA_SIGN_UP,
     ROUTE_SIGN_IN_UP | ROUTE_HASHES},
    {"POST", BASE_PATH "/sign-in/email", handle_sign_in, "signInEmail", SCHEMA_SIGN_IN,
     ROUTE_SIGN_IN_UP | ROUTE_HASHES},
    {"POST", BASE_PATH "/sign-out", handle_sign_out, "signOut", SCHEMA_SIGN_OUT, 0},
    {"GET", BASE_PATH "/get-session", handle_get_session, "getSession", SCHEMA_GET_SESSION, 0},
    {"POST", BASE_PATH "/get-session", handle_get_session_post, "getSessionPost",
     SCHEMA_GET_SESSION, 0},
    {"GET", BASE_PATH "/list-sessions", handle_list_sessions, "listSessions", SCHEMA_NONE,
     ROUTE_SESSION},
    {"POST", BASE_PATH "/revoke-session", handle_revoke_session, "revokeSession",
     SCHEMA_REVOKE_SESSION, ROUTE_SESSION},
    {"POST", BASE_PATH "/revoke-sessions", handle_revoke_sessions, "revokeSessions",
     SCHEMA_REVOKE_SESSIONS, ROUTE_SESSION},
    {"POST", BASE_PATH "/revoke-other-sessions", handle_revoke_other_sessions,
     "revokeOtherSessions", SCHEMA_REVOKE_OTHER_SESSIONS, ROUTE_SESSION},
    {"POST", BASE_PATH "/change-password", handle_change_password, "changePassword",
     SCHEMA_CHANGE_PASSWORD, ROUTE_SESSION | ROUTE_HASHES},
    {"POST", BASE_PATH "/update-user", handle_update_user, "updateUser", SCHEMA_UPDATE_USER,
     ROUTE_SESSION | ROUTE_QUIET_ON_CACHE},
    {"POST", BASE_PATH "/delete-user", handle_delete_user, "deleteUser", SCHEMA_DELETE_USER,
     ROUTE_SESSION | ROUTE_HASHES},
    {"GET", BASE_PATH "/delete-user/callback", handle_delete_user_callback, "deleteUserCallback",
     SCHEMA_DELETE_USER_CALLBACK, ROUTE_OPTIONAL_SESSION | ROUTE_CALLBACK_QUERY},
    {"POST", BASE_PATH "/update-session", handle_update_session, "updateSession", SCHEMA_NONE,
     ROUTE_SESSION | ROUTE_QUIET_ON_CACHE},
    {"GET", BASE_PATH "/list-accounts", handle_list_accounts, "listUserAccounts", SCHEMA_NONE,
     ROUTE_SESSION},
    {"POST", BASE_PATH "/verify-password", handle_verify_password, "verifyPassword",
     SCHEMA_VERIFY_PASSWORD, ROUTE_SESSION | ROUTE_HASHES},
    {"POST", BASE_PATH "/request-password-reset", handle_request_password_reset,
     "requestPasswordReset", SCHEMA_REQUEST_PASSWORD_RESET, 0},
    {"GET", BASE_PATH "/reset-password/:token", handle_reset_password_callback,
     "resetPasswordCallback", SCHEMA_RESET_PASSWORD_CALLBACK, ROUTE_CALLBACK_QUERY},
    {"POST", BASE_PATH "/reset-password", handle_reset_password, "resetPassword",
     SCHEMA_RESET_PASSWORD, ROUTE_HASHES},
    {"POST", BASE_PATH "/send-verification-email", handle_send_verification_email,
     "sendVerificationEmail", SCHEMA_SEND_VERIFICATION_EMAIL, 0},
    {"GET", BASE_PATH "/verify-email", handle_verify_email, "verifyEmail", SCHEMA_VERIFY_EMAIL,
     ROUTE_CALLBACK_QUERY},
    {"POST", BASE_PATH "/change-email", handle_change_email, "changeEmail", SCHEMA_CHANGE_EMAIL,
     ROUTE_SESSION},
/* the admin plugin (AUTHFCGI_ADMIN): its handlers answer 401 themselves, with Better
 * Auth's empty body. Its middleware reads the session from the database whatever the cookie
 * cache holds (getAuthoritativeSessionFromCtx), so the GET ones do too: a role taken away
 * counts at once, and the answer writes session_data as Better Auth's does. */
#define ADMIN_ROUTE(m, p, h, op, schema, flags)                                                    \
    {                                                                                              \
        m, BASE_PATH "/admin/" p, h, op, schema,                                                   \
            ROUTE_ADMIN | ROUTE_OPTIONAL_SESSION | ROUTE_STORE_SESSION | (flags)                   \
    }
    ADMIN_ROUTE("POST", "set-role", handle_admin_set_role, "setUserRole", SCHEMA_ADMIN_SET_ROLE, 0),
    ADMIN_ROUTE("GET", "get-user", handle_admin_get_user, "getUser", SCHEMA_ADMIN_GET_USER, 0),
    ADMIN_ROUTE("POST", "create-user", handle_admin_create_user, "createUser",
                SCHEMA_ADMIN_CREATE_USER, ROUTE_HASHES),
    ADMIN_ROUTE("POST", "update-user", handle_admin_update_user, "adminUpdateUser",
                SCHEMA_ADMIN_UPDATE_USER, 0),
    ADMIN_ROUTE("GET", "list-users", handle_admin_list_users, "listUsers", SCHEMA_ADMIN_LIST_USERS,
                0),
    ADMIN_ROUTE("POST", "list-user-sessions", handle_admin_list_user_sessions,
                "adminListUserSessions", SCHEMA_ADMIN_USER_ID, 0),
    ADMIN_ROUTE("POST", "unban-user", handle_admin_unban_user, "unbanUser", SCHEMA_ADMIN_USER_ID,
                0),
    ADMIN_ROUTE("POST", "ban-user", handle_admin_ban_user, "banUser", SCHEMA_ADMIN_BAN_USER, 0),
    ADMIN_ROUTE("POST", "impersonate-user", handle_admin_impersonate_user, "impersonateUser",
                SCHEMA_ADMIN_USER_ID, 0),
    ADMIN_ROUTE("POST", "stop-impersonating", handle_admin_stop_impersonating, "stopImpersonating",
                SCHEMA_NONE, 0),
    ADMIN_ROUTE("POST", "revoke-user-session", handle_admin_revoke_user_session,
                "revokeUserSession", SCHEMA_ADMIN_REVOKE_USER_SESSION, 0),
    ADMIN_ROUTE("POST", "revoke-user-sessions", handle_admin_revoke_user_sessions,
                "revokeUserSessions", SCHEMA_ADMIN_USER_ID, 0),
    ADMIN_ROUTE("POST", "remove-user", handle_admin_remove_user, "removeUser", SCHEMA_ADMIN_USER_ID,
                0),
    ADMIN_ROUTE("POST", "set-user-password", handle_admin_set_user_password, "setUserPassword",
                SCHEMA_ADMIN_SET_USER_PASSWORD, ROUTE_HASHES),
    ADMIN_ROUTE("POST", "has-permission", handle_admin_has_permission, "userHasPermission",
                SCHEMA_ADMIN_HAS_PERMISSION, 0),
#undef ADMIN_ROUTE
    {"POST", BASE_PATH "/two-factor/enable", two_factor_enable, "enableTwoFactor",
     SCHEMA_TWO_FACTOR_ENABLE, ROUTE_TWO_FACTOR | ROUTE_SESSION | ROUTE_HASHES},
    {"POST", BASE_PATH "/two-factor/disable", two_factor_disable, "disableTwoFactor",
     SCHEMA_TWO_FACTOR_PASSWORD, ROUTE_TWO_FACTOR | ROUTE_SESSION | ROUTE_HASHES},
    {"POST", BASE_PATH "/two-factor/get-totp-uri", two_factor_get_totp_uri, "getTOTPURI",
     SCHEMA_TWO_FACTOR_PASSWORD,
     ROUTE_TWO_FACTOR | ROUTE_SESSION | ROUTE_HASHES | ROUTE_QUIET_ON_CACHE},
    {"POST", BASE_PATH "/two-factor/verify-totp", two_factor_verify_totp, "verifyTOTP",
     SCHEMA_TWO_FACTOR_CODE, ROUTE_TWO_FACTOR | ROUTE_OPTIONAL_SESSION},
    {"POST", BASE_PATH "/two-factor/generate-backup-codes", two_factor_generate_backup_codes,
     "generateBackupCodes", SCHEMA_TWO_FACTOR_PASSWORD,
     ROUTE_TWO_FACTOR | ROUTE_SESSION | ROUTE_HASHES | ROUTE_QUIET_ON_CACHE},
    {"POST", BASE_PATH "/two-factor/verify-backup-code", two_factor_verify_backup_code,
     "verifyBackupCode", SCHEMA_TWO_FACTOR_CODE, ROUTE_TWO_FACTOR | ROUTE_OPTIONAL_SESSION},
    {"POST", BASE_PATH "/two-factor/send-otp", two_factor_send_otp, "sendTwoFactorOTP",
     SCHEMA_TWO_FACTOR_SEND_OTP, ROUTE_TWO_FACTOR | ROUTE_OPTIONAL_SESSION},
    {"POST", BASE_PATH "/two-factor/verify-otp", two_factor_verify_otp, "verifyTwoFactorOTP",
     SCHEMA_TWO_FACTOR_CODE, ROUTE_TWO_FACTOR | ROUTE_OPTIONAL_SESSION},
    {"GET", "/healthz", handle_healthz, "healthz", SCHEMA_NONE, 0},
    {"GET", "/readyz", handle_readyz, "readyz", SCHEMA_NONE, 0},
};
const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

/* param_offset - where the ":name" segment of a route path starts, or 0 when it has none. */
static size_t param_offset(const char *pattern)
{
    const char *colon = strstr(pattern, "/:");

    return colon != NULL ? (size_t)(colon - pattern) + 1 : 0;
}

/* path_matches - exact, but a trailing ":name" segment matches one non-empty segment. */
static bool path_matches(const char *pattern, const char *path)
{
    size_t at = param_offset(pattern);

    if (at == 0)
        return strcmp(pattern, path) == 0;
    return strncmp(pattern, path, at) == 0 && path[at] != '\0' && strchr(path + at, '/') == NULL;
}

/* router_find - exact match on method and path: Better Auth routes no prefixes, no trailing
 * slashes and answers no HEAD or OPTIONS. */
const struct route *router_find(const char *method, const char *path)
{
    for (size_t i = 0; i < route_count; i++)
        if (path_matches(route_table[i].path, path) && strcmp(route_table[i].method, method) == 0)
            return &route_table[i];
    return NULL;
}

/* plugin_on - a plugin's routes exist only with it on (admin, twoFactor). */
static bool plugin_on(const struct app *app, const struct route *route)
{
    return !((route->flags & ROUTE_ADMIN) && !app->admin) &&
           !((route->flags & ROUTE_TWO_FACTOR) && !app->two_factor);
}

/* router_route - see router.h. */
const struct route *router_route(const struct app *app, const char *method, const char *path)
{
    const struct route *route = router_find(method, path);

    if (route == NULL || !plugin_on(app, route))
        return NULL;
    if (!app->delete_user &&
        (route->handler == handle_delete_user || route->handler == handle_delete_user_callback))
        return NULL;
    return route;
}

/* router_param - see router.h. */
const char *router_param(const struct route *route, const char *path)
{
    size_t at = param_offset(route->path);

    return at != 0 ? path + at : NULL;
}

static const char *route_name(const struct call *c)
{
    return c->route != NULL ? c->route->operation_id : "none";
}

/* router_store_error - see router.h. */
void router_store_error(struct call *c, enum db_status st)
{
    struct store *store = c->app->store;

    switch (st) {
    case DB_RETRY:
        response_unavailable(c->resp, store->ops->retry_after(store->impl));
        return;
    case DB_UNKNOWN:
        log_event(LOG_LEVEL_WARN, "request_failed", "route=%s status=%s reason=%s", route_name(c),
                  db_status_name(st), "the database connection was lost after the change was sent");
        response_outcome_unknown(c->resp, store->ops->retry_after(store->impl));
        return;
    case DB_OK:       /* a caller's bug: nothing failed */
    case DB_NOTFOUND: /* an answer the caller should have given */
    case DB_CONFLICT:
    case DB_INVALID:
    case DB_FAIL:
        break;
    }
    log_event(LOG_LEVEL_ERROR, "request_failed", "route=%s status=%s", route_name(c),
              db_status_name(st));
    response_http_error(c->resp, HTTP_ERROR_INTERNAL);
}

/* router_fail - see router.h. */
void router_fail(struct call *c, enum fail_reason why)
{
    log_event(LOG_LEVEL_ERROR, "request_failed", "route=%s reason=%s", route_name(c),
              http_fail_reason_name(why));
    response_http_error(c->resp, HTTP_ERROR_INTERNAL);
}

/* router_failed - see router.h. */
void router_failed(struct call *c, enum db_status rc, enum fail_reason why)
{
    if (why != FAIL_NONE)
        router_fail(c, why);
    else
        router_store_error(c, rc);
}

static void answer_input_error(struct response *resp, const struct input_error *err)
{
    response_error(resp, err->status, err->code, err->message);
}

/* under_base_path - the part of path after /api/auth, or NULL for other paths. */
static const char *under_base_path(const char *path)
{
    size_t n = strlen(BASE_PATH);

    if (strncmp(path, BASE_PATH, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return NULL;
    return path + n;
}

/* rate_limit_route - what a request under the base path is counted as: the path of the route
 * it matches whatever the method, as Better Auth counts by path ("/reset-password/:token",
 * never the token in it), or RATE_LIMIT_UNROUTED. *hashes: a route on that path computes a
 * password hash. */
static const char *rate_limit_route(const struct app *app, const char *path, bool *hashes)
{
    const char *found = RATE_LIMIT_UNROUTED;

    *hashes = false;
    for (size_t i = 0; i < route_count; i++) {
        /* A plugin that is off has no routes: its paths count as unrouted. */
        if (!path_matches(route_table[i].path, path) || !plugin_on(app, &route_table[i]))
            continue;
        found = route_table[i].path + strlen(BASE_PATH);
        *hashes = *hashes || (route_table[i].flags & ROUTE_HASHES) != 0;
    }
    return found;
}

/* check_rate_limit - Better Auth limits every request under its base path, routed or not.
 * Returns true when the request may go on; otherwise resp holds the answer. */
static bool check_rate_limit(struct app *app, struct request *req, struct response *resp)
{
    const char *route_path;
    bool allowed = true, hashes;
    int retry_after = 0;
    enum db_status st;

    if (!app->rate_limit || under_base_path(req->path) == NULL)
        return true;
    /* Without an address there is no client to count: one shared bucket would let any client
     * lock every other out. Every web server we support passes REMOTE_ADDR, so this is a front
     * configuration (a socket peer with no address, a trusted proxy writing no address): say
     * so loudly rather than count nobody or everybody. */
    if (req->client_ip[0] == '\0') {
        struct call c = {.app = app, .req = req, .resp = resp};

        router_fail(&c, FAIL_CLIENT_ADDRESS);
        return false;
    }
    route_path = rate_limit_route(app, req->path, &hashes);
    st = rate_limit_check(app, req, route_path, hashes, &allowed, &retry_after);
    if (st != DB_OK) {
        struct call c = {.app = app, .req = req, .resp = resp};

        router_store_error(&c, st);
        return false;
    }
    if (allowed)
        return true;
    response_too_many(resp, retry_after);
    return false;
}

/* run_input_checks - body, origin, redirect URLs and schema, in Better Auth's order
 * (PROTOCOL.md §17). Returns true when the handler may run. */
static bool run_input_checks(const struct route *route, struct call *c)
{
    struct input_error err;
    bool state_changing = strcmp(c->req->method, "GET") != 0;

    if (body_parse(c->req, route->schema, &c->in, &err) != 0)
        goto refused;
    if (state_changing) {
        if (origin_check(&c->app->origins, c->req, false, &err) != 0)
            goto refused;
        if (origin_check_redirects(&c->app->origins, c->req->arena, &c->in, &err) != 0)
            goto refused;
    }
    if (body_validate(c->req->arena, route->schema, &c->in, &err) != 0)
        goto refused;
    if ((route->flags & ROUTE_CALLBACK_QUERY) &&
        origin_check_callback(&c->app->origins, c->req->arena, &c->in, &err) != 0)
        goto refused;
    if ((route->flags & ROUTE_SIGN_IN_UP) &&
        origin_check(&c->app->origins, c->req, true, &err) != 0)
        goto refused;
    return true;
refused:
    answer_input_error(c->resp, &err);
    return false;
}

/* resolve_session - for routes that need one: 401 without a live session. */
static bool resolve_session(const struct route *route, struct call *c)
{
    unsigned flags = (route->flags & ROUTE_NO_REFRESH) ? 0 : SESSION_REFRESH;
    enum db_status st;

    if (!(route->flags & (ROUTE_SESSION | ROUTE_OPTIONAL_SESSION)))
        return true;
    if (route->flags & ROUTE_STORE_SESSION)
        flags |= SESSION_SKIP_CACHE;
    if (route->flags & ROUTE_QUIET_ON_CACHE)
        flags |= SESSION_QUIET_ON_CACHE;
    st = session_resolve(c->app, c->req, c->resp, flags, &c->session);
    if (st != DB_OK) {
        router_failed(c, st, c->session.failure);
        return false;
    }
    if (c->session.found != SESSION_VALID && (route->flags & ROUTE_SESSION)) {
        /* A well-signed cookie of a session that is gone: tell the browser to forget it. */
        if (c->session.found == SESSION_STALE)
            session_clear_cookies(c->app, c->req, c->resp);
        response_http_error(c->resp, HTTP_ERROR_UNAUTHORIZED);
        return false;
    }
    return true;
}

/* check_locations - every Location is composed by origin_safe_location; should a handler ever
 * set one by other means, one that leaves the trusted origins is not sent (origin.h). */
static void check_locations(const struct route *route, struct call *c)
{
    for (size_t i = 0; i < c->resp->nheaders; i++) {
        const struct http_header *h = &c->resp->headers[i];

        if (strcasecmp(h->name, "Location") == 0 &&
            !origin_location_is_safe(&c->app->origins, c->req->arena, h->value, strlen(h->value))) {
            c->resp->nheaders = 0;
            router_fail(c, FAIL_LOCATION_UNSAFE);
            return;
        }
    }
}

/* router_dispatch - see router.h. */
void router_dispatch(struct app *app, struct request *req, struct response *resp)
{
    const struct route *route;
    struct call c = {.app = app, .req = req, .resp = resp};
    char *ip = arena_alloc(req->arena, CLIENT_IP_MAX);

    client_ip_resolve(&app->proxies, req->remote_addr, req->x_forwarded_for, ip);
    req->client_ip = ip;
    if (req->role == ROLE_OTHER) {
        /* A FILTER (or a role libfcgi learnt later) answered as a responder could say 200. */
        router_fail(&c, FAIL_ROLE);
        return;
    }
    if (authorize_wanted(req)) {
        authorize_dispatch(app, req, resp);
        return;
    }
    if (pages_owns(app, req->path)) {
        pages_serve(app, req, resp);
        return;
    }
    if (!check_rate_limit(app, req, resp))
        return;
    route = router_route(app, req->method, req->path);
    if (route == NULL) {
        response_empty(resp, 404);
        return;
    }
    c.route = route;
    c.param = router_param(route, req->path);
    if (!run_input_checks(route, &c) || !resolve_session(route, &c))
        return;
    /* A hash holds a worker for tens of milliseconds: an overloaded pool would otherwise hash
     * every queued sign-in whose client gave up long ago, and fall further behind. */
    if ((route->flags & ROUTE_HASHES) && req->peer_gone != NULL && req->peer_gone(req->peer_ctx)) {
        log_event(LOG_LEVEL_INFO, "client_gone", "route=%s", route->operation_id);
        response_empty(resp, 499);
        return;
    }
    route->handler(&c);
    check_locations(route, &c);
}
