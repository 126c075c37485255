/* cli_user - `authfcgi user COMMAND`: the command table, its options, and each command over
 * the store (store.h, store_admin.h) with the API's rules for addresses and passwords. Output
 * is a table or lines for people, or JSON in Better Auth's shapes with --json. */
#include "config.h"

#include "daemon/cli_user.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/admin.h"
#include "auth/json_view.h"
#include "daemon/cli.h"
#include "daemon/cli_password.h"
#include "global/settings.h"
#include "global/store.h"
#include "global/store_admin.h"
#include "util/arena.h"
#include "util/email.h"
#include "util/random.h"

#define ARENA_CHUNK (64 * 1024)
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define SINCE_SIZE 20 /* "YYYY-MM-DD HH:MM:SS" */

struct user_cmd;

struct user_opts {
    const struct user_cmd *cmd;
    const char *target; /* USER (an address or an id), or the new user's address */
    const char *arg;    /* the second argument: set-role's ROLE */
    const char *config_path;
    const char *email_pattern;
    const char *since;
    const char *name;
    const char *reason, *expires_in, *until; /* ban's */
    int verified;                            /* -1: either */
    bool json;
    bool help;
};

/* What a command runs with; the arena and the db are cli_user_main's. */
struct user_ctx {
    const struct user_opts *o;
    const struct settings *s;
    struct db *db;
    struct store store;
    struct arena *a;
};

enum { OPT_JSON = 1, OPT_FILTERS = 2, OPT_NAME = 4, OPT_BAN = 8 };

struct user_cmd {
    const char *name;
    int (*run)(struct user_ctx *c);
    bool needs_target;
    unsigned opts;
    const char *arg_name; /* a second argument it needs (NULL: none) */
};

static int cmd_list(struct user_ctx *c);
static int cmd_show(struct user_ctx *c);
static int cmd_create(struct user_ctx *c);
static int cmd_set_password(struct user_ctx *c);
static int cmd_verify_email(struct user_ctx *c);
static int cmd_revoke_sessions(struct user_ctx *c);
static int cmd_delete(struct user_ctx *c);
static int cmd_set_role(struct user_ctx *c);
static int cmd_ban(struct user_ctx *c);
static int cmd_unban(struct user_ctx *c);

static const struct user_cmd user_cmds[] = {
    {"list", cmd_list, false, OPT_JSON | OPT_FILTERS, NULL},
    {"show", cmd_show, true, OPT_JSON, NULL},
    {"create", cmd_create, true, OPT_NAME, NULL},
    {"set-password", cmd_set_password, true, 0, NULL},
    {"verify-email", cmd_verify_email, true, 0, NULL},
    {"revoke-sessions", cmd_revoke_sessions, true, 0, NULL},
    {"delete", cmd_delete, true, 0, NULL},
    {"set-role", cmd_set_role, true, 0, "ROLE"},
    {"ban", cmd_ban, true, OPT_BAN, NULL},
    {"unban", cmd_unban, true, 0, NULL},
};

static const char user_help[] =
    "usage: authfcgi user list [--email PATTERN] [--verified|--unverified] [--since DATE] "
    "[--json]\n"
    "       authfcgi user show USER [--json]\n"
    "       authfcgi user create EMAIL [--name NAME]\n"
    "       authfcgi user set-password USER\n"
    "       authfcgi user verify-email USER\n"
    "       authfcgi user revoke-sessions USER\n"
    "       authfcgi user delete USER\n"
    "       authfcgi user set-role USER ROLE[,ROLE...]\n"
    "       authfcgi user ban USER [--reason TEXT] [--expires-in SECONDS|--until DATE]\n"
    "       authfcgi user unban USER\n"
    "Every command also takes --config FILE. USER is an e-mail address or a user id. PATTERN\n"
    "matches addresses, any case, * standing for any run of characters and ? for one. DATE is\n"
    "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], UTC. create and set-password read the password from\n"
    "standard input (one line), or ask for it twice when that is a terminal. set-role, ban and\n"
    "unban do what the admin plugin's endpoints do (a ban also revokes every session); a ban\n"
    "without --expires-in or --until does not end.\n"
    "Exit status: 0 done, 64 usage, 65 bad data (address, password, date, role, address\n"
    "taken), 66 no password, 67 no such user, 69 database unreachable, 70 internal error, 75\n"
    "database lost during the command, 78 configuration (also migrations pending).\n";

