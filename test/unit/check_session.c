/* check_session - the session module's contract (session.h) over the fake store: the stored
 * form of tokens, session_resolve for every kind of presented credential and row (none, bad
 * signature, unknown, expired, valid, due for the sliding refresh, dont_remember,
 * ?disableRefresh, bearer) with the store calls each may make and the failures it passes on,
 * and the cookies of new, refreshed and ended sessions. Tokens and signatures are the
 * reference peer's (handler_harness.h). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "util/random.h"
#include "auth/session.h"
#include "global/settings.h"

#define ATTRS "; Path=/; HttpOnly; SameSite=Lax"
#define H_SIGNED H_TOKEN ".Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2/AsGOBA="
#define DONT_REMEMBER_PAIR                                                                         \
    "better-auth.dont_remember=true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D"
/* H_TOKEN with N_TOKEN's signature: well formed, badly signed. */
#define H_FORGED COOKIE_PAIR(H_TOKEN, "RlgNvZ677GG2QcRUxTBEyhjZZ170K3TilXU46ZB1MN8%3D")
/* SHA-256("abc"), FIPS 180-2. */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct response resp;

static struct settings configured(bool hash, bool bearer)
{
    struct settings s = harness_settings();

    s.session_storage = hash ? SESSION_STORAGE_HASH : SESSION_STORAGE_PLAIN;
    s.bearer = bearer;
    s.delete_user = true;
    return s;
}

static void configure(bool hash, bool bearer)
{
    struct settings s = configured(hash, bearer);

    harness_app_rebuild(&s);
}

static void setup(void)
{
    struct settings s = configured(false, false);

    harness_app_new(&s);
    response_init(&resp, arena);
}

/* seed_h - Alice and a session with H_TOKEN in the configured stored form, created
 * created_ago_ms ago, expiring expires_in_ms from now. */
static struct fake_session *seed_h(int64_t created_ago_ms, int64_t expires_in_ms)
{
    char stored[SESSION_STORED_TOKEN_SIZE];
    int64_t now = fake_store_now_ms();

    handler_harness_seed_alice(fs, &app);
    ck_assert_int_eq(session_stored_token(&app, H_TOKEN, stored), 0);
    return fake_store_add_session(fs, H_ID, stored, ALICE_ID, "UA", now - created_ago_ms,
                                  now + expires_in_ms);
}

/* A session an hour old and not due for the sliding refresh; one two days old, due. */
#define LIVE HOUR_MS, 7 * DAY_MS - HOUR_MS
#define DUE 2 * DAY_MS, 5 * DAY_MS

static enum db_status resolve(struct request req, bool refresh, struct session_state *st)
{
    if (req.query == NULL)
        req.query = "";
    if (req.remote_addr == NULL)
        req.remote_addr = PEER;
    req.client_ip = PEER;
    req.arena = arena;
    return session_resolve(&app, &req, &resp, refresh ? SESSION_REFRESH : 0, st);
}

static size_t set_cookie_count(void)
{
    return handler_harness_header_count(&resp, "Set-Cookie");
}

/* ---- stored tokens ------------------------------------------------------------------------ */

