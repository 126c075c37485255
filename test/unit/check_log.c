/* check_log - the logger's lines stay one well-formed key=value line per event whatever the
 * values (newlines, quotes, '=', invalid UTF-8, very long), each value recoverable; and no log
 * line a request causes carries its path, which may hold a reset token (router_dispatch over
 * the fake store, stderr captured). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "util/log.h"
#include "auth/request_id.h"
#include "global/settings.h"

/* ---- a strict reader of our lines ---------------------------------------------------------
 * key=value pairs separated by one space; a value is bare (no ' ', '"', '=', '\\', no control
 * byte) or quoted with \" \\ \n \r \t \xHH escapes. Anything else fails the test. */

#define MAX_FIELDS 32

struct log_field {
    char key[64];
    char value[8192];
    size_t value_len;
    bool quoted;
};

struct parsed {
    struct log_field f[MAX_FIELDS];
    size_t n;
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* parse_line - the one line in text (which must end in its only newline). NULL on success, else
 * what is wrong. */
static const char *parse_line(const char *text, struct parsed *out)
{
    size_t len = strlen(text);
    const char *p = text, *end = text + len - 1;

    if (len == 0 || text[len - 1] != '\n')
        return "no final newline";
    if (memchr(text, '\n', len - 1) != NULL || memchr(text, '\r', len) != NULL)
        return "more than one line";
    out->n = 0;
    while (p < end) {
        struct log_field *f;
        size_t k = 0;

        if (out->n == MAX_FIELDS)
            return "too many fields";
        f = &out->f[out->n++];
        while (p < end && *p != '=' && *p != ' ' && *p != '"' && k < sizeof f->key - 1)
            f->key[k++] = *p++;
        f->key[k] = '\0';
        if (k == 0 || p >= end || *p != '=')
            return "field without key=";
        p++;
        f->value_len = 0;
        f->quoted = p < end && *p == '"';
        if (f->quoted) {
            p++;
            for (;;) {
                char c;
                if (p >= end)
                    return "unterminated quote";
                if (*p == '"') {
                    p++;
                    break;
                }
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    return "raw control byte in a quoted value";
                c = *p++;
                if (c == '\\') {
                    if (p >= end)
                        return "escape at end";
                    c = *p++;
                    if (c == 'n')
                        c = '\n';
                    else if (c == 'r')
                        c = '\r';
                    else if (c == 't')
                        c = '\t';
                    else if (c == 'x') {
                        int hi, lo;
                        if (end - p < 2 || (hi = hex_digit(p[0])) < 0 || (lo = hex_digit(p[1])) < 0)
                            return "bad \\x escape";
                        c = (char)(hi * 16 + lo);
                        p += 2;
                    } else if (c != '"' && c != '\\')
                        return "unknown escape";
                }
                if (f->value_len >= sizeof f->value - 1)
                    return "value too long for the test";
                f->value[f->value_len++] = c;
            }
        } else {
            while (p < end && *p != ' ') {
                if (*p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
                    return "bare value with a byte that needs quotes";
                f->value[f->value_len++] = *p++;
            }
            if (f->value_len == 0)
                return "empty bare value";
        }
        f->value[f->value_len] = '\0';
        if (p < end) {
            if (*p != ' ')
                return "no space after a value";
            p++;
            if (p >= end)
                return "trailing space";
        }
    }
    return NULL;
}

static const struct log_field *field(const struct parsed *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->f[i].key, key) == 0)
            return &l->f[i];
    return NULL;
}

/* logged - parse the single line captured; fails the test unless it is one well-formed line. */
static void logged(const char *text, struct parsed *out)
{
    const char *why = parse_line(text, out);

    ck_assert_msg(why == NULL, "%s: %s", why, text);
    ck_assert_ptr_nonnull(field(out, "event"));
}

