/* metrics - the shared counters (metrics.h).
 *
 * Why one slot per process rather than one set of counters everybody adds to: a slot has a
 * single writer, so counting is a plain load and store (no locked instruction, no cache line
 * bouncing between cores on every request), and a crashed process cannot leave anything
 * half-done for the others. The fields are C11 atomics used with relaxed order only so that a
 * reader summing the slots while their owners write is well defined (no torn 64-bit values);
 * the writer never needs a read-modify-write. Readers are rare (a scrape), so they pay: they
 * sum every slot. The one place two writers meet, the master folding a dead child's slot into
 * the retired total while a worker reads, is a sequence lock: the reader retries when a fold
 * ran meanwhile, so it never counts a slot twice or not at all. */
#include "config.h"

#include "util/metrics.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

const double metrics_bucket_bounds[METRICS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                       0.5,   1,    2.5,   5,    10};

typedef _Atomic uint64_t counter;

/* Several processes write the mapping: only atomics that are always lock-free work across
 * processes (a fallback with a lock would take a lock of its own process), so a platform
 * without them is refused here rather than miscounting in silence. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_LONG_LOCK_FREE == 2 &&
                   ATOMIC_LLONG_LOCK_FREE == 2,
               "metrics: the shared counters need always lock-free int and 64-bit atomics");

/* A slot's counters are one array, so folding and summing are one loop: the requests by
 * route and class, the latency buckets, the latency sum, then the enum metrics_counter ones. */
#define AT_REQUEST(route, cls) ((size_t)(route)*METRICS_CLASSES + (size_t)(cls))
#define AT_LATENCY (AT_REQUEST(METRICS_ROUTES, 0))
#define AT_LATENCY_SUM (AT_LATENCY + METRICS_BUCKETS + 1)
#define AT_COUNTER (AT_LATENCY_SUM + 1)
#define SLOT_COUNTERS (AT_COUNTER + METRIC__COUNT)

struct slot {
    counter c[SLOT_COUNTERS];
    _Atomic int db_connected;
    _Atomic int kind; /* enum metrics_kind; set by the master */
};

struct shared {
    _Atomic unsigned fold_seq; /* odd while the master folds a slot */
    counter restarts[METRICS_RESTART__COUNT];
    _Atomic unsigned cache_seq; /* odd while a process writes the cache */
    _Atomic int64_t cache_at_ms, cache_a, cache_b;
    bool supervised;
    size_t nslots;
    _Atomic size_t used; /* slots at or past this index were never taken: readers stop here */
    struct slot retired; /* the counts of every child that is gone */
    struct slot slots[];
};

static struct shared *pool;      /* the mapping; NULL before metrics_create */
static struct slot private_slot; /* where counts go without a slot of the mapping */
static struct slot *mine = &private_slot;

