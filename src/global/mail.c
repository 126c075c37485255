/* mail - rendering the three transactional mails as RFC 5322 / MIME text/plain messages:
 * templates with placeholders (built in, or files of AUTHFCGI_MAIL_TEMPLATE_DIR), header
 * encoding (RFC 2047 encoded-words) and folding, body transfer encoding (7bit, 8bit, or
 * quoted-printable when a line would be too long for SMTP). */
#include "config.h"

#include "global/mail.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/file.h"
#include "util/random.h"
#include "util/text.h"
#include "util/utf8.h"

/* RFC 5322 §2.1.1: lines SHOULD stay within 78 characters and MUST within 998. */
#define LINE_SHOULD 78
#define LINE_MUST 998
/* Input bytes per encoded-word: 39 bytes -> 52 base64 characters -> a 64-character word, so
 * "Subject: " plus one word stays within LINE_SHOULD. */
#define WORD_INPUT_MAX 39
/* RFC 2045 §6.7: encoded lines of at most 76 characters, the soft break's '=' included. */
#define QP_LINE_MAX 76
#define TEMPLATE_FILE_MAX (64 * 1024)
#define DISPLAY_NAME_MAX 200
#define MESSAGE_ID_TOKEN_LEN 32

static const char *const kind_names[MAIL_KIND__MAX] = {
    [MAIL_RESET_PASSWORD] = "reset-password",
    [MAIL_VERIFY_EMAIL] = "verify-email",
    [MAIL_CHANGE_EMAIL] = "change-email",
    [MAIL_TWO_FACTOR_OTP] = "two-factor-otp",
};

/* The built-in templates: plain and short, the link alone on its line so that no mail client
 * wraps it, and a sentence on what to do when the mail was not expected. */
static const char *const default_subjects[MAIL_KIND__MAX] = {
    [MAIL_RESET_PASSWORD] = "Reset your password",
    [MAIL_VERIFY_EMAIL] = "Verify your e-mail address",
    [MAIL_CHANGE_EMAIL] = "Confirm your new e-mail address",
    [MAIL_TWO_FACTOR_OTP] = "Your sign-in code",
};

static const char *const default_bodies[MAIL_KIND__MAX] = {
    [MAIL_RESET_PASSWORD] = "Hello,\n"
                            "\n"
                            "Someone asked to reset the password of the account {{email}}.\n"
                            "To choose a new password, open this link within the next hour:\n"
                            "\n"
                            "{{url}}\n"
                            "\n"
                            "If you did not ask for this, ignore this mail: your password stays\n"
                            "as it is.\n",
    [MAIL_VERIFY_EMAIL] = "Hello,\n"
                          "\n"
                          "Please confirm that {{email}} is your e-mail address\n"
                          "by opening this link:\n"
                          "\n"
                          "{{url}}\n"
                          "\n"
                          "If you did not sign up, you can ignore this mail.\n",
    [MAIL_CHANGE_EMAIL] = "Hello,\n"
                          "\n"
                          "You asked to change the e-mail address of your account to {{email}}.\n"
                          "To confirm the change, open this link:\n"
                          "\n"
                          "{{url}}\n"
                          "\n"
                          "If you did not ask for this, ignore this mail: nothing changes\n"
                          "until the link is opened.\n",
    [MAIL_TWO_FACTOR_OTP] = "Hello,\n"
                            "\n"
                            "Your code to finish signing in as {{email}}:\n"
                            "\n"
                            "{{code}}\n"
                            "\n"
                            "It is valid for three minutes. If you are not signing in, someone\n"
                            "knows your password: change it.\n",
};

enum placeholder { PH_URL, PH_NAME, PH_EMAIL, PH_CODE, PH__MAX };
static const char *const placeholder_names[PH__MAX] = {"url", "name", "email", "code"};

/* The placeholder a kind's body must hold alone on its line: the link, or the one-time code. */
static enum placeholder key_placeholder(enum mail_kind kind)
{
    return kind == MAIL_TWO_FACTOR_OTP ? PH_CODE : PH_URL;
}

