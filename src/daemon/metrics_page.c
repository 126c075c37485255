/* metrics_page - the Prometheus page of the pool (metrics_page.h). Metric names carry their
 * unit (_seconds, _total) and the authfcgi_ prefix; request counts are labelled by route (the
 * operationId of schema/openapi.yaml, never a path, which may hold a token) and status class. */
#include "config.h"

#include "daemon/metrics_page.h"

#include <stdio.h>
#include <string.h>

#include "auth/authorize.h"
#include "auth/http.h"
#include "auth/router.h"
#include "global/outbox.h"
#include "util/arena.h"
#include "util/client_ip.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/metrics_text.h"

/* The outbox counts are fetched by one scrape and reused by the pool this long. */
#define OUTBOX_CACHE_MS 5000

/* The labels after the routes of route_table. */
enum { EXTRA_AUTHORIZE, EXTRA_METRICS, EXTRA_UNMATCHED, EXTRA__COUNT };
static const char *const extra_names[EXTRA__COUNT] = {"authorize", "metrics", "unmatched"};

/* metrics_page_wanted - see metrics_page.h. */
bool metrics_page_wanted(const struct request *req)
{
    return strcmp(req->path, METRICS_PAGE_PATH) == 0 && strcmp(req->method, "GET") == 0 &&
           !authorize_wanted(req);
}

/* metrics_page_route - see metrics_page.h. */
int metrics_page_route(const struct app *app, const struct request *req)
{
    if (route_count + EXTRA__COUNT > METRICS_ROUTES)
        return -1; /* a test keeps the table within METRICS_ROUTES */
    if (authorize_wanted(req))
        return (int)route_count + EXTRA_AUTHORIZE;
    if (metrics_page_wanted(req))
        return (int)route_count + EXTRA_METRICS;
    const struct route *r = router_route(app, req->method, req->path);
    return r != NULL ? (int)(r - route_table) : (int)route_count + EXTRA_UNMATCHED;
}

static const char *route_label(size_t i)
{
    return i < route_count ? route_table[i].operation_id : extra_names[i - route_count];
}

static void write_requests(struct arena_buf *t, const struct metrics_totals *m)
{
    static const char *const classes[METRICS_CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    metrics_text_family(t, "authfcgi_requests_total", "counter",
                        "Requests answered, by route (operationId) and status class.");
    for (size_t r = 0; r < route_count + EXTRA__COUNT && r < METRICS_ROUTES; r++) {
        for (size_t c = 0; c < METRICS_CLASSES; c++) {
            if (m->requests[r][c] == 0)
                continue;
            const char *labels[] = {"route", route_label(r), "code", classes[c], NULL};
            metrics_text_sample(t, "authfcgi_requests_total", labels, (double)m->requests[r][c]);
        }
    }
    metrics_text_histogram(t, "authfcgi_request_duration_seconds",
                           "Time from a request's arrival to its answer written.",
                           metrics_bucket_bounds, m->latency, METRICS_BUCKETS,
                           (double)m->latency_sum_us / 1e6);
}

static void one(struct arena_buf *t, const char *name, const char *type, const char *help,
                double value)
{
    metrics_text_family(t, name, type, help);
    metrics_text_sample(t, name, NULL, value);
}

static void write_pool(struct arena_buf *t, const struct metrics_totals *m)
{
    one(t, "authfcgi_password_hashes_total", "counter", "Password hashes computed.",
        (double)m->counters[METRIC_PASSWORD_HASHES]);
    one(t, "authfcgi_rate_limit_refusals_total", "counter",
        "Requests refused by a rate limit (429).", (double)m->counters[METRIC_RATE_LIMITED]);
    one(t, "authfcgi_workers", "gauge",
        "Workers running (1 without a master: the figures are this process's own).",
        (double)m->workers);
    one(t, "authfcgi_db_connected_workers", "gauge", "Workers holding a database connection now.",
        (double)m->db_connected_workers);
    one(t, "authfcgi_db_reconnects_total", "counter",
        "Database connections made after a process's first.",
        (double)m->counters[METRIC_DB_RECONNECTS]);
    one(t, "authfcgi_db_statement_timeouts_total", "counter",
        "Database statements abandoned at AUTHFCGI_DB_TIMEOUT_MS.",
        (double)m->counters[METRIC_DB_TIMEOUTS]);
    metrics_text_family(t, "authfcgi_worker_restarts_total", "counter",
                        "Workers replaced by the master: retired after AUTHFCGI_MAX_REQUESTS, "
                        "or failed (exited otherwise, or killed).");
    const char *retired[] = {"reason", "retired", NULL}, *failed[] = {"reason", "failed", NULL};
    metrics_text_sample(t, "authfcgi_worker_restarts_total", retired,
                        (double)m->restarts[METRICS_RESTART_RETIRED]);
    metrics_text_sample(t, "authfcgi_worker_restarts_total", failed,
                        (double)m->restarts[METRICS_RESTART_FAILED]);
}

/* write_outbox - the mail outbox, from the pool's cache or one query; left out when the
 * database cannot say. */
static void write_outbox(struct arena_buf *t, struct db *db)
{
    int64_t now = clock_monotonic_ms(), pending, failed;

    if (!metrics_cache_get(now, OUTBOX_CACHE_MS, &pending, &failed)) {
        if (db == NULL || outbox_counts(db, &pending, &failed) != DB_OK)
            return;
        metrics_cache_put(now, pending, failed);
    }
    metrics_text_family(t, "authfcgi_outbox_messages", "gauge",
                        "Mails in the outbox: pending (waiting or being sent) and failed for "
                        "good.");
    const char *p[] = {"status", "pending", NULL}, *f[] = {"status", "failed", NULL};
    metrics_text_sample(t, "authfcgi_outbox_messages", p, (double)pending);
    metrics_text_sample(t, "authfcgi_outbox_messages", f, (double)failed);
}

/* metrics_page_answer - see metrics_page.h. allow is empty for AUTHFCGI_METRICS_ALLOW=none. */
void metrics_page_answer(const struct client_ip_proxies *allow, struct db *db,
                         const struct request *req, struct response *resp)
{
    struct arena_buf t;
    struct metrics_totals m;

    if (allow->count == 0) {
        response_empty(resp, 404);
        return;
    }
    if (!client_ip_listed(allow, req->remote_addr)) {
        log_event(LOG_LEVEL_INFO, "metrics_refused", "remote_addr=%s", req->remote_addr);
        response_error(resp, 403, "FORBIDDEN", "metrics are not available to this address");
        return;
    }
    metrics_snapshot(&m);
    arena_buf_init(&t, resp->arena);
    write_requests(&t, &m);
    write_pool(&t, &m);
    write_outbox(&t, db);
    resp->status = 200;
    resp->body = t.s;
    resp->body_len = t.len;
    response_header(resp, "Content-Type", METRICS_TEXT_CONTENT_TYPE);
    response_header(resp, "Cache-Control", "no-store");
}
