/* db - the worker's one PostgreSQL connection over libpq's asynchronous API: connect and
 * prepare within a deadline, run each statement within a deadline, classify every outcome in
 * one table, and reconnect with jittered backoff. The only file that includes libpq. */
#include "config.h"

#include "global/db.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"

/* Reconnect backoff: full jitter (a uniformly random wait in [0, ceiling]) with the ceiling
 * doubling from BASE to MAX, so workers that lost the database together spread their
 * attempts instead of reconnecting in lockstep. */
#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 5000

/* Migrations may legitimately run longer than a request's deadline (an index on a big table),
 * but must still end: scripts get at least this long. */
#define SCRIPT_TIMEOUT_MS (5 * 60 * 1000)

/* A cancel request is sent from a short-lived thread (see link_cancel); never more than this
 * many at once, so an unreachable server cannot pile up blocked threads. */
#define CANCEL_MAX_IN_FLIGHT 2

#define REASON_MAX 240

/* Why a connection went away or could not be made; logged as class=... */
enum db_loss {
    LOSS_NONE,
    LOSS_ADMIN_SHUTDOWN,
    LOSS_REFUSED,
    LOSS_TIMEOUT,
    LOSS_TLS,
    LOSS_AUTH,
    LOSS_CONFIG, /* the connection parameters themselves (an invalid sslmode, port, option) */
    LOSS_OTHER,
};

static const char *const loss_names[] = {
    [LOSS_NONE] = "none",       [LOSS_ADMIN_SHUTDOWN] = "admin_shutdown",
    [LOSS_REFUSED] = "refused", [LOSS_TIMEOUT] = "timeout",
    [LOSS_TLS] = "tls",         [LOSS_AUTH] = "auth",
    [LOSS_CONFIG] = "config",   [LOSS_OTHER] = "other",
};

/* What the log last said about the connection: a line is written only when this changes. */
enum db_link {
    LINK_NEVER,   /* no connection attempted yet */
    LINK_UP,      /* connected (and prepared) */
    LINK_LOST,    /* an established connection died; the next use reconnects at once */
    LINK_BACKOFF, /* connecting failed; waiting until retry_at_ms before the next attempt */
};

struct db {
    char *conninfo; /* may carry the password: wiped on close */
    char *password; /* decoded password, only to redact it from messages; wiped */
    char *application_name;
    int timeout_ms;
    bool ever_up; /* a connection was made before: the next one is a reconnect (metrics) */
    bool unnamed;

    PGconn *conn;                   /* NULL while disconnected */
    unsigned generation;            /* bumped by every new connection */
    char fatal_sqlstate[6];         /* SQLSTATE of a FATAL message received while idle, or "" */
    char fatal_message[REASON_MAX]; /* and its text, for the log line */

    bool in_txn;
    unsigned txn_generation; /* the connection the open transaction lives on */

    int pool_size; /* workers sharing the server from this host, for the budget check; 0 = skip */
    bool budget_checked;
    bool quiet; /* a start-up probe: the caller reports the outcome, db logs nothing */

    enum db_link link;
    enum db_loss last_loss; /* why the last connection was dropped or refused */
    /* Set when the last connection attempt failed in a way waiting cannot fix (a certificate,
     * a password): the class and libpq's reason, one line, password removed. "" otherwise. */
    char config_error[REASON_MAX];
    unsigned failures;   /* consecutive failed attempts; drives the backoff */
    int64_t retry_at_ms; /* monotonic: no connection attempt before this */
    int64_t down_since_ms;
    uint64_t rng; /* xorshift state for the jitter */
};

struct db_result {
    PGresult *pg;
};

/* How one attempt at a command ended, beyond its status: decides whether a retry is safe. */
enum run_end {
    RUN_DONE,        /* the server answered (whatever the answer) */
    RUN_UNAVAILABLE, /* no connection: refused, backing off, or lost inside a transaction */
    RUN_LOST,        /* the connection died under the command before it was answered */
    RUN_TIMEOUT,     /* the deadline passed; the command was cancelled and the connection dropped */
};

/* ------------------------------------------------------------------------------------------ */
/* classification */

/* The one SQLSTATE table: what a statement's error means to the caller (status) and, for the
 * states a failed or dropped connection reports, the class it is logged with (loss; LOSS_NONE:
 * decided by libpq's message, see by_text) and whether waiting cannot fix it (config). The
 * first matching prefix wins, so exact codes come before the classes that contain them. */
static const struct sqlstate_row {
    const char *prefix;
    enum db_status status;
    enum db_loss loss;
    bool config;
} sqlstate_table[] = {
    {"23505", DB_CONFLICT, LOSS_NONE, false},        /* unique_violation */
    {"23", DB_INVALID, LOSS_NONE, false},            /* not null, foreign key, check */
    {"22", DB_INVALID, LOSS_NONE, false},            /* bad input syntax, value out of range */
    {"08", DB_RETRY, LOSS_NONE, false},              /* connection exceptions */
    {"57P01", DB_RETRY, LOSS_ADMIN_SHUTDOWN, false}, /* pg_terminate_backend, fast shutdown */
    {"57P02", DB_RETRY, LOSS_ADMIN_SHUTDOWN, false}, /* crash_shutdown */
    {"57P03", DB_RETRY, LOSS_REFUSED, false},        /* cannot_connect_now: starting, stopping */
    {"57014", DB_RETRY, LOSS_NONE, false},           /* query_canceled: our own deadline */
    {"53300", DB_RETRY, LOSS_REFUSED, false},        /* too_many_connections */
    {"40001", DB_RETRY, LOSS_NONE, false},           /* serialization_failure */
    {"40P01", DB_RETRY, LOSS_NONE, false},           /* deadlock_detected */
    {"28", DB_FAIL, LOSS_AUTH, true},                /* invalid authorization (28P01 password) */
    {"3D000", DB_FAIL, LOSS_AUTH, true},             /* invalid_catalog_name: no such database */
};

/* sqlstate_find - the table's row for a well-formed SQLSTATE, or NULL. */
static const struct sqlstate_row *sqlstate_find(const char *sqlstate)
{
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return NULL;
    for (size_t i = 0; i < sizeof sqlstate_table / sizeof sqlstate_table[0]; i++) {
        const char *p = sqlstate_table[i].prefix;
        if (strncmp(sqlstate, p, strlen(p)) == 0)
            return &sqlstate_table[i];
    }
    return NULL;
}

