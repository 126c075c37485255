/* check_handlers_session - GET /get-session (cookie variants, sliding refresh, expiry,
 * dont_remember), /list-sessions and the revoke-session(s) endpoints. Against the fake store
 * through router_dispatch, compared with Better Auth 1.7.25's answers (transcript sections named as
 * [main-NN] and the like); the shared world is handler_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/account_guard.h"
#include "auth/cookie.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"

/* ==== GET /get-session ==================================================================== */

/* [main-20] no cookie: 200 null, no-store, and no database work at all. */
START_TEST(test_get_session_no_cookie)
{
    struct response r = GET("/get-session");

    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-20] a valid cookie, also with a foreign Origin (GET is never origin-checked). */
START_TEST(test_get_session_valid)
{
    static const char *const origins[] = {NULL, EVIL};

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    for (size_t i = 0; i < 2; i++) {
        struct response r = GET("/get-session", .cookie = H_COOKIE, .origin = origins[i]);

        assert_answer(r, 200, get_session_json(H_TOKEN));
        assert_no_store(&r);
        assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
}
END_TEST

/* [main-20, cookies-02] values that are no session: 200 null, no cookies, and - the point of
 * signing - not a single store call. */
static const struct {
    const char *cookie, *authorization;
} no_lookup[] = {
    {COOKIE_PAIR(H_TOKEN, "Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGAAAAOBA%3D"), NULL},
    {"better-auth.session_token=" H_TOKEN, NULL},
    {"better-auth.session_token=garbage", NULL},
    {"better-auth.session_token=" W_TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY+EH1fTU+Q93x48", NULL},
    {"__Secure-" W_COOKIE, NULL},
    {"better-auth.session_token=bogus.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; " W_COOKIE,
     NULL},
    {"better-auth.session_token=", NULL},
    {"better-auth.session_token=" H_TOKEN ".", NULL},
    {"other=" H_TOKEN, NULL},
    {NULL, "Bearer " H_TOKEN}, /* the bearer plugin is off: Authorization is ignored */
};

START_TEST(test_get_session_no_lookup)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live("wsession000000000000000000000000", W_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = no_lookup[_i].cookie,
            .authorization = no_lookup[_i].authorization);
    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* A correctly signed value of a length never issued is not looked up either. */
START_TEST(test_get_session_signed_odd_length)
{
    struct response r;

    r = GET("/get-session", .cookie = session_cookie("short-but-signed"));
    assert_answer(r, 200, "null");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [cookies-02] raw +/= signature, a quoted value, and the first of two cookies winning. */
static const char *const cookie_variants[] = {
    "better-auth.session_token=" W_TOKEN "." W_SIG_RAW,
    "better-auth.session_token=\"" W_TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D\"",
    W_COOKIE "; better-auth.session_token=bogus",
    "a=1; " W_COOKIE "; b=2",
};

START_TEST(test_get_session_cookie_variants)
{
    struct response r;

    seed_alice();
    seed_live("wsession000000000000000000000000", W_TOKEN, ALICE_ID);
    r = GET("/get-session", .query = "disableRefresh=true", .cookie = cookie_variants[_i]);
    assert_answer(r, 200, get_session_json(W_TOKEN));
}
END_TEST

/* [main-21] POST /get-session without deferSessionRefresh. */
START_TEST(test_get_session_post)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST("/get-session", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 405,
                  "{\"message\":\"POST method requires deferSessionRefresh to be enabled in "
                  "session config\",\"code\":\"METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED\"}");
    assert_no_store(&r);
    assert_no_cookies(r);
}
END_TEST

/* [main-22] last extended over a day ago: the row gets now + 7 days and the cookie is re-sent
 * (byte for byte the recorded line); the next request within a day writes nothing. */
START_TEST(test_get_session_sliding_refresh)
{
    struct response r;
    struct fake_session *s;
    int64_t before = fake_store_now_ms();

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_status(r, 200);
    assert_one_cookie(r, H_COOKIE LIVE);
    assert_no_store(&r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
    s = session_of(H_TOKEN);
    ck_assert_int_ge(s->expires_ms, before + 7 * DAY_MS);
    ck_assert_int_eq(s->expires_ms - s->updated_ms, 7 * DAY_MS);
    ck_assert_int_lt(s->created_ms, s->updated_ms);
    assert_answer(r, 200, get_session_json(H_TOKEN));

    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
}
END_TEST

/* [main-22] ?disableRefresh with any non-empty value (JavaScript truthiness of the text)
 * prevents the refresh; an empty value does not. */
static const struct {
    const char *query;
    bool refreshes;
} disable_refresh[] = {
    {"disableRefresh=true", false},
    {"disableRefresh=false", false},
    {"disableRefresh=0", false},
    {"disableCookieCache=true&disableRefresh=1", false},
    {"disableRefresh=", true},
    {"disableCookieCache=true", true},
    {"", true},
};

START_TEST(test_get_session_disable_refresh)
{
    struct response r;
    int64_t expires;

    seed_alice();
    expires = seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS)->expires_ms;
    r = GET("/get-session", .query = disable_refresh[_i].query, .cookie = H_COOKIE);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH),
                      disable_refresh[_i].refreshes ? 1 : 0);
    if (disable_refresh[_i].refreshes) {
        assert_one_cookie(r, H_COOKIE LIVE);
    } else {
        assert_no_cookies(r);
        ck_assert_int_eq(session_of(H_TOKEN)->expires_ms, expires);
    }
}
END_TEST

