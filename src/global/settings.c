/* settings - the table of every configuration setting and the loader that fills struct
 * settings from defaults, the environment and an optional `key = value` file.
 *
 * Adding a setting is adding one row to settings_table (and its field to struct settings);
 * parsing, bounds, error messages and documentation all come from the row. */
#include "config.h"

#include "global/settings.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/client_ip.h"
#include "global/db.h"
#include "util/log.h"
#include "global/mail.h"

#define MAX_WORKERS 1024
#define SHOWN_VALUE_MAX 48        /* bytes of a bad value echoed back in an error */
#define WHERE_MAX (PATH_MAX + 32) /* "FILE line N" */

/* Row checks: NULL when the value is acceptable, else the reason, worded to follow
 * "NAME: ". */
static const char *check_database_url(const char *v);
static const char *check_base_url(const char *v);
static const char *check_owner(const char *v);
static const char *check_name(const char *v);
static const char *check_trusted_proxies(const char *v);
static const char *check_metrics_allow(const char *v);
static const char *check_command(const char *v);
static const char *check_no_control(const char *v);

#define FIELD(f) offsetof(struct settings, f)

/* The choices of the SETTING_ENUM rows, indexed by the enums of settings.h (and log.h). */
static const char *const pooler_names[] = {
    [DB_POOLER_AUTO] = "auto",
    [DB_POOLER_OFF] = "off",
    [DB_POOLER_TRANSACTION] = "transaction",
    [DB_POOLER_TRANSACTION + 1] = NULL,
};
static const char *const session_storage_names[] = {
    [SESSION_STORAGE_HASH] = "hash",
    [SESSION_STORAGE_PLAIN] = "plain",
    [SESSION_STORAGE_PLAIN + 1] = NULL,
};
static const char *const password_hash_names[] = {
    [PASSWORD_HASH_YESCRYPT] = "yescrypt",
    [PASSWORD_HASH_BETTERAUTH] = "betterauth",
    [PASSWORD_HASH_BETTERAUTH + 1] = NULL,
};

