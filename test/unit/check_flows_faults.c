/* check_flows_faults - every store operation of every mail-link flow made to fail: 503 for
 * DB_RETRY, 500 otherwise (the normal answer where the failing work was deferred past it), and
 * never a cookie, a redirect or a queued mail. Through router_dispatch against the fake store;
 * the shared world is flows_world.h. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_store.h"
#include "flows_world.h"
#include "handler_harness.h"
#include "auth/mail_token.h"
#include "auth/password.h"
#include "util/random.h"
#include "auth/router.h"
#include "auth/session.h"

/* ==== store failures ===================================================================== */

/* A failing store never answers 200, never queues a mail, and sets no cookie: 503 with
 * Retry-After for DB_RETRY, 500 for the rest. Each scenario's operations fail in turn. */
struct scenario {
    const char *name;
    void (*seed)(void);
    struct request (*request)(void);
    int status;
};

static void seed_reset(void)
{
    seed_n();
    seed_reset_token(RESET_TOKEN, ALICE_ID, HOUR_MS);
}

static void seed_verify(void)
{
    seed_alice();
    fake_store_add_verification(fs, "VerificationRow0000000000000000c",
                                "verify-email:JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt", ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
}

static void seed_change(void)
{
    seed_n();
    fake_store_add_verification(fs, "VerificationRow0000000000000000d",
                                "verify-email:JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt", ALICE_ID,
                                fake_store_now_ms() + HOUR_MS);
}

static const char *scenario_link(const char *update_to)
{
    struct mail_claims c = {.email = ALICE_EMAIL,
                            .user_id = ALICE_ID,
                            .update_to = update_to,
                            .request_type = update_to != NULL ? MAIL_TOKEN_CHANGE_EMAIL : NULL,
                            .jti = "JtiJtiJtiJtiJtiJtiJtiJtiJtiJtiJt"};

    return mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
}

#define REQ(fn, ...)                                                                               \
    static struct request fn(void)                                                                 \
    {                                                                                              \
        return (struct request){__VA_ARGS__};                                                      \
    }
#define P(p_) .method = "POST", .path = API p_, .content_type = JSON_CT

REQ(req_request_reset, P("/request-password-reset"),
    .body = "{\"email\":\"" ALICE_EMAIL "\",\"redirectTo\":\"/reset\"}")
REQ(req_request_reset_unknown, P("/request-password-reset"),
    .body = "{\"email\":\"nobody.632735@example.com\"}")
REQ(req_reset_link, .method = "GET", .path = API "/reset-password/" RESET_TOKEN,
    .query = "callbackURL=%2Freset")
REQ(req_reset, P("/reset-password"),
    .body = "{\"newPassword\":\"" NEW_PASSWORD "\",\"token\":\"" RESET_TOKEN "\"}")
REQ(req_send_session, P("/send-verification-email"), AS_N,
    .body = "{\"email\":\"" ALICE_EMAIL "\"}")
REQ(req_change, P("/change-email"), AS_N, .body = "{\"newEmail\":\"" ALICE_NEW "\"}")
REQ(req_sign_up_rv, P("/sign-up/email"), .body = RV_SIGN_UP)

static struct request req_verify(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(NULL), NULL)};
}

/* The verification link opened in the user's own browser: its session is looked up. */
static struct request req_verify_in_session(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(NULL), NULL),
                            .cookie = N_COOKIE};
}

static struct request req_verify_change(void)
{
    return (struct request){.method = "GET",
                            .path = API "/verify-email",
                            .query = verify_query(scenario_link(ALICE_NEW), NULL),
                            .cookie = N_COOKIE};
}

static void seed_nothing(void)
{
}

static const struct scenario scenarios[] = {
    {"request-password-reset", seed_alice, req_request_reset, 200},
    {"request-password-reset unknown", seed_alice, req_request_reset_unknown, 200},
    {"reset-password link", seed_reset, req_reset_link, 302},
    {"reset-password", seed_reset, req_reset, 200},
    {"send-verification-email", seed_n, req_send_session, 200},
    {"verify-email", seed_verify, req_verify, 200},
    {"verify-email in a session", seed_change, req_verify_in_session, 200},
    {"verify-email change", seed_change, req_verify_change, 200},
    {"change-email", seed_n, req_change, 200},
    {"sign-up with verification", seed_nothing, req_sign_up_rv, 200},
};

static const struct {
    enum db_status failure;
    int status;
    const char *answer;
} failures[] = {
    {DB_RETRY, 503, E_UNAVAILABLE},
    {DB_FAIL, 500, E_INTERNAL},
    {DB_INVALID, 500, E_INTERNAL},
};

static struct response run_scenario(const struct scenario *sc, int failing_op,
                                    enum db_status failure)
{
    teardown();
    setup();
    configure((struct config){
        .change_email = true, .require = sc->request == req_sign_up_rv, .rate_limit = true});
    sc->seed();
    fake_store_reset_calls(fs);
    if (failing_op >= 0)
        fake_store_fail(fs, (enum fake_op)failing_op, failure, 0);
    return dispatch(sc->request());
}

START_TEST(test_store_failures)
{
    const struct scenario *sc = &scenarios[_i];
    unsigned used[FAKE_OP__MAX], after[FAKE_OP__MAX];
    struct response r = run_scenario(sc, -1, DB_OK);
    char normal[512]; /* the world and its arena are made anew for every run */

    snprintf(normal, sizeof(normal), "%s", r.body != NULL ? r.body : "");

    ck_assert_msg(r.status == sc->status, "%s: %d without failures (%s)", sc->name, r.status,
                  r.body != NULL ? r.body : "");
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        used[op] = fake_store_calls(fs, (enum fake_op)op);
        after[op] = fake_store_calls_answered(fs, (enum fake_op)op);
    }
    for (int op = 0; op < FAKE_OP__MAX; op++) {
        if (used[op] == 0)
            continue;
        for (size_t f = 0; f < sizeof(failures) / sizeof(failures[0]); f++) {
            /* Work deferred until after the answer (a mail queued only for a known address)
             * fails where no client sees it: the normal answer stands, and nothing is queued. */
            bool deferred = after[op] == used[op];
            int want = deferred ? sc->status : failures[f].status;
            const char *answer = deferred ? normal : failures[f].answer;

            r = run_scenario(sc, op, failures[f].failure);
            ck_assert_msg(r.status == want && r.body != NULL && strcmp(r.body, answer) == 0,
                          "%s, %s -> %s: status %d, body %s", sc->name,
                          fake_op_name((enum fake_op)op), db_status_name(failures[f].failure),
                          r.status, r.body != NULL ? r.body : "(none)");
            ck_assert_msg(handler_harness_header_count(&r, "Set-Cookie") == 0, "%s, %s: Set-Cookie",
                          sc->name, fake_op_name((enum fake_op)op));
            ck_assert_msg(handler_harness_header(&r, "Location") == NULL, "%s: Location", sc->name);
            ck_assert_msg(fake_store_mail_count(fs) == 0, "%s, %s: a mail was queued", sc->name,
                          fake_op_name((enum fake_op)op));
        }
    }
}
END_TEST

/* ==== the suite =========================================================================== */

int main(void)
{
    Suite *s = suite_create("flows");
    TCase *tc = tcase_create("store failures");

    tcase_add_checked_fixture(tc, setup, teardown);
    LOOP(tc, test_store_failures, scenarios);
    suite_add_tcase(s, tc);
    return flows_world_main(s);
}
