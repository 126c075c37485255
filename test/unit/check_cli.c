/* check_cli - what the administration commands share (cli.c) and how they read a password
 * (cli_password.c). Text from the database reaches the operator's terminal with no control
 * character in it, C1 ones included. A password read from standard input leaves no copy of
 * itself in the process: not in their own buffers, and not in stdio's buffer of stdin, which
 * would hold the line until the process ends. The search reads every writable mapping through
 * /proc/self/mem (the kernel copies: no fault, and nothing a sanitizer calls a use after
 * free). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/cli.h"
#include "daemon/cli_password.h"
#include "global/settings.h"

/* Made at run time, so that the binary's data holds no copy. */
static char secret[64];

/* A mapping larger than this is a sanitizer's shadow (terabytes, mostly never touched), not
 * where a buffer of stdio or of the code under test lives. */
#define MAPPING_MAX (1UL << 30)

/* copies_of - occurrences of needle (len bytes) in the writable mappings, needle's own
 * storage and the scan's buffer left out. */
static int copies_of(const char *needle, size_t len)
{
    static char chunk[1 << 16];
    const unsigned long own = (unsigned long)chunk;
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    char line[512];
    int found = 0;

    ck_assert(maps != NULL && mem >= 0);
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long from, to;
        char perm[5];
        if (sscanf(line, "%lx-%lx %4s", &from, &to, perm) != 3 || perm[0] != 'r' ||
            perm[1] != 'w' || to - from > MAPPING_MAX)
            continue;
        for (unsigned long at = from; at < to; at += sizeof chunk - len) {
            size_t want = to - at < sizeof chunk ? to - at : sizeof chunk;
            ssize_t got = pread(mem, chunk, want, (off_t)at);
            for (ssize_t i = 0; got > 0 && i + (ssize_t)len <= got; i++) {
                unsigned long where = at + (unsigned long)i;
                if (memcmp(chunk + i, needle, len) == 0 && where != (unsigned long)needle &&
                    (where < own || where >= own + sizeof chunk))
                    found++;
            }
            if (want < sizeof chunk)
                break;
        }
    }
    explicit_bzero(chunk, sizeof chunk);
    close(mem);
    fclose(maps);
    return found;
}

/* stdin_from - fd 0 becomes a pipe holding text. */
static void stdin_from(const char *text)
{
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
    close(p[1]);
    ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
}

/* cleaned - s through cli_put_clean, in buf. */
static const char *cleaned(const char *s, char *buf, size_t size)
{
    memset(buf, 0, size);
    FILE *f = fmemopen(buf, size, "w");

    ck_assert(f != NULL);
    cli_put_clean(f, s);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

/* A name anyone chose at sign-up: C0, DEL and the C1 controls in UTF-8 (U+009B is CSI to
 * terminals that take 8-bit controls) become '?'; other text stays, U+00A0 and a 0x9F
 * continuation byte (U+011F) included. */
START_TEST(test_put_clean_controls)
{
    char buf[128];

    ck_assert_str_eq(cleaned("a\x1b[2Jb\x7f\n", buf, sizeof buf), "a?[2Jb??");
    ck_assert_str_eq(cleaned("x\xc2\x9b"
                             "2Jy\xc2\x80\xc2\x9f",
                             buf, sizeof buf),
                     "x?2Jy??");
    ck_assert_str_eq(cleaned("\xc2\xa0\xc4\x9f\xc3\xa9 ok", buf, sizeof buf),
                     "\xc2\xa0\xc4\x9f\xc3\xa9 ok");
    ck_assert_str_eq(cleaned("end\xc2", buf, sizeof buf), "end\xc2");
    ck_assert_str_eq(cleaned(NULL, buf, sizeof buf), "");
}
END_TEST

START_TEST(test_no_copy_of_the_password_is_left)
{
    const struct settings s = {.password_hash = PASSWORD_HASH_YESCRYPT, .password_cost = 0};
    char hash[PASSWORD_HASH_SIZE], line[80];

    snprintf(secret, sizeof secret, "%s-%d-%s", "Unlikely", 7781, "password-of-the-test");
    snprintf(line, sizeof line, "%s\n", secret);
    stdin_from(line);
    explicit_bzero(line, sizeof line);
    ck_assert_int_eq(cli_password_hash(&s, hash), 0);
    ck_assert_msg(strncmp(hash, "$y$", 3) == 0, "hash %s", hash);
    ck_assert_int_eq(copies_of(secret, strlen(secret)), 0);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *text = tcase_create("text");
    TCase *wipe = tcase_create("wipe");

    tcase_add_test(text, test_put_clean_controls);
    suite_add_tcase(s, text);
    tcase_set_timeout(wipe, 60);
    tcase_add_test(wipe, test_no_copy_of_the_password_is_left);
    suite_add_tcase(s, wipe);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cli_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
