/* check_email - the zod 4 e-mail pattern and ASCII lower-casing.
 *
 * The expected verdicts were produced by running zod 4.6.7's own z.email().safeParse() on each
 * input in Node (the reference server's node_modules), not written by hand; the first rows
 * are the addresses recorded in the transcripts (main-05, main-07, main-17, main-31). */
#include "config.h"

#include "util/email.h"

#include <check.h>
#include <string.h>

struct email_case {
    const char *text;
    size_t len; /* bytes, some inputs hold U+0000 */
    bool valid;
};

static const struct email_case cases[] = {
    {"alice@example.com", 17, true},
    {"ALICE.632735@EXAMPLE.COM", 24, true},
    {"short.632735@example.com", 24, true},
    {"not-an-email", 12, false},
    {"", 0, false},
    {"bad", 3, false},
    {"a@b.co", 6, true},
    {"a@b.c", 5, false},
    {"a@b", 3, false},
    {"a@example.c0m", 13, false},
    {"a@example.co1", 13, false},
    {"a@-example.com", 14, false},
    {"a@example-.com", 14, true},
    {"a@ex--ample.com", 15, true},
    {"a@1example.com", 14, true},
    {"a@example.123", 13, false},
    {"a@123.com", 9, true},
    {"a@[127.0.0.1]", 13, false},
    {"a@127.0.0.1", 11, false},
    {"a@localhost", 11, false},
    {".a@example.com", 14, false},
    {"a.@example.com", 14, false},
    {"a..b@example.com", 16, false},
    {"a.b.c@example.com", 17, true},
    {"a.b@sub.example.co.uk", 21, true},
    {"a+tag@example.com", 17, true},
    {"+@example.com", 13, true},
    {"-@example.com", 13, true},
    {"_@example.com", 13, true},
    {"'@example.com", 13, false},
    {"a'@example.com", 14, false},
    {"'a@example.com", 14, true},
    {"o'neil@example.com", 18, true},
    {"a'b'c@example.com", 17, true},
    {"a'.b@example.com", 16, true},
    {"a.'b@example.com", 16, true},
    {"a.b'@example.com", 16, false},
    {"a-b_c+d@example.com", 19, true},
    {"\"quoted\"@example.com", 20, false},
    {"a b@example.com", 15, false},
    {"a@exa mple.com", 14, false},
    {"a@@example.com", 14, false},
    {"a@b@example.com", 15, false},
    {"a@example..com", 14, false},
    {"a@.example.com", 14, false},
    {"a@example.com.", 14, false},
    {"a@example.com ", 14, false},
    {"  a@example.com", 15, false},
    {"a@example.com\x0a"
     "",
     14, false},
    {"j\xc3"
     "\xb6"
     "rg@example.com",
     17, false},
    {"a@ex\xc3"
     "\xa4"
     "mple.com",
     14, false},
    {"a@example.c\xc3"
     "\xb6"
     "m",
     14, false},
    {"\xe7"
     "\x94"
     "\xa8"
     "\xe6"
     "\x88"
     "\xb7"
     "@\xe4"
     "\xbe"
     "\x8b"
     "\xe5"
     "\xad"
     "\x90"
     ".\xe5"
     "\xb9"
     "\xbf"
     "\xe5"
     "\x91"
     "\x8a"
     "",
     20, false},
    {"a@xn--bcher-kva.ch", 18, true},
    {"a@example.XN--P1AI", 18, false},
    {"a!b@example.com", 15, false},
    {"a#b@example.com", 15, false},
    {"a$b@example.com", 15, false},
    {"a%b@example.com", 15, false},
    {"a&b@example.com", 15, false},
    {"a*b@example.com", 15, false},
    {"a/b@example.com", 15, false},
    {"a=b@example.com", 15, false},
    {"a?b@example.com", 15, false},
    {"a^b@example.com", 15, false},
    {"a`b@example.com", 15, false},
    {"a{b@example.com", 15, false},
    {"a|b@example.com", 15, false},
    {"a}b@example.com", 15, false},
    {"a~b@example.com", 15, false},
    {"a@example.c-m", 13, false},
    {"a@e.xample.com", 14, true},
    {"a@e_xample.com", 14, false},
    {"a@EXAMPLE.COM", 13, true},
    {"A@B.CD", 6, true},
    {"x@y.zz", 6, true},
    {"1@2.ab", 6, true},
    {"a@b-.cd", 7, true},
    {"a@b--c.de", 9, true},
    {"a@-.cd", 6, false},
    {"a@example.com.au", 16, true},
    {"a@sub-domain.example.org", 24, true},
    {"very.long.local.part.with.many.dots@example.com", 47, true},
    {"a@b.c.d.e.f.gh", 14, true},
    {"a@example.comm", 14, true},
    {"a@example.c_m", 13, false},
    {"a@example.ccoomm", 16, true},
    {"\x00"
     "@example.com",
     13, false},
    {"a@example.com\x00"
     "",
     14, false},
    {"a.b..c@example.com", 18, false},
    {"a@b..cd", 7, false},
    {"@example.com", 12, false},
    {"a@", 2, false},
    {"a@.", 3, false},
    {"a@.cd", 5, false},
    {"a@b.", 4, false},
    {"a@b.cd.", 7, false},
    {"a@cd", 4, false},
    {"user@localhost.localdomain", 26, true},
    {"first_last@example.io", 21, true},
    {"a_@example.com", 14, true},
    {"a-@example.com", 14, true},
    {"a+@example.com", 14, true},
    {"a.@b.cd", 7, false},
    {"postmaster@[IPv6:2001:db8::1]", 29, false},
    {"a@b.c-d", 7, false},
    {"a@b.cd-", 7, false},
    {"a@123.45", 8, false},
    {"mailto:a@example.com", 20, false},
    {"<a@example.com>", 15, false},
    {"a@example.com>", 14, false},
    {"Alice <a@example.com>", 21, false},
};

