/* store_pg - the store interface over the worker's PostgreSQL connection (db module). Each
 * operation is one statement or one db_transaction; handlers only ever see enum db_status. */
#include "config.h"

#include "store.h"

static enum db_status pg_ping(void *impl)
{
    return db_exec(impl, STMT_PING, NULL, NULL);
}

static int pg_retry_after(void *impl)
{
    return db_retry_after(impl);
}

static const struct store_ops pg_ops = {
    .ping = pg_ping,
    .retry_after = pg_retry_after,
};

void store_pg_init(struct store *store, struct db *db)
{
    store->ops = &pg_ops;
    store->impl = db;
}
