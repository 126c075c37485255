/* check_handlers - the Better Auth API through router_dispatch against the fake store: every
 * endpoint's success path and recorded errors, compared with Better Auth 1.7.25's answers
 * (the transcript section proving each expectation is named as [main-NN] and the like), and
 * every store operation of every endpoint made to fail. The server secret is the reference
 * peer's, so signed cookie values are compared byte for byte with the recorded ones. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "account_guard.h"
#include "app.h"
#include "arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "http.h"
#include "password.h"
#include "router.h"
#include "session.h"
#include "settings.h"

/* ---- the reference peer's configuration (auth.mjs) --------------------------------------- */

#define FORM_CT "application/x-www-form-urlencoded"
#define UA "Mozilla/5.0 (X11) TestUA"

/* More session tokens and their cookies as the reference peer signed them. */
#define K_TOKEN "K3X3yX5ocA2fDnWKcrPspOKpYnOAVkqi"
#define K_COOKIE COOKIE_PAIR(K_TOKEN, "B36vAvC0tXKLwbg%2FKL0yvyYUEVS6u%2B%2FlaJ4KBjbxRms%3D")
#define R_TOKEN "n2B7u3hvZDTlvFEifUe60i34RfVt6HOx"
#define R_COOKIE COOKIE_PAIR(R_TOKEN, "s4EhlvF7h7uEbp54UrqXQ9%2FSWrhjWUKeGX38ydmuHHQ%3D")
#define O_TOKEN "ouldIkEAoP816RZruc4clZhNiiJYtCFd"
#define O_COOKIE COOKIE_PAIR(O_TOKEN, "3iHsIXnjIV2n5Gq6o5JFX8JJq4IBb%2BOoQPJsHCCd3M0%3D")
#define D_TOKEN "DQLSJPsgE5HT3BzOPuhKuqRmMrh8Ulh9"
#define D_COOKIE COOKIE_PAIR(D_TOKEN, "2DA4U9KvWfGM%2BxyJ34yJu0J0MSTEqJLeAWdQcwWsh8I%3D")
#define M_TOKEN "4MYzqU5N6GuJzmKqCiiMWUBBnSSZni3R"
#define M_COOKIE COOKIE_PAIR(M_TOKEN, "OdhiMWKsDuOPxT3oNk4LaJ9hXSyLOdHsGPIH8LjoNY8%3D")
#define S_TOKEN "rRyap5Pzwow9aA2vGzP17CW9uFj50hKO"
#define S_COOKIE COOKIE_PAIR(S_TOKEN, "FQNrCSvvGh4o%2BN8kBKuTEkZw56dJt1ziO7JrZgc97yA%3D")
#define V_TOKEN "vxxxTj4yUHxFo8o7l29hQgbT5KP0eEcq"
#define V_COOKIE COOKIE_PAIR(V_TOKEN, "j58e3QA7g57ZzMiowtX9Fasmv2hjA4YBY5DqFnU7eVY%3D")
#define L_TOKEN "RLRbf7Mskyy9VRTczyddl4Ib9YVRGjwM"
#define L_COOKIE COOKIE_PAIR(L_TOKEN, "UL41saLkYBnPIOGHkSwe5GYX9Ivt4ZyWC1fvvCXMl5U%3D")
#define W_TOKEN "wZ7wPndvaxUsbZdJ59VREr4sQznMm3p4"
#define W_SIG_RAW "SpuEJGfcaqmwhMPaY4tQvvh22hUAY+EH1fTU+Q93x48="
#define W_COOKIE COOKIE_PAIR(W_TOKEN, "SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D")
#define C_TOKEN "ChVwZOSehQfniLvIPg7KL19VpB7f084Y"
#define C_SIGNED C_TOKEN ".7t/tWMPksvkiRJ7deuY+BYQpt+aMQiOW3aypZ5FbIlc="
#define C_COOKIE COOKIE_PAIR(C_TOKEN, "7t%2FtWMPksvkiRJ7deuY%2BBYQpt%2BaMQiOW3aypZ5FbIlc%3D")
#define A2_TOKEN "hlAmFRWhqTQ1Dm2GdTG3SlFwgaRnjfJ6"
#define B_TOKEN "5YcVFEiGs30Yow3DOFUKNyjnoU6K17l0"

#define ATTRS "; Path=/; HttpOnly; SameSite=Lax"
#define LIVE "; Max-Age=604800" ATTRS
#define DONT_REMEMBER_LINE                                                                         \
    "better-auth.dont_remember=true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D" ATTRS
#define DONT_REMEMBER_PAIR                                                                         \
    "better-auth.dont_remember=true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D"

static const char *const deletion[3] = {
    "better-auth.session_token=; Max-Age=0" ATTRS,
    "better-auth.session_data=; Max-Age=0" ATTRS,
    "better-auth.dont_remember=; Max-Age=0" ATTRS,
};

/* Recorded error bodies. */
#define E_MISSING_ORIGIN                                                                           \
    "{\"message\":\"Missing or null Origin\",\"code\":\"MISSING_OR_NULL_ORIGIN\"}"
#define E_INVALID_ORIGIN "{\"message\":\"Invalid origin\",\"code\":\"INVALID_ORIGIN\"}"
#define E_CROSS_SITE                                                                               \
    "{\"message\":\"Cross-site navigation login blocked. This request appears to be a CSRF "       \
    "attack.\",\"code\":\"CROSS_SITE_NAVIGATION_LOGIN_BLOCKED\"}"
#define E_BAD_JSON "{\"message\":\"Invalid JSON in request body\",\"code\":\"BAD_REQUEST\"}"
#define E_INVALID_PASSWORD "{\"message\":\"Invalid password\",\"code\":\"INVALID_PASSWORD\"}"
#define E_EXISTS                                                                                   \
    "{\"message\":\"User already exists. Use another email.\",\"code\":"                           \
    "\"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL\"}"
#define E_415_SIGN                                                                                 \
    "{\"message\":\"Content-Type \\\"text/plain\\\" is not allowed. Allowed types: "               \
    "application/x-www-form-urlencoded, application/json\",\"code\":\"UNSUPPORTED_MEDIA_TYPE\"}"
#define UNDEF(f) "[body." f "] Invalid input: expected string, received undefined"
#define E_TOO_MANY "{\"message\":\"Too many requests. Please try again later.\"}"

/* ---- the world of one test --------------------------------------------------------------- */

struct config {
    bool hash;       /* AUTHFCGI_SESSION_STORAGE=hash (else plain, as Better Auth stores) */
    bool bearer;     /* the bearer plugin's behaviour */
    bool bearer_unsigned; /* AUTHFCGI_BEARER_UNSIGNED: a bare token counts too */
    bool rate_limit; /* AUTHFCGI_RATE_LIMIT */
    bool guard;      /* AUTHFCGI_ACCOUNT_GUARD (acts only with rate_limit) */
    bool no_delete;  /* AUTHFCGI_DELETE_USER off */
    const char *base_url;
    const char *trusted_proxies;
};

static struct fake_store *fs;
static struct arena *arena;
static struct settings settings;
static struct app app;
static bool app_ready;
static struct json_object *parsed;

/* configure - (re)build the app as a worker would from settings. The transcripts' main group
 * ran without the bearer plugin and without rate limiting, with tokens stored as given. */
static void configure(struct config cfg)
{
    char err[256];

    if (app_ready)
        app_free(&app);
    settings = (struct settings){
        .secret = SECRET,
        .base_url = (char *)(cfg.base_url != NULL ? cfg.base_url : BASE_URL),
        .trusted_origins = FRONT,
        .session_storage = cfg.hash ? "hash" : "plain",
        .bearer = cfg.bearer,
        .bearer_unsigned = cfg.bearer_unsigned,
        .rate_limit = cfg.rate_limit,
        .account_guard = cfg.guard,
        .trusted_proxies = (char *)cfg.trusted_proxies,
        .password_hash = "yescrypt",
        .password_cost = 1,
        .delete_user = !cfg.no_delete,
    };
    ck_assert_msg(app_init(&app, &settings, fake_store_store(fs), err, sizeof(err)) == 0, "%s",
                  err);
    app_ready = true;
}

static void world_new(void)
{
    fs = fake_store_new();
    arena = arena_create(64 * 1024);
    app_ready = false;
    parsed = NULL;
    configure((struct config){0});
}

static void world_free(void)
{
    json_object_put(parsed);
    parsed = NULL;
    if (app_ready)
        app_free(&app);
    app_ready = false;
    fake_store_free(fs);
    arena_destroy(arena);
}

static void setup(void)
{
    world_new();
}

static void teardown(void)
{
    world_free();
}

/* ---- requests and responses -------------------------------------------------------------- */

static struct response dispatch(struct request req)
{
    return handler_harness_dispatch(&app, arena, req);
}

#define assert_deletion(r) handler_harness_check_cookies(&(r), 3, deletion)

/* body_json - parse the response body (kept until the next call or the end of the test). */
static struct json_object *body_json(const struct response *r)
{
    json_object_put(parsed);
    ck_assert_ptr_nonnull(r->body);
    parsed = json_tokener_parse(r->body);
    ck_assert_msg(parsed != NULL, "body is not JSON: %s", r->body);
    return parsed;
}

/* jget - a member by dotted path ("user.email", "0.token"); asserts it exists. */
static struct json_object *jget(struct json_object *o, const char *path)
{
    char buf[128], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *part = strtok_r(buf, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save)) {
        struct json_object *next = NULL;

        if (json_object_is_type(o, json_type_array)) {
            ck_assert_msg((size_t)atoi(part) < json_object_array_length(o), "no %s", path);
            next = json_object_array_get_idx(o, (size_t)atoi(part));
        } else {
            ck_assert_msg(json_object_object_get_ex(o, part, &next), "no member %s", path);
        }
        o = next;
    }
    return o;
}

static const char *jstr(struct json_object *o, const char *path)
{
    struct json_object *v = jget(o, path);

    ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", path);
    return json_object_get_string(v);
}

/* ---- what Better Auth would send, computed independently --------------------------------- */

/* signed_forms - token "." base64(HMAC-SHA256(secret, token)) as decoded (set-auth-token) and
 * encodeURIComponent'ed (cookie) text, computed here with libcrypto directly. */
static void signed_forms(const char *token, char **decoded, char **encoded)
{
    unsigned char mac[EVP_MAX_MD_SIZE], b64[64];
    unsigned int maclen = 0;
    char enc[256];
    size_t n = 0;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
                               (const unsigned char *)token, strlen(token), mac, &maclen));
    ck_assert_int_eq(EVP_EncodeBlock(b64, mac, (int)maclen), 44);
    *decoded = arena_printf(arena, "%s.%s", token, b64);
    for (const char *p = *decoded; *p != '\0'; p++) {
        const char *esc = *p == '+' ? "%2B" : *p == '/' ? "%2F" : *p == '=' ? "%3D" : NULL;

        if (esc != NULL) {
            memcpy(enc + n, esc, 3);
            n += 3;
        } else {
            enc[n++] = *p;
        }
    }
    enc[n] = '\0';
    *encoded = arena_strdup(arena, enc);
}

/* session_line - the Set-Cookie value Better Auth sends for a live session. */
static const char *session_line(const char *token, bool max_age)
{
    char *decoded, *encoded;

    signed_forms(token, &decoded, &encoded);
    return arena_printf(arena, "better-auth.session_token=%s%s", encoded, max_age ? LIVE : ATTRS);
}

static const char *session_cookie(const char *token)
{
    char *decoded, *encoded;

    signed_forms(token, &decoded, &encoded);
    return arena_printf(arena, "better-auth.session_token=%s", encoded);
}

static const char *iso(int64_t ms)
{
    char buf[FAKE_ISO_SIZE];

    fake_store_iso(ms, buf);
    return arena_strdup(arena, buf);
}

/* user_json - Better Auth's user object for a row of the fake, keys in its order [main-04]. */
static const char *user_json(const char *id)
{
    struct fake_user *u = fake_store_user(fs, id);

    ck_assert_ptr_nonnull(u);
    return arena_printf(arena,
                        "{\"name\":\"%s\",\"email\":\"%s\",\"emailVerified\":%s,\"image\":%s%s%s,"
                        "\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"id\":\"%s\"}",
                        u->name, u->email, u->email_verified ? "true" : "false",
                        u->image != NULL ? "\"" : "", u->image != NULL ? u->image : "null",
                        u->image != NULL ? "\"" : "", iso(u->created_ms), iso(u->updated_ms),
                        u->id);
}

/* session_json - Better Auth's session object [main-20], showing token as the client sees it. */
static const char *session_json(const struct fake_session *s, const char *token)
{
    return arena_printf(arena,
                        "{\"expiresAt\":\"%s\",\"token\":\"%s\",\"createdAt\":\"%s\","
                        "\"updatedAt\":\"%s\",\"ipAddress\":\"%s\",\"userAgent\":\"%s\","
                        "\"userId\":\"%s\",\"id\":\"%s\"}",
                        iso(s->expires_ms), token, iso(s->created_ms), iso(s->updated_ms),
                        s->ip_address, s->user_agent, s->user_id, s->id);
}

/* ---- seeding ----------------------------------------------------------------------------- */

static void seed_alice(void)
{
    handler_harness_seed_alice(fs, &app);
}

static void seed_bob(void)
{
    handler_harness_seed_bob(fs, &app);
}

/* seed_session - a session created created_ago_ms ago that expires expires_in_ms from now,
 * stored in the configured form. */
static struct fake_session *seed_session(const char *id, const char *raw, const char *user_id,
                                         int64_t created_ago_ms, int64_t expires_in_ms)
{
    char stored[SESSION_STORED_TOKEN_SIZE];
    int64_t now = fake_store_now_ms();

    ck_assert_int_eq(session_stored_token(&app, raw, stored), 0);
    return fake_store_add_session(fs, id, stored, user_id, UA, now - created_ago_ms,
                                  now + expires_in_ms);
}

/* A session an hour old, last extended when it was created: neither due for the sliding
 * refresh nor stale. */
static struct fake_session *seed_live(const char *id, const char *raw, const char *user_id)
{
    return seed_session(id, raw, user_id, HOUR_MS, 7 * DAY_MS - HOUR_MS);
}

static struct fake_session *session_of(const char *raw)
{
    char stored[SESSION_STORED_TOKEN_SIZE];

    ck_assert_int_eq(session_stored_token(&app, raw, stored), 0);
    return fake_store_session_by_token(fs, stored);
}

/* long_string - count copies of unit. */
static const char *long_string(const char *unit, int count)
{
    size_t n = strlen(unit);
    char *s = arena_alloc(arena, n * (size_t)count + 1);

    for (int i = 0; i < count; i++)
        memcpy(s + n * (size_t)i, unit, n);
    return s;
}

