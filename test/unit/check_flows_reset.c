/* check_flows_reset - request-password-reset, GET /reset-password/:token and POST /reset-password
 * [main-30..34]: the mail and its single-use link, refusals, revoking sessions, whole flows.
 * Through router_dispatch against the fake store, compared with Better Auth 1.7.25's answers;
 * the shared world is flows_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "fake_store.h"
#include "flows_world.h"
#include "handler_harness.h"
#include "auth/mail_token.h"
#include "auth/password.h"
#include "util/random.h"
#include "auth/router.h"
#include "auth/session.h"

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

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *tc = tcase_create("password reset");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_request_reset_known);
    tcase_add_test(tc, test_request_reset_upper_case);
    tcase_add_test(tc, test_request_reset_unknown);
    tcase_add_test(tc, test_request_reset_equal_work);
    LOOP(tc, test_request_reset_refused, reset_refused);
    tcase_add_test(tc, test_request_reset_without_mail);
    LOOP(tc, test_reset_link, reset_links);
    tcase_add_test(tc, test_reset_link_expired);
    LOOP(tc, test_reset_link_not_routed, reset_not_routed);
    tcase_add_test(tc, test_reset_password);
    tcase_add_test(tc, test_reset_password_query_token);
    LOOP(tc, test_reset_password_refused, reset_refused_post);
    tcase_add_test(tc, test_reset_password_expired);
    tcase_add_test(tc, test_reset_password_race);
    tcase_add_loop_test(tc, test_reset_password_revokes, 0, 2);
    tcase_add_test(tc, test_reset_password_creates_credential);
    tcase_add_test(tc, test_reset_flow);
    tcase_add_test(tc, test_reset_flow_hashed);
    suite_add_tcase(s, tc);
    return flows_world_main(s);
}
