/* handler_harness - what the suites that drive router_dispatch share: the reference peer's
 * configuration and accounts (auth.mjs, as the transcripts recorded them), one request run as
 * fcgi_io hands it over, and assertions on status, body, headers and Set-Cookie lines. */
#ifndef AUTHFCGI_HANDLER_HARNESS_H
#define AUTHFCGI_HANDLER_HARNESS_H

#include <stddef.h>

#include <check.h>

#include "auth/app.h"
#include "util/arena.h"
#include "auth/http.h"

/* ---- the reference peer's configuration (auth.mjs) --------------------------------------- */

#define SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"
#define BASE_URL "http://127.0.0.1:3000"
#define FRONT "http://localhost:8080"
#define EVIL "https://evil.example"
#define API "/api/auth"
#define JSON_CT "application/json"
#define PEER "192.0.2.10"

#define SEC_MS 1000LL
#define HOUR_MS (3600 * SEC_MS)
#define DAY_MS (24 * HOUR_MS)

#define PASSWORD "password123"
#define ALICE_ID "jIekEJBhZbNSSdM3t8WuI2uvHqYN4ceY"
#define ALICE_ACCOUNT "RayEkyIJPVMbozg9wCaVUjxFV630JwBG"
#define ALICE_EMAIL "alice.632735@example.com"
#define BOB_ID "5HYHHAoNWU2F5fWx4IVyminru5S1mkVr"
#define BOB_EMAIL "bob.632735@example.com"

/* Session tokens and their cookies as the reference peer signed them (plain storage). */
#define COOKIE_PAIR(token, sig) "better-auth.session_token=" token "." sig
#define H_TOKEN "hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z"
#define H_ID "0GDVLI8T6xZVXGC2fzkg7NYpK7crwpsO"
#define H_COOKIE COOKIE_PAIR(H_TOKEN, "Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGOBA%3D")
#define N_TOKEN "nT2oTZSc2QjGKdyxXuAbvr2ujaLhTra3"
#define N_ID "6jkPEm5f4jf5I8wNATZ9X7ZXt1d5wVZE"
#define N_COOKIE COOKIE_PAIR(N_TOKEN, "RlgNvZ677GG2QcRUxTBEyhjZZ170K3TilXU46ZB1MN8%3D")

/* Recorded error bodies both suites compare with. */
#define E_UNAUTHORIZED "{\"message\":\"Unauthorized\",\"code\":\"UNAUTHORIZED\"}"
#define E_CALLBACK "{\"message\":\"Invalid callbackURL\",\"code\":\"INVALID_CALLBACK_URL\"}"
#define E_TOO_SHORT "{\"message\":\"Password too short\",\"code\":\"PASSWORD_TOO_SHORT\"}"
#define E_TOO_LONG "{\"message\":\"Password too long\",\"code\":\"PASSWORD_TOO_LONG\"}"
#define E_CREDENTIALS                                                                              \
    "{\"message\":\"Invalid email or password\",\"code\":\"INVALID_EMAIL_OR_PASSWORD\"}"
#define E_UNAVAILABLE "{\"message\":\"Service unavailable\",\"code\":\"SERVICE_UNAVAILABLE\"}"
#define E_OUTCOME_UNKNOWN                                                                          \
    "{\"message\":\"The change may or may not have been made; check before repeating "             \
    "it\",\"code\":\"OUTCOME_UNKNOWN\"}"
#define E_INTERNAL "{\"message\":\"Internal server error\",\"code\":\"INTERNAL_SERVER_ERROR\"}"
#define E_VALIDATION(msg) "{\"message\":\"" msg "\",\"code\":\"VALIDATION_ERROR\"}"

/* ---- seeding the fake store ------------------------------------------------------------- */

struct fake_store;

/* handler_harness_seed_user - a user created three days ago, with a credential account holding
 * password hashed under app's settings (none when password is NULL); account_id as
 * fake_store_add_user takes it. handler_harness_seed_alice/bob - the recorded Alice (with her
 * recorded account id) and Bob, both with PASSWORD. */
void handler_harness_seed_user(struct fake_store *fs, const struct app *app, const char *id,
                               const char *name, const char *email, const char *password,
                               const char *account_id);
void handler_harness_seed_alice(struct fake_store *fs, const struct app *app);
void handler_harness_seed_bob(struct fake_store *fs, const struct app *app);

/* ---- requests ---------------------------------------------------------------------------- */

/* handler_harness_dispatch - run req through router_dispatch as fcgi_io would hand it over:
 * an empty query and PEER as the address unless given, the body copied into arena with its
 * length; then the work the handler deferred, as the worker does once the answer is out. app's
 * store must be a fake_store. The response's memory belongs to arena. */
struct response handler_harness_dispatch(struct app *app, struct arena *arena, struct request req);

/* The suites spell requests with these; each defines dispatch(req) over its own app and
 * arena (a call of handler_harness_dispatch). */
#define POST_JSON(p, ...)                                                                          \
    dispatch(                                                                                      \
        (struct request){.method = "POST", .path = API p, .content_type = JSON_CT, __VA_ARGS__})
#define POST(p, ...) dispatch((struct request){.method = "POST", .path = API p, __VA_ARGS__})
#define GET(p, ...) dispatch((struct request){.method = "GET", .path = API p, __VA_ARGS__})

/* ---- responses --------------------------------------------------------------------------- */

/* handler_harness_header_count - how many headers are called name (any case). */
size_t handler_harness_header_count(const struct response *r, const char *name);

/* handler_harness_header_nth - the n-th (from 0) header called name, or NULL; the value
 * belongs to the response. handler_harness_header is the first one. */
const char *handler_harness_header_nth(const struct response *r, const char *name, size_t n);
const char *handler_harness_header(const struct response *r, const char *name);
/* handler_harness_cookie_pair - "name=value" of the Set-Cookie line of r that starts with
 * name=, in the arena; NULL = none. */
const char *handler_harness_cookie_pair(struct arena *a, const struct response *r,
                                        const char *name);

/* handler_harness_check_answer - status and exact body text (NULL: no body at all); line is
 * the caller's, for the message. */
void handler_harness_check_answer(const struct response *r, int status, const char *text, int line);

/* handler_harness_check_cookies - exactly these n Set-Cookie values, in this order. */
void handler_harness_check_cookies(const struct response *r, size_t n, const char *const *lines);

#define assert_status(r, st)                                                                       \
    ck_assert_msg((r).status == (st), "status %d, expected %d; body %s", (r).status, (st),         \
                  (r).body != NULL ? (r).body : "(none)")
#define assert_answer(r, st, text) handler_harness_check_answer(&(r), (st), (text), __LINE__)
#define assert_no_cookies(r) handler_harness_check_cookies(&(r), 0, NULL)
#define assert_one_cookie(r, line)                                                                 \
    do {                                                                                           \
        const char *one_[1] = {(line)};                                                            \
        handler_harness_check_cookies(&(r), 1, one_);                                              \
    } while (0)

/* ---- running a suite ------------------------------------------------------------------------ */

/* LOOP - a loop test over every row of table. */
#define LOOP(tc, fn, table)                                                                        \
    tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof((table)[0])))

/* harness_run - run suite s (the runner takes it over) and answer main's exit status. */
int harness_run(Suite *s);

/* ---- log lines ------------------------------------------------------------------------------ */

/* harness_capture_start - send stderr (the log) to a temporary file until harness_capture_end,
 * which restores it and returns what was written meanwhile (NUL-terminated, up to 64 KiB; the
 * text stays valid until the next capture). */
void harness_capture_start(void);
const char *harness_capture_end(void);

#endif
