/* stmt - the statement table: every SQL statement authfcgi runs outside migrations, with its
 * prepared-statement name and parameter count. Designated initializers tie each row to its
 * enum, and test/unit/check_stmt.c checks names, placeholders and read-only flags.
 * Statements never end with ';' and never rely on session state (they also run unnamed
 * through a transaction-mode pooler). */
#include "config.h"

#include "stmt.h"

/* One block per statement; clang-format would indent these oddly. */
/* clang-format off */
const struct stmt_def stmt_table[STMT__MAX] = {
    [STMT_PING] = {
        .name = "authfcgi_ping",
        .sql = "SELECT 1",
        .nparams = 0,
        .read_only = true,
    },
    /* `authfcgi migrate --status` must not create anything, so it asks first. */
    [STMT_MIGRATION_TABLE_EXISTS] = {
        .name = "authfcgi_migration_table_exists",
        .sql = "SELECT 1 WHERE to_regclass('authfcgi_schema_migrations') IS NOT NULL",
        .nparams = 0,
        .read_only = true,
    },
    /* applied_at in UTC ISO 8601 whatever the session's TimeZone and DateStyle. */
    [STMT_MIGRATION_LIST] = {
        .name = "authfcgi_migration_list",
        .sql = "SELECT version, to_char(applied_at AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
               "FROM authfcgi_schema_migrations ORDER BY version",
        .nparams = 0,
        .read_only = true,
    },
    [STMT_MIGRATION_RECORD] = {
        .name = "authfcgi_migration_record",
        .sql = "INSERT INTO authfcgi_schema_migrations (version, applied_at) VALUES ($1, now())",
        .nparams = 1,
        .read_only = false,
    },
};
/* clang-format on */