enum db_status db_classify(const char *sqlstate, bool connection_ok)
{
    /* A connection that died answers nothing more, whatever it said last; a server-side
     * termination (Neon suspending a compute) often says nothing at all. */
    if (!connection_ok)
        return DB_RETRY;
    const struct sqlstate_row *row = sqlstate_find(sqlstate);
    return row != NULL ? row->status : DB_FAIL;
}

const char *db_status_name(enum db_status st)
{
    switch (st) {
    case DB_OK:
        return "ok";
    case DB_NOTFOUND:
        return "notfound";
    case DB_CONFLICT:
        return "conflict";
    case DB_INVALID:
        return "invalid";
    case DB_RETRY:
        return "retry";
    case DB_FAIL:
        return "fail";
    case DB_UNKNOWN:
        return "outcome_unknown";
    }
    return "unknown";
}

/* libpq gives no SQLSTATE for connection failures, so its (untranslated: we never call
 * setlocale) message text is the only evidence of why one failed. Only failures that no
 * outage, restart or cold start can produce are marked config: a TLS handshake cut short
 * ("SSL SYSCALL error: EOF detected") is class tls but transient, and a message this table
 * does not know is never config. The first matching needle wins. */
static const struct {
    const char *needle;
    enum db_loss loss;
    bool config;
} by_text[] = {
    /* TLS: the server is not the one the connection string names and trusts. (OpenSSL's
     * "certificate verify failed" covers an unknown CA and an expired certificate.) */
    {"certificate verify failed", LOSS_TLS, true},
    {"does not match host name", LOSS_TLS, true},
    {"root certificate file", LOSS_TLS, true},
    {"server does not support SSL, but SSL was required", LOSS_TLS, true},
    {"certificate present, but not private key", LOSS_TLS, true},
    {"could not open certificate file", LOSS_TLS, true},
    {"could not load private key file", LOSS_TLS, true},
    /* Neon's proxy, reached without SNI and without options=endpoint%3D<id> */
    {"Endpoint ID is not specified", LOSS_TLS, true},
    /* authentication and authorization */
    {"authentication failed", LOSS_AUTH, true}, /* password (28P01), peer, ident */
    {"no pg_hba.conf entry", LOSS_AUTH, true},
    {"pg_hba.conf rejects connection", LOSS_AUTH, true},
    {"no password supplied", LOSS_AUTH, true},
    {"channel binding", LOSS_AUTH, true},
    {"is not permitted to log in", LOSS_AUTH, true},
    {"\" does not exist", LOSS_AUTH, true}, /* role or database */
    {"no such database", LOSS_AUTH, true},  /* PgBouncer */
    {"no such user", LOSS_AUTH, true},      /* PgBouncer */
    /* connection parameters libpq or the server refuse */
    {"invalid sslmode value", LOSS_CONFIG, true},
    {"invalid gssencmode value", LOSS_CONFIG, true},
    {"invalid channel_binding value", LOSS_CONFIG, true},
    {"invalid target_session_attrs value", LOSS_CONFIG, true},
    {"invalid integer value", LOSS_CONFIG, true},
    {"invalid port number", LOSS_CONFIG, true},
    {"hostaddr values", LOSS_CONFIG, true},
    {"could not parse network address", LOSS_CONFIG, true},
    {"unsupported startup parameter", LOSS_CONFIG, true}, /* PgBouncer and options= */
    {"unrecognized configuration parameter", LOSS_CONFIG, true},
    {"invalid value for parameter", LOSS_CONFIG, true},
    /* transient: the server is going, coming back, full or out of reach */
    {"terminating connection due to administrator command", LOSS_ADMIN_SHUTDOWN, false},
    {"terminating connection due to unexpected postmaster exit", LOSS_ADMIN_SHUTDOWN, false},
    {"the database system is shutting down", LOSS_REFUSED, false},
    {"the database system is starting up", LOSS_REFUSED, false},
    {"the database system is in recovery mode", LOSS_REFUSED, false},
    {"too many clients", LOSS_REFUSED, false},
    {"remaining connection slots are reserved", LOSS_REFUSED, false},
    {"no more connections allowed", LOSS_REFUSED, false}, /* PgBouncer's max_client_conn */
    {"Connection refused", LOSS_REFUSED, false},
    {"No such file or directory", LOSS_REFUSED, false},
    {"could not translate host name", LOSS_REFUSED, false},
    /* the server went away in the middle of the handshake (or, for an established
     * connection, ended it without a word: link_drop calls that admin_shutdown) */
    {"server closed the connection unexpectedly", LOSS_REFUSED, false},
    {"SSL SYSCALL error: EOF detected", LOSS_REFUSED, false},
    {"unexpected eof while reading", LOSS_REFUSED, false},
    {"SSL connection has been closed unexpectedly", LOSS_REFUSED, false},
    {"Connection reset by peer", LOSS_REFUSED, false},
    {"timeout expired", LOSS_TIMEOUT, false},
    {"timed out", LOSS_TIMEOUT, false},
    {"SSL", LOSS_TLS, false},
    {"certificate", LOSS_TLS, false},
    {"GSSAPI", LOSS_TLS, false},
    {"authentication", LOSS_AUTH, false},
    {"password", LOSS_AUTH, false},
    {"pg_hba.conf", LOSS_AUTH, false},
};

/* loss_class - the log class of a failed connection, and whether it is a configuration error
 * (*config: waiting will not fix it, so a process that has not connected yet stops at start
 * rather than answering 503 for ever): the SQLSTATE table's when it names one, else by_text's. */
static enum db_loss loss_class(const char *sqlstate, const char *message, bool *config)
{
    const struct sqlstate_row *row = sqlstate_find(sqlstate);
    *config = false;
    if (row != NULL && row->loss != LOSS_NONE) {
        *config = row->config;
        return row->loss;
    }
    if (message != NULL)
        for (size_t i = 0; i < sizeof by_text / sizeof by_text[0]; i++)
            if (strstr(message, by_text[i].needle) != NULL) {
                *config = by_text[i].config;
                return by_text[i].loss;
            }
    return LOSS_OTHER;
}

const char *db_failure_class(const char *sqlstate, const char *message, bool *config)
{
    return loss_names[loss_class(sqlstate, message, config)];
}

/* ------------------------------------------------------------------------------------------ */
/* small helpers */

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        abort(); /* out of memory ends the worker; the master replaces it */
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* conninfo_free - release PQconninfoParse's result, wiping the values (the password). */
static void conninfo_free(PQconninfoOption *parsed)
{
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
        if (o->val != NULL)
            explicit_bzero(o->val, strlen(o->val));
    PQconninfoFree(parsed);
}

