/* check_flows - the mail-link endpoints through router_dispatch against the fake store:
 * request-password-reset, GET and POST reset-password, send-verification-email, verify-email,
 * change-email, and sign-up / sign-in with AUTHFCGI_REQUIRE_EMAIL_VERIFICATION, each success
 * path and recorded error compared with Better Auth 1.7.25's answers (the transcript section
 * is named as [main-NN]); the single use of every link (our deviation); what is queued in the
 * outbox and in which transaction; every store operation of every flow made to fail. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "app.h"
#include "arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "http.h"
#include "mail_token.h"
#include "password.h"
#include "router.h"
#include "session.h"
#include "settings.h"

/* ---- the reference peer's configuration (auth.mjs) --------------------------------------- */

#define API_BASE BASE_URL "/api/auth"
#define MAIL_FROM "Example <noreply@example.com>"
#define NEW_PASSWORD "newpassword456"
#define ALICE_NEW "alice.new.632735@example.com"
#define RESET_TOKEN "Js4MBhbBXKcsSjnMkQZlnYBL"

#define N_LINE N_COOKIE "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"

/* Recorded bodies. */
#define E_INVALID_TOKEN_400 "{\"message\":\"Invalid token\",\"code\":\"INVALID_TOKEN\"}"
#define E_INVALID_TOKEN_401 E_INVALID_TOKEN_400
#define E_TOKEN_EXPIRED "{\"message\":\"Token expired\",\"code\":\"TOKEN_EXPIRED\"}"
#define E_REDIRECT "{\"message\":\"Invalid redirectURL\",\"code\":\"INVALID_REDIRECT_URL\"}"
#define E_MISMATCH "{\"message\":\"Email mismatch\",\"code\":\"EMAIL_MISMATCH\"}"
#define E_ALREADY "{\"message\":\"Email is already verified\",\"code\":\"EMAIL_ALREADY_VERIFIED\"}"
#define E_SAME "{\"message\":\"Email is the same\"}"
#define E_NOT_VERIFIED "{\"message\":\"Email not verified\",\"code\":\"EMAIL_NOT_VERIFIED\"}"
#define RESET_REQUESTED                                                                            \
    "{\"status\":true,\"message\":\"If this email exists in our system, check your email for "     \
    "the reset link\"}"
#define STATUS_TRUE "{\"status\":true}"

/* ---- the world of one test --------------------------------------------------------------- */

struct config {
    bool no_mail;      /* AUTHFCGI_MAIL_FROM unset */
    bool change_email; /* AUTHFCGI_CHANGE_EMAIL */
    bool require;      /* AUTHFCGI_REQUIRE_EMAIL_VERIFICATION */
    bool on_sign_up;   /* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP */
    bool on_sign_in;   /* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN */
    bool keep_sessions; /* AUTHFCGI_REVOKE_SESSIONS_ON_RESET=off (Better Auth's default) */
    bool rate_limit;
    bool hash; /* AUTHFCGI_SESSION_STORAGE=hash (the suite runs plain, as Better Auth stores) */
};

static struct fake_store *fs;
static struct arena *arena;
static struct settings settings;
static struct app app;
static bool app_ready;

static int build(struct config cfg, char *err, size_t errlen)
{
    settings = (struct settings){
        .secret = SECRET,
        .base_url = BASE_URL,
        .trusted_origins = FRONT,
        .session_storage = cfg.hash ? "hash" : "plain",
        .rate_limit = cfg.rate_limit,
        .password_hash = "yescrypt",
        .password_cost = 1,
        .mail_from = cfg.no_mail ? NULL : MAIL_FROM,
        .change_email = cfg.change_email,
        .require_email_verification = cfg.require,
        .send_verification_on_sign_up = cfg.on_sign_up,
        .send_verification_on_sign_in = cfg.on_sign_in,
        .revoke_sessions_on_reset = !cfg.keep_sessions,
    };
    return app_init(&app, &settings, fake_store_store(fs), err, errlen);
}

static void configure(struct config cfg)
{
    char err[256];

    if (app_ready)
        app_free(&app);
    app_ready = false;
    ck_assert_msg(build(cfg, err, sizeof(err)) == 0, "%s", err);
    app_ready = true;
}

static void setup(void)
{
    fs = fake_store_new();
    arena = arena_create(64 * 1024);
    app_ready = false;
    configure((struct config){.change_email = true});
}

static void teardown(void)
{
    if (app_ready)
        app_free(&app);
    app_ready = false;
    fake_store_free(fs);
    arena_destroy(arena);
}

/* ---- requests and responses -------------------------------------------------------------- */

static struct response dispatch(struct request req)
{
    return handler_harness_dispatch(&app, arena, req);
}

/* A browser signed in as N: its cookie and the trusted Origin. */
#define AS_N .cookie = N_COOKIE, .origin = FRONT

/* check_redirect - Better Auth's endpoint redirect: 302, this Location, an empty JSON body
 * (a Content-Type and nothing else) [main-32, main-39]. */
static void check_redirect(const struct response *r, const char *location, int line)
{
    const char *have = handler_harness_header(r, "Location");

    ck_assert_msg(r->status == 302, "line %d: status %d, body %s", line, r->status,
                  r->body != NULL ? r->body : "(none)");
    ck_assert_msg(have != NULL && strcmp(have, location) == 0, "line %d: Location %s, expected %s",
                  line, have != NULL ? have : "(none)", location);
    ck_assert_msg(r->body != NULL && r->body_len == 0, "line %d: body", line);
}

#define assert_redirect(r, location) check_redirect(&(r), (location), __LINE__)

#define assert_ends_with(s, suffix)                                                                \
    do {                                                                                           \
        const char *s_ = (s);                                                                      \
        size_t n_ = strlen(s_), m_ = strlen(suffix);                                               \
        ck_assert_msg(n_ >= m_ && strcmp(s_ + n_ - m_, (suffix)) == 0, "%s does not end in %s",    \
                      s_, (suffix));                                                               \
    } while (0)

/* ---- seeding and reading the world ------------------------------------------------------- */

static void seed_alice(void)
{
    handler_harness_seed_alice(fs, &app);
}

static void seed_bob(void)
{
    handler_harness_seed_bob(fs, &app);
}

/* seed_n - alice signed in as N an hour ago (no sliding refresh due). */
static void seed_n(void)
{
    int64_t now = fake_store_now_ms();

    seed_alice();
    fake_store_add_session(fs, N_ID, N_TOKEN, ALICE_ID, NULL, now - HOUR_MS,
                           now + 7 * DAY_MS - HOUR_MS);
}

static void seed_reset_token(const char *token, const char *user_id, int64_t expires_in_ms)
{
    fake_store_add_verification(fs, "VerificationRow0000000000000000a",
                                arena_printf(arena, "reset-password:%s", token), user_id,
                                fake_store_now_ms() + expires_in_ms);
}

static bool password_is(const char *user_id, const char *password)
{
    struct fake_account *acc = fake_store_credential(fs, user_id);

    return acc != NULL && password_verify(&app.passwords, password, strlen(password), acc->password,
                                          NULL) == PASSWORD_OK;
}

/* mail_link - the link in the i-th queued mail: the line that starts with the API base. */
static const char *mail_link(size_t i)
{
    const struct fake_mail *m = fake_store_mail_at(fs, i);
    const char *start, *end;

    ck_assert_msg(m != NULL, "no mail #%zu", i);
    start = strstr(m->text, "\n" API_BASE "/");
    ck_assert_msg(start != NULL, "no link in mail:\n%s", m->text);
    start++;
    end = strchr(start, '\n');
    ck_assert_ptr_nonnull(end);
    return arena_strndup(arena, start, (size_t)(end - start));
}

/* between - the text of s after prefix up to stop (or the end). */
static const char *between(const char *s, const char *prefix, char stop)
{
    const char *p = strstr(s, prefix), *e;

    ck_assert_msg(p != NULL, "%s not in %s", prefix, s);
    p += strlen(prefix);
    e = strchr(p, stop);
    return arena_strndup(arena, p, e != NULL ? (size_t)(e - p) : strlen(p));
}

