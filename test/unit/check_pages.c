/* check_pages - the built-in pages under /auth/ (issue 11, item 4) through router_dispatch over
 * the fake store: the HTML escape and template helpers, what each page renders (labels,
 * autocomplete, the error tied to the inputs), forms read from urlencoded bodies (bad encodings
 * too), their outcome (303 with the session cookie to the checked return target, or the form
 * again with the route's status and the e-mail kept, never the password), and that the JSON
 * API's rules apply unchanged: rate limits, Origin checks, password rules. The two-factor page
 * (issue 12, item 3) uses Better Auth's twoFactor row (two_factor_fixture.h) given to alice. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/page_view.h"
#include "auth/pages.h"
#include "flows_world.h"
#include "two_factor_fixture.h"
#include "util/html.h"
#include "util/totp.h"

#include <json-c/json.h>

#define FORM "application/x-www-form-urlencoded"
#define ALICE_FORM "email=alice.632735%40example.com&password=" PASSWORD
#define WRONG_FORM "email=alice.632735%40example.com&password=wrongpass999"
#define CAROL_FORM "name=Carol&email=carol.632735%40example.com&password=" PASSWORD
#define PAGE(p, ...) dispatch((struct request){.method = "GET", .path = "/auth" p, __VA_ARGS__})
#define SEND(p, ...)                                                                               \
    dispatch(                                                                                      \
        (struct request){.method = "POST", .path = "/auth" p, .content_type = FORM, __VA_ARGS__})

static void has_text(const struct response *r, const char *text, int line)
{
    ck_assert_msg(r->body != NULL && strstr(r->body, text) != NULL,
                  "line %d: the page lacks %s:\n%s", line, text, r->body ? r->body : "(none)");
}

static void lacks_text(const struct response *r, const char *text, int line)
{
    ck_assert_msg(r->body == NULL || strstr(r->body, text) == NULL,
                  "line %d: the page shows %s:\n%s", line, text, r->body);
}

#define has(r, t) has_text(&(r), (t), __LINE__)
#define lacks(r, t) lacks_text(&(r), (t), __LINE__)

static void assert_html(const struct response *r, int status)
{
    ck_assert_msg(r->status == status, "status %d, expected %d:\n%s", r->status, status,
                  r->body ? r->body : "(none)");
    ck_assert_str_eq(handler_harness_header(r, "Content-Type"), "text/html; charset=utf-8");
    ck_assert_str_eq(handler_harness_header(r, "Cache-Control"), "no-store");
    ck_assert_ptr_nonnull(
        strstr(handler_harness_header(r, "Content-Security-Policy"), "frame-ancestors 'none'"));
    ck_assert_ptr_null(handler_harness_header(r, "Location"));
}

static void assert_see_other(const struct response *r, const char *location)
{
    ck_assert_msg(r->status == 303, "status %d, expected 303:\n%s", r->status,
                  r->body ? r->body : "(none)");
    ck_assert_str_eq(handler_harness_header(r, "Location"), location);
    ck_assert_ptr_null(r->body);
}

static bool session_cookie_set(const struct response *r)
{
    for (size_t i = 0; i < handler_harness_header_count(r, "Set-Cookie"); i++)
        if (strncmp(handler_harness_header_nth(r, "Set-Cookie", i),
                    "better-auth.session_token=", 26) == 0 &&
            strstr(handler_harness_header_nth(r, "Set-Cookie", i), "Max-Age=0") == NULL)
            return true;
    return false;
}

/* jstr_name - user.name of a sign-in answer. */
static const char *jstr_name(struct response r)
{
    struct json_object *o = json_tokener_parse(r.body), *user, *name;
    const char *v;

    ck_assert(json_object_object_get_ex(o, "user", &user));
    ck_assert(json_object_object_get_ex(user, "name", &name));
    v = arena_strdup(arena, json_object_get_string(name));
    json_object_put(o);
    return v;
}

/* ---- the helpers ------------------------------------------------------------------------- */

