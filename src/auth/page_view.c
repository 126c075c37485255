/* page_view - templates of the built-in pages (built-in or from AUTHFCGI_PAGES_TEMPLATE_DIR)
 * and the rendering of one page. Every value a request supplies goes through html_escape. */
#include "config.h"

#include "auth/page_view.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/file.h"
#include "util/html.h"
#include "util/utf8.h"

#define TEMPLATE_FILE_MAX (64 * 1024)
#define SETTING "AUTHFCGI_PAGES_TEMPLATE_DIR"

enum placeholder {
    PH_TITLE,
    PH_CONTENT,
    PH_ACTION,
    PH_EMAIL,
    PH_NAME,
    PH_TOKEN,
    PH_MESSAGE,
    PH_ERROR,
    PH_INVALID,
    PH_LINKS,
    PH_OTP,
    PH__MAX
};

const char *const page_placeholders[PH__MAX] = {
    [PH_TITLE] = "title",     [PH_CONTENT] = "content", [PH_ACTION] = "action",
    [PH_EMAIL] = "email",     [PH_NAME] = "name",       [PH_TOKEN] = "token",
    [PH_MESSAGE] = "message", [PH_ERROR] = "error",     [PH_INVALID] = "invalid",
    [PH_LINKS] = "links",     [PH_OTP] = "otp",
};
const size_t page_placeholder_count = PH__MAX;

static const char *const file_names[PAGE_TEMPLATE__MAX] = {
    [PAGE_LAYOUT] = "layout.html",
    [PAGE_SIGN_IN] = "sign-in.html",
    [PAGE_SIGN_UP] = "sign-up.html",
    [PAGE_SIGN_OUT] = "sign-out.html",
    [PAGE_FORGOT_PASSWORD] = "forgot-password.html",
    [PAGE_RESET_PASSWORD] = "reset-password.html",
    [PAGE_TWO_FACTOR] = "two-factor.html",
    [PAGE_MESSAGE] = "message.html",
    [PAGE_STYLE] = "style.css",
};

struct page_view {
    char *text[PAGE_TEMPLATE__MAX]; /* malloc'd: a file's text; NULL = the built-in one */
};

/* page_template_file - see page_view.h. */
const char *page_template_file(enum page_template t)
{
    return file_names[t];
}

static const char *template_text(const struct page_view *v, enum page_template t)
{
    return v->text[t] != NULL ? v->text[t] : page_builtin(t);
}

/* check_text - NULL when text may serve as template t, else why not. The stylesheet takes no
 * placeholders: a "{{" in it is refused, so a misplaced page template is noticed. */
static const char *check_text(enum page_template t, const char *text, size_t len)
{
    const char *bad;

    if (strlen(text) != len || !utf8_is_valid(text, len))
        return "not UTF-8 text";
    if (html_template_check(text, page_placeholders, t == PAGE_STYLE ? 0 : PH__MAX, &bad) != 0)
        return "unknown or malformed {{placeholder}}";
    return NULL;
}

/* load_file - dir/<file of t> into *slot when it exists. Returns 0, or -1 with err. */
static int load_file(char **slot, const char *dir, enum page_template t, char *err, size_t errlen)
{
    char path[4096], why[4200];
    char *data;
    size_t n;

    if (snprintf(path, sizeof path, "%s/%s", dir, file_names[t]) >= (int)sizeof path)
        return snprintf(err, errlen, SETTING ": path too long"), -1;
    int got = file_read_small(path, TEMPLATE_FILE_MAX, &data, &n, why, sizeof why);
    if (got <= 0) {
        if (got < 0)
            snprintf(err, errlen, SETTING ": %s", why);
        return got;
    }
    const char *bad = check_text(t, data, n);
    if (bad != NULL) {
        free(data);
        snprintf(err, errlen, SETTING ": %s: %s", path, bad);
        return -1;
    }
    *slot = data;
    return 0;
}