static bool is_token(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* ==== POST /sign-up/email ================================================================= */

/* [main-04] success without Origin or Cookie: token, user, a 7-day cookie and three rows. */
START_TEST(test_sign_up_success)
{
    struct response r = POST_JSON("/sign-up/email", .user_agent = "ref-client/1.0",
                                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                                          "\",\"name\":\"Alice\"}");
    struct json_object *j;
    struct fake_user *u;
    struct fake_account *acc;
    struct fake_session *s;
    const char *token;

    assert_status(r, 200);
    j = body_json(&r);
    token = jstr(j, "token");
    ck_assert_msg(is_token(token), "token %s", token);
    u = fake_store_user_by_email(fs, ALICE_EMAIL);
    ck_assert_ptr_nonnull(u);
    ck_assert_msg(is_token(u->id), "user id %s", u->id);
    ck_assert_int_eq(u->created_ms, u->updated_ms);
    ck_assert(!u->email_verified);
    ck_assert_ptr_null(u->image);
    assert_answer(r, 200,
                  arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", token, user_json(u->id)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_ptr_null(handler_harness_header(&r, "set-auth-token"));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));

    /* [main-04] the rows: credential account, session with the User-Agent, 7 days. */
    acc = fake_store_credential(fs, u->id);
    ck_assert_ptr_nonnull(acc);
    ck_assert_str_eq(acc->account_id, u->id);
    ck_assert_str_eq(acc->provider_id, "credential");
    ck_assert_msg(strncmp(acc->password, "$y$", 3) == 0, "hash %s", acc->password);
    ck_assert_msg(is_token(acc->id), "account id %s", acc->id);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
    s = fake_store_session_at(fs, 0);
    ck_assert_str_eq(s->token, token); /* plain storage */
    ck_assert_str_eq(s->user_id, u->id);
    ck_assert_str_eq(s->user_agent, "ref-client/1.0");
    ck_assert_str_eq(s->ip_address, PEER);
    ck_assert_msg(is_token(s->id), "session id %s", s->id);
    ck_assert_int_eq(s->expires_ms - s->created_ms, 7 * DAY_MS);
}
END_TEST

/* [main-05] trusted Origin, mixed-case e-mail, image, rememberMe:false: a browser-session
 * cookie, the dont_remember cookie, and a one-day row. */
START_TEST(test_sign_up_remember_false)
{
    struct response r = POST_JSON(
        "/sign-up/email", .origin = FRONT,
        .body = "{\"email\":\"Bob.632735@Example.COM\",\"password\":\"password123\",\"name\":"
                "\"Bob\",\"image\":\"https://img.example/b.png\",\"rememberMe\":false}");
    struct json_object *j;
    struct fake_user *u = fake_store_user_by_email(fs, BOB_EMAIL);
    const char *lines[2];

    assert_status(r, 200);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->image, "https://img.example/b.png");
    j = body_json(&r);
    assert_answer(
        r, 200,
        arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", jstr(j, "token"), user_json(u->id)));
    /* JSON.stringify leaves '/' alone. */
    ck_assert_ptr_nonnull(strstr(r.body, "\"image\":\"https://img.example/b.png\""));
    lines[0] = session_line(jstr(j, "token"), false);
    lines[1] = DONT_REMEMBER_LINE;
    handler_harness_check_cookies(&r, 2, lines);
    ck_assert_int_eq(fake_store_session_at(fs, 0)->expires_ms -
                         fake_store_session_at(fs, 0)->created_ms,
                     DAY_MS);
}
END_TEST

/* [main-06] duplicate e-mail in any case: 422 before any hashing or insert. */
START_TEST(test_sign_up_duplicate)
{
    static const char *const emails[] = {ALICE_EMAIL, "ALICE.632735@EXAMPLE.COM"};

    seed_alice();
    for (size_t i = 0; i < 2; i++) {
        struct response r = POST_JSON(
            "/sign-up/email",
            .body = arena_printf(arena,
                                 "{\"email\":\"%s\",\"password\":\"password123\",\"name\":"
                                 "\"Alice2\"}",
                                 emails[i]));

        assert_answer(r, 422, E_EXISTS);
        assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);
    ck_assert_uint_eq(fake_store_user_count(fs), 1);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* A concurrent duplicate passes the lookup and meets the unique constraint: still 422. */
START_TEST(test_sign_up_duplicate_race)
{
    struct response r;

    fake_store_fail(fs, FAKE_OP_SIGN_UP, DB_CONFLICT, 0);
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"race@example.com\",\"password\":\"password123\",\"name\":"
                          "\"R\"}");
    assert_answer(r, 422, E_EXISTS);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* Refused sign-ups: every recorded validation answer [main-07, main-08, main-09, main-11],
 * and UTF-16 counting of the length limits. Nothing is written, no cookie is set. */
static const struct {
    const char *content_type;
    const char *body;    /* NULL = no body */
    const char *pw_unit; /* non-NULL: body built with pw_count copies of pw_unit + pw_tail */
    int pw_count;
    const char *pw_tail;
    int status;
    const char *answer;
} sign_up_refused[] = {
    /* [main-07] */
    {JSON_CT, "{\"email\":\"not-an-email\",\"password\":\"password123\",\"name\":\"X\"}", NULL, 0,
     NULL, 400, E_VALIDATION("[body.email] Invalid email address")},
    {JSON_CT, "{\"email\":\"\",\"password\":\"password123\",\"name\":\"X\"}", NULL, 0, NULL, 400,
     E_VALIDATION("[body.email] Invalid email address")},
    /* [main-08] */
    {JSON_CT, NULL, "1234567", 1, "", 400, E_TOO_SHORT},
    {JSON_CT, NULL, "a", 129, "", 400, E_TOO_LONG},
    {JSON_CT, "{\"email\":\"empty@example.com\",\"password\":\"\",\"name\":\"X\"}", NULL, 0, NULL,
     400, E_VALIDATION("[body.password] Too small: expected string to have >=1 characters")},
    /* UTF-16 units, not bytes and not code points (PROTOCOL.md §5): three astral characters
     * are 12 bytes but 6 units; 65 of them are 130 units; 127 + a pair is 129. */
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 3, "", 400, E_TOO_SHORT},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 65, "", 400, E_TOO_LONG},
    {JSON_CT, NULL, "a", 127, "\xF0\x9F\x98\x80", 400, E_TOO_LONG},
    {JSON_CT, NULL, "\xC3\xA9", 7, "", 400, E_TOO_SHORT},
    /* [main-09] */
    {JSON_CT, "{\"email\":\"noname@example.com\",\"password\":\"password123\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name"))},
    {JSON_CT, "{\"name\":\"X\",\"password\":\"password123\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("email"))},
    {JSON_CT, "{\"email\":\"nopw@example.com\",\"name\":\"X\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("password"))},
    {JSON_CT, "{}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name") "; " UNDEF("email") "; " UNDEF("password"))},
    {JSON_CT, "{\"email\":\"types@example.com\",\"password\":12345678,\"name\":5}", NULL, 0, NULL,
     400,
     E_VALIDATION("[body.name] Invalid input: expected string, received number; "
                  "[body.password] Invalid input: expected string, received number")},
    {JSON_CT,
     "{\"email\":\"rm@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"rememberMe\":\"no\"}",
     NULL, 0, NULL, 400,
     E_VALIDATION("[body.rememberMe] Invalid input: expected boolean, received string")},
    {NULL, NULL, NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received undefined; [body] Invalid "
                  "input: expected record, received undefined")},
    {JSON_CT, "[]", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received array; [body] Invalid "
                  "input: expected record, received array")},
    {JSON_CT, "null", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received null; [body] Invalid input: "
                  "expected record, received null")},
    /* [main-11] */
    {JSON_CT, "{\"email\": \"x@example.com\",", NULL, 0, NULL, 400, E_BAD_JSON},
    {"text/plain", "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 415, E_415_SIGN},
    {NULL, "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received undefined; [body] Invalid "
                  "input: expected record, received undefined")},
    {"application/json; charset=utf-8", "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name") "; " UNDEF("password"))},
};

START_TEST(test_sign_up_refused)
{
    const char *body = sign_up_refused[_i].body;
    struct response r;

    if (sign_up_refused[_i].pw_unit != NULL)
        body = arena_printf(arena,
                            "{\"email\":\"pw@example.com\",\"password\":\"%s%s\",\"name\":\"X\"}",
                            long_string(sign_up_refused[_i].pw_unit, sign_up_refused[_i].pw_count),
                            sign_up_refused[_i].pw_tail);
    r = POST("/sign-up/email", .content_type = sign_up_refused[_i].content_type, .body = body);
    assert_answer(r, sign_up_refused[_i].status, sign_up_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* Accepted sign-ups: the length limits inclusive [main-08], counted in UTF-16 units, unknown
 * keys ignored [main-10], form bodies [main-11], trusted Referer [main-12], relative and
 * trusted callbackURL [main-13], "Origin: null" with Sec-Fetch-Site same-origin (§17). */
static const struct {
    const char *content_type;
    const char *body; /* NULL: built from pw_unit x pw_count */
    const char *pw_unit;
    int pw_count;
    const char *origin, *referer, *sec_fetch_site;
    const char *email; /* stored, lower-cased */
    const char *name;
} sign_up_accepted[] = {
    {JSON_CT, NULL, "12345678", 1, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "a", 128, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xC3\xA9", 8, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xC3\xA9", 128, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 4, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 64, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"extra.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"emailVerified\":true,\"foo\":\"bar\",\"id\":\"chosen-id\"}",
     NULL, 0, NULL, NULL, NULL, "extra.632735@example.com", "X"},
    {FORM_CT, "email=form.632735%40example.com&password=password123&name=Form+User", NULL, 0, NULL,
     NULL, NULL, "form.632735@example.com", "Form User"},
    {JSON_CT,
     "{\"email\":\"csrf6.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}", NULL,
     0, NULL, FRONT "/signup?x=1", NULL, "csrf6.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"o.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}",
     NULL, 0, BASE_URL, NULL, NULL, "o.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"n.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}",
     NULL, 0, "null", NULL, "same-origin", "n.632735@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"cb3.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"callbackURL\":\"/welcome\"}",
     NULL, 0, NULL, NULL, NULL, "cb3.632735@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"cb4.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"callbackURL\":\"http://localhost:8080/app/welcome?x=1\"}",
     NULL, 0, NULL, NULL, NULL, "cb4.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"Mixed.Case@EXAMPLE.com\",\"password\":\"password123\",\"name\":\"\"}",
     NULL, 0, NULL, NULL, NULL, "mixed.case@example.com", ""},
};

START_TEST(test_sign_up_accepted)
{
    const char *body = sign_up_accepted[_i].body;
    struct response r;
    struct json_object *j;
    struct fake_user *u;

    if (body == NULL)
        body =
            arena_printf(arena, "{\"email\":\"pw@example.com\",\"password\":\"%s\",\"name\":\"X\"}",
                         long_string(sign_up_accepted[_i].pw_unit, sign_up_accepted[_i].pw_count));
    r = POST("/sign-up/email", .content_type = sign_up_accepted[_i].content_type, .body = body,
             .origin = sign_up_accepted[_i].origin, .referer = sign_up_accepted[_i].referer,
             .sec_fetch_site = sign_up_accepted[_i].sec_fetch_site);
    assert_status(r, 200);
    u = fake_store_user_by_email(fs, sign_up_accepted[_i].email);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->name, sign_up_accepted[_i].name);
    ck_assert(!u->email_verified);
    ck_assert_str_ne(u->id, "chosen-id");
    j = body_json(&r);
    assert_answer(
        r, 200,
        arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", jstr(j, "token"), user_json(u->id)));
    assert_one_cookie(r, session_line(jstr(j, "token"), true));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));
    ck_assert_uint_eq(fake_store_session_count(fs, u->id), 1);
}
END_TEST

/* [main-12, main-19, §17] Origin and Fetch-Metadata rules of sign-up; a Cookie makes the
 * Origin mandatory. The body is valid, so only the CSRF rules refuse. */
