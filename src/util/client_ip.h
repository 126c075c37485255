/* client_ip - the client address recorded in session.ipAddress and used as the rate-limit
 * key, normalised as Better Auth records it: IPv4 as dotted decimal, IPv6 written out in full
 * (8 groups of 4 lower-case hex digits) and masked to its /64, an IPv4-mapped IPv6 address as
 * plain IPv4, anything unusable as "".
 *
 * Where the address comes from (a deliberate deviation, see README): Better Auth believes a
 * single-valued X-Forwarded-For from anyone, which any client can forge. authfcgi uses the
 * FastCGI REMOTE_ADDR, and reads X-Forwarded-For only when REMOTE_ADDR is one of the trusted
 * proxies (AUTHFCGI_TRUSTED_PROXIES). Then the list is read from the right, skipping hops that
 * are themselves trusted proxies, and the first other address is the client. Either may
 * carry a port ("198.51.100.7:51234", "[2001:db8::1]:443"), which is dropped.
 *
 * A request whose address cannot be found (no REMOTE_ADDR, a socket peer such as "unix:",
 * a trusted proxy that wrote "unknown") resolves to "": the router then refuses it when rate
 * limits are on rather than put every such client in one shared bucket (README). */
#ifndef AUTHFCGI_CLIENT_IP_H
#define AUTHFCGI_CLIENT_IP_H

#include <stdbool.h>
#include <stddef.h>

/* Longest normalised address: "xxxx:xxxx:xxxx:xxxx:0000:0000:0000:0000" + NUL. */
#define CLIENT_IP_MAX 40

struct client_ip_net; /* one CIDR range; private */

/* The parsed AUTHFCGI_TRUSTED_PROXIES list. Worker-lifetime; read-only after parsing, so
 * workers share it across fork. Zero-initialised = no trusted proxies. */
struct client_ip_proxies {
    struct client_ip_net *nets; /* owned; release with client_ip_proxies_free */
    size_t count;
};

/* client_ip_proxies_parse - parse a comma-separated list of addresses and CIDR ranges
 * ("10.0.0.0/8, 192.168.1.7, ::1, fd00::/8"); blanks around entries and empty entries are
 * ignored; host bits below the prefix are ignored too. list may be NULL or "" (no proxies).
 * Returns 0, or -1 with one line naming the bad entry in err (nothing allocated). On success
 * *out owns its memory. */
int client_ip_proxies_parse(struct client_ip_proxies *out, const char *list, char *err,
                            size_t errlen);

/* client_ip_proxies_free - release the list; *p is zeroed and may be parsed into again. */
void client_ip_proxies_free(struct client_ip_proxies *p);

/* client_ip_listed - is the textual address text (IPv4, IPv6, IPv4-mapped IPv6) inside one of
 * the ranges of list? False for anything that is not an address. Any parsed list will do:
 * workers also use one for FCGI_WEB_SERVER_ADDRS. */
bool client_ip_listed(const struct client_ip_proxies *list, const char *text);

/* client_ip_normalize - normalise one textual address (len bytes at text, no surrounding
 * blanks, no zone id, no port) into out. Returns false and sets out to "" when text is not an
 * IPv4 or IPv6 address. */
bool client_ip_normalize(const char *text, size_t len, char out[CLIENT_IP_MAX]);

/* client_ip_resolve - the normalised client address of a request into out ("" when there is
 * none worth recording). remote_addr is the FastCGI REMOTE_ADDR and forwarded_for the
 * X-Forwarded-For header; either may be NULL; ports are dropped as above. Never fails. */
void client_ip_resolve(const struct client_ip_proxies *proxies, const char *remote_addr,
                       const char *forwarded_for, char out[CLIENT_IP_MAX]);

#endif
