/* check_steps - the steps handlers share (auth/steps.h), called directly on a call built as
 * router_dispatch builds one, and where every secret a handler holds lives: each password hash
 * and session token a handler hands the store must lie in the request's arena, which wipes it
 * when the request ends (arena_holds; check_arena shows the wipe). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "handler_world.h"
#include "util/arena.h"

/* One call as router_dispatch makes it, with the world's app and arena. */
static struct request req;
static struct response resp;
static struct call call;

static void call_setup(void)
{
    setup();
    req = (struct request){.method = "POST", .path = API "/x", .arena = arena, .client_ip = PEER};
    response_init(&resp, arena);
    call = (struct call){.app = &app, .req = &req, .resp = &resp};
}

/* unanswered - the response is as response_init left it. */
static bool unanswered(void)
{
    return resp.status == 200 && resp.body == NULL && resp.nheaders == 0;
}

static struct value string_value(const char *s)
{
    return (struct value){.kind = VALUE_STRING, .str = s, .len = strlen(s)};
}

/* ---- the steps ---------------------------------------------------------------------------- */

/* Lengths count UTF-16 units as Better Auth does: an astral character counts two. */
static const struct {
    const char *password;
    bool check_min, ok;
    int status;
} lengths[] = {
    {"1234567", true, false, 400},
    {"1234567", false, true, 0},
    {"12345678", true, true, 0},
    {"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", true, true, 0},
    {"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", true, false, 400},
};

START_TEST(test_password_length)
{
    struct value pw = string_value(lengths[_i].password);

    ck_assert_int_eq(steps_password_length(&call, &pw, lengths[_i].check_min), lengths[_i].ok);
    if (lengths[_i].ok)
        ck_assert(unanswered());
    else
        ck_assert_int_eq(resp.status, lengths[_i].status);
}
END_TEST

START_TEST(test_password_too_long)
{
    struct value ok = string_value(long_string("a", 128)),
                 over = string_value(long_string("a", 129));

    ck_assert(steps_password_length(&call, &ok, true));
    ck_assert(!steps_password_length(&call, &over, false));
    assert_answer(resp, 400, E_TOO_LONG);
}
END_TEST

/* The hash verifies, and lives in the request's arena. */
START_TEST(test_hash_password)
{
    struct value pw = string_value(PASSWORD);
    const char *hash = steps_hash_password(&call, &pw);

    ck_assert_ptr_nonnull(hash);
    ck_assert(arena_holds(arena, hash, strlen(hash) + 1));
    ck_assert_int_eq(password_verify(&app.passwords, PASSWORD, strlen(PASSWORD), hash, NULL),
                     PASSWORD_OK);
    ck_assert(unanswered());
}
END_TEST

/* A new session's raw token, stored token and id live in the arena; the stored form is the
 * raw token's under either storage. */
START_TEST(test_new_session)
{
    struct new_session ns;
    const char *raw = NULL;
    char stored[SESSION_STORED_TOKEN_SIZE];

    configure((struct config){.hash = _i == 1});
    ck_assert(steps_new_session(&call, ALICE_ID, false, &ns, &raw));
    ck_assert(is_token(raw));
    ck_assert(arena_holds(arena, raw, strlen(raw) + 1));
    ck_assert(arena_holds(arena, ns.token, strlen(ns.token) + 1));
    ck_assert(arena_holds(arena, ns.id, strlen(ns.id) + 1));
    ck_assert_int_eq(session_stored_token(&app, raw, stored), 0);
    ck_assert_str_eq(ns.token, stored);
    ck_assert_str_eq(ns.user_id, ALICE_ID);
    ck_assert_int_eq(ns.expires_in_s, SESSION_SHORT_EXPIRES_S);
    ck_assert_str_eq(ns.ip_address, PEER);
}
END_TEST

/* ASCII letters only are lowered, into a copy in the arena. */
START_TEST(test_lowered_email)
{
    const char *in = "Alice.\xC3\x84@Example.COM";
    char *out = steps_lowered_email(&call, in);

    ck_assert_str_eq(out, "alice.\xC3\x84@example.com");
    ck_assert_ptr_ne(out, in);
    ck_assert(arena_holds(arena, out, strlen(out) + 1));
}
END_TEST

