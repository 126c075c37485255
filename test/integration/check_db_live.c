/* check_db_live - the db module against a real, migrated PostgreSQL ($DATABASE_URL; run by
 * test/integration/migrate.sh): every statement of the table prepares, read-only statements
 * run, transactions roll back on a conflict, a terminated backend is replaced without the
 * caller seeing an error, a connection found dead just before COMMIT reruns the unit (never
 * sends COMMIT to a new connection), and a blocked statement ends at its deadline. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "global/db.h"
#include "testdb.h"

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Every statement prepares against the migrated schema (named mode prepares the whole table
 * on connect), and every read-only one without parameters runs. */
START_TEST(test_every_statement_prepares)
{
    for (int mode = 0; mode < 2; mode++) {
        struct db *db = testdb_open(mode == 1, 5000, NULL);
        ck_assert_int_eq(db_connect(db), DB_OK);
        for (int i = 0; i < STMT__MAX; i++) {
            if (!stmt_table[i].read_only || stmt_table[i].nparams > 0)
                continue;
            enum db_status st = db_exec(db, (enum stmt)i, NULL, NULL);
            ck_assert_msg(st == DB_OK || st == DB_NOTFOUND, "%s (%s mode): %s", stmt_table[i].name,
                          mode == 1 ? "unnamed" : "named", db_status_name(st));
        }
        db_close(db);
    }
}
END_TEST

START_TEST(test_results)
{
    struct db *db = testdb_open(false, 5000, NULL);
    struct db_result *r = NULL;
    ck_assert_int_eq(db_exec(db, STMT_PING, NULL, &r), DB_OK);
    ck_assert_int_eq(db_result_rows(r), 1);
    ck_assert_str_eq(db_result_value(r, 0, 0), "1");
    ck_assert_ptr_null(db_result_value(r, 1, 0)); /* out of range */
    ck_assert_ptr_null(db_result_value(r, 0, 1));
    db_result_free(r);

    /* The migration list names every version this build knows, with a UTC timestamp. */
    ck_assert_int_eq(db_exec(db, STMT_MIGRATION_LIST, NULL, &r), DB_OK);
    ck_assert_int_ge(db_result_rows(r), 1);
    ck_assert_str_eq(db_result_value(r, 0, 0), "001_betterauth");
    ck_assert_int_eq(strlen(db_result_value(r, 0, 1)), strlen("2026-11-25T20:00:00Z"));
    db_result_free(r);
    db_close(db);
}
END_TEST

static enum db_status record_again(struct db *db, void *ctx)
{
    int *calls = ctx;
    const char *params[] = {"001_betterauth"};
    (*calls)++;
    return db_exec(db, STMT_MIGRATION_RECORD, params, NULL);
}

START_TEST(test_conflict_rolls_back)
{
    struct db *db = testdb_open(false, 5000, NULL);
    int calls = 0;
    ck_assert_int_eq(db_transaction(db, record_again, &calls), DB_CONFLICT);
    ck_assert_int_eq(calls, 1); /* a conflict is an answer, never a reason to run it again */
    /* The connection is usable afterwards: the failed transaction was rolled back. */
    ck_assert_int_eq(db_exec(db, STMT_PING, NULL, NULL), DB_OK);
    db_close(db);
}
END_TEST

/* kill_backends - terminate every backend with this application_name, from another
 * connection, and wait until its FATAL message was sent. */
static void kill_backends(const char *application_name)
{
    char sql[1024];
    struct db *admin = testdb_open(true, 5000, "authfcgi_test_admin");
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE application_name = '%s'",
             application_name);
    ck_assert_int_eq(db_exec_script(admin, sql), DB_OK);
    /* A backend sends its FATAL message before it leaves pg_stat_activity: wait for that
     * (bounded: 4 s), not for a fixed time a slow machine may exceed. */
    snprintf(sql, sizeof sql,
             "DO $$ BEGIN FOR i IN 1..400 LOOP PERFORM pg_stat_clear_snapshot(); "
             "EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = "
             "'%s'); PERFORM pg_sleep(0.01); END LOOP; END $$",
             application_name);
    ck_assert_int_eq(db_exec_script(admin, sql), DB_OK);
    snprintf(sql, sizeof sql,
             "NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '%s')",
             application_name);
    testdb_true(admin, sql);
    db_close(admin);
}

START_TEST(test_terminated_backend_is_replaced)
{
    /* As Neon suspending an idle compute: the next read succeeds on a new connection. */
    struct db *db = testdb_open(false, 5000, "authfcgi_test_victim");
    ck_assert_int_eq(db_exec(db, STMT_PING, NULL, NULL), DB_OK);
    kill_backends("authfcgi_test_victim");
    ck_assert_int_eq(db_exec(db, STMT_PING, NULL, NULL), DB_OK);

    /* A transaction too: the dead connection is found before anything is sent. */
    int calls = 0;
    kill_backends("authfcgi_test_victim");
    ck_assert_int_eq(db_transaction(db, record_again, &calls), DB_CONFLICT);
    ck_assert_int_eq(calls, 1);
    db_close(db);
}
END_TEST

