/* check_handlers_admin - the admin plugin (AUTHFCGI_ADMIN) through router_dispatch over the
 * fake store: each admin endpoint's success and errors, the ban at sign-in and its expiry,
 * impersonation's cookies, get-session's extra fields, and 404 everywhere with the plugin
 * off. Expected bodies are Better Auth 1.7.25's (test/fixtures/admin/transcripts.txt, sections
 * named in brackets). Alice is the admin (H_COOKIE), Bob a user. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/cookie_cache.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"

#define E_NOT_FOUND "{\"message\":\"User not found\",\"code\":\"USER_NOT_FOUND\"}"
#define E_BANNED                                                                                   \
    "{\"message\":\"You have been banned from this application. Please contact support if you "    \
    "believe this is an error.\",\"code\":\"BANNED_USER\"}"
#define NOT_ALLOWED(msg, code) "{\"message\":\"" msg "\",\"code\":\"" code "\"}"
#define BOB_JSON(extra) "{\"userId\":\"" BOB_ID "\"" extra "}"
#define ALICE_JSON "{\"userId\":\"" ALICE_ID "\"}"

static const char *bob_cookie;

/* expect - assert_answer on a response that is not yet in a variable. */
#define expect(call, st, text)                                                                     \
    do {                                                                                           \
        struct response r_ = (call);                                                               \
        assert_answer(r_, (st), (text));                                                           \
    } while (0)

static void admin_setup(void)
{
    setup();
    settings.admin = true;
    harness_app_rebuild(&settings);
    seed_alice();
    seed_bob();
    fake_store_user(fs, ALICE_ID)->role = strdup("admin");
    fake_store_user(fs, BOB_ID)->role = strdup("user");
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(B_ID, B_TOKEN, BOB_ID);
    bob_cookie = session_cookie(B_TOKEN);
}

static struct response admin_post(const char *path, const char *cookie, const char *body)
{
    char full[128];

    snprintf(full, sizeof full, API "/admin/%s", path);
    return dispatch((struct request){.method = "POST",
                                     .path = arena_strdup(arena, full),
                                     .content_type = JSON_CT,
                                     .origin = FRONT,
                                     .cookie = cookie,
                                     .body = body});
}

static struct response admin_get(const char *path, const char *query, const char *cookie)
{
    char full[128];

    snprintf(full, sizeof full, API "/admin/%s", path);
    return dispatch((struct request){
        .method = "GET", .path = arena_strdup(arena, full), .query = query, .cookie = cookie});
}

/* ==== the plugin off ====================================================================== */

START_TEST(test_off_every_route_is_404)
{
    static const char *const paths[] = {"list-users", "ban-user", "has-permission",
                                        "stop-impersonating"};

    settings.admin = false;
    harness_app_rebuild(&settings);
    for (size_t i = 0; i < 4; i++) {
        struct response r = admin_post(paths[i], H_COOKIE, "{}");

        assert_answer(r, 404, NULL);
    }
    expect(admin_get("list-users", NULL, H_COOKIE), 404, NULL);
    /* get-session keeps its core shape */
    struct response r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, get_session_json(H_TOKEN));
}
END_TEST

/* ==== the caller ========================================================================== */

/* [list-users-nosession, list-users-notadmin] 401 with no body; 403 for a user. */
START_TEST(test_caller_checked)
{
    expect(admin_get("list-users", NULL, NULL), 401, NULL);
    expect(admin_get("list-users", NULL, bob_cookie), 403,
           NOT_ALLOWED("You are not allowed to list users", "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"));
    expect(admin_post("ban-user", bob_cookie, ALICE_JSON), 403,
           NOT_ALLOWED("You are not allowed to ban users", "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"));
    expect(admin_post("remove-user", NULL, BOB_JSON("")), 401, NULL);
    expect(admin_post("ban-user", H_COOKIE, "{}"), 400,
           E_VALIDATION("[body.userId] Invalid input: expected nonoptional, received "
                        "undefined"));
}
END_TEST

/* ==== users =============================================================================== */

/* Without a limit (or with 0, or one that is no number) Better Auth's adapter reads 100 users
 * (defaultFindManyLimit), total counting them all; authfcgi answered every row. */
