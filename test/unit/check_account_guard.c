/* check_account_guard - the per-account sign-in guard's contract (account_guard.h) over the
 * fake store: the policy every worker applies, a key that names no address and is computed
 * independently here, and that claims and successes reach the store under that key with that
 * policy, their statuses passed on. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/account_guard.h"
#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "global/settings.h"

static enum fail_reason why; /* what the guard blames, when it is not the store */

/* guarded - the settings of the suite: rate limits with the account guard, under secret. */
static struct settings guarded(const char *secret)
{
    struct settings s = harness_settings();

    s.secret = (char *)secret;
    s.rate_limit = true;
    s.account_guard = true;
    s.delete_user = true;
    return s;
}

static void setup(void)
{
    struct settings s = guarded(SECRET);

    harness_app_new(&s);
}

/* expected_key - HMAC-SHA256(HMAC-SHA256(secret, "authfcgi account guard v1"), email) in
 * lower-case hex, with libcrypto directly: rows written by one version must be found by the
 * next, so the derivation is part of the contract. */
static void expected_key(const char *secret, const char *email, char out[ACCOUNT_GUARD_KEY_SIZE])
{
    static const char context[] = "authfcgi account guard v1";
    unsigned char subkey[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)strlen(secret),
                               (const unsigned char *)context, strlen(context), subkey, &n));
    ck_assert_ptr_nonnull(
        HMAC(EVP_sha256(), subkey, (int)n, (const unsigned char *)email, strlen(email), mac, &n));
    ck_assert_uint_eq(n, 32);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* NIST SP 800-63B's ceiling of 100 per window, five free tries, delays up to 15 minutes (the
 * README's "Abuse limits"). */
START_TEST(test_policy)
{
    ck_assert_int_eq(account_guard_policy.window_s, 24 * 3600);
    ck_assert_int_eq(account_guard_policy.max_failures, 100);
    ck_assert_int_eq(account_guard_policy.free_failures, 5);
    ck_assert_int_eq(account_guard_policy.max_delay_s, 15 * 60);
}
END_TEST

START_TEST(test_key)
{
    char key[ACCOUNT_GUARD_KEY_SIZE], want[ACCOUNT_GUARD_KEY_SIZE], other[ACCOUNT_GUARD_KEY_SIZE];

    ck_assert_int_eq(account_guard_key(&app, ALICE_EMAIL, key), 0);
    expected_key(SECRET, ALICE_EMAIL, want);
    ck_assert_str_eq(key, want);
    ck_assert_uint_eq(strlen(key), ACCOUNT_GUARD_KEY_SIZE - 1);
    for (const char *p = key; *p != '\0'; p++)
        ck_assert_msg(isxdigit((unsigned char)*p) && !isupper((unsigned char)*p), "%s", key);
    ck_assert_int_eq(account_guard_key(&app, BOB_EMAIL, other), 0);
    ck_assert_str_ne(key, other);
}
END_TEST

/* Another server secret gives other keys: a table copied elsewhere tells nothing. */
START_TEST(test_key_depends_on_secret)
{
    char key[ACCOUNT_GUARD_KEY_SIZE], want[ACCOUNT_GUARD_KEY_SIZE];
    static const char other_secret[] = "another-secret-0123456789-abcdefghijklmn";

    struct settings s = guarded(other_secret);

    harness_app_rebuild(&s);
    ck_assert_int_eq(account_guard_key(&app, ALICE_EMAIL, key), 0);
    expected_key(other_secret, ALICE_EMAIL, want);
    ck_assert_str_eq(key, want);
    expected_key(SECRET, ALICE_EMAIL, want);
    ck_assert_str_ne(key, want);
}
END_TEST

/* A claim is counted in the row of the account's key, whether or not the account exists;
 * the address itself is stored nowhere. */
START_TEST(test_claim_counts_under_key)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];
    bool allowed = false;
    int retry = -1;
    struct fake_guard *g;

    ck_assert_int_eq(account_guard_claim(&app, "nobody@example.com", &allowed, &retry, &why),
                     DB_OK);
    ck_assert(allowed);
    ck_assert_int_eq(retry, 0);
    ck_assert_int_eq(account_guard_key(&app, "nobody@example.com", key), 0);
    g = fake_store_guard(fs, key);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->window_failures, 1);
    ck_assert_int_eq(g->consecutive, 1);
    ck_assert_uint_eq(fake_store_guard_count(fs), 1);
    ck_assert_ptr_null(strstr(g->key, "nobody"));
}
END_TEST

/* The store applies account_guard_policy: the free failures pass, then the account waits, and
 * the refusal carries a retry hint. */
START_TEST(test_claims_slow_down)
{
    bool allowed = false;
    int retry = -1;

    for (int i = 0; i <= account_guard_policy.free_failures; i++) {
        ck_assert_int_eq(account_guard_claim(&app, ALICE_EMAIL, &allowed, &retry, &why), DB_OK);
        ck_assert_msg(allowed, "attempt %d refused", i + 1);
    }
    ck_assert_int_eq(account_guard_claim(&app, ALICE_EMAIL, &allowed, &retry, &why), DB_OK);
    ck_assert(!allowed);
    ck_assert_int_ge(retry, 1);
    ck_assert_int_le(retry, account_guard_policy.max_delay_s);
    /* Another account is not affected. */
    ck_assert_int_eq(account_guard_claim(&app, BOB_EMAIL, &allowed, &retry, &why), DB_OK);
    ck_assert(allowed);
}
END_TEST

/* A success takes back its own claim (it was no failure) and starts the delay over, but the
 * window keeps the failures before it; on an account with no row it is simply DB_OK. */
START_TEST(test_success)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];
    bool allowed;
    int retry;
    struct fake_guard *g;

    ck_assert_int_eq(account_guard_success(&app, BOB_EMAIL, &why), DB_OK);
    for (int i = 0; i < 3; i++)
        account_guard_claim(&app, ALICE_EMAIL, &allowed, &retry, &why);
    ck_assert_int_eq(account_guard_success(&app, ALICE_EMAIL, &why), DB_OK);
    ck_assert_int_eq(account_guard_key(&app, ALICE_EMAIL, key), 0);
    g = fake_store_guard(fs, key);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->consecutive, 0);
    ck_assert_int_eq(g->window_failures, 2);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_SUCCESS), 2);
}
END_TEST

static const enum db_status failures[] = {DB_RETRY, DB_FAIL};

START_TEST(test_store_failures)
{
    bool allowed;
    int retry;

    why = FAIL_NONE;
    fake_store_fail(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM, failures[_i], 0);
    ck_assert_int_eq(account_guard_claim(&app, ALICE_EMAIL, &allowed, &retry, &why), failures[_i]);
    fake_store_fail(fs, FAKE_OP_ACCOUNT_GUARD_SUCCESS, failures[_i], 0);
    ck_assert_int_eq(account_guard_success(&app, ALICE_EMAIL, &why), failures[_i]);
    ck_assert_uint_eq(fake_store_guard_count(fs), 0);
    ck_assert_int_eq(why, FAIL_NONE); /* the store's failure, not the guard's */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("account_guard");
    TCase *tc = tcase_create("account_guard");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, harness_app_free);
    tcase_add_test(tc, test_policy);
    tcase_add_test(tc, test_key);
    tcase_add_test(tc, test_key_depends_on_secret);
    tcase_add_test(tc, test_claim_counts_under_key);
    tcase_add_test(tc, test_claims_slow_down);
    tcase_add_test(tc, test_success);
    tcase_add_loop_test(tc, test_store_failures, 0, 2);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