/* link_token - the token=... of a verify-email link. */
static const char *link_token(const char *link)
{
    return between(link, "token=", '&');
}

static struct mail_claims claims_of(const char *jwt)
{
    struct mail_claims c;

    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), jwt, strlen(jwt), (int64_t)time(NULL), &c),
        JWT_OK);
    return c;
}

/* verify_query - ?token=...[&callbackURL=...] with the callback percent-encoded as a browser
 * would send the link's own. */
static const char *verify_query(const char *jwt, const char *encoded_callback)
{
    return encoded_callback != NULL
               ? arena_printf(arena, "token=%s&callbackURL=%s", jwt, encoded_callback)
               : arena_printf(arena, "token=%s", jwt);
}

/* issue_link - a verify-email (or change-email) JWT of ours, with its row, for user/email. */
static const char *issue_link(const char *user_id, const char *email, const char *update_to,
                              int64_t row_expires_in_ms)
{
    char jti[RANDOM_TOKEN_LEN + 1];
    struct mail_claims c = {.email = email,
                            .user_id = user_id,
                            .update_to = update_to,
                            .request_type = update_to != NULL ? MAIL_TOKEN_CHANGE_EMAIL : NULL,
                            .jti = jti};

    ck_assert_int_eq(random_token(jti, RANDOM_TOKEN_LEN), 0);
    fake_store_add_verification(fs, "VerificationRow0000000000000000b",
                                arena_printf(arena, "verify-email:%s", jti), user_id,
                                fake_store_now_ms() + row_expires_in_ms);
    return mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
}

/* ---- equal work before the answer [issue 9, items 2 and 6] ---- */

/* The store calls of each kind a request made before its answer was out, and after. */
struct work {
    unsigned before[FAKE_OP__MAX];
    unsigned after[FAKE_OP__MAX];
};

/* work_of - what the request just dispatched did (calls counted since the last reset);
 * resets the counts for the next one. */
static struct work work_of(void)
{
    struct work w;

    for (int op = 0; op < FAKE_OP__MAX; op++) {
        w.after[op] = fake_store_calls_answered(fs, (enum fake_op)op);
        w.before[op] = fake_store_calls(fs, (enum fake_op)op) - w.after[op];
    }
    fake_store_reset_calls(fs);
    return w;
}

/* assert_same_answer_work - two requests of a pair made the same store calls before their
 * answers, and one each after: nothing but the answers' timing could tell them apart, and
 * that has nothing to show. (The database work is what differs between the branches: the hash-free
 * handlers' CPU is the same code either way.) */
static void assert_same_answer_work(const struct work *a, const struct work *b, const char *pair)
{
    unsigned after_a = 0, after_b = 0;

    for (int op = 0; op < FAKE_OP__MAX; op++) {
        ck_assert_msg(a->before[op] == b->before[op], "%s: %u calls of %s before the answer, %u",
                      pair, a->before[op], fake_op_name((enum fake_op)op), b->before[op]);
        after_a += a->after[op];
        after_b += b->after[op];
    }
    /* After the answer one branch queues its mail, the other prepares it and reads instead:
     * one round trip each. */
    ck_assert_msg(after_a == 1 && after_b == 1, "%s: %u and %u store calls after the answer", pair,
                  after_a, after_b);
}

/* ==== request-password-reset ============================================================== */

/* [main-30]: a known user gets a 24-character token row (an hour, value = user id) and a mail
 * whose link carries redirectTo as callbackURL, encoded as recorded. */
START_TEST(test_request_reset_known)
{
    struct response r;
    const struct fake_mail *m;
    struct fake_verification *row;
    const char *link, *token;
    int64_t now;

    seed_alice();
    r = POST_JSON("/request-password-reset",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"" FRONT "/reset\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    m = fake_store_mail_at(fs, 0);
    ck_assert_int_eq(m->kind, MAIL_RESET_PASSWORD);
    ck_assert_str_eq(m->recipient, ALICE_EMAIL);
    link = mail_link(0);
    token = between(link, API_BASE "/reset-password/", '?');
    ck_assert_uint_eq(strlen(token), RANDOM_RESET_TOKEN_LEN);
    ck_assert_uint_eq(
        strspn(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        RANDOM_RESET_TOKEN_LEN);
    ck_assert_str_eq(link, arena_printf(arena,
                                        API_BASE "/reset-password/%s?callbackURL=http%%3A%%2F%%2F"
                                                 "localhost%%3A8080%%2Freset",
                                        token));
    row = fake_store_verification(fs, arena_printf(arena, "reset-password:%s", token));
    ck_assert_ptr_nonnull(row);
    ck_assert_str_eq(row->value, ALICE_ID);
    now = fake_store_now_ms();
    ck_assert_int_le(row->expires_ms, now + HOUR_MS);
    ck_assert_int_gt(row->expires_ms, now + HOUR_MS - 10 * SEC_MS);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_MAIL_ISSUE), 1);
}
END_TEST

/* [main-31]: the mail goes to the stored address whatever the case asked; no redirectTo makes
 * an empty callbackURL. Links come from the base URL, never from the request's Host. */
START_TEST(test_request_reset_upper_case)
{
    struct response r;
    const char *link;

    seed_alice();
    r = POST_JSON("/request-password-reset", .body = "{\"email\":\"ALICE.632735@EXAMPLE.COM\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_str_eq(fake_store_mail_at(fs, 0)->recipient, ALICE_EMAIL);
    link = mail_link(0);
    ck_assert_msg(strncmp(link, API_BASE "/reset-password/", strlen(API_BASE) + 16) == 0, "%s",
                  link);
    assert_ends_with(link, "?callbackURL=");
}
END_TEST

/* [main-31]: an unknown address gets the very same answer, and nothing is written. */
START_TEST(test_request_reset_unknown)
{
    struct response r;

    seed_alice();
    r = POST_JSON("/request-password-reset",
                  .body = "{\"email\":\"nobody.632735@example.com\",\"redirectTo\":\"/reset\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    ck_assert_uint_eq(fake_store_mail_count(fs), 0);
    ck_assert_uint_eq(fake_store_verification_count(fs), 0);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_MAIL_ISSUE), 0);
}
END_TEST

/* [issue 9]: a known and an unknown address are answered after the same store work; the
 * known one's row and mail are queued after the answer, in one transaction. */
