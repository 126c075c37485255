/* authorize - the authorizer: which request is being asked about (FastCGI role or nginx
 * params), the access rule and session that decide, and the answer each web server
 * understands. See authorize.h for the contract. */
#include "config.h"

#include "auth/authorize.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/access.h"
#include "auth/app.h"
#include "auth/call_store.h"
#include "auth/http.h"
#include "auth/origin.h"
#include "auth/router.h"
#include "auth/session.h"
#include "global/settings.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/text.h"
#include "util/url.h"

#define DEFAULT_SIGN_IN_URL "/auth/sign-in"

/* The authorizer is no /api/auth route (schema/openapi.yaml has none): this row only names it
 * in the log lines router_failed writes. */
static const struct route authorize_route = {"GET",       "(authorizer)", NULL,
                                             "authorize", SCHEMA_NONE,    0};

/* The request asked about, as the web server saw it. */
struct target {
    const char *method;
    const char *raw;  /* path and query as requested: the return target */
    const char *path; /* normalised (access_normalize_path) */
    bool fastcgi;     /* the FastCGI Authorizer role (else nginx's auth_request) */
};

/* What was decided, for the one log line. */
struct verdict {
    const char *decision;
    const struct access_rule *rule;
    const struct session_state *session;
};

/* authorize_wanted - see authorize.h. */
bool authorize_wanted(const struct request *req)
{
    return req->role == ROLE_AUTHORIZER || req->authorize != NULL;
}

/* ------------------------------------------------------------------------------------------
 * The request asked about */

/* read_target - NULL when it can be read, else why not (a misconfigured front, or a path
 * that does not normalise). */
static const char *read_target(struct request *req, struct target *t)
{
    struct arena *a = req->arena;
    const char *path = req->path, *query = req->query;

    t->fastcgi = req->role == ROLE_AUTHORIZER;
    t->method = req->method;
    if (!t->fastcgi) {
        if (strcmp(req->authorize, "1") != 0)
            return "AUTHFCGI_AUTHORIZE is not 1";
        if (req->original_uri == NULL || req->original_method == NULL ||
            *req->original_method == '\0')
            return "AUTHFCGI_ORIGINAL_URI or AUTHFCGI_ORIGINAL_METHOD missing";
        size_t q = strcspn(req->original_uri, "?");
        path = arena_strndup(a, req->original_uri, q);
        query = req->original_uri[q] == '?' ? req->original_uri + q + 1 : "";
        t->method = req->original_method;
    }
    if (*t->method == '\0' || *path == '\0')
        return "no REQUEST_METHOD or REQUEST_URI";
    t->raw = *query != '\0' ? arena_printf(a, "%s?%s", path, query) : path;
    t->path = access_normalize_path(a, path, strlen(path));
    return t->path == NULL ? "path" : NULL;
}

/* qvalue - RFC 9110's weight: "0" or "1", then optionally "." and up to three digits, in
 * thousandths; -1 for anything else (strtod would take "inf", "nan", hex and exponents, so a
 * client's "text/html;q=inf" outweighed every honest entry). */
static int qvalue(const char *p, size_t len)
{
    if (len == 0 || (p[0] != '0' && p[0] != '1') || (len > 1 && p[1] != '.') || len > 5)
        return -1;
    int q = (p[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        q += (p[i] - '0') * scale;
    }
    return q <= 1000 ? q : -1;
}

/* media_q - the q of one Accept entry in thousandths (1000 when none is given, 0 for a
 * malformed one: an entry nobody can weigh counts for nothing). */
static int media_q(const char *params, size_t len)
{
    for (const char *p = params; p < params + len; p++) {
        p += strspn(p, " \t;");
        if (strncasecmp(p, "q=", 2) == 0) {
            size_t n = strcspn(p + 2, " \t;,");
            int q = qvalue(p + 2, n);
            return q < 0 ? 0 : q;
        }
        p += strcspn(p, ";,");
    }
    return 1000;
}

/* wants_html - a page load: text/html (or XHTML) is wanted at least as much as every other
 * type the Accept header names, and it is no XMLHttpRequest. */
static bool wants_html(const struct request *req)
{
    int html = 0, other = 0;

    if (req->accept == NULL ||
        (req->x_requested_with != NULL && strcasecmp(req->x_requested_with, "XMLHttpRequest") == 0))
        return false;
    for (const char *p = req->accept; *p != '\0';) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, ","), type = strcspn(p, ";,");
        while (type > 0 && (p[type - 1] == ' ' || p[type - 1] == '\t'))
            type--;
        int q = media_q(p + type, len - type);
        if ((type == 9 && strncasecmp(p, "text/html", 9) == 0) ||
            (type == 21 && strncasecmp(p, "application/xhtml+xml", 21) == 0))
            html = q > html ? q : html;
        else if (type > 0 && memchr(p, '*', type) == NULL && q > other)
            other = q;
        p += len + (p[len] == ',');
    }
    return html > 0 && html >= other;
}

