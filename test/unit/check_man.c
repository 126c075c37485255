/* check_man - the SETTINGS section of deploy/man/authfcgi.conf.5 documents every setting of
 * settings_table (doc line, default, environment alias, secret, restart-only) and nothing
 * else, between its two marker lines. On a mismatch the expected page is written next to the
 * test binary (authfcgi.conf.5.expected), ready to copy. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generated_doc.h"
#include "global/settings.h"

#define BEGIN_MARKER                                                                               \
    ".\\\" ---- settings: generated from src/global/settings.c, checked by test/unit/check_man\n"
#define END_MARKER ".\\\" ---- end of the generated settings\n"

/* put_roff - text as roff: backslashes escaped, `code` in bold, '-' as a minus when code
 * (command lines and values are copied from the page, and a hyphen would not paste). */
static void put_roff(FILE *out, const char *s, bool code)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\\')
            fputs("\\e", out);
        else if (*p == '`')
            fputs((code = !code) ? "\\fB" : "\\fR", out);
        else if (*p == '-' && code)
            fputs("\\-", out);
        else
            fputc(*p, out);
    }
    if (code)
        fputs("\\fR", out);
}

/* One setting: a tagged paragraph, its doc line, then default, alias, secret, restart. */
static void put_setting(FILE *out, const struct setting_def *d)
{
    fprintf(out, ".TP\n.B %s\n", d->name);
    put_roff(out, d->doc, false);
    fputs(".\n", out);
    if (d->default_value != NULL && *d->default_value != '\0') {
        fputs("Default: \\fB", out);
        put_roff(out, d->default_value, true);
        fputs("\\fR.\n", out);
    } else {
        fputs("Unset by default.\n", out);
    }
    if (d->alias != NULL)
        fprintf(out, "The environment may also give it as \\fB%s\\fR.\n", d->alias);
    if (d->type == SETTING_SECRET)
        fputs("A secret: \\fBauthfcgi config\\-test\\fR shows it as <redacted>.\n", out);
    if (d->applies == SETTING_ON_RESTART)
        fputs("Restart to change it: a SIGHUP keeps the running value.\n", out);
}

static char *expected_settings(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < settings_count; i++)
        put_setting(out, &settings_table[i]);
    fclose(out);
    return text;
}

START_TEST(page_matches_table)
{
    char *want = expected_settings();

    generated_doc_check("deploy/man/authfcgi.conf.5", BEGIN_MARKER, END_MARKER, want,
                        "authfcgi.conf.5.expected");
    free(want);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("man");
    TCase *tc = tcase_create("settings");
    tcase_add_test(tc, page_matches_table);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
