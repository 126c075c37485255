/* file - reading a small file (a template) whole: open, read at most a limit, say why not. */
#include "config.h"

#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int file_read_small(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");

    *out = NULL;
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    /* One byte more than max tells a file too large from one of exactly max bytes. */
    char *data = malloc(max + 2);
    if (data == NULL)
        abort();
    size_t n = fread(data, 1, max + 1, f);
    int bad = ferror(f);
    fclose(f);
    data[n] = '\0';
    if (bad || n > max) {
        free(data);
        if (bad)
            snprintf(err, errlen, "%s: read error", path);
        else
            snprintf(err, errlen, "%s: larger than %zu KiB", path, max / 1024);
        return -1;
    }
    *out = data;
    *len = n;
    return 1;
}
