/* check_json_view - Better Auth's user, session and account objects (json_view.h) built from
 * store records: every key in Better Auth's order, SQL NULLs as null, values escaped the
 * JSON.stringify way, and each call a new reference the caller owns. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "auth/json_view.h"

/* JSON.stringify's text, as http.c serialises responses. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Better Auth's core objects, and with the twoFactor plugin, the admin plugin, or both on. */
static const struct user_view core = {.admin = false, .two_factor = false};
static const struct user_view with_two_factor = {.two_factor = true};
static const struct user_view with_admin = {.admin = true};
static const struct user_view with_both = {.admin = true, .two_factor = true};

#define T1 "2026-11-25T18:43:11.675Z"
#define T2 "2026-11-26T09:00:00.001Z"

/* assert_text - o serialises to want, and the caller's reference is the only one. */
static void assert_text(struct json_object *o, const char *want)
{
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_FLAGS), want);
    ck_assert_msg(json_object_put(o) == 1, "the view kept a reference of its own");
}

START_TEST(test_user)
{
    struct user_record u = {.id = "u1",
                            .name = "Alice",
                            .email = "alice@example.com",
                            .email_verified = true,
                            .image = "https://img.example/a.png",
                            .created_at = T1,
                            .updated_at = T2};

    assert_text(json_view_user(&core, &u),
                "{\"name\":\"Alice\",\"email\":\"alice@example.com\",\"emailVerified\":true,"
                "\"image\":\"https://img.example/a.png\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T2 "\",\"id\":\"u1\"}");
}
END_TEST

/* No image (SQL NULL) is null, an unverified address false; names are escaped, '/' is not. */
START_TEST(test_user_null_image)
{
    struct user_record u = {.id = "u2",
                            .name = "Bob \"B/\" \xc3\xa9",
                            .email = "bob@example.com",
                            .email_verified = false,
                            .image = NULL,
                            .created_at = T1,
                            .updated_at = T1};

    assert_text(json_view_user(&core, &u),
                "{\"name\":\"Bob \\\"B/\\\" \xc3\xa9\",\"email\":\"bob@example.com\","
                "\"emailVerified\":false,\"image\":null,\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T1 "\",\"id\":\"u2\"}");
}
END_TEST

/* With the twoFactor plugin on, twoFactorEnabled comes after the core fields and before "id",
 * as in test/fixtures/two_factor/transcript.json; false unless the record says true. */
START_TEST(test_user_two_factor)
{
    struct user_record u = {
        .id = "u3", .name = "C", .email = "c@example.com", .created_at = T1, .updated_at = T2};

    assert_text(json_view_user(&with_two_factor, &u),
                "{\"name\":\"C\",\"email\":\"c@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T2
                "\",\"twoFactorEnabled\":false,\"id\":\"u3\"}");
    u.two_factor_enabled = true;
    assert_text(json_view_user(&with_two_factor, &u),
                "{\"name\":\"C\",\"email\":\"c@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T2
                "\",\"twoFactorEnabled\":true,\"id\":\"u3\"}");
    /* The plugin off: the core user, whatever the column holds. */
    assert_text(json_view_user(&core, &u),
                "{\"name\":\"C\",\"email\":\"c@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T2 "\",\"id\":\"u3\"}");
}
END_TEST

/* The admin plugin's fields come before the twoFactor plugin's (the recorded server lists its
 * plugins in that order), "id" after both; banned false for a NULL column; with the plugin off
 * the core user, whatever the columns hold. */
START_TEST(test_admin_user)
{
    struct user_record u = {.id = "u4",
                            .name = "D",
                            .email = "d@example.com",
                            .created_at = T1,
                            .updated_at = T1,
                            .two_factor_enabled = true,
                            .role = "user",
                            .ban_expires = NULL};

    assert_text(json_view_user(&with_admin, &u),
                "{\"name\":\"D\",\"email\":\"d@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T1
                "\",\"role\":\"user\",\"banned\":false,\"banReason\":null,"
                "\"banExpires\":null,\"id\":\"u4\"}");
    assert_text(json_view_user(&with_both, &u),
                "{\"name\":\"D\",\"email\":\"d@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T1
                "\",\"role\":\"user\",\"banned\":false,\"banReason\":null,"
                "\"banExpires\":null,\"twoFactorEnabled\":true,\"id\":\"u4\"}");
    u.role = NULL;
    u.banned = true;
    u.ban_reason = "spam";
    u.ban_expires = T2;
    assert_text(json_view_user(&with_admin, &u),
                "{\"name\":\"D\",\"email\":\"d@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T1
                "\",\"role\":null,\"banned\":true,\"banReason\":\"spam\","
                "\"banExpires\":\"" T2 "\",\"id\":\"u4\"}");
    assert_text(json_view_user(&core, &u),
                "{\"name\":\"D\",\"email\":\"d@example.com\",\"emailVerified\":false,"
                "\"image\":null,\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T1 "\",\"id\":\"u4\"}");
}
END_TEST