const struct setting_def settings_table[] = {
    {"DATABASE_URL", NULL, SETTING_SECRET, NULL, 0, 0, FIELD(database_url),
     "PostgreSQL connection string (postgresql://... URL or key=value); a Neon URL works as "
     "pasted",
     check_database_url, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SECRET", "BETTER_AUTH_SECRET", SETTING_SECRET, NULL, 0, 0, FIELD(secret),
     "secret for signing cookies and tokens, at least 32 bytes (openssl rand -base64 32)", NULL,
     NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_BASE_URL", "BETTER_AUTH_URL", SETTING_STRING, "http://127.0.0.1:8080", 0, 0,
     FIELD(base_url), "public URL of the site serving /api/auth", check_base_url, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_TRUSTED_ORIGINS", NULL, SETTING_STRING, NULL, 0, 0, FIELD(trusted_origins),
     "comma-separated origins allowed besides the base URL's", check_no_control, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_WORKERS", NULL, SETTING_INT, "0", 0, MAX_WORKERS, FIELD(workers),
     "worker processes of `authfcgi serve`; 0 = 2 per CPU", NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SOCKET", NULL, SETTING_STRING, "/run/authfcgi/authfcgi.sock", 0, 0, FIELD(socket),
     "where `authfcgi serve` listens: a unix socket path, 127.0.0.1:PORT, [::1]:PORT, or "
     "systemd (socket activation)",
     check_no_control, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_SOCKET_MODE", NULL, SETTING_OCTAL, "0660", 0, 0777, FIELD(socket_mode),
     "permission bits of the unix socket (octal)", NULL, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_SOCKET_OWNER", NULL, SETTING_STRING, NULL, 0, 0, FIELD(socket_owner),
     "user[:group] owning the unix socket (set as root, before privileges are dropped)",
     check_owner, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_PID_FILE", NULL, SETTING_STRING, NULL, 0, 0, FIELD(pid_file),
     "pid file of `authfcgi serve`, written before privileges are dropped (never through a "
     "symbolic link); none when unset",
     NULL, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_USER", NULL, SETTING_STRING, NULL, 0, 0, FIELD(user),
     "started as root, run as this user: `serve` binds its socket and writes its pid file, then "
     "drops to it before starting workers; managed workers and `authfcgi mail` drop at start. "
     "Nothing serves as root: unset, a start as root is refused",
     check_name, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_GROUP", NULL, SETTING_STRING, NULL, 0, 0, FIELD(group),
     "group for AUTHFCGI_USER (its supplementary groups are kept); default its primary group",
     check_name, NULL, SETTING_ON_RESTART},
    {"AUTHFCGI_SOCKET_REMOTE", NULL, SETTING_BOOL, "false", 0, 0, FIELD(socket_remote),
     "allow a TCP socket on an address other than loopback (127.0.0.0/8, ::1); then set "
     "FCGI_WEB_SERVER_ADDRS",
     NULL, NULL, SETTING_ON_RESTART},
    {"FCGI_WEB_SERVER_ADDRS", NULL, SETTING_STRING, NULL, 0, 0, FIELD(web_server_addrs),
     "comma-separated addresses or CIDR ranges (IPv4 and IPv6) of the web servers that may "
     "connect over TCP; other peers are disconnected unanswered; unset = any (libfcgi's variable)",
     check_trusted_proxies, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_FCGI_TIMEOUT_MS", NULL, SETTING_INT, "30000", 50, 3600000, FIELD(fcgi_timeout_ms),
     "ms a FastCGI connection may stall (no byte of an incomplete request, a response not read, "
     "an idle kept-alive connection) before the worker drops it",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_MAX_REQUESTS", NULL, SETTING_INT, "100000", 0, INT_MAX, FIELD(max_requests),
     "requests a worker of `authfcgi serve` answers before it is replaced; 0 = never", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_DB_TIMEOUT_MS", NULL, SETTING_INT, "2000", 50, 600000, FIELD(db_timeout_ms),
     "deadline in ms for connecting and for each database statement", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_DB_POOLER", NULL, SETTING_ENUM, "auto", 0, 0, FIELD(db_pooler),
     "auto|off|transaction: transaction = unnamed statements for PgBouncer/Neon pooling; "
     "auto = transaction when the host name contains -pooler",
     NULL, pooler_names, SETTING_ON_RELOAD},
    {"AUTHFCGI_SHUTDOWN_TIMEOUT_MS", NULL, SETTING_INT, "10000", 0, 3600000,
     FIELD(shutdown_timeout_ms),
     "on SIGTERM, ms the requests in flight get to finish before workers are killed", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_SYSLOG", NULL, SETTING_BOOL, "false", 0, 0, FIELD(syslog),
     "also send log lines to syslog (facility daemon)", NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_LOG_LEVEL", NULL, SETTING_ENUM, "info", 0, 0, FIELD(log_level),
     "error|warn|info|debug", NULL, log_level_names, SETTING_ON_RELOAD},
    {"AUTHFCGI_SESSION_STORAGE", NULL, SETTING_ENUM, "hash", 0, 0, FIELD(session_storage),
     "hash|plain: session.token and a reset link's verification row hold the SHA-256 of the "
     "token (hash) or the token itself, as Better Auth does (plain; for a database shared "
     "with a running Better Auth server)",
     NULL, session_storage_names, SETTING_ON_RELOAD},
    {"AUTHFCGI_BEARER", NULL, SETTING_BOOL, "true", 0, 0, FIELD(bearer),
     "accept Authorization: Bearer tokens and send set-auth-token (Better Auth's bearer plugin)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_BEARER_UNSIGNED", NULL, SETTING_BOOL, "false", 0, 0, FIELD(bearer_unsigned),
     "also accept the bare session token as a Bearer token, not only the signed token.signature "
     "of set-auth-token (Better Auth's default; off = its requireSignature: true)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_COOKIE_CACHE", NULL, SETTING_BOOL, "false", 0, 0, FIELD(cookie_cache),
     "Better Auth's session cookie cache: get-session and the authorizer answer from a signed "
     "session_data cookie without the database; a revoked session stays valid until it "
     "expires (AUTHFCGI_COOKIE_CACHE_MAX_AGE)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_COOKIE_CACHE_MAX_AGE", NULL, SETTING_INT, "300", 1, 86400,
     FIELD(cookie_cache_max_age),
     "seconds a session_data cookie is believed (Better Auth's cookieCache.maxAge)", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_RATE_LIMIT", NULL, SETTING_BOOL, "true", 0, 0, FIELD(rate_limit),
     "Better Auth's request limits, counted in PostgreSQL across all workers and hosts", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_ACCOUNT_GUARD", NULL, SETTING_BOOL, "true", 0, 0, FIELD(account_guard),
     "with AUTHFCGI_RATE_LIMIT, slow down failed sign-ins per account whatever the client "
     "address: 5 free, then waits doubling from 1 s to 15 min, at most 100 per 24 h (NIST "
     "800-63B; Better Auth has none)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_TRUSTED_PROXIES", NULL, SETTING_STRING, NULL, 0, 0, FIELD(trusted_proxies),
     "comma-separated addresses/CIDR ranges whose X-Forwarded-For is believed for the client "
     "address",
     check_trusted_proxies, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_METRICS_ALLOW", NULL, SETTING_STRING, "127.0.0.1, ::1", 0, 0, FIELD(metrics_allow),
     "comma-separated addresses/CIDR ranges (the FastCGI REMOTE_ADDR, never X-Forwarded-For) "
     "that may read the Prometheus metrics at GET /authfcgi/metrics; others get 403; `none` = "
     "no metrics page (404)",
     check_metrics_allow, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_PASSWORD_HASH", NULL, SETTING_ENUM, "yescrypt", 0, 0, FIELD(password_hash),
     "yescrypt|betterauth: format of new password hashes (betterauth = Better Auth's scrypt, for "
     "a database shared with it)",
     NULL, password_hash_names, SETTING_ON_RELOAD},
    {"AUTHFCGI_PASSWORD_COST", NULL, SETTING_INT, "0", 0, 11, FIELD(password_cost),
     "yescrypt cost (each step doubles the work); 0 = libxcrypt's default", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_DELETE_USER", NULL, SETTING_BOOL, "false", 0, 0, FIELD(delete_user),
     "enable POST /api/auth/delete-user (off by default, as in Better Auth)", NULL, NULL,
     SETTING_ON_RELOAD},
    {"AUTHFCGI_ADMIN", NULL, SETTING_BOOL, "false", 0, 0, FIELD(admin),
     "Better Auth's admin plugin (off by default, as a plugin is): user roles, bans, "
     "impersonation and the /api/auth/admin/* endpoints",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_TWO_FACTOR", NULL, SETTING_BOOL, "false", 0, 0, FIELD(two_factor),
     "enable Better Auth's twoFactor plugin (off by default, as a plugin): /api/auth/two-factor/*, "
     "and sign-in of an enrolled user asks for a TOTP, e-mailed or backup code",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_APP_NAME", NULL, SETTING_STRING, "Better Auth", 0, 0, FIELD(app_name),
     "the application's name (Better Auth's appName): the issuer an authenticator app shows "
     "for a TOTP enrolment, unless the enable request names one",
     check_no_control, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_CHANGE_EMAIL", NULL, SETTING_BOOL, "false", 0, 0, FIELD(change_email),
     "enable POST /api/auth/change-email (off by default, as in Better Auth): a link goes to the "
     "new address, and the address changes when it is opened",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_REQUIRE_EMAIL_VERIFICATION", NULL, SETTING_BOOL, "false", 0, 0,
     FIELD(require_email_verification),
     "sign-in answers 403 EMAIL_NOT_VERIFIED until the address is verified; sign-up then starts "
     "no session and mails a verification link (needs AUTHFCGI_MAIL_FROM)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP", NULL, SETTING_BOOL, "false", 0, 0,
     FIELD(send_verification_on_sign_up),
     "mail a verification link on every sign-up (always done with "
     "AUTHFCGI_REQUIRE_EMAIL_VERIFICATION; Better Auth's sendOnSignUp)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN", NULL, SETTING_BOOL, "false", 0, 0,
     FIELD(send_verification_on_sign_in),
     "with AUTHFCGI_REQUIRE_EMAIL_VERIFICATION, mail a new link when an unverified user signs in "
     "with the right password (Better Auth's sendOnSignIn)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_REVOKE_SESSIONS_ON_RESET", NULL, SETTING_BOOL, "true", 0, 0,
     FIELD(revoke_sessions_on_reset),
     "a password reset signs the user out everywhere (OWASP ASVS); off = Better Auth's default "
     "(revokeSessionsOnPasswordReset: false), sessions survive the reset",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_MAIL_FROM", NULL, SETTING_STRING, NULL, 0, 0, FIELD(mail_from),
     "sender of authfcgi's mails, `addr@domain` or `Name <addr@domain>`; when set, `authfcgi "
     "serve` also runs the mailer",
     mail_check_from, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SENDMAIL", NULL, SETTING_STRING, "/usr/sbin/sendmail -t -i", 0, 0, FIELD(sendmail),
     "command (run with /bin/sh -c) that takes one message on stdin and exits 0 once it has "
     "accepted it",
     check_command, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SENDMAIL_TIMEOUT_MS", NULL, SETTING_INT, "30000", 100, 3600000,
     FIELD(sendmail_timeout_ms),
     "ms the sendmail command gets per message before it is killed and the mail retried later",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_MAIL_MAX_ATTEMPTS", NULL, SETTING_INT, "8", 1, 100, FIELD(mail_max_attempts),
     "delivery attempts before a mail is marked failed (8 with the doubling backoff from 30 s: "
     "about an hour, the life of its link)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_MAIL_POLL_MS", NULL, SETTING_INT, "1000", 100, 3600000, FIELD(mail_poll_ms),
     "how often the mailer looks for due mail when idle (each look is one query: on Neon, a "
     "long interval lets an idle compute suspend)",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_MAIL_TEMPLATE_DIR", NULL, SETTING_STRING, NULL, 0, 0, FIELD(mail_template_dir),
     "directory of mail templates overriding the built-in ones: `KIND.subject` and `KIND.txt` "
     "for KIND reset-password, verify-email, change-email; placeholders `{{url}}` (alone on its "
     "line), `{{name}}`, `{{email}}`",
     check_no_control, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_ACCESS_RULES", NULL, SETTING_STRING, NULL, 0, 0, FIELD(access_rules),
     "file of access rules for the authorizer (README, \"Access rules\"), checked at start and "
     "re-read on SIGHUP; unset = every authorizer check requires a signed-in user",
     check_no_control, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_SIGN_IN_URL", NULL, SETTING_STRING, "/auth/sign-in", 0, 0, FIELD(sign_in_url),
     "where the authorizer sends a browser without a session (with ?callbackURL=the page it "
     "asked for): a path, or an absolute URL of a trusted origin (a site's own sign-in page)",
     check_no_control, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_PAGES", NULL, SETTING_BOOL, "true", 0, 0, FIELD(pages),
     "serve the built-in pages under /auth/ (sign-in, sign-up, sign-out, forgot-password, "
     "reset-password, two-factor, style.css); off = 404, for a site with its own front end",
     NULL, NULL, SETTING_ON_RELOAD},
    {"AUTHFCGI_PAGES_TEMPLATE_DIR", NULL, SETTING_STRING, NULL, 0, 0, FIELD(pages_template_dir),
     "directory of page templates overriding the built-in ones: `layout.html`, `sign-in.html`, "
     "`sign-up.html`, `sign-out.html`, `forgot-password.html`, `reset-password.html`, "
     "`two-factor.html`, `message.html`, `style.css` (README \"Built-in pages\")",
     check_no_control, NULL, SETTING_ON_RELOAD},
};

