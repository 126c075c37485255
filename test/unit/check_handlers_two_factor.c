/* check_handlers_two_factor - the twoFactor plugin (AUTHFCGI_TWO_FACTOR) through router_dispatch
 * over the fake store, with a twoFactor row Better Auth 1.7.25 wrote (test/fixtures/two_factor:
 * bob's encrypted secret and backup codes under the reference peer's secret, which is the
 * harness's SECRET) given to alice: the sign-in challenge as recorded, the second step with
 * the authenticator's code, its attempt limit, the trusted device, single-use backup codes,
 * twoFactorEnabled in every user object (and the cookie cache's), and the routes, sign-in and
 * user objects unchanged with the plugin off. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/cookie_cache.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"
#include "two_factor_fixture.h"
#include "util/totp.h"

#define K_ID "ksession000000000000000000000000" /* a second session of alice's */
#define REDIRECT "{\"twoFactorRedirect\":true,\"twoFactorMethods\":[\"totp\"]}"

/* enrolled - the plugin on, alice enrolled with Better Auth's row. */
static void enrolled(bool plugin)
{
    settings.two_factor = plugin;
    harness_app_rebuild(&settings);
    seed_alice();
    fake_store_add_two_factor(fs, BA_TWO_FACTOR_ID, ALICE_ID, BA_SECRET_ROW, BA_CODES_ROW, true);
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = true;
}

#define cookie_pair(r, name) handler_harness_cookie_pair(arena, (r), (name))

static const char *code_now(int step)
{
    char *out = arena_alloc(arena, TOTP_MAX_DIGITS + 1);

    ck_assert_int_eq(
        totp_hotp((const uint8_t *)TOTP_KEY, 32, (uint64_t)(time(NULL) / 30 + step), 6, out), 0);
    return out;
}

/* verify - a POST to a literal path with cookie and body, from the trusted origin. */
#define verify(path, cookie_, body_)                                                               \
    POST_JSON(path, .cookie = (cookie_), .origin = FRONT, .body = (body_))

static const char *challenge(void)
{
    size_t sessions = fake_store_session_count(fs, ALICE_ID);
    struct response r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    const char *pair;

    handler_harness_check_answer(&r, 200, REDIRECT, __LINE__);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), sessions);
    pair = cookie_pair(&r, "better-auth.two_factor");
    ck_assert_ptr_nonnull(pair);
    return pair;
}

/* challenge_otp - the challenge of a user who can get codes by mail (the plugin's sender on). */
static const char *challenge_otp(void)
{
    struct response r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);

    handler_harness_check_answer(
        &r, 200, "{\"twoFactorRedirect\":true,\"twoFactorMethods\":[\"totp\",\"otp\"]}", __LINE__);
    return cookie_pair(&r, "better-auth.two_factor");
}

/* The recorded challenge: session cookies expired, a two_factor cookie for 600 s, no session. */
START_TEST(test_sign_in_challenge)
{
    struct response r;

    enrolled(true);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    handler_harness_check_answer(&r, 200, REDIRECT, __LINE__);
    ck_assert_uint_eq(handler_harness_header_count(&r, "Set-Cookie"), 3);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), deletion[0]);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 1), deletion[1]);
    ck_assert_str_eq(strstr(handler_harness_header_nth(&r, "Set-Cookie", 2), ";"),
                     "; Max-Age=600" ATTRS);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* The authenticator's code for Better Auth's stored secret completes the sign-in; a wrong one
 * does not; the challenge is used up. */
