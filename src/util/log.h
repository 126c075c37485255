/* log - one line per event, key=value, on stderr and optionally syslog.
 *
 * Lines look like: ts=2026-11-25T20:00:00.123Z level=info pid=42 event=worker_spawned slot=3
 * and, while a request is being handled, req=<its id> as the last field.
 * Callers pass the event name and a printf format for the remaining key=value pairs. The
 * logger writes every string argument (%s, %c, %m) as a value itself: bare when it is
 * non-empty printable text without ' ', '"', '=' or '\\', else between double quotes with
 * \" \\ \n \r \t for those characters and \xHH for any other control byte or byte that is
 * not printable UTF-8; one value takes at most 1024 bytes (cut short, it ends in ...").
 * So a client's value can never start a field or a line. Numbers are written as printf does.
 * Never log secrets, nor a request path (it may carry a token): log the route. */
#ifndef AUTHFCGI_LOG_H
#define AUTHFCGI_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* log_open - set the program identity; use_syslog also sends each line to syslog(3). */
void log_open(const char *ident, bool use_syslog);

/* log_set_level - lines above this level are dropped (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);

/* log_level_names - "error", "warn", "info", "debug": indexed by enum log_level,
 * NULL-terminated (the AUTHFCGI_LOG_LEVEL setting's choices). */
extern const char *const log_level_names[];

/* log_event - write one line. fmt may be NULL when the event has no fields. A string inside
 * quotes of the format's own text ("reason=\"%s\"") is escaped but not quoted again. The
 * format is checked as printf's; n is never written. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* log_set_request_id - every line from now on ends in req=<id> (also one cut for length), until
 * this is called with NULL (or ""). For the request a worker is handling (request_id.h); an id
 * longer than 64 bytes is cut. */
void log_set_request_id(const char *id);

/* log_quote - obsolete: log_event quotes every string itself. Copies s into buf (cut to fit,
 * ending in "..."), so that a call site written before still logs the value quoted once.
 * Returns buf. */
const char *log_quote(char *buf, size_t bufsize, const char *s);

#endif
