/* check_stmt - integrity of the statement table: every row filled, names unique and of the
 * form authfcgi_<lower-case>, parameter counts that match the SQL's $n placeholders, no
 * trailing semicolon, and read-only flags only on statements that cannot write. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "global/stmt.h"

/* placeholders - scan sql for $n outside quotes and comments: returns the highest n and sets
 * seen[n] for each one found (n < max). */
static int placeholders(const char *sql, bool *seen, int max)
{
    int highest = 0;
    for (const char *p = sql; *p != '\0'; p++) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            for (p++; *p != '\0' && *p != q; p++)
                ;
            if (*p == '\0')
                break;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n')
                p++;
            if (*p == '\0')
                break;
        } else if (*p == '$' && isdigit((unsigned char)p[1])) {
            int n = 0;
            for (p++; isdigit((unsigned char)*p); p++)
                n = n * 10 + (*p - '0');
            p--;
            if (n > highest)
                highest = n;
            if (n < max)
                seen[n] = true;
        }
    }
    return highest;
}

START_TEST(test_row_is_filled)
{
    const struct stmt_def *s = &stmt_table[_i];
    ck_assert_msg(s->name != NULL, "statement %d has no name (missing from stmt_table?)", _i);
    ck_assert_msg(s->sql != NULL && s->sql[0] != '\0', "%s has no SQL", s->name);
    ck_assert_int_ge(s->nparams, 0);
}
END_TEST

START_TEST(test_name_form)
{
    const char *name = stmt_table[_i].name;
    ck_assert_msg(strncmp(name, "authfcgi_", 9) == 0, "%s: must start with authfcgi_", name);
    ck_assert_msg(name[9] != '\0', "%s: nothing after the prefix", name);
    for (const char *p = name; *p != '\0'; p++)
        ck_assert_msg(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_',
                      "%s: only lower-case letters, digits and '_'", name);
    /* PostgreSQL truncates identifiers to 63 bytes: two long names could collide. */
    ck_assert_msg(strlen(name) <= 63, "%s: longer than 63 bytes", name);
}
END_TEST

START_TEST(test_names_and_sql_unique)
{
    for (int j = 0; j < STMT__MAX; j++) {
        if (j == _i)
            continue;
        ck_assert_msg(strcmp(stmt_table[_i].name, stmt_table[j].name) != 0,
                      "statements %d and %d share the name %s", _i, j, stmt_table[_i].name);
        ck_assert_msg(strcmp(stmt_table[_i].sql, stmt_table[j].sql) != 0,
                      "%s and %s have the same SQL", stmt_table[_i].name, stmt_table[j].name);
    }
}
END_TEST

START_TEST(test_placeholders_match_nparams)
{
    const struct stmt_def *s = &stmt_table[_i];
    bool seen[100] = {false};
    int highest = placeholders(s->sql, seen, 100);
    ck_assert_msg(highest == s->nparams, "%s: nparams %d but highest placeholder $%d", s->name,
                  s->nparams, highest);
    for (int n = 1; n <= s->nparams; n++)
        ck_assert_msg(seen[n], "%s: $%d is never used", s->name, n);
}
END_TEST

START_TEST(test_no_trailing_semicolon)
{
    const char *sql = stmt_table[_i].sql;
    size_t len = strlen(sql);
    while (len > 0 && isspace((unsigned char)sql[len - 1]))
        len--;
    ck_assert_msg(len == strlen(sql), "%s: trailing whitespace", stmt_table[_i].name);
    ck_assert_msg(len > 0 && sql[len - 1] != ';', "%s: trailing semicolon", stmt_table[_i].name);
    ck_assert_msg(strchr(sql, ';') == NULL, "%s: one statement per entry", stmt_table[_i].name);
}
END_TEST

/* contains_word - case-insensitive whole-word search (so "updatedAt" is not UPDATE). */
static bool contains_word(const char *sql, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = sql; *p != '\0'; p++) {
        if (strncasecmp(p, word, n) != 0)
            continue;
        bool before = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after)
            return true;
    }
    return false;
}

START_TEST(test_read_only_cannot_write)
{
    /* read_only allows a silent retry on a new connection: it must be true only for
     * statements that cannot have changed anything. */
    static const char *const writes[] = {
        "INSERT", "UPDATE", "DELETE",  "MERGE",  "TRUNCATE",         "CREATE",
        "ALTER",  "DROP",   "nextval", "setval", "pg_advisory_lock", "pg_advisory_xact_lock"};
    const struct stmt_def *s = &stmt_table[_i];
    if (!s->read_only)
        return;
    ck_assert_msg(strncmp(s->sql, "SELECT ", 7) == 0 || strncmp(s->sql, "WITH ", 5) == 0,
                  "%s: read-only but not a SELECT", s->name);
    for (size_t w = 0; w < sizeof writes / sizeof writes[0]; w++)
        ck_assert_msg(!contains_word(s->sql, writes[w]), "%s: read-only but contains %s", s->name,
                      writes[w]);
}
END_TEST

START_TEST(test_placeholder_scanner)
{
    /* The scanner the checks above rely on. */
    bool seen[10] = {false};
    ck_assert_int_eq(placeholders("SELECT $1, '$7', \"$8\" -- $9\n, $2", seen, 10), 2);
    ck_assert(seen[1] && seen[2] && !seen[7] && !seen[8] && !seen[9]);
    ck_assert_int_eq(placeholders("SELECT $12", seen, 10), 12);
    ck_assert(contains_word("UPDATE x", "update"));
    ck_assert(!contains_word("SELECT \"updatedAt\"", "UPDATE"));
}
END_TEST

static Suite *stmt_suite(void)
{
    Suite *s = suite_create("stmt");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_row_is_filled, 0, STMT__MAX);
    tcase_add_loop_test(tc, test_name_form, 0, STMT__MAX);
    tcase_add_loop_test(tc, test_names_and_sql_unique, 0, STMT__MAX);
    tcase_add_loop_test(tc, test_placeholders_match_nparams, 0, STMT__MAX);
    tcase_add_loop_test(tc, test_no_trailing_semicolon, 0, STMT__MAX);
    tcase_add_loop_test(tc, test_read_only_cannot_write, 0, STMT__MAX);
    tcase_add_test(tc, test_placeholder_scanner);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stmt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