static void free_secret(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static uint64_t rng_next(struct db *db)
{
    uint64_t x = db->rng; /* xorshift64: jitter needs spread, not secrecy */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return db->rng = x;
}

/* redact - copy the first line of msg into out with every occurrence of secret replaced. */
static void redact(char *out, size_t outlen, const char *msg, const char *secret)
{
    size_t slen = secret != NULL ? strlen(secret) : 0;
    size_t o = 0;
    if (outlen == 0)
        return;
    for (const char *p = msg != NULL ? msg : ""; *p != '\0' && *p != '\n' && o + 1 < outlen;) {
        if (slen > 0 && strncmp(p, secret, slen) == 0) {
            for (const char *r = "***"; *r != '\0' && o + 1 < outlen; r++)
                out[o++] = *r;
            p += slen;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* db_reason - libpq's error message for conn, one line, password removed. */
static const char *db_reason(const struct db *db, const char *message, char *buf, size_t len)
{
    const char *m = message;
    /* libpq prefixes server messages with "FATAL:  " or "ERROR:  "; keep it, it is useful. */
    while (m != NULL && (*m == ' ' || *m == '\n'))
        m++;
    redact(buf, len, m, db->password);
    return buf;
}

/* wait_socket - poll the connection's socket until one of events or the deadline. Returns the
 * revents (> 0), 0 when the deadline passed, -1 when there is no usable socket. */
static int wait_socket(PGconn *conn, short events, int64_t deadline)
{
    int fd = PQsocket(conn);
    if (fd < 0)
        return -1;
    for (;;) {
        int64_t left = deadline - clock_monotonic_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0)
            return p.revents; /* POLLHUP/POLLERR too: libpq reads the error itself */
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
        /* A signal (SIGTERM, SIGHUP) only sets a flag for the loop: finish within the deadline. */
    }
}

/* ------------------------------------------------------------------------------------------ */
/* connection state changes: the only log lines this module writes besides bugs */

/* Messages the server sends outside a command: a FATAL one announces that the connection is
 * about to close (pg_terminate_backend, shutdown); remember it so the next use reconnects
 * before sending anything. Everything else (NOTICE from migrations' IF NOT EXISTS) is dropped:
 * libpq would otherwise print it on stderr, outside the log format. */
static void notice_receiver(void *arg, const PGresult *res)
{
    struct db *db = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (severity != NULL && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) {
        snprintf(db->fatal_sqlstate, sizeof db->fatal_sqlstate, "%s",
                 sqlstate != NULL ? sqlstate : "08006");
        snprintf(db->fatal_message, sizeof db->fatal_message, "%s", PQresultErrorMessage(res));
    }
}

static void *cancel_thread(void *arg);
static void link_refused(struct db *db, enum db_loss loss, const char *message, bool config);
static atomic_int cancels_in_flight;

/* link_cancel - ask the server to cancel the command in flight, without waiting.
 *
 * PQcancel opens a new connection and blocks in connect() and recv(), retrying on EINTR, so
 * neither a timer nor a signal can bound it: against a black-holed host it would hang for the
 * kernel's TCP timeout. The request is best effort (we drop the connection right after, which
 * the server notices when it next talks to us), so it runs in a detached thread that nobody
 * waits for, with every signal blocked so signals keep going to the main thread. */
static void link_cancel(PGconn *conn)
{
    if (atomic_load(&cancels_in_flight) >= CANCEL_MAX_IN_FLIGHT)
        return;
    PGcancel *cancel = PQgetCancel(conn);
    if (cancel == NULL)
        return;
    sigset_t all, old;
    pthread_attr_t attr;
    pthread_t thread;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&cancels_in_flight, 1);
    if (pthread_create(&thread, &attr, cancel_thread, cancel) != 0) {
        atomic_fetch_sub(&cancels_in_flight, 1);
        PQfreeCancel(cancel);
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *cancel_thread(void *arg)
{
    PGcancel *cancel = arg;
    char err[256];
    (void)PQcancel(cancel, err, sizeof err); /* best effort: the connection is gone anyway */
    PQfreeCancel(cancel);
    atomic_fetch_sub(&cancels_in_flight, 1);
    return NULL;
}

/* schedule_retry - count a failed attempt and pick when the next one may start: at least
 * min_ms, plus the jitter. */
static int64_t schedule_retry(struct db *db, int64_t min_ms)
{
    unsigned shift = db->failures < 16 ? db->failures : 16;
    int64_t ceiling = (int64_t)BACKOFF_BASE_MS << shift;
    if (ceiling > BACKOFF_MAX_MS)
        ceiling = BACKOFF_MAX_MS;
    db->failures++;
    int64_t delay = min_ms + (int64_t)(rng_next(db) % (uint64_t)(ceiling + 1));
    db->retry_at_ms = clock_monotonic_ms() + delay;
    return delay;
}

/* link_drop - close the connection after it died (or we gave up on it) and log the change.
 * A connection that dies on its own is reconnected at once; one we abandoned on a deadline
 * counts as a failed attempt and backs off. */
static void link_drop(struct db *db, enum db_loss loss, const char *message, bool cancel)
{
    char reason[REASON_MAX];
    if (db->conn == NULL)
        return;
    if (cancel)
        link_cancel(db->conn);
    if (db->link != LINK_UP) {
        /* Still setting up (preparing): this was a failed connection attempt. */
        link_refused(db, loss, message, false);
        PQfinish(db->conn);
        db->conn = NULL;
        return;
    }
    /* An established connection cannot be refused: the server (or a pooler, or Neon's proxy
     * suspending the compute) closed it, with or without a FATAL message. */
    if (loss == LOSS_REFUSED)
        loss = LOSS_ADMIN_SHUTDOWN;
    log_event(LOG_LEVEL_WARN, "db_lost", "class=%s reason=%s", loss_names[loss],
              db_reason(db, message, reason, sizeof reason));
    db->down_since_ms = clock_monotonic_ms();
    PQfinish(db->conn);
    db->conn = NULL;
    db->link = LINK_LOST;
    metrics_db_connected(false);
    db->last_loss = loss;
    if (loss == LOSS_TIMEOUT)
        schedule_retry(db, 0);
    else
        db->retry_at_ms = clock_monotonic_ms();
}

/* link_refused - a connection attempt failed: back off, and log when this starts an outage or
 * its class changes (never once per attempt).
 *
 * A process's very first attempt failing for a configuration reason is not logged here: the
 * caller that made it (a worker starting, `authfcgi migrate`, db_probe) reports it as the one
 * line of a configuration error (db_config_error) and stops. The state stays LINK_NEVER, so a
 * caller that carries on anyway still gets the db_unavailable line on the next attempt. */
static void link_refused(struct db *db, enum db_loss loss, const char *message, bool config)
{
    char reason[REASON_MAX];
    /* An attempt that timed out held its request for a whole deadline, and the requests the
     * web server queued behind this worker meanwhile would each get a whole deadline more from
     * the next attempt: after a slow connect, wait a deadline before the next one, and answer
     * 503 at once until then. */
    int64_t delay = schedule_retry(db, loss == LOSS_TIMEOUT ? db->timeout_ms : 0);
    db->config_error[0] = '\0';
    if (config) {
        size_t n =
            (size_t)snprintf(db->config_error, sizeof db->config_error, "%s: ", loss_names[loss]);
        db_reason(db, message, db->config_error + n, sizeof db->config_error - n);
    }
    if ((config && db->link == LINK_NEVER) || db->quiet) {
        db->last_loss = loss;
        return;
    }
    /* Every attempt at debug level only: with the jitter they show that workers which lost
     * the server together do not retry together (test/integration/reconnect.sh). */
    log_event(LOG_LEVEL_DEBUG, "db_connect_failed", "class=%s attempt=%u retry_in_ms=%lld",
              loss_names[loss], db->failures, (long long)delay);
    if (db->link != LINK_BACKOFF || db->last_loss != loss) {
        if (db->link != LINK_LOST && db->link != LINK_BACKOFF)
            db->down_since_ms = clock_monotonic_ms();
        log_event(LOG_LEVEL_WARN, "db_unavailable", "class=%s retry_in_ms=%lld reason=%s",
                  loss_names[loss], (long long)delay,
                  db_reason(db, message, reason, sizeof reason));
    }
    db->link = LINK_BACKOFF;
    db->last_loss = loss;
}

static void link_up(struct db *db)
{
    const char *host = PQhost(db->conn);
    const char *port = PQport(db->conn);
    if (db->quiet) {
        /* a start-up probe: its caller reports the outcome */
    } else if (db->link == LINK_LOST || db->link == LINK_BACKOFF) {
        log_event(LOG_LEVEL_INFO, "db_connected",
                  "host=%s port=%s backend_pid=%d mode=%s down_ms=%lld failed_attempts=%u",
                  host != NULL ? host : "", port != NULL ? port : "", PQbackendPID(db->conn),
                  db->unnamed ? "unnamed" : "named",
                  (long long)(clock_monotonic_ms() - db->down_since_ms), db->failures);
    } else {
        log_event(LOG_LEVEL_INFO, "db_connected", "host=%s port=%s backend_pid=%d mode=%s",
                  host != NULL ? host : "", port != NULL ? port : "", PQbackendPID(db->conn),
                  db->unnamed ? "unnamed" : "named");
    }
    if (db->ever_up)
        metrics_count(METRIC_DB_RECONNECTS);
    db->ever_up = true;
    metrics_db_connected(true);
    db->link = LINK_UP;
    db->failures = 0;
    db->last_loss = LOSS_NONE;
    db->config_error[0] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* talking to the server */

/* link_flush - push out what libpq has buffered (non-blocking mode). 1 done, 0 deadline,
 * -1 broken. */
static int link_flush(PGconn *conn, int64_t deadline)
{
    for (;;) {
        int r = PQflush(conn);
        if (r == 0)
            return 1;
        if (r < 0)
            return -1;
        int ev = wait_socket(conn, POLLIN | POLLOUT, deadline);
        if (ev <= 0)
            return ev;
        /* The server may be talking while we write; libpq must read to avoid a deadlock. */
        if ((ev & POLLIN) && !PQconsumeInput(conn))
            return -1;
    }
}

/* link_next_result - the next result of the command(s) in flight, waiting no longer than the
 * deadline. 1 with *out set (NULL = no more results), 0 deadline passed. A broken connection
 * is reported by libpq as an error result with the connection status bad. */
static int link_next_result(PGconn *conn, int64_t deadline, PGresult **out)
{
    while (PQisBusy(conn)) {
        int ev = wait_socket(conn, POLLIN, deadline);
        if (ev == 0)
            return 0;
        if (ev < 0 || !PQconsumeInput(conn)) {
            /* PQisBusy is false once libpq has seen the connection break, and PQgetResult then
             * returns the error at once. A socket we cannot even poll must not be waited on:
             * give up on it as on a deadline. */
            if (PQstatus(conn) != CONNECTION_BAD)
                return 0;
            break;
        }
    }
    *out = PQgetResult(conn);
    return 1;
}

static bool result_failed(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && s != PGRES_EMPTY_QUERY;
}

/* link_collect - every result of the command in flight: keeps the first failure, or else the
 * last result. 1 done, 0 deadline passed. */
static int link_collect(PGconn *conn, int64_t deadline, PGresult **out)
{
    PGresult *keep = NULL, *r;
    *out = NULL;
    for (;;) {
        if (link_next_result(conn, deadline, &r) == 0) {
            PQclear(keep);
            return 0;
        }
        if (r == NULL)
            break;
        if (keep != NULL && result_failed(keep)) {
            PQclear(r);
        } else {
            PQclear(keep);
            keep = r;
        }
    }
    *out = keep;
    return 1;
}

/* link_alive - true when the idle connection still looks usable. A server that terminated us
 * while we were idle has usually sent a FATAL message and closed the socket: reading it now
 * lets us reconnect before sending, which makes even a write safe to send again. */
static bool link_alive(struct db *db)
{
    if (PQstatus(db->conn) != CONNECTION_OK || db->fatal_sqlstate[0] != '\0')
        return false;
    struct pollfd p = {.fd = PQsocket(db->conn), .events = POLLIN};
    if (p.fd < 0)
        return false;
    if (poll(&p, 1, 0) > 0) {
        if (!PQconsumeInput(db->conn) || PQstatus(db->conn) != CONNECTION_OK)
            return false;
        /* PQconsumeInput only reads; parsing (PQisBusy) hands an idle connection's ErrorResponse
         * to notice_receiver, which records the FATAL. */
        (void)PQisBusy(db->conn);
        if (db->fatal_sqlstate[0] != '\0' || PQstatus(db->conn) != CONNECTION_OK)
            return false;
    }
    return true;
}

/* link_lost - drop a connection that libpq reports broken, classifying from what it said. */
static void link_lost(struct db *db, const PGresult *r)
{
    const char *sqlstate = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *message = r != NULL ? PQresultErrorMessage(r) : NULL;
    if ((message == NULL || message[0] == '\0') && db->fatal_message[0] != '\0')
        message = db->fatal_message;
    if (message == NULL || message[0] == '\0')
        message = PQerrorMessage(db->conn);
    if ((sqlstate == NULL || sqlstate[0] == '\0') && db->fatal_sqlstate[0] != '\0')
        sqlstate = db->fatal_sqlstate;
    bool config; /* an established connection cannot have a configuration problem */
    link_drop(db, loss_class(sqlstate, message, &config), message, false);
}

/* prepare_results - read the pipeline's answers to link_prepare_all's PREPAREs and its Sync.
 * 1 done (*st DB_FAIL when a statement did not prepare: logged), 0 deadline passed, -1 broken. */
static int prepare_results(struct db *db, int64_t deadline, enum db_status *st)
{
    PGconn *conn = db->conn;
    PGresult *r = NULL;

    for (int i = 0; i < STMT__MAX; i++) {
        if (link_next_result(conn, deadline, &r) == 0)
            return 0;
        if (r == NULL || PQstatus(conn) != CONNECTION_OK) {
            PQclear(r); /* the error result of a connection that broke (NULL-safe) */
            return -1;
        }
        ExecStatusType rs = PQresultStatus(r);
        if (rs != PGRES_COMMAND_OK && rs != PGRES_PIPELINE_ABORTED && *st == DB_OK) {
            char reason[REASON_MAX];
            const char *sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            log_event(LOG_LEVEL_ERROR, "db_prepare_failed", "stmt=%s sqlstate=%s reason=%s hint=%s",
                      stmt_table[i].name, sqlstate != NULL ? sqlstate : "none",
                      db_reason(db, PQresultErrorMessage(r), reason, sizeof reason),
                      "is the schema migrated? run: authfcgi migrate");
            *st = DB_FAIL;
        }
        PQclear(r);
        /* Each pipelined command's results end with a NULL. */
        if (link_next_result(conn, deadline, &r) == 0)
            return 0;
        if (r != NULL) {
            PQclear(r);
            return -1;
        }
    }
    if (link_next_result(conn, deadline, &r) == 0)
        return 0;
    bool synced = r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    return synced ? 1 : -1;
}

/* link_prepare_all - prepare every statement of the table on the fresh connection, in one
 * round trip (pipeline mode): a worker reconnecting to a distant server should not pay one
 * round trip per statement. */
static enum db_status link_prepare_all(struct db *db, int64_t deadline)
{
    PGconn *conn = db->conn;
    enum db_status st = DB_OK;
    int done = -1;

    if (!PQenterPipelineMode(conn))
        goto broken;
    for (int i = 0; i < STMT__MAX; i++)
        if (!PQsendPrepare(conn, stmt_table[i].name, stmt_table[i].sql, stmt_table[i].nparams,
                           NULL))
            goto broken;
    if (!PQpipelineSync(conn))
        goto broken;
    if ((done = link_flush(conn, deadline)) > 0)
        done = prepare_results(db, deadline, &st);
    if (done == 0)
        goto timeout;
    if (done < 0 || !PQexitPipelineMode(conn))
        goto broken;
    if (st != DB_OK) {
        /* The schema does not match this build: a configuration problem, not an outage. Keep
         * backing off so a worker cannot hammer the server with doomed connections. */
        PQfinish(db->conn);
        db->conn = NULL;
        schedule_retry(db, 0);
    }
    return st;

timeout:
    link_drop(db, LOSS_TIMEOUT, "timeout expired while preparing statements", true);
    return DB_RETRY;
broken:
    link_lost(db, NULL);
    return DB_RETRY;
}

/* link_connect - open a new connection (and prepare the statement table in named mode) within
 * the deadline. */
static enum db_status link_connect(struct db *db, int64_t deadline)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *values[] = {db->conninfo, db->application_name, NULL};
    /* expand_dbname: the first dbname is the whole URL or key=value string; application_name,
     * coming after it, wins over one given in DATABASE_URL so operators can always find our
     * backends in pg_stat_activity. */
    PGconn *conn = PQconnectStartParams(keys, values, 1);
    if (conn == NULL)
        abort(); /* libpq could not allocate */

    PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
    enum db_loss loss = LOSS_NONE;
    if (PQstatus(conn) == CONNECTION_BAD)
        ps = PGRES_POLLING_FAILED;
    while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
        int ev = wait_socket(conn, ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
        if (ev == 0) {
            loss = LOSS_TIMEOUT;
            break;
        }
        if (ev < 0) {
            ps = PGRES_POLLING_FAILED;
            break;
        }
        ps = PQconnectPoll(conn);
    }
    if (ps != PGRES_POLLING_OK) {
        const char *message = loss == LOSS_TIMEOUT ? "timeout expired" : PQerrorMessage(conn);
        bool config = false;
        if (loss == LOSS_NONE)
            loss = loss_class(NULL, message, &config);
        link_refused(db, loss, message, config);
        PQfinish(conn);
        return DB_RETRY;
    }

    db->conn = conn;
    db->generation++;
    db->fatal_sqlstate[0] = '\0';
    db->fatal_message[0] = '\0';
    PQsetNoticeReceiver(conn, notice_receiver, db);
    if (PQsetnonblocking(conn, 1) != 0) {
        link_refused(db, LOSS_OTHER, PQerrorMessage(conn), false);
        PQfinish(conn);
        db->conn = NULL;
        return DB_RETRY;
    }
    if (!db->unnamed) {
        enum db_status st = link_prepare_all(db, deadline);
        if (st != DB_OK)
            return st;
    }
    link_up(db);
    return DB_OK;
}

/* budget_check - once per process, on its first connection: do this host's workers fit in the
 * connections the server accepts? Each worker holds one connection for its whole life, so
 * AUTHFCGI_WORKERS above max_connections (less the slots reserved for superusers, unless we
 * are one) means the excess workers can never connect: they answer 503 (too_many_connections,
 * 53300, is DB_RETRY) and keep retrying. Every host running authfcgi against the server needs
 * its own share, so the line gives how many hosts fit. Behind a transaction pooler the
 * server's limit bounds the pooler's server connections, not ours: no check. Each worker checks
 * for itself (the master never connects), so a bad budget is reported by every worker that
 * got a connection. */
static void budget_check(struct db *db)
{
    struct db_result *r = NULL;
    db->budget_checked = true;
    if (db->pool_size <= 0 || db->unnamed)
        return;
    if (db_exec(db, STMT_CONNECTION_BUDGET, NULL, &r) != DB_OK || db_result_rows(r) != 1) {
        db_result_free(r);
        return; /* a lost connection is logged by run; the check itself is only advice */
    }
    const char *max_s = db_result_value(r, 0, 0), *reserved_s = db_result_value(r, 0, 1);
    const char *super_s = db_result_value(r, 0, 2), *in_use_s = db_result_value(r, 0, 3);
    long max = max_s != NULL ? strtol(max_s, NULL, 10) : 0;
    long reserved = reserved_s != NULL ? strtol(reserved_s, NULL, 10) : 0;
    bool superuser = super_s != NULL && strcmp(super_s, "t") == 0;
    long in_use = in_use_s != NULL ? strtol(in_use_s, NULL, 10) : 0;
    long available = superuser ? max : max - reserved;
    long hosts = available > 0 ? available / db->pool_size : 0;
    db_result_free(r);
    if (db->pool_size > available) {
        char reason[REASON_MAX + 64];
        snprintf(reason, sizeof reason,
                 "%d workers need %d connections but the server accepts %ld for this role: "
                 "the workers beyond them answer 503 until one frees up; lower "
                 "AUTHFCGI_WORKERS, raise max_connections or use a pooler",
                 db->pool_size, db->pool_size, available);
        log_event(LOG_LEVEL_WARN, "db_connection_budget",
                  "workers=%d max_connections=%ld superuser_reserved=%ld superuser=%s "
                  "available=%ld in_use=%ld hosts_that_fit=%ld reason=%s",
                  db->pool_size, max, reserved, superuser ? "yes" : "no", available, in_use, hosts,
                  reason);
    } else {
        log_event(LOG_LEVEL_DEBUG, "db_connection_budget",
                  "workers=%d max_connections=%ld superuser_reserved=%ld superuser=%s "
                  "available=%ld in_use=%ld hosts_that_fit=%ld",
                  db->pool_size, max, reserved, superuser ? "yes" : "no", available, in_use, hosts);
    }
}

/* link_ready - a usable connection, reconnecting when allowed. Inside a transaction a lost
 * connection stays lost: a new one would run the rest of the unit outside it. */
static enum db_status link_ready(struct db *db, int64_t deadline)
{
    if (db->conn != NULL && !link_alive(db))
        link_lost(db, NULL);
    if (db->in_txn)
        return db->conn != NULL && db->generation == db->txn_generation ? DB_OK : DB_RETRY;
    if (db->conn != NULL)
        return DB_OK;
    if (clock_monotonic_ms() < db->retry_at_ms)
        return DB_RETRY; /* backing off: answer at once, never wait */
    enum db_status st = link_connect(db, deadline);
    if (st == DB_OK && !db->budget_checked) {
        budget_check(db);
        /* The check runs on the new connection and may have lost it. */
        if (db->conn == NULL)
            return DB_RETRY;
    }
    return st;
}

/* A command to send: a statement of the table with parameters, or a text run through the
 * simple protocol (scripts, BEGIN/COMMIT). */
struct command {
    const struct stmt_def *stmt; /* NULL for text */
    const char *const *params;
    const char *text;
    /* Its answer is the only word on whether a change was committed (COMMIT, or a write
     * outside a transaction): once it is wholly sent, losing the connection (or the deadline)
     * makes the outcome unknown rather than "not executed". */
    bool commits;
};

static int command_send(struct db *db, const struct command *c)
{
    if (c->stmt == NULL)
        return PQsendQuery(db->conn, c->text);
    if (db->unnamed)
        return PQsendQueryParams(db->conn, c->stmt->sql, c->stmt->nparams, NULL,
                                 c->stmt->nparams > 0 ? c->params : NULL, NULL, NULL,
                                 c->stmt->binary ? 1 : 0);
    return PQsendQueryPrepared(db->conn, c->stmt->name, c->stmt->nparams,
                               c->stmt->nparams > 0 ? c->params : NULL, NULL, NULL,
                               c->stmt->binary ? 1 : 0);
}

/* result_status - the outcome of a finished command, listing the successes and rejecting the
 * rest. */
static enum db_status result_status(struct db *db, const PGresult *r, bool script)
{
    if (r == NULL)
        return DB_FAIL;
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
        return PQntuples(r) > 0 || script ? DB_OK : DB_NOTFOUND;
    case PGRES_COMMAND_OK:
        /* UPDATE/DELETE/INSERT that touched no row: "not found", like an empty SELECT. */
        return strcmp(PQcmdTuples((PGresult *)r), "0") == 0 && !script ? DB_NOTFOUND : DB_OK;
    case PGRES_EMPTY_QUERY:
        return script ? DB_OK : DB_FAIL;
    case PGRES_FATAL_ERROR:
        return db_classify(PQresultErrorField(r, PG_DIAG_SQLSTATE),
                           PQstatus(db->conn) == CONNECTION_OK);
    default:
        return DB_FAIL;
    }
}

/* log_failure - a DB_FAIL is a bug or a schema mismatch: worth a line with the SQLSTATE. */
static void log_failure(struct db *db, const char *what, const PGresult *r)
{
    char reason[REASON_MAX];
    const char *sqlstate = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *message = r != NULL ? PQresultErrorMessage(r) : "no result";
    if (r != NULL && PQresultStatus(r) != PGRES_FATAL_ERROR)
        message = PQresStatus(PQresultStatus(r));
    log_event(LOG_LEVEL_ERROR, "db_error", "stmt=%s sqlstate=%s reason=%s", what,
              sqlstate != NULL ? sqlstate : "none", db_reason(db, message, reason, sizeof reason));
}

/* outcome_unknown - a commit was sent and its answer never came: say so, once per case, so an
 * operator can match the client's OUTCOME_UNKNOWN answer with the write it was about. */
static enum db_status outcome_unknown(struct db *db, const struct command *c)
{
    const char *what = c->stmt != NULL ? c->stmt->name : c->text;

    if (c->stmt == NULL && strcmp(c->text, "COMMIT") != 0)
        what = "script";
    log_event(LOG_LEVEL_WARN, "db_outcome_unknown", "stmt=%s class=%s reason=%s", what,
              loss_names[db->last_loss],
              "connection lost after the commit was sent: it may or may not have been made");
    return DB_UNKNOWN;
}

/* run - one attempt at a command: connect if needed, send, wait for every result. */
static enum db_status run(struct db *db, const struct command *c, int64_t connect_deadline,
                          int64_t deadline, PGresult **out, enum run_end *end)
{
    *out = NULL;
    enum db_status st = link_ready(db, connect_deadline);
    if (st != DB_OK) {
        *end = RUN_UNAVAILABLE;
        return st;
    }

    PGresult *r = NULL;
    int done;
    /* Until the whole command has left, the server holds at most part of it, which it never
     * runs (and a statement's implicit transaction commits only at the Sync that ends it). */
    bool sent = false;
    if (!command_send(db, c))
        done = -1;
    else if ((done = link_flush(db->conn, deadline)) > 0) {
        sent = true;
        done = link_collect(db->conn, deadline, &r);
    }
    if (done == 0) {
        metrics_count(METRIC_DB_TIMEOUTS);
        link_drop(db, LOSS_TIMEOUT, "timeout expired waiting for the server", true);
        *end = RUN_TIMEOUT;
        return sent && c->commits ? outcome_unknown(db, c) : DB_RETRY;
    }
    if (done < 0 || PQstatus(db->conn) != CONNECTION_OK) {
        link_lost(db, r);
        PQclear(r);
        *end = RUN_LOST;
        return sent && c->commits ? outcome_unknown(db, c) : DB_RETRY;
    }

    *end = RUN_DONE;
    st = result_status(db, r, c->stmt == NULL);
    /* A script (migration) that fails needs its reason in the log whatever the class; a
     * statement's conflict or invalid input is an answer the caller handles. */
    if (st == DB_FAIL || (c->stmt == NULL && st != DB_OK && st != DB_RETRY && st != DB_UNKNOWN))
        log_failure(db, c->stmt != NULL ? c->stmt->name : "script", r);
    *out = r;
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* the interface */

static bool is_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* guess_password - the password as written in a connection string libpq could not parse, so
 * that its complaint can be shown without it. */
static char *guess_password(const char *conninfo)
{
    const char *start = NULL, *end = NULL;
    if (is_uri(conninfo)) {
        const char *auth = strstr(conninfo, "://") + 3;
        const char *at = strchr(auth, '@');
        const char *colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon != NULL) {
            start = colon + 1;
            end = at;
        }
    } else if ((start = strstr(conninfo, "password")) != NULL) {
        start = strchr(start, '=');
        if (start != NULL) {
            start++;
            while (*start == ' ')
                start++;
            for (end = start; *end != '\0' && *end != ' '; end++)
                ;
        }
    }
    if (start == NULL || end == NULL || end <= start)
        return NULL;
    char *p = xmalloc((size_t)(end - start) + 1);
    memcpy(p, start, (size_t)(end - start));
    p[end - start] = '\0';
    return p;
}

int db_open(struct db **out, const struct db_options *opt, char *err, size_t errlen)
{
    const char *conninfo = opt->conninfo != NULL ? opt->conninfo : "";
    char *perr = NULL;
    *out = NULL;

    /* Validate now, so a malformed DATABASE_URL is a configuration error at start, not an
     * endless series of failed connections. */
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &perr);
    if (parsed == NULL) {
        char *guess = guess_password(conninfo);
        char reason[REASON_MAX];
        redact(reason, sizeof reason, perr != NULL ? perr : "out of memory", guess);
        snprintf(err, errlen, "not a valid PostgreSQL connection string: %s", reason);
        free_secret(guess);
        PQfreemem(perr);
        return -1;
    }
    /* libpq checks port numbers only when connecting; a typo there is a configuration error
     * to report now, not an outage to retry forever. */
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "port") == 0 && o->val != NULL &&
            strspn(o->val, "0123456789,") != strlen(o->val)) {
            snprintf(err, errlen, "not a valid PostgreSQL connection string: bad port");
            conninfo_free(parsed);
            return -1;
        }
    if (opt->timeout_ms <= 0) {
        conninfo_free(parsed);
        snprintf(err, errlen, "the database timeout must be positive");
        return -1;
    }

    struct db *db = xmalloc(sizeof *db);
    memset(db, 0, sizeof *db);
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
            db->password = xstrdup(o->val);
    conninfo_free(parsed);

    db->conninfo = xstrdup(conninfo);
    db->application_name =
        xstrdup(opt->application_name != NULL ? opt->application_name : "authfcgi");
    db->timeout_ms = opt->timeout_ms;
    db->unnamed = opt->unnamed;
    db->pool_size = opt->pool_size;
    db->link = LINK_NEVER;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    db->rng = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec;
    if (db->rng == 0)
        db->rng = 0x9e3779b97f4a7c15u;
    *out = db;
    return 0;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    if (db->conn != NULL) {
        PQfinish(db->conn);
        metrics_db_connected(false);
    }
    free_secret(db->conninfo);
    free_secret(db->password);
    free(db->application_name);
    free(db);
}

