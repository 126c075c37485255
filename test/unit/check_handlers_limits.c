/* check_handlers_limits - rate limits per route and client address (ratelimit-01, ratelimit-03) and
 * the failed sign-ins per account (account guard, a deliberate deviation). Against the fake store
 * through router_dispatch, compared with Better Auth 1.7.25's answers (transcript sections named as
 * [main-NN] and the like); the shared world is handler_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"

/* ==== rate limits (ratelimit-01, ratelimit-03) ============================================ */

/* [ratelimit-01] 3 per 10 s on /sign-in: the 4th is refused before the handler runs, with
 * X-Retry-After and no code; another client address has its own bucket. */
START_TEST(test_rate_limit_sign_in)
{
    struct response r;
    const char *wrong = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong\"}";

    configure((struct config){.rate_limit = true});
    seed_alice();
    for (int i = 0; i < 3; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = wrong);
        assert_answer(r, 401, E_CREDENTIALS);
    }
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = wrong);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");
    ck_assert_ptr_null(handler_harness_header(&r, "Retry-After"));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 3);

    /* A correct password does not get through either. */
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.10", .body = ALICE_SIGN_IN);
    assert_status(r, 429);

    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.11", .body = wrong);
    assert_answer(r, 401, E_CREDENTIALS);
    /* Another path is another bucket. */
    r = GET("/get-session", .remote_addr = "198.51.100.10");
    assert_answer(r, 200, "null");
}
END_TEST

/* [ratelimit-03] 100 per 10 s elsewhere. */
START_TEST(test_rate_limit_default_rule)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 100; i++) {
        r = GET("/ok", .remote_addr = "198.51.100.30");
        assert_status(r, 200);
    }
    r = GET("/ok", .remote_addr = "198.51.100.30");
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");

    /* Outside the base path nothing is counted. */
    fake_store_reset_calls(fs);
    r = dispatch((struct request){.method = "GET", .path = "/healthz"});
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* Deliberate deviation (issue 9 item 6): every route that hashes a password is as strict as
 * sign-in, 3 per 10 s per client, where Better Auth limits only /sign-in, /sign-up,
 * /change-password and /change-email that way. */
static const struct {
    const char *path;
    const char *body;
} hashing_routes[] = {
    {"/verify-password", "{\"password\":\"wrong-password\"}"},
    {"/delete-user", "{\"password\":\"wrong-password\"}"},
    {"/reset-password", "{\"newPassword\":\"password456\",\"token\":\"no-such-token\"}"},
    {"/change-password", "{\"currentPassword\":\"wrong-password\",\"newPassword\":"
                         "\"password456\"}"},
};

/* post_signed_in - POST body to API path as Alice's session H from remote_addr. */
static struct response post_signed_in(const char *path, const char *body, const char *remote_addr)
{
    struct request req = {
        .method = "POST",
        .path = arena_printf(arena, API "%s", path),
        .content_type = JSON_CT,
        .cookie = H_COOKIE,
        .origin = FRONT,
        .remote_addr = remote_addr,
        .body = body,
    };

    return dispatch(req);
}

START_TEST(test_rate_limit_hashing_routes)
{
    const char *path = hashing_routes[_i].path, *body = hashing_routes[_i].body;
    struct response r;

    configure((struct config){.rate_limit = true});
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    for (int i = 0; i < 3; i++) {
        r = post_signed_in(path, body, NULL);
        ck_assert_msg(r.status != 429, "%s: attempt %d refused", path, i + 1);
    }
    r = post_signed_in(path, body, NULL);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "10");
    /* Another client still gets through. */
    r = post_signed_in(path, body, "198.51.100.99");
    ck_assert_int_ne(r.status, 429);
}
END_TEST

/* Deliberate deviation: a request is counted under the route it matches, not its raw path.
 * Paths that match no route share one count per client (Better Auth counts each path, so a
 * client could spread over made-up paths, and each one grows the table). */
START_TEST(test_rate_limit_unrouted_shared)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 100; i++) {
        r = dispatch(
            (struct request){.method = "GET", .path = arena_printf(arena, API "/nothing-%d", i)});
        assert_answer(r, 404, NULL);
    }
    r = GET("/nothing-else");
    assert_answer(r, 429, E_TOO_MANY);
    /* /sign-up/nothing is no route: no sign-up count, the shared one. */
    r = POST("/sign-up/nothing");
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), PEER "|(unrouted)");

    /* A wrong method on a route's path counts under that route, with its rule. */
    for (int i = 0; i < 3; i++) {
        r = GET("/sign-in/email");
        assert_answer(r, 404, NULL);
    }
    r = POST_JSON("/sign-in/email", .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);
}
END_TEST

/* A plugin that is off has no routes: the admin plugin's paths count as unrouted, as the
 * twoFactor plugin's do (a hashing admin route made the 4th try of a 404 path a 429). */
START_TEST(test_rate_limit_plugin_off_unrouted)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 4; i++) {
        r = POST_JSON("/admin/create-user", .body = "{}");
        assert_answer(r, 404, NULL);
    }
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), PEER "|(unrouted)");
}
END_TEST

