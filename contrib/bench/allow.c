/* allow - the trivial authorizer, the yardstick of contrib/bench/authz-bench.sh: libfcgi
 * answering every request `Status: 200` with an empty body and nothing else (no cookie read,
 * no database). Prefork: WORKERS children accept on one unix socket.
 *
 *   allow SOCKET WORKERS
 * Build: cc -O2 allow.c $(pkg-config --cflags --libs fcgi)
 * A benchmark tool, not part of authfcgi: it exits on any setup error. */
#define _GNU_SOURCE
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256

/* serve - one worker: accept and allow until the socket goes. */
static void serve(int sock)
{
    FCGX_Request req;

    if (FCGX_InitRequest(&req, sock, 0) != 0)
        _exit(1);
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutS("Status: 200 OK\r\nContent-Length: 0\r\n\r\n", req.out);
        FCGX_Finish_r(&req);
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    pid_t kids[MAX_WORKERS];
    int workers, sock;

    if (argc != 3 || (workers = atoi(argv[2])) < 1 || workers > MAX_WORKERS) {
        fprintf(stderr, "usage: allow SOCKET WORKERS (1..%d)\n", MAX_WORKERS);
        return 2;
    }
    if (FCGX_Init() != 0)
        return 1;
    unlink(argv[1]);
    sock = FCGX_OpenSocket(argv[1], 128);
    if (sock < 0 || chmod(argv[1], 0666) != 0) {
        perror("allow: socket");
        return 1;
    }
    for (int i = 0; i < workers; i++) {
        kids[i] = fork();
        if (kids[i] < 0) {
            perror("allow: fork");
            return 1;
        }
        if (kids[i] == 0)
            serve(sock);
    }
    /* The parent waits; SIGTERM to it ends the children too (same process group is not
     * assumed: they are killed by pid). */
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigwait(&set, &sig);
    for (int i = 0; i < workers; i++)
        kill(kids[i], SIGTERM);
    while (wait(NULL) > 0)
        ;
    unlink(argv[1]);
    return 0;
}
