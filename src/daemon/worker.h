/* worker - one request-serving process: open the database connection after fork, then accept,
 * route and answer requests until told to stop or retired after max_requests. */
#ifndef AUTHFCGI_WORKER_H
#define AUTHFCGI_WORKER_H

#include <stdint.h>

#include "global/settings.h"

/* Exit status of a worker that cannot start for a configuration reason (the reason is logged
 * by the worker); the master logs it and throttles respawning. */
#define WORKER_EXIT_CONFIG EXIT_CONFIG
/* Exit status of a worker whose listening socket became unusable. */
#define WORKER_EXIT_SOCKET 1

/* What a supervised worker tells the master over the status pipe. */
enum worker_note {
    WORKER_NOTE_READY = 1,  /* started: about to wait for its first request */
    WORKER_NOTE_SERVED = 2, /* answered its first request (the throttle's proof of health) */
    WORKER_NOTE_DB_UP = 3,  /* reached the database for the first time (systemd's READY=1) */
};

/* One message: fixed size, sent with a single write(2), so it is atomic on a pipe. */
struct worker_status_msg {
    int32_t pid;
    int32_t note; /* enum worker_note */
};

/* worker_check_config - everything a worker would refuse at start, short of the database
 * (settings_check_serving, then the per-worker configuration of app_init), so `serve` and a
 * reload refuse a bad configuration instead of forking workers that die. Touches no
 * database. Returns 0, or -1 with one line in err. */
int worker_check_config(const struct settings *s, char *err, size_t errlen);

/* worker_run - serve on listen_fd until SIGTERM/SIGINT/SIGUSR1 (the request in hand is always
 * answered first), max_requests, or a fatal socket error. status_fd is the write end of the
 * master's status pipe, or -1 when unsupervised (managed mode). Blocks the stop signals for
 * the process's lifetime: they are delivered only while waiting for a request. Returns the
 * process exit status: 0, WORKER_EXIT_CONFIG or WORKER_EXIT_SOCKET. */
int worker_run(const struct settings *s, int listen_fd, int status_fd);

#endif
