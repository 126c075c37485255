/* check_handlers_account - the signed-in account endpoints: /change-password, /update-user,
 * /delete-user, /list-accounts and /verify-password. Against the fake store through
 * router_dispatch, compared with Better Auth 1.7.25's answers (transcript sections named as
 * [main-NN] and the like); the shared world is handler_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"

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

/* delete-user with a password for a user without a credential account: Better Auth's
 * CREDENTIAL_ACCOUNT_NOT_FOUND, as change-password (it answered INVALID_PASSWORD), and the
 * user stays. */
START_TEST(test_delete_user_no_credential)
{
    struct response r;

    settings.delete_user = true;
    harness_app_rebuild(&settings);
    handler_harness_seed_user(fs, &app, ALICE_ID, "Alice", ALICE_EMAIL, NULL, NULL);
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = POST_JSON("/delete-user", .cookie = V_COOKIE, .origin = FRONT,
                  .body = "{\"password\":\"password123\"}");
    assert_answer(r, 400,
                  "{\"message\":\"Credential account not found\",\"code\":"
                  "\"CREDENTIAL_ACCOUNT_NOT_FOUND\"}");
    ck_assert_ptr_nonnull(fake_store_user(fs, ALICE_ID));
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

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("account");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_change_password);
    LOOP(tc, test_change_password_refused, change_password_refused);
    tcase_add_test(tc, test_change_password_lengths);
    tcase_add_test(tc, test_change_password_revoke_others);
    tcase_add_test(tc, test_change_password_revoke_keeps_dont_remember);
    tcase_add_test(tc, test_change_password_no_credential);
    tcase_add_test(tc, test_delete_user_no_credential);
    LOOP(tc, test_update_user, update_accepted);
    LOOP(tc, test_update_user_refused, update_refused);
    tcase_add_test(tc, test_update_user_keeps_dont_remember);
    LOOP(tc, test_delete_user, delete_accepted);
    LOOP(tc, test_delete_user_refused, delete_refused);
    tcase_add_test(tc, test_delete_user_empty_password);
    tcase_add_test(tc, test_fresh_age_boundary);
    tcase_add_test(tc, test_delete_user_disabled);
    tcase_add_test(tc, test_list_accounts);
    tcase_add_test(tc, test_verify_password);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