START_TEST(test_verify_totp_with_better_auth_row)
{
    const char *cookie;
    struct response r;

    enrolled(true);
    cookie = challenge();
    r = verify("/two-factor/verify-totp", cookie, "{\"code\":\"000000\"}");
    if (strcmp(code_now(0), "000000") != 0)
        handler_harness_check_answer(
            &r, 401, "{\"message\":\"Invalid code\",\"code\":\"INVALID_CODE\"}", __LINE__);
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    ck_assert(is_token(jstr(body_json(&r), "token")));
    ck_assert_str_eq(jstr(body_json(&r), "user.id"), ALICE_ID);
    ck_assert(json_object_get_boolean(jget(body_json(&r), "user.twoFactorEnabled")));
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1);
    ck_assert_str_eq(cookie_pair(&r, "better-auth.two_factor"), "better-auth.two_factor=");
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 401);
    ck_assert_str_eq(jstr(body_json(&r), "code"), "INVALID_TWO_FACTOR_COOKIE");
}
END_TEST

/* Five wrong codes per challenge; the sixth attempt ends it, even with the right code. */
START_TEST(test_attempt_limit)
{
    const char *cookie, *wrong;
    struct response r;

    enrolled(true);
    cookie = challenge();
    wrong = arena_printf(arena, "{\"code\":\"%s\"}", code_now(5));
    for (int i = 0; i < 5; i++) {
        r = verify("/two-factor/verify-totp", cookie, wrong);
        ck_assert_int_eq(r.status, 401);
    }
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    handler_harness_check_answer(&r, 400,
                                 "{\"message\":\"Too many attempts. Please request a new "
                                 "code.\",\"code\":\"TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE\"}",
                                 __LINE__);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* trustDevice: the next sign-in from this device needs no code, and renews the cookie. */
START_TEST(test_trusted_device)
{
    const char *cookie, *trust;
    struct response r;

    enrolled(true);
    cookie = challenge();
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\",\"trustDevice\":true}", code_now(-1)));
    ck_assert_int_eq(r.status, 200);
    trust = cookie_pair(&r, "better-auth.trust_device");
    ck_assert_ptr_nonnull(trust);
    r = POST_JSON("/sign-in/email", .cookie = trust, .origin = FRONT, .body = ALICE_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    ck_assert(is_token(jstr(body_json(&r), "token")));
    ck_assert_ptr_nonnull(cookie_pair(&r, "better-auth.trust_device"));
    ck_assert_str_ne(cookie_pair(&r, "better-auth.trust_device"), trust);
    /* The used cookie vouches no more. */
    r = POST_JSON("/sign-in/email", .cookie = trust, .origin = FRONT, .body = ALICE_SIGN_IN);
    handler_harness_check_answer(&r, 200, REDIRECT, __LINE__);
}
END_TEST

/* A backup code Better Auth generated works once. */
START_TEST(test_backup_code_once)
{
    const char *body = "{\"code\":\"" BACKUP_CODE "\"}";
    struct response r;

    enrolled(true);
    r = verify("/two-factor/verify-backup-code", challenge(), body);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_ne(fake_store_two_factor(fs, ALICE_ID)->backup_codes, BA_CODES_ROW);
    r = verify("/two-factor/verify-backup-code", challenge(), body);
    handler_harness_check_answer(
        &r, 401, "{\"message\":\"Invalid backup code\",\"code\":\"INVALID_BACKUP_CODE\"}",
        __LINE__);
}
END_TEST

/* rememberMe:false holds across the second step, as in Better Auth: the challenge sets the
 * dont_remember cookie its sign-in set, and the step reads it back into a browser-session
 * cookie (it was lost: the step made a 7-day cookie). */
START_TEST(test_remember_me_false_across_the_step)
{
    const char *cookie, *dont;
    struct response r;

    enrolled(true);
    r = POST_JSON("/sign-in/email", .origin = FRONT,
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                          "\",\"rememberMe\":false}");
    handler_harness_check_answer(&r, 200, REDIRECT, __LINE__);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), DONT_REMEMBER_LINE);
    dont = cookie_pair(&r, "better-auth.dont_remember");
    cookie = arena_printf(arena, "%s; %s", cookie_pair(&r, "better-auth.two_factor"), dont);
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    const char *token = jstr(body_json(&r), "token");
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0),
                     arena_printf(arena, "%s%s", session_cookie(token), ATTRS));
    ck_assert_str_eq(cookie_pair(&r, "better-auth.dont_remember"), dont);
}
END_TEST