START_TEST(test_list_users_default_limit)
{
    static const char *const queries[] = {NULL, "limit=0", "limit=abc", "offset=0"};

    for (int i = 0; i < 103; i++)
        handler_harness_seed_user(fs, &app, arena_printf(arena, "many%028d", i), "Many",
                                  arena_printf(arena, "many%d@example.com", i), NULL, NULL);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        struct response r = admin_get("list-users", queries[i], H_COOKIE);
        struct json_object *o = body_json(&r);

        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(json_object_array_length(jget(o, "users")), 100);
        ck_assert_int_eq(json_object_get_int(jget(o, "total")), 105);
        ck_assert(!json_object_object_get_ex(o, "limit", NULL));
    }
    struct response r = admin_get("list-users", "limit=150", H_COOKIE);
    ck_assert_int_eq(json_object_array_length(jget(body_json(&r), "users")), 105);
}
END_TEST

START_TEST(test_list_users)
{
    struct response r = admin_get("list-users", NULL, H_COOKIE);
    struct json_object *o;

    ck_assert_int_eq(r.status, 200);
    o = body_json(&r);
    ck_assert_int_eq(json_object_get_int(jget(o, "total")), 2);
    ck_assert_str_eq(jstr(o, "users.0.role"), "admin");
    ck_assert_int_eq(json_object_get_boolean(jget(o, "users.1.banned")), 0);
    ck_assert(!json_object_object_get_ex(o, "limit", NULL));

    /* [list-users-paged] */
    r = admin_get("list-users", "limit=1&offset=1&sortBy=email&sortDirection=desc", H_COOKIE);
    o = body_json(&r);
    ck_assert_int_eq(json_object_array_length(jget(o, "users")), 1);
    ck_assert_str_eq(jstr(o, "users.0.email"), ALICE_EMAIL);
    ck_assert_int_eq(json_object_get_int(jget(o, "total")), 2);
    ck_assert_int_eq(json_object_get_int(jget(o, "limit")), 1);
    ck_assert_int_eq(json_object_get_int(jget(o, "offset")), 1);

    /* [list-users-filter] */
    r = admin_get("list-users", "filterField=role&filterValue=admin&filterOperator=eq", H_COOKIE);
    o = body_json(&r);
    ck_assert_int_eq(json_object_get_int(jget(o, "total")), 1);
    ck_assert_str_eq(jstr(o, "users.0.id"), ALICE_ID);
    r = admin_get("list-users", "searchValue=bob&searchField=email", H_COOKIE);
    ck_assert_str_eq(jstr(body_json(&r), "users.0.id"), BOB_ID);

    /* [list-users-badop, list-users-badsort] */
    expect(admin_get("list-users", "searchOperator=bogus", H_COOKIE), 400,
           E_VALIDATION("[query.searchOperator] Invalid option: expected one of "
                        "\\\"contains\\\"|\\\"starts_with\\\"|\\\"ends_with\\\""));
    expect(admin_get("list-users", "sortBy=nosuch", H_COOKIE), 200, "{\"users\":[],\"total\":0}");
}
END_TEST

START_TEST(test_get_user)
{
    struct response r = admin_get("get-user", "id=" BOB_ID, H_COOKIE);

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "email"), BOB_EMAIL);
    ck_assert_ptr_null(json_object_object_get(body_json(&r), "banReason"));
    expect(admin_get("get-user", "id=nosuch", H_COOKIE), 404, E_NOT_FOUND);
    expect(admin_get("get-user", NULL, H_COOKIE), 400,
           E_VALIDATION("[query.id] Invalid input: expected string, received undefined"));
    expect(admin_get("get-user", "id=" ALICE_ID, bob_cookie), 403,
           NOT_ALLOWED("You are not allowed to get user", "YOU_ARE_NOT_ALLOWED_TO_GET_USER"));
}
END_TEST

START_TEST(test_set_role)
{
    struct response r =
        admin_post("set-role", H_COOKIE, BOB_JSON(",\"role\":[\"user\",\"admin\"]"));

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "user,admin");
    ck_assert_str_eq(fake_store_user(fs, BOB_ID)->role, "user,admin");
    expect(admin_post("set-role", H_COOKIE, "{\"userId\":\"nosuch\",\"role\":\"user\"}"), 404,
           E_NOT_FOUND);
    expect(admin_post("set-role", H_COOKIE, BOB_JSON("")), 400,
           E_VALIDATION("[body.role] Invalid input"));
    expect(admin_post("set-role", H_COOKIE, BOB_JSON(",\"role\":[1]")), 400,
           E_VALIDATION("[body.role] Invalid input"));
}
END_TEST