static void assert_keys(const struct parsed *l, const char *const *keys, size_t n)
{
    static const char *const header[] = {"ts", "level", "pid", "event"};

    ck_assert_uint_eq(l->n, 4 + n);
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(l->f[i].key, header[i]);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(l->f[4 + i].key, keys[i]);
}

/* ---- hostile values ---------------------------------------------------------------------- */

static const struct {
    const char *value;
    size_t len;
    bool bare; /* written without quotes */
} hostile[] = {
#define V(s, bare)                                                                                 \
    {                                                                                              \
        s, sizeof(s) - 1, bare                                                                     \
    }
    V("plain", true),
    V("", false),
    V("two words", false),
    V("line\nbreak", false),
    V("carriage\rreturn", false),
    V("\r\nts=2026-01-01T00:00:00.000Z level=error event=forged", false),
    V("\"", false),
    V("x\" admin=1 y=\"", false),
    V("k=v", false),
    V("=", false),
    V("back\\slash", false),
    V("\\\"", false),
    V("tab\there", false),
    V("\x1b[31mred\x1b[0m", false),
    V("\x7f", false),
    V("\x01\x02\x1f", false),
    V("h\xc3\xa9llo-\xe2\x9c\x93-\xf0\x9f\x98\x80", true), /* valid UTF-8 stays readable */
    V("\xff\xfe", false),                                  /* invalid UTF-8 */
    V("cut\xc3", false),                                   /* a truncated sequence */
    V("\xc0\xaf", false),                                  /* an overlong '/' */
    V("\xed\xa0\x80", false),                              /* a surrogate */
    V("nel\xc2\x85", false),                               /* C1 control U+0085 */
    V("/api/auth/reset-password", true),
    V("%s%n%d", true), /* a value is never a format */
#undef V
};

START_TEST(test_hostile_value_is_one_field)
{
    static const char *const keys[] = {"before", "v", "after"};
    struct parsed l;
    const struct log_field *v;

    harness_capture_start();
    log_event(LOG_LEVEL_ERROR, "test", "before=1 v=%.*s after=2", (int)hostile[_i].len,
              hostile[_i].value);
    logged(harness_capture_end(), &l);
    assert_keys(&l, keys, 3);
    v = field(&l, "v");
    ck_assert_uint_eq(v->value_len, hostile[_i].len);
    ck_assert_msg(memcmp(v->value, hostile[_i].value, hostile[_i].len) == 0, "value %zu differs",
                  (size_t)_i);
    ck_assert_msg(v->quoted == !hostile[_i].bare, "value %zu: quoted %d", (size_t)_i, v->quoted);
    ck_assert_str_eq(field(&l, "before")->value, "1");
    ck_assert_str_eq(field(&l, "after")->value, "2");
}
END_TEST

/* A value inside quotes the format opened itself is escaped, not quoted a second time. */
START_TEST(test_value_inside_format_quotes)
{
    static const char *const keys[] = {"reason", "next"};
    struct parsed l;

    harness_capture_start();
    log_event(LOG_LEVEL_WARN, "test", "reason=\"render: %s\" next=%s", hostile[_i].value, "x y");
    logged(harness_capture_end(), &l);
    assert_keys(&l, keys, 2);
    ck_assert_uint_eq(field(&l, "reason")->value_len,
                      strlen("render: ") + strlen(hostile[_i].value));
    ck_assert_str_eq(field(&l, "reason")->value + strlen("render: "), hostile[_i].value);
    ck_assert_str_eq(field(&l, "next")->value, "x y");
}
END_TEST

/* ---- length limits ----------------------------------------------------------------------- */

