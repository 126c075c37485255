/* check_mail - the mail formatter: From rule, RFC 2047 encoded-words, quoted-printable,
 * dates, templates (built in and from files, with their rules), and rendered messages:
 * headers, encodings of non-ASCII names, line lengths, and header injection refused. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "global/mail.h"
#include "util/utf8.h"

#define FROM "Example <no-reply@example.com>"
#define URL "https://app.example.com/api/auth/reset-password/AbC123?callbackURL=%2Freset"

/* ------------------------------------------------------------------------------------------
 * Helpers: a small reader of what the formatter writes */

static int b64_value(char c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c != '\0' ? strchr(a, c) : NULL;
    return p != NULL ? (int)(p - a) : -1;
}

/* b64_decode - standard padded base64 into out (NUL-terminated); returns the length or -1. */
static int b64_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    ck_assert_msg(n % 4 == 0, "base64 length %zu", n);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = in[i + k] == '=' ? 0 : b64_value(in[i + k]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
            return -1;
        unsigned w = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out[o++] = (char)(w >> 16);
        if (in[i + 2] != '=')
            out[o++] = (char)(w >> 8 & 255);
        if (in[i + 3] != '=')
            out[o++] = (char)(w & 255);
    }
    out[o] = '\0';
    return (int)o;
}

/* decode_words - the text of space-separated "=?UTF-8?B?...?=" words; each word must decode to
 * valid UTF-8 by itself (no character split across words) and be at most 75 characters. */
static char *decode_words(const char *v)
{
    char *out = calloc(1, strlen(v) + 1);
    size_t o = 0;
    ck_assert_ptr_nonnull(out);
    while (*v != '\0') {
        while (*v == ' ')
            v++;
        if (*v == '\0')
            break;
        ck_assert_msg(strncmp(v, "=?UTF-8?B?", 10) == 0, "not an encoded-word: %s", v);
        const char *end = strstr(v + 10, "?=");
        ck_assert_ptr_nonnull(end);
        ck_assert_int_le(end + 2 - v, 75);
        char part[128];
        int n = b64_decode(v + 10, (size_t)(end - v - 10), part);
        ck_assert_int_ge(n, 0);
        ck_assert_msg(utf8_is_valid(part, (size_t)n), "word splits a character");
        memcpy(out + o, part, (size_t)n);
        o += (size_t)n;
        v = end + 2;
    }
    out[o] = '\0';
    return out;
}

/* is_ascii_or_words - a Subject as a reader sees it: decoded when it is encoded-words,
 * as it is otherwise. */
static char *is_ascii_or_words(const char *v)
{
    if (strncmp(v, "=?UTF-8?B?", 10) == 0)
        return decode_words(v);
    return strdup(v);
}

/* qp_decode - quoted-printable back to bytes. */
static char *qp_decode(const char *in)
{
    char *out = calloc(1, strlen(in) + 1);
    size_t o = 0;
    ck_assert_ptr_nonnull(out);
    for (const char *p = in; *p != '\0'; p++) {
        if (*p != '=') {
            out[o++] = *p;
        } else if (p[1] == '\n') {
            p++;
        } else {
            ck_assert(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]));
            char hex[3] = {p[1], p[2], '\0'};
            out[o++] = (char)strtol(hex, NULL, 16);
            p += 2;
        }
    }
    out[o] = '\0';
    return out;
}

/* header_count - how many header lines named name (case-insensitive) the message has. */
static int header_count(const char *msg, const char *name)
{
    size_t n = strlen(name);
    int count = 0;
    for (const char *line = msg; *line != '\0' && *line != '\n';) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':')
            count++;
        const char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        line = nl + 1;
    }
    return count;
}