START_TEST(test_html_escape)
{
    ck_assert_str_eq(html_escape(arena, "<a href=\"x\">&'</a>"),
                     "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    ck_assert_str_eq(html_escape(arena, NULL), "");
    ck_assert_str_eq(html_escape(arena, "plain \xc3\xa9"), "plain \xc3\xa9");
    ck_assert_str_eq(html_escape(arena, "&amp;"), "&amp;amp;");
}
END_TEST

START_TEST(test_template_placeholders)
{
    const char *const names[] = {"a", "bb"};
    const char *const values[] = {"1", NULL};
    const char *bad = NULL;

    ck_assert_int_eq(html_template_check("x{{a}}y{{bb}}z{{a}}", names, 2, &bad), 0);
    ck_assert_str_eq(html_template_render(arena, "x{{a}}y{{bb}}z{{a}}", names, values, 2), "x1yz1");
    ck_assert_int_eq(html_template_check("x{{c}}", names, 2, &bad), -1);
    ck_assert_str_eq(bad, "{{c}}");
    ck_assert_int_eq(html_template_check("x{{a", names, 2, &bad), -1);
    ck_assert_int_eq(html_template_check("{{ a }}", names, 2, &bad), -1);
    ck_assert_int_eq(html_template_check("no placeholders { } }}", names, 2, &bad), 0);
    /* A value is inserted once, never read as a template itself. */
    ck_assert_str_eq(
        html_template_render(arena, "{{a}}", names, (const char *const[]){"{{bb}}", "no"}, 2),
        "{{bb}}");
}
END_TEST

START_TEST(test_query_encode)
{
    ck_assert_str_eq(pages_query_encode(arena, "/private/a?b=1&c=d e"),
                     "%2Fprivate%2Fa%3Fb%3D1%26c%3Dd%20e");
    ck_assert_str_eq(pages_query_encode(arena, "aZ09-._~\xc3\xa9"), "aZ09-._~%C3%A9");
}
END_TEST

/* ---- rendering --------------------------------------------------------------------------- */

START_TEST(test_sign_in_page)
{
    struct response r = PAGE("/sign-in");

    assert_html(&r, 200);
    has(r, "<html lang=\"en\">");
    has(r, "<meta name=\"viewport\"");
    has(r, "<link rel=\"stylesheet\" href=\"/auth/style.css\">");
    has(r, "<form method=\"post\" action=\"/auth/sign-in\">");
    has(r, "<label for=\"email\">");
    has(r, "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\"");
    has(r, "<label for=\"password\">");
    has(r, "autocomplete=\"current-password\"");
    has(r, "href=\"/auth/sign-up\"");
    has(r, "href=\"/auth/forgot-password\"");
    lacks(r, "role=\"alert\"");
    lacks(r, "aria-invalid");
}
END_TEST

START_TEST(test_page_carries_return_target)
{
    struct response r = PAGE("/sign-in", .query = "callbackURL=%2Fprivate%2Fa%3Fb%3D1%26c%3D%22");

    assert_html(&r, 200);
    has(r, "action=\"/auth/sign-in?callbackURL=%2Fprivate%2Fa%3Fb%3D1%26c%3D%22\"");
    has(r, "href=\"/auth/sign-up?callbackURL=%2Fprivate%2Fa%3Fb%3D1%26c%3D%22\"");
}
END_TEST

/* A return target the JSON API would refuse is refused here too: 403, said on the page, and
 * dropped from the form. */
START_TEST(test_page_refuses_foreign_target)
{
    struct response r = PAGE("/sign-in", .query = "callbackURL=https%3A%2F%2Fevil.example%2F");

    assert_html(&r, 403);
    has(r, "role=\"alert\"");
    has(r, "action=\"/auth/sign-in\"");
    lacks(r, "evil");
    /* The whole value is judged, not what a C string of it would say. */
    r = PAGE("/sign-in", .query = "callbackURL=%2Fprivate%00%2F%2Fevil.example");
    assert_html(&r, 403);
    /* Allowed whole (userinfo before a trusted host), but the links would carry only what
     * comes before the NUL: refused, not linked to evil.example. */
    r = PAGE("/sign-in",
             .query = "callbackURL=http%3A%2F%2Fevil.example%00%40localhost%3A8080%2Fapp");
    assert_html(&r, 403);
    lacks(r, "evil");
    seed_alice();
    r = SEND("/sign-in", .query = "callbackURL=%2Fprivate%00%2F%2Fevil.example",
             .body = ALICE_FORM);
    assert_html(&r, 403);
    assert_no_cookies(r);
}
END_TEST

START_TEST(test_style_and_unknown_pages)
{
    struct response r = PAGE("/style.css");

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Content-Type"), "text/css; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r.body, "max-width"));
    r = PAGE("/nope");
    assert_answer(r, 404, NULL);
    r = PAGE("/sign-in/");
    assert_answer(r, 404, NULL);
    r = dispatch((struct request){.method = "PUT", .path = "/auth/sign-in"});
    assert_answer(r, 405, NULL);
    ck_assert_str_eq(handler_harness_header(&r, "Allow"), "GET, POST");
}
END_TEST

/* AUTHFCGI_PAGES=off: nothing under /auth/ is answered; the API is unchanged. */
START_TEST(test_pages_off)
{
    struct response r;

    configure((struct config){.no_pages = true});
    r = PAGE("/sign-in");
    assert_answer(r, 404, NULL);
    r = PAGE("/style.css");
    assert_answer(r, 404, NULL);
    r = GET("/ok");
    assert_status(r, 200);
}
END_TEST

