/* text - Unicode and character helpers, and timestamps as JSON text. Decoding is left to
 * utf8proc, the library that also normalises passwords, so "valid UTF-8" means the same thing
 * everywhere in authfcgi. */
#include "config.h"

#include "util/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

/* text_utf16_length - walk code points with utf8proc_iterate, which rejects every ill-formed
 * sequence (see the header); an astral code point is a surrogate pair in UTF-16. */
int text_utf16_length(const char *s, size_t len, size_t *out)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t units = 0;

    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);

        if (n <= 0)
            return -1;
        units += cp > 0xFFFF ? 2 : 1;
        p += n;
        len -= (size_t)n;
    }
    *out = units;
    return 0;
}

int text_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char text_hex_digit(unsigned v, bool upper)
{
    static const char lower_digits[] = "0123456789abcdef", upper_digits[] = "0123456789ABCDEF";

    return (upper ? upper_digits : lower_digits)[v & 15];
}

void text_hex_encode(const unsigned char *data, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = text_hex_digit(data[i] >> 4, false);
        out[2 * i + 1] = text_hex_digit(data[i], false);
    }
    out[2 * len] = '\0';
}

/* The range of a JavaScript Date: 100 000 000 days either side of 1970. */
#define JS_DATE_MAX_MS INT64_C(8640000000000000)

/* put_digits - n decimal digits of v (zero-padded) at p; returns the end. */
static char *put_digits(char *p, unsigned long v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* text_iso_time - as Date.toISOString(): four-digit years, six digits and a sign outside
 * 0..9999. Milliseconds are floored so that a time before 1970 keeps its second. Written digit
 * by digit: through snprintf, the five of a get-session were a sixth of its instructions. */
int text_iso_time(int64_t ms, char out[TEXT_ISO_TIME_SIZE])
{
    out[0] = '\0';
    if (ms > JS_DATE_MAX_MS || ms < -JS_DATE_MAX_MS)
        return -1;
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    long year = (long)tm.tm_year + 1900;
    char *p = out;
    if (year >= 0 && year <= 9999) {
        p = put_digits(p, (unsigned long)year, 4);
    } else {
        *p++ = year < 0 ? '-' : '+';
        p = put_digits(p, (unsigned long)labs(year), 6);
    }
    *p++ = '-';
    p = put_digits(p, (unsigned long)tm.tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, (unsigned long)tm.tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned long)tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned long)tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned long)tm.tm_sec, 2);
    *p++ = '.';
    p = put_digits(p, (unsigned long)frac, 3);
    *p++ = 'Z';
    *p = '\0';
    return 0;
}

/* text_fail - see text.h. */
int text_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* text_next_item - see text.h. */
bool text_next_item(const char **cursor, const char **start, size_t *len)
{
    const char *s = *cursor;
    if (s == NULL)
        return false;
    const char *comma = strchr(s, ',');
    const char *end = comma ? comma : s + strlen(s);
    *cursor = comma ? comma + 1 : NULL;
    while (s < end && is_blank(*s))
        s++;
    while (end > s && is_blank(end[-1]))
        end--;
    *start = s;
    *len = (size_t)(end - s);
    return true;
}

/* text_parse_int64 - see text.h. */
int text_parse_int64(const char *s, int64_t *out)
{
    char *end;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}
