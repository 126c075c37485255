/* log - one key=value line per event on stderr (and syslog when asked).
 *
 * Each line is formatted into one buffer and written with a single write(2), so lines from
 * the master and its workers, which share stderr, never interleave mid-line. */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Longer lines are truncated; PIPE_BUF (4096) keeps writes to a pipe atomic. */
#define LOG_LINE_MAX 4096

static enum log_level log_threshold = LOG_LEVEL_INFO;
static bool log_to_syslog;

static const char *const level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
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

/* log_level_parse - "error", "warn", "info" or "debug" (any case) to its level. */
int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (name != NULL && strcasecmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Append to buf at *len without ever overflowing; a line too long is cut. */
static void append_v(char *buf, size_t size, size_t *len, const char *fmt, va_list ap)
{
    if (*len >= size)
        return;
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    if (n < 0)
        return;
    *len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_v(buf, size, len, fmt, ap);
    va_end(ap);
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

/* log_event - format and write one line; errno is preserved for the caller. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if (level > log_threshold)
        return;

    int saved_errno = errno;
    char line[LOG_LINE_MAX];
    char ts[40];
    size_t len = 0;

    format_timestamp(ts, sizeof ts);
    append(line, sizeof line, &len, "ts=%s level=%s pid=%ld event=%s", ts, level_names[level],
           (long)getpid(), event);
    size_t fields_at = len;
    if (fmt != NULL && *fmt != '\0') {
        va_list ap;
        append(line, sizeof line, &len, " ");
        va_start(ap, fmt);
        append_v(line, sizeof line, &len, fmt, ap);
        va_end(ap);
    }
    if (log_to_syslog) {
        /* syslog adds its own time stamp and pid. */
        syslog(level_priorities[level], "level=%s event=%s%s", level_names[level], event,
               line + fields_at);
    }
    if (len >= sizeof line - 1)
        len = sizeof line - 2;
    line[len++] = '\n';
    write_all(STDERR_FILENO, line, len);
    errno = saved_errno;
}

/* Escape one byte into esc; returns its length. */
static size_t escape_byte(unsigned char c, char esc[4])
{
    static const char hex[] = "0123456789abcdef";

    if (c == '"' || c == '\\') {
        esc[0] = '\\';
        esc[1] = (char)c;
        return 2;
    }
    if (c < 0x20 || c == 0x7f) {
        esc[0] = '\\';
        esc[1] = 'x';
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 0xf];
        return 4;
    }
    esc[0] = (char)c;
    return 1;
}

/* log_quote - a double-quoted, escaped copy of s that always fits buf. */
const char *log_quote(char *buf, size_t bufsize, const char *s)
{
    /* Room kept at the end: "..." on truncation, the closing quote and the NUL. */
    const size_t reserve = 5;

    if (bufsize < reserve + 2) {
        if (bufsize > 0)
            buf[0] = '\0';
        return buf;
    }
    size_t o = 0;
    buf[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++) {
        char esc[4];
        size_t n = escape_byte(*p, esc);
        if (o + n > bufsize - reserve) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, esc, n);
        o += n;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
