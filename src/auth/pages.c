/* pages - the /auth/ pages: reading a page's form and return target, sending the form through
 * the JSON API's route (router_dispatch), and turning the outcome into a redirect or the form
 * again. The markup is page_view's. */
#include "config.h"

#include "auth/pages.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "auth/cookie.h"
#include "auth/http.h"
#include "auth/origin.h"
#include "auth/page_view.h"
#include "auth/router.h"
#include "util/arena.h"
#include "util/url.h"

#define API "/api/auth"

/* What a page's form sends; NULL = absent. The last of a repeated name wins (the sign-in
 * form sends rememberMe twice: a hidden "false", then the checkbox's "true" when ticked). */
struct form_value {
    const char *str; /* percent-decoded UTF-8 (ill-formed bytes became U+FFFD); may hold U+0000 */
    size_t len;
};

struct page_form {
    struct form_value email, password, name, token, new_password, remember_me;
    struct form_value code, trust_device, method; /* the two-factor page's */
};

/* A JSON object being written into the request's arena (so the password in it is wiped with
 * the arena, as the JSON API's own body is). */
struct json_body {
    struct arena *a;
    char *text; /* "{" and the members so far */
};

struct page;

/* One request to a page. */
struct page_call {
    struct app *app;
    struct request *req;
    struct response *resp;
    const struct page *page;
    const char *target;  /* the return target as asked (raw), NULL = none: "/" */
    size_t target_len;   /* its bytes (a "%00" in the query makes it longer than strlen) */
    bool target_refused; /* it is not one the JSON API would accept */
    struct page_form form;
    const char *api_path; /* the route the form goes through: the page's, or body's choice */
    enum page_otp otp;    /* PAGE_OTP_SENT once the two-factor page mailed a code */
};

/* A page: its template and, for those with a form, the route it posts through, how the form
 * becomes that route's JSON body and what a success answers. */
struct page {
    const char *path;
    enum page_template tmpl;
    const char *title;
    bool (*enabled)(const struct app *app);
    const char *api_path; /* NULL: GET only */
    void (*body)(struct page_call *pc, struct json_body *b);
    void (*done)(struct page_call *pc, struct response *inner);
};

static bool always(const struct app *app);
static bool sign_up_enabled(const struct app *app);
static bool mail_enabled(const struct app *app);
static void sign_in_body(struct page_call *pc, struct json_body *b);
static void sign_up_body(struct page_call *pc, struct json_body *b);
static void no_body(struct page_call *pc, struct json_body *b);
static void forgot_body(struct page_call *pc, struct json_body *b);
static void reset_body(struct page_call *pc, struct json_body *b);
static void signed_in(struct page_call *pc, struct response *inner);
static void signed_up(struct page_call *pc, struct response *inner);
static void signed_out(struct page_call *pc, struct response *inner);
static void reset_requested(struct page_call *pc, struct response *inner);
static void password_reset(struct page_call *pc, struct response *inner);
static bool two_factor_enabled(const struct app *app);
static void two_factor_body(struct page_call *pc, struct json_body *b);
static void two_factor_done(struct page_call *pc, struct response *inner);

static const struct page pages[] = {
    {PAGES_PREFIX "sign-in", PAGE_SIGN_IN, "Sign in", always, API "/sign-in/email", sign_in_body,
     signed_in},
    {PAGES_PREFIX "sign-up", PAGE_SIGN_UP, "Create an account", sign_up_enabled,
     API "/sign-up/email", sign_up_body, signed_up},
    {PAGES_PREFIX "sign-out", PAGE_SIGN_OUT, "Sign out", always, API "/sign-out", no_body,
     signed_out},
    {PAGES_PREFIX "forgot-password", PAGE_FORGOT_PASSWORD, "Forgot your password?", mail_enabled,
     API "/request-password-reset", forgot_body, reset_requested},
    {PAGES_PREFIX "reset-password", PAGE_RESET_PASSWORD, "Choose a new password", mail_enabled,
     API "/reset-password", reset_body, password_reset},
    {PAGES_PREFIX "two-factor", PAGE_TWO_FACTOR, "Two-factor sign-in", two_factor_enabled,
     API "/two-factor/verify-totp", two_factor_body, two_factor_done},
    {PAGES_PREFIX "style.css", PAGE_STYLE, NULL, always, NULL, NULL, NULL},
};

/* ------------------------------------------------------------------------------------------
 * Which pages exist */

