/* check_router - the route table, exact routing with Better Auth's bare 404, and the meta
 * handlers against a fake store that can be told to fail. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/app.h"
#include "util/arena.h"
#include "handler_harness.h"
#include "auth/http.h"
#include "auth/request_id.h"
#include "auth/router.h"
#include "global/store.h"

static enum db_status fake_ping_status;

static enum db_status fake_ping(void *impl)
{
    (void)impl;
    return fake_ping_status;
}

static int fake_retry_after(void *impl)
{
    (void)impl;
    return 3;
}

static const struct store_ops fake_ops = {.ping = fake_ping, .retry_after = fake_retry_after};
static struct store fake_store = {.ops = &fake_ops, .impl = NULL};
static struct app app = {.settings = NULL, .store = &fake_store};
static struct arena *arena;

static void setup(void)
{
    arena = arena_create(4096);
    fake_ping_status = DB_OK;
}

static void teardown(void)
{
    arena_destroy(arena);
}

/* run - dispatch method + path and return the response. */
static struct response run(const char *method, const char *path)
{
    struct request req = {.method = method, .path = path, .query = "", .arena = arena};
    struct response resp;

    response_init(&resp, arena);
    router_dispatch(&app, &req, &resp);
    return resp;
}

static const struct {
    const char *method;
    const char *path;
} not_found[] = {
    {"GET", "/api/auth/nope"},
    {"POST", "/api/auth/ok"},
    {"GET", "/api/auth/ok/"},
    {"HEAD", "/api/auth/ok"},
    {"OPTIONS", "/api/auth/ok"},
    {"GET", "/api/auth"},
    {"GET", "/api/auth/"},
    {"GET", "/api/auth/OK"},
    {"GET", "/api/auth/ok%00"},
    {"GET", "/api/auth//ok"},
    {"GET", ""},
    {"DELETE", "/healthz"},
    {"GET", "/forget-password"},
    {"GET", "/api/auth/forget-password"},
};

START_TEST(test_unknown_routes_are_bare_404)
{
    struct response resp = run(not_found[_i].method, not_found[_i].path);

    ck_assert_int_eq(resp.status, 404);
    ck_assert_ptr_null(resp.body);
    ck_assert_uint_eq(resp.nheaders, 0);
}
END_TEST

START_TEST(test_ok_is_exactly_better_auths)
{
    struct response resp = run("GET", "/api/auth/ok");

    ck_assert_int_eq(resp.status, 200);
    ck_assert_str_eq(resp.body, "{\"ok\":true}");
    ck_assert_uint_eq(resp.body_len, strlen("{\"ok\":true}"));
}
END_TEST

