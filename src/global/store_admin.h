/* store_admin - the storage `authfcgi user` needs beyond the handlers' store (store.h): list
 * users with filters, find one by id, set a password or verify an address without a mail
 * link. Over a db handle, as store_pg is; every change is one transaction. Also the row
 * readers store_pg.c shares with store_admin.c (store_pg_row, store_pg_list). */
#ifndef AUTHFCGI_STORE_ADMIN_H
#define AUTHFCGI_STORE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "global/db.h"
#include "global/store.h"

/* Which users store_admin_user_list returns; a NULL or negative member is no filter. */
struct user_filter {
    const char *like;  /* LIKE pattern on the lower-cased e-mail, '\' escaping */
    int verified;      /* 1 verified only, 0 unverified only, -1 both */
    const char *since; /* "YYYY-MM-DD HH:MM:SS" UTC: created at or after */
};

/* store_admin_user_list - the matching users, oldest first, in an arena
 * array (*count 0 and DB_OK when none). DB_INVALID when PostgreSQL refuses a filter value (a day 31
 * of April). */
enum db_status store_admin_user_list(struct db *db, struct arena *a, const struct user_filter *f,
                                     struct user_record **out, size_t *count);

/* store_admin_user_by_id - DB_NOTFOUND when there is none. */
enum db_status store_admin_user_by_id(struct db *db, struct arena *a, const char *id,
                                      struct user_record *out);

/* store_admin_set_password - one transaction, as a reset link's (store.h password_reset)
 * without the link: delete every session of the user when revoke_sessions, then set the
 * password of its credential account, creating one (id account_id) when it has none.
 * DB_NOTFOUND, nothing changed, when the user no longer exists. */
enum db_status store_admin_set_password(struct db *db, const char *user_id, const char *account_id,
                                        const char *password_hash, bool revoke_sessions);

/* store_admin_verify_email - one transaction, as a verification link's (store.h email_confirm)
 * without the link: while the user user_id still has address email, set emailVerified; when
 * that is a change (*changed), every session of the user is deleted first, the user locked:
 * whoever made them had not proved the address. DB_NOTFOUND when the user is gone or has
 * another address. */
enum db_status store_admin_verify_email(struct db *db, const char *user_id, const char *email,
                                        bool *changed);

/* store_pg_row_reader - reads row of r (from statement id) into out, one record. */
typedef enum db_status (*store_pg_row_reader)(struct arena *a, const struct db_result *r, int row,
                                              enum stmt id, void *out);

/* store_pg_read_user - store_pg.c's reader of the user_col layout (stmt.h) at column 0 of row
 * into out (a struct user_record), shared with store_admin.c. */
enum db_status store_pg_read_user(struct arena *a, const struct db_result *r, int row, enum stmt id,
                                  void *out);

/* store_pg_list - run id with params and read every row with read into an arena array of
 * records of size bytes: *out (NULL when none) and *count. No rows is DB_OK with *count 0. */
enum db_status store_pg_list(struct db *db, struct arena *a, enum stmt id,
                             const char *const *params, size_t size, store_pg_row_reader read,
                             void **out, size_t *count);

/* store_pg_row - run id with params and, when out is not NULL, read its first row into out
 * with read. DB_NOTFOUND when there is no row. */
enum db_status store_pg_row(struct db *db, struct arena *a, enum stmt id, const char *const *params,
                            store_pg_row_reader read, void *out);

#endif