START_TEST(test_long_value_is_cut_inside_its_quotes)
{
    static const char *const keys[] = {"v", "after"};
    static char big[20000];
    struct parsed l;
    const struct log_field *v;
    const char *out;
    size_t len;

    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = "ab c\n\"="[i % 7];
    big[sizeof big - 1] = '\0';
    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "test", "v=%s after=%d", big, 7);
    out = harness_capture_end();
    len = strlen(out);
    ck_assert_uint_le(len, 4096);
    logged(out, &l);
    assert_keys(&l, keys, 2);
    v = field(&l, "v");
    ck_assert(v->quoted);
    ck_assert_uint_gt(v->value_len, 500);
    ck_assert_str_eq(v->value + v->value_len - 3, "...");
    ck_assert(memcmp(v->value, big, v->value_len - 3) == 0);
    ck_assert_str_eq(field(&l, "after")->value, "7");
}
END_TEST

/* Too many long values for one line: the value that meets the end is cut inside its quotes,
 * the line ends there, marked; the fields before it are whole. */
START_TEST(test_line_too_long_ends_with_a_whole_field)
{
    static char big[900];
    struct parsed l;
    const char *out;

    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "test", "a=%s b=%s c=%s d=%s e=%s f=%s g=%s tail=%d", big, big, big,
              big, big, big, big, 1);
    out = harness_capture_end();
    ck_assert_uint_le(strlen(out), 4096);
    logged(out, &l);
    ck_assert_str_eq(l.f[l.n - 1].key, "truncated");
    ck_assert_str_eq(l.f[l.n - 1].value, "yes");
    ck_assert_uint_ge(l.n, 4 + 4 + 1);
    for (size_t i = 4; i < l.n - 2; i++)
        ck_assert_str_eq(l.f[i].value, big);
    ck_assert_str_eq(l.f[l.n - 2].value + l.f[l.n - 2].value_len - 3, "...");
    ck_assert(memcmp(l.f[l.n - 2].value, big, l.f[l.n - 2].value_len - 3) == 0);
    ck_assert_ptr_null(field(&l, "tail"));
}
END_TEST

/* Wherever the end of the line falls, the line parses and its last value is whole or cut
 * inside its quotes. */
START_TEST(test_value_at_the_end_of_the_line)
{
    static char big[1000];
    struct parsed l;
    const char *out;
    const struct log_field *last;

    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int pad = 0; pad < 120; pad += 3) {
        harness_capture_start();
        log_event(LOG_LEVEL_INFO, "test", "pad=%.*s a=%s b=%s c=%s d=%s e=%s", pad + 1, big, big,
                  big, big, big, "w x");
        out = harness_capture_end();
        ck_assert_uint_le(strlen(out), 4096);
        logged(out, &l);
        last = &l.f[l.n - 1];
        if (strcmp(last->key, "truncated") == 0)
            last = &l.f[l.n - 2];
        ck_assert_msg(strcmp(last->value, "w x") == 0 || strcmp(last->value, big) == 0 ||
                          (strcmp(last->value + last->value_len - 3, "...") == 0 &&
                           memcmp(last->value, big, last->value_len - 3) == 0),
                      "%s", out);
    }
}
END_TEST

/* ---- everything else printf does --------------------------------------------------------- */

START_TEST(test_numbers_as_printf_writes_them)
{
    struct parsed l;
    char expected[256];
    const char *line;
    size_t z = 42;
    long long ll = -1234567890123LL;

    snprintf(expected, sizeof expected,
             " event=test a=%d b=%ld c=%lld d=%zu e=%u f=%x g=%.1f h=%5d| i=%-3d| j=%03d k=%% "
             "l=%lu m=%hhu\n",
             -5, 123456789L, ll, z, 7u, 255u, 2.25, 42, 7, 9, 18446744073709551615UL,
             (unsigned char)250);
    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "test",
              "a=%d b=%ld c=%lld d=%zu e=%u f=%x g=%.1f h=%5d| i=%-3d| j=%03d k=%% l=%lu m=%hhu",
              -5, 123456789L, ll, z, 7u, 255u, 2.25, 42, 7, 9, 18446744073709551615UL,
              (unsigned char)250);
    line = harness_capture_end();
    ck_assert_msg(strstr(line, expected) != NULL, "%s", line);
    (void)l;
}
END_TEST

