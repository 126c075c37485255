/* testdb - connections to the test database from $DATABASE_URL, SQL assertions, fresh ids,
 * reaping racing children and the suites' main, shared by the integration suites. */
#include "config.h"

#include "testdb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util/random.h"

struct db *testdb_open(bool unnamed, int timeout_ms, const char *application_name)
{
    struct db *db = NULL;
    char err[256];
    const char *url = getenv("DATABASE_URL");

    ck_assert_msg(url != NULL && url[0] != '\0', "DATABASE_URL is not set");
    const struct db_options opt = {
        .conninfo = url,
        .timeout_ms = timeout_ms,
        .unnamed = unnamed,
        .application_name = application_name,
    };
    ck_assert_msg(db_open(&db, &opt, err, sizeof err) == 0, "db_open: %s", err);
    return db;
}

struct db *testdb_connect(bool unnamed, const char *application_name)
{
    struct db *db = testdb_open(unnamed, 10000, application_name);

    ck_assert_int_eq(db_connect(db), DB_OK);
    return db;
}

bool testdb_via_pooler(void)
{
    const char *pooler = getenv("AUTHFCGI_DB_POOLER");

    return pooler != NULL && strcmp(pooler, "transaction") == 0;
}

void testdb_true(struct db *db, const char *cond)
{
    char sql[4352];

    snprintf(sql, sizeof sql,
             "DO $chk$ BEGIN IF NOT coalesce((%s), false) THEN "
             "RAISE EXCEPTION 'check failed'; END IF; END $chk$",
             cond);
    ck_assert_msg(db_exec_script(db, sql) == DB_OK, "not true in the database: %s", cond);
}

void testdb_count_is(struct db *db, const char *table, const char *where, int n)
{
    char cond[4096];

    snprintf(cond, sizeof cond, "(SELECT count(*) FROM %s WHERE %s) = %d", table, where, n);
    testdb_true(db, cond);
}

char *testdb_fresh(struct arena *a)
{
    char *s = arena_alloc(a, RANDOM_TOKEN_LEN + 1);

    ck_assert_int_eq(random_token(s, RANDOM_TOKEN_LEN), 0);
    return s;
}

char *testdb_fresh_email(struct arena *a)
{
    char *e = arena_printf(a, "%s@example.com", testdb_fresh(a));

    for (char *p = e; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return e;
}

int testdb_reap(pid_t pid)
{
    int status = 0;

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

int testdb_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
