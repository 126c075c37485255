/* check_handlers_meta - GET /ok, GET /error and what the router answers for paths it does not
 * route. Against the fake store through router_dispatch, compared with Better Auth 1.7.25's answers
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

/* ==== GET /ok, GET /error, routing ======================================================== */

/* [main-01, main-02] */
static const struct {
    const char *query, *location;
} error_redirects[] = {
    {"", "/?error=UNKNOWN"},
    {"error=INVALID_TOKEN&error_description=bad", "/?error=INVALID_TOKEN&error_description=bad"},
    {"error=a%3Cb", "/?error=UNKNOWN"},
};

START_TEST(test_error_redirect)
{
    struct response r = GET("/error", .query = error_redirects[_i].query);

    assert_answer(r, 302, NULL);
    ck_assert_uint_eq(r.nheaders, 1);
    ck_assert_str_eq(handler_harness_header(&r, "Location"), error_redirects[_i].location);
}
END_TEST

/* [main-03, main-46] exact routing: bare 404s, also for routes Better Auth keeps server-only. */
static const struct {
    const char *method, *path;
} not_routed[] = {
    {"GET", API "/sign-in/email"},
    {"POST", API "/forget-password"},
    {"POST", API "/set-password"},
    {"GET", API "/ok/"},
    {"HEAD", API "/ok"},
    {"OPTIONS", API "/sign-in/email"},
    {"GET", API},
    {"PUT", API "/update-user"},
};

START_TEST(test_not_routed)
{
    struct response r = dispatch((struct request){.method = not_routed[_i].method,
                                                  .path = not_routed[_i].path,
                                                  .cookie = N_COOKIE,
                                                  .origin = FRONT});

    assert_answer(r, 404, NULL);
    ck_assert_uint_eq(r.nheaders, 0);
    ck_assert_uint_eq(fake_store_total_calls(fs), 0);
}
END_TEST

START_TEST(test_ok)
{
    struct response r = GET("/ok");

    assert_answer(r, 200, "{\"ok\":true}");
    ck_assert_uint_eq(r.nheaders, 0);
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *tc = tcase_create("meta");

    tcase_add_checked_fixture(tc, setup, teardown);
    LOOP(tc, test_error_redirect, error_redirects);
    LOOP(tc, test_not_routed, not_routed);
    tcase_add_test(tc, test_ok);
    suite_add_tcase(s, tc);
    return handler_world_main(s);
}
