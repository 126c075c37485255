/* listener - open the standalone pool's listening socket: a unix socket path (created with its
 * mode from the start, then chowned), a numeric TCP address, or the one socket systemd passed
 * (LISTEN_FDS). Remembers the socket file it created so only that file is ever removed. */
#include "config.h"

#include "daemon/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "global/settings.h"
#include "util/text.h"

#define LISTEN_BACKLOG 1024
#define SD_LISTEN_FDS_START 3

/* The unix socket file this process created: removed by listener_close only when the path
 * still names that very file (a newer instance may have replaced it). */
static struct {
    bool active;
    pid_t owner;
    dev_t dev;
    ino_t ino;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} created;

static int set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* ------------------------------------------------------------------------------------------
 * Exposure: a TCP socket on a public address is a decision, not a default */

/* is_loopback - 127.0.0.0/8, ::1 or an IPv4-mapped 127.x; text gets the address. */
static bool is_loopback(const struct sockaddr *sa, char *text, size_t textlen)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, text, (socklen_t)textlen);
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)textlen);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
           (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
}

static int refuse_exposure(const char *what, const char *text, char *err, size_t errlen)
{
    return text_fail(err, errlen,
                     "AUTHFCGI_SOCKET_REMOTE: %s listens on %s, which is not a loopback address "
                     "(127.0.0.0/8, ::1); set AUTHFCGI_SOCKET_REMOTE=true to allow it, with "
                     "FCGI_WEB_SERVER_ADDRS naming the web servers",
                     what, text);
}

/* listener_check_exposure - see listener.h. */
int listener_check_exposure(int fd, const struct settings *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char text[INET6_ADDRSTRLEN] = "";

    if (s->socket_remote || getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
        return 0;
    if (is_loopback((const struct sockaddr *)&ss, text, sizeof text))
        return 0;
    return refuse_exposure(fd == 0 ? "the socket on fd 0" : "the socket", text, err, errlen);
}

/* ------------------------------------------------------------------------------------------
 * systemd socket activation (sd_listen_fds(3) without libsystemd) */

static int open_systemd(char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");

    if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
        return text_fail(
            err, errlen,
            "AUTHFCGI_SOCKET: systemd, but no socket was passed (LISTEN_PID/LISTEN_FDS "
            "not set for this process)");
    if (strcmp(fds, "1") != 0)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: systemd passed %s sockets, expected one",
                         fds);
    /* Children must not believe the sockets were meant for them. */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");

    int fd = SD_LISTEN_FDS_START;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
        return text_fail(
            err, errlen,
            "AUTHFCGI_SOCKET: the socket systemd passed is not a listening stream socket");
    set_cloexec(fd);
    return fd;
}

/* ------------------------------------------------------------------------------------------
 * TCP: "127.0.0.1:9000", "[::1]:9000" (numeric addresses only: no DNS at start) */

static bool is_tcp_spec(const char *spec)
{
    if (spec[0] == '[')
        return true;
    const char *colon = strrchr(spec, ':');
    return colon != NULL && strchr(spec, '/') == NULL && colon[1] != '\0' &&
           strspn(colon + 1, "0123456789") == strlen(colon + 1);
}

static int split_host_port(const char *spec, char *host, size_t hostlen, const char **port)
{
    const char *h = spec, *end;

    if (*spec == '[') {
        h = spec + 1;
        end = strchr(h, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        *port = end + 2;
    } else {
        end = strrchr(spec, ':');
        *port = end + 1;
    }
    size_t n = (size_t)(end - h);
    if (n == 0 || n >= hostlen || **port == '\0')
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hostlen, "127.0.0.1");
    long p = strtol(*port, NULL, 10);
    return strspn(*port, "0123456789") == strlen(*port) && p > 0 && p < 65536 ? 0 : -1;
}

static int open_tcp(const char *spec, const struct settings *s, char *err, size_t errlen)
{
    char host[64];
    const char *port;

    if (split_host_port(spec, host, sizeof host, &port) != 0)
        return text_fail(
            err, errlen,
            "AUTHFCGI_SOCKET: \"%s\" is not HOST:PORT with a numeric address and a port "
            "from 1 to 65535",
            spec);

    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: \"%s\": %s", spec, gai_strerror(gai));

    char text[INET6_ADDRSTRLEN] = "";
    if (!s->socket_remote && !is_loopback(ai->ai_addr, text, sizeof text)) {
        freeaddrinfo(ai);
        return refuse_exposure(spec, text, err, errlen);
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: cannot listen on %s: %s", spec,
                         strerror(e));
    }
    freeaddrinfo(ai);
    return fd;
}

/* ------------------------------------------------------------------------------------------
 * unix socket path */

