/* log - one key=value line per event on stderr (and syslog when asked).
 *
 * Each line is formatted into one buffer and written with a single write(2), so lines from
 * the master and its workers, which share stderr, never interleave mid-line. */
#include "config.h"

#include "util/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"
#include "util/utf8.h"

/* Longer lines are truncated; PIPE_BUF (4096) keeps writes to a pipe atomic. */
#define LOG_LINE_MAX 4096
/* One value never takes more than this, so the fields after a long value still fit. */
#define LOG_VALUE_MAX 1024

static enum log_level log_threshold = LOG_LEVEL_INFO;
static bool log_to_syslog;

const char *const log_level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
    NULL, /* the end, for the setting's choices */
};

static const int level_priorities[] = {
    [LOG_LEVEL_ERROR] = LOG_ERR,
    [LOG_LEVEL_WARN] = LOG_WARNING,
    [LOG_LEVEL_INFO] = LOG_INFO,
    [LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

/* log_open - remember the identity and open syslog when asked. */
void log_open(const char *ident, bool use_syslog)
{
    if (log_to_syslog && !use_syslog)
        closelog();
    log_to_syslog = use_syslog;
    if (use_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* log_set_level - drop lines above level. */
void log_set_level(enum log_level level)
{
    log_threshold = level;
}

/* write(2) the whole line, retrying on EINTR and short writes; errors are dropped because
 * there is nowhere left to report them. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void format_timestamp(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* ---- the line being built ----
 *
 * Values are written the one way a reader can always undo: bare when they are plain, else
 * between double quotes with '"', '\\', control characters and bytes that are not printable
 * UTF-8 escaped. A line that would not fit is cut at the end of its last complete field and
 * marked; a value that would not fit is cut inside its quotes and ends in "...". Either way
 * the line stays one line of well-formed key=value pairs. */

#define TRUNCATED_MARK " truncated=yes"
/* Bytes fields may use: the rest is for TRUNCATED_MARK and the newline. */
#define LINE_USABLE (LOG_LINE_MAX - sizeof TRUNCATED_MARK)

struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
    size_t boundary; /* end of the last complete field: where a line too long is cut */
    bool in_quotes;  /* inside a quoted value that the format's own text opened */
    bool full;
    size_t usable; /* bytes fields may use: LINE_USABLE less the request id's room */
};

/* overflow - cut the line back to its last complete field and mark it; nothing more goes in. */
static void overflow(struct line *l)
{
    l->len = l->boundary;
    memcpy(l->buf + l->len, TRUNCATED_MARK, sizeof TRUNCATED_MARK - 1);
    l->len += sizeof TRUNCATED_MARK - 1;
    l->full = true;
}

/* put_literal - text of the format itself (trusted: written by us), or a formatted number. */
static void put_literal(struct line *l, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !l->full; i++) {
        if (s[i] == ' ' && !l->in_quotes)
            l->boundary = l->len;
        if (l->len >= l->usable) {
            overflow(l);
            return;
        }
        l->buf[l->len++] = s[i];
        if (s[i] == '"')
            l->in_quotes = !l->in_quotes;
    }
}

/* utf8_length - the length of the printable UTF-8 character at p (n bytes left), or 0 when p
 * does not start one: an invalid or truncated sequence, or a C1 control (U+0080-U+009F). */
static size_t utf8_length(const unsigned char *p, size_t n)
{
    size_t k = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                              : 0;

    if (k == 0 || k > n || !utf8_is_valid((const char *)p, k))
        return 0;
    if (p[0] == 0xc2 && p[1] < 0xa0)
        return 0;
    return k;
}

/* escape_unit - the next character of a value: copies its written form to out (at most 4
 * bytes) and returns how many input bytes it took; *plain tells whether it was copied as is. */
static size_t escape_unit(const unsigned char *p, size_t n, char out[4], size_t *out_len,
                          bool *plain)
{
    unsigned char c = p[0];
    size_t k;

    *plain = false;
    *out_len = 2;
    out[0] = '\\';
    if (c == '"' || c == '\\') {
        out[1] = (char)c;
        return 1;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
        out[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        return 1;
    }
    if (c >= 0x20 && c < 0x7f) {
        *plain = true;
        out[0] = (char)c;
        *out_len = 1;
        return 1;
    }
    if (c >= 0x80 && (k = utf8_length(p, n)) > 0) {
        *plain = true;
        memcpy(out, p, k);
        *out_len = k;
        return k;
    }
    out[1] = 'x';
    out[2] = text_hex_digit(c >> 4, false);
    out[3] = text_hex_digit(c, false);
    *out_len = 4;
    return 1;
}

/* put_value - the n bytes at s as a value: bare when every byte is printable and none of ' ',
 * '"', '=', '\\' (and it is not empty), else quoted and escaped. Inside quotes the format
 * opened itself ("reason=\"%s\"") the value is escaped only. At most LOG_VALUE_MAX bytes. */
static void put_value(struct line *l, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    bool enclosed = l->in_quotes, quote = n == 0, plain;
    size_t written = 0, escaped = 0, unit_len, room, limit, budget;
    char unit[4];

    if (l->full)
        return;
    for (size_t i = 0; i < n;) {
        i += escape_unit(u + i, n - i, unit, &unit_len, &plain);
        escaped += unit_len;
        if (!plain || unit[0] == ' ' || unit[0] == '=')
            quote = true;
    }
    room = l->usable - l->len;
    limit = room < LOG_VALUE_MAX ? room : LOG_VALUE_MAX;
    /* A value cut short is always quoted, so that its "..." is plainly not part of it. */
    if (!enclosed && escaped > limit)
        quote = true;
    /* Inside the format's quotes, keep room for the format's closing quote. */
    size_t frame = enclosed ? 1 : quote ? 2 : 0;
    bool cut = escaped + frame > limit;
    if (cut && limit < frame + 3) {
        overflow(l);
        return;
    }
    budget = cut ? limit - frame - 3 : escaped;
    if (quote && !enclosed)
        l->buf[l->len++] = '"';
    for (size_t i = 0; i < n;) {
        size_t took = escape_unit(u + i, n - i, unit, &unit_len, &plain);
        if (written + unit_len > budget)
            break;
        memcpy(l->buf + l->len, unit, unit_len);
        l->len += unit_len;
        written += unit_len;
        i += took;
    }
    if (cut) {
        memcpy(l->buf + l->len, "...", 3);
        l->len += 3;
    }
    if (quote && !enclosed)
        l->buf[l->len++] = '"';
    /* A value cut for want of room ends the line, which keeps it as its last field. */
    if (cut && limit == room && !enclosed)
        l->boundary = l->len;
}

/* The parts of one printf conversion that change which argument type comes next. */
enum length_modifier {
    LEN_NONE,
    LEN_HH,
    LEN_H,
    LEN_L,
    LEN_LL,
    LEN_J,
    LEN_Z,
    LEN_T,
    LEN_LONG_DOUBLE
};

/* length_modifier - the length modifier at *p, which is moved past it. */
static enum length_modifier length_modifier(const char **p)
{
    static const struct {
        const char *text;
        enum length_modifier len;
    } modifiers[] = {
        {"hh", LEN_HH}, {"ll", LEN_LL}, {"h", LEN_H}, {"l", LEN_L},           {"q", LEN_LL},
        {"j", LEN_J},   {"z", LEN_Z},   {"t", LEN_T}, {"L", LEN_LONG_DOUBLE},
    };

    for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++) {
        size_t n = strlen(modifiers[i].text);
        if (strncmp(*p, modifiers[i].text, n) == 0) {
            *p += n;
            return modifiers[i].len;
        }
    }
    return LEN_NONE;
}

/* One printf conversion as read from a format: its copy for snprintf (flags, width, precision,
 * length), the precision alone (strings honour it), the length and the conversion character
 * ('\0' when the format ends inside the conversion). */
struct conversion {
    char spec[48];
    size_t spec_len;
    int precision; /* -1 = none */
    enum length_modifier len;
    char conv;
};

/* spec_add - append the n bytes at s to a conversion's copy; formats are ours and short, so a
 * spec that does not fit is a bug that only loses the digits that did not fit. */
static void spec_add(struct conversion *c, const char *s, size_t n)
{
    if (c->spec_len + n < sizeof c->spec) {
        memcpy(c->spec + c->spec_len, s, n);
        c->spec_len += n;
        c->spec[c->spec_len] = '\0';
    }
}

/* spec_add_int - a '*' width or precision, as the digits of its argument. */
static void spec_add_int(struct conversion *c, const char *prefix, int v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%s%d", prefix, v);
    spec_add(c, digits, (size_t)n);
}

/* read_conversion - the conversion after a '%' at *pp, which is moved past it; a '*' width or
 * precision takes its int argument. */
static void read_conversion(const char **pp, va_list *ap, struct conversion *c)
{
    const char *p = *pp;
    size_t n;

    *c = (struct conversion){.spec = "%", .spec_len = 1, .precision = -1};
    n = strspn(p, "-+ #0'");
    spec_add(c, p, n);
    p += n;
    if (*p == '*') {
        spec_add_int(c, "", va_arg(*ap, int));
        p++;
    }
    n = strspn(p, "0123456789");
    spec_add(c, p, n);
    p += n;
    if (*p == '.') {
        p++;
        if (*p == '*') {
            c->precision = va_arg(*ap, int);
            p++;
        } else {
            c->precision = 0;
            while (*p >= '0' && *p <= '9')
                c->precision = c->precision * 10 + (*p++ - '0');
        }
        if (c->precision >= 0)
            spec_add_int(c, ".", c->precision);
    }
    const char *len_start = p;
    c->len = length_modifier(&p);
    spec_add(c, len_start, (size_t)(p - len_start));
    c->conv = *p;
    if (*p != '\0')
        p++;
    *pp = p;
}

/* put_number - one numeric conversion through snprintf, as printf would write it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void put_number(struct line *l, const char *spec, enum length_modifier len, char conv,
                       va_list *ap)
{
    char out[128];
    int n = -1;
    bool is_signed = conv == 'd' || conv == 'i';

    switch (conv) {
    case 'd':
    case 'i':
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        switch (len) {
        case LEN_L:
            n = is_signed ? snprintf(out, sizeof out, spec, va_arg(*ap, long))
                          : snprintf(out, sizeof out, spec, va_arg(*ap, unsigned long));
            break;
        case LEN_LL:
            n = is_signed ? snprintf(out, sizeof out, spec, va_arg(*ap, long long))
                          : snprintf(out, sizeof out, spec, va_arg(*ap, unsigned long long));
            break;
        case LEN_J:
            n = is_signed ? snprintf(out, sizeof out, spec, va_arg(*ap, intmax_t))
                          : snprintf(out, sizeof out, spec, va_arg(*ap, uintmax_t));
            break;
        case LEN_Z:
            n = is_signed ? snprintf(out, sizeof out, spec, va_arg(*ap, ssize_t))
                          : snprintf(out, sizeof out, spec, va_arg(*ap, size_t));
            break;
        case LEN_T:
            n = snprintf(out, sizeof out, spec, va_arg(*ap, ptrdiff_t));
            break;
        default: /* char and short arrive promoted to int */
            n = is_signed ? snprintf(out, sizeof out, spec, va_arg(*ap, int))
                          : snprintf(out, sizeof out, spec, va_arg(*ap, unsigned int));
            break;
        }
        break;
    case 'p':
        n = snprintf(out, sizeof out, spec, va_arg(*ap, void *));
        break;
    default: /* e, f, g, a in either case */
        n = len == LEN_LONG_DOUBLE ? snprintf(out, sizeof out, spec, va_arg(*ap, long double))
                                   : snprintf(out, sizeof out, spec, va_arg(*ap, double));
        break;
    }
    if (n > 0)
        put_literal(l, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}
