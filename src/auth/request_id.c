/* request_id - choose the id of the request in hand and hand it to the logger.
 *
 * Why random and not time+pid+counter: an id must be unique across workers, hosts and
 * restarts, which a pid and a clock are not (pids repeat across hosts and containers, clocks
 * step back) without a host name that makes the id long; and a counter would tell every client
 * how busy its worker is. Drawing one (one getrandom(2) of 26 bytes) costs ~420 instructions
 * in user space, checking nginx's ~440, of a get-session's ~100,000 (contrib/bench/RESULTS.md). */
#include "config.h"

#include "auth/request_id.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/http.h"
#include "util/log.h"
#include "util/random.h"

static char current[REQUEST_ID_MAX + 1];

/* id_char - [A-Za-z0-9._@-], as a bit per ASCII code (strspn with a 66-byte set cost ~1,000
 * instructions per request). Bits 45 '-', 46 '.', 48-57 '0'-'9'; 64 '@', 65-90 'A'-'Z',
 * 95 '_', 97-122 'a'-'z'. */
static bool id_char(unsigned char c)
{
    static const uint64_t low = UINT64_C(3) << 45 | UINT64_C(0x3ff) << 48;
    static const uint64_t high =
        UINT64_C(1) | UINT64_C(0x3ffffff) << 1 | UINT64_C(1) << 31 | UINT64_C(0x3ffffff) << 33;

    return c < 64 ? (low >> c & 1) != 0 : c < 128 && (high >> (c - 64) & 1) != 0;
}

/* request_id_valid - see request_id.h. */
bool request_id_valid(const char *s)
{
    size_t n = 0;

    if (s == NULL)
        return false;
    while (s[n] != '\0') {
        if (n == REQUEST_ID_MAX || !id_char((unsigned char)s[n]))
            return false;
        n++;
    }
    return n >= REQUEST_ID_MIN;
}

/* request_id_begin - see request_id.h. The kernel's CSPRNG failing (it does not, once booted)
 * must not fail the request: the id is then the pid and a count, unique on this host. */
const char *request_id_begin(const char *from_web_server)
{
    static unsigned long fallback_count;

    if (request_id_valid(from_web_server))
        strcpy(current, from_web_server); /* valid: at most REQUEST_ID_MAX bytes */
    else if (random_token(current, REQUEST_ID_NEW_LEN) != 0)
        snprintf(current, sizeof current, "local-%ld-%lu", (long)getpid(), ++fallback_count);
    log_set_request_id(current);
    return current;
}

/* request_id_stamp - see request_id.h. */
void request_id_stamp(struct response *resp)
{
    response_header(resp, REQUEST_ID_HEADER, current);
}

/* request_id_end - see request_id.h. */
void request_id_end(void)
{
    log_set_request_id(NULL);
    current[0] = '\0';
}
