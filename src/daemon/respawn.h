/* respawn - the back-off of one kind of supervised child: a child that dies before proving
 * itself makes the next start of its kind wait, the wait doubling once per round of starts
 * (not once per death: a whole round of workers dying together is one failure). */
#ifndef AUTHFCGI_RESPAWN_H
#define AUTHFCGI_RESPAWN_H

#include <stdbool.h>
#include <stdint.h>

struct respawn_policy {
    int min_ms, max_ms; /* the first wait, and the most it doubles to */
};

/* Zero-initialised: no wait. */
struct respawn {
    int delay_ms;    /* 0 = start at once */
    int64_t next_ms; /* no start of this kind before (monotonic ms) */
    uint64_t round;  /* bumped by every death respawn_backoff counts, at max_ms too */
};

/* respawn_mark - what a child started now carries, to hand back to respawn_backoff. */
uint64_t respawn_mark(const struct respawn *r);

/* respawn_backoff - a child with mark died unproven at now: the wait doubles (from min_ms,
 * capped at max_ms) unless the child was started before the last change, i.e. its round has
 * already been counted. Returns true when delay_ms changed. */
bool respawn_backoff(struct respawn *r, const struct respawn_policy *p, uint64_t mark, int64_t now);

/* respawn_clear - back to no wait; returns true when there was one. */
bool respawn_clear(struct respawn *r);

#endif