bool db_conninfo_is_pooler(const char *conninfo)
{
    PQconninfoOption *parsed = PQconninfoParse(conninfo != NULL ? conninfo : "", NULL);
    bool pooler = false;
    if (parsed == NULL)
        return false;
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
        if (o->val != NULL && strcmp(o->keyword, "host") == 0 && strstr(o->val, "-pooler"))
            pooler = true;
    conninfo_free(parsed);
    return pooler;
}

bool db_conninfo_has_password(const char *conninfo)
{
    PQconninfoOption *parsed = PQconninfoParse(conninfo != NULL ? conninfo : "", NULL);
    bool found = false;
    if (parsed == NULL)
        return false; /* nothing can connect with it: the workers refuse it */
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
        if (o->val != NULL && o->val[0] != '\0' && strcmp(o->keyword, "password") == 0)
            found = true;
    conninfo_free(parsed);
    return found;
}

enum db_status db_connect(struct db *db)
{
    return link_ready(db, clock_monotonic_ms() + db->timeout_ms);
}

bool db_config_error(const struct db *db, char *err, size_t errlen)
{
    if (db->conn != NULL || db->config_error[0] == '\0')
        return false;
    snprintf(err, errlen, "%s", db->config_error);
    return true;
}

int db_probe(const struct db_options *opt, char *err, size_t errlen)
{
    struct db *db;
    struct db_options o = *opt;
    o.unnamed = true;
    o.pool_size = 0;
    if (db_open(&db, &o, err, errlen) != 0)
        return -2;
    db->quiet = true;
    int rc = db_connect(db) != DB_OK && db_config_error(db, err, errlen) ? -1 : 0;
    db_close(db);
    return rc;
}

