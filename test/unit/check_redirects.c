/* check_redirects - no Location leaves the site (issues 9 and 11): every hostile value of
 * test/fixtures/hostile-redirects.txt, sent as every redirect parameter to every route that
 * redirects or mails a link that redirects, and as the return target of every built-in page
 * (?callbackURL=, Apache's REDIRECT_URL), through router_dispatch over the fake store, both on
 * the route's success path and on its error path. Each answer must be a refusal (4xx with a JSON
 * body and no Location) or a 200/302 whose every Location, and sign-in's "url", is written as
 * an absolute http(s) URL or a root-relative path and lands on a trusted origin when resolved
 * with url_parse from pages on each of them, as a browser resolves it. Mailed links are checked
 * too: on the base URL's origin, carrying the value as it was sent. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "auth/mail_token.h"
#include "util/random.h"
#include "global/settings.h"
#include "util/url.h"
#include "util/utf8.h"

#define API_BASE BASE_URL API
#define BASE_HOST "127.0.0.1:3000"
#define FRONT_HOST "localhost:8080"
#define MAIL_FROM "Example <noreply@example.com>"
#define RESET_TOKEN "Js4MBhbBXKcsSjnMkQZlnYBL"
#define NEW_EMAIL "carol.632735@example.com"
#define AS_N .cookie = N_COOKIE, .origin = FRONT

/* ---- the payloads ------------------------------------------------------------------------ */

struct payload {
    char *bytes; /* the value, NUL-terminated for printing (it may hold NULs itself) */
    size_t len;
    char *line; /* as written in the file, for messages */
};

static struct payload *payloads;
static size_t payload_count;

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* unescape - the file's escapes and placeholders (see its header) into out; false when the
 * line is malformed. out has room for strlen(line) * 16 bytes. */
static bool unescape(const char *line, char *out, size_t *out_len)
{
    size_t n = 0;

    for (const char *s = line; *s != '\0'; s++) {
        if (strncmp(s, "{host}", 6) == 0 || strncmp(s, "{trusted}", 9) == 0) {
            const char *host = s[1] == 'h' ? BASE_HOST : FRONT_HOST;

            memcpy(out + n, host, strlen(host));
            n += strlen(host);
            s += s[1] == 'h' ? 5 : 8;
            continue;
        }
        if (*s != '\\') {
            out[n++] = *s;
            continue;
        }
        switch (*++s) {
        case '\\':
            out[n++] = '\\';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case '0':
            out[n++] = '\0';
            break;
        case 'x':
            if (hex_digit(s[1]) < 0 || hex_digit(s[2]) < 0)
                return false;
            out[n++] = (char)(hex_digit(s[1]) * 16 + hex_digit(s[2]));
            s += 2;
            break;
        default:
            return false;
        }
    }
    *out_len = n;
    return true;
}

/* load_payloads - read the fixture once, before the suite forks its tests. */
static void load_payloads(void)
{
    const char *srcdir = getenv("top_srcdir");
    char path[4096], line[4096];
    size_t capacity = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/test/fixtures/hostile-redirects.txt",
             srcdir != NULL ? srcdir : ".");
    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);
        struct payload *p;

        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (payload_count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            payloads = realloc(payloads, capacity * sizeof(*payloads));
        }
        p = &payloads[payload_count++];
        p->bytes = malloc(len * 16 + 1);
        p->line = strdup(line);
        if (p->bytes == NULL || p->line == NULL || !unescape(line, p->bytes, &p->len)) {
            fprintf(stderr, "%s: bad line: %s\n", path, line);
            exit(1);
        }
        p->bytes[p->len] = '\0';
    }
    fclose(f);
}

/* ---- the world of one test --------------------------------------------------------------- */

static void setup(void)
{
    struct settings s = harness_settings();
    int64_t now;

    s.mail_from = MAIL_FROM;
    s.change_email = true;
    s.delete_user = true;
    s.send_verification_on_sign_up = true;
    s.pages = true;
    harness_app_new(&s);
    /* Alice, unverified, signed in as N an hour ago; a live reset token of hers. */
    handler_harness_seed_alice(fs, &app);
    now = fake_store_now_ms();
    fake_store_add_session(fs, N_ID, N_TOKEN, ALICE_ID, NULL, now - HOUR_MS,
                           now + 7 * DAY_MS - HOUR_MS);
    fake_store_add_verification(fs, "VerificationRow0000000000000000a",
                                "reset-password:" RESET_TOKEN, ALICE_ID, now + HOUR_MS);
}