/* page_view_new - see page_view.h. */
int page_view_new(struct page_view **out, const char *template_dir, char *err, size_t errlen)
{
    struct page_view *v = calloc(1, sizeof *v);

    if (v == NULL)
        abort();
    *out = NULL;
    for (int t = 0; template_dir != NULL && t < PAGE_TEMPLATE__MAX; t++) {
        if (load_file(&v->text[t], template_dir, (enum page_template)t, err, errlen) != 0) {
            page_view_free(v);
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* page_view_free - see page_view.h. */
void page_view_free(struct page_view *v)
{
    if (v == NULL)
        return;
    for (int t = 0; t < PAGE_TEMPLATE__MAX; t++)
        free(v->text[t]);
    free(v);
}

/* page_view_style - see page_view.h. */
const char *page_view_style(const struct page_view *v)
{
    return template_text(v, PAGE_STYLE);
}

/* links_html - the <ul> of the links that are offered, or "". */
static const char *links_html(struct arena *a, const struct page_link *links)
{
    const char *html = "";
    bool any = false;

    for (size_t i = 0; i < PAGE_LINKS_MAX; i++) {
        if (links[i].url == NULL)
            continue;
        html = arena_printf(a, "%s<li><a href=\"%s\">%s</a></li>\n", html,
                            html_escape(a, links[i].url), html_escape(a, links[i].text));
        any = true;
    }
    return any ? arena_printf(a, "<ul class=\"links\">\n%s</ul>\n", html) : "";
}

/* otp_html - the {{otp}} markup for the form at action (escaped): separate forms, so each
 * button sends only what its route reads. */
static const char *otp_html(struct arena *a, enum page_otp otp, const char *action)
{
    const char *ask = arena_printf(
        a,
        "<form method=\"post\" action=\"%s\" class=\"otp\">\n"
        "<input type=\"hidden\" name=\"method\" value=\"send-otp\">\n"
        "<button type=\"submit\" class=\"secondary\">%s</button>\n"
        "</form>\n",
        action, otp == PAGE_OTP_SENT ? "Send another code by e-mail" : "E-mail me a code instead");

    if (otp == PAGE_OTP_OFF)
        return "";
    if (otp == PAGE_OTP_OFFER)
        return ask;
    return arena_printf(
        a,
        "<p class=\"message\" role=\"status\">We sent a code to your e-mail address.</p>\n"
        "<form method=\"post\" action=\"%s\">\n"
        "<input type=\"hidden\" name=\"method\" value=\"otp\">\n"
        "<label for=\"otpCode\">Code from the e-mail</label>\n"
        "<input id=\"otpCode\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
        "autocomplete=\"one-time-code\" required>\n"
        "<label class=\"check\"><input type=\"checkbox\" name=\"trustDevice\" "
        "value=\"true\"> Trust this device for 30 days</label>\n"
        "<button type=\"submit\">Verify the e-mailed code</button>\n"
        "</form>\n%s",
        action, ask);
}

/* page_view_render - see page_view.h. */
char *page_view_render(const struct page_view *v, struct arena *a, enum page_template t,
                       const struct page_fields *f)
{
    const char *values[PH__MAX] = {
        [PH_TITLE] = html_escape(a, f->title), [PH_ACTION] = html_escape(a, f->action),
        [PH_EMAIL] = html_escape(a, f->email), [PH_NAME] = html_escape(a, f->name),
        [PH_TOKEN] = html_escape(a, f->token), [PH_MESSAGE] = html_escape(a, f->message),
        [PH_LINKS] = links_html(a, f->links),
    };

    values[PH_OTP] = otp_html(a, f->otp, values[PH_ACTION]);

    if (f->error != NULL) {
        /* autofocus moves focus to the error without script, so a screen reader reads it
         * first; the inputs point at it with aria-describedby. */
        values[PH_ERROR] = arena_printf(a,
                                        "<p id=\"form-error\" class=\"error\" role=\"alert\" "
                                        "tabindex=\"-1\" autofocus>%s</p>\n",
                                        html_escape(a, f->error));
        values[PH_INVALID] = " aria-invalid=\"true\" aria-describedby=\"form-error\"";
    }
    values[PH_CONTENT] =
        html_template_render(a, template_text(v, t), page_placeholders, values, PH__MAX);
    return html_template_render(a, template_text(v, PAGE_LAYOUT), page_placeholders, values,
                                PH__MAX);
}
