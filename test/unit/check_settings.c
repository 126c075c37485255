/* check_settings - the settings table and loader: defaults, environment and aliases, the
 * config file, one-line errors naming the setting (and an enumeration's choices), bounds, the
 * restart-only column, and the pooler decision. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "global/settings.h"

#define SECRET40 "0123456789abcdef0123456789abcdef01234567"

static char err[512];

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Every test starts from an environment with none of our settings in it. */
static void clear_env(void)
{
    for (size_t i = 0; i < settings_count; i++) {
        unsetenv(settings_table[i].name);
        if (settings_table[i].alias != NULL)
            unsetenv(settings_table[i].alias);
    }
}

/* A config file with the given text in a fresh temporary file; the caller unlinks it. */
static char *write_config(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/check_settings.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void assert_one_line_naming(const char *name)
{
    ck_assert_msg(strncmp(err, name, strlen(name)) == 0 && err[strlen(name)] == ':',
                  "error does not start with \"%s:\": %s", name, err);
    ck_assert_msg(strchr(err, '\n') == NULL, "error is not one line: %s", err);
}

/* ---------------------------------------------------------------------------------------- */

START_TEST(table_is_well_formed)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        ck_assert_ptr_nonnull(d->name);
        ck_assert_msg(d->doc != NULL && *d->doc != '\0', "%s has no doc line", d->name);
        ck_assert_msg(strchr(d->doc, '\n') == NULL, "%s doc is not one line", d->name);
        if (d->type == SETTING_INT || d->type == SETTING_OCTAL)
            ck_assert_msg(d->min <= d->max, "%s: min > max", d->name);
        /* An enumeration has its choices, and its default is one of them. */
        ck_assert_msg((d->type == SETTING_ENUM) == (d->choices != NULL), "%s: choices", d->name);
        if (d->type == SETTING_ENUM) {
            bool found = false;
            for (size_t k = 0; d->choices[k] != NULL; k++)
                found |= strcmp(d->choices[k], d->default_value) == 0;
            ck_assert_msg(found, "%s: default is not a choice", d->name);
        }
        for (size_t j = 0; j < i; j++) {
            ck_assert_msg(strcmp(d->name, settings_table[j].name) != 0, "%s twice", d->name);
            ck_assert_msg(d->offset != settings_table[j].offset, "%s shares a field", d->name);
        }
        ck_assert_ptr_eq(settings_find(d->name), d);
    }
}
END_TEST

START_TEST(defaults)
{
    struct settings s;
    clear_env();
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_ptr_null(s.database_url);
    ck_assert_ptr_null(s.secret);
    ck_assert_str_eq(s.base_url, "http://127.0.0.1:8080");
    ck_assert_int_eq(s.workers, 0);
    ck_assert_int_eq(s.socket_mode, 0660);
    ck_assert_int_eq(s.db_timeout_ms, 2000);
    ck_assert_int_eq(s.db_pooler, DB_POOLER_AUTO);
    ck_assert_int_eq(s.shutdown_timeout_ms, 10000);
    ck_assert_int_eq(s.max_requests, 100000);
    ck_assert(!s.syslog);
    ck_assert_int_eq(s.log_level, LOG_LEVEL_INFO);
    ck_assert_int_eq(s.session_storage, SESSION_STORAGE_HASH);
    ck_assert_int_eq(s.password_hash, PASSWORD_HASH_YESCRYPT);
    ck_assert_ptr_nonnull(s.socket);
    /* Issue 9: only the signed bearer token, and a reset signs the user out everywhere. */
    ck_assert(s.bearer);
    ck_assert(!s.bearer_unsigned);
    ck_assert(s.revoke_sessions_on_reset);
    settings_free(&s);
}
END_TEST