/* Without mail the API refuses resets: the password pages are not offered. */
START_TEST(test_no_mail_no_password_pages)
{
    struct response r;

    configure((struct config){.no_mail = true});
    r = PAGE("/forgot-password");
    assert_answer(r, 404, NULL);
    r = PAGE("/reset-password", .query = "token=x");
    assert_answer(r, 404, NULL);
    r = PAGE("/sign-in");
    assert_html(&r, 200);
    lacks(r, "forgot-password");
}
END_TEST

/* ---- signing in -------------------------------------------------------------------------- */

START_TEST(test_sign_in_redirects_with_session)
{
    struct response r;

    seed_alice();
    r = SEND("/sign-in", .query = "callbackURL=%2Fprivate%2Fa%3Fb%3D1", .body = ALICE_FORM);
    assert_see_other(&r, "/private/a?b=1");
    ck_assert(session_cookie_set(&r));
    r = SEND("/sign-in", .body = ALICE_FORM);
    assert_see_other(&r, "/");
    /* An empty callbackURL is none (it was refused on the page, then sent to the error page
     * after signing in). */
    r = PAGE("/sign-in", .query = "callbackURL=");
    assert_html(&r, 200);
    r = SEND("/sign-in", .query = "callbackURL=", .body = ALICE_FORM);
    assert_see_other(&r, "/");
    /* A trusted origin of another host is a return target too. */
    r = SEND("/sign-in", .query = "callbackURL=http%3A%2F%2Flocalhost%3A8080%2Fapp",
             .body = ALICE_FORM);
    assert_see_other(&r, FRONT "/app");
}
END_TEST

/* rememberMe: the hidden "false" then the ticked checkbox's "true"; the last one wins. */
START_TEST(test_sign_in_remember_me)
{
    struct response r;

    seed_alice();
    r = SEND("/sign-in", .body = ALICE_FORM "&rememberMe=false");
    assert_status(r, 303);
    ck_assert_ptr_nonnull(
        strstr(handler_harness_header_nth(&r, "Set-Cookie", 1), "better-auth.dont_remember"));
    r = SEND("/sign-in", .body = ALICE_FORM "&rememberMe=false&rememberMe=true");
    assert_status(r, 303);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 1);
}
END_TEST

/* The wrong password: the route's 401, the e-mail kept, the password not, the error tied to
 * the inputs and focused. */
START_TEST(test_sign_in_error_rerenders)
{
    struct response r;

    seed_alice();
    r = SEND("/sign-in", .query = "callbackURL=%2Fprivate%2F", .body = WRONG_FORM);
    assert_html(&r, 401);
    has(r, "value=\"alice.632735@example.com\"");
    lacks(r, "wrongpass999");
    has(r, "<p id=\"form-error\" class=\"error\" role=\"alert\" tabindex=\"-1\" autofocus>"
           "The e-mail address or the password is wrong.</p>");
    has(r, "aria-invalid=\"true\" aria-describedby=\"form-error\"");
    has(r, "action=\"/auth/sign-in?callbackURL=%2Fprivate%2F\"");
    assert_no_cookies(r);
}
END_TEST

/* Whatever the form holds is escaped on the way back. */
START_TEST(test_rerender_escapes)
{
    struct response r = SEND("/sign-up", .body = "name=%3Cb%3EX&email=%22%3E%3Cscript%3Ealert(1)"
                                                 "%3C%2Fscript%3E&password=" PASSWORD);

    assert_html(&r, 400);
    has(r, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"");
    has(r, "value=\"&lt;b&gt;X\"");
    lacks(r, "<script>");
    lacks(r, "<b>X");
}
END_TEST

/* Bad encodings: a stray '%' stays, ill-formed UTF-8 becomes U+FFFD (as in browsers and in the
 * JSON API's own form parser), U+0000 is refused by the route's schema; nothing else breaks. */
START_TEST(test_form_bad_encodings)
{
    struct response r;

    seed_alice();
    r = SEND("/sign-in", .body = "email=%ZZ%C3%28&password=%");
    assert_html(&r, 400);
    has(r, "value=\"%ZZ\xef\xbf\xbd(\"");
    r = SEND("/sign-in", .body = "email=alice.632735%40example.com%00&password=" PASSWORD);
    assert_html(&r, 400);
    assert_no_cookies(r);
    r = SEND("/sign-in", .body = "&&=&email&password==");
    assert_html(&r, 400);
    r = SEND("/sign-in", .body = NULL);
    assert_html(&r, 400);
    r = dispatch((struct request){.method = "POST",
                                  .path = "/auth/sign-in",
                                  .content_type = "application/json",
                                  .body = "{}"});
    assert_html(&r, 415);
    r = SEND("/sign-in", .body = "email=alice.632735%40example.com&password=" PASSWORD "\xff");
    assert_html(&r, 401);
}
END_TEST

