/* generated_doc - the generated sections of README, the manual page and the sample config,
 * compared with what the settings table gives; a mismatch leaves the right file next to the
 * test binary. */
#include "config.h"

#include "generated_doc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

char *generated_doc_read(const char *rel_path)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    char *buf = NULL;
    size_t cap = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", top != NULL ? top : ".", rel_path);
    if ((f = fopen(path, "re")) == NULL)
        return NULL;
    if (getdelim(&buf, &cap, '\0', f) < 0) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* write_expected - the file with its section replaced by want. */
static void write_expected(const char *expected, const char *file, const char *section,
                           const char *want, const char *rest)
{
    FILE *f = fopen(expected, "we");

    if (f == NULL)
        return;
    fwrite(file, 1, (size_t)(section - file), f);
    fputs(want, f);
    fputs(rest, f);
    fclose(f);
}

void generated_doc_check(const char *rel_path, const char *begin, const char *end, const char *want,
                         const char *expected)
{
    char *file = generated_doc_read(rel_path);
    const char *section, *rest;

    ck_assert_msg(file != NULL, "cannot read %s (top_srcdir unset?)", rel_path);
    section = strstr(file, begin);
    ck_assert_msg(section != NULL, "%s: the line %s is missing", rel_path, begin);
    section += strlen(begin);
    rest = end != NULL ? strstr(section, end) : section + strlen(section);
    ck_assert_msg(rest != NULL, "%s: the line %s is missing", rel_path, end);
    if (strlen(want) != (size_t)(rest - section) || memcmp(section, want, strlen(want)) != 0) {
        write_expected(expected, file, section, want, rest);
        ck_abort_msg("%s disagrees with src/global/settings.c; the file as it should be is %s "
                     "in the build directory",
                     rel_path, expected);
    }
    free(file);
}
