/* check_request_fail - a request that fails for a reason that is not the database's (no random
 * bytes, no HMAC, a password hash that cannot be computed, no client address to count) answers
 * the one 500 and logs event=request_failed with its route and that reason, never as a store
 * failure (status=fail). router_dispatch over the fake store with stderr captured; the kernel's
 * random source and libcrypto's HMAC are made to fail through the linker (-Wl,--wrap=getrandom
 * and --wrap=EVP_MAC_init, see Makefile.am). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "global/settings.h"

/* ---- a random source that fails on demand ------------------------------------------------ */

ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);

static bool random_fails;

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
    if (random_fails) {
        errno = EIO;
        return -1;
    }
    return __real_getrandom(buf, len, flags);
}

int __real_EVP_MAC_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen,
                        const OSSL_PARAM params[]);
int __wrap_EVP_MAC_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen,
                        const OSSL_PARAM params[]);

static bool hmac_fails;

int __wrap_EVP_MAC_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen,
                        const OSSL_PARAM params[])
{
    if (hmac_fails)
        return 0;
    return __real_EVP_MAC_init(ctx, key, keylen, params);
}

/* ---- the world --------------------------------------------------------------------------- */

static void world_new(void)
{
    struct settings s = harness_settings();

    s.session_storage = SESSION_STORAGE_HASH;
    harness_app_new(&s);
    handler_harness_seed_alice(fs, &app);
    random_fails = hmac_fails = false;
}

static void world_free(void)
{
    random_fails = hmac_fails = false;
    harness_app_free();
}

/* ---- the cases --------------------------------------------------------------------------- */

enum breakage {
    BREAK_RANDOM,        /* the kernel gives no random bytes */
    BREAK_HASH_COST,     /* a yescrypt cost libxcrypt refuses: no hash can be computed */
    BREAK_RANDOM_VERIFY, /* no random bytes, and sign-up answers taken addresses as new ones */
    BREAK_NO_ADDRESS,    /* the web server passed no client address, with rate limits on */
    BREAK_HMAC,          /* libcrypto computes no HMAC */
    BREAK_HMAC_GUARD,    /* no HMAC, with the per-account guard on */
};

#define SIGN_IN_BODY "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"" PASSWORD "\"}"
#define SIGN_UP_NEW "{\"email\":\"carol@example.com\",\"password\":\"password123\",\"name\":\"C\"}"
#define SIGN_UP_TAKEN "{\"email\":\"" ALICE_EMAIL "\",\"password\":\"password123\",\"name\":\"A\"}"

static const struct {
    enum breakage breakage;
    const char *method;
    const char *path;
    const char *body;
    const char *cookie;
    const char *line; /* what the request_failed line must say */
} cases[] = {
    {BREAK_RANDOM, "POST", API "/sign-in/email", SIGN_IN_BODY, NULL,
     "route=signInEmail reason=session_token"},
    {BREAK_HASH_COST, "POST", API "/sign-up/email", SIGN_UP_NEW, NULL,
     "route=signUpEmail reason=password_hash"},
    {BREAK_RANDOM_VERIFY, "POST", API "/sign-up/email", SIGN_UP_TAKEN, NULL,
     "route=signUpEmail reason=random"},
    {BREAK_NO_ADDRESS, "POST", API "/sign-in/email", SIGN_IN_BODY, NULL,
     "route=none reason=client_address_unknown"},
    {BREAK_HMAC, "GET", API "/get-session", NULL, H_COOKIE,
     "route=getSession reason=cookie_verify"},
    {BREAK_HMAC, "GET", API "/list-sessions", NULL, H_COOKIE,
     "route=listSessions reason=cookie_verify"},
    {BREAK_HMAC_GUARD, "POST", API "/sign-in/email", SIGN_IN_BODY, NULL,
     "route=signInEmail reason=account_key"},
};

START_TEST(test_failure_logs_its_reason)
{
    struct request req = {
        .method = cases[_i].method,
        .path = cases[_i].path,
        .content_type = cases[_i].body != NULL ? JSON_CT : NULL,
        .body = cases[_i].body,
        .origin = FRONT,
        .cookie = cases[_i].cookie,
    };
    const char *text, *line;
    struct response r;

    switch (cases[_i].breakage) {
    case BREAK_RANDOM:
        random_fails = true;
        break;
    case BREAK_HASH_COST:
        app.passwords.cost = 99;
        break;
    case BREAK_RANDOM_VERIFY:
        app.require_email_verification = true;
        random_fails = true;
        break;
    case BREAK_NO_ADDRESS:
        app.rate_limit = true;
        req.remote_addr = "";
        break;
    case BREAK_HMAC:
        hmac_fails = true;
        break;
    case BREAK_HMAC_GUARD:
        app.account_guard = true;
        hmac_fails = true;
        break;
    }
    harness_capture_start();
    r = handler_harness_dispatch(&app, arena, req);
    text = harness_capture_end();
    random_fails = hmac_fails = false;

    assert_answer(r, 500, E_INTERNAL);
    line = strstr(text, "event=request_failed");
    ck_assert_msg(line != NULL, "no request_failed line: %s", text);
    ck_assert_msg(strstr(line, cases[_i].line) != NULL, "expected \"%s\" in: %s", cases[_i].line,
                  text);
    /* Not reported as the database's failure. */
    ck_assert_msg(strstr(text, "status=") == NULL, "a store status in the log: %s", text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("request_fail");
    TCase *tc = tcase_create("reasons");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, world_new, world_free);
    tcase_add_loop_test(tc, test_failure_logs_its_reason, 0, sizeof cases / sizeof cases[0]);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