/* The reset link's token is a credential: it never becomes part of a rate-limit key. */
START_TEST(test_rate_limit_reset_token_key)
{
    static const char token[] = "Zr4TokenThatMustNotBeStored9x";
    struct response r;

    configure((struct config){.rate_limit = true});
    r = dispatch((struct request){.method = "GET",
                                  .path = API "/reset-password/Zr4TokenThatMustNotBeStored9x",
                                  .query = "callbackURL=" FRONT "/reset"});
    ck_assert_int_ne(r.status, 429);
    r = GET("/reset-password/another-token");
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 0), PEER "|/reset-password/:token");
    ck_assert_ptr_null(strstr(fake_store_rate_key_at(fs, 0), token));
}
END_TEST

/* A client address that cannot be parsed: the port forms are the client's address (each its
 * own count); with no address at all the request is refused with a 500 (a front server
 * that passes no REMOTE_ADDR, README) rather than counted in one bucket every such client
 * would share. Without rate limits the address is not needed. */
START_TEST(test_rate_limit_unparsable_address)
{
    static const char *const none[] = {"", "unix:", "unix:/run/nginx.sock", "not-an-address"};
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 3; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.40:5000", .body = "{}");
        assert_status(r, 400);
    }
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.40:5001", .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);
    r = POST_JSON("/sign-in/email", .remote_addr = "198.51.100.41:5000", .body = "{}");
    assert_status(r, 400);
    r = POST_JSON("/sign-in/email", .remote_addr = "[2001:db8::1]:5000", .body = "{}");
    assert_status(r, 400);
    ck_assert_str_eq(fake_store_rate_key_at(fs, 2),
                     "2001:0db8:0000:0000:0000:0000:0000:0000|/sign-in/email");

    fake_store_reset_calls(fs);
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        for (int n = 0; n < 4; n++) {
            r = POST_JSON("/sign-in/email", .remote_addr = none[i], .body = "{}");
            assert_answer(r, 500, E_INTERNAL);
        }
    }
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);

    configure((struct config){.rate_limit = false});
    r = POST_JSON("/sign-in/email", .remote_addr = "", .body = "{}");
    assert_status(r, 400);
}
END_TEST

/* ==== failed sign-ins per account (NIST 800-63B 5.2.2; deliberate deviation) ============= */

#define WRONG_FOR(email) "{\"email\":\"" email "\",\"password\":\"wrong-password\"}"
#define NOBODY_EMAIL "nobody.632735@example.com"

/* sign_in_from - POST body to /sign-in/email from the n-th of many client addresses, so the
 * per-client limit never interferes. */
static struct response sign_in_from(int n, const char *body)
{
    struct request req = {
        .method = "POST",
        .path = API "/sign-in/email",
        .content_type = JSON_CT,
        .remote_addr = arena_printf(arena, "198.18.%d.%d", n / 250, n % 250 + 1),
        .body = body,
    };

    return dispatch(req);
}

/* guard_of - the guard row of an e-mail (NULL when it has none). */
static struct fake_guard *guard_of(const char *email)
{
    char key[ACCOUNT_GUARD_KEY_SIZE];

    ck_assert_int_eq(account_guard_key(&app, email, key), 0);
    return fake_store_guard(fs, key);
}

/* unlock - move the account's clock past its lock (the test's way to let time pass). */
static void unlock(const char *email)
{
    struct fake_guard *g = guard_of(email);

    ck_assert_ptr_nonnull(g);
    g->locked_until_ms = fake_store_now_ms() - 1;
}

/* 5 free failures, then each one makes the next attempt wait 1 s, 2 s, 4 s, ...: refused with
 * the rate limiter's answer, even with the right password, from any address; an address with
 * no account behaves exactly alike; other accounts are untouched; a success starts over. */
START_TEST(test_account_guard_delays)
{
    static const char *const emails[] = {ALICE_EMAIL, NOBODY_EMAIL};
    struct response r;
    int n = 0;

    configure((struct config){.rate_limit = true, .guard = true});
    seed_alice();
    seed_bob();
    for (size_t e = 0; e < 2; e++) {
        const char *wrong = e == 0 ? WRONG_FOR(ALICE_EMAIL) : WRONG_FOR(NOBODY_EMAIL);

        for (int i = 0; i < 6; i++) {
            r = sign_in_from(n++, wrong);
            assert_answer(r, 401, E_CREDENTIALS);
        }
        r = sign_in_from(n++, wrong);
        assert_answer(r, 429, E_TOO_MANY);
        ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "1");
        r = sign_in_from(n++, e == 0 ? ALICE_SIGN_IN : wrong);
        assert_answer(r, 429, E_TOO_MANY);
        assert_no_cookies(r);

        unlock(emails[e]);
        r = sign_in_from(n++, wrong);
        assert_answer(r, 401, E_CREDENTIALS);
        r = sign_in_from(n++, wrong);
        assert_answer(r, 429, E_TOO_MANY);
        ck_assert_str_eq(handler_harness_header(&r, "X-Retry-After"), "2");
        ck_assert_int_eq(guard_of(emails[e])->consecutive, 7);

        /* Bob is not Alice. */
        r = sign_in_from(n++, "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" PASSWORD "\"}");
        assert_status(r, 200);
    }
    /* The upper-case spelling is the same account. */
    r = sign_in_from(n++, "{\"email\":\"ALICE.632735@EXAMPLE.COM\",\"password\":\"x\"}");
    assert_answer(r, 429, E_TOO_MANY);

    /* The owner, once the delay has passed: signed in, and 5 free tries again. */
    unlock(ALICE_EMAIL);
    r = sign_in_from(n++, ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->consecutive, 0);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->window_failures, 7);
    for (int i = 0; i < 5; i++) {
        r = sign_in_from(n++, WRONG_FOR(ALICE_EMAIL));
        assert_answer(r, 401, E_CREDENTIALS);
    }
    /* Bob signed in twice and failed never: no delay, no failures. */
    ck_assert_int_eq(guard_of(BOB_EMAIL)->window_failures, 0);
}
END_TEST

