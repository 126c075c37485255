/* db - the worker's one PostgreSQL connection: connect, prepare, execute with a deadline,
 * classify every outcome, reconnect with backoff. The only file that includes libpq.
 *
 * Nothing here blocks past the configured deadline: connecting, preparing and every query run
 * through libpq's asynchronous API and poll(2); a query past its deadline is cancelled and the
 * connection dropped. Not thread-safe; one struct db per process, opened after fork. */
#ifndef AUTHFCGI_DB_H
#define AUTHFCGI_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "global/stmt.h"

/* Every outcome a caller can act on. NOTFOUND is a normal answer, never an error; RETRY means
 * "the database is unavailable right now" (answer 503 + Retry-After), never "not found".
 * RETRY and UNKNOWN differ in what is known to have happened: after RETRY nothing was
 * committed, so the same work may simply run again; after UNKNOWN a commit was sent (COMMIT, or
 * one write statement outside a transaction) and the connection was lost or the deadline
 * passed before its answer: it may or may not have been made. Callers switch over every value
 * (no default), so a new one is a compile error until it is handled. */
enum db_status {
    DB_OK,
    DB_NOTFOUND, /* the statement ran and matched no row */
    DB_CONFLICT, /* unique violation (23505) */
    DB_INVALID,  /* the data was refused: check, not-null, foreign key, bad input (22xxx, 23xxx) */
    DB_RETRY,    /* not executed: connection lost before the commit was sent, refused, timed out
                  * connecting, server shutting down, serialization failure, deadlock */
    DB_FAIL,     /* anything else: a bug or a schema mismatch; logged with its SQLSTATE */
    DB_UNKNOWN,  /* outcome unknown: lost (or past the deadline) after the commit was sent */
};

struct db_options {
    const char *conninfo; /* DATABASE_URL or key=value conninfo */
    int timeout_ms;       /* deadline for connecting and for each statement */
    bool unnamed; /* transaction-pooler mode: never PREPARE, send each statement with its text */
    const char *application_name; /* NULL = "authfcgi" */
    /* Workers of this host sharing the server: compared once, after the first connection, with
     * max_connections (a warning when they do not fit); 0 = no check. Skipped in unnamed
     * (pooler) mode, where the pooler's limits apply. */
    int pool_size;
};

struct db;        /* opaque; owned by the caller of db_open */
struct db_result; /* opaque; owned by the caller, release with db_result_free */

/* db_open - check the conninfo and set up a (not yet connected) handle; connecting happens on
 * first use. Returns 0, or -1 with a one-line reason (never containing the password) in err. */
int db_open(struct db **out, const struct db_options *opt, char *err, size_t errlen);
void db_close(struct db *db);

/* db_connect - connect now (and prepare every statement unless unnamed) within the deadline.
 * Returns DB_OK, DB_RETRY while unreachable or backing off, DB_FAIL when a statement does not
 * prepare (schema not migrated: the reason is logged). After DB_RETRY, db_config_error tells
 * an outage from a configuration error. */
enum db_status db_connect(struct db *db);

/* db_config_error - true when the last connection attempt failed for a reason that waiting
 * cannot fix, with one line in err ("CLASS: libpq's reason", never the password):
 *   tls     the certificate does not verify against sslrootcert, or is not for the host name;
 *           sslrootcert missing; the server has no TLS but sslmode requires it
 *   auth    password, role or database refused; no pg_hba.conf entry; channel binding
 *   config  a parameter libpq or the server refuses (sslmode=bogus, a startup option)
 * An outage (refused, timeout, shutting down, too many connections, a TLS handshake cut
 * short) is never one. The first attempt of a handle failing this way is not logged by db:
 * the caller reports it and normally stops (exit 78); later ones are logged as usual. */
bool db_config_error(const struct db *db, char *err, size_t errlen);

/* db_probe - one connection attempt with opt (nothing prepared, nothing logged), closed at
 * once: the start-up check of a process that must not keep a connection (`authfcgi serve`
 * runs it in a short-lived child, since the master never holds one). Returns 0 when it
 * connected or the server is merely unreachable (an outage the workers ride out with 503s),
 * -1 with one line in err when the attempt met a configuration error (db_config_error), -2
 * with one line in err when db_open refused the conninfo (no attempt was made). Takes up to
 * opt->timeout_ms, plus host name resolution, which libpq 15 does synchronously. */