START_TEST(test_request_reset_equal_work)
{
    struct work known, unknown;
    struct response r;

    seed_alice();
    fake_store_reset_calls(fs);
    r = POST_JSON("/request-password-reset", .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    known = work_of();
    r = POST_JSON("/request-password-reset", .body = "{\"email\":\"nobody.632735@example.com\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    unknown = work_of();
    assert_same_answer_work(&known, &unknown, "request-password-reset known/unknown");
    ck_assert_uint_eq(known.after[FAKE_OP_MAIL_ISSUE], 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
    ck_assert_str_eq(fake_store_mail_at(fs, 0)->recipient, ALICE_EMAIL);
}
END_TEST

/* [main-31]: refused before any store work. */
static const struct {
    const char *body;
    const char *origin;
    int status;
    const char *answer;
} reset_refused[] = {
    {"{\"email\":\"bad\"}", NULL, 400, E_VALIDATION("[body.email] Invalid email address")},
    {"{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"" EVIL "/reset\"}", NULL, 403, E_REDIRECT},
    {"{}", NULL, 400,
     E_VALIDATION("[body.email] Invalid input: expected string, received undefined")},
    /* A foreign Origin without a cookie is not checked here [main-31]. */
    {"{\"email\":\"nobody.632735@example.com\"}", EVIL, 200, RESET_REQUESTED},
};

START_TEST(test_request_reset_refused)
{
    struct response r;

    seed_alice();
    r = POST_JSON("/request-password-reset", .body = reset_refused[_i].body,
                  .origin = reset_refused[_i].origin);
    assert_answer(r, reset_refused[_i].status, reset_refused[_i].answer);
    ck_assert_uint_eq(fake_store_mail_count(fs), 0);
}
END_TEST

/* Without AUTHFCGI_MAIL_FROM Better Auth's answer for "no sender": RESET_PASSWORD_DISABLED. */
START_TEST(test_request_reset_without_mail)
{
    struct response r;

    configure((struct config){.no_mail = true});
    seed_alice();
    r = POST_JSON("/request-password-reset", .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Reset password isn't enabled\",\"code\":"
                  "\"RESET_PASSWORD_DISABLED\"}");
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* ==== GET /reset-password/:token [main-32] ================================================ */

static const struct {
    const char *token;
    const char *query;
    const char *location; /* NULL: the answer below */
    int status;
    const char *answer;
} reset_links[] = {
    {RESET_TOKEN, "callbackURL=http%3A%2F%2Flocalhost%3A8080%2Freset",
     FRONT "/reset?token=" RESET_TOKEN, 0, NULL},
    /* A relative callback is resolved against the base URL. */
    {RESET_TOKEN, "callbackURL=%2Freset", BASE_URL "/reset?token=" RESET_TOKEN, 0, NULL},
    /* A callback with a query gets &token= [§17]. */
    {RESET_TOKEN, "callbackURL=%2Freset%3Fstep%3D2", BASE_URL "/reset?step=2&token=" RESET_TOKEN, 0,
     NULL},
    {"invalidtoken", "callbackURL=http%3A%2F%2Flocalhost%3A8080%2Freset",
     FRONT "/reset?error=INVALID_TOKEN", 0, NULL},
    {"invalidtoken", "callbackURL=%2Freset", BASE_URL "/reset?error=INVALID_TOKEN", 0, NULL},
    /* An empty callback: Better Auth's error page, whatever the token. */
    {RESET_TOKEN, "callbackURL=", API_BASE "/error?error=INVALID_TOKEN", 0, NULL},
    {RESET_TOKEN, "", NULL, 400,
     E_VALIDATION("[query.callbackURL] Invalid input: expected string, received undefined")},
    {RESET_TOKEN, "callbackURL=https%3A%2F%2Fevil.example%2Fr", NULL, 403, E_CALLBACK},
    {RESET_TOKEN, "callbackURL=%2F%2Fevil.example%2Fr", NULL, 403, E_CALLBACK},
};

START_TEST(test_reset_link)
{
    struct response r;
    const char *path = arena_printf(arena, API "/reset-password/%s", reset_links[_i].token);

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = dispatch((struct request){.method = "GET", .path = path, .query = reset_links[_i].query});
    if (reset_links[_i].location != NULL) {
        assert_redirect(r, reset_links[_i].location);
        ck_assert_str_eq(handler_harness_header(&r, "Content-Type") != NULL
                             ? handler_harness_header(&r, "Content-Type")
                             : JSON_CT,
                         JSON_CT);
    } else {
        assert_answer(r, reset_links[_i].status, reset_links[_i].answer);
    }
    /* Opening the link never uses the token up. */
    ck_assert_ptr_nonnull(fake_store_verification(fs, "reset-password:" RESET_TOKEN));
}
END_TEST

/* An expired row is an invalid token. */
START_TEST(test_reset_link_expired)
{
    struct response r;

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, -SEC_MS);
    r = GET("/reset-password/" RESET_TOKEN, .query = "callbackURL=%2Freset");
    assert_redirect(r, BASE_URL "/reset?error=INVALID_TOKEN");
}
END_TEST

/* The parameter is one non-empty segment; other methods and shapes are not routed. */
static const struct {
    const char *method;
    const char *path;
} reset_not_routed[] = {
    {"GET", API "/reset-password/"},
    {"GET", API "/reset-password/a/b"},
    {"GET", API "/reset-password/" RESET_TOKEN "/"},
    {"POST", API "/reset-password/" RESET_TOKEN},
    {"GET", API "/reset-password"},
    {"GET", API "/reset-passwordX/" RESET_TOKEN},
};

START_TEST(test_reset_link_not_routed)
{
    struct response r = dispatch((struct request){.method = reset_not_routed[_i].method,
                                                  .path = reset_not_routed[_i].path,
                                                  .query = "callbackURL=%2Freset"});

    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_null(r.body);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* ==== POST /reset-password [main-33, main-34] ============================================= */

/* [main-34]: the new password works, the token is used up, no cookie. The user's sessions go
 * with the reset (AUTHFCGI_REVOKE_SESSIONS_ON_RESET's default; Better Auth keeps them). */
START_TEST(test_reset_password)
{
    struct response r;

    seed_n();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
    ck_assert(!password_is(ALICE_ID, PASSWORD));
    ck_assert_ptr_null(fake_store_verification(fs, "reset-password:" RESET_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
    ck_assert_uint_eq(fake_store_account_count(fs, ALICE_ID), 1);

    /* Reuse: the token is gone. */
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"newpassword789\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 400, E_INVALID_TOKEN_400);
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
}
END_TEST

/* [main-34]: the token may come as ?token= */
START_TEST(test_reset_password_query_token)
{
    struct response r;

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = POST_JSON("/reset-password", .query = "token=" RESET_TOKEN,
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
}
END_TEST

/* [main-33]: the recorded 400s; the length rules come before the token lookup. */
static const struct {
    const char *body;
    const char *answer;
    unsigned lookups;
} reset_refused_post[] = {
    {"{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"invalid\"}", E_INVALID_TOKEN_400, 1},
    {"{\"newPassword\":\"" NEW_PASSWORD "\"}", E_INVALID_TOKEN_400, 0},
    {"{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"\"}", E_INVALID_TOKEN_400, 0},
    {"{\"newPassword\":\"short\",\"token\":\"" RESET_TOKEN "\"}", E_TOO_SHORT, 0},
    {"{\"newPassword\":"
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"token\":\"" RESET_TOKEN "\"}",
     E_TOO_LONG, 0},
    {"{\"token\":\"" RESET_TOKEN "\"}",
     E_VALIDATION("[body.newPassword] Invalid input: expected string, received undefined"), 0},
};

START_TEST(test_reset_password_refused)
{
    struct response r;

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = POST_JSON("/reset-password", .body = reset_refused_post[_i].body);
    ck_assert_int_eq(r.status, 400);
    assert_answer(r, 400, reset_refused_post[_i].answer);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_VERIFICATION_FIND),
                      reset_refused_post[_i].lookups);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_RESET), 0);
    ck_assert(password_is(ALICE_ID, PASSWORD));
    ck_assert_ptr_nonnull(fake_store_verification(fs, "reset-password:" RESET_TOKEN));
}
END_TEST

/* [main-33]: an expired token (the row's expiresAt moved into the past). */
START_TEST(test_reset_password_expired)
{
    struct response r;

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, -SEC_MS);
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 400, E_INVALID_TOKEN_400);
    ck_assert(password_is(ALICE_ID, PASSWORD));
}
END_TEST

/* A concurrent reset used the token between the lookup and the transaction. */
START_TEST(test_reset_password_race)
{
    struct response r;

    seed_alice();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    fake_store_fail(fs, FAKE_OP_PASSWORD_RESET, DB_NOTFOUND, 0);
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 400, E_INVALID_TOKEN_400);
    ck_assert(password_is(ALICE_ID, PASSWORD));
}
END_TEST

/* AUTHFCGI_REVOKE_SESSIONS_ON_RESET (on by default): every session of the user goes with the
 * reset, the one the reset request carries too, and nobody else's; off (_i = 1), Better Auth's
 * default [main-34], they all stay. */
START_TEST(test_reset_password_revokes)
{
    struct response r;
    int64_t now = fake_store_now_ms();

    if (_i == 1)
        configure((struct config){.keep_sessions = true});
    seed_n();
    seed_bob();
    fake_store_add_session(fs, H_ID, H_TOKEN, BOB_ID, NULL, now - HOUR_MS, now + DAY_MS);
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = POST_JSON("/reset-password", AS_N,
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), _i == 1 ? 1 : 0);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);
    r = GET("/get-session", .cookie = N_COOKIE);
    if (_i == 1) {
        assert_status(r, 200);
        ck_assert_ptr_nonnull(strstr(r.body, "\"token\":\"" N_TOKEN "\""));
    } else {
        assert_answer(r, 200, "null");
    }
}
END_TEST

