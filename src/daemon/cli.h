/* cli - what the administration commands (`authfcgi user`, `authfcgi config-test`) share:
 * sysexits(3) exit statuses, one-line errors (usage errors too, also main.c's), and the
 * settings and database as `authfcgi serve` reads and reaches them. */
#ifndef AUTHFCGI_CLI_H
#define AUTHFCGI_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>

#include "global/db.h"

struct settings;

/* cli_fail - print "authfcgi: " and the formatted line on stderr; returns status. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_usage - the same line, then help (the command's usage text); returns EX_USAGE. */
int cli_usage(const char *help, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_put_clean - s (NULL: nothing) on f with control characters (C0, DEL, and C1 in UTF-8)
 * shown as '?': names and settings are anyone's text, and must not drive the terminal. */
void cli_put_clean(FILE *f, const char *s);

/* cli_load_settings - settings_load as every command does (environment, then config_path);
 * only log lines at level error are shown unless AUTHFCGI_LOG_LEVEL is debug: the commands
 * speak through their own one-line errors. Returns 0, or EX_CONFIG after printing why. On
 * success *s is the caller's (settings_free). */
int cli_load_settings(struct settings *s, const char *config_path);

/* cli_open_db - as the workers do: drop to AUTHFCGI_USER when started as root, connect to
 * DATABASE_URL (statements unnamed: nothing prepared) and require every migration of this
 * build to be applied. Returns 0 with *db the caller's (db_close), or an exit status after
 * printing why: EX_CONFIG (unset or refused DATABASE_URL, a privilege problem, pending
 * migrations), EX_UNAVAILABLE (database unreachable). */
int cli_open_db(const struct settings *s, struct db **db);

/* cli_store_fail - the exit status and line for a store operation's failure st on what (a
 * user's address or id): DB_NOTFOUND EX_NOUSER, DB_CONFLICT and DB_INVALID EX_DATAERR,
 * DB_RETRY (nothing changed) and DB_UNKNOWN (a commit whose answer was lost) EX_TEMPFAIL,
 * DB_FAIL EX_SOFTWARE. */
int cli_store_fail(enum db_status st, const char *what);

#endif
