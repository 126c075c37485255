/* authorize - "may this request in?": the FastCGI Authorizer role (lighttpd "mode" =>
 * "authorizer", Apache mod_fcgid's FcgidAccessChecker and the other mod_fcgid/mod_authnz_fcgi
 * checkers, all decided alike by the session cookie; Basic credentials are never looked at)
 * and nginx's auth_request (a responder request carrying the FastCGI param
 * AUTHFCGI_AUTHORIZE=1, the original request in AUTHFCGI_ORIGINAL_URI and
 * AUTHFCGI_ORIGINAL_METHOD).
 *
 * The decision: the first access rule matching the original method, Host and normalised path
 * (access.h), then the session (session_resolve without the sliding refresh: an authorizer's
 * Set-Cookie is dropped by lighttpd and nginx and would leak through mod_fcgid). Answers:
 *   allowed                FastCGI role: Status 200 with Variable-AUTH_USER_ID, -_EMAIL,
 *                          -_NAME, -AUTH_SESSION_ID, -AUTH_EMAIL_VERIFIED (true/false) and
 *                          Variable-REMOTE_USER (the e-mail); nginx: 200 with X-Auth-User-Id,
 *                          -Email, -Name, X-Auth-Session-Id, X-Auth-Email-Verified. A public
 *                          rule allows with no identity (and no database work).
 *   no session, a browser  FastCGI role: 302 to AUTHFCGI_SIGN_IN_URL?callbackURL=<the request's
 *                          path and query>; nginx: 401 with that Location (and the 401 body)
 *   no session, otherwise  401 {"message":"Unauthorized","code":"UNAUTHORIZED"}
 *   the rule refuses       403 {"message":"Forbidden","code":"FORBIDDEN"}
 *   database unavailable   503 (nginx turns it into 500); any other failure 500
 * Never 200 but on a decision to allow. Each answer is logged once (event=authorize). */
#ifndef AUTHFCGI_AUTHORIZE_H
#define AUTHFCGI_AUTHORIZE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct request;
struct response;
struct settings;

/* authorize_wanted - is req an authorizer check (FastCGI role, or AUTHFCGI_AUTHORIZE set to
 * anything: a value other than 1 is a misconfiguration answered 500, never a responder's 200)? */
bool authorize_wanted(const struct request *req);

/* authorize_dispatch - decide and answer req (authorize_wanted) into resp. */
void authorize_dispatch(struct app *app, struct request *req, struct response *resp);

/* authorize_init - load the access rules (AUTHFCGI_ACCESS_RULES) and check the sign-in URL
 * (AUTHFCGI_SIGN_IN_URL: a root-relative path, or an absolute URL of a trusted origin) into
 * app, whose origins are set up. Returns 0, or -1 with one line in err (nothing kept). */
int authorize_init(struct app *app, const struct settings *s, char *err, size_t errlen);

/* authorize_free - release what authorize_init kept. */
void authorize_free(struct app *app);

#endif
