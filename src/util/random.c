/* random - kernel CSPRNG bytes and uniform alphanumeric tokens. No user-space generator is
 * kept: every call asks the kernel, so there is no state to reseed after fork. */
#include "config.h"

#include "util/random.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char token_alphabet[] = "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789";
#define ALPHABET_SIZE (sizeof(token_alphabet) - 1)

/* The largest multiple of the alphabet size that fits in a byte (4 * 62 = 248). Bytes at or
 * above it are thrown away: taking `byte % 62` over all 256 values would make the first
 * 256 - 248 = 8 letters a quarter more likely than the others. */
#define ACCEPT_BELOW (256 / ALPHABET_SIZE * ALPHABET_SIZE)

/* random_bytes - getrandom(2) in pieces of at most 256 bytes, which the kernel never returns
 * short once its pool is initialised; a signal before that interrupts the call, and either
 * way the loop carries on where it stopped. Asking in pieces keeps that path the common one,
 * and so tested. */
int random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t got = 0;

    while (got < len) {
        size_t want = len - got < 256 ? len - got : 256;
        ssize_t n = getrandom(p + got, want, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            explicit_bzero(buf, len);
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* random_token - rejection sampling over batches of kernel bytes. A batch slightly larger
 * than what is still missing almost always finishes the token in one system call. */
int random_token(char *out, size_t len)
{
    unsigned char pool[64];
    size_t filled = 0;
    int rc = 0;

    while (filled < len) {
        size_t missing = len - filled;
        size_t want = missing + missing / 8 + 4;

        if (want > sizeof(pool))
            want = sizeof(pool);
        if (random_bytes(pool, want) != 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < want && filled < len; i++)
            if (pool[i] < ACCEPT_BELOW)
                out[filled++] = token_alphabet[pool[i] % ALPHABET_SIZE];
    }
    explicit_bzero(pool, sizeof(pool));
    if (rc != 0) {
        int saved = errno;

        explicit_bzero(out, filled);
        out[0] = '\0';
        errno = saved;
        return -1;
    }
    out[len] = '\0';
    return 0;
}