/* A user without a credential account gets one, as Better Auth's resetCredentialPassword. */
START_TEST(test_reset_password_creates_credential)
{
    struct response r;
    struct fake_account *acc;

    handler_harness_seed_user(fs, &app, BOB_ID, "Bob", BOB_EMAIL, NULL, NULL);
    seed_reset_token(RESET_TOKEN, BOB_ID, HOUR_MS);
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    acc = fake_store_credential(fs, BOB_ID);
    ck_assert_ptr_nonnull(acc);
    ck_assert_str_eq(acc->account_id, BOB_ID);
    ck_assert_uint_eq(strlen(acc->id), RANDOM_TOKEN_LEN);
    ck_assert(password_is(BOB_ID, NEW_PASSWORD));
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" NEW_PASSWORD "\"}");
    ck_assert_int_eq(r.status, 200);
}
END_TEST

/* The whole flow through the router: request, link, reset, sign in [main-30..34]. */
START_TEST(test_reset_flow)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST_JSON("/request-password-reset",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"/reset\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    token = between(mail_link(0), "/reset-password/", '?');
    r = dispatch((struct request){.method = "GET",
                                  .path = arena_printf(arena, API "/reset-password/%s", token),
                                  .query = "callbackURL=%2Freset"});
    assert_redirect(r, arena_printf(arena, BASE_URL "/reset?token=%s", token));
    r = POST_JSON("/reset-password",
                  .body = arena_printf(arena, "{\"newPassword\":\"%s\",\"token\":\"%s\"}",
                                       NEW_PASSWORD, token));
    assert_answer(r, 200, STATUS_TRUE);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}");
    assert_answer(r, 401, E_CREDENTIALS);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" NEW_PASSWORD "\"}");
    ck_assert_int_eq(r.status, 200);
    /* The used link now redirects with an error. */
    r = dispatch((struct request){.method = "GET",
                                  .path = arena_printf(arena, API "/reset-password/%s", token),
                                  .query = "callbackURL=%2Freset"});
    assert_redirect(r, BASE_URL "/reset?error=INVALID_TOKEN");
}
END_TEST

/* sha256_hex - the SHA-256 of s in lower-case hex, an arena string. */
static const char *sha256_hex(const char *s)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char *hex = arena_alloc(arena, 2 * EVP_MAX_MD_SIZE + 1);

    ck_assert(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) == 1);
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

/* Under hashed token storage the row of a reset link holds the token's SHA-256, not the token;
 * the link still works once. A row in Better Auth's plain form (written before the upgrade)
 * is no longer found, and the digest itself is no token. */
START_TEST(test_reset_flow_hashed)
{
    struct response r;
    struct fake_verification *row;
    const char *token;

    configure((struct config){.hash = true});
    seed_alice();
    r = POST_JSON("/request-password-reset",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"/reset\"}");
    assert_answer(r, 200, RESET_REQUESTED);
    token = between(mail_link(0), "/reset-password/", '?');
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
    ck_assert_ptr_null(
        fake_store_verification(fs, arena_printf(arena, "reset-password:%s", token)));
    row = fake_store_verification(fs, arena_printf(arena, "reset-password:%s", sha256_hex(token)));
    ck_assert_ptr_nonnull(row);
    ck_assert_str_eq(row->value, ALICE_ID);

    /* The digest read from the database opens nothing. */
    r = dispatch(
        (struct request){.method = "GET",
                         .path = arena_printf(arena, API "/reset-password/%s", sha256_hex(token)),
                         .query = "callbackURL=%2Freset"});
    assert_redirect(r, BASE_URL "/reset?error=INVALID_TOKEN");
    r = POST_JSON("/reset-password",
                  .body = arena_printf(arena, "{\"newPassword\":\"%s\",\"token\":\"%s\"}",
                                       NEW_PASSWORD, sha256_hex(token)));
    assert_answer(r, 400, E_INVALID_TOKEN_400);

    r = dispatch((struct request){.method = "GET",
                                  .path = arena_printf(arena, API "/reset-password/%s", token),
                                  .query = "callbackURL=%2Freset"});
    assert_redirect(r, arena_printf(arena, BASE_URL "/reset?token=%s", token));
    r = POST_JSON("/reset-password",
                  .body = arena_printf(arena, "{\"newPassword\":\"%s\",\"token\":\"%s\"}",
                                       NEW_PASSWORD, token));
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
    ck_assert_uint_eq(fake_store_verification_count(fs), 0);

    /* A row of the plain form, left from before the upgrade: INVALID_TOKEN. */
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
    r = POST_JSON("/reset-password",
                  .body = "{\"newPassword\":\"" PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}");
    assert_answer(r, 400, E_INVALID_TOKEN_400);
    ck_assert(password_is(ALICE_ID, NEW_PASSWORD));
}
END_TEST

/* ==== send-verification-email [main-37, main-38] ========================================== */

/* [main-37]: without a session, an existing unverified user is mailed, after the answer
 * (Better Auth's 500 ms wait on both branches is not kept: it would hold a worker). The link
 * carries a JWT of Better Auth's claims plus our jti, whose row lives as long as the token. */