static bool always(const struct app *app)
{
    (void)app;
    return true;
}

/* sign_up_enabled - the page exists when the JSON API answers sign-up. */
static bool sign_up_enabled(const struct app *app)
{
    return router_route(app, "POST", API "/sign-up/email") != NULL;
}

/* mail_enabled - without a mail sender the API refuses password resets
 * (RESET_PASSWORD_DISABLED): the pages would only ever show that. */
static bool mail_enabled(const struct app *app)
{
    return app->mail != NULL;
}

/* two_factor_enabled - the second step of a sign-in exists with the twoFactor plugin. */
static bool two_factor_enabled(const struct app *app)
{
    return app->two_factor;
}

static const struct page *find_page(const struct app *app, const char *path)
{
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(pages[i].path, path) == 0 && pages[i].enabled(app))
            return &pages[i];
    return NULL;
}

/* pages_owns - see pages.h. */
bool pages_owns(const struct app *app, const char *path)
{
    return app->pages != NULL && strncmp(path, PAGES_PREFIX, strlen(PAGES_PREFIX)) == 0;
}

/* ------------------------------------------------------------------------------------------
 * Reading the request */

/* pages_query_encode - see pages.h. */
char *pages_query_encode(struct arena *a, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, strlen(value) * 3 + 1), *o = out;

    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) != NULL) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

struct query_read {
    const char *callback, *token, *error;
    size_t callback_len;
};

/* query_member - the first callbackURL, token and error of the query. */
static void query_member(void *ctx, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    struct query_read *q = ctx;
    const char **slot = NULL;

    if (name_len == 11 && memcmp(name, "callbackURL", 11) == 0 && q->callback == NULL)
        q->callback_len = value_len;
    if (name_len == 11 && memcmp(name, "callbackURL", 11) == 0)
        slot = &q->callback;
    else if (name_len == 5 && memcmp(name, "token", 5) == 0)
        slot = &q->token;
    else if (name_len == 5 && memcmp(name, "error", 5) == 0)
        slot = &q->error;
    if (slot != NULL && *slot == NULL)
        *slot = value;
}

/* read_target - the return target: callbackURL (an empty one is none, as Better Auth's
 * falsy test has it), else Apache's original URL (with its query) unless it is a page
 * itself, checked as the JSON API checks a callbackURL. One with a NUL byte is refused: the
 * links and the redirect carry it as a C string, which is not the value judged. */
static void read_target(struct page_call *pc, const struct query_read *q)
{
    const struct request *req = pc->req;
    const char *t = q->callback_len > 0 ? q->callback : NULL;
    size_t len = t != NULL ? q->callback_len : 0;

    if (t == NULL && req->redirect_url != NULL && *req->redirect_url != '\0' &&
        strncmp(req->redirect_url, PAGES_PREFIX, strlen(PAGES_PREFIX)) != 0) {
        t = req->redirect_url;
        if (req->redirect_query != NULL && *req->redirect_query != '\0')
            t = arena_printf(req->arena, "%s?%s", t, req->redirect_query);
        len = strlen(t);
    }
    pc->target = t;
    pc->target_len = len;
    pc->target_refused =
        t != NULL && (memchr(t, '\0', len) != NULL ||
                      !origin_redirect_allowed(&pc->app->origins, req->arena, t, len));
}

/* form_member - the form's fields; the last of a name wins. */
static void form_member(void *ctx, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        {"email", offsetof(struct page_form, email)},
        {"password", offsetof(struct page_form, password)},
        {"name", offsetof(struct page_form, name)},
        {"token", offsetof(struct page_form, token)},
        {"newPassword", offsetof(struct page_form, new_password)},
        {"rememberMe", offsetof(struct page_form, remember_me)},
        {"code", offsetof(struct page_form, code)},
        {"trustDevice", offsetof(struct page_form, trust_device)},
        {"method", offsetof(struct page_form, method)},
    };
    struct page_form *f = ctx;

    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strlen(fields[i].name) == name_len && memcmp(fields[i].name, name, name_len) == 0)
            *(struct form_value *)((char *)f + fields[i].offset) =
                (struct form_value){value, value_len};
    }
}

/* ------------------------------------------------------------------------------------------
 * The JSON body of the route */

