/* log - one line per event, key=value, on stderr and optionally syslog.
 *
 * Lines look like: ts=2026-11-25T20:00:00.123Z level=info pid=42 event=worker_spawned slot=3
 * Callers pass the event name and a printf format for the remaining key=value pairs. Values
 * that may contain spaces must be quoted by the caller with log_quote(). Never log secrets. */
#ifndef AUTHFCGI_LOG_H
#define AUTHFCGI_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* log_open - set the program identity; use_syslog also sends each line to syslog(3). */
void log_open(const char *ident, bool use_syslog);

/* log_set_level - lines above this level are dropped (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);

/* log_level_parse - "error", "warn", "info" or "debug" (any case) to *out. Returns 0, or -1
 * for any other name (out untouched). */
int log_level_parse(const char *name, enum log_level *out);

/* log_event - write one line. fmt may be NULL when the event has no fields. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* log_quote - copy s into buf as a double-quoted value with '"', '\\' and control characters
 * escaped, truncated to fit. Returns buf. */
const char *log_quote(char *buf, size_t bufsize, const char *s);

#endif
