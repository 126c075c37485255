/* settings - the one table of every configuration setting, and its loader.
 *
 * Sources, later wins: built-in default, environment (name, then accepted alias), then the
 * optional `key = value` file given with --config. Every setting is declared once in
 * settings_table (name, alias, type, default, limits, doc line); README and the sample config
 * are checked against that table by a test. */
#ifndef AUTHFCGI_SETTINGS_H
#define AUTHFCGI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/log.h"

/* sysexits.h EX_CONFIG: bad configuration at start. */
#define EXIT_CONFIG 78

/* The enumerated settings; each value's name is in settings.c's choices for its row. */
enum db_pooler_mode { DB_POOLER_AUTO, DB_POOLER_OFF, DB_POOLER_TRANSACTION };
/* What session.token and a reset link's verification row hold: the token's SHA-256, or the
 * token itself as Better Auth does. */
enum session_storage { SESSION_STORAGE_HASH, SESSION_STORAGE_PLAIN };
/* The format of new password hashes. */
enum password_hash_format { PASSWORD_HASH_YESCRYPT, PASSWORD_HASH_BETTERAUTH };

struct settings {
    char *database_url;
    char *secret;
    char *base_url;
    char *trusted_origins; /* comma list, as given */
    int workers;           /* 0 = 2 per online CPU */
    char *socket;          /* unix path, host:port, or "systemd" */
    int socket_mode;       /* octal permission bits for a unix socket */
    char *socket_owner;    /* "user[:group]" for a unix socket, or NULL */
    char *pid_file;
    char *user;             /* when started as root: the user to drop to, or NULL */
    char *group;            /* its group; NULL = the user's primary group */
    bool socket_remote;     /* a TCP socket may listen on a non-loopback address */
    char *web_server_addrs; /* FCGI_WEB_SERVER_ADDRS: TCP peers allowed, or NULL = any */
    int fcgi_timeout_ms;    /* a stalled FastCGI connection is dropped after this long */
    int max_requests;       /* 0 = never retire */
    int db_timeout_ms;
    enum db_pooler_mode db_pooler;
    int shutdown_timeout_ms;
    bool syslog;
    enum log_level log_level;
    /* The Better Auth API. */
    enum session_storage session_storage;
    bool bearer;
    bool bearer_unsigned;     /* a bare token counts as Bearer, not only token.signature */
    bool cookie_cache;        /* Better Auth's session_data cookie cache */
    int cookie_cache_max_age; /* its max age, seconds */
    bool rate_limit;
    bool account_guard;
    char *trusted_proxies; /* comma list of addresses / CIDR ranges */
    char *metrics_allow;   /* AUTHFCGI_METRICS_ALLOW: who may read /authfcgi/metrics */
    enum password_hash_format password_hash;
    int password_cost; /* yescrypt cost; 0 = libxcrypt's default */
    bool delete_user;
    bool admin; /* AUTHFCGI_ADMIN: Better Auth's admin plugin (roles, bans, impersonation) */
    bool two_factor;
    char *app_name; /* AUTHFCGI_APP_NAME: the TOTP issuer */
    /* Password reset, e-mail verification, change of e-mail (the mail links). */
    bool change_email;
    bool require_email_verification;
    bool send_verification_on_sign_up;
    bool send_verification_on_sign_in;
    bool revoke_sessions_on_reset;
    /* Mail: the outbox and `authfcgi mail`. */
    char *mail_from; /* NULL = mail not configured: `serve` runs no mailer */
    char *mail_template_dir;
    char *sendmail; /* command line, run with /bin/sh -c */
    int sendmail_timeout_ms;
    int mail_max_attempts;
    int mail_poll_ms;
    /* The authorizer (protect any path). */
    char *access_rules; /* rules file, or NULL = signed-in everywhere */
    char *sign_in_url;
    /* The built-in pages under /auth/. */
    bool pages;
    char *pages_template_dir;
};

enum setting_type {
    SETTING_STRING,
    SETTING_SECRET, /* a string never echoed in messages */
    SETTING_INT,
    SETTING_OCTAL,
    SETTING_BOOL,
    SETTING_ENUM, /* one of the row's choices, any case; the field is the C enum */
};

/* When a changed value takes effect in `authfcgi serve`. */
enum setting_apply {
    SETTING_ON_RELOAD,  /* SIGHUP applies it */
    SETTING_ON_RESTART, /* fixed at start (the socket, the pid file, the identity: changing
                           them needs root, which the master gave up); a SIGHUP warns and
                           keeps the running value */
};

struct setting_def {
    const char *name;  /* environment / file key, e.g. AUTHFCGI_WORKERS */
    const char *alias; /* accepted alternative name, or NULL */
    enum setting_type type;
    const char *default_value; /* NULL = unset */
    long min, max;             /* inclusive bounds for SETTING_INT */
    size_t offset;             /* into struct settings */
    const char *doc;           /* one line, copied into README's table */
    /* check - extra rule for a SETTING_STRING/SETTING_SECRET value (never called for an
     * unset one): NULL when acceptable, else why not ("must be an http(s) URL"). */
    const char *(*check)(const char *value);
    /* choices - for SETTING_ENUM: the accepted names, indexed by the enum's values,
     * NULL-terminated; NULL for the other types. */
    const char *const *choices;
    enum setting_apply applies;
};

extern const struct setting_def settings_table[];
extern const size_t settings_count;

/* settings_load - fill *out from defaults, the environment and config_path (may be NULL).
 * Returns 0, or -1 with one line naming the bad setting in err (the caller prints it and
 * exits EXIT_CONFIG). On success *out owns its strings: release with settings_free(). */
int settings_load(struct settings *out, const char *config_path, char *err, size_t errlen);

/* settings_check_serving - the extra rules for processes that answer requests (secret set
 * and at least 32 bytes, base URL well formed). Returns 0 or -1 with err filled. */
int settings_check_serving(const struct settings *s, char *err, size_t errlen);

/* settings_effective_workers - the workers setting with 0 resolved to 2 per online CPU. */
int settings_effective_workers(const struct settings *s);

/* settings_metrics_off - AUTHFCGI_METRICS_ALLOW says `none`: no metrics page. */
bool settings_metrics_off(const char *metrics_allow);

/* settings_max_workers - the most AUTHFCGI_WORKERS allows. */
int settings_max_workers(void);

/* settings_db_unnamed - true when statements must run unnamed (no PREPARE): pooler mode
 * "transaction", or "auto" with a DATABASE_URL host containing "-pooler" (Neon's pooled
 * endpoints; see db_conninfo_is_pooler). The one place this decision is made; db setup and
 * tests call it. */
bool settings_db_unnamed(const struct settings *s);

/* settings_same - do a and b hold the same value for the setting of row d? */
bool settings_same(const struct settings *a, const struct settings *b, const struct setting_def *d);

/* settings_find - the table row for name or alias (case-insensitive), or NULL. */
const struct setting_def *settings_find(const char *name);

void settings_free(struct settings *s);

#endif