/* ---- options ---- */

/* option_value - argv[*i] is --NAME VALUE or --NAME=VALUE: *out = VALUE. 1 when it is that
 * option, 0 when not, -1 when its value is missing. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *out = argv[++*i];
    return 1;
}

/* parse_option - one option of argv[*i] allowed by the command: 0, 1 unknown, -1 no value. */
static int parse_option(int argc, char **argv, int *i, struct user_opts *o)
{
    unsigned allowed = o->cmd->opts;
    const char *a = argv[*i];
    int r;

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        o->help = true;
    else if ((allowed & OPT_JSON) && strcmp(a, "--json") == 0)
        o->json = true;
    else if ((allowed & OPT_FILTERS) && strcmp(a, "--verified") == 0)
        o->verified = 1;
    else if ((allowed & OPT_FILTERS) && strcmp(a, "--unverified") == 0)
        o->verified = 0;
    else if ((r = option_value(argc, argv, i, "--config", &o->config_path)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_FILTERS) &&
             (r = option_value(argc, argv, i, "--email", &o->email_pattern)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_FILTERS) &&
             (r = option_value(argc, argv, i, "--since", &o->since)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_NAME) && (r = option_value(argc, argv, i, "--name", &o->name)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_BAN) && (r = option_value(argc, argv, i, "--reason", &o->reason)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_BAN) &&
             (r = option_value(argc, argv, i, "--expires-in", &o->expires_in)) != 0)
        return r < 0 ? -1 : 0;
    else if ((allowed & OPT_BAN) && (r = option_value(argc, argv, i, "--until", &o->until)) != 0)
        return r < 0 ? -1 : 0;
    else
        return 1;
    return 0;
}

/* check_user_args - what the arguments must have once all are read. */
static int check_user_args(const struct user_opts *o)
{
    if (o->help)
        return 0;
    if (o->cmd->needs_target && o->target == NULL)
        return cli_usage(user_help, "user: %s: which user?", o->cmd->name);
    if (o->cmd->arg_name != NULL && o->arg == NULL)
        return cli_usage(user_help, "user: %s: which %s?", o->cmd->name, o->cmd->arg_name);
    if (o->expires_in != NULL && o->until != NULL)
        return cli_usage(user_help, "user: ban: --expires-in or --until, not both");
    return 0;
}

static int parse_user_args(int argc, char **argv, struct user_opts *o)
{
    memset(o, 0, sizeof *o);
    o->verified = -1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        o->help = argc >= 2;
        return argc >= 2 ? 0 : cli_usage(user_help, "user: which command?");
    }
    for (size_t k = 0; k < sizeof user_cmds / sizeof user_cmds[0]; k++)
        if (strcmp(argv[1], user_cmds[k].name) == 0)
            o->cmd = &user_cmds[k];
    if (o->cmd == NULL)
        return cli_usage(user_help, "user: unknown command \"%s\"", argv[1]);
    for (int i = 2; i < argc; i++) {
        int r = argv[i][0] == '-' && argv[i][1] != '\0' ? parse_option(argc, argv, &i, o) : 2;
        if (r == -1)
            return cli_usage(user_help, "user: %s needs a value", argv[i]);
        if (r == 1)
            return cli_usage(user_help, "user: unknown option \"%s\"", argv[i]);
        if (r == 2 && o->target == NULL && o->cmd->needs_target)
            o->target = argv[i];
        else if (r == 2 && o->arg == NULL && o->cmd->arg_name != NULL)
            o->arg = argv[i];
        else if (r == 2)
            return cli_usage(user_help, "user: unexpected argument \"%s\"", argv[i]);
    }
    return check_user_args(o);
}

/* ---- filters ---- */

/* like_pattern - PATTERN as a LIKE pattern on lower-cased addresses: * and ? become % and _,
 * a literal %, _ or \ is escaped. */
