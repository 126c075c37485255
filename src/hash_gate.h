/* hash_gate - at most one password hash per CPU at a time across the workers of one pool.
 * More only time-slice against each other, each yescrypt holding 16 MiB of cache-hungry
 * state, so a burst of sign-ins all finish later than they need to. The master opens the gate
 * before forking; a process without one (managed mode, unit tests) hashes ungated. */
#ifndef AUTHFCGI_HASH_GATE_H
#define AUTHFCGI_HASH_GATE_H

/* hash_gate_open - make a gate of slots slots (<= 0: one per online CPU), inherited by the
 * children forked after it. Returns 0, or -1 (errno set; the pool then runs ungated). */
int hash_gate_open(int slots);

/* hash_gate_close - forget the gate in this process (children keep theirs). */
void hash_gate_close(void);

/* hash_gate_enter - wait for a free slot and hold it (a no-op without a gate, or if waiting
 * fails: the hash then runs ungated rather than not at all). hash_gate_leave - give it back.
 * Calls pair up; they do not nest. */
void hash_gate_enter(void);
void hash_gate_leave(void);

#endif