/* json_quote - len bytes at s as a JSON string: '"', '\' and control characters escaped. */
static const char *json_quote(struct arena *a, const char *s, size_t len)
{
    char *out = arena_alloc(a, len * 6 + 3), *o = out;

    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* json_member - add "key":value, value being JSON text. */
static void json_member(struct json_body *b, const char *key, const char *value)
{
    b->text =
        arena_printf(b->a, "%s%s\"%s\":%s", b->text, b->text[1] != '\0' ? "," : "", key, value);
}

/* json_string - add "key":"s" for len bytes at s. */
static void json_string(struct json_body *b, const char *key, const char *s, size_t len)
{
    json_member(b, key, json_quote(b->a, s, len));
}

/* json_field - a form field as a string member; an absent field stays absent, so the route's
 * schema says what is missing. */
static void json_field(struct json_body *b, const char *key, const struct form_value *v)
{
    if (v->str != NULL)
        json_string(b, key, v->str, v->len);
}

/* json_target - the return target as callbackURL: the route checks it (403
 * INVALID_CALLBACK_URL) as it checks any client's. */
static void json_target(struct page_call *pc, struct json_body *b)
{
    if (pc->target != NULL)
        json_string(b, "callbackURL", pc->target, pc->target_len);
}

/* json_flag - a checkbox as a boolean member: "false" (a hidden default) is false, any other
 * value true; an absent one stays absent. */
static void json_flag(struct json_body *b, const char *key, const struct form_value *v)
{
    if (v->str != NULL)
        json_member(b, key, strcmp(v->str, "false") == 0 ? "false" : "true");
}

static void sign_in_body(struct page_call *pc, struct json_body *b)
{
    json_field(b, "email", &pc->form.email);
    json_field(b, "password", &pc->form.password);
    json_flag(b, "rememberMe", &pc->form.remember_me);
    json_target(pc, b);
}

static void sign_up_body(struct page_call *pc, struct json_body *b)
{
    json_field(b, "name", &pc->form.name);
    json_field(b, "email", &pc->form.email);
    json_field(b, "password", &pc->form.password);
    json_target(pc, b);
}

static void no_body(struct page_call *pc, struct json_body *b)
{
    json_target(pc, b);
}

/* page_url - a page's path with the return target as its callbackURL when there is one. */
static const char *page_url(const struct page_call *pc, const char *path)
{
    if (pc->target == NULL || pc->target_refused)
        return path;
    return arena_printf(pc->req->arena, "%s?callbackURL=%s", path,
                        pages_query_encode(pc->req->arena, pc->target));
}

/* forgot_body - the mail's link leads (through the API's token check) to the reset page,
 * which keeps the return target. */
static void forgot_body(struct page_call *pc, struct json_body *b)
{
    const char *to = page_url(pc, PAGES_PREFIX "reset-password");

    json_field(b, "email", &pc->form.email);
    json_string(b, "redirectTo", to, strlen(to));
    json_target(pc, b);
}

/* The two-factor page's forms: the form's method says which route checks the code (the
 * authenticator's when it says none). */
static const struct {
    const char *method;
    const char *api_path;
} two_factor_routes[] = {
    {"backup", API "/two-factor/verify-backup-code"},
    {"send-otp", API "/two-factor/send-otp"},
    {"otp", API "/two-factor/verify-otp"},
};

static void two_factor_body(struct page_call *pc, struct json_body *b)
{
    const char *method = pc->form.method.str != NULL ? pc->form.method.str : "";

    for (size_t i = 0; i < sizeof two_factor_routes / sizeof two_factor_routes[0]; i++)
        if (strcmp(two_factor_routes[i].method, method) == 0)
            pc->api_path = two_factor_routes[i].api_path;
    if (strcmp(method, "send-otp") == 0)
        return;
    json_field(b, "code", &pc->form.code);
    json_flag(b, "trustDevice", &pc->form.trust_device);
}

static void reset_body(struct page_call *pc, struct json_body *b)
{
    json_field(b, "newPassword", &pc->form.new_password);
    json_field(b, "token", &pc->form.token);
    json_target(pc, b);
}

/* ------------------------------------------------------------------------------------------
 * Answers */

/* html_headers - every page: no caching (a page may show an address), no framing (a sign-in
 * form in a frame is clickjacking), nothing loaded but our stylesheet. Referrer-Policy
 * same-origin keeps a reset link's token on the site and still lets a form POST carry its
 * Origin (no-referrer would make it "null"). No form-action: a 303 to a trusted origin of
 * another host would be blocked by it. */
static void html_headers(struct response *resp)
{
    response_header(resp, "Content-Type", "text/html; charset=utf-8");
    response_header(resp, "Cache-Control", "no-store");
    response_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'self'; img-src 'self'; "
                    "frame-ancestors 'none'; base-uri 'none'");
    response_header(resp, "Referrer-Policy", "same-origin");
    response_header(resp, "X-Content-Type-Options", "nosniff");
}

