/* arena - per-request bump allocator over a list of chunks. Reset wipes every byte handed out
 * (request bodies carry passwords) and keeps only the first chunk, so a worker's steady state
 * does no malloc at all for requests that fit in one chunk. */
#include "config.h"

#include "util/arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_MIN_CHUNK 1024

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct chunk *head; /* the chunk being filled; older chunks follow */
    size_t chunk_size;
};

/* Out of memory is not recoverable in a worker: say so and abort, the supervisor replaces
 * the process. Only async-signal-safe calls, the heap may be in any state. */
static _Noreturn void arena_out_of_memory(void)
{
    static const char msg[] = "authfcgi: out of memory in arena\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    abort();
}

static struct chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct chunk))
        arena_out_of_memory();
    struct chunk *c = malloc(sizeof(struct chunk) + size);
    if (c == NULL)
        arena_out_of_memory();
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static void chunk_wipe(struct chunk *c)
{
    explicit_bzero(c->data, c->used);
    c->used = 0;
}

/* arena_create - an empty arena whose chunks hold chunk_size bytes (larger requests get a
 * chunk of their own). Owned by the caller: release with arena_destroy. */
struct arena *arena_create(size_t chunk_size)
{
    struct arena *a = malloc(sizeof *a);
    if (a == NULL)
        arena_out_of_memory();
    a->chunk_size = chunk_size < ARENA_MIN_CHUNK ? ARENA_MIN_CHUNK : chunk_size;
    a->head = chunk_new(a->chunk_size);
    return a;
}

/* arena_destroy - wipe and free everything, the arena itself included. NULL is a no-op. */
void arena_destroy(struct arena *a)
{
    if (a == NULL)
        return;
    struct chunk *c = a->head;
    while (c != NULL) {
        struct chunk *next = c->next;
        chunk_wipe(c);
        free(c);
        c = next;
    }
    free(a);
}

/* arena_reset - wipe every allocation and keep one chunk of the normal size for reuse. */
void arena_reset(struct arena *a)
{
    struct chunk *keep = NULL;
    struct chunk *c = a->head;

    while (c != NULL) {
        struct chunk *next = c->next;
        chunk_wipe(c);
        /* Keep a normal-sized chunk; oversized ones came from one large request. */
        if (keep == NULL && c->size == a->chunk_size) {
            keep = c;
            keep->next = NULL;
        } else {
            free(c);
        }
        c = next;
    }
    a->head = keep != NULL ? keep : chunk_new(a->chunk_size);
}

static size_t align_up(size_t n)
{
    if (n > SIZE_MAX - (ARENA_ALIGN - 1))
        arena_out_of_memory();
    return (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

/* arena_alloc - n zeroed bytes aligned for any type, valid until the next reset. n == 0
 * returns a valid unique pointer. */
void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = align_up(n == 0 ? 1 : n);
    struct chunk *c = a->head;

    if (c->size - c->used < need) {
        c = chunk_new(need > a->chunk_size ? need : a->chunk_size);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    /* Chunks are wiped on reset, but fresh malloc memory is not zero. */
    memset(p, 0, need);
    return p;
}

/* arena_holds - see arena.h. Compares addresses as integers: p need not come from the arena. */
bool arena_holds(const struct arena *a, const void *p, size_t n)
{
    uintptr_t at = (uintptr_t)p;

    for (const struct chunk *c = a->head; c != NULL; c = c->next) {
        uintptr_t start = (uintptr_t)c->data;

        if (at >= start && at - start <= c->used && n <= c->used - (at - start))
            return true;
    }
    return false;
}

/* arena_strndup - the first n bytes of s (or fewer, up to its NUL), NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    if (len == SIZE_MAX)
        arena_out_of_memory();
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* arena_strdup - a copy of s; NULL stays NULL so optional fields copy without a test. */
char *arena_strdup(struct arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

/* arena_printf - a formatted string in the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap, ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return arena_strdup(a, "");
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void arena_buf_init(struct arena_buf *b, struct arena *a)
{
    b->arena = a;
    b->cap = 64;
    b->s = arena_alloc(a, b->cap);
    b->len = 0;
}

void arena_buf_add(struct arena_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *grown = arena_alloc(b->arena, cap);
        memcpy(grown, b->s, b->len);
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}
