/* text - Unicode and character helpers. Decoding is left to utf8proc, the library that also
 * normalises passwords, so "valid UTF-8" means the same thing everywhere in authfcgi. */
#include "config.h"

#include "text.h"

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
