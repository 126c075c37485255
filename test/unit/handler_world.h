/* handler_world - what the check_handlers_* suites share: the world of one test (a fake store,
 * an app configured as a worker would be, an arena), the reference peer's further tokens and
 * recorded answers, and helpers that compute what Better Auth would send. Each suite runs one
 * concern of the Better Auth API through router_dispatch (see handler_harness.h). */
#ifndef AUTHFCGI_HANDLER_WORLD_H
#define AUTHFCGI_HANDLER_WORLD_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "global/settings.h"

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
extern const char *const deletion[3];

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

/* Requests and rows the suites share. */
#define ALICE_SIGN_IN "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}"
#define STATUS_TRUE "{\"status\":true}"
#define A2_ID "a2session00000000000000000000000"
#define B_ID "bobsession000000000000000000000a"

/* ---- the world of one test --------------------------------------------------------------- */

struct config {
    bool hash;            /* AUTHFCGI_SESSION_STORAGE=hash (else plain, as Better Auth stores) */
    bool bearer;          /* the bearer plugin's behaviour */
    bool bearer_unsigned; /* AUTHFCGI_BEARER_UNSIGNED: a bare token counts too */
    bool rate_limit;      /* AUTHFCGI_RATE_LIMIT */
    bool guard;           /* AUTHFCGI_ACCOUNT_GUARD (acts only with rate_limit) */
    bool no_delete;       /* AUTHFCGI_DELETE_USER off */
    const char *base_url;
    const char *trusted_proxies;
};

/* The world itself (fs, arena, settings, app) is harness_app.h's. */
/* parsed - the last body body_json parsed. */
extern struct json_object *parsed;

/* configure - (re)build the app as a worker would from settings. The transcripts' main group
 * ran without the bearer plugin and without rate limiting, with tokens stored as given. */
void configure(struct config cfg);
void world_new(void);
void world_free(void);
void setup(void);
void teardown(void);
struct response dispatch(struct request req);
/* body_json - parse the response body (kept until the next call or the end of the test). */
struct json_object *body_json(const struct response *r);
/* jget - a member by dotted path ("user.email", "0.token"); asserts it exists. */
struct json_object *jget(struct json_object *o, const char *path);
const char *jstr(struct json_object *o, const char *path);
/* signed_forms - token "." base64(HMAC-SHA256(secret, token)) as decoded (set-auth-token) and
 * encodeURIComponent'ed (cookie) text, computed here with libcrypto directly. */
void signed_forms(const char *token, char **decoded, char **encoded);
/* session_line - the Set-Cookie value Better Auth sends for a live session. */
const char *session_line(const char *token, bool max_age);
const char *session_cookie(const char *token);
const char *iso(int64_t ms);
/* user_json - Better Auth's user object for a row of the fake, keys in its order [main-04]. */
const char *user_json(const char *id);
/* session_json - Better Auth's session object [main-20], showing token as the client sees it. */
const char *session_json(const struct fake_session *s, const char *token);
void seed_alice(void);
void seed_bob(void);
/* seed_session - a session created created_ago_ms ago that expires expires_in_ms from now,
 * stored in the configured form. */
struct fake_session *seed_session(const char *id, const char *raw, const char *user_id,
                                  int64_t created_ago_ms, int64_t expires_in_ms);
/* A session an hour old, last extended when it was created: neither due for the sliding
 * refresh nor stale. */
struct fake_session *seed_live(const char *id, const char *raw, const char *user_id);
struct fake_session *session_of(const char *raw);
/* long_string - count copies of unit. */
const char *long_string(const char *unit, int count);
bool is_token(const char *s);

void assert_no_store(const struct response *r);
/* get_session_json - the body for a valid session, from the fake's current rows. */
const char *get_session_json(const char *raw);

#define assert_deletion(r) handler_harness_check_cookies(&(r), 3, deletion)

/* handler_world_main - run suite s and answer main's exit status. */
#define handler_world_main harness_run

#endif
