/* check_hash_gate - the gate's slots across processes: a full gate makes the next one wait
 * until a slot is given back, a free slot is taken at once, and a holder that is killed
 * frees its slot (the kernel drops its lock). */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hash_gate.h"

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* holder - a child that takes a slot, says so on the pipe, keeps it hold_ms (forever when
 * negative) and gives it back. Returns its pid once it holds the slot. */
static pid_t holder(int hold_ms)
{
    int p[2];
    char c;

    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        hash_gate_enter();
        if (write(p[1], "h", 1) != 1)
            _exit(1);
        if (hold_ms < 0)
            pause();
        usleep((useconds_t)hold_ms * 1000);
        hash_gate_leave();
        _exit(0);
    }
    close(p[1]);
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static void reap(pid_t pid)
{
    int status;

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

START_TEST(test_no_gate_is_a_no_op)
{
    hash_gate_enter();
    hash_gate_leave();
    hash_gate_leave();
}
END_TEST

START_TEST(test_full_gate_waits)
{
    ck_assert_int_eq(hash_gate_open(1), 0);
    pid_t pid = holder(300);
    int64_t start = now_ms();
    hash_gate_enter();
    int64_t waited = now_ms() - start;
    hash_gate_leave();
    reap(pid);
    ck_assert_msg(waited >= 200, "entered a full gate after %lld ms", (long long)waited);
    hash_gate_close();
}
END_TEST

START_TEST(test_free_slot_at_once)
{
    ck_assert_int_eq(hash_gate_open(2), 0);
    pid_t pid = holder(-1);
    int64_t start = now_ms();
    hash_gate_enter();
    int64_t waited = now_ms() - start;
    hash_gate_leave();
    kill(pid, SIGKILL);
    reap(pid);
    ck_assert_msg(waited < 100, "waited %lld ms with a slot free", (long long)waited);
    hash_gate_close();
}
END_TEST

START_TEST(test_dead_holder_frees_its_slot)
{
    ck_assert_int_eq(hash_gate_open(1), 0);
    pid_t pid = holder(-1);
    kill(pid, SIGKILL);
    reap(pid);
    int64_t start = now_ms();
    hash_gate_enter();
    int64_t waited = now_ms() - start;
    hash_gate_leave();
    ck_assert_msg(waited < 100, "waited %lld ms for a dead holder's slot", (long long)waited);
    hash_gate_close();
}
END_TEST

/* The default is one slot per CPU: with as many holders as CPUs, the next one waits (for the
 * slot it queues on, which every holder gives back after 300 ms). */
START_TEST(test_default_one_slot_per_cpu)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pid_t pids[64];

    if (cpus < 1 || cpus > 64)
        return;
    ck_assert_int_eq(hash_gate_open(0), 0);
    for (long i = 0; i < cpus; i++)
        pids[i] = holder(300);
    int64_t start = now_ms();
    hash_gate_enter();
    int64_t waited = now_ms() - start;
    hash_gate_leave();
    for (long i = 0; i < cpus; i++)
        reap(pids[i]);
    ck_assert_msg(waited >= 200, "entered after %lld ms with every CPU's slot held",
                  (long long)waited);
    hash_gate_close();
}
END_TEST

static Suite *hash_gate_suite(void)
{
    Suite *s = suite_create("hash_gate");
    TCase *tc = tcase_create("slots");

    tcase_add_test(tc, test_no_gate_is_a_no_op);
    tcase_add_test(tc, test_full_gate_waits);
    tcase_add_test(tc, test_free_slot_at_once);
    tcase_add_test(tc, test_dead_holder_frees_its_slot);
    tcase_add_test(tc, test_default_one_slot_per_cpu);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hash_gate_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
