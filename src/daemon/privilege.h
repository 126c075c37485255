/* privilege - who authfcgi runs as. Started as root, it drops to AUTHFCGI_USER (and
 * AUTHFCGI_GROUP) once what needs root is done (binding, the socket's owner, the pid file);
 * nothing that reads a request, the database or the outbox ever runs with uid or gid 0. */
#ifndef AUTHFCGI_PRIVILEGE_H
#define AUTHFCGI_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct settings;

/* The identity to drop to, resolved while the user database is still reachable. */
struct privilege {
    bool drop; /* started as root: privilege_drop switches to the fields below */
    uid_t uid;
    gid_t gid;
    char user[256];
    char home[1024]; /* the user's home: HOME after the drop ("" = unset HOME) */
};

/* privilege_resolve - decide from s and the process's ids. As root (any of the real or
 * effective uid or gid 0): s->user is required and must not be root, and *p says whom to drop
 * to. Otherwise nothing is to change (*p->drop false; AUTHFCGI_USER only applies to a start as
 * root). Returns 0, or -1 with one line in err naming the setting (exit EXIT_CONFIG). */
int privilege_resolve(const struct settings *s, struct privilege *p, char *err, size_t errlen);

/* privilege_drop - when p->drop: initgroups, setgid, setuid, in that order, then check that
 * root cannot be regained, and point HOME at the user's home (libpq looks there for
 * ~/.postgresql and ~/.pgpass: root's would be unreadable, and a wrong certificate file is an
 * error, not a miss). Then, in every case, privilege_check. Returns 0 or -1 with err. */
int privilege_drop(const struct privilege *p, char *err, size_t errlen);

/* privilege_check - -1 with one line in err when the real or effective uid or gid is 0: the
 * last guard before a process serves requests or mail. */
int privilege_check(char *err, size_t errlen);

#endif