/* [main-23] an expired row: null, the three deletion cookies, and the row is deleted. */
START_TEST(test_get_session_expired)
{
    struct response r;

    seed_alice();
    seed_session("ksession000000000000000000000000", K_TOKEN, ALICE_ID, 7 * DAY_MS, -SEC_MS);
    r = GET("/get-session", .cookie = K_COOKIE);
    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-28, main-35] well signed but no such row: null and the deletion cookies. */
START_TEST(test_get_session_stale)
{
    struct response r = GET("/get-session", .cookie = H_COOKIE);

    assert_answer(r, 200, "null");
    assert_no_store(&r);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
}
END_TEST

/* [main-24] a valid dont_remember cookie: no refresh even when due, no cookie. */
START_TEST(test_get_session_dont_remember)
{
    struct response r;
    int64_t expires;

    seed_alice();
    expires =
        seed_session("rsession000000000000000000000000", R_TOKEN, ALICE_ID, 0, HOUR_MS)->expires_ms;
    r = GET("/get-session", .cookie = R_COOKIE "; " DONT_REMEMBER_PAIR);
    assert_answer(r, 200, get_session_json(R_TOKEN));
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
    ck_assert_int_eq(session_of(R_TOKEN)->expires_ms, expires);

    /* A dont_remember cookie whose signature does not verify counts for nothing. */
    r = GET("/get-session", .cookie = R_COOKIE "; better-auth.dont_remember=true."
                                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
    assert_status(r, 200);
    assert_one_cookie(r, R_COOKIE LIVE);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
}
END_TEST

/* §17 / PROTOCOL.md §12: with the cookie cache off, a stray session_data cookie gets exactly
 * one deletion line, with or without a session. */
START_TEST(test_get_session_stray_session_data)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = "better-auth.session_data=eyJzZXNzaW9uIjp7fX0");
    assert_answer(r, 200, "null");
    assert_one_cookie(r, deletion[1]);

    r = GET("/get-session", .cookie = H_COOKIE "; better-auth.session_data=eyJzZXNzaW9uIjp7fX0");
    assert_answer(r, 200, get_session_json(H_TOKEN));
    assert_one_cookie(r, deletion[1]);
}
END_TEST

/* many_chunks - a Cookie header with the session cookie (when cookie is non-NULL) and n
 * session_data chunks, in the arena. */
