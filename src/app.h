/* app - what every handler is given besides the request: settings and the store. Built once
 * per worker after fork; handlers never see libfcgi or libpq. */
#ifndef AUTHFCGI_APP_H
#define AUTHFCGI_APP_H

struct settings;
struct store;

struct app {
    const struct settings *settings;
    struct store *store;
};

#endif
