/* metrics_text - the Prometheus text exposition format 0.0.4: HELP and TYPE lines, samples
 * with escaped label values, histograms with cumulative buckets. Appended to a string that
 * grows in an arena (arena_buf); the caller decides which families exist. */
#ifndef AUTHFCGI_METRICS_TEXT_H
#define AUTHFCGI_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define METRICS_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* metrics_text_family - the HELP and TYPE lines of a family (type: counter, gauge,
 * histogram). */
void metrics_text_family(struct arena_buf *t, const char *name, const char *type, const char *help);

/* metrics_text_sample - one sample line. labels is NULL or a NULL-terminated list of name,
 * value pairs; values are escaped (\\, \", \n). */
void metrics_text_sample(struct arena_buf *t, const char *name, const char *const *labels,
                         double value);

/* metrics_text_histogram - the family and its lines: name_bucket{le=...} cumulative over
 * counts (n bounds, then one count above them all: le="+Inf"), name_sum, name_count. */
void metrics_text_histogram(struct arena_buf *t, const char *name, const char *help,
                            const double *bounds, const uint64_t *counts, size_t n, double sum);

#endif
