/* check_handlers_bearer - the bearer plugin: set-auth-token on sign-up and sign-in, Authorization:
 * Bearer on reads and state-changing requests, and tokens only bearer clients are shown. Against
 * the fake store through router_dispatch, compared with Better Auth 1.7.25's answers (transcript
 * sections named as [main-NN] and the like); the shared world is handler_world.h. */
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

/* ==== the bearer plugin (bearer-01, bearer-02) ============================================ */

#define C_ID "77A2CPvOC0VEDn2XVcdrsTgHUtOMI4fC"

/* [bearer-01] a response that sets a session cookie carries set-auth-token: the decoded
 * signed form, and exposes the header. */
START_TEST(test_bearer_sign_up_and_in)
{
    struct response r;
    char *decoded, *encoded;
    const char *token;

    configure((struct config){.bearer = true});
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"bearer.632794@example.com\",\"password\":\"password123\","
                          "\"name\":\"B\"}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), decoded);
    ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"), "set-auth-token");
    assert_one_cookie(r, session_line(token, true));

    r = POST_JSON("/sign-in/email", .body = "{\"email\":\"bearer.632794@example.com\","
                                            "\"password\":\"password123\"}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), decoded);
    ck_assert_uint_eq(handler_harness_header_count(&r, "set-auth-token"), 1);
}
END_TEST

/* [bearer-02] Authorization: Bearer with the signed token (raw or percent-encoded); other
 * schemes are ignored; a signed value that does not verify falls back to the cookie. The bare
 * token, which get-session hands to any script on the page, opens nothing by default (Better
 * Auth's requireSignature: true): no lookup, and the cookie, if any, decides. With
 * AUTHFCGI_BEARER_UNSIGNED it counts as Better Auth's default takes it, an unknown one being
 * a stale session. */
static const struct {
    const char *authorization, *cookie;
    bool bearer_unsigned;
    bool valid;
    bool deletes; /* null + deletion cookies */
    bool looks_up;
} bearer_reads[] = {
    {"Bearer " C_SIGNED, NULL, false, true, false, true},
    {"Bearer " C_SIGNED, NULL, true, true, false, true},
    {"bearer " C_TOKEN "."
     "7t%2FtWMPksvkiRJ7deuY%2BBYQpt%2BaMQiOW3aypZ5FbIlc%3D",
     NULL, false, true, false, true},
    {"BEARER   " C_SIGNED "  ", NULL, false, true, false, true},
    {"Bearer " C_TOKEN, NULL, false, false, false, false},
    {"BEARER   " C_TOKEN "  ", NULL, false, false, false, false},
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084x", NULL, false, false, false, false},
    {"Bearer " C_TOKEN, C_COOKIE, false, true, false, true},
    {"Bearer " C_TOKEN, NULL, true, true, false, true},
    {"BEARER   " C_TOKEN "  ", NULL, true, true, false, true},
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084x", NULL, true, false, true, true},
    {"Basic Zm9vOmJhcg==", NULL, false, false, false, false},
    {"Bearer " C_TOKEN ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL, false, false, false,
     false},
    {"Bearer " C_TOKEN ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", C_COOKIE, false, true,
     false, true},
    {"Basic Zm9vOmJhcg==", C_COOKIE, false, true, false, true},
    /* A bare value longer than any token: no session, and certainly no 500. */
    {"Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084YChVwZOSehQfn", NULL, true, false, false, false},
    {"Bearer ", NULL, false, false, false, false},
};

START_TEST(test_bearer_get_session)
{
    struct response r;

    configure((struct config){.bearer = true, .bearer_unsigned = bearer_reads[_i].bearer_unsigned});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = GET("/get-session", .authorization = bearer_reads[_i].authorization,
            .cookie = bearer_reads[_i].cookie);
    assert_no_store(&r);
    if (bearer_reads[_i].valid) {
        assert_answer(r, 200, get_session_json(C_TOKEN));
        assert_no_cookies(r);
    } else {
        assert_answer(r, 200, "null");
        if (bearer_reads[_i].deletes)
            assert_deletion(r);
        else
            assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP),
                      bearer_reads[_i].looks_up ? 1 : 0);
}
END_TEST

/* [bearer-02] a state-changing call with only a bearer token: no Cookie, so no Origin is
 * needed; the response re-sends cookie and set-auth-token. Then sign-out by bearer deletes
 * the session, and the token is stale afterwards. The signed token by default; the bare one
 * with AUTHFCGI_BEARER_UNSIGNED (_i = 1). */
