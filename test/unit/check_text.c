/* check_text - text_utf16_length counts what JavaScript's string.length counts, and refuses
 * every ill-formed UTF-8 sequence; text_hex_value reads a hex digit of either case and
 * nothing else. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

struct length_case {
    const char *utf8;
    size_t len; /* bytes; explicit so cases may hold NUL */
    size_t units;
};

#define CASE(s, units)                                                                             \
    {                                                                                              \
        s, sizeof(s) - 1, units                                                                    \
    }

static const struct length_case valid_cases[] = {
    CASE("", 0),
    CASE("password", 8),
    CASE("\xC3\xA9", 1),         /* é U+00E9 */
    CASE("e\xCC\x81", 2),        /* e + U+0301: two code points, two units */
    CASE("\xE2\x82\xAC", 1),     /* € U+20AC */
    CASE("\xEF\xAC\x81", 1),     /* ﬁ U+FB01: counted before NFKC */
    CASE("\xEF\xBF\xBF", 1),     /* U+FFFF, last BMP code point */
    CASE("\xF0\x90\x80\x80", 2), /* U+10000, first astral: a surrogate pair */
    CASE("\xF0\x9F\x98\x80", 2), /* 😀 U+1F600 */
    CASE("\xF4\x8F\xBF\xBF", 2), /* U+10FFFF, the last code point */
    CASE("a\xF0\x9F\x98\x80!", 4),
    CASE("a\0b", 3),         /* U+0000 is a character like any other */
    CASE("\xEF\xBB\xBF", 1), /* a BOM is not skipped */
};

START_TEST(test_valid)
{
    const struct length_case *c = &valid_cases[_i];
    size_t units = 999;

    ck_assert_int_eq(text_utf16_length(c->utf8, c->len, &units), 0);
    ck_assert_uint_eq(units, c->units);
}
END_TEST

static const struct length_case invalid_cases[] = {
    CASE("\x80", 0),                     /* lone continuation byte */
    CASE("\xC3", 0),                     /* truncated two-byte sequence */
    CASE("abc\xE2\x82", 0),              /* truncated at the end */
    CASE("\xC3!", 0),                    /* lead byte followed by ASCII */
    CASE("\xC0\xAF", 0),                 /* overlong '/' */
    CASE("\xC1\xBF", 0),                 /* overlong */
    CASE("\xE0\x80\xAF", 0),             /* overlong three-byte */
    CASE("\xF0\x80\x80\xAF", 0),         /* overlong four-byte */
    CASE("\xED\xA0\x80", 0),             /* U+D800, a surrogate */
    CASE("\xED\xBF\xBF", 0),             /* U+DFFF */
    CASE("\xED\xA0\xBD\xED\xB8\x80", 0), /* CESU-8 surrogate pair for U+1F600 */
    CASE("\xF4\x90\x80\x80", 0),         /* U+110000 */
    CASE("\xF5\x80\x80\x80", 0),
    CASE("\xFE", 0),
    CASE("\xFF", 0),
    CASE("ok\xFF!ok", 0),
};

START_TEST(test_invalid)
{
    const struct length_case *c = &invalid_cases[_i];
    size_t units = 4242;

    ck_assert_int_eq(text_utf16_length(c->utf8, c->len, &units), -1);
    ck_assert_uint_eq(units, 4242); /* untouched on error */
}
END_TEST

/* The password limits are 8..128 units: the edges must land where JavaScript puts them. */
START_TEST(test_password_limit_edges)
{
    char buf[4 * 128 + 1];
    size_t units;

    /* 128 x "é": 256 bytes, 128 units. */
    for (size_t i = 0; i < 128; i++)
        memcpy(buf + 2 * i, "\xC3\xA9", 2);
    ck_assert_int_eq(text_utf16_length(buf, 256, &units), 0);
    ck_assert_uint_eq(units, 128);

    /* 64 x U+1F600: 256 bytes, 128 units; one more makes 130. */
    for (size_t i = 0; i < 65; i++)
        memcpy(buf + 4 * i, "\xF0\x9F\x98\x80", 4);
    ck_assert_int_eq(text_utf16_length(buf, 256, &units), 0);
    ck_assert_uint_eq(units, 128);
    ck_assert_int_eq(text_utf16_length(buf, 260, &units), 0);
    ck_assert_uint_eq(units, 130);

    /* Cutting the last emoji in half is ill-formed, not 129 units. */
    ck_assert_int_eq(text_utf16_length(buf, 258, &units), -1);
}
END_TEST

/* Every byte: the 22 hex digits have their value, everything else (the neighbours of the
 * digit ranges, NUL, bytes above 0x7F) is -1. */
START_TEST(test_hex_value)
{
    int c = _i, want = -1;

    if (c >= '0' && c <= '9')
        want = c - '0';
    else if (c >= 'a' && c <= 'f')
        want = 10 + c - 'a';
    else if (c >= 'A' && c <= 'F')
        want = 10 + c - 'A';
    ck_assert_msg(text_hex_value(c) == want, "byte 0x%02x: %d, expected %d", (unsigned)c,
                  text_hex_value(c), want);
}
END_TEST

