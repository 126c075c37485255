/* testdb - what the suites against a real, migrated PostgreSQL ($DATABASE_URL) share: a
 * connection in named or unnamed mode, SQL assertions from another angle than the module
 * under test, fresh random ids, reaping a racing child and running the suite. */
#ifndef AUTHFCGI_TESTDB_H
#define AUTHFCGI_TESTDB_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/arena.h"
#include "global/db.h"

/* testdb_open - a db handle on $DATABASE_URL (asserted set), not yet connected; the caller
 * closes it with db_close. application_name may be NULL. */
struct db *testdb_open(bool unnamed, int timeout_ms, const char *application_name);

/* testdb_connect - testdb_open with a 10 s timeout, connected (asserted DB_OK). */
struct db *testdb_connect(bool unnamed, const char *application_name);

/* testdb_via_pooler - true behind a transaction pooler (AUTHFCGI_TEST_VIA_PGBOUNCER=1 exports
 * AUTHFCGI_DB_POOLER=transaction), where authfcgi runs every connection unnamed. */
bool testdb_via_pooler(void);

/* testdb_true - assert that the SQL condition cond is true in the database. */
void testdb_true(struct db *db, const char *cond);

/* testdb_count_is - assert that n rows of table match where. */
void testdb_count_is(struct db *db, const char *table, const char *where, int n);

/* testdb_fresh - a new random id of RANDOM_TOKEN_LEN characters, in arena a.
 * testdb_fresh_email - a unique, lower-case address, in arena a. */
char *testdb_fresh(struct arena *a);
char *testdb_fresh_email(struct arena *a);

/* testdb_reap - wait for the child pid, assert it exited, and return its exit status. */
int testdb_reap(pid_t pid);

/* testdb_run - run the suite (srunner takes it over); EXIT_SUCCESS when nothing failed. */
int testdb_run(Suite *s);

#endif
