/* mailer - the delivery loop of `authfcgi mail` and the sendmail command runner. The queue
 * itself (claims, leases, outcomes) is outbox.c; this file decides what to do with each
 * claimed row and runs the command with a hard deadline.
 *
 * Stop signals are blocked except while the loop sleeps (ppoll), so a SIGTERM never cuts a
 * delivery between the command's success and the 'sent' mark. */
#include "config.h"

#include "daemon/mailer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "global/db.h"
#include "util/clock.h"
#include "util/log.h"
#include "global/outbox.h"
#include "util/random.h"
#include "global/settings.h"

/* Bytes of the command's output kept for last_error and the log. */
#define OUTPUT_KEEP 512
/* How often a finished command's exit is looked for (we wait by pid, not by SIGCHLD). */
#define REAP_POLL_MS 5
/* When the database is unavailable, the loop tries again this often at most. */
#define DB_RETRY_MIN_MS 1000
/* Sent/failed rows are purged about once an hour by a running mailer. */
#define PURGE_INTERVAL_MS (3600 * 1000)

static volatile sig_atomic_t stop_signal;

/* ------------------------------------------------------------------------------------------
 * Running the command */

/* scrub_environment - in the child: the MTA command needs none of our secrets. */
static void scrub_environment(void)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (d->type != SETTING_SECRET)
            continue;
        unsetenv(d->name);
        if (d->alias != NULL)
            unsetenv(d->alias);
    }
    unsetenv("PGPASSWORD");
}

/* child_exec - in the forked child: its own process group (so a timeout kills everything it
 * started), pipes on 0-2, default signal handling, then the shell. Never returns. */
static _Noreturn void child_exec(const char *command, int in_fd, int out_fd)
{
    static const int reset[] = {SIGPIPE, SIGHUP, SIGTERM, SIGINT, SIGCHLD, SIGQUIT};
    struct sigaction sa;
    sigset_t none;

    setpgid(0, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
        sigaction(reset[i], &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(126);
    scrub_environment();
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
}

/* summarize - the kept output as one printable ASCII line: control characters turned to
 * spaces, runs of spaces folded, any other byte over 0x7e turned to '?'. The line goes to the
 * outbox's last_error, a text column: a localised or Latin-1 message from the mail command, or
 * a UTF-8 character cut at the end of what was kept (or of the detail line), made PostgreSQL
 * refuse the update, so the message was never marked failed and was sent again every lease,
 * without end. */
static void summarize(char *out, size_t n)
{
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        char c = out[r];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        else if ((unsigned char)c > 0x7f)
            c = '?';
        if (c == ' ' && (w == 0 || out[w - 1] == ' '))
            continue;
        out[w++] = c;
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
}

/* wait_child - wait for pid until deadline_ms; on timeout kill its group and reap it. Returns
 * true with *status when it exited by itself. */
static bool wait_child(pid_t pid, int64_t deadline_ms, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR) {
            *status = 0;
            return true; /* cannot happen for our own child; do not spin */
        }
        if (clock_monotonic_ms() >= deadline_ms)
            break;
        struct timespec ts = {0, REAP_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return false;
}

/* spawn_command - command running in its own process group, with *in_fd (non-blocking) on its
 * stdin and *out_fd (non-blocking) reading its stdout and stderr. Returns 0, or -1 with detail
 * filled. */
static int spawn_command(const char *command, pid_t *pid, int *in_fd, int *out_fd, char *detail,
                         size_t size)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};

    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        snprintf(detail, size, "cannot create a pipe: %s", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
        }
        return -1;
    }
    *pid = fork();
    if (*pid == 0)
        child_exec(command, in[0], out[1]);
    int fork_errno = errno;
    close(in[0]);
    close(out[1]);
    if (*pid < 0) {
        close(in[1]);
        close(out[0]);
        snprintf(detail, size, "cannot start the command: %s", strerror(fork_errno));
        return -1;
    }
    /* Also here: whichever of parent and child runs first, the group exists before a kill. */
    setpgid(*pid, *pid);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    *in_fd = in[1];
    *out_fd = out[0];
    return 0;
}