/* trustDevice ends "don't remember me" (Better Auth expires dont_remember there): one line
 * for the cookie, its deletion, not the step's dont_remember=true followed by it. */
START_TEST(test_trust_device_ends_dont_remember)
{
    const char *cookie;
    struct response r;

    enrolled(true);
    r = POST_JSON("/sign-in/email", .origin = FRONT,
                  .body = "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD
                          "\",\"rememberMe\":false}");
    cookie = arena_printf(arena, "%s; %s", cookie_pair(&r, "better-auth.two_factor"),
                          cookie_pair(&r, "better-auth.dont_remember"));
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\",\"trustDevice\":true}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    size_t lines = 0;
    for (size_t i = 0; i < handler_harness_header_count(&r, "Set-Cookie"); i++)
        if (strncmp(handler_harness_header_nth(&r, "Set-Cookie", i),
                    "better-auth.dont_remember=", 26) == 0)
            lines++;
    ck_assert_uint_eq(lines, 1);
    ck_assert_str_eq(cookie_pair(&r, "better-auth.dont_remember"), "better-auth.dont_remember=");
}
END_TEST

/* A dont_remember cookie left from an earlier sign-in does not make a remembered one short:
 * the challenge deletes it, as Better Auth's sign-in does. */
START_TEST(test_remember_me_deletes_old_dont_remember)
{
    const char *dont =
        arena_printf(arena, "%.*s", (int)strcspn(DONT_REMEMBER_LINE, ";"), DONT_REMEMBER_LINE);
    struct response r;

    enrolled(true);
    r = POST_JSON("/sign-in/email", .cookie = dont, .origin = FRONT, .body = ALICE_SIGN_IN);
    handler_harness_check_answer(&r, 200, REDIRECT, __LINE__);
    ck_assert_str_eq(handler_harness_header_nth(&r, "Set-Cookie", 0), deletion[2]);
    r = verify("/two-factor/verify-totp", cookie_pair(&r, "better-auth.two_factor"),
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(
        handler_harness_header_nth(&r, "Set-Cookie", 0),
        arena_printf(arena, "%s%s", session_cookie(jstr(body_json(&r), "token")), LIVE));
}
END_TEST

/* A pending sign-in finished with an e-mailed code after the user turned two-factor off on
 * another device: Better Auth's FAILED_TO_CREATE_SESSION, and two-factor stays off (it was
 * turned back on and the sign-in let through). */
START_TEST(test_otp_sign_in_after_disable)
{
    const char *cookie, *eq, *dot;
    char *code;
    struct response r;

    settings.mail_from = (char *)"Test <no-reply@example.com>";
    enrolled(true);
    cookie = challenge_otp();
    seed_live(K_ID, K_TOKEN, ALICE_ID);
    r = verify("/two-factor/disable", K_COOKIE, "{\"password\":\"" PASSWORD "\"}");
    ck_assert_int_eq(r.status, 200);
    ck_assert(!fake_store_user(fs, ALICE_ID)->two_factor_enabled);
    r = verify("/two-factor/send-otp", cookie, "{}");
    ck_assert_int_eq(r.status, 200);
    eq = strchr(cookie, '=') + 1;
    dot = strchr(eq, '.');
    const struct fake_verification *v =
        fake_store_verification(fs, arena_printf(arena, "2fa-otp-%.*s", (int)(dot - eq), eq));
    ck_assert_ptr_nonnull(v);
    code = arena_strdup(arena, v->value);
    *strchr(code, ':') = '\0';
    r = verify("/two-factor/verify-otp", cookie, arena_printf(arena, "{\"code\":\"%s\"}", code));
    handler_harness_check_answer(
        &r, 400, "{\"message\":\"Failed to create session\",\"code\":\"FAILED_TO_CREATE_SESSION\"}",
        __LINE__);
    ck_assert(!fake_store_user(fs, ALICE_ID)->two_factor_enabled);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1); /* K's only */
    settings.mail_from = NULL;
}
END_TEST

