/* app - what every handler is given besides the request: settings, the store, and the
 * per-worker configuration derived from the settings once at start (app_init). Built once per
 * worker after fork; read-only while serving. Handlers never see libfcgi or libpq. */
#ifndef AUTHFCGI_APP_H
#define AUTHFCGI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "client_ip.h"
#include "cookie.h"
#include "origin.h"
#include "password.h"

struct settings;
struct store;

struct app {
    const struct settings *settings;
    struct store *store;
    struct cookie_config cookies;
    struct origin_policy origins;
    struct client_ip_proxies proxies;
    struct password_config passwords;
    bool hash_session_tokens; /* AUTHFCGI_SESSION_STORAGE=hash: session.token holds SHA-256 hex */
    bool bearer;              /* Authorization: Bearer accepted, set-auth-token sent */
    bool rate_limit;          /* AUTHFCGI_RATE_LIMIT */
    bool delete_user;         /* AUTHFCGI_DELETE_USER: /delete-user exists */
};

/* app_init - derive the per-worker configuration from s (already validated for serving) and
 * borrow store. Returns 0, or -1 with one line in err. */
int app_init(struct app *app, const struct settings *s, struct store *store, char *err,
             size_t errlen);

/* app_free - release what app_init allocated. */
void app_free(struct app *app);

#endif
