/* check_http - the response builders and header helpers (http.h): what each builder puts in
 * status, headers and body (Better Auth's byte-for-byte JSON), that strings are copied into
 * the arena and JSON references taken over, deferred work run exactly once, the programming
 * errors that abort, and media-type and reason-phrase lookups. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/arena.h"
#include "auth/http.h"

static struct arena *arena;
static struct response resp;

static void setup(void)
{
    arena = arena_create(4096);
    response_init(&resp, arena);
}

static void teardown(void)
{
    arena_destroy(arena);
    arena = NULL;
}

/* header - the value of the only header called name; fails when there is not exactly one. */
static const char *header(const char *name)
{
    const char *found = NULL;
    int n = 0;

    for (size_t i = 0; i < resp.nheaders; i++)
        if (strcmp(resp.headers[i].name, name) == 0) {
            found = resp.headers[i].value;
            n++;
        }
    ck_assert_msg(n == 1, "%d headers called %s", n, name);
    return found;
}

#define assert_body(text)                                                                          \
    do {                                                                                           \
        ck_assert_ptr_nonnull(resp.body);                                                          \
        ck_assert_str_eq(resp.body, (text));                                                       \
        ck_assert_uint_eq(resp.body_len, strlen(text));                                            \
    } while (0)

START_TEST(test_init)
{
    resp.status = 500;
    resp.nheaders = 3;
    resp.body = "stale";
    response_init(&resp, arena);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_uint_eq(resp.nheaders, 0);
    ck_assert_ptr_null(resp.body);
    ck_assert_uint_eq(resp.body_len, 0);
    ck_assert_ptr_eq(resp.arena, arena);
    ck_assert_ptr_null(resp.deferred);
}
END_TEST

/* Names and values are copies in the arena, kept in the order they were added. */
START_TEST(test_header_copies)
{
    char name[] = "X-Test", value[] = "one";

    response_header(&resp, name, value);
    response_header(&resp, "Set-Cookie", "a=1");
    response_header(&resp, "Set-Cookie", "b=2");
    memset(name, 'z', sizeof(name) - 1);
    memset(value, 'z', sizeof(value) - 1);
    ck_assert_uint_eq(resp.nheaders, 3);
    ck_assert_str_eq(resp.headers[0].name, "X-Test");
    ck_assert_str_eq(resp.headers[0].value, "one");
    ck_assert_str_eq(resp.headers[1].value, "a=1");
    ck_assert_str_eq(resp.headers[2].value, "b=2");
}
END_TEST

/* The list grows: a client decides how many lines some answers have (one deletion for each
 * session_data chunk it sends), and it used to abort the worker past 16. */
START_TEST(test_header_grows)
{
    for (int i = 0; i < 200; i++)
        response_header(&resp, "X-N", arena_printf(arena, "%d", i));
    ck_assert_uint_eq(resp.nheaders, 200);
    ck_assert_uint_ge(resp.headers_cap, 200);
    for (int i = 0; i < 200; i++) {
        ck_assert_str_eq(resp.headers[i].name, "X-N");
        ck_assert_int_eq(atoi(resp.headers[i].value), i);
    }
}
END_TEST

/* JSON.stringify's text: no spaces, '/' left alone, non-ASCII as UTF-8; the reference is
 * taken over (dropping ours frees the object). */
START_TEST(test_json)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "url", json_object_new_string("/a/b?c=\"d\""));
    json_object_object_add(o, "n", json_object_new_int(3));
    json_object_object_add(o, "name", json_object_new_string("Zo\xc3\xab"));
    json_object_object_add(o, "list", json_object_new_array());
    json_object_get(o);
    response_json(&resp, 201, o);
    ck_assert_int_eq(resp.status, 201);
    assert_body("{\"url\":\"/a/b?c=\\\"d\\\"\",\"n\":3,\"name\":\"Zo\xc3\xab\",\"list\":[]}");
    ck_assert_msg(json_object_put(o) == 1, "response_json kept a reference to the object");
    ck_assert_uint_eq(resp.nheaders, 0);
}
END_TEST

START_TEST(test_json_null)
{
    response_json(&resp, 200, NULL);
    assert_body("null");
}
END_TEST

START_TEST(test_error)
{
    response_error(&resp, 401, "UNAUTHORIZED", "Unauthorized");
    ck_assert_int_eq(resp.status, 401);
    assert_body("{\"message\":\"Unauthorized\",\"code\":\"UNAUTHORIZED\"}");
}
END_TEST

START_TEST(test_error_without_code)
{
    response_error(&resp, 400, NULL, "Say \"why\"");
    assert_body("{\"message\":\"Say \\\"why\\\"\"}");
}
END_TEST