static char *like_pattern(struct arena *a, const char *glob)
{
    char *out = arena_alloc(a, 2 * strlen(glob) + 1), *p = out;

    for (const char *g = glob; *g; g++) {
        char ch = *g >= 'A' && *g <= 'Z' ? (char)(*g - 'A' + 'a') : *g;
        if (ch == '*' || ch == '?') {
            *p++ = ch == '*' ? '%' : '_';
            continue;
        }
        if (ch == '%' || ch == '_' || ch == '\\')
            *p++ = '\\';
        *p++ = ch;
    }
    *p = '\0';
    return out;
}

/* two_digits - the number in s[0..1], or -1 unless both are digits. */
static int two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* normalise_since - YYYY-MM-DD[(T| )HH:MM[:SS]][Z] into "YYYY-MM-DD HH:MM:SS"; -1 when it is
 * not that. The calendar (a 31 April) is PostgreSQL's to check. */
static int normalise_since(const char *in, char out[SINCE_SIZE])
{
    int f[6] = {0, 0, 0, 0, 0, 0}; /* year/100, year%100, month, day, hour, minute; seconds */
    int sec = 0;
    size_t n = strlen(in);

    if (n < 10 || in[4] != '-' || in[7] != '-')
        return -1;
    if ((f[0] = two_digits(in)) < 0 || (f[1] = two_digits(in + 2)) < 0 ||
        (f[2] = two_digits(in + 5)) < 1 || f[2] > 12 || (f[3] = two_digits(in + 8)) < 1 ||
        f[3] > 31)
        return -1;
    const char *p = in + 10;
    if (*p == 'T' || *p == ' ') {
        if (strlen(p) < 6 || p[3] != ':' || (f[4] = two_digits(p + 1)) < 0 || f[4] > 23 ||
            (f[5] = two_digits(p + 4)) < 0 || f[5] > 59)
            return -1;
        p += 6;
        if (*p == ':') {
            if ((sec = two_digits(p + 1)) < 0 || sec > 59)
                return -1;
            p += 3;
        }
    }
    if (*p == 'Z')
        p++;
    if (*p != '\0')
        return -1;
    snprintf(out, SINCE_SIZE, "%02d%02d-%02d-%02d %02d:%02d:%02d", f[0], f[1], f[2], f[3], f[4],
             f[5], sec);
    return 0;
}

/* ---- output ---- */

/* The user object of --json: Better Auth's with both plugins' columns, whatever the settings
 * say (an operator's look at the row). */
static const struct user_view json_user = {.admin = true, .two_factor = true};
/* Its sessions: Better Auth's core session object. */
static const struct user_view json_session = {.admin = false};

/* put_json - o on stdout, one line; o is released. */
static int put_json(struct json_object *o)
{
    if (o == NULL)
        return cli_fail(EX_SOFTWARE, "out of memory");
    puts(json_object_to_json_string_ext(o, JSON_FLAGS));
    json_object_put(o);
    return 0;
}

/* put_padded - s (NULL: "-") cleaned, then spaces up to width. */
static void put_padded(const char *s, int width)
{
    s = s != NULL && s[0] != '\0' ? s : "-";
    cli_put_clean(stdout, s);
    printf("%*s", width > (int)strlen(s) ? width - (int)strlen(s) : 0, "");
}

static void put_user_row(const struct user_record *u)
{
    printf("%-32s  %-3s  ", u->id, u->email_verified ? "yes" : "no");
    put_padded(u->role, 10);
    printf("  %-3s  %.19s  ", u->banned ? "yes" : "no", u->created_at);
    cli_put_clean(stdout, u->email);
    fputs("  ", stdout);
    cli_put_clean(stdout, u->name);
    fputc('\n', stdout);
}

static int put_user_list(const struct user_record *users, size_t count, bool json)
{
    if (json) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr != NULL && i < count; i++)
            json_object_array_add(arr, json_view_user(&json_user, &users[i]));
        return put_json(arr);
    }
    printf("%-32s  %-3s  %-10s  %-3s  %-19s  %s  %s\n", "ID", "VER", "ROLE", "BAN", "CREATED (UTC)",
           "EMAIL", "NAME");
    for (size_t i = 0; i < count; i++)
        put_user_row(&users[i]);
    return 0;
}

