/* store_pg - the store interface over the worker's PostgreSQL connection (db module). Each
 * operation is one statement of the table (stmt.c) or one db_transaction; handlers only ever
 * see enum db_status. Rows are read by the column layouts of stmt.h and copied into the
 * caller's arena. */
#include "config.h"

#include "global/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"
#include "global/outbox.h"
#include "global/store_admin.h"
#include "global/store_pg_two_factor.h"
#include "util/text.h"

/* Room for a 64-bit integer in decimal, sign and NUL included. */
#define INT_TEXT_SIZE 24

/* bad_row - a NULL where the layout promises a value, or a number that does not parse: the
 * statement and its reader disagree, or the schema is not what we migrated. A bug, logged. */
static enum db_status bad_row(enum stmt id, const char *what)
{
    log_event(LOG_LEVEL_ERROR, "store_bad_row", "stmt=%s column=%s", stmt_table[id].name, what);
    return DB_FAIL;
}

/* copy_required - the arena copy of a NOT NULL text column; NULL when it is missing. */
static const char *copy_required(struct arena *a, const struct db_result *r, int row, int col)
{
    const char *v = db_result_value(r, row, col);

    return v != NULL ? arena_strdup(a, v) : NULL;
}

/* PostgreSQL's timestamps count microseconds from 2000-01-01 00:00:00 UTC; this many
 * milliseconds after 1970. Its binary 'infinity' values are INT64_MIN/INT64_MAX. */
#define PG_EPOCH_UNIX_MS INT64_C(946684800000)

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* read_bool - a binary boolean column (one byte). Returns 0, or -1 when NULL or malformed. */
static int read_bool(const struct db_result *r, int row, int col, bool *out)
{
    const unsigned char *v = (const unsigned char *)db_result_value(r, row, col);

    if (v == NULL || db_result_length(r, row, col) != 1 || v[0] > 1)
        return -1;
    *out = v[0] == 1;
    return 0;
}

/* read_time - a binary timestamptz column as Unix milliseconds (rounded down, as Better Auth
 * keeps them) and, when iso is non-NULL, as its ISO text in the arena. Returns 0, or -1 when
 * NULL, malformed, infinite or beyond a JavaScript Date. */
static int read_time(struct arena *a, const struct db_result *r, int row, int col, int64_t *ms,
                     const char **iso)
{
    const unsigned char *v = (const unsigned char *)db_result_value(r, row, col);

    if (v == NULL || db_result_length(r, row, col) != 8)
        return -1;
    int64_t us = (int64_t)be64(v);
    if (us == INT64_MIN || us == INT64_MAX)
        return -1;
    int64_t q = us / 1000;
    if (us % 1000 < 0)
        q -= 1;
    int64_t unix_ms = q + PG_EPOCH_UNIX_MS;
    char buf[TEXT_ISO_TIME_SIZE];
    if (text_iso_time(unix_ms, buf) != 0)
        return -1;
    if (ms != NULL)
        *ms = unix_ms;
    if (iso != NULL)
        *iso = arena_strdup(a, buf);
    return 0;
}

/* read_user_admin - the admin plugin's columns of the user_col layout starting at base. */
static enum db_status read_user_admin(struct arena *a, const struct db_result *r, int row, int base,
                                      enum stmt id, struct user_record *u)
{
    u->role = arena_strdup(a, db_result_value(r, row, base + USER_COL_ROLE));
    u->ban_reason = arena_strdup(a, db_result_value(r, row, base + USER_COL_BAN_REASON));
    u->banned = false;
    if (db_result_value(r, row, base + USER_COL_BANNED) != NULL &&
        read_bool(r, row, base + USER_COL_BANNED, &u->banned) != 0)
        return bad_row(id, "user.banned");
    u->ban_expires = NULL;
    u->ban_expires_ms = 0;
    if (db_result_value(r, row, base + USER_COL_BAN_EXPIRES) != NULL &&
        read_time(a, r, row, base + USER_COL_BAN_EXPIRES, &u->ban_expires_ms, &u->ban_expires) != 0)
        return bad_row(id, "user.banExpires");
    return DB_OK;
}

