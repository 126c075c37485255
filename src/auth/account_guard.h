/* account_guard - per-account protection of sign-in (NIST SP 800-63B 5.2.2): whatever the
 * client addresses, an account's failed attempts are slowed down and capped, counted in
 * PostgreSQL across every worker and host. The numbers and why are in account_guard.c and the
 * README ("Abuse limits"). */
#ifndef AUTHFCGI_ACCOUNT_GUARD_H
#define AUTHFCGI_ACCOUNT_GUARD_H

#include <stdbool.h>

#include "global/db.h"
#include "util/digest.h"
#include "auth/http.h"
#include "global/store.h"

struct app;

/* The policy every worker applies (store.h describes the fields). */
extern const struct account_guard_policy account_guard_policy;

/* Room for a key: HMAC-SHA256 in hex and the NUL. */
#define ACCOUNT_GUARD_KEY_SIZE (2 * DIGEST_SHA256_LEN + 1)

/* account_guard_key - the row key of an account: HMAC-SHA256 with the server secret of the
 * lower-cased e-mail, in hex, so the table names no address and is the same whether or not
 * the address has an account. Returns 0, or -1 when libcrypto fails. */
int account_guard_key(const struct app *app, const char *email, char out[ACCOUNT_GUARD_KEY_SIZE]);

/* account_guard_claim - before a sign-in checks a password: may an attempt for email (already
 * lower-cased) be made now? *allowed false means answer as the rate limiter does (429,
 * X-Retry-After: *retry_after_s). The attempt counts as a failure unless
 * account_guard_success follows. DB_FAIL with *failure = FAIL_ACCOUNT_KEY when the key
 * cannot be computed; otherwise the store's status (*failure untouched), DB_UNKNOWN reported
 * as DB_RETRY (db_housekeeping: the counter is not what the client asked to change). */
enum db_status account_guard_claim(const struct app *app, const char *email, bool *allowed,
                                   int *retry_after_s, enum fail_reason *failure);

/* account_guard_success - the claimed attempt for email signed in: it was no failure, and
 * the account's delay starts over. Fails as account_guard_claim does. */
enum db_status account_guard_success(const struct app *app, const char *email,
                                     enum fail_reason *failure);

#endif
