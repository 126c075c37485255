/* respawn - the doubling back-off shared by every kind of child the master supervises (see
 * respawn.h); the master's table of child kinds gives each its policy. */
#include "config.h"

#include "daemon/respawn.h"

/* respawn_mark - see respawn.h. A round, not a time: the clock has millisecond steps, and a
 * child started in the millisecond of the last change would count as a new round. */
uint64_t respawn_mark(const struct respawn *r)
{
    return r->round;
}

/* respawn_backoff - see respawn.h. */
bool respawn_backoff(struct respawn *r, const struct respawn_policy *p, uint64_t mark, int64_t now)
{
    if (r->delay_ms != 0 && mark != r->round)
        return false;
    int next = r->delay_ms == 0 ? p->min_ms : r->delay_ms * 2;
    if (next > p->max_ms)
        next = p->max_ms;
    bool changed = next != r->delay_ms;
    r->delay_ms = next;
    r->round++;
    r->next_ms = now + next;
    return changed;
}

/* respawn_clear - see respawn.h. */
bool respawn_clear(struct respawn *r)
{
    if (r->delay_ms == 0)
        return false;
    r->delay_ms = 0;
    r->next_ms = 0;
    return true;
}
