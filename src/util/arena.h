/* arena - per-request memory: bump allocation, released all at once by arena_reset, which also
 * wipes what was used (request bodies hold passwords). That makes the request's arena the home
 * of every secret a request holds (password hashes, raw tokens): nothing to wipe by hand, on
 * any path. Out of memory aborts the process: a worker that cannot allocate is replaced by its
 * supervisor. arena_buf is a string that grows in an arena. */
#ifndef AUTHFCGI_ARENA_H
#define AUTHFCGI_ARENA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

struct arena *arena_create(size_t chunk_size);
void arena_destroy(struct arena *a);
/* arena_reset - wipe and forget every allocation; keeps the first chunk for reuse. */
void arena_reset(struct arena *a);

/* Everything returned below is owned by the arena and valid until arena_reset/destroy. */
void *arena_alloc(struct arena *a, size_t n);                  /* zeroed, aligned for any type */
char *arena_strdup(struct arena *a, const char *s);            /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n); /* at most n bytes of s */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arena_holds - whether the n bytes at p lie within what a handed out since its last reset,
 * i.e. whether arena_reset will wipe them: how a caller checks where a secret lives. */
bool arena_holds(const struct arena *a, const void *p, size_t n);

/* arena_buf - a string that grows in the arena, always NUL-terminated (s is "" after
 * arena_buf_init); a block it outgrows stays in the arena until arena_reset. */
struct arena_buf {
    struct arena *arena;
    char *s;
    size_t len, cap;
};
void arena_buf_init(struct arena_buf *b, struct arena *a);
void arena_buf_add(struct arena_buf *b, const char *s, size_t n); /* append n bytes of s */

#endif
