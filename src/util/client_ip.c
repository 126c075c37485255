/* client_ip - address parsing (inet_pton, which accepts exactly the forms zod's ipv4/ipv6
 * checks accept), Better Auth's normalisation, CIDR matching and the trusted-proxy walk over
 * X-Forwarded-For. */
#include "config.h"

#include "util/client_ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* An address as 4 or 16 bytes. IPv4-mapped IPv6 addresses are stored as IPv4, as Better
 * Auth's ipToBytes does, so "::ffff:10.1.2.3" is inside 10.0.0.0/8. */
struct address {
    unsigned char bytes[16];
    unsigned len; /* 4 or 16 */
};

struct client_ip_net {
    struct address net;
    unsigned prefix; /* 0..len*8 */
};

static const unsigned char ipv4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

/* address_parse - len bytes of text as IPv4 or IPv6. */
static bool address_parse(const char *text, size_t len, struct address *out)
{
    char buf[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL)
        return false;

    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->len = 4;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
        out->len = 16;
        if (memcmp(out->bytes, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            out->len = 4;
        }
        return true;
    }
    return false;
}

/* address_format - Better Auth's normalizeIP: dotted IPv4, or the /64 of an IPv6 address in
 * full lower-case form. */
static void address_format(const struct address *a, char out[CLIENT_IP_MAX])
{
    const unsigned char *b = a->bytes;
    if (a->len == 4) {
        snprintf(out, CLIENT_IP_MAX, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        return;
    }
    snprintf(out, CLIENT_IP_MAX, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:0000:0000:0000:0000", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

/* net_contains - is a inside the range n (same family, first prefix bits equal)? */
static bool net_contains(const struct client_ip_net *n, const struct address *a)
{
    if (n->net.len != a->len)
        return false;
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->net.bytes, a->bytes, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (n->net.bytes[full] & mask) == (a->bytes[full] & mask);
}

/* is_trusted - is a inside any of the trusted-proxy ranges? */
static bool is_trusted(const struct client_ip_proxies *p, const struct address *a)
{
    for (size_t i = 0; i < p->count; i++)
        if (net_contains(&p->nets[i], a))
            return true;
    return false;
}

/* net_parse - "address" or "address/prefix", prefix in decimal digits only. */
static bool net_parse(const char *text, size_t len, struct client_ip_net *out)
{
    const char *slash = memchr(text, '/', len);
    size_t addr_len = slash ? (size_t)(slash - text) : len;
    if (!address_parse(text, addr_len, &out->net))
        return false;

    unsigned max = out->net.len * 8;
    if (slash == NULL) {
        out->prefix = max;
        return true;
    }
    const char *digits = slash + 1;
    size_t ndigits = len - addr_len - 1;
    if (ndigits == 0 || ndigits > 3)
        return false;
    unsigned prefix = 0;
    for (size_t i = 0; i < ndigits; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return false;
        prefix = prefix * 10 + (unsigned)(digits[i] - '0');
    }
    /* "::ffff:10.0.0.0/104" was mapped to IPv4 by address_parse: move its prefix along. */
    bool mapped = out->net.len == 4 && memchr(text, ':', addr_len) != NULL;
    if (mapped) {
        if (prefix < 96)
            return false;
        prefix -= 96;
    }
    if (prefix > max)
        return false;
    out->prefix = prefix;
    return true;
}

/* client_ip_proxies_parse - see client_ip.h. */
int client_ip_proxies_parse(struct client_ip_proxies *out, const char *list, char *err,
                            size_t errlen)
{
    out->nets = NULL;
    out->count = 0;
    if (list == NULL)
        return 0;

    size_t capacity = 1;
    for (const char *c = list; *c; c++)
        capacity += *c == ',';
    struct client_ip_net *nets = calloc(capacity, sizeof *nets);
    if (nets == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    size_t count = 0;
    const char *cursor = list, *entry;
    size_t len;
    while (text_next_item(&cursor, &entry, &len)) {
        if (len == 0)
            continue;
        if (!net_parse(entry, len, &nets[count])) {
            snprintf(err, errlen,
                     "\"%.*s\" is not an IP address or CIDR range (examples: 10.0.0.0/8, ::1)",
                     (int)(len > 64 ? 64 : len), entry);
            free(nets);
            return -1;
        }
        count++;
    }
    if (count == 0) {
        free(nets);
        nets = NULL;
    }
    out->nets = nets;
    out->count = count;
    return 0;
}

/* client_ip_proxies_free - see client_ip.h. */
void client_ip_proxies_free(struct client_ip_proxies *p)
{
    free(p->nets);
    p->nets = NULL;
    p->count = 0;
}

/* client_ip_normalize - see client_ip.h. */
bool client_ip_normalize(const char *text, size_t len, char out[CLIENT_IP_MAX])
{
    struct address a;
    if (text == NULL || !address_parse(text, len, &a)) {
        out[0] = '\0';
        return false;
    }
    address_format(&a, out);
    return true;
}

/* port_digits - are len bytes at s a port: 1 to 5 decimal digits, at most 65535? */
static bool port_digits(const char *s, size_t len)
{
    unsigned long port = 0;

    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    return port <= 65535;
}

/* address_parse_hop - an address as a web server or proxy writes a peer: plain, or with its
 * port ("198.51.100.7:51234", "[2001:db8::1]:443", "[2001:db8::1]"), as Azure and IIS write
 * X-Forwarded-For and some servers REMOTE_ADDR. Without brackets a colon is IPv6's, not a
 * port's ("2001:db8::1:443" is an address). */
static bool address_parse_hop(const char *text, size_t len, struct address *out)
{
    const char *colon;

    if (len > 0 && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        size_t inner, rest;

        if (close == NULL)
            return false;
        inner = (size_t)(close - text) - 1;
        rest = len - inner - 2;
        if (rest != 0 && (close[1] != ':' || !port_digits(close + 2, rest - 1)))
            return false;
        /* Brackets hold IPv6 only: "[1.2.3.4]" is nobody's way of writing an address. */
        if (memchr(text + 1, ':', inner) == NULL)
            return false;
        return address_parse(text + 1, inner, out);
    }
    colon = memchr(text, ':', len);
    if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon - text) - 1) == NULL) {
        size_t host = (size_t)(colon - text);

        /* One colon: IPv4 and a port (IPv6 has at least two). */
        return port_digits(colon + 1, len - host - 1) && address_parse(text, host, out);
    }
    return address_parse(text, len, out);
}

/* client_ip_resolve - see client_ip.h. */
void client_ip_resolve(const struct client_ip_proxies *proxies, const char *remote_addr,
                       const char *forwarded_for, char out[CLIENT_IP_MAX])
{
    struct address remote;
    out[0] = '\0';
    if (remote_addr == NULL || !address_parse_hop(remote_addr, strlen(remote_addr), &remote))
        return;
    if (!is_trusted(proxies, &remote) || forwarded_for == NULL) {
        address_format(&remote, out);
        return;
    }

    /* Collect the non-empty entries, then walk them from the right: each trusted hop vouches
     * for the one to its left. */
    enum { MAX_HOPS = 32 };
    const char *starts[MAX_HOPS];
    size_t lens[MAX_HOPS], n = 0;
    const char *cursor = forwarded_for, *entry;
    size_t len;
    while (text_next_item(&cursor, &entry, &len)) {
        if (len == 0)
            continue;
        if (n == MAX_HOPS) { /* keep the right-most hops: those are the ones we trust */
            memmove(starts, starts + 1, sizeof starts - sizeof starts[0]);
            memmove(lens, lens + 1, sizeof lens - sizeof lens[0]);
            n--;
        }
        starts[n] = entry;
        lens[n] = len;
        n++;
    }
    if (n == 0) { /* the proxy itself asked (a health check, say) */
        address_format(&remote, out);
        return;
    }
    for (size_t i = n; i > 0; i--) {
        struct address hop;
        if (!address_parse_hop(starts[i - 1], lens[i - 1], &hop))
            return; /* a trusted proxy would have written an address: give up, "" */
        if (i > 1 && is_trusted(proxies, &hop))
            continue;
        address_format(&hop, out);
        return;
    }
}

/* client_ip_listed - see client_ip.h. */
bool client_ip_listed(const struct client_ip_proxies *list, const char *text)
{
    struct address a;
    return text != NULL && address_parse(text, strlen(text), &a) && is_trusted(list, &a);
}
