/* check_mailer - running the sendmail command (message on stdin, exit status, timeout that
 * kills the whole process group, captured output, secrets kept out of its environment, the
 * signal state it starts with) and the retry backoff. The delivery loop against a database is
 * tested by test/integration/mail.sh. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/mailer.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/check_mailer.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    signal(SIGPIPE, SIG_IGN); /* as mailer_run does */
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
    fclose(f);
    return buf;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST(test_message_on_stdin)
{
    char cmd[256], path[128], detail[600];
    const char *msg = "From: a@example.com\nTo: b@example.com\nSubject: x\n\nbody\n";
    snprintf(path, sizeof path, "%s/out", dir);
    snprintf(cmd, sizeof cmd, "cat > '%s'", path);

    ck_assert_int_eq(mailer_send(cmd, msg, 5000, detail, sizeof detail), MAILER_SENT);
    ck_assert_str_eq(detail, "exit 0");
    char *got = slurp(path);
    ck_assert_str_eq(got, msg);
    free(got);
}
END_TEST

START_TEST(test_large_message)
{
    /* Far larger than a pipe's buffer: the non-blocking write loop must deliver it all. */
    size_t n = 3 * 1024 * 1024;
    char *msg = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        msg[i] = i % 80 == 79 ? '\n' : (char)('a' + i % 26);
    msg[n] = '\0';
    char cmd[256], path[128], detail[600];
    snprintf(path, sizeof path, "%s/big", dir);
    snprintf(cmd, sizeof cmd, "cat > '%s'", path);

    ck_assert_int_eq(mailer_send(cmd, msg, 20000, detail, sizeof detail), MAILER_SENT);
    char *got = slurp(path);
    ck_assert(strcmp(got, msg) == 0);
    free(got);
    free(msg);
}
END_TEST

START_TEST(test_empty_message)
{
    char cmd[256], path[128], detail[600];
    snprintf(path, sizeof path, "%s/empty", dir);
    snprintf(cmd, sizeof cmd, "cat > '%s'", path);
    ck_assert_int_eq(mailer_send(cmd, "", 5000, detail, sizeof detail), MAILER_SENT);
    char *got = slurp(path);
    ck_assert_str_eq(got, "");
    free(got);
}
END_TEST

/* Commands that must not count as delivered, and what the detail says. */
static const struct {
    const char *command;
    const char *detail;
} failures[] = {
    {"cat >/dev/null; echo 'temporary failure: try later' >&2; exit 75",
     "exit 75: temporary failure: try later"},
    {"cat >/dev/null; exit 1", "exit 1"},
    {"cat >/dev/null; printf 'line one\\r\\nline\\ttwo\\n\\n'; exit 2",
     "exit 2: line one line two"},
    {"/nonexistent/sendmail -t -i", "exit 127: "},
    {"cat >/dev/null; kill -KILL $$", "killed by signal 9"},
    /* The mailer ignores SIGHUP and SIGPIPE, and an ignored signal stays ignored across
     * exec: the command must start with them at their default action. */
    {"cat >/dev/null; kill -HUP $$; sleep 2; exit 0", "killed by signal 1"},
    {"cat >/dev/null; kill -PIPE $$; sleep 2; exit 0", "killed by signal 13"},
    {"cat >/dev/null; kill -TERM $$; sleep 2; exit 0", "killed by signal 15"},
};

START_TEST(test_command_fails)
{
    char detail[600];
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    signal(SIGHUP, SIG_IGN);

    enum mailer_send_status st =
        mailer_send(failures[_i].command, "To: x@example.com\n\nhi\n", 5000, detail, sizeof detail);
    ck_assert_int_eq(st, MAILER_COMMAND_FAILED);
    ck_assert_msg(strncmp(detail, failures[_i].detail, strlen(failures[_i].detail)) == 0,
                  "detail \"%s\", want \"%s...\"", detail, failures[_i].detail);
    sigprocmask(SIG_SETMASK, &old, NULL);
}
END_TEST

START_TEST(test_exit_zero_without_reading)
{
    /* 1 MB cannot sit in the pipe: `true` leaves most of it unread. */
    size_t n = 1024 * 1024;
    char *msg = malloc(n + 1), detail[600];
    memset(msg, 'x', n);
    msg[n] = '\0';
    ck_assert_int_eq(mailer_send("true", msg, 5000, detail, sizeof detail), MAILER_COMMAND_FAILED);
    ck_assert_msg(strstr(detail, "exit 0 after reading") != NULL, "detail: %s", detail);
    free(msg);
}
END_TEST

START_TEST(test_output_bounded)
{
    char detail[2000];
    ck_assert_int_eq(mailer_send("cat >/dev/null; yes 'noise' | head -c 100000 >&2; exit 3", "x\n",
                                 5000, detail, sizeof detail),
                     MAILER_COMMAND_FAILED);
    ck_assert_int_le(strlen(detail), 600);
    ck_assert_ptr_null(strchr(detail, '\n'));
    ck_assert(strncmp(detail, "exit 3: noise noise", 19) == 0);
}
END_TEST

