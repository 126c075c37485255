/* check_metrics - the Prometheus text writer (label values escaped, histogram buckets
 * cumulative, +Inf equal to _count) and the shared counters (a child's counts seen by its
 * parent, folded on release without ever going down). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/app.h"
#include "auth/http.h"
#include "auth/router.h"
#include "daemon/metrics_page.h"
#include "util/arena.h"
#include "util/client_ip.h"
#include "util/metrics.h"
#include "util/metrics_text.h"

START_TEST(test_label_values_escaped)
{
    struct arena *a = arena_create(4096);
    struct arena_buf t;
    const char *labels[] = {"route", "a\\b\"c\nd", "code", "2xx", NULL};

    arena_buf_init(&t, a);
    metrics_text_sample(&t, "authfcgi_x_total", labels, 3);
    ck_assert_str_eq(t.s, "authfcgi_x_total{route=\"a\\\\b\\\"c\\nd\",code=\"2xx\"} 3\n");
    arena_destroy(a);
}
END_TEST

START_TEST(test_family_help_escaped)
{
    struct arena *a = arena_create(4096);
    struct arena_buf t;

    arena_buf_init(&t, a);
    metrics_text_family(&t, "authfcgi_y", "gauge", "a \"quoted\" \\ line\nbreak");
    metrics_text_sample(&t, "authfcgi_y", NULL, 0.25);
    ck_assert_str_eq(t.s, "# HELP authfcgi_y a \"quoted\" \\\\ line\\nbreak\n"
                          "# TYPE authfcgi_y gauge\n"
                          "authfcgi_y 0.25\n");
    arena_destroy(a);
}
END_TEST

START_TEST(test_histogram_cumulative)
{
    struct arena *a = arena_create(4096);
    struct arena_buf t;
    const double bounds[] = {0.005, 0.1, 1};
    const uint64_t counts[] = {2, 0, 5, 1};

    arena_buf_init(&t, a);
    metrics_text_histogram(&t, "authfcgi_d_seconds", "D.", bounds, counts, 3, 1.5);
    ck_assert_str_eq(t.s, "# HELP authfcgi_d_seconds D.\n"
                          "# TYPE authfcgi_d_seconds histogram\n"
                          "authfcgi_d_seconds_bucket{le=\"0.005\"} 2\n"
                          "authfcgi_d_seconds_bucket{le=\"0.1\"} 2\n"
                          "authfcgi_d_seconds_bucket{le=\"1\"} 7\n"
                          "authfcgi_d_seconds_bucket{le=\"+Inf\"} 8\n"
                          "authfcgi_d_seconds_sum 1.5\n"
                          "authfcgi_d_seconds_count 8\n");
    arena_destroy(a);
}
END_TEST

START_TEST(test_routes_fit)
{
    /* route_table plus the extra labels of daemon/metrics_page.c (3). */
    ck_assert_uint_le(route_count + 3, METRICS_ROUTES);
}
END_TEST

/* A request is counted under the route the app answers it with: a route of a plugin that is
 * off is unmatched (as its 404 is), not counted under the plugin's operationId. */
START_TEST(test_route_label_follows_the_app)
{
    struct app off = {.admin = false}, on = {.admin = true};
    struct request req = {.method = "GET", .path = "/api/auth/admin/list-users"};
    const struct route *r = router_find(req.method, req.path);
    int unmatched = metrics_page_route(&off, &(struct request){.method = "GET", .path = "/x"});

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(metrics_page_route(&on, &req), (int)(r - route_table));
    ck_assert_int_eq(metrics_page_route(&off, &req), unmatched);
    ck_assert_int_ge(unmatched, (int)route_count);
}
END_TEST