static const struct {
    const char *cookie, *origin, *referer, *site, *mode, *dest;
    const char *answer;
} sign_up_csrf[] = {
    {NULL, EVIL, NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, "null", NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
    {NULL, NULL, NULL, "cross-site", "navigate", "document", E_CROSS_SITE},
    {NULL, NULL, NULL, "cross-site", "cors", NULL, E_MISSING_ORIGIN},
    {NULL, NULL, EVIL "/page", NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, "http://localhost:8081", NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, NULL, NULL, "same-site", NULL, NULL, E_MISSING_ORIGIN},
    {NULL, "null", NULL, "cross-site", NULL, NULL, E_MISSING_ORIGIN},
    {H_COOKIE, NULL, NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
    {"unrelated=1", EVIL, NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {"unrelated=1", "null", NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
};

START_TEST(test_sign_up_csrf)
{
    struct response r = POST_JSON(
        "/sign-up/email", .cookie = sign_up_csrf[_i].cookie, .origin = sign_up_csrf[_i].origin,
        .referer = sign_up_csrf[_i].referer, .sec_fetch_site = sign_up_csrf[_i].site,
        .sec_fetch_mode = sign_up_csrf[_i].mode, .sec_fetch_dest = sign_up_csrf[_i].dest,
        .body = "{\"email\":\"csrf.632735@example.com\",\"password\":\"password123\",\"name\":"
                "\"X\"}");

    assert_answer(r, 403, sign_up_csrf[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-13, §17] callbackURL checks, and the order of the checks: callbackURL, then the
 * schema, then (without a cookie) the Origin; with a cookie the Origin comes first; 415 and
 * malformed JSON come before any Origin check. */
static const struct {
    const char *content_type, *cookie, *origin, *body;
    int status;
    const char *answer;
} sign_up_order[] = {
    {JSON_CT, NULL, NULL,
     "{\"email\":\"cb1@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"https://evil.example/x\"}",
     403, E_CALLBACK},
    {JSON_CT, NULL, NULL,
     "{\"email\":\"cb2@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"//evil.example/x\"}",
     403, E_CALLBACK},
    {JSON_CT, NULL, NULL, "{\"email\":\"bad\",\"callbackURL\":\"https://evil.example/x\"}", 403,
     E_CALLBACK},
    {JSON_CT, NULL, EVIL, "{\"email\":\"bad\",\"password\":\"password123\",\"name\":\"X\"}", 400,
     E_VALIDATION("[body.email] Invalid email address")},
    {JSON_CT, "unrelated=1", EVIL,
     "{\"email\":\"bad\",\"password\":\"password123\",\"name\":\"X\"}", 403, E_INVALID_ORIGIN},
    {JSON_CT, "unrelated=1", EVIL,
     "{\"email\":\"ok@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"https://evil.example/x\"}",
     403, E_INVALID_ORIGIN},
    {"text/plain", "unrelated=1", NULL, "{}", 415, E_415_SIGN},
    {JSON_CT, "unrelated=1", NULL, "{bad", 400, E_BAD_JSON},
};

START_TEST(test_sign_up_check_order)
{
    struct response r = POST("/sign-up/email", .content_type = sign_up_order[_i].content_type,
                             .cookie = sign_up_order[_i].cookie, .origin = sign_up_order[_i].origin,
                             .body = sign_up_order[_i].body);

    assert_answer(r, sign_up_order[_i].status, sign_up_order[_i].answer);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* PROTOCOL.md §1: JSON.stringify's text: non-ASCII raw, '/' unescaped, quotes and control
 * characters escaped. */
START_TEST(test_sign_up_json_text)
{
    struct response r = POST_JSON(
        "/sign-up/email", .body = "{\"email\":\"zoe@example.com\",\"password\":\"password123\","
                                  "\"name\":\"Zo\\u00eb \\\"Z\\\" </b>\\u0001\\n\"}");

    assert_status(r, 200);
    ck_assert_str_eq(fake_store_user_by_email(fs, "zoe@example.com")->name,
                     "Zo\xc3\xab \"Z\" </b>\x01\n");
    ck_assert_msg(strstr(r.body, "\"name\":\"Zo\xc3\xab \\\"Z\\\" </b>\\u0001\\n\"") != NULL, "%s",
                  r.body);
}
END_TEST

/* AUTHFCGI_SESSION_STORAGE=hash: the row holds SHA-256 hex of the token; the client still
 * gets and uses the raw token. */
START_TEST(test_sign_up_hash_storage)
{
    struct response r;
    struct json_object *j;
    const char *token;
    struct fake_session *s;
    char stored[SESSION_STORED_TOKEN_SIZE];

    configure((struct config){.hash = true});
    r = POST_JSON("/sign-up/email",
                  .body =
                      "{\"email\":\"h@example.com\",\"password\":\"password123\",\"name\":\"H\"}");
    assert_status(r, 200);
    j = body_json(&r);
    token = arena_strdup(arena, jstr(j, "token"));
    s = fake_store_session_at(fs, 0);
    ck_assert_uint_eq(strlen(s->token), 64);
    ck_assert_ptr_null(strstr(r.body, s->token));
    ck_assert_int_eq(session_stored_token(&app, token, stored), 0);
    ck_assert_str_eq(s->token, stored);

    r = GET("/get-session", .cookie = session_cookie(token));
    assert_status(r, 200);
    ck_assert_str_eq(jstr(body_json(&r), "session.token"), token);
}
END_TEST

/* [https-01] an https base URL: __Secure- names, the Secure attribute, only the prefixed
 * name read; a rememberMe:false session presented without dont_remember is promoted to 7
 * days; sign-out deletes the prefixed cookies. */
START_TEST(test_https_cookies)
{
    struct response r;
    const char *token, *cookie, *secure_lines[2];
    char *decoded, *encoded;
    struct fake_session *s;
    static const char *const secure_deletion[3] = {
        "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
        "__Secure-better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
        "__Secure-better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
    };

    configure((struct config){.base_url = "https://auth.example.test"});
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"https.632759@example.com\",\"password\":\"password123\","
                          "\"name\":\"S\",\"rememberMe\":false}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    secure_lines[0] = arena_printf(arena,
                                   "__Secure-better-auth.session_token=%s; Path=/; HttpOnly; "
                                   "Secure; SameSite=Lax",
                                   encoded);
    secure_lines[1] = "__Secure-better-auth.dont_remember=true."
                      "mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D; Path=/; HttpOnly; Secure; "
                      "SameSite=Lax";
    handler_harness_check_cookies(&r, 2, secure_lines);

    cookie = arena_printf(arena, "__Secure-better-auth.session_token=%s", encoded);
    r = GET("/get-session", .cookie = cookie);
    assert_status(r, 200);
    assert_one_cookie(r, arena_printf(arena,
                                      "__Secure-better-auth.session_token=%s; Max-Age=604800; "
                                      "Path=/; HttpOnly; Secure; SameSite=Lax",
                                      encoded));
    s = fake_store_session_at(fs, 0);
    ck_assert_int_ge(s->expires_ms - s->updated_ms, 7 * DAY_MS);

    /* The plain name is not read when cookies are secure. */
    r = GET("/get-session", .cookie = session_cookie(token));
    assert_answer(r, 200, "null");
    assert_no_cookies(r);

    r = POST("/sign-out", .cookie = cookie, .origin = "https://auth.example.test");
    assert_answer(r, 200, "{\"success\":true}");
    handler_harness_check_cookies(&r, 3, secure_deletion);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* ==== POST /sign-in/email ================================================================= */

#define ALICE_SIGN_IN "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}"

/* [main-14] redirect:false, token, user (no url), a new 7-day session with the User-Agent. */
START_TEST(test_sign_in_success)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST_JSON("/sign-in/email", .user_agent = UA, .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert(is_token(token));
    assert_answer(r, 200,
                  arena_printf(arena, "{\"redirect\":false,\"token\":\"%s\",\"user\":%s}", token,
                               user_json(ALICE_ID)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_str_eq(session_of(token)->user_agent, UA);
    ck_assert_int_eq(session_of(token)->expires_ms - session_of(token)->created_ms, 7 * DAY_MS);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_SET), 0);
}
END_TEST

/* A client that has gone: the transport says so, and the routes that hash skip the hash (and
 * everything else) with a 499 nobody reads; get-session does not even ask. */
static bool peer_gone_answer;
static unsigned peer_gone_asked;

static bool fake_peer_gone(void *ctx)
{
    ck_assert_ptr_eq(ctx, &peer_gone_answer);
    peer_gone_asked++;
    return peer_gone_answer;
}

START_TEST(test_sign_in_client_gone)
{
    struct response r;

    seed_alice();
    peer_gone_answer = true;
    peer_gone_asked = 0;
    fake_store_reset_calls(fs);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN, .peer_gone = fake_peer_gone,
                  .peer_ctx = &peer_gone_answer);
    assert_answer(r, 499, NULL);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 0);
    ck_assert_uint_eq(peer_gone_asked, 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);

    r = POST_JSON("/sign-up/email", .peer_gone = fake_peer_gone, .peer_ctx = &peer_gone_answer,
                  .body = "{\"name\":\"Gone\",\"email\":\"gone@example.com\","
                          "\"password\":\"" PASSWORD "\"}");
    assert_answer(r, 499, NULL);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);

    /* Still there: answered as ever. */
    peer_gone_answer = false;
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN, .peer_gone = fake_peer_gone,
                  .peer_ctx = &peer_gone_answer);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);

    /* Cheap routes never ask. */
    peer_gone_answer = true;
    peer_gone_asked = 0;
    r = GET("/get-session", .peer_gone = fake_peer_gone, .peer_ctx = &peer_gone_answer);
    assert_status(r, 200);
    ck_assert_uint_eq(peer_gone_asked, 0);
}
END_TEST

/* [main-15] callbackURL: still 200, a Location header, redirect:true and url. */
static const char *const sign_in_callbacks[] = {"/dashboard", FRONT "/dash"};

START_TEST(test_sign_in_callback)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST_JSON("/sign-in/email",
                  .body = arena_printf(arena,
                                       "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                                       "\",\"callbackURL\":\"%s\"}",
                                       sign_in_callbacks[_i]));
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    assert_answer(r, 200,
                  arena_printf(arena,
                               "{\"redirect\":true,\"token\":\"%s\",\"url\":\"%s\",\"user\":%s}",
                               token, sign_in_callbacks[_i], user_json(ALICE_ID)));
    ck_assert_str_eq(handler_harness_header(&r, "Location"), sign_in_callbacks[_i]);
    assert_one_cookie(r, session_line(token, true));
}
END_TEST

/* An empty callbackURL (JSON or form): Better Auth 1.7.25 answers redirect:false with "url":""
 * in the body and no Location (sign-in.mjs: `url: ctx.body.callbackURL`, the header only when
 * truthy). */
static const struct {
    const char *content_type, *body;
} sign_in_empty_callbacks[] = {
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\",\"callbackURL\":\"\"}"},
    {FORM_CT, "email=alice.632735%40example.com&password=" PASSWORD "&callbackURL="},
};

START_TEST(test_sign_in_empty_callback)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST("/sign-in/email", .content_type = sign_in_empty_callbacks[_i].content_type,
             .body = sign_in_empty_callbacks[_i].body);
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    assert_answer(r, 200,
                  arena_printf(arena,
                               "{\"redirect\":false,\"token\":\"%s\",\"url\":\"\",\"user\":%s}",
                               token, user_json(ALICE_ID)));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Location"), 0);
    assert_one_cookie(r, session_line(token, true));
}
END_TEST

/* [main-16] upper-case e-mail and rememberMe:false. */
START_TEST(test_sign_in_remember_false)
{
    struct response r;
    const char *token, *lines[2];

    seed_alice();
    r = POST_JSON("/sign-in/email", .body = "{\"email\":\"ALICE.632735@EXAMPLE.COM\",\"password\":"
                                            "\"password123\",\"rememberMe\":false}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert_str_eq(jstr(parsed, "user.email"), ALICE_EMAIL);
    lines[0] = session_line(token, false);
    lines[1] = DONT_REMEMBER_LINE;
    handler_harness_check_cookies(&r, 2, lines);
    ck_assert_int_eq(session_of(token)->expires_ms - session_of(token)->created_ms, DAY_MS);
}
END_TEST

/* [main-11, main-18] form-urlencoded sign-in. */
START_TEST(test_sign_in_form)
{
    struct response r;

    seed_alice();
    r = POST("/sign-in/email", .content_type = FORM_CT,
             .body = "email=alice.632735%40example.com&password=password123");
    assert_status(r, 200);
    assert_one_cookie(r, session_line(jstr(body_json(&r), "token"), true));
}
END_TEST

/* [main-17, main-18] refused sign-ins. A wrong password, an unknown user, a short password
 * and a user without a credential all get the same 401; nothing is written. */
static const struct {
    const char *content_type, *body;
    int status;
    const char *answer;
    bool looks_up; /* whether the e-mail is looked up at all */
} sign_in_refused[] = {
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong-password\"}", 401, E_CREDENTIALS,
     true},
    {JSON_CT, "{\"email\":\"nobody.632735@example.com\",\"password\":\"password123\"}", 401,
     E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"short\"}", 401, E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"carol@example.com\",\"password\":\"password123\"}", 401, E_CREDENTIALS,
     true},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"\"}", 401, E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"not-an-email\",\"password\":\"password123\"}", 400,
     "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}", false},
    {JSON_CT, "{\"email\":\"\",\"password\":\"password123\"}", 400,
     "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}", false},
    {JSON_CT, NULL /* 129 characters */, 400, E_TOO_LONG, false},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\"}", 400, E_VALIDATION(UNDEF("password")), false},
    {JSON_CT, "{\"password\":\"password123\"}", 400, E_VALIDATION(UNDEF("email")), false},
    {JSON_CT, "{}", 400, E_VALIDATION(UNDEF("email") "; " UNDEF("password")), false},
    {JSON_CT, "{bad json", 400, E_BAD_JSON, false},
    {"text/plain", "{\"email\":\"a@b.c\",\"password\":\"x\"}", 415, E_415_SIGN, false},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"password123\",\"rememberMe\":1}", 400,
     E_VALIDATION("[body.rememberMe] Invalid input: expected boolean, received number"), false},
};

START_TEST(test_sign_in_refused)
{
    struct response r;

    seed_alice();
    handler_harness_seed_user(fs, &app, "carolcarolcarolcarolcarolcarol01", "Carol",
                              "carol@example.com", NULL, NULL);
    r = POST("/sign-in/email", .content_type = sign_in_refused[_i].content_type,
             .body =
                 sign_in_refused[_i].body != NULL
                     ? sign_in_refused[_i].body
                     : arena_printf(arena, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"%s\"}",
                                    long_string("a", 129)));
    assert_answer(r, sign_in_refused[_i].status, sign_in_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL),
                      sign_in_refused[_i].looks_up ? 1 : 0);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_CREATE), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-19] with any Cookie the Origin (or Referer) must be present and trusted. */
static const struct {
    const char *cookie, *origin;
    int status;
    const char *answer;
} sign_in_csrf[] = {
    {H_COOKIE, NULL, 403, E_MISSING_ORIGIN},
    {H_COOKIE, EVIL, 403, E_INVALID_ORIGIN},
    {"unrelated=1", EVIL, 403, E_INVALID_ORIGIN},
    {H_COOKIE, FRONT, 200, NULL},
};

START_TEST(test_sign_in_csrf)
{
    struct response r;

    seed_alice();
    r = POST_JSON("/sign-in/email", .cookie = sign_in_csrf[_i].cookie,
                  .origin = sign_in_csrf[_i].origin, .body = ALICE_SIGN_IN);
    if (sign_in_csrf[_i].answer != NULL) {
        assert_answer(r, sign_in_csrf[_i].status, sign_in_csrf[_i].answer);
        ck_assert_uint_eq(fake_store_total_calls(fs), 0);
        return;
    }
    assert_status(r, 200);
    /* Sign-in never reuses the presented session: a new one. */
    ck_assert_str_ne(jstr(body_json(&r), "token"), H_TOKEN);
}
END_TEST

/* PROTOCOL.md §5: a Better Auth scrypt hash verifies and is replaced by yescrypt on the next
 * successful sign-in; a wrong password upgrades nothing. (The hash is Alice's from
 * [main-04], password123.) */
#define BA_HASH                                                                                    \
    "25ff492d75cd2da498a3caec5d80eaae:58cbcdfb3ee97cddaf01e32914cd81997c5d5261e55966602b4ab06"     \
    "0ea937cbc27fc23bf3400f79bc802f9666a902cc3dc0badb3fe1b53765ca2d2fe64af0ac6"

START_TEST(test_sign_in_upgrades_better_auth_hash)
{
    struct response r;

    fake_store_add_user(fs, ALICE_ID, "Alice", ALICE_EMAIL, BA_HASH, ALICE_ACCOUNT,
                        fake_store_now_ms() - DAY_MS);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong-password\"}");
    assert_answer(r, 401, E_CREDENTIALS);
    ck_assert_str_eq(fake_store_credential(fs, ALICE_ID)->password, BA_HASH);

    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_SET), 1);
    ck_assert_msg(strncmp(fake_store_credential(fs, ALICE_ID)->password, "$y$", 3) == 0, "%s",
                  fake_store_credential(fs, ALICE_ID)->password);

    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_SET), 1);
}
END_TEST

/* The upgrade is best effort: a database error there must not fail the sign-in. */
START_TEST(test_sign_in_upgrade_failure_is_not_fatal)
{
    struct response r;

    fake_store_add_user(fs, ALICE_ID, "Alice", ALICE_EMAIL, BA_HASH, ALICE_ACCOUNT,
                        fake_store_now_ms() - DAY_MS);
    fake_store_fail(fs, FAKE_OP_PASSWORD_SET, DB_RETRY, 0);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    assert_one_cookie(r, session_line(jstr(body_json(&r), "token"), true));
    ck_assert_str_eq(fake_store_credential(fs, ALICE_ID)->password, BA_HASH);
}
END_TEST

/* ==== GET /get-session ==================================================================== */

static void assert_no_store(const struct response *r)
{
    ck_assert_str_eq(handler_harness_header(r, "Cache-Control"), "no-store");
    ck_assert_str_eq(handler_harness_header(r, "Pragma"), "no-cache");
}

/* get_session_json - the body for a valid session, from the fake's current rows. */
static const char *get_session_json(const char *raw)
{
    struct fake_session *s = session_of(raw);

    ck_assert_ptr_nonnull(s);
    return arena_printf(arena, "{\"session\":%s,\"user\":%s}", session_json(s, raw),
                        user_json(s->user_id));
}

/* [main-20] no cookie: 200 null, no-store, and no database work at all. */
START_TEST(test_get_session_no_cookie)
{
    struct response r = GET("/get-session");

    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-20] a valid cookie, also with a foreign Origin (GET is never origin-checked). */
