/* check_flows_change_email - change-email [main-40..42]: the link to the new address, equal work
 * whether it is taken or not, refusals, and an address taken meanwhile. Through router_dispatch
 * against the fake store, compared with Better Auth 1.7.25's answers; the shared world is
 * flows_world.h. */
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

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *tc = tcase_create("change of e-mail");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_change_email);
    tcase_add_test(tc, test_change_email_unverified);
    tcase_add_test(tc, test_change_email_equal_work);
    LOOP(tc, test_change_email_refused, change_refused);
    tcase_add_test(tc, test_change_email_disabled);
    tcase_add_test(tc, test_change_email_other_session);
    tcase_add_test(tc, test_change_email_taken_meanwhile);
    suite_add_tcase(s, tc);
    return flows_world_main(s);
}
