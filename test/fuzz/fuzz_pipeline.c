/* fuzz_pipeline - libFuzzer target: one whole request through router_dispatch over the fake
 * store, as fcgi_io would hand it over, and what every answer must satisfy whatever was asked:
 * a status authfcgi knows, header values that cannot split a response, a JSON body that
 * parses, no 2xx after the store failed, and no Location a browser would follow off the
 * site's origin and the trusted origins; an authorizer check (authorize.h) sets no cookie and
 * no Variable-HTTP_*, and says 200 only with the identity of a session or on a public rule.
 *
 * Input (text, so that the e2e cases make readable seeds):
 *     METHOD TARGET            TARGET = path[?query]
 *     Name: value              any number of headers (see header_slot), then an empty line
 *     body                     the rest, bytes as they are
 * Pseudo-headers set what is not an HTTP header: Remote-Addr, Fcgi-Role (AUTHORIZER, or
 * FILTER for any other role), nginx's authorizer params Authfcgi-Authorize,
 * Authfcgi-Original-Uri and Authfcgi-Original-Method, Body-Too-Large (any value), and
 * Fail: "OP STATUS SKIP" (decimal numbers) makes the (SKIP+1)-th next call of store operation
 * OP fail with DB_RETRY (STATUS odd) or DB_FAIL. */
#include "config.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "fake_store.h"
#include "fuzz.h"
#include "auth/http.h"
#include "auth/router.h"
#include "util/url.h"

static struct url base;
static struct arena *base_arena;

/* Released at exit: LeakSanitizer reports a block only a never-read static points to. */
static void release(void)
{
    arena_destroy(base_arena);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_app_init();
    base_arena = arena_create(4096);
    atexit(release);
    if (url_parse(base_arena, FUZZ_BASE_URL, strlen(FUZZ_BASE_URL), NULL, &base) != URL_OK)
        abort();
    return 0;
}

struct failure {
    bool set;
    enum fake_op op;
    enum db_status status;
    unsigned skip;
};

/* header_slot - where the value of header name (len bytes) goes, or NULL for one we ignore. */
static const char **header_slot(struct request *req, const char *name, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
    } map[] = {
        {"Content-Type", offsetof(struct request, content_type)},
        {"Cookie", offsetof(struct request, cookie)},
        {"Origin", offsetof(struct request, origin)},
        {"Referer", offsetof(struct request, referer)},
        {"User-Agent", offsetof(struct request, user_agent)},
        {"Authorization", offsetof(struct request, authorization)},
        {"Sec-Fetch-Site", offsetof(struct request, sec_fetch_site)},
        {"Sec-Fetch-Mode", offsetof(struct request, sec_fetch_mode)},
        {"Sec-Fetch-Dest", offsetof(struct request, sec_fetch_dest)},
        {"X-Forwarded-For", offsetof(struct request, x_forwarded_for)},
        {"Remote-Addr", offsetof(struct request, remote_addr)},
        {"Accept", offsetof(struct request, accept)},
        {"X-Requested-With", offsetof(struct request, x_requested_with)},
        {"Host", offsetof(struct request, host)},
        {"Authfcgi-Authorize", offsetof(struct request, authorize)},
        {"Authfcgi-Original-Uri", offsetof(struct request, original_uri)},
        {"Authfcgi-Original-Method", offsetof(struct request, original_method)},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].name) == len && strncasecmp(map[i].name, name, len) == 0)
            return (const char **)((char *)req + map[i].offset);
    return NULL;
}

/* next_line - the line at *p (without '\n'), *p moved past it; NULL at the end. */
static const char *next_line(const char **p, const char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    const char *line = *p;
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    *len = (size_t)((nl != NULL ? nl : end) - line);
    *p = nl != NULL ? nl + 1 : end;
    if (*len > 0 && line[*len - 1] == '\r')
        (*len)--;
    return line;
}

static void parse_request(struct arena *a, const char *data, size_t size, struct request *req,
                          struct failure *fail)
{
    const char *p = data, *end = data + size, *line;
    size_t len = 0;

    memset(req, 0, sizeof *req);
    req->arena = a;
    req->method = "GET";
    req->path = "/";
    req->query = "";
    req->remote_addr = "192.0.2.10";
    req->client_ip = "";
    if ((line = next_line(&p, end, &len)) != NULL) {
        const char *sp = memchr(line, ' ', len);
        size_t mlen = sp != NULL ? (size_t)(sp - line) : len;
        req->method = arena_strndup(a, line, mlen);
        if (sp != NULL) {
            const char *target = sp + 1;
            size_t tlen = len - mlen - 1;
            const char *q = memchr(target, '?', tlen);
            size_t plen = q != NULL ? (size_t)(q - target) : tlen;
            req->path = arena_strndup(a, target, plen);
            if (q != NULL)
                req->query = arena_strndup(a, q + 1, tlen - plen - 1);
        }
    }
    while ((line = next_line(&p, end, &len)) != NULL && len > 0) {
        const char *colon = memchr(line, ':', len);
        if (colon == NULL)
            continue;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vlen = len - nlen - 1;
        while (vlen > 0 && (*v == ' ' || *v == '\t'))
            v++, vlen--;
        const char **slot = header_slot(req, line, nlen);
        if (slot != NULL)
            *slot = arena_strndup(a, v, vlen);
        else if (nlen == 9 && strncasecmp(line, "Fcgi-Role", 9) == 0)
            req->role = vlen >= 4 && strncasecmp(v, "AUTH", 4) == 0   ? ROLE_AUTHORIZER
                        : vlen >= 4 && strncasecmp(v, "FILT", 4) == 0 ? ROLE_OTHER
                                                                      : ROLE_RESPONDER;
        else if (nlen == 14 && strncasecmp(line, "Body-Too-Large", 14) == 0)
            req->body_too_large = true;
        else if (nlen == 4 && strncasecmp(line, "Fail", 4) == 0) {
            const char *text = arena_strndup(a, v, vlen);
            unsigned op = 0, status = 0, skip = 0;
            if (sscanf(text, "%u %u %u", &op, &status, &skip) >= 1) {
                fail->set = true;
                fail->op = (enum fake_op)(op % FAKE_OP__MAX);
                fail->status = status % 2 ? DB_RETRY : DB_FAIL;
                fail->skip = skip % 8;
            }
        }
    }
    /* fcgi_io's body: a NUL-terminated copy, absent when empty. */
    if (p < end && !req->body_too_large) {
        size_t blen = (size_t)(end - p);
        char *body = arena_alloc(a, blen + 1);
        memcpy(body, p, blen);
        req->body = body;
        req->body_len = blen;
    }
}

