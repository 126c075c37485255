/* origin - trusted origins, the CSRF rules of Better Auth's originCheckMiddleware and
 * formCsrfMiddleware, redirect-URL validation, and every Location header, all decided by
 * resolving URLs the way a browser does. */
#include "config.h"

#include "auth/origin.h"

#include "util/arena.h"
#include "auth/http.h"
#include "util/log.h"
#include "util/text.h"
#include "util/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the policy -------------------------------------------------------------------------- */

/* set_error - e's row of the table. */
static void set_error(struct input_error *err, enum http_error e)
{
    err->status = http_errors[e].status;
    err->code = http_errors[e].code;
    err->message = http_errors[e].message;
}

/* parse_origin_entry - an entry of the trusted list: an http(s) URL that is only an origin. */
static char *parse_origin_entry(struct arena *a, const char *s, size_t len)
{
    struct url u;
    if (memchr(s, '*', len) || memchr(s, '?', len))
        return NULL; /* wildcard patterns are not supported */
    if (url_parse(a, s, len, NULL, &u) != URL_OK)
        return NULL;
    if (strcmp(u.path, "/") != 0 || u.query || u.fragment || u.username[0] || u.password[0])
        return NULL;
    return url_origin(a, &u);
}

/* read_trusted_list - the base URL's origin, then every entry of list, into trusted[] (arena
 * strings). Returns the count, or 0 with err filled. */
static size_t read_trusted_list(struct arena *a, const struct url *base, const char *list,
                                char **trusted, char *err, size_t errlen)
{
    size_t count = 0;
    trusted[count++] = url_origin(a, base);
    const char *cursor = list, *entry;
    size_t len;
    while (text_next_item(&cursor, &entry, &len)) {
        if (len == 0)
            continue;
        char *origin = parse_origin_entry(a, entry, len);
        if (origin == NULL) {
            snprintf(err, errlen,
                     "trusted origin \"%.*s\" is not an origin (scheme://host[:port], http or "
                     "https, no path or wildcard)",
                     (int)(len > 80 ? 80 : len), entry);
            return 0;
        }
        trusted[count++] = origin;
    }
    return count;
}

/* origin_policy_init - see origin.h. Parsing happens in a scratch arena; what is kept is
 * copied to the heap, since the policy outlives every request. */
int origin_policy_init(struct origin_policy *p, const char *base_url, const char *trusted_list,
                       char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    struct arena *a = arena_create(4096);
    struct url base;
    if (base_url == NULL || url_parse(a, base_url, strlen(base_url), NULL, &base) != URL_OK) {
        snprintf(err, errlen, "base URL \"%.80s\" is not an http(s) URL", base_url ? base_url : "");
        arena_destroy(a);
        return -1;
    }

    size_t capacity = 2;
    for (const char *c = trusted_list ? trusted_list : ""; *c; c++)
        capacity += *c == ',';
    char **trusted = arena_alloc(a, capacity * sizeof *trusted);
    size_t count = read_trusted_list(a, &base, trusted_list, trusted, err, errlen);
    if (count == 0) {
        arena_destroy(a);
        return -1;
    }

    p->trusted = calloc(count, sizeof *p->trusted);
    p->api_base = strdup(arena_printf(a, "%s/api/auth", trusted[0]));
    bool ok = p->trusted != NULL && p->api_base != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        p->trusted[i] = strdup(trusted[i]);
        ok = p->trusted[i] != NULL;
        p->count = i + 1;
    }
    arena_destroy(a);
    if (!ok) {
        origin_policy_free(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* origin_policy_free - see origin.h. */
void origin_policy_free(struct origin_policy *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->trusted[i]);
    free(p->trusted);
    free(p->api_base);
    memset(p, 0, sizeof *p);
}

/* ---- matching ---------------------------------------------------------------------------- */

/* origin_listed - is origin (serialised) one of the trusted ones? */
static bool origin_listed(const struct origin_policy *p, const char *origin)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(origin, p->trusted[i]) == 0)
            return true;
    return false;
}