struct mail_config {
    char *from;   /* the From header's value, encoded */
    char *domain; /* right-hand side of Message-IDs: the From address's domain */
    char *subject[MAIL_KIND__MAX];
    char *body[MAIL_KIND__MAX];
};

/* ------------------------------------------------------------------------------------------
 * A growing string. Messages carry credentials (the link), so the memory is wiped before it
 * is given back. Out of memory aborts, as everywhere in authfcgi. */

struct strbuf {
    char *p;
    size_t len, cap;
};

static void sb_put(struct strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = malloc(cap);
        if (grown == NULL)
            abort();
        if (b->p != NULL) {
            memcpy(grown, b->p, b->len);
            explicit_bzero(b->p, b->cap);
            free(b->p);
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_putc(struct strbuf *b, char c)
{
    sb_put(b, &c, 1);
}

static void sb_wipe(struct strbuf *b)
{
    if (b->p != NULL) {
        explicit_bzero(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}

/* sb_take - the contents as a malloc'd string (never NULL); b is left empty. */
static char *sb_take(struct strbuf *b)
{
    char *s = b->p;
    if (s == NULL && (s = strdup("")) == NULL)
        abort();
    memset(b, 0, sizeof *b);
    return s;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        abort();
    return p;
}

/* ------------------------------------------------------------------------------------------
 * Addresses */

const char *mail_kind_name(enum mail_kind kind)
{
    return (unsigned)kind < MAIL_KIND__MAX ? kind_names[kind] : "unknown";
}

/* is_atext - RFC 5322 atext: the characters of an unquoted local part besides '.'. */
static bool is_atext(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* addr_spec_ok - a plain local@domain: dot-atom local part, domain of letter/digit/hyphen
 * labels (a single label such as "localhost" included). Quoted local parts, comments and
 * address literals are refused: nothing authfcgi sends needs them, and each is a parsing
 * hazard in someone's MTA. */
static bool addr_spec_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (at == NULL || n > MAIL_ADDRESS_MAX)
        return false;
    size_t local = (size_t)(at - s), domain = n - local - 1;
    if (local == 0 || local > 64 || domain == 0 || domain > 253)
        return false;
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (i == 0 || i == local - 1 || s[i - 1] == '.')
                return false;
        } else if (!is_atext(c)) {
            return false;
        }
    }
    const char *d = at + 1;
    size_t label = 0;
    for (size_t i = 0; i < domain; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum(c) || c == '-') {
            if (label == 0 && c == '-')
                return false;
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && d[domain - 1] != '-';
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

static bool is_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return false;
    }
    return true;
}

/* The parts of AUTHFCGI_MAIL_FROM, pointing into it. */
struct from_parts {
    const char *name; /* display name, quotes removed; may be empty */
    size_t name_len;
    const char *addr;
    size_t addr_len;
};

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && **s == ' ') {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && (*s)[*n - 1] == ' ')
        (*n)--;
}

static const char *parse_from(const char *from, struct from_parts *p)
{
    const char *s = from;
    size_t n = strlen(from);

    memset(p, 0, sizeof *p);
    if (has_control(s, n))
        return "must not contain control characters";
    trim(&s, &n);
    if (n == 0)
        return "must not be empty";
    if (s[n - 1] != '>') {
        p->addr = s;
        p->addr_len = n;
    } else {
        const char *lt = NULL;
        for (size_t i = n - 1; i-- > 0;) {
            if (s[i] == '<') {
                lt = s + i;
                break;
            }
        }
        if (lt == NULL)
            return "must be addr@domain or Name <addr@domain>";
        p->addr = lt + 1;
        p->addr_len = (size_t)(s + n - 1 - p->addr);
        p->name = s;
        p->name_len = (size_t)(lt - s);
        trim(&p->name, &p->name_len);
        if (p->name_len >= 2 && p->name[0] == '"' && p->name[p->name_len - 1] == '"') {
            p->name++;
            p->name_len -= 2;
        }
        if (memchr(p->name, '"', p->name_len) != NULL ||
            memchr(p->name, '\\', p->name_len) != NULL ||
            memchr(p->name, '<', p->name_len) != NULL || memchr(p->name, '>', p->name_len) != NULL)
            return "the display name must not contain quotes, backslashes or angle brackets";
        if (p->name_len > DISPLAY_NAME_MAX)
            return "the display name is too long";
        if (!utf8_is_valid(p->name, p->name_len))
            return "the display name must be UTF-8";
    }
    if (!addr_spec_ok(p->addr, p->addr_len))
        return "must be addr@domain or Name <addr@domain> with a plain address";
    return NULL;
}