START_TEST(test_send_verification_anonymous)
{
    struct response r;
    struct mail_claims c;
    struct fake_verification *row;
    const char *link;

    seed_alice();
    r = POST_JSON("/send-verification-email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"callbackURL\":\"/verified\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_uint_eq(fake_store_calls_answered(fs, FAKE_OP_MAIL_ISSUE), 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_int_eq(fake_store_mail_at(fs, 0)->kind, MAIL_VERIFY_EMAIL);
    ck_assert_str_eq(fake_store_mail_at(fs, 0)->recipient, ALICE_EMAIL);
    link = mail_link(0);
    ck_assert_str_eq(link, arena_printf(arena,
                                        API_BASE "/verify-email?token=%s&callbackURL=%%2F"
                                                 "verified",
                                        link_token(link)));
    c = claims_of(link_token(link));
    ck_assert_str_eq(c.email, ALICE_EMAIL);
    ck_assert_str_eq(c.user_id, ALICE_ID);
    ck_assert_ptr_null(c.update_to);
    ck_assert_int_eq(c.exp - c.iat, 3600);
    ck_assert_ptr_nonnull(c.jti);
    ck_assert_uint_eq(strlen(c.jti), RANDOM_TOKEN_LEN);
    row = fake_store_verification(fs, arena_printf(arena, "verify-email:%s", c.jti));
    ck_assert_ptr_nonnull(row);
    ck_assert_str_eq(row->value, ALICE_ID);
}
END_TEST

/* [main-37]: unknown, or already verified: the same answer after the same store work as for
 * an unverified user (whose mail follows the answer), and no mail. */
START_TEST(test_send_verification_anonymous_nothing)
{
    struct work unverified, unknown, verified;
    struct response r;

    seed_alice();
    seed_bob();
    fake_store_user(fs, BOB_ID)->email_verified = true;
    fake_store_reset_calls(fs);
    r = POST_JSON("/send-verification-email", .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    unverified = work_of();
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    r = POST_JSON("/send-verification-email", .body = "{\"email\":\"nobody.632735@example.com\"}");
    assert_answer(r, 200, STATUS_TRUE);
    unknown = work_of();
    r = POST_JSON("/send-verification-email", .body = "{\"email\":\"" BOB_EMAIL "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    verified = work_of();
    assert_same_answer_work(&unverified, &unknown, "send-verification-email unverified/unknown");
    assert_same_answer_work(&unverified, &verified, "send-verification-email unverified/verified");
    ck_assert_uint_eq(unverified.after[FAKE_OP_MAIL_ISSUE], 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
}
END_TEST

/* [main-37]: refused at once. */
static const struct {
    const char *body;
    int status;
    const char *answer;
} send_refused[] = {
    {"{\"email\":\"bad\"}", 400, E_VALIDATION("[body.email] Invalid email address")},
    {"{\"email\":\"" ALICE_EMAIL "\",\"callbackURL\":\"https://evil.example/\"}", 403, E_CALLBACK},
};

START_TEST(test_send_verification_refused)
{
    struct response r;

    seed_alice();
    r = POST_JSON("/send-verification-email", .body = send_refused[_i].body);
    assert_answer(r, send_refused[_i].status, send_refused[_i].answer);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-38]: with a session, only the session's own address (any case), once unverified. */
START_TEST(test_send_verification_session)
{
    struct response r;

    seed_n();
    r = POST_JSON("/send-verification-email", AS_N,
                  .body = "{\"email\":\"other.632735@example.com\"}");
    assert_answer(r, 400, E_MISMATCH);
    ck_assert_uint_eq(fake_store_mail_count(fs), 0);
    r = POST_JSON("/send-verification-email", AS_N,
                  .body = "{\"email\":\"Alice.632735@Example.com\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    /* No callbackURL: the link's is "/". */
    assert_ends_with(mail_link(0), "&callbackURL=%2F");
    fake_store_user(fs, ALICE_ID)->email_verified = true;
    r = POST_JSON("/send-verification-email", AS_N, .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 400, E_ALREADY);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
}
END_TEST

/* A cookie-bearing request needs the trusted Origin like every other POST. */
START_TEST(test_send_verification_origin)
{
    struct response r;

    seed_n();
    r = POST_JSON("/send-verification-email", .cookie = N_COOKIE, .origin = EVIL,
                  .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 403, "{\"message\":\"Invalid origin\",\"code\":\"INVALID_ORIGIN\"}");
}
END_TEST

START_TEST(test_send_verification_without_mail)
{
    struct response r;

    configure((struct config){.no_mail = true});
    seed_alice();
    r = POST_JSON("/send-verification-email", .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Verification email isn't enabled\",\"code\":"
                  "\"VERIFICATION_EMAIL_NOT_ENABLED\"}");
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* ==== verify-email [main-39] ============================================================== */

static const struct {
    const char *query;
    int status;
    const char *answer; /* or the Location of a 302 */
} verify_refused[] = {
    {"token=not-a-jwt", 401, E_INVALID_TOKEN_401},
    {"token=not-a-jwt&callbackURL=%2Fverified", 302, "/verified?error=INVALID_TOKEN"},
    {"token=not-a-jwt&callbackURL=http%3A%2F%2Flocalhost%3A8080%2Fv%3Fa%3D1", 302,
     FRONT "/v?a=1&error=INVALID_TOKEN"},
    {"token=not-a-jwt&callbackURL=https%3A%2F%2Fevil.example%2F", 403, E_CALLBACK},
    {"", 400, E_VALIDATION("[query.token] Invalid input: expected string, received undefined")},
    /* Better Auth's own expired token [main-39]. */
    {"token=eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJ"
     "ZWtFSkJoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjI1NTQ1LCJleHAiOjE3OTU2MjkxNDV9."
     "OA6VuovNaEfsNEHJSAjrucMwswYtCdq92I159BBmnKQ",
     401, E_TOKEN_EXPIRED},
    {"token=eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJ"
     "ZWtFSkJoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjI1NTQ1LCJleHAiOjE3OTU2MjkxNDV9."
     "OA6VuovNaEfsNEHJSAjrucMwswYtCdq92I159BBmnKQ&callbackURL=%2Fverified",
     302, "/verified?error=TOKEN_EXPIRED"},
};

START_TEST(test_verify_refused)
{
    struct response r;

    seed_alice();
    r = GET("/verify-email", .query = verify_refused[_i].query);
    if (verify_refused[_i].status == 302)
        assert_redirect(r, verify_refused[_i].answer);
    else
        assert_answer(r, verify_refused[_i].status, verify_refused[_i].answer);
    ck_assert(!fake_store_user(fs, ALICE_ID)->email_verified);
}
END_TEST

/* [main-39]: the link verifies the address, answers {"status":true,"user":null} and starts no
 * session; a second use is refused (Better Auth would accept it again: our deviation). */
START_TEST(test_verify_email)
{
    struct response r;
    const char *jwt;
    int64_t updated_before;

    seed_alice();
    updated_before = fake_store_user(fs, ALICE_ID)->updated_ms;
    jwt = issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS);
    r = GET("/verify-email", .query = verify_query(jwt, NULL));
    assert_answer(r, 200, "{\"status\":true,\"user\":null}");
    assert_no_cookies(r);
    ck_assert(fake_store_user(fs, ALICE_ID)->email_verified);
    ck_assert_int_gt(fake_store_user(fs, ALICE_ID)->updated_ms, updated_before);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
    ck_assert_uint_eq(fake_store_verification_count(fs), 0);
    r = GET("/verify-email", .query = verify_query(jwt, NULL));
    assert_answer(r, 401, E_INVALID_TOKEN_401);
    r = GET("/verify-email", .query = verify_query(jwt, "%2Fverified"));
    assert_redirect(r, "/verified?error=INVALID_TOKEN");
}
END_TEST

/* [main-39], [requireverification-01]: with a callbackURL, a 302 to it as given. */
START_TEST(test_verify_email_redirect)
{
    struct response r;

    seed_alice();
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS), "%2Fwelcome"));
    assert_redirect(r, "/welcome");
    ck_assert(fake_store_user(fs, ALICE_ID)->email_verified);
    r = GET("/verify-email", .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS),
                                                   "http%3A%2F%2Flocalhost%3A8080%2Fdone%3Fx%3D1"));
    assert_redirect(r, FRONT "/done?x=1");
}
END_TEST

/* An already verified user: the same success, no updatedAt change; the link is used up. */
START_TEST(test_verify_email_already_verified)
{
    struct response r;
    int64_t updated;

    seed_alice();
    fake_store_user(fs, ALICE_ID)->email_verified = true;
    updated = fake_store_user(fs, ALICE_ID)->updated_ms;
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS), NULL));
    assert_answer(r, 200, "{\"status\":true,\"user\":null}");
    ck_assert_int_eq(fake_store_user(fs, ALICE_ID)->updated_ms, updated);
    ck_assert_uint_eq(fake_store_verification_count(fs), 0);
}
END_TEST

/* Tokens that verify but are not usable links. */
START_TEST(test_verify_email_unusable)
{
    struct response r;
    struct mail_claims c = {.email = ALICE_EMAIL, .user_id = ALICE_ID};
    const char *better_auth_style;

    seed_alice();
    /* Signed with our secret but without a jti (as Better Auth issues them): not single-use,
     * so not accepted. */
    better_auth_style = mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
    r = GET("/verify-email", .query = verify_query(better_auth_style, NULL));
    assert_answer(r, 401, E_INVALID_TOKEN_401);
    /* Its row is gone (expired rows do not count). */
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, -SEC_MS), NULL));
    assert_answer(r, 401, E_INVALID_TOKEN_401);
    /* The address it was sent to is no longer the user's (found by e-mail: another user). */
    seed_bob();
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, BOB_EMAIL, NULL, HOUR_MS), NULL));
    assert_answer(r, 401, E_INVALID_TOKEN_401);
    /* Nobody has the address any more. */
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, "gone.632735@example.com", NULL, HOUR_MS),
                                  "%2Fv"));
    assert_redirect(r, "/v?error=USER_NOT_FOUND");
    r = GET("/verify-email",
            .query =
                verify_query(issue_link(ALICE_ID, "gone.632735@example.com", NULL, HOUR_MS), NULL));
    assert_answer(r, 401, "{\"message\":\"User not found\",\"code\":\"USER_NOT_FOUND\"}");
    ck_assert(!fake_store_user(fs, ALICE_ID)->email_verified);
    ck_assert(!fake_store_user(fs, BOB_ID)->email_verified);
}
END_TEST

/* The whole flow: send, open the link from the mail in the same browser (whose session
 * stays), reuse refused [main-37, main-39]. */
START_TEST(test_verify_flow)
{
    struct response r;
    const char *link;

    seed_n();
    r = POST_JSON("/send-verification-email", AS_N,
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"callbackURL\":\"/verified\"}");
    assert_answer(r, 200, STATUS_TRUE);
    link = mail_link(0);
    r = GET("/verify-email", .query = link + strlen(API_BASE "/verify-email?"), .cookie = N_COOKIE);
    assert_redirect(r, "/verified");
    assert_no_cookies(r);
    ck_assert(fake_store_user(fs, ALICE_ID)->email_verified);
    r = GET("/verify-email", .query = link + strlen(API_BASE "/verify-email?"));
    assert_redirect(r, "/verified?error=INVALID_TOKEN");
    r = POST_JSON("/send-verification-email", AS_N, .body = "{\"email\":\"" ALICE_EMAIL "\"}");
    assert_answer(r, 400, E_ALREADY);
}
END_TEST