START_TEST(test_create_user)
{
    struct response r = admin_post("create-user", H_COOKIE,
                                   "{\"email\":\"Carol@Example.com\",\"password\":\"password1234\","
                                   "\"name\":\"Carol\",\"role\":[\"admin\",\"user\"]}");
    struct fake_user *u;

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "user.email"), "carol@example.com");
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "admin,user");
    u = fake_store_user_by_email(fs, "carol@example.com");
    ck_assert_ptr_nonnull(u);
    ck_assert_ptr_nonnull(fake_store_credential(fs, u->id));

    r = admin_post("create-user", H_COOKIE, "{\"email\":\"dave@example.com\",\"name\":\"Dave\"}");
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "user");
    u = fake_store_user_by_email(fs, "dave@example.com");
    ck_assert_ptr_null(fake_store_credential(fs, u->id));
    /* set-user-password gives such a user a credential account */
    const char *set =
        arena_printf(arena, "{\"userId\":\"%s\",\"newPassword\":\"password1234\"}", u->id);
    expect(admin_post("set-user-password", H_COOKIE, set), 200, STATUS_TRUE);
    u = fake_store_user_by_email(fs, "dave@example.com");
    ck_assert_ptr_nonnull(fake_store_credential(fs, u->id));

    /* [create-user-data] data's image and emailVerified, and its role */
    r = admin_post("create-user", H_COOKIE,
                   "{\"email\":\"f@example.com\",\"name\":\"F\",\"data\":{\"emailVerified\":true,"
                   "\"image\":\"http://x/i.png\",\"role\":\"admin\",\"name\":\"ignored\"}}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_object_get_boolean(jget(body_json(&r), "user.emailVerified")), 1);
    ck_assert_str_eq(jstr(body_json(&r), "user.image"), "http://x/i.png");
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "admin");
    ck_assert_str_eq(jstr(body_json(&r), "user.name"), "F");
    expect(admin_post("create-user", H_COOKIE,
                      "{\"email\":\"g@example.com\",\"name\":\"G\",\"data\":{\"role\":[1]}}"),
           400, "{\"message\":\"Invalid role type\",\"code\":\"INVALID_ROLE_TYPE\"}");
    expect(admin_post("create-user", H_COOKIE, "{\"email\":\"carol@example.com\",\"name\":\"C\"}"),
           400, E_EXISTS);
    expect(admin_post("create-user", H_COOKIE, "{\"email\":\"nope\",\"name\":\"X\"}"), 400,
           "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}");
    expect(admin_post("create-user", H_COOKIE, "{\"email\":\"n@example.com\"}"), 400,
           E_VALIDATION(UNDEF("name")));
    expect(
        admin_post("create-user", bob_cookie, "{\"email\":\"z@example.com\",\"name\":\"Z\"}"), 403,
        NOT_ALLOWED("You are not allowed to create users", "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS"));
}
END_TEST

START_TEST(test_update_user)
{
    struct response r =
        admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"name\":\"Bobby\"}"));

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "name"), "Bobby");
    expect(admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{}")), 400,
           "{\"message\":\"No data to update\",\"code\":\"NO_DATA_TO_UPDATE\"}");
    expect(admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"password\":\"x\"}")), 400,
           "{\"message\":\"Password cannot be updated through update-user. Use the "
           "set-user-password endpoint instead\",\"code\":"
           "\"PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER\"}");
    expect(admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"id\":\"x\"}")), 400,
           "{\"message\":\"User id cannot be updated\",\"code\":\"USER_ID_CANNOT_BE_UPDATED\"}");
    expect(admin_post("update-user", H_COOKIE,
                      "{\"userId\":\"" ALICE_ID "\",\"data\":{\"banned\":true}}"),
           400, "{\"message\":\"You cannot ban yourself\",\"code\":\"YOU_CANNOT_BAN_YOURSELF\"}");
    expect(admin_post("update-user", H_COOKIE, "{\"userId\":\"nosuch\",\"data\":{\"name\":\"x\"}}"),
           404, E_NOT_FOUND);
    /* nesting json-c does not read is refused, not a crash */
    const char *deep = arena_printf(arena, BOB_JSON(",\"data\":{\"x\":%s1%s}"),
                                    long_string("[", 40), long_string("]", 40));
    r = admin_post("update-user", H_COOKIE, deep);
    ck_assert_int_eq(r.status, 400);
    /* [update-user-email, update-user-email-taken] */
    r = admin_post("update-user", H_COOKIE,
                   BOB_JSON(",\"data\":{\"email\":\"Bob2@Example.com\",\"emailVerified\":true}"));
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "email"), "bob2@example.com");
    ck_assert_int_eq(json_object_get_boolean(jget(body_json(&r), "emailVerified")), 1);
    expect(
        admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"email\":\"" ALICE_EMAIL "\"}")),
        400, E_EXISTS);
    expect(admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"email\":\"nope\"}")), 400,
           "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}");
    r = admin_post("update-user", H_COOKIE, BOB_JSON(",\"data\":{\"role\":[\"user\"]}"));
    ck_assert_str_eq(jstr(body_json(&r), "role"), "user");
}
END_TEST

