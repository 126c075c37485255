/* check_url - the WHATWG URL subset against Node 20's URL and URLSearchParams. Every expected
 * value in the tables was produced by Node on the same input (new URL(x).origin / .href;
 * new URL(x, "http://127.0.0.1:3000/api/auth") then searchParams.set; [...new
 * URLSearchParams(x)]); the few places where authfcgi differs on purpose have their own tests. */
#include "config.h"

#include "util/arena.h"
#include "util/url.h"

#include <check.h>
#include <string.h>

struct abs_case {
    const char *input;
    size_t len;
    enum url_status status;
    const char *origin, *href;
};

static const struct abs_case abs_cases[] = {
    {"http://localhost:8080", 21, URL_OK, "http://localhost:8080", "http://localhost:8080/"},
    {"HTTP://LOCALHOST:8080/", 22, URL_OK, "http://localhost:8080", "http://localhost:8080/"},
    {"http://localhost:8080/path?q#f", 30, URL_OK, "http://localhost:8080",
     "http://localhost:8080/path?q#f"},
    {"http://localhost:80", 19, URL_OK, "http://localhost", "http://localhost/"},
    {"https://localhost:443/x", 23, URL_OK, "https://localhost", "https://localhost/x"},
    {"https://localhost:80/x", 22, URL_OK, "https://localhost:80", "https://localhost:80/x"},
    {"http://localhost:8080.", 22, URL_INVALID, NULL, NULL},
    {"http://user@localhost:8080", 26, URL_OK, "http://localhost:8080",
     "http://user@localhost:8080/"},
    {"http://user:pw@localhost:8080/", 30, URL_OK, "http://localhost:8080",
     "http://user:pw@localhost:8080/"},
    {"http://u:p:q@h/", 15, URL_OK, "http://h", "http://u:p%3Aq@h/"},
    {"http://a@b@h/", 13, URL_OK, "http://h", "http://a%40b@h/"},
    {"http://@h/", 10, URL_OK, "http://h", "http://h/"},
    {"http://u@/", 10, URL_INVALID, NULL, NULL},
    {"localhost:8080", 14, URL_OTHER_SCHEME, NULL, NULL},
    {"http://[::1]:8080", 17, URL_OK, "http://[::1]:8080", "http://[::1]:8080/"},
    {"http://[0:0:0:0:0:0:0:1]/", 25, URL_OK, "http://[::1]", "http://[::1]/"},
    {"http://[2001:DB8:0:0:1:0:0:1]/", 30, URL_OK, "http://[2001:db8::1:0:0:1]",
     "http://[2001:db8::1:0:0:1]/"},
    {"http://[1:0:0:2:0:0:0:3]/", 25, URL_OK, "http://[1:0:0:2::3]", "http://[1:0:0:2::3]/"},
    {"http://[::ffff:1.2.3.4]/", 24, URL_OK, "http://[::ffff:102:304]", "http://[::ffff:102:304]/"},
    {"http://[::1", 11, URL_INVALID, NULL, NULL},
    {"http://[::1]x/", 14, URL_INVALID, NULL, NULL},
    {"http://2130706433:3000", 22, URL_OK, "http://127.0.0.1:3000", "http://127.0.0.1:3000/"},
    {"http://0x7f.1/", 14, URL_OK, "http://127.0.0.1", "http://127.0.0.1/"},
    {"http://0177.0.0.1/", 18, URL_OK, "http://127.0.0.1", "http://127.0.0.1/"},
    {"http://127.1/", 13, URL_OK, "http://127.0.0.1", "http://127.0.0.1/"},
    {"http://127.0.0.1./", 18, URL_OK, "http://127.0.0.1", "http://127.0.0.1/"},
    {"http://1.2.3.4.5/", 17, URL_INVALID, NULL, NULL},
    {"http://256.1.1.1/", 17, URL_INVALID, NULL, NULL},
    {"http://1.2.3.256/", 17, URL_INVALID, NULL, NULL},
    {"http://1.2.65536/", 17, URL_INVALID, NULL, NULL},
    {"http://0x/", 10, URL_OK, "http://0.0.0.0", "http://0.0.0.0/"},
    {"http://1.0x/", 12, URL_OK, "http://1.0.0.0", "http://1.0.0.0/"},
    {"http://example.com.1/", 21, URL_INVALID, NULL, NULL},
    {"http://1.example/", 17, URL_OK, "http://1.example", "http://1.example/"},
    {"http://foo.0x10/", 16, URL_INVALID, NULL, NULL},
    {"http://09.1/", 12, URL_INVALID, NULL, NULL},
    {"http://a%2Eb.com/", 17, URL_OK, "http://a.b.com", "http://a.b.com/"},
    {"http://EXA%4dPLE.com/", 21, URL_OK, "http://example.com", "http://example.com/"},
    {"http://a%20b/", 13, URL_INVALID, NULL, NULL},
    {"http://a%zzb/", 13, URL_INVALID, NULL, NULL},
    {"http://exa<mple/", 16, URL_INVALID, NULL, NULL},
    {"http://a^b/", 11, URL_INVALID, NULL, NULL},
    {"http://a|b/", 11, URL_INVALID, NULL, NULL},
    {"http:localhost:8080/x", 21, URL_OK, "http://localhost:8080", "http://localhost:8080/x"},
    {"http:\\\\localhost:8080\\x\\y", 25, URL_OK, "http://localhost:8080",
     "http://localhost:8080/x/y"},
    {"http:////localhost:8080//x", 26, URL_OK, "http://localhost:8080", "http://localhost:8080//x"},
    {" http://localhost:8080/x ", 25, URL_OK, "http://localhost:8080", "http://localhost:8080/x"},
    {"http://local\x09host:80\x0a"
     "80/x",
     25, URL_OK, "http://localhost:8080", "http://localhost:8080/x"},
    {"\x01http://localhost:8080\x02", 23, URL_OK, "http://localhost:8080",
     "http://localhost:8080/"},
    {"javascript:alert(1)", 19, URL_OTHER_SCHEME, NULL, NULL},
    {"ftp://localhost/", 16, URL_OTHER_SCHEME, NULL, NULL},
    {"file:///etc/passwd", 18, URL_OTHER_SCHEME, NULL, NULL},
    {"ws://localhost:8080/", 20, URL_OTHER_SCHEME, NULL, NULL},
    {"mailto:a@b.c", 12, URL_OTHER_SCHEME, NULL, NULL},
    {"http://", 7, URL_INVALID, NULL, NULL},
    {"https:", 6, URL_INVALID, NULL, NULL},
    {"http://localhost:65536/", 23, URL_INVALID, NULL, NULL},
    {"http://localhost:65535/", 23, URL_OK, "http://localhost:65535", "http://localhost:65535/"},
    {"http://localhost:0/", 19, URL_OK, "http://localhost:0", "http://localhost:0/"},
    {"http://localhost:00080/", 23, URL_OK, "http://localhost", "http://localhost/"},
    {"http://localhost:8a/", 20, URL_INVALID, NULL, NULL},
    {"http://localhost:/", 18, URL_OK, "http://localhost", "http://localhost/"},
    {"http://h/a/../b/./c/%2e%2E/d/.%2e/e", 35, URL_OK, "http://h", "http://h/b/e"},
    {"http://h/a/b/..", 15, URL_OK, "http://h", "http://h/a/"},
    {"http://h/a/b/.", 14, URL_OK, "http://h", "http://h/a/b/"},
    {"http://h/..", 11, URL_OK, "http://h", "http://h/"},
    {"http://h/a/%2e", 14, URL_OK, "http://h", "http://h/a/"},
    {"http://h/{}|^`\" <>?q={}|^`\" <>'#{}|^`\" <>'", 42, URL_OK, "http://h",
     "http://h/%7B%7D|^%60%22%20%3C%3E?q={}|^`%22%20%3C%3E%27#{}|^%60%22%20%3C%3E'"},
    {"http://h/\xc3\xa9?\xc3\xa9#\xc3\xa9", 17, URL_OK, "http://h",
     "http://h/%C3%A9?%C3%A9#%C3%A9"},
    {"http://h/%zz%41?%zz#%zz", 23, URL_OK, "http://h", "http://h/%zz%41?%zz#%zz"},
    {"http://h?a", 10, URL_OK, "http://h", "http://h/?a"},
    {"http://h#a", 10, URL_OK, "http://h", "http://h/#a"},
    {"http://h/?", 10, URL_OK, "http://h", "http://h/?"},
    {"http://h/#", 10, URL_OK, "http://h", "http://h/#"},
    {"http://h/a\x00"
     "b",
     12, URL_OK, "http://h", "http://h/a%00b"},
    {"http://h/a\x7f"
     "b",
     12, URL_OK, "http://h", "http://h/a%7Fb"},
    {"http://[::1]:8080/", 18, URL_OK, "http://[::1]:8080", "http://[::1]:8080/"},
    {"https://[::]/", 13, URL_OK, "https://[::]", "https://[::]/"},
};