/* mail_check_from - see mail.h. */
const char *mail_check_from(const char *from)
{
    struct from_parts p;
    return parse_from(from, &p);
}

/* ------------------------------------------------------------------------------------------
 * Header encoding */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(struct strbuf *b, const unsigned char *in, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        char out[4] = {b64_alphabet[(v >> 18) & 63], b64_alphabet[(v >> 12) & 63],
                       i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=',
                       i + 2 < n ? b64_alphabet[v & 63] : '='};
        sb_put(b, out, 4);
    }
}

/* utf8_char_len - bytes of the (valid) UTF-8 sequence starting with lead byte c. */
static size_t utf8_char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* mail_encode_words - see mail.h. */
char *mail_encode_words(const char *value)
{
    struct strbuf b = {0};
    size_t n = strlen(value);

    if (!utf8_is_valid(value, n))
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t take = 0;
        while (i + take < n) {
            size_t c = utf8_char_len((unsigned char)value[i + take]);
            if (take + c > WORD_INPUT_MAX)
                break;
            take += c;
        }
        if (b.len > 0)
            sb_putc(&b, ' ');
        sb_puts(&b, "=?UTF-8?B?");
        put_base64(&b, (const unsigned char *)value + i, take);
        sb_puts(&b, "?=");
        i += take;
    }
    return sb_take(&b);
}

/* needs_encoding - an unstructured value (Subject) must be encoded when it is not ASCII, when
 * it holds "=?" (a reader would try to decode it) or when a word is too long to fold. */
static bool needs_encoding(const char *v)
{
    size_t word = 0;

    if (!is_ascii(v) || strstr(v, "=?") != NULL)
        return true;
    for (; *v != '\0'; v++) {
        word = *v == ' ' ? 0 : word + 1;
        if (word > LINE_SHOULD - 12)
            return true;
    }
    return false;
}

/* put_header - "Name: value\n", folded before spaces to keep lines within LINE_SHOULD where
 * the value allows it. This is the one place header lines are written, so it is where header
 * injection is refused: a value with CR or LF (or any control character) is an error, as is
 * a line that cannot be folded under LINE_MUST. */
static int put_header(struct strbuf *b, const char *name, const char *value, const char **why)
{
    size_t line = strlen(name) + 2;
    const char *v = value;

    if (has_control(value, strlen(value))) {
        *why = "header value with a control character";
        return -1;
    }
    sb_puts(b, name);
    sb_puts(b, ": ");
    while (*v != '\0') {
        /* The next word and the spaces in front of it; a fold goes before its last space. */
        const char *sp = v;
        while (*v == ' ')
            v++;
        const char *word = v;
        while (*v != '\0' && *v != ' ')
            v++;
        size_t spaces = (size_t)(word - sp), wlen = (size_t)(v - word);
        if (wlen == 0)
            break; /* trailing spaces are dropped */
        if (spaces > 0 && line + spaces + wlen > LINE_SHOULD) {
            sb_putc(b, '\n');
            line = 0;
            spaces = 1;
        }
        sb_put(b, " ", spaces > 0 ? 1 : 0);
        for (size_t i = 1; i < spaces; i++)
            sb_putc(b, ' ');
        sb_put(b, word, wlen);
        line += spaces + wlen;
        if (line > LINE_MUST) {
            *why = "header line too long";
            return -1;
        }
    }
    sb_putc(b, '\n');
    return 0;
}

/* needs_quoting - a display name of atoms and spaces can stand as it is; anything with RFC
 * 5322 specials must become a quoted-string. */
static bool needs_quoting(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != ' ' && !is_atext(c))
            return true;
    }
    return false;
}