static void result_deliver(PGresult *r, enum db_status st, struct db_result **out)
{
    if (out != NULL && (st == DB_OK || st == DB_NOTFOUND) && r != NULL) {
        struct db_result *res = xmalloc(sizeof *res);
        res->pg = r;
        *out = res;
    } else {
        PQclear(r);
    }
}

enum db_status db_exec(struct db *db, enum stmt id, const char *const *params,
                       struct db_result **out)
{
    if (out != NULL)
        *out = NULL;
    if ((unsigned)id >= STMT__MAX || (stmt_table[id].nparams > 0 && params == NULL))
        abort(); /* not a statement of the table, or its parameters missing: a bug */
    const struct command c = {
        .stmt = &stmt_table[id],
        .params = params,
        .commits = !stmt_table[id].read_only && !db->in_txn,
    };
    int64_t deadline = clock_monotonic_ms() + db->timeout_ms;
    bool retry_safe = stmt_table[id].read_only && !db->in_txn;
    PGresult *r = NULL;
    enum db_status st;

    for (int attempt = 0;; attempt++) {
        enum run_end end;
        st = run(db, &c, deadline, deadline, &r, &end);
        /* A lost connection is found out at once (EOF), so the deadline normally has room for
         * one more try on a fresh connection; never after a timeout, which used it up. */
        if (st != DB_RETRY || end != RUN_LOST || !retry_safe || attempt > 0 ||
            clock_monotonic_ms() >= deadline)
            break;
    }
    result_deliver(r, st, out);
    return st;
}