/* ---- the commands ---- */

/* find_user - the USER argument: an address (any case) or an id. 0, or the exit status. */
static int find_user(struct user_ctx *c, struct user_record *u)
{
    const char *target = c->o->target;
    enum db_status st;

    if (strchr(target, '@') != NULL) {
        char *email = arena_strdup(c->a, target);
        const char *hash = NULL;
        email_lowercase(email, strlen(email));
        st = c->store.ops->user_by_email(c->store.impl, c->a, email, u, &hash);
    } else {
        st = store_admin_user_by_id(c->db, c->a, target, u);
    }
    return st == DB_OK ? 0 : cli_store_fail(st, target);
}

static int cmd_list(struct user_ctx *c)
{
    struct user_filter f = {.verified = c->o->verified};
    char since[SINCE_SIZE];
    struct user_record *users = NULL;
    size_t count = 0;

    if (c->o->since != NULL) {
        if (normalise_since(c->o->since, since) != 0)
            return cli_fail(EX_DATAERR, "--since: \"%s\" is not YYYY-MM-DD[THH:MM[:SS]]",
                            c->o->since);
        f.since = since;
    }
    if (c->o->email_pattern != NULL)
        f.like = like_pattern(c->a, c->o->email_pattern);
    enum db_status st = store_admin_user_list(c->db, c->a, &f, &users, &count);
    /* PostgreSQL refused a filter value: a day that does not exist, or a pattern that is not
     * UTF-8 (then there may be no --since at all) */
    if (st == DB_INVALID && c->o->since != NULL && c->o->email_pattern == NULL)
        return cli_fail(EX_DATAERR, "--since: \"%s\" is not a date", c->o->since);
    if (st == DB_INVALID)
        return cli_fail(EX_DATAERR, "list: the database refused a filter (--email not UTF-8, or "
                                    "--since not a date)");
    if (st != DB_OK)
        return cli_store_fail(st, "list");
    return put_user_list(users, count, c->o->json);
}

/* show_json - {"user","accounts","sessions"}; sessions without their tokens. */
static int show_json(const struct user_record *u, const struct account_record *acc, size_t nacc,
                     const struct session_record *ses, size_t nses)
{
    struct json_object *o = json_object_new_object(), *accounts = json_object_new_array(),
                       *sessions = json_object_new_array();

    for (size_t i = 0; i < nacc; i++)
        json_object_array_add(accounts, json_view_account(&acc[i]));
    for (size_t i = 0; i < nses; i++) {
        struct json_object *s = json_view_session(&json_session, &ses[i]);
        json_object_object_del(s, "token");
        json_object_array_add(sessions, s);
    }
    json_object_object_add(o, "user", json_view_user(&json_user, u));
    json_object_object_add(o, "accounts", accounts);
    json_object_object_add(o, "sessions", sessions);
    return put_json(o);
}

/* show_plugin_text - the plugins' columns: role, ban and second factor. */
static void show_plugin_text(const struct user_record *au)
{
    printf("role:           ");
    put_padded(au->role, 0);
    printf("\nbanned:         %s", au->banned ? "yes" : "no");
    if (au->banned) {
        printf(", until %s, reason: ", au->ban_expires != NULL ? au->ban_expires : "never");
        cli_put_clean(stdout, au->ban_reason != NULL ? au->ban_reason : "-");
    }
    printf("\ntwo-factor:     %s\n", au->two_factor_enabled ? "on" : "off");
}