START_TEST(test_strings_keys_and_precision)
{
    static const char *const keys[] = {"worker", "v", "w", "c", "e"};
    struct parsed l;
    const char *volatile none = NULL;

    errno = 2; /* ENOENT, for %m */
    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "test", "%s=%d v=%.3s w=%s c=%c e=%m", "worker", 3, "abcdef", none,
              ' ');
    logged(harness_capture_end(), &l);
    assert_keys(&l, keys, 5);
    ck_assert_str_eq(field(&l, "worker")->value, "3");
    ck_assert_str_eq(field(&l, "v")->value, "abc");
    ck_assert(field(&l, "w")->quoted);
    ck_assert_str_eq(field(&l, "w")->value, "");
    ck_assert_str_eq(field(&l, "c")->value, " ");
    ck_assert_str_eq(field(&l, "e")->value, strerror(2));
    ck_assert_int_eq(errno, 2);
}
END_TEST

/* A call site that still quotes with log_quote gets its value quoted once, not twice. */
START_TEST(test_log_quote_is_not_quoted_twice)
{
    static const char *const keys[] = {"reason"};
    char buf[64];
    struct parsed l;

    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "test", "reason=%s", log_quote(buf, sizeof buf, "a \"b\"\nc"));
    logged(harness_capture_end(), &l);
    assert_keys(&l, keys, 1);
    ck_assert_str_eq(field(&l, "reason")->value, "a \"b\"\nc");
    ck_assert_str_eq(log_quote(buf, 8, "0123456789"), "0123...");
}
END_TEST

START_TEST(test_no_fields_and_level_filter)
{
    struct parsed l;

    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "bare", NULL);
    log_set_level(LOG_LEVEL_WARN);
    log_event(LOG_LEVEL_INFO, "dropped", "x=%s", "y");
    log_set_level(LOG_LEVEL_INFO);
    logged(harness_capture_end(), &l);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(field(&l, "event")->value, "bare");
}
END_TEST

/* ---- no request path in any log line ------------------------------------------------------
 * A reset link's token is a path segment (/reset-password/<token>); a query may carry one too.
 * Requests that make the router or a handler log (a failing store) must name the route. */

#define LEAK_TOKEN "LeakyResetTokenQ7Vb2Lk9Xw4T"
#define QUERY_TOKEN "QueryTokenZq7Vb2Lk9Xw4Tn6Rs"

static void world_new(void)
{
    struct settings s = harness_settings();

    s.session_storage = SESSION_STORAGE_HASH;
    s.mail_from = "Test <no-reply@example.com>";
    harness_app_new(&s);
}

static const struct {
    const char *method;
    const char *path;
    const char *query;
    const char *body;
    enum fake_op failing;
    const char *operation_id;
} leaky[] = {
    {"GET", API "/reset-password/" LEAK_TOKEN, "callbackURL=%2Freset", NULL,
     FAKE_OP_VERIFICATION_FIND, "resetPasswordCallback"},
    {"POST", API "/reset-password", "token=" QUERY_TOKEN, "{\"newPassword\":\"password123456\"}",
     FAKE_OP_VERIFICATION_FIND, "resetPassword"},
    {"GET", API "/verify-email", "token=" QUERY_TOKEN "&callbackURL=%2F" LEAK_TOKEN, NULL,
     FAKE_OP_EMAIL_CONFIRM, NULL},
    {"GET", API "/get-session", "x=" QUERY_TOKEN, NULL, FAKE_OP_SESSION_LOOKUP, "getSession"},
};

