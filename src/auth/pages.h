/* pages - the built-in, server-rendered pages under /auth/ (sign-in, sign-up, sign-out,
 * forgot-password, reset-password, two-factor, style.css) for browsers without script and for
 * sites without a front end of their own.
 *
 * A page's form posts application/x-www-form-urlencoded to the page itself; the worker turns
 * the form into the JSON body of the matching /api/auth route and dispatches it through the
 * router, so rate limits, Origin and Fetch-Metadata checks, the callbackURL check, schema and
 * password rules are the JSON API's own code. The route's outcome becomes a 303 to the return
 * target (with its Set-Cookie headers) or the form again with the error, the route's status
 * and the entered e-mail (never a password).
 *
 * The return target is the query's callbackURL, else (Apache's ErrorDocument 401) the
 * original URL (request.redirect_url), else "/"; it is checked as the JSON API checks
 * callbackURL.
 *
 * With the twoFactor plugin, a sign-in that asks for a second factor ends in a 303 to
 * two-factor (with the route's two_factor cookie and the return target), whose forms go
 * through verify-totp, verify-backup-code, send-otp or verify-otp and end as sign-in does. */
#ifndef AUTHFCGI_PAGES_H
#define AUTHFCGI_PAGES_H

#include <stdbool.h>

struct app;
struct arena;
struct request;
struct response;

/* The prefix of every page's path. */
#define PAGES_PREFIX "/auth/"

/* pages_owns - is path a page's to answer (pages on and path under PAGES_PREFIX)? */
bool pages_owns(const struct app *app, const char *path);

/* pages_serve - answer req, whose path pages_owns: the page, its form's outcome, or 404 for
 * a path that is no page (or a page that is off: sign-up without its route, the password
 * pages without mail, two-factor without AUTHFCGI_TWO_FACTOR). req->client_ip must be resolved. */
void pages_serve(struct app *app, struct request *req, struct response *resp);

/* pages_query_encode - value percent-encoded for a query ("/a?b" -> "%2Fa%3Fb"): every byte
 * but ASCII letters, digits and "-._~". In the arena. */
char *pages_query_encode(struct arena *a, const char *value);

#endif
