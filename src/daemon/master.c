/* master - the supervisor of `authfcgi serve`, after Postfix's master: bind the socket, fork
 * the workers and the mailer, reap and replace them, throttle respawning when they die before
 * serving, reload on SIGHUP without failing a request, drain on SIGTERM. It never opens the
 * database and never touches a request.
 *
 * Signal handlers only set a flag and write a byte to a self-pipe; everything else happens in
 * the loop of master_run. Workers report over a status pipe when they are ready and when they
 * have answered their first request: "ready" paces a reload (an old worker is stopped for each
 * new one that is ready), "served" is the throttle's proof that a worker can work.
 *
 * Every kind of child (the workers, the mailer) is a row of child_kinds: how it runs, how many
 * are wanted, how its respawning backs off, what SIGHUP and SIGTERM do to it. The rest of the
 * file has one code path for all of them. */
#include "config.h"

#include "daemon/master.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "daemon/listener.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"
#include "daemon/mailer.h"
#include "daemon/privilege.h"
#include "daemon/readiness.h"
#include "daemon/respawn.h"
#include "global/settings.h"
#include "daemon/worker.h"

/* During a drain, the stop signal is repeated this often to children that have not exited. */
#define DRAIN_RESEND_MS 150

struct master;

/* What a SIGHUP does to the running children of a kind. */
enum on_reload {
    /* The new generation starts alongside; an old child is stopped for each new one that
     * says WORKER_NOTE_READY, so capacity never drops. */
    RELOAD_ROLLING,
    /* Stopped at once and started again with the new configuration. */
    RELOAD_REPLACE,
};

struct child_kind {
    const char *name; /* in log events: NAME_spawned NAME=PID, NAME_exited */
    /* wanted - how many run with settings s. */
    int (*wanted)(const struct settings *s);
    /* run - the child's life after child_main's common set-up; returns its exit status. */
    int (*run)(struct master *m);
    /* A child that dies before it proves itself makes the next start wait (respawn.h). */
    struct respawn_policy respawn;
    int proven_after_ms;         /* 0 = proven by WORKER_NOTE_SERVED; else by living this long */
    bool always_wait;            /* a proven child's successor waits respawn.min_ms too */
    const char *throttle_reason; /* for respawn_throttled lines; NULL = not logged */
    enum on_reload on_reload;
    /* At SIGTERM: sent, repeated every DRAIN_RESEND_MS, SIGKILL at the shutdown timeout. */
    int stop_signal;
};

enum child_kind_id { CHILD_WORKER, CHILD_MAILER, CHILD_KINDS };

static int workers_wanted(const struct settings *s);
static int mailers_wanted(const struct settings *s);
static int run_worker(struct master *m);
static int run_mailer(struct master *m);

static const struct child_kind child_kinds[CHILD_KINDS] = {
    [CHILD_WORKER] =
        {
            .name = "worker",
            .wanted = workers_wanted,
            .run = run_worker,
            .respawn = {.min_ms = 100, .max_ms = 10000},
            .proven_after_ms = 0,
            .always_wait = false,
            .throttle_reason = "workers exit before serving a request",
            .on_reload = RELOAD_ROLLING,
            .stop_signal = SIGTERM,
        },
    /* One mailer while AUTHFCGI_MAIL_FROM is set. It sends no notes: it has proven itself when
     * it lived a minute, and even then waits a second before it is started again. */
    [CHILD_MAILER] =
        {
            .name = "mailer",
            .wanted = mailers_wanted,
            .run = run_mailer,
            .respawn = {.min_ms = 1000, .max_ms = 60000},
            .proven_after_ms = 60000,
            .always_wait = true,
            .throttle_reason = NULL,
            .on_reload = RELOAD_REPLACE,
            .stop_signal = SIGTERM,
        },
};

struct child {
    pid_t pid;
    enum child_kind_id kind;
    unsigned generation;
    bool ready;    /* said WORKER_NOTE_READY */
    bool served;   /* said WORKER_NOTE_SERVED */
    bool retiring; /* sent its stop signal: it must not be replaced */
    int64_t spawned_ms;
    uint64_t respawn_mark; /* its round, for respawn_backoff */
    int metrics_slot;      /* its slot of the shared counters (util/metrics.h), or -1 */
};