/* origin_is_trusted - see origin.h. */
bool origin_is_trusted(const struct origin_policy *p, struct arena *a, const char *url, size_t len)
{
    struct url u;
    if (len > 0 && url[0] == '/') /* relative: never an origin */
        return false;
    if (url_parse(a, url, len, NULL, &u) != URL_OK)
        return false;
    return origin_listed(p, url_origin(a, &u));
}

/* ---- the CSRF rules ---------------------------------------------------------------------- */

static bool is_blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return false;
    return true;
}

static bool is_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* check_origin_header - validateOrigin: Origin (else Referer) present, not "null", trusted. */
static int check_origin_header(const struct origin_policy *p, const struct request *req,
                               struct input_error *err)
{
    const char *value = !is_empty(req->origin)    ? req->origin
                        : !is_empty(req->referer) ? req->referer
                                                  : "";
    if (req->origin != NULL && strcmp(req->origin, "null") == 0 && req->sec_fetch_site != NULL &&
        strcmp(req->sec_fetch_site, "same-origin") == 0)
        value = p->trusted[0];
    if (value[0] == '\0' || strcmp(value, "null") == 0) {
        set_error(err, HTTP_ERROR_MISSING_OR_NULL_ORIGIN);
        return -1;
    }
    if (!origin_is_trusted(p, req->arena, value, strlen(value))) {
        set_error(err, HTTP_ERROR_INVALID_ORIGIN);
        return -1;
    }
    return 0;
}

/* origin_check - see origin.h. */
int origin_check(const struct origin_policy *p, const struct request *req, bool is_sign_in_or_up,
                 struct input_error *err)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
        strcmp(req->method, "OPTIONS") == 0)
        return 0;
    if (req->cookie != NULL)
        return check_origin_header(p, req, err);
    if (!is_sign_in_or_up)
        return 0;

    /* formCsrfMiddleware: Fetch Metadata first, exact (case-sensitive) values. */
    if (!is_blank(req->sec_fetch_site) || !is_blank(req->sec_fetch_mode) ||
        !is_blank(req->sec_fetch_dest)) {
        if (req->sec_fetch_site && strcmp(req->sec_fetch_site, "cross-site") == 0 &&
            req->sec_fetch_mode && strcmp(req->sec_fetch_mode, "navigate") == 0) {
            set_error(err, HTTP_ERROR_CROSS_SITE_NAVIGATION_LOGIN_BLOCKED);
            return -1;
        }
        return check_origin_header(p, req, err);
    }
    if (!is_empty(req->origin) || !is_empty(req->referer))
        return check_origin_header(p, req, err);
    return 0;
}

/* ---- redirect URLs ----------------------------------------------------------------------- */

struct redirect_field {
    enum field field;
    bool from_query_too;        /* body.callbackURL || query.callbackURL */
    const char *label;          /* Better Auth's name in its messages */
    enum http_error invalid;    /* 403 */
    enum http_error not_string; /* 400 */
};

static const struct redirect_field redirect_fields[] = {
    {FIELD_CALLBACK_URL, true, "callbackURL", HTTP_ERROR_INVALID_CALLBACK_URL,
     HTTP_ERROR_CALLBACK_URL_NOT_STRING},
    {FIELD_REDIRECT_TO, false, "redirectURL", HTTP_ERROR_INVALID_REDIRECT_URL,
     HTTP_ERROR_REDIRECT_URL_NOT_STRING},
    {FIELD_ERROR_CALLBACK_URL, false, "errorCallbackURL", HTTP_ERROR_INVALID_ERROR_CALLBACK_URL,
     HTTP_ERROR_ERROR_CALLBACK_URL_NOT_STRING},
    {FIELD_NEW_USER_CALLBACK_URL, false, "newUserCallbackURL",
     HTTP_ERROR_INVALID_NEW_USER_CALLBACK_URL, HTTP_ERROR_NEW_USER_CALLBACK_URL_NOT_STRING},
};

