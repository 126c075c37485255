/* check_flows_verify - send-verification-email and verify-email [main-37..39]: who may ask, the
 * link used once, redirects, and the sessions a verification ends. Through router_dispatch against
 * the fake store, compared with Better Auth 1.7.25's answers; the shared world is flows_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_store.h"
#include "flows_world.h"
#include "handler_harness.h"
#include "auth/mail_token.h"
#include "auth/password.h"
#include "util/random.h"
#include "auth/router.h"
#include "auth/session.h"

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

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *tc = tcase_create("e-mail verification");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_send_verification_anonymous);
    tcase_add_test(tc, test_send_verification_anonymous_nothing);
    LOOP(tc, test_send_verification_refused, send_refused);
    tcase_add_test(tc, test_send_verification_session);
    tcase_add_test(tc, test_send_verification_origin);
    tcase_add_test(tc, test_send_verification_without_mail);
    LOOP(tc, test_verify_refused, verify_refused);
    tcase_add_test(tc, test_verify_email);
    tcase_add_test(tc, test_verify_email_redirect);
    tcase_add_test(tc, test_verify_email_already_verified);
    tcase_add_test(tc, test_verify_email_unusable);
    tcase_add_test(tc, test_verify_flow);
    LOOP(tc, test_verify_email_ends_sessions, verify_ends);
    tcase_add_test(tc, test_verify_email_refused_ends_nothing);
    suite_add_tcase(s, tc);
    return flows_world_main(s);
}