enum db_status db_exec_script(struct db *db, const char *sql)
{
    const struct command c = {.text = sql, .commits = !db->in_txn};
    int64_t now = clock_monotonic_ms();
    int64_t run_ms = db->timeout_ms > SCRIPT_TIMEOUT_MS ? db->timeout_ms : SCRIPT_TIMEOUT_MS;
    PGresult *r = NULL;
    enum run_end end;
    enum db_status st = run(db, &c, now + db->timeout_ms, now + run_ms, &r, &end);
    PQclear(r);
    return st;
}

/* txn_command - BEGIN, COMMIT or ROLLBACK; *tag receives the command tag. */
static enum db_status txn_command(struct db *db, const char *sql, enum run_end *end, char *tag,
                                  size_t taglen)
{
    const struct command c = {.text = sql, .commits = strcmp(sql, "COMMIT") == 0};
    int64_t deadline = clock_monotonic_ms() + db->timeout_ms;
    PGresult *r = NULL;
    enum db_status st = run(db, &c, deadline, deadline, &r, end);
    if (tag != NULL)
        snprintf(tag, taglen, "%s", r != NULL ? PQcmdStatus(r) : "");
    PQclear(r);
    return st;
}

/* txn_once - one run of the unit. *again is set when it failed in a way that allows running
 * it once more: the connection died (not our deadline) before COMMIT was sent, so the server
 * rolled everything back. */