/* disableSession on a pending sign-in: no session, and no "token" key at all (Better Auth's
 * `session.session?.token` is undefined there, not null). */
START_TEST(test_backup_code_disable_session)
{
    struct response r;

    enrolled(true);
    r = verify("/two-factor/verify-backup-code", challenge(),
               "{\"code\":\"" BACKUP_CODE "\",\"disableSession\":true}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(strstr(r.body, "\"token\""));
    ck_assert_str_eq(jstr(body_json(&r), "user.id"), ALICE_ID);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* generate-backup-codes asks whether two-factor is on before it checks the password. */
START_TEST(test_generate_codes_not_enabled_first)
{
    struct response r;

    enrolled(true);
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = false;
    seed_live(K_ID, K_TOKEN, ALICE_ID);
    r = verify("/two-factor/generate-backup-codes", K_COOKIE, "{\"password\":\"wrong-password\"}");
    handler_harness_check_answer(
        &r, 400, "{\"message\":\"Two factor isn't enabled\",\"code\":\"TWO_FACTOR_NOT_ENABLED\"}",
        __LINE__);
}
END_TEST

/* With the plugin off the routes do not exist and the enrolled user signs in as before. */
START_TEST(test_plugin_off)
{
    struct response r;

    enrolled(false);
    r = verify("/two-factor/verify-totp", NULL, "{\"code\":\"123456\"}");
    ck_assert_int_eq(r.status, 404);
    ck_assert_uint_eq(r.body_len, 0);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    ck_assert_int_eq(r.status, 200);
    ck_assert(is_token(jstr(body_json(&r), "token")));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_TWO_FACTOR_GET), 0);
}
END_TEST

/* Rate limits: with the plugin off its paths count as unrouted (100 per 10 s, as before the
 * plugin existed); with it on, by the plugin's rule under their own path (3 per 10 s). */
START_TEST(test_rate_limit_keys)
{
    struct response r;

    settings.rate_limit = true;
    enrolled(false);
    r = verify("/two-factor/verify-totp", NULL, "{\"code\":\"123456\"}");
    ck_assert_int_eq(r.status, 404);
    ck_assert_uint_eq(fake_store_rate_count(fs), 1);
    ck_assert_ptr_nonnull(strstr(fake_store_rate_key_at(fs, 0), "|(unrouted)"));
    settings.two_factor = true;
    harness_app_rebuild(&settings);
    for (int i = 0; i < 3; i++) {
        r = verify("/two-factor/verify-totp", NULL, "{\"code\":\"123456\"}");
        ck_assert_int_eq(r.status, 401);
    }
    r = verify("/two-factor/verify-totp", NULL, "{\"code\":\"123456\"}");
    ck_assert_int_eq(r.status, 429);
    ck_assert_ptr_nonnull(strstr(fake_store_rate_key_at(fs, 1), "|/two-factor/verify-totp"));
}
END_TEST

/* With the per-account guard on, each code of a pending sign-in is claimed as an attempt
 * (under the user's own two-factor key), and a right one resets it. */
START_TEST(test_account_guard)
{
    const char *cookie;
    unsigned claims, successes;
    struct response r;

    settings.rate_limit = true;
    settings.account_guard = true;
    enrolled(true);
    cookie = challenge();
    claims = fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM);
    successes = fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_SUCCESS);
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(5)));
    ck_assert_int_eq(r.status, 401);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM), claims + 1);
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM), claims + 2);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ACCOUNT_GUARD_SUCCESS), successes + 1);
    ck_assert_uint_eq(fake_store_guard_count(fs), 2); /* the address's and the second factor's */
}
END_TEST

