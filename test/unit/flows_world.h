/* flows_world - what the check_flows_* suites share: the world of one test (a fake store, an
 * app with mail configured as a worker would build it, an arena), the recorded bodies, and
 * helpers that read the mails and links the flows send. */
#ifndef AUTHFCGI_FLOWS_WORLD_H
#define AUTHFCGI_FLOWS_WORLD_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "auth/mail_token.h"
#include "global/settings.h"

/* ---- the reference peer's configuration (auth.mjs) --------------------------------------- */

#define API_BASE BASE_URL "/api/auth"
#define MAIL_FROM "Example <noreply@example.com>"
#define NEW_PASSWORD "newpassword456"
#define ALICE_NEW "alice.new.632735@example.com"
#define RESET_TOKEN "Js4MBhbBXKcsSjnMkQZlnYBL"

#define N_LINE N_COOKIE "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"

/* Recorded bodies. */
#define E_INVALID_TOKEN_400 "{\"message\":\"Invalid token\",\"code\":\"INVALID_TOKEN\"}"
#define E_INVALID_TOKEN_401 E_INVALID_TOKEN_400
#define E_TOKEN_EXPIRED "{\"message\":\"Token expired\",\"code\":\"TOKEN_EXPIRED\"}"
#define E_REDIRECT "{\"message\":\"Invalid redirectURL\",\"code\":\"INVALID_REDIRECT_URL\"}"
#define E_MISMATCH "{\"message\":\"Email mismatch\",\"code\":\"EMAIL_MISMATCH\"}"
#define E_ALREADY "{\"message\":\"Email is already verified\",\"code\":\"EMAIL_ALREADY_VERIFIED\"}"
#define E_SAME "{\"message\":\"Email is the same\"}"
#define E_NOT_VERIFIED "{\"message\":\"Email not verified\",\"code\":\"EMAIL_NOT_VERIFIED\"}"
#define RESET_REQUESTED                                                                            \
    "{\"status\":true,\"message\":\"If this email exists in our system, check your email for "     \
    "the reset link\"}"
#define STATUS_TRUE "{\"status\":true}"

/* The user of the required-verification transcript [requireverification-01]. */
#define RV_EMAIL "rv.632805@example.com"
#define RV_SIGN_UP                                                                                 \
    "{\"email\":\"" RV_EMAIL "\",\"password\":\"" PASSWORD "\",\"name\":\"RV\",\"callbackURL\":"   \
    "\"/welcome\"}"
#define RV_SIGN_IN "{\"email\":\"" RV_EMAIL "\",\"password\":\"" PASSWORD "\"}"

/* ---- the world of one test --------------------------------------------------------------- */

struct config {
    bool no_mail;       /* AUTHFCGI_MAIL_FROM unset */
    bool change_email;  /* AUTHFCGI_CHANGE_EMAIL */
    bool require;       /* AUTHFCGI_REQUIRE_EMAIL_VERIFICATION */
    bool on_sign_up;    /* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP */
    bool on_sign_in;    /* AUTHFCGI_SEND_VERIFICATION_ON_SIGN_IN */
    bool keep_sessions; /* AUTHFCGI_REVOKE_SESSIONS_ON_RESET=off (Better Auth's default) */
    bool rate_limit;
    bool hash;     /* AUTHFCGI_SESSION_STORAGE=hash (the suite runs plain, as Better Auth stores) */
    bool no_pages; /* AUTHFCGI_PAGES=off */
    const char *pages_template_dir; /* AUTHFCGI_PAGES_TEMPLATE_DIR */
    bool two_factor;                /* AUTHFCGI_TWO_FACTOR */
};

/* The world itself (fs, arena, settings, app, app_ready) is harness_app.h's. */

/* A browser signed in as N: its cookie and the trusted Origin. */
#define AS_N .cookie = N_COOKIE, .origin = FRONT

#define assert_redirect(r, location) check_redirect(&(r), (location), __LINE__)

#define assert_ends_with(s, suffix)                                                                \
    do {                                                                                           \
        const char *s_ = (s);                                                                      \
        size_t n_ = strlen(s_), m_ = strlen(suffix);                                               \
        ck_assert_msg(n_ >= m_ && strcmp(s_ + n_ - m_, (suffix)) == 0, "%s does not end in %s",    \
                      s_, (suffix));                                                               \
    } while (0)

/* The store calls of each kind a request made before its answer was out, and after. */
struct work {
    unsigned before[FAKE_OP__MAX];
    unsigned after[FAKE_OP__MAX];
};

int build(struct config cfg, char *err, size_t errlen);

void configure(struct config cfg);

void setup(void);

void teardown(void);

struct response dispatch(struct request req);

/* check_redirect - Better Auth's endpoint redirect: 302, this Location, an empty JSON body
 * (a Content-Type and nothing else) [main-32, main-39]. */
void check_redirect(const struct response *r, const char *location, int line);

void seed_alice(void);

void seed_bob(void);

/* seed_n - alice signed in as N an hour ago (no sliding refresh due). */
void seed_n(void);

void seed_reset_token(const char *token, const char *user_id, int64_t expires_in_ms);

bool password_is(const char *user_id, const char *password);

/* mail_link - the link in the i-th queued mail: the line that starts with the API base. */
const char *mail_link(size_t i);

/* between - the text of s after prefix up to stop (or the end). */
const char *between(const char *s, const char *prefix, char stop);

/* link_token - the token=... of a verify-email link. */
const char *link_token(const char *link);

struct mail_claims claims_of(const char *jwt);

/* verify_query - ?token=...[&callbackURL=...] with the callback percent-encoded as a browser
 * would send the link's own. */
const char *verify_query(const char *jwt, const char *encoded_callback);

/* issue_link - a verify-email (or change-email) JWT of ours, with its row, for user/email. */
const char *issue_link(const char *user_id, const char *email, const char *update_to,
                       int64_t row_expires_in_ms);

/* work_of - what the request just dispatched did (calls counted since the last reset);
 * resets the counts for the next one. */
struct work work_of(void);

/* assert_same_answer_work - two requests of a pair made the same store calls before their
 * answers, and one each after: nothing but the answers' timing could tell them apart, and
 * that has nothing to show. (The database work is what differs between the branches: the hash-free
 * handlers' CPU is the same code either way.) */
void assert_same_answer_work(const struct work *a, const struct work *b, const char *pair);

/* flows_world_main - run suite s and answer main's exit status. */
#define flows_world_main harness_run

#endif