START_TEST(environment_and_aliases)
{
    struct settings s;
    clear_env();
    setenv("AUTHFCGI_WORKERS", " 4 ", 1);
    setenv("BETTER_AUTH_SECRET", SECRET40, 1);
    setenv("BETTER_AUTH_URL", "https://auth.example.com", 1);
    setenv("AUTHFCGI_SYSLOG", "yes", 1);
    setenv("DATABASE_URL", "postgresql://u:p@h/db", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(s.workers, 4);
    ck_assert_str_eq(s.secret, SECRET40);
    ck_assert_str_eq(s.base_url, "https://auth.example.com");
    ck_assert(s.syslog);
    ck_assert_str_eq(s.database_url, "postgresql://u:p@h/db");
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), 0);
    settings_free(&s);

    /* The setting's own name wins over its alias. */
    setenv("AUTHFCGI_BASE_URL", "https://own.example.com", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_str_eq(s.base_url, "https://own.example.com");
    settings_free(&s);
}
END_TEST

START_TEST(empty_value_means_default)
{
    struct settings s;
    clear_env();
    setenv("AUTHFCGI_BASE_URL", "", 1);
    setenv("AUTHFCGI_WORKERS", "", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_str_eq(s.base_url, "http://127.0.0.1:8080");
    ck_assert_int_eq(s.workers, 0);
    settings_free(&s);
}
END_TEST

START_TEST(config_file_overrides_environment)
{
    struct settings s;
    clear_env();
    setenv("AUTHFCGI_WORKERS", "4", 1);
    setenv("AUTHFCGI_DB_TIMEOUT_MS", "3000", 1);
    char *path = write_config("# authfcgi test config\n"
                              "\n"
                              "   # indented comment\n"
                              "AUTHFCGI_WORKERS = 7\n"
                              "better_auth_secret=\"" SECRET40 "\"\r\n"
                              "DATABASE_URL = postgresql://u:pa#ss@h/db\n"
                              "AUTHFCGI_SOCKET_MODE = '0600'\n"
                              "\t\n");
    int rc = settings_load(&s, path, err, sizeof err);
    unlink(path);
    ck_assert_msg(rc == 0, "load failed: %s", err);
    ck_assert_int_eq(s.workers, 7);
    ck_assert_int_eq(s.db_timeout_ms, 3000);
    ck_assert_str_eq(s.secret, SECRET40);
    ck_assert_str_eq(s.database_url, "postgresql://u:pa#ss@h/db");
    ck_assert_int_eq(s.socket_mode, 0600);
    settings_free(&s);
}
END_TEST

struct file_error_case {
    const char *text;
    const char *expect; /* substring of the error */
};

static const struct file_error_case file_errors[] = {
    {"AUTHFCGI_WORKERZ = 3\n", "line 1: unknown setting \"AUTHFCGI_WORKERZ\""},
    /* a secret wrapped onto a line of its own, a URL broken at its password's '=': never shown */
    {"Zm9vYmFyYmF6cXV4c2VjcmV0c2VjcmV0Zm9vYmFy==\n",
     "line 1: not a setting (a name is A-Z, 0-9 and _; the line is not shown)"},
    {"postgresql://u:s3cr=t@h/db\n",
     "line 1: not a setting (a name is A-Z, 0-9 and _; the line is not shown)"},
    {"# ok\nAUTHFCGI_WORKERS 3\n", "line 2: expected `key = value`"},
    {"AUTHFCGI_WORKERS = many\n", "AUTHFCGI_WORKERS: must be an integer from 0 to 1024"},
};

START_TEST(config_file_errors)
{
    const struct file_error_case *c = &file_errors[_i];
    struct settings s;
    clear_env();
    char *path = write_config(c->text);
    int rc = settings_load(&s, path, err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, c->expect) != NULL, "got: %s", err);
    ck_assert_msg(strstr(err, path) != NULL, "error does not name the file: %s", err);
    ck_assert_msg(strchr(err, '\n') == NULL, "not one line: %s", err);
    unlink(path);
}
END_TEST

