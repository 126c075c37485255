/* handler_harness - one request through router_dispatch as fcgi_io hands it over, and the
 * assertions on its response that check_handlers_*, check_flows_* and check_router share. */
#include "config.h"

#include "handler_harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fake_store.h"
#include "auth/password.h"
#include "auth/router.h"

void handler_harness_seed_user(struct fake_store *fs, const struct app *app, const char *id,
                               const char *name, const char *email, const char *password,
                               const char *account_id)
{
    char hash[PASSWORD_HASH_SIZE];

    if (password != NULL)
        ck_assert_int_eq(
            password_hash(&app->passwords, password, strlen(password), hash, sizeof(hash)),
            PASSWORD_OK);
    fake_store_add_user(fs, id, name, email, password != NULL ? hash : NULL, account_id,
                        fake_store_now_ms() - 3 * DAY_MS);
}

void handler_harness_seed_alice(struct fake_store *fs, const struct app *app)
{
    handler_harness_seed_user(fs, app, ALICE_ID, "Alice", ALICE_EMAIL, PASSWORD, ALICE_ACCOUNT);
}

void handler_harness_seed_bob(struct fake_store *fs, const struct app *app)
{
    handler_harness_seed_user(fs, app, BOB_ID, "Bob", BOB_EMAIL, PASSWORD, NULL);
}

/* scribble_stack - overwrite the stack below the caller, where the frames of the dispatch
 * just finished were: deferred work that kept a pointer into one of them (the pages' inner
 * request did) then reads garbage and fails its test, as it would once serve_one's answer
 * had reused that stack. */
__attribute__((noinline)) static void scribble_stack(void)
{
    volatile unsigned char junk[64 * 1024];

    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xa5;
}

struct response handler_harness_dispatch(struct app *app, struct arena *arena, struct request req)
{
    struct response resp;

    if (req.query == NULL)
        req.query = "";
    if (req.remote_addr == NULL)
        req.remote_addr = PEER;
    if (req.body != NULL) {
        req.body_len = strlen(req.body);
        req.body = arena_strdup(arena, req.body);
    }
    req.arena = arena;
    response_init(&resp, arena);
    router_dispatch(app, &req, &resp);
    /* As serve_one: the answer is complete, then the deferred work runs (the suites' stores
     * are fake ones, told so that they can say which calls came after the answer). */
    fake_store_set_answered(app->store->impl, true);
    scribble_stack();
    response_run_deferred(&resp);
    fake_store_set_answered(app->store->impl, false);
    return resp;
}

size_t handler_harness_header_count(const struct response *r, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            n++;
    return n;
}

const char *handler_harness_header_nth(const struct response *r, const char *name, size_t n)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0 && n-- == 0)
            return r->headers[i].value;
    return NULL;
}

const char *handler_harness_header(const struct response *r, const char *name)
{
    return handler_harness_header_nth(r, name, 0);
}

const char *handler_harness_cookie_pair(struct arena *a, const struct response *r, const char *name)
{
    for (size_t i = 0; i < handler_harness_header_count(r, "Set-Cookie"); i++) {
        const char *line = handler_harness_header_nth(r, "Set-Cookie", i);

        if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == '=')
            return arena_strndup(a, line, strcspn(line, ";"));
    }
    return NULL;
}

void handler_harness_check_answer(const struct response *r, int status, const char *text, int line)
{
    const char *body = r->body != NULL ? r->body : "(none)";

    ck_assert_msg(r->status == status, "line %d: status %d, expected %d; body %s", line, r->status,
                  status, body);
    if (text == NULL) {
        ck_assert_msg(r->body == NULL, "line %d: a body where none was expected: %s", line, body);
        return;
    }
    ck_assert_msg(r->body != NULL && strcmp(r->body, text) == 0,
                  "line %d: body\n  %s\nexpected\n  %s", line, body, text);
    ck_assert_uint_eq(r->body_len, strlen(text));
}

void handler_harness_check_cookies(const struct response *r, size_t n, const char *const *lines)
{
    size_t have = handler_harness_header_count(r, "Set-Cookie");
    const char *first = handler_harness_header(r, "Set-Cookie");

    ck_assert_msg(have == n, "%zu Set-Cookie lines, expected %zu (%s)", have, n,
                  first != NULL ? first : "none");
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(handler_harness_header_nth(r, "Set-Cookie", i), lines[i]);
}

/* ---- running a suite ------------------------------------------------------------------------ */

int harness_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- log lines ------------------------------------------------------------------------------ */

static FILE *capture_file;
static int saved_stderr = -1;
static char captured[64 * 1024];

void harness_capture_start(void)
{
    capture_file = tmpfile();
    ck_assert_ptr_nonnull(capture_file);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_int_eq(dup2(fileno(capture_file), STDERR_FILENO), STDERR_FILENO);
}

const char *harness_capture_end(void)
{
    size_t n;

    ck_assert_int_eq(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
    close(saved_stderr);
    rewind(capture_file);
    n = fread(captured, 1, sizeof captured - 1, capture_file);
    captured[n] = '\0';
    fclose(capture_file);
    return captured;
}
