/* cli - the settings, the database connection and the error lines of the administration
 * commands (cli_user.c, config_test.c); main.c's usage errors use cli_usage too. */
#include "config.h"

#include "daemon/cli.h"

#include <stdarg.h>
#include <stdio.h>

#include "daemon/privilege.h"
#include "global/migrate.h"
#include "global/settings.h"
#include "util/log.h"

static void put_error(const char *fmt, va_list ap)
{
    fputs("authfcgi: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_fail(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    put_error(fmt, ap);
    va_end(ap);
    return status;
}

int cli_usage(const char *help, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    put_error(fmt, ap);
    va_end(ap);
    fputs(help, stderr);
    return EX_USAGE;
}

void cli_put_clean(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++) {
        /* U+0080..U+009F in UTF-8: C1 controls (U+009B is CSI to many terminals) */
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', f);
            p++;
            continue;
        }
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
}

int cli_load_settings(struct settings *s, const char *config_path)
{
    char err[512];

    if (settings_load(s, config_path, err, sizeof err) != 0)
        return cli_fail(EX_CONFIG, "%s", err);
    log_set_level(s->log_level == LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
    log_open("authfcgi", false);
    return 0;
}

/* connect_checked - db_connect, told apart: 0, or the exit status after the line. */
static int connect_checked(struct db *db)
{
    char err[512];
    size_t pending = 0;

    if (db_connect(db) != DB_OK) {
        if (db_config_error(db, err, sizeof err))
            return cli_fail(EX_CONFIG, "DATABASE_URL: %s", err);
        return cli_fail(EX_UNAVAILABLE, "DATABASE_URL: the database is unreachable "
                                        "(AUTHFCGI_LOG_LEVEL=debug shows libpq's reason)");
    }
    if (migrate_pending(db, &pending) != 0)
        return cli_fail(EX_UNAVAILABLE, "database: cannot read the migrations applied");
    if (pending > 0)
        return cli_fail(EX_CONFIG, "database: %zu migration%s pending: run authfcgi migrate",
                        pending, pending == 1 ? "" : "s");
    return 0;
}

int cli_open_db(const struct settings *s, struct db **db)
{
    struct privilege p;
    char err[512];

    if (s->database_url == NULL)
        return cli_fail(EX_CONFIG, "DATABASE_URL: not set");
    if (privilege_resolve(s, &p, err, sizeof err) != 0 || privilege_drop(&p, err, sizeof err) != 0)
        return cli_fail(EX_CONFIG, "%s", err);
    const struct db_options opt = {
        .conninfo = s->database_url,
        .timeout_ms = s->db_timeout_ms,
        .unnamed = true,
        .application_name = "authfcgi-admin",
    };
    if (db_open(db, &opt, err, sizeof err) != 0)
        return cli_fail(EX_CONFIG, "DATABASE_URL: %s", err);
    int rc = connect_checked(*db);
    if (rc != 0) {
        db_close(*db);
        *db = NULL;
    }
    return rc;
}

int cli_store_fail(enum db_status st, const char *what)
{
    switch (st) {
    case DB_NOTFOUND:
        return cli_fail(EX_NOUSER, "%s: no such user", what);
    case DB_CONFLICT:
        return cli_fail(EX_DATAERR, "%s: a user with this e-mail address exists", what);
    case DB_INVALID:
        return cli_fail(EX_DATAERR, "%s: the database refused the data", what);
    case DB_RETRY:
        return cli_fail(EX_TEMPFAIL,
                        "%s: the database became unavailable; nothing was changed, "
                        "try again",
                        what);
    case DB_UNKNOWN:
        return cli_fail(EX_TEMPFAIL,
                        "%s: the database connection was lost after the change was "
                        "sent; it may or may not be made (see authfcgi user show)",
                        what);
    case DB_OK:
    case DB_FAIL:
        break;
    }
    return cli_fail(EX_SOFTWARE, "%s: database error (%s)", what, db_status_name(st));
}