START_TEST(test_get_session_valid)
{
    static const char *const origins[] = {NULL, EVIL};

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    for (size_t i = 0; i < 2; i++) {
        struct response r = GET("/get-session", .cookie = H_COOKIE, .origin = origins[i]);

        assert_answer(r, 200, get_session_json(H_TOKEN));
        assert_no_store(&r);
        assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
}
END_TEST

/* [main-20, cookies-02] values that are no session: 200 null, no cookies, and - the point of
 * signing - not a single store call. */
static const struct {
    const char *cookie, *authorization;
} no_lookup[] = {
    {COOKIE_PAIR(H_TOKEN, "Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGAAAAOBA%3D"), NULL},
    {"better-auth.session_token=" H_TOKEN, NULL},
    {"better-auth.session_token=garbage", NULL},
    {"better-auth.session_token=" W_TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY+EH1fTU+Q93x48", NULL},
    {"__Secure-" W_COOKIE, NULL},
    {"better-auth.session_token=bogus.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; " W_COOKIE,
     NULL},
    {"better-auth.session_token=", NULL},
    {"better-auth.session_token=" H_TOKEN ".", NULL},
    {"other=" H_TOKEN, NULL},
    {NULL, "Bearer " H_TOKEN}, /* the bearer plugin is off: Authorization is ignored */
};

START_TEST(test_get_session_no_lookup)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live("wsession000000000000000000000000", W_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = no_lookup[_i].cookie,
            .authorization = no_lookup[_i].authorization);
    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* A correctly signed value of a length never issued is not looked up either. */
START_TEST(test_get_session_signed_odd_length)
{
    struct response r;

    r = GET("/get-session", .cookie = session_cookie("short-but-signed"));
    assert_answer(r, 200, "null");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [cookies-02] raw +/= signature, a quoted value, and the first of two cookies winning. */
static const char *const cookie_variants[] = {
    "better-auth.session_token=" W_TOKEN "." W_SIG_RAW,
    "better-auth.session_token=\"" W_TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D\"",
    W_COOKIE "; better-auth.session_token=bogus",
    "a=1; " W_COOKIE "; b=2",
};

START_TEST(test_get_session_cookie_variants)
{
    struct response r;

    seed_alice();
    seed_live("wsession000000000000000000000000", W_TOKEN, ALICE_ID);
    r = GET("/get-session", .query = "disableRefresh=true", .cookie = cookie_variants[_i]);
    assert_answer(r, 200, get_session_json(W_TOKEN));
}
END_TEST

/* [main-21] POST /get-session without deferSessionRefresh. */
START_TEST(test_get_session_post)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST("/get-session", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 405,
                  "{\"message\":\"POST method requires deferSessionRefresh to be enabled in "
                  "session config\",\"code\":\"METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED\"}");
    assert_no_store(&r);
    assert_no_cookies(r);
}
END_TEST

/* [main-22] last extended over a day ago: the row gets now + 7 days and the cookie is re-sent
 * (byte for byte the recorded line); the next request within a day writes nothing. */
START_TEST(test_get_session_sliding_refresh)
{
    struct response r;
    struct fake_session *s;
    int64_t before = fake_store_now_ms();

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_status(r, 200);
    assert_one_cookie(r, H_COOKIE LIVE);
    assert_no_store(&r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
    s = session_of(H_TOKEN);
    ck_assert_int_ge(s->expires_ms, before + 7 * DAY_MS);
    ck_assert_int_eq(s->expires_ms - s->updated_ms, 7 * DAY_MS);
    ck_assert_int_lt(s->created_ms, s->updated_ms);
    assert_answer(r, 200, get_session_json(H_TOKEN));

    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
}
END_TEST

/* [main-22] ?disableRefresh with any non-empty value (JavaScript truthiness of the text)
 * prevents the refresh; an empty value does not. */
static const struct {
    const char *query;
    bool refreshes;
} disable_refresh[] = {
    {"disableRefresh=true", false},
    {"disableRefresh=false", false},
    {"disableRefresh=0", false},
    {"disableCookieCache=true&disableRefresh=1", false},
    {"disableRefresh=", true},
    {"disableCookieCache=true", true},
    {"", true},
};

START_TEST(test_get_session_disable_refresh)
{
    struct response r;
    int64_t expires;

    seed_alice();
    expires = seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS)->expires_ms;
    r = GET("/get-session", .query = disable_refresh[_i].query, .cookie = H_COOKIE);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH),
                      disable_refresh[_i].refreshes ? 1 : 0);
    if (disable_refresh[_i].refreshes) {
        assert_one_cookie(r, H_COOKIE LIVE);
    } else {
        assert_no_cookies(r);
        ck_assert_int_eq(session_of(H_TOKEN)->expires_ms, expires);
    }
}
END_TEST

/* [main-23] an expired row: null, the three deletion cookies, and the row is deleted. */
START_TEST(test_get_session_expired)
{
    struct response r;

    seed_alice();
    seed_session("ksession000000000000000000000000", K_TOKEN, ALICE_ID, 7 * DAY_MS, -SEC_MS);
    r = GET("/get-session", .cookie = K_COOKIE);
    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-28, main-35] well signed but no such row: null and the deletion cookies. */
START_TEST(test_get_session_stale)
{
    struct response r = GET("/get-session", .cookie = H_COOKIE);

    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
}
END_TEST

/* [main-24] a valid dont_remember cookie: no refresh even when due, no cookie. */
START_TEST(test_get_session_dont_remember)
{
    struct response r;
    int64_t expires;

    seed_alice();
    expires =
        seed_session("rsession000000000000000000000000", R_TOKEN, ALICE_ID, 0, HOUR_MS)->expires_ms;
    r = GET("/get-session", .cookie = R_COOKIE "; " DONT_REMEMBER_PAIR);
    assert_answer(r, 200, get_session_json(R_TOKEN));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
    ck_assert_int_eq(session_of(R_TOKEN)->expires_ms, expires);

    /* A dont_remember cookie whose signature does not verify counts for nothing. */
    r = GET("/get-session", .cookie = R_COOKIE "; better-auth.dont_remember=true."
                                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
    assert_status(r, 200);
    assert_one_cookie(r, R_COOKIE LIVE);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
}
END_TEST

/* §17 / PROTOCOL.md §12: with the cookie cache off, a stray session_data cookie gets exactly
 * one deletion line, with or without a session. */
START_TEST(test_get_session_stray_session_data)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = "better-auth.session_data=eyJzZXNzaW9uIjp7fX0");
    assert_answer(r, 200, "null");
    assert_one_cookie(r, deletion[1]);

    r = GET("/get-session", .cookie = H_COOKIE "; better-auth.session_data=eyJzZXNzaW9uIjp7fX0");
    assert_answer(r, 200, get_session_json(H_TOKEN));
    assert_one_cookie(r, deletion[1]);
}
END_TEST

/* A session whose user is gone (deleted elsewhere) is no session. */
START_TEST(test_get_session_user_gone)
{
    struct response r;

    seed_live(H_ID, H_TOKEN, "nobody-nobody-nobody-nobody-1234");
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);
}
END_TEST

/* ==== POST /sign-out ====================================================================== */

/* [main-29] with the cookie and a trusted Origin: the row goes, the cookies are deleted. */
START_TEST(test_sign_out)
{
    struct response r;

    seed_alice();
    seed_live("ssession000000000000000000000000", S_TOKEN, ALICE_ID);
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST("/sign-out", .cookie = S_COOKIE, .origin = FRONT);
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_ptr_null(session_of(S_TOKEN));
    ck_assert_ptr_nonnull(session_of(H_TOKEN));

    /* The client's {} body is fine too. */
    r = POST_JSON("/sign-out", .cookie = H_COOKIE, .origin = FRONT, .body = "{}");
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-29] no cookie at all: still 200 and the deletion cookies, no database work. */
START_TEST(test_sign_out_without_cookie)
{
    struct response r = POST("/sign-out");

    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-29] refused: a cookie without or with a foreign Origin, malformed JSON. */
static const struct {
    const char *content_type, *origin, *body;
    int status;
    const char *answer;
} sign_out_refused[] = {
    {NULL, NULL, NULL, 403, E_MISSING_ORIGIN},
    {NULL, EVIL, NULL, 403, E_INVALID_ORIGIN},
    {JSON_CT, FRONT, "not json", 400, E_BAD_JSON},
    {"text/plain", FRONT, "x", 415,
     "{\"message\":\"Content-Type \\\"text/plain\\\" is not allowed. Allowed types: "
     "application/json\",\"code\":\"UNSUPPORTED_MEDIA_TYPE\"}"},
};

START_TEST(test_sign_out_refused)
{
    struct response r;

    seed_alice();
    seed_live("ssession000000000000000000000000", S_TOKEN, ALICE_ID);
    r = POST("/sign-out", .content_type = sign_out_refused[_i].content_type, .cookie = S_COOKIE,
             .origin = sign_out_refused[_i].origin, .body = sign_out_refused[_i].body);
    assert_answer(r, sign_out_refused[_i].status, sign_out_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_ptr_nonnull(session_of(S_TOKEN));
}
END_TEST

/* ==== GET /list-sessions ================================================================== */

/* seed_listing - Alice's sessions (three live, one expired) and one of Bob's. */
static void seed_listing(void)
{
    seed_alice();
    seed_bob();
    seed_session("oldest00000000000000000000000000", "oldestTokenoldestTokenoldestToke", ALICE_ID,
                 3 * HOUR_MS, 7 * DAY_MS - 3 * HOUR_MS);
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 7 * DAY_MS - 2 * HOUR_MS);
    seed_session("expired0000000000000000000000000", "expiredTokenexpiredTokenexpiredT", ALICE_ID,
                 2 * HOUR_MS, -SEC_MS);
    seed_session("newest00000000000000000000000000", "newestTokennewestTokennewestToke", ALICE_ID,
                 HOUR_MS, 7 * DAY_MS - HOUR_MS);
    seed_live("bobsession000000000000000000000a", B_TOKEN, BOB_ID);
}

/* [main-25] every live session of the user, oldest first, each with its token. */
START_TEST(test_list_sessions)
{
    struct response r;

    seed_listing();
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_answer(r, 200,
                  arena_printf(arena, "[%s,%s,%s]",
                               session_json(session_of("oldestTokenoldestTokenoldestToke"),
                                            "oldestTokenoldestTokenoldestToke"),
                               session_json(session_of(H_TOKEN), H_TOKEN),
                               session_json(session_of("newestTokennewestTokennewestToke"),
                                            "newestTokennewestTokennewestToke")));
    assert_no_cookies(r);
}
END_TEST

/* Hashed storage (deliberate deviation, issue item 6): the current session shows its real
 * token, the others a handle (their id); no stored digest leaves the server. */
START_TEST(test_list_sessions_hashed)
{
    struct response r;
    struct json_object *j;

    configure((struct config){.hash = true});
    seed_listing();
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_answer(
        r, 200,
        arena_printf(arena, "[%s,%s,%s]",
                     session_json(fake_store_session(fs, "oldest00000000000000000000000000"),
                                  "oldest00000000000000000000000000"),
                     session_json(session_of(H_TOKEN), H_TOKEN),
                     session_json(fake_store_session(fs, "newest00000000000000000000000000"),
                                  "newest00000000000000000000000000")));
    j = body_json(&r);
    ck_assert_uint_eq(json_object_array_length(j), 3);
    for (size_t i = 0; fake_store_session_at(fs, i) != NULL; i++)
        ck_assert_ptr_null(strstr(r.body, fake_store_session_at(fs, i)->token));
}
END_TEST

/* [main-25] every route that needs a session refreshes it like get-session does. */
START_TEST(test_list_sessions_refreshes)
{
    struct response r;

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_status(r, 200);
    assert_one_cookie(r, H_COOKIE LIVE);
    assert_answer(r, 200, arena_printf(arena, "[%s]", session_json(session_of(H_TOKEN), H_TOKEN)));
}
END_TEST

/* [main-25] no session: 401; a session created over a day ago: 403 SESSION_NOT_FRESH. */
START_TEST(test_list_sessions_refused)
{
    struct response r;

    seed_alice();
    seed_session("osession000000000000000000000000", O_TOKEN, ALICE_ID, 2 * DAY_MS,
                 7 * DAY_MS - HOUR_MS);
    r = GET("/list-sessions");
    assert_answer(r, 401, E_UNAUTHORIZED);
    assert_no_cookies(r);
    r = GET("/list-sessions", .cookie = O_COOKIE);
    assert_answer(r, 403, "{\"message\":\"Session is not fresh\",\"code\":\"SESSION_NOT_FRESH\"}");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LIST), 0);
}
END_TEST

/* ==== POST /revoke-session, /revoke-sessions, /revoke-other-sessions ====================== */

#define STATUS_TRUE "{\"status\":true}"
#define A2_ID "a2session00000000000000000000000"
#define B_ID "bobsession000000000000000000000a"

static void seed_revoking(void)
{
    seed_alice();
    seed_bob();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
    seed_live(B_ID, B_TOKEN, BOB_ID);
}

static struct response revoke(const char *cookie, const char *origin, const char *body)
{
    return POST_JSON("/revoke-session", .cookie = cookie, .origin = origin, .body = body);
}

/* [main-26] another own session: deleted, no cookies; another user's token and an unknown
 * token: 200 and nothing deleted. */
START_TEST(test_revoke_session)
{
    struct response r;

    seed_revoking();
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" A2_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_null(session_of(A2_TOKEN));
    ck_assert_ptr_nonnull(session_of(H_TOKEN));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_nonnull(session_of(B_TOKEN));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"nope\"}");
    assert_answer(r, 200, STATUS_TRUE);
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_ID "\"}"); /* ids are no tokens in plain mode */
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(session_of(B_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 2);
}
END_TEST

/* [main-26] revoking the current session also deletes the cookies. */
START_TEST(test_revoke_current_session)
{
    struct response r;

    seed_revoking();
    seed_live("dsession000000000000000000000000", D_TOKEN, ALICE_ID);
    r = revoke(D_COOKIE, FRONT, "{\"token\":\"" D_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_ptr_null(session_of(D_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 2);
}
END_TEST

/* [main-26] refused: missing token, no session, no Origin with the cookie. */
static const struct {
    const char *cookie, *origin, *body;
    int status;
    const char *answer;
} revoke_refused[] = {
    {H_COOKIE, FRONT, "{}", 400, E_VALIDATION(UNDEF("token"))},
    {NULL, FRONT, "{\"token\":\"" A2_TOKEN "\"}", 401, E_UNAUTHORIZED},
    {H_COOKIE, NULL, "{\"token\":\"" A2_TOKEN "\"}", 403, E_MISSING_ORIGIN},
    {H_COOKIE, EVIL, "{\"token\":\"" A2_TOKEN "\"}", 403, E_INVALID_ORIGIN},
    {H_COOKIE, FRONT, "{\"token\":42}", 400,
     E_VALIDATION("[body.token] Invalid input: expected string, received number")},
};

START_TEST(test_revoke_session_refused)
{
    struct response r;

    seed_revoking();
    r = revoke(revoke_refused[_i].cookie, revoke_refused[_i].origin, revoke_refused[_i].body);
    assert_answer(r, revoke_refused[_i].status, revoke_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 3);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_DELETE_OF_USER), 0);
}
END_TEST

/* Hashed storage: the handle list-sessions shows (the id) revokes the owner's session, not
 * another user's; the raw token still works. */