int db_probe(const struct db_options *opt, char *err, size_t errlen);

/* db_exec - run one statement of the table with text parameters (NULL = SQL NULL; the array
 * holds stmt_table[id].nparams entries). *out receives the result on DB_OK and DB_NOTFOUND
 * when out is non-NULL, otherwise it is freed. Outside a transaction a read-only statement
 * that loses its connection is retried once on a fresh one, and a write that loses it (or
 * runs past the deadline) after being sent is DB_UNKNOWN; inside one, a lost connection is
 * DB_RETRY (the server rolls the transaction back). */
enum db_status db_exec(struct db *db, enum stmt id, const char *const *params,
                       struct db_result **out);

/* db_exec_script - run a multi-statement SQL text (simple protocol), used for migrations. Its
 * deadline is the larger of the timeout and 5 minutes (a migration may build an index); it is
 * never retried. */
enum db_status db_exec_script(struct db *db, const char *sql);

/* db_transaction - BEGIN; fn(db, ctx); COMMIT. fn returns DB_OK to commit; anything else rolls
 * back and is returned. When the connection is lost before COMMIT was sent, nothing was
 * committed, so the whole unit is run once more on a fresh connection (fn must only write to
 * its outputs); DB_RETRY when that fails too. DB_UNKNOWN when the connection was lost, or the
 * deadline passed, after COMMIT was sent (logged as db_outcome_unknown). */
typedef enum db_status (*db_txn_fn)(struct db *db, void *ctx);
enum db_status db_transaction(struct db *db, db_txn_fn fn, void *ctx);

/* db_conninfo_is_pooler - true when a host of conninfo contains "-pooler" (Neon's pooled,
 * transaction-mode endpoint), for AUTHFCGI_DB_POOLER=auto. False when conninfo does not parse. */
bool db_conninfo_is_pooler(const char *conninfo);

/* db_conninfo_has_password - true when conninfo carries a password: a config file holding it
 * must be private. False when conninfo does not parse. */
bool db_conninfo_has_password(const char *conninfo);

/* db_housekeeping - st, with DB_UNKNOWN reported as DB_RETRY: for a write that is never the
 * change a client asked for (a rate-limit or sign-in counter, a session's refresh, removing an
 * expired session). Whether or not it was made, nothing the client asked for was done, and
 * repeating it is harmless. */
enum db_status db_housekeeping(enum db_status st);

/* db_retry_after - seconds a client should wait after DB_RETRY (at least 1). */
int db_retry_after(const struct db *db);

/* db_classify - the outcome of a statement the server answered with an error, from the one
 * SQLSTATE table (sqlstate may be NULL) and connection health (a dead connection is DB_RETRY
 * whatever it said: the caller knows whether a commit was in flight). Exposed for unit tests. */
enum db_status db_classify(const char *sqlstate, bool connection_ok);

const char *db_status_name(enum db_status st);

/* db_failure_class - the class a connection failure is logged with ("admin_shutdown",
 * "refused", "timeout", "tls", "auth", "config" or "other"), from its SQLSTATE (may be NULL)
 * and libpq's message text; *config is set when waiting cannot fix it (see db_config_error).
 * Exposed for unit tests. */
const char *db_failure_class(const char *sqlstate, const char *message, bool *config);

int db_result_rows(const struct db_result *r);
/* db_result_value - a field, or NULL for SQL NULL (or no such field). Borrowed from r. Text
 * results are NUL-terminated text; binary ones (stmt_def.binary) are the type's binary form,
 * NUL-terminated too, which makes text columns read the same either way. */
const char *db_result_value(const struct db_result *r, int row, int col);
/* db_result_length - the size in bytes of a field, or -1 for SQL NULL (or no such field). */
int db_result_length(const struct db_result *r, int row, int col);
void db_result_free(struct db_result *r);

#endif
