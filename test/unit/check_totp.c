/* check_totp - HOTP against RFC 4226 appendix D, TOTP against RFC 6238 appendix B (SHA-1),
 * Better Auth's window of one step either side, the constant-time comparison's answers, and
 * base32 against RFC 4648 §10 and a URI Better Auth wrote. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/totp.h"

static const uint8_t rfc_key[] = "12345678901234567890";
#define RFC_KEY_LEN 20

START_TEST(test_hotp_rfc4226)
{
    static const char *const want[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
    char out[TOTP_MAX_DIGITS + 1];

    for (unsigned i = 0; i < 10; i++) {
        ck_assert_int_eq(totp_hotp(rfc_key, RFC_KEY_LEN, i, 6, out), 0);
        ck_assert_str_eq(out, want[i]);
    }
    ck_assert_int_eq(totp_hotp(rfc_key, RFC_KEY_LEN, 0, 9, out), -1);
}
END_TEST

START_TEST(test_totp_rfc6238)
{
    static const struct {
        int64_t t;
        const char *code;
    } cases[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                 {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
    char out[TOTP_MAX_DIGITS + 1];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(totp_hotp(rfc_key, RFC_KEY_LEN, (uint64_t)(cases[i].t / 30), 8, out), 0);
        ck_assert_str_eq(out, cases[i].code);
        ck_assert(totp_verify(rfc_key, RFC_KEY_LEN, cases[i].code, cases[i].t, 30, 8, 0));
    }
}
END_TEST

/* One step either side is accepted (Better Auth's window 1), two steps are not. */
START_TEST(test_totp_window)
{
    const int64_t now = 1111111111;
    char code[TOTP_MAX_DIGITS + 1];

    ck_assert_int_eq(totp_hotp(rfc_key, RFC_KEY_LEN, (uint64_t)(now / 30 - 1), 6, code), 0);
    ck_assert(totp_verify(rfc_key, RFC_KEY_LEN, code, now, 30, 6, 1));
    ck_assert(!totp_verify(rfc_key, RFC_KEY_LEN, code, now + 30, 30, 6, 1));
    ck_assert_int_eq(totp_hotp(rfc_key, RFC_KEY_LEN, (uint64_t)(now / 30 + 1), 6, code), 0);
    ck_assert(totp_verify(rfc_key, RFC_KEY_LEN, code, now, 30, 6, 1));
    ck_assert(!totp_verify(rfc_key, RFC_KEY_LEN, code, now - 30, 30, 6, 1));
    ck_assert(!totp_verify(rfc_key, RFC_KEY_LEN, "", now, 30, 6, 1));
}
END_TEST

START_TEST(test_equal)
{
    ck_assert(totp_equal("123456", "123456"));
    ck_assert(!totp_equal("123457", "123456"));
    ck_assert(!totp_equal("12345", "123456"));
    ck_assert(!totp_equal("1234567", "123456"));
    ck_assert(!totp_equal("", "123456"));
}
END_TEST

START_TEST(test_base32)
{
    char out[64];

    totp_base32((const uint8_t *)"foobar", 6, out);
    ck_assert_str_eq(out, "MZXW6YTBOI");
    totp_base32((const uint8_t *)"f", 1, out);
    ck_assert_str_eq(out, "MY");
    /* alice's secret and the secret= of the totpURI Better Auth answered (fixtures). */
    totp_base32((const uint8_t *)"WdDlHH6vKEhaposscerYNTSNTqPf7xOS", 32, out);
    ck_assert_str_eq(out, "K5SEI3CIJA3HMS2FNBQXA33TONRWK4SZJZKFGTSUOFIGMN3YJ5JQ");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("totp");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_hotp_rfc4226);
    tcase_add_test(tc, test_totp_rfc6238);
    tcase_add_test(tc, test_totp_window);
    tcase_add_test(tc, test_equal);
    tcase_add_test(tc, test_base32);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