/* Better Auth's lockout, in the twoFactor row it shares: ten wrong codes in a row (over two
 * challenges) lock the account for 15 minutes, even for the right code; a right code before
 * that clears the count. A lock Better Auth set is honoured as well. */
START_TEST(test_lockout)
{
    struct fake_two_factor *t;
    const char *right;
    struct response r;

    enrolled(true);
    t = fake_store_two_factor(fs, ALICE_ID);
    t->failed_count = 8;
    right = arena_printf(arena, "{\"code\":\"%s\"}", code_now(0));
    r = verify("/two-factor/verify-totp", challenge(), right);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(fake_store_two_factor(fs, ALICE_ID)->failed_count, 0);
    for (int round = 0; round < 2; round++) {
        const char *cookie = challenge();

        for (int i = 0; i < 5; i++) {
            r = verify("/two-factor/verify-totp", cookie,
                       arena_printf(arena, "{\"code\":\"%s\"}", code_now(5)));
            ck_assert_int_eq(r.status, 401);
        }
    }
    t = fake_store_two_factor(fs, ALICE_ID);
    ck_assert_int_eq(t->failed_count, 10);
    ck_assert(t->locked_until_ms > fake_store_now_ms() + 890 * 1000);
    r = verify("/two-factor/verify-totp", challenge(), right);
    handler_harness_check_answer(&r, 429,
                                 "{\"message\":\"Too many failed verification attempts. Your "
                                 "account is temporarily locked. Please try again "
                                 "later.\",\"code\":\"ACCOUNT_TEMPORARILY_LOCKED\"}",
                                 __LINE__);
    r = verify("/two-factor/verify-backup-code", challenge(), "{\"code\":\"" BACKUP_CODE "\"}");
    ck_assert_int_eq(r.status, 429);
    fake_store_two_factor(fs, ALICE_ID)->locked_until_ms = fake_store_now_ms() - 1;
    r = verify("/two-factor/verify-totp", challenge(), right);
    ck_assert_int_eq(r.status, 200);
}
END_TEST

/* With the admin plugin on too, a banned user gets 403 BANNED_USER and no challenge: Better
 * Auth's ban check runs as the session is created, before twoFactor's sign-in hook. */
START_TEST(test_banned_before_challenge)
{
    struct response r;

    settings.admin = true;
    enrolled(true);
    fake_store_user(fs, ALICE_ID)->banned = true;
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(jstr(body_json(&r), "code"), "BANNED_USER");
    ck_assert_ptr_null(cookie_pair(&r, "better-auth.two_factor"));
}
END_TEST

/* A user banned between the challenge and the code: the session the second step would create
 * is refused by the same check (Better Auth's session-creation hook runs there too). */
START_TEST(test_banned_at_second_step)
{
    const char *cookie;
    struct response r;

    settings.admin = true;
    enrolled(true);
    cookie = challenge();
    fake_store_user(fs, ALICE_ID)->banned = true;
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(jstr(body_json(&r), "code"), "BANNED_USER");
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 0);
}
END_TEST

/* The second step's answer shows the admin plugin's fields, read with the two-factor state
 * (the ban check reads nothing more). */
START_TEST(test_second_step_admin_fields)
{
    const char *cookie;
    struct response r;

    settings.admin = true;
    enrolled(true);
    fake_store_user(fs, ALICE_ID)->role = strdup("user,ops");
    cookie = challenge();
    fake_store_reset_calls(fs);
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(body_json(&r), "user.role"), "user,ops");
    ck_assert(!json_object_get_boolean(jget(body_json(&r), "user.banned")));
    ck_assert(json_object_get_boolean(jget(body_json(&r), "user.twoFactorEnabled")));
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ADMIN_USER_GET), 0);
}
END_TEST

/* With AUTHFCGI_COOKIE_CACHE on, the session the second step creates carries the cookie cache
 * line, as a plain sign-in's does. */
