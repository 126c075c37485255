/* check_respawn - the back-off of supervised children: it doubles once per round of starts,
 * however many children of the round die and however close together (the same millisecond
 * included), caps at max_ms, and clears. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "daemon/respawn.h"

static const struct respawn_policy policy = {.min_ms = 100, .max_ms = 800};

/* A round of workers started and dying in the same millisecond: one step, not two. */
START_TEST(test_same_millisecond_round_counts_once)
{
    struct respawn r = {0};
    uint64_t first = respawn_mark(&r);
    uint64_t second = respawn_mark(&r);

    ck_assert(respawn_backoff(&r, &policy, first, 5000));
    ck_assert_int_eq(r.delay_ms, 100);
    ck_assert(!respawn_backoff(&r, &policy, second, 5000));
    ck_assert_int_eq(r.delay_ms, 100);
    ck_assert_int_eq(r.next_ms, 5100);
}
END_TEST

/* The next round is started after the wait, possibly in the millisecond of the last change
 * (a clock that did not move): its deaths count, once. */
START_TEST(test_each_round_doubles_once)
{
    struct respawn r = {0};
    uint64_t old = respawn_mark(&r);

    ck_assert(respawn_backoff(&r, &policy, old, 10));
    for (int expect = 200; expect <= 800; expect *= 2) {
        int64_t now = r.next_ms;
        uint64_t a = respawn_mark(&r), b = respawn_mark(&r);
        ck_assert(respawn_backoff(&r, &policy, a, now));
        ck_assert(!respawn_backoff(&r, &policy, b, now));
        ck_assert(!respawn_backoff(&r, &policy, old, now));
        ck_assert_int_eq(r.delay_ms, expect);
    }
}
END_TEST

START_TEST(test_capped_and_cleared)
{
    struct respawn r = {0};

    for (int i = 0; i < 10; i++)
        respawn_backoff(&r, &policy, respawn_mark(&r), i * 1000 + 1);
    ck_assert_int_eq(r.delay_ms, 800);
    ck_assert(!respawn_backoff(&r, &policy, respawn_mark(&r), 20001));
    ck_assert_int_eq(r.next_ms, 20801);
    ck_assert(respawn_clear(&r));
    ck_assert_int_eq(r.delay_ms, 0);
    ck_assert_int_eq(r.next_ms, 0);
    ck_assert(!respawn_clear(&r));
    /* After a clear, the next death starts again from min_ms, whenever its child started. */
    ck_assert(respawn_backoff(&r, &policy, respawn_mark(&r), 30000));
    ck_assert_int_eq(r.delay_ms, 100);
}
END_TEST

static Suite *respawn_suite(void)
{
    Suite *s = suite_create("respawn");
    TCase *tc = tcase_create("backoff");

    tcase_add_test(tc, test_same_millisecond_round_counts_once);
    tcase_add_test(tc, test_each_round_doubles_once);
    tcase_add_test(tc, test_capped_and_cleared);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(respawn_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
