/* random - the operating system's CSPRNG (getrandom(2)) and the a-zA-Z0-9 tokens Better Auth
 * uses for session tokens, ids and mail tokens, drawn uniformly by rejection sampling.
 * Stateless and reentrant; safe to call in a forked child. */
#ifndef AUTHFCGI_RANDOM_H
#define AUTHFCGI_RANDOM_H

#include <stddef.h>

#define RANDOM_TOKEN_LEN 32       /* session tokens and row ids (user, session, account, ...) */
#define RANDOM_RESET_TOKEN_LEN 24 /* password-reset tokens */

/* random_bytes - fill buf with len bytes from the kernel CSPRNG. Blocks only until the
 * kernel's pool is first initialised (early boot). Returns 0, or -1 with errno set; buf is
 * then wiped. */
int random_bytes(void *buf, size_t len);

/* random_token - write len characters drawn uniformly from a-zA-Z0-9, then a NUL: out must
 * hold len + 1 bytes. Returns 0, or -1 with errno set (out is then the empty string). */
int random_token(char *out, size_t len);

#endif