START_TEST(test_no_path_in_request_logs)
{
    struct request req = {
        .method = leaky[_i].method,
        .path = leaky[_i].path,
        .query = leaky[_i].query,
        .content_type = leaky[_i].body != NULL ? "application/json" : NULL,
        .body = leaky[_i].body,
        .origin = FRONT,
        .cookie = H_COOKIE,
    };
    const char *text, *line;
    struct response r;

    fake_store_fail_always(fs, leaky[_i].failing, DB_FAIL);
    harness_capture_start();
    r = handler_harness_dispatch(&app, arena, req);
    text = harness_capture_end();
    ck_assert_msg(strstr(text, LEAK_TOKEN) == NULL, "token in the log: %s", text);
    ck_assert_msg(strstr(text, QUERY_TOKEN) == NULL, "token in the log: %s", text);
    ck_assert_msg(strstr(text, "/api/auth") == NULL, "a path in the log: %s", text);
    if (leaky[_i].operation_id == NULL)
        return;
    /* The request did fail on the store, and its line names the route. */
    ck_assert_int_eq(r.status, 500);
    line = strstr(text, "event=request_failed");
    ck_assert_msg(line != NULL, "%s", text);
    ck_assert_msg(strstr(line, "route=") != NULL && strstr(line, leaky[_i].operation_id) != NULL,
                  "%s", text);
}
END_TEST

/* ---- request ids ---------------------------------------------------------------------- */

static void deferred_logs(void *ctx)
{
    (void)ctx;
    log_event(LOG_LEVEL_INFO, "deferred_work", "n=%d", 1);
}

/* next_line - the line at *text (with its newline) into buf; false at the end. */
static bool next_line(const char **text, char *buf, size_t size)
{
    const char *nl = strchr(*text, '\n');

    if (nl == NULL)
        return false;
    size_t n = (size_t)(nl - *text) + 1;
    ck_assert_uint_lt(n, size);
    memcpy(buf, *text, n);
    buf[n] = '\0';
    *text = nl + 1;
    return true;
}

/* Every line between request_id_begin and request_id_end - the router's, the store failure's,
 * one cut for length, the deferred work's - ends in req=<id>, the same id the answer's header
 * has; the lines before and after carry none. */
START_TEST(test_request_id_on_every_line_of_a_request)
{
    static char big[1500], line[8192];
    static struct parsed l;
    struct request req = {.method = "GET", .path = API "/get-session", .cookie = H_COOKIE};
    const char *text, *id, *header = NULL;
    size_t inside = 0, outside = 0;
    struct response r;

    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fake_store_fail_always(fs, FAKE_OP_SESSION_LOOKUP, DB_FAIL);
    harness_capture_start();
    log_event(LOG_LEVEL_INFO, "before", "n=%d", 1);
    id = request_id_begin(_i == 0 ? NULL : "0123456789abcdef0123456789abcdef");
    r = handler_harness_dispatch(&app, arena, req);
    request_id_stamp(&r);
    log_event(LOG_LEVEL_INFO, "long_line", "a=%s b=%s c=%s d=%s", big, big, big, big);
    response_defer(&r, deferred_logs, NULL);
    response_run_deferred(&r);
    request_id_end();
    log_event(LOG_LEVEL_INFO, "after", NULL);
    text = harness_capture_end();

    ck_assert_int_eq(r.status, 500);
    for (size_t i = 0; i < r.nheaders; i++)
        if (strcmp(r.headers[i].name, REQUEST_ID_HEADER) == 0) {
            ck_assert_ptr_null(header);
            header = r.headers[i].value;
        }
    ck_assert_ptr_nonnull(header);
    if (_i == 0)
        ck_assert_uint_eq(strlen(header), REQUEST_ID_NEW_LEN);
    else
        ck_assert_str_eq(header, "0123456789abcdef0123456789abcdef");
    ck_assert_msg(strstr(text, "event=request_failed") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "event=long_line") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "event=deferred_work") != NULL, "%s", text);
    while (next_line(&text, line, sizeof line)) {
        logged(line, &l);
        bool outer = strstr(line, " event=before ") != NULL || strstr(line, " event=after\n");
        if (outer) {
            ck_assert_msg(field(&l, "req") == NULL, "%s", line);
            outside++;
            continue;
        }
        ck_assert_msg(l.n > 4 && strcmp(l.f[l.n - 1].key, "req") == 0, "%s", line);
        ck_assert_str_eq(l.f[l.n - 1].value, header);
        ck_assert_ptr_eq(field(&l, "req"), &l.f[l.n - 1]); /* once */
        if (strstr(line, " event=long_line ") != NULL)     /* cut short, the id whole after it */
            ck_assert_str_eq(l.f[l.n - 2].value + l.f[l.n - 2].value_len - 3, "...");
        inside++;
    }
    ck_assert_uint_eq(outside, 2);
    ck_assert_uint_ge(inside, 3);
    (void)id;
}
END_TEST