START_TEST(config_file_unreadable)
{
    struct settings s;
    clear_env();
    ck_assert_int_eq(settings_load(&s, "/nonexistent/authfcgi.conf", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/nonexistent/authfcgi.conf") != NULL, "got: %s", err);
}
END_TEST

/* Who may read or write a config file: a secret or a database password in it must not be
 * readable by others; nobody but the owner may write it. */
struct access_case {
    const char *text;
    mode_t mode;
    const char *expect; /* substring of the error, or NULL when the file is accepted */
};

static const struct access_case access_cases[] = {
    {"AUTHFCGI_SECRET = " SECRET40 "\n", 0600, NULL},
    {"AUTHFCGI_SECRET = " SECRET40 "\n", 0640, NULL},
    {"AUTHFCGI_SECRET = " SECRET40 "\n", 0644, "sets AUTHFCGI_SECRET and is readable by others"},
    {"BETTER_AUTH_SECRET = " SECRET40 "\n", 0604, "sets AUTHFCGI_SECRET and is readable by others"},
    {"DATABASE_URL = postgresql://u:s3cr3t-pw@h/db\n", 0644,
     "sets DATABASE_URL with a password and is readable by others"},
    {"DATABASE_URL = host=h password=s3cr3t-pw dbname=db\n", 0644, "DATABASE_URL with a password"},
    {"DATABASE_URL = postgresql://u@h/db\n", 0644, NULL},
    {"AUTHFCGI_WORKERS = 3\n", 0644, NULL},
    {"AUTHFCGI_WORKERS = 3\n", 0664, "writable by group or others (mode 0664)"},
    {"AUTHFCGI_WORKERS = 3\n", 0602, "writable by group or others"},
};

START_TEST(config_file_access)
{
    const struct access_case *c = &access_cases[_i];
    struct settings s;
    clear_env();
    char *path = write_config(c->text);
    ck_assert_int_eq(chmod(path, c->mode), 0);
    int rc = settings_load(&s, path, err, sizeof err);
    unlink(path);
    if (c->expect == NULL) {
        ck_assert_msg(rc == 0, "mode %04o refused: %s", (unsigned)c->mode, err);
        settings_free(&s);
        return;
    }
    ck_assert_msg(rc == -1, "mode %04o accepted for %s", (unsigned)c->mode, c->text);
    ck_assert_msg(strstr(err, c->expect) != NULL, "got: %s", err);
    ck_assert_msg(strstr(err, path) != NULL, "error does not name the file: %s", err);
    ck_assert_msg(strstr(err, "s3cr3t-pw") == NULL && strstr(err, SECRET40) == NULL, "leaks: %s",
                  err);
}
END_TEST

struct bad_case {
    const char *name;
    const char *value;
};

static const struct bad_case bad_values[] = {
    {"AUTHFCGI_WORKERS", "abc"},
    {"AUTHFCGI_WORKERS", "-1"},
    {"AUTHFCGI_WORKERS", "1025"},
    {"AUTHFCGI_WORKERS", "4x"},
    {"AUTHFCGI_WORKERS", "99999999999999999999"},
    {"AUTHFCGI_MAX_REQUESTS", "1e3"},
    {"AUTHFCGI_DB_TIMEOUT_MS", "49"},
    {"AUTHFCGI_DB_TIMEOUT_MS", "600001"},
    {"AUTHFCGI_SHUTDOWN_TIMEOUT_MS", "-5"},
    {"AUTHFCGI_SOCKET_MODE", "0888"},
    {"AUTHFCGI_SOCKET_MODE", "01000"},
    {"AUTHFCGI_SOCKET_MODE", "rw-rw----"},
    {"AUTHFCGI_DB_POOLER", "session"},
    {"AUTHFCGI_SYSLOG", "maybe"},
    {"AUTHFCGI_LOG_LEVEL", "verbose"},
    {"AUTHFCGI_SESSION_STORAGE", "sha256"},
    {"AUTHFCGI_PASSWORD_HASH", "bcrypt"},
    {"AUTHFCGI_BASE_URL", "ftp://example.com"},
    {"AUTHFCGI_BASE_URL", "https://"},
    {"AUTHFCGI_BASE_URL", "https://example.com/a b"},
    {"AUTHFCGI_BASE_URL", "https://example.com/?x=1"},
    {"AUTHFCGI_SOCKET_OWNER", ":www-data"},
    {"AUTHFCGI_SOCKET_OWNER", "www-data:"},
    {"AUTHFCGI_SOCKET_OWNER", "a:b:c"},
    {"AUTHFCGI_SOCKET", "/run/a\nb"},
    {"DATABASE_URL", "hunter2-not-a-url"},
};

START_TEST(bad_value_is_one_line_naming_the_setting)
{
    const struct bad_case *c = &bad_values[_i];
    struct settings s;
    clear_env();
    setenv(c->name, c->value, 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), -1);
    assert_one_line_naming(c->name);
    ck_assert_msg(strstr(err, "environment") != NULL, "source not named: %s", err);
}
END_TEST

/* Every enumerated setting: a value that is none of its choices (an empty one means the
 * default) stops the start with one line naming the setting and every allowed value. */
START_TEST(bad_enum_names_every_choice)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (d->type != SETTING_ENUM)
            continue;
        struct settings s;
        clear_env();
        setenv(d->name, "no-such-choice", 1);
        ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), -1);
        assert_one_line_naming(d->name);
        ck_assert_msg(strstr(err, "\"no-such-choice\"") != NULL, "value not shown: %s", err);
        for (size_t k = 0; d->choices[k] != NULL; k++)
            ck_assert_msg(strstr(err, d->choices[k]) != NULL, "%s not named: %s", d->choices[k],
                          err);
    }
    clear_env();
    setenv("AUTHFCGI_LOG_LEVEL", "verbose", 1);
    ck_assert_int_eq(settings_load(&(struct settings){0}, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "AUTHFCGI_LOG_LEVEL: must be error, warn, info or debug, got "
                          "\"verbose\" (from the environment)");
}
END_TEST

