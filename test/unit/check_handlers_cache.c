/* check_handlers_cache - Better Auth's cookie cache (AUTHFCGI_COOKIE_CACHE) through
 * router_dispatch against the fake store: which answers write the session_data cookie, that
 * get-session with a valid one makes no store call at all, and how stale, tampered, bypassed
 * (?disableCookieCache) and state-changing requests fall back to the database, as Better Auth
 * 1.7.25 does (test/fixtures/cookie_cache/transcripts.txt). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/cookie_cache.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"

#define DATA "better-auth.session_data="
#define CACHE_ATTRS "; Max-Age=300" ATTRS

/* cache_on - the world of handler_world.h with the cookie cache on, as a worker would have it
 * with AUTHFCGI_COOKIE_CACHE=true. */
static void cache_on(void)
{
    app.cookie_cache = true;
    app.cookie_cache_max_age = COOKIE_CACHE_MAX_AGE_DEFAULT;
}

/* data_pair - "better-auth.session_data=VALUE" from the response's session_data Set-Cookie
 * line (asserted to be there, once, with attrs after the value). */
static const char *data_pair(const struct response *r, const char *attrs)
{
    const char *found = NULL;

    for (size_t i = 0; i < handler_harness_header_count(r, "Set-Cookie"); i++) {
        const char *line = handler_harness_header_nth(r, "Set-Cookie", i);

        if (strncmp(line, DATA, strlen(DATA)) == 0 && line[strlen(DATA)] != ';') {
            ck_assert_msg(found == NULL, "two session_data lines");
            found = line;
        }
    }
    ck_assert_msg(found != NULL, "no session_data line");
    ck_assert_str_eq(strchr(found, ';'), attrs);
    return arena_strndup(arena, found, (size_t)(strchr(found, ';') - found));
}

/* cached_get_session_json - get-session's body for raw's session as Better Auth 1.7.25
 * answers it from the cookie cache (the differential run with --cookie-cache): its zod schemas
 * put id, createdAt and updatedAt first, unlike the database's order. */
static const char *cached_get_session_json(const char *raw)
{
    struct fake_session *s = session_of(raw);
    struct fake_user *u;

    ck_assert_ptr_nonnull(s);
    u = fake_store_user(fs, s->user_id);
    ck_assert_ptr_nonnull(u);
    return arena_printf(
        arena,
        "{\"session\":{\"id\":\"%s\",\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"userId\":\"%s\","
        "\"expiresAt\":\"%s\",\"token\":\"%s\",\"ipAddress\":\"%s\",\"userAgent\":\"%s\"},"
        "\"user\":{\"id\":\"%s\",\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"email\":\"%s\","
        "\"emailVerified\":%s,\"name\":\"%s\",\"image\":%s%s%s}}",
        s->id, iso(s->created_ms), iso(s->updated_ms), s->user_id, iso(s->expires_ms), raw,
        s->ip_address, s->user_agent, u->id, iso(u->created_ms), iso(u->updated_ms), u->email,
        u->email_verified ? "true" : "false", u->name, u->image != NULL ? "\"" : "",
        u->image != NULL ? u->image : "null", u->image != NULL ? "\"" : "");
}

/* cached_session_cookies - the cache on, alice's session H live, and the Cookie header of a
 * browser that has been answered once: her session cookie and the session_data get-session
 * wrote with it. */
static const char *cached_session_cookies(void)
{
    struct response r;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = H_COOKIE);
    return arena_printf(arena, "%s; %s", H_COOKIE, data_pair(&r, CACHE_ATTRS));
}

/* A get-session answered by the database writes the cache; one that presents it is answered
 * without a single store call, with nothing set, and with the keys in the order Better Auth
 * answers from its cache. */
