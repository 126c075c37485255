/* migrate - apply the SQL files of schema/ (compiled in as migrations[]) that the database has
 * not recorded, in order, each in its own transaction under an advisory lock, and report them
 * (`authfcgi migrate [--status]`). */
#include "config.h"

#include "global/migrate.h"

#include <string.h>

#include "global/db.h"
#include "util/log.h"

/* Run first in every migration's transaction. The advisory lock (key: "authfcgi" in ASCII, as
 * a bigint) serialises concurrent migrators, e.g. two hosts deploying at once, until COMMIT.
 * The version table is created under that lock because two concurrent CREATE TABLE IF NOT
 * EXISTS can still collide on the catalog's unique index. This is the runner's own
 * bootstrap, so it lives here rather than in schema/. */
static const char migrate_prologue[] = "SELECT pg_advisory_xact_lock(7022647185697367913);\n"
                                       "CREATE TABLE IF NOT EXISTS authfcgi_schema_migrations (\n"
                                       "    version text PRIMARY KEY,\n"
                                       "    applied_at timestamptz NOT NULL DEFAULT now()\n"
                                       ")";

/* applied_at - when version was applied according to list (a STMT_MIGRATION_LIST result), or
 * NULL when it was not. Borrowed from list. */
static const char *applied_at(const struct db_result *list, const char *version)
{
    for (int i = 0; i < db_result_rows(list); i++) {
        const char *v = db_result_value(list, i, 0);
        if (v != NULL && strcmp(v, version) == 0) {
            const char *at = db_result_value(list, i, 1);
            return at != NULL ? at : "";
        }
    }
    return NULL;
}

static bool in_build(const char *version)
{
    for (size_t i = 0; i < migrations_count; i++)
        if (strcmp(migrations[i].version, version) == 0)
            return true;
    return false;
}

static int fail(const char *version, const char *what, enum db_status st)
{
    log_event(LOG_LEVEL_ERROR, "migrate_failed", "version=%s step=%s status=%s", version, what,
              db_status_name(st));
    return -1;
}

/* applied_list - the recorded migrations into *list (NULL when the table does not exist yet:
 * none applied). Returns 0, or -1 after logging why. */
static int applied_list(struct db *db, struct db_result **list)
{
    enum db_status st = db_exec(db, STMT_MIGRATION_TABLE_EXISTS, NULL, NULL);

    *list = NULL;
    if (st == DB_OK) {
        st = db_exec(db, STMT_MIGRATION_LIST, NULL, list);
        if (st != DB_OK && st != DB_NOTFOUND)
            return fail("-", "list", st);
    } else if (st != DB_NOTFOUND) {
        return fail("-", "check", st);
    }
    return 0;
}

int migrate_pending(struct db *db, size_t *pending)
{
    struct db_result *list = NULL;

    if (applied_list(db, &list) != 0)
        return -1;
    *pending = 0;
    for (size_t i = 0; i < migrations_count; i++)
        if (applied_at(list, migrations[i].version) == NULL)
            (*pending)++;
    db_result_free(list);
    return 0;
}

static int migrate_status(struct db *db, FILE *out)
{
    struct db_result *list = NULL;
    size_t pending = 0;

    if (applied_list(db, &list) != 0)
        return -1;
    for (size_t i = 0; i < migrations_count; i++) {
        const char *at = applied_at(list, migrations[i].version);
        if (at != NULL) {
            fprintf(out, "%s applied %s\n", migrations[i].version, at);
        } else {
            fprintf(out, "%s pending\n", migrations[i].version);
            pending++;
        }
    }
    /* A database migrated by a newer authfcgi: worth saying, not an error. */
    for (int i = 0; i < db_result_rows(list); i++) {
        const char *v = db_result_value(list, i, 0);
        if (v != NULL && !in_build(v))
            fprintf(out, "%s applied %s (unknown to this version)\n", v,
                    db_result_value(list, i, 1));
    }
    fprintf(out, "%zu pending\n", pending);
    db_result_free(list);
    return 0;
}

struct apply {
    const struct migration *m;
    bool applied; /* out: this run applied it (false: it already was) */
    const char *step;
};

/* apply_one - the body of one migration's transaction. */
static enum db_status apply_one(struct db *db, void *arg)
{
    struct apply *a = arg;
    struct db_result *list = NULL;
    enum db_status st;

    a->applied = false;
    a->step = "lock";
    if ((st = db_exec_script(db, migrate_prologue)) != DB_OK)
        return st;
    a->step = "list";
    st = db_exec(db, STMT_MIGRATION_LIST, NULL, &list);
    if (st != DB_OK && st != DB_NOTFOUND)
        return st;
    bool done = applied_at(list, a->m->version) != NULL;
    db_result_free(list);
    if (done)
        return DB_OK; /* another migrator got here first, or a second run */

    a->step = "apply";
    if ((st = db_exec_script(db, a->m->sql)) != DB_OK)
        return st;
    a->step = "record";
    const char *params[] = {a->m->version};
    if ((st = db_exec(db, STMT_MIGRATION_RECORD, params, NULL)) != DB_OK)
        return st;
    a->applied = true;
    return DB_OK;
}

int migrate_run(struct db *db, bool status_only, FILE *out)
{
    if (status_only)
        return migrate_status(db, out);

    size_t applied = 0;
    for (size_t i = 0; i < migrations_count; i++) {
        struct apply a = {.m = &migrations[i], .step = "connect"};
        enum db_status st = db_transaction(db, apply_one, &a);
        if (st != DB_OK)
            return fail(migrations[i].version, a.step, st);
        fprintf(out, "%s %s\n", migrations[i].version, a.applied ? "applied" : "already applied");
        if (a.applied) {
            log_event(LOG_LEVEL_INFO, "migration_applied", "version=%s", migrations[i].version);
            applied++;
        }
    }
    fprintf(out, "%zu applied, %zu already applied\n", applied, migrations_count - applied);
    return 0;
}