const size_t settings_count = sizeof settings_table / sizeof settings_table[0];

/* ------------------------------------------------------------------------------------------
 * Row checks */

static bool has_control_chars(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
    }
    return false;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *check_database_url(const char *v)
{
    if (starts_with(v, "postgresql://") || starts_with(v, "postgres://") || strchr(v, '=') != NULL)
        return NULL;
    return "must be a postgresql:// URL or a key=value connection string";
}

static const char *check_base_url(const char *v)
{
    const char *host;

    if (starts_with(v, "https://"))
        host = v + strlen("https://");
    else if (starts_with(v, "http://"))
        host = v + strlen("http://");
    else
        return "must be an http:// or https:// URL";
    if (*host == '\0' || *host == '/' || *host == ':')
        return "must name a host after the scheme";
    for (const char *p = v; *p; p++) {
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return "must not contain spaces or control characters";
        if (*p == '?' || *p == '#')
            return "must not contain a query or fragment";
    }
    return NULL;
}

static const char *check_owner(const char *v)
{
    const char *colon = strchr(v, ':');

    if (has_control_chars(v) || strchr(v, ' ') != NULL)
        return "must be user or user:group";
    if (colon == v || (colon != NULL && (colon[1] == '\0' || strchr(colon + 1, ':') != NULL)))
        return "must be user or user:group";
    return NULL;
}