struct master {
    const char *config_path; /* borrowed from main */
    struct settings *s;      /* owned: the configuration of the current generation */
    struct settings *prev;   /* owned: the one before a reload, until the reload has proven
                                itself (a worker of the new generation got ready) */
    unsigned generation, prev_generation, generations_made;
    int target[CHILD_KINDS]; /* children wanted in the current generation */

    /* Borrowed from main: whom to drop to once the socket is bound. */
    const struct privilege *privilege;

    int listen_fd;
    char *pid_file; /* owned: as written at start; a reload cannot move it */
    int self_pipe[2];
    int status_pipe[2];

    struct child *children; /* owned */
    size_t nchildren, capacity;

    struct respawn respawn[CHILD_KINDS];

    struct readiness readiness; /* what systemd is told (Type=notify) */
    bool stopping;
    int64_t stop_deadline_ms;
    int64_t last_term_ms;
};

/* ------------------------------------------------------------------------------------------
 * Signals: flags + self-pipe */

/* SIGCHLD needs no flag: every pass of the loop reaps. */
static volatile sig_atomic_t got_reload, got_stop;
static volatile sig_atomic_t wake_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        got_reload = 1;
    else if (sig != SIGCHLD)
        got_stop = sig;
    if (wake_fd >= 0) {
        ssize_t ignored = write(wake_fd, "", 1);
        (void)ignored;
    }
    errno = saved;
}

static const int handled_signals[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT};
#define NHANDLED (sizeof handled_signals / sizeof handled_signals[0])

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < NHANDLED; i++) {
        sa.sa_flags = SA_RESTART | (handled_signals[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
        sigaction(handled_signals[i], &sa, NULL);
    }
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, NULL);
}

static void drain_self_pipe(struct master *m)
{
    char buf[64];
    while (read(m->self_pipe[0], buf, sizeof buf) > 0)
        ;
}

/* ------------------------------------------------------------------------------------------
 * Small helpers */

static struct child *find_child(struct master *m, pid_t pid)
{
    for (size_t i = 0; i < m->nchildren; i++) {
        if (m->children[i].pid == pid)
            return &m->children[i];
    }
    return NULL;
}

static void remove_child(struct master *m, struct child *c)
{
    *c = m->children[--m->nchildren];
}

/* Live children of a kind, of the current generation, that will not be stopped. */
static int count_current(const struct master *m, enum child_kind_id kind, bool ready_only)
{
    int n = 0;
    for (size_t i = 0; i < m->nchildren; i++) {
        const struct child *c = &m->children[i];
        if (c->kind == kind && c->generation == m->generation && !c->retiring &&
            (!ready_only || c->ready))
            n++;
    }
    return n;
}

static void set_targets(struct master *m)
{
    for (int k = 0; k < CHILD_KINDS; k++)
        m->target[k] = child_kinds[k].wanted(m->s);
}

static void describe_status(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit:%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal:%d", WTERMSIG(status));
    else
        snprintf(buf, size, "unknown:%d", status);
}

static void signal_child(struct child *c, int sig)
{
    if (kill(c->pid, sig) != 0 && errno != ESRCH)
        log_event(LOG_LEVEL_WARN, "signal_failed", "%s=%ld signal=%d errno=%d",
                  child_kinds[c->kind].name, (long)c->pid, sig, errno);
}

static void retire_child(struct child *c)
{
    c->retiring = true;
    signal_child(c, child_kinds[c->kind].stop_signal);
}

/* ------------------------------------------------------------------------------------------
 * Pid file */

/* The pid file is written as root before privileges are dropped, often in a directory others
 * can write to: it is never opened through a symbolic link (which would let someone point it
 * at /etc/shadow), and anything at its path that is not a regular file is refused. */

/* pid_file_read - the pid in path: 1 with *pid set, 0 when there is no file (or no pid in it),
 * -1 when path is a symbolic link or not a regular file (err filled). */
static int pid_file_read(const char *path, long *pid, char *err, size_t errlen)
{
    char buf[32];
    struct stat st;

    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "AUTHFCGI_PID_FILE: %s: %s", path,
                 errno == ELOOP ? "is a symbolic link; refusing to follow it" : strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "AUTHFCGI_PID_FILE: %s is not a regular file; refusing it", path);
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return sscanf(buf, "%ld", pid) == 1 ? 1 : 0;
}

