/* check_privilege - who authfcgi runs as (privilege.h). Started as root (as CI runs the
 * tests), every way AUTHFCGI_USER/AUTHFCGI_GROUP can be wrong is refused with a line naming
 * the setting, a good one resolves to that user, and the drop (done in check's forked child
 * of each test, so the runner keeps its ids) leaves no way back to root and HOME pointing at
 * the user's home. Started unprivileged, nothing is to change and the checks pass. */
#include "config.h"

#include <check.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/privilege.h"
#include "global/settings.h"

/* The unprivileged account Debian always has. */
#define NOBODY "nobody"

static char err[512];

static int resolve(const char *user, const char *group, struct privilege *p)
{
    struct settings s = {.user = (char *)user, .group = (char *)group};

    err[0] = '\0';
    return privilege_resolve(&s, p, err, sizeof(err));
}

/* ---- started as root ---------------------------------------------------------------------- */

static const struct {
    const char *user;
    const char *group;
    const char *says; /* part of the error line */
} refused[] = {
    {NULL, NULL, "AUTHFCGI_USER: not set"},
    {"root", NULL, "AUTHFCGI_USER: \"root\" is root"},
    {"0", NULL, "AUTHFCGI_USER: \"0\" is root"},
    {"no-such-user-authfcgi", NULL, "AUTHFCGI_USER: no user \"no-such-user-authfcgi\""},
    {NOBODY, "no-such-group-authfcgi", "AUTHFCGI_GROUP: no group \"no-such-group-authfcgi\""},
    {NOBODY, "root", "AUTHFCGI_GROUP: the group would be root"},
    {NOBODY, "0", "AUTHFCGI_GROUP: the group would be root"},
};

START_TEST(test_root_resolve_refused)
{
    struct privilege p;

    ck_assert_int_eq(resolve(refused[_i].user, refused[_i].group, &p), -1);
    ck_assert_msg(strstr(err, refused[_i].says) != NULL, "error \"%s\", expected \"%s\"", err,
                  refused[_i].says);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* By name or by number, the user's ids, name and home; a group replaces the primary one. */
START_TEST(test_root_resolve)
{
    struct passwd *pw = getpwnam(NOBODY);
    struct group *gr;
    struct privilege p;
    char uid[32];

    ck_assert_ptr_nonnull(pw);
    ck_assert_int_eq(resolve(NOBODY, NULL, &p), 0);
    ck_assert(p.drop);
    ck_assert_int_eq(p.uid, pw->pw_uid);
    ck_assert_int_eq(p.gid, pw->pw_gid);
    ck_assert_str_eq(p.user, NOBODY);
    ck_assert_str_eq(p.home, pw->pw_dir);
    snprintf(uid, sizeof(uid), "%ld", (long)pw->pw_uid);
    ck_assert_int_eq(resolve(uid, NULL, &p), 0);
    ck_assert_str_eq(p.user, NOBODY);
    gr = getgrnam("nogroup");
    if (gr != NULL) {
        ck_assert_int_eq(resolve(NOBODY, "nogroup", &p), 0);
        ck_assert_int_eq(p.gid, gr->gr_gid);
    }
}
END_TEST

/* The last guard refuses root. */
START_TEST(test_root_check_refuses)
{
    ck_assert_int_eq(privilege_check(err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "refusing to serve as root"));
}
END_TEST

/* After the drop: the user's ids, root cannot be regained, HOME is the user's home, and the
 * guard passes. A struct that says nothing is to change leaves a root process refused. */
START_TEST(test_root_drop)
{
    struct privilege p, none = {.drop = false};

    ck_assert_int_eq(privilege_drop(&none, err, sizeof(err)), -1);
    ck_assert_int_eq(resolve(NOBODY, NULL, &p), 0);
    ck_assert_msg(privilege_drop(&p, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(getuid(), p.uid);
    ck_assert_int_eq(geteuid(), p.uid);
    ck_assert_int_eq(getgid(), p.gid);
    ck_assert_int_eq(getegid(), p.gid);
    ck_assert_int_eq(setuid(0), -1);
    ck_assert_int_eq(seteuid(0), -1);
    ck_assert_str_eq(getenv("HOME"), p.home);
    ck_assert_int_eq(privilege_check(err, sizeof(err)), 0);
}
END_TEST

/* ---- started unprivileged ----------------------------------------------------------------- */

START_TEST(test_user_nothing_to_change)
{
    struct privilege p;

    memset(&p, 0x5a, sizeof(p));
    ck_assert_int_eq(resolve(NULL, NULL, &p), 0);
    ck_assert(!p.drop);
    ck_assert_int_eq(resolve("root", "root", &p), 0);
    ck_assert(!p.drop);
    ck_assert_int_eq(privilege_drop(&p, err, sizeof(err)), 0);
    ck_assert_int_eq(privilege_check(err, sizeof(err)), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("privilege");
    TCase *tc = tcase_create(geteuid() == 0 ? "started as root" : "started unprivileged");
    SRunner *sr;
    int failed;

    if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0) {
        tcase_add_loop_test(tc, test_root_resolve_refused, 0,
                            (int)(sizeof(refused) / sizeof(refused[0])));
        tcase_add_test(tc, test_root_resolve);
        tcase_add_test(tc, test_root_check_refuses);
        tcase_add_test(tc, test_root_drop);
    } else {
        tcase_add_test(tc, test_user_nothing_to_change);
    }
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    /* The drop must happen in a child: the runner itself keeps its ids. */
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
