/* metrics - the pool's counters, in memory the master shares with the processes it forks: one
 * slot per child, written only by that child; a retired child's counts folded into the pool's
 * total by the master, so totals never go down. A process without a master (mod_fcgid,
 * lighttpd, spawn-fcgi) gets a mapping of its own with one slot: its own figures. */
#ifndef AUTHFCGI_METRICS_H
#define AUTHFCGI_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Route labels a slot can count (the caller numbers its routes below this: with the admin and
 * twoFactor plugins the route table has 49, plus 3 extra labels), and the status classes
 * 1xx..5xx. */
#define METRICS_ROUTES 64
#define METRICS_CLASSES 5
/* Upper bounds, in seconds, of the latency histogram (Prometheus' default buckets); the
 * last count of a histogram is the +Inf bucket. */
#define METRICS_BUCKETS 11
extern const double metrics_bucket_bounds[METRICS_BUCKETS];

enum metrics_counter {
    METRIC_PASSWORD_HASHES, /* password hashes computed (sign-in, sign-up, ...) */
    METRIC_RATE_LIMITED,    /* requests refused by a rate limit (429) */
    METRIC_DB_RECONNECTS,   /* connections made after the first one */
    METRIC_DB_TIMEOUTS,     /* statements abandoned at AUTHFCGI_DB_TIMEOUT_MS */
    METRIC__COUNT
};

/* What a child's slot is used by. */
enum metrics_kind { METRICS_FREE, METRICS_WORKER, METRICS_OTHER };

enum metrics_restart { METRICS_RESTART_RETIRED, METRICS_RESTART_FAILED, METRICS_RESTART__COUNT };

/* The whole pool at one moment (metrics_snapshot). */
struct metrics_totals {
    uint64_t requests[METRICS_ROUTES][METRICS_CLASSES];
    uint64_t latency[METRICS_BUCKETS + 1]; /* per bucket, not cumulative; last = above all */
    uint64_t latency_sum_us;
    uint64_t counters[METRIC__COUNT];
    uint64_t restarts[METRICS_RESTART__COUNT];
    int workers;              /* live worker slots */
    int db_connected_workers; /* of those, connected to the database now */
    bool supervised;          /* a master shares the mapping (false: this process alone) */
};

/* metrics_create - the master, before forking: a shared mapping with nslots slots. Returns 0,
 * or -1 (errno set); then every process counts into a slot of its own that nobody reads. */
int metrics_create(size_t nslots);

/* metrics_slot_take - the master, before forking a child of kind: a free slot's index, or -1
 * when none is left (the child then counts into a private slot). */
int metrics_slot_take(enum metrics_kind kind);

/* metrics_slot_use - in the child: count into slot index from now on. index < 0 with no
 * mapping (a process without a master) creates a one-slot mapping of its own. */
void metrics_slot_use(int index);

/* metrics_slot_release - the master, after reaping the child of slot index: fold its
 * counters into the pool's total and free the slot. Readers never see them twice or not at
 * all. */
void metrics_slot_release(int index);

void metrics_count(enum metrics_counter c);
void metrics_request(int route, int status, int64_t elapsed_us);
void metrics_db_connected(bool up);
void metrics_worker_restart(enum metrics_restart why); /* the master */

/* metrics_snapshot - the sums over the retired total and the live slots. */
void metrics_snapshot(struct metrics_totals *out);

/* A value one process fetched for all (the outbox counts), with the monotonic ms it was
 * fetched at; metrics_cache_get is false when there is none younger than max_age_ms. */
bool metrics_cache_get(int64_t now_ms, int64_t max_age_ms, int64_t *a, int64_t *b);
void metrics_cache_put(int64_t now_ms, int64_t a, int64_t b);

#endif
