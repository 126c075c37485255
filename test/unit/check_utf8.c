/* check_utf8 - the WHATWG UTF-8 decoder with replacement. Expected outputs come from Node's
 * TextDecoder("utf-8", {ignoreBOM: true}) on the same bytes. */
#include "config.h"

#include "util/utf8.h"

#include <check.h>
#include <string.h>

struct decode_case {
    const char *in;
    size_t in_len;
    const char *out;
    size_t out_len;
};

static const struct decode_case cases[] = {
    {"", 0, "", 0},
    {"\x41", 1, "\x41", 1},
    {"\xc3\xa9", 2, "\xc3\xa9", 2},
    {"\xff", 1, "\xef\xbf\xbd", 3},
    {"\xc3", 1, "\xef\xbf\xbd", 3},
    {"\xc3\x28", 2, "\xef\xbf\xbd\x28", 4},
    {"\xe2\x82", 2, "\xef\xbf\xbd", 3},
    {"\xe2\x82\x28", 3, "\xef\xbf\xbd\x28", 4},
    {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xed\xbf\xbf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf", 4},
    {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xc1\xbf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xe0\xa0\x80", 3, "\xe0\xa0\x80", 3},
    {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", 4},
    {"\xf0\x9f\x98", 3, "\xef\xbf\xbd", 3},
    {"\xf0\x9f\x98\x41", 4, "\xef\xbf\xbd\x41", 4},
    {"\x80", 1, "\xef\xbf\xbd", 3},
    {"\xbf\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xfe", 1, "\xef\xbf\xbd", 3},
    {"\xef\xbb\xbf\x41", 4, "\xef\xbb\xbf\x41", 4},
    {"\xf0\x80\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\x41\xff\x42\xc3\xa9\x43", 6, "\x41\xef\xbf\xbd\x42\xc3\xa9\x43", 8},
    {"\xe1", 1, "\xef\xbf\xbd", 3},
    {"\xe1\x80\x80\x41", 4, "\xe1\x80\x80\x41", 4},
    {"\xf5\x80\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\x00", 1, "\x00", 1},
    {"\x7f", 1, "\x7f", 1},
    {"\xc2\x80", 2, "\xc2\x80", 2},
};

START_TEST(test_decode_lossy)
{
    const struct decode_case *c = &cases[_i];
    char out[UTF8_LOSSY_MAX(16) + 1];
    ck_assert_uint_le(c->in_len, 16);
    size_t n = utf8_decode_lossy(out, c->in, c->in_len);
    ck_assert_uint_eq(n, c->out_len);
    ck_assert(memcmp(out, c->out, n) == 0);
}
END_TEST

/* Valid input is exactly the input TextDecoder leaves unchanged. */
START_TEST(test_is_valid)
{
    const struct decode_case *c = &cases[_i];
    bool unchanged = c->in_len == c->out_len && memcmp(c->in, c->out, c->in_len) == 0;
    ck_assert(utf8_is_valid(c->in, c->in_len) == unchanged);
}
END_TEST

START_TEST(test_encode)
{
    char buf[4];
    ck_assert_uint_eq(utf8_encode(buf, 0x41), 1);
    ck_assert(memcmp(buf, "A", 1) == 0);
    ck_assert_uint_eq(utf8_encode(buf, 0xE9), 2);
    ck_assert(memcmp(buf, "\xc3\xa9", 2) == 0);
    ck_assert_uint_eq(utf8_encode(buf, 0xFFFD), 3);
    ck_assert(memcmp(buf, "\xef\xbf\xbd", 3) == 0);
    ck_assert_uint_eq(utf8_encode(buf, 0x1F600), 4);
    ck_assert(memcmp(buf, "\xf0\x9f\x98\x80", 4) == 0);
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_decode_lossy, 0, sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_is_valid, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_encode);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(utf8_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
