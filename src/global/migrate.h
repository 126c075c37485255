/* migrate - apply the ordered SQL files of schema/ (compiled into the binary) that the
 * database has not seen, each in its own transaction, recorded in authfcgi_schema_migrations. */
#ifndef AUTHFCGI_MIGRATE_H
#define AUTHFCGI_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct db;

struct migration {
    const char *version; /* file name without ".sql", e.g. "001_betterauth" */
    const char *sql;
};

/* Generated from schema/[0-9]*.sql at build time (src/global/migrations_gen.c), in order. */
extern const struct migration migrations[];
extern const size_t migrations_count;

/* migrate_run - apply pending migrations (status_only: only report, change nothing). Writes
 * one line per migration to out ("VERSION applied|already applied", or with status_only
 * "VERSION applied TIMESTAMP" / "VERSION pending") and a summary line. Returns 0, or -1 after
 * logging why.
 *
 * db must be opened with .unnamed = true: in named mode connecting prepares the whole
 * statement table, which refers to tables that only exist once migrated. */
int migrate_run(struct db *db, bool status_only, FILE *out);

/* migrate_pending - how many migrations of this build the database has not applied (all of
 * them on an empty database). Returns 0, or -1 after logging why. Same db rule as above. */
int migrate_pending(struct db *db, size_t *pending);

#endif
