/* flows_world - the world the check_flows_* suites share (see flows_world.h). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "auth/mail_token.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"
#include "global/settings.h"
#include "flows_world.h"
#include "util/random.h"

/* configured - the settings a worker reads for cfg. */
static struct settings configured(struct config cfg)
{
    struct settings s = harness_settings();

    s.session_storage = cfg.hash ? SESSION_STORAGE_HASH : SESSION_STORAGE_PLAIN;
    s.rate_limit = cfg.rate_limit;
    s.mail_from = cfg.no_mail ? NULL : MAIL_FROM;
    s.change_email = cfg.change_email;
    s.require_email_verification = cfg.require;
    s.send_verification_on_sign_up = cfg.on_sign_up;
    s.send_verification_on_sign_in = cfg.on_sign_in;
    s.revoke_sessions_on_reset = !cfg.keep_sessions;
    s.pages = !cfg.no_pages;
    s.pages_template_dir = (char *)cfg.pages_template_dir;
    s.two_factor = cfg.two_factor;
    return s;
}

int build(struct config cfg, char *err, size_t errlen)
{
    struct settings s = configured(cfg);

    return harness_app_build(&s, err, errlen);
}

void configure(struct config cfg)
{
    struct settings s = configured(cfg);

    harness_app_rebuild(&s);
}

void setup(void)
{
    struct settings s = configured((struct config){.change_email = true});

    harness_app_new(&s);
}

void teardown(void)
{
    harness_app_free();
}

/* ---- requests and responses -------------------------------------------------------------- */

struct response dispatch(struct request req)
{
    return handler_harness_dispatch(&app, arena, req);
}

/* check_redirect - Better Auth's endpoint redirect: 302, this Location, an empty JSON body
 * (a Content-Type and nothing else) [main-32, main-39]. */
void check_redirect(const struct response *r, const char *location, int line)
{
    const char *have = handler_harness_header(r, "Location");

    ck_assert_msg(r->status == 302, "line %d: status %d, body %s", line, r->status,
                  r->body != NULL ? r->body : "(none)");
    ck_assert_msg(have != NULL && strcmp(have, location) == 0, "line %d: Location %s, expected %s",
                  line, have != NULL ? have : "(none)", location);
    ck_assert_msg(r->body != NULL && r->body_len == 0, "line %d: body", line);
}

/* ---- seeding and reading the world ------------------------------------------------------- */

void seed_alice(void)
{
    handler_harness_seed_alice(fs, &app);
}

void seed_bob(void)
{
    handler_harness_seed_bob(fs, &app);
}

/* seed_n - alice signed in as N an hour ago (no sliding refresh due). */
void seed_n(void)
{
    int64_t now = fake_store_now_ms();

    seed_alice();
    fake_store_add_session(fs, N_ID, N_TOKEN, ALICE_ID, NULL, now - HOUR_MS,
                           now + 7 * DAY_MS - HOUR_MS);
}

void seed_reset_token(const char *token, const char *user_id, int64_t expires_in_ms)
{
    fake_store_add_verification(fs, "VerificationRow0000000000000000a",
                                arena_printf(arena, "reset-password:%s", token), user_id,
                                fake_store_now_ms() + expires_in_ms);
}

bool password_is(const char *user_id, const char *password)
{
    struct fake_account *acc = fake_store_credential(fs, user_id);

    return acc != NULL && password_verify(&app.passwords, password, strlen(password), acc->password,
                                          NULL) == PASSWORD_OK;
}

/* mail_link - the link in the i-th queued mail: the line that starts with the API base. */
const char *mail_link(size_t i)
{
    const struct fake_mail *m = fake_store_mail_at(fs, i);
    const char *start, *end;

    ck_assert_msg(m != NULL, "no mail #%zu", i);
    start = strstr(m->text, "\n" API_BASE "/");
    ck_assert_msg(start != NULL, "no link in mail:\n%s", m->text);
    start++;
    end = strchr(start, '\n');
    ck_assert_ptr_nonnull(end);
    return arena_strndup(arena, start, (size_t)(end - start));
}

/* between - the text of s after prefix up to stop (or the end). */
const char *between(const char *s, const char *prefix, char stop)
{
    const char *p = strstr(s, prefix), *e;

    ck_assert_msg(p != NULL, "%s not in %s", prefix, s);
    p += strlen(prefix);
    e = strchr(p, stop);
    return arena_strndup(arena, p, e != NULL ? (size_t)(e - p) : strlen(p));
}

/* link_token - the token=... of a verify-email link. */
const char *link_token(const char *link)
{
    return between(link, "token=", '&');
}

struct mail_claims claims_of(const char *jwt)
{
    struct mail_claims c;

    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), jwt, strlen(jwt), (int64_t)time(NULL), &c),
        JWT_OK);
    return c;
}

/* verify_query - ?token=...[&callbackURL=...] with the callback percent-encoded as a browser
 * would send the link's own. */
const char *verify_query(const char *jwt, const char *encoded_callback)
{
    return encoded_callback != NULL
               ? arena_printf(arena, "token=%s&callbackURL=%s", jwt, encoded_callback)
               : arena_printf(arena, "token=%s", jwt);
}

/* issue_link - a verify-email (or change-email) JWT of ours, with its row, for user/email. */
const char *issue_link(const char *user_id, const char *email, const char *update_to,
                       int64_t row_expires_in_ms)
{
    char jti[RANDOM_TOKEN_LEN + 1];
    struct mail_claims c = {.email = email,
                            .user_id = user_id,
                            .update_to = update_to,
                            .request_type = update_to != NULL ? MAIL_TOKEN_CHANGE_EMAIL : NULL,
                            .jti = jti};

    ck_assert_int_eq(random_token(jti, RANDOM_TOKEN_LEN), 0);
    fake_store_add_verification(fs, "VerificationRow0000000000000000b",
                                arena_printf(arena, "verify-email:%s", jti), user_id,
                                fake_store_now_ms() + row_expires_in_ms);
    return mail_token_sign(arena, SECRET, strlen(SECRET), &c, (int64_t)time(NULL));
}

/* ---- equal work before the answer [issue 9, items 2 and 6] ---- */

/* work_of - what the request just dispatched did (calls counted since the last reset);
 * resets the counts for the next one. */
struct work work_of(void)
{
    struct work w;

    for (int op = 0; op < FAKE_OP__MAX; op++) {
        w.after[op] = fake_store_calls_answered(fs, (enum fake_op)op);
        w.before[op] = fake_store_calls(fs, (enum fake_op)op) - w.after[op];
    }
    fake_store_reset_calls(fs);
    return w;
}

/* assert_same_answer_work - two requests of a pair made the same store calls before their
 * answers, and one each after: nothing but the answers' timing could tell them apart, and
 * that has nothing to show. (The database work is what differs between the branches: the hash-free
 * handlers' CPU is the same code either way.) */
void assert_same_answer_work(const struct work *a, const struct work *b, const char *pair)
{
    unsigned after_a = 0, after_b = 0;

    for (int op = 0; op < FAKE_OP__MAX; op++) {
        ck_assert_msg(a->before[op] == b->before[op], "%s: %u calls of %s before the answer, %u",
                      pair, a->before[op], fake_op_name((enum fake_op)op), b->before[op]);
        after_a += a->after[op];
        after_b += b->after[op];
    }
    /* After the answer one branch queues its mail, the other prepares it and reads instead:
     * one round trip each. */
    ck_assert_msg(after_a == 1 && after_b == 1, "%s: %u and %u store calls after the answer", pair,
                  after_a, after_b);
}