static enum db_status txn_once(struct db *db, db_txn_fn fn, void *ctx, bool *again)
{
    char tag[32];
    enum run_end end;
    *again = false;
    enum db_status st = txn_command(db, "BEGIN", &end, NULL, 0);
    if (st != DB_OK) {
        *again = end == RUN_LOST;
        return st;
    }

    /* in_txn stays set until COMMIT or ROLLBACK is over: a connection found dead just before
     * either must not be replaced by a new one, where COMMIT would commit nothing and still
     * answer "COMMIT". */
    db->in_txn = true;
    db->txn_generation = db->generation;
    st = fn(db, ctx);

    if (db->conn == NULL || db->generation != db->txn_generation) {
        db->in_txn = false;
        *again = db->last_loss != LOSS_TIMEOUT;
        return DB_RETRY;
    }
    if (st != DB_OK) {
        /* Rolling back cannot fail in a way the caller could act on: a broken connection is
         * dropped by run() and the server discards the transaction with it. */
        (void)txn_command(db, "ROLLBACK", &end, NULL, 0);
        db->in_txn = false;
        return st;
    }
    st = txn_command(db, "COMMIT", &end, tag, sizeof tag);
    db->in_txn = false;
    if (st == DB_RETRY) {
        /* COMMIT never wholly left (the connection was found dead first, or broke while
         * sending): the server rolled the unit back, which may run again unless the deadline
         * was spent. */
        *again = end != RUN_TIMEOUT;
        return st;
    }
    if (st == DB_OK && strcmp(tag, "COMMIT") != 0) {
        /* The server answers COMMIT of a failed transaction with ROLLBACK: fn ignored an
         * error it should have returned. */
        log_event(LOG_LEVEL_ERROR, "db_error", "stmt=COMMIT sqlstate=none reason=%s",
                  "transaction had failed and was rolled back");
        return DB_FAIL;
    }
    /* A connection lost after COMMIT was sent leaves the outcome unknown: DB_UNKNOWN (run). */
    return st;
}