START_TEST(test_get_session_from_cache)
{
    struct response r;
    const char *data, *cookies, *body;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = H_COOKIE);
    body = arena_strdup(arena, r.body);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    data = data_pair(&r, CACHE_ATTRS);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 1);

    cookies = arena_printf(arena, "%s; %s", H_COOKIE, data);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = cookies);
    assert_answer(r, 200, cached_get_session_json(H_TOKEN));
    ck_assert_str_ne(r.body, body);
    assert_no_store(&r);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [cookiecache revoked] the session revoked elsewhere: the cache answers until it expires;
 * ?disableCookieCache=true (any truthy value) asks the database, which says null and deletes
 * the cookies, each once (Better Auth repeats session_data's deletion: README "Deviations"). */
START_TEST(test_revoked_session_until_expiry)
{
    struct response r;
    const char *cookies, *body;

    cookies = cached_session_cookies();
    body = cached_get_session_json(H_TOKEN);
    ck_assert_int_eq(app.store->ops->session_delete_all(app.store->impl, ALICE_ID), DB_OK);

    r = GET("/get-session", .cookie = cookies);
    assert_answer(r, 200, body);
    r = GET("/get-session", .cookie = cookies, .query = "disableCookieCache=true");
    assert_answer(r, 200, "null");
    assert_deletion(r);
    /* A state-changing request never trusts the cache. */
    r = POST("/revoke-sessions", .cookie = cookies, .origin = FRONT);
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* [cookiecache tampered] a session_data that fails its checks is deleted (one line), then the
 * database answers and writes a good one; another session's cookie likewise. */
START_TEST(test_stale_cache_replaced)
{
    struct response r;
    const char *data, *bad;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    seed_live(N_ID, N_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = N_COOKIE);
    data = data_pair(&r, CACHE_ATTRS);
    bad = arena_printf(arena, "%.*sA", (int)strlen(data) - 1, data);
    if (strcmp(bad, data) == 0)
        bad = arena_printf(arena, "%.*sB", (int)strlen(data) - 1, data);
    for (int i = 0; i < 2; i++) {
        const char *cookies = arena_printf(arena, "%s; %s", H_COOKIE, i == 0 ? bad : data);

        fake_store_reset_calls(fs);
        r = GET("/get-session", .cookie = cookies);
        assert_answer(r, 200, get_session_json(H_TOKEN));
        ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 2);
        ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), deletion[1]);
        (void)data_pair(&r, CACHE_ATTRS);
        ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
    }
}
END_TEST

/* [cookiecache no-token] session_data without a session token: null, nothing deleted, no
 * store call. */
START_TEST(test_cache_without_token)
{
    struct response r;
    const char *data;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = H_COOKIE);
    data = data_pair(&r, CACHE_ATTRS);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = data);
    assert_answer(r, 200, "null");
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* Off (the default), the same valid cookie is a stray one: deleted, and the database asked. */
START_TEST(test_cache_off_by_default)
{
    struct response r;
    const char *cookies;

    cookies = cached_session_cookies();
    configure((struct config){0});
    ck_assert(!app.cookie_cache);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = cookies);
    assert_answer(r, 200, get_session_json(H_TOKEN));
    assert_one_cookie(r, deletion[1]);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
}
END_TEST

/* [cookiecache signup, remember-false] sign-in writes the cache with the session cookie; with
 * rememberMe:false without Max-Age (and Better Auth's 60 s), and get-session then needs no
 * store call. */
START_TEST(test_sign_in_writes_cache)
{
    static const char *const bodies[] = {
        ALICE_SIGN_IN,
        "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\",\"rememberMe\":false}",
    };

    cache_on();
    seed_alice();
    for (int i = 0; i < 2; i++) {
        struct response r = POST_JSON("/sign-in/email", .origin = FRONT, .body = bodies[i]);
        const char *token, *cookies;

        assert_status(r, 200);
        token = jstr(body_json(&r), "token");
        cookies = arena_printf(arena, "%s; %s%s", session_cookie(token),
                               data_pair(&r, i == 0 ? CACHE_ATTRS : ATTRS),
                               i == 0 ? "" : "; " DONT_REMEMBER_PAIR);
        fake_store_reset_calls(fs);
        r = GET("/get-session", .cookie = cookies);
        assert_answer(r, 200, cached_get_session_json(token));
        ck_assert_uint_eq(fake_store_total_calls(fs), 0);
    }
}
END_TEST

/* update-user sends the cache again with the new name, so the next get-session shows it. */
START_TEST(test_update_user_rewrites_cache)
{
    struct response r;
    const char *cookies;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST_JSON("/update-user", .cookie = H_COOKIE, .origin = FRONT,
                  .body = "{\"name\":\"Renamed\"}");
    assert_answer(r, 200, STATUS_TRUE);
    cookies = arena_printf(arena, "%s; %s", H_COOKIE, data_pair(&r, CACHE_ATTRS));
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = cookies);
    ck_assert_str_eq(jstr(body_json(&r), "user.name"), "Renamed");
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* The authorizer answers from the cookie too: the FastCGI Authorizer role (any method) and
 * nginx's auth_request, without a store call; a session revoked meanwhile is still let in
 * until the cookie expires, and without the cookie it is not. */