/* ------------------------------------------------------------------------------------------
 * Answers */

/* add_identity - who the request is, for the protected app; role only with the admin plugin
 * (NULL without it), its default "user" for a user without one. */
static void add_identity(struct response *resp, bool fastcgi, const struct session_state *st,
                         const char *role)
{
    static const char *const fastcgi_names[] = {
        "Variable-AUTH_USER_ID",    "Variable-AUTH_USER_EMAIL",     "Variable-AUTH_USER_NAME",
        "Variable-AUTH_SESSION_ID", "Variable-AUTH_EMAIL_VERIFIED", "Variable-REMOTE_USER"};
    static const char *const nginx_names[] = {"X-Auth-User-Id", "X-Auth-User-Email",
                                              "X-Auth-User-Name", "X-Auth-Session-Id",
                                              "X-Auth-Email-Verified"};
    const char *const values[] = {st->user.id,
                                  st->user.email,
                                  st->user.name,
                                  st->session.id,
                                  st->user.email_verified ? "true" : "false",
                                  st->user.email};
    const char *const *names = fastcgi ? fastcgi_names : nginx_names;
    size_t n = fastcgi ? 6 : 5;

    for (size_t i = 0; i < n; i++)
        response_header(resp, names[i], values[i] != NULL ? values[i] : "");
    if (role != NULL)
        response_header(resp, fastcgi ? "Variable-AUTH_USER_ROLE" : "X-Auth-User-Role",
                        role[0] != '\0' ? role : "user");
}

/* user_role - the admin plugin's role of the session's user as read with the session (a
 * cached session_data's too, as Better Auth's admin middleware trusts it): NULL when the
 * plugin is off, "" when the user has none. */
static const char *user_role(const struct app *app, const struct session_state *st)
{
    if (!app->admin)
        return NULL;
    return st->user.role != NULL ? st->user.role : "";
}

/* two_factor_enabled - has the session's user turned the second factor on (*on)? Read from
 * the database at each check (unlike the role): the session_data cookie cache (which
 * session_resolve may have answered from) holds a snapshot of twoFactorEnabled, which would
 * outlive a disable by up to its max age. False after answering a store failure. */
static bool two_factor_enabled(struct call *c, const struct session_state *st, bool *on)
{
    struct user_record u;
    struct two_factor_record tf;
    enum db_status rc = call_store_two_factor_get(c, st->user.id, &u, &tf);

    if (rc != DB_OK && rc != DB_NOTFOUND) {
        router_store_error(c, rc);
        return false;
    }
    *on = rc == DB_OK && u.two_factor_enabled;
    return true;
}

/* sign_in_location - where a browser without a session goes: the sign-in URL with the request
 * as callbackURL, when the sign-in page accepts it as its return target; else the site's root. */
static char *sign_in_location(const struct app *app, struct arena *a, const struct target *t)
{
    const char *back = t->raw;

    if (!origin_redirect_allowed(&app->origins, a, back, strlen(back)))
        back = "/";
    if (app->sign_in_absolute) /* the page is on another origin: come back to ours */
        back = origin_safe_location(&app->origins, a,
                                    &(struct origin_location){.target = back, .absolute = true});
    const struct origin_location loc = {
        .target = app->sign_in_url, .how = ORIGIN_PARAM_SET, .name = "callbackURL", .value = back};
    return origin_safe_location(&app->origins, a, &loc);
}

