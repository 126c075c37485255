/* check_fcgi_peek - fcgi_peek_scan lets libfcgi read a request only once its begin record and
 * whole params stream are there with every name and value length bounded: the
 * CVE-2025-23016 lengths, a 4-byte length split across records, records of other requests,
 * padding, and the params stream growing past FCGI_PEEK_MAX. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/fcgi_peek.h"

/* A connection's first bytes, built record by record. */
struct conn {
    unsigned char buf[FCGI_PEEK_MAX + 65536 + 8 + 255];
    size_t len;
};

static void record(struct conn *c, unsigned type, unsigned id, const void *content, size_t n,
                   unsigned padding)
{
    unsigned char *h = c->buf + c->len;

    ck_assert(c->len + 8 + n + padding <= sizeof c->buf);
    h[0] = 1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(n >> 8);
    h[5] = (unsigned char)n;
    h[6] = (unsigned char)padding;
    h[7] = 0;
    if (n > 0)
        memcpy(h + 8, content, n);
    memset(h + 8 + n, 0, padding);
    c->len += 8 + n + padding;
}

static void begin(struct conn *c, unsigned id, unsigned role)
{
    unsigned char body[8] = {(unsigned char)(role >> 8), (unsigned char)role, 0};
    record(c, 1, id, body, sizeof body, 0);
}

/* pair - a name-value pair with the given lengths (4-byte form when over 127) and as many
 * bytes of name and value as fit in have. */
static size_t pair(unsigned char *out, uint32_t name_len, uint32_t value_len, size_t have)
{
    size_t n = 0;
    uint32_t lens[2] = {name_len, value_len};

    for (int i = 0; i < 2; i++) {
        if (lens[i] < 128) {
            out[n++] = (unsigned char)lens[i];
        } else {
            out[n++] = (unsigned char)(0x80 | lens[i] >> 24);
            out[n++] = (unsigned char)(lens[i] >> 16);
            out[n++] = (unsigned char)(lens[i] >> 8);
            out[n++] = (unsigned char)lens[i];
        }
    }
    memset(out + n, 'x', have);
    return n + have;
}

static enum fcgi_peek scan(const struct conn *c)
{
    const char *why = NULL;
    enum fcgi_peek v = fcgi_peek_scan(c->buf, c->len, &why);

    ck_assert(v != FCGI_PEEK_BAD || why != NULL);
    return v;
}

START_TEST(test_plain_request)
{
    static struct conn c;
    unsigned char p[64];
    size_t n = pair(p, 14, 3, 17);

    memcpy(p + 2, "REQUEST_METHODGET", 17);
    c.len = 0;
    begin(&c, 1, 1);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    record(&c, 4, 1, p, n, 5);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    record(&c, 4, 1, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE); /* a responder: its body next */
    record(&c, 5, 1, "a=1", 3, 5);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    record(&c, 5, 1, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_OK);
    /* Every prefix but the whole is incomplete, never refused. */
    size_t whole = c.len;
    for (c.len = 0; c.len < whole; c.len++)
        ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
}
END_TEST

/* The lengths of the CVE: each refused whether or not the rest of the stream is there. */
static const uint32_t hostile[][2] = {
    {0x7fffffff, 0x7fffffff}, {0x7ffffff0, 0x7ffffff0}, {0x7ffffffe, 1},
    {1, 0x7fffffff},          {FCGI_PEEK_MAX + 1, 0},   {0, FCGI_PEEK_MAX + 1},
};

