/* check_arena - the per-request allocator's contract (arena.h): zeroed, aligned, disjoint
 * allocations across chunk boundaries and oversized requests, string copies that own their
 * bytes, a reset that wipes what was handed out (request bodies hold passwords) and leaves
 * the arena usable, and arena_holds, which says what a reset will wipe. */
#include "config.h"

#include <check.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/* The smallest chunk the arena uses; a request for less still gets this much (arena.c). */
#define SMALL_CHUNK 1024

static struct arena *arena;

static void setup(void)
{
    arena = arena_create(SMALL_CHUNK);
}

static void teardown(void)
{
    arena_destroy(arena);
    arena = NULL;
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char b)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != b)
            return false;
    return true;
}

/* Every size from 0 to 300: zeroed, aligned for any type, never NULL. */
START_TEST(test_alloc_zeroed_aligned)
{
    for (size_t n = 0; n <= 300; n++) {
        unsigned char *p = arena_alloc(arena, n);

        ck_assert_ptr_nonnull(p);
        ck_assert_msg((uintptr_t)p % alignof(max_align_t) == 0, "size %zu misaligned", n);
        ck_assert_msg(all_bytes(p, n, 0), "size %zu not zeroed", n);
        memset(p, 0xA5, n);
    }
}
END_TEST

/* n == 0 still gives distinct pointers: callers may use them as unique handles. */
START_TEST(test_alloc_zero_unique)
{
    void *a = arena_alloc(arena, 0), *b = arena_alloc(arena, 0);

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
}
END_TEST

/* Many allocations over several chunks, one larger than a chunk among them: each keeps its own
 * bytes, so none overlaps another. */
START_TEST(test_alloc_disjoint_across_chunks)
{
    enum { N = 200 };
    unsigned char *p[N];
    size_t size[N];

    for (size_t i = 0; i < N; i++) {
        size[i] = i == 57 ? 5 * SMALL_CHUNK : 1 + (i * 37) % 150;
        p[i] = arena_alloc(arena, size[i]);
        memset(p[i], (int)(i & 0xff), size[i]);
    }
    for (size_t i = 0; i < N; i++)
        ck_assert_msg(all_bytes(p[i], size[i], (unsigned char)(i & 0xff)),
                      "allocation %zu was overwritten", i);
}
END_TEST

START_TEST(test_strdup)
{
    char src[] = "secret-password";
    char *copy = arena_strdup(arena, src);

    ck_assert_ptr_null(arena_strdup(arena, NULL));
    ck_assert_ptr_ne(copy, src);
    memset(src, 'x', sizeof(src) - 1);
    ck_assert_str_eq(copy, "secret-password");
    ck_assert_str_eq(arena_strdup(arena, ""), "");
}
END_TEST

/* At most n bytes, stopping at the NUL; always terminated. */
START_TEST(test_strndup)
{
    const char *s = "abcdef";

    ck_assert_str_eq(arena_strndup(arena, s, 3), "abc");
    ck_assert_str_eq(arena_strndup(arena, s, 6), "abcdef");
    ck_assert_str_eq(arena_strndup(arena, s, 100), "abcdef");
    ck_assert_str_eq(arena_strndup(arena, s, 0), "");
    /* Not NUL-terminated within n: only n bytes are read. */
    {
        const char unterminated[4] = {'w', 'x', 'y', 'z'};

        ck_assert_str_eq(arena_strndup(arena, unterminated, 4), "wxyz");
    }
}
END_TEST

START_TEST(test_printf)
{
    char *big;

    ck_assert_str_eq(arena_printf(arena, "%s|%d|%05.1f", "ip", -42, 3.14159), "ip|-42|003.1");
    ck_assert_str_eq(arena_printf(arena, "%s", ""), "");
    /* Longer than a chunk: the text gets room of its own. */
    big = arena_printf(arena, "%*s|", 3 * SMALL_CHUNK, "x");
    ck_assert_uint_eq(strlen(big), 3 * SMALL_CHUNK + 1);
    ck_assert_int_eq(big[3 * SMALL_CHUNK - 1], 'x');
    ck_assert_int_eq(big[3 * SMALL_CHUNK], '|');
}
END_TEST