START_TEST(test_stored_token_plain)
{
    char out[SESSION_STORED_TOKEN_SIZE];
    char too_long[SESSION_STORED_TOKEN_SIZE + 1];

    ck_assert_int_eq(session_stored_token(&app, H_TOKEN, out), 0);
    ck_assert_str_eq(out, H_TOKEN);
    memset(too_long, 'a', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    ck_assert_int_eq(session_stored_token(&app, too_long, out), -1);
}
END_TEST

START_TEST(test_stored_token_hash)
{
    char out[SESSION_STORED_TOKEN_SIZE];

    configure(true, false);
    ck_assert_int_eq(session_stored_token(&app, "abc", out), 0);
    ck_assert_str_eq(out, SHA_ABC);
    ck_assert_int_eq(session_stored_token(&app, H_TOKEN, out), 0);
    ck_assert_uint_eq(strlen(out), 64);
    ck_assert_str_ne(out, H_TOKEN);
}
END_TEST

/* ---- session_resolve ---------------------------------------------------------------------- */

/* No credential, a forged signature, or a signed value that is not a token: no session and no
 * store call at all. */
static const char *const no_lookup[] = {
    NULL,
    H_FORGED,
    "better-auth.session_token=" H_TOKEN,
    COOKIE_PAIR("short", "RlgNvZ677GG2QcRUxTBEyhjZZ170K3TilXU46ZB1MN8%3D"),
    "other=1",
};

START_TEST(test_resolve_no_lookup)
{
    struct session_state st;

    seed_h(LIVE);
    fake_store_reset_calls(fs);
    ck_assert_int_eq(
        resolve(
            (struct request){.method = "GET", .path = API "/get-session", .cookie = no_lookup[_i]},
            true, &st),
        DB_OK);
    ck_assert_int_eq(st.found, SESSION_NONE);
    ck_assert_str_eq(st.token, "");
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
    ck_assert_uint_eq(resp.nheaders, 0);
}
END_TEST

/* A valid session: the record shows the RAW token (never the stored digest), its user comes
 * along, one lookup, and nothing is written when it is not due. */
START_TEST(test_resolve_valid)
{
    struct session_state st;

    configure(true, false);
    seed_h(LIVE);
    fake_store_reset_calls(fs);
    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, true, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_VALID);
    ck_assert_str_eq(st.token, H_TOKEN);
    ck_assert(arena_holds(arena, st.token, sizeof H_TOKEN)); /* wiped when the request ends */
    ck_assert_str_eq(st.session.token, H_TOKEN);
    ck_assert_str_eq(st.session.id, H_ID);
    ck_assert_str_eq(st.user.id, ALICE_ID);
    ck_assert_str_eq(st.user.email, ALICE_EMAIL);
    ck_assert(!st.via_bearer);
    ck_assert(!st.dont_remember);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1);
    ck_assert_uint_eq(set_cookie_count(), 0);
}
END_TEST

/* Well signed but no such row: stale, the token kept so the caller can clear the cookie. */
START_TEST(test_resolve_unknown)
{
    struct session_state st;

    handler_harness_seed_alice(fs, &app);
    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, true, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_STALE);
    ck_assert_str_eq(st.token, H_TOKEN);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_LOOKUP), 1);
}
END_TEST

/* An expired row is stale and deleted on the way. */
START_TEST(test_resolve_expired)
{
    struct session_state st;

    seed_h(7 * DAY_MS, -SEC_MS);
    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, true, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_STALE);
    ck_assert_ptr_null(fake_store_session(fs, H_ID));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_DELETE_TOKEN), 1);
    ck_assert_uint_eq(set_cookie_count(), 0);
}
END_TEST

/* Due for the sliding refresh: extended by SESSION_EXPIRES_IN_S from now, and the cookie sent
 * again; without refresh nothing is written. */
START_TEST(test_resolve_refresh)
{
    struct session_state st;
    struct fake_session *row = seed_h(DUE);
    int64_t before = fake_store_now_ms();

    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, false, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_VALID);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
    ck_assert_uint_eq(set_cookie_count(), 0);

    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, true, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_VALID);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
    row = fake_store_session(fs, H_ID);
    ck_assert_int_ge(row->expires_ms, before + (int64_t)SESSION_EXPIRES_IN_S * 1000);
    ck_assert_int_eq(st.session.expires_at_ms, row->expires_ms);
    ck_assert_str_eq(st.session.token, H_TOKEN);
    ck_assert_uint_eq(set_cookie_count(), 1);
    ck_assert_str_eq(handler_harness_header(&resp, "Set-Cookie"),
                     H_COOKIE "; Max-Age=604800" ATTRS);
}
END_TEST

/* dont_remember and any non-empty ?disableRefresh (JavaScript truthiness: "false" too) keep a
 * due session as it is. */
static const struct {
    const char *cookie;
    const char *query;
    bool dont_remember;
} no_refresh[] = {
    {H_COOKIE "; " DONT_REMEMBER_PAIR, "", true},
    {H_COOKIE, "disableRefresh=true", false},
    {H_COOKIE, "a=1&disableRefresh=false", false},
};

START_TEST(test_resolve_no_refresh)
{
    struct session_state st;

    seed_h(DUE);
    ck_assert_int_eq(resolve((struct request){.method = "GET",
                                              .cookie = no_refresh[_i].cookie,
                                              .query = no_refresh[_i].query},
                             true, &st),
                     DB_OK);
    ck_assert_int_eq(st.found, SESSION_VALID);
    ck_assert(st.dont_remember == no_refresh[_i].dont_remember);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 0);
    ck_assert_uint_eq(set_cookie_count(), 0);
}
END_TEST

/* An empty ?disableRefresh= is falsy: the due session is refreshed. */
START_TEST(test_resolve_empty_disable_refresh)
{
    struct session_state st;

    seed_h(DUE);
    ck_assert_int_eq(
        resolve((struct request){.method = "GET", .cookie = H_COOKIE, .query = "disableRefresh="},
                true, &st),
        DB_OK);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_REFRESH), 1);
}
END_TEST