static void show_text(const struct user_record *u, const struct account_record *acc, size_t nacc,
                      const struct session_record *ses, size_t nses)
{
    printf("id:             %s\nemail:          ", u->id);
    cli_put_clean(stdout, u->email);
    printf("\nname:           ");
    cli_put_clean(stdout, u->name);
    printf("\nemail verified: %s\ncreated:        %s\nupdated:        %s\n",
           u->email_verified ? "yes" : "no", u->created_at, u->updated_at);
    show_plugin_text(u);
    printf("accounts:       %zu\n", nacc);
    for (size_t i = 0; i < nacc; i++) {
        printf("  %s  ", acc[i].id);
        cli_put_clean(stdout, acc[i].provider_id);
        printf("  created %s\n", acc[i].created_at);
    }
    printf("sessions:       %zu live\n", nses);
    for (size_t i = 0; i < nses; i++) {
        printf("  %s  expires %s  ", ses[i].id, ses[i].expires_at);
        cli_put_clean(stdout, ses[i].ip_address != NULL ? ses[i].ip_address : "-");
        fputs("  ", stdout);
        cli_put_clean(stdout, ses[i].user_agent != NULL ? ses[i].user_agent : "-");
        fputc('\n', stdout);
    }
}

static int cmd_show(struct user_ctx *c)
{
    struct user_record u;
    struct account_record *acc = NULL;
    struct session_record *ses = NULL;
    size_t nacc = 0, nses = 0;
    int rc = find_user(c, &u);
    enum db_status st;

    if (rc != 0)
        return rc;
    st = c->store.ops->account_list(c->store.impl, c->a, u.id, &acc, &nacc);
    if (st == DB_OK)
        st = c->store.ops->session_list(c->store.impl, c->a, u.id, &ses, &nses);
    if (st != DB_OK)
        return cli_store_fail(st, c->o->target);
    if (c->o->json)
        return show_json(&u, acc, nacc, ses, nses);
    show_text(&u, acc, nacc, ses, nses);
    return 0;
}

/* new_ids - two fresh row ids; 0 or EX_SOFTWARE after the line. */
static int new_ids(char *a, char *b)
{
    if (random_token(a, RANDOM_TOKEN_LEN) != 0 ||
        (b != NULL && random_token(b, RANDOM_TOKEN_LEN) != 0))
        return cli_fail(EX_SOFTWARE, "no random numbers for the new rows");
    return 0;
}

/* cmd_create - sign-up's rows (user, credential account) in its one transaction; the address
 * checked first, as sign-up does, so a taken one costs no password. */
static int cmd_create(struct user_ctx *c)
{
    const char *given = c->o->target;
    char *email = arena_strdup(c->a, given), *name;
    char hash[PASSWORD_HASH_SIZE], user_id[RANDOM_TOKEN_LEN + 1], account_id[RANDOM_TOKEN_LEN + 1];
    struct user_record u;
    const char *existing = NULL;

    if (!email_is_valid(given, strlen(given)))
        return cli_fail(EX_DATAERR, "%s: not a valid e-mail address", given);
    email_lowercase(email, strlen(email));
    name = arena_strdup(c->a, c->o->name != NULL ? c->o->name : email);
    if (c->o->name == NULL)
        *strchr(name, '@') = '\0'; /* the local part */
    enum db_status st = c->store.ops->user_by_email(c->store.impl, c->a, email, &u, &existing);
    if (st == DB_OK || st == DB_CONFLICT)
        return cli_store_fail(DB_CONFLICT, email);
    if (st != DB_NOTFOUND)
        return cli_store_fail(st, email);
    int rc = cli_password_hash(c->s, hash);
    if (rc == 0 && (rc = new_ids(user_id, account_id)) == 0) {
        const struct new_user nu = {.id = user_id,
                                    .name = name,
                                    .email = email,
                                    .account_id = account_id,
                                    .password_hash = hash,
                                    /* as sign-up writes it with the plugin on */
                                    .role = c->s->admin ? ADMIN_DEFAULT_ROLE : NULL};
        st = c->store.ops->sign_up(c->store.impl, c->a, &nu, NULL, &u, NULL);
        rc = st == DB_OK ? 0 : cli_store_fail(st, email);
    }
    explicit_bzero(hash, sizeof hash);
    if (rc == 0)
        printf("created user %s %s\n", u.id, email);
    return rc;
}

/* cmd_set_password - as a reset link does: the sessions go when
 * AUTHFCGI_REVOKE_SESSIONS_ON_RESET says so, and a user without a password gets one. */