START_TEST(test_healthz_needs_no_database)
{
    fake_ping_status = DB_RETRY;
    struct response resp = run("GET", "/healthz");

    ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(test_readyz_ready)
{
    struct response resp = run("GET", "/readyz");

    ck_assert_int_eq(resp.status, 200);
    ck_assert_str_eq(resp.body, "{\"status\":\"ready\"}");
}
END_TEST

static const enum db_status failing[] = {DB_RETRY, DB_FAIL, DB_NOTFOUND, DB_INVALID};

START_TEST(test_readyz_unavailable_never_200)
{
    fake_ping_status = failing[_i];
    struct response resp = run("GET", "/readyz");

    ck_assert_int_eq(resp.status, 503);
    ck_assert_str_eq(resp.body,
                     "{\"message\":\"Service unavailable\",\"code\":\"SERVICE_UNAVAILABLE\"}");
    ck_assert_ptr_nonnull(handler_harness_header(&resp, "Retry-After"));
    ck_assert_str_eq(handler_harness_header(&resp, "Retry-After"), "3");
}
END_TEST

START_TEST(test_route_table_is_well_formed)
{
    for (size_t i = 0; i < route_count; i++) {
        ck_assert_ptr_nonnull(route_table[i].handler);
        ck_assert_ptr_nonnull(route_table[i].operation_id);
        ck_assert_msg(route_table[i].path[0] == '/', "route %zu path not absolute", i);
        for (size_t j = i + 1; j < route_count; j++)
            ck_assert_msg(strcmp(route_table[i].path, route_table[j].path) != 0 ||
                              strcmp(route_table[i].method, route_table[j].method) != 0,
                          "duplicate route %s %s", route_table[i].method, route_table[i].path);
        ck_assert_ptr_eq(router_find(route_table[i].method, route_table[i].path), &route_table[i]);
    }
}
END_TEST

START_TEST(test_error_body_shape)
{
    struct response resp;

    response_init(&resp, arena);
    response_error(&resp, 400, NULL, "No fields to update");
    ck_assert_str_eq(resp.body, "{\"message\":\"No fields to update\"}");
    response_error(&resp, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL /a/b");
    ck_assert_str_eq(
        resp.body, "{\"message\":\"Invalid callbackURL /a/b\",\"code\":\"INVALID_CALLBACK_URL\"}");
}
END_TEST

static const struct {
    const char *content_type;
    bool is_json;
} media[] = {
    {"application/json", true},
    {"application/json; charset=utf-8", true},
    {"Application/JSON", true},
    {" application/json ;charset=utf-8", true},
    {"application/jsonx", false},
    {"text/plain", false},
    {"", false},
    {NULL, false},
};

START_TEST(test_media_type)
{
    ck_assert_int_eq(http_media_type_is(media[_i].content_type, "application/json"),
                     media[_i].is_json);
}
END_TEST

/* ---- request ids ---------------------------------------------------------------------- */

static const struct {
    const char *from_web_server;
    bool adopted;
} web_ids[] = {
    {"0123456789abcdef0123456789abcdef", true}, /* nginx's $request_id */
    {"aGVsbG8@d29ybGQ-Zm9vYmFy", true},         /* Apache's UNIQUE_ID alphabet */
    {"a.b_c-d@e", true},
    {"abcdefgh", true},
    {"0123456789012345678901234567890123456789012345678901234567890123", true},
    {"01234567890123456789012345678901234567890123456789012345678901234", false},
    {"abcdefg", false},
    {"", false},
    {NULL, false},
    {"has space 123", false},
    {"quote\"12345678", false},
    {"crlf12345\r\nX-Evil: 1", false},
    {"line12345\nts=x", false},
    {"eq=ual12345", false},
    {"semi;colon123", false},
    {"slash/1234567", false},
    {"plus+1234567", false},
    {"tab\t12345678", false},
    {"\xc3\xbcnicode12345", false},
    {"back\\slash1234", false},
    /* the neighbours of every allowed range */
    {"comma,12345678", false},
    {"slash/12345678", false},
    {"colon:12345678", false},
    {"query?12345678", false},
    {"brack[et123456", false},
    {"caret^12345678", false},
    {"back`tick12345", false},
    {"curly{12345678", false},
    {"tilde~12345678", false},
    {"del\x7f"
     "12345678",
     false},
    {"high\x80\xc0\xff"
     "12345",
     false},
    {"-._@AZaz09-._@", true},
};

static const char *header_value(const struct response *r, const char *name)
{
    const char *found = NULL;

    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) {
            ck_assert_msg(found == NULL, "two %s headers", name);
            found = r->headers[i].value;
        }
    return found;
}

/* What the web server passes is adopted only when it is plainly an id; else one is drawn. */
START_TEST(test_request_id_adopted_only_when_valid)
{
    const char *given = web_ids[_i].from_web_server;
    const char *id;

    ck_assert_int_eq(request_id_valid(given), web_ids[_i].adopted);
    id = request_id_begin(given);
    if (web_ids[_i].adopted)
        ck_assert_str_eq(id, given);
    else {
        ck_assert_uint_eq(strlen(id), REQUEST_ID_NEW_LEN);
        ck_assert_uint_eq(
            strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            REQUEST_ID_NEW_LEN);
    }
    request_id_end();
}
END_TEST

START_TEST(test_request_ids_differ)
{
    static char seen[1000][REQUEST_ID_NEW_LEN + 1];

    for (size_t i = 0; i < 1000; i++) {
        strcpy(seen[i], request_id_begin(NULL));
        request_id_end();
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(seen[i], seen[j]);
    }
}
END_TEST

/* The answers the router makes itself - the bare 404, the 503 of /readyz - carry the id as the
 * worker stamps it, once, after the handler: also an answer whose handler cleared its headers. */
START_TEST(test_every_answer_carries_the_id)
{
    struct request req = {.method = "GET", .path = "/api/auth/nope", .query = "", .arena = arena};
    struct response resp;
    const char *id;

    for (int round = 0; round < 3; round++) {
        fake_ping_status = round == 2 ? DB_RETRY : DB_OK;
        req.path = round == 0 ? "/api/auth/nope" : "/readyz";
        id = request_id_begin(round == 1 ? "nginx0123456789abcdef" : NULL);
        response_init(&resp, arena);
        router_dispatch(&app, &req, &resp);
        request_id_stamp(&resp);
        ck_assert_int_eq(resp.status, round == 0 ? 404 : round == 1 ? 200 : 503);
        ck_assert_ptr_nonnull(header_value(&resp, REQUEST_ID_HEADER));
        ck_assert_str_eq(header_value(&resp, REQUEST_ID_HEADER), id);
        if (round == 0)
            ck_assert_ptr_null(resp.body); /* still Better Auth's bare 404 */
        if (round == 1)
            ck_assert_str_eq(id, "nginx0123456789abcdef");
        request_id_end();
    }
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_unknown_routes_are_bare_404, 0,
                        sizeof(not_found) / sizeof(not_found[0]));
    tcase_add_test(tc, test_ok_is_exactly_better_auths);
    tcase_add_test(tc, test_healthz_needs_no_database);
    tcase_add_test(tc, test_readyz_ready);
    tcase_add_loop_test(tc, test_readyz_unavailable_never_200, 0,
                        sizeof(failing) / sizeof(failing[0]));
    tcase_add_test(tc, test_route_table_is_well_formed);
    tcase_add_test(tc, test_error_body_shape);
    tcase_add_loop_test(tc, test_media_type, 0, sizeof(media) / sizeof(media[0]));
    tcase_add_loop_test(tc, test_request_id_adopted_only_when_valid, 0,
                        sizeof(web_ids) / sizeof(web_ids[0]));
    tcase_add_test(tc, test_request_ids_differ);
    tcase_add_test(tc, test_every_answer_carries_the_id);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(router_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
