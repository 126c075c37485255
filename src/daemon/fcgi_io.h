/* fcgi_io - FastCGI transport: accept a request on the listening socket, turn its params and
 * body into a struct request, write a struct response back. The only file that includes
 * libfcgi. */
#ifndef AUTHFCGI_FCGI_IO_H
#define AUTHFCGI_FCGI_IO_H

#include <signal.h>

struct arena;
struct request;
struct response;
struct fcgi_io; /* opaque; one per worker */

enum fcgi_accept {
    FCGI_ACCEPT_OK,          /* *req is filled; answer with fcgi_io_respond */
    FCGI_ACCEPT_INTERRUPTED, /* a signal arrived while waiting: check the worker's flags */
    FCGI_ACCEPT_ERROR,       /* the listening socket is unusable: the worker should exit */
};

struct client_ip_proxies;

/* What a connection may do, from the settings. */
struct fcgi_io_limits {
    int timeout_ms; /* AUTHFCGI_FCGI_TIMEOUT_MS: longest stall of a connection */
    /* FCGI_WEB_SERVER_ADDRS: the TCP peers allowed; NULL or empty = any. Borrowed: must
     * outlive the fcgi_io. Unix socket peers are always allowed. */
    const struct client_ip_proxies *web_servers;
};

/* fcgi_io_open - set up libfcgi over listen_fd (which is made non-blocking). wait_mask is the
 * signal mask installed while, and only while, fcgi_io_accept waits: the caller keeps its stop
 * signals blocked otherwise, so a signal can interrupt the wait but never a request (libfcgi
 * gives up on EINTR mid-request). Returns 0, or -1 after logging why. *out is owned by the
 * caller: release with fcgi_io_close. */
int fcgi_io_open(struct fcgi_io **out, int listen_fd, const sigset_t *wait_mask,
                 const struct fcgi_io_limits *limits);
void fcgi_io_close(struct fcgi_io *io);

/* fcgi_io_accept - finish the previous request, wait for the next one and read it into *req,
 * allocating from arena (params are copied: libfcgi's are gone after the request). A body over
 * REQUEST_MAX_BODY is not read and sets body_too_large. Waiting is interrupted by the signals
 * wait_mask lets through (handlers installed without SA_RESTART). A peer not in
 * limits->web_servers is disconnected unanswered; a connection that stalls longer than
 * limits->timeout_ms, or ends before its request is whole, is dropped (and logged) and the wait
 * goes on; an idle kept-alive connection past the deadline too (then INTERRUPTED). */
enum fcgi_accept fcgi_io_accept(struct fcgi_io *io, struct request *req, struct arena *arena);

/* fcgi_io_respond - write status, headers, Content-Type (application/json unless a header
 * names one) and Content-Length when resp has a body, then the body, and end the request.
 * Returns 0, or -1 when the web server went away (the request is over either way). */
int fcgi_io_respond(struct fcgi_io *io, const struct response *resp);

/* fcgi_io_fd_is_listening_socket - true when fd is a listening socket (managed mode
 * detection). */
int fcgi_io_fd_is_listening_socket(int fd);

/* fcgi_io_param_list - every value of the param name in envp ("NAME=value" strings), in
 * order, joined with ", " in arena; NULL when there is none. How X-Forwarded-For is read:
 * nginx before 1.23 passes each header line as a param of its own, the client's first, and a
 * proxy that adds a line of its own puts the address it saw last (RFC 9110 5.3: the lines
 * are one list), so taking the first let a client behind such a proxy choose its address. */
const char *fcgi_io_param_list(char **envp, const char *name, struct arena *arena);

#endif
