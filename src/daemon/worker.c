/* worker - the request loop of one process: database handle opened after fork, then
 * accept -> route -> respond -> wipe the arena, until stopped or retired.
 *
 * A worker never exits because the database is unavailable: db answers DB_RETRY (handlers turn
 * it into 503) and reconnects with backoff by itself. Only a configuration the worker cannot
 * use at all (a DATABASE_URL libpq refuses) ends it at start, with WORKER_EXIT_CONFIG. */
#include "config.h"

#include "daemon/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "auth/app.h"
#include "util/arena.h"
#include "util/client_ip.h"
#include "global/db.h"
#include "daemon/fcgi_io.h"
#include "daemon/metrics_page.h"
#include "auth/http.h"
#include "util/log.h"
#include "util/metrics.h"
#include "auth/request_id.h"
#include "auth/router.h"
#include "global/store.h"

/* Most requests fit one chunk, so the steady state allocates nothing. */
#define WORKER_ARENA_CHUNK (REQUEST_MAX_BODY + 64 * 1024)

/* Until it has reached the database once, a supervised worker tries again this often while
 * idle: the master tells systemd it is ready only then (WORKER_NOTE_DB_UP), and a pool started
 * before its database would otherwise try only when a request comes. */
#define DB_TRY_MS 250

/* The stop signal received, or 0. Written only by the handler. */
static volatile sig_atomic_t stop_signal;
/* The DB_TRY_MS timer (SIGALRM) fired. */
static volatile sig_atomic_t db_try_due;

struct worker {
    const struct settings *settings;
    struct db *db;
    struct store store;
    struct app app;
    struct arena *arena;
    struct fcgi_io *io;
    struct client_ip_proxies web_servers;   /* FCGI_WEB_SERVER_ADDRS */
    struct client_ip_proxies metrics_allow; /* AUTHFCGI_METRICS_ALLOW */
    bool db_reached;                        /* said WORKER_NOTE_DB_UP */
    int status_fd;
    unsigned long served;
};

static void on_stop_signal(int sig)
{
    if (sig == SIGALRM)
        db_try_due = 1;
    else
        stop_signal = sig;
}

/* Block the stop signals (and SIGALRM, the DB_TRY_MS timer) for good and route them to flags;
 * *wait_mask is the mask under which they are delivered: only while fcgi_io waits for a
 * request. No SA_RESTART, so the wait ends. */
static void install_signals(sigset_t *wait_mask)
{
    static const int stop_signals[] = {SIGTERM, SIGINT, SIGUSR1, SIGALRM};
    sigset_t stop, previous;
    struct sigaction sa;

    sigemptyset(&stop);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&stop, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &stop, &previous);

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaction(stop_signals[i], &sa, NULL);
    /* The web server going away must be a write error, not death; reloads are the master's. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    *wait_mask = previous;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigdelset(wait_mask, stop_signals[i]);
}

/* Tell the master; never block (a full pipe only loses a note, and the master copes). */
static void notify_master(const struct worker *w, enum worker_note note)
{
    if (w->status_fd < 0)
        return;
    struct worker_status_msg msg = {.pid = (int32_t)getpid(), .note = (int32_t)note};
    ssize_t n;
    do {
        n = write(w->status_fd, &msg, sizeof msg);
    } while (n < 0 && errno == EINTR);
}

/* Open the handle and try one connection. An unreachable server is an outage to ride out
 * (503 until it is back); a conninfo libpq refuses, or a first connection refused for a reason
 * waiting cannot fix (a certificate that does not verify, a wrong password: db_config_error),
 * is a configuration error that ends the worker at start: in managed mode authfcgi exits 78,
 * under `serve` the master throttles (or rolls a reload back). */
static int open_database(struct worker *w)
{
    const struct settings *s = w->settings;
    char err[256];
    struct db_options opt = {
        .conninfo = s->database_url,
        .timeout_ms = s->db_timeout_ms,
        .unnamed = settings_db_unnamed(s),
        .application_name = "authfcgi",
        /* Only the master's workers are counted: in managed mode the web server decides. */
        .pool_size = w->status_fd >= 0 ? settings_effective_workers(s) : 0,
    };

    if (db_open(&w->db, &opt, err, sizeof err) != 0) {
        log_event(LOG_LEVEL_ERROR, "worker_config_error", "setting=DATABASE_URL reason=%s", err);
        return -1;
    }
    enum db_status st = db_connect(w->db);
    if (st != DB_OK && db_config_error(w->db, err, sizeof err)) {
        log_event(LOG_LEVEL_ERROR, "worker_config_error", "setting=DATABASE_URL reason=%s", err);
        db_close(w->db);
        w->db = NULL;
        return -1;
    }
    log_event(st == DB_OK ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "worker_db_connect",
              "status=%s statements=%s", db_status_name(st), opt.unnamed ? "unnamed" : "prepared");
    return 0;
}

/* db_try - until the database was reached once: try it (db_connect keeps its back-off), and
 * tell the master when it answers. */
static void db_try(struct worker *w)
{
    if (w->db_reached || w->status_fd < 0 || db_connect(w->db) != DB_OK)
        return;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    w->db_reached = true;
    notify_master(w, WORKER_NOTE_DB_UP);
}

