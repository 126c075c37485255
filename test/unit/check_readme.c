/* check_readme - the settings table in README is the code's settings table: the rows between
 * the markers are exactly what settings_table says (name, alias, default, whether a SIGHUP
 * applies a change, doc line). On a mismatch the expected rows are written next to the test
 * binary, ready to paste. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "global/settings.h"

#define BEGIN_MARKER                                                                               \
    "<!-- settings table: generated from src/global/settings.c, checked by "                       \
    "test/unit/check_readme -->\n"
#define END_MARKER "<!-- end of settings table -->\n"

/* expected_rows - the markdown table for settings_table. Caller frees. */
static char *expected_rows(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(out);
    fprintf(out, "| setting | default | on SIGHUP | what it does |\n|---|---|---|---|\n");
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];

        fprintf(out, "| `%s`", d->name);
        if (d->alias != NULL)
            fprintf(out, " (or `%s`)", d->alias);
        if (d->default_value != NULL && *d->default_value != '\0')
            fprintf(out, " | `%s` | ", d->default_value);
        else
            fprintf(out, " | | ");
        fputs(d->applies == SETTING_ON_RESTART ? "restart to change | " : "applied | ", out);
        /* A '|' inside a doc line would split the cell. */
        for (const char *p = d->doc; *p != '\0'; p++) {
            if (*p == '|')
                fputs("\\|", out);
            else
                fputc(*p, out);
        }
        fputs(" |\n", out);
    }
    fclose(out);
    return text;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long size;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return buf;
}

START_TEST(test_readme_settings_match_the_table)
{
    const char *srcdir = getenv("top_srcdir");
    char path[1024];
    char *readme, *begin, *end, *want;
    size_t got_len;

    snprintf(path, sizeof(path), "%s/README", srcdir != NULL ? srcdir : ".");
    readme = read_file(path);
    ck_assert_msg(readme != NULL, "cannot read %s", path);
    begin = strstr(readme, BEGIN_MARKER);
    ck_assert_msg(begin != NULL, "README lacks the settings table marker");
    begin += strlen(BEGIN_MARKER);
    end = strstr(begin, END_MARKER);
    ck_assert_msg(end != NULL, "README lacks the end-of-settings-table marker");
    got_len = (size_t)(end - begin);
    want = expected_rows();
    if (got_len != strlen(want) || memcmp(begin, want, got_len) != 0) {
        FILE *f = fopen("readme-settings.expected", "w");

        if (f != NULL) {
            fputs(want, f);
            fclose(f);
        }
        ck_abort_msg("README settings table differs from src/global/settings.c; expected rows "
                     "written to readme-settings.expected");
    }
    free(want);
    free(readme);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("readme");
    TCase *tc = tcase_create("settings");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_readme_settings_match_the_table);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