START_TEST(test_authorizer_from_cache)
{
    struct response r;
    const char *cookies;

    cookies = cached_session_cookies();
    ck_assert_int_eq(app.store->ops->session_delete_all(app.store->impl, ALICE_ID), DB_OK);
    fake_store_reset_calls(fs);
    r = dispatch((struct request){.role = ROLE_AUTHORIZER,
                                  .method = "POST",
                                  .path = "/private/a",
                                  .cookie = cookies,
                                  .accept = "application/json"});
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_USER_ID"), ALICE_ID);
    ck_assert_str_eq(handler_harness_header(&r, "Variable-AUTH_SESSION_ID"), H_ID);
    r = dispatch((struct request){.method = "GET",
                                  .path = "/authfcgi-authorize",
                                  .authorize = "1",
                                  .original_uri = "/private/a",
                                  .original_method = "GET",
                                  .cookie = cookies,
                                  .accept = "application/json"});
    assert_status(r, 200);
    ck_assert_str_eq(handler_harness_header(&r, "X-Auth-User-Email"), ALICE_EMAIL);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);

    r = dispatch((struct request){.method = "GET",
                                  .path = "/authfcgi-authorize",
                                  .authorize = "1",
                                  .original_uri = "/private/a",
                                  .original_method = "GET",
                                  .cookie = H_COOKIE,
                                  .accept = "application/json"});
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

/* revoke-sessions resolves the session from the database (which writes the cache) and then
 * ends it: only the three deletion lines go out, never a valid session_data beside them. */
START_TEST(test_no_valid_cache_beside_deletion)
{
    struct response r;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST("/revoke-sessions", .cookie = H_COOKIE, .origin = FRONT);
    assert_answer(r, 200, STATUS_TRUE);
    assert_deletion(r);
}
END_TEST

/* change-password with revokeOtherSessions sets each cookie once (RFC 6265 4.1.1; README
 * "Deviations"): the new session's cookie and cache, and not first the cache its session lookup
 * wrote for the session it ends, which Better Auth sends ahead of them (the differential run
 * with --cookie-cache). */
START_TEST(test_revoke_others_cache_order)
{
    struct response r;
    const char *token, *line;

    cache_on();
    seed_alice();
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST_JSON("/change-password", .cookie = H_COOKIE, .origin = FRONT,
                  .body = "{\"currentPassword\":\"" PASSWORD "\",\"newPassword\":"
                          "\"another-horse-9\",\"revokeOtherSessions\":true}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 2);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), session_line(token, true));
    line = arena_strdup(arena, data_pair(&r, CACHE_ATTRS));
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = arena_printf(arena, "%s; %s", session_cookie(token), line));
    ck_assert_str_eq(jstr(body_json(&r), "session.token"), token);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* update-user and update-session are authorised from the cookie cache by Better Auth (its
 * sessionMiddleware): with a valid session_data it writes nothing while looking the session
 * up, so its 400 has no Set-Cookie (the differential run with --cookie-cache). authfcgi still
 * asks the database (README "Deviations"), and writes the cookie only where Better Auth, with
 * no usable session_data, would have asked it too. */
START_TEST(test_quiet_on_valid_cache)
{
    static const char *const paths[] = {API "/update-user", API "/update-session"};
    struct response r;
    const char *cookies;

    cookies = cached_session_cookies();
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        fake_store_reset_calls(fs);
        r = dispatch((struct request){.method = "POST",
                                      .path = paths[i],
                                      .content_type = JSON_CT,
                                      .cookie = cookies,
                                      .origin = FRONT,
                                      .body = "{}"});
        assert_answer(r, 400, "{\"message\":\"No fields to update\"}");
        assert_no_cookies(r);
        ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
        r = dispatch((struct request){.method = "POST",
                                      .path = paths[i],
                                      .content_type = JSON_CT,
                                      .cookie = H_COOKIE,
                                      .origin = FRONT,
                                      .body = "{}"});
        assert_status(r, 400);
        (void)data_pair(&r, CACHE_ATTRS);
    }
    /* the user changed in the database since: authfcgi acts on the database's answer */
    ck_assert_int_eq(app.store->ops->session_delete_all(app.store->impl, ALICE_ID), DB_OK);
    r = POST_JSON("/update-user", .cookie = cookies, .origin = FRONT, .body = "{}");
    assert_answer(r, 401, E_UNAUTHORIZED);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("cookie cache");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_get_session_from_cache);
    tcase_add_test(tc, test_revoked_session_until_expiry);
    tcase_add_test(tc, test_stale_cache_replaced);
    tcase_add_test(tc, test_cache_without_token);
    tcase_add_test(tc, test_cache_off_by_default);
    tcase_add_test(tc, test_sign_in_writes_cache);
    tcase_add_test(tc, test_update_user_rewrites_cache);
    tcase_add_test(tc, test_authorizer_from_cache);
    tcase_add_test(tc, test_no_valid_cache_beside_deletion);
    tcase_add_test(tc, test_revoke_others_cache_order);
    tcase_add_test(tc, test_quiet_on_valid_cache);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