/* What SIGHUP cannot change is marked in the table; master warns from that column. */
START_TEST(restart_only_column)
{
    static const char *const restart_only[] = {
        "AUTHFCGI_SOCKET", "AUTHFCGI_SOCKET_MODE", "AUTHFCGI_SOCKET_OWNER",  "AUTHFCGI_PID_FILE",
        "AUTHFCGI_USER",   "AUTHFCGI_GROUP",       "AUTHFCGI_SOCKET_REMOTE",
    };
    size_t marked = 0;
    for (size_t i = 0; i < settings_count; i++)
        marked += settings_table[i].applies == SETTING_ON_RESTART;
    ck_assert_uint_eq(marked, N(restart_only));
    for (int i = 0; i < N(restart_only); i++)
        ck_assert_int_eq(settings_find(restart_only[i])->applies, SETTING_ON_RESTART);
    ck_assert_int_eq(settings_find("AUTHFCGI_WORKERS")->applies, SETTING_ON_RELOAD);
}
END_TEST

/* settings_same compares by value: strings by content, unset equal only to unset. */
START_TEST(same_compares_values)
{
    struct settings a = {0}, b = {0};
    char one[] = "/run/a.sock", two[] = "/run/a.sock";
    const struct setting_def *sock = settings_find("AUTHFCGI_SOCKET");

    ck_assert(settings_same(&a, &b, sock));
    a.socket = one;
    ck_assert(!settings_same(&a, &b, sock));
    b.socket = two;
    ck_assert(settings_same(&a, &b, sock));
    two[1] = 'x';
    ck_assert(!settings_same(&a, &b, sock));
    a.socket_mode = 0660;
    ck_assert(!settings_same(&a, &b, settings_find("AUTHFCGI_SOCKET_MODE")));
    a.socket_remote = true;
    ck_assert(!settings_same(&a, &b, settings_find("AUTHFCGI_SOCKET_REMOTE")));
    b.log_level = LOG_LEVEL_DEBUG;
    ck_assert(!settings_same(&a, &b, settings_find("AUTHFCGI_LOG_LEVEL")));
    ck_assert(settings_same(&a, &b, settings_find("AUTHFCGI_WORKERS")));
}
END_TEST

START_TEST(bad_alias_value_names_the_setting)
{
    struct settings s;
    clear_env();
    setenv("BETTER_AUTH_URL", "not a url", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), -1);
    assert_one_line_naming("AUTHFCGI_BASE_URL");
    ck_assert_msg(strstr(err, "BETTER_AUTH_URL") != NULL, "alias not named: %s", err);
}
END_TEST

START_TEST(secrets_never_echoed)
{
    struct settings s;
    clear_env();
    setenv("DATABASE_URL", "s3cr3t-password-host", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "s3cr3t") == NULL, "secret echoed: %s", err);

    setenv("DATABASE_URL", "postgresql://u:s3cr3t@h/db", 1);
    setenv("AUTHFCGI_SECRET", "s3cr3t-short", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), -1);
    assert_one_line_naming("AUTHFCGI_SECRET");
    ck_assert_msg(strstr(err, "s3cr3t") == NULL, "secret echoed: %s", err);
    settings_free(&s);
}
END_TEST

