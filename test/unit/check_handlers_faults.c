/* check_handlers_faults - every store operation of every endpoint made to fail: DB_RETRY is 503
 * with Retry-After, anything else a 500 telling nothing about SQL, and neither touches cookies.
 * Against the fake store through router_dispatch, compared with Better Auth 1.7.25's answers
 * (transcript sections named as [main-NN] and the like); the shared world is handler_world.h. */
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

/* ==== store failures ====================================================================== */

/* Every endpoint in a state where it succeeds, with rate limiting on so the shared counter is
 * part of every request. The sweep first runs a scenario as is, notes which store operations
 * it used, then re-runs it once per used operation with that operation failing. */
struct scenario {
    const char *name;
    void (*seed)(void);
    struct request (*request)(void);
    int status; /* without failures */
};

static void seed_alice_h(void)
{
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
}

static void seed_alice_h_due(void)
{
    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
}

static void seed_alice_h_expired(void)
{
    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 7 * DAY_MS, -SEC_MS);
}

static void seed_nothing(void)
{
}

#define REQ(fn, ...)                                                                               \
    static struct request fn(void)                                                                 \
    {                                                                                              \
        return (struct request){__VA_ARGS__};                                                      \
    }
#define P(p) .method = "POST", .path = API p, .content_type = JSON_CT
#define SIGNED_IN .cookie = H_COOKIE, .origin = FRONT

REQ(req_sign_up, P("/sign-up/email"),
    .body = "{\"email\":\"new@example.com\",\"password\":\"password123\",\"name\":\"N\"}")
REQ(req_sign_in, P("/sign-in/email"), .body = ALICE_SIGN_IN)
REQ(req_sign_out, P("/sign-out"), SIGNED_IN, .body = "{}")
REQ(req_get_session, .method = "GET", .path = API "/get-session", .cookie = H_COOKIE)
REQ(req_list_sessions, .method = "GET", .path = API "/list-sessions", .cookie = H_COOKIE)
REQ(req_revoke_other, P("/revoke-session"), SIGNED_IN, .body = "{\"token\":\"" A2_TOKEN "\"}")
REQ(req_revoke_current, P("/revoke-session"), SIGNED_IN, .body = "{\"token\":\"" H_TOKEN "\"}")
REQ(req_revoke_sessions, P("/revoke-sessions"), SIGNED_IN, .body = "{}")
REQ(req_revoke_others, P("/revoke-other-sessions"), SIGNED_IN, .body = "{}")
REQ(req_change_password, P("/change-password"), SIGNED_IN,
    .body = "{\"currentPassword\":\"password123\",\"newPassword\":\"password456\"}")
REQ(req_change_password_revoke, P("/change-password"), SIGNED_IN,
    .body = "{\"currentPassword\":\"password123\",\"newPassword\":\"password456\","
            "\"revokeOtherSessions\":true}")
REQ(req_update_user, P("/update-user"), SIGNED_IN, .body = "{\"name\":\"Renamed\"}")
REQ(req_delete_user_password, P("/delete-user"), SIGNED_IN,
    .body = "{\"password\":\"password123\"}")
REQ(req_delete_user_fresh, P("/delete-user"), SIGNED_IN, .body = "{}")
REQ(req_list_accounts, .method = "GET", .path = API "/list-accounts", .cookie = H_COOKIE)
REQ(req_verify_password, P("/verify-password"), SIGNED_IN, .body = "{\"password\":\"password123\"}")
REQ(req_readyz, .method = "GET", .path = "/readyz")

static const struct scenario scenarios[] = {
    {"sign-up", seed_alice, req_sign_up, 200},
    {"sign-in", seed_alice, req_sign_in, 200},
    {"sign-out", seed_alice_h, req_sign_out, 200},
    {"get-session", seed_alice_h, req_get_session, 200},
    {"get-session refresh", seed_alice_h_due, req_get_session, 200},
    {"get-session expired", seed_alice_h_expired, req_get_session, 200},
    {"list-sessions", seed_alice_h, req_list_sessions, 200},
    {"revoke-session other", seed_alice_h, req_revoke_other, 200},
    {"revoke-session current", seed_alice_h, req_revoke_current, 200},
    {"revoke-sessions", seed_alice_h, req_revoke_sessions, 200},
    {"revoke-other-sessions", seed_alice_h, req_revoke_others, 200},
    {"change-password", seed_alice_h, req_change_password, 200},
    {"change-password revoke", seed_alice_h, req_change_password_revoke, 200},
    {"update-user", seed_alice_h, req_update_user, 200},
    {"delete-user password", seed_alice_h, req_delete_user_password, 200},
    {"delete-user fresh", seed_alice_h, req_delete_user_fresh, 200},
    {"list-accounts", seed_alice_h, req_list_accounts, 200},
    {"verify-password", seed_alice_h, req_verify_password, 200},
    {"readyz", seed_nothing, req_readyz, 200},
    {"sign-out without session", seed_nothing, req_sign_out, 200},
};

