/* handlers - one function per route; each reads the request, talks to the store and fills the
 * response. Grouped by concern in handler_*.c files. */
#ifndef AUTHFCGI_HANDLERS_H
#define AUTHFCGI_HANDLERS_H

struct app;
struct request;
struct response;

/* handler_meta.c */
void handle_ok(struct app *app, struct request *req, struct response *resp);
void handle_healthz(struct app *app, struct request *req, struct response *resp);
void handle_readyz(struct app *app, struct request *req, struct response *resp);

#endif
