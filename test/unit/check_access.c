/* check_access - the access rules file: every error message (FILE:LINE: what), good files,
 * first-match evaluation by path (segment prefix, regex), method, host and the default, the
 * e-mail lists, the path normalisation rules are matched against, and out of memory while
 * parsing (strdup is wrapped: Makefile.am). */
#include "config.h"

#include "auth/access.h"
#include "util/arena.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- bad files: the one line each gives ---------------------------------------------------- */

static const struct {
    const char *text, *err;
} bad_files[] = {
    {"/a\n", "r:1: a rule is PATH [METHODS] [host=HOST] DECISION"},
    {"# c\n\n  /a signed-in\nprivate/ public\n",
     "r:4: a path starts with / (a prefix) or ~ (a regular expression): private/"},
    {"~^/(a public\n", "r:1: bad regular expression: "},
    {"/a get public\n",
     "r:1: bad methods (upper-case names separated by commas, e.g. GET,HEAD): get"},
    {"/a GET, public\n",
     "r:1: bad methods (upper-case names separated by commas, e.g. GET,HEAD): GET,"},
    {"/a GET POST public\n", "r:1: methods given twice: POST"},
    {"/a host=a.example host=b.example public\n", "r:1: host= given twice: b.example"},
    {"/a host= public\n", "r:1: bad host (a name such as example.com or *.example.com): "},
    {"/a host=ex_ample.com public\n",
     "r:1: bad host (a name such as example.com or *.example.com): ex_ample.com"},
    {"/a GET host=x.example public extra\n",
     "r:1: too many fields (PATH [METHODS] [host=HOST] DECISION): extra"},
    {"/a allow\n", "r:1: unknown decision (public, signed-in, verified, email:..., role:..., "
                   "two-factor, deny): allow"},
    {"/a Public\n", "r:1: unknown decision (public, signed-in, verified, email:..., role:..., "
                    "two-factor, deny): Public"},
    {"/a email:\n", "r:1: email: needs addresses or @domains separated by commas"},
    {"/a email:alice\n", "r:1: bad address in email: (user@domain or @domain): alice"},
    {"/a email:a@example.com,\n", "r:1: bad address in email: (user@domain or @domain): "},
    {"/a email:@\n", "r:1: bad address in email: (user@domain or @domain): @"},
    {"/a role:\n", "r:1: role: needs role names separated by commas"},
    {"/a role:admin,\n", "r:1: bad role name in role: (letters, digits, - and _): "},
    {"/a role:ad min\n", "r:1: bad methods"},
    {"/a role:a+b\n", "r:1: bad role name in role: (letters, digits, - and _): a+b"},
    {"/a two-factor:totp\n", "r:1: unknown decision (public, signed-in, verified, email:..., "
                             "role:..., two-factor, deny): two-factor:totp"},
    {"/a Two-Factor\n", "r:1: unknown decision (public, signed-in, verified, email:..., role:..., "
                        "two-factor, deny): Two-Factor"},
    {"/a twofactor\n", "r:1: unknown decision (public, signed-in, verified, email:..., role:..., "
                       "two-factor, deny): twofactor"},
};

