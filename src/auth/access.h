/* access - the access rules of the authorizer: an ordered rules file (AUTHFCGI_ACCESS_RULES)
 * parsed and checked once per process, and the first rule matching a request's method, host
 * and path. README, "Protect any path" -> "Access rules", documents the format:
 *
 *   PATH [METHODS] [host=HOST] DECISION
 *
 * PATH is a segment prefix ("/private/" matches "/private", "/private/" and everything under
 * it) or "~" and a POSIX extended regular expression; METHODS upper-case names separated by
 * commas (GET also covers HEAD; a request's method matches in any case); HOST a name or
 * "*.domain"; DECISION public, signed-in, verified, email:ADDR-OR-@DOMAIN,... (implies
 * verified), role:NAME,... (a user with one
 * of the admin plugin's roles; the app refuses such rules while AUTHFCGI_ADMIN is off),
 * two-factor (a user with the twoFactor plugin's second factor enabled; refused while
 * AUTHFCGI_TWO_FACTOR is off) or deny. Blank lines and lines starting with '#' are skipped. A
 * request no rule matches gets the default rule: signed-in. Paths are matched after
 * access_normalize_path, never as the client spelt them. */
#ifndef AUTHFCGI_ACCESS_H
#define AUTHFCGI_ACCESS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

enum access_decision {
    ACCESS_PUBLIC,     /* allowed without looking at the session */
    ACCESS_SIGNED_IN,  /* a valid session */
    ACCESS_VERIFIED,   /* a valid session whose user has a verified e-mail address */
    ACCESS_EMAIL,      /* verified, and the address is in the list */
    ACCESS_ROLE,       /* a valid session whose user has one of the roles */
    ACCESS_TWO_FACTOR, /* a valid session whose user has two-factor enabled */
    ACCESS_DENY,       /* nobody */
};

struct access_rule {
    char *where; /* "FILE:LINE", or "default" for the implicit last rule */
    enum access_decision decision;
    char *prefix;  /* a segment prefix without its trailing '/', or NULL for a regex */
    regex_t regex; /* when prefix is NULL (and not the default rule) */
    bool has_regex;
    char *methods; /* ",GET,HEAD," or NULL for any method */
    char *host;    /* lower-case; "*.example.com" matches subdomains; NULL = any */
    char **emails; /* lower-case addresses and "@domain"s, for ACCESS_EMAIL */
    size_t nemails;
    char **roles; /* role names, for ACCESS_ROLE */
    size_t nroles;
};

struct access_rules; /* opaque: the rules of one file, then the default */

/* access_rules_load - read and check the rules file at path; path NULL gives the default
 * alone (signed-in everywhere). Returns 0, or -1 with one line "FILE:LINE: what is wrong" (or
 * "FILE: why it cannot be read") in err. *out is the caller's: access_rules_free. */
int access_rules_load(struct access_rules **out, const char *path, char *err, size_t errlen);

/* access_rules_parse - the same from text (NUL-terminated), named name in messages. */
int access_rules_parse(struct access_rules **out, const char *name, const char *text, char *err,
                       size_t errlen);

void access_rules_free(struct access_rules *r);

/* access_rules_match - the first rule that matches; the default rule when none does (never
 * NULL). method is the request's (as the web server gave it), host the Host header as sent
 * (NULL when absent: the first rule with a host that path and method reach then answers
 * with a deny rule named "no-host"), path a normalised path. */
const struct access_rule *access_rules_match(const struct access_rules *r, const char *method,
                                             const char *host, const char *path);

/* access_email_allowed - is email (any case) one of rule's addresses or in one of its
 * domains? */
bool access_email_allowed(const struct access_rule *rule, const char *email);

/* access_role_allowed - does one of the names in roles (the user's comma list; NULL or ""
 * is the admin plugin's default role "user") name one of rule's roles? */
bool access_role_allowed(const struct access_rule *rule, const char *roles);

/* access_rules_first - the first rule with decision d ("FILE:LINE"), or NULL when there is
 * none: the app refuses rules its plugins cannot judge. */
const char *access_rules_first(const struct access_rules *r, enum access_decision d);

/* access_decision_name - "public", "signed-in", ... as a rules file spells it. */
const char *access_decision_name(enum access_decision d);

/* access_normalize_path - the path a web server serves for the len bytes of raw (the part of
 * a request URI before '?'): percent-decoded, "." and ".." segments resolved (never above the
 * root), runs of '/' merged. NULL when it cannot be (not starting with '/', a bad or NUL
 * percent-escape, a raw '#', which the web servers cut the path at): such a request is
 * refused. "%23" is a '#' in a name, as the servers read it. The result lives in a. */
char *access_normalize_path(struct arena *a, const char *raw, size_t len);

#endif