static const char *many_chunks(const char *cookie, int n)
{
    const char *h = cookie != NULL ? cookie : "a=1";

    for (int i = 0; i < n; i++)
        h = arena_printf(arena, "%s; better-auth.session_data.%d=x", h, i);
    return h;
}

/* One deletion line per session_data chunk the client sends (up to Better Auth's 100 and the
 * cookie itself): more lines than a response first has room for. That used to abort the
 * worker (16 headers at most), from get-session and sign-out without any session. */
START_TEST(test_many_session_data_chunks)
{
    struct response r;

    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = many_chunks(NULL, 20));
    assert_answer(r, 200, "null");
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 20);

    r = GET("/get-session", .cookie = many_chunks(H_COOKIE, 150));
    assert_answer(r, 200, get_session_json(H_TOKEN));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), COOKIE_CHUNK_DELETIONS_MAX);

    r = POST("/sign-out", .cookie = many_chunks(H_COOKIE, 150), .origin = FRONT);
    assert_answer(r, 200, "{\"success\":true}");
    ck_assert_ptr_null(session_of(H_TOKEN));
    /* session_token, session_data, dont_remember and a chunk line up to the cap */
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"),
                      COOKIE_CHUNK_DELETIONS_MAX + 3);
}
END_TEST

/* A session whose user is gone (deleted elsewhere) is no session. */
START_TEST(test_get_session_user_gone)
{
    struct response r;

    seed_live(H_ID, H_TOKEN, "nobody-nobody-nobody-nobody-1234");
    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);
}
END_TEST

/* ==== GET /list-sessions ================================================================== */

/* seed_listing - Alice's sessions (three live, one expired) and one of Bob's. */
static void seed_listing(void)
{
    seed_alice();
    seed_bob();
    seed_session("oldest00000000000000000000000000", "oldestTokenoldestTokenoldestToke", ALICE_ID,
                 3 * HOUR_MS, 7 * DAY_MS - 3 * HOUR_MS);
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 7 * DAY_MS - 2 * HOUR_MS);
    seed_session("expired0000000000000000000000000", "expiredTokenexpiredTokenexpiredT", ALICE_ID,
                 2 * HOUR_MS, -SEC_MS);
    seed_session("newest00000000000000000000000000", "newestTokennewestTokennewestToke", ALICE_ID,
                 HOUR_MS, 7 * DAY_MS - HOUR_MS);
    seed_live("bobsession000000000000000000000a", B_TOKEN, BOB_ID);
}

/* [main-25] every live session of the user, oldest first, each with its token. */
START_TEST(test_list_sessions)
{
    struct response r;

    seed_listing();
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_answer(r, 200,
                  arena_printf(arena, "[%s,%s,%s]",
                               session_json(session_of("oldestTokenoldestTokenoldestToke"),
                                            "oldestTokenoldestTokenoldestToke"),
                               session_json(session_of(H_TOKEN), H_TOKEN),
                               session_json(session_of("newestTokennewestTokennewestToke"),
                                            "newestTokennewestTokennewestToke")));
    assert_no_cookies(r);
}
END_TEST

/* Hashed storage (deliberate deviation, issue item 6): the current session shows its real
 * token, the others a handle (their id); no stored digest leaves the server. */
START_TEST(test_list_sessions_hashed)
{
    struct response r;
    struct json_object *j;

    configure((struct config){.hash = true});
    seed_listing();
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_answer(
        r, 200,
        arena_printf(arena, "[%s,%s,%s]",
                     session_json(fake_store_session(fs, "oldest00000000000000000000000000"),
                                  "oldest00000000000000000000000000"),
                     session_json(session_of(H_TOKEN), H_TOKEN),
                     session_json(fake_store_session(fs, "newest00000000000000000000000000"),
                                  "newest00000000000000000000000000")));
    j = body_json(&r);
    ck_assert_uint_eq(json_object_array_length(j), 3);
    for (size_t i = 0; fake_store_session_at(fs, i) != NULL; i++)
        ck_assert_ptr_null(strstr(r.body, fake_store_session_at(fs, i)->token));
}
END_TEST