START_TEST(test_set_user_password)
{
    const char *before = strdup(fake_store_credential(fs, BOB_ID)->password);

    expect(
        admin_post("set-user-password", H_COOKIE, BOB_JSON(",\"newPassword\":\"newpassword123\"")),
        200, STATUS_TRUE);
    ck_assert_str_ne(fake_store_credential(fs, BOB_ID)->password, before);
    free((void *)before);
    expect(admin_post("set-user-password", H_COOKIE, BOB_JSON(",\"newPassword\":\"short\"")), 400,
           E_TOO_SHORT);
    expect(admin_post("set-user-password", H_COOKIE, BOB_JSON(",\"newPassword\":\"\"")), 400,
           E_VALIDATION("[body.newPassword] newPassword cannot be empty"));
    expect(admin_post("set-user-password", H_COOKIE,
                      "{\"userId\":\"nosuch\",\"newPassword\":\"newpassword123\"}"),
           404, E_NOT_FOUND);
}
END_TEST

START_TEST(test_remove_user)
{
    expect(admin_post("remove-user", H_COOKIE, ALICE_JSON), 400,
           "{\"message\":\"You cannot remove yourself\",\"code\":\"YOU_CANNOT_REMOVE_YOURSELF\"}");
    expect(admin_post("remove-user", H_COOKIE, "{\"userId\":\"nosuch\"}"), 404, E_NOT_FOUND);
    expect(admin_post("remove-user", H_COOKIE, BOB_JSON("")), 200, "{\"success\":true}");
    ck_assert_ptr_null(fake_store_user(fs, BOB_ID));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);
}
END_TEST

/* ==== bans ================================================================================ */

#define BOB_SIGN_IN "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" PASSWORD "\"}"

/* [ban-user, get-session-banned, signin-banned, signin-banned-wrongpass, unban-user] */
START_TEST(test_ban_and_unban)
{
    struct response r = admin_post("ban-user", H_COOKIE, BOB_JSON(",\"banReason\":\"spam\""));

    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_object_get_boolean(jget(body_json(&r), "user.banned")), 1);
    ck_assert_str_eq(jstr(body_json(&r), "user.banReason"), "spam");
    ck_assert_ptr_null(json_object_object_get(jget(body_json(&r), "user"), "banExpires"));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);

    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    assert_answer(r, 403, E_BANNED);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);
    r = POST_JSON("/sign-in/email", .origin = FRONT,
                  .body = "{\"email\":\"" BOB_EMAIL "\",\"password\":\"wrongpassword\"}");
    assert_answer(r, 401, E_CREDENTIALS);

    r = admin_post("unban-user", H_COOKIE, BOB_JSON(""));
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_object_get_boolean(jget(body_json(&r), "user.banned")), 0);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "user.email"), BOB_EMAIL);
    /* [signin-user-again] the user object with the plugin's fields, "id" last */
    ck_assert_ptr_nonnull(strstr(r.body, "\"role\":\"user\",\"banned\":false,\"banReason\":null,"
                                         "\"banExpires\":null,\"id\":\"" BOB_ID "\"}}"));
}
END_TEST

/* [ban-default, ban-self, ban-notfound, ban-bad-expires] */
START_TEST(test_ban_refused)
{
    struct response r = admin_post("ban-user", H_COOKIE, BOB_JSON(""));

    ck_assert_str_eq(jstr(body_json(&r), "user.banReason"), "No reason");
    expect(admin_post("ban-user", H_COOKIE, ALICE_JSON), 400,
           "{\"message\":\"You cannot ban yourself\",\"code\":\"YOU_CANNOT_BAN_YOURSELF\"}");
    expect(admin_post("ban-user", H_COOKIE, "{\"userId\":\"nosuch\"}"), 404, E_NOT_FOUND);
    expect(admin_post("ban-user", H_COOKIE, BOB_JSON(",\"banExpiresIn\":\"10\"")), 400,
           E_VALIDATION("[body.banExpiresIn] Invalid input: expected number, received "
                        "string"));
    expect(admin_post("unban-user", H_COOKIE, "{\"userId\":\"nosuch\"}"), 404, E_NOT_FOUND);
}
END_TEST

/* [ban-expiring, signin-after-ban-expired, get-user-after-expiry]: a ban that has ended is
 * lifted by the next sign-in; one still running is not. */
