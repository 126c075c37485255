/* check_handlers_sign - POST /sign-up/email, /sign-in/email and /sign-out: success paths, recorded
 * refusals and CSRF checks, cookies as Better Auth signs them, hash upgrades, and sign-in failures
 * that compute the same hashes whatever failed. Against the fake store through router_dispatch,
 * compared with Better Auth 1.7.25's answers (transcript sections named as [main-NN] and the like);
 * the shared world is handler_world.h. */
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

/* ==== POST /sign-up/email ================================================================= */

/* [main-04] success without Origin or Cookie: token, user, a 7-day cookie and three rows. */
START_TEST(test_sign_up_success)
{
    struct response r = POST_JSON("/sign-up/email", .user_agent = "ref-client/1.0",
                                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                                          "\",\"name\":\"Alice\"}");
    struct json_object *j;
    struct fake_user *u;
    struct fake_account *acc;
    struct fake_session *s;
    const char *token;

    assert_status(r, 200);
    j = body_json(&r);
    token = jstr(j, "token");
    ck_assert_msg(is_token(token), "token %s", token);
    u = fake_store_user_by_email(fs, ALICE_EMAIL);
    ck_assert_ptr_nonnull(u);
    ck_assert_msg(is_token(u->id), "user id %s", u->id);
    ck_assert_int_eq(u->created_ms, u->updated_ms);
    ck_assert(!u->email_verified);
    ck_assert_ptr_null(u->image);
    assert_answer(r, 200,
                  arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", token, user_json(u->id)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_ptr_null(handler_harness_header(&r, "set-auth-token"));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));

    /* [main-04] the rows: credential account, session with the User-Agent, 7 days. */
    acc = fake_store_credential(fs, u->id);
    ck_assert_ptr_nonnull(acc);
    ck_assert_str_eq(acc->account_id, u->id);
    ck_assert_str_eq(acc->provider_id, "credential");
    ck_assert_msg(strncmp(acc->password, "$y$", 3) == 0, "hash %s", acc->password);
    ck_assert_msg(is_token(acc->id), "account id %s", acc->id);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 1);
    s = fake_store_session_at(fs, 0);
    ck_assert_str_eq(s->token, token); /* plain storage */
    ck_assert_str_eq(s->user_id, u->id);
    ck_assert_str_eq(s->user_agent, "ref-client/1.0");
    ck_assert_str_eq(s->ip_address, PEER);
    ck_assert_msg(is_token(s->id), "session id %s", s->id);
    ck_assert_int_eq(s->expires_ms - s->created_ms, 7 * DAY_MS);
}
END_TEST

/* [main-05] trusted Origin, mixed-case e-mail, image, rememberMe:false: a browser-session
 * cookie, the dont_remember cookie, and a one-day row. */
START_TEST(test_sign_up_remember_false)
{
    struct response r = POST_JSON(
        "/sign-up/email", .origin = FRONT,
        .body = "{\"email\":\"Bob.632735@Example.COM\",\"password\":\"password123\",\"name\":"
                "\"Bob\",\"image\":\"https://img.example/b.png\",\"rememberMe\":false}");
    struct json_object *j;
    struct fake_user *u = fake_store_user_by_email(fs, BOB_EMAIL);
    const char *lines[2];

    assert_status(r, 200);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->image, "https://img.example/b.png");
    j = body_json(&r);
    assert_answer(
        r, 200,
        arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", jstr(j, "token"), user_json(u->id)));
    /* JSON.stringify leaves '/' alone. */
    ck_assert_ptr_nonnull(strstr(r.body, "\"image\":\"https://img.example/b.png\""));
    lines[0] = session_line(jstr(j, "token"), false);
    lines[1] = DONT_REMEMBER_LINE;
    handler_harness_check_cookies(&r, 2, lines);
    ck_assert_int_eq(fake_store_session_at(fs, 0)->expires_ms -
                         fake_store_session_at(fs, 0)->created_ms,
                     DAY_MS);
}
END_TEST

/* 16 x U+FDFA is 16 characters (within 8..128, as Better Auth counts) but 528 bytes after
 * NFKC, past crypt(3)'s phrase limit: sign-up answered 500 (password_hash). Now 200, and the
 * password signs in again. */
START_TEST(test_sign_up_password_long_after_nfkc)
{
#define FDFA "\xEF\xB7\xBA" /* U+FDFA, 18 characters under NFKC */
    static const char *const passwords[] = {
        FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA FDFA,
    };
#undef FDFA

    for (size_t i = 0; i < sizeof passwords / sizeof passwords[0]; i++) {
        const char *email = arena_printf(arena, "long%zu@example.com", i);
        struct response r = POST_JSON(
            "/sign-up/email", .origin = FRONT,
            .body = arena_printf(arena, "{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"L\"}",
                                 email, passwords[i]));
        assert_status(r, 200);
        r = POST_JSON("/sign-in/email", .origin = FRONT,
                      .body = arena_printf(arena, "{\"email\":\"%s\",\"password\":\"%s\"}", email,
                                           passwords[i]));
        assert_status(r, 200);
        r = POST_JSON("/sign-in/email", .origin = FRONT,
                      .body = arena_printf(arena, "{\"email\":\"%s\",\"password\":\"x%s\"}", email,
                                           passwords[i]));
        assert_status(r, 401);
    }
}
END_TEST

