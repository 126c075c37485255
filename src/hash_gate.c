/* hash_gate - the slots are byte-range locks (fcntl F_SETLK, owned by the process) on an
 * anonymous file the workers inherit: the kernel drops the lock of a worker that dies, so a
 * crash never keeps a slot, and nothing is left behind in the system when the pool stops. */
#include "config.h"

#include "hash_gate.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Process-wide, like the listening socket: set by the master, inherited over fork. */
static int gate_fd = -1;
static int gate_slots;
static int held_slot = -1;

static int slot_lock(int slot, short type, int cmd)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1};

    return fcntl(gate_fd, cmd, &fl);
}

/* hash_gate_open - see hash_gate.h. */
int hash_gate_open(int slots)
{
    if (slots <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        slots = cpus > 0 ? (int)cpus : 1;
    }
    int fd = memfd_create("authfcgi-hash-gate", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    hash_gate_close();
    gate_fd = fd;
    gate_slots = slots;
    return 0;
}

/* hash_gate_close - see hash_gate.h. */
void hash_gate_close(void)
{
    if (gate_fd >= 0)
        close(gate_fd);
    gate_fd = -1;
    gate_slots = 0;
    held_slot = -1;
}

/* hash_gate_enter - a free slot if there is one, else queue on one chosen by pid, which spreads
 * the waiters over the slots (a lock cannot wait for "any of these"; a waiter may thus wait
 * for its slot while another one frees, at most one hash longer, and only when the gate is
 * full anyway). Each process holds at most one lock and waits with none, so the waits cannot
 * form a cycle. */
void hash_gate_enter(void)
{
    if (gate_fd < 0 || held_slot >= 0)
        return;
    for (int i = 0; i < gate_slots; i++) {
        if (slot_lock(i, F_WRLCK, F_SETLK) == 0) {
            held_slot = i;
            return;
        }
    }
    int slot = (int)(getpid() % gate_slots);
    int rc;
    do {
        rc = slot_lock(slot, F_WRLCK, F_SETLKW);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0)
        held_slot = slot;
}

/* hash_gate_leave - see hash_gate.h. */
void hash_gate_leave(void)
{
    if (gate_fd < 0 || held_slot < 0)
        return;
    (void)slot_lock(held_slot, F_UNLCK, F_SETLK);
    held_slot = -1;
}
