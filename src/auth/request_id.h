/* request_id - the id that ties together every log line one request causes and the answer's
 * X-Request-Id header. Adopted from the web server when it passes one that is plainly an id,
 * else drawn at random. One request at a time per process (a worker); the master and the
 * mailer never begin one, so their lines carry none. */
#ifndef AUTHFCGI_REQUEST_ID_H
#define AUTHFCGI_REQUEST_ID_H

#include <stdbool.h>

struct response;

#define REQUEST_ID_HEADER "X-Request-Id"
#define REQUEST_ID_NEW_LEN 20 /* a drawn id: [A-Za-z0-9], about 119 random bits */
#define REQUEST_ID_MIN 8      /* an adopted id: at least this long ... */
#define REQUEST_ID_MAX 64     /* ... at most this long, of [A-Za-z0-9._@-] */

/* request_id_valid - true when s may be adopted: REQUEST_ID_MIN to REQUEST_ID_MAX characters
 * of [A-Za-z0-9._@-] (nginx's $request_id, Apache's UNIQUE_ID), nothing a log line or a
 * header could take for anything but one value. */
bool request_id_valid(const char *s);

/* request_id_begin - the id of the request now being handled: from_web_server when
 * request_id_valid, else a new random one. It becomes the log's current request id (every
 * line carries req=<id>) until request_id_end. The returned string lives until then. */
const char *request_id_begin(const char *from_web_server);

/* request_id_stamp - add REQUEST_ID_HEADER with the current id to resp. Called after the
 * handler, since some handlers clear the headers they made, so that every answer has it. */
void request_id_stamp(struct response *resp);

/* request_id_end - the request is over (answered and its deferred work done): lines logged
 * from now on carry no id. */
void request_id_end(void);

#endif