/* With the admin plugin on a session shows impersonatedBy (null when not impersonated) before
 * "id"; with it off the core session, whatever the column holds. */
START_TEST(test_admin_session)
{
    struct session_record s = {.id = "s3",
                               .token = "t",
                               .user_id = "u",
                               .expires_at = T2,
                               .created_at = T1,
                               .updated_at = T1};

    assert_text(json_view_session(&with_admin, &s),
                "{\"expiresAt\":\"" T2 "\",\"token\":\"t\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T1 "\",\"ipAddress\":null,\"userAgent\":null,"
                "\"userId\":\"u\",\"impersonatedBy\":null,\"id\":\"s3\"}");
    s.impersonated_by = "admin1";
    assert_text(json_view_session(&with_both, &s),
                "{\"expiresAt\":\"" T2 "\",\"token\":\"t\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T1 "\",\"ipAddress\":null,\"userAgent\":null,"
                "\"userId\":\"u\",\"impersonatedBy\":\"admin1\",\"id\":\"s3\"}");
    assert_text(json_view_session(&with_two_factor, &s),
                "{\"expiresAt\":\"" T2 "\",\"token\":\"t\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T1 "\",\"ipAddress\":null,\"userAgent\":null,"
                "\"userId\":\"u\",\"id\":\"s3\"}");
}
END_TEST

/* The token is shown as the record holds it (handlers put the raw token there); the Unix-ms
 * fields are for arithmetic and never appear. */
START_TEST(test_session)
{
    struct session_record s = {.id = "s1",
                               .token = "tok",
                               .user_id = "u1",
                               .ip_address = "192.0.2.10",
                               .user_agent = "Mozilla/5.0",
                               .expires_at = T2,
                               .created_at = T1,
                               .updated_at = T1,
                               .expires_at_ms = 42,
                               .created_at_ms = 7};

    assert_text(json_view_session(&core, &s),
                "{\"expiresAt\":\"" T2 "\",\"token\":\"tok\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T1 "\",\"ipAddress\":\"192.0.2.10\","
                "\"userAgent\":\"Mozilla/5.0\",\"userId\":\"u1\",\"id\":\"s1\"}");
}
END_TEST

START_TEST(test_session_empty_strings)
{
    struct session_record s = {.id = "s2",
                               .token = "t",
                               .user_id = "u",
                               .ip_address = "",
                               .user_agent = "",
                               .expires_at = T2,
                               .created_at = T1,
                               .updated_at = T2};

    assert_text(json_view_session(&core, &s),
                "{\"expiresAt\":\"" T2 "\",\"token\":\"t\",\"createdAt\":\"" T1
                "\",\"updatedAt\":\"" T2 "\",\"ipAddress\":\"\",\"userAgent\":\"\","
                "\"userId\":\"u\",\"id\":\"s2\"}");
}
END_TEST

/* Better Auth's list-accounts entry, always with an empty scopes array. */
START_TEST(test_account)
{
    struct account_record a = {.id = "a1",
                               .account_id = "u1",
                               .provider_id = "credential",
                               .user_id = "u1",
                               .created_at = T1,
                               .updated_at = T2};

    assert_text(json_view_account(&a),
                "{\"accountId\":\"u1\",\"providerId\":\"credential\",\"userId\":\"u1\","
                "\"createdAt\":\"" T1 "\",\"updatedAt\":\"" T2 "\",\"id\":\"a1\",\"scopes\":[]}");
}
END_TEST

/* Two views of one record are independent objects: changing one leaves the other alone. */
START_TEST(test_new_reference_each_call)
{
    struct user_record u = {
        .id = "u1", .name = "A", .email = "a@example.com", .created_at = T1, .updated_at = T1};
    struct json_object *a = json_view_user(&core, &u), *b = json_view_user(&core, &u);

    ck_assert_ptr_ne(a, b);
    json_object_object_add(a, "name", json_object_new_string("changed"));
    ck_assert_str_eq(json_object_get_string(json_object_object_get(b, "name")), "A");
    ck_assert_int_eq(json_object_put(a), 1);
    ck_assert_int_eq(json_object_put(b), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_view");
    TCase *tc = tcase_create("json_view");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_user);
    tcase_add_test(tc, test_user_null_image);
    tcase_add_test(tc, test_user_two_factor);
    tcase_add_test(tc, test_admin_user);
    tcase_add_test(tc, test_admin_session);
    tcase_add_test(tc, test_session);
    tcase_add_test(tc, test_session_empty_strings);
    tcase_add_test(tc, test_account);
    tcase_add_test(tc, test_new_reference_each_call);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