/* from_header - the From value for parsed parts: "addr", "Name <addr>", "\"N. Name\" <addr>"
 * or "=?UTF-8?B?...?= <addr>". parse_from has refused quotes and backslashes in the name. */
static char *from_header(const struct from_parts *p)
{
    struct strbuf b = {0};

    if (p->name_len > 0) {
        char *name = strndup(p->name, p->name_len);
        if (name == NULL)
            abort();
        if (!is_ascii(name) || strstr(name, "=?") != NULL) {
            char *words = mail_encode_words(name); /* valid UTF-8: checked by parse_from */
            sb_puts(&b, words);
            free(words);
        } else if (needs_quoting(name, p->name_len)) {
            sb_putc(&b, '"');
            sb_puts(&b, name);
            sb_putc(&b, '"');
        } else {
            sb_puts(&b, name);
        }
        free(name);
        sb_puts(&b, " <");
        sb_put(&b, p->addr, p->addr_len);
        sb_putc(&b, '>');
    } else {
        sb_put(&b, p->addr, p->addr_len);
    }
    return sb_take(&b);
}

/* mail_date - see mail.h. Names spelled out: strftime's %a and %b follow the locale. */
char *mail_date(char *buf, size_t size, time_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL) {
        t = 0;
        gmtime_r(&t, &tm);
    }
    snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

/* ------------------------------------------------------------------------------------------
 * Body encoding */

/* qp_put - one encoded unit (a literal byte or =XX) onto the current line, breaking it softly
 * first when the unit and the soft break's '=' would not fit. */
static void qp_put(struct strbuf *b, size_t *col, const char *unit, size_t n)
{
    if (*col + n > QP_LINE_MAX - 1) {
        sb_puts(b, "=\n");
        *col = 0;
    }
    sb_put(b, unit, n);
    *col += n;
}

/* mail_quoted_printable - see mail.h. Besides what RFC 2045 requires ('=', non-ASCII,
 * control characters, white space at a line's end), a '.' or "From " at the start of an
 * encoded line is encoded too, so neither SMTP dot-stuffing nor mbox "From " quoting can
 * alter the body. */
char *mail_quoted_printable(const char *body)
{
    struct strbuf b = {0};
    size_t col = 0;

    for (const char *p = body; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            sb_putc(&b, '\n');
            col = 0;
            continue;
        }
        bool at_eol = p[1] == '\n' || p[1] == '\0';
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        if (literal && col == 0 && (c == '.' || strncmp(p, "From ", 5) == 0))
            literal = false;
        if (literal) {
            qp_put(&b, &col, p, 1);
        } else {
            char unit[3] = {'=', text_hex_digit(c >> 4, true), text_hex_digit(c, true)};
            qp_put(&b, &col, unit, 3);
        }
    }
    return sb_take(&b);
}

/* body_encoding - 7bit for ASCII, 8bit for UTF-8, quoted-printable as soon as a line would
 * exceed what SMTP allows (a long link). */
static const char *body_encoding(const char *body)
{
    size_t line = 0;
    bool ascii = true;

    for (const char *p = body; *p != '\0'; p++) {
        if (*p == '\n') {
            line = 0;
            continue;
        }
        if ((unsigned char)*p >= 0x80)
            ascii = false;
        if (++line > LINE_MUST)
            return "quoted-printable";
    }
    return ascii ? "7bit" : "8bit";
}

/* ------------------------------------------------------------------------------------------
 * Templates */

/* next_placeholder - find the next "{{" in s. Returns NULL when there is none; else sets *end
 * past the closing "}}" and *which, or returns the position with *which = PH__MAX when the
 * placeholder is unknown or unterminated. Spaces inside the braces are allowed. */
static const char *next_placeholder(const char *s, const char **end, enum placeholder *which)
{
    const char *open = strstr(s, "{{");
    if (open == NULL)
        return NULL;
    *which = PH__MAX;
    const char *close = strstr(open + 2, "}}");
    if (close == NULL)
        return open;
    const char *n = open + 2, *e = close;
    while (n < e && *n == ' ')
        n++;
    while (e > n && e[-1] == ' ')
        e--;
    for (int i = 0; i < PH__MAX; i++) {
        if ((size_t)(e - n) == strlen(placeholder_names[i]) &&
            strncmp(n, placeholder_names[i], (size_t)(e - n)) == 0)
            *which = (enum placeholder)i;
    }
    *end = close + 2;
    return open;
}