/* origin_check_redirects - see origin.h. */
int origin_check_redirects(const struct origin_policy *p, struct arena *a,
                           const struct body_fields *in, struct input_error *err)
{
    for (size_t i = 0; i < sizeof redirect_fields / sizeof redirect_fields[0]; i++) {
        const struct redirect_field *rf = &redirect_fields[i];
        const struct value *v = &in->body[rf->field];
        if (!body_value_truthy(v) && rf->from_query_too)
            v = &in->query[rf->field];
        if (!body_value_truthy(v))
            continue;
        if (v->kind != VALUE_STRING) {
            set_error(err, rf->not_string);
            return -1;
        }
        if (!origin_redirect_allowed(p, a, v->str, v->len)) {
            set_error(err, rf->invalid);
            return -1;
        }
    }
    return 0;
}

/* origin_check_callback - see origin.h. */
int origin_check_callback(const struct origin_policy *p, struct arena *a,
                          const struct body_fields *in, struct input_error *err)
{
    const struct value *v = &in->query[FIELD_CALLBACK_URL];
    if (!body_value_truthy(v))
        return 0;
    if (v->kind != VALUE_STRING || !origin_redirect_allowed(p, a, v->str, v->len)) {
        set_error(err, HTTP_ERROR_INVALID_CALLBACK_URL);
        return -1;
    }
    return 0;
}

/* ---- resolving a redirect target as a browser does ----------------------------------------- */

/* Pages a browser may read a target from besides the base URL: both schemes, another host,
 * other path depths. A target has to mean the same thing on each of them. */
static const char *const other_pages[] = {"http://page.invalid/a/b/c", "https://page.invalid/d"};

enum target {
    TARGET_REFUSED,       /* does not parse, another scheme, or means something else per page */
    TARGET_ABSOLUTE,      /* the same URL on every page */
    TARGET_ROOT_RELATIVE, /* the page's own origin and the same path, query and fragment */
};

/* starts_with_slash - does the input begin with '/' or '\' once the URL parser has stripped
 * leading C0 controls and spaces? Only such input is root-relative for every page: a relative
 * path ("../../x") can come out root-relative on shallow pages and not on deep ones. */
static bool starts_with_slash(const char *s, size_t len)
{
    while (len > 0 && (unsigned char)*s <= 0x20) {
        s++;
        len--;
    }
    return len > 0 && (*s == '/' || *s == '\\');
}

/* resolve - len bytes at s resolved with the WHATWG rules against the base URL into *out, and
 * what the result is worth on other pages. */
static enum target resolve(const struct origin_policy *p, struct arena *a, const char *s,
                           size_t len, struct url *out)
{
    struct url base, page, other;
    if (url_parse(a, p->api_base, strlen(p->api_base), NULL, &base) != URL_OK ||
        url_parse(a, s, len, &base, out) != URL_OK)
        return TARGET_REFUSED;
    const char *href = url_href(a, out);
    const char *rest = url_path_query_fragment(a, out);
    bool absolute = true;
    bool relative = starts_with_slash(s, len) && strcmp(url_origin(a, out), p->trusted[0]) == 0;
    for (size_t i = 0; i < sizeof other_pages / sizeof other_pages[0]; i++) {
        const char *at = other_pages[i];
        if (url_parse(a, at, strlen(at), NULL, &page) != URL_OK ||
            url_parse(a, s, len, &page, &other) != URL_OK)
            return TARGET_REFUSED;
        absolute = absolute && strcmp(url_href(a, &other), href) == 0;
        relative = relative && strcmp(url_origin(a, &other), url_origin(a, &page)) == 0 &&
                   strcmp(url_path_query_fragment(a, &other), rest) == 0;
    }
    return absolute ? TARGET_ABSOLUTE : relative ? TARGET_ROOT_RELATIVE : TARGET_REFUSED;
}

/* writable_relative - can this serialised path-query-fragment be sent as it is? Not when the
 * path starts with "//" (an empty first segment): a browser reads that as a host. */
static bool writable_relative(const char *rest)
{
    return rest[0] == '/' && rest[1] != '/' && rest[1] != '\\';
}