START_TEST(test_find_user)
{
    struct user_record user;
    const char *hash = "unset";
    bool found = true;

    seed_alice();
    ck_assert(steps_find_user(&call, ALICE_EMAIL, &user, &hash, &found));
    ck_assert(found);
    ck_assert_str_eq(user.id, ALICE_ID);
    ck_assert_ptr_nonnull(hash);
    ck_assert(steps_find_user(&call, "nobody@example.com", &user, &hash, &found));
    ck_assert(!found);
    ck_assert(unanswered());
}
END_TEST

/* A store failure is answered, and no header set before (a refreshed cookie) survives. */
START_TEST(test_find_user_fails)
{
    struct user_record user;
    const char *hash;
    bool found;

    response_header(&resp, "Set-Cookie", "better-auth.session_token=refreshed");
    fake_store_fail(fs, FAKE_OP_USER_BY_EMAIL, DB_RETRY, 0);
    ck_assert(!steps_find_user(&call, ALICE_EMAIL, &user, &hash, &found));
    assert_answer(resp, 503, E_UNAVAILABLE);
    ck_assert_uint_eq(handler_harness_header_count(&resp, "Set-Cookie"), 0);
    ck_assert_str_eq(handler_harness_header(&resp, "Retry-After"), "7");
}
END_TEST

START_TEST(test_fail_drops_headers)
{
    response_header(&resp, "Location", "/somewhere");
    steps_fail(&call, FAIL_RANDOM);
    assert_answer(resp, 500, E_INTERNAL);
    ck_assert_ptr_null(handler_harness_header(&resp, "Location"));
}
END_TEST

START_TEST(test_status_true)
{
    steps_answer_status_true(&call);
    assert_answer(resp, 200, STATUS_TRUE);
}
END_TEST

/* ---- where handlers hold secrets -----------------------------------------------------------
 * The fake store's operations that receive a password hash or a session token are wrapped:
 * each records whether what it was given lies in the request's arena. */

static struct store_ops fake_ops_copy, watching_ops;
static unsigned secrets_seen, secrets_elsewhere;

static void see(const char *secret)
{
    if (secret == NULL)
        return;
    secrets_seen++;
    if (!arena_holds(arena, secret, strlen(secret) + 1))
        secrets_elsewhere++;
}

static void see_session(const struct new_session *s)
{
    if (s != NULL) {
        see(s->token);
        see(s->id);
    }
}

static enum db_status watch_sign_up(void *impl, struct arena *a, const struct new_user *u,
                                    const struct new_session *s, struct user_record *user_out,
                                    struct session_record *session_out)
{
    see(u->password_hash);
    see_session(s);
    return fake_ops_copy.sign_up(impl, a, u, s, user_out, session_out);
}

static enum db_status watch_session_create(void *impl, struct arena *a, const struct new_session *s,
                                           struct session_record *out)
{
    see_session(s);
    return fake_ops_copy.session_create(impl, a, s, out);
}

static enum db_status watch_password_set(void *impl, struct arena *a, const char *user_id,
                                         const char *password_hash, const struct new_session *s,
                                         struct session_record *session_out)
{
    see(password_hash);
    see_session(s);
    return fake_ops_copy.password_set(impl, a, user_id, password_hash, s, session_out);
}

static enum db_status watch_password_reset(void *impl, struct arena *a, const char *identifier,
                                           const char *account_id, const char *password_hash,
                                           bool revoke_sessions, const char **user_id)
{
    see(identifier);
    see(password_hash);
    return fake_ops_copy.password_reset(impl, a, identifier, account_id, password_hash,
                                        revoke_sessions, user_id);
}

static enum db_status watch_session_delete_token(void *impl, const char *token)
{
    see(token);
    return fake_ops_copy.session_delete_token(impl, token);
}

static enum db_status watch_session_delete_of_user(void *impl, struct arena *a, const char *user_id,
                                                   const char *token, const char *handle,
                                                   const char **deleted_id)
{
    see(token);
    return fake_ops_copy.session_delete_of_user(impl, a, user_id, token, handle, deleted_id);
}

static void watch_setup(void)
{
    struct store *store;

    setup();
    store = fake_store_store(fs);
    fake_ops_copy = *store->ops;
    watching_ops = fake_ops_copy;
    watching_ops.sign_up = watch_sign_up;
    watching_ops.session_create = watch_session_create;
    watching_ops.password_set = watch_password_set;
    watching_ops.password_reset = watch_password_reset;
    watching_ops.session_delete_token = watch_session_delete_token;
    watching_ops.session_delete_of_user = watch_session_delete_of_user;
    store->ops = &watching_ops;
    secrets_seen = secrets_elsewhere = 0;
}