/* run_scenario - a fresh world, the scenario's rows, one request. */
static struct response run_scenario(const struct scenario *sc, int failing_op,
                                    enum db_status failure)
{
    world_free();
    world_new();
    configure((struct config){.rate_limit = true, .guard = true});
    sc->seed();
    fake_store_reset_calls(fs);
    if (failing_op >= 0)
        fake_store_fail(fs, (enum fake_op)failing_op, failure, 0);
    return dispatch(sc->request());
}

/* The answers to a failing store (STYLE.md lesson 2): DB_RETRY is 503 SERVICE_UNAVAILABLE
 * with Retry-After and never a 200; anything else is a 500 that tells nothing about SQL.
 * Neither sets or deletes cookies: the client should simply try again. */
static const struct {
    enum db_status failure;
    int status;
    const char *answer;
} failures[] = {
    {DB_RETRY, 503, E_UNAVAILABLE},
    {DB_FAIL, 500, E_INTERNAL},
    {DB_INVALID, 500, E_INTERNAL},
};

START_TEST(test_store_failures)
{
    const struct scenario *sc = &scenarios[_i];
    unsigned used[FAKE_OP__MAX];
    unsigned nused = 0;
    struct response r = run_scenario(sc, -1, DB_OK);

    ck_assert_msg(r.status == sc->status, "%s: %d without failures", sc->name, r.status);
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        used[op] = fake_store_calls(fs, (enum fake_op)op);
        nused += used[op] > 0;
    }
    ck_assert_msg(nused > 0, "%s uses no store operation", sc->name);
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        if (used[op] == 0)
            continue;
        for (size_t f = 0; f < sizeof(failures) / sizeof(failures[0]); f++) {
            int want = failures[f].status;
            const char *answer = failures[f].answer;

            /* readyz reports any failure as "not ready". */
            if (sc->request == req_readyz) {
                want = 503;
                answer = E_UNAVAILABLE;
            }
            r = run_scenario(sc, op, failures[f].failure);
            ck_assert_msg(r.status == want, "%s, %s -> %s: status %d, body %s", sc->name,
                          fake_op_name((enum fake_op)op), db_status_name(failures[f].failure),
                          r.status, r.body != NULL ? r.body : "(none)");
            ck_assert_msg(r.body != NULL && strcmp(r.body, answer) == 0, "%s, %s: body %s",
                          sc->name, fake_op_name((enum fake_op)op),
                          r.body != NULL ? r.body : "(none)");
            ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") == 0,
                          "%s, %s -> %s: Set-Cookie %s", sc->name, fake_op_name((enum fake_op)op),
                          db_status_name(failures[f].failure),
                          handler_harness_header(&r, "Set-Cookie"));
            ck_assert_msg(handler_harness_header(&r, "set-auth-token") == NULL,
                          "%s: set-auth-token", sc->name);
            if (want == 503)
                ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
            else
                ck_assert_ptr_null(handler_harness_header(&r, "Retry-After"));
        }
    }
}
END_TEST

/* A failure after a sliding refresh already happened leaves the refreshed cookie out too:
 * the 503 of get-session is nothing but a 503. */
START_TEST(test_store_failure_get_session_after_refresh)
{
    struct response r;

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    fake_store_fail(fs, FAKE_OP_SESSION_REFRESH, DB_RETRY, 0);
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
}
END_TEST