/* No more than 100 failures per account per 24 h, whatever the addresses: the 101st attempt
 * is refused until the window ends, the owner's too; after it the owner signs in. */
START_TEST(test_account_guard_ceiling)
{
    struct response r;
    int retry;

    configure((struct config){.rate_limit = true, .guard = true});
    seed_alice();
    seed_bob();
    for (int i = 0; i < 100; i++) {
        if (i > 0)
            unlock(ALICE_EMAIL);
        r = sign_in_from(i, WRONG_FOR(ALICE_EMAIL));
        assert_answer(r, 401, E_CREDENTIALS);
    }
    unlock(ALICE_EMAIL);
    r = sign_in_from(100, WRONG_FOR(ALICE_EMAIL));
    assert_answer(r, 429, E_TOO_MANY);
    retry = atoi(handler_harness_header(&r, "X-Retry-After"));
    ck_assert_msg(retry > 24 * 3600 - 60 && retry <= 24 * 3600, "X-Retry-After %d", retry);
    r = sign_in_from(101, ALICE_SIGN_IN);
    assert_answer(r, 429, E_TOO_MANY);
    ck_assert_int_eq(guard_of(ALICE_EMAIL)->window_failures, 100);
    r = sign_in_from(102, "{\"email\":\"" BOB_EMAIL "\",\"password\":\"" PASSWORD "\"}");
    assert_status(r, 200);

    /* A day later. */
    guard_of(ALICE_EMAIL)->window_start_ms -= 24 * HOUR_MS;
    r = sign_in_from(103, ALICE_SIGN_IN);
    assert_status(r, 200);
}
END_TEST

/* Off (AUTHFCGI_ACCOUNT_GUARD=false, or rate limits off): Better Auth's behaviour, no store
 * call. */
START_TEST(test_account_guard_off)
{
    struct response r;

    for (int c = 0; c < 2; c++) {
        configure((struct config){.rate_limit = c == 0, .guard = c == 1});
        seed_alice();
        fake_store_reset_calls(fs);
        for (int i = 0; i < 10; i++) {
            r = sign_in_from(i, WRONG_FOR(ALICE_EMAIL));
            assert_answer(r, 401, E_CREDENTIALS);
        }
        ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM), 0);
        world_free();
        world_new();
    }
}
END_TEST

/* Deliberate deviation (issue item 9): the client is REMOTE_ADDR; X-Forwarded-For counts only
 * from a trusted proxy, so a client cannot pick its own bucket. */
START_TEST(test_rate_limit_client_address)
{
    static const char *const forged[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3",
                                         "203.0.113.4"};
    struct response r;

    configure((struct config){.rate_limit = true});
    for (int i = 0; i < 4; i++)
        r = POST_JSON("/sign-in/email", .x_forwarded_for = forged[i], .body = "{}");
    assert_answer(r, 429, E_TOO_MANY);

    configure((struct config){.rate_limit = true, .trusted_proxies = "127.0.0.1"});
    for (int i = 0; i < 4; i++) {
        r = POST_JSON("/sign-in/email", .remote_addr = "127.0.0.1", .x_forwarded_for = forged[i],
                      .body = "{}");
        assert_status(r, 400);
    }
    /* The address behind the proxy is what a new session records. */
    seed_alice();
    r = POST_JSON("/sign-in/email", .remote_addr = "127.0.0.1", .x_forwarded_for = "198.51.100.77",
                  .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_str_eq(session_of(jstr(body_json(&r), "token"))->ip_address, "198.51.100.77");
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("rate limits");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rate_limit_sign_in);
    tcase_add_test(tc, test_rate_limit_default_rule);
    tcase_add_test(tc, test_rate_limit_client_address);
    LOOP(tc, test_rate_limit_hashing_routes, hashing_routes);
    tcase_add_test(tc, test_rate_limit_unrouted_shared);
    tcase_add_test(tc, test_rate_limit_plugin_off_unrouted);
    tcase_add_test(tc, test_rate_limit_reset_token_key);
    tcase_add_test(tc, test_rate_limit_unparsable_address);
    tcase_add_test(tc, test_account_guard_delays);
    tcase_add_test(tc, test_account_guard_ceiling);
    tcase_add_test(tc, test_account_guard_off);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