/* [main-06] duplicate e-mail in any case: 422 before any hashing or insert. */
START_TEST(test_sign_up_duplicate)
{
    static const char *const emails[] = {ALICE_EMAIL, "ALICE.632735@EXAMPLE.COM"};

    seed_alice();
    for (size_t i = 0; i < 2; i++) {
        struct response r = POST_JSON(
            "/sign-up/email",
            .body = arena_printf(arena,
                                 "{\"email\":\"%s\",\"password\":\"password123\",\"name\":"
                                 "\"Alice2\"}",
                                 emails[i]));

        assert_answer(r, 422, E_EXISTS);
        assert_no_cookies(r);
    }
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);
    ck_assert_uint_eq(fake_store_user_count(fs), 1);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* A concurrent duplicate passes the lookup and meets the unique constraint: still 422. */
START_TEST(test_sign_up_duplicate_race)
{
    struct response r;

    fake_store_fail(fs, FAKE_OP_SIGN_UP, DB_CONFLICT, 0);
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"race@example.com\",\"password\":\"password123\",\"name\":"
                          "\"R\"}");
    assert_answer(r, 422, E_EXISTS);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* Refused sign-ups: every recorded validation answer [main-07, main-08, main-09, main-11],
 * and UTF-16 counting of the length limits. Nothing is written, no cookie is set. */
static const struct {
    const char *content_type;
    const char *body;    /* NULL = no body */
    const char *pw_unit; /* non-NULL: body built with pw_count copies of pw_unit + pw_tail */
    int pw_count;
    const char *pw_tail;
    int status;
    const char *answer;
} sign_up_refused[] = {
    /* [main-07] */
    {JSON_CT, "{\"email\":\"not-an-email\",\"password\":\"password123\",\"name\":\"X\"}", NULL, 0,
     NULL, 400, E_VALIDATION("[body.email] Invalid email address")},
    {JSON_CT, "{\"email\":\"\",\"password\":\"password123\",\"name\":\"X\"}", NULL, 0, NULL, 400,
     E_VALIDATION("[body.email] Invalid email address")},
    /* [main-08] */
    {JSON_CT, NULL, "1234567", 1, "", 400, E_TOO_SHORT},
    {JSON_CT, NULL, "a", 129, "", 400, E_TOO_LONG},
    {JSON_CT, "{\"email\":\"empty@example.com\",\"password\":\"\",\"name\":\"X\"}", NULL, 0, NULL,
     400, E_VALIDATION("[body.password] Too small: expected string to have >=1 characters")},
    /* UTF-16 units, not bytes and not code points (PROTOCOL.md §5): three astral characters
     * are 12 bytes but 6 units; 65 of them are 130 units; 127 + a pair is 129. */
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 3, "", 400, E_TOO_SHORT},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 65, "", 400, E_TOO_LONG},
    {JSON_CT, NULL, "a", 127, "\xF0\x9F\x98\x80", 400, E_TOO_LONG},
    {JSON_CT, NULL, "\xC3\xA9", 7, "", 400, E_TOO_SHORT},
    /* [main-09] */
    {JSON_CT, "{\"email\":\"noname@example.com\",\"password\":\"password123\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name"))},
    {JSON_CT, "{\"name\":\"X\",\"password\":\"password123\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("email"))},
    {JSON_CT, "{\"email\":\"nopw@example.com\",\"name\":\"X\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("password"))},
    {JSON_CT, "{}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name") "; " UNDEF("email") "; " UNDEF("password"))},
    {JSON_CT, "{\"email\":\"types@example.com\",\"password\":12345678,\"name\":5}", NULL, 0, NULL,
     400,
     E_VALIDATION("[body.name] Invalid input: expected string, received number; "
                  "[body.password] Invalid input: expected string, received number")},
    {JSON_CT,
     "{\"email\":\"rm@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"rememberMe\":\"no\"}",
     NULL, 0, NULL, 400,
     E_VALIDATION("[body.rememberMe] Invalid input: expected boolean, received string")},
    {NULL, NULL, NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received undefined; [body] Invalid "
                  "input: expected record, received undefined")},
    {JSON_CT, "[]", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received array; [body] Invalid "
                  "input: expected record, received array")},
    {JSON_CT, "null", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received null; [body] Invalid input: "
                  "expected record, received null")},
    /* [main-11] */
    {JSON_CT, "{\"email\": \"x@example.com\",", NULL, 0, NULL, 400, E_BAD_JSON},
    {"text/plain", "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 415, E_415_SIGN},
    {NULL, "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 400,
     E_VALIDATION("[body] Invalid input: expected object, received undefined; [body] Invalid "
                  "input: expected record, received undefined")},
    {"application/json; charset=utf-8", "{\"email\":\"x@example.com\"}", NULL, 0, NULL, 400,
     E_VALIDATION(UNDEF("name") "; " UNDEF("password"))},
};