/* A child counts into its slot; the parent sees it live, then folded after release. */
START_TEST(test_shared_slots_fold)
{
    struct metrics_totals before, live, after;

    ck_assert_int_eq(metrics_create(4), 0);
    int slot = metrics_slot_take(METRICS_WORKER);
    ck_assert_int_ge(slot, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        metrics_slot_use(slot);
        metrics_count(METRIC_PASSWORD_HASHES);
        metrics_count(METRIC_PASSWORD_HASHES);
        metrics_request(1, 200, 3000);    /* 3 ms: the first bucket (5 ms) */
        metrics_request(1, 503, 2000000); /* 2 s: the 2.5 s bucket */
        metrics_db_connected(true);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    metrics_snapshot(&live);
    ck_assert_uint_eq(live.counters[METRIC_PASSWORD_HASHES], 2);
    ck_assert_uint_eq(live.requests[1][1], 1);
    ck_assert_uint_eq(live.requests[1][4], 1);
    ck_assert_uint_eq(live.latency[0], 1);
    ck_assert_uint_eq(live.latency[8], 1);
    ck_assert_int_eq(live.workers, 1);
    ck_assert_int_eq(live.db_connected_workers, 1);
    before = live;
    metrics_slot_release(slot);
    metrics_snapshot(&after);
    ck_assert_uint_eq(after.counters[METRIC_PASSWORD_HASHES],
                      before.counters[METRIC_PASSWORD_HASHES]);
    ck_assert_uint_eq(after.requests[1][4], 1);
    ck_assert_uint_eq(after.latency_sum_us, before.latency_sum_us);
    ck_assert_int_eq(after.workers, 0);
    ck_assert_int_eq(after.db_connected_workers, 0);
    /* The slot is free again and starts from zero. */
    ck_assert_int_eq(metrics_slot_take(METRICS_WORKER), slot);
    metrics_slot_use(slot);
    metrics_count(METRIC_PASSWORD_HASHES);
    metrics_snapshot(&after);
    ck_assert_uint_eq(after.counters[METRIC_PASSWORD_HASHES], 3);
}
END_TEST

START_TEST(test_shared_cache)
{
    int64_t a, b;

    ck_assert_int_eq(metrics_create(1), 0);
    ck_assert(!metrics_cache_get(1000, 5000, &a, &b));
    metrics_cache_put(1000, 7, 2);
    ck_assert(metrics_cache_get(3000, 5000, &a, &b));
    ck_assert_int_eq(a, 7);
    ck_assert_int_eq(b, 2);
    ck_assert(!metrics_cache_get(7000, 5000, &a, &b));
}
END_TEST

/* page_status - the status metrics_page_answer gives a GET from remote_addr under allow (a
 * list, or NULL for AUTHFCGI_METRICS_ALLOW=none); *body gets the body (arena-owned). */
static int page_status(struct arena *a, const char *allow, const char *remote_addr,
                       const char **body)
{
    struct client_ip_proxies list = {0};
    struct request req = {.method = "GET",
                          .path = METRICS_PAGE_PATH,
                          .query = "",
                          .remote_addr = remote_addr,
                          .arena = a};
    struct response resp;
    char err[128];

    ck_assert_int_eq(client_ip_proxies_parse(&list, allow, err, sizeof err), 0);
    response_init(&resp, a);
    ck_assert(metrics_page_wanted(&req));
    metrics_page_answer(&list, NULL, &req, &resp);
    client_ip_proxies_free(&list);
    *body = resp.body != NULL ? resp.body : "";
    return resp.status;
}

START_TEST(test_page_allowed_addresses)
{
    struct arena *a = arena_create(4096);
    const char *body;

    ck_assert_int_eq(page_status(a, "127.0.0.1, ::1", "203.0.113.9", &body), 403);
    ck_assert_ptr_null(strstr(body, "authfcgi_"));
    ck_assert_int_eq(page_status(a, "127.0.0.1, ::1", "", &body), 403);
    ck_assert_int_eq(page_status(a, NULL, "127.0.0.1", &body), 404);
    ck_assert_int_eq(page_status(a, "127.0.0.1, ::1", "::1", &body), 200);
    ck_assert_ptr_nonnull(strstr(body, "# TYPE authfcgi_requests_total counter\n"));
    ck_assert_int_eq(page_status(a, "10.0.0.0/8", "10.1.2.3", &body), 200);
    arena_destroy(a);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("text");

    tcase_add_test(tc, test_label_values_escaped);
    tcase_add_test(tc, test_family_help_escaped);
    tcase_add_test(tc, test_histogram_cumulative);
    tcase_add_test(tc, test_routes_fit);
    tcase_add_test(tc, test_route_label_follows_the_app);
    suite_add_tcase(s, tc);

    tc = tcase_create("shared");
    tcase_add_test(tc, test_shared_slots_fold);
    tcase_add_test(tc, test_shared_cache);
    tcase_add_test(tc, test_page_allowed_addresses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
