/* html - HTML escaping and the `{{name}}` placeholder filler of the page templates. */
#include "config.h"

#include "util/html.h"

#include <string.h>

#include "util/arena.h"

static const char *entity(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

/* html_escape - see html.h. */
char *html_escape(struct arena *a, const char *s)
{
    struct arena_buf o;
    const char *run = s != NULL ? s : "";

    arena_buf_init(&o, a);
    for (const char *p = run; *p; p++) {
        const char *e = entity(*p);

        if (e == NULL)
            continue;
        arena_buf_add(&o, run, (size_t)(p - run));
        arena_buf_add(&o, e, strlen(e));
        run = p + 1;
    }
    arena_buf_add(&o, run, strlen(run));
    return o.s;
}

/* placeholder - the index in names of the placeholder starting at p ("{{"), with *len its
 * length; -1 when p does not start a well-formed, known one. */
static long placeholder(const char *p, const char *const *names, size_t n, size_t *len)
{
    const char *end = strstr(p + 2, "}}");

    if (end == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);

        if ((size_t)(end - (p + 2)) == nl && memcmp(p + 2, names[i], nl) == 0) {
            *len = nl + 4;
            return (long)i;
        }
    }
    return -1;
}

/* html_template_check - see html.h. */
int html_template_check(const char *tmpl, const char *const *names, size_t n, const char **bad)
{
    size_t len;

    for (const char *p = strstr(tmpl, "{{"); p != NULL; p = strstr(p + len, "{{")) {
        if (placeholder(p, names, n, &len) < 0) {
            *bad = p;
            return -1;
        }
    }
    return 0;
}

/* html_template_render - see html.h. */
char *html_template_render(struct arena *a, const char *tmpl, const char *const *names,
                           const char *const *values, size_t n)
{
    struct arena_buf o;
    const char *run = tmpl;
    size_t len;

    arena_buf_init(&o, a);
    for (const char *p = strstr(tmpl, "{{"); p != NULL; p = strstr(run, "{{")) {
        long i = placeholder(p, names, n, &len);

        if (i < 0) { /* cannot happen after html_template_check: keep the text */
            arena_buf_add(&o, run, (size_t)(p + 2 - run));
            run = p + 2;
            continue;
        }
        arena_buf_add(&o, run, (size_t)(p - run));
        if (values[i] != NULL)
            arena_buf_add(&o, values[i], strlen(values[i]));
        run = p + len;
    }
    arena_buf_add(&o, run, strlen(run));
    return o.s;
}