/* read_user - the user_col layout starting at column base. */
static enum db_status read_user(struct arena *a, const struct db_result *r, int row, int base,
                                enum stmt id, struct user_record *u)
{
    u->id = copy_required(a, r, row, base + USER_COL_ID);
    u->name = copy_required(a, r, row, base + USER_COL_NAME);
    u->email = copy_required(a, r, row, base + USER_COL_EMAIL);
    u->image = arena_strdup(a, db_result_value(r, row, base + USER_COL_IMAGE));
    if (u->id == NULL || u->name == NULL || u->email == NULL)
        return bad_row(id, "user");
    if (read_bool(r, row, base + USER_COL_EMAIL_VERIFIED, &u->email_verified) != 0)
        return bad_row(id, "user.emailVerified");
    if (read_time(a, r, row, base + USER_COL_CREATED_AT, NULL, &u->created_at) != 0 ||
        read_time(a, r, row, base + USER_COL_UPDATED_AT, NULL, &u->updated_at) != 0)
        return bad_row(id, "user.timestamps");
    u->two_factor_enabled = false;
    if (db_result_value(r, row, base + USER_COL_TWO_FACTOR_ENABLED) != NULL &&
        read_bool(r, row, base + USER_COL_TWO_FACTOR_ENABLED, &u->two_factor_enabled) != 0)
        return bad_row(id, "user.twoFactorEnabled");
    return read_user_admin(a, r, row, base, id, u);
}

/* read_session - the session_col layout starting at column base. ipAddress and userAgent may
 * be NULL in rows another writer made; they stay NULL (JSON null), as Better Auth shows them. */
static enum db_status read_session(struct arena *a, const struct db_result *r, int row, int base,
                                   enum stmt id, struct session_record *s)
{
    s->id = copy_required(a, r, row, base + SESSION_COL_ID);
    s->token = copy_required(a, r, row, base + SESSION_COL_TOKEN);
    s->user_id = copy_required(a, r, row, base + SESSION_COL_USER_ID);
    s->ip_address = arena_strdup(a, db_result_value(r, row, base + SESSION_COL_IP_ADDRESS));
    s->user_agent = arena_strdup(a, db_result_value(r, row, base + SESSION_COL_USER_AGENT));
    s->impersonated_by =
        arena_strdup(a, db_result_value(r, row, base + SESSION_COL_IMPERSONATED_BY));
    if (s->id == NULL || s->token == NULL || s->user_id == NULL)
        return bad_row(id, "session");
    if (read_time(a, r, row, base + SESSION_COL_EXPIRES_AT, &s->expires_at_ms, &s->expires_at) !=
            0 ||
        read_time(a, r, row, base + SESSION_COL_CREATED_AT, &s->created_at_ms, &s->created_at) !=
            0 ||
        read_time(a, r, row, base + SESSION_COL_UPDATED_AT, NULL, &s->updated_at) != 0)
        return bad_row(id, "session.timestamps");
    return DB_OK;
}

/* read_account - the account_col layout. */
static enum db_status read_account(struct arena *a, const struct db_result *r, int row,
                                   struct account_record *acc)
{
    acc->id = copy_required(a, r, row, ACCOUNT_COL_ID);
    acc->account_id = copy_required(a, r, row, ACCOUNT_COL_ACCOUNT_ID);
    acc->provider_id = copy_required(a, r, row, ACCOUNT_COL_PROVIDER_ID);
    acc->user_id = copy_required(a, r, row, ACCOUNT_COL_USER_ID);
    if (acc->id == NULL || acc->account_id == NULL || acc->provider_id == NULL ||
        acc->user_id == NULL)
        return bad_row(STMT_ACCOUNT_LIST, "account");
    if (read_time(a, r, row, ACCOUNT_COL_CREATED_AT, NULL, &acc->created_at) != 0 ||
        read_time(a, r, row, ACCOUNT_COL_UPDATED_AT, NULL, &acc->updated_at) != 0)
        return bad_row(STMT_ACCOUNT_LIST, "account.timestamps");
    return DB_OK;
}

/* store_pg_read_user - see store_admin.h. */
enum db_status store_pg_read_user(struct arena *a, const struct db_result *r, int row, enum stmt id,
                                  void *out)
{
    return read_user(a, r, row, 0, id, out);
}

/* The readers of one row, as store_pg_list and store_pg_row call them. */
static enum db_status session_row(struct arena *a, const struct db_result *r, int row, enum stmt id,
                                  void *out)
{
    return read_session(a, r, row, 0, id, out);
}

static enum db_status account_row(struct arena *a, const struct db_result *r, int row, enum stmt id,
                                  void *out)
{
    (void)id;
    return read_account(a, r, row, out);
}

/* store_pg_list - see store_admin.h. */
enum db_status store_pg_list(struct db *db, struct arena *a, enum stmt id,
                             const char *const *params, size_t size, store_pg_row_reader read,
                             void **out, size_t *count)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, id, params, &r);
    int rows = db_result_rows(r);

    *out = NULL;
    *count = 0;
    if (st == DB_NOTFOUND)
        st = DB_OK;
    if (st == DB_OK && rows > 0) {
        char *list = arena_alloc(a, (size_t)rows * size);
        for (int i = 0; i < rows && st == DB_OK; i++)
            st = read(a, r, i, id, list + (size_t)i * size);
        if (st == DB_OK) {
            *out = list;
            *count = (size_t)rows;
        }
    }
    db_result_free(r);
    return st;
}