/* substitute - tmpl with its placeholders replaced by values. Returns 0, or -1 (nothing
 * written past what was already there) for an unknown placeholder. With out NULL it only
 * checks. */
static int substitute(struct strbuf *out, const char *tmpl, const char *const values[PH__MAX])
{
    const char *p = tmpl, *end = NULL;
    enum placeholder which;
    const char *at;

    while ((at = next_placeholder(p, &end, &which)) != NULL) {
        if (which == PH__MAX)
            return -1;
        if (out != NULL) {
            sb_put(out, p, (size_t)(at - p));
            sb_puts(out, values[which]);
        }
        p = end;
    }
    if (out != NULL)
        sb_puts(out, p);
    return 0;
}

/* alone_on_its_line - the body's rule: the key placeholder ({{url}}, {{code}}) appears, and
 * every line holding it holds nothing else (spaces aside), so no client wraps or glues the
 * link to text. */
static bool alone_on_its_line(const char *body, enum placeholder key)
{
    bool seen = false;
    const char *line = body;

    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        const char *eol = nl != NULL ? nl : line + strlen(line);
        const char *p = line, *end = NULL;
        enum placeholder which;
        const char *at;
        int placeholders = 0;
        bool has_url = false;
        while ((at = next_placeholder(p, &end, &which)) != NULL && at < eol) {
            placeholders++;
            has_url |= which == key;
            p = end;
        }
        if (has_url) {
            const char *s = line, *e = eol;
            while (s < e && *s == ' ')
                s++;
            while (e > s && e[-1] == ' ')
                e--;
            const char *pe = NULL;
            if (placeholders != 1 || next_placeholder(s, &pe, &which) != s || pe != e)
                return false;
            seen = true;
        }
        line = nl != NULL ? nl + 1 : eol;
    }
    return seen;
}

/* check_template - the rules of mail_config_new for one template text. */
static const char *check_template(const char *text, bool is_subject, enum mail_kind kind)
{
    if (substitute(NULL, text, NULL) != 0)
        return "unknown or unterminated placeholder (known: {{url}}, {{name}}, {{email}}, "
               "{{code}})";
    if (is_subject) {
        if (strchr(text, '\n') != NULL)
            return "a subject must be one line";
        if (text[strspn(text, " ")] == '\0')
            return "the subject is empty";
    } else if (!alone_on_its_line(text, key_placeholder(kind))) {
        return key_placeholder(kind) == PH_CODE ? "the body must have {{code}} alone on its line"
                                                : "the body must have {{url}} alone on its line";
    }
    return NULL;
}

/* normalize_template - file bytes to template text: UTF-8 checked, a BOM and CRs dropped,
 * tabs kept, other control characters refused; a subject loses its final line end, a body
 * gains one. Returns a malloc'd string, or NULL with *why. */
static char *normalize_template(const char *data, size_t n, bool is_subject, const char **why)
{
    struct strbuf b = {0};

    if (!utf8_is_valid(data, n)) {
        *why = "not valid UTF-8";
        return NULL;
    }
    if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        n -= 3;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\r')
            continue;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            sb_wipe(&b);
            *why = "contains a control character";
            return NULL;
        }
        sb_putc(&b, (char)c);
    }
    if (is_subject) {
        while (b.len > 0 && b.p[b.len - 1] == '\n')
            b.p[--b.len] = '\0';
    } else if (b.len == 0 || b.p[b.len - 1] != '\n') {
        sb_putc(&b, '\n');
    }
    return sb_take(&b);
}

/* load_template - dir/<kind>.<ext> into *slot when the file exists (a missing file keeps the
 * default). Returns 0, or -1 with err naming the file. */