START_TEST(test_ban_expiry)
{
    struct fake_user *bob;
    struct response r = admin_post("ban-user", H_COOKIE, BOB_JSON(",\"banExpiresIn\":3600"));

    ck_assert_ptr_nonnull(json_object_object_get(jget(body_json(&r), "user"), "banExpires"));
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    assert_answer(r, 403, E_BANNED);
    bob = fake_store_user(fs, BOB_ID);
    bob->ban_expires_ms = fake_store_now_ms() - 1000;
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    /* [signin-after-ban-expired] the answer shows the user as read: still banned */
    ck_assert_int_eq(json_object_get_boolean(jget(body_json(&r), "user.banned")), 1);
    bob = fake_store_user(fs, BOB_ID);
    ck_assert(!bob->banned);
    ck_assert_ptr_null(bob->ban_reason);
    ck_assert_int_eq(bob->ban_expires_ms, 0);
}
END_TEST

/* A ban ending after the last date a JavaScript Date (and so Better Auth) can hold is refused
 * as input, not turned into a ban without end or a database error; one within it is taken. */
START_TEST(test_ban_expiry_out_of_range)
{
    static const char *const too_far[] = {"1e300", "9.3e18", "1e13"};

    for (size_t i = 0; i < sizeof too_far / sizeof too_far[0]; i++) {
        const char *body = arena_printf(arena, BOB_JSON(",\"banExpiresIn\":%s"), too_far[i]);

        expect(admin_post("ban-user", H_COOKIE, body), 400,
               E_VALIDATION("[body.banExpiresIn] Too big: the ban would end after the last "
                            "date a timestamp holds"));
        ck_assert(!fake_store_user(fs, BOB_ID)->banned);
    }
    struct response r = admin_post("ban-user", H_COOKIE, BOB_JSON(",\"banExpiresIn\":1e11"));
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_gt(fake_store_user(fs, BOB_ID)->ban_expires_ms, fake_store_now_ms());
}
END_TEST

/* The ban check reads the ban with the sign-in's user (no second read); a store failure
 * lifting an ended ban answers 503 and creates no session. */
START_TEST(test_ban_check_store_failure)
{
    struct fake_user *bob = fake_store_user(fs, BOB_ID);
    struct response r;

    fake_store_reset_calls(fs);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ADMIN_USER_GET), 0);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 1);
    bob->banned = true;
    bob->ban_expires_ms = fake_store_now_ms() - 1000;
    fake_store_fail(fs, FAKE_OP_ADMIN_USER_CHANGE, DB_RETRY, 0);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = BOB_SIGN_IN);
    ck_assert_int_eq(r.status, 503);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 2);
}
END_TEST

/* ==== sessions ============================================================================ */

START_TEST(test_user_sessions)
{
    struct fake_session *b = fake_store_session(fs, B_ID);
    struct response r;
    struct json_object *o;

    fake_store_reset_calls(fs);
    r = admin_post("list-user-sessions", H_COOKIE, BOB_JSON(""));
    ck_assert_int_eq(r.status, 200);
    /* the caller's session (its role with it) and the list (impersonatedBy with each row) */
    ck_assert_uint_eq(fake_store_total_calls(fs), 2);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LIST), 1);
    b->impersonated_by = strdup(ALICE_ID);
    r = admin_post("list-user-sessions", H_COOKIE, BOB_JSON(""));
    ck_assert_str_eq(jstr(body_json(&r), "sessions.0.impersonatedBy"), ALICE_ID);
    free(b->impersonated_by);
    b->impersonated_by = NULL;
    r = admin_post("list-user-sessions", H_COOKIE, BOB_JSON(""));
    o = body_json(&r);
    ck_assert_str_eq(jstr(o, "sessions.0.token"), B_TOKEN);
    ck_assert_ptr_null(json_object_object_get(jget(o, "sessions.0"), "impersonatedBy"));
    ck_assert(json_object_object_get_ex(jget(o, "sessions.0"), "impersonatedBy", NULL));
    expect(admin_post("list-user-sessions", H_COOKIE, "{\"userId\":\"nosuch\"}"), 200,
           "{\"sessions\":[]}");
    expect(admin_post("revoke-user-session", H_COOKIE, "{\"sessionToken\":\"nosuch\"}"), 200,
           "{\"success\":true}");
    expect(admin_post("revoke-user-session", H_COOKIE, "{\"sessionToken\":\"" B_TOKEN "\"}"), 200,
           "{\"success\":true}");
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);
    seed_live(B_ID, B_TOKEN, BOB_ID);
    expect(admin_post("revoke-user-sessions", H_COOKIE, BOB_JSON("")), 200, "{\"success\":true}");
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);
    expect(admin_post("revoke-user-sessions", bob_cookie, ALICE_JSON), 401, NULL);
}
END_TEST