static struct response dispatch(struct request req)
{
    return handler_harness_dispatch(&app, arena, req);
}

/* ---- encoding a value as a client sends it ----------------------------------------------- */

/* query_encoded - every byte but the unreserved ones as %XX (a query or form value). */
static const char *query_encoded(const struct payload *p)
{
    char *out = arena_alloc(arena, 3 * p->len + 1), *o = out;

    for (size_t i = 0; i < p->len; i++) {
        unsigned char c = (unsigned char)p->bytes[i];

        /* c != 0: strchr finds the terminator, and a raw NUL would end the value here. */
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && strchr("-._~", c) != NULL))
            *o++ = (char)c;
        else
            o += sprintf(o, "%%%02X", c);
    }
    *o = '\0';
    return out;
}

/* json_string - the value as a JSON string: '"', '\' and controls escaped, other bytes raw. */
static const char *json_string(const struct payload *p)
{
    char *out = arena_alloc(arena, 6 * p->len + 3), *o = out;

    *o++ = '"';
    for (size_t i = 0; i < p->len; i++) {
        unsigned char c = (unsigned char)p->bytes[i];

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* ---- judging an answer ------------------------------------------------------------------- */

/* Pages a browser may get a Location on: the API on the base URL, and the trusted front. */
static const char *const pages[] = {API_BASE "/verify-email?token=t", FRONT "/app/a/b/c?x=1"};
static const char *const trusted[] = {BASE_URL, FRONT};

/* well_formed - written as an absolute http(s) URL or a root-relative path, with nothing a
 * browser strips or reads as a second slash, whatever the URL parser thinks. */
static bool well_formed(const char *loc)
{
    size_t skip;

    for (const char *s = loc; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    if (strncasecmp(loc, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(loc, "https://", 8) == 0)
        skip = 8;
    else
        return loc[0] == '/' && loc[1] != '/' && loc[1] != '\\';
    return loc[skip] != '\0' && loc[skip] != '/' && loc[skip] != '\\';
}

static void check_lands(const char *what, const struct payload *p, const char *kind,
                        const char *loc)
{
    ck_assert_msg(well_formed(loc), "%s, value \"%s\": %s \"%s\" is not absolute or root-relative",
                  what, p->line, kind, loc);
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        struct url page, u;
        const char *origin;
        bool ok = false;

        ck_assert_int_eq(url_parse(arena, pages[i], strlen(pages[i]), NULL, &page), URL_OK);
        ck_assert_msg(url_parse(arena, loc, strlen(loc), &page, &u) == URL_OK,
                      "%s, value \"%s\": %s \"%s\" does not parse", what, p->line, kind, loc);
        origin = url_origin(arena, &u);
        for (size_t t = 0; t < sizeof(trusted) / sizeof(trusted[0]); t++)
            ok = ok || strcmp(origin, trusted[t]) == 0;
        ck_assert_msg(ok, "%s, value \"%s\": %s \"%s\" goes to %s from %s", what, p->line, kind,
                      loc, origin, pages[i]);
    }
}

/* is_page - an HTML answer of the built-in pages (/auth/...). */
static bool is_page(const struct response *r)
{
    const char *ct = handler_harness_header(r, "Content-Type");

    return ct != NULL && strncmp(ct, "text/html", 9) == 0;
}

/* check_page_urls - every href and form action of a page lands on the site too. */
static void check_page_urls(const char *what, const struct payload *p, const struct response *r)
{
    static const char *const attrs[] = {" href=\"", " action=\""};

    for (size_t a = 0; a < 2; a++) {
        for (const char *at = strstr(r->body, attrs[a]); at != NULL;
             at = strstr(at + 1, attrs[a])) {
            const char *start = at + strlen(attrs[a]), *end = strchr(start, '"');
            char *url = arena_strndup(arena, start, (size_t)(end - start)), *amp;

            while ((amp = strstr(url, "&amp;")) != NULL) /* the one reference a URL may hold */
                memmove(amp + 1, amp + 5, strlen(amp + 5) + 1);
            check_lands(what, p, attrs[a] + 1, url);
        }
    }
}

/* judge - a refusal (4xx, JSON or a page, no Location), or an answer whose redirects stay on
 * the site. */
static void judge(const char *what, const struct payload *p, const struct response *r)
{
    size_t locations = handler_harness_header_count(r, "Location");

    if (r->body != NULL && is_page(r))
        check_page_urls(what, p, r);
    if (r->status >= 400 && r->status < 500) {
        ck_assert_msg(r->body != NULL && (r->body[0] == '{' || is_page(r)) && locations == 0,
                      "%s, value \"%s\": %d without a JSON body or page, or with a Location", what,
                      p->line, r->status);
        return;
    }
    ck_assert_msg(r->status == 200 || r->status == 302 || r->status == 303,
                  "%s, value \"%s\": status %d, body %s", what, p->line, r->status,
                  r->body != NULL ? r->body : "(none)");
    ck_assert_msg(r->status == 200 || locations == 1, "%s: a %d with %zu Location headers", what,
                  r->status, locations);
    if (is_page(r))
        return;
    for (size_t i = 0; i < locations; i++)
        check_lands(what, p, "Location", handler_harness_header_nth(r, "Location", i));
    if (r->body != NULL && r->body_len > 0) {
        struct json_object *body = json_tokener_parse(r->body), *url;

        if (json_object_object_get_ex(body, "url", &url))
            check_lands(what, p, "\"url\"", json_object_get_string(url));
        json_object_put(body);
    }
}

/* ---- mailed links ------------------------------------------------------------------------ */

struct link_query {
    const char *callback;
};

static void link_param(void *ctx, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    (void)value_len;
    if (name_len == 11 && memcmp(name, "callbackURL", 11) == 0)
        ((struct link_query *)ctx)->callback = value;
}

/* follow_mail - when the last request queued a mail: its link is on the base URL's origin and
 * carries the value as the client sent it; opening it (with cookie, as the browser would) is
 * judged, and so is opening it again (a verify-email link is used up by then) and, for a reset
 * link, opening it with a token that is wrong. */
static void follow_mail(const char *what, const struct payload *p, const char *cookie)
{
    size_t count = fake_store_mail_count(fs);
    const char *text, *start, *end, *link, *wrong;
    struct link_query q = {NULL};
    struct url u;
    struct response r;

    if (count == 0)
        return;
    text = fake_store_mail_at(fs, count - 1)->text;
    start = strstr(text, "\n" API_BASE "/");
    ck_assert_msg(start != NULL, "%s: no link in the mail:\n%s", what, text);
    start++;
    end = strchr(start, '\n');
    link = arena_strndup(arena, start, end != NULL ? (size_t)(end - start) : strlen(start));
    ck_assert_int_eq(url_parse(arena, link, strlen(link), NULL, &u), URL_OK);
    ck_assert_str_eq(url_href(arena, &u), link);
    ck_assert_str_eq(url_origin(arena, &u), BASE_URL);
    ck_assert_ptr_nonnull(u.query);
    url_form_parse(arena, u.query, strlen(u.query), link_param, &q);
    /* Ill-formed UTF-8 reaches the handler as U+FFFD; anything else as it was sent. */
    ck_assert_msg(q.callback != NULL &&
                      (!utf8_is_valid(p->bytes, p->len) ||
                       (strlen(q.callback) == p->len && memcmp(q.callback, p->bytes, p->len) == 0)),
                  "%s, value \"%s\": the link carries callbackURL \"%s\"", what, p->line,
                  q.callback != NULL ? q.callback : "(none)");

    r = dispatch(
        (struct request){.method = "GET", .path = u.path, .query = u.query, .cookie = cookie});
    judge(arena_printf(arena, "%s, its link", what), p, &r);
    r = dispatch(
        (struct request){.method = "GET", .path = u.path, .query = u.query, .cookie = cookie});
    judge(arena_printf(arena, "%s, its link again", what), p, &r);
    if (strstr(u.path, "/reset-password/") == NULL)
        return; /* a verify-email link is used up: the second opening was its error path */
    wrong = arena_printf(arena, "%sx", u.path);
    r = dispatch(
        (struct request){.method = "GET", .path = wrong, .query = u.query, .cookie = cookie});
    judge(arena_printf(arena, "%s, its link with a wrong token", what), p, &r);
}

/* ---- the routes -------------------------------------------------------------------------- */

/* verify_link - a live verify-email JWT of ours for Alice, with its row. */
static const char *verify_link(void)
{
    char *jti = arena_alloc(arena, RANDOM_TOKEN_LEN + 1);
    struct mail_claims c = {.email = ALICE_EMAIL, .user_id = ALICE_ID, .jti = jti};

    ck_assert_int_eq(random_token(jti, RANDOM_TOKEN_LEN), 0);
    fake_store_add_verification(fs, "VerificationRow0000000000000000b",
                                arena_printf(arena, "verify-email:%s", jti), ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
    return mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
}

static void verify_email_bad_token(const char *what, const struct payload *p)
{
    struct response r =
        GET("/verify-email",
            .query = arena_printf(arena, "token=bad&callbackURL=%s", query_encoded(p)));

    judge(what, p, &r);
}

static void verify_email_good_token(const char *what, const struct payload *p)
{
    struct response r =
        GET("/verify-email", .query = arena_printf(arena, "token=%s&callbackURL=%s", verify_link(),
                                                   query_encoded(p)));

    judge(what, p, &r);
}

static void reset_link_live(const char *what, const struct payload *p)
{
    struct response r = GET("/reset-password/" RESET_TOKEN,
                            .query = arena_printf(arena, "callbackURL=%s", query_encoded(p)));

    judge(what, p, &r);
}

static void reset_link_unknown(const char *what, const struct payload *p)
{
    struct response r = GET("/reset-password/unknown",
                            .query = arena_printf(arena, "callbackURL=%s", query_encoded(p)));

    judge(what, p, &r);
}

static void delete_callback(const char *what, const struct payload *p)
{
    const char *query = arena_printf(arena, "token=x&callbackURL=%s", query_encoded(p));
    struct response r = GET("/delete-user/callback", .query = query);

    judge(what, p, &r);
    r = GET("/delete-user/callback", .query = query, .cookie = N_COOKIE);
    judge(arena_printf(arena, "%s, signed in", what), p, &r);
}

/* sign_in_with - sign-in with field=value in a JSON body. */
static void sign_in_with(const char *what, const struct payload *p, const char *field)
{
    struct response r = POST_JSON(
        "/sign-in/email", .body = arena_printf(arena,
                                               "{\"email\":\"" ALICE_EMAIL
                                               "\",\"password\":\"" PASSWORD "\",\"%s\":%s}",
                                               field, json_string(p)));

    judge(what, p, &r);
}

static void sign_in_callback(const char *what, const struct payload *p)
{
    sign_in_with(what, p, "callbackURL");
}

static void sign_in_error_callback(const char *what, const struct payload *p)
{
    sign_in_with(what, p, "errorCallbackURL");
}

static void sign_in_new_user_callback(const char *what, const struct payload *p)
{
    sign_in_with(what, p, "newUserCallbackURL");
}

static void sign_in_redirect_to(const char *what, const struct payload *p)
{
    sign_in_with(what, p, "redirectTo");
}

static void sign_in_form(const char *what, const struct payload *p)
{
    struct response r =
        POST("/sign-in/email", .content_type = "application/x-www-form-urlencoded",
             .body = arena_printf(arena, "email=%s&password=" PASSWORD "&callbackURL=%s",
                                  "alice.632735%40example.com", query_encoded(p)));

    judge(what, p, &r);
}

static void sign_in_query(const char *what, const struct payload *p)
{
    struct response r = POST_JSON(
        "/sign-in/email", .query = arena_printf(arena, "callbackURL=%s", query_encoded(p)),
        .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}");

    judge(what, p, &r);
}

static void sign_up_mail(const char *what, const struct payload *p)
{
    struct response r =
        POST_JSON("/sign-up/email",
                  .body = arena_printf(arena,
                                       "{\"name\":\"Carol\",\"email\":\"" NEW_EMAIL
                                       "\",\"password\":\"" PASSWORD "\",\"callbackURL\":%s}",
                                       json_string(p)));

    judge(what, p, &r);
    follow_mail(what, p, NULL);
}

static void request_reset_mail(const char *what, const struct payload *p)
{
    struct response r =
        POST_JSON("/request-password-reset",
                  .body = arena_printf(arena, "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":%s}",
                                       json_string(p)));

    judge(what, p, &r);
    follow_mail(what, p, NULL);
}

static void send_verification_mail(const char *what, const struct payload *p)
{
    struct response r =
        POST_JSON("/send-verification-email", AS_N,
                  .body = arena_printf(arena, "{\"email\":\"" ALICE_EMAIL "\",\"callbackURL\":%s}",
                                       json_string(p)));

    judge(what, p, &r);
    follow_mail(what, p, NULL);
}

static void change_email_mail(const char *what, const struct payload *p)
{
    struct response r =
        POST_JSON("/change-email", AS_N,
                  .body = arena_printf(arena, "{\"newEmail\":\"" NEW_EMAIL "\",\"callbackURL\":%s}",
                                       json_string(p)));

    judge(what, p, &r);
    follow_mail(what, p, N_COOKIE);
}

static void error_page(const char *what, const struct payload *p)
{
    const char *v = query_encoded(p);
    struct response r =
        GET("/error", .query = arena_printf(arena, "error=%s&error_description=%s", v, v));

    judge(what, p, &r);
}

/* ---- the built-in pages (/auth/...) ------------------------------------------------------ */

#define PAGE_FORM "application/x-www-form-urlencoded"
#define ALICE_FORM "email=alice.632735%40example.com&password=" PASSWORD

static const char *callback_query(const struct payload *p)
{
    return arena_printf(arena, "callbackURL=%s", query_encoded(p));
}

/* page_post - the form of page posted with the value as its return target: in the query as
 * callbackURL, or (redirect) as Apache's REDIRECT_URL. */
static struct response page_post(const char *page, const struct payload *p, bool redirect,
                                 const char *body, const char *cookie)
{
    return dispatch((struct request){.method = "POST",
                                     .path = page,
                                     .content_type = PAGE_FORM,
                                     .query = redirect ? "" : callback_query(p),
                                     .redirect_url = redirect ? p->bytes : NULL,
                                     .cookie = cookie,
                                     .origin = cookie != NULL ? FRONT : NULL,
                                     .body = body});
}

static void page_sign_in_get(const char *what, const struct payload *p)
{
    struct response r = dispatch(
        (struct request){.method = "GET", .path = "/auth/sign-in", .query = callback_query(p)});

    judge(what, p, &r);
    r = dispatch(
        (struct request){.method = "GET", .path = "/auth/sign-in", .redirect_url = p->bytes});
    judge(arena_printf(arena, "%s, as REDIRECT_URL", what), p, &r);
}

static void page_sign_in(const char *what, const struct payload *p)
{
    struct response r = page_post("/auth/sign-in", p, false, ALICE_FORM, NULL);

    judge(what, p, &r);
    r = page_post("/auth/sign-in", p, true, ALICE_FORM, NULL);
    judge(arena_printf(arena, "%s, as REDIRECT_URL", what), p, &r);
    r = page_post("/auth/sign-in", p, false, "email=alice.632735%40example.com&password=wrong",
                  NULL);
    judge(arena_printf(arena, "%s, wrong password", what), p, &r);
}

static void page_sign_up(const char *what, const struct payload *p)
{
    struct response r =
        page_post("/auth/sign-up", p, false,
                  "name=Carol&email=carol.632735%40example.com&password=" PASSWORD, NULL);

    judge(what, p, &r);
}

static void page_sign_out(const char *what, const struct payload *p)
{
    struct response r = page_post("/auth/sign-out", p, false, "", N_COOKIE);

    judge(what, p, &r);
}

/* page_forgot - the reset mail's link, opened, stays on the site whatever the page was given. */
static void page_forgot(const char *what, const struct payload *p)
{
    struct response r =
        page_post("/auth/forgot-password", p, false, "email=alice.632735%40example.com", NULL);
    const char *text, *start, *end;
    struct url u;

    judge(what, p, &r);
    if (fake_store_mail_count(fs) == 0)
        return;
    text = fake_store_mail_at(fs, fake_store_mail_count(fs) - 1)->text;
    start = strstr(text, "\n" API_BASE "/") + 1;
    end = strchr(start, '\n');
    ck_assert_int_eq(url_parse(arena, start, (size_t)(end - start), NULL, &u), URL_OK);
    r = dispatch((struct request){.method = "GET", .path = u.path, .query = u.query});
    judge(arena_printf(arena, "%s, its link", what), p, &r);
}

static void page_reset(const char *what, const struct payload *p)
{
    struct response r = page_post("/auth/reset-password", p, false,
                                  "token=" RESET_TOKEN "&newPassword=newpassword456", NULL);

    judge(what, p, &r);
}

static const struct {
    const char *what;
    void (*run)(const char *what, const struct payload *p);
} routes[] = {
    {"GET /auth/sign-in", page_sign_in_get},
    {"POST /auth/sign-in", page_sign_in},
    {"POST /auth/sign-up", page_sign_up},
    {"POST /auth/sign-out", page_sign_out},
    {"POST /auth/forgot-password", page_forgot},
    {"POST /auth/reset-password", page_reset},
    {"GET /verify-email, bad token", verify_email_bad_token},
    {"GET /verify-email, live token", verify_email_good_token},
    {"GET /reset-password/:token, live token", reset_link_live},
    {"GET /reset-password/:token, unknown token", reset_link_unknown},
    {"GET /delete-user/callback", delete_callback},
    {"POST /sign-in/email callbackURL", sign_in_callback},
    {"POST /sign-in/email errorCallbackURL", sign_in_error_callback},
    {"POST /sign-in/email newUserCallbackURL", sign_in_new_user_callback},
    {"POST /sign-in/email redirectTo", sign_in_redirect_to},
    {"POST /sign-in/email callbackURL, form", sign_in_form},
    {"POST /sign-in/email ?callbackURL=", sign_in_query},
    {"POST /sign-up/email callbackURL", sign_up_mail},
    {"POST /request-password-reset redirectTo", request_reset_mail},
    {"POST /send-verification-email callbackURL", send_verification_mail},
    {"POST /change-email callbackURL", change_email_mail},
    {"GET /error", error_page},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

/* One test per route and payload: _i = route * payload_count + payload. */
START_TEST(test_hostile)
{
    size_t route = (size_t)_i / payload_count, payload = (size_t)_i % payload_count;

    routes[route].run(routes[route].what, &payloads[payload]);
}
END_TEST

/* The fixture is what the issue asks for: at least 40 values, the reported ones among them. */
START_TEST(test_fixture)
{
    unsigned reported = 0;

    ck_assert_uint_ge(payload_count, 40);
    for (size_t i = 0; i < payload_count; i++)
        reported += strcmp(payloads[i].bytes, "/.//evil.com") == 0 ||
                    strcmp(payloads[i].bytes, "/a/..//evil.com") == 0;
    ck_assert_uint_eq(reported, 2);
}
END_TEST

/* Safe values still redirect where they say: the checks above are not passed by refusing all. */
START_TEST(test_safe_values_redirect)
{
    struct response r = GET("/verify-email", .query = arena_printf(arena, "token=%s&callbackURL=%s",
                                                                   verify_link(), "%2Fverified"));

    ck_assert_int_eq(r.status, 302);
    ck_assert_str_eq(handler_harness_header(&r, "Location"), "/verified");
    r = GET("/reset-password/" RESET_TOKEN,
            .query = "callbackURL=http%3A%2F%2Flocalhost%3A8080%2Fr");
    ck_assert_int_eq(r.status, 302);
    ck_assert_str_eq(handler_harness_header(&r, "Location"), FRONT "/r?token=" RESET_TOKEN);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("redirects");
    TCase *tc = tcase_create("hostile");
    SRunner *sr;
    int failed;

    load_payloads();
    tcase_add_checked_fixture(tc, setup, harness_app_free);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fixture);
    tcase_add_test(tc, test_safe_values_redirect);
    tcase_add_loop_test(tc, test_hostile, 0, (int)(ROUTE_COUNT * payload_count));
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