static const char *header_of(const struct response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* check_location - a browser resolves the Location against the URL it asked for, which has
 * the base URL's origin (the resolved origin depends on nothing else of it); where it then
 * goes must be the base URL's origin or a trusted one. */
static void check_location(struct arena *a, const char *loc)
{
    struct url to;
    enum url_status st = url_parse(a, loc, strlen(loc), &base, &to);

    FUZZ_CHECK(st == URL_OK, "Location %s does not resolve (status %d)", loc, st);
    const char *origin = url_origin(a, &to);
    for (size_t i = 0; i < fuzz_app.origins.count; i++)
        if (strcmp(origin, fuzz_app.origins.trusted[i]) == 0)
            return;
    FUZZ_CHECK(false, "Location %s leaves the origin: a browser goes to %s", loc, origin);
}

static void check_json(const struct response *r)
{
    const char *type = header_of(r, "Content-Type");

    if (type != NULL && !http_media_type_is(type, "application/json"))
        return;
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* With its NUL: json-c cannot tell where a bare literal ("null", "12") ends without it. */
    struct json_object *obj = json_tokener_parse_ex(tok, r->body, (int)r->body_len + 1);
    bool ok = json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) >= r->body_len;
    json_object_put(obj);
    json_tokener_free(tok);
    FUZZ_CHECK(ok, "status %d with a body that is not JSON: %.*s", r->status, (int)r->body_len,
               r->body);
}

static void check_response(struct arena *a, const struct response *r, bool store_failed)
{
    FUZZ_CHECK(strcmp(http_status_reason(r->status), "Unknown") != 0, "status %d", r->status);
    FUZZ_CHECK(r->nheaders <= r->headers_cap, "%zu headers", r->nheaders);
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct http_header *h = &r->headers[i];
        FUZZ_CHECK(h->name != NULL && h->value != NULL, "header %zu without name or value", i);
        FUZZ_CHECK(strpbrk(h->name, "\r\n: ") == NULL && strpbrk(h->value, "\r\n") == NULL,
                   "header %s: %s would split the response", h->name, h->value);
        if (strcasecmp(h->name, "Location") == 0)
            check_location(a, h->value);
    }
    /* An empty body (a redirect's) is no JSON text to parse. */
    if (r->body != NULL && r->body_len > 0)
        check_json(r);
    FUZZ_CHECK(!store_failed || r->status < 200 || r->status > 299,
               "status %d after the store failed: %.*s", r->status,
               r->body != NULL ? (int)r->body_len : 0, r->body != NULL ? r->body : "");
}

/* check_authorizer - what an authorizer answer may never hold. Every allowed check either
 * names its user or is a public rule's (no identity at all): never half an identity. */
static void check_authorizer(const struct response *r)
{
    size_t identity = 0;

    for (size_t i = 0; i < r->nheaders; i++) {
        const char *name = r->headers[i].name;
        FUZZ_CHECK(strcasecmp(name, "Set-Cookie") != 0, "an authorizer sets a cookie");
        FUZZ_CHECK(strncasecmp(name, "Variable-HTTP_", 14) != 0, "%s", name);
        identity += strncasecmp(name, "Variable-", 9) == 0 || strncasecmp(name, "X-Auth-", 7) == 0;
    }
    FUZZ_CHECK(identity == 0 || r->status == 200, "identity with status %d", r->status);
    FUZZ_CHECK(identity == 0 || identity == 5 || identity == 6, "%zu identity headers", identity);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_create(16 * 1024);
    struct fake_store *fs = fuzz_world_new();
    struct failure fail = {0};
    struct request req;
    struct response resp;

    parse_request(a, (const char *)data, size, &req, &fail);
    if (fail.set)
        fake_store_fail(fs, fail.op, fail.status, fail.skip);
    response_init(&resp, a);
    router_dispatch(&fuzz_app, &req, &resp);
    /* The scripted failure was delivered when the operation ran more than SKIP times. */
    bool store_failed = fail.set && fake_store_calls(fs, fail.op) > fail.skip;
    check_response(a, &resp, store_failed);
    if (req.role != ROLE_RESPONDER || req.authorize != NULL)
        check_authorizer(&resp);
    FUZZ_CHECK(req.role != ROLE_OTHER || resp.status == 500, "role FILTER: %d", resp.status);
    fuzz_world_free(fs);
    arena_destroy(a);
    return 0;
}