START_TEST(test_sign_up_refused)
{
    const char *body = sign_up_refused[_i].body;
    struct response r;

    if (sign_up_refused[_i].pw_unit != NULL)
        body = arena_printf(arena,
                            "{\"email\":\"pw@example.com\",\"password\":\"%s%s\",\"name\":\"X\"}",
                            long_string(sign_up_refused[_i].pw_unit, sign_up_refused[_i].pw_count),
                            sign_up_refused[_i].pw_tail);
    r = POST("/sign-up/email", .content_type = sign_up_refused[_i].content_type, .body = body);
    assert_answer(r, sign_up_refused[_i].status, sign_up_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* Accepted sign-ups: the length limits inclusive [main-08], counted in UTF-16 units, unknown
 * keys ignored [main-10], form bodies [main-11], trusted Referer [main-12], relative and
 * trusted callbackURL [main-13], "Origin: null" with Sec-Fetch-Site same-origin (§17). */
static const struct {
    const char *content_type;
    const char *body; /* NULL: built from pw_unit x pw_count */
    const char *pw_unit;
    int pw_count;
    const char *origin, *referer, *sec_fetch_site;
    const char *email; /* stored, lower-cased */
    const char *name;
} sign_up_accepted[] = {
    {JSON_CT, NULL, "12345678", 1, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "a", 128, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xC3\xA9", 8, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xC3\xA9", 128, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 4, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT, NULL, "\xF0\x9F\x98\x80", 64, NULL, NULL, NULL, "pw@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"extra.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"emailVerified\":true,\"foo\":\"bar\",\"id\":\"chosen-id\"}",
     NULL, 0, NULL, NULL, NULL, "extra.632735@example.com", "X"},
    {FORM_CT, "email=form.632735%40example.com&password=password123&name=Form+User", NULL, 0, NULL,
     NULL, NULL, "form.632735@example.com", "Form User"},
    {JSON_CT,
     "{\"email\":\"csrf6.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}", NULL,
     0, NULL, FRONT "/signup?x=1", NULL, "csrf6.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"o.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}",
     NULL, 0, BASE_URL, NULL, NULL, "o.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"n.632735@example.com\",\"password\":\"password123\",\"name\":\"X\"}",
     NULL, 0, "null", NULL, "same-origin", "n.632735@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"cb3.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"callbackURL\":\"/welcome\"}",
     NULL, 0, NULL, NULL, NULL, "cb3.632735@example.com", "X"},
    {JSON_CT,
     "{\"email\":\"cb4.632735@example.com\",\"password\":\"password123\",\"name\":\"X\","
     "\"callbackURL\":\"http://localhost:8080/app/welcome?x=1\"}",
     NULL, 0, NULL, NULL, NULL, "cb4.632735@example.com", "X"},
    {JSON_CT, "{\"email\":\"Mixed.Case@EXAMPLE.com\",\"password\":\"password123\",\"name\":\"\"}",
     NULL, 0, NULL, NULL, NULL, "mixed.case@example.com", ""},
};

START_TEST(test_sign_up_accepted)
{
    const char *body = sign_up_accepted[_i].body;
    struct response r;
    struct json_object *j;
    struct fake_user *u;

    if (body == NULL)
        body =
            arena_printf(arena, "{\"email\":\"pw@example.com\",\"password\":\"%s\",\"name\":\"X\"}",
                         long_string(sign_up_accepted[_i].pw_unit, sign_up_accepted[_i].pw_count));
    r = POST("/sign-up/email", .content_type = sign_up_accepted[_i].content_type, .body = body,
             .origin = sign_up_accepted[_i].origin, .referer = sign_up_accepted[_i].referer,
             .sec_fetch_site = sign_up_accepted[_i].sec_fetch_site);
    assert_status(r, 200);
    u = fake_store_user_by_email(fs, sign_up_accepted[_i].email);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->name, sign_up_accepted[_i].name);
    ck_assert(!u->email_verified);
    ck_assert_str_ne(u->id, "chosen-id");
    j = body_json(&r);
    assert_answer(
        r, 200,
        arena_printf(arena, "{\"token\":\"%s\",\"user\":%s}", jstr(j, "token"), user_json(u->id)));
    assert_one_cookie(r, session_line(jstr(j, "token"), true));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));
    ck_assert_uint_eq(fake_store_session_count(fs, u->id), 1);
}
END_TEST

/* [main-12, main-19, §17] Origin and Fetch-Metadata rules of sign-up; a Cookie makes the
 * Origin mandatory. The body is valid, so only the CSRF rules refuse. */
