/* check_admin_perm - the admin plugin's permission table and hasPermission, against Better
 * Auth 1.7.25's plugins/admin/access/statement.mjs and access/access.mjs. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "auth/admin_perm.h"

static const char *const user_actions[] = {"create",      "list",   "set-role",     "ban",
                                           "impersonate", "delete", "set-password", "set-email",
                                           "set-phone",   "get",    "update"};
static const char *const session_actions[] = {"list", "revoke", "delete"};

/* The default roles: admin has every statement but user:impersonate-admins; user has none. */
START_TEST(test_default_roles)
{
    for (size_t i = 0; i < sizeof user_actions / sizeof *user_actions; i++) {
        ck_assert(admin_role_grants("admin", "user", user_actions[i]));
        ck_assert(!admin_role_grants("user", "user", user_actions[i]));
    }
    for (size_t i = 0; i < 3; i++) {
        ck_assert(admin_role_grants("admin", "session", session_actions[i]));
        ck_assert(!admin_role_grants("user", "session", session_actions[i]));
    }
    ck_assert(!admin_role_grants("admin", "user", "impersonate-admins"));
    ck_assert(!admin_role_grants("admin", "user", "nosuch"));
    ck_assert(!admin_role_grants("admin", "nosuch", "list"));
    ck_assert(!admin_role_grants("wizard", "user", "list"));
}
END_TEST

/* hasPermission: one role must grant every action on every resource asked about. */
START_TEST(test_roles_allow)
{
    static const char *const list_ban[] = {"list", "ban"};
    static const char *const list_x[] = {"list", "nosuch"};
    static const char *const revoke[] = {"revoke"};
    const struct admin_perm_ask both[] = {{"user", list_ban, 2}, {"session", revoke, 1}};
    const struct admin_perm_ask bad[] = {{"user", list_x, 2}};
    const struct admin_perm_ask empty[] = {{"user", NULL, 0}};
    const struct admin_perm_ask unknown[] = {{"nosuch", revoke, 1}};

    ck_assert(admin_roles_allow("admin", both, 2));
    ck_assert(admin_roles_allow("user,admin", both, 2));
    ck_assert(admin_roles_allow("wizard,admin", both, 2));
    ck_assert(!admin_roles_allow("user", both, 2));
    ck_assert(!admin_roles_allow(NULL, both, 2)); /* no role: the default, "user" */
    ck_assert(!admin_roles_allow("", both, 2));
    ck_assert(!admin_roles_allow("admin ", both, 2)); /* names are not trimmed */
    ck_assert(!admin_roles_allow("admin", bad, 1));
    ck_assert(!admin_roles_allow("admin", empty, 1));
    ck_assert(!admin_roles_allow("admin", unknown, 1));
    ck_assert(!admin_roles_allow("admin", both, 0)); /* nothing asked: "Not authorized" */
    ck_assert(admin_allows("admin", "user", "ban"));
    ck_assert(!admin_allows("user", "user", "ban"));
}
END_TEST

START_TEST(test_role_is_admin)
{
    ck_assert(admin_role_is_admin("admin"));
    ck_assert(admin_role_is_admin("user,admin"));
    ck_assert(!admin_role_is_admin("user"));
    ck_assert(!admin_role_is_admin(NULL));
    ck_assert(!admin_role_is_admin("administrator"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin_perm");
    TCase *tc = tcase_create("table");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_default_roles);
    tcase_add_test(tc, test_roles_allow);
    tcase_add_test(tc, test_role_is_admin);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