static void db_try_start(struct worker *w)
{
    struct itimerval every = {{0, DB_TRY_MS * 1000}, {0, DB_TRY_MS * 1000}};

    db_try(w);
    if (!w->db_reached && w->status_fd >= 0)
        setitimer(ITIMER_REAL, &every, NULL);
}

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 +
           (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static void serve_one(struct worker *w, struct request *req)
{
    struct response resp;
    struct timespec start;

    clock_gettime(CLOCK_MONOTONIC, &start);
    request_id_begin(req->request_id);
    response_init(&resp, w->arena);
    int route = metrics_page_route(&w->app, req);
    if (metrics_page_wanted(req))
        metrics_page_answer(&w->metrics_allow, w->db, req, &resp);
    else
        router_dispatch(&w->app, req, &resp);
    request_id_stamp(&resp);
    if (fcgi_io_respond(w->io, &resp) != 0)
        log_event(LOG_LEVEL_DEBUG, "response_not_delivered", "status=%d", resp.status);
    double ms = elapsed_ms(&start);
    metrics_request(route, resp.status, (int64_t)(ms * 1000));
    log_event(LOG_LEVEL_DEBUG, "request", "method=%s status=%d ms=%.1f", req->method, resp.status,
              ms);
    /* The web server has the whole answer and the request is ended: work a handler deferred
     * no longer delays it (the next request waits for it, on this worker only). */
    response_run_deferred(&resp);
    request_id_end();
    if (++w->served == 1)
        notify_master(w, WORKER_NOTE_SERVED);
    arena_reset(w->arena);
}

/* The accept loop. Returns the reason it ended, for the log: "stopped", "retired" or NULL when
 * the listening socket failed. */
static const char *serve(struct worker *w)
{
    /* Only a supervised worker retires: in managed mode nothing may be there to restart it
     * (spawn-fcgi), and web servers that supervise have their own limit. */
    const unsigned long max = w->status_fd >= 0 ? (unsigned long)w->settings->max_requests : 0;

    while (!stop_signal) {
        if (max > 0 && w->served >= max)
            return "retired";
        struct request req;
        switch (fcgi_io_accept(w->io, &req, w->arena)) {
        case FCGI_ACCEPT_OK:
            serve_one(w, &req);
            db_try(w);
            break;
        case FCGI_ACCEPT_INTERRUPTED:
            if (db_try_due) {
                db_try_due = 0;
                db_try(w);
            }
            break;
        case FCGI_ACCEPT_ERROR:
            return NULL;
        }
    }
    return "stopped";
}

static void worker_cleanup(struct worker *w)
{
    fcgi_io_close(w->io);
    client_ip_proxies_free(&w->web_servers);
    client_ip_proxies_free(&w->metrics_allow);
    arena_destroy(w->arena);
    app_free(&w->app);
    db_close(w->db);
}

/* worker_check_config - see worker.h. */
int worker_check_config(const struct settings *s, char *err, size_t errlen)
{
    struct app app;

    if (settings_check_serving(s, err, errlen) != 0 || app_init(&app, s, NULL, err, errlen) != 0)
        return -1;
    app_free(&app);
    return 0;
}

/* worker_run - see worker.h. */
int worker_run(const struct settings *s, int listen_fd, int status_fd)
{
    struct worker w = {.settings = s, .status_fd = status_fd};
    sigset_t wait_mask;

    install_signals(&wait_mask);
    if (status_fd < 0)
        metrics_slot_use(-1); /* no master: this process's figures only */
    if (open_database(&w) != 0)
        return WORKER_EXIT_CONFIG;
    store_pg_init(&w.store, w.db);
    char err[512];
    if (app_init(&w.app, s, &w.store, err, sizeof err) != 0) {
        log_event(LOG_LEVEL_ERROR, "worker_config_error", "reason=%s", err);
        db_close(w.db);
        return WORKER_EXIT_CONFIG;
    }
    w.arena = arena_create(WORKER_ARENA_CHUNK);
    /* Checked when the settings were loaded: a failure here is out of memory. */
    if (client_ip_proxies_parse(&w.web_servers, s->web_server_addrs, err, sizeof err) != 0 ||
        (!settings_metrics_off(s->metrics_allow) &&
         client_ip_proxies_parse(&w.metrics_allow, s->metrics_allow, err, sizeof err) != 0)) {
        worker_cleanup(&w);
        return WORKER_EXIT_CONFIG;
    }
    const struct fcgi_io_limits limits = {.timeout_ms = s->fcgi_timeout_ms,
                                          .web_servers = &w.web_servers};
    if (fcgi_io_open(&w.io, listen_fd, &wait_mask, &limits) != 0) {
        worker_cleanup(&w);
        return WORKER_EXIT_SOCKET;
    }
    log_event(LOG_LEVEL_INFO, "worker_ready", "max_requests=%d", s->max_requests);
    notify_master(&w, WORKER_NOTE_READY);
    db_try_start(&w);

    const char *reason = serve(&w);
    if (stop_signal != 0 && reason != NULL)
        log_event(LOG_LEVEL_INFO, "worker_exit", "reason=%s signal=%d served=%lu", reason,
                  (int)stop_signal, w.served);
    else
        log_event(reason != NULL ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "worker_exit",
                  "reason=%s served=%lu", reason != NULL ? reason : "socket_error", w.served);
    worker_cleanup(&w);
    return reason != NULL ? 0 : WORKER_EXIT_SOCKET;
}