/* A failing rate-limit counter stops the request before any other store work. */
START_TEST(test_store_failure_rate_limit)
{
    struct response r;

    configure((struct config){.rate_limit = true});
    seed_alice();
    fake_store_set_retry_after(fs, 2);
    fake_store_fail_always(fs, FAKE_OP_RATE_LIMIT_HIT, DB_RETRY);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "2");
    ck_assert_uint_eq(fake_store_total_calls(fs), 1);
}
END_TEST

/* What a write whose outcome is unknown (DB_UNKNOWN: the answer to its COMMIT was lost)
 * answers: 503 OUTCOME_UNKNOWN with Retry-After, so the client looks before repeating it;
 * but 503 SERVICE_UNAVAILABLE for the housekeeping writes (counters, a session's refresh),
 * which are never the change the client asked for, and for a sign-up whose lookup finds no
 * row (nothing was committed). Read-only operations never report it, so are not tried. */
static const char *unknown_answer(enum fake_op op)
{
    switch (op) {
    case FAKE_OP_PING:
    case FAKE_OP_USER_BY_EMAIL:
    case FAKE_OP_CREDENTIAL_OF_USER:
    case FAKE_OP_SESSION_LOOKUP:
    case FAKE_OP_SESSION_LIST:
    case FAKE_OP_ACCOUNT_LIST:
    case FAKE_OP_VERIFICATION_FIND:
    case FAKE_OP_PASSWORD_KINDS:
    case FAKE_OP_ADMIN_USER_GET:
    case FAKE_OP_ADMIN_USER_LIST:
    case FAKE_OP_TWO_FACTOR_GET:
    case FAKE_OP_PASSWORD_UPGRADE: /* its failure never fails the sign-in: logged, tried again */
    case FAKE_OP__MAX:
        return NULL;
    case FAKE_OP_RATE_LIMIT_HIT:
    case FAKE_OP_ACCOUNT_GUARD_CLAIM:
    case FAKE_OP_ACCOUNT_GUARD_SUCCESS:
    case FAKE_OP_SESSION_REFRESH:
    case FAKE_OP_SIGN_UP:
        return E_UNAVAILABLE;
    case FAKE_OP_SESSION_CREATE:
    case FAKE_OP_SESSION_DELETE_TOKEN:
    case FAKE_OP_SESSION_DELETE_OF_USER:
    case FAKE_OP_SESSION_DELETE_ALL:
    case FAKE_OP_SESSION_DELETE_OTHERS:
    case FAKE_OP_PASSWORD_SET:
    case FAKE_OP_USER_UPDATE:
    case FAKE_OP_USER_DELETE:
    case FAKE_OP_MAIL_ISSUE:
    case FAKE_OP_PASSWORD_RESET:
    case FAKE_OP_EMAIL_CONFIRM:
    case FAKE_OP_ADMIN_USER_CHANGE:
    case FAKE_OP_ADMIN_USER_CREATE:
    case FAKE_OP_ADMIN_PASSWORD_SET:
    case FAKE_OP_ADMIN_SESSION_IMPERSONATE:
    case FAKE_OP_TWO_FACTOR_SAVE:
    case FAKE_OP_TWO_FACTOR_SET:
    case FAKE_OP_TWO_FACTOR_SWAP_CODES:
    case FAKE_OP_TWO_FACTOR_COUNT:
    case FAKE_OP_VERIFICATION_PUT:
    case FAKE_OP_VERIFICATION_TAKE:
        break;
    }
    return E_OUTCOME_UNKNOWN;
}

START_TEST(test_store_outcome_unknown)
{
    const struct scenario *sc = &scenarios[_i];
    unsigned used[FAKE_OP__MAX];
    struct response r = run_scenario(sc, -1, DB_OK);

    for (int op = 0; op < FAKE_OP__MAX; op++)
        used[op] = fake_store_calls(fs, (enum fake_op)op);
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        const char *want = unknown_answer((enum fake_op)op);

        if (used[op] == 0 || want == NULL)
            continue;
        /* Sign-out's deletion is the change asked for; an expired session's, housekeeping. */
        if (op == FAKE_OP_SESSION_DELETE_TOKEN && strstr(sc->name, "expired") != NULL)
            want = E_UNAVAILABLE;
        r = run_scenario(sc, op, DB_UNKNOWN);
        ck_assert_msg(r.status == 503 && r.body != NULL && strcmp(r.body, want) == 0,
                      "%s, %s -> unknown: status %d, body %s", sc->name,
                      fake_op_name((enum fake_op)op), r.status, r.body != NULL ? r.body : "(none)");
        ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
        ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") == 0, "%s, %s: Set-Cookie",
                      sc->name, fake_op_name((enum fake_op)op));
    }
}
END_TEST