#pragma GCC diagnostic pop

/* put_conversion - the argument of conversion c: strings (%s, %c, %m) through put_value,
 * numbers as printf writes them. False for a conversion this does not know. */
static bool put_conversion(struct line *l, struct conversion *c, va_list *ap, int saved_errno)
{
    switch (c->conv) {
    case 's': {
        const char *s = va_arg(*ap, const char *);
        size_t n = s == NULL ? 0 : c->precision >= 0 ? strnlen(s, (size_t)c->precision) : strlen(s);
        put_value(l, s != NULL ? s : "", n);
        return true;
    }
    case 'c': {
        char ch = (char)va_arg(*ap, int);
        put_value(l, &ch, 1);
        return true;
    }
    case 'm': {
        const char *s = strerror(saved_errno);
        put_value(l, s, strlen(s));
        return true;
    }
    case 'n':
        (void)va_arg(*ap, void *); /* never written to */
        return true;
    }
    if (strchr("diouxXpeEfFgGaA", c->conv) == NULL)
        return false;
    spec_add(c, &c->conv, 1);
    put_number(l, c->spec, c->len, c->conv, ap);
    return true;
}

/* format_fields - fmt's own text as written, each conversion through put_conversion. Widths of
 * strings are ignored, their precision honoured. */
static void format_fields(struct line *l, const char *fmt, va_list *ap, int saved_errno)
{
    const char *p = fmt;
    struct conversion c;

    while (*p != '\0' && !l->full) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            put_literal(l, p, n);
            p += n;
        } else if (p[1] == '%') {
            put_literal(l, "%", 1);
            p += 2;
        } else {
            p++;
            read_conversion(&p, ap, &c);
            if (c.conv == '\0')
                break;
            if (!put_conversion(l, &c, ap, saved_errno)) {
                /* Unknown conversion: the remaining arguments' types are unknown too. */
                put_literal(l, "?", 1);
                return;
            }
        }
    }
}

