/* main - the authfcgi command line: serve (standalone master), migrate, mail, user, config-test,
 * version, and the managed mode where a web server hands us a listening socket on fd 0 and
 * supervises us.
 *
 * Exit statuses (sysexits.h): 0 success, 1 runtime failure, 64 usage error, 78 bad
 * configuration (with one line on stderr naming the setting); `user` and `config-test` use
 * more of sysexits.h (cli.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "global/db.h"
#include "daemon/cli.h"
#include "daemon/cli_user.h"
#include "daemon/config_test.h"
#include "daemon/fcgi_io.h"
#include "daemon/listener.h"
#include "util/log.h"
#include "daemon/mailer.h"
#include "daemon/master.h"
#include "global/migrate.h"
#include "daemon/privilege.h"
#include "global/settings.h"
#include "daemon/worker.h"

/* Migrations may build indexes on big tables: never cut them at the request deadline. */
#define MIGRATE_MIN_TIMEOUT_MS 60000

enum command { CMD_NONE, CMD_SERVE, CMD_MIGRATE, CMD_MAIL, CMD_VERSION };

struct options {
    enum command command;
    const char *config_path;
    bool status_only;
    bool once;
    bool help;
};

static const char usage_text[] =
    "usage: authfcgi serve [--config FILE]         run the worker pool (AUTHFCGI_SOCKET)\n"
    "       authfcgi migrate [--status] [--config FILE]\n"
    "                                              apply (or list) database migrations\n"
    "       authfcgi mail [--once] [--config FILE]\n"
    "                                              deliver the mail outbox (AUTHFCGI_SENDMAIL)\n"
    "       authfcgi user COMMAND ...                 list, show, create, set-password,\n"
    "                                              verify-email, revoke-sessions, delete users\n"
    "       authfcgi config-test [--config FILE]   show and check the configuration\n"
    "       authfcgi version\n"
    "       authfcgi [--config FILE]               with a listening socket on fd 0 (mod_fcgid,\n"
    "                                              lighttpd bin-path, spawn-fcgi): one worker\n"
    "Settings come from the environment (AUTHFCGI_*, DATABASE_URL) and the --config file\n"
    "(`KEY = value` lines), which wins. `authfcgi COMMAND --help` describes a command.\n";

static const char serve_help[] =
    "usage: authfcgi serve [--config FILE]\n"
    "Bind AUTHFCGI_SOCKET and run AUTHFCGI_WORKERS worker processes under a supervisor.\n"
    "Signals: SIGTERM/SIGINT drain and exit within AUTHFCGI_SHUTDOWN_TIMEOUT_MS; SIGHUP\n"
    "re-reads the configuration and replaces the workers without failing a request.\n"
    "Exit status: 0 after a clean stop, 78 bad configuration, 1 other failure.\n";

static const char migrate_help[] =
    "usage: authfcgi migrate [--status] [--config FILE]\n"
    "Apply the migrations DATABASE_URL has not seen yet, each in its own transaction.\n"
    "  --status   only list the migrations and whether each is applied\n"
    "Exit status: 0 up to date, 1 failure (logged), 78 bad configuration.\n";

static const char mail_help[] =
    "usage: authfcgi mail [--once] [--config FILE]\n"
    "Deliver the mail outbox through AUTHFCGI_SENDMAIL, retrying failures with backoff. Any\n"
    "number of copies may run at once. `authfcgi serve` runs one itself when AUTHFCGI_MAIL_FROM\n"
    "is set; without serve (mod_fcgid), run `authfcgi mail --once` from cron.\n"
    "  --once     deliver what is due now, then exit (0 also when nothing was due)\n"
    "Signals: SIGTERM/SIGINT finish the message in hand and exit.\n"
    "Exit status: 0 done or stopped, 1 database unavailable (--once), 78 bad configuration\n"
    "(also a database that refuses the password or certificate).\n";

static const char version_help[] = "usage: authfcgi version\nPrint the version.\n";

