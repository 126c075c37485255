/* account_guard - the per-account sign-in policy, its key, and the two store calls.
 *
 * The numbers. A window is 24 h from an account's first failure; it holds at most 100
 * attempts that were not a success (NIST's ceiling), whatever addresses they came from. The
 * first 5 consecutive failures cost nothing (an owner's typos); each further one makes the
 * next attempt wait 1 s, 2 s, 4 s, ... doubling up to 15 min. At that pace the 100th failure
 * comes about 21 h into the window, so the ceiling is a backstop (against attempts in flight
 * at once, and against the pace an owner's successes restore) more than the usual stop.
 *
 * A stranger who knows an address can keep its account throttled while they keep trying, but
 * never for long after they stop: at most one delay (15 min), or, once they have spent all
 * 100 failures of a window, its end (under 3 h at the fastest pace the delays allow). The
 * attempts are refused, not slept through: no worker is held, and the answer is the rate
 * limiter's 429. A success starts the delay over (the owner is back to 5 free tries) but does
 * not give back the window's failures: they were guesses all the same. */
#include "config.h"

#include "auth/account_guard.h"

#include <string.h>

#include "auth/app.h"
#include "global/settings.h"
#include "util/text.h"

const struct account_guard_policy account_guard_policy = {
    .window_s = 24 * 3600,
    .max_failures = 100,
    .free_failures = 5,
    .max_delay_s = 15 * 60,
};

/* The key's own subkey, HMAC(secret, this), keeps it apart from every other use of the
 * secret. */
#define KEY_CONTEXT "authfcgi account guard v1"

/* account_guard_key - see account_guard.h. */
int account_guard_key(const struct app *app, const char *email, char out[ACCOUNT_GUARD_KEY_SIZE])
{
    unsigned char subkey[DIGEST_SHA256_LEN], mac[DIGEST_SHA256_LEN];
    const char *secret = app->settings->secret;
    int rc;

    rc = digest_hmac_sha256(secret, strlen(secret), KEY_CONTEXT, strlen(KEY_CONTEXT), subkey);
    if (rc == 0)
        rc = digest_hmac_sha256(subkey, sizeof(subkey), email, strlen(email), mac);
    explicit_bzero(subkey, sizeof(subkey));
    if (rc != 0)
        return -1;
    text_hex_encode(mac, sizeof(mac), out);
    return 0;
}

/* account_guard_claim - see account_guard.h. */
enum db_status account_guard_claim(const struct app *app, const char *email, bool *allowed,
                                   int *retry_after_s, enum fail_reason *failure)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];

    *allowed = true;
    *retry_after_s = 0;
    if (account_guard_key(app, email, key) != 0) {
        *failure = FAIL_ACCOUNT_KEY;
        return DB_FAIL;
    }
    return db_housekeeping(app->store->ops->account_guard_claim(
        app->store->impl, key, &account_guard_policy, allowed, retry_after_s));
}

/* account_guard_success - see account_guard.h. */
enum db_status account_guard_success(const struct app *app, const char *email,
                                     enum fail_reason *failure)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];

    if (account_guard_key(app, email, key) != 0) {
        *failure = FAIL_ACCOUNT_KEY;
        return DB_FAIL;
    }
    return db_housekeeping(app->store->ops->account_guard_success(app->store->impl, key));
}
