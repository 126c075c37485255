/* check_flows_require - sign-up and sign-in with AUTHFCGI_REQUIRE_EMAIL_VERIFICATION
 * [requireverification-01] and the verification mails they send.
 * Through router_dispatch against the fake store, compared with Better Auth 1.7.25's answers;
 * the shared world is flows_world.h. */
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

/* ==== AUTHFCGI_REQUIRE_EMAIL_VERIFICATION [requireverification-01] ======================== */

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

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *tc = tcase_create("required verification");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_require_verification);
    tcase_add_test(tc, test_require_verification_mail_on_sign_in);
    tcase_add_test(tc, test_verification_on_sign_up);
    tcase_add_test(tc, test_require_verification_needs_mail);
    suite_add_tcase(s, tc);
    return flows_world_main(s);
}