/* ---- the JSON API's rules ---------------------------------------------------------------- */

/* The page and the API count in one bucket: three wrong passwords on the page, then the API's
 * own sign-in is refused too. */
START_TEST(test_rate_limit_shared_with_api)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    seed_alice();
    for (int i = 0; i < 3; i++) {
        r = SEND("/sign-in", .body = WRONG_FORM);
        assert_html(&r, 401);
    }
    r = SEND("/sign-in", .body = ALICE_FORM);
    assert_html(&r, 429);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");
    has(r, "Too many attempts");
    has(r, "value=\"alice.632735@example.com\"");
    assert_no_cookies(r);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}");
    assert_status(r, 429);
}
END_TEST

/* A form sent from another site is refused as the API refuses it. */
START_TEST(test_cross_site_forms_refused)
{
    struct response r;

    seed_n();
    r = SEND("/sign-in", .cookie = N_COOKIE, .origin = EVIL, .body = ALICE_FORM);
    assert_html(&r, 403);
    has(r, "sent from another site");
    assert_no_cookies(r);
    r = SEND("/sign-in", .origin = EVIL, .sec_fetch_site = "cross-site",
             .sec_fetch_mode = "navigate", .body = ALICE_FORM);
    assert_html(&r, 403);
    assert_no_cookies(r);
    r = SEND("/sign-in", .origin = "null", .body = ALICE_FORM, .cookie = "x=1");
    assert_html(&r, 403);
    r = SEND("/sign-out", .cookie = N_COOKIE, .origin = EVIL);
    assert_html(&r, 403);
    ck_assert_ptr_nonnull(fake_store_session(fs, N_ID));
    /* The site's own forms pass. */
    r = SEND("/sign-in", .cookie = N_COOKIE, .origin = BASE_URL, .sec_fetch_site = "same-origin",
             .sec_fetch_mode = "navigate", .body = ALICE_FORM);
    assert_see_other(&r, "/");
}
END_TEST

START_TEST(test_sign_up)
{
    struct response r;

    seed_alice();
    r = SEND("/sign-up", .body = "name=Carol&email=carol.632735%40example.com&password=short");
    assert_html(&r, 400);
    has(r, "at least 8 characters.</p>");
    has(r, "value=\"Carol\"");
    r = SEND("/sign-up", .body = "name=A&email=alice.632735%40example.com&password=" PASSWORD);
    assert_html(&r, 422);
    has(r, "exists already");
    r = SEND("/sign-up", .query = "callbackURL=%2Fprivate%2F", .body = CAROL_FORM);
    assert_see_other(&r, "/private/");
    ck_assert(session_cookie_set(&r));
}
END_TEST

/* Quotes, backslashes and controls in a field reach the route as they were typed: the form's
 * password then works for the JSON API too. */
START_TEST(test_form_values_reach_route_intact)
{
    struct response r;

    r = SEND("/sign-up", .body = "name=C%22%5C%01&email=carol.632735%40example.com&password="
                                 "pa%22ss%5Cw%09rd%E2%82%AC");
    assert_status(r, 303);
    r = POST_JSON("/sign-in/email", .body = "{\"email\":\"carol.632735@example.com\","
                                            "\"password\":\"pa\\\"ss\\\\w\\trd\u20ac\"}");
    assert_status(r, 200);
    ck_assert_str_eq(jstr_name(r), "C\"\\\x01");
}
END_TEST

/* With AUTHFCGI_REQUIRE_EMAIL_VERIFICATION sign-up starts no session: the page says to read the
 * mail. */
START_TEST(test_sign_up_requires_verification)
{
    struct response r;

    configure((struct config){.require = true});
    r = SEND("/sign-up", .body = CAROL_FORM);
    assert_html(&r, 200);
    has(r, "Check your e-mail");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
}
END_TEST

START_TEST(test_sign_out)
{
    struct response r;

    seed_n();
    r = PAGE("/sign-out");
    assert_html(&r, 200);
    has(r, "<form method=\"post\" action=\"/auth/sign-out\">");
    r = SEND("/sign-out", .cookie = N_COOKIE, .origin = BASE_URL);
    assert_see_other(&r, "/auth/sign-in");
    ck_assert_ptr_nonnull(strstr(handler_harness_header(&r, "Set-Cookie"), "Max-Age=0"));
    ck_assert_ptr_null(fake_store_session(fs, N_ID));
}
END_TEST

/* A form another site made its visitors' browsers send is refused before the route: an
 * untrusted or "null" Origin, else Referer, else Sec-Fetch-Site cross-site. forgot-password
 * took them (the JSON API has no Origin rule without a cookie, as Better Auth): any site could
 * have reset mails sent from its visitors' addresses. Our own forms and non-browsers pass. */
