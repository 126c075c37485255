/* check_random - tokens have the right length and alphabet, and every one of the 62 symbols is
 * equally likely: a chi-square test over 10^5 tokens, whose threshold is shown to catch the
 * modulo bias rejection sampling exists to avoid. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/random.h"

#define ALPHABET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define SYMBOLS 62
#define DRAWS 100000
/* Chi-square with 61 degrees of freedom: P(X > 150) ~ 2e-9, so an unbiased generator fails
 * about once in 500 million runs, while modulo bias (8 symbols at 5/256, the rest at 4/256)
 * scores in the hundreds even over 10^5 characters. */
#define CHI2_LIMIT 150.0

static int symbol_index(char ch)
{
    const char *p = ch != '\0' ? strchr(ALPHABET, ch) : NULL;

    return p != NULL ? (int)(p - ALPHABET) : -1;
}

static double chi_square(const unsigned long counts[SYMBOLS], unsigned long total)
{
    double expected = (double)total / SYMBOLS, sum = 0;

    for (int i = 0; i < SYMBOLS; i++) {
        double d = (double)counts[i] - expected;

        sum += d * d / expected;
    }
    return sum;
}

static const size_t lengths[] = {0,  1,  2,   RANDOM_RESET_TOKEN_LEN, RANDOM_TOKEN_LEN, 63,
                                 64, 65, 1000};

START_TEST(test_length_and_alphabet)
{
    size_t len = lengths[_i];
    char *tok = malloc(len + 2);

    ck_assert_ptr_nonnull(tok);
    memset(tok, '#', len + 2);
    ck_assert_int_eq(random_token(tok, len), 0);
    ck_assert_uint_eq(strlen(tok), len);
    ck_assert_int_eq(tok[len + 1], '#'); /* nothing written past the NUL */
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(symbol_index(tok[i]) >= 0, "byte %zu is %#x", i, (unsigned char)tok[i]);
    free(tok);
}
END_TEST

START_TEST(test_tokens_differ)
{
    char a[RANDOM_TOKEN_LEN + 1], b[RANDOM_TOKEN_LEN + 1];

    ck_assert_int_eq(random_token(a, sizeof(a) - 1), 0);
    ck_assert_int_eq(random_token(b, sizeof(b) - 1), 0);
    ck_assert_str_ne(a, b); /* 62^-32: a collision means the generator is broken */
}
END_TEST

/* Every symbol over all positions, and the first position alone (a per-position bug would
 * hide in the pooled counts). */
START_TEST(test_uniform)
{
    static unsigned long all[SYMBOLS], first[SYMBOLS];
    char tok[RANDOM_TOKEN_LEN + 1];
    double x_all, x_first;

    memset(all, 0, sizeof(all));
    memset(first, 0, sizeof(first));
    for (int n = 0; n < DRAWS; n++) {
        ck_assert_int_eq(random_token(tok, RANDOM_TOKEN_LEN), 0);
        for (int i = 0; i < RANDOM_TOKEN_LEN; i++)
            all[symbol_index(tok[i])]++;
        first[symbol_index(tok[0])]++;
    }
    x_all = chi_square(all, (unsigned long)DRAWS * RANDOM_TOKEN_LEN);
    x_first = chi_square(first, DRAWS);
    ck_assert_msg(x_all < CHI2_LIMIT, "chi-square over all positions %.1f", x_all);
    ck_assert_msg(x_first < CHI2_LIMIT, "chi-square over first position %.1f", x_first);
}
END_TEST

/* The test above can fail: the same statistic over `byte % 62` far exceeds the limit. */
START_TEST(test_threshold_catches_modulo_bias)
{
    static unsigned long counts[SYMBOLS];
    static unsigned char bytes[DRAWS];
    double x;

    memset(counts, 0, sizeof(counts));
    ck_assert_int_eq(random_bytes(bytes, sizeof(bytes)), 0);
    for (size_t i = 0; i < sizeof(bytes); i++)
        counts[bytes[i] % SYMBOLS]++;
    x = chi_square(counts, DRAWS);
    ck_assert_msg(x > CHI2_LIMIT, "modulo bias scored only %.1f", x);
}
END_TEST

/* A large read is assembled from many getrandom calls: every byte of it must be random. A
 * gap left unfilled (the buffer starts zeroed) would pile up zero bytes and fail the byte
 * histogram's chi-square (255 degrees of freedom; P(X > 450) < 1e-12). */
START_TEST(test_bytes_large_read)
{
    size_t len = 1 << 20;
    unsigned char *buf = calloc(1, len);
    unsigned long counts[256] = {0};
    double expected = (double)len / 256, x = 0;

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(random_bytes(buf, len), 0);
    for (size_t i = 0; i < len; i++)
        counts[buf[i]]++;
    for (int b = 0; b < 256; b++)
        x += ((double)counts[b] - expected) * ((double)counts[b] - expected) / expected;
    ck_assert_msg(x < 450.0, "byte histogram chi-square %.1f (zero bytes: %lu)", x, counts[0]);
    ck_assert_int_eq(random_bytes(buf, 0), 0);
    free(buf);
}
END_TEST

static Suite *random_suite(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("token");
    TCase *tc_stat = tcase_create("distribution");

    tcase_add_loop_test(tc, test_length_and_alphabet, 0, sizeof(lengths) / sizeof(lengths[0]));
    tcase_add_test(tc, test_tokens_differ);
    tcase_add_test(tc, test_bytes_large_read);
    suite_add_tcase(s, tc);
    tcase_add_test(tc_stat, test_uniform);
    tcase_add_test(tc_stat, test_threshold_catches_modulo_bias);
    tcase_set_timeout(tc_stat, 120);
    suite_add_tcase(s, tc_stat);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(random_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