static const char *sign_in_url(const struct page_call *pc)
{
    return page_url(pc, PAGES_PREFIX "sign-in");
}

/* page_links - the other pages a page offers. */
static void page_links(const struct page_call *pc, enum page_template t, struct page_link *l)
{
    bool mail = mail_enabled(pc->app);

    switch (t) {
    case PAGE_SIGN_IN:
        if (mail)
            l[0] = (struct page_link){page_url(pc, PAGES_PREFIX "forgot-password"),
                                      "Forgot your password?"};
        if (sign_up_enabled(pc->app))
            l[1] = (struct page_link){page_url(pc, PAGES_PREFIX "sign-up"), "Create an account"};
        break;
    case PAGE_RESET_PASSWORD:
        l[0] =
            (struct page_link){page_url(pc, PAGES_PREFIX "forgot-password"), "Ask for a new link"};
        l[1] = (struct page_link){sign_in_url(pc), "Sign in"};
        break;
    case PAGE_SIGN_UP:
        l[0] = (struct page_link){sign_in_url(pc), "Already have an account? Sign in"};
        break;
    case PAGE_FORGOT_PASSWORD:
    case PAGE_TWO_FACTOR:
    case PAGE_MESSAGE:
        l[0] = (struct page_link){sign_in_url(pc), "Sign in"};
        break;
    default:
        break;
    }
}

/* page_otp - the two-factor page's e-mailed-code part: offered when the route can mail one
 * (twoFactorMethods has "otp" exactly then), its form once a code was sent or tried. */
static enum page_otp page_otp(const struct page_call *pc)
{
    const char *m = pc->form.method.str;

    if (pc->page->tmpl != PAGE_TWO_FACTOR || !mail_enabled(pc->app))
        return PAGE_OTP_OFF;
    if (pc->otp == PAGE_OTP_SENT || (m != NULL && strcmp(m, "otp") == 0))
        return PAGE_OTP_SENT;
    return PAGE_OTP_OFFER;
}

/* answer_view - page t (of pc's page, or a message) with status: the entered e-mail, name and
 * reset token kept, never a password. */
static void answer_view(struct page_call *pc, int status, enum page_template t, const char *error,
                        const char *title, const char *message)
{
    struct response *resp = pc->resp;
    struct page_fields f = {
        .title = title != NULL ? title : pc->page->title,
        .action = page_url(pc, pc->page->path),
        .email = pc->form.email.str,
        .name = pc->form.name.str,
        .token = pc->form.token.str,
        .message = message,
        .error = error,
        .otp = page_otp(pc),
    };
    char *html;

    page_links(pc, t, f.links);
    html = page_view_render(pc->app->pages, resp->arena, t, &f);
    html_headers(resp);
    resp->status = status;
    resp->body = html;
    resp->body_len = strlen(html);
}

static void answer_form(struct page_call *pc, int status, const char *error)
{
    answer_view(pc, status, pc->page->tmpl, error, NULL, NULL);
}

static void answer_message(struct page_call *pc, const char *title, const char *message)
{
    answer_view(pc, 200, PAGE_MESSAGE, NULL, title, message);
}

/* redirect - 303 See Other to target, composed as every Location is (origin_safe_location):
 * it cannot leave the trusted origins. */
static void redirect(struct page_call *pc, const char *target)
{
    struct origin_location loc = {.target = target};

    response_header(pc->resp, "Location",
                    origin_safe_location(&pc->app->origins, pc->resp->arena, &loc));
    response_header(pc->resp, "Cache-Control", "no-store");
    response_empty(pc->resp, 303);
}

/* copy_headers - what the route's answer says to the browser besides its body: its cookies
 * and when to try again. */
static void copy_headers(const struct response *inner, struct response *resp)
{
    static const char *const kept[] = {"Set-Cookie", "X-Retry-After", "Retry-After"};

    for (size_t i = 0; i < inner->nheaders; i++)
        for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
            if (strcasecmp(inner->headers[i].name, kept[k]) == 0)
                response_header(resp, inner->headers[i].name, inner->headers[i].value);
}

