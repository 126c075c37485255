/* sd_notify - the notify datagram (sd_notify.h). The address is read once, at start, before
 * the master drops its privileges (the socket itself needs none: systemd lets the service's
 * user write to it). */
#include "config.h"

#include "daemon/sd_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

static struct sockaddr_un addr;
static socklen_t addr_len; /* 0 = no socket */
static bool failure_logged;

/* sd_notify_init - see sd_notify.h. */
bool sd_notify_init(void)
{
    const char *name = getenv("NOTIFY_SOCKET");
    size_t n = name != NULL ? strlen(name) : 0;

    addr_len = 0;
    if (n < 2 || n >= sizeof addr.sun_path || (name[0] != '/' && name[0] != '@')) {
        unsetenv("NOTIFY_SOCKET");
        return false;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, name, n);
    if (name[0] == '@')
        addr.sun_path[0] = '\0'; /* abstract: the name is the bytes that follow, unterminated */
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
    unsetenv("NOTIFY_SOCKET");
    return true;
}

/* sd_notify_send - see sd_notify.h. */
void sd_notify_send(const char *text)
{
    if (addr_len == 0)
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ssize_t n = -1;
    if (fd >= 0) {
        do {
            n = sendto(fd, text, strlen(text), MSG_NOSIGNAL, (const struct sockaddr *)&addr,
                       addr_len);
        } while (n < 0 && errno == EINTR);
        close(fd);
    }
    if (n < 0 && !failure_logged) {
        failure_logged = true;
        log_event(LOG_LEVEL_WARN, "notify_failed", "errno=%d", errno);
    }
}

/* sd_notify_reloading - see sd_notify.h. */
void sd_notify_reloading(const char *status)
{
    struct timespec ts;
    char text[512];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(text, sizeof text, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=%s\n",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000,
             status);
    sd_notify_send(text);
}