/* [main-25] every route that needs a session refreshes it like get-session does. */
START_TEST(test_list_sessions_refreshes)
{
    struct response r;

    seed_alice();
    seed_session(H_ID, H_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS);
    r = GET("/list-sessions", .cookie = H_COOKIE);
    assert_status(r, 200);
    assert_one_cookie(r, H_COOKIE LIVE);
    assert_answer(r, 200, arena_printf(arena, "[%s]", session_json(session_of(H_TOKEN), H_TOKEN)));
}
END_TEST

/* [main-25] no session: 401; a session created over a day ago: 403 SESSION_NOT_FRESH. */
START_TEST(test_list_sessions_refused)
{
    struct response r;

    seed_alice();
    seed_session("osession000000000000000000000000", O_TOKEN, ALICE_ID, 2 * DAY_MS,
                 7 * DAY_MS - HOUR_MS);
    r = GET("/list-sessions");
    assert_answer(r, 401, E_UNAUTHORIZED);
    assert_no_cookies(r);
    r = GET("/list-sessions", .cookie = O_COOKIE);
    assert_answer(r, 403, "{\"message\":\"Session is not fresh\",\"code\":\"SESSION_NOT_FRESH\"}");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LIST), 0);
}
END_TEST

/* ==== POST /revoke-session, /revoke-sessions, /revoke-other-sessions ====================== */

static void seed_revoking(void)
{
    seed_alice();
    seed_bob();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
    seed_live(B_ID, B_TOKEN, BOB_ID);
}

static struct response revoke(const char *cookie, const char *origin, const char *body)
{
    return POST_JSON("/revoke-session", .cookie = cookie, .origin = origin, .body = body);
}

/* [main-26] another own session: deleted, no cookies; another user's token and an unknown
 * token: 200 and nothing deleted. */
START_TEST(test_revoke_session)
{
    struct response r;

    seed_revoking();
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" A2_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_null(session_of(A2_TOKEN));
    ck_assert_ptr_nonnull(session_of(H_TOKEN));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_nonnull(session_of(B_TOKEN));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"nope\"}");
    assert_answer(r, 200, STATUS_TRUE);
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_ID "\"}"); /* ids are no tokens in plain mode */
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(session_of(B_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 2);
}
END_TEST

/* [main-26] revoking the current session also deletes the cookies. */
START_TEST(test_revoke_current_session)
{
    struct response r;

    seed_revoking();
    seed_live("dsession000000000000000000000000", D_TOKEN, ALICE_ID);
    r = revoke(D_COOKIE, FRONT, "{\"token\":\"" D_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_ptr_null(session_of(D_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 2);
}
END_TEST

/* [main-26] refused: missing token, no session, no Origin with the cookie. */
static const struct {
    const char *cookie, *origin, *body;
    int status;
    const char *answer;
} revoke_refused[] = {
    {H_COOKIE, FRONT, "{}", 400, E_VALIDATION(UNDEF("token"))},
    {NULL, FRONT, "{\"token\":\"" A2_TOKEN "\"}", 401, E_UNAUTHORIZED},
    {H_COOKIE, NULL, "{\"token\":\"" A2_TOKEN "\"}", 403, E_MISSING_ORIGIN},
    {H_COOKIE, EVIL, "{\"token\":\"" A2_TOKEN "\"}", 403, E_INVALID_ORIGIN},
    {H_COOKIE, FRONT, "{\"token\":42}", 400,
     E_VALIDATION("[body.token] Invalid input: expected string, received number")},
};

START_TEST(test_revoke_session_refused)
{
    struct response r;

    seed_revoking();
    r = revoke(revoke_refused[_i].cookie, revoke_refused[_i].origin, revoke_refused[_i].body);
    assert_answer(r, revoke_refused[_i].status, revoke_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 3);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_DELETE_OF_USER), 0);
}
END_TEST

/* Hashed storage: the handle list-sessions shows (the id) revokes the owner's session, not
 * another user's; the raw token still works. */