/* store_pg_row - see store_admin.h. */
enum db_status store_pg_row(struct db *db, struct arena *a, enum stmt id, const char *const *params,
                            store_pg_row_reader read, void *out)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, id, params, &r);

    if (st == DB_OK && out != NULL)
        st = read(a, r, 0, id, out);
    db_result_free(r);
    return st;
}

/* inserted - an INSERT ... RETURNING that returned no row cannot happen; if it did, it is a
 * bug, not "not found". */
static enum db_status inserted(enum db_status st)
{
    return st == DB_NOTFOUND ? DB_FAIL : st;
}

/* insert_session - run STMT_SESSION_INSERT; out may be NULL. */
static enum db_status insert_session(struct db *db, struct arena *a, const struct new_session *s,
                                     struct session_record *out)
{
    char expires[INT_TEXT_SIZE];

    snprintf(expires, sizeof expires, "%" PRId64, s->expires_in_s);
    const char *params[] = {s->id, s->token, s->user_id, expires, s->ip_address, s->user_agent};
    return inserted(store_pg_row(db, a, STMT_SESSION_INSERT, params, session_row, out));
}

/* issue_mail - inside the caller's transaction: m's verification row, then its outbox row. */
static enum db_status issue_mail(struct db *db, const struct new_mail *m)
{
    char expires[INT_TEXT_SIZE];
    enum db_status st;

    snprintf(expires, sizeof expires, "%" PRId64, m->expires_in_s);
    const char *params[] = {m->verification_id, m->identifier, m->value, expires};
    st = inserted(db_exec(db, STMT_VERIFICATION_INSERT, params, NULL));
    if (st != DB_OK)
        return st;
    return outbox_enqueue(db, m->message);
}

static enum db_status pg_ping(void *impl)
{
    return db_exec(impl, STMT_PING, NULL, NULL);
}

static int pg_retry_after(void *impl)
{
    return db_retry_after(impl);
}

/* ---- sign-up: one transaction ---- */

struct sign_up_unit {
    struct arena *a;
    const struct new_user *u;
    const struct new_session *s;
    struct user_record *user_out;
    struct session_record *session_out;
};

/* sign_up_run - the unit db_transaction runs (and may run again on a fresh connection, so it
 * only writes to its outputs). A taken e-mail stops it at the first statement: DB_CONFLICT,
 * and the rollback leaves nothing behind. */
static enum db_status sign_up_run(struct db *db, void *ctx)
{
    struct sign_up_unit *t = ctx;
    const char *user_params[] = {t->u->id, t->u->name, t->u->email, t->u->image, t->u->role};
    enum db_status st = inserted(
        store_pg_row(db, t->a, STMT_USER_INSERT, user_params, store_pg_read_user, t->user_out));

    if (st != DB_OK)
        return st;

    const char *account_params[] = {t->u->account_id, t->u->id, t->u->password_hash};
    st = inserted(db_exec(db, STMT_ACCOUNT_INSERT_CREDENTIAL, account_params, NULL));
    if (st == DB_OK && t->u->mail != NULL)
        st = issue_mail(db, t->u->mail);
    if (st != DB_OK || t->s == NULL)
        return st;
    return insert_session(db, t->a, t->s, t->session_out);
}

static enum db_status pg_sign_up(void *impl, struct arena *a, const struct new_user *u,
                                 const struct new_session *s, struct user_record *user_out,
                                 struct session_record *session_out)
{
    struct sign_up_unit t = {a, u, s, user_out, session_out};

    return db_transaction(impl, sign_up_run, &t);
}

/* ---- users, credentials, accounts ---- */

static enum db_status pg_user_by_email(void *impl, struct arena *a, const char *email,
                                       struct user_record *user_out, const char **password_hash)
{
    const char *params[] = {email};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_USER_BY_EMAIL, params, &r);

    if (st == DB_OK) {
        st = read_user(a, r, 0, 0, STMT_USER_BY_EMAIL, user_out);
        *password_hash = arena_strdup(a, db_result_value(r, 0, USER_COL__COUNT));
    }
    db_result_free(r);
    return st;
}

static enum db_status pg_credential_of_user(void *impl, struct arena *a, const char *user_id,
                                            const char **password_hash)
{
    const char *params[] = {user_id};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_CREDENTIAL_OF_USER, params, &r);

    if (st == DB_OK)
        *password_hash = arena_strdup(a, db_result_value(r, 0, 0));
    db_result_free(r);
    return st;
}