/* The request being handled (log_set_request_id), "" when none, and " req=<id>" as it ends
 * every line meanwhile: formatted at the request's first line (most requests log none), its
 * room kept free on every line, so that a line cut for length still says which request it is.
 * At the end, so that readers matching "event=X field=" or "pid=N event=X" keep matching. */
static char request_id[65];
static char request_suffix[sizeof " req=\"\"" + 64 * 4];
static size_t request_suffix_len;
static bool request_suffix_ready = true;

/* log_set_request_id - remember id (cut to 64 bytes) for the lines to come. */
void log_set_request_id(const char *id)
{
    size_t n = id != NULL ? strnlen(id, sizeof request_id - 1) : 0;

    memcpy(request_id, id != NULL ? id : "", n);
    request_id[n] = '\0';
    request_suffix_len = 0;
    request_suffix_ready = n == 0;
}

/* request_suffix_make - " req=<id>" written the way any value is. */
static void request_suffix_make(void)
{
    struct line l = {.usable = LINE_USABLE};

    put_literal(&l, " req=", 5);
    put_value(&l, request_id, strlen(request_id));
    memcpy(request_suffix, l.buf, l.len);
    request_suffix_len = l.len;
    request_suffix_ready = true;
}

/* log_event - format and write one line; errno is preserved for the caller. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if (level > log_threshold)
        return;

    int saved_errno = errno;
    if (!request_suffix_ready)
        request_suffix_make();
    struct line l = {.len = 0, .usable = LINE_USABLE - request_suffix_len};
    char ts[40];

    format_timestamp(ts, sizeof ts);
    int n = snprintf(l.buf, l.usable, "ts=%s level=%s pid=%ld event=%s", ts, log_level_names[level],
                     (long)getpid(), event);
    l.len = n < 0 ? 0 : (size_t)n < l.usable ? (size_t)n : l.usable - 1;
    l.boundary = l.len;
    size_t fields_at = l.len;
    if (fmt != NULL && *fmt != '\0') {
        va_list ap;
        put_literal(&l, " ", 1);
        va_start(ap, fmt);
        format_fields(&l, fmt, &ap, saved_errno);
        va_end(ap);
    }
    memcpy(l.buf + l.len, request_suffix, request_suffix_len);
    l.len += request_suffix_len;
    l.buf[l.len] = '\0';
    if (log_to_syslog) {
        /* syslog adds its own time stamp and pid. */
        syslog(level_priorities[level], "level=%s event=%s%s", log_level_names[level], event,
               l.buf + fields_at);
    }
    l.buf[l.len++] = '\n';
    write_all(STDERR_FILENO, l.buf, l.len);
    errno = saved_errno;
}

/* log_quote - kept for call sites written when callers quoted: log_event quotes now, so this
 * only copies s (cut to fit, ending in "..."). */
const char *log_quote(char *buf, size_t bufsize, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (bufsize == 0)
        return "";
    if (n < bufsize) {
        memcpy(buf, s != NULL ? s : "", n + 1);
        return buf;
    }
    if (bufsize < 4) {
        buf[0] = '\0';
        return buf;
    }
    memcpy(buf, s, bufsize - 4);
    memcpy(buf + bufsize - 4, "...", 4);
    return buf;
}
