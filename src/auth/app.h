/* app - what every handler is given besides the request: settings, the store, and the
 * per-worker configuration derived from the settings once at start (app_init). Built once per
 * worker after fork; read-only while serving. Handlers never see libfcgi or libpq. */
#ifndef AUTHFCGI_APP_H
#define AUTHFCGI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/client_ip.h"
#include "auth/cookie.h"
#include "auth/json_view.h"
#include "auth/origin.h"
#include "auth/password.h"

struct access_rules;
struct mail_config;
struct page_view;
struct settings;
struct store;

struct app {
    const struct settings *settings;
    struct store *store;
    struct cookie_config cookies;
    struct origin_policy origins;
    struct client_ip_proxies proxies;
    struct password_config passwords;
    /* The kinds of hash a failed sign-in computes: the one part that changes while serving,
     * learnt from the database on the worker's first sign-in (hash_kinds_read) and from the
     * hashes met since. */
    struct password_kinds hash_kinds;
    bool hash_kinds_read;
    bool hash_session_tokens; /* AUTHFCGI_SESSION_STORAGE=hash: session.token holds SHA-256 hex */
    bool bearer;              /* Authorization: Bearer accepted, set-auth-token sent */
    bool cookie_cache;        /* AUTHFCGI_COOKIE_CACHE: the session_data cookie */
    int cookie_cache_max_age; /* AUTHFCGI_COOKIE_CACHE_MAX_AGE, seconds */
    bool rate_limit;          /* AUTHFCGI_RATE_LIMIT */
    bool account_guard;       /* AUTHFCGI_ACCOUNT_GUARD, only with rate limits on */
    bool delete_user;         /* AUTHFCGI_DELETE_USER: /delete-user exists */
    bool admin;               /* AUTHFCGI_ADMIN: roles, bans, the admin endpoints (admin.h) */
    bool two_factor;          /* AUTHFCGI_TWO_FACTOR: the /two-factor routes (two_factor.h) */
    const char *app_name;     /* AUTHFCGI_APP_NAME (in settings): the TOTP issuer */
    /* The plugins' fields every user and session object shows (json_view.h): the admin
     * plugin's and twoFactorEnabled with the twoFactor plugin. */
    struct user_view user_view;
    /* Mail links. mail is NULL when AUTHFCGI_MAIL_FROM is unset: then no link is ever issued
     * and the endpoints that would send one answer as Better Auth does without a sender. */
    struct mail_config *mail;
    bool change_email;               /* AUTHFCGI_CHANGE_EMAIL */
    bool require_email_verification; /* AUTHFCGI_REQUIRE_EMAIL_VERIFICATION */
    bool verify_on_sign_up;        /* mail a verification link on sign-up (always when required) */
    bool verify_on_sign_in;        /* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN */
    bool revoke_sessions_on_reset; /* AUTHFCGI_REVOKE_SESSIONS_ON_RESET */
    /* The built-in pages under /auth/ (pages.h); NULL when AUTHFCGI_PAGES is off. */
    struct page_view *pages;
    /* The authorizer (authorize.h): the access rules (AUTHFCGI_ACCESS_RULES) and where a
     * browser signs in (AUTHFCGI_SIGN_IN_URL); the page's own path is never sent there. */
    struct access_rules *access;
    char *sign_in_url;
    char *sign_in_path;    /* normalised */
    bool sign_in_absolute; /* on another origin: the return target is made absolute */
};

/* app_init - derive the per-worker configuration from s (already validated for serving) and
 * borrow store; reads the mail templates when mail is configured, and the page templates
 * when the pages are on. Refuses
 * AUTHFCGI_REQUIRE_EMAIL_VERIFICATION without AUTHFCGI_MAIL_FROM (nobody could ever verify,
 * so nobody could sign in), and a bad access rules file or sign-in URL. Returns 0, or -1 with one
 * line in err (nothing allocated). */
int app_init(struct app *app, const struct settings *s, struct store *store, char *err,
             size_t errlen);

/* app_free - release what app_init allocated. */
void app_free(struct app *app);

#endif