/* A socket file left at path is stale when nobody accepts on it; a live one means another
 * instance is running, and anything that is not a socket is never ours to delete. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa, char *err,
                              size_t errlen)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT
                   ? 0
                   : text_fail(err, errlen, "AUTHFCGI_SOCKET: %s: %s", path, strerror(errno));
    if (!S_ISSOCK(st.st_mode))
        return text_fail(err, errlen,
                         "AUTHFCGI_SOCKET: %s exists and is not a socket; refusing to "
                         "replace it",
                         path);
    /* Non-blocking: a live server with a full backlog answers EAGAIN instead of hanging us. */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (probe < 0)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: %s: %s", path, strerror(errno));
    int rc = connect(probe, (const struct sockaddr *)sa, sizeof *sa);
    int e = errno;
    close(probe);
    if (rc == 0 || e == EAGAIN)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: %s is in use by a running server", path);
    if (e != ECONNREFUSED)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: cannot check %s: %s", path, strerror(e));
    if (unlink(path) != 0 && errno != ENOENT)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: cannot remove stale %s: %s", path,
                         strerror(errno));
    return 0;
}

static int lookup_owner(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    char user[256];
    const char *colon = strchr(spec, ':');
    size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);

    if (n >= sizeof user)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET_OWNER: user name too long");
    memcpy(user, spec, n);
    user[n] = '\0';
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET_OWNER: no user \"%s\"", user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (colon != NULL) {
        struct group *gr = getgrnam(colon + 1);
        if (gr == NULL)
            return text_fail(err, errlen, "AUTHFCGI_SOCKET_OWNER: no group \"%s\"", colon + 1);
        *gid = gr->gr_gid;
    }
    return 0;
}

/* Ownership first, permissions second: between bind and listen nobody can connect yet, and the
 * umask around bind means the file never exists with looser bits than asked for. Neither
 * follows a symbolic link: the directory may belong to AUTHFCGI_USER, who could swap the
 * socket for a link to any file between bind and here, and root would chown and chmod the
 * link's target (a way to root). A link there now is refused. */
static int set_socket_file_access(const char *path, const struct settings *s, char *err,
                                  size_t errlen)
{
    if (s->socket_owner != NULL) {
        /* -1 leaves an id unchanged in chown(2), should lookup_owner ever not set it. */
        uid_t uid = (uid_t)-1;
        gid_t gid = (gid_t)-1;
        if (lookup_owner(s->socket_owner, &uid, &gid, err, errlen) != 0)
            return -1;
        if (lchown(path, uid, gid) != 0)
            return text_fail(err, errlen, "AUTHFCGI_SOCKET_OWNER: cannot chown %s: %s", path,
                             strerror(errno));
    }
    if (fchmodat(AT_FDCWD, path, (mode_t)s->socket_mode, AT_SYMLINK_NOFOLLOW) != 0)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET_MODE: cannot chmod %s: %s", path,
                         strerror(errno));
    return 0;
}

static void remember_created(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return;
    created.active = true;
    created.owner = getpid();
    created.dev = st.st_dev;
    created.ino = st.st_ino;
    snprintf(created.path, sizeof created.path, "%s", path);
}

static int open_unix(const char *path, const struct settings *s, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    if (strlen(path) >= sizeof sa.sun_path)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: path too long (at most %zu bytes): %s",
                         sizeof sa.sun_path - 1, path);
    strcpy(sa.sun_path, path);
    if (clear_stale_socket(path, &sa, err, errlen) != 0)
        return -1;

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: %s: %s", path, strerror(errno));
    mode_t old_umask = umask((mode_t)(~s->socket_mode & 0777));
    int rc = bind(fd, (const struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    umask(old_umask);
    if (rc != 0) {
        close(fd);
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: cannot bind %s: %s", path, strerror(e));
    }
    remember_created(path);
    if (set_socket_file_access(path, s, err, errlen) != 0) {
        listener_close(fd);
        return -1;
    }
    if (listen(fd, LISTEN_BACKLOG) != 0) {
        text_fail(err, errlen, "AUTHFCGI_SOCKET: cannot listen on %s: %s", path, strerror(errno));
        listener_close(fd);
        return -1;
    }
    return fd;
}

/* listener_open - see listener.h. */
int listener_open(const struct settings *s, char *err, size_t errlen)
{
    const char *spec = s->socket;

    err[0] = '\0';
    if (spec == NULL || *spec == '\0')
        return text_fail(err, errlen, "AUTHFCGI_SOCKET: not set");
    if (strcmp(spec, "systemd") == 0)
        return open_systemd(err, errlen);
    if (is_tcp_spec(spec))
        return open_tcp(spec, s, err, errlen);
    return open_unix(spec, s, err, errlen);
}

/* listener_close - see listener.h. */
void listener_close(int fd)
{
    struct stat st;

    if (fd >= 0)
        close(fd);
    if (!created.active || created.owner != getpid())
        return;
    /* After a drop of privileges the directory may not let us: the next start clears it. */
    if (lstat(created.path, &st) == 0 && st.st_dev == created.dev && st.st_ino == created.ino &&
        unlink(created.path) != 0) {
        log_event(LOG_LEVEL_WARN, "socket_not_removed", "path=%s errno=%d", created.path, errno);
    }
    created.active = false;
}
