/* store_pg_two_factor - the two-factor plugin's store operations over PostgreSQL, kept apart
 * from store_pg.c; STORE_PG_TWO_FACTOR_OPS fills their members of store_pg's table. */
#ifndef AUTHFCGI_STORE_PG_TWO_FACTOR_H
#define AUTHFCGI_STORE_PG_TWO_FACTOR_H

#include "global/store.h"

enum db_status pg_two_factor_get(void *impl, struct arena *a, const char *user_id,
                                 struct user_record *user, struct two_factor_record *tf);
enum db_status pg_two_factor_save(void *impl, const char *user_id, const char *new_id,
                                  const char *secret, const char *backup_codes, bool verified);
enum db_status pg_two_factor_set(void *impl, const char *user_id, enum two_factor_change change);
enum db_status pg_two_factor_swap_codes(void *impl, const char *user_id, const char *old_codes,
                                        const char *new_codes);
enum db_status pg_two_factor_count(void *impl, const char *user_id, bool failed);
enum db_status pg_verification_put(void *impl, const char *id, const char *identifier,
                                   const char *value, int64_t expires_in_s);
enum db_status pg_verification_take(void *impl, struct arena *a, const char *identifier,
                                    const char **value, int64_t *left_s);

#define STORE_PG_TWO_FACTOR_OPS                                                                    \
    .two_factor_get = pg_two_factor_get, .two_factor_save = pg_two_factor_save,                    \
    .two_factor_set = pg_two_factor_set, .two_factor_swap_codes = pg_two_factor_swap_codes,        \
    .two_factor_count = pg_two_factor_count, .verification_put = pg_verification_put,              \
    .verification_take = pg_verification_take

#endif
