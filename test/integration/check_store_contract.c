/* check_store_contract - the store contract (test/unit/store_contract.c) over store_pg on a
 * real, migrated PostgreSQL ($DATABASE_URL; run by test/integration/store_contract.sh), once
 * with named prepared statements and once unnamed (as behind a transaction pooler). The same
 * cases run over the fake store in test/unit/check_store_contract. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "global/db.h"
#include "global/store.h"
#include "store_contract.h"
#include "testdb.h"

#define APPLICATION_NAME "authfcgi_check_store_contract"

static bool unnamed;
static struct db *db;
static struct store store;

static struct store *pg_open(void)
{
    db = testdb_connect(unnamed, APPLICATION_NAME);
    store_pg_init(&store, db);
    return &store;
}

static void pg_close(void)
{
    db_close(db);
    db = NULL;
}

/* Keys and ids come from random_token (a-zA-Z0-9) and the suite's literals: no quotes. */
static void pg_sql(const char *sql)
{
    ck_assert_msg(db_exec_script(db, sql) == DB_OK, "SQL failed: %s", sql);
}

static void pg_rate_age(const char *key, int64_t ms)
{
    char sql[512], where[320];

    snprintf(where, sizeof where, "key = '%s'", key);
    testdb_count_is(db, "authfcgi_rate_limit", where, 1);
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_rate_limit SET \"lastRequest\" = \"lastRequest\" - %lld WHERE %s",
             (long long)ms, where);
    pg_sql(sql);
}

static void pg_guard_age(const char *key, int64_t ms)
{
    char sql[512], where[320];

    snprintf(where, sizeof where, "key = '%s'", key);
    testdb_count_is(db, "authfcgi_account_guard", where, 1);
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_account_guard SET window_start = window_start - %lld, "
             "locked_until = locked_until - %lld WHERE %s",
             (long long)ms, (long long)ms, where);
    pg_sql(sql);
}

static void pg_drop_credential(const char *user_id)
{
    char sql[512];

    snprintf(sql, sizeof sql,
             "DELETE FROM account WHERE \"userId\" = '%s' AND \"providerId\" = 'credential'",
             user_id);
    pg_sql(sql);
}

static void pg_rows_are(const char *table, const char *column, const char *value, int n)
{
    char where[512];

    snprintf(where, sizeof where, "%s = '%s'", column, value);
    testdb_count_is(db, table, where, n);
}

static void pg_verification_rows_are(const char *identifier, int n)
{
    pg_rows_are("verification", "identifier", identifier, n);
}

static void pg_outbox_rows_are(const char *message_id, int n)
{
    pg_rows_are("authfcgi_outbox", "message_id", message_id, n);
}

static void pg_session_rows_are(const char *user_id, int n)
{
    pg_rows_are("session", "\"userId\"", user_id, n);
}

static const struct contract_backend pg_backend = {
    .open = pg_open,
    .close = pg_close,
    .rate_age = pg_rate_age,
    .guard_age = pg_guard_age,
    .drop_credential = pg_drop_credential,
    .verification_rows_are = pg_verification_rows_are,
    .outbox_rows_are = pg_outbox_rows_are,
    .session_rows_are = pg_session_rows_are,
};

/* Named, then unnamed (behind a transaction pooler, unnamed only). */
int main(void)
{
    struct contract_backend named = pg_backend, plain = pg_backend;
    int status = EXIT_SUCCESS;

    named.name = "store_contract_pg_named";
    plain.name = "store_contract_pg_unnamed";
    if (!testdb_via_pooler() && testdb_run(store_contract_suite(&named)) != EXIT_SUCCESS)
        status = EXIT_FAILURE;
    unnamed = true;
    if (testdb_run(store_contract_suite(&plain)) != EXIT_SUCCESS)
        status = EXIT_FAILURE;
    return status;
}