enum db_status db_transaction(struct db *db, db_txn_fn fn, void *ctx)
{
    if (db->in_txn)
        abort(); /* nested transactions are a bug */
    bool again;
    enum db_status st = txn_once(db, fn, ctx, &again);
    if (st == DB_RETRY && again)
        st = txn_once(db, fn, ctx, &again);
    return st;
}

enum db_status db_housekeeping(enum db_status st)
{
    switch (st) {
    case DB_UNKNOWN:
        return DB_RETRY;
    case DB_OK:
    case DB_NOTFOUND:
    case DB_CONFLICT:
    case DB_INVALID:
    case DB_RETRY:
    case DB_FAIL:
        break;
    }
    return st;
}

int db_retry_after(const struct db *db)
{
    int64_t left = db->retry_at_ms - clock_monotonic_ms();
    if (db->conn != NULL || left <= 0)
        return 1;
    return (int)((left + 999) / 1000);
}

int db_result_rows(const struct db_result *r)
{
    return r != NULL ? PQntuples(r->pg) : 0;
}

const char *db_result_value(const struct db_result *r, int row, int col)
{
    if (r == NULL || row < 0 || row >= PQntuples(r->pg) || col < 0 || col >= PQnfields(r->pg))
        return NULL;
    if (PQgetisnull(r->pg, row, col))
        return NULL;
    return PQgetvalue(r->pg, row, col);
}

int db_result_length(const struct db_result *r, int row, int col)
{
    if (db_result_value(r, row, col) == NULL)
        return -1;
    return PQgetlength(r->pg, row, col);
}

void db_result_free(struct db_result *r)
{
    if (r != NULL) {
        PQclear(r->pg);
        free(r);
    }
}
