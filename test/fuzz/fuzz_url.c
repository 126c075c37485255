/* fuzz_url - libFuzzer target: the WHATWG URL parser and serialisers (url.c) and the redirect
 * rules built on them (origin.c). The whole input is one URL or callback value.
 *
 * Invariants: what parses serialises to an href that parses again to the same href, and to an
 * origin that is its own origin; a value origin_redirect_allowed accepts resolves (against the
 * API base, as a browser would from the page that redirects) to a trusted origin, and so do
 * the redirects origin.c composes from it; origin_is_trusted holds only for URLs whose origin
 * is on the list. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "util/arena.h"
#include "fuzz.h"
#include "auth/origin.h"
#include "util/url.h"
#include "util/utf8.h"

static struct origin_policy policy;
static struct url base;
static struct arena *keep;

/* Released at exit: LeakSanitizer reports a block only a never-read static points to. */
static void release(void)
{
    arena_destroy(keep);
    origin_policy_free(&policy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];

    (void)argc;
    (void)argv;
    if (origin_policy_init(&policy, FUZZ_BASE_URL, FUZZ_TRUSTED ", https://app.example.com:8443",
                           err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    keep = arena_create(4096);
    atexit(release);
    if (url_parse(keep, policy.api_base, strlen(policy.api_base), NULL, &base) != URL_OK)
        abort();
    return 0;
}

static bool trusted(const char *origin)
{
    for (size_t i = 0; i < policy.count; i++)
        if (strcmp(origin, policy.trusted[i]) == 0)
            return true;
    return false;
}

/* check_url - the serialisations of a parsed URL are fixed points. */
static void check_url(struct arena *a, const struct url *u)
{
    struct url again;
    const char *href = url_href(a, u);

    FUZZ_CHECK(href != NULL && u->path != NULL && u->path[0] == '/', "href or path missing");
    FUZZ_CHECK(url_parse(a, href, strlen(href), NULL, &again) == URL_OK, "href %s does not parse",
               href);
    const char *href2 = url_href(a, &again);
    FUZZ_CHECK(strcmp(href, href2) == 0, "href %s parses to %s", href, href2);
    const char *origin = url_origin(a, u);
    FUZZ_CHECK(url_parse(a, origin, strlen(origin), NULL, &again) == URL_OK,
               "origin %s does not parse", origin);
    const char *origin2 = url_origin(a, &again);
    FUZZ_CHECK(strcmp(origin, origin2) == 0, "origin %s has origin %s", origin, origin2);
    const char *rest = url_path_query_fragment(a, u);
    FUZZ_CHECK(rest != NULL && rest[0] == '/', "path+query+fragment %s", rest ? rest : "NULL");
}

/* check_stays - a Location origin.c composed: where a browser on the API base goes with it. */
static void check_stays(struct arena *a, const char *input, const char *location)
{
    struct url to;

    if (location == NULL)
        return;
    FUZZ_CHECK(url_parse(a, location, strlen(location), &base, &to) == URL_OK,
               "redirect %s (from %s) does not resolve", location, input);
    const char *origin = url_origin(a, &to);
    FUZZ_CHECK(trusted(origin), "redirect %s (from callback %s) goes to %s", location, input,
               origin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_create(4096);
    const char *in = (const char *)data;
    struct url u;

    if (url_parse(a, in, size, NULL, &u) == URL_OK)
        check_url(a, &u);
    if (url_parse(a, in, size, &base, &u) == URL_OK) {
        check_url(a, &u);
        url_search_set(a, &u, "token", "a b&c");
        check_url(a, &u);
        url_search_append(a, &u, "error", "INVALID_TOKEN");
        check_url(a, &u);
    }
    if (origin_is_trusted(&policy, a, in, size)) {
        FUZZ_CHECK(url_parse(a, in, size, NULL, &u) == URL_OK, "trusted but unparsable");
        FUZZ_CHECK(trusted(url_origin(a, &u)), "trusted %s", url_origin(a, &u));
    }
    /* Callback values reach origin.c as NUL-terminated UTF-8 strings (body_validate). */
    if (memchr(in, '\0', size) == NULL && utf8_is_valid(in, size)) {
        const char *callback = arena_strndup(a, in, size);
        if (origin_redirect_allowed(&policy, a, callback, size)) {
            FUZZ_CHECK(url_parse(a, callback, size, &base, &u) == URL_OK,
                       "allowed callback %s does not resolve", callback);
            FUZZ_CHECK(trusted(url_origin(a, &u)), "allowed callback %s goes to %s", callback,
                       url_origin(a, &u));
        }
        /* Every Location is composed by origin_safe_location, from any target (it refuses
         * what it cannot keep on the site): each way of adding a parameter, relative or not. */
        static const enum origin_param hows[] = {ORIGIN_PARAM_NONE, ORIGIN_PARAM_SET,
                                                 ORIGIN_PARAM_APPEND};
        for (size_t h = 0; h < sizeof hows / sizeof hows[0]; h++)
            for (int absolute = 0; absolute < 2; absolute++) {
                struct origin_location loc = {.target = callback,
                                              .absolute = absolute,
                                              .how = hows[h],
                                              .name = "error",
                                              .value = "INVALID_TOKEN"};
                check_stays(a, callback, origin_safe_location(&policy, a, &loc));
            }
    }
    arena_destroy(a);
    return 0;
}
