/* fcgi_peek - the start of a FastCGI connection checked before libfcgi reads it: the begin
 * record and the whole params stream of the request, as FCGX_Accept_r will read them, with
 * every name and value length bounded.
 *
 * Why: libfcgi's ReadParams adds a name and a value length (each up to 2^31 - 1) in an int and
 * mallocs the sum (CVE-2025-23016). Debian 12's libfcgi 2.4.2-2+deb12u1 has only the first
 * upstream fix (a length of exactly 2^31 - 1 is refused): two lengths just under it still make
 * the sum negative, malloc fails and libfcgi's assert aborts the worker (unpatched, the sum
 * wraps to 0: a heap overflow with the bytes that follow). Even a
 * fully fixed libfcgi mallocs up to 4 GiB for a pair whose bytes never come. fcgi_io peeks at
 * the socket (MSG_PEEK: nothing is consumed) until this module says the params are complete
 * and bounded, and only then lets libfcgi read them. A responder's body is awaited the same
 * way (up to FCGI_PEEK_BODY_MAX): so a body trickled a byte at a time cannot hold a worker
 * past the connection's deadline, and a management record hidden in it never reaches
 * libfcgi. Pure bytes in, a verdict out. */
#ifndef AUTHFCGI_FCGI_PEEK_H
#define AUTHFCGI_FCGI_PEEK_H

#include <stddef.h>

/* The most a request's records may take up to the end of its params stream, and so the
 * largest name or value: web servers send a few KiB (nginx's header limit is 32 KiB in all). */
#define FCGI_PEEK_MAX (128 * 1024)

/* Body bytes a look waits for at most: one more than fcgi_io reads of a body (REQUEST_MAX_BODY
 * in http.h, checked there); a longer body is refused unread or read as it comes. */
#define FCGI_PEEK_BODY_MAX (64 * 1024 + 1)

enum fcgi_peek {
    FCGI_PEEK_OK,   /* begin record, bounded params and a responder's body: libfcgi may read */
    FCGI_PEEK_MORE, /* well-formed so far, but the params or the body have not ended */
    FCGI_PEEK_BAD,  /* refuse the connection (*why says why) */
};

/* fcgi_peek_scan - judge the first len bytes received on a connection. A management record
 * (request id 0) is refused wherever it comes, as is any other record before the begin
 * record (libfcgi would read a management record's pairs unbounded); afterwards the params
 * records of the request are read as name-value pairs until the empty one that ends them
 * (other record types of the request before that are refused), then a responder's stdin
 * records until the empty one, or past FCGI_PEEK_BODY_MAX body bytes, or another record of
 * the request; records of other requests are skipped as libfcgi skips them. A name or value
 * longer than FCGI_PEEK_MAX is refused, as is len reaching FCGI_PEEK_MAX without the end of
 * the params (after it, OK: the rest is more than one look holds). *why (may be NULL) gets a
 * static reason, and with MORE the part still to come ("params" or "body"). */
enum fcgi_peek fcgi_peek_scan(const unsigned char *buf, size_t len, const char **why);

#endif