static void assert_secrets_in_arena(unsigned expected)
{
    ck_assert_uint_eq(secrets_seen, expected);
    ck_assert_msg(secrets_elsewhere == 0, "%u of %u secrets outside the request's arena",
                  secrets_elsewhere, secrets_seen);
}

/* Each test runs under plain storage (_i 0: the stored token is the raw token) and hash. */
START_TEST(test_sign_up_secrets)
{
    struct response r;

    configure((struct config){.hash = _i == 1});
    r = POST_JSON("/sign-up/email", .body = "{\"email\":\"" ALICE_EMAIL
                                            "\",\"password\":\"" PASSWORD "\",\"name\":\"Alice\"}");

    assert_status(r, 200);
    assert_secrets_in_arena(3); /* hash, session token, session id */
}
END_TEST

START_TEST(test_sign_in_secrets)
{
    struct response r;

    configure((struct config){.hash = _i == 1});
    seed_alice();
    r = POST_JSON("/sign-in/email", .body = ALICE_SIGN_IN);
    assert_status(r, 200);
    assert_secrets_in_arena(2);
}
END_TEST

START_TEST(test_change_password_secrets)
{
    struct response r;

    configure((struct config){.hash = _i == 1});
    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = POST_JSON("/change-password", .cookie = V_COOKIE, .origin = FRONT,
                  .body =
                      "{\"currentPassword\":\"" PASSWORD "\",\"newPassword\":\"changed-pass-1\","
                      "\"revokeOtherSessions\":true}");
    assert_status(r, 200);
    assert_secrets_in_arena(3);
}
END_TEST

START_TEST(test_reset_password_secrets)
{
    struct response r;
    char stored[SESSION_STORED_TOKEN_SIZE];

    configure((struct config){.hash = _i == 1});
    seed_alice();
    ck_assert_int_eq(session_stored_token(&app, "ResetTokenResetTokenRese", stored), 0);
    fake_store_add_verification(fs, "VerificationRow0000000000000000r",
                                arena_printf(arena, "reset-password:%s", stored), ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
    r = POST_JSON(
        "/reset-password", .origin = FRONT,
        .body = "{\"token\":\"ResetTokenResetTokenRese\",\"newPassword\":\"changed-pass-1\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_secrets_in_arena(2); /* the row's identifier, the hash */
}
END_TEST

START_TEST(test_sign_out_secrets)
{
    struct response r;

    configure((struct config){.hash = _i == 1});
    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    r = POST_JSON("/sign-out", .cookie = V_COOKIE, .origin = FRONT);
    assert_status(r, 200);
    assert_secrets_in_arena(1);
}
END_TEST

START_TEST(test_revoke_session_secrets)
{
    struct response r;

    configure((struct config){.hash = _i == 1});
    seed_alice();
    seed_live("vsession000000000000000000000000", V_TOKEN, ALICE_ID);
    seed_live(A2_ID, A2_TOKEN, ALICE_ID);
    r = POST_JSON("/revoke-session", .cookie = V_COOKIE, .origin = FRONT,
                  .body = "{\"token\":\"" A2_TOKEN "\"}");
    assert_answer(r, 200, STATUS_TRUE);
    assert_secrets_in_arena(1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("steps");
    TCase *tc = tcase_create("steps");

    tcase_add_checked_fixture(tc, call_setup, teardown);
    tcase_add_loop_test(tc, test_password_length, 0, sizeof(lengths) / sizeof(lengths[0]));
    tcase_add_test(tc, test_password_too_long);
    tcase_add_test(tc, test_hash_password);
    tcase_add_loop_test(tc, test_new_session, 0, 2);
    tcase_add_test(tc, test_lowered_email);
    tcase_add_test(tc, test_find_user);
    tcase_add_test(tc, test_find_user_fails);
    tcase_add_test(tc, test_fail_drops_headers);
    tcase_add_test(tc, test_status_true);
    suite_add_tcase(s, tc);

    tc = tcase_create("secrets");
    tcase_add_checked_fixture(tc, watch_setup, teardown);
    tcase_add_loop_test(tc, test_sign_up_secrets, 0, 2);
    tcase_add_loop_test(tc, test_sign_in_secrets, 0, 2);
    tcase_add_loop_test(tc, test_change_password_secrets, 0, 2);
    tcase_add_loop_test(tc, test_reset_password_secrets, 0, 2);
    tcase_add_loop_test(tc, test_sign_out_secrets, 0, 2);
    tcase_add_loop_test(tc, test_revoke_session_secrets, 0, 2);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