/* The conversation with the command: the message going in, the start of its output. */
struct exchange {
    const char *message;
    size_t len, written;
    bool write_failed; /* EPIPE: the command stopped reading */
    char output[OUTPUT_KEEP + 1];
    size_t kept;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* feed - write what the command takes of the message; close its stdin at the end. */
static void feed(struct exchange *x, int *in_fd, short revents)
{
    ssize_t w = write(*in_fd, x->message + x->written, x->len - x->written);
    if (w > 0)
        x->written += (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EINTR)
        x->write_failed = true;
    if (x->written == x->len || x->write_failed || (revents & (POLLERR | POLLHUP)))
        close_fd(in_fd);
}

/* drain - read the command's output, keeping its first OUTPUT_KEEP bytes. */
static void drain(struct exchange *x, int *out_fd)
{
    char buf[4096];
    ssize_t r = read(*out_fd, buf, sizeof buf);
    if (r > 0) {
        size_t take = (size_t)r < OUTPUT_KEEP - x->kept ? (size_t)r : OUTPUT_KEEP - x->kept;
        memcpy(x->output + x->kept, buf, take);
        x->kept += take;
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(out_fd);
    }
}

/* converse - feed and drain until both pipes are closed or the deadline; closes both. */
static void converse(struct exchange *x, int in_fd, int out_fd, int64_t deadline)
{
    if (x->len == 0)
        close_fd(&in_fd);
    while (in_fd >= 0 || out_fd >= 0) {
        struct pollfd fds[2] = {{.fd = in_fd, .events = POLLOUT}, {.fd = out_fd, .events = POLLIN}};
        int64_t left = deadline - clock_monotonic_ms();
        if (left <= 0)
            break;
        int n = poll(fds, 2, (int)left);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (in_fd >= 0 && fds[0].revents != 0)
            feed(x, &in_fd, fds[0].revents);
        if (out_fd >= 0 && fds[1].revents != 0)
            drain(x, &out_fd);
    }
    close_fd(&in_fd);
    close_fd(&out_fd);
}

/* verdict - what the command's end says about the message; detail gets the one-line summary. */
static enum mailer_send_status verdict(struct exchange *x, bool exited, int status, int timeout_ms,
                                       char *detail, size_t size)
{
    summarize(x->output, x->kept);
    const char *sep = x->kept > 0 ? ": " : "";
    if (!exited) {
        snprintf(detail, size, "timed out after %d ms, killed%s%s", timeout_ms, sep, x->output);
        return MAILER_TIMEOUT;
    }
    if (WIFSIGNALED(status)) {
        snprintf(detail, size, "killed by signal %d%s%s", WTERMSIG(status), sep, x->output);
        return MAILER_COMMAND_FAILED;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0 && x->written < x->len) {
        /* Exit 0 without the whole message is not an accepted message. */
        snprintf(detail, size, "exit 0 after reading %zu of %zu bytes%s%s", x->written, x->len, sep,
                 x->output);
        return MAILER_COMMAND_FAILED;
    }
    snprintf(detail, size, "exit %d%s%s", code, sep, x->output);
    return code == 0 ? MAILER_SENT : MAILER_COMMAND_FAILED;
}

/* mailer_send - see mailer.h. */
enum mailer_send_status mailer_send(const char *command, const char *message, int timeout_ms,
                                    char *detail, size_t size)
{
    struct exchange x = {.message = message, .len = strlen(message)};
    int64_t deadline = clock_monotonic_ms() + timeout_ms;
    pid_t pid;
    int in_fd, out_fd, status = 0;

    if (spawn_command(command, &pid, &in_fd, &out_fd, detail, size) != 0)
        return MAILER_SPAWN_FAILED;
    converse(&x, in_fd, out_fd, deadline);
    bool exited = wait_child(pid, deadline, &status);
    return verdict(&x, exited, status, timeout_ms, detail, size);
}

/* mailer_backoff_s - see mailer.h. */
int mailer_backoff_s(int failures, uint32_t r)
{
    int delay = MAILER_BACKOFF_BASE_S;

    for (int i = 1; i < failures && delay < MAILER_BACKOFF_CAP_S; i++)
        delay *= 2;
    if (delay > MAILER_BACKOFF_CAP_S)
        delay = MAILER_BACKOFF_CAP_S;
    int half = delay / 2;
    return delay - half + (int)(r % (uint32_t)(half + 1));
}

/* ------------------------------------------------------------------------------------------
 * The loop */

struct mailer {
    const struct settings *s;
    struct db *db;
    int lease_s;
    bool db_down; /* the last database call failed (logged once per outage) */
    int failures; /* deliveries whose outcome could not be recorded */
};

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* install_signals - the stop signals set a flag and are blocked except inside sleep_ms; the
 * command's death is a write error, not ours. Returns the mask sleep_ms waits under. */
static void install_signals(sigset_t *sleep_mask)
{
    static const int stop_signals[] = {SIGTERM, SIGINT};
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: the sleep ends */
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        sigaction(stop_signals[i], &sa, NULL);
        sigaddset(&block, stop_signals[i]);
    }
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigprocmask(SIG_BLOCK, &block, sleep_mask);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigdelset(sleep_mask, stop_signals[i]);
}

