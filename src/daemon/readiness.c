/* readiness - the master's sd_notify states (readiness.h). The database matters for READY
 * because systemd orders units after this one by it: a unit that starts once authfcgi is
 * "ready" should find it able to sign someone in, not answering 503. */
#include "config.h"

#include "daemon/readiness.h"

#include <stdio.h>

#include "daemon/sd_notify.h"
#include "util/log.h"

/* What the master needs past the drain's deadline to kill, reap and exit. */
#define STOP_MARGIN_MS 5000

/* readiness_init - see readiness.h. */
void readiness_init(struct readiness *r)
{
    *r = (struct readiness){.state = READINESS_STARTING};
    if (sd_notify_init())
        sd_notify_send("STATUS=starting workers\n");
}

/* readiness_db_reached - see readiness.h. */
void readiness_db_reached(struct readiness *r)
{
    r->db_reached = true;
}

/* readiness_update - see readiness.h. */
void readiness_update(struct readiness *r, int ready, int wanted, unsigned generation)
{
    char text[200];

    if (r->state == READINESS_READY || r->state == READINESS_STOPPING || ready < wanted)
        return;
    if (!r->db_reached) {
        if (!r->said_waiting)
            sd_notify_send("STATUS=workers up, waiting for the database\n");
        r->said_waiting = true;
        return;
    }
    snprintf(text, sizeof text, "READY=1\nSTATUS=serving: %d workers, generation %u%s\n", ready,
             generation,
             r->reload_failed ? "; the last reload failed, the configuration is kept (see the log)"
                              : "");
    sd_notify_send(text);
    log_event(LOG_LEVEL_INFO, "ready", "workers=%d generation=%u", ready, generation);
    r->state = READINESS_READY;
}

/* readiness_reloading - see readiness.h. Before the first READY=1 a reload changes nothing
 * systemd waits for. */
void readiness_reloading(struct readiness *r, unsigned generation)
{
    char status[80];

    r->reload_failed = false;
    if (r->state != READINESS_READY)
        return;
    snprintf(status, sizeof status, "reloading the configuration (generation %u)", generation);
    sd_notify_reloading(status);
    r->state = READINESS_RELOADING;
}

/* readiness_reload_failed - see readiness.h. */
void readiness_reload_failed(struct readiness *r)
{
    r->reload_failed = true;
}

/* readiness_stopping - see readiness.h. EXTEND_TIMEOUT_USEC only ever lengthens systemd's
 * TimeoutStopSec=: a drain the setting allows is not killed by a unit written for the
 * default. The margin is the master's own exit after the deadline. */
void readiness_stopping(struct readiness *r, int drain_ms)
{
    char text[160];

    snprintf(text, sizeof text,
             "STOPPING=1\nEXTEND_TIMEOUT_USEC=%lld\nSTATUS=stopping: draining the workers\n",
             ((long long)drain_ms + STOP_MARGIN_MS) * 1000);
    sd_notify_send(text);
    r->state = READINESS_STOPPING;
}
