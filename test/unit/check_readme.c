/* check_readme - the settings table in README is the code's settings table: the rows between
 * the markers are exactly what settings_table says (name, alias, default, whether a SIGHUP
 * applies a change, doc line). On a mismatch README as it should be is written next to the
 * test binary (README.expected), ready to copy. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generated_doc.h"
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

START_TEST(test_readme_settings_match_the_table)
{
    char *want = expected_rows();

    generated_doc_check("README", BEGIN_MARKER, END_MARKER, want, "README.expected");
    free(want);
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
