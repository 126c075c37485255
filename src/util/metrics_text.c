/* metrics_text - the Prometheus text exposition writer (metrics_text.h). Values are printed
 * with %.15g: integers up to 10^15 exactly, bounds as written. */
#include "config.h"

#include "util/metrics_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void puts_(struct arena_buf *t, const char *s)
{
    arena_buf_add(t, s, strlen(s));
}

/* escaped - s with \ and newline escaped, and " too when quote (label values; HELP text keeps
 * its quotes, as the format says). */
static void escaped(struct arena_buf *t, const char *s, bool quote)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            puts_(t, "\\\\");
        else if (*s == '\n')
            puts_(t, "\\n");
        else if (*s == '"' && quote)
            puts_(t, "\\\"");
        else
            arena_buf_add(t, s, 1);
    }
}

static void number(struct arena_buf *t, double v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%.15g", v);
    arena_buf_add(t, buf, (size_t)n);
}

void metrics_text_family(struct arena_buf *t, const char *name, const char *type, const char *help)
{
    puts_(t, "# HELP ");
    puts_(t, name);
    puts_(t, " ");
    escaped(t, help, false);
    puts_(t, "\n# TYPE ");
    puts_(t, name);
    puts_(t, " ");
    puts_(t, type);
    puts_(t, "\n");
}

void metrics_text_sample(struct arena_buf *t, const char *name, const char *const *labels,
                         double value)
{
    puts_(t, name);
    if (labels != NULL && labels[0] != NULL) {
        puts_(t, "{");
        for (size_t i = 0; labels[i] != NULL && labels[i + 1] != NULL; i += 2) {
            if (i > 0)
                puts_(t, ",");
            puts_(t, labels[i]);
            puts_(t, "=\"");
            escaped(t, labels[i + 1], true);
            puts_(t, "\"");
        }
        puts_(t, "}");
    }
    puts_(t, " ");
    number(t, value);
    puts_(t, "\n");
}

void metrics_text_histogram(struct arena_buf *t, const char *name, const char *help,
                            const double *bounds, const uint64_t *counts, size_t n, double sum)
{
    char line[256], le[32];
    uint64_t cumulative = 0;

    metrics_text_family(t, name, "histogram", help);
    snprintf(line, sizeof line, "%s_bucket", name);
    for (size_t i = 0; i <= n; i++) {
        cumulative += counts[i];
        if (i < n)
            snprintf(le, sizeof le, "%.15g", bounds[i]);
        const char *labels[] = {"le", i < n ? le : "+Inf", NULL};
        metrics_text_sample(t, line, labels, (double)cumulative);
    }
    snprintf(line, sizeof line, "%s_sum", name);
    metrics_text_sample(t, line, NULL, sum);
    snprintf(line, sizeof line, "%s_count", name);
    metrics_text_sample(t, line, NULL, (double)cumulative);
}