START_TEST(test_revoke_session_hashed_handle)
{
    struct response r;

    configure((struct config){.hash = true});
    seed_revoking();
    seed_live("a3session00000000000000000000000", "a3tokena3tokena3tokena3tokena3to", ALICE_ID);
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(fake_store_session(fs, B_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" A2_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_null(fake_store_session(fs, A2_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"a3tokena3tokena3tokena3tokena3to\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_null(fake_store_session(fs, "a3session00000000000000000000000"));

    /* The stored digest itself is no handle. */
    r = revoke(H_COOKIE, FRONT,
               arena_printf(arena, "{\"token\":\"%s\"}", fake_store_session(fs, B_ID)->token));
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(fake_store_session(fs, B_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" H_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* [main-28] every session of the user, the current one too, and the cookies. */
START_TEST(test_revoke_sessions)
{
    struct response r;

    seed_revoking();
    seed_live("msession000000000000000000000000", M_TOKEN, ALICE_ID);
    r = POST("/revoke-sessions", .cookie = M_COOKIE, .origin = FRONT);
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);

    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);

    r = POST("/revoke-sessions", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* [main-27] all but the current session, no cookies; with or without the client's {}. */
START_TEST(test_revoke_other_sessions)
{
    struct response r;

    seed_revoking();
    seed_live("a3session00000000000000000000000", "a3tokena3tokena3tokena3tokena3to", ALICE_ID);
    r = POST("/revoke-other-sessions", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_ptr_nonnull(session_of(H_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);

    r = POST_JSON("/revoke-other-sessions", .cookie = H_COOKIE, .origin = FRONT, .body = "{}");
    assert_answer(r, 200, STATUS_TRUE);

    r = POST("/revoke-other-sessions", .origin = FRONT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    r = POST("/revoke-other-sessions", .cookie = H_COOKIE);
    assert_answer(r, 403, E_MISSING_ORIGIN);
}
END_TEST

/* ==== POST /change-password =============================================================== */

static bool alice_password_is(const char *password)
{
    return password_verify(&app.passwords, password, strlen(password),
                           fake_store_credential(fs, ALICE_ID)->password, NULL) == PASSWORD_OK;
}

static struct response change_password(const char *cookie, const char *body)
{
    return POST_JSON("/change-password", .cookie = cookie, .origin = FRONT, .body = body);
}

/* [main-35] token null, the user, no cookie; other sessions stay. */
START_TEST(test_change_password)
{
    struct response r;

    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
    r = change_password(V_COOKIE,
                        "{\"currentPassword\":\"password123\",\"newPassword\":\"changed-pass-1\"}");
    assert_answer(r, 200, arena_printf(arena, "{\"token\":null,\"user\":%s}", user_json(ALICE_ID)));
    assert_no_cookies(r);
    ck_assert(alice_password_is("changed-pass-1"));
    ck_assert(!alice_password_is(PASSWORD));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 2);
}
END_TEST

/* [main-35] refused: wrong current password (400, not 401), short or long new password,
 * missing field, no session; the password stays. */
static const struct {
    const char *cookie, *body;
    int status;
    const char *answer;
} change_password_refused[] = {
    {V_COOKIE, "{\"currentPassword\":\"wrong-one\",\"newPassword\":\"changed-pass-2\"}", 400,
     E_INVALID_PASSWORD},
    {V_COOKIE, "{\"currentPassword\":\"password123\",\"newPassword\":\"short\"}", 400, E_TOO_SHORT},
    {V_COOKIE, "{\"currentPassword\":\"password123\"}", 400, E_VALIDATION(UNDEF("newPassword"))},
    {V_COOKIE, "{}", 400, E_VALIDATION(UNDEF("newPassword") "; " UNDEF("currentPassword"))},
    {NULL, "{\"currentPassword\":\"password123\",\"newPassword\":\"changed-pass-2\"}", 401,
     E_UNAUTHORIZED},
    {V_COOKIE,
     "{\"currentPassword\":\"password123\",\"newPassword\":\"changed-pass-2\","
     "\"revokeOtherSessions\":\"yes\"}",
     400,
     E_VALIDATION("[body.revokeOtherSessions] Invalid input: expected boolean, received string")},
};

START_TEST(test_change_password_refused)
{
    struct response r;

    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = change_password(change_password_refused[_i].cookie, change_password_refused[_i].body);
    assert_answer(r, change_password_refused[_i].status, change_password_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert(alice_password_is(PASSWORD));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_SET), 0);
}
END_TEST

/* PROTOCOL.md §5: newPassword too long, and currentPassword too long (only the maximum). */
START_TEST(test_change_password_lengths)
{
    struct response r;
    const char *long_pw = long_string("a", 129);

    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = change_password(V_COOKIE, arena_printf(arena,
                                               "{\"currentPassword\":\"password123\","
                                               "\"newPassword\":\"%s\"}",
                                               long_pw));
    assert_answer(r, 400, E_TOO_LONG);
    r = change_password(V_COOKIE, arena_printf(arena,
                                               "{\"currentPassword\":\"%s\","
                                               "\"newPassword\":\"changed-pass-2\"}",
                                               long_pw));
    assert_answer(r, 400, E_TOO_LONG);
    /* A short current password is simply wrong. */
    r = change_password(V_COOKIE,
                        "{\"currentPassword\":\"short\",\"newPassword\":\"changed-pass-2\"}");
    assert_answer(r, 400, E_INVALID_PASSWORD);
    ck_assert(alice_password_is(PASSWORD));
}
END_TEST

/* [main-35] revokeOtherSessions: every session goes, one new session and its cookie. */
START_TEST(test_change_password_revoke_others)
{
    struct response r;
    const char *token;

    seed_alice();
    seed_bob();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
    seed_live(B_ID, B_TOKEN, BOB_ID);
    r = change_password(V_COOKIE, "{\"currentPassword\":\"password123\",\"newPassword\":"
                                  "\"password456\",\"revokeOtherSessions\":true}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert(is_token(token));
    ck_assert_str_ne(token, V_TOKEN);
    assert_answer(
        r, 200, arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", token, user_json(ALICE_ID)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_ptr_nonnull(session_of(token));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);
    ck_assert(alice_password_is("password456"));

    r = GET("/get-session", .cookie = V_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);
    r = GET("/get-session", .cookie = session_cookie(token));
    assert_answer(r, 200, get_session_json(token));
}
END_TEST

/* revokeOtherSessions on a rememberMe:false login: the new cookie stays a browser-session
 * one, with dont_remember again (Better Auth's setSessionCookie reads that cookie). */
START_TEST(test_change_password_revoke_keeps_dont_remember)
{
    struct response r;
    const char *token, *lines[2];

    seed_alice();
    seed_session("rsession000000000000000000000000", R_TOKEN, ALICE_ID, 0, DAY_MS);
    r = POST_JSON("/change-password", .cookie = R_COOKIE "; " DONT_REMEMBER_PAIR, .origin = FRONT,
                  .body = "{\"currentPassword\":\"password123\",\"newPassword\":"
                          "\"password456\",\"revokeOtherSessions\":true}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    lines[0] = session_line(token, false);
    lines[1] = DONT_REMEMBER_LINE;
    handler_harness_check_cookies(&r, 2, lines);
}
END_TEST

/* A user without a credential account. */
START_TEST(test_change_password_no_credential)
{
    struct response r;

    handler_harness_seed_user(fs, &app, ALICE_ID, "Alice", ALICE_EMAIL, NULL, NULL);
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = change_password(V_COOKIE,
                        "{\"currentPassword\":\"password123\",\"newPassword\":\"changed-pass-1\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Credential account not found\",\"code\":"
                  "\"CREDENTIAL_ACCOUNT_NOT_FOUND\"}");
}
END_TEST

/* ==== POST /update-user =================================================================== */

/* [main-36] accepted updates: {"status":true} and the session cookie re-sent as recorded. */
static const struct {
    const char *body, *name, *image;
} update_accepted[] = {
    {"{\"name\":\"Alice Updated\"}", "Alice Updated", NULL},
    {"{\"image\":null}", "Alice", NULL},
    {"{\"name\":\"A\",\"image\":\"https://img.example/a.png\"}", "A", "https://img.example/a.png"},
    {"{\"name\":\"\",\"image\":\"https://img.example/a.png\"}", "", "https://img.example/a.png"},
    {"{\"name\":\"B\",\"email\":\"\"}", "B", NULL},
    {"{\"name\":\"B\",\"emailVerified\":true}", "B", NULL},
};

START_TEST(test_update_user)
{
    struct response r;
    struct fake_user *u;
    int64_t before;

    seed_alice();
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    fake_store_user(fs, ALICE_ID)->image = strdup("https://img.example/old.png");
    before = fake_store_user(fs, ALICE_ID)->updated_ms;
    r = POST_JSON("/update-user", .cookie = N_COOKIE, .origin = FRONT,
                  .body = update_accepted[_i].body);
    assert_answer(r, 200, STATUS_TRUE);
    assert_one_cookie(r, N_COOKIE LIVE);
    u = fake_store_user(fs, ALICE_ID);
    ck_assert_str_eq(u->name, update_accepted[_i].name);
    if (strstr(update_accepted[_i].body, "image") == NULL)
        ck_assert_str_eq(u->image, "https://img.example/old.png");
    else if (update_accepted[_i].image == NULL)
        ck_assert_ptr_null(u->image);
    else
        ck_assert_str_eq(u->image, update_accepted[_i].image);
    ck_assert(!u->email_verified);
    ck_assert_int_gt(u->updated_ms, before);

    /* [main-36] get-session shows the new profile. */
    r = GET("/get-session", .cookie = N_COOKIE);
    assert_answer(r, 200, get_session_json(N_TOKEN));
}
END_TEST

/* [main-36] refused updates, and [§17] the deliberate deviation: non-string names are a
 * VALIDATION_ERROR instead of Better Auth's text conversion / bare 500. */
static const struct {
    const char *cookie, *body;
    int status;
    const char *answer;
} update_refused[] = {
    {N_COOKIE, "{}", 400, "{\"message\":\"No fields to update\"}"},
    {N_COOKIE, "{\"foo\":\"bar\"}", 400, "{\"message\":\"No fields to update\"}"},
    {N_COOKIE, "{\"emailVerified\":true}", 400, "{\"message\":\"No fields to update\"}"},
    {N_COOKIE, "{\"email\":\"new@example.com\"}", 400,
     "{\"message\":\"Email can not be updated\",\"code\":\"EMAIL_CAN_NOT_BE_UPDATED\"}"},
    {N_COOKIE, "{\"email\":\"new@example.com\",\"name\":\"X\"}", 400,
     "{\"message\":\"Email can not be updated\",\"code\":\"EMAIL_CAN_NOT_BE_UPDATED\"}"},
    {N_COOKIE, "[1,2]", 400, E_VALIDATION("[body] Invalid input: expected record, received array")},
    {NULL, "{\"name\":\"X\"}", 401, E_UNAUTHORIZED},
    {N_COOKIE, "{\"name\":42}", 400,
     E_VALIDATION("[body.name] Invalid input: expected string, received number")},
    {N_COOKIE, "{\"name\":null}", 400,
     E_VALIDATION("[body.name] Invalid input: expected string, received null")},
};

START_TEST(test_update_user_refused)
{
    struct response r;

    seed_alice();
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    r = POST_JSON("/update-user", .cookie = update_refused[_i].cookie, .origin = FRONT,
                  .body = update_refused[_i].body);
    assert_answer(r, update_refused[_i].status, update_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_UPDATE), 0);
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->name, "Alice");
}
END_TEST

/* Better Auth's setSessionCookie (cookies/index.ts) keeps a rememberMe:false session a
 * browser-session cookie when it re-sends it: no Max-Age, dont_remember again. Re-sending it
 * with Max-Age=604800 would make "don't remember me" persistent after a profile edit. */
START_TEST(test_update_user_keeps_dont_remember)
{
    struct response r;
    const char *lines[2] = {R_COOKIE ATTRS, DONT_REMEMBER_LINE};

    seed_alice();
    seed_session("rsession000000000000000000000000", R_TOKEN, ALICE_ID, 0, DAY_MS);
    r = POST_JSON("/update-user", .cookie = R_COOKIE "; " DONT_REMEMBER_PAIR, .origin = FRONT,
                  .body = "{\"name\":\"Private\"}");
    assert_answer(r, 200, STATUS_TRUE);
    handler_harness_check_cookies(&r, 2, lines);
}
END_TEST

/* ==== POST /delete-user =================================================================== */

#define USER_DELETED "{\"success\":true,\"message\":\"User deleted\"}"

static struct response delete_user(const char *cookie, const char *body)
{
    return POST_JSON("/delete-user", .cookie = cookie, .origin = FRONT, .body = body);
}

static void seed_deleting(void)
{
    seed_alice();
    seed_bob();
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    seed_session("lsession000000000000000000000000", L_TOKEN, ALICE_ID, 2 * DAY_MS,
                 7 * DAY_MS - HOUR_MS);
    seed_live(B_ID, B_TOKEN, BOB_ID);
}

static void assert_alice_gone(void)
{
    ck_assert_ptr_null(fake_store_user(fs, ALICE_ID));
    ck_assert_uint_eq(fake_store_account_count(fs, ALICE_ID), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
    ck_assert_ptr_nonnull(fake_store_user(fs, BOB_ID));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);
}

/* [main-47] accepted: the right password (even on a session over a day old), no password on
 * a fresh session, a relative callbackURL. User, accounts and sessions go; cookies deleted. */
static const struct {
    const char *cookie, *body;
} delete_accepted[] = {
    {L_COOKIE, "{\"password\":\"password123\"}"},
    {N_COOKIE, "{}"},
    {N_COOKIE, "{\"password\":\"password123\",\"callbackURL\":\"/bye\"}"},
};

START_TEST(test_delete_user)
{
    struct response r;

    seed_deleting();
    r = delete_user(delete_accepted[_i].cookie, delete_accepted[_i].body);
    assert_answer(r, 200, USER_DELETED);
    assert_deletion(r);
    assert_alice_gone();

    /* [main-47] the old cookie is now stale. */
    r = GET("/get-session", .cookie = N_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);
}
END_TEST

/* [main-47] refused: wrong password, no session, stale session without password, a token
 * (no deletion mail is configured), an untrusted callbackURL. Nothing is deleted. */
static const struct {
    const char *cookie, *body;
    int status;
    const char *answer;
} delete_refused[] = {
    {N_COOKIE, "{\"password\":\"wrong-password\"}", 400, E_INVALID_PASSWORD},
    {NULL, "{}", 401, E_UNAUTHORIZED},
    {L_COOKIE, "{}", 400,
     "{\"message\":\"Session expired. Re-authenticate to perform this action.\",\"code\":"
     "\"SESSION_EXPIRED\"}"},
    {N_COOKIE, "{\"token\":\"abc\"}", 404,
     "{\"message\":\"Invalid token\",\"code\":\"INVALID_TOKEN\"}"},
    {N_COOKIE, "{\"password\":\"password123\",\"callbackURL\":\"https://evil.example/\"}", 403,
     E_CALLBACK},
    {N_COOKIE, "{\"password\":5}", 400,
     E_VALIDATION("[body.password] Invalid input: expected string, received number")},
};

START_TEST(test_delete_user_refused)
{
    struct response r;

    seed_deleting();
    r = delete_user(delete_refused[_i].cookie, delete_refused[_i].body);
    assert_answer(r, delete_refused[_i].status, delete_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_DELETE), 0);
    ck_assert_ptr_nonnull(fake_store_user(fs, ALICE_ID));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 2);
}
END_TEST

/* Better Auth reads password and token by truthiness: "" is neither. On a fresh session
 * that deletes; on one over a day old it is SESSION_EXPIRED. */
START_TEST(test_delete_user_empty_password)
{
    struct response r;

    seed_deleting();
    r = delete_user(L_COOKIE, "{\"password\":\"\",\"token\":\"\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Session expired. Re-authenticate to perform this action.\","
                  "\"code\":\"SESSION_EXPIRED\"}");
    ck_assert_ptr_nonnull(fake_store_user(fs, ALICE_ID));
    r = delete_user(N_COOKIE, "{\"password\":\"\",\"token\":\"\"}");
    assert_answer(r, 200, USER_DELETED);
    assert_alice_gone();
}
END_TEST

/* freshAge is exclusive: a session exactly a day old is not fresh any more. */
START_TEST(test_fresh_age_boundary)
{
    struct response r;

    seed_alice();
    seed_session("osession000000000000000000000000", O_TOKEN, ALICE_ID, DAY_MS,
                 6 * DAY_MS + HOUR_MS);
    r = GET("/list-sessions", .cookie = O_COOKIE);
    assert_answer(r, 403, "{\"message\":\"Session is not fresh\",\"code\":\"SESSION_NOT_FRESH\"}");
    r = delete_user(O_COOKIE, "{}");
    assert_status(r, 400);
    ck_assert_ptr_nonnull(fake_store_user(fs, ALICE_ID));
}
END_TEST

/* PROTOCOL.md §8: off by default in Better Auth: a bare 404 without any work. */
START_TEST(test_delete_user_disabled)
{
    struct response r;

    configure((struct config){.no_delete = true});
    seed_deleting();
    r = delete_user(N_COOKIE, "{}");
    assert_answer(r, 404, NULL);
    ck_assert_uint_eq(r.nheaders, 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
    ck_assert_ptr_nonnull(fake_store_user(fs, ALICE_ID));
}
END_TEST

/* ==== GET /list-accounts, POST /verify-password =========================================== */

/* [main-43] */
START_TEST(test_list_accounts)
{
    struct response r;
    struct fake_account *acc;

    seed_alice();
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    acc = fake_store_credential(fs, ALICE_ID);
    acc->updated_ms += 5 * HOUR_MS;
    r = GET("/list-accounts", .cookie = N_COOKIE);
    assert_answer(r, 200,
                  arena_printf(arena,
                               "[{\"accountId\":\"" ALICE_ID "\",\"providerId\":\"credential\","
                               "\"userId\":\"" ALICE_ID "\",\"createdAt\":\"%s\",\"updatedAt\":"
                               "\"%s\",\"id\":\"" ALICE_ACCOUNT "\",\"scopes\":[]}]",
                               iso(acc->created_ms), iso(acc->updated_ms)));
    assert_no_cookies(r);
    r = GET("/list-accounts");
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* [main-44] */
START_TEST(test_verify_password)
{
    struct response r;

    seed_alice();
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    r = POST_JSON("/verify-password", .cookie = N_COOKIE, .origin = FRONT,
                  .body = "{\"password\":\"password123\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    r = POST_JSON("/verify-password", .cookie = N_COOKIE, .origin = FRONT,
                  .body = "{\"password\":\"wrong\"}");
    assert_answer(r, 400, E_INVALID_PASSWORD);
    r = POST_JSON("/verify-password", .cookie = N_COOKIE, .origin = FRONT, .body = "{}");
    assert_answer(r, 400, E_VALIDATION(UNDEF("password")));
    r = POST_JSON("/verify-password", .cookie = N_COOKIE, .body = "{\"password\":\"password123\"}");
    assert_answer(r, 403, E_MISSING_ORIGIN);
    r = POST_JSON("/verify-password", .origin = FRONT, .body = "{\"password\":\"password123\"}");
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* ==== GET /ok, GET /error, routing ======================================================== */

/* [main-01, main-02] */
static const struct {
    const char *query, *location;
} error_redirects[] = {
    {"", "/?error=UNKNOWN"},
    {"error=INVALID_TOKEN&error_description=bad", "/?error=INVALID_TOKEN&error_description=bad"},
    {"error=a%3Cb", "/?error=UNKNOWN"},
};

START_TEST(test_error_redirect)
{
    struct response r = GET("/error", .query = error_redirects[_i].query);

    assert_answer(r, 302, NULL);
    ck_assert_uint_eq(r.nheaders, 1);
    ck_assert_str_eq(handler_harness_header(&r, "Location"), error_redirects[_i].location);
}
END_TEST

/* [main-03, main-46] exact routing: bare 404s, also for routes Better Auth keeps server-only. */
static const struct {
    const char *method, *path;
} not_routed[] = {
    {"GET", API "/sign-in/email"},
    {"POST", API "/forget-password"},
    {"POST", API "/set-password"},
    {"GET", API "/ok/"},
    {"HEAD", API "/ok"},
    {"OPTIONS", API "/sign-in/email"},
    {"GET", API},
    {"PUT", API "/update-user"},
};

START_TEST(test_not_routed)
{
    struct response r = dispatch((struct request){.method = not_routed[_i].method,
                                                  .path = not_routed[_i].path,
                                                  .cookie = N_COOKIE,
                                                  .origin = FRONT});

    assert_answer(r, 404, NULL);
    ck_assert_uint_eq(r.nheaders, 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

START_TEST(test_ok)
{
    struct response r = GET("/ok");

    assert_answer(r, 200, "{\"ok\":true}");
    ck_assert_uint_eq(r.nheaders, 0);
}
END_TEST

/* ==== the bearer plugin (bearer-01, bearer-02) ============================================ */

#define C_ID "77A2CPvOC0VEDn2XVcdrsTgHUtOMI4fC"

/* [bearer-01] a response that sets a session cookie carries set-auth-token: the decoded
 * signed form, and exposes the header. */
START_TEST(test_bearer_sign_up_and_in)
{
    struct response r;
    char *decoded, *encoded;
    const char *token;

    configure((struct config){.bearer = true});
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"bearer.632794@example.com\",\"password\":\"password123\","
                          "\"name\":\"B\"}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), decoded);
    ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"), "set-auth-token");
    assert_one_cookie(r, session_line(token, true));

    r = POST_JSON("/sign-in/email", .body = "{\"email\":\"bearer.632794@example.com\","
                                            "\"password\":\"password123\"}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), decoded);
    ck_assert_uint_eq(handler_harness_header_count(&r, "set-auth-token"), 1);
}
END_TEST

/* [bearer-02] Authorization: Bearer with the signed token (raw or percent-encoded); other
 * schemes are ignored; a signed value that does not verify falls back to the cookie. The bare
 * token, which get-session hands to any script on the page, opens nothing by default (Better
 * Auth's requireSignature: true): no lookup, and the cookie, if any, decides. With
 * AUTHFCGI_BEARER_UNSIGNED it counts as Better Auth's default takes it, an unknown one being
 * a stale session. */
static const struct {
    const char *authorization, *cookie;
    bool bearer_unsigned;
    bool valid;
    bool deletes; /* null + deletion cookies */
    bool looks_up;
} bearer_reads[] = {
    {"Bearer " C_SIGNED, NULL, false, true, false, true},
    {"Bearer " C_SIGNED, NULL, true, true, false, true},
    {"bearer " C_TOKEN "."
     "7t%2FtWMPksvkiRJ7deuY%2BBYQpt%2BaMQiOW3aypZ5FbIlc%3D",
     NULL, false, true, false, true},
    {"BEARER   " C_SIGNED "  ", NULL, false, true, false, true},
    {"Bearer " C_TOKEN, NULL, false, false, false, false},
    {"BEARER   " C_TOKEN "  ", NULL, false, false, false, false},
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084x", NULL, false, false, false, false},
    {"Bearer " C_TOKEN, C_COOKIE, false, true, false, true},
    {"Bearer " C_TOKEN, NULL, true, true, false, true},
    {"BEARER   " C_TOKEN "  ", NULL, true, true, false, true},
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084x", NULL, true, false, true, true},
    {"Basic Zm9vOmJhcg==", NULL, false, false, false, false},
    {"Bearer " C_TOKEN ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL, false, false, false,
     false},
    {"Bearer " C_TOKEN ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", C_COOKIE, false, true,
     false, true},
    {"Basic Zm9vOmJhcg==", C_COOKIE, false, true, false, true},
    /* A bare value longer than any token: no session, and certainly no 500. */
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084YChVwZOSehQfn", NULL, true, false, false, false},
    {"Bearer ", NULL, false, false, false, false},
};

START_TEST(test_bearer_get_session)
{
    struct response r;

    configure((struct config){.bearer = true, .bearer_unsigned = bearer_reads[_i].bearer_unsigned});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = GET("/get-session", .authorization = bearer_reads[_i].authorization,
            .cookie = bearer_reads[_i].cookie);
    assert_no_store(&r);
    if (bearer_reads[_i].valid) {
        assert_answer(r, 200, get_session_json(C_TOKEN));
        assert_no_cookies(r);
    } else {
        assert_answer(r, 200, "null");
        if (bearer_reads[_i].deletes)
            assert_deletion(r);
        else
            assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP),
                      bearer_reads[_i].looks_up ? 1 : 0);
}
END_TEST

/* [bearer-02] a state-changing call with only a bearer token: no Cookie, so no Origin is
 * needed; the response re-sends cookie and set-auth-token. Then sign-out by bearer deletes
 * the session, and the token is stale afterwards. The signed token by default; the bare one
 * with AUTHFCGI_BEARER_UNSIGNED (_i = 1). */
START_TEST(test_bearer_state_changing)
{
    const char *bearer = _i == 0 ? "Bearer " C_SIGNED : "Bearer " C_TOKEN;
    struct response r;

    configure((struct config){.bearer = true, .bearer_unsigned = _i == 1});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = POST_JSON("/update-user", .authorization = bearer, .body = "{\"name\":\"Via Bearer\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_one_cookie(r, C_COOKIE LIVE);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), C_SIGNED);
    ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"), "set-auth-token");
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->name, "Via Bearer");

    r = POST("/sign-out", .authorization = bearer);
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_ptr_null(handler_harness_header(&r, "set-auth-token"));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);

    r = GET("/get-session", .authorization = bearer);
    assert_answer(r, 200, "null");
    assert_deletion(r);
}
END_TEST

/* The token get-session shows in its JSON (so any script on the page can read it, though the
 * cookie is HttpOnly) opens no session on its own: without its signature, a Bearer value is
 * no credential unless AUTHFCGI_BEARER_UNSIGNED says so. */
START_TEST(test_bearer_lifted_token)
{
    struct response r;
    const char *lifted;

    configure((struct config){.bearer = true});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = C_COOKIE);
    assert_status(r, 200);
    lifted = arena_printf(arena, "Bearer %s", jstr(body_json(&r), "session.token"));
    ck_assert_str_eq(lifted, "Bearer " C_TOKEN);

    r = POST_JSON("/update-user", .authorization = lifted, .body = "{\"name\":\"Lifted\"}");
    assert_answer(r, 401, E_UNAUTHORIZED);
    assert_no_cookies(r);
    ck_assert_str_ne(fake_store_user(fs, ALICE_ID)->name, "Lifted");
    r = GET("/list-sessions", .authorization = lifted);
    assert_answer(r, 401, E_UNAUTHORIZED);
    r = POST("/revoke-sessions", .authorization = lifted);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1); /* the cookie's only */
}
END_TEST

/* set-auth-token goes with a session the request starts (the password was given) and to a
 * request that came with the Bearer token; a request that authenticated with the HttpOnly
 * cookie gets the cookie again but no token, which scripts on the page could read from the
 * header (Better Auth sends it with every session cookie). */
static const struct {
    const char *what;
    struct request req;
    bool token; /* set-auth-token expected */
} auth_token_cases[] = {
    {"refresh by cookie", {.method = "GET", .path = API "/get-session", .cookie = C_COOKIE}, false},
    {"refresh by bearer",
     {.method = "GET", .path = API "/get-session", .authorization = "Bearer " C_SIGNED},
     true},
    {"update-user by cookie",
     {.method = "POST",
      .path = API "/update-user",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"name\":\"N\"}"},
     false},
    {"update-user by bearer",
     {.method = "POST",
      .path = API "/update-user",
      .content_type = JSON_CT,
      .authorization = "Bearer " C_SIGNED,
      .body = "{\"name\":\"N\"}"},
     true},
    {"sign-in with a cookie",
     {.method = "POST",
      .path = API "/sign-in/email",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}"},
     true},
    {"change-password revoking, by cookie",
     {.method = "POST",
      .path = API "/change-password",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"currentPassword\":\"" PASSWORD "\",\"newPassword\":\"newpassword456\","
              "\"revokeOtherSessions\":true}"},
     true},
};

START_TEST(test_auth_token_only_to_bearer)
{
    struct response r;
    const char *token;

    configure((struct config){.bearer = true});
    seed_alice();
    seed_session(C_ID, C_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS); /* refresh due */
    r = dispatch(auth_token_cases[_i].req);
    ck_assert_msg(r.status == 200, "%s: status %d, body %s", auth_token_cases[_i].what, r.status,
                  r.body != NULL ? r.body : "(none)");
    ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") >= 1, "%s: no Set-Cookie",
                  auth_token_cases[_i].what);
    token = handler_harness_header(&r, "set-auth-token");
    if (auth_token_cases[_i].token) {
        ck_assert_msg(token != NULL, "%s: no set-auth-token", auth_token_cases[_i].what);
        ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"),
                         "set-auth-token");
    } else {
        ck_assert_msg(token == NULL, "%s: set-auth-token %s", auth_token_cases[_i].what, token);
        ck_assert_ptr_null(handler_harness_header(&r, "Access-Control-Expose-Headers"));
    }
}
END_TEST

/* ==== rate limits (ratelimit-01, ratelimit-03) ============================================ */

/* [ratelimit-01] 3 per 10 s on /sign-in: the 4th is refused before the handler runs, with
 * X-Retry-After and no code; another client address has its own bucket. */
START_TEST(test_rate_limit_sign_in)
{
    struct response r;
    const char *wrong = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong\"}";

    configure((struct config){.rate_limit = true});
    seed_alice();
    for (int i = 0; i < 3; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = wrong);
        assert_answer(r, 401, E_CREDENTIALS);
    }
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = wrong);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");
    ck_assert_ptr_null(handler_harness_header(&r, "Retry-After"));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 3);

    /* A correct password does not get through either. */
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = ALICE_SIGN_IN);
    assert_status(r, 429);

    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.11", .body = wrong);
    assert_answer(r, 401, E_CREDENTIALS);
    /* Another path is another bucket. */
    r = GET("/get-session", .remote_addr = "198.51.100.10");
    assert_answer(r, 200, "null");
}
END_TEST

/* [ratelimit-03] 100 per 10 s elsewhere. */
START_TEST(test_rate_limit_default_rule)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 100; i++) {
        r = GET("/ok", .remote_addr = "198.51.100.30");
        assert_status(r, 200);
    }
    r = GET("/ok", .remote_addr = "198.51.100.30");
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");


    /* Outside the base path nothing is counted. */
    fake_store_reset_calls(fs);
    r = dispatch((struct request){.method = "GET", .path = "/healthz"});
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* Deliberate deviation (issue 9 item 6): every route that hashes a password is as strict as
 * sign-in, 3 per 10 s per client, where Better Auth limits only /sign-in, /sign-up,
 * /change-password and /change-email that way. */