/* password_kinds - DB_OK with *count 0 when no account has a password. */
static enum db_status pg_password_kinds(void *impl, struct arena *a, const char **hashes,
                                        size_t max, size_t *count)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_PASSWORD_KINDS, NULL, &r);
    int rows = db_result_rows(r);

    *count = 0;
    if (st == DB_NOTFOUND)
        st = DB_OK;
    for (int i = 0; st == DB_OK && i < rows && *count < max; i++)
        if (db_result_value(r, i, 0) != NULL)
            hashes[(*count)++] = arena_strdup(a, db_result_value(r, i, 0));
    db_result_free(r);
    return st;
}

struct password_unit {
    struct arena *a;
    const char *user_id;
    const char *password_hash;
    const struct new_session *s;
    struct session_record *session_out;
};

/* password_run - the new password, then every session of the user replaced by s. A user
 * without a credential account stops it at once (DB_NOTFOUND, nothing changed). */
static enum db_status password_run(struct db *db, void *ctx)
{
    struct password_unit *t = ctx;
    const char *set_params[] = {t->user_id, t->password_hash};
    const char *user_params[] = {t->user_id};
    enum db_status st;

    st = db_exec(db, STMT_PASSWORD_SET, set_params, NULL);
    if (st != DB_OK)
        return st;
    st = db_exec(db, STMT_SESSION_DELETE_ALL, user_params, NULL);
    if (st != DB_OK && st != DB_NOTFOUND)
        return st;
    return insert_session(db, t->a, t->s, t->session_out);
}

static enum db_status pg_password_set(void *impl, struct arena *a, const char *user_id,
                                      const char *password_hash, const struct new_session *s,
                                      struct session_record *session_out)
{
    struct password_unit t = {a, user_id, password_hash, s, session_out};

    if (s == NULL) {
        /* One statement is its own transaction. */
        const char *params[] = {user_id, password_hash};
        return db_exec(impl, STMT_PASSWORD_SET, params, NULL);
    }
    return db_transaction(impl, password_run, &t);
}

static enum db_status pg_password_upgrade(void *impl, const char *user_id, const char *old_hash,
                                          const char *new_hash)
{
    const char *params[] = {user_id, new_hash, old_hash};

    return db_exec(impl, STMT_PASSWORD_UPGRADE, params, NULL);
}

static enum db_status pg_user_update(void *impl, struct arena *a, const char *user_id,
                                     const struct user_update *u, struct user_record *out)
{
    if (u->name_op == FIELD_SET_NULL)
        return DB_INVALID; /* "user".name is NOT NULL; only image can be cleared */
    const char *params[] = {
        user_id,
        u->name_op == FIELD_SET ? u->name : NULL,
        u->image_op == FIELD_KEEP ? "f" : "t",
        u->image_op == FIELD_SET ? u->image : NULL,
    };
    return store_pg_row(impl, a, STMT_USER_UPDATE, params, store_pg_read_user, out);
}

/* user_delete - DB_NOTFOUND when there was no such user. */
static enum db_status pg_user_delete(void *impl, const char *user_id)
{
    const char *params[] = {user_id};

    return db_exec(impl, STMT_USER_DELETE, params, NULL);
}

/* account_list - DB_OK with *count 0 when the user has none. */
static enum db_status pg_account_list(void *impl, struct arena *a, const char *user_id,
                                      struct account_record **out, size_t *count)
{
    const char *params[] = {user_id};
    void *list;
    enum db_status st =
        store_pg_list(impl, a, STMT_ACCOUNT_LIST, params, sizeof **out, account_row, &list, count);

    *out = list;
    return st;
}

/* ---- sessions ---- */

static enum db_status pg_session_create(void *impl, struct arena *a, const struct new_session *s,
                                        struct session_record *out)
{
    return insert_session(impl, a, s, out);
}

static enum db_status pg_session_lookup(void *impl, struct arena *a, const char *token,
                                        struct session_record *session_out,
                                        struct user_record *user_out)
{
    const char *params[] = {token};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_SESSION_LOOKUP, params, &r);

    if (st == DB_OK)
        st = read_session(a, r, 0, 0, STMT_SESSION_LOOKUP, session_out);
    if (st == DB_OK)
        st = read_user(a, r, 0, SESSION_COL__COUNT, STMT_SESSION_LOOKUP, user_out);
    db_result_free(r);
    return st;
}

/* session_refresh - DB_NOTFOUND when the session is gone (revoked meanwhile). */
static enum db_status pg_session_refresh(void *impl, struct arena *a, const char *session_id,
                                         int64_t expires_in_s, struct session_record *out)
{
    char expires[INT_TEXT_SIZE];

    snprintf(expires, sizeof expires, "%" PRId64, expires_in_s);
    const char *params[] = {session_id, expires};
    return store_pg_row(impl, a, STMT_SESSION_REFRESH, params, session_row, out);
}