/* kill_self_once - the connection dies inside the transaction on the first run only. */
static enum db_status kill_self_once(struct db *db, void *ctx)
{
    int *calls = ctx;
    if ((*calls)++ == 0)
        kill_backends("authfcgi_test_midtxn");
    return db_exec(db, STMT_PING, NULL, NULL);
}

START_TEST(test_transaction_rerun_after_loss)
{
    /* Lost before COMMIT was sent: nothing was committed, so the whole unit runs again on a
     * new connection and succeeds. */
    struct db *db = testdb_open(false, 5000, "authfcgi_test_midtxn");
    int calls = 0;
    ck_assert_int_eq(db_connect(db), DB_OK);
    ck_assert_int_eq(db_transaction(db, kill_self_once, &calls), DB_OK);
    ck_assert_int_eq(calls, 2);
    db_close(db);
}
END_TEST

/* A verification row written inside the unit; on the first run the backend is then
 * terminated, and its FATAL message has arrived, before COMMIT could be sent. */
struct idle_loss {
    const char *id;
    int calls;
};

static enum db_status write_then_lose(struct db *db, void *ctx)
{
    struct idle_loss *t = ctx;
    const char *params[] = {t->id, t->id, "test", "60"};
    enum db_status st = db_exec(db, STMT_VERIFICATION_INSERT, params, NULL);
    if (st == DB_OK && t->calls++ == 0)
        kill_backends("authfcgi_test_precommit");
    return st;
}

START_TEST(test_lost_before_commit_is_not_committed_elsewhere)
{
    /* The connection is found dead when COMMIT is about to be sent: nothing was committed,
     * and COMMIT must not go to a new connection (where it would commit nothing and answer
     * "COMMIT" all the same). The unit runs again and its row is there. */
    struct arena *a = arena_create(1024);
    struct idle_loss t = {.id = testdb_fresh(a)};
    struct db *db = testdb_open(false, 5000, "authfcgi_test_precommit");
    char where[128];
    ck_assert_int_eq(db_connect(db), DB_OK);
    ck_assert_int_eq(db_transaction(db, write_then_lose, &t), DB_OK);
    ck_assert_int_eq(t.calls, 2);
    snprintf(where, sizeof where, "id = '%s'", t.id);
    testdb_count_is(db, "verification", where, 1);
    db_close(db);
    arena_destroy(a);
}
END_TEST

struct blocked {
    struct db *victim;
    enum db_status st;
    long ms;
};

/* hold_lock - inside a transaction on another connection, lock the migration table and let
 * the victim try to read it: it must give up at its deadline, not wait for the lock. */
static enum db_status hold_lock(struct db *db, void *ctx)
{
    struct blocked *b = ctx;
    struct timespec t0;
    enum db_status st =
        db_exec_script(db, "LOCK TABLE authfcgi_schema_migrations IN ACCESS EXCLUSIVE MODE");
    if (st != DB_OK)
        return st;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    b->st = db_exec(b->victim, STMT_MIGRATION_LIST, NULL, NULL);
    b->ms = elapsed_ms(&t0);
    return DB_NOTFOUND; /* roll back */
}

START_TEST(test_deadline)
{
    struct blocked b = {.victim = testdb_open(false, 300, "authfcgi_test_slow")};
    struct db *holder = testdb_open(true, 5000, "authfcgi_test_holder");
    ck_assert_int_eq(db_connect(b.victim), DB_OK);
    ck_assert_int_eq(db_transaction(holder, hold_lock, &b), DB_NOTFOUND);
    ck_assert_msg(b.st == DB_RETRY, "blocked statement: %s", db_status_name(b.st));
    ck_assert_msg(b.ms >= 250 && b.ms < 1000, "gave up after %ld ms (deadline 300)", b.ms);
    ck_assert_int_ge(db_retry_after(b.victim), 1);

    /* Healthy again once its (short, jittered) backoff has passed. */
    enum db_status st = DB_RETRY;
    for (int i = 0; i < 50 && st != DB_OK; i++) {
        usleep(50 * 1000);
        st = db_exec(b.victim, STMT_PING, NULL, NULL);
    }
    ck_assert_int_eq(st, DB_OK);
    db_close(holder);
    db_close(b.victim);
}
END_TEST

static Suite *live_suite(void)
{
    Suite *s = suite_create("db_live");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_every_statement_prepares);
    tcase_add_test(tc, test_results);
    tcase_add_test(tc, test_conflict_rolls_back);
    tcase_add_test(tc, test_terminated_backend_is_replaced);
    tcase_add_test(tc, test_transaction_rerun_after_loss);
    tcase_add_test(tc, test_lost_before_commit_is_not_committed_elsewhere);
    tcase_add_test(tc, test_deadline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testdb_run(live_suite());
}
