/* totp_cost - the CPU cost of checking a TOTP code as verify-totp does it: decrypt the stored
 * secret (XChaCha20-Poly1305, key SHA-256 of the server secret) and compute the three codes of
 * the window (HMAC-SHA1), per call, in microseconds. Compare with a password hash (hashrate.c).
 *
 *   totp_cost [N]    prints: us_per_check=<mean of N calls>
 * Build (in a build directory): cc -O2 -I SRC/src -I . SRC/contrib/bench/totp_cost.c \
 *   libauthfcgi.a -lcrypto -lutf8proc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/totp.h"
#include "util/xchacha.h"

int main(int argc, char **argv)
{
    const char *server_secret = "a server secret of forty bytes, roughly..";
    const char *secret = "WdDlHH6vKEhaposscerYNTSNTqPf7xOS";
    char *stored = xchacha_ba_encrypt(server_secret, (const uint8_t *)secret, strlen(secret));
    long n = argc > 1 ? atol(argv[1]) : 100000;
    struct timespec t0, t1;
    int hits = 0;

    if (stored == NULL || n <= 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *key = xchacha_ba_decrypt(server_secret, stored, &len);

        hits += key != NULL && totp_verify(key, len, "123456", time(NULL), 30, 6, 1);
        free(key);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("us_per_check=%.2f (n=%ld, matches=%d)\n",
           ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / (double)n, n, hits);
    free(stored);
    return 0;
}