START_TEST(test_unavailable)
{
    response_unavailable(&resp, 7);
    ck_assert_int_eq(resp.status, 503);
    assert_body("{\"message\":\"Service unavailable\",\"code\":\"SERVICE_UNAVAILABLE\"}");
    ck_assert_str_eq(header("Retry-After"), "7");
}
END_TEST

/* A hint of 0 or less would tell the client to hammer: at least one second. */
START_TEST(test_unavailable_at_least_one_second)
{
    response_unavailable(&resp, 0);
    ck_assert_str_eq(header("Retry-After"), "1");
    response_init(&resp, arena);
    response_unavailable(&resp, -30);
    ck_assert_str_eq(header("Retry-After"), "1");
}
END_TEST

START_TEST(test_too_many)
{
    response_too_many(&resp, 9);
    ck_assert_int_eq(resp.status, 429);
    assert_body("{\"message\":\"Too many requests. Please try again later.\"}");
    ck_assert_str_eq(header("X-Retry-After"), "9");
    response_init(&resp, arena);
    response_too_many(&resp, 0);
    ck_assert_str_eq(header("X-Retry-After"), "1");
}
END_TEST

/* An empty answer has no body, even when one had been set before. */
START_TEST(test_empty)
{
    response_error(&resp, 400, "X", "y");
    response_empty(&resp, 404);
    ck_assert_int_eq(resp.status, 404);
    ck_assert_ptr_null(resp.body);
    ck_assert_uint_eq(resp.body_len, 0);
}
END_TEST

static int ran;

static void count_run(void *ctx)
{
    ran += *(int *)ctx;
}

START_TEST(test_defer_runs_once)
{
    int step = 5;

    response_run_deferred(&resp); /* nothing deferred: nothing happens */
    ck_assert_int_eq(ran, 0);
    response_defer(&resp, count_run, &step);
    ck_assert_int_eq(ran, 0);
    response_run_deferred(&resp);
    ck_assert_int_eq(ran, 5);
    response_run_deferred(&resp);
    ck_assert_int_eq(ran, 5);
    ck_assert_ptr_null(resp.deferred);
}
END_TEST

/* A second deferral would silently drop work: a bug, so the process aborts. */
START_TEST(test_defer_twice_aborts)
{
    int step = 1;

    response_defer(&resp, count_run, &step);
    response_defer(&resp, count_run, &step);
}
END_TEST

static const struct {
    const char *content_type;
    const char *media_type;
    bool is;
} media[] = {
    {"application/json", "application/json", true},
    {"Application/JSON", "application/json", true},
    {"application/json; charset=utf-8", "application/json", true},
    {" \tapplication/json \t; charset=utf-8", "application/json", true},
    /* better-call trims as JavaScript does: the request body parser (body.c) relies on it. */
    {"\r\n\v\fapplication/json\f\v\r\n; charset=utf-8", "application/json", true},
    {"application/x-www-form-urlencoded", "application/x-www-form-urlencoded", true},
    {"application/jsonx", "application/json", false},
    {"application/js", "application/json", false},
    {"application/json-patch+json", "application/json", false},
    {"text/plain", "application/json", false},
    {"", "application/json", false},
    {";application/json", "application/json", false},
    {NULL, "application/json", false},
};

START_TEST(test_media_type)
{
    ck_assert_msg(http_media_type_is(media[_i].content_type, media[_i].media_type) == media[_i].is,
                  "\"%s\" against %s", media[_i].content_type ? media[_i].content_type : "(null)",
                  media[_i].media_type);
}
END_TEST

START_TEST(test_status_reason)
{
    ck_assert_str_eq(http_status_reason(200), "OK");
    ck_assert_str_eq(http_status_reason(302), "Found");
    ck_assert_str_eq(http_status_reason(404), "Not Found");
    ck_assert_str_eq(http_status_reason(415), "Unsupported Media Type");
    ck_assert_str_eq(http_status_reason(422), "Unprocessable Entity");
    ck_assert_str_eq(http_status_reason(429), "Too Many Requests");
    ck_assert_str_eq(http_status_reason(503), "Service Unavailable");
    ck_assert_str_eq(http_status_reason(418), "Unknown");
    ck_assert_str_eq(http_status_reason(0), "Unknown");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_init);
    tcase_add_test(tc, test_header_copies);
    tcase_add_test(tc, test_header_grows);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_json_null);
    tcase_add_test(tc, test_error);
    tcase_add_test(tc, test_error_without_code);
    tcase_add_test(tc, test_unavailable);
    tcase_add_test(tc, test_unavailable_at_least_one_second);
    tcase_add_test(tc, test_too_many);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_defer_runs_once);
    tcase_add_test_raise_signal(tc, test_defer_twice_aborts, SIGABRT);
    tcase_add_loop_test(tc, test_media_type, 0, (int)(sizeof(media) / sizeof(media[0])));
    tcase_add_test(tc, test_status_reason);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
