/* check_db_classify - the one table from SQLSTATE and connection health to enum db_status:
 * conflicts, invalid data, "try again later" and everything else. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static const struct {
    const char *sqlstate; /* NULL: libpq gave none */
    bool connection_ok;
    enum db_status want;
} cases[] = {
    /* integrity: a unique violation is a conflict, the rest of class 23 refused data */
    {"23505", true, DB_CONFLICT},
    {"23502", true, DB_INVALID}, /* not_null_violation */
    {"23503", true, DB_INVALID}, /* foreign_key_violation */
    {"23514", true, DB_INVALID}, /* check_violation */
    {"23P01", true, DB_INVALID}, /* exclusion_violation */
    {"22001", true, DB_INVALID}, /* string_data_right_truncation */
    {"22P02", true, DB_INVALID}, /* invalid_text_representation */
    {"22007", true, DB_INVALID}, /* invalid_datetime_format */
    /* unavailable for now: the client gets 503 + Retry-After */
    {"08000", true, DB_RETRY},
    {"08003", true, DB_RETRY},
    {"08006", true, DB_RETRY},
    {"08001", true, DB_RETRY},
    {"57P01", true, DB_RETRY}, /* admin_shutdown */
    {"57P02", true, DB_RETRY}, /* crash_shutdown */
    {"57P03", true, DB_RETRY}, /* cannot_connect_now */
    {"57014", true, DB_RETRY}, /* query_canceled by our deadline */
    {"53300", true, DB_RETRY}, /* too_many_connections */
    {"40001", true, DB_RETRY}, /* serialization_failure */
    {"40P01", true, DB_RETRY}, /* deadlock_detected */
    /* a dead connection is "retry" whatever it said, and when it said nothing (Neon) */
    {NULL, false, DB_RETRY},
    {"", false, DB_RETRY},
    {"XX000", false, DB_RETRY},
    {"23505", false, DB_RETRY},
    /* everything else is a bug or a schema mismatch */
    {NULL, true, DB_FAIL},
    {"", true, DB_FAIL},
    {"42P01", true, DB_FAIL}, /* undefined_table */
    {"42703", true, DB_FAIL}, /* undefined_column */
    {"42601", true, DB_FAIL}, /* syntax_error */
    {"XX000", true, DB_FAIL},
    {"53100", true, DB_FAIL}, /* disk_full: not a transient outage */
    {"57P04", true, DB_FAIL}, /* database_dropped */
    {"40002", true, DB_FAIL}, /* transaction_integrity_constraint_violation */
    {"25P02", true, DB_FAIL}, /* in_failed_sql_transaction: a caller ignored an error */
    {"2350", true, DB_FAIL},  /* malformed: too short */
    {"235051", true, DB_FAIL},
};

START_TEST(test_classify)
{
    enum db_status got = db_classify(cases[_i].sqlstate, cases[_i].connection_ok);
    ck_assert_msg(got == cases[_i].want, "sqlstate %s connection_ok %d: got %s, want %s",
                  cases[_i].sqlstate != NULL ? cases[_i].sqlstate : "(null)",
                  cases[_i].connection_ok, db_status_name(got), db_status_name(cases[_i].want));
}
END_TEST

START_TEST(test_status_names)
{
    static const char *const want[] = {
        [DB_OK] = "ok",           [DB_NOTFOUND] = "notfound", [DB_CONFLICT] = "conflict",
        [DB_INVALID] = "invalid", [DB_RETRY] = "retry",       [DB_FAIL] = "fail",
    };
    for (int st = DB_OK; st <= DB_FAIL; st++)
        ck_assert_str_eq(db_status_name((enum db_status)st), want[st]);
}
END_TEST

static const char *const conninfos[] = {
    "postgresql://app:hunter%zzsecret@db.example/x",
    "host=db.example password=hunter%zz port=5432x",
    "postgresql://app:hunter%zzsecret@db.example:notaport/x",
    "host=db.example port=5432,abc",
};

START_TEST(test_open_rejects_bad_conninfo_without_echoing_the_password)
{
    struct db *db = NULL;
    char err[256];
    /* libpq quotes the bad token, which here is the password itself. */
    const struct db_options opt = {
        .conninfo = conninfos[_i],
        .timeout_ms = 1000,
    };
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), -1);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(err, "hunter%zz") == NULL, "password echoed: %s", err);
    ck_assert_msg(strstr(err, "connection string") != NULL, "%s", err);
}
END_TEST

START_TEST(test_open_does_not_connect)
{
    /* Opening only parses: nothing listens on port 1, and opening still succeeds. */
    struct db *db = NULL;
    char err[256];
    const struct db_options opt = {.conninfo = "postgresql://u@127.0.0.1:1/x", .timeout_ms = 500};
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), 0);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_ge(db_retry_after(db), 1);
    db_close(db);
}
END_TEST

START_TEST(test_unreachable_is_retry_then_backs_off_at_once)
{
    struct db *db = NULL;
    char err[256];
    const struct db_options opt = {.conninfo = "postgresql://u@127.0.0.1:1/x", .timeout_ms = 2000};
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), 0);
    ck_assert_int_eq(db_connect(db), DB_RETRY);
    /* Backing off: every call answers DB_RETRY without trying (and so without waiting). */
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(db_exec(db, STMT_PING, NULL, NULL), DB_RETRY);
    int ra = db_retry_after(db);
    ck_assert_int_ge(ra, 1);
    ck_assert_int_le(ra, 5);
    db_close(db);
}
END_TEST

static const struct {
    const char *conninfo;
    bool pooler;
} poolers[] = {
    {"postgresql://u:p@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb", true},
    {"postgresql://u:p@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb", false},
    {"host=ep-x-pooler.neon.tech dbname=neondb", true},
    {"host=a.example,ep-b-pooler.example dbname=x", true},
    {"postgresql://localhost/authfcgi", false},
    {"not a conninfo", false},
};

START_TEST(test_pooler_host)
{
    ck_assert_int_eq(db_conninfo_is_pooler(poolers[_i].conninfo), poolers[_i].pooler);
}
END_TEST

static Suite *classify_suite(void)
{
    Suite *s = suite_create("db_classify");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_classify, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_status_names);
    tcase_add_loop_test(tc, test_open_rejects_bad_conninfo_without_echoing_the_password, 0,
                        sizeof conninfos / sizeof conninfos[0]);
    tcase_add_test(tc, test_open_does_not_connect);
    tcase_add_test(tc, test_unreachable_is_retry_then_backs_off_at_once);
    tcase_add_loop_test(tc, test_pooler_host, 0, sizeof poolers / sizeof poolers[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(classify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