START_TEST(test_cookie_cache_after_second_step)
{
    struct response r;

    settings.cookie_cache = true;
    enrolled(true);
    r = verify("/two-factor/verify-totp", challenge(),
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(cookie_pair(&r, "better-auth.session_data"));
    ck_assert_str_ne(cookie_pair(&r, "better-auth.session_data"), "better-auth.session_data=");
}
END_TEST

/* keys - the member names of o in order, comma-separated. */
static const char *keys(struct json_object *o)
{
    const char *out = "";

    json_object_object_foreach(o, k, v)
    {
        (void)v;
        out = arena_printf(arena, "%s%s%s", out, out[0] != '\0' ? "," : "", k);
    }
    return out;
}

#define CORE_KEYS "name,email,emailVerified,image,createdAt,updatedAt"
#define ADMIN_KEYS ",role,banned,banReason,banExpires"

/* assert_user - a 200 whose user object has the keys want, in order, and twoFactorEnabled
 * (when want has it) equal to on. */
static void assert_user(const struct response *r, const char *want, bool on, int line)
{
    struct json_object *u;

    ck_assert_msg(r->status == 200, "line %d: status %d", line, r->status);
    u = jget(body_json(r), "user");
    ck_assert_msg(strcmp(keys(u), want) == 0, "line %d: keys %s, expected %s", line, keys(u), want);
    if (strstr(want, "twoFactorEnabled") != NULL)
        ck_assert_msg(json_object_get_boolean(jget(u, "twoFactorEnabled")) == on,
                      "line %d: twoFactorEnabled is not %d", line, on);
}

/* user_objects - sign-up, sign-in and get-session with the twoFactor plugin (plugin) and the
 * admin plugin (admin) on or off: twoFactorEnabled and the admin fields, where Better Auth has
 * them, only with their plugin, read by the statement that reads the user (no two-factor or
 * admin lookup): get-session is one store call whatever the plugins. */
static void user_objects(bool plugin, bool admin)
{
    const char *tf = plugin ? ",twoFactorEnabled" : "";
    const char *want = arena_printf(arena, CORE_KEYS "%s%s,id", admin ? ADMIN_KEYS : "", tf);
    struct response r;

    settings.two_factor = plugin;
    settings.admin = admin;
    harness_app_rebuild(&settings);
    seed_alice();
    fake_store_reset_calls(fs);
    r = POST_JSON("/sign-up/email", .origin = FRONT,
                  .body = "{\"email\":\"carol@example.com\",\"password\":\"" PASSWORD
                          "\",\"name\":\"Carol\"}");
    assert_user(&r, want, false, __LINE__);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_ADMIN_USER_CHANGE), 0); /* no second write */
    if (admin) /* the default role, written with the row */
        ck_assert_str_eq(jstr(body_json(&r), "user.role"), "user");
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    assert_user(&r, want, false, __LINE__);
    /* The column set (by Better Auth, say): get-session shows it. */
    fake_store_user(fs, ALICE_ID)->two_factor_enabled = true;
    seed_live(K_ID, K_TOKEN, ALICE_ID);
    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = K_COOKIE);
    assert_user(&r, want, true, __LINE__);
    ck_assert_uint_eq(fake_store_calls(fs, FAKE_OP_TWO_FACTOR_GET), 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 1); /* the session lookup, nothing else */
}

START_TEST(test_user_objects_plugin_on)
{
    user_objects(true, false);
}
END_TEST

START_TEST(test_user_objects_plugin_off)
{
    user_objects(false, false);
}
END_TEST

/* After the admin plugin's fields, as recorded (test/fixtures/two_factor/transcript.json). */
START_TEST(test_user_objects_with_admin)
{
    user_objects(true, true);
}
END_TEST

START_TEST(test_user_objects_admin_only)
{
    user_objects(false, true);
}
END_TEST

/* The second step's answer carries the admin plugin's fields too, as Better Auth's session user
 * does (found by contrib/differential: it had the core fields and twoFactorEnabled only). */