static int cmd_set_password(struct user_ctx *c)
{
    char hash[PASSWORD_HASH_SIZE], account_id[RANDOM_TOKEN_LEN + 1];
    struct user_record u;
    bool revoke = c->s->revoke_sessions_on_reset;
    int rc = find_user(c, &u);

    if (rc == 0 && (rc = cli_password_hash(c->s, hash)) == 0) {
        if ((rc = new_ids(account_id, NULL)) == 0) {
            enum db_status st = store_admin_set_password(c->db, u.id, account_id, hash, revoke);
            rc = st == DB_OK ? 0 : cli_store_fail(st, c->o->target);
        }
        explicit_bzero(hash, sizeof hash);
    }
    if (rc == 0)
        printf("password of %s set; sessions %s (AUTHFCGI_REVOKE_SESSIONS_ON_RESET)\n", u.email,
               revoke ? "revoked" : "kept");
    return rc;
}

/* cmd_verify_email - as a verification link does: a first verification ends the sessions. */
static int cmd_verify_email(struct user_ctx *c)
{
    struct user_record u;
    bool changed = false;
    int rc = find_user(c, &u);

    if (rc != 0)
        return rc;
    enum db_status st = store_admin_verify_email(c->db, u.id, u.email, &changed);
    if (st != DB_OK)
        return cli_store_fail(st, c->o->target);
    printf(changed ? "%s verified; its sessions were revoked\n" : "%s was verified already\n",
           u.email);
    return 0;
}

/* on_user - find the target user into *u and apply op (a store operation on a user id) to it;
 * 0, or the exit status after printing why. */
static int on_user(struct user_ctx *c, enum db_status (*op)(void *impl, const char *user_id),
                   struct user_record *u)
{
    int rc = find_user(c, u);

    if (rc != 0)
        return rc;
    enum db_status st = op(c->store.impl, u->id);
    return st == DB_OK ? 0 : cli_store_fail(st, c->o->target);
}

static int cmd_revoke_sessions(struct user_ctx *c)
{
    struct user_record u;
    int rc = on_user(c, c->store.ops->session_delete_all, &u);

    if (rc == 0)
        printf("sessions of %s revoked\n", u.email);
    return rc;
}

/* cmd_delete - as delete-user does: accounts and sessions go by cascade. */
static int cmd_delete(struct user_ctx *c)
{
    struct user_record u;
    int rc = on_user(c, c->store.ops->user_delete, &u);

    if (rc == 0)
        printf("deleted user %s %s\n", u.id, u.email);
    return rc;
}

/* change_user - find the target user and apply ch with the admin endpoints' store operation
 * (a ban also deletes its sessions, in the same transaction); *out is the user after it. */
static int change_user(struct user_ctx *c, const struct admin_change *ch, struct user_record *out)
{
    struct user_record u;
    int rc = find_user(c, &u);

    if (rc != 0)
        return rc;
    enum db_status st = c->store.ops->admin_user_change(c->store.impl, c->a, u.id, ch, out);
    return st == DB_OK ? 0 : cli_store_fail(st, c->o->target);
}

/* role_is_valid - a comma list of names, none empty, none with a space or a control
 * character: what a role can be matched against and passed on in a header. Any name is
 * taken otherwise, as set-role takes it (the protected apps may know more roles). */
static bool role_is_valid(const char *roles)
{
    bool empty = true;

    for (const unsigned char *p = (const unsigned char *)roles;; p++) {
        if (*p == ',' || *p == '\0') {
            if (empty)
                return false;
            if (*p == '\0')
                return true;
            empty = true;
        } else if (*p <= 0x20 || *p == 0x7f) {
            return false;
        } else {
            empty = false;
        }
    }
}

/* admin_off_note - roles and bans are written whatever the settings (a Better Auth with the
 * admin plugin may share the database), but authfcgi acts on them only with AUTHFCGI_ADMIN:
 * an operator must not believe a ban keeps anyone out when it does not. */
static void admin_off_note(const struct user_ctx *c, const char *ignores)
{
    if (!c->s->admin)
        fprintf(stderr, "authfcgi: note: AUTHFCGI_ADMIN is off: authfcgi %s\n", ignores);
}

