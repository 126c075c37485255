/* store_admin - users listed with filters, found by id, given a password or a verified address
 * by `authfcgi user`: the statements of stmt.c's `authfcgi user` part and the existing
 * password and session ones, in transactions like those of the mail links. */
#include "config.h"

#include "global/store_admin.h"

#include <string.h>

#include "util/arena.h"

enum db_status store_admin_user_list(struct db *db, struct arena *a, const struct user_filter *f,
                                     struct user_record **out, size_t *count)
{
    const char *verified = f->verified < 0 ? NULL : f->verified ? "t" : "f";
    const char *params[] = {f->like, verified, f->since};
    void *list;
    enum db_status st = store_pg_list(db, a, STMT_USER_LIST, params, sizeof **out,
                                      store_pg_read_user, &list, count);

    *out = list;
    return st;
}

enum db_status store_admin_user_by_id(struct db *db, struct arena *a, const char *id,
                                      struct user_record *out)
{
    const char *params[] = {id};

    return store_pg_row(db, a, STMT_USER_BY_ID, params, store_pg_read_user, out);
}

struct set_password_unit {
    const char *user_id;
    const char *account_id;
    const char *password_hash;
    bool revoke_sessions;
};

/* set_password_run - the order of a reset link's: the sessions, then the password (or a new
 * credential account, which is no row when the user is gone). */
static enum db_status set_password_run(struct db *db, void *ctx)
{
    const struct set_password_unit *t = ctx;
    const char *user_params[] = {t->user_id};
    enum db_status st;

    if (t->revoke_sessions) {
        st = db_exec(db, STMT_SESSION_DELETE_ALL, user_params, NULL);
        if (st != DB_OK && st != DB_NOTFOUND)
            return st;
    }
    const char *set_params[] = {t->user_id, t->password_hash};
    st = db_exec(db, STMT_PASSWORD_SET, set_params, NULL);
    if (st != DB_NOTFOUND)
        return st;
    const char *create_params[] = {t->account_id, t->user_id, t->password_hash};
    return db_exec(db, STMT_ACCOUNT_CREATE_CREDENTIAL, create_params, NULL);
}

enum db_status store_admin_set_password(struct db *db, const char *user_id, const char *account_id,
                                        const char *password_hash, bool revoke_sessions)
{
    struct set_password_unit t = {user_id, account_id, password_hash, revoke_sessions};

    return db_transaction(db, set_password_run, &t);
}

struct verify_unit {
    const char *user_id;
    const char *email;
    bool *changed;
};

/* verify_run - lock the user while it has the address; a first verification ends the
 * sessions it had, as a link's does (store_pg.c end_unverified_sessions). */
static enum db_status verify_run(struct db *db, void *ctx)
{
    const struct verify_unit *t = ctx;
    const char *params[] = {t->user_id, t->email};
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, STMT_USER_LOCK_EMAIL, params, &r);

    if (st == DB_OK) {
        const char *v = db_result_value(r, 0, 0); /* binary boolean: one byte */
        if (v == NULL || db_result_length(r, 0, 0) != 1)
            st = DB_FAIL;
        else
            *t->changed = v[0] == 0;
    }
    db_result_free(r);
    if (st != DB_OK || !*t->changed)
        return st;
    st = db_exec(db, STMT_SESSION_DELETE_ALL, params, NULL);
    if (st != DB_OK && st != DB_NOTFOUND)
        return st;
    return db_exec(db, STMT_USER_VERIFY_EMAIL, params, NULL);
}

enum db_status store_admin_verify_email(struct db *db, const char *user_id, const char *email,
                                        bool *changed)
{
    struct verify_unit t = {user_id, email, changed};

    *changed = false;
    return db_transaction(db, verify_run, &t);
}