START_TEST(test_form_from_another_site)
{
    static const struct request from_elsewhere[] = {
        {.origin = EVIL},
        {.origin = "null"},
        {.referer = EVIL "/page"},
        {.sec_fetch_site = "cross-site"},
        {.origin = EVIL, .referer = BASE_URL "/auth/forgot-password"},
    };
    struct response r;

    seed_alice();
    for (size_t i = 0; i < sizeof from_elsewhere / sizeof from_elsewhere[0]; i++) {
        struct request req = from_elsewhere[i];
        req.method = "POST";
        req.path = "/auth/forgot-password";
        req.content_type = FORM;
        req.body = "email=alice.632735%40example.com";
        r = dispatch(req);
        assert_html(&r, 403);
        has(r, "This form was sent from another site and was refused.");
        ck_assert_uint_eq(fake_store_mail_count(fs), 0);
    }
    r = SEND("/forgot-password", .origin = BASE_URL, .sec_fetch_site = "same-origin",
             .body = "email=alice.632735%40example.com");
    assert_html(&r, 200);
    r = SEND("/forgot-password", .referer = FRONT "/login",
             .body = "email=alice.632735%40example.com");
    assert_html(&r, 200);
    r = SEND("/forgot-password", .body = "email=alice.632735%40example.com");
    assert_html(&r, 200);
    ck_assert_uint_eq(fake_store_mail_count(fs), 3);
}
END_TEST

/* ---- forgot and reset -------------------------------------------------------------------- */

/* The whole way: the form queues a mail whose link (the API's, which checks the token first)
 * leads to the reset page with the token; its form changes the password. */
START_TEST(test_forgot_and_reset)
{
    struct response r;
    const char *link, *location, *path, *query;

    seed_alice();
    r = SEND("/forgot-password", .query = "callbackURL=%2Fprivate%2F",
             .body = "email=alice.632735%40example.com");
    assert_html(&r, 200);
    has(r, "Check your e-mail");
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    link = mail_link(0);
    ck_assert_ptr_nonnull(strstr(link, "?callbackURL=%2Fauth%2Freset-password%3FcallbackURL%3D"
                                       "%252Fprivate%252F"));
    path = between(link, BASE_URL, '?');
    query = strchr(link, '?') + 1;
    r = dispatch((struct request){.method = "GET", .path = path, .query = query});
    ck_assert_int_eq(r.status, 302);
    location = handler_harness_header(&r, "Location");
    /* Better Auth writes the reset callback as an absolute URL on the base URL's origin. */
    ck_assert_msg(strncmp(location,
                          BASE_URL "/auth/reset-password?callbackURL=%2Fprivate%2F&token=",
                          strlen(BASE_URL) + 53) == 0,
                  "%s", location);
    r = PAGE("/reset-password", .query = strchr(location, '?') + 1);
    assert_html(&r, 200);
    has(r, "autocomplete=\"new-password\"");
    has(r, arena_printf(arena, "name=\"token\" value=\"%s\"", strstr(location, "token=") + 6));
    r = SEND("/reset-password", .query = "callbackURL=%2Fprivate%2F",
             .body = arena_printf(arena, "token=%s&newPassword=" NEW_PASSWORD,
                                  strstr(location, "token=") + 6));
    assert_html(&r, 200);
    has(r, "Password changed");
    has(r, "href=\"/auth/sign-in?callbackURL=%2Fprivate%2F\"");
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
}
END_TEST

START_TEST(test_reset_page_errors)
{
    struct response r = PAGE("/reset-password", .query = "error=INVALID_TOKEN");

    assert_html(&r, 400);
    has(r, "invalid or has expired");
    has(r, "href=\"/auth/forgot-password\"");
    r = SEND("/reset-password", .body = "token=nope&newPassword=" NEW_PASSWORD);
    assert_html(&r, 400);
    has(r, "invalid or has expired");
    has(r, "name=\"token\" value=\"nope\"");
    lacks(r, NEW_PASSWORD);
}
END_TEST

/* ---- Apache's ErrorDocument 401 ---------------------------------------------------------- */

