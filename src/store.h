/* store - the storage interface handlers use, as a table of functions, so handlers can be
 * tested against a fake store scripted to fail. store_pg.c implements it over the db module.
 * Every function returns an enum db_status; RETRY maps to 503, FAIL to 500. */
#ifndef AUTHFCGI_STORE_H
#define AUTHFCGI_STORE_H

#include "db.h"

struct store_ops {
    /* ping - one round trip to the database (readyz). */
    enum db_status (*ping)(void *impl);
    /* retry_after - seconds to advertise with a 503. */
    int (*retry_after)(void *impl);
};

struct store {
    const struct store_ops *ops;
    void *impl;
};

/* store_pg_init - a store over an open db handle; borrows db for the store's lifetime. */
void store_pg_init(struct store *store, struct db *db);

#endif