/* The first verification of an address ends the sessions its user had: someone may have
 * signed up with the address before its owner. The one the opening request carries stays when
 * it is the user's own (the verifier's); another user's session, or none, keeps nothing of
 * the user's. Other users' sessions are never touched. */
#define A2_ID "A2sessionIdA2sessionIdA2session0"
#define A2_TOKEN "A2tokenA2tokenA2tokenA2tokenA2t0"

static const struct {
    const char *cookie; /* of the request that opens the link */
    bool n_stays;
} verify_ends[] = {
    {N_COOKIE, true}, {NULL, false}, {H_COOKIE, false}, /* bob's browser */
};

START_TEST(test_verify_email_ends_sessions)
{
    struct response r;
    int64_t now = fake_store_now_ms();

    seed_n();
    fake_store_add_session(fs, A2_ID, A2_TOKEN, ALICE_ID, NULL, now - 2 * HOUR_MS, now + DAY_MS);
    seed_bob();
    fake_store_add_session(fs, H_ID, H_TOKEN, BOB_ID, NULL, now - HOUR_MS, now + DAY_MS);
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS), "%2Fverified"),
            .cookie = verify_ends[_i].cookie);
    assert_redirect(r, "/verified");
    assert_no_cookies(r);
    ck_assert(fake_store_user(fs, ALICE_ID)->email_verified);
    ck_assert_ptr_null(fake_store_session(fs, A2_ID));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), verify_ends[_i].n_stays ? 1 : 0);
    if (verify_ends[_i].n_stays)
        ck_assert_ptr_nonnull(fake_store_session(fs, N_ID));
    ck_assert_ptr_nonnull(fake_store_session(fs, H_ID));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_EMAIL_CONFIRM), 1);

    /* Sessions made after the verification are never ended by it: a later link of the now
     * verified address changes nothing. */
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}");
    assert_status(r, 200);
    r = GET("/verify-email",
            .query = verify_query(issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS), NULL));
    assert_answer(r, 200, "{\"status\":true,\"user\":null}");
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), verify_ends[_i].n_stays ? 2 : 1);
}
END_TEST

/* A link that fails (used, or its user's address moved on) ends nothing. */
START_TEST(test_verify_email_refused_ends_nothing)
{
    struct response r;
    const char *jwt;

    seed_n();
    jwt = issue_link(ALICE_ID, ALICE_EMAIL, NULL, HOUR_MS);
    fake_store_verification(fs, arena_printf(arena, "verify-email:%s", claims_of(jwt).jti))
        ->expires_ms = fake_store_now_ms() - SEC_MS;
    r = GET("/verify-email", .query = verify_query(jwt, NULL));
    assert_answer(r, 401, E_INVALID_TOKEN_401);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert(!fake_store_user(fs, ALICE_ID)->email_verified);
}
END_TEST

/* ==== change-email [main-40..42] ========================================================== */

/* [main-40]: the link goes to the new address; nothing changes until it is opened; opening it
 * with the session changes the address, keeps emailVerified and sends the session cookie
 * again. */
START_TEST(test_change_email)
{
    struct response r;
    const struct fake_mail *m;
    struct mail_claims c;
    const char *link;

    seed_n();
    fake_store_user(fs, ALICE_ID)->email_verified = true;
    r = POST_JSON(
        "/change-email", AS_N,
        .body = "{\"newEmail\":\"Alice.New.632735@example.com\",\"callbackURL\":\"/profile\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_EMAIL);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    m = fake_store_mail_at(fs, 0);
    ck_assert_int_eq(m->kind, MAIL_CHANGE_EMAIL);
    ck_assert_str_eq(m->recipient, ALICE_NEW);
    link = mail_link(0);
    assert_ends_with(link, "&callbackURL=%2Fprofile");
    c = claims_of(link_token(link));
    ck_assert_str_eq(c.email, ALICE_EMAIL);
    ck_assert_str_eq(c.update_to, ALICE_NEW);
    ck_assert_str_eq(c.request_type, "change-email-verification");
    ck_assert_str_eq(c.user_id, ALICE_ID);

    r = GET("/verify-email", .query = verify_query(link_token(link), NULL), .cookie = N_COOKIE);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"email\":\"" ALICE_NEW "\",\"emailVerified\":true"));
    ck_assert_str_eq(handler_harness_header(&r, "Set-Cookie"), N_LINE);
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_NEW);
    ck_assert(fake_store_user(fs, ALICE_ID)->email_verified);
    /* Used up. */
    r = GET("/verify-email", .query = verify_query(link_token(link), NULL), .cookie = N_COOKIE);
    assert_answer(r, 401, E_INVALID_TOKEN_401);
}
END_TEST

/* [main-42], §17: an unverified user's link changes the address and leaves it unverified;
 * without a session and with a callbackURL the answer is a 302 to it. */
START_TEST(test_change_email_unverified)
{
    struct response r;

    seed_n();
    r = POST_JSON("/change-email", AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_ends_with(mail_link(0), "&callbackURL=%2F");
    r = GET("/verify-email", .query = verify_query(link_token(mail_link(0)), "%2Fprofile"));
    assert_redirect(r, "/profile");
    assert_no_cookies(r);
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_NEW);
    ck_assert(!fake_store_user(fs, ALICE_ID)->email_verified);
    /* Not a verification: the account holder's sessions stay, though the link was opened
     * without one. */
    ck_assert_ptr_nonnull(fake_store_session(fs, N_ID));
}
END_TEST

/* [issue 9]: a taken and a free address are answered after the same store work; the free
 * one's link is queued after the answer. */