START_TEST(test_redirect_url_is_return_target)
{
    struct response r;

    seed_alice();
    r = PAGE("/sign-in", .redirect_url = "/private/", .redirect_query = "x=1");
    assert_html(&r, 200);
    has(r, "action=\"/auth/sign-in?callbackURL=%2Fprivate%2F%3Fx%3D1\"");
    /* As the document of the error, the page keeps its status: the denied request is no 200. */
    r = PAGE("/sign-in", .redirect_url = "/private/", .redirect_status = "401");
    assert_html(&r, 401);
    has(r, "<form method=\"post\" action=\"/auth/sign-in?callbackURL=%2Fprivate%2F\">");
    r = PAGE("/sign-in", .redirect_url = "/private/", .redirect_status = "200");
    assert_html(&r, 200);
    r = PAGE("/sign-in", .redirect_url = "/private/", .redirect_status = "4x1");
    assert_html(&r, 200);
    /* callbackURL wins; a page's own path is no return target. */
    r = PAGE("/sign-in", .query = "callbackURL=%2Fa", .redirect_url = "/private/");
    has(r, "action=\"/auth/sign-in?callbackURL=%2Fa\"");
    r = PAGE("/sign-in", .redirect_url = "/auth/sign-in");
    has(r, "action=\"/auth/sign-in\"");
    r = SEND("/sign-in", .redirect_url = "/private/", .body = ALICE_FORM);
    assert_see_other(&r, "/private/");
}
END_TEST

/* ---- templates from a directory ---------------------------------------------------------- */

static char template_dir[64];

static void write_template(const char *name, const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", template_dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_templates_from_directory)
{
    struct response r;
    char err[512];

    strcpy(template_dir, "/tmp/check_pages.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(template_dir));
    write_template("sign-in.html", "<p>Custom {{email}}</p>{{error}}");
    write_template("style.css", "body{color:red}");
    configure((struct config){.pages_template_dir = template_dir});
    r = SEND("/sign-in", .body = "email=%3Cx%3E&password=" PASSWORD);
    assert_html(&r, 400);
    has(r, "<p>Custom &lt;x&gt;</p>");
    has(r, "<title>Sign in</title>"); /* the built-in layout */
    r = PAGE("/style.css");
    ck_assert_str_eq(r.body, "body{color:red}");

    write_template("layout.html", "{{content}} {{nope}}");
    app_free(&app);
    app_ready = false;
    ck_assert_int_eq(build((struct config){.pages_template_dir = template_dir}, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "AUTHFCGI_PAGES_TEMPLATE_DIR") != NULL &&
                      strstr(err, "layout.html") != NULL,
                  "%s", err);
    unlink(arena_printf(arena, "%s/layout.html", template_dir));
    unlink(arena_printf(arena, "%s/sign-in.html", template_dir));
    unlink(arena_printf(arena, "%s/style.css", template_dir));
    rmdir(template_dir);
}
END_TEST

/* ---- the second factor ------------------------------------------------------------------- */

#define TARGET_Q "callbackURL=%2Fprivate%2Fa"
#define TWO_FACTOR_PAGE "/auth/two-factor?" TARGET_Q
#define TF_COOKIE "better-auth.two_factor"
/* A second-step form from the browser: its two_factor cookie, the page's Origin. */
#define SEND_2FA(cookie_, body_)                                                                   \
    SEND("/two-factor", .query = TARGET_Q, .cookie = (cookie_), .origin = FRONT, .body = (body_))

/* enroll - the plugin on, alice enrolled with Better Auth's row. */
static void enroll(void)
{
    configure((struct config){.two_factor = true});
    seed_alice();
    fake_store_add_two_factor(fs, BA_TWO_FACTOR_ID, ALICE_ID, BA_SECRET_ROW, BA_CODES_ROW, true);
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = true;
}

/* signed_in_first - the sign-in form's 303 to the two-factor page: its two_factor cookie. */
static const char *signed_in_first(void)
{
    size_t sessions = fake_store_session_count(fs, ALICE_ID);
    struct response r = SEND("/sign-in", .query = TARGET_Q, .body = ALICE_FORM);
    const char *pair = handler_harness_cookie_pair(arena, &r, TF_COOKIE);

    assert_see_other(&r, TWO_FACTOR_PAGE);
    ck_assert(!session_cookie_set(&r));
    ck_assert_ptr_nonnull(pair);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), sessions);
    return pair;
}

static const char *code_now(void)
{
    char *out = arena_alloc(arena, TOTP_MAX_DIGITS + 1);

    ck_assert_int_eq(totp_hotp((const uint8_t *)TOTP_KEY, 32, (uint64_t)(time(NULL) / 30), 6, out),
                     0);
    return out;
}

/* Without the plugin there is no such page, and sign-in goes straight to the target. */
START_TEST(test_two_factor_page_off)
{
    struct response r;

    seed_alice();
    r = PAGE("/two-factor");
    ck_assert_int_eq(r.status, 404);
    r = SEND("/two-factor", .body = "code=123456");
    ck_assert_int_eq(r.status, 404);
}
END_TEST

/* The page asks for the authenticator's code with "trust this device", offers a backup code
 * and a code by e-mail; without a pending sign-in it sends the browser back to sign in. */
