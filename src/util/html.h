/* html - escaping text for HTML and filling `{{name}}` placeholders of a template: the two
 * things the built-in pages need to write markup safely. Knows nothing of authfcgi. */
#ifndef AUTHFCGI_HTML_H
#define AUTHFCGI_HTML_H

#include <stddef.h>

struct arena;

/* html_escape - s (NUL-terminated, NULL = "") with & < > " ' written as character references,
 * safe in element content and in a quoted attribute value. In the arena, never NULL. */
char *html_escape(struct arena *a, const char *s);

/* html_template_check - does tmpl use only placeholders named in names[0..n)? A placeholder
 * is "{{" name "}}"; a "{{" that does not start a well-formed one is refused too. Returns 0,
 * or -1 with *bad pointing at the offending "{{" in tmpl. */
int html_template_check(const char *tmpl, const char *const *names, size_t n, const char **bad);

/* html_template_render - tmpl with every placeholder replaced by values[i] of its name
 * (inserted as given: the caller escapes; NULL = ""). tmpl must pass html_template_check.
 * In the arena, never NULL. */
char *html_template_render(struct arena *a, const char *tmpl, const char *const *names,
                           const char *const *values, size_t n);

#endif