START_TEST(test_absolute)
{
    const struct abs_case *c = &abs_cases[_i];
    struct arena *a = arena_create(4096);
    struct url u;
    enum url_status st = url_parse(a, c->input, c->len, NULL, &u);
    ck_assert_msg(st == c->status, "case %d (%s): status %d, want %d", _i, c->input, st, c->status);
    if (st == URL_OK) {
        ck_assert_str_eq(url_origin(a, &u), c->origin);
        ck_assert_str_eq(url_href(a, &u), c->href);
    }
    arena_destroy(a);
}
END_TEST

struct rel_case {
    const char *input, *href;
};

/* Resolved against http://127.0.0.1:3000/api/auth, then searchParams.set("token", "abc def/+"). */
static const struct rel_case rel_cases[] = {
    {"/reset", "http://127.0.0.1:3000/reset?token=abc+def%2F%2B"},
    {"/r?x=1 y&token=old#frag", "http://127.0.0.1:3000/r?x=1+y&token=abc+def%2F%2B#frag"},
    {"http://localhost:8080", "http://localhost:8080/?token=abc+def%2F%2B"},
    {"http://localhost:8080/reset?a=b", "http://localhost:8080/reset?a=b&token=abc+def%2F%2B"},
    {"http:localhost:8080/x", "http://127.0.0.1:3000/api/localhost:8080/x?token=abc+def%2F%2B"},
    {"http:/x", "http://127.0.0.1:3000/x?token=abc+def%2F%2B"},
    {"http:\\\\localhost:8080\\x\\y", "http://localhost:8080/x/y?token=abc+def%2F%2B"},
    {"https:x", "https://x/?token=abc+def%2F%2B"},
    {"//evil/x", "http://evil/x?token=abc+def%2F%2B"},
    {"x/y", "http://127.0.0.1:3000/api/x/y?token=abc+def%2F%2B"},
    {"?q", "http://127.0.0.1:3000/api/auth?q=&token=abc+def%2F%2B"},
    {"#f", "http://127.0.0.1:3000/api/auth?token=abc+def%2F%2B#f"},
    {"", "http://127.0.0.1:3000/api/auth?token=abc+def%2F%2B"},
    {"../../x", "http://127.0.0.1:3000/x?token=abc+def%2F%2B"},
    {"/a/../../b", "http://127.0.0.1:3000/b?token=abc+def%2F%2B"},
    {"/x?token=1&a=2&token=3&error", "http://127.0.0.1:3000/x?token=abc+def%2F%2B&a=2&error="},
    {"/x?a=%zz&b=%41&c=+&d=%2B&~!*'()",
     "http://127.0.0.1:3000/x?a=%25zz&b=A&c=+&d=%2B&%7E%21*%27%28%29=&token=abc+def%2F%2B"},
    {"/?", "http://127.0.0.1:3000/?token=abc+def%2F%2B"},
    {"/x?=&&=", "http://127.0.0.1:3000/x?=&=&token=abc+def%2F%2B"},
    {"/x?\xc3\xa9=\xc3\xa9", "http://127.0.0.1:3000/x?%C3%A9=%C3%A9&token=abc+def%2F%2B"},
};

