/* store_pg_two_factor - Better Auth's twoFactor table, user.twoFactorEnabled and the
 * verification rows the plugin keeps its challenges in, over the db module. Its statements
 * answer in text (stmt.c): booleans 't'/'f', times already ISO. */
#include "config.h"

#include "global/store_pg_two_factor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "global/stmt.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/text.h"

static const char *copy(struct arena *a, const struct db_result *r, int col)
{
    return arena_strdup(a, db_result_value(r, 0, col));
}

static bool is_true(const struct db_result *r, int col)
{
    const char *v = db_result_value(r, 0, col);

    return v != NULL && v[0] == 't';
}

enum db_status pg_two_factor_get(void *impl, struct arena *a, const char *user_id,
                                 struct user_record *user, struct two_factor_record *tf)
{
    const char *params[] = {user_id};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_TWO_FACTOR_GET, params, &r);

    if (st == DB_OK) {
        *user = (struct user_record){copy(a, r, 0),
                                     copy(a, r, 1),
                                     copy(a, r, 2),
                                     is_true(r, 3),
                                     copy(a, r, 4),
                                     copy(a, r, 5),
                                     copy(a, r, 6),
                                     is_true(r, 7),
                                     copy(a, r, 13),
                                     is_true(r, 14),
                                     copy(a, r, 15),
                                     copy(a, r, 16),
                                     0};
        *tf = (struct two_factor_record){copy(a, r, 8), copy(a, r, 9), copy(a, r, 10),
                                         is_true(r, 11), is_true(r, 12)};
        if (user->ban_expires != NULL &&
            text_parse_int64(db_result_value(r, 0, 17), &user->ban_expires_ms) != 0)
            user->id = NULL; /* a bad row */
        if (user->id == NULL || user->created_at == NULL ||
            (tf->id != NULL && (tf->secret == NULL || tf->backup_codes == NULL))) {
            log_event(LOG_LEVEL_ERROR, "store_bad_row", "stmt=%s",
                      stmt_table[STMT_TWO_FACTOR_GET].name);
            st = DB_FAIL;
        }
    }
    db_result_free(r);
    return st;
}

/* save_run - the user's row locked (STMT_TWO_FACTOR_LOCK_USER says why), then the row. */
static enum db_status save_run(struct db *db, void *ctx)
{
    const char *const *params = ctx;
    enum db_status st = db_exec(db, STMT_TWO_FACTOR_LOCK_USER, params, NULL);

    if (st != DB_OK)
        return st;
    st = db_exec(db, STMT_TWO_FACTOR_SAVE, params, NULL);
    /* Neither updated nor inserted: the row is there, verified (read after the lock). */
    return st == DB_NOTFOUND ? DB_CONFLICT : st;
}

enum db_status pg_two_factor_save(void *impl, const char *user_id, const char *new_id,
                                  const char *secret, const char *backup_codes, bool verified)
{
    const char *params[] = {user_id, new_id, secret, backup_codes, verified ? "t" : "f"};

    return db_transaction(impl, save_run, params);
}

enum db_status pg_two_factor_set(void *impl, const char *user_id, enum two_factor_change change)
{
    const char *params[] = {user_id, change != TWO_FACTOR_DISABLE ? "t" : "f",
                            change == TWO_FACTOR_CONFIRM_TOTP ? "t" : "f"};

    return db_exec(impl, STMT_TWO_FACTOR_SET, params, NULL);
}

enum db_status pg_two_factor_swap_codes(void *impl, const char *user_id, const char *old_codes,
                                        const char *new_codes)
{
    const char *params[] = {user_id, old_codes, new_codes};

    return db_exec(impl, STMT_TWO_FACTOR_SWAP_CODES, params, NULL);
}

enum db_status pg_two_factor_count(void *impl, const char *user_id, bool failed)
{
    const char *params[] = {user_id, failed ? "t" : "f"};

    return db_exec(impl, STMT_TWO_FACTOR_COUNT, params, NULL);
}

enum db_status pg_verification_put(void *impl, const char *id, const char *identifier,
                                   const char *value, int64_t expires_in_s)
{
    char expires[24];
    enum db_status st;

    snprintf(expires, sizeof expires, "%" PRId64, expires_in_s);
    const char *params[] = {id, identifier, value, expires};
    st = db_exec(impl, STMT_VERIFICATION_INSERT, params, NULL);
    return st == DB_NOTFOUND ? DB_OK : st;
}

enum db_status pg_verification_take(void *impl, struct arena *a, const char *identifier,
                                    const char **value, int64_t *left_s)
{
    const char *params[] = {identifier};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_VERIFICATION_TAKE, params, &r);
    const char *left;

    if (st == DB_OK) {
        *value = copy(a, r, 0);
        left = db_result_value(r, 0, 1);
        *left_s = left != NULL ? strtoll(left, NULL, 10) : 0;
        if (*value == NULL)
            st = DB_FAIL;
    }
    db_result_free(r);
    return st;
}
