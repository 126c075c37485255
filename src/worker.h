/* worker - one request-serving process: open the database connection after fork, then accept,
 * route and answer requests until told to stop or retired after max_requests. */
#ifndef AUTHFCGI_WORKER_H
#define AUTHFCGI_WORKER_H

struct settings;

/* worker_run - serve on listen_fd until SIGTERM/SIGINT (finishing the request in flight),
 * max_requests, or a fatal socket error. Returns the process exit status. */
int worker_run(const struct settings *s, int listen_fd);

#endif