static bool sets_cookie(const struct response *inner)
{
    for (size_t i = 0; i < inner->nheaders; i++)
        if (strcasecmp(inner->headers[i].name, "Set-Cookie") == 0)
            return true;
    return false;
}

/* answer_member - member key of the route's JSON answer inner as text ("true" for true), in
 * the request's arena; NULL when there is none. */
static const char *answer_member(struct page_call *pc, const struct response *inner,
                                 const char *key)
{
    struct json_object *obj = inner->body != NULL ? json_tokener_parse(inner->body) : NULL;
    struct json_object *v = NULL;
    const char *text = NULL;

    if (obj != NULL && json_object_object_get_ex(obj, key, &v) && v != NULL)
        text = arena_strdup(pc->req->arena, json_object_get_string(v));
    json_object_put(obj);
    return text;
}

/* two_factor_asked - whether the sign-in answer is the twoFactor plugin's
 * {"twoFactorRedirect":true,...}: the session waits for the second step. */
static bool two_factor_asked(struct page_call *pc, const struct response *inner)
{
    const char *flag = answer_member(pc, inner, "twoFactorRedirect");

    return flag != NULL && strcmp(flag, "true") == 0;
}

/* signed_in - to the return target; or, when the account asks for a second factor, to the
 * two-factor page with the route's two_factor cookie. */
static void signed_in(struct page_call *pc, struct response *inner)
{
    copy_headers(inner, pc->resp);
    if (two_factor_asked(pc, inner))
        redirect(pc, page_url(pc, PAGES_PREFIX "two-factor"));
    else
        redirect(pc, pc->target != NULL ? pc->target : "/");
}

/* signed_up - a session when the address needs no verification; otherwise the mail. */
static void signed_up(struct page_call *pc, struct response *inner)
{
    if (sets_cookie(inner)) {
        signed_in(pc, inner);
        return;
    }
    answer_message(pc, "Check your e-mail",
                   "We sent you a link to confirm your e-mail address. Open it, then sign in.");
}

static void signed_out(struct page_call *pc, struct response *inner)
{
    copy_headers(inner, pc->resp);
    redirect(pc, pc->target != NULL ? pc->target : PAGES_PREFIX "sign-in");
}

static void reset_requested(struct page_call *pc, struct response *inner)
{
    (void)inner;
    answer_message(pc, "Check your e-mail",
                   "If an account uses this address, we sent it a link to choose a new "
                   "password. The link works once and for a limited time.");
}

/* two_factor_done - a right code signs in; a mailed code is announced on the page. */
static void two_factor_done(struct page_call *pc, struct response *inner)
{
    if (strcmp(pc->api_path, API "/two-factor/send-otp") != 0) {
        signed_in(pc, inner);
        return;
    }
    copy_headers(inner, pc->resp);
    pc->otp = PAGE_OTP_SENT;
    answer_form(pc, 200, NULL);
}

static void password_reset(struct page_call *pc, struct response *inner)
{
    copy_headers(inner, pc->resp);
    pc->form.token = (struct form_value){0};
    answer_message(pc, "Password changed", "Your password was changed. Sign in with the new one.");
}

/* ------------------------------------------------------------------------------------------
 * The route's outcome */