static sigset_t sleep_mask;

/* sleep_ms - sleep, ending early on a stop signal (delivered only here). */
static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    if (!stop_signal)
        ppoll(NULL, 0, &ts, &sleep_mask);
}

/* take_signals - let a pending stop signal in (it sets stop_signal): between deliveries, so a
 * mailer with a full queue, which never sleeps, still stops. */
static void take_signals(void)
{
    sigset_t old;
    sigprocmask(SIG_SETMASK, &sleep_mask, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* db_problem - log the start of an outage once, not every poll. */
static void db_problem(struct mailer *m, const char *what, enum db_status st)
{
    if (!m->db_down)
        log_event(LOG_LEVEL_WARN, "mail_db_unavailable", "during=%s status=%s", what,
                  db_status_name(st));
    m->db_down = true;
}

static void db_fine(struct mailer *m)
{
    if (m->db_down)
        log_event(LOG_LEVEL_INFO, "mail_db_available", NULL);
    m->db_down = false;
}

/* worth_repeating - whether marking a row again can still succeed: after DB_RETRY nothing
 * was recorded; after DB_UNKNOWN it may have been, and marking it sent twice is harmless
 * (outbox_mark_sent). */
static bool worth_repeating(enum db_status st)
{
    switch (st) {
    case DB_RETRY:
    case DB_UNKNOWN:
        return true;
    case DB_OK:
    case DB_NOTFOUND:
    case DB_CONFLICT:
    case DB_INVALID:
    case DB_FAIL:
        break;
    }
    return false;
}

/* record_sent - the command accepted the message: this must reach the database, or the row
 * is sent again when its lease ends. Keep trying (whatever signal came meanwhile) until the
 * lease is nearly over. */
static void record_sent(struct mailer *m, const struct outbox_item *item, int64_t claimed_ms)
{
    int64_t give_up = claimed_ms + (int64_t)m->lease_s * 1000 - 2000;
    enum db_status st;

    while ((st = outbox_mark_sent(m->db, item->id)) != DB_OK) {
        db_problem(m, "mark_sent", st);
        if (!worth_repeating(st) || clock_monotonic_ms() >= give_up) {
            log_event(LOG_LEVEL_ERROR, "mail_mark_lost",
                      "id=%lld message_id=%s status=%s reason=\"sent but not recorded: it will "
                      "be sent again when its lease ends\"",
                      (long long)item->id, item->message_id, db_status_name(st));
            m->failures++;
            return;
        }
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    db_fine(m);
}

/* record_failure - defer the row, or fail it after the last attempt. */
static void record_failure(struct mailer *m, const struct outbox_item *item, const char *detail)
{
    enum db_status st;

    if (item->attempts >= m->s->mail_max_attempts) {
        st = outbox_mark_failed(m->db, item, detail);
        log_event(LOG_LEVEL_ERROR, "mail_failed",
                  "id=%lld message_id=%s kind=%s attempts=%d "
                  "error=%s",
                  (long long)item->id, item->message_id, item->kind, item->attempts, detail);
    } else {
        uint32_t r = 0;
        random_bytes(&r, sizeof r); /* on failure r stays 0: no jitter, still a backoff */
        int delay = mailer_backoff_s(item->attempts, r);
        st = outbox_mark_deferred(m->db, item, delay, detail);
        log_event(LOG_LEVEL_WARN, "mail_deferred",
                  "id=%lld message_id=%s kind=%s attempt=%d retry_in_s=%d error=%s",
                  (long long)item->id, item->message_id, item->kind, item->attempts, delay, detail);
    }
    if (st == DB_NOTFOUND) {
        log_event(LOG_LEVEL_WARN, "mail_lease_lost", "id=%lld attempt=%d", (long long)item->id,
                  item->attempts);
    } else if (st != DB_OK) {
        /* The lease ends on its own; the row is retried then, this attempt counted. */
        db_problem(m, "mark_failure", st);
        m->failures++;
    }
}

static void deliver(struct mailer *m, const struct outbox_item *item)
{
    char detail[OUTPUT_KEEP + 128];
    int64_t claimed = clock_monotonic_ms();

    enum mailer_send_status r = mailer_send(m->s->sendmail, item->message,
                                            m->s->sendmail_timeout_ms, detail, sizeof detail);
    if (r == MAILER_SENT) {
        record_sent(m, item, claimed);
        log_event(LOG_LEVEL_INFO, "mail_sent", "id=%lld message_id=%s kind=%s attempt=%d ms=%lld",
                  (long long)item->id, item->message_id, item->kind, item->attempts,
                  (long long)(clock_monotonic_ms() - claimed));
        return;
    }
    record_failure(m, item, detail);
}

/* purge - old finished rows, now and then. */
static void purge(struct mailer *m)
{
    enum db_status st = outbox_purge(m->db, MAILER_RETENTION_DAYS);
    if (st == DB_OK)
        log_event(LOG_LEVEL_INFO, "mail_purged", "older_than_days=%d", MAILER_RETENTION_DAYS);
}

/* run - claim and deliver until stopped or (once) until nothing is due. */
static int run(struct mailer *m, bool once)
{
    int64_t next_purge = clock_monotonic_ms() + 60 * 1000;
    uint32_t r = 0;

    /* A --once run purges on one run in 60: cron every minute purges about hourly. */
    if (once && random_bytes(&r, sizeof r) == 0 && r % 60 == 0)
        purge(m);
    for (take_signals(); !stop_signal; take_signals()) {
        struct outbox_item item;
        enum db_status st = outbox_claim(m->db, m->lease_s, &item);
        if (st == DB_OK) {
            db_fine(m);
            deliver(m, &item);
            outbox_item_free(&item);
            continue;
        }
        if (st == DB_NOTFOUND) {
            db_fine(m);
            if (once)
                break;
            if (clock_monotonic_ms() >= next_purge) {
                purge(m);
                next_purge = clock_monotonic_ms() + PURGE_INTERVAL_MS;
            }
            sleep_ms(m->s->mail_poll_ms);
            continue;
        }
        db_problem(m, "claim", st);
        if (once)
            return 1;
        int wait = db_retry_after(m->db) * 1000;
        sleep_ms(
            wait > m->s->mail_poll_ms
                ? wait
                : (m->s->mail_poll_ms > DB_RETRY_MIN_MS ? m->s->mail_poll_ms : DB_RETRY_MIN_MS));
    }
    return m->failures > 0 && once ? 1 : 0;
}

/* mailer_run - see mailer.h. */
int mailer_run(const struct settings *s, bool once)
{
    struct mailer m = {.s = s,
                       .lease_s = s->sendmail_timeout_ms / 1000 + 1 + MAILER_LEASE_MARGIN_S};
    char err[256];

    install_signals(&sleep_mask);
    struct db_options opt = {
        .conninfo = s->database_url,
        .timeout_ms = s->db_timeout_ms,
        .unnamed = settings_db_unnamed(s),
        .application_name = "authfcgi-mail",
    };
    if (db_open(&m.db, &opt, err, sizeof err) != 0) {
        log_event(LOG_LEVEL_ERROR, "mail_config_error", "setting=DATABASE_URL reason=%s", err);
        return EXIT_CONFIG;
    }
    /* As for workers: an unreachable database is an outage to wait out, a first connection
     * refused for a reason waiting cannot fix (password, certificate) is a configuration
     * error. */
    enum db_status st = db_connect(m.db);
    if (st != DB_OK && db_config_error(m.db, err, sizeof err)) {
        log_event(LOG_LEVEL_ERROR, "mail_config_error", "setting=DATABASE_URL reason=%s", err);
        db_close(m.db);
        return EXIT_CONFIG;
    }
    /* Not the command line: it may carry an SMTP password. */
    log_event(LOG_LEVEL_INFO, "mailer_started", "once=%s timeout_ms=%d lease_s=%d max_attempts=%d",
              once ? "yes" : "no", s->sendmail_timeout_ms, m.lease_s, s->mail_max_attempts);
    int rc = run(&m, once);
    log_event(LOG_LEVEL_INFO, "mailer_exit", stop_signal ? "status=%d reason=signal" : "status=%d",
              rc);
    db_close(m.db);
    return rc;
}
