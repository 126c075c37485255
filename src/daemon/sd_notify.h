/* sd_notify - systemd's readiness protocol (Type=notify), written here: one datagram of
 * "KEY=value" lines to the socket named by $NOTIFY_SOCKET (a path, or an abstract name when it
 * starts with '@'). No library: the protocol is a single sendmsg. */
#ifndef AUTHFCGI_SD_NOTIFY_H
#define AUTHFCGI_SD_NOTIFY_H

#include <stdbool.h>

/* sd_notify_init - take $NOTIFY_SOCKET and remove it from the environment (the children must
 * not talk to systemd). Returns true when there is one to talk to. */
bool sd_notify_init(void);

/* sd_notify_send - send text (lines "KEY=value\n"); nothing when there is no socket. A failure
 * is logged once, never fatal: systemd's own timeout decides then. */
void sd_notify_send(const char *text);

/* sd_notify_reloading - "RELOADING=1" with MONOTONIC_USEC (systemd 253+ wants it; older ones
 * ignore it) and a STATUS= line. */
void sd_notify_reloading(const char *status);

#endif