START_TEST(serving_rules)
{
    struct settings s;
    clear_env();
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), -1);
    assert_one_line_naming("DATABASE_URL");
    settings_free(&s);

    setenv("DATABASE_URL", "host=localhost dbname=authfcgi", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), -1);
    assert_one_line_naming("AUTHFCGI_SECRET");
    settings_free(&s);

    /* 31 bytes refused, 32 accepted. */
    setenv("AUTHFCGI_SECRET", "0123456789abcdef0123456789abcde", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), -1);
    assert_one_line_naming("AUTHFCGI_SECRET");
    ck_assert_msg(strstr(err, "32") != NULL, "%s", err);
    settings_free(&s);
    setenv("AUTHFCGI_SECRET", "0123456789abcdef0123456789abcdef", 1);
    ck_assert_int_eq(settings_load(&s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(settings_check_serving(&s, err, sizeof err), 0);
    settings_free(&s);
}
END_TEST

struct good_case {
    const char *name;
    const char *value;
    size_t offset;
    int expect;
};

#define AT(f) offsetof(struct settings, f)
static const struct good_case good_values[] = {
    {"AUTHFCGI_WORKERS", "0", AT(workers), 0},
    {"AUTHFCGI_WORKERS", "1024", AT(workers), 1024},
    {"AUTHFCGI_DB_TIMEOUT_MS", "50", AT(db_timeout_ms), 50},
    {"AUTHFCGI_DB_TIMEOUT_MS", "600000", AT(db_timeout_ms), 600000},
    {"AUTHFCGI_MAX_REQUESTS", "0", AT(max_requests), 0},
    {"AUTHFCGI_MAX_REQUESTS", "2147483647", AT(max_requests), INT_MAX},
    {"AUTHFCGI_SOCKET_MODE", "0600", AT(socket_mode), 0600},
    {"AUTHFCGI_SOCKET_MODE", "660", AT(socket_mode), 0660},
    {"AUTHFCGI_SOCKET_MODE", "0777", AT(socket_mode), 0777},
    {"AUTHFCGI_SOCKET_MODE", "0", AT(socket_mode), 0},
    {"AUTHFCGI_DB_POOLER", "auto", AT(db_pooler), DB_POOLER_AUTO},
    {"AUTHFCGI_DB_POOLER", "off", AT(db_pooler), DB_POOLER_OFF},
    {"AUTHFCGI_DB_POOLER", "Transaction", AT(db_pooler), DB_POOLER_TRANSACTION},
    {"AUTHFCGI_LOG_LEVEL", "error", AT(log_level), LOG_LEVEL_ERROR},
    {"AUTHFCGI_LOG_LEVEL", "DEBUG", AT(log_level), LOG_LEVEL_DEBUG},
    {"AUTHFCGI_SESSION_STORAGE", "plain", AT(session_storage), SESSION_STORAGE_PLAIN},
    {"AUTHFCGI_SESSION_STORAGE", "hash", AT(session_storage), SESSION_STORAGE_HASH},
    {"AUTHFCGI_PASSWORD_HASH", "betterauth", AT(password_hash), PASSWORD_HASH_BETTERAUTH},
    {"AUTHFCGI_PASSWORD_HASH", "yescrypt", AT(password_hash), PASSWORD_HASH_YESCRYPT},
};

START_TEST(good_values_and_bounds)
{
    const struct good_case *c = &good_values[_i];
    struct settings s;
    clear_env();
    setenv(c->name, c->value, 1);
    ck_assert_msg(settings_load(&s, NULL, err, sizeof err) == 0, "%s", err);
    int got = *(int *)((char *)&s + c->offset);
    ck_assert_int_eq(got, c->expect);
    settings_free(&s);
}
END_TEST

struct pooler_case {
    const char *conninfo;
    bool pooler;
};

/* AUTHFCGI_DB_POOLER=auto decides from the host names only. */
static const struct pooler_case pooler_cases[] = {
    {"postgresql://alex:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb"
     "?sslmode=require",
     true},
    {"postgresql://alex:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb", false},
    {"postgres://ep-x-pooler.example.com:6543/db", true},
    {"postgresql://u:my-pooler@db.example.com/db", false}, /* password only */
    {"postgresql://u@db.example.com/my-pooler", false},    /* database name only */
    {"postgresql://u@a.example.com,b-pooler.example.com/db", true},
    {"postgresql:///db?host=/var/run/postgresql", false},
    {"postgresql:///db?sslmode=require&host=x-pooler.example.com", true},
    {"postgresql://[::1]:5432/db", false},
    {"host=ep-x-pooler.neon.tech dbname=neondb", true},
    {"host = 'ep-x-pooler.neon.tech' dbname=neondb", true},
    {"host=db.example.com password=my-pooler", false},
    {"password='a b -pooler' host=db.example.com", false},
    {"host=a.example.com,b-pooler.example.com", true},
};

START_TEST(pooler_auto_detects_pooler_hosts)
{
    const struct pooler_case *c = &pooler_cases[_i];
    struct settings s = {.database_url = (char *)c->conninfo, .db_pooler = DB_POOLER_AUTO};
    ck_assert_msg(settings_db_unnamed(&s) == c->pooler, "%s: expected %d", c->conninfo, c->pooler);
}
END_TEST

START_TEST(pooler_mode_overrides_detection)
{
    struct settings s = {0};
    s.database_url = "postgresql://u@ep-x-pooler.neon.tech/db";
    s.db_pooler = DB_POOLER_OFF;
    ck_assert(!settings_db_unnamed(&s));
    s.database_url = "postgresql://u@db.example.com/db";
    s.db_pooler = DB_POOLER_TRANSACTION;
    ck_assert(settings_db_unnamed(&s));
    s.database_url = NULL;
    s.db_pooler = DB_POOLER_AUTO;
    ck_assert(!settings_db_unnamed(&s));
}
END_TEST

START_TEST(effective_workers)
{
    struct settings s = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s.workers = 0;
    ck_assert_int_eq(settings_effective_workers(&s), 2 * (int)(cpus > 0 ? cpus : 1));
    s.workers = 3;
    ck_assert_int_eq(settings_effective_workers(&s), 3);
}
END_TEST

START_TEST(find_is_case_insensitive_and_knows_aliases)
{
    ck_assert_ptr_eq(settings_find("authfcgi_workers"), settings_find("AUTHFCGI_WORKERS"));
    ck_assert_ptr_eq(settings_find("BETTER_AUTH_SECRET"), settings_find("AUTHFCGI_SECRET"));
    ck_assert_ptr_null(settings_find("AUTHFCGI_NOPE"));
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *t = tcase_create("table");
    tcase_add_test(t, table_is_well_formed);
    tcase_add_test(t, find_is_case_insensitive_and_knows_aliases);
    tcase_add_test(t, restart_only_column);
    tcase_add_test(t, same_compares_values);
    suite_add_tcase(s, t);

    t = tcase_create("load");
    tcase_add_test(t, defaults);
    tcase_add_test(t, environment_and_aliases);
    tcase_add_test(t, empty_value_means_default);
    tcase_add_test(t, config_file_overrides_environment);
    tcase_add_loop_test(t, config_file_errors, 0, N(file_errors));
    tcase_add_test(t, config_file_unreadable);
    tcase_add_loop_test(t, config_file_access, 0, N(access_cases));
    tcase_add_loop_test(t, good_values_and_bounds, 0, N(good_values));
    suite_add_tcase(s, t);

    t = tcase_create("errors");
    tcase_add_loop_test(t, bad_value_is_one_line_naming_the_setting, 0, N(bad_values));
    tcase_add_test(t, bad_enum_names_every_choice);
    tcase_add_test(t, bad_alias_value_names_the_setting);
    tcase_add_test(t, secrets_never_echoed);
    tcase_add_test(t, serving_rules);
    suite_add_tcase(s, t);

    t = tcase_create("derived");
    tcase_add_loop_test(t, pooler_auto_detects_pooler_hosts, 0, N(pooler_cases));
    tcase_add_test(t, pooler_mode_overrides_detection);
    tcase_add_test(t, effective_workers);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(settings_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