static const struct {
    const char *path;
    const char *body;
} hashing_routes[] = {
    {"/verify-password", "{\"password\":\"wrong-password\"}"},
    {"/delete-user", "{\"password\":\"wrong-password\"}"},
    {"/reset-password", "{\"newPassword\":\"password456\",\"token\":\"no-such-token\"}"},
    {"/change-password", "{\"currentPassword\":\"wrong-password\",\"newPassword\":"
                         "\"password456\"}"},
};

/* post_signed_in - POST body to API path as Alice's session H from remote_addr. */
static struct response post_signed_in(const char *path, const char *body, const char *remote_addr)
{
    struct request req = {
        .method = "POST",
        .path = arena_printf(arena, API "%s", path),
        .content_type = JSON_CT,
        .cookie = H_COOKIE,
        .origin = FRONT,
        .remote_addr = remote_addr,
        .body = body,
    };

    return dispatch(req);
}

START_TEST(test_rate_limit_hashing_routes)
{
    const char *path = hashing_routes[_i].path, *body = hashing_routes[_i].body;
    struct response r;

    configure((struct config){.rate_limit = true});
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    for (int i = 0; i < 3; i++) {
        r = post_signed_in(path, body, NULL);
        ck_assert_msg(r.status != 429, "%s: attempt %d refused", path, i + 1);
    }
    r = post_signed_in(path, body, NULL);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");
    /* Another client still gets through. */
    r = post_signed_in(path, body, "198.51.100.99");
    ck_assert_int_ne(r.status, 429);
}
END_TEST

