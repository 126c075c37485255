/* check_conf_sample - deploy/authfcgi.conf.sample documents every setting of settings_table
 * (doc line, alias, whether a SIGHUP applies it, default) and nothing else, and authfcgi
 * accepts it as a config file. On a mismatch the expected text is written next to the test
 * binary, ready to copy. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "generated_doc.h"
#include "global/settings.h"

/* Everything after this line of the sample is generated from the table. */
#define MARKER                                                                                     \
    "# ---- settings: generated from src/global/settings.c, checked by "                           \
    "test/unit/check_conf_sample"

/* The generated part: per setting its doc line, its alias, whether it is restart-only, and
 * `#NAME = default`. */
static char *expected_settings(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < settings_count; i++) {
        const struct setting_def *d = &settings_table[i];
        fprintf(out, "\n# %s\n", d->doc);
        if (d->alias != NULL)
            fprintf(out, "# (the environment may also use %s)\n", d->alias);
        if (d->applies == SETTING_ON_RESTART)
            fprintf(out, "# (restart to change: a SIGHUP keeps the running value)\n");
        if (d->default_value != NULL && *d->default_value != '\0')
            fprintf(out, "#%s = %s\n", d->name, d->default_value);
        else
            fprintf(out, "#%s =\n", d->name);
    }
    fclose(out);
    return text;
}

#define SAMPLE "deploy/authfcgi.conf.sample"

static const char *sample_path(void)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/" SAMPLE, top != NULL ? top : ".");
    return path;
}

START_TEST(sample_matches_table)
{
    char *want = expected_settings();

    generated_doc_check(SAMPLE, MARKER "\n", NULL, want, "authfcgi.conf.sample.expected");
    free(want);
}
END_TEST

/* The sample as shipped (everything commented out) loads, and so does every line of it
 * uncommented that has a value: the defaults it shows are values authfcgi accepts. */
START_TEST(sample_loads)
{
    char err[512];
    struct settings s;
    for (size_t i = 0; i < settings_count; i++) {
        unsetenv(settings_table[i].name);
        if (settings_table[i].alias != NULL)
            unsetenv(settings_table[i].alias);
    }
    ck_assert_msg(settings_load(&s, sample_path(), err, sizeof err) == 0, "%s", err);
    settings_free(&s);

    char *sample = generated_doc_read(SAMPLE);
    ck_assert_ptr_nonnull(sample);
    char path[] = "/tmp/check_conf_sample.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    int uncommented = 0;
    for (char *line = strtok(sample, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *eq = strstr(line, " = ");
        if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && eq != NULL && eq[3] != '\0') {
            fprintf(f, "%s\n", line + 1);
            uncommented++;
        }
    }
    fclose(f);
    ck_assert_int_gt(uncommented, 0);
    int rc = settings_load(&s, path, err, sizeof err);
    unlink(path);
    ck_assert_msg(rc == 0, "uncommented sample: %s", err);
    settings_free(&s);
    free(sample);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("conf_sample");
    TCase *tc = tcase_create("sample");
    tcase_add_test(tc, sample_matches_table);
    tcase_add_test(tc, sample_loads);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
