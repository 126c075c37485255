/* replay - main() for the fuzz targets built without libFuzzer (gcc, `make check`): feed every
 * file of the target's committed corpus to LLVMFuzzerTestOneInput once, each in a heap buffer
 * of exactly its size so that ASan sees any read past the end.
 *
 *   fuzz_NAME [DIR|FILE...]   default: $top_srcdir/test/fuzz/corpus/NAME
 *
 * Fails when a directory holds no input (a replay of nothing proves nothing); an invariant
 * failure or a crash fails it the way it fails the fuzzer. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Targets that need no set-up do not define it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;

    if (f == NULL || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        if (f != NULL)
            fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = malloc(size > 0 ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int only_files(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* replay_dir - every file in dir, in name order; the count, or -1. */
static long replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, only_files, alphasort);
    long done = 0;

    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (done >= 0 && replay_file(path) == 0)
            done++;
        else
            done = -1;
        free(names[i]);
    }
    free(names);
    return done;
}

static long replay(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return replay_dir(path);
    return replay_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
    char dir[4096];
    long total = 0;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            long n = replay(argv[i]);
            if (n < 0)
                return 1;
            total += n;
        }
    } else {
        /* The program is fuzz_NAME (libtool may add a lt- prefix); its corpus is NAME. */
        const char *base = strrchr(argv[0], '/');
        base = base != NULL ? base + 1 : argv[0];
        if (strncmp(base, "lt-", 3) == 0)
            base += 3;
        if (strncmp(base, "fuzz_", 5) == 0)
            base += 5;
        const char *top = getenv("top_srcdir");
        snprintf(dir, sizeof dir, "%s/test/fuzz/corpus/%s", top != NULL ? top : ".", base);
        total = replay(dir);
        if (total < 0)
            return 1;
        if (total == 0) {
            fprintf(stderr, "replay: no input in %s\n", dir);
            return 1;
        }
    }
    printf("replayed %ld input(s)\n", total);
    return 0;
}
