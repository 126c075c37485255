/* fcgi_io - FastCGI transport: accept a request on the listening socket, turn its params and
 * body into a struct request, write a struct response back. The only file that includes
 * libfcgi. */
#ifndef AUTHFCGI_FCGI_IO_H
#define AUTHFCGI_FCGI_IO_H

struct arena;
struct request;
struct response;
struct fcgi_io; /* opaque; one per worker */

enum fcgi_accept {
    FCGI_ACCEPT_OK,          /* *req is filled; answer with fcgi_io_respond */
    FCGI_ACCEPT_INTERRUPTED, /* a signal arrived while waiting: check the worker's flags */
    FCGI_ACCEPT_ERROR,       /* the listening socket is unusable: the worker should exit */
};

/* fcgi_io_open - set up libfcgi over listen_fd. Returns 0 or -1. */
int fcgi_io_open(struct fcgi_io **out, int listen_fd);
void fcgi_io_close(struct fcgi_io *io);

/* fcgi_io_accept - finish the previous request, wait for the next one and read it into *req,
 * allocating from arena. Waiting is interrupted by signals (handlers installed without
 * SA_RESTART). */
enum fcgi_accept fcgi_io_accept(struct fcgi_io *io, struct request *req, struct arena *arena);

/* fcgi_io_respond - write status, headers and body of resp. Returns 0, or -1 when the web
 * server went away (the request is over either way). */
int fcgi_io_respond(struct fcgi_io *io, const struct response *resp);

/* fcgi_io_listen_fd_is_socket - true when fd is a listening socket (managed mode detection). */
int fcgi_io_fd_is_listening_socket(int fd);

#endif
