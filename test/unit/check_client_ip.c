/* check_client_ip - address normalisation as Better Auth records it (ip-01), the trusted
 * proxy list, and the choice between REMOTE_ADDR and X-Forwarded-For. */
#include "config.h"

#include "util/client_ip.h"

#include <check.h>
#include <string.h>

struct normalize_case {
    const char *in;
    const char *out; /* "" = invalid */
};

static const struct normalize_case normalize_cases[] = {
    /* ip-01, recorded */
    {"203.0.113.9", "203.0.113.9"},
    {"2001:db8:abcd:12:1:2:3:4", "2001:0db8:abcd:0012:0000:0000:0000:0000"},
    {"::ffff:192.0.2.5", "192.0.2.5"},
    {"foo", ""},
    {"198.51.100.1, 10.0.0.1", ""},
    /* Better Auth's normalizeIP on other forms */
    {"2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0000"},
    {"::1", "0000:0000:0000:0000:0000:0000:0000:0000"},
    {"::", "0000:0000:0000:0000:0000:0000:0000:0000"},
    {"fe80::1:2:3:4", "fe80:0000:0000:0000:0000:0000:0000:0000"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:0000:0000:0000:0000"},
    {"::FFFF:10.1.2.3", "10.1.2.3"},
    {"::ffff:c000:0205", "192.0.2.5"}, /* mapped, written in hex */
    {"0:0:0:0:0:ffff:1.2.3.4", "1.2.3.4"},
    {"::1.2.3.4", "0000:0000:0000:0000:0000:0000:0000:0000"}, /* IPv4-compatible: not mapped */
    /* Not mapped either; Better Auth's string test takes it for IPv4 "1.2.3.4" (a quirk). */
    {"1:2:3:4:5:ffff:1.2.3.4", "0001:0002:0003:0004:0000:0000:0000:0000"},
    {"127.0.0.1", "127.0.0.1"},
    {"0.0.0.0", "0.0.0.0"},
    {"255.255.255.255", "255.255.255.255"},
    /* what zod's ipv4/ipv6 checks refuse */
    {"01.2.3.4", ""},
    {"1.2.3", ""},
    {"256.1.1.1", ""},
    {"1.2.3.4.5", ""},
    {"0x7f.0.0.1", ""},
    {"fe80::1%eth0", ""},
    {"1::2::3", ""},
    {"[::1]", ""},
    {"1.2.3.4:80", ""},
    {" 1.2.3.4", ""},
    {"", ""},
    {"12345678901234567890123456789012345678901234567890", ""},
};

START_TEST(test_normalize)
{
    const struct normalize_case *c = &normalize_cases[_i];
    char out[CLIENT_IP_MAX];
    bool ok = client_ip_normalize(c->in, strlen(c->in), out);
    ck_assert(ok == (c->out[0] != '\0'));
    ck_assert_str_eq(out, c->out);
}
END_TEST

struct parse_case {
    const char *list;
    bool ok;
    size_t count;
};

static const struct parse_case parse_cases[] = {
    {NULL, true, 0},
    {"", true, 0},
    {" , ,", true, 0},
    {"10.0.0.0/8", true, 1},
    {"10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8,", true, 4},
    {"10.0.0.1/8", true, 1}, /* host bits ignored */
    {"0.0.0.0/0", true, 1},  /* everyone: allowed, the operator's choice */
    {"::ffff:10.0.0.0/104", true, 1},
    {"10.0.0.0/08", true, 1},
    {"10.0.0.0/33", false, 0},
    {"::/129", false, 0},
    {"::ffff:10.0.0.0/95", false, 0},
    {"10.0.0.0/", false, 0},
    {"10.0.0.0/+8", false, 0},
    {"10.0.0.0/8/8", false, 0},
    {"10.0.0.0/-1", false, 0},
    {"10.0.0.0/1000", false, 0},
    {"localhost", false, 0},
    {"10.0.0.0/8, nonsense", false, 0},
    {"10.0.0", false, 0},
};

START_TEST(test_proxies_parse)
{
    const struct parse_case *c = &parse_cases[_i];
    struct client_ip_proxies p;
    char err[200] = "";
    int rc = client_ip_proxies_parse(&p, c->list, err, sizeof err);
    ck_assert_int_eq(rc, c->ok ? 0 : -1);
    if (c->ok) {
        ck_assert_uint_eq(p.count, c->count);
        client_ip_proxies_free(&p);
    } else {
        ck_assert_ptr_null(p.nets);
        ck_assert_ptr_nonnull(strstr(err, "is not an IP address or CIDR range"));
    }
}
END_TEST

START_TEST(test_parse_error_names_the_entry)
{
    struct client_ip_proxies p;
    char err[200];
    ck_assert_int_eq(client_ip_proxies_parse(&p, "10.0.0.0/8, 300.1.1.1/8", err, sizeof err), -1);
    ck_assert_str_eq(err, "\"300.1.1.1/8\" is not an IP address or CIDR range (examples: "
                          "10.0.0.0/8, ::1)");
}
END_TEST

struct resolve_case {
    const char *proxies;
    const char *remote_addr;
    const char *forwarded_for;
    const char *want;
};

static const struct resolve_case resolve_cases[] = {
    /* No trusted proxies: REMOTE_ADDR, X-Forwarded-For ignored (it could be forged). */
    {"", "198.51.100.7", NULL, "198.51.100.7"},
    {"", "198.51.100.7", "203.0.113.9", "198.51.100.7"},
    {"", "2001:db8::42", NULL, "2001:0db8:0000:0000:0000:0000:0000:0000"},
    {"", "::ffff:127.0.0.1", NULL, "127.0.0.1"},
    {"", "", "203.0.113.9", ""},
    {"", NULL, NULL, ""},
    {"", "not-an-ip", NULL, ""},
    /* REMOTE_ADDR not a trusted proxy: the header is still ignored. */
    {"10.0.0.0/8", "198.51.100.7", "203.0.113.9", "198.51.100.7"},
    /* A trusted proxy: the right-most entry it appended. */
    {"127.0.0.1", "127.0.0.1", "203.0.113.9", "203.0.113.9"},
    {"127.0.0.1", "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"}, /* left part forged */
    {"127.0.0.1", "127.0.0.1", " 203.0.113.9 ", "203.0.113.9"},
    {"127.0.0.1", "127.0.0.1", "2001:db8:abcd:12:1:2:3:4",
     "2001:0db8:abcd:0012:0000:0000:0000:0000"},
    {"127.0.0.1", "127.0.0.1", "::ffff:192.0.2.5", "192.0.2.5"},
    {"::1", "::1", "203.0.113.9", "203.0.113.9"},
    {"127.0.0.0/8", "::ffff:127.0.0.1", "203.0.113.9", "203.0.113.9"}, /* mapped REMOTE_ADDR */
    /* Hops that are trusted proxies themselves are skipped, right to left. */
    {"127.0.0.1, 10.0.0.0/8", "127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9"},
    {"127.0.0.1, 10.0.0.0/8", "127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9"}, /* all trusted */
    /* The proxy sent no header: the proxy itself is the client. */
    {"127.0.0.1", "127.0.0.1", NULL, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "", "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", " , ", "127.0.0.1"},
    /* Garbage where the trusted proxy should have written an address: nothing. */
    {"127.0.0.1", "127.0.0.1", "203.0.113.9, unknown", ""},
    {"127.0.0.1", "127.0.0.1", "foo", ""},
    {"127.0.0.1, 10.0.0.0/8", "127.0.0.1", "foo, 10.1.2.3", ""},
    /* Garbage further left is never reached. */
    {"127.0.0.1", "127.0.0.1", "foo, 203.0.113.9", "203.0.113.9"},
    /* Ports, as proxies (Azure, IIS) write X-Forwarded-For and some servers REMOTE_ADDR: the
     * address is the client, so each such client keeps its own bucket. */
    {"", "198.51.100.7:51234", NULL, "198.51.100.7"},
    {"", "[2001:db8:abcd:12::1]:443", NULL, "2001:0db8:abcd:0012:0000:0000:0000:0000"},
    {"", "[2001:db8::1]", NULL, "2001:0db8:0000:0000:0000:0000:0000:0000"},
    {"", "[::ffff:192.0.2.5]:80", NULL, "192.0.2.5"},
    {"", "2001:db8::1:443", NULL, "2001:0db8:0000:0000:0000:0000:0000:0000"}, /* no port */
    {"127.0.0.1", "127.0.0.1:40000", "203.0.113.9:1234", "203.0.113.9"},
    {"127.0.0.1", "127.0.0.1", "203.0.113.9:1234", "203.0.113.9"},
    {"127.0.0.1", "127.0.0.1", "198.51.100.8:1, 203.0.113.10:65535", "203.0.113.10"},
    {"127.0.0.1", "127.0.0.1", "[2001:db8:1:2::5]:8443", "2001:0db8:0001:0002:0000:0000:0000:0000"},
    {"::1", "[::1]:5000", "203.0.113.9", "203.0.113.9"}, /* a trusted proxy with a port */
    {"127.0.0.1, 10.0.0.0/8", "127.0.0.1", "203.0.113.9:80, 10.1.2.3:80", "203.0.113.9"},
    /* Not a port: nothing (the router refuses such a request, README). */
    {"", "198.51.100.7:", NULL, ""},
    {"", "198.51.100.7:65536", NULL, ""},
    {"", "198.51.100.7:123456", NULL, ""},
    {"", "198.51.100.7:8a", NULL, ""},
    {"", "198.51.100.7:80:80", NULL, ""},
    {"", "[198.51.100.7]:80", NULL, ""},
    {"", "[2001:db8::1]:", NULL, ""},
    {"", "[2001:db8::1]80", NULL, ""},
    {"", "[2001:db8::1", NULL, ""},
    {"", "[]:80", NULL, ""},
    {"", "unix:", NULL, ""},
    {"", "unix:/run/nginx.sock", NULL, ""},
    {"", "", NULL, ""},
    {"127.0.0.1", "127.0.0.1", "unknown", ""},
};

START_TEST(test_resolve)
{
    const struct resolve_case *c = &resolve_cases[_i];
    struct client_ip_proxies p;
    char err[200];
    char out[CLIENT_IP_MAX];
    ck_assert_int_eq(client_ip_proxies_parse(&p, c->proxies, err, sizeof err), 0);
    client_ip_resolve(&p, c->remote_addr, c->forwarded_for, out);
    ck_assert_msg(strcmp(out, c->want) == 0, "case %d: got \"%s\", want \"%s\"", _i, out, c->want);
    client_ip_proxies_free(&p);
}
END_TEST

/* A long X-Forwarded-For chain keeps its right-most hops. */
START_TEST(test_long_chain)
{
    struct client_ip_proxies p;
    char err[200], out[CLIENT_IP_MAX], header[2048] = "";
    ck_assert_int_eq(client_ip_proxies_parse(&p, "127.0.0.1, 10.0.0.0/8", err, sizeof err), 0);
    for (int i = 0; i < 100; i++)
        strcat(header, "6.6.6.6, ");
    strcat(header, "203.0.113.9, 10.0.0.1, 10.0.0.2");
    client_ip_resolve(&p, "127.0.0.1", header, out);
    ck_assert_str_eq(out, "203.0.113.9");
    client_ip_proxies_free(&p);
}
END_TEST

static Suite *client_ip_suite(void)
{
    Suite *s = suite_create("client_ip");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_normalize, 0, sizeof normalize_cases / sizeof normalize_cases[0]);
    tcase_add_loop_test(tc, test_proxies_parse, 0, sizeof parse_cases / sizeof parse_cases[0]);
    tcase_add_test(tc, test_parse_error_names_the_entry);
    tcase_add_loop_test(tc, test_resolve, 0, sizeof resolve_cases / sizeof resolve_cases[0]);
    tcase_add_test(tc, test_long_chain);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(client_ip_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