START_TEST(test_change_email_equal_work)
{
    struct work free_address, taken;
    struct response r;

    seed_n();
    seed_bob();
    fake_store_reset_calls(fs);
    r = POST_JSON("/change-email", AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    free_address = work_of();
    r = POST_JSON("/change-email", AS_N, .body = "{\"newEmail\":\"" BOB_EMAIL "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    taken = work_of();
    assert_same_answer_work(&free_address, &taken, "change-email free/taken");
    ck_assert_uint_eq(free_address.after[FAKE_OP_MAIL_ISSUE], 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_str_eq(fake_store_mail_at(fs, 0)->recipient, ALICE_NEW);
}
END_TEST

/* [main-41]: the recorded refusals. A taken address is a 200 with no mail. */
static const struct {
    const char *body;
    bool with_session;
    int status;
    const char *answer;
} change_refused[] = {
    {"{\"newEmail\":\"" ALICE_EMAIL "\"}", true, 400, E_SAME},
    {"{\"newEmail\":\"ALICE.632735@example.COM\"}", true, 400, E_SAME},
    {"{\"newEmail\":\"" BOB_EMAIL "\"}", true, 200, STATUS_TRUE},
    {"{\"newEmail\":\"bad\"}", true, 400, E_VALIDATION("[body.newEmail] Invalid email address")},
    {"{}", true, 400,
     E_VALIDATION("[body.newEmail] Invalid input: expected string, received undefined")},
    {"{\"newEmail\":\"z.632735@example.com\"}", false, 401, E_UNAUTHORIZED},
    {"{\"newEmail\":\"z.632735@example.com\",\"callbackURL\":\"https://evil.example\"}", true, 403,
     E_CALLBACK},
};

START_TEST(test_change_email_refused)
{
    struct response r;

    seed_n();
    seed_bob();
    if (change_refused[_i].with_session)
        r = POST_JSON("/change-email", AS_N, .body = change_refused[_i].body);
    else
        r = POST_JSON("/change-email", .origin = FRONT, .body = change_refused[_i].body);
    assert_answer(r, change_refused[_i].status, change_refused[_i].answer);
    ck_assert_uint_eq(fake_store_mail_count(fs), 0);
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_EMAIL);
}
END_TEST

/* Off unless AUTHFCGI_CHANGE_EMAIL=on; without mail, Better Auth's "no sender" answer. */
START_TEST(test_change_email_disabled)
{
    struct response r;

    configure((struct config){0});
    seed_n();
    r = POST_JSON("/change-email", AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Change email is disabled\",\"code\":\"CHANGE_EMAIL_DISABLED\"}");
    configure((struct config){.change_email = true, .no_mail = true});
    r = POST_JSON("/change-email", AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}");
    assert_answer(r, 400, "{\"message\":\"Verification email isn't enabled\"}");
    ck_assert_uint_eq(fake_store_mail_count(fs), 0);
}
END_TEST

/* Opening a change link signed in as somebody else: INVALID_USER, nothing changes. */
START_TEST(test_change_email_other_session)
{
    struct response r;
    int64_t now = fake_store_now_ms();
    const char *jwt;

    seed_alice();
    seed_bob();
    fake_store_add_session(fs, H_ID, H_TOKEN, BOB_ID, NULL, now - HOUR_MS, now + DAY_MS);
    jwt = issue_link(ALICE_ID, ALICE_EMAIL, ALICE_NEW, HOUR_MS);
    r = GET("/verify-email", .query = verify_query(jwt, NULL), .cookie = H_COOKIE);
    assert_answer(r, 401, "{\"message\":\"Invalid user\",\"code\":\"INVALID_USER\"}");
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_EMAIL);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
}
END_TEST

/* The new address was taken after the link was sent: 422, the link stays usable. */
START_TEST(test_change_email_taken_meanwhile)
{
    struct response r;
    const char *jwt;

    seed_alice();
    jwt = issue_link(ALICE_ID, ALICE_EMAIL, ALICE_NEW, HOUR_MS);
    handler_harness_seed_user(fs, &app, BOB_ID, "Bob", ALICE_NEW, PASSWORD, NULL);
    r = GET("/verify-email", .query = verify_query(jwt, NULL));
    assert_answer(r, 422,
                  "{\"message\":\"User already exists. Use another email.\",\"code\":"
                  "\"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL\"}");
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->email, ALICE_EMAIL);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
    r = GET("/verify-email", .query = verify_query(jwt, "%2Fp"));
    assert_redirect(r, "/p?error=USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
}
END_TEST

/* ==== AUTHFCGI_REQUIRE_EMAIL_VERIFICATION [requireverification-01] ======================== */

#define RV_EMAIL "rv.632805@example.com"
#define RV_SIGN_UP                                                                                 \
    "{\"email\":\"" RV_EMAIL "\",\"password\":\"" PASSWORD "\",\"name\":\"RV\",\"callbackURL\":"   \
    "\"/welcome\"}"
#define RV_SIGN_IN "{\"email\":\"" RV_EMAIL "\",\"password\":\"" PASSWORD "\"}"

START_TEST(test_require_verification)
{
    struct response r;
    struct json_object *body, *user, *v;
    struct fake_user *u;
    const char *link, *first_id;

    configure((struct config){.require = true});
    r = POST_JSON("/sign-up/email", .body = RV_SIGN_UP);
    ck_assert_int_eq(r.status, 200);
    assert_no_cookies(r);
    u = fake_store_user_by_email(fs, RV_EMAIL);
    ck_assert_ptr_nonnull(u);
    ck_assert_ptr_nonnull(strstr(r.body,
                                 "{\"token\":null,\"user\":{\"name\":\"RV\",\"email\":\"" RV_EMAIL
                                 "\",\"emailVerified\":false,\"image\":null,"));
    first_id = arena_strdup(arena, u->id);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_str_eq(fake_store_mail_at(fs, 0)->recipient, RV_EMAIL);
    link = mail_link(0);
    assert_ends_with(link, "&callbackURL=%2Fwelcome");
    ck_assert_str_eq(claims_of(link_token(link)).user_id, first_id);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_MAIL_ISSUE), 0); /* in sign-up's transaction */

    /* A duplicate: a synthetic 200 with a fresh id, nothing written, no mail. */
    r = POST_JSON("/sign-up/email", .body = RV_SIGN_UP);
    ck_assert_int_eq(r.status, 200);
    body = json_tokener_parse(r.body);
    ck_assert_ptr_nonnull(body);
    ck_assert(json_object_object_get_ex(body, "token", &v) && v == NULL);
    ck_assert(json_object_object_get_ex(body, "user", &user));
    ck_assert(json_object_object_get_ex(user, "id", &v));
    ck_assert_uint_eq(strlen(json_object_get_string(v)), RANDOM_TOKEN_LEN);
    ck_assert_str_ne(json_object_get_string(v), first_id);
    ck_assert(json_object_object_get_ex(user, "email", &v));
    ck_assert_str_eq(json_object_get_string(v), RV_EMAIL);
    json_object_put(body);
    ck_assert_uint_eq(fake_store_user_count(fs), 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);

    /* Sign-in: the password first, then the verification. */
    r = POST_JSON("/sign-in/email", .body = RV_SIGN_IN);
    assert_answer(r, 403, E_NOT_VERIFIED);
    assert_no_cookies(r);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" RV_EMAIL "\",\"password\":\"wrong-password\"}");
    assert_answer(r, 401, E_CREDENTIALS);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1); /* sendOnSignIn is off by default */

    r = GET("/verify-email", .query = verify_query(link_token(link), "%2Fwelcome"));
    assert_redirect(r, "/welcome");
    r = POST_JSON("/sign-in/email", .body = RV_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"emailVerified\":true"));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
}
END_TEST

/* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN: the 403 comes with a new link. */
START_TEST(test_require_verification_mail_on_sign_in)
{
    struct response r;

    configure((struct config){.require = true, .on_sign_in = true});
    seed_alice();
    r = POST_JSON("/sign-in/email", .body =
                                        "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                                        "\",\"callbackURL\":\"/again\"}");
    assert_answer(r, 403, E_NOT_VERIFIED);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    assert_ends_with(mail_link(0), "&callbackURL=%2Fagain");
    /* A wrong password sends nothing. */
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong-password\"}");
    assert_answer(r, 401, E_CREDENTIALS);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
}
END_TEST

/* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP alone: a normal sign-up (session, cookie) plus the
 * mail, all in one transaction. */
START_TEST(test_verification_on_sign_up)
{
    struct response r;

    configure((struct config){.on_sign_up = true});
    r = POST_JSON("/sign-up/email", .body = RV_SIGN_UP);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(handler_harness_header(&r, "Set-Cookie"));
    ck_assert_ptr_null(strstr(r.body, "\"token\":null"));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
    ck_assert_uint_eq(fake_store_mail_count(fs), 1);
    ck_assert_uint_eq(fake_store_verification_count(fs), 1);
}
END_TEST

/* Required verification without mail would lock every new user out: refused at start. */
START_TEST(test_require_verification_needs_mail)
{
    char err[256] = "";

    app_free(&app);
    app_ready = false;
    ck_assert_int_eq(build((struct config){.require = true, .no_mail = true}, err, sizeof(err)),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "AUTHFCGI_REQUIRE_EMAIL_VERIFICATION"));
    ck_assert_ptr_nonnull(strstr(err, "AUTHFCGI_MAIL_FROM"));
}
END_TEST

/* ==== store failures ===================================================================== */

/* A failing store never answers 200, never queues a mail, and sets no cookie: 503 with
 * Retry-After for DB_RETRY, 500 for the rest. Each scenario's operations fail in turn. */
struct scenario {
    const char *name;
    void (*seed)(void);
    struct request (*request)(void);
    int status;
};

static void seed_reset(void)
{
    seed_n();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
}

