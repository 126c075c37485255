/* utf8 - the WHATWG UTF-8 decoder with replacement, used on request bodies and on
 * percent-decoded form and query values before anything else looks at them. */
#include "config.h"

#include "util/utf8.h"

/* The decoder state of the Encoding standard: how many continuation bytes are still
 * expected and the range the next one must fall in (narrower than 80..BF after E0, ED, F0 and
 * F4, which is how overlong forms, surrogates and values above U+10FFFF are refused). */
struct decoder {
    uint32_t code_point;
    unsigned needed, seen;
    unsigned char lower, upper;
};

enum step { STEP_MORE, STEP_CODE_POINT, STEP_ERROR, STEP_ERROR_REPROCESS };

/* decoder_reset - the state before a sequence: nothing pending, the default 80..BF range. */
static void decoder_reset(struct decoder *d)
{
    d->code_point = 0;
    d->needed = d->seen = 0;
    d->lower = 0x80;
    d->upper = 0xBF;
}

/* decoder_step - feed one byte. STEP_ERROR_REPROCESS means "emit U+FFFD, then feed the same
 * byte again": a byte that breaks a sequence may start the next one. */
static enum step decoder_step(struct decoder *d, unsigned char b)
{
    if (d->needed == 0) {
        if (b <= 0x7F) {
            d->code_point = b;
            return STEP_CODE_POINT;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            d->needed = 1;
            d->code_point = b & 0x1Fu;
        } else if (b >= 0xE0 && b <= 0xEF) {
            if (b == 0xE0)
                d->lower = 0xA0;
            if (b == 0xED)
                d->upper = 0x9F;
            d->needed = 2;
            d->code_point = b & 0x0Fu;
        } else if (b >= 0xF0 && b <= 0xF4) {
            if (b == 0xF0)
                d->lower = 0x90;
            if (b == 0xF4)
                d->upper = 0x8F;
            d->needed = 3;
            d->code_point = b & 0x07u;
        } else {
            return STEP_ERROR;
        }
        return STEP_MORE;
    }
    if (b < d->lower || b > d->upper) {
        decoder_reset(d);
        return STEP_ERROR_REPROCESS;
    }
    d->lower = 0x80;
    d->upper = 0xBF;
    d->code_point = (d->code_point << 6) | (b & 0x3Fu);
    if (++d->seen < d->needed)
        return STEP_MORE;
    return STEP_CODE_POINT;
}

/* utf8_is_valid - see utf8.h. */
bool utf8_is_valid(const char *s, size_t len)
{
    struct decoder d;
    decoder_reset(&d);
    for (size_t i = 0; i < len; i++) {
        enum step st = decoder_step(&d, (unsigned char)s[i]);
        if (st == STEP_ERROR || st == STEP_ERROR_REPROCESS)
            return false;
        if (st == STEP_CODE_POINT)
            decoder_reset(&d);
    }
    return d.needed == 0;
}

/* utf8_encode - see utf8.h. */
size_t utf8_encode(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* utf8_decode_lossy - see utf8.h. */
size_t utf8_decode_lossy(char *dst, const char *src, size_t len)
{
    struct decoder d;
    size_t out = 0;
    decoder_reset(&d);
    for (size_t i = 0; i < len; i++) {
        switch (decoder_step(&d, (unsigned char)src[i])) {
        case STEP_MORE:
            break;
        case STEP_CODE_POINT:
            out += utf8_encode(dst + out, d.code_point);
            decoder_reset(&d);
            break;
        case STEP_ERROR_REPROCESS:
            i--; /* the loop's i++ feeds the same byte again */
            /* fall through */
        case STEP_ERROR:
            out += utf8_encode(dst + out, 0xFFFD);
            decoder_reset(&d);
            break;
        }
    }
    if (d.needed != 0) /* truncated sequence at the end */
        out += utf8_encode(dst + out, 0xFFFD);
    return out;
}
