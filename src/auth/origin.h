/* origin - Better Auth's CSRF defence and redirect-URL rules (PROTOCOL.md §6): the trusted
 * origins, the Origin / Referer / Fetch-Metadata checks on state-changing requests, the check
 * of every callbackURL / redirectTo a client may send, and the composition of every Location
 * header (origin_safe_location), so that none leaves the trusted origins.
 *
 * Where the checks go in a request (Better Auth's order, observed):
 *   body_parse                         415, bad JSON
 *   origin_check(p, req, false, ...)   rule 1: a request with a Cookie needs a trusted Origin
 *   origin_check_redirects             callbackURL & co. in the raw body / query
 *   body_validate                      VALIDATION_ERROR
 *   origin_check(p, req, true, ...)    sign-in/sign-up only: the Fetch-Metadata rules
 *   session lookup, handler            401 and the rest
 * GET endpoints with a callbackURL call origin_check_callback after body_validate instead. */
#ifndef AUTHFCGI_ORIGIN_H
#define AUTHFCGI_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/body.h"

struct arena;
struct request;

/* Built once per process from the settings; read-only afterwards. */
struct origin_policy {
    char **trusted; /* normalised origins ("http://localhost:8080"); [0] is the base URL's */
    size_t count;
    char *api_base; /* base URL origin + "/api/auth": Better Auth's ctx.baseURL */
};

/* origin_policy_init - base_url is AUTHFCGI_BASE_URL (an http(s) URL; only its origin is
 * used), trusted_list AUTHFCGI_TRUSTED_ORIGINS: comma-separated origins, blanks and empty
 * entries ignored, each normalised as the WHATWG URL origin (scheme and host lower-cased,
 * default port dropped, a trailing '/' allowed). Wildcards, paths, queries and other schemes
 * are refused. trusted_list may be NULL. Returns 0, or -1 with one line in err (nothing
 * allocated). On success *p owns its memory: origin_policy_free. */
int origin_policy_init(struct origin_policy *p, const char *base_url, const char *trusted_list,
                       char *err, size_t errlen);

void origin_policy_free(struct origin_policy *p);

/* origin_is_trusted - is len bytes at url an absolute http(s) URL whose origin is trusted?
 * Parsing scratch goes to a. */
bool origin_is_trusted(const struct origin_policy *p, struct arena *a, const char *url, size_t len);

/* origin_redirect_allowed - may a client name url (callbackURL, redirectTo, errorCallbackURL,
 * newUserCallbackURL) as a place to send its browser? Decided the way the browser will go, not
 * by the look of the string: url is resolved with the WHATWG rules (url_parse) against the base
 * URL, and against two other pages (the other scheme, another host and path depth) to see
 * whether its meaning depends on the page it is read from. Allowed are
 *   - an absolute http(s) URL (it carries its own scheme and host, on every page) whose origin
 *     is trusted, and
 *   - a root-relative path (it keeps the page's origin and names the same path on every page)
 *     that passes Better Auth's string rules too (starts with '/' but not "//", no '\', no
 *     control character U+0000-U+001F or U+007F-U+009F, no "%2F" or "%5C" before the first
 *     '?' or '#') and whose resolved path does not start with "//": "/.//evil.com" and
 *     "/a/..//evil.com" resolve to the path "//evil.com", which reads as another host once it
 *     is written down without the origin (Better Auth 1.7.25 accepts them and redirects off
 *     the site; README, "Deviations from Better Auth").
 * Everything else is refused: other schemes, untrusted hosts, scheme-relative "//host", and
 * values whose meaning depends on the page ("http:host/x", "x", "?x", ""). Parsing scratch
 * goes to a. */
bool origin_redirect_allowed(const struct origin_policy *p, struct arena *a, const char *url,
                             size_t len);

/* origin_check - the Origin rules for req. Nothing is checked for GET, HEAD and OPTIONS.
 * With a Cookie header (any cookie, even empty): Origin, or Referer when Origin is absent or
 * empty, must be present, not "null", and trusted, else 403 MISSING_OR_NULL_ORIGIN /
 * INVALID_ORIGIN. Without a Cookie (bearer and server-to-server calls) nothing is checked,
 * except when is_sign_in_or_up: then Sec-Fetch-Site "cross-site" with Sec-Fetch-Mode
 * "navigate" is 403 CROSS_SITE_NAVIGATION_LOGIN_BLOCKED, and any non-blank Sec-Fetch-* header,
 * Origin or Referer makes the Origin rule apply.
 * "Origin: null" with "Sec-Fetch-Site: same-origin" stands for the request's own origin.
 * Better Auth derives it from the Host header; behind a web server we take the base URL's
 * origin (the browser says same-origin, so it is the site the request was sent to).
 * Returns 0, or -1 with *err set. */