/* header_value - the unfolded value of the header name (malloc'd), NULL when absent. */
static char *header_value(const char *msg, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = msg; *line != '\0' && *line != '\n';) {
        const char *nl = strchr(line, '\n');
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            char *v = calloc(1, strlen(msg) + 1);
            size_t o = 0;
            const char *p = line + n + 1;
            while (*p == ' ')
                p++;
            for (;;) {
                memcpy(v + o, p, (size_t)(nl - p));
                o += (size_t)(nl - p);
                if (nl[1] != ' ' && nl[1] != '\t')
                    break;
                p = nl + 1; /* unfolding keeps the white space */
                nl = strchr(p, '\n');
            }
            v[o] = '\0';
            return v;
        }
        line = nl + 1;
    }
    return NULL;
}

static const char *body_of(const char *msg)
{
    const char *sep = strstr(msg, "\n\n");
    ck_assert_ptr_nonnull(sep);
    return sep + 2;
}

/* check_lines - no CR anywhere; header lines within 78, every line within max. */
static void check_lines(const char *msg, size_t body_max)
{
    bool in_header = true;
    ck_assert_ptr_null(strchr(msg, '\r'));
    ck_assert_msg(msg[strlen(msg) - 1] == '\n', "message does not end with a line end");
    for (const char *line = msg; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = (size_t)(nl - line);
        if (in_header && len == 0)
            in_header = false;
        ck_assert_msg(len <= (in_header ? 78 : body_max), "line of %zu bytes: %.*s", len,
                      (int)(len > 60 ? 60 : len), line);
        line = nl + 1;
    }
}

static bool has_line(const char *text, const char *want)
{
    size_t n = strlen(want);
    for (const char *line = text; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (len == n && strncmp(line, want, n) == 0)
            return true;
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return false;
}

/* A template directory with the given files (name, content pairs, NULL-terminated). */
static char *make_dir(const char *const *files)
{
    char tmpl[] = "/tmp/check_mail.XXXXXX";
    char *dir = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(dir);
    for (size_t i = 0; files[i] != NULL; i += 2) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(files[i + 1], f);
        fclose(f);
    }
    return strdup(dir);
}

