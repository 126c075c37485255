/* master - the standalone supervisor (`authfcgi serve`): binds the socket, forks and reaps its
 * children (the workers and the mailer), throttles respawns, reloads on SIGHUP and drains on
 * SIGTERM. Never touches the database or a request. */
#ifndef AUTHFCGI_MASTER_H
#define AUTHFCGI_MASTER_H

struct privilege;
struct settings;

/* master_run - run until SIGTERM/SIGINT. config_path (may be NULL) is re-read on SIGHUP; s is
 * the configuration already loaded from it and is owned by the master from here on. Once the
 * socket is bound and the pid file written, the master drops to *privilege
 * (privilege_resolve), before any worker or mailer is forked. Returns the process exit
 * status. */
int master_run(const char *config_path, struct settings *s, const struct privilege *privilege);

#endif
