/* swap_socket - an LD_PRELOAD shim for privileges.sh: after the real bind(2) of a unix socket
 * at SWAP_SOCKET_PATH, the socket file is moved away and a symbolic link to SWAP_SOCKET_TARGET
 * put in its place, as a service user who owns the socket's directory could do between bind
 * and the chown/chmod that follow it. Test code only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    int (*real_bind)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    const char *path = getenv("SWAP_SOCKET_PATH"), *target = getenv("SWAP_SOCKET_TARGET");
    int rc = real_bind(fd, addr, len);
    char moved[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];

    if (rc == 0 && addr->sa_family == AF_UNIX && path != NULL && target != NULL &&
        strcmp(((const struct sockaddr_un *)addr)->sun_path, path) == 0) {
        snprintf(moved, sizeof moved, "%s.away", path);
        if (rename(path, moved) != 0 || symlink(target, path) != 0)
            abort();
    }
    return rc;
}