/* [get-session-admin] the plugin's fields, "id" last. */
START_TEST(test_get_session_fields)
{
    struct response r;
    const char *body;

    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = H_COOKIE);
    body = r.body;
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1); /* the session lookup, as without it */
    ck_assert_ptr_nonnull(
        strstr(body, "\"userId\":\"" ALICE_ID "\",\"impersonatedBy\":null,\"id\""));
    ck_assert_ptr_nonnull(strstr(body, "\"role\":\"admin\",\"banned\":false,\"banReason\":null,"
                                       "\"banExpires\":null,\"id\":\"" ALICE_ID "\"}}"));
}
END_TEST

/* [change-password] its user is the session's, with the plugin's fields, "id" last (found by
 * contrib/differential: it had the core fields only). */
START_TEST(test_change_password_fields)
{
    struct response r =
        POST_JSON("/change-password", .cookie = H_COOKIE, .origin = FRONT,
                  .body = "{\"currentPassword\":\"" PASSWORD "\",\"newPassword\":\"password456\"}");

    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"role\":\"admin\",\"banned\":false,\"banReason\":null,"
                                         "\"banExpires\":null,\"id\":\"" ALICE_ID "\"}}"));
}
END_TEST

/* ==== impersonation ======================================================================= */

/* [impersonate, get-session-impersonating, stop-impersonating] */
START_TEST(test_impersonate_and_stop)
{
    struct response r = admin_post("impersonate-user", H_COOKIE, BOB_JSON(""));
    struct json_object *o = body_json(&r);
    const char *token, *cookie;

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(o, "session.impersonatedBy"), ALICE_ID);
    ck_assert_str_eq(jstr(o, "user.id"), BOB_ID);
    token = strdup(jstr(o, "session.token"));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 6);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), deletion[0]);
    ck_assert_ptr_nonnull(strstr(handler_harness_header_nth(&r, "Set-Cookie", 3),
                                 "better-auth.admin_session=" H_TOKEN "%3A."));
    /* the admin's way back lives as long as a session cookie (Better Auth: 7 days) */
    ck_assert_ptr_nonnull(
        strstr(handler_harness_header_nth(&r, "Set-Cookie", 3), "; Max-Age=604800; Path=/;"));
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 4),
                     arena_printf(arena, "%s%s", session_cookie(token), ATTRS));
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 5), DONT_REMEMBER_LINE);

    /* the impersonation session, with the three cookies as a browser would send them (the
     * dont_remember one is what stop-impersonating deletes for a remembered admin session) */
    const char *admin_cookie = handler_harness_header_nth(&r, "Set-Cookie", 3);
    const char *dont = handler_harness_header_nth(&r, "Set-Cookie", 5);
    cookie =
        arena_printf(arena, "%s; %.*s; %.*s", session_cookie(token),
                     (int)strcspn(admin_cookie, ";"), admin_cookie, (int)strcspn(dont, ";"), dont);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = cookie);
    ck_assert_str_eq(jstr(body_json(&r), "session.impersonatedBy"), ALICE_ID);
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "user");
    /* the lookup and nothing besides: a dont_remember session is never extended (Better
     * Auth's get-session returns before its refresh) */
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1);

    /* [list-sessions-impersonating] the impersonation session is not listed */
    r = GET("/list-sessions", .cookie = cookie);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(strstr(r.body, token));
    fake_store_reset_calls(fs);
    r = GET("/list-sessions", .cookie = bob_cookie);
    ck_assert_uint_eq(fake_store_total_calls(fs), 2); /* lookup and list, no read per session */
    ck_assert_ptr_nonnull(strstr(r.body, "\"impersonatedBy\":null,\"id\":\"" B_ID "\""));
    ck_assert_ptr_null(strstr(r.body, token));

    r = admin_post("stop-impersonating", cookie, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "user.id"), ALICE_ID);
    ck_assert_str_eq(jstr(body_json(&r), "session.token"), H_TOKEN);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0),
                     arena_printf(arena, "%s%s", session_cookie(H_TOKEN), LIVE));
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 1), deletion[2]);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 2),
                     "better-auth.admin_session=; Max-Age=0" ATTRS);
    ck_assert_ptr_null(session_of(token));
    free((void *)token);
}
END_TEST

/* cache_cookies - H_COOKIE with the session_data cookie get-session writes for it, the cookie
 * cache on (AUTHFCGI_COOKIE_CACHE). */
