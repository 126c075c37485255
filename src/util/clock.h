/* clock - the two clocks, in milliseconds. Wall time is what timestamps and session expiry are
 * compared with (the database and Better Auth use it); monotonic time never jumps, so
 * timeouts, backoff and supervision measure intervals with it. Both are async-signal-safe. */
#ifndef AUTHFCGI_CLOCK_H
#define AUTHFCGI_CLOCK_H

#include <stdint.h>

/* clock_wall_ms - CLOCK_REALTIME as Unix milliseconds. */
int64_t clock_wall_ms(void);

/* clock_monotonic_ms - CLOCK_MONOTONIC in milliseconds, from an arbitrary origin. */
int64_t clock_monotonic_ms(void);

#endif
