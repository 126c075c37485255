/* check_rate_limit - the request limits' contract (rate_limit.h) over the fake store: the rule
 * of every kind of route (Better Auth's special rules, strict for whatever hashes a password,
 * the default otherwise), the key a request is counted under, refusal with a retry hint once a
 * rule's maximum is reached, counts kept apart per client and route, and store failures
 * passed on. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "auth/rate_limit.h"
#include "global/settings.h"

static void setup(void)
{
    struct settings s = harness_settings();

    s.rate_limit = true;
    s.delete_user = true;
    harness_app_new(&s);
}

/* ---- rules ------------------------------------------------------------------------------- */

static const struct {
    const char *route;
    bool hashes;
    int window_s;
    int max;
} rules[] = {
    /* Better Auth's special rules: 3 per 10 s for sign-in/up and credential changes... */
    {"/sign-in/email", false, 10, 3},
    {"/sign-up/email", false, 10, 3},
    {"/change-password", false, 10, 3},
    {"/change-email", false, 10, 3},
    /* ...the twoFactor plugin's own: 3 per 10 s for every /two-factor/ path (codes are guesses)...
     */
    {"/two-factor/verify-totp", false, 10, 3},
    {"/two-factor/verify-backup-code", false, 10, 3},
    {"/two-factor/send-otp", false, 10, 3},
    /* ...3 per 60 s for whatever sends mail... */
    {"/request-password-reset", false, 60, 3},
    {"/send-verification-email", false, 60, 3},
    {"/forget-password", false, 60, 3},
    /* ...and 100 per 10 s for everything else, unrouted paths included. */
    {"/get-session", false, 10, 100},
    {"/list-sessions", false, 10, 100},
    {"/reset-password/:token", false, 10, 100},
    {"/verify-email", false, 10, 100},
    {RATE_LIMIT_UNROUTED, false, 10, 100},
    /* A route that hashes a password is strict whatever its path: each guess costs a hash. */
    {"/delete-user", true, 10, 3},
    {"/verify-password", true, 10, 3},
    {"/reset-password", true, 10, 3},
};

START_TEST(test_rule_for)
{
    struct rate_limit_rule r = rate_limit_rule_for(rules[_i].route, rules[_i].hashes);

    ck_assert_msg(r.window_s == rules[_i].window_s && r.max == rules[_i].max,
                  "%s%s: %d per %d s, expected %d per %d s", rules[_i].route,
                  rules[_i].hashes ? " (hashes)" : "", r.max, r.window_s, rules[_i].max,
                  rules[_i].window_s);
}
END_TEST

/* ---- counting ---------------------------------------------------------------------------- */

static struct request from(const char *client_ip)
{
    return (struct request){.method = "POST",
                            .path = API "/x",
                            .query = "",
                            .remote_addr = PEER,
                            .client_ip = client_ip,
                            .arena = arena};
}

/* check - one request from client_ip to route; *allowed as the rule decides. */
static enum db_status check(const char *client_ip, const char *route, bool hashes, bool *allowed,
                            int *retry)
{
    struct request req = from(client_ip);

    *allowed = false;
    *retry = -1;
    return rate_limit_check(&app, &req, route, hashes, allowed, retry);
}

/* The maximum is allowed, the next request refused with a hint within the window; the count
 * is kept under "<client ip>|<route path>". */
START_TEST(test_strict_route)
{
    bool allowed;
    int retry;

    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(check("198.51.100.1", "/sign-in/email", false, &allowed, &retry), DB_OK);
        ck_assert_msg(allowed, "request %d refused", i + 1);
    }
    ck_assert_int_eq(check("198.51.100.1", "/sign-in/email", false, &allowed, &retry), DB_OK);
    ck_assert(!allowed);
    ck_assert_int_ge(retry, 1);
    ck_assert_int_le(retry, 10);
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), "198.51.100.1|/sign-in/email");
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_RATE_LIMIT_HIT), 4);
}
END_TEST

START_TEST(test_default_route)
{
    bool allowed;
    int retry;

    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(check("198.51.100.1", "/get-session", false, &allowed, &retry), DB_OK);
        ck_assert_msg(allowed, "request %d refused", i + 1);
    }
    ck_assert_int_eq(check("198.51.100.1", "/get-session", false, &allowed, &retry), DB_OK);
    ck_assert(!allowed);
    ck_assert_int_ge(retry, 1);
}
END_TEST

/* Another client, or another route of the same client, has a count of its own; an IPv6
 * address is keyed as given. */
START_TEST(test_counts_apart)
{
    bool allowed;
    int retry;

    for (int i = 0; i < 4; i++)
        check("198.51.100.1", "/sign-in/email", false, &allowed, &retry);
    ck_assert(!allowed);
    ck_assert_int_eq(check("198.51.100.2", "/sign-in/email", false, &allowed, &retry), DB_OK);
    ck_assert(allowed);
    ck_assert_int_eq(check("198.51.100.1", "/sign-up/email", false, &allowed, &retry), DB_OK);
    ck_assert(allowed);
    ck_assert_int_eq(check("2001:db8::1", RATE_LIMIT_UNROUTED, false, &allowed, &retry), DB_OK);
    ck_assert(allowed);
    ck_assert_uint_eq(fake_store_rate_count(fs), 4);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 1), "198.51.100.2|/sign-in/email");
    ck_assert_str_eq(fake_store_rate_key_at(fs, 2), "198.51.100.1|/sign-up/email");
    ck_assert_str_eq(fake_store_rate_key_at(fs, 3), "2001:db8::1|(unrouted)");
}
END_TEST

/* hashes makes a default route strict in the count too. */
START_TEST(test_hashing_route_counted_strictly)
{
    bool allowed;
    int retry;

    for (int i = 0; i < 3; i++) {
        check("198.51.100.1", "/delete-user", true, &allowed, &retry);
        ck_assert(allowed);
    }
    ck_assert_int_eq(check("198.51.100.1", "/delete-user", true, &allowed, &retry), DB_OK);
    ck_assert(!allowed);
}
END_TEST

/* A failing store is the caller's to answer (503/500): its status comes back unchanged. */
static const enum db_status failures[] = {DB_RETRY, DB_FAIL};

START_TEST(test_store_failure)
{
    bool allowed;
    int retry;

    fake_store_fail(fs, FAKE_OP_RATE_LIMIT_HIT, failures[_i], 0);
    ck_assert_int_eq(check("198.51.100.1", "/sign-in/email", false, &allowed, &retry),
                     failures[_i]);
    ck_assert_uint_eq(fake_store_rate_count(fs), 0);
    /* The next call counts again. */
    ck_assert_int_eq(check("198.51.100.1", "/sign-in/email", false, &allowed, &retry), DB_OK);
    ck_assert(allowed);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rate_limit");
    TCase *tc = tcase_create("rate_limit");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, harness_app_free);
    LOOP(tc, test_rule_for, rules);
    tcase_add_test(tc, test_strict_route);
    tcase_add_test(tc, test_default_route);
    tcase_add_test(tc, test_counts_apart);
    tcase_add_test(tc, test_hashing_route_counted_strictly);
    LOOP(tc, test_store_failure, failures);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