static const struct {
    const char *cookie, *origin, *referer, *site, *mode, *dest;
    const char *answer;
} sign_up_csrf[] = {
    {NULL, EVIL, NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, "null", NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
    {NULL, NULL, NULL, "cross-site", "navigate", "document", E_CROSS_SITE},
    {NULL, NULL, NULL, "cross-site", "cors", NULL, E_MISSING_ORIGIN},
    {NULL, NULL, EVIL "/page", NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, "http://localhost:8081", NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {NULL, NULL, NULL, "same-site", NULL, NULL, E_MISSING_ORIGIN},
    {NULL, "null", NULL, "cross-site", NULL, NULL, E_MISSING_ORIGIN},
    {H_COOKIE, NULL, NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
    {"unrelated=1", EVIL, NULL, NULL, NULL, NULL, E_INVALID_ORIGIN},
    {"unrelated=1", "null", NULL, NULL, NULL, NULL, E_MISSING_ORIGIN},
};

START_TEST(test_sign_up_csrf)
{
    struct response r = POST_JSON(
        "/sign-up/email", .cookie = sign_up_csrf[_i].cookie, .origin = sign_up_csrf[_i].origin,
        .referer = sign_up_csrf[_i].referer, .sec_fetch_site = sign_up_csrf[_i].site,
        .sec_fetch_mode = sign_up_csrf[_i].mode, .sec_fetch_dest = sign_up_csrf[_i].dest,
        .body = "{\"email\":\"csrf.632735@example.com\",\"password\":\"password123\",\"name\":"
                "\"X\"}");

    assert_answer(r, 403, sign_up_csrf[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-13, §17] callbackURL checks, and the order of the checks: callbackURL, then the
 * schema, then (without a cookie) the Origin; with a cookie the Origin comes first; 415 and
 * malformed JSON come before any Origin check. */
static const struct {
    const char *content_type, *cookie, *origin, *body;
    int status;
    const char *answer;
} sign_up_order[] = {
    {JSON_CT, NULL, NULL,
     "{\"email\":\"cb1@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"https://evil.example/x\"}",
     403, E_CALLBACK},
    {JSON_CT, NULL, NULL,
     "{\"email\":\"cb2@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"//evil.example/x\"}",
     403, E_CALLBACK},
    {JSON_CT, NULL, NULL, "{\"email\":\"bad\",\"callbackURL\":\"https://evil.example/x\"}", 403,
     E_CALLBACK},
    {JSON_CT, NULL, EVIL, "{\"email\":\"bad\",\"password\":\"password123\",\"name\":\"X\"}", 400,
     E_VALIDATION("[body.email] Invalid email address")},
    {JSON_CT, "unrelated=1", EVIL,
     "{\"email\":\"bad\",\"password\":\"password123\",\"name\":\"X\"}", 403, E_INVALID_ORIGIN},
    {JSON_CT, "unrelated=1", EVIL,
     "{\"email\":\"ok@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":"
     "\"https://evil.example/x\"}",
     403, E_INVALID_ORIGIN},
    {"text/plain", "unrelated=1", NULL, "{}", 415, E_415_SIGN},
    {JSON_CT, "unrelated=1", NULL, "{bad", 400, E_BAD_JSON},
};

START_TEST(test_sign_up_check_order)
{
    struct response r = POST("/sign-up/email", .content_type = sign_up_order[_i].content_type,
                             .cookie = sign_up_order[_i].cookie, .origin = sign_up_order[_i].origin,
                             .body = sign_up_order[_i].body);

    assert_answer(r, sign_up_order[_i].status, sign_up_order[_i].answer);
    ck_assert_uint_eq(fake_store_user_count(fs), 0);
}
END_TEST

/* PROTOCOL.md §1: JSON.stringify's text: non-ASCII raw, '/' unescaped, quotes and control
 * characters escaped. */
START_TEST(test_sign_up_json_text)
{
    struct response r = POST_JSON(
        "/sign-up/email", .body = "{\"email\":\"zoe@example.com\",\"password\":\"password123\","
                                  "\"name\":\"Zo\\u00eb \\\"Z\\\" </b>\\u0001\\n\"}");

    assert_status(r, 200);
    ck_assert_str_eq(fake_store_user_by_email(fs, "zoe@example.com")->name,
                     "Zo\xc3\xab \"Z\" </b>\x01\n");
    ck_assert_msg(strstr(r.body, "\"name\":\"Zo\xc3\xab \\\"Z\\\" </b>\\u0001\\n\"") != NULL, "%s",
                  r.body);
}
END_TEST

/* AUTHFCGI_SESSION_STORAGE=hash: the row holds SHA-256 hex of the token; the client still
 * gets and uses the raw token. */
START_TEST(test_sign_up_hash_storage)
{
    struct response r;
    struct json_object *j;
    const char *token;
    struct fake_session *s;
    char stored[SESSION_STORED_TOKEN_SIZE];

    configure((struct config){.hash = true});
    r = POST_JSON("/sign-up/email",
                  .body =
                      "{\"email\":\"h@example.com\",\"password\":\"password123\",\"name\":\"H\"}");
    assert_status(r, 200);
    j = body_json(&r);
    token = arena_strdup(arena, jstr(j, "token"));
    s = fake_store_session_at(fs, 0);
    ck_assert_uint_eq(strlen(s->token), 64);
    ck_assert_ptr_null(strstr(r.body, s->token));
    ck_assert_int_eq(session_stored_token(&app, token, stored), 0);
    ck_assert_str_eq(s->token, stored);

    r = GET("/get-session", .cookie = session_cookie(token));
    assert_status(r, 200);
    ck_assert_str_eq(jstr(body_json(&r), "session.token"), token);
}
END_TEST

/* [https-01] an https base URL: __Secure- names, the Secure attribute, only the prefixed
 * name read; a rememberMe:false session presented without dont_remember is promoted to 7
 * days; sign-out deletes the prefixed cookies. */
START_TEST(test_https_cookies)
{
    struct response r;
    const char *token, *cookie, *secure_lines[2];
    char *decoded, *encoded;
    struct fake_session *s;
    static const char *const secure_deletion[3] = {
        "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
        "__Secure-better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
        "__Secure-better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
    };

    configure((struct config){.base_url = "https://auth.example.test"});
    r = POST_JSON("/sign-up/email",
                  .body = "{\"email\":\"https.632759@example.com\",\"password\":\"password123\","
                          "\"name\":\"S\",\"rememberMe\":false}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    signed_forms(token, &decoded, &encoded);
    secure_lines[0] = arena_printf(arena,
                                   "__Secure-better-auth.session_token=%s; Path=/; HttpOnly; "
                                   "Secure; SameSite=Lax",
                                   encoded);
    secure_lines[1] = "__Secure-better-auth.dont_remember=true."
                      "mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D; Path=/; HttpOnly; Secure; "
                      "SameSite=Lax";
    handler_harness_check_cookies(&r, 2, secure_lines);

    cookie = arena_printf(arena, "__Secure-better-auth.session_token=%s", encoded);
    r = GET("/get-session", .cookie = cookie);
    assert_status(r, 200);
    assert_one_cookie(r, arena_printf(arena,
                                      "__Secure-better-auth.session_token=%s; Max-Age=604800; "
                                      "Path=/; HttpOnly; Secure; SameSite=Lax",
                                      encoded));
    s = fake_store_session_at(fs, 0);
    ck_assert_int_ge(s->expires_ms - s->updated_ms, 7 * DAY_MS);

    /* The plain name is not read when cookies are secure. */
    r = GET("/get-session", .cookie = session_cookie(token));
    assert_answer(r, 200, "null");
    assert_no_cookies(r);

    r = POST("/sign-out", .cookie = cookie, .origin = "https://auth.example.test");
    assert_answer(r, 200, "{\"success\":true}");
    handler_harness_check_cookies(&r, 3, secure_deletion);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* ==== POST /sign-in/email ================================================================= */

/* [main-14] redirect:false, token, user (no url), a new 7-day session with the User-Agent. */
START_TEST(test_sign_in_success)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST_JSON("/sign-in/email", .user_agent = UA, .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert(is_token(token));
    assert_answer(r, 200,
                  arena_printf(arena, "{\"redirect\":false,\"token\":\"%s\",\"user\":%s}", token,
                               user_json(ALICE_ID)));
    assert_one_cookie(r, session_line(token, true));
    ck_assert_ptr_null(handler_harness_header(&r, "Location"));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_str_eq(session_of(token)->user_agent, UA);
    ck_assert_int_eq(session_of(token)->expires_ms - session_of(token)->created_ms, 7 * DAY_MS);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_SET), 0);
}
END_TEST

/* A client that has gone: the transport says so, and the routes that hash skip the hash (and
 * everything else) with a 499 nobody reads; get-session does not even ask. */
static bool peer_gone_answer;
static unsigned peer_gone_asked;

static bool fake_peer_gone(void *ctx)
{
    ck_assert_ptr_eq(ctx, &peer_gone_answer);
    peer_gone_asked++;
    return peer_gone_answer;
}

START_TEST(test_sign_in_client_gone)
{
    struct response r;

    seed_alice();
    peer_gone_answer = true;
    peer_gone_asked = 0;
    fake_store_reset_calls(fs);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN, .peer_gone = fake_peer_gone,
                  .peer_ctx = &peer_gone_answer);
    assert_answer(r, 499, NULL);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 0);
    ck_assert_uint_eq(peer_gone_asked, 1);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);

    r = POST_JSON("/sign-up/email", .peer_gone = fake_peer_gone, .peer_ctx = &peer_gone_answer,
                  .body = "{\"name\":\"Gone\",\"email\":\"gone@example.com\","
                          "\"password\":\"" PASSWORD "\"}");
    assert_answer(r, 499, NULL);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SIGN_UP), 0);

    /* Still there: answered as ever. */
    peer_gone_answer = false;
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN, .peer_gone = fake_peer_gone,
                  .peer_ctx = &peer_gone_answer);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);

    /* Cheap routes never ask. */
    peer_gone_answer = true;
    peer_gone_asked = 0;
    r = GET("/get-session", .peer_gone = fake_peer_gone, .peer_ctx = &peer_gone_answer);
    assert_status(r, 200);
    ck_assert_uint_eq(peer_gone_asked, 0);
}
END_TEST