/* session_delete_token - DB_NOTFOUND when no session has this token. */
static enum db_status pg_session_delete_token(void *impl, const char *token)
{
    const char *params[] = {token};

    return db_exec(impl, STMT_SESSION_DELETE_TOKEN, params, NULL);
}

static enum db_status pg_session_delete_of_user(void *impl, struct arena *a, const char *user_id,
                                                const char *token, const char *handle,
                                                const char **deleted_id)
{
    const char *params[] = {user_id, token, handle};
    struct db_result *r = NULL;
    enum db_status st = db_exec(impl, STMT_SESSION_DELETE_OF_USER, params, &r);

    if (st == DB_OK && deleted_id != NULL) {
        *deleted_id = copy_required(a, r, 0, 0);
        if (*deleted_id == NULL)
            st = bad_row(STMT_SESSION_DELETE_OF_USER, "id");
    }
    db_result_free(r);
    return st;
}

/* session_list - DB_OK with *count 0 when the user has no live session. */
static enum db_status pg_session_list(void *impl, struct arena *a, const char *user_id,
                                      struct session_record **out, size_t *count)
{
    const char *params[] = {user_id};
    void *list;
    enum db_status st =
        store_pg_list(impl, a, STMT_SESSION_LIST, params, sizeof **out, session_row, &list, count);

    *out = list;
    return st;
}

/* session_delete_all, session_delete_others - DB_OK also when there was nothing to delete:
 * the user's sessions are gone either way. */
static enum db_status pg_session_delete_all(void *impl, const char *user_id)
{
    const char *params[] = {user_id};
    enum db_status st = db_exec(impl, STMT_SESSION_DELETE_ALL, params, NULL);

    return st == DB_NOTFOUND ? DB_OK : st;
}

static enum db_status pg_session_delete_others(void *impl, const char *user_id, const char *keep_id)
{
    const char *params[] = {user_id, keep_id};
    enum db_status st = db_exec(impl, STMT_SESSION_DELETE_OTHERS, params, NULL);

    return st == DB_NOTFOUND ? DB_OK : st;
}

/* ---- mail links ---- */

/* mail_issue_run - the purge first: it only touches expired rows, never the new one. */
static enum db_status mail_issue_run(struct db *db, void *ctx)
{
    enum db_status st = db_exec(db, STMT_VERIFICATION_PURGE, NULL, NULL);

    if (st != DB_OK && st != DB_NOTFOUND)
        return st;
    return issue_mail(db, ctx);
}

static enum db_status pg_mail_issue(void *impl, const struct new_mail *m)
{
    return db_transaction(impl, mail_issue_run, (void *)m);
}

/* verification_value - run id, whose row is a verification value, into *value (arena). */
static enum db_status verification_value(struct db *db, struct arena *a, enum stmt id,
                                         const char *const *params, const char **value)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, id, params, &r);

    if (st == DB_OK) {
        *value = copy_required(a, r, 0, 0);
        if (*value == NULL)
            st = bad_row(id, "value");
    }
    db_result_free(r);
    return st;
}

/* verification_find - DB_NOTFOUND when there is no live row. */
static enum db_status pg_verification_find(void *impl, struct arena *a, const char *identifier,
                                           const char **value)
{
    const char *params[] = {identifier};

    return verification_value(impl, a, STMT_VERIFICATION_FIND, params, value);
}

/* consume - use up verification row identifier inside a transaction; *value (arena) is its
 * value. DB_NOTFOUND when it is gone, expired or was used meanwhile. */
static enum db_status consume(struct db *db, struct arena *a, const char *identifier,
                              const char **value)
{
    const char *params[] = {identifier};

    return verification_value(db, a, STMT_VERIFICATION_CONSUME, params, value);
}

struct reset_unit {
    struct arena *a;
    const char *identifier;
    const char *account_id;
    const char *password_hash;
    bool revoke_sessions;
    const char **user_id;
};

/* password_reset_run - Better Auth's order: the token, the sessions, then the password (or a
 * new credential account). Any DB_NOTFOUND rolls everything back. */
static enum db_status password_reset_run(struct db *db, void *ctx)
{
    struct reset_unit *t = ctx;
    const char *user_id = NULL;
    enum db_status st = consume(db, t->a, t->identifier, &user_id);