START_TEST(test_bearer_state_changing)
{
    const char *bearer = _i == 0 ? "Bearer " C_SIGNED : "Bearer " C_TOKEN;
    struct response r;

    configure((struct config){.bearer = true, .bearer_unsigned = _i == 1});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = POST_JSON("/update-user", .authorization = bearer, .body = "{\"name\":\"Via Bearer\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_one_cookie(r, C_COOKIE LIVE);
    ck_assert_str_eq(handler_harness_header(&r, "set-auth-token"), C_SIGNED);
    ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"), "set-auth-token");
    ck_assert_str_eq(fake_store_user(fs, ALICE_ID)->name, "Via Bearer");

    r = POST("/sign-out", .authorization = bearer);
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_ptr_null(handler_harness_header(&r, "set-auth-token"));
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);

    r = GET("/get-session", .authorization = bearer);
    assert_answer(r, 200, "null");
    assert_deletion(r);
}
END_TEST

/* The token get-session shows in its JSON (so any script on the page can read it, though the
 * cookie is HttpOnly) opens no session on its own: without its signature, a Bearer value is
 * no credential unless AUTHFCGI_BEARER_UNSIGNED says so. */
START_TEST(test_bearer_lifted_token)
{
    struct response r;
    const char *lifted;

    configure((struct config){.bearer = true});
    seed_alice();
    seed_live(C_ID, C_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = C_COOKIE);
    assert_status(r, 200);
    lifted = arena_printf(arena, "Bearer %s", jstr(body_json(&r), "session.token"));
    ck_assert_str_eq(lifted, "Bearer " C_TOKEN);

    r = POST_JSON("/update-user", .authorization = lifted, .body = "{\"name\":\"Lifted\"}");
    assert_answer(r, 401, E_UNAUTHORIZED);
    assert_no_cookies(r);
    ck_assert_str_ne(fake_store_user(fs, ALICE_ID)->name, "Lifted");
    r = GET("/list-sessions", .authorization = lifted);
    assert_answer(r, 401, E_UNAUTHORIZED);
    r = POST("/revoke-sessions", .authorization = lifted);
    assert_answer(r, 401, E_UNAUTHORIZED);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1); /* the cookie's only */
}
END_TEST

/* set-auth-token goes with a session the request starts (the password was given) and to a
 * request that came with the Bearer token; a request that authenticated with the HttpOnly
 * cookie gets the cookie again but no token, which scripts on the page could read from the
 * header (Better Auth sends it with every session cookie). */
static const struct {
    const char *what;
    struct request req;
    bool token; /* set-auth-token expected */
} auth_token_cases[] = {
    {"refresh by cookie", {.method = "GET", .path = API "/get-session", .cookie = C_COOKIE}, false},
    {"refresh by bearer",
     {.method = "GET", .path = API "/get-session", .authorization = "Bearer " C_SIGNED},
     true},
    {"update-user by cookie",
     {.method = "POST",
      .path = API "/update-user",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"name\":\"N\"}"},
     false},
    {"update-user by bearer",
     {.method = "POST",
      .path = API "/update-user",
      .content_type = JSON_CT,
      .authorization = "Bearer " C_SIGNED,
      .body = "{\"name\":\"N\"}"},
     true},
    {"sign-in with a cookie",
     {.method = "POST",
      .path = API "/sign-in/email",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}"},
     true},
    {"change-password revoking, by cookie",
     {.method = "POST",
      .path = API "/change-password",
      .content_type = JSON_CT,
      .cookie = C_COOKIE,
      .origin = FRONT,
      .body = "{\"currentPassword\":\"" PASSWORD "\",\"newPassword\":\"newpassword456\","
              "\"revokeOtherSessions\":true}"},
     true},
};

START_TEST(test_auth_token_only_to_bearer)
{
    struct response r;
    const char *token;

    configure((struct config){.bearer = true});
    seed_alice();
    seed_session(C_ID, C_TOKEN, ALICE_ID, 2 * HOUR_MS, 5 * DAY_MS); /* refresh due */
    r = dispatch(auth_token_cases[_i].req);
    ck_assert_msg(r.status == 200, "%s: status %d, body %s", auth_token_cases[_i].what, r.status,
                  r.body != NULL ? r.body : "(none)");
    ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") >= 1, "%s: no Set-Cookie",
                  auth_token_cases[_i].what);
    token = handler_harness_header(&r, "set-auth-token");
    if (auth_token_cases[_i].token) {
        ck_assert_msg(token != NULL, "%s: no set-auth-token", auth_token_cases[_i].what);
        ck_assert_str_eq(handler_harness_header(&r, "Access-Control-Expose-Headers"),
                         "set-auth-token");
    } else {
        ck_assert_msg(token == NULL, "%s: set-auth-token %s", auth_token_cases[_i].what, token);
        ck_assert_ptr_null(handler_harness_header(&r, "Access-Control-Expose-Headers"));
    }
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("bearer");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bearer_sign_up_and_in);
    LOOP(tc, test_bearer_get_session, bearer_reads);
    tcase_add_loop_test(tc, test_bearer_state_changing, 0, 2);
    tcase_add_test(tc, test_bearer_lifted_token);
    LOOP(tc, test_auth_token_only_to_bearer, auth_token_cases);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
