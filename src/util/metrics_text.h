/* metrics_text - the Prometheus text exposition format 0.0.4: HELP and TYPE lines, samples
 * with escaped label values, histograms with cumulative buckets. Written into a growing
 * buffer; the caller decides which families exist. */
#ifndef AUTHFCGI_METRICS_TEXT_H
#define AUTHFCGI_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Zero-initialised = empty. buf is owned (free it with metrics_text_free); failed is set when
 * memory ran out, and the text is then not to be sent. */
struct metrics_text {
    char *buf;
    size_t len, cap;
    bool failed;
};

void metrics_text_free(struct metrics_text *t);

/* metrics_text_family - the HELP and TYPE lines of a family (type: counter, gauge,
 * histogram). */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
                         const char *help);

/* metrics_text_sample - one sample line. labels is NULL or a NULL-terminated list of name,
 * value pairs; values are escaped (\\, \", \n). */
void metrics_text_sample(struct metrics_text *t, const char *name, const char *const *labels,
                         double value);

/* metrics_text_histogram - the family and its lines: name_bucket{le=...} cumulative over
 * counts (n bounds, then one count above them all: le="+Inf"), name_sum, name_count. */
void metrics_text_histogram(struct metrics_text *t, const char *name, const char *help,
                            const double *bounds, const uint64_t *counts, size_t n, double sum);

#endif