START_TEST(test_timeout_kills_the_group)
{
    char cmd[256], path[128], detail[600];
    struct timespec t0;
    snprintf(path, sizeof path, "%s/pid", dir);
    /* A grandchild (the background sleep) must die too: the whole group is killed. */
    snprintf(cmd, sizeof cmd, "cat >/dev/null; sleep 30 & echo $! > '%s'; wait", path);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(mailer_send(cmd, "x\n", 400, detail, sizeof detail), MAILER_TIMEOUT);
    double ms = elapsed_ms(&t0);
    ck_assert_msg(ms >= 390 && ms < 3000, "returned after %.0f ms", ms);
    ck_assert_str_eq(detail, "timed out after 400 ms, killed");
    char *text = slurp(path);
    pid_t grandchild = (pid_t)atol(text);
    free(text);
    ck_assert_int_gt(grandchild, 1);
    /* It is killed at once but reaped by init: wait for it to be gone. */
    int i;
    for (i = 0; i < 200 && kill(grandchild, 0) == 0; i++)
        usleep(10000);
    ck_assert_msg(kill(grandchild, 0) != 0, "grandchild %ld still alive", (long)grandchild);
}
END_TEST

START_TEST(test_timeout_while_writing)
{
    /* A command that never reads a message too large for the pipe: the write phase is under
     * the deadline too. */
    size_t n = 1024 * 1024;
    char *msg = malloc(n + 1), detail[600];
    memset(msg, 'x', n);
    msg[n] = '\0';
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(mailer_send("sleep 30", msg, 300, detail, sizeof detail), MAILER_TIMEOUT);
    ck_assert_double_lt(elapsed_ms(&t0), 3000);
    free(msg);
}
END_TEST

START_TEST(test_secrets_not_in_environment)
{
    char cmd[256], path[128], detail[600];
    snprintf(path, sizeof path, "%s/env", dir);
    snprintf(cmd, sizeof cmd, "cat >/dev/null; env > '%s'", path);
    setenv("DATABASE_URL", "postgresql://u:database-password@db/x", 1);
    setenv("AUTHFCGI_SECRET", "the-authfcgi-secret-0123456789abcdef", 1);
    setenv("BETTER_AUTH_SECRET", "the-better-auth-secret-0123456789ab", 1);
    setenv("PGPASSWORD", "pg-password", 1);
    setenv("AUTHFCGI_TEST_VISIBLE", "visible", 1);

    ck_assert_int_eq(mailer_send(cmd, "x\n", 5000, detail, sizeof detail), MAILER_SENT);
    char *env = slurp(path);
    ck_assert_ptr_null(strstr(env, "database-password"));
    ck_assert_ptr_null(strstr(env, "the-authfcgi-secret"));
    ck_assert_ptr_null(strstr(env, "the-better-auth-secret"));
    ck_assert_ptr_null(strstr(env, "pg-password"));
    ck_assert_ptr_nonnull(strstr(env, "AUTHFCGI_TEST_VISIBLE=visible"));
    free(env);
    /* Our own environment is untouched. */
    ck_assert_str_eq(getenv("AUTHFCGI_SECRET"), "the-authfcgi-secret-0123456789abcdef");
}
END_TEST

START_TEST(test_backoff)
{
    /* Doubling from 30 s, the upper half drawn from r, capped at one hour. */
    static const struct {
        int failures, low, high;
    } cases[] = {
        {1, 15, 30}, {2, 30, 60}, {3, 60, 120}, {7, 960, 1920}, {8, 1800, 3600}, {100, 1800, 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(mailer_backoff_s(cases[i].failures, 0), cases[i].low);
        ck_assert_int_eq(mailer_backoff_s(cases[i].failures, (uint32_t)cases[i].high / 2),
                         cases[i].high);
        for (uint32_t r = 1; r < 100000; r = r * 7 + 3) {
            int d = mailer_backoff_s(cases[i].failures, r);
            ck_assert_int_ge(d, cases[i].low);
            ck_assert_int_le(d, cases[i].high);
        }
        ck_assert_int_le(mailer_backoff_s(cases[i].failures, UINT32_MAX), cases[i].high);
    }
}
END_TEST

static Suite *mailer_suite(void)
{
    Suite *s = suite_create("mailer");
    TCase *tc = tcase_create("send");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_message_on_stdin);
    tcase_add_test(tc, test_large_message);
    tcase_add_test(tc, test_empty_message);
    tcase_add_loop_test(tc, test_command_fails, 0, sizeof failures / sizeof failures[0]);
    tcase_add_test(tc, test_exit_zero_without_reading);
    tcase_add_test(tc, test_output_bounded);
    tcase_add_test(tc, test_timeout_kills_the_group);
    tcase_add_test(tc, test_timeout_while_writing);
    tcase_add_test(tc, test_secrets_not_in_environment);
    suite_add_tcase(s, tc);

    tc = tcase_create("backoff");
    tcase_add_test(tc, test_backoff);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mailer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