    if (st != DB_OK)
        return st;
    *t->user_id = user_id;
    const char *user_params[] = {user_id};
    if (t->revoke_sessions) {
        st = db_exec(db, STMT_SESSION_DELETE_ALL, user_params, NULL);
        if (st != DB_OK && st != DB_NOTFOUND)
            return st;
    }
    const char *set_params[] = {user_id, t->password_hash};
    st = db_exec(db, STMT_PASSWORD_SET, set_params, NULL);
    if (st != DB_NOTFOUND)
        return st;
    const char *create_params[] = {t->account_id, user_id, t->password_hash};
    return db_exec(db, STMT_ACCOUNT_CREATE_CREDENTIAL, create_params, NULL);
}

static enum db_status pg_password_reset(void *impl, struct arena *a, const char *identifier,
                                        const char *account_id, const char *password_hash,
                                        bool revoke_sessions, const char **user_id)
{
    struct reset_unit t = {a, identifier, account_id, password_hash, revoke_sessions, user_id};

    return db_transaction(impl, password_reset_run, &t);
}

struct confirm_unit {
    struct arena *a;
    const char *identifier;
    const char *user_id;
    const char *email;
    const char *new_email;
    const char *keep_session_id;
    struct user_record *out;
};

/* end_unverified_sessions - inside a verification's transaction, before emailVerified is set:
 * lock the user, and when the address was not verified yet, delete the sessions it had (but
 * keep_session_id): whoever made them had not proved the address. DB_NOTFOUND when the user
 * is gone or has another address. */
static enum db_status end_unverified_sessions(struct db *db, const struct confirm_unit *t)
{
    const char *params[] = {t->user_id, t->email};
    struct db_result *r = NULL;
    bool verified = false;
    enum db_status st = db_exec(db, STMT_USER_LOCK_EMAIL, params, &r);

    if (st == DB_OK && read_bool(r, 0, 0, &verified) != 0)
        st = bad_row(STMT_USER_LOCK_EMAIL, "user.emailVerified");
    db_result_free(r);
    if (st != DB_OK || verified)
        return st;
    const char *delete_params[] = {t->user_id, t->keep_session_id};
    st = db_exec(db,
                 t->keep_session_id != NULL ? STMT_SESSION_DELETE_OTHERS : STMT_SESSION_DELETE_ALL,
                 delete_params, NULL);
    return st == DB_NOTFOUND ? DB_OK : st;
}

static enum db_status email_confirm_run(struct db *db, void *ctx)
{
    struct confirm_unit *t = ctx;
    const char *value = NULL;
    enum stmt id = t->new_email != NULL ? STMT_USER_SET_EMAIL : STMT_USER_VERIFY_EMAIL;
    enum db_status st = consume(db, t->a, t->identifier, &value);

    if (st != DB_OK)
        return st;
    if (t->new_email == NULL && (st = end_unverified_sessions(db, t)) != DB_OK)
        return st;
    const char *params[] = {t->user_id, t->email, t->new_email};
    return store_pg_row(db, t->a, id, params, store_pg_read_user, t->out);
}

static enum db_status pg_email_confirm(void *impl, struct arena *a, const char *identifier,
                                       const char *user_id, const char *email,
                                       const char *new_email, const char *keep_session_id,
                                       struct user_record *out)
{
    struct confirm_unit t = {a, identifier, user_id, email, new_email, keep_session_id, out};

    return db_transaction(impl, email_confirm_run, &t);
}

/* ---- rate limits ---- */

/* verdict - run id, whose one row is (allowed, seconds to wait), into *allowed and
 * *retry_after_s. */
static enum db_status verdict(struct db *db, enum stmt id, const char *const *params, bool *allowed,
                              int *retry_after_s)
{
    struct db_result *r = NULL;
    int64_t seconds;
    enum db_status st = db_exec(db, id, params, &r);

    if (st == DB_NOTFOUND)
        st = bad_row(id, "row"); /* the final SELECT always returns one */
    if (st == DB_OK) {
        const char *ok = db_result_value(r, 0, 0);
        const char *after = db_result_value(r, 0, 1);
        if (ok == NULL || text_parse_int64(after, &seconds) != 0 || seconds < 0 ||
            seconds > INT32_MAX) {
            st = bad_row(id, "allowed/retry_after");
        } else {
            *allowed = ok[0] == 't';
            *retry_after_s = (int)seconds;
        }
    }
    db_result_free(r);
    return st;
}

static enum db_status pg_rate_limit_hit(void *impl, const char *key, int window_s, int max,
                                        bool *allowed, int *retry_after_s)
{
    char window[INT_TEXT_SIZE], limit[INT_TEXT_SIZE];

    snprintf(window, sizeof window, "%d", window_s);
    snprintf(limit, sizeof limit, "%d", max);
    const char *params[] = {key, window, limit};
    return verdict(impl, STMT_RATE_LIMIT_HIT, params, allowed, retry_after_s);
}

