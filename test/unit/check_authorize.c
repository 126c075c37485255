/* check_authorize - the authorizer (authorize.h) through router_dispatch, against the fake
 * store: the FastCGI Authorizer role's answers (Variable-* identity, 302 to sign in, 401/403
 * JSON, 503), nginx auth_request's (X-Auth-*, 401 with Location), the access rules deciding,
 * OPTIONS by rule, the sign-in loop and open-redirect guards, failing closed, and the one log
 * line per decision. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/router.h"
#include "util/log.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"

#define HTML_ACCEPT "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#define JSON_ACCEPT "application/json"
#define E_FORBIDDEN "{\"message\":\"Forbidden\",\"code\":\"FORBIDDEN\"}"

/* authz - a FastCGI Authorizer request for uri (path and query) as lighttpd/Apache send it. */
static struct response authz(const char *method, const char *uri, const char *cookie,
                             const char *accept)
{
    size_t q = strcspn(uri, "?");
    struct request req = {.role = ROLE_AUTHORIZER,
                          .method = method,
                          .path = arena_strndup(arena, uri, q),
                          .query = uri[q] == '?' ? uri + q + 1 : "",
                          .cookie = cookie,
                          .accept = accept,
                          .host = "127.0.0.1:3000"};
    return dispatch(req);
}

/* nginx - an auth_request subrequest (always GET, to the internal location) about uri. */
static struct response nginx(const char *method, const char *uri, const char *cookie,
                             const char *accept)
{
    struct request req = {.method = "GET",
                          .path = "/authfcgi-authorize",
                          .authorize = "1",
                          .original_uri = uri,
                          .original_method = method,
                          .cookie = cookie,
                          .accept = accept};
    return dispatch(req);
}

/* rules - rebuild the app with text as AUTHFCGI_ACCESS_RULES (NULL: no file). */
static char rules_path[64];

/* write_rules - text into a new rules_path, which becomes settings.access_rules. */
static void write_rules(const char *text)
{
    snprintf(rules_path, sizeof rules_path, "/tmp/check_authorize_XXXXXX");
    int fd = mkstemp(rules_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    settings.access_rules = rules_path;
}

static void rules(const char *text)
{
    char err[512];

    app_free(&app);
    settings.access_rules = NULL;
    if (text != NULL)
        write_rules(text);
    ck_assert_msg(app_init(&app, &settings, fake_store_store(fs), err, sizeof err) == 0, "%s", err);
    if (text != NULL)
        unlink(rules_path);
}

static void set_verified(const char *user_id, bool verified)
{
    fake_store_user(fs, user_id)->email_verified = verified;
}

static void assert_no_identity(const struct response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        ck_assert_msg(strncasecmp(r->headers[i].name, "Variable-", 9) != 0, "%s",
                      r->headers[i].name);
        ck_assert_msg(strncasecmp(r->headers[i].name, "X-Auth-", 7) != 0, "%s", r->headers[i].name);
    }
}

/* assert_headers - exactly these headers (X-Request-Id aside), in this order. */
static void assert_headers(const struct response *r, const char *const *want, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, "X-Request-Id") == 0)
            continue;
        ck_assert_msg(k < n, "extra header %s: %s", r->headers[i].name, r->headers[i].value);
        char line[512];
        snprintf(line, sizeof line, "%s: %s", r->headers[i].name, r->headers[i].value);
        ck_assert_str_eq(line, want[k]);
        k++;
    }
    ck_assert_uint_eq(k, n);
}

/* ==== no session ========================================================================== */

START_TEST(test_no_cookie_api_client)
{
    static const char *const accepts[] = {
        NULL, JSON_ACCEPT, "*/*", "application/json, text/html;q=0.5",
        "image/avif,image/webp,*/*;q=0.8", "text/html;q=0",
        /* weights RFC 9110 does not allow count for nothing */
        "application/json;q=0.5, text/html;q=inf", "application/json;q=0.5, text/html;q=1e3",
        "application/json;q=0.5, text/html;q=0x1p0", "application/json;q=0.5, text/html;q=1.5",
        "application/json;q=0.5, text/html;q=0.6789", "application/json;q=0.001, text/html;q=nan"};

    for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
        struct response r = authz("GET", "/private/a", NULL, accepts[i]);
        assert_answer(r, 401, E_UNAUTHORIZED);
        ck_assert_ptr_null(handler_harness_header(&r, "Location"));
        assert_no_identity(&r);
    }
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