START_TEST(test_hex_value_digits)
{
    const char *digits = "0123456789abcdef", *upper = "ABCDEF";

    for (int v = 0; v < 16; v++)
        ck_assert_int_eq(text_hex_value((unsigned char)digits[v]), v);
    for (int v = 0; v < 6; v++)
        ck_assert_int_eq(text_hex_value((unsigned char)upper[v]), 10 + v);
    ck_assert_int_eq(text_hex_value('g'), -1);
    ck_assert_int_eq(text_hex_value('G'), -1);
    ck_assert_int_eq(text_hex_value('/'), -1);
    ck_assert_int_eq(text_hex_value(':'), -1);
    ck_assert_int_eq(text_hex_value('@'), -1);
    ck_assert_int_eq(text_hex_value('`'), -1);
}
END_TEST

/* The one hex alphabet: each case reads back, only the low four bits count, and encoding
 * writes lower-case pairs high nibble first. */
START_TEST(test_hex_digit_and_encode)
{
    const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    char out[2 * sizeof(bytes) + 1];

    for (unsigned v = 0; v < 16; v++) {
        ck_assert_int_eq(text_hex_value((unsigned char)text_hex_digit(v, false)), (int)v);
        ck_assert_int_eq(text_hex_value((unsigned char)text_hex_digit(v, true)), (int)v);
        ck_assert_int_eq(text_hex_digit(v + 16, true), text_hex_digit(v, true));
    }
    ck_assert_int_eq(text_hex_digit(10, false), 'a');
    ck_assert_int_eq(text_hex_digit(10, true), 'A');
    text_hex_encode(bytes, sizeof(bytes), out);
    ck_assert_str_eq(out, "000fa5ff");
}
END_TEST

/* Expected texts printed by Node's Date.prototype.toISOString(), which is what Better Auth's
 * JSON carries. */
static const struct {
    int64_t ms;
    const char *iso;
} iso_cases[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {INT64_C(1764114459123), "2025-11-25T23:47:39.123Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {INT64_C(946684799999), "1999-12-31T23:59:59.999Z"},
    {INT64_C(951782400000), "2000-02-29T00:00:00.000Z"},
    {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
    {INT64_C(253402300800000), "+010000-01-01T00:00:00.000Z"},
    {INT64_C(-62167219200000), "0000-01-01T00:00:00.000Z"},
    {INT64_C(-62167219200001), "-000001-12-31T23:59:59.999Z"},
    {INT64_C(8640000000000000), "+275760-09-13T00:00:00.000Z"},
    {INT64_C(-8640000000000000), "-271821-04-20T00:00:00.000Z"},
};

START_TEST(test_iso_time)
{
    char out[TEXT_ISO_TIME_SIZE];

    ck_assert_int_eq(text_iso_time(iso_cases[_i].ms, out), 0);
    ck_assert_str_eq(out, iso_cases[_i].iso);
}
END_TEST

/* Outside a JavaScript Date's range there is no text Better Auth could have written. */
START_TEST(test_iso_time_out_of_range)
{
    char out[TEXT_ISO_TIME_SIZE];

    ck_assert_int_eq(text_iso_time(INT64_C(8640000000000001), out), -1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(text_iso_time(INT64_MIN, out), -1);
    ck_assert_int_eq(text_iso_time(INT64_MAX, out), -1);
}
END_TEST

/* Comma lists (trusted origins, trusted proxies): items trimmed of spaces and tabs, empty
 * items kept, the end said once. */
START_TEST(test_next_item)
{
    const char *cursor = " a ,\tb c\t,, ,d", *start;
    const char *want[] = {"a", "b c", "", "", "d"};
    size_t len;

    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert(text_next_item(&cursor, &start, &len));
        ck_assert_uint_eq(len, strlen(want[i]));
        ck_assert(strncmp(start, want[i], len) == 0);
    }
    ck_assert(!text_next_item(&cursor, &start, &len));
    cursor = NULL;
    ck_assert(!text_next_item(&cursor, &start, &len));
    cursor = "";
    ck_assert(text_next_item(&cursor, &start, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert(!text_next_item(&cursor, &start, &len));
}
END_TEST

START_TEST(test_parse_int64)
{
    int64_t v = 7;

    ck_assert_int_eq(text_parse_int64("9223372036854775807", &v), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(text_parse_int64("-42", &v), 0);
    ck_assert(v == -42);
    v = 7;
    ck_assert_int_eq(text_parse_int64("9223372036854775808", &v), -1);
    ck_assert_int_eq(text_parse_int64("", &v), -1);
    ck_assert_int_eq(text_parse_int64(NULL, &v), -1);
    ck_assert_int_eq(text_parse_int64("12x", &v), -1);
    ck_assert(v == 7);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("utf16_length");

    tcase_add_loop_test(tc, test_valid, 0, sizeof(valid_cases) / sizeof(valid_cases[0]));
    tcase_add_loop_test(tc, test_invalid, 0, sizeof(invalid_cases) / sizeof(invalid_cases[0]));
    tcase_add_test(tc, test_password_limit_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("hex_value");
    tcase_add_loop_test(tc, test_hex_value, 0, 256);
    tcase_add_test(tc, test_hex_value_digits);
    tcase_add_test(tc, test_hex_digit_and_encode);
    suite_add_tcase(s, tc);

    tc = tcase_create("iso_time");
    tcase_add_loop_test(tc, test_iso_time, 0, sizeof(iso_cases) / sizeof(iso_cases[0]));
    tcase_add_test(tc, test_iso_time_out_of_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("lists_and_numbers");
    tcase_add_test(tc, test_next_item);
    tcase_add_test(tc, test_parse_int64);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(text_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