static const char *cache_cookies(void)
{
    struct response r;
    const char *line;

    settings.cookie_cache = true;
    settings.cookie_cache_max_age = COOKIE_CACHE_MAX_AGE_DEFAULT;
    harness_app_rebuild(&settings);
    r = GET("/get-session", .cookie = H_COOKIE);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 1);
    line = handler_harness_header_nth(&r, "Set-Cookie", 0);
    return arena_printf(arena, "%s; %.*s", H_COOKIE, (int)strcspn(line, ";"), line);
}

/* Better Auth's admin middleware reads the session from the database whatever session_data
 * holds (the differential run with --cookie-cache: list-users and get-user write the cache):
 * an admin demoted since the cookie was written is refused at once, on GET routes too. */
START_TEST(test_cache_not_trusted)
{
    const char *cookies = cache_cookies();
    struct response r;

    fake_store_reset_calls(fs);
    r = admin_get("list-users", NULL, cookies);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 1);
    ck_assert_ptr_nonnull(
        strstr(handler_harness_header_nth(&r, "Set-Cookie", 0), "better-auth.session_data="));
    free(fake_store_user(fs, ALICE_ID)->role);
    fake_store_user(fs, ALICE_ID)->role = strdup("user");
    r = admin_get("get-user", "id=" BOB_ID, cookies);
    ck_assert_int_eq(r.status, 403);
    /* get-session still believes the cookie, as Better Auth's does */
    r = GET("/get-session", .cookie = cookies);
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "admin");
}
END_TEST

/* With the cookie cache on, impersonate-user and stop-impersonating send session_data for the
 * session they hand out, after its other cookies, as Better Auth's setSessionCookie does (the
 * differential run with --cookie-cache): the impersonation's without Max-Age, as it is not
 * remembered; the admin's with it, before the admin cookie's deletion. */
START_TEST(test_impersonation_writes_cache)
{
    struct response r;
    const char *token, *cookie, *admin_cookie, *line;

    (void)cache_cookies();
    r = admin_post("impersonate-user", H_COOKIE, BOB_JSON(""));
    ck_assert_int_eq(r.status, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "session.token"));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 7);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 5), DONT_REMEMBER_LINE);
    line = handler_harness_header_nth(&r, "Set-Cookie", 6);
    ck_assert_str_eq(strchr(line, ';'), ATTRS);
    ck_assert_ptr_nonnull(strstr(line, "better-auth.session_data="));
    admin_cookie = handler_harness_header_nth(&r, "Set-Cookie", 3);
    cookie = arena_printf(arena, "%s; %.*s; %.*s; %s", session_cookie(token),
                          (int)strcspn(admin_cookie, ";"), admin_cookie, (int)strcspn(line, ";"),
                          line, DONT_REMEMBER_PAIR);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = cookie);
    ck_assert_str_eq(jstr(body_json(&r), "session.impersonatedBy"), ALICE_ID);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);

    r = admin_post("stop-impersonating", cookie, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 4);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 1), deletion[2]);
    line = handler_harness_header_nth(&r, "Set-Cookie", 2);
    ck_assert_ptr_nonnull(strstr(line, "better-auth.session_data="));
    ck_assert_str_eq(strchr(line, ';'), "; Max-Age=300" ATTRS);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 3),
                     "better-auth.admin_session=; Max-Age=0" ATTRS);
}
END_TEST

/* [impersonate-admin, impersonate-notfound, impersonate-notadmin, stop-impersonating-not,
 * stop-impersonating-nosession] */
START_TEST(test_impersonate_refused)
{
    free(fake_store_user(fs, BOB_ID)->role);
    fake_store_user(fs, BOB_ID)->role = strdup("admin,user");
    expect(admin_post("impersonate-user", H_COOKIE, BOB_JSON("")), 403,
           "{\"message\":\"You cannot impersonate admins\",\"code\":"
           "\"YOU_CANNOT_IMPERSONATE_ADMINS\"}");
    expect(admin_post("impersonate-user", H_COOKIE, "{\"userId\":\"nosuch\"}"), 404, E_NOT_FOUND);
    free(fake_store_user(fs, BOB_ID)->role);
    fake_store_user(fs, BOB_ID)->role = strdup("user");
    expect(admin_post("impersonate-user", bob_cookie, ALICE_JSON), 403,
           "{\"message\":\"You are not allowed to impersonate users\",\"code\":"
           "\"YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS\"}");
    expect(admin_post("stop-impersonating", H_COOKIE, NULL), 400,
           "{\"message\":\"You are not impersonating anyone\"}");
    expect(admin_post("stop-impersonating", NULL, NULL), 401, NULL);
}
END_TEST

