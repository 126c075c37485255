/* fuzz_client_ip - libFuzzer target: client-address resolution (client_ip.c). Input lines:
 * the AUTHFCGI_TRUSTED_PROXIES list, REMOTE_ADDR, X-Forwarded-For (missing lines: none).
 *
 * Invariants: the result is "" or a normalised address, which normalises to itself (IPv4
 * dotted, IPv6 as 8 groups of 4 lower-case hex digits); client_ip_normalize agrees with
 * itself on its own output. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "util/arena.h"
#include "util/client_ip.h"
#include "fuzz.h"

static void check_normal(const char *what, const char *ip)
{
    char again[CLIENT_IP_MAX];

    FUZZ_CHECK(strlen(ip) < CLIENT_IP_MAX, "%s: %s too long", what, ip);
    if (ip[0] == '\0')
        return;
    FUZZ_CHECK(client_ip_normalize(ip, strlen(ip), again) && strcmp(again, ip) == 0,
               "%s: %s normalises to %s", what, ip, again);
}

/* line - the next '\n'-separated piece of [*p, end) as a C string (it stops at a NUL, as a
 * FastCGI param would), or NULL past the end. */
static const char *line(struct arena *a, const char **p, const char *end)
{
    if (*p > end)
        return NULL;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl != NULL ? nl : end;
    const char *s = arena_strndup(a, *p, (size_t)(stop - *p));
    *p = stop + 1;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_create(4096);
    const char *p = (const char *)data, *end = p + size;
    const char *list = line(a, &p, end);
    const char *remote = line(a, &p, end);
    const char *forwarded = line(a, &p, end);
    struct client_ip_proxies proxies = {0};
    char err[256], out[CLIENT_IP_MAX];

    if (remote != NULL && client_ip_normalize(remote, strlen(remote), out))
        check_normal("client_ip_normalize", out);
    if (client_ip_proxies_parse(&proxies, list, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] != '\0' && proxies.nets == NULL, "a refused list without a reason");
    client_ip_resolve(&proxies, remote, forwarded, out);
    check_normal("client_ip_resolve", out);
    client_ip_proxies_free(&proxies);
    arena_destroy(a);
    return 0;
}