START_TEST(test_relative_and_search_set)
{
    const struct rel_case *c = &rel_cases[_i];
    static const char base_text[] = "http://127.0.0.1:3000/api/auth";
    struct arena *a = arena_create(4096);
    struct url base, u;
    ck_assert_int_eq(url_parse(a, base_text, sizeof base_text - 1, NULL, &base), URL_OK);
    enum url_status st = url_parse(a, c->input, strlen(c->input), &base, &u);
    if (c->href == NULL) {
        ck_assert_int_ne(st, URL_OK);
    } else {
        ck_assert_msg(st == URL_OK, "case %d (%s) did not parse", _i, c->input);
        url_search_set(a, &u, "token", "abc def/+");
        ck_assert_str_eq(url_href(a, &u), c->href);
    }
    arena_destroy(a);
}
END_TEST

struct pair {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct form_case {
    const char *input;
    size_t len;
    struct pair pairs[3]; /* until name == NULL */
};

static const struct form_case form_cases[] = {
    {"a=1&b=2", 7, {{"a", 1, "1", 1}, {"b", 1, "2", 1}}},
    {"a=1&a=2", 7, {{"a", 1, "1", 1}, {"a", 1, "2", 1}}},
    {"&&a&&=b&", 8, {{"a", 1, "", 0}, {"", 0, "b", 1}}},
    {"a+b=c+d", 7, {{"a b", 3, "c d", 3}}},
    {"a%20b=%2B", 9, {{"a b", 3, "+", 1}}},
    {"%zz=%4", 6, {{"%zz", 3, "%4", 2}}},
    {"%e9=%C3%A9", 10, {{"\xef\xbf\xbd", 3, "\xc3\xa9", 2}}},
    {"%ff=%c3", 7, {{"\xef\xbf\xbd", 3, "\xef\xbf\xbd", 3}}},
    {"\xc3\xa9=\xc3\xa9", 5, {{"\xc3\xa9", 2, "\xc3\xa9", 2}}},
    {"a=b=c", 5, {{"a", 1, "b=c", 3}}},
    {"=", 1, {{"", 0, "", 0}}},
    {"a", 1, {{"a", 1, "", 0}}},
    {"%00=%00", 7, {{"\x00", 1, "\x00", 1}}},
    {"\xef\xbb\xbf"
     "email=x",
     10,
     {{"\xef\xbb\xbf"
       "email",
       8, "x", 1}}},
};

struct collected {
    struct pair p[8];
    size_t n;
};

static void collect(void *ctx, const char *name, size_t name_len, const char *value,
                    size_t value_len)
{
    struct collected *c = ctx;
    ck_assert_uint_lt(c->n, 8);
    ck_assert(name[name_len] == '\0' && value[value_len] == '\0');
    c->p[c->n++] = (struct pair){name, name_len, value, value_len};
}

START_TEST(test_form_parse)
{
    const struct form_case *c = &form_cases[_i];
    struct arena *a = arena_create(4096);
    struct collected got = {.n = 0};
    url_form_parse(a, c->input, c->len, collect, &got);
    size_t want = 0;
    while (want < 3 && c->pairs[want].name)
        want++;
    ck_assert_uint_eq(got.n, want);
    for (size_t i = 0; i < want; i++) {
        ck_assert_uint_eq(got.p[i].name_len, c->pairs[i].name_len);
        ck_assert(memcmp(got.p[i].name, c->pairs[i].name, c->pairs[i].name_len) == 0);
        ck_assert_uint_eq(got.p[i].value_len, c->pairs[i].value_len);
        ck_assert(memcmp(got.p[i].value, c->pairs[i].value, c->pairs[i].value_len) == 0);
    }
    arena_destroy(a);
}
END_TEST

/* Deliberate difference: hosts that need IDNA are refused, Node would punycode them. */
START_TEST(test_idna_hosts_are_invalid)
{
    struct arena *a = arena_create(4096);
    struct url u;
    static const char *const inputs[] = {"http://b\xc3\xbc"
                                         "cher.example/",
                                         "http://%C3%BC.example/"};
    for (size_t i = 0; i < 2; i++)
        ck_assert_int_eq(url_parse(a, inputs[i], strlen(inputs[i]), NULL, &u), URL_INVALID);
    arena_destroy(a);
}
END_TEST

/* url_search_append keeps the query text and adds one form-encoded pair. */
START_TEST(test_search_append)
{
    struct arena *a = arena_create(4096);
    struct url u;
    static const char in[] = "http://h/p?x=a%20b&y";
    ck_assert_int_eq(url_parse(a, in, sizeof in - 1, NULL, &u), URL_OK);
    url_search_append(a, &u, "error", "A B/+");
    ck_assert_str_eq(url_href(a, &u), "http://h/p?x=a%20b&y&error=A+B%2F%2B");
    ck_assert_str_eq(url_path_query_fragment(a, &u), "/p?x=a%20b&y&error=A+B%2F%2B");
    arena_destroy(a);
}
END_TEST

static Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_absolute, 0, sizeof abs_cases / sizeof abs_cases[0]);
    tcase_add_loop_test(tc, test_relative_and_search_set, 0,
                        sizeof rel_cases / sizeof rel_cases[0]);
    tcase_add_loop_test(tc, test_form_parse, 0, sizeof form_cases / sizeof form_cases[0]);
    tcase_add_test(tc, test_idna_hosts_are_invalid);
    tcase_add_test(tc, test_search_append);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(url_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
