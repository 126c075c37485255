/* fuzz_fcgi_peek - libFuzzer target: the check fcgi_io makes before libfcgi reads a request
 * (fcgi_peek.c). The input is the first bytes a web server sends on a connection.
 *
 * Invariants: when fcgi_peek_scan answers OK, libfcgi's reading of the same bytes (modelled
 * here after FCGX_Accept_r: FillBuffProc's record handling and ReadParams) finds the begin
 * record and the end of the params within them, and no name or value longer than
 * FCGI_PEEK_MAX, so ReadParams never mallocs more than 2 * FCGI_PEEK_MAX + 2; an answer is the
 * same for the same bytes, and MORE becomes OK or BAD, never the reverse, as bytes arrive. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "daemon/fcgi_peek.h"
#include "fuzz.h"

/* libfcgi's view: the params stream of the request, de-multiplexed (NULL: not complete). */
static unsigned char stream[FCGI_PEEK_MAX];

static bool libfcgi_params(const uint8_t *buf, size_t len, size_t *stream_len)
{
    bool begun = false;
    unsigned id = 0;
    size_t at = 0, n = 0;

    while (len - at >= 8) {
        const uint8_t *h = buf + at;
        unsigned type = h[1], rid = (unsigned)h[2] << 8 | h[3];
        size_t clen = (size_t)h[4] << 8 | h[5];
        if (at + 8 + clen + h[6] > len)
            return false;
        if (type == 1 && !begun) {
            begun = true;
            id = rid;
        } else if (begun && rid == id && type == 4) {
            if (clen == 0) {
                *stream_len = n;
                return true;
            }
            FUZZ_CHECK(n + clen <= sizeof stream, "params stream longer than the limit");
            memcpy(stream + n, h + 8, clen);
            n += clen;
        }
        at += 8 + clen + h[6];
    }
    return false;
}

/* ReadParams over the stream: every length it would malloc for. */
static void read_params(size_t n)
{
    size_t at = 0;

    while (at < n) {
        unsigned long lens[2];
        for (int i = 0; i < 2; i++) {
            if (at >= n)
                return; /* libfcgi: FCGX_PARAMS_ERROR */
            unsigned long l = stream[at++];
            if (l & 0x80) {
                if (n - at < 3)
                    return;
                l = (l & 0x7f) << 24 | (unsigned long)stream[at] << 16 |
                    (unsigned long)stream[at + 1] << 8 | stream[at + 2];
                at += 3;
            }
            lens[i] = l;
        }
        FUZZ_CHECK(lens[0] <= FCGI_PEEK_MAX && lens[1] <= FCGI_PEEK_MAX,
                   "ReadParams would malloc %lu + %lu + 2", lens[0], lens[1]);
        if (n - at < lens[0] + lens[1])
            return;
        at += lens[0] + lens[1];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum fcgi_peek v = fcgi_peek_scan(data, size, NULL);
    size_t n;

    FUZZ_CHECK(fcgi_peek_scan(data, size, NULL) == v, "two answers for the same bytes");
    if (v == FCGI_PEEK_OK) {
        FUZZ_CHECK(libfcgi_params(data, size, &n), "OK, but libfcgi would not find the params");
        read_params(n);
    }
    /* A prefix (the bytes that had arrived earlier) never contradicts the later answer. */
    enum fcgi_peek earlier = fcgi_peek_scan(data, size / 2, NULL);
    FUZZ_CHECK(earlier == FCGI_PEEK_MORE || earlier == v, "prefix said %d, whole %d", (int)earlier,
               (int)v);
    return 0;
}
