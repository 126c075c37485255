/* check_db_backoff - against a "server" that accepts TCP connections and never answers (what a
 * database does while it is waking up from cold): an attempt gives up at its deadline, and
 * the requests that follow within the next deadline are told DB_RETRY at once instead of each
 * holding a worker for a whole deadline more. No PostgreSQL needed: the listening socket is
 * never accepted from, so the kernel completes the handshakes and nobody ever replies. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "global/db.h"

#define DEADLINE_MS 300

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* silent_server - a listening socket on 127.0.0.1 that nobody accepts from; its port. */
static int silent_server(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 64), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static enum db_status timed_ping(struct db *db, long *ms)
{
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum db_status st = db_exec(db, STMT_PING, NULL, NULL);
    *ms = elapsed_ms(&t0);
    return st;
}

START_TEST(test_slow_connect_backs_off_a_deadline)
{
    int port;
    int lfd = silent_server(&port);
    char conninfo[160], err[256];
    struct db *db;

    snprintf(conninfo, sizeof conninfo,
             "host=127.0.0.1 port=%d dbname=x user=x sslmode=disable connect_timeout=0", port);
    const struct db_options opt = {.conninfo = conninfo, .timeout_ms = DEADLINE_MS};
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), 0);

    long ms;
    ck_assert_int_eq(timed_ping(db, &ms), DB_RETRY);
    ck_assert_msg(ms >= DEADLINE_MS - 50 && ms < DEADLINE_MS + 500,
                  "the attempt gave up after %ld ms (deadline %d)", ms, DEADLINE_MS);
    ck_assert(!db_config_error(db, err, sizeof err));

    /* Requests for the next deadline: no new attempt, an answer at once (the plain jittered
     * backoff after a first failure is at most 100 ms: a new attempt would show here). */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; elapsed_ms(&t0) < DEADLINE_MS - 50; i++) {
        ck_assert_int_eq(timed_ping(db, &ms), DB_RETRY);
        /* Half a deadline: room for a loaded machine, still far from a new attempt's. */
        ck_assert_msg(ms < DEADLINE_MS / 2, "request %d waited %ld ms after a timed-out attempt", i,
                      ms);
        ck_assert_int_ge(db_retry_after(db), 1);
        usleep(10 * 1000);
    }

    /* After the deadline and the jitter, a new attempt is made (and times out again). */
    usleep((DEADLINE_MS + 300) * 1000);
    ck_assert_int_eq(timed_ping(db, &ms), DB_RETRY);
    ck_assert_msg(ms >= DEADLINE_MS - 50, "no new attempt after the backoff (%ld ms)", ms);
    db_close(db);
    close(lfd);
}
END_TEST

static Suite *backoff_suite(void)
{
    Suite *s = suite_create("db_backoff");
    TCase *tc = tcase_create("slow_connect");

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_slow_connect_backs_off_a_deadline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(backoff_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