START_TEST(test_pattern)
{
    const struct email_case *c = &cases[_i];
    ck_assert_msg(email_is_valid(c->text, c->len) == c->valid, "\"%s\" should be %s", c->text,
                  c->valid ? "valid" : "invalid");
}
END_TEST

/* Every valid address stays valid when lower-cased (the pattern is case-insensitive in
 * effect), and lower-casing is idempotent. */
START_TEST(test_lowercase_keeps_validity)
{
    const struct email_case *c = &cases[_i];
    char buf[128];
    ck_assert_uint_lt(c->len, sizeof buf);
    memcpy(buf, c->text, c->len);
    email_lowercase(buf, c->len);
    ck_assert(email_is_valid(buf, c->len) == c->valid);
    for (size_t i = 0; i < c->len; i++)
        ck_assert(!(buf[i] >= 'A' && buf[i] <= 'Z'));
}
END_TEST

struct lower_case {
    const char *in, *out;
};

static const struct lower_case lower_cases[] = {
    {"ALICE.632735@EXAMPLE.COM", "alice.632735@example.com"}, /* main-16 */
    {"Mixed.Case+Tag@Example.Org", "mixed.case+tag@example.org"},
    {"already@lower.case", "already@lower.case"},
    {"0123456789_'+-@AZ.az", "0123456789_'+-@az.az"},
    /* Bytes above 0x7F are not touched (such addresses never pass the pattern). */
    {"\xc3\x84"
     "BC@X.YZ",
     "\xc3\x84"
     "bc@x.yz"},
    {"", ""},
};

START_TEST(test_lowercase)
{
    const struct lower_case *c = &lower_cases[_i];
    char buf[64];
    size_t n = strlen(c->in);
    memcpy(buf, c->in, n + 1);
    email_lowercase(buf, n);
    ck_assert_str_eq(buf, c->out);
}
END_TEST

/* The length is honoured: a valid prefix of a longer buffer is judged on its own. */
START_TEST(test_length_is_honoured)
{
    const char *s = "a@example.com-and-more-bytes";
    ck_assert(email_is_valid(s, 13));  /* "a@example.com" */
    ck_assert(!email_is_valid(s, 14)); /* "a@example.com-" */
    ck_assert(email_is_valid(s, 12));  /* "a@example.co" */
    ck_assert(!email_is_valid(s, 11)); /* "a@example.c" */
}
END_TEST

static Suite *email_suite(void)
{
    Suite *s = suite_create("email");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_pattern, 0, sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_lowercase_keeps_validity, 0, sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_lowercase, 0, sizeof lower_cases / sizeof lower_cases[0]);
    tcase_add_test(tc, test_length_is_honoured);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(email_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
