/* listener - the listening socket of the standalone pool: a unix socket (path, mode, owner),
 * a TCP address (loopback unless AUTHFCGI_SOCKET_REMOTE: "127.0.0.1:9000", "[::1]:9000"), or
 * one inherited from systemd (LISTEN_FDS). */
#ifndef AUTHFCGI_LISTENER_H
#define AUTHFCGI_LISTENER_H

#include <stddef.h>

struct settings;

/* listener_open - bind and listen as the settings say. Returns the fd, or -1 with one line in
 * err (the caller exits EXIT_CONFIG). */
int listener_open(const struct settings *s, char *err, size_t errlen);

/* listener_check_exposure - refuse a TCP socket fd (bound by us, by systemd or by the web server
 * in managed mode) on an address other than loopback unless AUTHFCGI_SOCKET_REMOTE is set.
 * Returns 0, or -1 with one line in err (the caller exits EXIT_CONFIG). */
int listener_check_exposure(int fd, const struct settings *s, char *err, size_t errlen);

/* listener_close - close fd (-1: none) and remove the unix socket file this process created,
 * if any and if the path still names that file; the path is the one bound, whatever the
 * settings say after a reload. Forked children never remove it. */
void listener_close(int fd);

#endif
