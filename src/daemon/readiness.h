/* readiness - what `authfcgi serve` tells systemd (Type=notify, sd_notify.h) about itself:
 * READY=1 once its workers are all up and one of them has reached the database, RELOADING=1
 * at SIGHUP and READY=1 again once the new generation is up (or the reload failed, which
 * its STATUS= then says: systemd has no other way to hear it), STOPPING=1 at SIGTERM, and a
 * STATUS= line at each change. Without $NOTIFY_SOCKET it says nothing. */
#ifndef AUTHFCGI_READINESS_H
#define AUTHFCGI_READINESS_H

#include <stdbool.h>

enum readiness_state {
    READINESS_STARTING,
    READINESS_READY,
    READINESS_RELOADING,
    READINESS_STOPPING
};

/* Zero-initialised = starting, database not reached. */
struct readiness {
    enum readiness_state state;
    bool db_reached;    /* a worker said WORKER_NOTE_DB_UP, ever */
    bool said_waiting;  /* STATUS= about the database sent */
    bool reload_failed; /* the last SIGHUP's configuration is not the one serving */
};

/* readiness_init - take $NOTIFY_SOCKET (before children are forked: they must not see it). */
void readiness_init(struct readiness *r);

/* readiness_db_reached - a worker reached the database. */
void readiness_db_reached(struct readiness *r);

/* readiness_update - after each pass of the master's loop: ready workers of the current
 * generation against the wanted number. */
void readiness_update(struct readiness *r, int ready, int wanted, unsigned generation);

/* readiness_reloading - SIGHUP received; readiness_stopping - SIGTERM/SIGINT received, the
 * workers get drain_ms (AUTHFCGI_SHUTDOWN_TIMEOUT_MS) to finish: systemd is asked to wait
 * that long and a margin (EXTEND_TIMEOUT_USEC). */
void readiness_reloading(struct readiness *r, unsigned generation);
void readiness_stopping(struct readiness *r, int drain_ms);

/* readiness_reload_failed - that reload's configuration was refused, or its workers could
 * not start: the running one stays, and STATUS= says so until a reload succeeds. */
void readiness_reload_failed(struct readiness *r);

#endif