/* Deliberate deviation: a request is counted under the route it matches, not its raw path.
 * Paths that match no route share one count per client (Better Auth counts each path, so a
 * client could spread over made-up paths, and each one grows the table). */
START_TEST(test_rate_limit_unrouted_shared)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 100; i++) {
        r = dispatch((struct request){.method = "GET",
                                      .path = arena_printf(arena, API "/nothing-%d", i)});
        assert_answer(r, 404, NULL);
    }
    r = GET("/nothing-else");
    assert_answer(r, 429, E_TOO_MANY);
    /* /sign-up/nothing is no route: no sign-up count, the shared one. */
    r = POST("/sign-up/nothing");
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), PEER "|(unrouted)");

    /* A wrong method on a route's path counts under that route, with its rule. */
    for (int i = 0; i < 3; i++) {
        r = GET("/sign-in/email");
        assert_answer(r, 404, NULL);
    }
    r = POST_JSON("/sign-in/email", .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);
}
END_TEST

/* The reset link's token is a credential: it never becomes part of a rate-limit key. */
START_TEST(test_rate_limit_reset_token_key)
{
    static const char token[] = "Zr4TokenThatMustNotBeStored9x";
    struct response r;

    configure((struct config){.rate_limit = true});
    r = dispatch((struct request){.method = "GET",
                                  .path = API "/reset-password/Zr4TokenThatMustNotBeStored9x",
                                  .query = "callbackURL=" FRONT "/reset"});
    ck_assert_int_ne(r.status, 429);
    r = GET("/reset-password/another-token");
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), PEER "|/reset-password/:token");
    ck_assert_ptr_null(strstr(fake_store_rate_key_at(fs, 0), token));
}
END_TEST

/* A client address that cannot be parsed: the port forms are the client's address (each its
 * own count); with no address at all the request is refused with a 500 (a front server
 * that passes no REMOTE_ADDR, README) rather than counted in one bucket every such client
 * would share. Without rate limits the address is not needed. */
START_TEST(test_rate_limit_unparsable_address)
{
    static const char *const none[] = {"", "unix:", "unix:/run/nginx.sock", "not-an-address"};
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 3; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.40:5000", .body = "{}");
        assert_status(r, 400);
    }
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.40:5001", .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.41:5000", .body = "{}");
    assert_status(r, 400);
    r = POST_JSON("/sign-in/email", .remote_addr = "[2001:db8::1]:5000", .body = "{}");
    assert_status(r, 400);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 2),
                     "2001:0db8:0000:0000:0000:0000:0000:0000|/sign-in/email");

    fake_store_reset_calls(fs);
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        for (int n = 0; n < 4; n++) {
            r = POST_JSON("/sign-in/email", .remote_addr = none[i], .body = "{}");
            assert_answer(r, 500, E_INTERNAL);
        }
    }
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);

    configure((struct config){.rate_limit = false});
    r = POST_JSON("/sign-in/email", .remote_addr = "", .body = "{}");
    assert_status(r, 400);
}
END_TEST

/* ==== failed sign-ins per account (NIST 800-63B 5.2.2; deliberate deviation) ============= */

#define WRONG_FOR(email) "{\"email\":\"" email "\",\"password\":\"wrong-password\"}"
#define NOBODY_EMAIL "nobody.632735@example.com"

/* sign_in_from - POST body to /sign-in/email from the n-th of many client addresses, so the
 * per-client limit never interferes. */
static struct response sign_in_from(int n, const char *body)
{
    struct request req = {
        .method = "POST",
        .path = API "/sign-in/email",
        .content_type = JSON_CT,
        .remote_addr = arena_printf(arena, "198.18.%d.%d", n / 250, n % 250 + 1),
        .body = body,
    };

    return dispatch(req);
}

/* guard_of - the guard row of an e-mail (NULL when it has none). */
static struct fake_guard *guard_of(const char *email)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];

    ck_assert_int_eq(account_guard_key(&app, email, key), 0);
    return fake_store_guard(fs, key);
}

/* unlock - move the account's clock past its lock (the test's way to let time pass). */
static void unlock(const char *email)
{
    struct fake_guard *g = guard_of(email);

    ck_assert_ptr_nonnull(g);
    g->locked_until_ms = fake_store_now_ms() - 1;
}

/* 5 free failures, then each one makes the next attempt wait 1 s, 2 s, 4 s, ...: refused with
 * the rate limiter's answer, even with the right password, from any address; an address with
 * no account behaves exactly alike; other accounts are untouched; a success starts over. */
START_TEST(test_account_guard_delays)
{
    static const char *const emails[] = {ALICE_EMAIL, NOBODY_EMAIL};
    struct response r;
    int n = 0;

    configure((struct config){.rate_limit = true, .guard = true});
    seed_alice();
    seed_bob();
    for (size_t e = 0; e < 2; e++) {
        const char *wrong = e == 0 ? WRONG_FOR(ALICE_EMAIL) : WRONG_FOR(NOBODY_EMAIL);

        for (int i = 0; i < 6; i++) {
            r = sign_in_from(n++, wrong);
            assert_answer(r, 401, E_CREDENTIALS);
        }
        r = sign_in_from(n++, wrong);
        assert_answer(r, 429, E_TOO_MANY);
        ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "1");
        r = sign_in_from(n++, e == 0 ? ALICE_SIGN_IN : wrong);
        assert_answer(r, 429, E_TOO_MANY);
        assert_no_cookies(r);

        unlock(emails[e]);
        r = sign_in_from(n++, wrong);
        assert_answer(r, 401, E_CREDENTIALS);
        r = sign_in_from(n++, wrong);
        assert_answer(r, 429, E_TOO_MANY);
        ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "2");
        ck_assert_int_eq(guard_of(emails[e])->consecutive, 7);

        /* Bob is not Alice. */
        r = sign_in_from(n++, "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" PASSWORD "\"}");
        assert_status(r, 200);
    }
    /* The upper-case spelling is the same account. */
    r = sign_in_from(n++, "{\"email\":\"ALICE.632735@EXAMPLE.COM\",\"password\":\"x\"}");
    assert_answer(r, 429, E_TOO_MANY);

    /* The owner, once the delay has passed: signed in, and 5 free tries again. */
    unlock(ALICE_EMAIL);
    r = sign_in_from(n++, ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->consecutive, 0);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->window_failures, 7);
    for (int i = 0; i < 5; i++) {
        r = sign_in_from(n++, WRONG_FOR(ALICE_EMAIL));
        assert_answer(r, 401, E_CREDENTIALS);
    }
    /* Bob signed in twice and failed never: no delay, no failures. */
    ck_assert_int_eq(guard_of(BOB_EMAIL)->window_failures, 0);
}
END_TEST

/* No more than 100 failures per account per 24 h, whatever the addresses: the 101st attempt
 * is refused until the window ends, the owner's too; after it the owner signs in. */
START_TEST(test_account_guard_ceiling)
{
    struct response r;
    int retry;

    configure((struct config){.rate_limit = true, .guard = true});
    seed_alice();
    seed_bob();
    for (int i = 0; i < 100; i++) {
        if (i > 0)
            unlock(ALICE_EMAIL);
        r = sign_in_from(i, WRONG_FOR(ALICE_EMAIL));
        assert_answer(r, 401, E_CREDENTIALS);
    }
    unlock(ALICE_EMAIL);
    r = sign_in_from(100, WRONG_FOR(ALICE_EMAIL));
    assert_answer(r, 429, E_TOO_MANY);
    retry = atoi(handler_harness_header(&r, "X-Retry-After"));
    ck_assert_msg(retry > 24 * 3600 - 60 && retry <= 24 * 3600, "X-Retry-After %d", retry);
    r = sign_in_from(101, ALICE_SIGN_IN);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->window_failures, 100);
    r = sign_in_from(102, "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" PASSWORD "\"}");
    assert_status(r, 200);

    /* A day later. */
    guard_of(ALICE_EMAIL)->window_start_ms -= 24 * HOUR_MS;
    r = sign_in_from(103, ALICE_SIGN_IN);
    assert_status(r, 200);
}
END_TEST

/* Off (AUTHFCGI_ACCOUNT_GUARD=false, or rate limits off): Better Auth's behaviour, no store
 * call. */
START_TEST(test_account_guard_off)
{
    struct response r;

    for (int c = 0; c < 2; c++) {
        configure((struct config){.rate_limit = c == 0, .guard = c == 1});
        seed_alice();
        fake_store_reset_calls(fs);
        for (int i = 0; i < 10; i++) {
            r = sign_in_from(i, WRONG_FOR(ALICE_EMAIL));
            assert_answer(r, 401, E_CREDENTIALS);
        }
        ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM), 0);
        world_free();
        world_new();
    }
}
END_TEST

/* Deliberate deviation (issue item 9): the client is REMOTE_ADDR; X-Forwarded-For counts only
 * from a trusted proxy, so a client cannot pick its own bucket. */
START_TEST(test_rate_limit_client_address)
{
    static const char *const forged[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3",
                                         "203.0.113.4"};
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 4; i++)
        r = POST_JSON("/sign-in/email", .x_forwarded_for = forged[i], .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);

    configure((struct config){.rate_limit = true, .trusted_proxies = "127.0.0.1"});
    for (int i = 0; i < 4; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "127.0.0.1", .x_forwarded_for = forged[i],
                      .body = "{}");
        assert_status(r, 400);
    }
    /* The address behind the proxy is what a new session records. */
    seed_alice();
    r = POST_JSON("/sign-in/email", .remote_addr = "127.0.0.1", .x_forwarded_for = "198.51.100.77",
                  .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_str_eq(session_of(jstr(body_json(&r), "token"))->ip_address, "198.51.100.77");
}
END_TEST

/* ==== store failures ====================================================================== */

/* Every endpoint in a state where it succeeds, with rate limiting on so the shared counter is
 * part of every request. The sweep first runs a scenario as is, notes which store operations
 * it used, then re-runs it once per used operation with that operation failing. */
struct scenario {
    const char *name;
    void (*seed)(void);
    struct request (*request)(void);
    int status; /* without failures */
};

static void seed_alice_h(void)
{
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
}

static void seed_alice_h_due(void)
{
    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
}

static void seed_alice_h_expired(void)
{
    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 7 * DAY_MS, -SEC_MS);
}

static void seed_nothing(void)
{
}

#define REQ(fn, ...)                                                                               \
    static struct request fn(void)                                                                 \
    {                                                                                              \
        return (struct request){__VA_ARGS__};                                                      \
    }
#define P(p) .method = "POST", .path = API p, .content_type = JSON_CT
#define SIGNED_IN .cookie = H_COOKIE, .origin = FRONT

REQ(req_sign_up, P("/sign-up/email"),
    .body = "{\"email\":\"new@example.com\",\"password\":\"password123\",\"name\":\"N\"}")
REQ(req_sign_in, P("/sign-in/email"), .body = ALICE_SIGN_IN)
REQ(req_sign_out, P("/sign-out"), SIGNED_IN, .body = "{}")
REQ(req_get_session, .method = "GET", .path = API "/get-session", .cookie = H_COOKIE)
REQ(req_list_sessions, .method = "GET", .path = API "/list-sessions", .cookie = H_COOKIE)
REQ(req_revoke_other, P("/revoke-session"), SIGNED_IN, .body = "{\"token\":\"" A2_TOKEN "\"}")
REQ(req_revoke_current, P("/revoke-session"), SIGNED_IN, .body = "{\"token\":\"" H_TOKEN "\"}")
REQ(req_revoke_sessions, P("/revoke-sessions"), SIGNED_IN, .body = "{}")
REQ(req_revoke_others, P("/revoke-other-sessions"), SIGNED_IN, .body = "{}")
REQ(req_change_password, P("/change-password"), SIGNED_IN,
    .body = "{\"currentPassword\":\"password123\",\"newPassword\":\"password456\"}")
REQ(req_change_password_revoke, P("/change-password"), SIGNED_IN,
    .body = "{\"currentPassword\":\"password123\",\"newPassword\":\"password456\","
            "\"revokeOtherSessions\":true}")
REQ(req_update_user, P("/update-user"), SIGNED_IN, .body = "{\"name\":\"Renamed\"}")
REQ(req_delete_user_password, P("/delete-user"), SIGNED_IN,
    .body = "{\"password\":\"password123\"}")
REQ(req_delete_user_fresh, P("/delete-user"), SIGNED_IN, .body = "{}")
REQ(req_list_accounts, .method = "GET", .path = API "/list-accounts", .cookie = H_COOKIE)
REQ(req_verify_password, P("/verify-password"), SIGNED_IN, .body = "{\"password\":\"password123\"}")
REQ(req_readyz, .method = "GET", .path = "/readyz")

static const struct scenario scenarios[] = {
    {"sign-up", seed_alice, req_sign_up, 200},
    {"sign-in", seed_alice, req_sign_in, 200},
    {"sign-out", seed_alice_h, req_sign_out, 200},
    {"get-session", seed_alice_h, req_get_session, 200},
    {"get-session refresh", seed_alice_h_due, req_get_session, 200},
    {"get-session expired", seed_alice_h_expired, req_get_session, 200},
    {"list-sessions", seed_alice_h, req_list_sessions, 200},
    {"revoke-session other", seed_alice_h, req_revoke_other, 200},
    {"revoke-session current", seed_alice_h, req_revoke_current, 200},
    {"revoke-sessions", seed_alice_h, req_revoke_sessions, 200},
    {"revoke-other-sessions", seed_alice_h, req_revoke_others, 200},
    {"change-password", seed_alice_h, req_change_password, 200},
    {"change-password revoke", seed_alice_h, req_change_password_revoke, 200},
    {"update-user", seed_alice_h, req_update_user, 200},
    {"delete-user password", seed_alice_h, req_delete_user_password, 200},
    {"delete-user fresh", seed_alice_h, req_delete_user_fresh, 200},
    {"list-accounts", seed_alice_h, req_list_accounts, 200},
    {"verify-password", seed_alice_h, req_verify_password, 200},
    {"readyz", seed_nothing, req_readyz, 200},
    {"sign-out without session", seed_nothing, req_sign_out, 200},
};

