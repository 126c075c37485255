/* metrics_page - GET /authfcgi/metrics: the pool's figures (util/metrics.h) in Prometheus text,
 * answered by whichever worker gets the request, to the addresses AUTHFCGI_METRICS_ALLOW
 * lists (403 for others; 404 when it is `none`). Outside Better Auth's /api/auth. */
#ifndef AUTHFCGI_METRICS_PAGE_H
#define AUTHFCGI_METRICS_PAGE_H

#include <stdbool.h>

struct app;
struct client_ip_proxies;
struct db;
struct request;
struct response;

#define METRICS_PAGE_PATH "/authfcgi/metrics"

/* metrics_page_wanted - is req a GET of the metrics page? */
bool metrics_page_wanted(const struct request *req);

/* metrics_page_answer - answer req: the page for an allowed REMOTE_ADDR (db gives the outbox
 * counts, cached a few seconds for the pool), else 403, or 404 when allow is empty. */
void metrics_page_answer(const struct client_ip_proxies *allow, struct db *db,
                         const struct request *req, struct response *resp);

/* metrics_page_route - the route label index of req for metrics_request: the route app
 * answers it with in route_table (a route a setting turns off is unmatched, as the router
 * has it), or one of the extra labels (authorize, metrics, unmatched). */
int metrics_page_route(const struct app *app, const struct request *req);

#endif
