/* url - the part of the WHATWG URL standard that Better Auth's origin checks and redirects
 * rely on, for the special schemes http and https: parsing (with or without a base),
 * origin and href serialisation, and the application/x-www-form-urlencoded parser and
 * serialiser behind URLSearchParams and form bodies.
 *
 * Faithful to Node's URL (WHATWG) for http(s): leading/trailing C0 and space stripped, tabs and
 * newlines removed, '\' as '/', any number of slashes after "http:", userinfo, IPv4 in any
 * form the standard reads ("http://2130706433/" is 127.0.0.1), IPv6 in brackets, default
 * ports dropped, dot segments (also "%2e") resolved, the path/query/fragment percent-encode
 * sets of Node 20. Not supported, so reported as URL_INVALID: hosts that need IDNA (non-ASCII
 * after percent-decoding). Other schemes are URL_OTHER_SCHEME: no trusted origin uses them.
 *
 * Everything returned lives in the arena passed in. */
#ifndef AUTHFCGI_URL_H
#define AUTHFCGI_URL_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct url {
    bool https;           /* scheme: https, else http */
    const char *username; /* percent-encoded; "" when none */
    const char *password; /* percent-encoded; "" when none */
    const char *host;     /* serialised: lower-case domain, dotted IPv4, or "[v6]" */
    int port;             /* -1 = the scheme's default */
    const char *path;     /* serialised, starts with '/' */
    const char *query;    /* without '?'; NULL = no query */
    const char *fragment; /* without '#'; NULL = no fragment */
};

enum url_status {
    URL_OK,
    URL_INVALID,      /* what new URL() would throw on, or a host needing IDNA */
    URL_OTHER_SCHEME, /* a valid-looking scheme other than http/https */
};

/* url_parse - parse len bytes of input (need not be NUL-terminated), resolved against base
 * when base is not NULL (an http(s) URL from url_parse). */
enum url_status url_parse(struct arena *a, const char *input, size_t len, const struct url *base,
                          struct url *out);

/* url_origin - "scheme://host[:port]". */
char *url_origin(struct arena *a, const struct url *u);

/* url_href - the whole URL serialised, as URL.href. */
char *url_href(struct arena *a, const struct url *u);

/* url_path_query_fragment - path, "?query" and "#fragment": href without scheme and
 * authority (what a root-relative URL turns into). */
char *url_path_query_fragment(struct arena *a, const struct url *u);

/* url_search_set - URLSearchParams.set(name, value) on u's query: the query is parsed as
 * form-urlencoded pairs, the first pair called name gets value (later ones are removed) or a
 * pair is appended, and the list is serialised back ("a b" -> "a+b"). */
void url_search_set(struct arena *a, struct url *u, const char *name, const char *value);

/* url_search_append - Better Auth's appendQueryParams with one pair: "name=value"
 * (form-encoded) goes after the existing query text, which is kept as it is, with a '&'
 * unless the query already ends in one. */
void url_search_append(struct arena *a, struct url *u, const char *name, const char *value);

/* Called once per name=value pair, in order. Both are percent-decoded ('+' is a space),
 * decoded from UTF-8 the way browsers do (ill-formed bytes become U+FFFD), NUL-terminated,
 * in the arena, and may contain U+0000 (from "%00"). */
typedef void (*url_form_fn)(void *ctx, const char *name, size_t name_len, const char *value,
                            size_t value_len);

/* url_form_parse - the application/x-www-form-urlencoded parser (URLSearchParams, form
 * bodies, query strings): split on '&', empty pieces skipped, name and value split at the
 * first '='. No BOM is stripped. */
void url_form_parse(struct arena *a, const char *s, size_t len, url_form_fn fn, void *ctx);

#endif