/* [main-15] callbackURL: still 200, a Location header, redirect:true and url. */
static const char *const sign_in_callbacks[] = {"/dashboard", FRONT "/dash"};

START_TEST(test_sign_in_callback)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST_JSON("/sign-in/email",
                  .body = arena_printf(arena,
                                       "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                                       "\",\"callbackURL\":\"%s\"}",
                                       sign_in_callbacks[_i]));
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    assert_answer(r, 200,
                  arena_printf(arena,
                               "{\"redirect\":true,\"token\":\"%s\",\"url\":\"%s\",\"user\":%s}",
                               token, sign_in_callbacks[_i], user_json(ALICE_ID)));
    ck_assert_str_eq(handler_harness_header(&r, "Location"), sign_in_callbacks[_i]);
    assert_one_cookie(r, session_line(token, true));
}
END_TEST

/* An empty callbackURL (JSON or form): Better Auth 1.7.25 answers redirect:false with "url":""
 * in the body and no Location (sign-in.mjs: `url: ctx.body.callbackURL`, the header only when
 * truthy). */
static const struct {
    const char *content_type, *body;
} sign_in_empty_callbacks[] = {
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\",\"callbackURL\":\"\"}"},
    {FORM_CT, "email=alice.632735%40example.com&password=" PASSWORD "&callbackURL="},
};

START_TEST(test_sign_in_empty_callback)
{
    struct response r;
    const char *token;

    seed_alice();
    r = POST("/sign-in/email", .content_type = sign_in_empty_callbacks[_i].content_type,
             .body = sign_in_empty_callbacks[_i].body);
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    assert_answer(r, 200,
                  arena_printf(arena,
                               "{\"redirect\":false,\"token\":\"%s\",\"url\":\"\",\"user\":%s}",
                               token, user_json(ALICE_ID)));
    ck_assert_uint_eq(handler_harness_header_count(&r, "Location"), 0);
    assert_one_cookie(r, session_line(token, true));
}
END_TEST