START_TEST(test_two_factor_page)
{
    const char *cookie;
    struct response r;

    enroll();
    cookie = signed_in_first();
    r = PAGE("/two-factor", .query = TARGET_Q, .cookie = cookie);
    assert_html(&r, 200);
    has(r, "<title>Two-factor sign-in</title>");
    has(r, "action=\"/auth/two-factor?callbackURL=%2Fprivate%2Fa\"");
    has(r, "<label for=\"code\">Code from your authenticator app</label>");
    has(r, "autocomplete=\"one-time-code\"");
    has(r, "name=\"trustDevice\" value=\"true\"> Trust this device");
    has(r, "<label for=\"backupCode\">Backup code</label>");
    has(r, "name=\"method\" value=\"send-otp\"");
    has(r, "href=\"/auth/sign-in?callbackURL=%2Fprivate%2Fa\"");
    r = PAGE("/two-factor", .query = TARGET_Q);
    assert_see_other(&r, "/auth/sign-in?" TARGET_Q);
    /* Without mail, no code by e-mail. */
    configure((struct config){.two_factor = true, .no_mail = true});
    r = PAGE("/two-factor", .query = TARGET_Q, .cookie = cookie);
    assert_html(&r, 200);
    lacks(r, "send-otp");
}
END_TEST

/* A wrong code shows the form again with the route's 401; the right one signs in, trusting
 * the device when asked, and goes to the return target. */
START_TEST(test_two_factor_totp)
{
    const char *cookie, *code;
    struct response r;

    enroll();
    cookie = signed_in_first();
    code = code_now();
    if (strcmp(code, "000000") != 0) {
        r = SEND_2FA(cookie, "method=totp&code=000000");
        assert_html(&r, 401);
        has(r, "The code is wrong or has expired.");
        has(r, "aria-invalid=\"true\"");
        ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
    }
    r = SEND_2FA(cookie, arena_printf(arena, "method=totp&code=%s&trustDevice=true", code_now()));
    assert_see_other(&r, "/private/a");
    ck_assert(session_cookie_set(&r));
    ck_assert_ptr_nonnull(handler_harness_cookie_pair(arena, &r, "better-auth.trust_device"));
    ck_assert_str_eq(handler_harness_cookie_pair(arena, &r, TF_COOKIE), TF_COOKIE "=");
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    /* The challenge is used up: back to sign in. */
    r = SEND_2FA(cookie, arena_printf(arena, "code=%s", code_now()));
    assert_see_other(&r, "/auth/sign-in?" TARGET_Q);
}
END_TEST

/* A backup code instead of the authenticator's; the fifth wrong code ends the sign-in. */
START_TEST(test_two_factor_backup_code_and_attempts)
{
    const char *cookie;
    struct response r;

    enroll();
    cookie = signed_in_first();
    r = SEND_2FA(cookie, "method=backup&code=wrong-code");
    assert_html(&r, 401);
    has(r, "The backup code is wrong or was used already.");
    r = SEND_2FA(cookie, "method=backup&code=" BACKUP_CODE);
    assert_see_other(&r, "/private/a");
    ck_assert(session_cookie_set(&r));
    ck_assert_ptr_null(handler_harness_cookie_pair(arena, &r, "better-auth.trust_device"));

    cookie = signed_in_first();
    for (int i = 0; i < 5; i++)
        r = SEND_2FA(cookie, "method=backup&code=wrong-code");
    r = SEND_2FA(cookie, "method=backup&code=wrong-code");
    ck_assert_int_eq(r.status, 400);
    has(r, "Too many wrong codes. Sign in again.");
    ck_assert_str_eq(handler_harness_cookie_pair(arena, &r, TF_COOKIE), TF_COOKIE "=");
}
END_TEST

/* A code by e-mail: the page says it was sent and asks for it; a wrong one keeps that form. */
START_TEST(test_two_factor_code_by_mail)
{
    const char *cookie;
    struct response r;
    size_t mails;

    enroll();
    cookie = signed_in_first();
    mails = fake_store_mail_count(fs);
    r = SEND_2FA(cookie, "method=send-otp");
    assert_html(&r, 200);
    ck_assert_uint_eq(fake_store_mail_count(fs), mails + 1);
    has(r, "We sent a code to your e-mail address.");
    has(r, "<label for=\"otpCode\">Code from the e-mail</label>");
    r = SEND_2FA(cookie, "method=otp&code=000000");
    ck_assert_int_eq(r.status, 401);
    has(r, "<label for=\"otpCode\">Code from the e-mail</label>");
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* mailed_code - the code of the i-th mail of the outbox: the line of digits alone. */
static const char *mailed_code(size_t i)
{
    const char *p = fake_store_mail_at(fs, i)->text;

    for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
        size_t n = strspn(p, "0123456789");

        if (n == 6 && (p[n] == '\n' || p[n] == '\r'))
            return arena_printf(arena, "%.6s", p);
    }
    ck_abort_msg("no code in mail %zu", i);
    return NULL;
}