static void seed_verify(void)
{
    seed_alice();
    fake_store_add_verification(fs, "VerificationRow0000000000000000c",
                                "verify-email:JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt", ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
}

static void seed_change(void)
{
    seed_n();
    fake_store_add_verification(fs, "VerificationRow0000000000000000d",
                                "verify-email:JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt", ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
}

static const char *scenario_link(const char *update_to)
{
    struct mail_claims c = {.email = ALICE_EMAIL,
                            .user_id = ALICE_ID,
                            .update_to = update_to,
                            .request_type = update_to != NULL ? MAIL_TOKEN_CHANGE_EMAIL : NULL,
                            .jti = "JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt"};

    return mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
}

#define REQ(fn, ...)                                                                               \
    static struct request fn(void)                                                                 \
    {                                                                                              \
        return (struct request){__VA_ARGS__};                                                      \
    }
#define P(p_) .method = "POST", .path = API p_, .content_type = JSON_CT

REQ(req_request_reset, P("/request-password-reset"),
    .body = "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"/reset\"}")
REQ(req_request_reset_unknown, P("/request-password-reset"),
    .body = "{\"email\":\"nobody.632735@example.com\"}")
REQ(req_reset_link, .method = "GET", .path = API "/reset-password/" RESET_TOKEN,
    .query = "callbackURL=%2Freset")
REQ(req_reset, P("/reset-password"),
    .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}")
REQ(req_send_session, P("/send-verification-email"), AS_N,
    .body = "{\"email\":\"" ALICE_EMAIL "\"}")
REQ(req_change, P("/change-email"), AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}")
REQ(req_sign_up_rv, P("/sign-up/email"), .body = RV_SIGN_UP)

static struct request req_verify(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(NULL), NULL)};
}

/* The verification link opened in the user's own browser: its session is looked up. */
static struct request req_verify_in_session(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(NULL), NULL),
                            .cookie = N_COOKIE};
}

static struct request req_verify_change(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(ALICE_NEW), NULL),
                            .cookie = N_COOKIE};
}

static void seed_nothing(void)
{
}

static const struct scenario scenarios[] = {
    {"request-password-reset", seed_alice, req_request_reset, 200},
    {"request-password-reset unknown", seed_alice, req_request_reset_unknown, 200},
    {"reset-password link", seed_reset, req_reset_link, 302},
    {"reset-password", seed_reset, req_reset, 200},
    {"send-verification-email", seed_n, req_send_session, 200},
    {"verify-email", seed_verify, req_verify, 200},
    {"verify-email in a session", seed_change, req_verify_in_session, 200},
    {"verify-email change", seed_change, req_verify_change, 200},
    {"change-email", seed_n, req_change, 200},
    {"sign-up with verification", seed_nothing, req_sign_up_rv, 200},
};

static const struct {
    enum db_status failure;
    int status;
    const char *answer;
} failures[] = {
    {DB_RETRY, 503, E_UNAVAILABLE},
    {DB_FAIL, 500, E_INTERNAL},
    {DB_INVALID, 500, E_INTERNAL},
};

static struct response run_scenario(const struct scenario *sc, int failing_op,
                                    enum db_status failure)
{
    teardown();
    setup();
    configure((struct config){
        .change_email = true, .require = sc->request == req_sign_up_rv, .rate_limit = true});
    sc->seed();
    fake_store_reset_calls(fs);
    if (failing_op >= 0)
        fake_store_fail(fs, (enum fake_op)failing_op, failure, 0);
    return dispatch(sc->request());
}

START_TEST(test_store_failures)
{
    const struct scenario *sc = &scenarios[_i];
    unsigned used[FAKE_OP__MAX], after[FAKE_OP__MAX];
    struct response r = run_scenario(sc, -1, DB_OK);
    char normal[512]; /* the world and its arena are made anew for every run */

    snprintf(normal, sizeof(normal), "%s", r.body != NULL ? r.body : "");

    ck_assert_msg(r.status == sc->status, "%s: %d without failures (%s)", sc->name, r.status,
                  r.body != NULL ? r.body : "");
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        used[op] = fake_store_calls(fs, (enum fake_op)op);
        after[op] = fake_store_calls_answered(fs, (enum fake_op)op);
    }
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        if (used[op] == 0)
            continue;
        for (size_t f = 0; f < sizeof(failures) / sizeof(failures[0]); f++) {
            /* Work deferred until after the answer (a mail queued only for a known address)
             * fails where no client sees it: the normal answer stands, and nothing is queued. */
            bool deferred = after[op] == used[op];
            int want = deferred ? sc->status : failures[f].status;
            const char *answer = deferred ? normal : failures[f].answer;

            r = run_scenario(sc, op, failures[f].failure);
            ck_assert_msg(r.status == want && r.body != NULL && strcmp(r.body, answer) == 0,
                          "%s, %s -> %s: status %d, body %s", sc->name,
                          fake_op_name((enum fake_op)op), db_status_name(failures[f].failure),
                          r.status, r.body != NULL ? r.body : "(none)");
            ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") == 0, "%s, %s: Set-Cookie",
                          sc->name, fake_op_name((enum fake_op)op));
            ck_assert_msg(handler_harness_header(&r, "Location") == NULL, "%s: Location", sc->name);
            ck_assert_msg(fake_store_mail_count(fs) == 0, "%s, %s: a mail was queued", sc->name,
                          fake_op_name((enum fake_op)op));
        }
    }
}
END_TEST

/* ==== the suite =========================================================================== */

#define LOOP(tc, fn, table)                                                                        \
    tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof((table)[0])))

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *reset = tcase_create("password reset");
    TCase *verify = tcase_create("e-mail verification");
    TCase *change = tcase_create("change of e-mail");
    TCase *require = tcase_create("required verification");
    TCase *faults = tcase_create("store failures");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(reset, setup, teardown);
    tcase_add_test(reset, test_request_reset_known);
    tcase_add_test(reset, test_request_reset_upper_case);
    tcase_add_test(reset, test_request_reset_unknown);
    tcase_add_test(reset, test_request_reset_equal_work);
    LOOP(reset, test_request_reset_refused, reset_refused);
    tcase_add_test(reset, test_request_reset_without_mail);
    LOOP(reset, test_reset_link, reset_links);
    tcase_add_test(reset, test_reset_link_expired);
    LOOP(reset, test_reset_link_not_routed, reset_not_routed);
    tcase_add_test(reset, test_reset_password);
    tcase_add_test(reset, test_reset_password_query_token);
    LOOP(reset, test_reset_password_refused, reset_refused_post);
    tcase_add_test(reset, test_reset_password_expired);
    tcase_add_test(reset, test_reset_password_race);
    tcase_add_loop_test(reset, test_reset_password_revokes, 0, 2);
    tcase_add_test(reset, test_reset_password_creates_credential);
    tcase_add_test(reset, test_reset_flow);
    tcase_add_test(reset, test_reset_flow_hashed);
    suite_add_tcase(s, reset);

    tcase_add_checked_fixture(verify, setup, teardown);
    tcase_add_test(verify, test_send_verification_anonymous);
    tcase_add_test(verify, test_send_verification_anonymous_nothing);
    LOOP(verify, test_send_verification_refused, send_refused);
    tcase_add_test(verify, test_send_verification_session);
    tcase_add_test(verify, test_send_verification_origin);
    tcase_add_test(verify, test_send_verification_without_mail);
    LOOP(verify, test_verify_refused, verify_refused);
    tcase_add_test(verify, test_verify_email);
    tcase_add_test(verify, test_verify_email_redirect);
    tcase_add_test(verify, test_verify_email_already_verified);
    tcase_add_test(verify, test_verify_email_unusable);
    tcase_add_test(verify, test_verify_flow);
    LOOP(verify, test_verify_email_ends_sessions, verify_ends);
    tcase_add_test(verify, test_verify_email_refused_ends_nothing);
    suite_add_tcase(s, verify);

    tcase_add_checked_fixture(change, setup, teardown);
    tcase_add_test(change, test_change_email);
    tcase_add_test(change, test_change_email_unverified);
    tcase_add_test(change, test_change_email_equal_work);
    LOOP(change, test_change_email_refused, change_refused);
    tcase_add_test(change, test_change_email_disabled);
    tcase_add_test(change, test_change_email_other_session);
    tcase_add_test(change, test_change_email_taken_meanwhile);
    suite_add_tcase(s, change);

    tcase_add_checked_fixture(require, setup, teardown);
    tcase_add_test(require, test_require_verification);
    tcase_add_test(require, test_require_verification_mail_on_sign_in);
    tcase_add_test(require, test_verification_on_sign_up);
    tcase_add_test(require, test_require_verification_needs_mail);
    suite_add_tcase(s, require);

    tcase_add_checked_fixture(faults, setup, teardown);
    LOOP(faults, test_store_failures, scenarios);
    suite_add_tcase(s, faults);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