/* [main-16] upper-case e-mail and rememberMe:false. */
START_TEST(test_sign_in_remember_false)
{
    struct response r;
    const char *token, *lines[2];

    seed_alice();
    r = POST_JSON("/sign-in/email", .body = "{\"email\":\"ALICE.632735@EXAMPLE.COM\",\"password\":"
                                            "\"password123\",\"rememberMe\":false}");
    assert_status(r, 200);
    token = arena_strdup(arena, jstr(body_json(&r), "token"));
    ck_assert_str_eq(jstr(parsed, "user.email"), ALICE_EMAIL);
    lines[0] = session_line(token, false);
    lines[1] = DONT_REMEMBER_LINE;
    handler_harness_check_cookies(&r, 2, lines);
    ck_assert_int_eq(session_of(token)->expires_ms - session_of(token)->created_ms, DAY_MS);
}
END_TEST

/* [main-11, main-18] form-urlencoded sign-in. */
START_TEST(test_sign_in_form)
{
    struct response r;

    seed_alice();
    r = POST("/sign-in/email", .content_type = FORM_CT,
             .body = "email=alice.632735%40example.com&password=password123");
    assert_status(r, 200);
    assert_one_cookie(r, session_line(jstr(body_json(&r), "token"), true));
}
END_TEST

/* [main-17, main-18] refused sign-ins. A wrong password, an unknown user, a short password
 * and a user without a credential all get the same 401; nothing is written. */
static const struct {
    const char *content_type, *body;
    int status;
    const char *answer;
    bool looks_up; /* whether the e-mail is looked up at all */
} sign_in_refused[] = {
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong-password\"}", 401, E_CREDENTIALS,
     true},
    {JSON_CT, "{\"email\":\"nobody.632735@example.com\",\"password\":\"password123\"}", 401,
     E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"short\"}", 401, E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"carol@example.com\",\"password\":\"password123\"}", 401, E_CREDENTIALS,
     true},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"\"}", 401, E_CREDENTIALS, true},
    {JSON_CT, "{\"email\":\"not-an-email\",\"password\":\"password123\"}", 400,
     "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}", false},
    {JSON_CT, "{\"email\":\"\",\"password\":\"password123\"}", 400,
     "{\"message\":\"Invalid email\",\"code\":\"INVALID_EMAIL\"}", false},
    {JSON_CT, NULL /* 129 characters */, 400, E_TOO_LONG, false},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\"}", 400, E_VALIDATION(UNDEF("password")), false},
    {JSON_CT, "{\"password\":\"password123\"}", 400, E_VALIDATION(UNDEF("email")), false},
    {JSON_CT, "{}", 400, E_VALIDATION(UNDEF("email") "; " UNDEF("password")), false},
    {JSON_CT, "{bad json", 400, E_BAD_JSON, false},
    {"text/plain", "{\"email\":\"a@b.c\",\"password\":\"x\"}", 415, E_415_SIGN, false},
    {JSON_CT, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"password123\",\"rememberMe\":1}", 400,
     E_VALIDATION("[body.rememberMe] Invalid input: expected boolean, received number"), false},
};

START_TEST(test_sign_in_refused)
{
    struct response r;

    seed_alice();
    handler_harness_seed_user(fs, &app, "carolcarolcarolcarolcarolcarol01", "Carol",
                              "carol@example.com", NULL, NULL);
    r = POST("/sign-in/email", .content_type = sign_in_refused[_i].content_type,
             .body =
                 sign_in_refused[_i].body != NULL
                     ? sign_in_refused[_i].body
                     : arena_printf(arena, "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"%s\"}",
                                    long_string("a", 129)));
    assert_answer(r, sign_in_refused[_i].status, sign_in_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_USER_BY_EMAIL),
                      sign_in_refused[_i].looks_up ? 1 : 0);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_SESSION_CREATE), 0);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-19] with any Cookie the Origin (or Referer) must be present and trusted. */
static const struct {
    const char *cookie, *origin;
    int status;
    const char *answer;
} sign_in_csrf[] = {
    {H_COOKIE, NULL, 403, E_MISSING_ORIGIN},
    {H_COOKIE, EVIL, 403, E_INVALID_ORIGIN},
    {"unrelated=1", EVIL, 403, E_INVALID_ORIGIN},
    {H_COOKIE, FRONT, 200, NULL},
};

START_TEST(test_sign_in_csrf)
{
    struct response r;

    seed_alice();
    r = POST_JSON("/sign-in/email", .cookie = sign_in_csrf[_i].cookie,
                  .origin = sign_in_csrf[_i].origin, .body = ALICE_SIGN_IN);
    if (sign_in_csrf[_i].answer != NULL) {
        assert_answer(r, sign_in_csrf[_i].status, sign_in_csrf[_i].answer);
        ck_assert_uint_eq(fake_store_total_calls(fs), 0);
        return;
    }
    assert_status(r, 200);
    /* Sign-in never reuses the presented session: a new one. */
    ck_assert_str_ne(jstr(body_json(&r), "token"), H_TOKEN);
}
END_TEST

/* PROTOCOL.md §5: a Better Auth scrypt hash verifies and is replaced by yescrypt on the next
 * successful sign-in; a wrong password upgrades nothing. (The hash is Alice's from
 * [main-04], password123.) */
#define BA_HASH                                                                                    \
    "25ff492d75cd2da498a3caec5d80eaae:58cbcdfb3ee97cddaf01e32914cd81997c5d5261e55966602b4ab06"     \
    "0ea937cbc27fc23bf3400f79bc802f9666a902cc3dc0badb3fe1b53765ca2d2fe64af0ac6"