static int cmd_set_role(struct user_ctx *c)
{
    const struct admin_change ch = {.role = c->o->arg, .ban_expires_in_s = -1};
    struct user_record u;

    if (!role_is_valid(c->o->arg))
        return cli_fail(EX_DATAERR, "%s: not a role or a comma list of roles", c->o->arg);
    int rc = change_user(c, &ch, &u);
    if (rc == 0) {
        printf("role of %s set to %s\n", u.email, u.role);
        admin_off_note(c, "ignores roles (rules role:NAME, AUTH_USER_ROLE)");
    }
    return rc;
}

/* until_seconds - DATE (UTC, a real day of the calendar, in the future) as seconds since the
 * epoch. 0, or the exit status. */
static int until_seconds(const char *date, int64_t *out)
{
    char when[SINCE_SIZE];
    struct tm tm = {0}, back;
    int mday;

    if (normalise_since(date, when) != 0 || strptime(when, "%Y-%m-%d %H:%M:%S", &tm) == NULL)
        return cli_fail(EX_DATAERR, "--until: \"%s\" is not YYYY-MM-DD[THH:MM[:SS]]", date);
    mday = tm.tm_mday;
    time_t t = timegm(&tm), now = time(NULL);
    if (gmtime_r(&t, &back) == NULL || back.tm_mday != mday) /* a 31 April rolled over */
        return cli_fail(EX_DATAERR, "--until: \"%s\" is not a date", date);
    if (t <= now)
        return cli_fail(EX_DATAERR, "--until: %s is not in the future", date);
    *out = (int64_t)t;
    return 0;
}

/* ban_end - --expires-in SECONDS (> 0) into ch->ban_expires_in_s or --until DATE into
 * ch->ban_expires_at_s; without either the ban does not end. 0, or the exit status. */
static int ban_end(const struct user_opts *o, struct admin_change *ch)
{
    char *end = NULL;

    ch->ban_expires_in_s = -1;
    if (o->until != NULL)
        return until_seconds(o->until, &ch->ban_expires_at_s);
    if (o->expires_in == NULL)
        return 0;
    long long n = strtoll(o->expires_in, &end, 10);
    if (end == o->expires_in || *end != '\0' || n <= 0 || n > INT32_MAX)
        return cli_fail(EX_DATAERR, "--expires-in: \"%s\" is not a number of seconds",
                        o->expires_in);
    ch->ban_expires_in_s = n;
    return 0;
}

/* cmd_ban - as ban-user does: the reason "No reason" unless given. */
static int cmd_ban(struct user_ctx *c)
{
    const char *reason = c->o->reason;
    struct admin_change ch = {.ban = ADMIN_BAN_SET,
                              .ban_reason =
                                  reason != NULL && reason[0] != '\0' ? reason : "No reason"};
    struct user_record u;
    int rc = ban_end(c->o, &ch);

    if (rc == 0 && (rc = change_user(c, &ch, &u)) == 0) {
        printf("%s banned until %s; its sessions were revoked\n", u.email,
               u.ban_expires != NULL ? u.ban_expires : "further notice");
        admin_off_note(c, "lets a banned user sign in again");
    }
    return rc;
}

static int cmd_unban(struct user_ctx *c)
{
    const struct admin_change ch = {.ban = ADMIN_BAN_LIFT, .ban_expires_in_s = -1};
    struct user_record u;
    int rc = change_user(c, &ch, &u);

    if (rc == 0)
        printf("%s unbanned\n", u.email);
    return rc;
}

int cli_user_main(int argc, char **argv)
{
    struct user_opts o;
    struct settings s;
    int rc = parse_user_args(argc, argv, &o);

    if (rc != 0)
        return rc;
    if (o.help) {
        fputs(user_help, stdout);
        return 0;
    }
    if ((rc = cli_load_settings(&s, o.config_path)) != 0)
        return rc;
    struct user_ctx c = {.o = &o, .s = &s};
    if ((rc = cli_open_db(&s, &c.db)) == 0) {
        c.a = arena_create(ARENA_CHUNK);
        store_pg_init(&c.store, c.db);
        rc = o.cmd->run(&c);
        arena_destroy(c.a);
        db_close(c.db);
    }
    settings_free(&s);
    return rc;
}
