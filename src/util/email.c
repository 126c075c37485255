/* email - zod 4's e-mail pattern as a hand-written matcher, and ASCII lower-casing.
 *
 * The regex unrolled: the local part is runs of [A-Za-z0-9_'+-] joined by single dots, and its
 * last character may not be an apostrophe; the domain is one or more labels that start with a
 * letter or digit and go on with letters, digits and hyphens (a trailing hyphen is allowed),
 * each followed by a dot, then a top-level label of at least two letters. */
#include "config.h"

#include "util/email.h"

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_alnum(unsigned char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

/* [A-Za-z0-9_'+-] */
static bool is_local_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '\'' || c == '+' || c == '-';
}

/* local_part_ok - (?:L+\.)*L*[L minus '] for the n bytes at s. */
static bool local_part_ok(const unsigned char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.' || s[n - 1] == '\'')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') /* i + 1 < n: the last byte is not a dot */
                return false;
        } else if (!is_local_char(s[i])) {
            return false;
        }
    }
    return true;
}

/* domain_ok - (?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,} for the n bytes at s. */
static bool domain_ok(const unsigned char *s, size_t n)
{
    size_t last_dot = n;
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '.') {
            last_dot = i - 1;
            break;
        }
    }
    if (last_dot == n) /* at least one label before the top-level one */
        return false;

    size_t tld_len = n - last_dot - 1;
    if (tld_len < 2)
        return false;
    for (size_t i = last_dot + 1; i < n; i++)
        if (!is_alpha(s[i]))
            return false;

    size_t label_start = 0;
    for (size_t i = 0; i <= last_dot; i++) {
        if (s[i] == '.') {
            if (i == label_start) /* empty label */
                return false;
            label_start = i + 1;
        } else if (i == label_start ? !is_alnum(s[i]) : !(is_alnum(s[i]) || s[i] == '-')) {
            return false;
        }
    }
    return true;
}

/* email_is_valid - see email.h. */
bool email_is_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t at = len;
    for (size_t i = 0; i < len; i++) {
        if (u[i] == '@') {
            if (at != len) /* neither part may contain '@' */
                return false;
            at = i;
        }
    }
    if (at == len)
        return false;
    return local_part_ok(u, at) && domain_ok(u + at + 1, len - at - 1);
}

/* email_lowercase - see email.h. */
void email_lowercase(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] - 'A' + 'a');
}
