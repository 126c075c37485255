/* clock - wall and monotonic time in milliseconds (clock.h), the one place that turns a
 * timespec into them. */
#include "config.h"

#include "util/clock.h"

#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* clock_wall_ms - see clock.h. */
int64_t clock_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

/* clock_monotonic_ms - see clock.h. */
int64_t clock_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