static const char *check_name(const char *v)
{
    if (*v == '\0' || has_control_chars(v) || strpbrk(v, " :") != NULL)
        return "must be a user or group name (or a number)";
    return NULL;
}

/* check_trusted_proxies - parsed here once so a bad entry fails at start, not in a worker. */
static const char *check_trusted_proxies(const char *v)
{
    struct client_ip_proxies proxies = {0};
    static char why[160];

    if (client_ip_proxies_parse(&proxies, v, why, sizeof why) != 0)
        return why;
    client_ip_proxies_free(&proxies);
    return NULL;
}

/* check_metrics_allow - an address list, or "none". */
static const char *check_metrics_allow(const char *v)
{
    return settings_metrics_off(v) ? NULL : check_trusted_proxies(v);
}

/* settings_metrics_off - see settings.h. */
bool settings_metrics_off(const char *metrics_allow)
{
    return metrics_allow == NULL || strcasecmp(metrics_allow, "none") == 0;
}

static const char *check_command(const char *v)
{
    if (has_control_chars(v))
        return "must be one line without control characters";
    if (v[strspn(v, " ")] == '\0')
        return "must not be empty";
    return NULL;
}

static const char *check_no_control(const char *v)
{
    return has_control_chars(v) ? "must not contain control characters" : NULL;
}