/* better_auth_relative_rules - Better Auth's string rules for a relative callback: starts with
 * '/' but not "//", no '\', no control character (C0, DEL, C1), no "%2F" or "%5C" (any case)
 * before the first '?' or '#'. Kept so that everything Better Auth refuses stays refused; the
 * decision that the target stays on the site is resolve's. */
static bool better_auth_relative_rules(const char *url, size_t len)
{
    if (len == 0 || url[0] != '/' || (len > 1 && url[1] == '/'))
        return false;
    size_t path_end = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c == '\\' || c < 0x20 || c == 0x7F)
            return false;
        /* U+0080-U+009F, the C1 controls, are C2 80 - C2 9F in UTF-8. */
        if (c == 0xC2 && i + 1 < len && (unsigned char)url[i + 1] >= 0x80 &&
            (unsigned char)url[i + 1] <= 0x9F)
            return false;
        if ((c == '?' || c == '#') && path_end == len)
            path_end = i;
    }
    for (size_t i = 0; i + 2 < path_end; i++)
        if (url[i] == '%' && ((url[i + 1] == '2' && (url[i + 2] == 'f' || url[i + 2] == 'F')) ||
                              (url[i + 1] == '5' && (url[i + 2] == 'c' || url[i + 2] == 'C'))))
            return false;
    return true;
}

/* origin_redirect_allowed - see origin.h. */
bool origin_redirect_allowed(const struct origin_policy *p, struct arena *a, const char *url,
                             size_t len)
{
    struct url u;
    switch (resolve(p, a, url, len, &u)) {
    case TARGET_ABSOLUTE:
        return origin_listed(p, url_origin(a, &u));
    case TARGET_ROOT_RELATIVE:
        return better_auth_relative_rules(url, len) &&
               writable_relative(url_path_query_fragment(a, &u));
    case TARGET_REFUSED:
        break;
    }
    return false;
}

/* origin_location_is_safe - see origin.h. */
bool origin_location_is_safe(const struct origin_policy *p, struct arena *a, const char *location,
                             size_t len)
{
    struct url u;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)location[i] <= 0x20 || location[i] == 0x7F)
            return false;
    switch (resolve(p, a, location, len, &u)) {
    case TARGET_ABSOLUTE:
        return origin_listed(p, url_origin(a, &u));
    case TARGET_ROOT_RELATIVE:
        return true;
    case TARGET_REFUSED:
        break;
    }
    return false;
}

/* fallback - where a refused target sends the browser instead. */
static char *fallback(const struct origin_policy *p, struct arena *a)
{
    log_event(LOG_LEVEL_WARN, "location_refused", NULL);
    return arena_printf(a, "%s/error?error=%s", p->api_base, ORIGIN_FALLBACK_ERROR);
}

/* origin_safe_location - see origin.h. */
char *origin_safe_location(const struct origin_policy *p, struct arena *a,
                           const struct origin_location *loc)
{
    const char *target = loc->target;
    struct url u;
    char *out = NULL;

    if (target == NULL || target[0] == '\0')
        target = arena_printf(a, "%s/error", p->api_base);
    enum target kind = resolve(p, a, target, strlen(target), &u);
    if (kind == TARGET_REFUSED || (kind == TARGET_ABSOLUTE && !origin_listed(p, url_origin(a, &u))))
        return fallback(p, a);
    if (loc->how == ORIGIN_PARAM_SET)
        url_search_set(a, &u, loc->name, loc->value);
    else if (loc->how == ORIGIN_PARAM_APPEND)
        url_search_append(a, &u, loc->name, loc->value);
    if (kind == TARGET_ROOT_RELATIVE && !loc->absolute) {
        out = url_path_query_fragment(a, &u);
        if (!writable_relative(out))
            out = NULL;
    }
    if (out == NULL)
        out = url_href(a, &u);
    /* What goes out is checked as the browser will read it, whatever went into making it. */
    if (!origin_location_is_safe(p, a, out, strlen(out)))
        return fallback(p, a);
    return out;
}