/* The id is a value like any other: written quoted if it ever needed to be, and cut to 64. */
START_TEST(test_request_id_is_a_value)
{
    struct parsed l;

    harness_capture_start();
    log_set_request_id("x y\nts=forged");
    log_event(LOG_LEVEL_INFO, "test", "n=%d", 1);
    log_set_request_id(NULL);
    logged(harness_capture_end(), &l);
    ck_assert_uint_eq(l.n, 6);
    ck_assert_str_eq(l.f[4].key, "n");
    ck_assert_str_eq(l.f[5].key, "req");
    ck_assert(l.f[5].quoted);
    ck_assert_str_eq(l.f[5].value, "x y\nts=forged");

    /* The longest id written (every byte escaped, cut at 64) on a line too long: still one
     * line of at most 4096 bytes, cut before the id, which is whole. */
    static char id[100], big[1500];
    memset(id, 1, sizeof id - 1);
    memset(big, 'v', sizeof big - 1);
    harness_capture_start();
    log_set_request_id(id);
    log_event(LOG_LEVEL_INFO, "test", "a=%s b=%s c=%s d=%s", big, big, big, big);
    log_set_request_id("");
    log_event(LOG_LEVEL_INFO, "after", NULL);
    const char *text = harness_capture_end(), *nl = strchr(text, '\n');
    static char first[8192];
    ck_assert_ptr_nonnull(nl);
    ck_assert_uint_le((size_t)(nl - text) + 1, 4096);
    memcpy(first, text, (size_t)(nl - text) + 1);
    logged(first, &l);
    ck_assert_str_eq(l.f[l.n - 2].value + l.f[l.n - 2].value_len - 3, "...");
    ck_assert_str_eq(l.f[l.n - 1].key, "req");
    ck_assert_uint_eq(l.f[l.n - 1].value_len, 64);
    logged(nl + 1, &l);
    ck_assert_ptr_null(field(&l, "req"));
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("lines");

    tcase_add_loop_test(tc, test_hostile_value_is_one_field, 0, sizeof hostile / sizeof hostile[0]);
    tcase_add_loop_test(tc, test_value_inside_format_quotes, 0, sizeof hostile / sizeof hostile[0]);
    tcase_add_test(tc, test_long_value_is_cut_inside_its_quotes);
    tcase_add_test(tc, test_line_too_long_ends_with_a_whole_field);
    tcase_add_test(tc, test_value_at_the_end_of_the_line);
    tcase_add_test(tc, test_numbers_as_printf_writes_them);
    tcase_add_test(tc, test_strings_keys_and_precision);
    tcase_add_test(tc, test_log_quote_is_not_quoted_twice);
    tcase_add_test(tc, test_no_fields_and_level_filter);
    suite_add_tcase(s, tc);

    tc = tcase_create("paths");
    tcase_add_checked_fixture(tc, world_new, harness_app_free);
    tcase_add_loop_test(tc, test_no_path_in_request_logs, 0, sizeof leaky / sizeof leaky[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("request ids");
    tcase_add_checked_fixture(tc, world_new, harness_app_free);
    tcase_add_loop_test(tc, test_request_id_on_every_line_of_a_request, 0, 2);
    tcase_add_test(tc, test_request_id_is_a_value);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(log_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