/* ------------------------------------------------------------------------------------------
 * Typed values */

static void *field_ptr(struct settings *s, const struct setting_def *d)
{
    return (char *)s + d->offset;
}

static void free_string(char *p)
{
    if (p != NULL) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

/* The bad value as shown in an error: quoted, printable, truncated; secrets never shown. */
static void show_value(char *buf, size_t size, const struct setting_def *d, const char *v)
{
    if (d->type == SETTING_SECRET) {
        snprintf(buf, size, "a value that is not shown");
        return;
    }
    char clean[SHOWN_VALUE_MAX + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && n < SHOWN_VALUE_MAX; p++)
        clean[n++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
    clean[n] = '\0';
    snprintf(buf, size, "\"%s%s\"", clean, v[n] != '\0' ? "..." : "");
}

/* Narrow [*start, *end) to exclude surrounding white space. */
static void trim_span(char **start, char **end)
{
    while (*start < *end && isspace((unsigned char)**start))
        (*start)++;
    while (*end > *start && isspace((unsigned char)(*end)[-1]))
        (*end)--;
}

/* Strict decimal or octal: digits only (and a leading '-'), surrounding spaces ignored. */
static int parse_long(const char *v, int base, long *out)
{
    char buf[32];

    if (strlen(v) >= sizeof buf)
        return -1;
    strcpy(buf, v);
    char *start = buf, *end = buf + strlen(buf);
    trim_span(&start, &end);
    *end = '\0';
    size_t n = (size_t)(end - start);
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)start[i]) && !(i == 0 && start[i] == '-'))
            return -1;
    }
    char *endp;
    errno = 0;
    long val = strtol(start, &endp, base);
    if (errno != 0 || *endp != '\0')
        return -1;
    *out = val;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* One of the row's choices, any case, stored as the enum value that is its index. */