/* Refuse to start when the pid file names a live process (1) or is no file of ours
 * (EXIT_CONFIG); a stale one is overwritten (0). */
static int pid_file_check(const char *path)
{
    char err[600];
    long pid = 0;

    int rc = pid_file_read(path, &pid, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    if (rc == 1 && pid > 0 && pid != (long)getpid() &&
        (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
        fprintf(stderr, "authfcgi: AUTHFCGI_PID_FILE: %s names running process %ld\n", path, pid);
        return 1;
    }
    return 0;
}

/* Write a new file next to it and rename it over, so a reader never sees a partial pid. The
 * temporary name is created exclusively (O_EXCL, O_NOFOLLOW): a link planted there fails the
 * start instead of being written through. */
static int pid_file_write(const char *path)
{
    char tmp[4096], line[32];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    if (unlink(tmp) != 0 && errno != ENOENT)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    int bad = write(fd, line, (size_t)n) != n;
    bad |= close(fd) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* Remove the pid file only while it still names this process. After a drop of privileges the
 * directory may not let us; say so (the next start overwrites a stale file). */
static void pid_file_remove(const char *path)
{
    char err[600];
    long pid = 0;

    if (pid_file_read(path, &pid, err, sizeof err) == 1 && pid == (long)getpid() &&
        unlink(path) != 0) {
        log_event(LOG_LEVEL_WARN, "pid_file_not_removed", "path=%s errno=%d", path, errno);
    }
}

/* ------------------------------------------------------------------------------------------
 * Spawning */

static int workers_wanted(const struct settings *s)
{
    return settings_effective_workers(s);
}

static int mailers_wanted(const struct settings *s)
{
    return s->mail_from != NULL ? 1 : 0;
}

static int run_worker(struct master *m)
{
    return worker_run(m->s, m->listen_fd, m->status_pipe[1]);
}

/* The mailer neither serves the socket nor sends notes. */
static int run_mailer(struct master *m)
{
    close(m->listen_fd);
    close(m->status_pipe[1]);
    return mailer_run(m->s, false);
}

/* In the child, between fork and its kind's run: drop the master's handlers and pipes, die
 * with the master, and keep the stop signals blocked so the run receives any that is
 * pending. */
static _Noreturn void child_main(struct master *m, const sigset_t *premask, pid_t master_pid,
                                 enum child_kind_id kind, int metrics_slot)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    for (size_t i = 0; i < NHANDLED; i++)
        sigaction(handled_signals[i], &sa, NULL);
    wake_fd = -1;
    close(m->self_pipe[0]);
    close(m->self_pipe[1]);
    close(m->status_pipe[0]);
    metrics_slot_use(metrics_slot);
#ifdef __linux__
    /* An orphaned worker would serve forever on a socket nobody supervises. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != master_pid)
        exit(0);
#else
    (void)master_pid;
#endif
    sigset_t mask = *premask;
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    /* The master dropped its privileges before forking anyone; never serve as root anyway. */
    char err[256];
    if (privilege_check(err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        exit(EXIT_CONFIG);
    }
    exit(child_kinds[kind].run(m));
}

static struct child *add_child(struct master *m)
{
    if (m->nchildren == m->capacity) {
        size_t cap = m->capacity ? 2 * m->capacity : 16;
        struct child *grown = realloc(m->children, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        m->children = grown;
        m->capacity = cap;
    }
    struct child *c = &m->children[m->nchildren++];
    memset(c, 0, sizeof *c);
    return c;
}

static int spawn_child(struct master *m, enum child_kind_id kind)
{
    sigset_t all, premask;
    struct child *c = add_child(m);
    if (c == NULL)
        return -1;

    /* No handler of the master may run in the child before it has reset them. */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &premask);
    pid_t master_pid = getpid();
    int slot = metrics_slot_take(kind == CHILD_WORKER ? METRICS_WORKER : METRICS_OTHER);
    pid_t pid = fork();
    if (pid == 0)
        child_main(m, &premask, master_pid, kind, slot);
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &premask, NULL);

    if (pid < 0) {
        metrics_slot_release(slot);
        m->nchildren--;
        log_event(LOG_LEVEL_ERROR, "fork_failed", "errno=%d", fork_errno);
        return -1;
    }
    c->pid = pid;
    c->kind = kind;
    c->generation = m->generation;
    c->spawned_ms = clock_monotonic_ms();
    c->respawn_mark = respawn_mark(&m->respawn[kind]);
    c->metrics_slot = slot;
    char event[32];
    snprintf(event, sizeof event, "%s_spawned", child_kinds[kind].name);
    log_event(LOG_LEVEL_INFO, event, "%s=%ld generation=%u", child_kinds[kind].name, (long)pid,
              m->generation);
    return 0;
}

/* A child that died unproven (or, for an always_wait kind, any child): its kind's next
 * start waits longer (respawn.h), said once per change. */
static void throttle_up(struct master *m, enum child_kind_id kind, uint64_t mark)
{
    const struct child_kind *k = &child_kinds[kind];
    struct respawn *r = &m->respawn[kind];

    if (respawn_backoff(r, &k->respawn, mark, clock_monotonic_ms()) && k->throttle_reason != NULL)
        log_event(LOG_LEVEL_WARN, "respawn_throttled", "delay_ms=%d reason=\"%s\"", r->delay_ms,
                  k->throttle_reason);
}

static void throttle_clear(struct master *m, enum child_kind_id kind)
{
    if (respawn_clear(&m->respawn[kind]) && child_kinds[kind].throttle_reason != NULL)
        log_event(LOG_LEVEL_INFO, "respawn_throttle_cleared", NULL);
}

static void spawn_missing(struct master *m)
{
    for (int k = 0; k < CHILD_KINDS; k++) {
        struct respawn *r = &m->respawn[k];
        while (clock_monotonic_ms() >= r->next_ms && count_current(m, k, false) < m->target[k]) {
            if (spawn_child(m, k) != 0) {
                /* Out of processes or memory: the same backoff as for dying children. */
                throttle_up(m, k, respawn_mark(r));
                break;
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Reload */

static void free_settings(struct settings *s)
{
    if (s != NULL) {
        settings_free(s);
        free(s);
    }
}

/* What the settings table marks SETTING_ON_RESTART is fixed at start (changing it needs root,
 * which the master gave up); say when a reload asks to change it. */
static void warn_restart_only(const struct settings *old, const struct settings *new)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (d->applies == SETTING_ON_RESTART && !settings_same(old, new, d))
            log_event(LOG_LEVEL_WARN, "reload_setting_ignored",
                      "setting=%s reason=\"takes effect at the next start\"", d->name);
    }
}

static void apply_log_settings(const struct settings *s)
{
    log_set_level(s->log_level);
    log_open("authfcgi", s->syslog);
}

/* SIGHUP: a new generation with the re-read configuration. Its workers start alongside the old
 * ones, which are stopped one by one as new ones get ready (RELOAD_ROLLING, see
 * on_worker_note); the mailer is replaced at once (RELOAD_REPLACE). A configuration that does
 * not load is logged and the running one kept. */
static void reload(struct master *m)
{
    char err[512];
    struct settings *next = calloc(1, sizeof *next);

    if (next == NULL)
        return;
    if (settings_load(next, m->config_path, err, sizeof err) != 0 ||
        worker_check_config(next, err, sizeof err) != 0) {
        log_event(LOG_LEVEL_ERROR, "reload_failed", "error=%s keeping=generation:%u", err,
                  m->generation);
        free_settings(next); /* settings_free is safe on what a failed load left */
        readiness_reload_failed(&m->readiness);
        return;
    }
    warn_restart_only(m->s, next);
    apply_log_settings(next);
    for (size_t i = 0; i < m->nchildren; i++) {
        struct child *c = &m->children[i];
        if (child_kinds[c->kind].on_reload == RELOAD_REPLACE && !c->retiring)
            retire_child(c);
    }
    if (m->prev != NULL) {
        /* The running configuration has not proven itself yet (no worker of it got ready):
         * the one before it stays what a failure rolls back to. Dropping that one instead
         * left a second quick SIGHUP of a bad configuration with nothing to go back to. */
        free_settings(m->s);
    } else {
        m->prev = m->s;
        m->prev_generation = m->generation;
    }
    m->s = next;
    m->generation = ++m->generations_made;
    set_targets(m);
    /* A new configuration deserves a fresh start. */
    memset(m->respawn, 0, sizeof m->respawn);
    log_event(LOG_LEVEL_INFO, "reload", "generation=%u workers=%d", m->generation,
              m->target[CHILD_WORKER]);
}

/* The new generation cannot start (its workers exit with a configuration error before any got
 * ready): go back to the previous configuration and generation, which are still running. */
static void reload_roll_back(struct master *m)
{
    log_event(LOG_LEVEL_ERROR, "reload_rolled_back",
              "failed_generation=%u generation=%u reason=\"workers of the new configuration "
              "exit with a configuration error\"",
              m->generation, m->prev_generation);
    for (size_t i = 0; i < m->nchildren; i++) {
        if (m->children[i].generation == m->generation && !m->children[i].retiring)
            retire_child(&m->children[i]);
    }
    free_settings(m->s);
    m->s = m->prev;
    m->prev = NULL;
    m->generation = m->prev_generation;
    set_targets(m);
    apply_log_settings(m->s);
    readiness_reload_failed(&m->readiness);
}

/* Stop old-generation children of a rolling kind as new ones get ready, keeping old (still
 * serving) plus ready new ones at the target: capacity never drops during a reload, and no old
 * child is left once the new generation is complete. */
static void retire_old_generation(struct master *m, enum child_kind_id kind)
{
    int ready = count_current(m, kind, true);
    int old_active = 0;

    for (size_t i = 0; i < m->nchildren; i++) {
        const struct child *c = &m->children[i];
        if (c->kind == kind && c->generation != m->generation && !c->retiring)
            old_active++;
    }
    for (size_t i = 0; i < m->nchildren && old_active + ready > m->target[kind]; i++) {
        struct child *c = &m->children[i];
        if (c->kind == kind && c->generation != m->generation && !c->retiring) {
            retire_child(c);
            old_active--;
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Worker notes and exits */

static void on_worker_note(struct master *m, const struct worker_status_msg *msg)
{
    struct child *c = find_child(m, (pid_t)msg->pid);
    if (c == NULL)
        return;
    if (msg->note == WORKER_NOTE_READY) {
        c->ready = true;
        if (c->generation == m->generation && m->prev != NULL) {
            /* The reload works: the old configuration is no longer needed to roll back. */
            free_settings(m->prev);
            m->prev = NULL;
        }
    } else if (msg->note == WORKER_NOTE_SERVED) {
        c->served = true;
        if (c->generation == m->generation)
            throttle_clear(m, c->kind);
    } else if (msg->note == WORKER_NOTE_DB_UP) {
        readiness_db_reached(&m->readiness);
    }
}

static void read_status_pipe(struct master *m)
{
    struct worker_status_msg msgs[64];
    ssize_t n;

    /* Notes are written whole (8 bytes < PIPE_BUF), so reads return whole notes. */
    while ((n = read(m->status_pipe[0], msgs, sizeof msgs)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof msgs[0]; i++)
            on_worker_note(m, &msgs[i]);
    }
}

static bool proven(const struct child *c, int64_t now)
{
    int after = child_kinds[c->kind].proven_after_ms;
    return after == 0 ? c->served : now - c->spawned_ms >= after;
}

/* A child of the new generation of a rolling kind exits with a configuration error before any
 * got ready: the reload cannot work. */
static bool reload_fails(const struct master *m, const struct child *c, int status)
{
    return child_kinds[c->kind].on_reload == RELOAD_ROLLING && m->prev != NULL && !c->ready &&
           WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_CONFIG;
}

static void on_child_exit(struct master *m, struct child *c, int status)
{
    const struct child_kind *k = &child_kinds[c->kind];
    char how[32], event[32];
    bool config_error = WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_CONFIG;
    bool expected = c->retiring || m->stopping || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* "served" in the log: a mailer serves by living a while */
    bool ok = proven(c, clock_monotonic_ms());

    describe_status(status, how, sizeof how);
    snprintf(event, sizeof event, "%s_exited", k->name);
    log_event(expected ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, event,
              config_error ? "%s=%ld generation=%u status=%s served=%s reason=config"
                           : "%s=%ld generation=%u status=%s served=%s",
              k->name, (long)c->pid, c->generation, how, ok ? "yes" : "no");
    if (m->stopping || c->retiring || c->generation != m->generation)
        return;
    if (c->kind == CHILD_WORKER)
        metrics_worker_restart(WIFEXITED(status) && WEXITSTATUS(status) == 0
                                   ? METRICS_RESTART_RETIRED
                                   : METRICS_RESTART_FAILED);
    if (reload_fails(m, c, status)) {
        reload_roll_back(m);
        return;
    }
    if (ok && k->proven_after_ms != 0)
        throttle_clear(m, c->kind);
    if (!ok || k->always_wait)
        throttle_up(m, c->kind, c->respawn_mark);
}

static void reap(struct master *m)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        /* The child wrote its notes before exiting: read them before judging its exit. */
        read_status_pipe(m);
        struct child *c = find_child(m, pid);
        if (c == NULL)
            continue;
        on_child_exit(m, c, status);
        metrics_slot_release(c->metrics_slot);
        remove_child(m, c);
    }
}

/* ------------------------------------------------------------------------------------------
 * Stopping */

static void begin_stop(struct master *m, int sig)
{
    int64_t now = clock_monotonic_ms();

    m->stopping = true;
    readiness_stopping(&m->readiness, m->s->shutdown_timeout_ms);
    m->stop_deadline_ms = now + m->s->shutdown_timeout_ms;
    m->last_term_ms = now;
    log_event(LOG_LEVEL_INFO, "stopping", "signal=%d workers=%zu timeout_ms=%d", sig, m->nchildren,
              m->s->shutdown_timeout_ms);
    /* New connections are refused from now on; queued ones go with the socket. */
    listener_close(m->listen_fd);
    m->listen_fd = -1;
    for (size_t i = 0; i < m->nchildren; i++)
        retire_child(&m->children[i]);
}

/* Repeat the stop signal to children that have not exited (a signal can land just before a
 * child starts waiting), and kill what is left at the deadline. */
static void drain_tick(struct master *m)
{
    int64_t now = clock_monotonic_ms();

    if (m->nchildren == 0)
        return;
    if (now >= m->stop_deadline_ms) {
        if (m->stop_deadline_ms != INT64_MAX)
            log_event(LOG_LEVEL_WARN, "shutdown_timeout", "killed=%zu", m->nchildren);
        for (size_t i = 0; i < m->nchildren; i++)
            signal_child(&m->children[i], SIGKILL);
        m->stop_deadline_ms = INT64_MAX;
        return;
    }
    if (now - m->last_term_ms >= DRAIN_RESEND_MS) {
        for (size_t i = 0; i < m->nchildren; i++)
            signal_child(&m->children[i], child_kinds[m->children[i].kind].stop_signal);
        m->last_term_ms = now;
    }
}

/* ------------------------------------------------------------------------------------------
 * Loop */

static int poll_timeout(const struct master *m)
{
    int64_t now = clock_monotonic_ms();

    if (m->stopping) {
        if (m->stop_deadline_ms == INT64_MAX)
            return DRAIN_RESEND_MS;
        int64_t until = m->stop_deadline_ms - now;
        return (int)(until < DRAIN_RESEND_MS ? (until > 0 ? until : 0) : DRAIN_RESEND_MS);
    }
    int64_t wake = INT64_MAX;
    for (int k = 0; k < CHILD_KINDS; k++) {
        int64_t next = m->respawn[k].next_ms;
        if (count_current(m, k, false) < m->target[k] && next - now < wake)
            wake = next > now ? next - now : 0;
    }
    return wake == INT64_MAX ? -1 : (int)wake;
}

/* One pass over everything that may have happened, then sleep until something does. */
static void run_loop(struct master *m)
{
    struct pollfd fds[2] = {
        {.fd = m->self_pipe[0], .events = POLLIN},
        {.fd = m->status_pipe[0], .events = POLLIN},
    };

    for (;;) {
        drain_self_pipe(m);
        read_status_pipe(m);
        reap(m);
        if (got_stop && !m->stopping)
            begin_stop(m, got_stop);
        if (got_reload) {
            got_reload = 0;
            if (!m->stopping) {
                readiness_reloading(&m->readiness, m->generations_made + 1);
                reload(m);
            }
        }
        if (m->stopping) {
            if (m->nchildren == 0)
                return;
            drain_tick(m);
        } else {
            spawn_missing(m);
            for (int k = 0; k < CHILD_KINDS; k++) {
                if (child_kinds[k].on_reload == RELOAD_ROLLING)
                    retire_old_generation(m, k);
            }
            readiness_update(&m->readiness, count_current(m, CHILD_WORKER, true),
                             m->target[CHILD_WORKER], m->generation);
        }
        if (poll(fds, 2, poll_timeout(m)) < 0 && errno != EINTR) {
            log_event(LOG_LEVEL_ERROR, "poll_failed", "errno=%d", errno);
            sleep(1);
        }
    }
}

/* Pipes are close-on-exec and non-blocking: the master must never block writing to itself,
 * nor a worker on a full status pipe. */
static int open_pipes(struct master *m)
{
    if (pipe2(m->self_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    if (pipe2(m->status_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        close(m->self_pipe[0]);
        close(m->self_pipe[1]);
        return -1;
    }
    wake_fd = m->self_pipe[1];
    return 0;
}

static void master_cleanup(struct master *m)
{
    listener_close(m->listen_fd);
    if (m->pid_file != NULL)
        pid_file_remove(m->pid_file);
    wake_fd = -1;
    for (int i = 0; i < 2; i++) {
        close(m->self_pipe[i]);
        close(m->status_pipe[i]);
    }
    free(m->children);
    free(m->pid_file);
    free_settings(m->prev);
    free_settings(m->s);
}

/* Handlers first: a SIGTERM during start-up is then a clean stop, not a stale socket file. */
static int master_start(struct master *m)
{
    char err[512];

    if (open_pipes(m) != 0) {
        fprintf(stderr, "authfcgi: cannot create pipes: %s\n", strerror(errno));
        return 1;
    }
    install_signals();
    readiness_init(&m->readiness);
    /* Before any fork: the workers count into it, whichever answers the metrics page reads
     * it. Slots for two full generations (a rolling reload) of the largest pool. */
    if (metrics_create(2 * (size_t)settings_max_workers() + 8) != 0)
        log_event(LOG_LEVEL_WARN, "metrics_unavailable", "errno=%d", errno);
    int rc;
    if (m->s->pid_file != NULL && (rc = pid_file_check(m->s->pid_file)) != 0)
        return rc;
    m->listen_fd = listener_open(m->s, err, sizeof err);
    if (m->listen_fd < 0 || listener_check_exposure(m->listen_fd, m->s, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    if (m->s->pid_file != NULL) {
        if (pid_file_write(m->s->pid_file) != 0 || (m->pid_file = strdup(m->s->pid_file)) == NULL) {
            int e = errno;
            fprintf(stderr, "authfcgi: AUTHFCGI_PID_FILE: cannot write %s: %s\n", m->s->pid_file,
                    e == EEXIST ? "something was planted at its temporary name" : strerror(e));
            return e == EEXIST || e == ELOOP ? EXIT_CONFIG : 1;
        }
    }
    /* Everything that needs root is done: the workers and the mailer are forked from here. */
    if (privilege_drop(m->privilege, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    return 0;
}

/* master_run - see master.h. */
int master_run(const char *config_path, struct settings *s, const struct privilege *privilege)
{
    struct master m = {
        .config_path = config_path,
        .privilege = privilege,
        .s = s,
        .listen_fd = -1,
        .self_pipe = {-1, -1},
        .status_pipe = {-1, -1},
        .generation = 1,
        .generations_made = 1,
    };
    set_targets(&m);

    int rc = master_start(&m);
    if (rc != 0) {
        master_cleanup(&m);
        return rc;
    }
    log_event(LOG_LEVEL_INFO, "master_started",
              "socket=%s workers=%d max_requests=%d uid=%ld gid=%ld", s->socket,
              m.target[CHILD_WORKER], s->max_requests, (long)getuid(), (long)getgid());
    run_loop(&m);
    log_event(LOG_LEVEL_INFO, "master_exit", "status=0");
    master_cleanup(&m);
    return 0;
}
