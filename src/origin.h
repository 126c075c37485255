/* origin - Better Auth's CSRF defence and redirect-URL rules (PROTOCOL.md §6): the trusted
 * origins, the Origin / Referer / Fetch-Metadata checks on state-changing requests, the check
 * of every callbackURL / redirectTo a client may send, and the composition of the redirects
 * that carry a token or an error back to such a URL.
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

#include "body.h"

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

/* origin_is_safe_relative - a root-relative path that cannot leave the origin: starts with
 * '/' but not "//", no '\', no control character (U+0000-U+001F, U+007F-U+009F), no "%2F" or
 * "%5C" (any case) before the first '?' or '#'. */
bool origin_is_safe_relative(const char *url, size_t len);

/* origin_redirect_allowed - a redirect target Better Auth accepts: safe relative, or trusted. */
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

/* origin_redirect_with_param - the Location of GET /reset-password/:token (Better Auth's
 * redirectCallback / redirectError): callback resolved against api_base (empty or NULL:
 * api_base + "/error"), then URLSearchParams.set(name, value), serialised: "/reset" gives
 * "http://127.0.0.1:3000/reset?token=abc". Returns an arena string, or NULL when the callback
 * does not parse. */
char *origin_redirect_with_param(const struct origin_policy *p, struct arena *a,
                                 const char *callback, const char *name, const char *value);

/* origin_append_param - Better Auth's appendQueryParams (GET /verify-email errors): name=value
 * appended to the query of an absolute or root-relative callback, which keeps its form
 * ("/verified" gives "/verified?error=INVALID_TOKEN", "http://h/v?a=1" gives
 * "http://h/v?a=1&error=..."). Returns an arena string, or NULL for anything else. */
char *origin_append_param(struct arena *a, const char *callback, const char *name,
                          const char *value);

#endif