static int parse_choice(const struct setting_def *d, const char *v, void *field)
{
    for (int i = 0; d->choices[i] != NULL; i++) {
        if (strcasecmp(v, d->choices[i]) == 0) {
            *(int *)field = i; /* the enums are int-sized: asserted below */
            return 0;
        }
    }
    return -1;
}

_Static_assert(sizeof(enum db_pooler_mode) == sizeof(int), "int-sized enum");
_Static_assert(sizeof(enum log_level) == sizeof(int), "int-sized enum");
_Static_assert(sizeof(enum session_storage) == sizeof(int), "int-sized enum");
_Static_assert(sizeof(enum password_hash_format) == sizeof(int), "int-sized enum");

/* "a, b or c" into buf. */
static void list_choices(char *buf, size_t size, const struct setting_def *d)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; d->choices[i] != NULL && used < size; i++) {
        const char *sep = i == 0 ? "" : d->choices[i + 1] == NULL ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, d->choices[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

static int set_string(struct settings *s, const struct setting_def *d, const char *v,
                      const char **why)
{
    char **field = field_ptr(s, d);

    if (v != NULL && d->check != NULL && (*why = d->check(v)) != NULL)
        return -1;
    char *copy = NULL;
    if (v != NULL && (copy = strdup(v)) == NULL) {
        *why = "out of memory";
        return -1;
    }
    free_string(*field);
    *field = copy;
    return 0;
}

static int set_int(struct settings *s, const struct setting_def *d, const char *v, int base,
                   const char **why)
{
    long val;

    if (parse_long(v, base, &val) != 0 || val < d->min || val > d->max) {
        *why = base == 8 ? "must be octal permission bits from 0 to 0777"
                         : "must be an integer in range";
        return -1;
    }
    *(int *)field_ptr(s, d) = (int)val;
    return 0;
}

/* Parse v (NULL = back to unset, for strings) into the field of d. On failure *why says what
 * a good value looks like. */
static int set_value(struct settings *s, const struct setting_def *d, const char *v,
                     const char **why)
{
    switch (d->type) {
    case SETTING_STRING:
    case SETTING_SECRET:
        return set_string(s, d, v, why);
    case SETTING_INT:
        return set_int(s, d, v, 10, why);
    case SETTING_OCTAL:
        return set_int(s, d, v, 8, why);
    case SETTING_BOOL:
        if (parse_bool(v, field_ptr(s, d)) == 0)
            return 0;
        *why = "must be true or false";
        return -1;
    case SETTING_ENUM:
        if (parse_choice(d, v, field_ptr(s, d)) == 0)
            return 0;
        *why = "must be one of the choices";
        return -1;
    }
    *why = "unknown setting type";
    return -1;
}

/* Apply one value from a source; an empty value means "the default". */
static int apply(struct settings *s, const struct setting_def *d, const char *v, const char *source,
                 char *err, size_t errlen)
{
    const char *why = NULL;

    if (*v == '\0')
        v = d->default_value;
    if (v == NULL && d->type != SETTING_STRING && d->type != SETTING_SECRET)
        return 0;
    if (set_value(s, d, v, &why) == 0)
        return 0;

    char shown[SHOWN_VALUE_MAX + 8];
    show_value(shown, sizeof shown, d, v);
    if (d->type == SETTING_INT) {
        snprintf(err, errlen, "%s: must be an integer from %ld to %ld, got %s (%s)", d->name,
                 d->min, d->max, shown, source);
    } else if (d->type == SETTING_ENUM) {
        char choices[128];
        list_choices(choices, sizeof choices, d);
        snprintf(err, errlen, "%s: must be %s, got %s (%s)", d->name, choices, shown, source);
    } else {
        snprintf(err, errlen, "%s: %s, got %s (%s)", d->name, why, shown, source);
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Sources */

static int load_defaults(struct settings *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (d->default_value != NULL && apply(s, d, d->default_value, "default", err, errlen))
            return -1;
    }
    return 0;
}

static int load_environment(struct settings *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        const char *name = d->name;
        const char *v = getenv(name);
        if ((v == NULL || *v == '\0') && d->alias != NULL) {
            name = d->alias;
            v = getenv(name);
        }
        if (v == NULL)
            continue;
        char source[96];
        if (name == d->name)
            snprintf(source, sizeof source, "from the environment");
        else
            snprintf(source, sizeof source, "from environment variable %s", name);
        if (apply(s, d, v, source, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* One `key = value` line (comments and blank lines already skipped). Surrounding quotes
 * around the whole value are dropped; '#' inside a value is kept, since secrets and
 * passwords may contain it. */
static int load_line(struct settings *s, char *line, const char *where, const char **secret,
                     char *err, size_t errlen)
{
    char *eq = strchr(line, '=');
    if (eq == NULL) {
        snprintf(err, errlen, "%s: expected `key = value`", where);
        return -1;
    }
    char *kstart = line, *kend = eq;
    char *vstart = eq + 1, *vend = eq + strlen(eq);
    trim_span(&kstart, &kend);
    trim_span(&vstart, &vend);
    if (vend - vstart >= 2 && (*vstart == '"' || *vstart == '\'') && vend[-1] == *vstart) {
        vstart++;
        vend--;
    }
    *kend = '\0';
    *vend = '\0';

    const struct setting_def *d = settings_find(kstart);
    if (d == NULL) {
        char shown[SHOWN_VALUE_MAX + 8];
        struct setting_def plain = {.type = SETTING_STRING};
        /* Named only when it looks like a name: a secret wrapped onto a line of its own, or a
         * URL split at its password's '=', would be printed (and logged on a reload). */
        if (*kstart != '\0' &&
            strspn(kstart, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(kstart)) {
            show_value(shown, sizeof shown, &plain, kstart);
            snprintf(err, errlen, "%s: unknown setting %s", where, shown);
        } else {
            snprintf(err, errlen,
                     "%s: not a setting (a name is A-Z, 0-9 and _; the line is not shown)", where);
        }
        return -1;
    }
    char source[WHERE_MAX + 8];
    snprintf(source, sizeof source, "from %s", where);
    if (d->type == SETTING_SECRET && *vstart != '\0' &&
        (d->offset != FIELD(database_url) || db_conninfo_has_password(vstart)))
        *secret = d->name;
    return apply(s, d, vstart, source, err, errlen);
}

static bool is_blank_or_comment(const char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    return *line == '\0' || *line == '#';
}

/* check_file_access - a config file that group or others can write chooses the sendmail
 * command and the database for us: refused. One that others (beyond its owner and group) can
 * read gives away the secret or the database password it holds: refused when it holds one.
 * The layout this asks for: root:authfcgi 0640 (the workers' group reads, nobody else), or
 * 0600 owned by the workers' user; under mod_fcgid, which hands the workers the file with
 * FcgidWrapper "authfcgi --config FILE", root:www-data 0640. */
static int check_file_access(FILE *f, const char *path, const char *secret, char *err,
                             size_t errlen)
{
    struct stat st;

    if (fstat(fileno(f), &st) != 0) {
        snprintf(err, errlen, "%s: cannot read config file: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "%s: config file is writable by group or others (mode %04o); chmod go-w it", path,
                 (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if (secret != NULL && (st.st_mode & S_IROTH)) {
        snprintf(err, errlen,
                 "%s: config file sets %s%s and is readable by others (mode %04o); chmod o-r "
                 "it (the workers need only their user or group to read it: 0640 root:GROUP)",
                 path, secret, strcmp(secret, "DATABASE_URL") == 0 ? " with a password" : "",
                 (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

static int load_file(struct settings *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read config file: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    const char *secret = NULL; /* the name of a secret the file sets, if any */
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (is_blank_or_comment(line))
            continue;
        char where[WHERE_MAX];
        snprintf(where, sizeof where, "%s line %u", path, lineno);
        rc = load_line(s, line, where, &secret, err, errlen);
    }
    if (rc == 0)
        rc = check_file_access(f, path, secret, err, errlen);
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: cannot read config file: %s", path, strerror(errno));
        rc = -1;
    }
    /* Lines may hold the secret. */
    if (line != NULL)
        explicit_bzero(line, cap);
    free(line);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Interface */

/* settings_find - the row for name or alias, ignoring case; NULL when unknown. */
const struct setting_def *settings_find(const char *name)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (strcasecmp(name, d->name) == 0 || (d->alias && strcasecmp(name, d->alias) == 0))
            return d;
    }
    return NULL;
}

/* settings_load - defaults, then environment, then the file; see settings.h. */
int settings_load(struct settings *out, const char *config_path, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (load_defaults(out, err, errlen) != 0 || load_environment(out, err, errlen) != 0 ||
        (config_path != NULL && load_file(out, config_path, err, errlen) != 0)) {
        settings_free(out);
        return -1;
    }
    return 0;
}

/* settings_check_serving - rules only request-serving processes need. */
int settings_check_serving(const struct settings *s, char *err, size_t errlen)
{
    if (s->database_url == NULL) {
        snprintf(err, errlen, "DATABASE_URL: not set");
        return -1;
    }
    if (s->secret == NULL) {
        snprintf(err, errlen,
                 "AUTHFCGI_SECRET: not set (BETTER_AUTH_SECRET is accepted too); "
                 "generate one with: openssl rand -base64 32");
        return -1;
    }
    size_t len = strlen(s->secret);
    if (len < 32) {
        snprintf(err, errlen,
                 "AUTHFCGI_SECRET: must be at least 32 bytes, got %zu; "
                 "generate one with: openssl rand -base64 32",
                 len);
        return -1;
    }
    const char *why = s->base_url != NULL ? check_base_url(s->base_url) : "not set";
    if (why != NULL) {
        snprintf(err, errlen, "AUTHFCGI_BASE_URL: %s", why);
        return -1;
    }
    return 0;
}

/* settings_effective_workers - 0 means two per online CPU, bounded like the setting. */
int settings_effective_workers(const struct settings *s)
{
    if (s->workers > 0)
        return s->workers;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    return cpus > MAX_WORKERS / 2 ? MAX_WORKERS : (int)(2 * cpus);
}

/* settings_max_workers - see settings.h. */
int settings_max_workers(void)
{
    return MAX_WORKERS;
}

/* settings_db_unnamed - the pooler decision. */
bool settings_db_unnamed(const struct settings *s)
{
    switch (s->db_pooler) {
    case DB_POOLER_TRANSACTION:
        return true;
    case DB_POOLER_OFF:
        return false;
    case DB_POOLER_AUTO:
        break;
    }
    /* libpq's own parser reads the host list; only db.c may include libpq. */
    return s->database_url != NULL && db_conninfo_is_pooler(s->database_url);
}

/* settings_same - strings by content (both unset is the same), the rest by value. */
bool settings_same(const struct settings *a, const struct settings *b, const struct setting_def *d)
{
    const void *x = (const char *)a + d->offset, *y = (const char *)b + d->offset;

    switch (d->type) {
    case SETTING_STRING:
    case SETTING_SECRET: {
        const char *p = *(char *const *)x, *q = *(char *const *)y;
        return p == q || (p != NULL && q != NULL && strcmp(p, q) == 0);
    }
    case SETTING_BOOL:
        return *(const bool *)x == *(const bool *)y;
    case SETTING_INT:
    case SETTING_OCTAL:
    case SETTING_ENUM:
        break;
    }
    return *(const int *)x == *(const int *)y;
}

/* settings_free - release every string (secrets wiped first); *s is zeroed. */
void settings_free(struct settings *s)
{
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        if (d->type == SETTING_STRING || d->type == SETTING_SECRET) {
            char **field = field_ptr(s, d);
            free_string(*field);
            *field = NULL;
        }
    }
    memset(s, 0, sizeof *s);
}
