/* mailer - `authfcgi mail`: delivers the outbox (outbox.h) through a sendmail-compatible
 * command. Run as a supervised child of `authfcgi serve`, as its own service, or from cron with
 * --once; any number of copies may run at once against one database.
 *
 * Each due row is claimed with a lease, piped to AUTHFCGI_SENDMAIL (`/bin/sh -c`, the message
 * on stdin, exit status 0 = accepted) within AUTHFCGI_SENDMAIL_TIMEOUT_MS, then marked sent;
 * a failing command defers the row with exponential backoff and jitter, and after
 * AUTHFCGI_MAIL_MAX_ATTEMPTS attempts marks it failed. */
#ifndef AUTHFCGI_MAILER_H
#define AUTHFCGI_MAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct settings;

/* Backoff: the first retry after about BASE seconds, doubling, never more than CAP. */
#define MAILER_BACKOFF_BASE_S 30
#define MAILER_BACKOFF_CAP_S 3600
/* A claimed row's lease outlasts the command's timeout by this much. */
#define MAILER_LEASE_MARGIN_S 60
/* Sent and failed rows are deleted this long after they were queued. */
#define MAILER_RETENTION_DAYS 30

enum mailer_send_status {
    MAILER_SENT,           /* the command read the message and exited 0 */
    MAILER_COMMAND_FAILED, /* it exited non-zero, died of a signal, or stopped reading */
    MAILER_TIMEOUT,        /* still running at the timeout: its process group was killed */
    MAILER_SPAWN_FAILED,   /* no pipe or no process */
};

/* mailer_send - run command with /bin/sh -c in a process group of its own, message on its
 * stdin (stdout and stderr captured, the first bytes kept), and wait for it at most
 * timeout_ms in total; past that the group is killed with SIGKILL. The command gets our
 * environment minus the secrets (DATABASE_URL, AUTHFCGI_SECRET and the other secret
 * settings, PGPASSWORD). detail receives a one-line summary for the log and last_error (exit
 * status and the start of the output); it is set for MAILER_SENT too. Does not touch SIGCHLD
 * handling: waits for its own child by pid. The caller should ignore SIGPIPE. */
enum mailer_send_status mailer_send(const char *command, const char *message, int timeout_ms,
                                    char *detail, size_t size);

/* mailer_backoff_s - the delay before the next attempt after `failures` failed ones (>= 1):
 * MAILER_BACKOFF_BASE_S * 2^(failures-1), capped at MAILER_BACKOFF_CAP_S, of which the upper
 * half is drawn from r (equal jitter), so mailers that failed together spread out. */
int mailer_backoff_s(int failures, uint32_t r);

/* mailer_run - deliver until SIGTERM/SIGINT (the message in hand is finished first), or with
 * once, until nothing is due. Needs s->database_url. Returns the process exit status: 0; 1
 * with once when the database could not be used (nothing could be claimed, or a delivery could
 * not be recorded); EXIT_CONFIG when libpq refuses DATABASE_URL or the first connection fails
 * for a reason waiting cannot fix (db_config_error). Installs its own signal handling. */
int mailer_run(const struct settings *s, bool once);

#endif