START_TEST(test_no_cookie_browser_signs_in)
{
    struct response r = authz("GET", "/private/a?b=1&c=%20d", NULL, HTML_ACCEPT);

    assert_answer(r, 302, NULL);
    ck_assert_str_eq(handler_harness_header(&r, "Location"),
                     "/auth/sign-in?callbackURL=%2Fprivate%2Fa%3Fb%3D1%26c%3D%2520d");
    assert_no_identity(&r);
    assert_no_cookies(r);
    static const char *const browsers[] = {"text/html",
                                           "TEXT/HTML ; charset=utf-8",
                                           "application/xhtml+xml",
                                           "text/html;q=0.9, , application/json;q=0.8, ",
                                           "image/png;q=0.5,text/html;q=0.6",
                                           "application/json;q=0.499, text/html;q=0.5",
                                           "application/json;q=1.000, text/html;q=1.",
                                           "application/json;q=x, text/html;q=0.1"};
    for (size_t i = 0; i < sizeof browsers / sizeof browsers[0]; i++) {
        r = authz("GET", "/private/a", NULL, browsers[i]);
        ck_assert_msg(r.status == 302, "%s: %d", browsers[i], r.status);
        ck_assert_str_eq(handler_harness_header(&r, "Location"),
                         "/auth/sign-in?callbackURL=%2Fprivate%2Fa");
    }
}
END_TEST

START_TEST(test_xhr_is_no_browser)
{
    struct request req = {.role = ROLE_AUTHORIZER,
                          .method = "GET",
                          .path = "/private/a",
                          .accept = HTML_ACCEPT,
                          .x_requested_with = "XMLHttpRequest"};
    struct response r = dispatch(req);

    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* The return target is checked as callbackURL is: a path that would read as another host goes
 * nowhere but the root. */
START_TEST(test_no_open_redirect)
{
    static const char *const uris[] = {"//evil.example/x", "/\\evil.example", "/a%2F..%2F/x"};

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct response r = authz("GET", uris[i], NULL, HTML_ACCEPT);
        assert_status(r, 302);
        ck_assert_str_eq(handler_harness_header(&r, "Location"), "/auth/sign-in?callbackURL=%2F");
    }
}
END_TEST

/* The sign-in page itself is never sent to sign in (a loop). */
START_TEST(test_no_loop)
{
    static const char *const uris[] = {"/auth/sign-in", "/auth/sign-in/", "/auth//sign-in?x=1",
                                       "/auth/./sign-in"};

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct response r = authz("GET", uris[i], NULL, HTML_ACCEPT);
        assert_answer(r, 401, E_UNAUTHORIZED);
        ck_assert_ptr_null(handler_harness_header(&r, "Location"));
    }
}
END_TEST

START_TEST(test_sign_in_url_absolute)
{
    char err[512];

    app_free(&app);
    settings.sign_in_url = FRONT "/login";
    ck_assert_msg(app_init(&app, &settings, fake_store_store(fs), err, sizeof err) == 0, "%s", err);
    struct response r = authz("GET", "/private/a?b=1", NULL, HTML_ACCEPT);
    assert_status(r, 302);
    ck_assert_str_eq(handler_harness_header(&r, "Location"), FRONT
                     "/login?callbackURL=http%3A%2F%2F127.0.0.1%3A3000%2Fprivate%2Fa%3Fb%3D1");
    r = authz("GET", "/login", NULL, HTML_ACCEPT);
    assert_status(r, 401);
    app_free(&app);
    settings.sign_in_url = EVIL "/login";
    ck_assert_int_eq(app_init(&app, &settings, fake_store_store(fs), err, sizeof err), -1);
    ck_assert_str_eq(err, "AUTHFCGI_SIGN_IN_URL: must be a path starting with / or an absolute "
                          "URL of a trusted origin (AUTHFCGI_BASE_URL, AUTHFCGI_TRUSTED_ORIGINS)");
    settings.sign_in_url = NULL;
    rules(NULL);
}
END_TEST

/* ==== a session =========================================================================== */