/* With the bearer plugin the Authorization header is read first; without it, ignored. */
START_TEST(test_resolve_bearer)
{
    struct session_state st;

    seed_h(LIVE);
    ck_assert_int_eq(
        resolve((struct request){.method = "GET", .authorization = "Bearer " H_SIGNED}, true, &st),
        DB_OK);
    ck_assert_int_eq(st.found, SESSION_NONE);
    configure(false, true);
    ck_assert_int_eq(
        resolve((struct request){.method = "GET", .authorization = "Bearer " H_SIGNED}, true, &st),
        DB_OK);
    ck_assert_int_eq(st.found, SESSION_VALID);
    ck_assert(st.via_bearer);
    ck_assert_str_eq(st.token, H_TOKEN);
    ck_assert(arena_holds(arena, st.token, sizeof H_TOKEN));
}
END_TEST

/* The store's RETRY/FAIL come back as they are; a row revoked between lookup and refresh is
 * stale, not an error. */
static const struct {
    enum fake_op op;
    enum db_status failure;
    bool due;
    bool expired;
    enum db_status want;
} failures[] = {
    {FAKE_OP_SESSION_LOOKUP, DB_RETRY, false, false, DB_RETRY},
    {FAKE_OP_SESSION_LOOKUP, DB_FAIL, false, false, DB_FAIL},
    {FAKE_OP_SESSION_REFRESH, DB_RETRY, true, false, DB_RETRY},
    {FAKE_OP_SESSION_REFRESH, DB_FAIL, true, false, DB_FAIL},
    {FAKE_OP_SESSION_REFRESH, DB_NOTFOUND, true, false, DB_OK},
    {FAKE_OP_SESSION_DELETE_TOKEN, DB_RETRY, false, true, DB_RETRY},
    {FAKE_OP_SESSION_DELETE_TOKEN, DB_NOTFOUND, false, true, DB_OK},
};

START_TEST(test_resolve_store_failures)
{
    struct session_state st;

    if (failures[_i].expired)
        seed_h(7 * DAY_MS, -SEC_MS);
    else if (failures[_i].due)
        seed_h(DUE);
    else
        seed_h(LIVE);
    fake_store_fail(fs, failures[_i].op, failures[_i].failure, 0);
    ck_assert_int_eq(resolve((struct request){.method = "GET", .cookie = H_COOKIE}, true, &st),
                     failures[_i].want);
    if (failures[_i].want == DB_OK)
        ck_assert_int_eq(st.found, SESSION_STALE);
    ck_assert_uint_eq(set_cookie_count(), 0);
}
END_TEST

/* ---- new sessions and their cookies ------------------------------------------------------- */

