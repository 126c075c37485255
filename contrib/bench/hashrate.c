/* hashrate - the password-hash ceiling of contrib/bench/api-bench.sh: how many yescrypt
 * hashes per second this machine computes at a given cost with PROCS processes busy (one per
 * core = what a sign-in load can get at most). The cost is libxcrypt's crypt_gensalt count,
 * as authfcgi's AUTHFCGI_PASSWORD_COST (0 = libxcrypt's default).
 *
 *   hashrate COST SECONDS PROCS   prints: hashes_per_s=<total> ms_per_hash=<one process>
 *                                 setting=<the $y$ parameters>
 * Build: cc -O2 hashrate.c $(pkg-config --cflags --libs libxcrypt) */
#define _GNU_SOURCE
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long cost;
    double seconds, total = 0;
    int procs, fds[2];
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];

    if (argc != 4 || (procs = atoi(argv[3])) < 1 || (seconds = atof(argv[2])) <= 0) {
        fprintf(stderr, "usage: hashrate COST SECONDS PROCS\n");
        return 2;
    }
    cost = strtoul(argv[1], NULL, 10);
    if (crypt_gensalt_rn("$y$", cost, NULL, 0, setting, sizeof setting) == NULL) {
        fprintf(stderr, "hashrate: libxcrypt refuses yescrypt cost %lu\n", cost);
        return 1;
    }
    if (pipe(fds) != 0)
        return 1;
    for (int i = 0; i < procs; i++) {
        if (fork() == 0) {
            struct crypt_data *cd = calloc(1, sizeof *cd);
            double start = now_s(), end = start + seconds, t = start;
            long n = 0;
            char line[64];

            while (t < end) {
                if (crypt_rn("correct horse battery staple", setting, cd, sizeof *cd) == NULL)
                    _exit(1);
                n++;
                t = now_s();
            }
            snprintf(line, sizeof line, "%ld %.6f\n", n, t - start);
            if (write(fds[1], line, strlen(line)) < 0)
                _exit(1);
            _exit(0);
        }
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    long n;
    double secs, ms_one = 0;
    int got = 0;
    while (in != NULL && fscanf(in, "%ld %lf", &n, &secs) == 2) {
        total += n / secs;
        ms_one += secs * 1000 / n;
        got++;
    }
    while (wait(NULL) > 0)
        ;
    if (got != procs) {
        fprintf(stderr, "hashrate: %d of %d processes failed\n", procs - got, procs);
        return 1;
    }
    /* The $y$ parameters without the salt: "$y$j9T$". */
    char *salt = strchr(setting + 3, '$');
    if (salt != NULL)
        salt[1] = '\0';
    printf("hashes_per_s=%.1f ms_per_hash=%.1f setting=%s\n", total, ms_one / got, setting);
    return 0;
}