static enum db_status pg_account_guard_claim(void *impl, const char *key,
                                             const struct account_guard_policy *p, bool *allowed,
                                             int *retry_after_s)
{
    char window[INT_TEXT_SIZE], max[INT_TEXT_SIZE], free_[INT_TEXT_SIZE], delay[INT_TEXT_SIZE];

    snprintf(window, sizeof window, "%d", p->window_s);
    snprintf(max, sizeof max, "%d", p->max_failures);
    snprintf(free_, sizeof free_, "%d", p->free_failures);
    snprintf(delay, sizeof delay, "%d", p->max_delay_s);
    const char *params[] = {key, window, max, free_, delay};
    return verdict(impl, STMT_ACCOUNT_GUARD_CLAIM, params, allowed, retry_after_s);
}

static enum db_status pg_account_guard_success(void *impl, const char *key)
{
    const char *params[] = {key};
    enum db_status st = db_exec(impl, STMT_ACCOUNT_GUARD_SUCCESS, params, NULL);

    return st == DB_NOTFOUND ? DB_OK : st;
}

/* ---- the admin plugin ---- */

static enum db_status pg_admin_user_get(void *impl, struct arena *a, const char *user_id,
                                        struct user_record *out)
{
    return store_admin_user_by_id(impl, a, user_id, out);
}

struct admin_change_unit {
    struct arena *a;
    const char *user_id;
    const struct admin_change *ch;
    struct user_record *out;
};

static enum db_status admin_change_run(struct db *db, void *ctx)
{
    struct admin_change_unit *t = ctx;
    static const char *const bans[] = {
        [ADMIN_BAN_KEEP] = NULL, [ADMIN_BAN_SET] = "set", [ADMIN_BAN_LIFT] = "lift"};
    char expires[INT_TEXT_SIZE], expires_at[INT_TEXT_SIZE];
    enum db_status st;

    snprintf(expires, sizeof expires, "%" PRId64, t->ch->ban_expires_in_s);
    snprintf(expires_at, sizeof expires_at, "%" PRId64, t->ch->ban_expires_at_s);
    const char *params[] = {t->user_id,
                            t->ch->role,
                            bans[t->ch->ban],
                            t->ch->ban_reason,
                            t->ch->ban_expires_in_s >= 0 ? expires : NULL,
                            t->ch->name,
                            t->ch->image_op != FIELD_KEEP ? "t" : "f",
                            t->ch->image_op == FIELD_SET ? t->ch->image : NULL,
                            t->ch->email,
                            t->ch->email_verified,
                            t->ch->ban_expires_at_s > 0 ? expires_at : NULL};
    st = store_pg_row(db, t->a, STMT_ADMIN_USER_CHANGE, params, store_pg_read_user, t->out);
    if (st == DB_OK && t->ch->ban == ADMIN_BAN_SET) {
        const char *uid[] = {t->user_id};

        st = db_exec(db, STMT_SESSION_DELETE_ALL, uid, NULL);
        st = st == DB_NOTFOUND ? DB_OK : st;
    }
    return st;
}

static enum db_status pg_admin_user_change(void *impl, struct arena *a, const char *user_id,
                                           const struct admin_change *ch, struct user_record *out)
{
    struct admin_change_unit t = {a, user_id, ch, out};

    return db_transaction(impl, admin_change_run, &t);
}

struct admin_create_unit {
    struct arena *a;
    const struct new_user *u;
    const struct admin_change *ch;
    struct user_record *out;
};

static enum db_status admin_create_run(struct db *db, void *ctx)
{
    struct admin_create_unit *t = ctx;
    struct admin_change_unit change = {t->a, t->u->id, t->ch, t->out};
    const char *user_params[] = {t->u->id, t->u->name, t->u->email, t->u->image, t->u->role};
    const char *account_params[] = {t->u->account_id, t->u->id, t->u->password_hash};
    enum db_status st = inserted(db_exec(db, STMT_USER_INSERT, user_params, NULL));

    if (st == DB_OK && t->u->password_hash != NULL)
        st = inserted(db_exec(db, STMT_ACCOUNT_INSERT_CREDENTIAL, account_params, NULL));
    return st == DB_OK ? admin_change_run(db, &change) : st;
}

static enum db_status pg_admin_user_create(void *impl, struct arena *a, const struct new_user *u,
                                           const struct admin_change *ch, struct user_record *out)
{
    struct admin_create_unit t = {a, u, ch, out};

    return db_transaction(impl, admin_create_run, &t);
}

struct admin_password_unit {
    const char *user_id, *account_id, *hash;
};