START_TEST(test_sign_in_upgrades_better_auth_hash)
{
    struct response r;

    fake_store_add_user(fs, ALICE_ID, "Alice", ALICE_EMAIL, BA_HASH, ALICE_ACCOUNT,
                        fake_store_now_ms() - DAY_MS);
    r = POST_JSON("/sign-in/email",
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"wrong-password\"}");
    assert_answer(r, 401, E_CREDENTIALS);
    ck_assert_str_eq(fake_store_credential(fs, ALICE_ID)->password, BA_HASH);

    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_UPGRADE), 1);
    ck_assert_msg(strncmp(fake_store_credential(fs, ALICE_ID)->password, "$y$", 3) == 0, "%s",
                  fake_store_credential(fs, ALICE_ID)->password);

    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_UPGRADE), 1);
}
END_TEST

/* The upgrade is best effort: a database error there must not fail the sign-in. */
START_TEST(test_sign_in_upgrade_failure_is_not_fatal)
{
    struct response r;

    fake_store_add_user(fs, ALICE_ID, "Alice", ALICE_EMAIL, BA_HASH, ALICE_ACCOUNT,
                        fake_store_now_ms() - DAY_MS);
    fake_store_fail(fs, FAKE_OP_PASSWORD_UPGRADE, DB_RETRY, 0);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    assert_one_cookie(r, session_line(jstr(body_json(&r), "token"), true));
    ck_assert_str_eq(fake_store_credential(fs, ALICE_ID)->password, BA_HASH);
    /* nor a password changed since the sign-in read it: the upgrade finds another hash */
    fake_store_fail(fs, FAKE_OP_PASSWORD_UPGRADE, DB_NOTFOUND, 0);
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
}
END_TEST

/* ==== POST /sign-out ====================================================================== */

/* [main-29] with the cookie and a trusted Origin: the row goes, the cookies are deleted. */
START_TEST(test_sign_out)
{
    struct response r;

    seed_alice();
    seed_live("ssession000000000000000000000000", S_TOKEN, ALICE_ID);
    seed_live(H_ID, H_TOKEN, ALICE_ID);
    r = POST("/sign-out", .cookie = S_COOKIE, .origin = FRONT);
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_ptr_null(session_of(S_TOKEN));
    ck_assert_ptr_nonnull(session_of(H_TOKEN));

    /* The client's {} body is fine too. */
    r = POST_JSON("/sign-out", .cookie = H_COOKIE, .origin = FRONT, .body = "{}");
    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_session_count(fs, NULL), 0);
}
END_TEST

/* [main-29] no cookie at all: still 200 and the deletion cookies, no database work. */
START_TEST(test_sign_out_without_cookie)
{
    struct response r = POST("/sign-out");

    assert_answer(r, 200, "{\"success\":true}");
    assert_deletion(r);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

/* [main-29] refused: a cookie without or with a foreign Origin, malformed JSON. */
static const struct {
    const char *content_type, *origin, *body;
    int status;
    const char *answer;
} sign_out_refused[] = {
    {NULL, NULL, NULL, 403, E_MISSING_ORIGIN},
    {NULL, EVIL, NULL, 403, E_INVALID_ORIGIN},
    {JSON_CT, FRONT, "not json", 400, E_BAD_JSON},
    {"text/plain", FRONT, "x", 415,
     "{\"message\":\"Content-Type \\\"text/plain\\\" is not allowed. Allowed types: "
     "application/json\",\"code\":\"UNSUPPORTED_MEDIA_TYPE\"}"},
};

START_TEST(test_sign_out_refused)
{
    struct response r;

    seed_alice();
    seed_live("ssession000000000000000000000000", S_TOKEN, ALICE_ID);
    r = POST("/sign-out", .content_type = sign_out_refused[_i].content_type, .cookie = S_COOKIE,
             .origin = sign_out_refused[_i].origin, .body = sign_out_refused[_i].body);
    assert_answer(r, sign_out_refused[_i].status, sign_out_refused[_i].answer);
    assert_no_cookies(r);
    ck_assert_ptr_nonnull(session_of(S_TOKEN));
}
END_TEST

/* ==== sign-in failures that cost the same [issue 9, item 2] ================================ */

/* The hashes one request computed, as password_trace names their kinds. */
struct work {
    char kinds[16][PASSWORD_KIND_SIZE];
    size_t n;
};

static void record_kind(const char *kind, void *ctx)
{
    struct work *w = ctx;

    if (w->n < sizeof(w->kinds) / sizeof(w->kinds[0]))
        snprintf(w->kinds[w->n++], PASSWORD_KIND_SIZE, "%s", kind);
}

static int kind_order(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* sign_in_work - sign in as email with password, expecting status; the kinds of hash computed,
 * sorted and joined by spaces (static buffer). */
static const char *sign_in_work(const char *email, const char *password, int status)
{
    static char joined[16 * PASSWORD_KIND_SIZE];
    struct work w = {.n = 0};
    struct response r;
    size_t used = 0;

    password_trace(record_kind, &w);
    r = POST_JSON(
        "/sign-in/email",
        .body = arena_printf(arena, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password));
    password_trace(NULL, NULL);
    assert_status(r, status);
    qsort(w.kinds, w.n, sizeof(w.kinds[0]), kind_order);
    joined[0] = '\0';
    for (size_t i = 0; i < w.n; i++)
        used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s", i > 0 ? " " : "",
                                 w.kinds[i]);
    return arena_strdup(arena, joined);
}

/* seed_hashed - a user whose credential holds password hashed in format at cost. */
static void seed_hashed(const char *id, const char *email, enum password_format format,
                        unsigned long cost)
{
    struct password_config cfg = {.format = format, .cost = cost};
    char hash[PASSWORD_HASH_SIZE];

    ck_assert_int_eq(password_hash(&cfg, PASSWORD, strlen(PASSWORD), hash, sizeof(hash)),
                     PASSWORD_OK);
    fake_store_add_user(fs, id, id, email, hash, NULL, fake_store_now_ms() - DAY_MS);
}

/* An adopted Better Auth database: Alice's hash is current (yescrypt, the configured cost 1), a
 * Better Auth user's scrypt was never upgraded, one hash is yescrypt at an older cost (2), one
 * is unreadable, one user has no password. Every failure - an unknown address included -
 * computes the same hashes: one of each kind the database holds. A success computes its own. */
START_TEST(test_sign_in_failures_equal_work)
{
    static const char *const failing[][2] = {
        {"nobody.632735@example.com", PASSWORD},      /* unknown address */
        {ALICE_EMAIL, "wrong password"},              /* current yescrypt */
        {"ba.632735@example.com", "wrong password"},  /* Better Auth scrypt */
        {"old.632735@example.com", "wrong password"}, /* yescrypt, older cost */
        {"bad.632735@example.com", PASSWORD},         /* unreadable hash */
        {"nopw.632735@example.com", PASSWORD},        /* no credential */
    };
    const char *unknown;

    seed_alice();
    seed_hashed("ba-user", "ba.632735@example.com", PASSWORD_BETTERAUTH, 0);
    seed_hashed("old-user", "old.632735@example.com", PASSWORD_YESCRYPT, 2);
    fake_store_add_user(fs, "bad-user", "Bad", "bad.632735@example.com", "not a hash", NULL,
                        fake_store_now_ms() - DAY_MS);
    fake_store_add_user(fs, "nopw-user", "NoPw", "nopw.632735@example.com", NULL, NULL,
                        fake_store_now_ms() - DAY_MS);
    unknown = sign_in_work(failing[0][0], failing[0][1], 401);
    ck_assert_str_eq(unknown, "$y$j75$ $y$j85$ scrypt");
    for (size_t i = 1; i < sizeof(failing) / sizeof(failing[0]); i++)
        ck_assert_msg(strcmp(sign_in_work(failing[i][0], failing[i][1], 401), unknown) == 0,
                      "%s computed \"%s\", an unknown address \"%s\"", failing[i][0],
                      sign_in_work(failing[i][0], failing[i][1], 401), unknown);
    /* The table was read once, for the first sign-in. */
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_PASSWORD_KINDS), 1);
    /* A successful sign-in is not slowed down: its own hash only. */
    ck_assert_str_eq(sign_in_work(ALICE_EMAIL, PASSWORD, 200), "$y$j75$");
}
END_TEST