static void add(counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static uint64_t get(counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static int map(size_t nslots, bool supervised)
{
    size_t size = sizeof(struct shared) + nslots * sizeof(struct slot);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    pool = p; /* zero-filled: every slot free, every counter 0 */
    pool->nslots = nslots;
    pool->supervised = supervised;
    return 0;
}

/* metrics_create - see metrics.h. */
int metrics_create(size_t nslots)
{
    return map(nslots, true);
}

/* metrics_slot_take - see metrics.h. */
int metrics_slot_take(enum metrics_kind kind)
{
    for (size_t i = 0; pool != NULL && i < pool->nslots; i++) {
        if (atomic_load(&pool->slots[i].kind) == METRICS_FREE) {
            atomic_store(&pool->slots[i].kind, (int)kind);
            if (atomic_load(&pool->used) <= i)
                atomic_store(&pool->used, i + 1);
            return (int)i;
        }
    }
    return -1;
}

/* metrics_slot_use - see metrics.h. */
void metrics_slot_use(int index)
{
    if (index < 0 && pool == NULL && map(1, false) == 0) {
        atomic_store(&pool->slots[0].kind, METRICS_WORKER);
        atomic_store(&pool->used, 1);
        index = 0;
    }
    mine = index >= 0 && pool != NULL && (size_t)index < pool->nslots ? &pool->slots[index]
                                                                      : &private_slot;
}

/* metrics_slot_release - see metrics.h. */
void metrics_slot_release(int index)
{
    if (pool == NULL || index < 0 || (size_t)index >= pool->nslots)
        return;
    struct slot *s = &pool->slots[index];
    atomic_fetch_add_explicit(&pool->fold_seq, 1, memory_order_relaxed);
    /* The odd count is seen by a reader that sees any store below (its acquire fence):
     * releasing the count itself would order only what came before it. */
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < SLOT_COUNTERS; i++) {
        add(&pool->retired.c[i], get(&s->c[i]));
        atomic_store_explicit(&s->c[i], 0, memory_order_relaxed);
    }
    atomic_store(&s->db_connected, 0);
    atomic_fetch_add_explicit(&pool->fold_seq, 1, memory_order_release);
    atomic_store(&s->kind, METRICS_FREE);
}

/* metrics_count - see metrics.h. */
void metrics_count(enum metrics_counter c)
{
    add(&mine->c[AT_COUNTER + c], 1);
}

/* metrics_request - see metrics.h. */
void metrics_request(int route, int status, int64_t elapsed_us)
{
    int cls = status / 100 - 1;
    size_t b = 0;

    if (route >= 0 && route < METRICS_ROUTES && cls >= 0 && cls < METRICS_CLASSES)
        add(&mine->c[AT_REQUEST(route, cls)], 1);
    while (b < METRICS_BUCKETS && (double)elapsed_us / 1e6 > metrics_bucket_bounds[b])
        b++;
    add(&mine->c[AT_LATENCY + b], 1);
    add(&mine->c[AT_LATENCY_SUM], elapsed_us > 0 ? (uint64_t)elapsed_us : 0);
}

/* metrics_db_connected - see metrics.h. */
void metrics_db_connected(bool up)
{
    atomic_store_explicit(&mine->db_connected, up ? 1 : 0, memory_order_relaxed);
}

/* metrics_worker_restart - see metrics.h. */
void metrics_worker_restart(enum metrics_restart why)
{
    if (pool != NULL)
        add(&pool->restarts[why], 1);
}

static void sum_slot(uint64_t *acc, struct slot *s)
{
    for (size_t i = 0; i < SLOT_COUNTERS; i++)
        acc[i] += get(&s->c[i]);
}

/* unpack - the summed array into the named fields of out. */
static void unpack(struct metrics_totals *out, const uint64_t *acc)
{
    memcpy(out->requests, acc, sizeof out->requests);
    memcpy(out->latency, acc + AT_LATENCY, sizeof out->latency);
    out->latency_sum_us = acc[AT_LATENCY_SUM];
    memcpy(out->counters, acc + AT_COUNTER, sizeof out->counters);
}

static void sum_all(struct metrics_totals *out)
{
    uint64_t acc[SLOT_COUNTERS] = {0};

    memset(out, 0, sizeof *out);
    if (pool == NULL) {
        sum_slot(acc, &private_slot);
        unpack(out, acc);
        return;
    }
    out->supervised = pool->supervised;
    sum_slot(acc, &pool->retired);
    size_t used = atomic_load(&pool->used);
    for (size_t i = 0; i < used && i < pool->nslots; i++) {
        struct slot *s = &pool->slots[i];
        int kind = atomic_load(&s->kind);
        if (kind == METRICS_FREE)
            continue;
        sum_slot(acc, s);
        if (kind == METRICS_WORKER) {
            out->workers++;
            out->db_connected_workers +=
                atomic_load_explicit(&s->db_connected, memory_order_relaxed);
        }
    }
    for (size_t i = 0; i < METRICS_RESTART__COUNT; i++)
        out->restarts[i] = get(&pool->restarts[i]);
    unpack(out, acc);
}

/* metrics_snapshot - see metrics.h. */
void metrics_snapshot(struct metrics_totals *out)
{
    /* A fold is a few hundred stores by a master that never blocks in it; should one be cut
     * short (the master killed), the sum is taken as it is after many tries. */
    for (int tries = 0;; tries++) {
        unsigned before =
            pool != NULL ? atomic_load_explicit(&pool->fold_seq, memory_order_acquire) : 0;
        sum_all(out);
        if (pool == NULL)
            return;
        /* The relaxed loads of sum_all are done before the count is read again; a
         * seq_cst load alone would not keep them from moving past it. */
        atomic_thread_fence(memory_order_acquire);
        if (tries >= 10000 ||
            (!(before & 1) &&
             atomic_load_explicit(&pool->fold_seq, memory_order_relaxed) == before))
            return;
    }
}

/* metrics_cache_get - see metrics.h. */
bool metrics_cache_get(int64_t now_ms, int64_t max_age_ms, int64_t *a, int64_t *b)
{
    if (pool == NULL)
        return false;
    unsigned before = atomic_load(&pool->cache_seq);
    int64_t at = atomic_load(&pool->cache_at_ms);
    *a = atomic_load(&pool->cache_a);
    *b = atomic_load(&pool->cache_b);
    return !(before & 1) && atomic_load(&pool->cache_seq) == before && at != 0 &&
           now_ms - at <= max_age_ms;
}

/* metrics_cache_put - see metrics.h. Another process writing at the same moment wins; this
 * value is dropped. */
void metrics_cache_put(int64_t now_ms, int64_t a, int64_t b)
{
    if (pool == NULL)
        return;
    unsigned seq = atomic_load(&pool->cache_seq);
    if ((seq & 1) || !atomic_compare_exchange_strong(&pool->cache_seq, &seq, seq + 1))
        return;
    atomic_store(&pool->cache_a, a);
    atomic_store(&pool->cache_b, b);
    atomic_store(&pool->cache_at_ms, now_ms != 0 ? now_ms : 1);
    atomic_store(&pool->cache_seq, seq + 2);
}