START_TEST(test_valid_session_identity)
{
    seed_alice();
    /* Due for the sliding refresh: an authorizer never refreshes (no Set-Cookie, no write). */
    seed_session(H_ID, H_TOKEN, ALICE_ID, 3 * DAY_MS, 2 * DAY_MS);
    struct response r = authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    static const char *const want[] = {
        "Variable-AUTH_USER_ID: " ALICE_ID,    "Variable-AUTH_USER_EMAIL: " ALICE_EMAIL,
        "Variable-AUTH_USER_NAME: Alice",      "Variable-AUTH_SESSION_ID: " H_ID,
        "Variable-AUTH_EMAIL_VERIFIED: false", "Variable-REMOTE_USER: " ALICE_EMAIL,
    };

    assert_answer(r, 200, NULL);
    assert_headers(&r, want, sizeof want / sizeof want[0]);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
    set_verified(ALICE_ID, true);
    r = authz("POST", "/private/a", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_EMAIL_VERIFIED"), "true");
}
END_TEST

/* Better Auth's bearer plugin works here too: an API client may send its token. */
START_TEST(test_bearer)
{
    configure((struct config){.bearer = true});
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    char *decoded, *encoded;
    signed_forms(H_TOKEN, &decoded, &encoded);
    struct request req = {.role = ROLE_AUTHORIZER,
                          .method = "GET",
                          .path = "/private/a",
                          .authorization = arena_printf(arena, "Bearer %s", decoded)};
    struct response r = dispatch(req);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ID"), ALICE_ID);
}
END_TEST

START_TEST(test_stale_and_tampered)
{
    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 8 * DAY_MS, -HOUR_MS); /* expired */
    struct response r = authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    assert_status(r, 302);
    assert_no_cookies(r); /* no clearing from an authorizer either */
    assert_no_identity(&r);
    r = authz("GET", "/private/a", N_COOKIE, JSON_ACCEPT); /* well signed, no row */
    assert_answer(r, 401, E_UNAUTHORIZED);
    assert_no_cookies(r);
    seed_live(H_ID "x", N_TOKEN, ALICE_ID);
    fake_store_reset_calls(fs);
    r = authz("GET", "/private/a",
              COOKIE_PAIR(N_TOKEN, "RlgNvZ677GG2QcRUxTBEyhjZZ170K3TilXU46ZB1MN9%3D"), JSON_ACCEPT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* ==== rules ============================================================================== */

#define RULES                                                                                      \
    "/public/ public\n"                                                                            \
    "/api/ OPTIONS public\n"                                                                       \
    "/verified/ verified\n"                                                                        \
    "/staff/ email:" ALICE_EMAIL ",@staff.example\n"                                               \
    "/closed/ deny\n"                                                                              \
    "/ GET,POST signed-in\n"                                                                       \
    "/ deny\n"

START_TEST(test_rule_verified)
{
    rules(RULES);
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    struct response r = authz("GET", "/verified/x", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    assert_no_identity(&r);
    set_verified(ALICE_ID, true);
    r = authz("GET", "/verified/x", H_COOKIE, HTML_ACCEPT);
    assert_status(r, 200);
    r = authz("GET", "/verified/x", NULL, HTML_ACCEPT);
    assert_status(r, 302);
}
END_TEST

START_TEST(test_rule_email_list)
{
    rules(RULES);
    seed_alice();
    seed_bob();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(N_ID, N_TOKEN, BOB_ID);
    /* An address nobody proved to own proves nothing: the list implies verified. */
    struct response r = authz("GET", "/staff/x", H_COOKIE, JSON_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    set_verified(ALICE_ID, true);
    set_verified(BOB_ID, true);
    r = authz("GET", "/staff/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    r = authz("GET", "/staff/x", N_COOKIE, JSON_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    struct fake_user *bob = fake_store_user(fs, BOB_ID);
    free(bob->email);
    bob->email = strdup("bob@STAFF.example");
    r = authz("GET", "/staff/x", N_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
}
END_TEST

/* session_data - the cookie cache's "better-auth.session_data=..." pair a get-session with
 * cookie writes (the cache must be on). */
static const char *session_data(const char *cookie)
{
    struct request req = {.method = "GET", .path = API "/get-session", .cookie = cookie};
    struct response r = dispatch(req);
    const char *line;

    ck_assert_int_eq(r.status, 200);
    for (size_t i = 0; (line = handler_harness_header_nth(&r, "Set-Cookie", i)) != NULL; i++)
        if (strncmp(line, "better-auth.session_data=", 25) == 0)
            return arena_strndup(arena, line, strcspn(line, ";"));
    ck_abort_msg("no session_data cookie");
    return NULL;
}

/* role: rules need the admin plugin: refused at start without it; with it a user with one of
 * the roles passes (verified or not), others get 403, and the role goes to the app. */
START_TEST(test_rule_role)
{
    char err[512];

    write_rules("/admin/ role:admin,ops\n");
    app_free(&app);
    ck_assert_int_eq(app_init(&app, &settings, fake_store_store(fs), err, sizeof err), -1);
    ck_assert_msg(strstr(err, ":1: role rules need user roles: turn the admin plugin on "
                              "(AUTHFCGI_ADMIN=true)") != NULL,
                  "%s", err);
    settings.admin = true;
    ck_assert_msg(app_init(&app, &settings, fake_store_store(fs), err, sizeof err) == 0, "%s", err);
    unlink(rules_path);

    seed_alice();
    seed_bob();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(N_ID, N_TOKEN, BOB_ID);
    fake_store_user(fs, ALICE_ID)->role = strdup("user,ops");
    struct response r = authz("GET", "/admin/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ROLE"), "user,ops");
    r = authz("GET", "/admin/x", N_COOKIE, JSON_ACCEPT); /* no role: the default, user */
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("GET", "/elsewhere", N_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ROLE"), "user");
    r = nginx("GET", "/admin/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "X-Auth-User-Role"), "user,ops");
    /* the role comes with the session: one lookup, no second read of the user */
    fake_store_reset_calls(fs);
    r = authz("GET", "/admin/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
    /* answered from the cookie cache: the cached role, no store call at all (Better Auth's admin
     * middleware trusts the cache too) */
    app.cookie_cache = true;
    app.cookie_cache_max_age = 300;
    const char *cached = arena_printf(arena, "%s; %s", H_COOKIE, session_data(H_COOKIE));
    fake_store_reset_calls(fs);
    r = authz("GET", "/admin/x", cached, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ROLE"), "user,ops");
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* two-factor rules need the twoFactor plugin: refused at start without it; with it only a
 * user whose account has the second factor on passes (verified or not). The state is read
 * from the database even when the cookie cache answered for the session: a disable counts at
 * once. */
START_TEST(test_rule_two_factor)
{
    char err[512];

    write_rules("/vault/ two-factor\n/ public\n");
    app_free(&app);
    ck_assert_int_eq(app_init(&app, &settings, fake_store_store(fs), err, sizeof err), -1);
    ck_assert_msg(strstr(err, ":1: two-factor rules need the second factor: turn the two-factor "
                              "plugin on (AUTHFCGI_TWO_FACTOR=on)") != NULL,
                  "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    settings.two_factor = true;
    ck_assert_msg(app_init(&app, &settings, fake_store_store(fs), err, sizeof err) == 0, "%s", err);
    unlink(rules_path);

    seed_alice();
    seed_bob();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(N_ID, N_TOKEN, BOB_ID);
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = true;
    struct response r = authz("GET", "/vault/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ID"), ALICE_ID);
    r = authz("GET", "/vault/x", N_COOKIE, JSON_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = nginx("GET", "/vault", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 200);
    r = nginx("GET", "/vault", N_COOKIE, JSON_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("GET", "/vault/x", NULL, JSON_ACCEPT);
    assert_status(r, 401);
    fake_store_fail(fs, FAKE_OP_TWO_FACTOR_GET, DB_RETRY, 0);
    r = authz("GET", "/vault/x", H_COOKIE, JSON_ACCEPT);
    assert_status(r, 503);

    app.cookie_cache = true;
    app.cookie_cache_max_age = 300;
    const char *cached = arena_printf(arena, "%s; %s", H_COOKIE, session_data(H_COOKIE));
    fake_store_reset_calls(fs);
    r = authz("GET", "/vault/x", cached, JSON_ACCEPT);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_TWO_FACTOR_GET), 1);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1); /* the session came from the cache */
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = false;
    r = authz("GET", "/vault/x", cached, JSON_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    settings.two_factor = false;
}
END_TEST

START_TEST(test_rule_deny_and_public)
{
    rules(RULES);
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    fake_store_reset_calls(fs);
    struct response r = authz("GET", "/closed/x", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("PUT", "/anything", H_COOKIE, JSON_ACCEPT); /* "/ deny" after GET,POST */
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("GET", "/public/x", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 200, NULL);
    assert_no_identity(&r); /* public: no identity, and no database work */
    r = authz("GET", "/public/../closed/x", NULL, HTML_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("GET", "/public/%2e%2e/private", NULL, JSON_ACCEPT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* OPTIONS is decided by rule, on the method the web server reports, never a header. */
START_TEST(test_options_by_rule)
{
    rules(RULES);
    struct response r = authz("OPTIONS", "/api/x", NULL, NULL);
    assert_answer(r, 200, NULL);
    r = authz("GET", "/api/x", NULL, NULL);
    assert_answer(r, 401, E_UNAUTHORIZED);
    r = authz("OPTIONS", "/private/x", NULL, NULL);
    assert_answer(r, 403, E_FORBIDDEN); /* "/ deny": the rules gave OPTIONS nothing there */
    r = nginx("OPTIONS", "/api/x", NULL, NULL);
    assert_answer(r, 200, NULL);
    /* nginx's subrequest is a GET; the original method is the param, not REQUEST_METHOD. */
    struct request req = {.method = "OPTIONS",
                          .path = "/authfcgi-authorize",
                          .authorize = "1",
                          .original_uri = "/api/x",
                          .original_method = "GET"};
    r = dispatch(req);
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* ==== nginx auth_request ================================================================== */

START_TEST(test_nginx_answers)
{
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    struct response r = nginx("GET", "/private/a?b=1", H_COOKIE, HTML_ACCEPT);
    static const char *const want[] = {
        "X-Auth-User-Id: " ALICE_ID, "X-Auth-User-Email: " ALICE_EMAIL, "X-Auth-User-Name: Alice",
        "X-Auth-Session-Id: " H_ID,  "X-Auth-Email-Verified: false",
    };
    assert_answer(r, 200, NULL);
    assert_headers(&r, want, sizeof want / sizeof want[0]);
    r = nginx("GET", "/private/a?b=1", NULL, HTML_ACCEPT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_str_eq(handler_harness_header(&r, "Location"),
                     "/auth/sign-in?callbackURL=%2Fprivate%2Fa%3Fb%3D1");
    r = nginx("GET", "/private/a", NULL, JSON_ACCEPT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));
}
END_TEST

/* A front that forgot a param, or set it to something else, is never allowed. */
START_TEST(test_nginx_misconfigured)
{
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    struct request reqs[] = {
        {.method = "GET", .path = "/a", .authorize = "1", .original_method = "GET"},
        {.method = "GET", .path = "/a", .authorize = "1", .original_uri = "/x"},
        {.method = "GET",
         .path = "/a",
         .authorize = "yes",
         .original_uri = "/x",
         .original_method = "GET"},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        reqs[i].cookie = H_COOKIE;
        struct response r = dispatch(reqs[i]);
        assert_answer(r, 500, E_INTERNAL);
    }
}
END_TEST

/* An Authorizer request without REQUEST_URI (the FastCGI spec leaves SCRIPT_NAME and PATH_INFO
 * out too) is a front's mistake, answered 500; a path that does not normalise is refused. */
START_TEST(test_fastcgi_without_uri)
{
    struct request req = {.role = ROLE_AUTHORIZER, .method = "GET", .path = ""};
    struct response r = dispatch(req);

    assert_answer(r, 500, E_INTERNAL);
    r = authz("GET", "/a/%00/b", NULL, NULL);
    assert_answer(r, 403, E_FORBIDDEN);
    r = authz("GET", "http://127.0.0.1:3000/private/a", NULL, NULL);
    assert_answer(r, 403, E_FORBIDDEN);
}
END_TEST

/* A raw '#' in the path: nginx and lighttpd serve the part before it but pass the whole
 * target, so a rule for what follows (after dot segments) must never decide. Refused on both
 * roads, signed in or not; an escaped one is an ordinary character. */
START_TEST(test_fragment_refused)
{
    rules(RULES);
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    struct response r = authz("GET", "/closed/x#/../../public/", NULL, HTML_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = nginx("GET", "/closed/x#/../../public/?a=1", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 403, E_FORBIDDEN);
    r = nginx("GET", "/closed/x%23/../../public/", NULL, HTML_ACCEPT);
    assert_status(r, 200);
    r = nginx("GET", "/public/x?q=#/../../closed/", NULL, HTML_ACCEPT);
    assert_status(r, 200); /* after '?': the query's, not the path's */
}
END_TEST

/* ==== failing closed ====================================================================== */

START_TEST(test_store_failure_never_200)
{
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    fake_store_fail_always(fs, FAKE_OP_SESSION_LOOKUP, DB_RETRY);
    struct response r = authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_ptr_nonnull(handler_harness_header(&r, "Retry-After"));
    assert_no_identity(&r);
    r = nginx("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    assert_status(r, 503);
    fake_store_clear_failures(fs);
    fake_store_fail_always(fs, FAKE_OP_SESSION_LOOKUP, DB_FAIL);
    r = authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    assert_answer(r, 500, E_INTERNAL);
    assert_no_identity(&r);
}
END_TEST

/* A role authfcgi does not play is never answered as a responder (which could say 200). */
START_TEST(test_other_role_never_200)
{
    struct request req = {.role = ROLE_OTHER, .method = "GET", .path = API "/ok"};
    struct response r = dispatch(req);

    assert_answer(r, 500, E_INTERNAL);
}
END_TEST

/* ==== the log ============================================================================== */

/* authorize_level - the level= of the first event=authorize line in out, or "" without one. */
static const char *authorize_level(const char *out)
{
    static char level[16];
    const char *ev = strstr(out, "event=authorize");

    if (ev == NULL)
        return "";
    const char *line = ev;
    while (line > out && line[-1] != '\n')
        line--;
    const char *at = strstr(line, "level=");
    ck_assert_ptr_nonnull(at);
    ck_assert(at < ev);
    snprintf(level, sizeof level, "%.*s", (int)strcspn(at + 6, " "), at + 6);
    return level;
}

/* One line per decision: a denial at info, a request let in at debug (README "Protect any
 * path": a page's dozens of allowed checks would flood the info log). */
START_TEST(test_one_log_line_per_decision)
{
    rules(RULES);
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    harness_capture_start();
    authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    const char *out = harness_capture_end();
    ck_assert_ptr_null(strstr(out, "event=authorize"));
    log_set_level(LOG_LEVEL_DEBUG);
    harness_capture_start();
    authz("GET", "/private/a", H_COOKIE, HTML_ACCEPT);
    out = harness_capture_end();
    log_set_level(LOG_LEVEL_INFO);
    ck_assert_str_eq(authorize_level(out), "debug");
    ck_assert_ptr_nonnull(strstr(out, "event=authorize route=authorize decision=allow status=200"));
    ck_assert_ptr_nonnull(strstr(out, ":6 method=GET"));
    ck_assert_ptr_nonnull(strstr(out, "user=" ALICE_ID));
    ck_assert_ptr_null(strstr(strstr(out, "event=authorize") + 1, "event=authorize"));
    harness_capture_start();
    authz("GET", "/closed/a", NULL, HTML_ACCEPT);
    out = harness_capture_end();
    ck_assert_str_eq(authorize_level(out), "info");
    ck_assert_ptr_nonnull(strstr(out, "decision=forbidden status=403"));
    harness_capture_start();
    authz("GET", "/x", NULL, NULL);
    out = harness_capture_end();
    ck_assert_str_eq(authorize_level(out), "info");
    ck_assert_ptr_nonnull(strstr(out, "decision=unauthorized status=401"));
}
END_TEST

static Suite *authorize_suite(void)
{
    Suite *s = suite_create("authorize");
    TCase *t = tcase_create("no session");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_no_cookie_api_client);
    tcase_add_test(t, test_no_cookie_browser_signs_in);
    tcase_add_test(t, test_xhr_is_no_browser);
    tcase_add_test(t, test_no_open_redirect);
    tcase_add_test(t, test_no_loop);
    tcase_add_test(t, test_sign_in_url_absolute);
    suite_add_tcase(s, t);
    t = tcase_create("session");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_valid_session_identity);
    tcase_add_test(t, test_bearer);
    tcase_add_test(t, test_stale_and_tampered);
    suite_add_tcase(s, t);
    t = tcase_create("rules");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_rule_verified);
    tcase_add_test(t, test_rule_email_list);
    tcase_add_test(t, test_rule_role);
    tcase_add_test(t, test_rule_two_factor);
    tcase_add_test(t, test_rule_deny_and_public);
    tcase_add_test(t, test_options_by_rule);
    suite_add_tcase(s, t);
    t = tcase_create("nginx");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_nginx_answers);
    tcase_add_test(t, test_nginx_misconfigured);
    tcase_add_test(t, test_fastcgi_without_uri);
    tcase_add_test(t, test_fragment_refused);
    suite_add_tcase(s, t);
    t = tcase_create("fail closed");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_store_failure_never_200);
    tcase_add_test(t, test_other_role_never_200);
    tcase_add_test(t, test_one_log_line_per_decision);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return handler_world_main(authorize_suite());
}