START_TEST(test_second_step_user_with_admin)
{
    struct response r;

    settings.admin = true;
    enrolled(true);
    r = verify("/two-factor/verify-totp", challenge(),
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    assert_user(&r, CORE_KEYS ADMIN_KEYS ",twoFactorEnabled,id", true, __LINE__);
}
END_TEST

/* session_data - "better-auth.session_data=VALUE" of r (asserted). */
static const char *session_data(const struct response *r)
{
    const char *pair = cookie_pair(r, "better-auth.session_data");

    ck_assert_ptr_nonnull(pair);
    ck_assert_str_ne(pair, "better-auth.session_data=");
    return pair;
}

/* cached_flag - get-session answered from the cookie cache data alone: its twoFactorEnabled. */
static bool cached_flag(const char *data)
{
    struct response r;

    fake_store_reset_calls(fs);
    r = GET("/get-session", .cookie = arena_printf(arena, "%s; %s", K_COOKIE, data));
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
    return json_object_get_boolean(jget(body_json(&r), "user.twoFactorEnabled"));
}

/* A session completing enrolment: Better Auth answers the user it read (twoFactorEnabled still
 * false, as recorded) but re-sends the cookie cache with the updated one, so a cached
 * get-session shows the change at once; disable re-sends it with false. */
START_TEST(test_enrolment_updates_cookie_cache)
{
    const char *data;
    struct response r;

    settings.cookie_cache = true;
    settings.cookie_cache_max_age = COOKIE_CACHE_MAX_AGE_DEFAULT;
    settings.two_factor = true;
    harness_app_rebuild(&settings);
    seed_alice();
    fake_store_add_two_factor(fs, BA_TWO_FACTOR_ID, ALICE_ID, BA_SECRET_ROW, BA_CODES_ROW, false);
    seed_live(K_ID, K_TOKEN, ALICE_ID);
    r = GET("/get-session", .cookie = K_COOKIE);
    ck_assert(!cached_flag(session_data(&r)));
    r = verify("/two-factor/verify-totp", K_COOKIE,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    ck_assert_str_eq(jstr(body_json(&r), "token"), K_TOKEN);
    assert_user(&r, CORE_KEYS ",twoFactorEnabled,id", false, __LINE__);
    ck_assert(fake_store_user(fs, ALICE_ID)->two_factor_enabled);
    data = session_data(&r);
    ck_assert(cached_flag(data));
    r = verify("/two-factor/disable", arena_printf(arena, "%s; %s", K_COOKIE, data),
               "{\"password\":\"" PASSWORD "\"}");
    handler_harness_check_answer(&r, 200, STATUS_TRUE, __LINE__);
    ck_assert(!fake_store_user(fs, ALICE_ID)->two_factor_enabled);
    ck_assert(!cached_flag(session_data(&r)));
}
END_TEST

/* A second factor turned on with e-mailed codes (enable, method "otp") leaves a TOTP secret
 * that no authenticator code ever confirmed unconfirmed, as Better Auth does: the sign-in
 * offers "otp" only, and a code for that secret is refused. */
START_TEST(test_otp_enable_keeps_totp_unconfirmed)
{
    const char *cookie;
    struct response r;

    settings.two_factor = true;
    settings.mail_from = (char *)"Test <no-reply@example.com>";
    harness_app_rebuild(&settings);
    seed_alice();
    fake_store_add_two_factor(fs, BA_TWO_FACTOR_ID, ALICE_ID, BA_SECRET_ROW, BA_CODES_ROW, false);
    seed_live(K_ID, K_TOKEN, ALICE_ID);
    r = verify("/two-factor/enable", K_COOKIE,
               "{\"password\":\"" PASSWORD "\",\"method\":\"otp\"}");
    handler_harness_check_answer(&r, 200, "{\"method\":\"otp\"}", __LINE__);
    ck_assert(fake_store_user(fs, ALICE_ID)->two_factor_enabled);
    r = POST_JSON("/sign-in/email", .origin = FRONT, .body = ALICE_SIGN_IN);
    handler_harness_check_answer(
        &r, 200, "{\"twoFactorRedirect\":true,\"twoFactorMethods\":[\"otp\"]}", __LINE__);
    cookie = cookie_pair(&r, "better-auth.two_factor");
    r = verify("/two-factor/verify-totp", cookie,
               arena_printf(arena, "{\"code\":\"%s\"}", code_now(0)));
    handler_harness_check_answer(
        &r, 400, "{\"message\":\"TOTP not enabled\",\"code\":\"TOTP_NOT_ENABLED\"}", __LINE__);
    ck_assert_uint_eq(fake_store_session_count(fs, ALICE_ID), 1); /* the enabling one only */
    settings.mail_from = NULL;
}
END_TEST

/* The TOTP URI's issuer: the enable request's, else AUTHFCGI_APP_NAME, else Better Auth's
 * default appName. */
START_TEST(test_issuer)
{
    static const struct {
        const char *app_name, *body, *prefix;
    } cases[] = {
        {NULL, "", "otpauth://totp/Better%20Auth:alice.632735%40example.com?"},
        {"Example Site", "", "otpauth://totp/Example%20Site:alice.632735%40example.com?"},
        {"Example Site", ",\"issuer\":\"Given\"",
         "otpauth://totp/Given:alice.632735%40example.com?"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct response r;
        const char *uri;

        settings.two_factor = true;
        settings.app_name = (char *)cases[i].app_name;
        harness_app_rebuild(&settings);
        seed_alice();
        seed_live(K_ID, K_TOKEN, ALICE_ID);
        r = verify("/two-factor/enable", K_COOKIE,
                   arena_printf(arena, "{\"password\":\"" PASSWORD "\"%s}", cases[i].body));
        assert_status(r, 200);
        uri = jstr(body_json(&r), "totpURI");
        ck_assert_msg(strncmp(uri, cases[i].prefix, strlen(cases[i].prefix)) == 0, "%zu: %s", i,
                      uri);
    }
    settings.app_name = NULL;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handlers_two_factor");
    TCase *tc = tcase_create("two_factor");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sign_in_challenge);
    tcase_add_test(tc, test_verify_totp_with_better_auth_row);
    tcase_add_test(tc, test_attempt_limit);
    tcase_add_test(tc, test_trusted_device);
    tcase_add_test(tc, test_backup_code_once);
    tcase_add_test(tc, test_remember_me_false_across_the_step);
    tcase_add_test(tc, test_trust_device_ends_dont_remember);
    tcase_add_test(tc, test_remember_me_deletes_old_dont_remember);
    tcase_add_test(tc, test_otp_sign_in_after_disable);
    tcase_add_test(tc, test_backup_code_disable_session);
    tcase_add_test(tc, test_generate_codes_not_enabled_first);
    tcase_add_test(tc, test_plugin_off);
    tcase_add_test(tc, test_rate_limit_keys);
    tcase_add_test(tc, test_account_guard);
    tcase_add_test(tc, test_otp_enable_keeps_totp_unconfirmed);
    tcase_add_test(tc, test_lockout);
    tcase_add_test(tc, test_banned_before_challenge);
    tcase_add_test(tc, test_banned_at_second_step);
    tcase_add_test(tc, test_second_step_admin_fields);
    tcase_add_test(tc, test_cookie_cache_after_second_step);
    tcase_add_test(tc, test_user_objects_plugin_on);
    tcase_add_test(tc, test_user_objects_plugin_off);
    tcase_add_test(tc, test_user_objects_with_admin);
    tcase_add_test(tc, test_user_objects_admin_only);
    tcase_add_test(tc, test_second_step_user_with_admin);
    tcase_add_test(tc, test_enrolment_updates_cookie_cache);
    tcase_add_test(tc, test_issuer);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
