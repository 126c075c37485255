/* fcgi_peek - checking the begin record and params stream of a FastCGI connection before
 * libfcgi reads them (see fcgi_peek.h for why). */
#include "config.h"

#include "daemon/fcgi_peek.h"

#include <stdbool.h>
#include <stdint.h>

/* FastCGI 1.0 record types and the header layout (the specification, section 8). */
enum { FCGI_HEADER_LEN = 8, FCGI_BEGIN_REQUEST = 1, FCGI_PARAMS = 4, FCGI_STDIN = 5 };
enum { ROLE_RESPONDER = 1, ROLE_FILTER = 3 };

/* Where the reader is in the name-value pairs: a length being read (its first byte says
 * whether it takes 1 or 4 bytes), or the name and value bytes being skipped. */
struct pairs {
    bool value;        /* the length being read is the value's */
    unsigned pending;  /* bytes of a 4-byte length still to come */
    uint32_t length;   /* the length read so far */
    uint32_t name_len; /* the pair's name length, once read */
    size_t skip;       /* name and value bytes still to come */
};

/* length_done - a length is complete: refuse it beyond the limit, else go on. */
static bool length_done(struct pairs *p)
{
    if (p->length > FCGI_PEEK_MAX)
        return false;
    if (!p->value) {
        p->name_len = p->length;
        p->value = true;
    } else {
        p->skip = (size_t)p->name_len + p->length;
        p->value = false;
    }
    p->length = 0;
    return true;
}

/* feed - n bytes of params content. False when a length is out of bounds. */
static bool feed(struct pairs *p, const unsigned char *c, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (p->skip > 0) {
            size_t k = n - i < p->skip ? n - i : p->skip;
            p->skip -= k;
            i += k;
            continue;
        }
        unsigned char b = c[i++];
        if (p->pending > 0) {
            p->length = (p->length << 8) | b;
            if (--p->pending == 0 && !length_done(p))
                return false;
        } else if (b & 0x80) {
            p->length = b & 0x7fu;
            p->pending = 3;
        } else {
            p->length = b;
            if (!length_done(p))
                return false;
        }
    }
    return true;
}

static enum fcgi_peek bad(const char **why, const char *reason)
{
    if (why != NULL)
        *why = reason;
    return FCGI_PEEK_BAD;
}

/* The request as far as it has been read: the begin record (its id and role), the params,
 * then the body. */
struct scan {
    bool begun, params_done;
    unsigned id, role;
    size_t body;
    struct pairs pairs;
};

/* after_params - a record of the request once its params have ended: a responder's body is
 * read to its end (or past FCGI_PEEK_BODY_MAX, which libfcgi may then read as it comes);
 * anything else of the request is libfcgi's to handle. */
static enum fcgi_peek after_params(struct scan *s, unsigned type, size_t clen)
{
    if (type != FCGI_STDIN || clen == 0)
        return FCGI_PEEK_OK;
    s->body += clen;
    return s->body > FCGI_PEEK_BODY_MAX ? FCGI_PEEK_OK : FCGI_PEEK_MORE;
}

enum fcgi_peek fcgi_peek_scan(const unsigned char *buf, size_t len, const char **why)
{
    struct scan s = {0};
    size_t at = 0;

    while (len - at >= FCGI_HEADER_LEN) {
        const unsigned char *h = buf + at;
        unsigned type = h[1];
        unsigned rid = (unsigned)h[2] << 8 | h[3];
        size_t clen = (size_t)h[4] << 8 | h[5];
        size_t end = at + FCGI_HEADER_LEN + clen + h[6];

        if (h[0] != 1)
            return bad(why, "version");
        /* Whole records only: libfcgi reads on until it has them anyway. */
        if (end > len)
            break;
        const unsigned char *content = h + FCGI_HEADER_LEN;
        /* A management record (FCGI_GET_VALUES and kin) is read by libfcgi's own
         * ProcessManagementRecord, unbounded: huge pair lengths abort it, repeated names
         * overflow its 64-byte answer on the stack. No web server we serve sends one. */
        if (rid == 0)
            return bad(why, "management_record");
        if (!s.begun) {
            if (type != FCGI_BEGIN_REQUEST)
                return bad(why, "record_before_begin");
            if (clen != 8)
                return bad(why, "begin_record");
            s.role = (unsigned)content[0] << 8 | content[1];
            if (s.role < ROLE_RESPONDER || s.role > ROLE_FILTER)
                return bad(why, "begin_record");
            s.begun = true;
            s.id = rid;
        } else if (rid == s.id && s.params_done) {
            if (after_params(&s, type, clen) == FCGI_PEEK_OK)
                return FCGI_PEEK_OK;
        } else if (rid == s.id && type == FCGI_PARAMS) {
            if (clen == 0 && s.role != ROLE_RESPONDER)
                return FCGI_PEEK_OK; /* an authorizer has no body */
            if (clen == 0)
                s.params_done = true;
            else if (!feed(&s.pairs, content, clen))
                return bad(why, "param_length");
        } else if (rid == s.id && type != FCGI_BEGIN_REQUEST) {
            return bad(why, "record_order");
        }
        at = end;
    }
    if (len >= FCGI_PEEK_MAX) /* more than one look can hold: the rest is libfcgi's */
        return s.params_done ? FCGI_PEEK_OK : bad(why, "params_too_large");
    if (why != NULL)
        *why = s.params_done ? "body" : "params"; /* what is still to come */
    return FCGI_PEEK_MORE;
}
