/* config_test - load the settings as `serve` does (settings_load, then worker_check_config,
 * then whom to run as and the database), print them as `NAME = value` lines that a config
 * file could hold, secrets as <redacted>, and one line per problem. */
#include "config.h"

#include "daemon/config_test.h"

#include <stdio.h>
#include <string.h>

#include "daemon/cli.h"
#include "daemon/worker.h"
#include "global/db.h"
#include "global/settings.h"

static const char config_test_help[] =
    "usage: authfcgi config-test [--config FILE]\n"
    "Read the environment and FILE as `authfcgi serve` would, print the effective settings\n"
    "(secrets as <redacted>), then check them, whom to run as, the database connection and\n"
    "that every migration is applied. One line per problem on stderr.\n"
    "Exit status: 0 no problem, 64 usage, 69 database unreachable, 78 configuration.\n";

/* put_setting - `NAME = value` for row d; unset strings as `NAME =`. */
static void put_setting(const struct settings *s, const struct setting_def *d)
{
    const void *field = (const char *)s + d->offset;

    printf("%s =", d->name);
    switch (d->type) {
    case SETTING_SECRET:
        fputs(*(char *const *)field != NULL ? " <redacted>" : "", stdout);
        break;
    case SETTING_STRING:
        if (*(char *const *)field != NULL) {
            fputc(' ', stdout);
            cli_put_clean(stdout, *(char *const *)field);
        }
        break;
    case SETTING_BOOL:
        fputs(*(const bool *)field ? " true" : " false", stdout);
        break;
    case SETTING_OCTAL:
        printf(" %04o", (unsigned)*(const int *)field);
        break;
    case SETTING_ENUM:
        printf(" %s", d->choices[*(const int *)field]);
        break;
    case SETTING_INT:
        printf(" %d", *(const int *)field);
        break;
    }
    fputc('\n', stdout);
}

/* check - the problems after loading; returns the status of the first, counting them. */
static int check(const struct settings *s, unsigned *problems)
{
    char err[512];
    struct db *db = NULL;
    int rc = 0;

    if (worker_check_config(s, err, sizeof err) != 0) {
        rc = cli_fail(EX_CONFIG, "%s", err);
        ++*problems;
    }
    /* Unset, it was the line above. */
    if (s->database_url != NULL) {
        int db_rc = cli_open_db(s, &db);
        if (db_rc != 0) {
            rc = rc != 0 ? rc : db_rc;
            ++*problems;
        }
        if (db != NULL)
            db_close(db);
    }
    return rc;
}

int config_test_main(int argc, char **argv)
{
    const char *config_path = NULL;
    struct settings s;
    unsigned problems = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(config_test_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
        } else {
            fprintf(stderr, "authfcgi: config-test: unknown argument \"%s\"\n%s", argv[i],
                    config_test_help);
            return EX_USAGE;
        }
    }
    int rc = cli_load_settings(&s, config_path);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < settings_count; i++)
        put_setting(&s, &settings_table[i]);
    fflush(stdout);
    rc = check(&s, &problems);
    settings_free(&s);
    if (problems == 0)
        fputs("authfcgi: config-test: the configuration is good\n", stderr);
    return rc;
}