/* arena_buf grows past its first block and beyond a chunk, NUL-terminated all along. */
START_TEST(test_buf)
{
    struct arena_buf b;

    arena_buf_init(&b, arena);
    ck_assert_str_eq(b.s, "");
    arena_buf_add(&b, "ab", 2);
    arena_buf_add(&b, "cdef", 1);
    ck_assert_str_eq(b.s, "abc");
    for (int i = 0; i < 3 * SMALL_CHUNK; i++)
        arena_buf_add(&b, "x", 1);
    ck_assert_uint_eq(b.len, 3 + 3 * SMALL_CHUNK);
    ck_assert_uint_eq(strlen(b.s), b.len);
    ck_assert_int_eq(memcmp(b.s, "abcxx", 5), 0);
    ck_assert_int_eq(b.s[b.len - 1], 'x');
}
END_TEST

/* A reset wipes the bytes handed out: the kept chunk no longer holds the password. */
START_TEST(test_reset_wipes)
{
    char *secret = arena_strdup(arena, "hunter2-hunter2-hunter2");
    size_t n = strlen(secret);

    arena_reset(arena);
    ck_assert_msg(all_bytes((const unsigned char *)secret, n, 0),
                  "the first chunk still holds the secret after arena_reset");
}
END_TEST

/* arena_holds tells where a secret lives: in any chunk (the first, a later one, an oversized
 * one) up to what was handed out, never on the stack, and nowhere once the arena is reset. */
START_TEST(test_holds)
{
    char on_stack[16] = "not the arena's";
    char *first = arena_strdup(arena, "first chunk");
    char *huge = arena_alloc(arena, 4 * SMALL_CHUNK);
    char *later;

    for (int i = 0; i < 20; i++)
        (void)arena_alloc(arena, 100);
    later = arena_strdup(arena, "a later chunk");
    ck_assert(arena_holds(arena, first, strlen(first) + 1));
    ck_assert(arena_holds(arena, huge, 4 * SMALL_CHUNK));
    ck_assert(arena_holds(arena, later, strlen(later) + 1));
    ck_assert(!arena_holds(arena, on_stack, sizeof(on_stack)));
    ck_assert(!arena_holds(arena, huge, 4 * SMALL_CHUNK + 2 * SMALL_CHUNK));
    arena_reset(arena);
    ck_assert(!arena_holds(arena, first, 1));
    ck_assert(!arena_holds(arena, later, 1));
}
END_TEST

/* After a reset (also one that follows an oversized allocation and several chunks) the arena
 * hands out zeroed memory again, and keeps doing so over many request cycles. */
START_TEST(test_reset_reuse)
{
    for (int cycle = 0; cycle < 50; cycle++) {
        unsigned char *small = arena_alloc(arena, 64);
        unsigned char *huge;

        ck_assert_msg(all_bytes(small, 64, 0), "cycle %d: reused memory not zeroed", cycle);
        memset(small, 0xFF, 64);
        for (int i = 0; i < 40; i++)
            memset(arena_alloc(arena, 100), 0xEE, 100);
        huge = arena_alloc(arena, 64 * SMALL_CHUNK);
        ck_assert(all_bytes(huge, 64 * SMALL_CHUNK, 0));
        memset(huge, 0xDD, 64 * SMALL_CHUNK);
        arena_reset(arena);
    }
    ck_assert_str_eq(arena_printf(arena, "%s-%d", "after", 50), "after-50");
}
END_TEST

/* A chunk size of 0 is raised to a usable minimum; destroy accepts NULL. */
START_TEST(test_tiny_chunk_and_null_destroy)
{
    struct arena *a = arena_create(0);
    char *s = arena_printf(a, "%0500d", 7);

    ck_assert_uint_eq(strlen(s), 500);
    ck_assert_int_eq(s[499], '7');
    arena_destroy(a);
    arena_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_alloc_zeroed_aligned);
    tcase_add_test(tc, test_alloc_zero_unique);
    tcase_add_test(tc, test_alloc_disjoint_across_chunks);
    tcase_add_test(tc, test_strdup);
    tcase_add_test(tc, test_strndup);
    tcase_add_test(tc, test_printf);
    tcase_add_test(tc, test_buf);
    tcase_add_test(tc, test_reset_wipes);
    tcase_add_test(tc, test_reset_reuse);
    tcase_add_test(tc, test_holds);
    tcase_add_test(tc, test_tiny_chunk_and_null_destroy);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