static void remove_dir(char *dir)
{
    static const char *const names[] = {"reset-password", "verify-email", "change-email"};
    char path[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.subject", dir, names[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s.txt", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

static struct mail_config *config_with(const char *from, const char *const *files)
{
    struct mail_config *c = NULL;
    char err[512] = "";
    char *dir = files != NULL ? make_dir(files) : NULL;
    int rc = mail_config_new(&c, from, dir, err, sizeof err);
    ck_assert_msg(rc == 0, "mail_config_new: %s", err);
    if (dir != NULL)
        remove_dir(dir);
    return c;
}

/* config_error - mail_config_new must refuse; returns its message (static buffer). */
static const char *config_error(const char *from, const char *const *files)
{
    static char err[512];
    struct mail_config *c = NULL;
    char *dir = files != NULL ? make_dir(files) : NULL;
    err[0] = '\0';
    int rc = mail_config_new(&c, from, dir, err, sizeof err);
    if (dir != NULL)
        remove_dir(dir);
    ck_assert_msg(rc == -1 && c == NULL, "mail_config_new accepted what it must refuse");
    ck_assert(err[0] != '\0');
    return err;
}

/* ------------------------------------------------------------------------------------------
 * From */

static const struct {
    const char *from;
    bool ok;
} from_cases[] = {
    {"no-reply@example.com", true},
    {"Example <no-reply@example.com>", true},
    {"  Example App   <no-reply@example.com>  ", true},
    {"\"Ex. Ample\" <x@mail.example.org>", true},
    {"Bücherei Köln <x@example.de>", true},
    {"<x@example.com>", true},
    {"authfcgi@localhost", true},
    {"a.b+c_d'e@sub-domain.example.com", true},
    {"", false},
    {"   ", false},
    {"example.com", false},
    {"a@", false},
    {"@example.com", false},
    {"a b@example.com", false},
    {"Name <a@example.com", false},
    {"Name a@example.com>", false},
    {"x@example.com\r\nBcc: victim@example.org", false},
    {"Name\n <x@example.com>", false},
    {"Na\"me <x@example.com>", false},
    {"Na\\me <x@example.com>", false},
    {"x@-example.com", false},
    {"x@example-.com", false},
    {"x@example..com", false},
    {".x@example.com", false},
    {"x..y@example.com", false},
    {"x@[127.0.0.1]", false},
    {"\"quoted local\"@example.com", false},
    {"B\xfc <x@example.com>", false}, /* Latin-1, not UTF-8 */
};

START_TEST(test_check_from)
{
    const char *why = mail_check_from(from_cases[_i].from);
    if (from_cases[_i].ok)
        ck_assert_msg(why == NULL, "refused \"%s\": %s", from_cases[_i].from, why);
    else
        ck_assert_msg(why != NULL, "accepted \"%s\"", from_cases[_i].from);
}
END_TEST

static const struct {
    const char *from;
    const char *header; /* NULL: check by decoding instead */
} from_headers[] = {
    {"no-reply@example.com", "no-reply@example.com"},
    {"Example <no-reply@example.com>", "Example <no-reply@example.com>"},
    {"\"Example\" <no-reply@example.com>", "Example <no-reply@example.com>"},
    {"Ex. Ample <x@example.org>", "\"Ex. Ample\" <x@example.org>"},
    {"<x@example.com>", "x@example.com"},
};

START_TEST(test_from_header)
{
    struct mail_config *c = config_with(from_headers[_i].from, NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "u@example.com", .url = URL};

    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    char *from = header_value(m.text, "From");
    ck_assert_str_eq(from, from_headers[_i].header);
    free(from);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_from_non_ascii_name)
{
    struct mail_config *c = config_with("Bücherei Köln <x@example.de>", NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "u@example.com", .url = URL};

    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    char *from = header_value(m.text, "From");
    char *end = strstr(from, " <x@example.de>");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    char *name = decode_words(from);
    ck_assert_str_eq(name, "Bücherei Köln");
    free(name);
    free(from);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

/* ------------------------------------------------------------------------------------------
 * Encodings */

START_TEST(test_encode_words)
{
    char *w = mail_encode_words("Hello");
    ck_assert_str_eq(w, "=?UTF-8?B?SGVsbG8=?=");
    free(w);
    w = mail_encode_words("Jürgen");
    ck_assert_str_eq(w, "=?UTF-8?B?SsO8cmdlbg==?=");
    free(w);
    ck_assert_ptr_null(mail_encode_words("J\xfcrgen"));
    ck_assert_ptr_null(mail_encode_words("\xe2\x82")); /* truncated sequence */

    /* Long text of 1-, 2-, 3- and 4-byte characters: several words, none splitting one. */
    char text[1024] = "";
    for (int i = 0; i < 20; i++)
        strcat(text, "aé€😀 ");
    w = mail_encode_words(text);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_nonnull(strchr(w, ' '));
    for (char *word = w; *word != '\0';) {
        char *sp = strchr(word, ' ');
        size_t len = sp != NULL ? (size_t)(sp - word) : strlen(word);
        ck_assert_int_le(len, 64);
        if (sp == NULL)
            break;
        word = sp + 1;
    }
    char *back = decode_words(w);
    ck_assert_str_eq(back, text);
    free(back);
    free(w);
}
END_TEST

static const struct {
    const char *in, *out;
} qp_cases[] = {
    {"plain text\n", "plain text\n"},
    {"a=b\n", "a=3Db\n"},
    {"trailing space \n", "trailing space=20\n"},
    {"trailing tab\t\n", "trailing tab=09\n"},
    {"Jürgen\n", "J=C3=BCrgen\n"},
    {".\n", "=2E\n"},
    {"From here\n", "=46rom here\n"},
    {"no final line end ", "no final line end=20"},
};

START_TEST(test_quoted_printable_cases)
{
    char *out = mail_quoted_printable(qp_cases[_i].in);
    ck_assert_str_eq(out, qp_cases[_i].out);
    char *back = qp_decode(out);
    ck_assert_str_eq(back, qp_cases[_i].in);
    free(back);
    free(out);
}
END_TEST

START_TEST(test_quoted_printable_long_lines)
{
    char in[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(in, "Grüße=und ");
    strcat(in, "\n");
    for (int i = 0; i < 300; i++)
        strcat(in, "x");
    strcat(in, "\n");
    char *out = mail_quoted_printable(in);
    for (const char *line = out; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        ck_assert_int_le(nl - line, 76);
        ck_assert_msg(nl == line || (nl[-1] != ' ' && nl[-1] != '\t'), "white space at line end");
        line = nl + 1;
    }
    char *back = qp_decode(out);
    ck_assert_str_eq(back, in);
    free(back);
    free(out);
}
END_TEST

START_TEST(test_date)
{
    char buf[64];
    ck_assert_str_eq(mail_date(buf, sizeof buf, 0), "Thu, 01 Jan 1970 00:00:00 +0000");
    ck_assert_str_eq(mail_date(buf, sizeof buf, 1700000000), "Tue, 14 Nov 2023 22:13:20 +0000");
    ck_assert_str_eq(mail_date(buf, sizeof buf, 951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
}
END_TEST

/* ------------------------------------------------------------------------------------------
 * Rendering */

static const struct {
    enum mail_kind kind;
    const char *name;
    const char *subject;
} kinds[] = {
    {MAIL_RESET_PASSWORD, "reset-password", "Reset your password"},
    {MAIL_VERIFY_EMAIL, "verify-email", "Verify your e-mail address"},
    {MAIL_CHANGE_EMAIL, "change-email", "Confirm your new e-mail address"},
};

START_TEST(test_render_defaults)
{
    struct mail_config *c = config_with(FROM, NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "user@example.org", .url = URL, .name = "Ann"};

    ck_assert_str_eq(mail_kind_name(kinds[_i].kind), kinds[_i].name);
    ck_assert_int_eq(mail_render(c, kinds[_i].kind, &f, 1700000000, a, &m, &why), 0);
    ck_assert_int_eq(m.kind, kinds[_i].kind);
    ck_assert_str_eq(m.recipient, "user@example.org");
    ck_assert_str_eq(m.subject, kinds[_i].subject);

    static const char *const once[] = {
        "From",          "To",           "Subject",      "Date",
        "Message-ID",    "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "Auto-Submitted"};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
        ck_assert_msg(header_count(m.text, once[i]) == 1, "%s: not exactly once", once[i]);
    static const struct {
        const char *name, *value;
    } want[] = {
        {"From", FROM},
        {"To", "user@example.org"},
        {"Date", "Tue, 14 Nov 2023 22:13:20 +0000"},
        {"MIME-Version", "1.0"},
        {"Content-Type", "text/plain; charset=utf-8"},
        {"Content-Transfer-Encoding", "7bit"},
        {"Auto-Submitted", "auto-generated"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *v = header_value(m.text, want[i].name);
        ck_assert_str_eq(v, want[i].value);
        free(v);
    }
    char *subject = header_value(m.text, "Subject");
    ck_assert_str_eq(subject, kinds[_i].subject);
    free(subject);

    /* Message-ID: <32 alphanumerics.authfcgi@domain of From>, the same as reported. */
    char *mid = header_value(m.text, "Message-ID");
    ck_assert_str_eq(mid, m.message_id);
    ck_assert_int_eq(strlen(mid), 1 + 32 + strlen(".authfcgi@example.com") + 1);
    ck_assert(mid[0] == '<' && mid[strlen(mid) - 1] == '>');
    for (int i = 1; i <= 32; i++)
        ck_assert(isalnum((unsigned char)mid[i]));
    ck_assert_str_eq(mid + 33, ".authfcgi@example.com>");
    free(mid);

    /* The link alone on its line; the address in the text. */
    const char *body = body_of(m.text);
    ck_assert(has_line(body, URL));
    ck_assert_ptr_nonnull(strstr(body, "user@example.org"));
    check_lines(m.text, 78);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_render_message_ids_differ)
{
    struct mail_config *c = config_with(FROM, NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m1, m2;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "user@example.org", .url = URL};

    ck_assert_int_eq(mail_render(c, MAIL_RESET_PASSWORD, &f, 0, a, &m1, &why), 0);
    ck_assert_int_eq(mail_render(c, MAIL_RESET_PASSWORD, &f, 0, a, &m2, &why), 0);
    ck_assert_str_ne(m1.message_id, m2.message_id);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

/* Names the subject and body templates receive, and what must come out. */
static const struct {
    const char *name;
    const char *subject; /* after decoding */
    const char *encoding;
} name_cases[] = {
    {"Ann", "Hello Ann, reset your password", "7bit"},
    {"Jürgen Groß", "Hello Jürgen Groß, reset your password", "8bit"},
    {"山田太郎", "Hello 山田太郎, reset your password", "8bit"},
    {"Zoë 😀", "Hello Zoë 😀, reset your password", "8bit"},
    {"=?UTF-8?B?QQ==?=", "Hello =?UTF-8?B?QQ==?=, reset your password", "7bit"},
    {"Eve\r\nBcc: victim@example.org", "Hello Eve Bcc: victim@example.org, reset your password",
     "7bit"},
    {"", "Hello , reset your password", "7bit"},
};

START_TEST(test_render_names)
{
    static const char *const files[] = {"reset-password.subject",
                                        "Hello {{name}}, reset your password\n",
                                        "reset-password.txt", "Dear {{name}},\n\n{{url}}\n", NULL};
    struct mail_config *c = config_with(FROM, files);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "u@example.org", .url = URL, .name = name_cases[_i].name};

    ck_assert_int_eq(mail_render(c, MAIL_RESET_PASSWORD, &f, 0, a, &m, &why), 0);
    ck_assert_str_eq(m.subject, name_cases[_i].subject);
    char *raw = header_value(m.text, "Subject");
    char *subject = is_ascii_or_words(raw);
    ck_assert_str_eq(subject, name_cases[_i].subject);
    free(subject);
    free(raw);
    char *cte = header_value(m.text, "Content-Transfer-Encoding");
    ck_assert_str_eq(cte, name_cases[_i].encoding);
    free(cte);
    /* One header per name: the name never starts a header line of its own. */
    ck_assert_int_eq(header_count(m.text, "Bcc"), 0);
    ck_assert_int_eq(header_count(m.text, "Subject"), 1);
    ck_assert(has_line(body_of(m.text), URL));
    check_lines(m.text, 998);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_render_long_subject_folds)
{
    static const char *const files[] = {
        "verify-email.subject",
        "{{name}} please verify the address you gave us when you signed up for the service", NULL};
    struct mail_config *c = config_with(FROM, files);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "u@example.org", .url = URL, .name = "Annabel Lee"};

    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    check_lines(m.text, 78);
    char *subject = header_value(m.text, "Subject");
    ck_assert_str_eq(subject, "Annabel Lee please verify the address you gave us when you signed "
                              "up for the service");
    ck_assert_str_eq(subject, m.subject);
    free(subject);
    ck_assert_ptr_nonnull(strstr(m.text, "\n "));

    /* The same with a non-ASCII name: encoded-words, folded. */
    f.name = "Ännabél Lée-Ünderwood Ōtsuka";
    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    check_lines(m.text, 998);
    char *raw = header_value(m.text, "Subject");
    char *decoded = decode_words(raw);
    ck_assert_str_eq(decoded, m.subject);
    free(decoded);
    free(raw);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_render_long_url_quoted_printable)
{
    struct mail_config *c = config_with(FROM, NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    char url[2100] = "https://app.example.com/reset?callbackURL=";
    while (strlen(url) < 2000)
        strcat(url, "%2Fpath");
    struct mail_fields f = {.recipient = "u@example.org", .url = url};

    ck_assert_int_eq(mail_render(c, MAIL_RESET_PASSWORD, &f, 0, a, &m, &why), 0);
    char *cte = header_value(m.text, "Content-Transfer-Encoding");
    ck_assert_str_eq(cte, "quoted-printable");
    free(cte);
    check_lines(m.text, 76);
    char *body = qp_decode(body_of(m.text));
    ck_assert(has_line(body, url));
    free(body);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

/* What mail_render must refuse, whatever the templates. */
static const struct {
    const char *recipient, *url;
} bad_fields[] = {
    {"u@example.org\r\nBcc: victim@example.org", URL},
    {"u@example.org\n", URL},
    {"Name <u@example.org>", URL},
    {"u@example.org, v@example.org", URL},
    {"", URL},
    {"u@example.org", ""},
    {"u@example.org", "https://x.example/a b"},
    {"u@example.org", "https://x.example/a\nBcc: victim@example.org"},
    {"u@example.org", "https://x.example/\xc3\xa9"},
};

START_TEST(test_render_refuses)
{
    struct mail_config *c = config_with(FROM, NULL);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = bad_fields[_i].recipient, .url = bad_fields[_i].url};

    ck_assert_int_eq(mail_render(c, MAIL_RESET_PASSWORD, &f, 0, a, &m, &why), -1);
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_null(m.text);
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_render_email_placeholder)
{
    static const char *const files[] = {"change-email.txt",
                                        "New: {{ email }}\nName: {{name}}\n  {{url}}  \n", NULL};
    struct mail_config *c = config_with(FROM, files);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {
        .recipient = "new@example.org", .url = URL, .name = NULL, .email = "line\nbreak"};

    ck_assert_int_eq(mail_render(c, MAIL_CHANGE_EMAIL, &f, 0, a, &m, &why), 0);
    const char *body = body_of(m.text);
    ck_assert_str_eq(body, "New: line break\nName: \n  " URL "  \n");
    /* The other kinds keep their defaults. */
    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    ck_assert_str_eq(m.subject, "Verify your e-mail address");
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

START_TEST(test_template_crlf_and_bom)
{
    static const char *const files[] = {"verify-email.subject", "\xef\xbb\xbfWelcome, {{name}}\r\n",
                                        "verify-email.txt", "\xef\xbb\xbfHi\r\n\r\n{{url}}\r\nBye",
                                        NULL};
    struct mail_config *c = config_with(FROM, files);
    struct arena *a = arena_create(4096);
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields f = {.recipient = "u@example.org", .url = URL, .name = "Bo"};

    ck_assert_int_eq(mail_render(c, MAIL_VERIFY_EMAIL, &f, 0, a, &m, &why), 0);
    ck_assert_str_eq(m.subject, "Welcome, Bo");
    ck_assert_str_eq(body_of(m.text), "Hi\n\n" URL "\nBye\n");
    arena_destroy(a);
    mail_config_free(c);
}
END_TEST

/* Template files mail_config_new must refuse, each with the file named in the error. */
static const struct {
    const char *file, *content, *in_error;
} bad_templates[] = {
    {"reset-password.txt", "Hello {{user}}\n{{url}}\n", "reset-password.txt"},
    {"reset-password.txt", "Hello {{name\n{{url}}\n", "placeholder"},
    {"reset-password.txt", "Hello, no link here\n", "{{url}} alone"},
    {"reset-password.txt", "Click {{url}} now\n", "{{url}} alone"},
    {"reset-password.txt", "{{url}}{{name}}\n", "{{url}} alone"},
    {"verify-email.subject", "Line one\nLine two\n", "one line"},
    {"verify-email.subject", "  \n", "empty"},
    {"change-email.subject", "Hello {{nmae}}", "change-email.subject"},
    {"change-email.txt", "Gr\xfc\xdf\n{{url}}\n", "UTF-8"},
    {"change-email.txt", "bell \a\n{{url}}\n", "control"},
};

START_TEST(test_template_refused)
{
    const char *files[] = {bad_templates[_i].file, bad_templates[_i].content, NULL};
    const char *err = config_error(FROM, files);
    ck_assert_msg(strstr(err, bad_templates[_i].in_error) != NULL, "error \"%s\" lacks \"%s\"", err,
                  bad_templates[_i].in_error);
    ck_assert_ptr_nonnull(strstr(err, "AUTHFCGI_MAIL_TEMPLATE_DIR"));
}
END_TEST

/* The file reader's own refusals (util/file.c): a file over 64 KiB, one that cannot be read. */
START_TEST(test_template_too_large_or_unreadable)
{
    static char big[64 * 1024 + 2];
    memset(big, 'x', sizeof big - 1);
    const char *files[] = {"reset-password.txt", big, NULL};
    const char *err = config_error(FROM, files);
    ck_assert_msg(strstr(err, "AUTHFCGI_MAIL_TEMPLATE_DIR: ") == err &&
                      strstr(err, "reset-password.txt: larger than 64 KiB") != NULL,
                  "%s", err);

    char dir[] = "/tmp/check_mail.XXXXXX", sub[64], *e;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/verify-email.txt", dir); /* a directory: fread fails */
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    struct mail_config *c = NULL;
    char msg[512] = "";
    ck_assert_int_eq(mail_config_new(&c, FROM, dir, msg, sizeof msg), -1);
    e = strstr(msg, "verify-email.txt: read error");
    ck_assert_msg(e != NULL && strstr(msg, "AUTHFCGI_MAIL_TEMPLATE_DIR: ") == msg, "%s", msg);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

START_TEST(test_config_refuses_from)
{
    const char *err = config_error("x@example.com\nBcc: y@example.com", NULL);
    ck_assert_ptr_nonnull(strstr(err, "AUTHFCGI_MAIL_FROM"));
}
END_TEST

START_TEST(test_template_dir_unreadable)
{
    /* A directory where a template file is expected is an error, not a silent default. */
    char *dir = make_dir((const char *const[]){NULL});
    char path[256], err[512];
    struct mail_config *c = NULL;
    snprintf(path, sizeof path, "%s/verify-email.txt", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(mail_config_new(&c, FROM, dir, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "verify-email.txt"));
    rmdir(path);
    /* An empty directory: every default kept. */
    ck_assert_int_eq(mail_config_new(&c, FROM, dir, err, sizeof err), 0);
    mail_config_free(c);
    remove_dir(dir);
}
END_TEST

static Suite *mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("from");
    tcase_add_loop_test(tc, test_check_from, 0, sizeof from_cases / sizeof from_cases[0]);
    tcase_add_loop_test(tc, test_from_header, 0, sizeof from_headers / sizeof from_headers[0]);
    tcase_add_test(tc, test_from_non_ascii_name);
    tcase_add_test(tc, test_config_refuses_from);
    suite_add_tcase(s, tc);

    tc = tcase_create("encoding");
    tcase_add_test(tc, test_encode_words);
    tcase_add_loop_test(tc, test_quoted_printable_cases, 0, sizeof qp_cases / sizeof qp_cases[0]);
    tcase_add_test(tc, test_quoted_printable_long_lines);
    tcase_add_test(tc, test_date);
    suite_add_tcase(s, tc);

    tc = tcase_create("render");
    tcase_add_loop_test(tc, test_render_defaults, 0, sizeof kinds / sizeof kinds[0]);
    tcase_add_test(tc, test_render_message_ids_differ);
    tcase_add_loop_test(tc, test_render_names, 0, sizeof name_cases / sizeof name_cases[0]);
    tcase_add_test(tc, test_render_long_subject_folds);
    tcase_add_test(tc, test_render_long_url_quoted_printable);
    tcase_add_loop_test(tc, test_render_refuses, 0, sizeof bad_fields / sizeof bad_fields[0]);
    tcase_add_test(tc, test_render_email_placeholder);
    suite_add_tcase(s, tc);

    tc = tcase_create("templates");
    tcase_add_test(tc, test_template_crlf_and_bom);
    tcase_add_test(tc, test_template_too_large_or_unreadable);
    tcase_add_loop_test(tc, test_template_refused, 0,
                        sizeof bad_templates / sizeof bad_templates[0]);
    tcase_add_test(tc, test_template_dir_unreadable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mail_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