/* A banned user gets no session by impersonation either: the plugin's session-creation hook
 * refuses it (403 BANNED_USER), and a ban that has ended is lifted first. */
START_TEST(test_impersonate_banned)
{
    struct fake_user *bob;

    ck_assert_int_eq(admin_post("ban-user", H_COOKIE, BOB_JSON("")).status, 200);
    expect(admin_post("impersonate-user", H_COOKIE, BOB_JSON("")), 403, E_BANNED);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 0);

    bob = fake_store_user(fs, BOB_ID);
    bob->ban_expires_ms = fake_store_now_ms() - 1000;
    ck_assert_int_eq(admin_post("impersonate-user", H_COOKIE, BOB_JSON("")).status, 200);
    ck_assert(!fake_store_user(fs, BOB_ID)->banned);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);
}
END_TEST

/* ==== has-permission ====================================================================== */

static const struct {
    const char *cookie_of; /* "alice" or "bob" */
    const char *body;
    int status;
    const char *answer;
} permission_cases[] = {
    {"alice", "{\"permissions\":{\"user\":[\"list\",\"ban\"]}}", 200,
     "{\"error\":null,\"success\":true}"},
    {"alice", "{\"permissions\":{\"user\":[\"impersonate-admins\"]}}", 200,
     "{\"error\":null,\"success\":false}"},
    {"alice", "{\"permissions\":{\"session\":[\"list\",\"revoke\",\"delete\"]}}", 200,
     "{\"error\":null,\"success\":true}"},
    {"alice", "{\"permissions\":{\"nosuch\":[\"x\"]}}", 200, "{\"error\":null,\"success\":false}"},
    {"bob", "{\"permissions\":{\"user\":[\"list\"]}}", 200, "{\"error\":null,\"success\":false}"},
    {"bob", "{\"permissions\":{\"user\":[]}}", 200, "{\"error\":null,\"success\":false}"},
    {"bob", "{\"role\":\"admin\",\"permissions\":{\"user\":[\"list\"]}}", 200,
     "{\"error\":null,\"success\":false}"},
    {"alice", "{\"permission\":{\"session\":[\"revoke\"]}}", 400,
     "{\"message\":\"invalid permission check. no permission(s) were passed.\"}"},
    {"alice", "{}", 400, E_VALIDATION("[body] Invalid input")},
    {"alice", "{\"permission\":{\"user\":[\"list\"]},\"permissions\":{\"user\":[\"list\"]}}", 400,
     E_VALIDATION("[body] Invalid input: more than one option matched")},
    {NULL, "{\"permissions\":{\"user\":[\"list\"]}}", 401, NULL},
};

/* [has-permission-*] */
START_TEST(test_has_permission)
{
    const char *who = permission_cases[_i].cookie_of;
    const char *cookie = who == NULL ? NULL : strcmp(who, "alice") == 0 ? H_COOKIE : bob_cookie;

    expect(admin_post("has-permission", cookie, permission_cases[_i].body),
           permission_cases[_i].status, permission_cases[_i].answer);
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("admin");

    tcase_add_checked_fixture(tc, admin_setup, teardown);
    tcase_add_test(tc, test_off_every_route_is_404);
    tcase_add_test(tc, test_caller_checked);
    tcase_add_test(tc, test_list_users);
    tcase_add_test(tc, test_list_users_default_limit);
    tcase_add_test(tc, test_get_user);
    tcase_add_test(tc, test_set_role);
    tcase_add_test(tc, test_create_user);
    tcase_add_test(tc, test_update_user);
    tcase_add_test(tc, test_set_user_password);
    tcase_add_test(tc, test_remove_user);
    tcase_add_test(tc, test_ban_and_unban);
    tcase_add_test(tc, test_ban_refused);
    tcase_add_test(tc, test_ban_expiry);
    tcase_add_test(tc, test_ban_expiry_out_of_range);
    tcase_add_test(tc, test_ban_check_store_failure);
    tcase_add_test(tc, test_user_sessions);
    tcase_add_test(tc, test_get_session_fields);
    tcase_add_test(tc, test_change_password_fields);
    tcase_add_test(tc, test_impersonate_and_stop);
    tcase_add_test(tc, test_impersonate_refused);
    tcase_add_test(tc, test_cache_not_trusted);
    tcase_add_test(tc, test_impersonation_writes_cache);
    tcase_add_test(tc, test_impersonate_banned);
    LOOP(tc, test_has_permission, permission_cases);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
