/* page_view - the built-in pages' markup: their templates (compiled in, each overridable by a
 * file of a directory, as the mail templates are) and rendering one page from its fields with
 * every value escaped. No I/O after page_view_new has read the directory. */
#ifndef AUTHFCGI_PAGE_VIEW_H
#define AUTHFCGI_PAGE_VIEW_H

#include <stddef.h>

struct arena;

/* The templates, by file name: "layout.html" wraps every page's content; "style.css" is
 * served as /auth/style.css. */
enum page_template {
    PAGE_LAYOUT,          /* layout.html: {{title}} {{content}} */
    PAGE_SIGN_IN,         /* sign-in.html */
    PAGE_SIGN_UP,         /* sign-up.html */
    PAGE_SIGN_OUT,        /* sign-out.html */
    PAGE_FORGOT_PASSWORD, /* forgot-password.html */
    PAGE_RESET_PASSWORD,  /* reset-password.html */
    PAGE_TWO_FACTOR,      /* two-factor.html */
    PAGE_MESSAGE,         /* message.html: a heading, a message and links */
    PAGE_STYLE,           /* style.css: no placeholders */
    PAGE_TEMPLATE__MAX
};

/* The placeholders any page template may use (the layout: {{title}} and {{content}} too).
 * Each stands for escaped text, or for markup the view builds:
 *   {{title}} {{email}} {{name}} {{token}} {{message}}  text, escaped
 *   {{action}}   the form's target URL, escaped
 *   {{error}}    '<p id="form-error" class="error" role="alert" tabindex="-1" autofocus>...</p>'
 *                or nothing
 *   {{invalid}}  ' aria-invalid="true" aria-describedby="form-error"' for the inputs, or
 *                nothing
 *   {{links}}    a <ul class="links"> of the other pages that apply, or nothing
 *   {{otp}}      the two-factor page's code-by-e-mail part: a form asking for a code by
 *                e-mail; once sent, a notice and a form for that code too; or nothing */
extern const char *const page_placeholders[];
extern const size_t page_placeholder_count;

/* page_template_file - "sign-in.html", "style.css", ... Static storage. */
const char *page_template_file(enum page_template t);

/* page_builtin - the compiled-in text of t (page_templates.c). */
const char *page_builtin(enum page_template t);

struct page_view;

/* page_view_new - the templates, with those template_dir holds (NULL = none) replacing the
 * built-in ones; a missing file keeps the built-in one. A template using an unknown
 * placeholder, or a file that cannot be read or is over 64 KiB, is refused. Returns 0 with
 * *out owned by the caller (page_view_free), or -1 with one line in err naming the file. */
int page_view_new(struct page_view **out, const char *template_dir, char *err, size_t errlen);
void page_view_free(struct page_view *v);

/* page_view_style - the stylesheet's text. */
const char *page_view_style(const struct page_view *v);

/* A link offered under a page's form; url NULL = not offered. */
struct page_link {
    const char *url;
    const char *text;
};

#define PAGE_LINKS_MAX 3

/* The two-factor page's code-by-e-mail part ({{otp}}). */
enum page_otp {
    PAGE_OTP_OFF,   /* none: no mail */
    PAGE_OTP_OFFER, /* a button asking for a code */
    PAGE_OTP_SENT,  /* a code was sent: a form for it and a button for another */
};

/* What one rendering says: text fields are given raw and escaped by page_view_render. */
struct page_fields {
    const char *title;
    const char *action;
    const char *email, *name, *token;
    const char *message;
    const char *error; /* the error text, NULL = none */
    enum page_otp otp;
    struct page_link links[PAGE_LINKS_MAX];
};

/* page_view_render - the whole HTML document of page t (not PAGE_LAYOUT or PAGE_STYLE) in the
 * layout. In the arena, never NULL. */
char *page_view_render(const struct page_view *v, struct arena *a, enum page_template t,
                       const struct page_fields *f);

#endif