/* A code mailed twice ("send again"): the second mail's code signs in, as Better Auth reads
 * the newest row of the challenge's code (test/integration/two_factor_otp.sh: the same on
 * PostgreSQL, after a wrong code too). */
START_TEST(test_two_factor_code_mailed_twice)
{
    const char *cookie, *code;
    struct response r;

    enroll();
    cookie = signed_in_first();
    r = SEND_2FA(cookie, "method=send-otp");
    assert_html(&r, 200);
    r = SEND_2FA(cookie, "method=send-otp");
    assert_html(&r, 200);
    code = mailed_code(fake_store_mail_count(fs) - 1);
    r = SEND_2FA(cookie, arena_printf(arena, "method=otp&code=%s", code));
    assert_see_other(&r, "/private/a");
    ck_assert(session_cookie_set(&r));
}
END_TEST

/* A return target the API would refuse is refused here too, before any code is checked. */
START_TEST(test_two_factor_refuses_foreign_target)
{
    const char *cookie;
    struct response r;

    enroll();
    cookie = signed_in_first();
    r = SEND("/two-factor", .query = "callbackURL=https%3A%2F%2Fevil.example%2F", .cookie = cookie,
             .origin = FRONT, .body = arena_printf(arena, "code=%s", code_now()));
    assert_html(&r, 403);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* two-factor.html from AUTHFCGI_PAGES_TEMPLATE_DIR, with the code-by-e-mail forms where it
 * puts {{otp}}. */
START_TEST(test_two_factor_template_from_directory)
{
    const char *cookie;
    struct response r;

    enroll();
    cookie = signed_in_first();
    strcpy(template_dir, "/tmp/check_pages.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(template_dir));
    write_template("two-factor.html", "<p>Custom 2FA</p>{{error}}<div>{{otp}}</div>");
    configure((struct config){.two_factor = true, .pages_template_dir = template_dir});
    r = PAGE("/two-factor", .query = TARGET_Q, .cookie = cookie);
    assert_html(&r, 200);
    has(r, "<p>Custom 2FA</p><div><form method=\"post\" action=\"/auth/two-factor?" TARGET_Q);
    has(r, "value=\"send-otp\"");
    lacks(r, "authenticator");
    unlink(arena_printf(arena, "%s/two-factor.html", template_dir));
    rmdir(template_dir);
}
END_TEST

static Suite *pages_suite(void)
{
    Suite *s = suite_create("pages");
    TCase *tc = tcase_create("pages");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_html_escape);
    tcase_add_test(tc, test_template_placeholders);
    tcase_add_test(tc, test_query_encode);
    tcase_add_test(tc, test_sign_in_page);
    tcase_add_test(tc, test_page_carries_return_target);
    tcase_add_test(tc, test_page_refuses_foreign_target);
    tcase_add_test(tc, test_style_and_unknown_pages);
    tcase_add_test(tc, test_pages_off);
    tcase_add_test(tc, test_no_mail_no_password_pages);
    tcase_add_test(tc, test_sign_in_redirects_with_session);
    tcase_add_test(tc, test_sign_in_remember_me);
    tcase_add_test(tc, test_sign_in_error_rerenders);
    tcase_add_test(tc, test_rerender_escapes);
    tcase_add_test(tc, test_form_bad_encodings);
    tcase_add_test(tc, test_rate_limit_shared_with_api);
    tcase_add_test(tc, test_cross_site_forms_refused);
    tcase_add_test(tc, test_sign_up);
    tcase_add_test(tc, test_form_values_reach_route_intact);
    tcase_add_test(tc, test_sign_up_requires_verification);
    tcase_add_test(tc, test_sign_out);
    tcase_add_test(tc, test_form_from_another_site);
    tcase_add_test(tc, test_forgot_and_reset);
    tcase_add_test(tc, test_reset_page_errors);
    tcase_add_test(tc, test_redirect_url_is_return_target);
    tcase_add_test(tc, test_templates_from_directory);
    tcase_add_test(tc, test_two_factor_page_off);
    tcase_add_test(tc, test_two_factor_page);
    tcase_add_test(tc, test_two_factor_totp);
    tcase_add_test(tc, test_two_factor_backup_code_and_attempts);
    tcase_add_test(tc, test_two_factor_code_by_mail);
    tcase_add_test(tc, test_two_factor_code_mailed_twice);
    tcase_add_test(tc, test_two_factor_refuses_foreign_target);
    tcase_add_test(tc, test_two_factor_template_from_directory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return flows_world_main(pages_suite());
}
