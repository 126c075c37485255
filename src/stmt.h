/* stmt - every SQL statement authfcgi runs, in one table. The db module prepares them once per
 * connection under their names (or sends them unnamed behind a transaction pooler); callers
 * refer to them only by enum. Migrations (the schema/ files) are the only other SQL. */
#ifndef AUTHFCGI_STMT_H
#define AUTHFCGI_STMT_H

#include <stdbool.h>

enum stmt {
    STMT_PING,
    STMT_MIGRATION_TABLE_EXISTS,
    STMT_MIGRATION_LIST,
    STMT_MIGRATION_RECORD,
    STMT__MAX
};

struct stmt_def {
    const char *name; /* prepared statement name: "authfcgi_" + lower-case enum name */
    const char *sql;
    int nparams;      /* number of $n placeholders */
    bool read_only;   /* safe to retry once after a lost connection */
};

extern const struct stmt_def stmt_table[STMT__MAX];

#endif