/* slowcgi's hygiene: fds 0-2 must be open, or the first file or socket we open would become
 * "stdout" and receive log lines. An open fd 0 is left alone: it may be our socket. Since
 * lower fds are open by the time fd is checked, open() returns fd itself. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
            abort();
    }
}

static int parse_command(const char *word, enum command *out)
{
    static const struct {
        const char *name;
        enum command command;
    } commands[] = {{"serve", CMD_SERVE},
                    {"migrate", CMD_MIGRATE},
                    {"mail", CMD_MAIL},
                    {"version", CMD_VERSION}};

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(word, commands[i].name) == 0) {
            *out = commands[i].command;
            return 0;
        }
    }
    return -1;
}

/* Returns 0, or an exit status after printing why. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int i = 1;

    memset(o, 0, sizeof *o);
    if (i < argc && argv[i][0] != '-') {
        if (parse_command(argv[i], &o->command) != 0)
            return cli_usage(usage_text, "unknown command \"%s\"", argv[i]);
        i++;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
        } else if (strcmp(a, "--config") == 0 && o->command != CMD_VERSION) {
            if (++i == argc)
                return cli_usage(usage_text, "%s needs a file name", a);
            o->config_path = argv[i];
        } else if (strncmp(a, "--config=", 9) == 0 && o->command != CMD_VERSION) {
            o->config_path = a + 9;
        } else if (strcmp(a, "--status") == 0 && o->command == CMD_MIGRATE) {
            o->status_only = true;
        } else if (strcmp(a, "--once") == 0 && o->command == CMD_MAIL) {
            o->once = true;
        } else if (strcmp(a, "--version") == 0 && o->command == CMD_NONE) {
            o->command = CMD_VERSION;
        } else {
            return cli_usage(usage_text, "unknown option \"%s\"", a);
        }
    }
    return 0;
}

static int print_help(enum command command)
{
    const char *text = command == CMD_SERVE     ? serve_help
                       : command == CMD_MIGRATE ? migrate_help
                       : command == CMD_MAIL    ? mail_help
                       : command == CMD_VERSION ? version_help
                                                : usage_text;
    fputs(text, stdout);
    return 0;
}

/* Load and check the configuration; on failure print the one line and give EXIT_CONFIG. */
static int load_settings(struct settings *s, const char *path, bool serving)
{
    char err[512];

    if (settings_load(s, path, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    if (serving && worker_check_config(s, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        settings_free(s);
        return EXIT_CONFIG;
    }
    log_set_level(s->log_level);
    log_open("authfcgi", s->syslog);
    return 0;
}

/* load_db_settings - load_settings for the commands that need the database, not the secret. */
static int load_db_settings(struct settings *s, const char *path)
{
    int rc = load_settings(s, path, false);
    if (rc == 0 && s->database_url == NULL) {
        fprintf(stderr, "authfcgi: DATABASE_URL: not set\n");
        settings_free(s);
        rc = EXIT_CONFIG;
    }
    return rc;
}

/* The start-up check of `serve`: a wrong CA, host name or password stops it here with one
 * line and EXIT_CONFIG, instead of workers answering 503 for ever; an unreachable server does
 * not (the workers ride the outage out). The master never holds a database connection, so the
 * attempt runs in a short-lived child, which prints the line. A DATABASE_URL libpq cannot
 * parse is left to the workers, as before this check existed: each reports it at its start
 * (worker_config_error, exit 78) and the master throttles them (test/e2e/supervision.sh relies
 * on that). Returns 0 or EXIT_CONFIG. */
static int check_database(const struct settings *s, const struct privilege *privilege)
{
    int status;
    pid_t pid;

    fflush(NULL);
    if ((pid = fork()) < 0)
        return 0; /* no check: the workers report the same error at their start */
    if (pid == 0) {
        char err[512];
        /* As the workers will: the CA file or .pgpass must be readable by their user. */
        if (privilege_drop(privilege, err, sizeof err) != 0) {
            fprintf(stderr, "authfcgi: %s\n", err);
            _exit(EXIT_CONFIG);
        }
        const struct db_options opt = {
            .conninfo = s->database_url,
            .timeout_ms = s->db_timeout_ms,
            .application_name = "authfcgi-check",
        };
        if (db_probe(&opt, err, sizeof err) == -1) {
            fprintf(stderr, "authfcgi: DATABASE_URL: %s\n", err);
            _exit(EXIT_CONFIG);
        }
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFIG ? EXIT_CONFIG : 0;
}

/* Resolve whom to run as (print the one line on failure). Returns 0 or EXIT_CONFIG. */
static int resolve_privilege(const struct settings *s, struct privilege *p)
{
    char err[512];

    if (privilege_resolve(s, p, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    return 0;
}

/* Resolve and drop at once: for the processes that bind nothing (mail, managed workers). */
static int drop_privilege(const struct settings *s)
{
    struct privilege p;
    char err[512];

    if (resolve_privilege(s, &p) != 0)
        return EXIT_CONFIG;
    if (privilege_drop(&p, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: %s\n", err);
        return EXIT_CONFIG;
    }
    return 0;
}

static int run_serve(const char *config_path)
{
    static struct privilege privilege; /* the master borrows it until it exits */
    struct settings *s = calloc(1, sizeof *s);
    if (s == NULL)
        return 1;
    int rc = load_settings(s, config_path, true);
    if (rc == 0 &&
        ((rc = resolve_privilege(s, &privilege)) != 0 || (rc = check_database(s, &privilege)) != 0))
        settings_free(s);
    if (rc != 0) {
        free(s);
        return rc;
    }
    /* The master owns s from here on. */
    return master_run(config_path, s, &privilege);
}

static int run_migrate(const char *config_path, bool status_only)
{
    struct settings s;
    char err[512];
    struct db *db;

    int rc = load_db_settings(&s, config_path);
    if (rc != 0)
        return rc;
    /* Unnamed statements: nothing is prepared against tables that do not exist yet. */
    struct db_options opt = {
        .conninfo = s.database_url,
        .timeout_ms =
            s.db_timeout_ms > MIGRATE_MIN_TIMEOUT_MS ? s.db_timeout_ms : MIGRATE_MIN_TIMEOUT_MS,
        .unnamed = true,
        .application_name = "authfcgi-migrate",
    };
    if (db_open(&db, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "authfcgi: DATABASE_URL: %s\n", err);
        settings_free(&s);
        return EXIT_CONFIG;
    }
    enum db_status st = db_connect(db);
    if (st != DB_OK && db_config_error(db, err, sizeof err)) {
        fprintf(stderr, "authfcgi: DATABASE_URL: %s\n", err);
        db_close(db);
        settings_free(&s);
        return EXIT_CONFIG;
    }
    rc = st == DB_OK && migrate_run(db, status_only, stdout) == 0 ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, "authfcgi: migrate failed (see the log lines above)\n");
    db_close(db);
    settings_free(&s);
    return rc;
}

/* The outbox deliverer; it needs the database, not the secret (messages are rendered). */
static int run_mail(const char *config_path, bool once)
{
    struct settings s;

    int rc = load_db_settings(&s, config_path);
    if (rc != 0)
        return rc;
    if ((rc = drop_privilege(&s)) == 0)
        rc = mailer_run(&s, once);
    settings_free(&s);
    return rc;
}

/* Managed mode: one worker on the web server's socket; the web server supervises. */
static int run_managed(const char *config_path)
{
    struct settings s;

    char err[512];

    int rc = load_settings(&s, config_path, true);
    if (rc != 0)
        return rc;
    if ((rc = drop_privilege(&s)) == 0) {
        if (listener_check_exposure(0, &s, err, sizeof err) == 0) {
            rc = worker_run(&s, 0, -1);
        } else {
            fprintf(stderr, "authfcgi: %s\n", err);
            rc = EXIT_CONFIG;
        }
    }
    settings_free(&s);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;

    ensure_standard_fds();
    /* The administration commands parse their own arguments. */
    if (argc > 1 && strcmp(argv[1], "user") == 0)
        return cli_user_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "config-test") == 0)
        return config_test_main(argc - 1, argv + 1);
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.help)
        return print_help(o.command);

    switch (o.command) {
    case CMD_VERSION:
        printf("authfcgi %s\n", PACKAGE_VERSION);
        return 0;
    case CMD_SERVE:
        return run_serve(o.config_path);
    case CMD_MIGRATE:
        return run_migrate(o.config_path, o.status_only);
    case CMD_MAIL:
        return run_mail(o.config_path, o.once);
    case CMD_NONE:
        break;
    }
    if (!fcgi_io_fd_is_listening_socket(0)) {
        fputs(usage_text, stderr);
        return EX_USAGE;
    }
    return run_managed(o.config_path);
}
