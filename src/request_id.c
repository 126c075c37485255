/* request_id - choose the id of the request in hand and hand it to the logger.
 *
 * Why random and not time+pid+counter: an id must be unique across workers, hosts and
 * restarts, which a pid and a clock are not (pids repeat across hosts and containers, clocks
 * step back) without a host name that makes the id long; and a counter would tell every client
 * how busy its worker is. One getrandom(2) of 26 bytes per request is a few hundred
 * instructions in user space. */
#include "config.h"

#include "request_id.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "random.h"

static char current[REQUEST_ID_MAX + 1];

/* request_id_valid - see request_id.h. */
bool request_id_valid(const char *s)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789._@-";
    if (s == NULL)
        return false;
    size_t n = strnlen(s, REQUEST_ID_MAX + 1);
    return n >= REQUEST_ID_MIN && n <= REQUEST_ID_MAX && strspn(s, allowed) == n;
}

/* request_id_begin - see request_id.h. The kernel's CSPRNG failing (it does not, once booted)
 * must not fail the request: the id is then the pid and a count, unique on this host. */
const char *request_id_begin(const char *from_web_server)
{
    static unsigned long fallback_count;

    if (request_id_valid(from_web_server))
        memcpy(current, from_web_server, strlen(from_web_server) + 1);
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