/* A kind the table did not hold when it was read (a hash written by another server since) is
 * learnt from the first sign-in that meets it, and computed by every failure after. */
START_TEST(test_sign_in_failures_learn_kinds)
{
    seed_alice();
    ck_assert_str_eq(sign_in_work("nobody.632735@example.com", PASSWORD, 401), "$y$j75$");
    seed_hashed("ba-user", "ba.632735@example.com", PASSWORD_BETTERAUTH, 0);
    ck_assert_str_eq(sign_in_work("ba.632735@example.com", "wrong password", 401),
                     "$y$j75$ scrypt");
    ck_assert_str_eq(sign_in_work("nobody.632735@example.com", PASSWORD, 401), "$y$j75$ scrypt");
    ck_assert_str_eq(sign_in_work(ALICE_EMAIL, "wrong password", 401), "$y$j75$ scrypt");
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("sign");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sign_up_success);
    tcase_add_test(tc, test_sign_up_remember_false);
    tcase_add_test(tc, test_sign_up_password_long_after_nfkc);
    tcase_add_test(tc, test_sign_up_duplicate);
    tcase_add_test(tc, test_sign_up_duplicate_race);
    LOOP(tc, test_sign_up_refused, sign_up_refused);
    LOOP(tc, test_sign_up_accepted, sign_up_accepted);
    LOOP(tc, test_sign_up_csrf, sign_up_csrf);
    LOOP(tc, test_sign_up_check_order, sign_up_order);
    tcase_add_test(tc, test_sign_up_json_text);
    tcase_add_test(tc, test_sign_up_hash_storage);
    tcase_add_test(tc, test_https_cookies);
    tcase_add_test(tc, test_sign_in_success);
    tcase_add_test(tc, test_sign_in_client_gone);
    LOOP(tc, test_sign_in_callback, sign_in_callbacks);
    LOOP(tc, test_sign_in_empty_callback, sign_in_empty_callbacks);
    tcase_add_test(tc, test_sign_in_remember_false);
    tcase_add_test(tc, test_sign_in_form);
    LOOP(tc, test_sign_in_refused, sign_in_refused);
    LOOP(tc, test_sign_in_csrf, sign_in_csrf);
    tcase_add_test(tc, test_sign_in_upgrades_better_auth_hash);
    tcase_add_test(tc, test_sign_in_upgrade_failure_is_not_fatal);
    tcase_add_test(tc, test_sign_in_failures_equal_work);
    tcase_add_test(tc, test_sign_in_failures_learn_kinds);
    tcase_add_test(tc, test_sign_out);
    tcase_add_test(tc, test_sign_out_without_cookie);
    LOOP(tc, test_sign_out_refused, sign_out_refused);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