START_TEST(test_revoke_session_hashed_handle)
{
    struct response r;

    configure((struct config){.hash = true});
    seed_revoking();
    seed_live("a3session00000000000000000000000", "a3tokena3tokena3tokena3tokena3to", ALICE_ID);
    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" B_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(fake_store_session(fs, B_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" A2_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_ptr_null(fake_store_session(fs, A2_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"a3tokena3tokena3tokena3tokena3to\"}");
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_null(fake_store_session(fs, "a3session00000000000000000000000"));

    /* The stored digest itself is no handle. */
    r = revoke(H_COOKIE, FRONT,
               arena_printf(arena, "{\"token\":\"%s\"}", fake_store_session(fs, B_ID)->token));
    assert_answer(r, 200, STATUS_TRUE);
    ck_assert_ptr_nonnull(fake_store_session(fs, B_ID));

    r = revoke(H_COOKIE, FRONT, "{\"token\":\"" H_ID "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* [main-28] every session of the user, the current one too, and the cookies. */
START_TEST(test_revoke_sessions)
{
    struct response r;

    seed_revoking();
    seed_live("msession000000000000000000000000", M_TOKEN, ALICE_ID);
    r = POST("/revoke-sessions", .cookie = M_COOKIE, .origin = FRONT);
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);

    r = GET("/get-session", .cookie = H_COOKIE);
    assert_answer(r, 200, "null");
    assert_deletion(r);

    r = POST("/revoke-sessions", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* [main-27] all but the current session, no cookies; with or without the client's {}. */
START_TEST(test_revoke_other_sessions)
{
    struct response r;

    seed_revoking();
    seed_live("a3session00000000000000000000000", "a3tokena3tokena3tokena3tokena3to", ALICE_ID);
    r = POST("/revoke-other-sessions", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 200, STATUS_TRUE);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_ptr_nonnull(session_of(H_TOKEN));
    ck_assert_uint_eq(fake_store_session_count(fs, BOB_ID), 1);

    r = POST_JSON("/revoke-other-sessions", .cookie = H_COOKIE, .origin = FRONT, .body = "{}");
    assert_answer(r, 200, STATUS_TRUE);

    r = POST("/revoke-other-sessions", .origin = FRONT);
    assert_answer(r, 401, E_UNAUTHORIZED);
    r = POST("/revoke-other-sessions", .cookie = H_COOKIE);
    assert_answer(r, 403, E_MISSING_ORIGIN);
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("sessions");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_get_session_no_cookie);
    tcase_add_test(tc, test_get_session_valid);
    LOOP(tc, test_get_session_no_lookup, no_lookup);
    tcase_add_test(tc, test_get_session_signed_odd_length);
    LOOP(tc, test_get_session_cookie_variants, cookie_variants);
    tcase_add_test(tc, test_get_session_post);
    tcase_add_test(tc, test_get_session_sliding_refresh);
    LOOP(tc, test_get_session_disable_refresh, disable_refresh);
    tcase_add_test(tc, test_get_session_expired);
    tcase_add_test(tc, test_get_session_stale);
    tcase_add_test(tc, test_get_session_dont_remember);
    tcase_add_test(tc, test_get_session_stray_session_data);
    tcase_add_test(tc, test_many_session_data_chunks);
    tcase_add_test(tc, test_get_session_user_gone);
    tcase_add_test(tc, test_list_sessions);
    tcase_add_test(tc, test_list_sessions_hashed);
    tcase_add_test(tc, test_list_sessions_refreshes);
    tcase_add_test(tc, test_list_sessions_refused);
    tcase_add_test(tc, test_revoke_session);
    tcase_add_test(tc, test_revoke_current_session);
    LOOP(tc, test_revoke_session_refused, revoke_refused);
    tcase_add_test(tc, test_revoke_session_hashed_handle);
    tcase_add_test(tc, test_revoke_sessions);
    tcase_add_test(tc, test_revoke_other_sessions);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
