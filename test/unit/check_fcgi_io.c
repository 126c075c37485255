/* check_fcgi_io - the part of the FastCGI transport (fcgi_io.h) that needs no web server:
 * telling a listening socket (managed mode: the socket handed over by systemd or a spawner)
 * from everything else a descriptor 0 might be. Requests and responses over libfcgi are
 * proven end to end by the shell tests. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/fcgi_io.h"
#include "util/arena.h"

static int tcp_socket(bool listening)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (listening)
        ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

START_TEST(test_listening_tcp)
{
    int fd = tcp_socket(true);

    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(fd), 1);
    close(fd);
}
END_TEST

START_TEST(test_listening_unix)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    ck_assert_int_ge(fd, 0);
    /* An abstract address: nothing to clean up in the file system. */
    snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "authfcgi-check-%ld", (long)getpid());
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(fd), 1);
    close(fd);
}
END_TEST

/* A bound socket that does not listen, a connected pair, a pipe, a file, a closed or invalid
 * descriptor: none is a socket to accept on. */
START_TEST(test_not_listening)
{
    int bound = tcp_socket(false), pair[2], pipes[2], file = open("/dev/null", O_RDONLY), closed;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    ck_assert_int_eq(pipe(pipes), 0);
    ck_assert_int_ge(file, 0);
    closed = dup(file);
    close(closed);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(bound), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(pair[0]), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(pipes[0]), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(file), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(closed), 0);
    ck_assert_int_eq(fcgi_io_fd_is_listening_socket(-1), 0);
    close(bound);
    close(pair[0]);
    close(pair[1]);
    close(pipes[0]);
    close(pipes[1]);
    close(file);
}
END_TEST

/* Duplicate X-Forwarded-For params (nginx before 1.23 passes one per header line, the
 * client's first) are one list, in order: the address a proxy appended is last, where
 * client_ip looks. The first alone let a client pick its address. */
START_TEST(test_param_list)
{
    struct arena *a = arena_create(1024);
    char *envp[] = {"HTTP_X_FORWARDED_FOR=6.6.6.6", "HTTP_X_FORWARDED_FORX=1.1.1.1",
                    "REMOTE_ADDR=127.0.0.1",        "HTTP_X_FORWARDED_FOR=203.0.113.7, 10.0.0.2",
                    "HTTP_X_FORWARDED_FOR",         NULL};
    char *none[] = {"REMOTE_ADDR=127.0.0.1", NULL};

    ck_assert_str_eq(fcgi_io_param_list(envp, "HTTP_X_FORWARDED_FOR", a),
                     "6.6.6.6, 203.0.113.7, 10.0.0.2");
    ck_assert_str_eq(fcgi_io_param_list(envp, "REMOTE_ADDR", a), "127.0.0.1");
    ck_assert_ptr_null(fcgi_io_param_list(none, "HTTP_X_FORWARDED_FOR", a));
    arena_destroy(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fcgi_io");
    TCase *tc = tcase_create("listening socket");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_listening_tcp);
    tcase_add_test(tc, test_listening_unix);
    tcase_add_test(tc, test_not_listening);
    tcase_add_test(tc, test_param_list);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