/* same_path - a and b name the same page ("/auth/sign-in" and "/auth/sign-in/"). */
static bool same_path(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);

    while (na > 1 && a[na - 1] == '/')
        na--;
    while (nb > 1 && b[nb - 1] == '/')
        nb--;
    return na == nb && strncmp(a, b, na) == 0;
}

/* deny_unauthenticated - send a browser to sign in, tell anyone else 401. The sign-in page's
 * own path is never sent to sign in (a loop): it gets 401. */
static const char *deny_unauthenticated(struct app *app, struct request *req, struct response *resp,
                                        const struct target *t)
{
    if (!wants_html(req) || same_path(t->path, app->sign_in_path)) {
        response_http_error(resp, HTTP_ERROR_UNAUTHORIZED);
        return "unauthorized";
    }
    const char *location = sign_in_location(app, req->arena, t);
    if (t->fastcgi)
        response_empty(resp, 302);
    else /* nginx passes only 401 on: its config makes the redirect from Location */
        response_http_error(resp, HTTP_ERROR_UNAUTHORIZED);
    response_header(resp, "Location", location);
    return "sign_in";
}

static const char *forbid(struct response *resp)
{
    /* Not an /api/auth answer (no row in http_errors, which mirrors the API's contract). */
    response_error(resp, 403, "FORBIDDEN", "Forbidden");
    return "forbidden";
}

/* ------------------------------------------------------------------------------------------
 * The decision */

/* drop_set_cookies - an authorizer sets no cookie, whatever session_resolve may add (lighttpd
 * and nginx drop it; mod_fcgid hands it to the client with the answer to another request). */
static void drop_set_cookies(struct response *resp)
{
    size_t kept = 0;

    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, "Set-Cookie") != 0)
            resp->headers[kept++] = resp->headers[i];
    resp->nheaders = kept;
}

/* decide_session - a rule that needs a session: resolve it (no refresh) and judge. */
static const char *decide_session(struct app *app, struct request *req, struct response *resp,
                                  const struct target *t, struct verdict *v,
                                  struct session_state *st)
{
    struct call c = {.app = app, .req = req, .resp = resp, .route = &authorize_route};
    enum db_status rc = session_resolve(app, req, resp, 0, st);
    const char *role;
    bool on;

    drop_set_cookies(resp);
    if (rc != DB_OK) {
        router_failed(&c, rc, st->failure);
        return rc == DB_RETRY ? "unavailable" : "error";
    }
    if (st->found != SESSION_VALID)
        return deny_unauthenticated(app, req, resp, t);
    v->session = st;
    if ((v->rule->decision == ACCESS_VERIFIED || v->rule->decision == ACCESS_EMAIL) &&
        !st->user.email_verified)
        return forbid(resp);
    if (v->rule->decision == ACCESS_EMAIL && !access_email_allowed(v->rule, st->user.email))
        return forbid(resp);
    role = user_role(app, st);
    if (v->rule->decision == ACCESS_ROLE && !access_role_allowed(v->rule, role))
        return forbid(resp);
    if (v->rule->decision == ACCESS_TWO_FACTOR) {
        if (!two_factor_enabled(&c, st, &on))
            return "unavailable";
        if (!on)
            return forbid(resp);
    }
    response_empty(resp, 200);
    add_identity(resp, t->fastcgi, st, role);
    return "allow";
}

/* log_verdict - a denial (and any failure) is an info line: what an operator looks for. A
 * request let in is a debug line: a protected page pulls in dozens of files, each checked,
 * and formatting and writing that line was over a quarter of a cached check's instructions
 * (contrib/bench/RESULTS.md). */
static void log_verdict(const struct target *t, const struct response *resp,
                        const struct verdict *v)
{
    const char *user = v->session != NULL ? v->session->user.id : "";
    bool let_in = resp->status == 200;

    log_event(let_in ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO, "authorize",
              "route=authorize decision=%s status=%d rule=%s method=%s user=%s", v->decision,
              resp->status, v->rule != NULL ? v->rule->where : "none",
              t->method != NULL ? t->method : "", user);
}