static enum db_status admin_password_run(struct db *db, void *ctx)
{
    const struct admin_password_unit *t = ctx;
    const char *set_params[] = {t->user_id, t->hash};
    const char *create_params[] = {t->account_id, t->user_id, t->hash};
    enum db_status st = db_exec(db, STMT_PASSWORD_SET, set_params, NULL);

    if (st != DB_NOTFOUND)
        return st;
    return db_exec(db, STMT_ACCOUNT_CREATE_CREDENTIAL, create_params, NULL);
}

static enum db_status pg_admin_password_set(void *impl, const char *user_id, const char *account_id,
                                            const char *password_hash)
{
    struct admin_password_unit t = {user_id, account_id, password_hash};

    return db_transaction(impl, admin_password_run, &t);
}

static enum db_status admin_user_count(struct db *db, const char *const *where, int64_t *total)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, STMT_ADMIN_USER_COUNT, where, &r);

    if (st == DB_OK && text_parse_int64(db_result_value(r, 0, 0), total) != 0)
        st = bad_row(STMT_ADMIN_USER_COUNT, "count");
    db_result_free(r);
    return st;
}

static enum db_status pg_admin_user_list(void *impl, struct arena *a,
                                         const struct admin_user_query *q, struct user_record **out,
                                         size_t *count, int64_t *total)
{
    char limit[INT_TEXT_SIZE], offset[INT_TEXT_SIZE];
    void *list;
    enum db_status st;

    snprintf(limit, sizeof limit, "%" PRId64, q->limit);
    snprintf(offset, sizeof offset, "%" PRId64, q->offset);
    const char *params[] = {q->search_field,
                            q->search_op,
                            q->search_value,
                            q->filter_field,
                            q->filter_op,
                            q->filter_value,
                            q->sort_field,
                            q->sort_desc ? "desc" : "asc",
                            q->limit > 0 ? limit : NULL,
                            offset};
    st = store_pg_list(impl, a, STMT_ADMIN_USER_LIST, params, sizeof **out, store_pg_read_user,
                       &list, count);
    *out = list;
    return st == DB_OK ? admin_user_count(impl, params, total) : st;
}

struct impersonate_unit {
    struct arena *a;
    const struct new_session *s;
    const char *admin_id;
    struct session_record *out;
};

static enum db_status impersonate_run(struct db *db, void *ctx)
{
    struct impersonate_unit *t = ctx;
    enum db_status st = insert_session(db, t->a, t->s, t->out);
    const char *params[] = {t->s->id, t->admin_id};

    if (st != DB_OK)
        return st;
    st = db_exec(db, STMT_ADMIN_SESSION_IMPERSONATED, params, NULL);
    if (st == DB_OK)
        t->out->impersonated_by = arena_strdup(t->a, t->admin_id);
    return st == DB_NOTFOUND ? DB_FAIL : st;
}

static enum db_status pg_admin_session_impersonate(void *impl, struct arena *a,
                                                   const struct new_session *s,
                                                   const char *admin_id, struct session_record *out)
{
    struct impersonate_unit t = {a, s, admin_id, out};

    return db_transaction(impl, impersonate_run, &t);
}

static const struct store_ops pg_ops = {
    .ping = pg_ping,
    .retry_after = pg_retry_after,
    .sign_up = pg_sign_up,
    .user_by_email = pg_user_by_email,
    .credential_of_user = pg_credential_of_user,
    .password_kinds = pg_password_kinds,
    .session_create = pg_session_create,
    .session_lookup = pg_session_lookup,
    .session_refresh = pg_session_refresh,
    .session_delete_token = pg_session_delete_token,
    .session_delete_of_user = pg_session_delete_of_user,
    .session_list = pg_session_list,
    .session_delete_all = pg_session_delete_all,
    .session_delete_others = pg_session_delete_others,
    .password_set = pg_password_set,
    .password_upgrade = pg_password_upgrade,
    .user_update = pg_user_update,
    .user_delete = pg_user_delete,
    .account_list = pg_account_list,
    .mail_issue = pg_mail_issue,
    .verification_find = pg_verification_find,
    .password_reset = pg_password_reset,
    .email_confirm = pg_email_confirm,
    .rate_limit_hit = pg_rate_limit_hit,
    .account_guard_claim = pg_account_guard_claim,
    .account_guard_success = pg_account_guard_success,
    .admin_user_get = pg_admin_user_get,
    .admin_user_change = pg_admin_user_change,
    .admin_user_create = pg_admin_user_create,
    .admin_password_set = pg_admin_password_set,
    .admin_user_list = pg_admin_user_list,
    .admin_session_impersonate = pg_admin_session_impersonate,
    STORE_PG_TWO_FACTOR_OPS,
};

void store_pg_init(struct store *store, struct db *db)
{
    store->ops = &pg_ops;
    store->impl = db;
}