/* What a person is told for the route's error codes; other errors show the route's message. */
static const struct {
    const char *code;
    const char *text;
} error_texts[] = {
    {"INVALID_EMAIL_OR_PASSWORD", "The e-mail address or the password is wrong."},
    {"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
     "An account with this e-mail address exists already: sign in, or use another address."},
    {"PASSWORD_TOO_SHORT", "The password is too short: use at least 8 characters."},
    {"PASSWORD_TOO_LONG", "The password is too long: use at most 128 characters."},
    {"INVALID_EMAIL", "Enter a valid e-mail address."},
    {"VALIDATION_ERROR", "Fill in every field: the e-mail address must be a valid one."},
    {"EMAIL_NOT_VERIFIED",
     "Confirm your e-mail address first: open the link we sent you, then sign in."},
    {"INVALID_TOKEN", "This link is invalid or has expired. Ask for a new one."},
    {"INVALID_CALLBACK_URL", "The address to return to after this page is not allowed here."},
    {"MISSING_OR_NULL_ORIGIN", "This form was sent from another site and was refused."},
    {"INVALID_ORIGIN", "This form was sent from another site and was refused."},
    {"CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
     "This form was sent from another site and was refused."},
    {"INVALID_CODE", "The code is wrong or has expired. Try again."},
    {"INVALID_BACKUP_CODE", "The backup code is wrong or was used already."},
    {"TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "Too many wrong codes. Sign in again."},
    {"OTP_HAS_EXPIRED", "The code we e-mailed has expired. Ask for a new one."},
    {"OTP_NOT_CONFIGURED", "Codes by e-mail are not available here."},
    {"TOTP_NOT_ENABLED", "Your account has no authenticator app: use a backup code."},
    {"BACKUP_CODES_NOT_ENABLED", "Your account has no backup codes."},
};

/* error_text - the words for the route's error answer inner. */
static const char *error_text(struct page_call *pc, const struct response *inner)
{
    const char *message = answer_member(pc, inner, "message");
    const char *code = answer_member(pc, inner, "code");

    if (inner->status == 429)
        return "Too many attempts. Wait a moment, then try again.";
    if (inner->status >= 500)
        return "The service is unavailable right now. Please try again in a moment.";
    for (size_t i = 0; code != NULL && i < sizeof error_texts / sizeof error_texts[0]; i++)
        if (strcmp(error_texts[i].code, code) == 0)
            return error_texts[i].text;
    return message != NULL ? message : "Something went wrong. Please try again.";
}

/* error_is - whether the route's error answer inner has this code. */
static bool error_is(struct page_call *pc, const struct response *inner, const char *code)
{
    const char *c = answer_member(pc, inner, "code");

    return c != NULL && strcmp(c, code) == 0;
}

/* dispatch - the form as the JSON body of the page's route, through the router as any client's
 * request: the outcome is in *inner. Work the route deferred (a reset mail) goes with the
 * page's answer and runs after this returns: the request it keeps a pointer to lives in the
 * arena, not on this stack (it was read there after the frame was gone). */
static void dispatch(struct page_call *pc, struct response *inner)
{
    struct request *r = arena_alloc(pc->req->arena, sizeof(*r));
    struct json_body b = {.a = pc->req->arena, .text = "{"};

    *r = *pc->req;
    pc->api_path = pc->page->api_path;
    pc->page->body(pc, &b);
    r->path = pc->api_path;
    r->query = "";
    r->content_type = "application/json";
    r->body = arena_printf(b.a, "%s}", b.text);
    r->body_len = strlen(r->body);
    r->redirect_url = NULL;
    r->redirect_query = NULL;
    r->redirect_status = NULL;
    response_init(inner, pc->resp->arena);
    router_dispatch(pc->app, r, inner);
    if (inner->deferred != NULL)
        response_defer(pc->resp, inner->deferred, inner->deferred_ctx);
}

/* form_from_elsewhere - whether the browser says the form came from another site: an Origin
 * (else a Referer) that is "null" or not trusted, or with neither, Sec-Fetch-Site cross-site.
 * The pages send Referrer-Policy same-origin, so their own forms carry their origin. Stricter
 * than the JSON API, which takes forgot-password without a cookie from anywhere (as Better
 * Auth does): a form, unlike a JSON POST, needs no preflight, so any site could have its
 * visitors' browsers send one (reset mails for many addresses, from as many IP addresses).
 * A client that sends none of the three (not a browser) goes on to the route's own checks. */
static bool form_from_elsewhere(const struct page_call *pc)
{
    const struct request *req = pc->req;
    const char *from = req->origin != NULL && *req->origin != '\0' ? req->origin : req->referer;

    if (from == NULL || *from == '\0')
        return req->sec_fetch_site != NULL && strcmp(req->sec_fetch_site, "cross-site") == 0;
    return strcmp(from, "null") == 0 ||
           !origin_is_trusted(&pc->app->origins, req->arena, from, strlen(from));
}

/* post_form - a page's form sent: through the route, then a redirect or the form again. */
static void post_form(struct page_call *pc)
{
    const struct request *req = pc->req;
    struct response inner;

    if (!http_media_type_is(req->content_type, "application/x-www-form-urlencoded")) {
        answer_form(pc, 415, "The form could not be read. Please send it again.");
        return;
    }
    if (req->body_too_large) {
        answer_form(pc, 413, "The form is too large.");
        return;
    }
    if (form_from_elsewhere(pc)) {
        answer_form(pc, 403, "This form was sent from another site and was refused.");
        return;
    }
    if (req->body != NULL)
        url_form_parse(req->arena, req->body, req->body_len, form_member, &pc->form);
    if (pc->target_refused && pc->page->tmpl == PAGE_TWO_FACTOR) { /* no route checks it */
        answer_form(pc, 403, "The address to return to after this page is not allowed here.");
        return;
    }
    dispatch(pc, &inner);
    if (inner.status >= 200 && inner.status < 300) {
        pc->page->done(pc, &inner);
    } else if (inner.body == NULL) { /* a route turned off (404), a client gone (499) */
        response_empty(pc->resp, inner.status);
    } else if (error_is(pc, &inner, "INVALID_TWO_FACTOR_COOKIE")) { /* the sign-in expired */
        copy_headers(&inner, pc->resp);
        redirect(pc, sign_in_url(pc));
    } else {
        copy_headers(&inner, pc->resp);
        answer_form(pc, inner.status, error_text(pc, &inner));
    }
}

/* error_document_status - 200, or the 4xx of the error whose document the page is (Apache's
 * ErrorDocument 401 /auth/sign-in sets REDIRECT_STATUS): the denied request must not turn
 * into a 200, which Apache would send when the document says so. */
static int error_document_status(const struct request *req)
{
    const char *s = req->redirect_status;

    if (s != NULL && strlen(s) == 3 && s[0] == '4' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9')
        return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return 200;
}

/* sign_in_pending - whether the request carries a (signed) two_factor cookie: without one the
 * two-factor page has nothing to check a code for. */
static bool sign_in_pending(const struct page_call *pc)
{
    char value[COOKIE_VALUE_MAX + 1];

    return cookie_read_signed(&pc->app->cookies, pc->req->cookie, COOKIE_TWO_FACTOR, value,
                              sizeof(value)) == COOKIE_OK;
}

/* show_form - GET: the empty form; 403 with the error when the return target is refused (it
 * is dropped from the form). The reset page reads its token (or the API's error) from the
 * query, where the mail's link put it. */
static void show_form(struct page_call *pc, const struct query_read *q)
{
    if (pc->page->tmpl == PAGE_RESET_PASSWORD) {
        pc->form.token = (struct form_value){q->token, q->token != NULL ? strlen(q->token) : 0};
        if (q->error != NULL || q->token == NULL || *q->token == '\0') {
            answer_form(pc, 400, "This link is invalid or has expired. Ask for a new one.");
            return;
        }
    }
    if (pc->page->tmpl == PAGE_TWO_FACTOR && !sign_in_pending(pc)) {
        redirect(pc, sign_in_url(pc));
        return;
    }
    if (pc->target_refused)
        answer_form(pc, 403, "The address to return to after this page is not allowed here.");
    else
        answer_form(pc, error_document_status(pc->req), NULL);
}

static void serve_style(struct page_call *pc)
{
    const char *css = page_view_style(pc->app->pages);

    if (strcmp(pc->req->method, "GET") != 0) {
        response_header(pc->resp, "Allow", "GET");
        response_empty(pc->resp, 405);
        return;
    }
    response_header(pc->resp, "Content-Type", "text/css; charset=utf-8");
    response_header(pc->resp, "Cache-Control", "public, max-age=3600");
    response_header(pc->resp, "X-Content-Type-Options", "nosniff");
    pc->resp->status = 200;
    pc->resp->body = css;
    pc->resp->body_len = strlen(css);
}

/* pages_serve - see pages.h. */
void pages_serve(struct app *app, struct request *req, struct response *resp)
{
    struct page_call pc = {.app = app, .req = req, .resp = resp};
    struct query_read q = {0};

    pc.page = find_page(app, req->path);
    if (pc.page == NULL) {
        response_empty(resp, 404);
        return;
    }
    if (pc.page->tmpl == PAGE_STYLE) {
        serve_style(&pc);
        return;
    }
    url_form_parse(req->arena, req->query, strlen(req->query), query_member, &q);
    read_target(&pc, &q);
    if (strcmp(req->method, "GET") == 0) {
        show_form(&pc, &q);
    } else if (strcmp(req->method, "POST") == 0) {
        post_form(&pc);
    } else {
        response_header(resp, "Allow", "GET, POST");
        response_empty(resp, 405);
    }
}