START_TEST(test_hostile_lengths)
{
    static struct conn c;
    unsigned char p[4096 + 8];
    size_t n = pair(p, hostile[_i][0], hostile[_i][1], 4096);

    c.len = 0;
    begin(&c, 1, 1);
    record(&c, 4, 1, p, n, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    record(&c, 4, 1, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
}
END_TEST

START_TEST(test_length_split_across_records)
{
    static struct conn c;
    unsigned char p[16];
    size_t n = pair(p, 0x7ffffff0, 5, 0);

    c.len = 0;
    begin(&c, 1, 1);
    /* One byte per record: the length is read across them as libfcgi reads its stream. */
    for (size_t i = 0; i < n; i++)
        record(&c, 4, 1, p + i, 1, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
}
END_TEST

START_TEST(test_other_requests_skipped)
{
    static struct conn c;
    unsigned char p[16];
    size_t hostile_n = pair(p, 0x7ffffff0, 0x7ffffff0, 0);

    c.len = 0;
    begin(&c, 7, 2); /* an authorizer */
    /* Another request's params are not ours: libfcgi skips them too. */
    record(&c, 4, 8, p, hostile_n, 0);
    record(&c, 4, 7, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_OK); /* an authorizer has no body to wait for */
}
END_TEST

START_TEST(test_refused_shapes)
{
    static struct conn c;

    c.len = 0;
    record(&c, 4, 1, NULL, 0, 0); /* params before any begin record */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    record(&c, 1, 1, NULL, 0, 0); /* a begin record without its body (found by fuzz_fcgi_peek) */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    begin(&c, 1, 9); /* an unknown role */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    begin(&c, 1, 1);
    record(&c, 5, 1, NULL, 0, 0); /* stdin before the params ended */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    begin(&c, 1, 1);
    c.buf[c.len] = 2; /* another protocol version */
    c.len += 8;
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
}
END_TEST

/* Management records (request id 0: FCGI_GET_VALUES and kin) anywhere before the params end:
 * libfcgi reads their pairs in ProcessManagementRecord without our bounds (huge lengths abort
 * it; repeated names overflow its 64-byte answer on the stack). They used to pass. */
START_TEST(test_management_records_refused)
{
    static struct conn c;
    unsigned char p[16];
    size_t hostile_n = pair(p, 0x7ffffffe, 0x7ffffffe, 0);
    static const char mpxs[] = "\x0e\x00FCGI_MPXS_CONNS";

    c.len = 0;
    record(&c, 9, 0, p, hostile_n, 0);
    begin(&c, 1, 1);
    record(&c, 4, 1, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    record(&c, 9, 0, "\x00\x00", 2, 0); /* even a harmless one */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
    c.len = 0;
    begin(&c, 1, 1);
    for (int i = 0; i < 8; i++)
        record(&c, 9, 0, mpxs, sizeof mpxs - 1, 0);
    record(&c, 4, 1, NULL, 0, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
}
END_TEST

/* A responder's body is awaited to its end (a trickled body then cannot hold the worker past
 * the connection's deadline), up to FCGI_PEEK_BODY_MAX bytes, past which libfcgi reads it as
 * it comes; a management record inside it is refused; a look that fills up after the params
 * leaves the rest to libfcgi. */
START_TEST(test_body_awaited)
{
    static struct conn c;
    static unsigned char chunk[60000];
    static const char mpxs[] = "\x0e\x00FCGI_MPXS_CONNS";

    c.len = 0;
    begin(&c, 1, 1);
    record(&c, 4, 1, NULL, 0, 0);
    for (int i = 0; i < 10; i++) {
        record(&c, 5, 1, "x", 1, 0); /* one byte at a time */
        ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    }
    record(&c, 5, 2, NULL, 0, 0); /* another request's end is not ours */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    record(&c, 9, 0, mpxs, sizeof mpxs - 1, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);

    c.len = 0;
    begin(&c, 1, 1);
    record(&c, 4, 1, NULL, 0, 0);
    record(&c, 5, 1, chunk, sizeof chunk, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    record(&c, 5, 1, chunk, FCGI_PEEK_BODY_MAX - sizeof chunk, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE); /* exactly the limit: one more could come */
    record(&c, 5, 1, "y", 1, 0);
    ck_assert_int_eq(scan(&c), FCGI_PEEK_OK);

    c.len = 0;
    begin(&c, 1, 1);
    record(&c, 4, 1, NULL, 0, 0);
    record(&c, 2, 1, NULL, 0, 0); /* FCGI_ABORT_REQUEST: libfcgi's to handle */
    ck_assert_int_eq(scan(&c), FCGI_PEEK_OK);
}
END_TEST

START_TEST(test_params_too_large)
{
    static struct conn c;
    static unsigned char p[60000];
    size_t n = pair(p, 100, 59000, 59100);

    c.len = 0;
    begin(&c, 1, 1);
    while (c.len + 8 + n < FCGI_PEEK_MAX) {
        record(&c, 4, 1, p, n, 0);
        ck_assert_int_eq(scan(&c), FCGI_PEEK_MORE);
    }
    /* The next record reaches the limit: refused, even before its end arrives. */
    record(&c, 4, 1, p, n, 0);
    c.len = FCGI_PEEK_MAX;
    ck_assert_int_eq(scan(&c), FCGI_PEEK_BAD);
}
END_TEST

static Suite *fcgi_peek_suite(void)
{
    Suite *s = suite_create("fcgi_peek");
    TCase *tc = tcase_create("scan");

    tcase_add_test(tc, test_plain_request);
    tcase_add_loop_test(tc, test_hostile_lengths, 0, sizeof hostile / sizeof hostile[0]);
    tcase_add_test(tc, test_length_split_across_records);
    tcase_add_test(tc, test_other_requests_skipped);
    tcase_add_test(tc, test_refused_shapes);
    tcase_add_test(tc, test_management_records_refused);
    tcase_add_test(tc, test_body_awaited);
    tcase_add_test(tc, test_params_too_large);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fcgi_peek_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