/* authorize_dispatch - see authorize.h. */
void authorize_dispatch(struct app *app, struct request *req, struct response *resp)
{
    struct target t = {0};
    struct verdict v = {0};
    struct session_state st;
    const char *bad = read_target(req, &t);

    if (bad != NULL && strcmp(bad, "path") == 0) {
        v.decision = forbid(resp);
    } else if (bad != NULL) {
        log_event(LOG_LEVEL_ERROR, "authorize_misconfigured", "reason=%s", bad);
        response_http_error(resp, HTTP_ERROR_INTERNAL);
        v.decision = "misconfigured";
    } else {
        v.rule = access_rules_match(app->access, t.method, req->host, t.path);
        if (v.rule->decision == ACCESS_PUBLIC) {
            response_empty(resp, 200);
            v.decision = "public";
        } else if (v.rule->decision == ACCESS_DENY) {
            v.decision = forbid(resp);
        } else {
            v.decision = decide_session(app, req, resp, &t, &v, &st);
        }
    }
    log_verdict(&t, resp, &v);
}

/* ------------------------------------------------------------------------------------------
 * Configuration */

/* sign_in_path - the path of the sign-in URL (checked by the caller), normalised. */
static char *sign_in_path(struct arena *a, const char *url, bool absolute)
{
    struct url u;
    const char *path = url;
    size_t len = strcspn(url, "?#");

    if (absolute && url_parse(a, url, strlen(url), NULL, &u) == URL_OK) {
        path = u.path;
        len = strlen(u.path);
    }
    char *norm = access_normalize_path(a, path, len);
    return strdup(norm != NULL ? norm : "/");
}

/* authorize_init - see authorize.h. */
int authorize_init(struct app *app, const struct settings *s, char *err, size_t errlen)
{
    const char *url = s->sign_in_url != NULL ? s->sign_in_url : DEFAULT_SIGN_IN_URL;
    struct arena *a = arena_create(4096);
    struct url u;
    int rc = -1;

    if (a == NULL)
        return text_fail(err, errlen, "out of memory");
    if (!origin_redirect_allowed(&app->origins, a, url, strlen(url))) {
        text_fail(err, errlen,
                  "AUTHFCGI_SIGN_IN_URL: must be a path starting with / or an absolute URL of a "
                  "trusted origin (AUTHFCGI_BASE_URL, AUTHFCGI_TRUSTED_ORIGINS)");
        goto out;
    }
    app->sign_in_absolute = url_parse(a, url, strlen(url), NULL, &u) == URL_OK;
    app->sign_in_url = strdup(url);
    app->sign_in_path = sign_in_path(a, url, app->sign_in_absolute);
    if (app->sign_in_url == NULL || app->sign_in_path == NULL) {
        text_fail(err, errlen, "out of memory");
        goto out;
    }
    rc = access_rules_load(&app->access, s->access_rules, err, errlen);
    if (rc == 0 && !s->admin && access_rules_first(app->access, ACCESS_ROLE) != NULL)
        rc = text_fail(err, errlen,
                       "%s: role rules need user roles: turn the admin plugin on "
                       "(AUTHFCGI_ADMIN=true)",
                       access_rules_first(app->access, ACCESS_ROLE));
    if (rc == 0 && !s->two_factor && access_rules_first(app->access, ACCESS_TWO_FACTOR) != NULL)
        rc = text_fail(err, errlen,
                       "%s: two-factor rules need the second factor: turn the two-factor plugin "
                       "on (AUTHFCGI_TWO_FACTOR=on)",
                       access_rules_first(app->access, ACCESS_TWO_FACTOR));
out:
    arena_destroy(a);
    if (rc != 0)
        authorize_free(app);
    return rc;
}

/* authorize_free - see authorize.h. */
void authorize_free(struct app *app)
{
    access_rules_free(app->access);
    free(app->sign_in_url);
    free(app->sign_in_path);
    app->access = NULL;
    app->sign_in_url = app->sign_in_path = NULL;
}