START_TEST(test_bad_file)
{
    struct access_rules *r = (struct access_rules *)1;
    char err[512] = "";

    ck_assert_int_eq(access_rules_parse(&r, "r", bad_files[_i].text, err, sizeof err), -1);
    ck_assert_ptr_null(r);
    ck_assert_msg(strncmp(err, bad_files[_i].err, strlen(bad_files[_i].err)) == 0,
                  "got \"%s\", expected \"%s\"", err, bad_files[_i].err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_line_too_long)
{
    char *text = malloc(5000);
    struct access_rules *r;
    char err[512];

    memset(text, 'a', 4999);
    text[0] = '/';
    text[4999] = '\0';
    ck_assert_int_eq(access_rules_parse(&r, "r", text, err, sizeof err), -1);
    ck_assert_str_eq(err, "r:1: line too long");
    free(text);
}
END_TEST

START_TEST(test_load_missing_file)
{
    struct access_rules *r;
    char err[512];

    ck_assert_int_eq(access_rules_load(&r, "/nonexistent/rules", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/rules: cannot be read: No such file or directory");
}
END_TEST

START_TEST(test_load_file_names_lines)
{
    char path[] = "/tmp/check_access_XXXXXX", err[512];
    int fd = mkstemp(path);
    const char text[] = "# rules\n/public public\n\n/x bogus\n";
    struct access_rules *r;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    ck_assert_int_eq(access_rules_load(&r, path, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want,
             "%s:4: unknown decision (public, signed-in, verified, email:..., role:..., "
             "two-factor, deny): bogus",
             path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

/* ---- out of memory ---------------------------------------------------------------------- */

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);

static int strdup_fail_in; /* the strdup call (counting from 1) that fails; 0: none */

char *__wrap_strdup(const char *s)
{
    if (strdup_fail_in > 0 && --strdup_fail_in == 0)
        return NULL;
    return __real_strdup(s);
}

/* A strdup that fails stops the parse: a host rule that lost its host would match every
 * host. */
START_TEST(test_out_of_memory)
{
    struct access_rules *r;
    char err[512];

    for (int k = 1;; k++) {
        strdup_fail_in = k;
        int rc = access_rules_parse(&r, "r", "/x host=a.example deny\n", err, sizeof err);
        bool failed = strdup_fail_in == 0;
        strdup_fail_in = 0;
        if (!failed) {
            ck_assert_int_eq(rc, 0);
            access_rules_free(r);
            break;
        }
        ck_assert_msg(rc == -1, "strdup %d failed, the file was taken", k);
        ck_assert_ptr_nonnull(strstr(err, "out of memory"));
    }
}
END_TEST

/* ---- matching ------------------------------------------------------------------------------ */

static const char rules_text[] = "# a commented example\n"
                                 "/healthz public\n"
                                 "/api/ OPTIONS public\n"
                                 "~^/reports/[0-9]+\\.pdf$ GET verified\n"
                                 "/admin email:Alice@Example.com,@staff.example.org\n"
                                 "/docs host=docs.example.com public\n"
                                 "/ host=*.intranet.example deny\n"
                                 "\t/private/   signed-in  \n"
                                 "/old deny\n"
                                 "/vault/ GET two-factor\n";

#define WWW "www.example.com"

static const struct {
    const char *method, *host, *path, *where;
    enum access_decision decision;
} matches[] = {
    {"GET", NULL, "/healthz", "r:2", ACCESS_PUBLIC},
    {"GET", NULL, "/healthz/x", "r:2", ACCESS_PUBLIC},
    {"GET", WWW, "/healthzz", "default", ACCESS_SIGNED_IN},
    {"OPTIONS", NULL, "/api/x", "r:3", ACCESS_PUBLIC},
    {"GET", WWW, "/api/x", "default", ACCESS_SIGNED_IN},
    {"OPTIONS", WWW, "/other", "default", ACCESS_SIGNED_IN},
    {"GET", NULL, "/reports/12.pdf", "r:4", ACCESS_VERIFIED},
    {"HEAD", NULL, "/reports/12.pdf", "r:4", ACCESS_VERIFIED}, /* GET brings HEAD */
    {"POST", WWW, "/reports/12.pdf", "default", ACCESS_SIGNED_IN},
    {"GET", WWW, "/reports/12.pdf.txt", "default", ACCESS_SIGNED_IN},
    {"GET", NULL, "/admin", "r:5", ACCESS_EMAIL},
    {"DELETE", NULL, "/admin/users/1", "r:5", ACCESS_EMAIL},
    {"GET", "docs.example.com", "/docs/a", "r:6", ACCESS_PUBLIC},
    {"GET", "DOCS.Example.COM:8443", "/docs/a", "r:6", ACCESS_PUBLIC},
    {"GET", "docs.example.com.", "/docs/a", "r:6", ACCESS_PUBLIC},
    {"GET", "www.example.com", "/docs/a", "default", ACCESS_SIGNED_IN},
    {"GET", WWW, "/docs/a", "default", ACCESS_SIGNED_IN},
    {"GET", "a.b.intranet.example", "/x", "r:7", ACCESS_DENY},
    {"GET", "intranet.example", "/x", "default", ACCESS_SIGNED_IN},
    {"GET", "evilintranet.example", "/x", "default", ACCESS_SIGNED_IN},
    {"GET", WWW, "/private", "r:8", ACCESS_SIGNED_IN},
    {"GET", WWW, "/private/a/b", "r:8", ACCESS_SIGNED_IN},
    {"GET", WWW, "/old", "r:9", ACCESS_DENY},
    {"GET", WWW, "/older", "default", ACCESS_SIGNED_IN},
    {"GET", WWW, "/vault", "r:10", ACCESS_TWO_FACTOR},
    {"HEAD", WWW, "/vault/a", "r:10", ACCESS_TWO_FACTOR},
    {"POST", WWW, "/vault/a", "default", ACCESS_SIGNED_IN},
    {"", WWW, "/api/x", "default", ACCESS_SIGNED_IN},
    {"GET,OPTIONS", WWW, "/api/x", "default", ACCESS_SIGNED_IN},
    /* The method as a client spelt it: an app reads "post" as POST (Apache passes it on). */
    {"options", NULL, "/api/x", "r:3", ACCESS_PUBLIC},
    {"head", NULL, "/reports/12.pdf", "r:4", ACCESS_VERIFIED},
    {"Get", WWW, "/vault/a", "r:10", ACCESS_TWO_FACTOR},
    {"GE", WWW, "/vault/a", "default", ACCESS_SIGNED_IN},
    {"GETS", WWW, "/vault/a", "default", ACCESS_SIGNED_IN},
    /* No Host (HTTP/1.0), or an empty one: a rule naming a host cannot be judged, and is
     * not skipped either (a later, wider rule would let in what it refuses). */
    {"GET", NULL, "/docs/a", "no-host", ACCESS_DENY},
    {"GET", "", "/docs/a", "no-host", ACCESS_DENY},
    {"GET", NULL, "/private", "no-host", ACCESS_DENY},
    {"GET", NULL, "/healthz", "r:2", ACCESS_PUBLIC},
};

START_TEST(test_match)
{
    struct access_rules *r;
    char err[512];

    ck_assert_int_eq(access_rules_parse(&r, "r", rules_text, err, sizeof err), 0);
    const struct access_rule *rule =
        access_rules_match(r, matches[_i].method, matches[_i].host, matches[_i].path);
    ck_assert_str_eq(rule->where, matches[_i].where);
    ck_assert_int_eq(rule->decision, matches[_i].decision);
    access_rules_free(r);
}
END_TEST

START_TEST(test_root_prefix_and_default)
{
    struct access_rules *r;
    char err[512];

    ck_assert_int_eq(access_rules_load(&r, NULL, err, sizeof err), 0);
    ck_assert_str_eq(access_rules_match(r, "GET", NULL, "/")->where, "default");
    ck_assert_int_eq(access_rules_match(r, "GET", NULL, "/x")->decision, ACCESS_SIGNED_IN);
    access_rules_free(r);
    ck_assert_int_eq(access_rules_parse(&r, "r", "/public/ public\n/ deny", err, sizeof err), 0);
    ck_assert_str_eq(access_rules_match(r, "GET", NULL, "/")->where, "r:2");
    ck_assert_str_eq(access_rules_match(r, "GET", NULL, "/public")->where, "r:1");
    ck_assert_str_eq(access_rules_match(r, "GET", NULL, "/publicity")->where, "r:2");
    access_rules_free(r);
}
END_TEST

/* access_rules_first - the rule the app names when its plugin for the decision is off. */
START_TEST(test_first_of_decision)
{
    struct access_rules *r;
    char err[512];

    ck_assert_int_eq(access_rules_parse(&r, "r", rules_text, err, sizeof err), 0);
    ck_assert_str_eq(access_rules_first(r, ACCESS_TWO_FACTOR), "r:10");
    ck_assert_str_eq(access_rules_first(r, ACCESS_DENY), "r:7");
    ck_assert_ptr_null(access_rules_first(r, ACCESS_ROLE));
    ck_assert_str_eq(access_decision_name(ACCESS_TWO_FACTOR), "two-factor");
    access_rules_free(r);
    ck_assert_ptr_null(access_rules_first(NULL, ACCESS_TWO_FACTOR));
}
END_TEST

START_TEST(test_email_lists)
{
    struct access_rules *r;
    char err[512];

    ck_assert_int_eq(access_rules_parse(&r, "r", "/ email:Alice@Example.com,@Staff.example.org",
                                        err, sizeof err),
                     0);
    const struct access_rule *rule = access_rules_match(r, "GET", NULL, "/");
    ck_assert(access_email_allowed(rule, "alice@example.com"));
    ck_assert(access_email_allowed(rule, "ALICE@EXAMPLE.COM"));
    ck_assert(access_email_allowed(rule, "bob@staff.example.org"));
    ck_assert(!access_email_allowed(rule, "bob@example.com"));
    ck_assert(!access_email_allowed(rule, "bob@evilstaff.example.org"));
    ck_assert(!access_email_allowed(rule, "bob@x.staff.example.org"));
    ck_assert(!access_email_allowed(rule, "alice@example.com.evil"));
    ck_assert(!access_email_allowed(rule, NULL));
    access_rules_free(r);
}
END_TEST

/* ---- README's example -------------------------------------------------------------------- */

/* readme_example - the indented block of README that starts with the example's comment line,
 * unindented (malloc'd). */
static char *readme_example(void)
{
    const char *srcdir = getenv("top_srcdir");
    char path[1024], *text = malloc(1 << 20), *out = malloc(1 << 16);
    size_t n = 0;

    snprintf(path, sizeof path, "%s/README", srcdir != NULL ? srcdir : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    text[fread(text, 1, (1 << 20) - 1, f)] = '\0';
    fclose(f);
    const char *p = strstr(text, "    # /etc/authfcgi/access.rules\n");
    ck_assert_msg(p != NULL, "README has no rules example");
    while (strncmp(p, "    ", 4) == 0) {
        size_t len = strcspn(p + 4, "\n") + 1;
        memcpy(out + n, p + 4, len);
        n += len;
        p += 4 + len;
    }
    out[n] = '\0';
    free(text);
    return out;
}

START_TEST(test_readme_example)
{
    char *text = readme_example(), err[512];
    struct access_rules *r;

    ck_assert_msg(access_rules_parse(&r, "README", text, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(access_rules_match(r, "GET", NULL, "/healthz")->decision, ACCESS_PUBLIC);
    ck_assert_int_eq(access_rules_match(r, "OPTIONS", NULL, "/api/x")->decision, ACCESS_PUBLIC);
    ck_assert_int_eq(access_rules_match(r, "HEAD", NULL, "/private/reports/1")->decision,
                     ACCESS_VERIFIED);
    ck_assert_int_eq(access_rules_match(r, "GET", NULL, "/private/admin")->decision, ACCESS_EMAIL);
    ck_assert_int_eq(access_rules_match(r, "GET", WWW, "/private/administrator")->decision,
                     ACCESS_SIGNED_IN);
    ck_assert_int_eq(access_rules_match(r, "GET", "intranet.example.com", "/private/x")->decision,
                     ACCESS_EMAIL);
    ck_assert_int_eq(access_rules_match(r, "GET", WWW, "/private/archive/x")->decision,
                     ACCESS_DENY);
    ck_assert_int_eq(access_rules_match(r, "DELETE", WWW, "/private/x")->decision, ACCESS_DENY);
    ck_assert_int_eq(access_rules_match(r, "GET", NULL, "/other")->decision, ACCESS_DENY);
    /* Without a Host, the intranet's rule is not skipped for the wider signed-in one. */
    ck_assert_str_eq(access_rules_match(r, "GET", NULL, "/private/x")->where, "no-host");
    ck_assert_int_eq(access_rules_match(r, "GET", WWW, "/private/x")->decision, ACCESS_SIGNED_IN);
    access_rules_free(r);
    free(text);
}
END_TEST

/* ---- paths --------------------------------------------------------------------------------- */

static const struct {
    const char *raw, *norm; /* NULL: refused */
} paths[] = {
    {"/", "/"},
    {"/a/b", "/a/b"},
    {"/a/b/", "/a/b/"},
    {"//a///b", "/a/b"},
    {"/a/./b", "/a/b"},
    {"/a/../b", "/b"},
    {"/public/../private/x", "/private/x"},
    {"/public/..", "/"},
    {"/../../etc/passwd", "/etc/passwd"},
    {"/%70rivate/", "/private/"},
    {"/public/%2e%2e/private", "/private"},
    {"/public/%2E%2E%2Fprivate", "/private"},
    {"/a/b/..", "/a/"},
    {"/a/.", "/a/"},
    {"/a%20b", "/a b"},
    {"/%00", NULL},
    /* the servers serve "/closed/x" for this one: never judge it as "/open/" */
    {"/closed/x#/../../open/", NULL},
    {"/a#b", NULL},
    {"/a%23b/../c", "/c"},
    {"/a%23b", "/a#b"},
    {"/%zz", NULL},
    {"/%4", NULL},
    {"a/b", NULL},
    {"", NULL},
};

START_TEST(test_normalize)
{
    struct arena *a = arena_create(1024);
    const char *raw = paths[_i].raw;
    const char *got = access_normalize_path(a, raw, strlen(raw));

    if (paths[_i].norm == NULL)
        ck_assert_msg(got == NULL, "%s gave %s", raw, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, paths[_i].norm) == 0, "%s gave %s", raw,
                      got != NULL ? got : "NULL");
    arena_destroy(a);
}
END_TEST

static Suite *access_suite(void)
{
    Suite *s = suite_create("access");
    TCase *t = tcase_create("parse");

    tcase_add_loop_test(t, test_bad_file, 0, sizeof bad_files / sizeof bad_files[0]);
    tcase_add_test(t, test_line_too_long);
    tcase_add_test(t, test_load_missing_file);
    tcase_add_test(t, test_out_of_memory);
    tcase_add_test(t, test_load_file_names_lines);
    suite_add_tcase(s, t);
    t = tcase_create("match");
    tcase_add_loop_test(t, test_match, 0, sizeof matches / sizeof matches[0]);
    tcase_add_test(t, test_root_prefix_and_default);
    tcase_add_test(t, test_first_of_decision);
    tcase_add_test(t, test_email_lists);
    tcase_add_test(t, test_readme_example);
    tcase_add_loop_test(t, test_normalize, 0, sizeof paths / sizeof paths[0]);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(access_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