static bool is_token(const char *s)
{
    if (strlen(s) != RANDOM_TOKEN_LEN)
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

START_TEST(test_new)
{
    struct request req = {.method = "POST", .client_ip = "198.51.100.7", .user_agent = "UA/1"};
    struct new_session ns;
    char raw[RANDOM_TOKEN_LEN + 1], stored[SESSION_STORED_TOKEN_SIZE], id[RANDOM_TOKEN_LEN + 1];
    char again[SESSION_STORED_TOKEN_SIZE];

    configure(true, false);
    ck_assert_int_eq(session_new(&app, &req, ALICE_ID, true, &ns, raw, stored, id), 0);
    ck_assert(is_token(raw));
    ck_assert(is_token(id));
    ck_assert_str_ne(raw, id);
    ck_assert_ptr_eq(ns.token, stored);
    ck_assert_ptr_eq(ns.id, id);
    ck_assert_int_eq(session_stored_token(&app, raw, again), 0);
    ck_assert_str_eq(stored, again);
    ck_assert_str_eq(ns.user_id, ALICE_ID);
    ck_assert_int_eq(ns.expires_in_s, SESSION_EXPIRES_IN_S);
    ck_assert_str_eq(ns.ip_address, "198.51.100.7");
    ck_assert_str_eq(ns.user_agent, "UA/1");
}
END_TEST

/* rememberMe:false rows live a day; unknown address and agent are "" (never NULL). */
START_TEST(test_new_short)
{
    struct request req = {.method = "POST"};
    struct new_session ns;
    char raw[RANDOM_TOKEN_LEN + 1], stored[SESSION_STORED_TOKEN_SIZE], id[RANDOM_TOKEN_LEN + 1];
    char raw2[RANDOM_TOKEN_LEN + 1];

    ck_assert_int_eq(session_new(&app, &req, ALICE_ID, false, &ns, raw, stored, id), 0);
    ck_assert_int_eq(ns.expires_in_s, SESSION_SHORT_EXPIRES_S);
    ck_assert_str_eq(ns.ip_address, "");
    ck_assert_str_eq(ns.user_agent, "");
    ck_assert_str_eq(stored, raw); /* plain storage */
    memcpy(raw2, raw, sizeof(raw));
    ck_assert_int_eq(session_new(&app, &req, ALICE_ID, false, &ns, raw, stored, id), 0);
    ck_assert_str_ne(raw, raw2);
}
END_TEST

START_TEST(test_set_cookies)
{
    ck_assert_int_eq(session_set_cookies(&app, NULL, &resp, H_TOKEN, true), 0);
    ck_assert_uint_eq(resp.nheaders, 1);
    ck_assert_str_eq(handler_harness_header(&resp, "Set-Cookie"),
                     H_COOKIE "; Max-Age=604800" ATTRS);
}
END_TEST

/* rememberMe:false: a browser-session cookie plus the signed dont_remember. */
START_TEST(test_set_cookies_dont_remember)
{
    ck_assert_int_eq(session_set_cookies(&app, NULL, &resp, H_TOKEN, false), 0);
    ck_assert_uint_eq(set_cookie_count(), 2);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 0), H_COOKIE ATTRS);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 1), DONT_REMEMBER_PAIR ATTRS);
    ck_assert_ptr_null(handler_harness_header(&resp, "set-auth-token"));
}
END_TEST

/* A remembered session deletes a dont_remember cookie the request carried (Better Auth's
 * setSessionCookie), so an earlier "don't remember me" does not make this one short; one
 * that is not validly signed is not ours to delete. */
START_TEST(test_set_cookies_remember_deletes_dont_remember)
{
    struct request req = {.method = "POST", .cookie = "a=1; " DONT_REMEMBER_PAIR};

    ck_assert_int_eq(session_set_cookies(&app, &req, &resp, H_TOKEN, true), 0);
    ck_assert_uint_eq(set_cookie_count(), 2);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 0),
                     H_COOKIE "; Max-Age=604800" ATTRS);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 1),
                     "better-auth.dont_remember=; Max-Age=0" ATTRS);

    response_init(&resp, arena);
    req.cookie = "better-auth.dont_remember=true.forged";
    ck_assert_int_eq(session_set_cookies(&app, &req, &resp, H_TOKEN, true), 0);
    ck_assert_uint_eq(set_cookie_count(), 1);

    response_init(&resp, arena); /* not remembered: set again, never deleted */
    req.cookie = DONT_REMEMBER_PAIR;
    ck_assert_int_eq(session_set_cookies(&app, &req, &resp, H_TOKEN, false), 0);
    ck_assert_uint_eq(set_cookie_count(), 2);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 1), DONT_REMEMBER_PAIR ATTRS);
}
END_TEST

/* The bearer plugin adds the signed token, readable by scripts through the expose header. */
START_TEST(test_set_cookies_bearer)
{
    configure(false, true);
    ck_assert_int_eq(session_set_cookies(&app, NULL, &resp, H_TOKEN, true), 0);
    ck_assert_str_eq(handler_harness_header(&resp, "set-auth-token"), H_SIGNED);
    ck_assert_str_eq(handler_harness_header(&resp, "Access-Control-Expose-Headers"),
                     "set-auth-token");
}
END_TEST

/* Sent again, the token goes in a header only to a client that presented it as a Bearer. */
START_TEST(test_resend_cookies)
{
    struct session_state st = {.found = SESSION_VALID, .token = H_TOKEN};

    configure(false, true);
    ck_assert_int_eq(session_resend_cookies(&app, &resp, &st), 0);
    ck_assert_uint_eq(set_cookie_count(), 1);
    ck_assert_ptr_null(handler_harness_header(&resp, "set-auth-token"));
    response_init(&resp, arena);
    st.via_bearer = true;
    st.dont_remember = true;
    ck_assert_int_eq(session_resend_cookies(&app, &resp, &st), 0);
    ck_assert_uint_eq(set_cookie_count(), 2);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 0), H_COOKIE ATTRS);
    ck_assert_str_eq(handler_harness_header(&resp, "set-auth-token"), H_SIGNED);
}
END_TEST