int origin_check(const struct origin_policy *p, const struct request *req, bool is_sign_in_or_up,
                 struct input_error *err);

/* origin_check_redirects - Better Auth's redirect-URL check for non-GET requests, on the raw
 * values from body_parse (call it before body_validate): callbackURL (body, else query),
 * redirectTo, errorCallbackURL, newUserCallbackURL, whatever the endpoint. A falsy value is
 * skipped; a truthy non-string is 400 "Invalid <label>: expected a string" (no code); a
 * string that is not origin_redirect_allowed is 403 INVALID_CALLBACK_URL,
 * INVALID_REDIRECT_URL, INVALID_ERROR_CALLBACK_URL or INVALID_NEW_USER_CALLBACK_URL.
 * Returns 0 or -1 with *err set. */
int origin_check_redirects(const struct origin_policy *p, struct arena *a,
                           const struct body_fields *in, struct input_error *err);

/* origin_check_callback - the same for query.callbackURL of GET /verify-email,
 * /reset-password/:token and /delete-user/callback, after body_validate. */
int origin_check_callback(const struct origin_policy *p, struct arena *a,
                          const struct body_fields *in, struct input_error *err);

/* How origin_safe_location adds a query parameter to its target. */
enum origin_param {
    ORIGIN_PARAM_NONE,
    ORIGIN_PARAM_SET,    /* URLSearchParams.set (reset-password's redirectCallback) */
    ORIGIN_PARAM_APPEND, /* Better Auth's appendQueryParams (verify-email's redirectOnError) */
};

/* What a Location header should say. */
struct origin_location {
    const char *target; /* a URL a client gave (callbackURL...) or one of ours; NULL or "":
                           Better Auth's error page, {api_base}/error */
    bool absolute;      /* write an absolute URL even for a root-relative target */
    enum origin_param how;
    const char *name, *value; /* the parameter, for how != ORIGIN_PARAM_NONE */
};

/* Where origin_safe_location sends a browser whose target it refuses (Better Auth's error page,
 * which redirects to the site root with the code). */
#define ORIGIN_FALLBACK_ERROR "INVALID_CALLBACK_URL"

/* origin_safe_location - THE way to compose a Location header (and any URL a client is told to
 * follow, such as sign-in's "url"); no other code writes one. The target is resolved as
 * origin_redirect_allowed resolves it, gets the parameter, and is written in a form that cannot
 * leave the trusted origins whatever page the browser reads it from:
 *   - a root-relative target stays root-relative ("/verified?error=INVALID_TOKEN", Better
 *     Auth's "relative stays relative"), unless loc->absolute or its path starts with "//":
 *     then it is written as an absolute URL on the base URL's origin ("/reset" gives
 *     "http://127.0.0.1:3000/reset?token=abc"; "/.//x" gives "http://127.0.0.1:3000//x");
 *   - an absolute target on a trusted origin is written as its normalised href.
 * Anything else (an untrusted origin, another scheme, a page-dependent form, a value that does
 * not parse) is refused: the answer is then {api_base}/error?error=ORIGIN_FALLBACK_ERROR
 * (without the parameter, so a token never goes to the fallback) and a warning is logged.
 * The acceptance checks above refuse such targets with a 403 first; a redirect to a target
 * nobody checked (the return target of a sign-in page) may rely on this function alone.
 * Returns an arena string, never NULL; what it returns always passes origin_location_is_safe. */
char *origin_safe_location(const struct origin_policy *p, struct arena *a,
                           const struct origin_location *loc);

/* origin_location_is_safe - the invariant of every Location authfcgi sends: len bytes at
 * location, resolved as a browser resolves a Location header (WHATWG, against the URL of the
 * page that got it, whatever its scheme, host and path), lands on a trusted origin or stays on
 * the page's own, and it holds no space or control character (nothing a browser would strip,
 * no line break in a header). True for an absolute http(s) URL on a trusted origin and for a
 * root-relative path; false for "//evil.com", "/\evil.com", "http:evil.com",
 * "javascript:...", a relative path or query, or a value that does not parse. The router
 * checks every Location a handler set with it (a violation is logged as reason=location_unsafe and
 * answered 500); tests and fuzzers use it as "no Location leaves the origin". */
bool origin_location_is_safe(const struct origin_policy *p, struct arena *a, const char *location,
                             size_t len);

#endif