/* ==== sign-up whose COMMIT answer was lost ================================================= */

#define ALICE_SIGN_UP                                                                              \
    "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\",\"name\":\"Alice\"}"

/* It committed: the lookup finds the row with the id this attempt drew, and the answer is the
 * sign-up's own (token, user, cookie), logged for the operator. */
START_TEST(test_sign_up_unknown_committed)
{
    struct response r;
    struct fake_user *u;
    const char *token, *log;

    fake_store_fail_after(fs, FAKE_OP_SIGN_UP, DB_UNKNOWN, 0);
    harness_capture_start();
    r = POST_JSON("/sign-up/email", .body = ALICE_SIGN_UP);
    log = harness_capture_end();
    assert_status(r, 200);
    u = fake_store_user_by_email(fs, ALICE_EMAIL);
    ck_assert_ptr_nonnull(u);
    token = jstr(body_json(&r), "token");
    ck_assert_msg(is_token(token), "token %s", token);
    assert_answer(r, 200,
                  arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", token, user_json(u->id)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 2);
    ck_assert_uint_eq(fake_store_session_count(fs, u->id), 1);
    ck_assert_msg(strstr(log, "event=sign_up_outcome_unknown lookup=ok settled=committed") != NULL,
                  "log: %s", log);
}
END_TEST

/* It did not commit, and nobody else took the address: nothing was done, 503 to retry. */
START_TEST(test_sign_up_unknown_not_committed)
{
    struct response r;
    const char *log;

    fake_store_fail(fs, FAKE_OP_SIGN_UP, DB_UNKNOWN, 0);
    harness_capture_start();
    r = POST_JSON("/sign-up/email", .body = ALICE_SIGN_UP);
    log = harness_capture_end();
    assert_answer(r, 503, E_UNAVAILABLE);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
    ck_assert_msg(strstr(log, "lookup=notfound settled=retry") != NULL, "log: %s", log);
}
END_TEST

/* Another sign-up took the address meanwhile (its row has another id): ours cannot have
 * committed, and the answer is the duplicate's. */
START_TEST(test_sign_up_unknown_taken)
{
    struct response r;

    seed_alice();
    fake_store_fail(fs, FAKE_OP_USER_BY_EMAIL, DB_NOTFOUND, 0); /* the first look misses it */
    fake_store_fail(fs, FAKE_OP_SIGN_UP, DB_UNKNOWN, 0);
    r = POST_JSON("/sign-up/email", .body = ALICE_SIGN_UP);
    assert_answer(r, 422, E_EXISTS);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_user_count(fs), 1);
    ck_assert_str_eq(fake_store_user_by_email(fs, ALICE_EMAIL)->id, ALICE_ID);
}
END_TEST

/* The lookup fails too: the outcome stays unknown, and the client is told so. */
START_TEST(test_sign_up_unknown_lookup_fails)
{
    struct response r;

    fake_store_fail_after(fs, FAKE_OP_SIGN_UP, DB_UNKNOWN, 0);
    fake_store_fail(fs, FAKE_OP_USER_BY_EMAIL, DB_RETRY, 1);
    r = POST_JSON("/sign-up/email", .body = ALICE_SIGN_UP);
    assert_answer(r, 503, E_OUTCOME_UNKNOWN);
    ck_assert_str_eq(handler_harness_header(&r, "Retry-After"), "7");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_user_count(fs), 1);
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("store failures");

    tcase_add_checked_fixture(tc, setup, teardown);
    LOOP(tc, test_store_failures, scenarios);
    tcase_add_test(tc, test_store_failure_get_session_after_refresh);
    tcase_add_test(tc, test_store_failure_rate_limit);
    LOOP(tc, test_store_outcome_unknown, scenarios);
    tcase_add_test(tc, test_sign_up_unknown_committed);
    tcase_add_test(tc, test_sign_up_unknown_not_committed);
    tcase_add_test(tc, test_sign_up_unknown_taken);
    tcase_add_test(tc, test_sign_up_unknown_lookup_fails);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