/* run_scenario - a fresh world, the scenario's rows, one request. */
static struct response run_scenario(const struct scenario *sc, int failing_op,
                                    enum db_status failure)
{
    world_free();
    world_new();
    configure((struct config){.rate_limit = true, .guard = true});
    sc->seed();
    fake_store_reset_calls(fs);
    if (failing_op >= 0)
        fake_store_fail(fs, (enum fake_op)failing_op, failure, 0);
    return dispatch(sc->request());
}

/* The answers to a failing store (STYLE.md lesson 2): DB_RETRY is 503 SERVICE_UNAVAILABLE
 * with Retry-After and never a 200; anything else is a 500 that tells nothing about SQL.
 * Neither sets or deletes cookies: the client should simply try again. */
static const struct {
    enum db_status failure;
    int status;
    const char *answer;
} failures[] = {
    {DB_RETRY, 503, E_UNAVAILABLE},
    {DB_FAIL, 500, E_INTERNAL},
    {DB_INVALID, 500, E_INTERNAL},
};

START_TEST(test_store_failures)
{
    const struct scenario *sc = &scenarios[_i];
    unsigned used[FAKE_OP__MAX];
    unsigned nused = 0;
    struct response r = run_scenario(sc, -1, DB_OK);

    ck_assert_msg(r.status == sc->status, "%s: %d without failures", sc->name, r.status);
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        used[op] = fake_store_calls(fs, (enum fake_op)op);
        nused += used[op] > 0;
    }
    ck_assert_msg(nused > 0, "%s uses no store operation", sc->name);
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        if (used[op] == 0)
            continue;
        for (size_t f = 0; f < sizeof(failures) / sizeof(failures[0]); f++) {
            int want = failures[f].status;
            const char *answer = failures[f].answer;

            /* readyz reports any failure as "not ready". */
            if (sc->request == req_readyz) {
                want = 503;
                answer = E_UNAVAILABLE;
            }
            r = run_scenario(sc, op, failures[f].failure);
            ck_assert_msg(r.status == want, "%s, %s -> %s: status %d, body %s", sc->name,
                          fake_op_name((enum fake_op)op), db_status_name(failures[f].failure),
                          r.status, r.body != NULL ? r.body : "(none)");
            ck_assert_msg(r.body != NULL && strcmp(r.body, answer) == 0, "%s, %s: body %s",
                          sc->name, fake_op_name((enum fake_op)op),
                          r.body != NULL ? r.body : "(none)");
            ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") == 0,
                          "%s, %s -> %s: Set-Cookie %s", sc->name, fake_op_name((enum fake_op)op),
                          db_status_name(failures[f].failure),
                          handler_harness_header(&r, "Set-Cookie"));
            ck_assert_msg(handler_harness_header(&r, "set-auth-token") == NULL,
                          "%s: set-auth-token", sc->name);
            if (want == 503)
                ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
            else
                ck_assert_ptr_null(handler_harness_header(&r, "Retry-After"));
        }
    }
}
END_TEST

/* A failure after a sliding refresh already happened leaves the refreshed cookie out too:
 * the 503 of get-session is nothing but a 503. */
START_TEST(test_store_failure_get_session_after_refresh)
{
    struct response r;

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    fake_store_fail(fs, FAKE_OP_SESSION_REFRESH, DB_RETRY, 0);
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
}
END_TEST

/* A failing rate-limit counter stops the request before any other store work. */
START_TEST(test_store_failure_rate_limit)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    seed_alice();
    fake_store_set_retry_after(fs, 2);
    fake_store_fail_always(fs, FAKE_OP_RATE_LIMIT_HIT, DB_RETRY);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "2");
    ck_assert_uint_eq(fake_store_total_calls(fs), 1);
}
END_TEST

/* ==== sign-in failures that cost the same [issue 9, item 2] ================================ */

/* The hashes one request computed, as password_trace names their kinds. */
struct work {
    char kinds[16][PASSWORD_KIND_SIZE];
    size_t n;
};

static void record_kind(const char *kind, void *ctx)
{
    struct work *w = ctx;

    if (w->n < sizeof(w->kinds) / sizeof(w->kinds[0]))
        snprintf(w->kinds[w->n++], PASSWORD_KIND_SIZE, "%s", kind);
}

static int kind_order(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* sign_in_work - sign in as email with password, expecting status; the kinds of hash computed,
 * sorted and joined by spaces (static buffer). */
static const char *sign_in_work(const char *email, const char *password, int status)
{
    static char joined[16 * PASSWORD_KIND_SIZE];
    struct work w = {.n = 0};
    struct response r;
    size_t used = 0;

    password_trace(record_kind, &w);
    r = POST_JSON(
        "/sign-in/email",
        .body = arena_printf(arena, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password));
    password_trace(NULL, NULL);
    assert_status(r, status);
    qsort(w.kinds, w.n, sizeof(w.kinds[0]), kind_order);
    joined[0] = '\0';
    for (size_t i = 0; i < w.n; i++)
        used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s", i > 0 ? " " : "",
                                 w.kinds[i]);
    return arena_strdup(arena, joined);
}

/* seed_hashed - a user whose credential holds password hashed in format at cost. */
static void seed_hashed(const char *id, const char *email, enum password_format format,
                        unsigned long cost)
{
    struct password_config cfg = {.format = format, .cost = cost};
    char hash[PASSWORD_HASH_SIZE];

    ck_assert_int_eq(password_hash(&cfg, PASSWORD, strlen(PASSWORD), hash, sizeof(hash)),
                     PASSWORD_OK);
    fake_store_add_user(fs, id, id, email, hash, NULL, fake_store_now_ms() - DAY_MS);
}

/* An adopted Better Auth database: Alice's hash is current (yescrypt, the configured cost 1), a
 * Better Auth user's scrypt was never upgraded, one hash is yescrypt at an older cost (2), one
 * is unreadable, one user has no password. Every failure - an unknown address included -
 * computes the same hashes: one of each kind the database holds. A success computes its own. */
START_TEST(test_sign_in_failures_equal_work)
{
    static const char *const failing[][2] = {
        {"nobody.632735@example.com", PASSWORD},      /* unknown address */
        {ALICE_EMAIL, "wrong password"},              /* current yescrypt */
        {"ba.632735@example.com", "wrong password"},  /* Better Auth scrypt */
        {"old.632735@example.com", "wrong password"}, /* yescrypt, older cost */
        {"bad.632735@example.com", PASSWORD},         /* unreadable hash */
        {"nopw.632735@example.com", PASSWORD},        /* no credential */
    };
    const char *unknown;

    seed_alice();
    seed_hashed("ba-user", "ba.632735@example.com", PASSWORD_BETTERAUTH, 0);
    seed_hashed("old-user", "old.632735@example.com", PASSWORD_YESCRYPT, 2);
    fake_store_add_user(fs, "bad-user", "Bad", "bad.632735@example.com", "not a hash", NULL,
                        fake_store_now_ms() - DAY_MS);
    fake_store_add_user(fs, "nopw-user", "NoPw", "nopw.632735@example.com", NULL, NULL,
                        fake_store_now_ms() - DAY_MS);
    unknown = sign_in_work(failing[0][0], failing[0][1], 401);
    ck_assert_str_eq(unknown, "$y$j75$ $y$j85$ scrypt");
    for (size_t i = 1; i < sizeof(failing) / sizeof(failing[0]); i++)
        ck_assert_msg(strcmp(sign_in_work(failing[i][0], failing[i][1], 401), unknown) == 0,
                      "%s computed \"%s\", an unknown address \"%s\"", failing[i][0],
                      sign_in_work(failing[i][0], failing[i][1], 401), unknown);
    /* The table was read once, for the first sign-in. */
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_KINDS), 1);
    /* A successful sign-in is not slowed down: its own hash only. */
    ck_assert_str_eq(sign_in_work(ALICE_EMAIL, PASSWORD, 200), "$y$j75$");
}
END_TEST

/* A kind the table did not hold when it was read (a hash written by another server since) is
 * learnt from the first sign-in that meets it, and computed by every failure after. */
START_TEST(test_sign_in_failures_learn_kinds)
{
    seed_alice();
    ck_assert_str_eq(sign_in_work("nobody.632735@example.com", PASSWORD, 401), "$y$j75$");
    seed_hashed("ba-user", "ba.632735@example.com", PASSWORD_BETTERAUTH, 0);
    ck_assert_str_eq(sign_in_work("ba.632735@example.com", "wrong password", 401),
                     "$y$j75$ scrypt");
    ck_assert_str_eq(sign_in_work("nobody.632735@example.com", PASSWORD, 401), "$y$j75$ scrypt");
    ck_assert_str_eq(sign_in_work(ALICE_EMAIL, "wrong password", 401), "$y$j75$ scrypt");
}
END_TEST

/* ==== the suite =========================================================================== */

#define LOOP(tc, fn, table)                                                                        \
    tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof((table)[0])))

static Suite *handlers_suite(void)
{
    Suite *s = suite_create("handlers");
    TCase *sign = tcase_create("sign");
    TCase *sessions = tcase_create("sessions");
    TCase *account = tcase_create("account");
    TCase *misc = tcase_create("bearer, rate limits, meta");
    TCase *faults = tcase_create("store failures");

    tcase_add_checked_fixture(sign, setup, teardown);
    tcase_add_test(sign, test_sign_up_success);
    tcase_add_test(sign, test_sign_up_remember_false);
    tcase_add_test(sign, test_sign_up_duplicate);
    tcase_add_test(sign, test_sign_up_duplicate_race);
    LOOP(sign, test_sign_up_refused, sign_up_refused);
    LOOP(sign, test_sign_up_accepted, sign_up_accepted);
    LOOP(sign, test_sign_up_csrf, sign_up_csrf);
    LOOP(sign, test_sign_up_check_order, sign_up_order);
    tcase_add_test(sign, test_sign_up_json_text);
    tcase_add_test(sign, test_sign_up_hash_storage);
    tcase_add_test(sign, test_https_cookies);
    tcase_add_test(sign, test_sign_in_success);
    tcase_add_test(sign, test_sign_in_client_gone);
    LOOP(sign, test_sign_in_callback, sign_in_callbacks);
    LOOP(sign, test_sign_in_empty_callback, sign_in_empty_callbacks);
    tcase_add_test(sign, test_sign_in_remember_false);
    tcase_add_test(sign, test_sign_in_form);
    LOOP(sign, test_sign_in_refused, sign_in_refused);
    LOOP(sign, test_sign_in_csrf, sign_in_csrf);
    tcase_add_test(sign, test_sign_in_upgrades_better_auth_hash);
    tcase_add_test(sign, test_sign_in_upgrade_failure_is_not_fatal);
    tcase_add_test(sign, test_sign_in_failures_equal_work);
    tcase_add_test(sign, test_sign_in_failures_learn_kinds);
    tcase_add_test(sign, test_sign_out);
    tcase_add_test(sign, test_sign_out_without_cookie);
    LOOP(sign, test_sign_out_refused, sign_out_refused);
    suite_add_tcase(s, sign);

    tcase_add_checked_fixture(sessions, setup, teardown);
    tcase_add_test(sessions, test_get_session_no_cookie);
    tcase_add_test(sessions, test_get_session_valid);
    LOOP(sessions, test_get_session_no_lookup, no_lookup);
    tcase_add_test(sessions, test_get_session_signed_odd_length);
    LOOP(sessions, test_get_session_cookie_variants, cookie_variants);
    tcase_add_test(sessions, test_get_session_post);
    tcase_add_test(sessions, test_get_session_sliding_refresh);
    LOOP(sessions, test_get_session_disable_refresh, disable_refresh);
    tcase_add_test(sessions, test_get_session_expired);
    tcase_add_test(sessions, test_get_session_stale);
    tcase_add_test(sessions, test_get_session_dont_remember);
    tcase_add_test(sessions, test_get_session_stray_session_data);
    tcase_add_test(sessions, test_get_session_user_gone);
    tcase_add_test(sessions, test_list_sessions);
    tcase_add_test(sessions, test_list_sessions_hashed);
    tcase_add_test(sessions, test_list_sessions_refreshes);
    tcase_add_test(sessions, test_list_sessions_refused);
    tcase_add_test(sessions, test_revoke_session);
    tcase_add_test(sessions, test_revoke_current_session);
    LOOP(sessions, test_revoke_session_refused, revoke_refused);
    tcase_add_test(sessions, test_revoke_session_hashed_handle);
    tcase_add_test(sessions, test_revoke_sessions);
    tcase_add_test(sessions, test_revoke_other_sessions);
    suite_add_tcase(s, sessions);

    tcase_add_checked_fixture(account, setup, teardown);
    tcase_add_test(account, test_change_password);
    LOOP(account, test_change_password_refused, change_password_refused);
    tcase_add_test(account, test_change_password_lengths);
    tcase_add_test(account, test_change_password_revoke_others);
    tcase_add_test(account, test_change_password_revoke_keeps_dont_remember);
    tcase_add_test(account, test_change_password_no_credential);
    LOOP(account, test_update_user, update_accepted);
    LOOP(account, test_update_user_refused, update_refused);
    tcase_add_test(account, test_update_user_keeps_dont_remember);
    LOOP(account, test_delete_user, delete_accepted);
    LOOP(account, test_delete_user_refused, delete_refused);
    tcase_add_test(account, test_delete_user_empty_password);
    tcase_add_test(account, test_fresh_age_boundary);
    tcase_add_test(account, test_delete_user_disabled);
    tcase_add_test(account, test_list_accounts);
    tcase_add_test(account, test_verify_password);
    suite_add_tcase(s, account);

    tcase_add_checked_fixture(misc, setup, teardown);
    tcase_add_test(misc, test_bearer_sign_up_and_in);
    LOOP(misc, test_bearer_get_session, bearer_reads);
    tcase_add_loop_test(misc, test_bearer_state_changing, 0, 2);
    tcase_add_test(misc, test_bearer_lifted_token);
    LOOP(misc, test_auth_token_only_to_bearer, auth_token_cases);
    tcase_add_test(misc, test_rate_limit_sign_in);
    tcase_add_test(misc, test_rate_limit_default_rule);
    tcase_add_test(misc, test_rate_limit_client_address);
    LOOP(misc, test_rate_limit_hashing_routes, hashing_routes);
    tcase_add_test(misc, test_rate_limit_unrouted_shared);
    tcase_add_test(misc, test_rate_limit_reset_token_key);
    tcase_add_test(misc, test_rate_limit_unparsable_address);
    tcase_add_test(misc, test_account_guard_delays);
    tcase_add_test(misc, test_account_guard_ceiling);
    tcase_add_test(misc, test_account_guard_off);
    LOOP(misc, test_error_redirect, error_redirects);
    LOOP(misc, test_not_routed, not_routed);
    tcase_add_test(misc, test_ok);
    suite_add_tcase(s, misc);

    tcase_add_checked_fixture(faults, setup, teardown);
    LOOP(faults, test_store_failures, scenarios);
    tcase_add_test(faults, test_store_failure_get_session_after_refresh);
    tcase_add_test(faults, test_store_failure_rate_limit);
    suite_add_tcase(s, faults);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(handlers_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