START_TEST(test_clear_cookies)
{
    struct request req = {.method = "POST"};

    session_clear_cookies(&app, &req, &resp);
    ck_assert_uint_eq(set_cookie_count(), 3);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 0),
                     "better-auth.session_token=; Max-Age=0" ATTRS);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 1),
                     "better-auth.session_data=; Max-Age=0" ATTRS);
    ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 2),
                     "better-auth.dont_remember=; Max-Age=0" ATTRS);
}
END_TEST

/* Better Auth's deleteSessionCookie expires session_data, then its session store cleans every
 * session_data cookie and chunk the request carries (each name once, in the request's order):
 * the chunks are deleted too, session_data itself once (RFC 6265 4.1.1: Better Auth deletes it
 * twice, README "Deviations"). */
START_TEST(test_clear_cookies_cleans_cache)
{
    static const char *const cases[][5] = {
        {"better-auth.session_data=abc"},
        {"a=1; better-auth.session_data.1=x; better-auth.session_data=q; "
         "better-auth.session_data.0=y; better-auth.session_data.1=z",
         "better-auth.session_data.1", "better-auth.session_data.0"},
        /* not chunks, or values better-auth's parseCookies skips */
        {"better-auth.session_data.01=x; better-auth.session_data.=x; better-auth.session_datax=1;"
         " better-auth.session_data.2a=x; better-auth.session_data.3=a\\b; "
         "x.better-auth.session_data=1"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct request req = {.method = "POST", .cookie = cases[i][0]};
        size_t n = 0;

        response_init(&resp, arena);
        session_clear_cookies(&app, &req, &resp);
        while (n + 1 < 5 && cases[i][n + 1] != NULL)
            n++;
        ck_assert_uint_eq(set_cookie_count(), 3 + n);
        ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 1),
                         "better-auth.session_data=; Max-Age=0" ATTRS);
        for (size_t k = 0; k < n; k++)
            ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 2 + k),
                             arena_printf(arena, "%s=; Max-Age=0%s", cases[i][k + 1], ATTRS));
        ck_assert_str_eq(handler_harness_header_nth(&resp, "Set-Cookie", 2 + n),
                         "better-auth.dont_remember=; Max-Age=0" ATTRS);
    }
}
END_TEST

/* ---- freshness and the clock -------------------------------------------------------------- */

/* Fresh means created less than SESSION_FRESH_AGE_S ago, measured from createdAt. */
START_TEST(test_is_fresh)
{
    const int64_t now = 1800000000000LL, age = (int64_t)SESSION_FRESH_AGE_S * 1000;
    struct session_record s = {.created_at_ms = now - age + 1};

    ck_assert(session_is_fresh(&s, now));
    s.created_at_ms = now - age;
    ck_assert(!session_is_fresh(&s, now));
    s.created_at_ms = now;
    ck_assert(session_is_fresh(&s, now));
}
END_TEST

START_TEST(test_now_ms)
{
    int64_t before = (int64_t)time(NULL) * 1000;
    int64_t now = session_now_ms();
    int64_t after = ((int64_t)time(NULL) + 1) * 1000;

    ck_assert_int_ge(now, before);
    ck_assert_int_lt(now, after);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("session");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, harness_app_free);
    tcase_add_test(tc, test_stored_token_plain);
    tcase_add_test(tc, test_stored_token_hash);
    LOOP(tc, test_resolve_no_lookup, no_lookup);
    tcase_add_test(tc, test_resolve_valid);
    tcase_add_test(tc, test_resolve_unknown);
    tcase_add_test(tc, test_resolve_expired);
    tcase_add_test(tc, test_resolve_refresh);
    LOOP(tc, test_resolve_no_refresh, no_refresh);
    tcase_add_test(tc, test_resolve_empty_disable_refresh);
    tcase_add_test(tc, test_resolve_bearer);
    LOOP(tc, test_resolve_store_failures, failures);
    tcase_add_test(tc, test_new);
    tcase_add_test(tc, test_new_short);
    tcase_add_test(tc, test_set_cookies);
    tcase_add_test(tc, test_set_cookies_dont_remember);
    tcase_add_test(tc, test_set_cookies_remember_deletes_dont_remember);
    tcase_add_test(tc, test_set_cookies_bearer);
    tcase_add_test(tc, test_resend_cookies);
    tcase_add_test(tc, test_clear_cookies);
    tcase_add_test(tc, test_clear_cookies_cleans_cache);
    tcase_add_test(tc, test_is_fresh);
    tcase_add_test(tc, test_now_ms);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