static int load_template(char **slot, const char *dir, enum mail_kind kind, bool is_subject,
                         char *err, size_t errlen)
{
    char path[4096], msg[4200];
    const char *why = NULL;

    if (snprintf(path, sizeof path, "%s/%s.%s", dir, kind_names[kind],
                 is_subject ? "subject" : "txt") >= (int)sizeof path) {
        snprintf(err, errlen, "AUTHFCGI_MAIL_TEMPLATE_DIR: path too long");
        return -1;
    }
    char *data;
    size_t n;
    int got = file_read_small(path, TEMPLATE_FILE_MAX, &data, &n, msg, sizeof msg);
    if (got <= 0) {
        if (got < 0)
            snprintf(err, errlen, "AUTHFCGI_MAIL_TEMPLATE_DIR: %s", msg);
        return got;
    }
    char *text = normalize_template(data, n, is_subject, &why);
    if (text != NULL && (why = check_template(text, is_subject, kind)) != NULL) {
        free(text);
        text = NULL;
    }
    free(data);
    if (text == NULL) {
        snprintf(err, errlen, "AUTHFCGI_MAIL_TEMPLATE_DIR: %s: %s", path, why);
        return -1;
    }
    free(*slot);
    *slot = text;
    return 0;
}

/* mail_config_new - see mail.h. */
int mail_config_new(struct mail_config **out, const char *from, const char *template_dir, char *err,
                    size_t errlen)
{
    struct from_parts parts;
    const char *why = parse_from(from, &parts);

    *out = NULL;
    if (why != NULL) {
        snprintf(err, errlen, "AUTHFCGI_MAIL_FROM: %s", why);
        return -1;
    }
    struct mail_config *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    c->from = from_header(&parts);
    const char *at = memchr(parts.addr, '@', parts.addr_len);
    c->domain = strndup(at + 1, (size_t)(parts.addr + parts.addr_len - at - 1));
    if (c->domain == NULL)
        abort();
    for (int k = 0; k < MAIL_KIND__MAX; k++) {
        c->subject[k] = xstrdup(default_subjects[k]);
        c->body[k] = xstrdup(default_bodies[k]);
        if (template_dir != NULL && *template_dir != '\0' &&
            (load_template(&c->subject[k], template_dir, (enum mail_kind)k, true, err, errlen) !=
                 0 ||
             load_template(&c->body[k], template_dir, (enum mail_kind)k, false, err, errlen) !=
                 0)) {
            mail_config_free(c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

void mail_config_free(struct mail_config *c)
{
    if (c == NULL)
        return;
    for (int k = 0; k < MAIL_KIND__MAX; k++) {
        free(c->subject[k]);
        free(c->body[k]);
    }
    free(c->from);
    free(c->domain);
    free(c);
}

/* ------------------------------------------------------------------------------------------
 * Rendering */

/* plain_value - a placeholder value from user data: control characters (a name may hold a
 * line feed) become spaces, so a value can neither break a header nor forge body lines. */
static char *plain_value(const char *s)
{
    char *v = xstrdup(s != NULL ? s : "");
    for (char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return v;
}

static bool url_ok(const char *url)
{
    if (url == NULL || *url == '\0')
        return false;
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    }
    return true;
}

/* collapse_spaces - runs of spaces to one, none at either end (a subject is one line). */
static void collapse_spaces(char *s)
{
    char *w = s;
    for (const char *r = s; *r != '\0'; r++) {
        if (*r == ' ' && (w == s || w[-1] == ' '))
            continue;
        *w++ = *r;
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* put_headers - the header block and its blank line. */
static int put_headers(struct strbuf *b, const struct mail_config *c, const char *recipient,
                       const char *subject, const char *message_id, time_t now,
                       const char *encoding, const char **why)
{
    char date[64];
    char *encoded = NULL;
    int rc;

    if (needs_encoding(subject) && (encoded = mail_encode_words(subject)) == NULL) {
        *why = "subject is not valid UTF-8";
        return -1;
    }
    rc = put_header(b, "From", c->from, why);
    rc = rc ? rc : put_header(b, "To", recipient, why);
    rc = rc ? rc : put_header(b, "Subject", encoded != NULL ? encoded : subject, why);
    rc = rc ? rc : put_header(b, "Date", mail_date(date, sizeof date, now), why);
    rc = rc ? rc : put_header(b, "Message-ID", message_id, why);
    rc = rc ? rc : put_header(b, "MIME-Version", "1.0", why);
    rc = rc ? rc : put_header(b, "Content-Type", "text/plain; charset=utf-8", why);
    rc = rc ? rc : put_header(b, "Content-Transfer-Encoding", encoding, why);
    /* RFC 3834: no vacation responder should answer a password-reset mail. */
    rc = rc ? rc : put_header(b, "Auto-Submitted", "auto-generated", why);
    free(encoded);
    sb_putc(b, '\n');
    return rc;
}

/* mail_render - see mail.h. */
/* check_fields - NULL when the fields can go into a mail of kind, else why not. */
static const char *check_fields(enum mail_kind kind, const struct mail_fields *f)
{
    if ((unsigned)kind >= MAIL_KIND__MAX)
        return "unknown mail kind";
    if (f->recipient == NULL || !addr_spec_ok(f->recipient, strlen(f->recipient)))
        return "recipient is not a plain e-mail address";
    if (key_placeholder(kind) == PH_URL ? !url_ok(f->url) : !url_ok(f->code))
        return "URL or code is not printable ASCII without spaces";
    if ((f->name != NULL && !utf8_is_valid(f->name, strlen(f->name))) ||
        (f->email != NULL && !utf8_is_valid(f->email, strlen(f->email))))
        return "name or e-mail is not valid UTF-8";
    return NULL;
}

/* put_body - the body in the encoding its headers announce; the copy it encodes into holds the
 * link, and is wiped. */
static void put_body(struct strbuf *msg, const struct strbuf *body, const char *encoding)
{
    if (strcmp(encoding, "quoted-printable") != 0) {
        sb_put(msg, body->p, body->len);
        return;
    }
    char *encoded = mail_quoted_printable(body->p);
    sb_puts(msg, encoded);
    explicit_bzero(encoded, strlen(encoded));
    free(encoded);
}

int mail_render(const struct mail_config *c, enum mail_kind kind, const struct mail_fields *f,
                time_t now, struct arena *a, struct mail_message *out, const char **why)
{
    struct strbuf subject = {0}, body = {0}, msg = {0};
    char token[MESSAGE_ID_TOKEN_LEN + 1];
    char *message_id = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if ((*why = check_fields(kind, f)) != NULL)
        return -1;
    if (random_token(token, MESSAGE_ID_TOKEN_LEN) != 0) {
        *why = "no random bytes for the Message-ID";
        return -1;
    }

    char *name = plain_value(f->name);
    char *email = plain_value(f->email != NULL ? f->email : f->recipient);
    const char *values[PH__MAX] = {[PH_URL] = f->url != NULL ? f->url : "",
                                   [PH_NAME] = name,
                                   [PH_EMAIL] = email,
                                   [PH_CODE] = f->code != NULL ? f->code : ""};
    if (substitute(&subject, c->subject[kind], values) != 0 ||
        substitute(&body, c->body[kind], values) != 0) {
        *why = "template with an unknown placeholder"; /* mail_config_new refuses those */
        goto done;
    }
    collapse_spaces(subject.p);
    subject.len = strlen(subject.p);
    if (asprintf(&message_id, "<%s.authfcgi@%s>", token, c->domain) < 0)
        abort();

    const char *encoding = body_encoding(body.p);
    if (put_headers(&msg, c, f->recipient, subject.p, message_id, now, encoding, why) != 0)
        goto done;
    put_body(&msg, &body, encoding);

    out->kind = kind;
    out->recipient = arena_strdup(a, f->recipient);
    out->subject = arena_strdup(a, subject.p);
    out->message_id = arena_strdup(a, message_id);
    out->text = arena_strndup(a, msg.p, msg.len);
    rc = 0;
done:
    free(message_id);
    free(name);
    free(email);
    sb_wipe(&subject);
    sb_wipe(&body);
    sb_wipe(&msg);
    return rc;
}
