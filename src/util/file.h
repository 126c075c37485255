/* file - reading a small file (a template) whole, with the failure said in one phrase: the
 * mail and page template loaders share it. */
#ifndef AUTHFCGI_FILE_H
#define AUTHFCGI_FILE_H

#include <stddef.h>

/* file_read_small - the whole of path, at most max bytes, into *out (malloc'd, the caller's to
 * free, NUL-terminated after its *len bytes; it may hold NUL bytes itself). Returns 1 when
 * read, 0 when path does not exist (*out NULL), -1 with err ("cannot read PATH: REASON",
 * "PATH: read error", "PATH: larger than N KiB") otherwise. */
int file_read_small(const char *path, size_t max, char **out, size_t *len, char *err,
                    size_t errlen);

#endif
