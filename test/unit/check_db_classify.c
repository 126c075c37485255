/* check_db_classify - the one table from SQLSTATE and connection health to enum db_status:
 * conflicts, invalid data, "try again later" and everything else; the class of a failed
 * connection from libpq's text, and which failures are configuration errors; connection
 * strings as Neon hands them out. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "global/db.h"
#include "global/settings.h"

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
    /* a connection refused for a reason waiting cannot fix, answered on a live one */
    {"28P01", true, DB_FAIL}, /* invalid_password */
    {"28000", true, DB_FAIL}, /* invalid_authorization_specification */
    {"3D000", true, DB_FAIL}, /* invalid_catalog_name */
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
        [DB_OK] = "ok",
        [DB_NOTFOUND] = "notfound",
        [DB_CONFLICT] = "conflict",
        [DB_INVALID] = "invalid",
        [DB_RETRY] = "retry",
        [DB_FAIL] = "fail",
        [DB_UNKNOWN] = "outcome_unknown",
    };
    for (int st = DB_OK; st <= DB_UNKNOWN; st++)
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
    ck_assert_int_eq(db_probe(&opt, err, sizeof err), -2);
    ck_assert_msg(strstr(err, "hunter%zz") == NULL, "password echoed: %s", err);
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

/* Messages as libpq 15 and PostgreSQL 15 (and PgBouncer, and Neon's proxy) word them, copied
 * from real failures. An outage must never be taken for a configuration error: that would stop
 * a starting worker instead of letting it answer 503 until the server is back. */
static const struct {
    const char *sqlstate;
    const char *message;
    const char *class;
    bool config;
} failures[] = {
    /* configuration: waiting will not fix these */
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate "
     "verify failed",
     "tls", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: server certificate for "
     "\"db.authfcgi.test\" does not match host name \"wrong.authfcgi.test\"",
     "tls", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: root certificate file "
     "\"/nonexistent/ca.crt\" does not exist\nEither provide the file or change sslmode to "
     "disable server certificate verification.",
     "tls", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: server does not support "
     "SSL, but SSL was required",
     "tls", true},
    {NULL,
     "connection to server at \"ep-x.neon.tech\" (3.1.2.3), port 5432 failed: ERROR:  "
     "Endpoint ID is not specified. Either please upgrade the postgres client library "
     "(libpq) for SNI support or pass the endpoint ID (first part of the domain name) as "
     "a parameter: '?options=endpoint%3D<endpoint-id>'. See more at "
     "https://neon.tech/sni",
     "tls", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
     "authentication failed for user \"app\"",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: channel binding required, "
     "but server authenticated client without channel binding",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  role \"nobody\" "
     "does not exist",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"nodb\" "
     "does not exist",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  no pg_hba.conf "
     "entry for host \"127.0.0.1\", user \"x\", database \"y\", no encryption",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: fe_sendauth: no password "
     "supplied",
     "auth", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 6432 failed: ERROR:  no such database: "
     "nodb",
     "auth", true},
    {"28P01", "whatever the server said", "auth", true},
    {"3D000", "whatever the server said", "auth", true},
    {NULL, "invalid sslmode value: \"bogus\"", "config", true},
    {NULL, "invalid channel_binding value: \"sometimes\"", "config", true},
    {NULL,
     "connection to server at \"127.0.0.1\", port 6432 failed: ERROR:  unsupported "
     "startup parameter: options",
     "config", true},
    /* outages: a worker rides them out with 503 */
    {NULL,
     "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the "
     "server running on that host and accepting TCP/IP connections?",
     "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database "
     "system is starting up",
     "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database "
     "system is shutting down",
     "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  sorry, too many "
     "clients already",
     "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  remaining "
     "connection slots are reserved for non-replication superuser connections",
     "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 6432 failed: ERROR:  no more "
     "connections allowed (max_client_conn)",
     "refused", false},
    {NULL,
     "could not translate host name \"ep-x.neon.tech\" to address: Temporary failure in "
     "name resolution",
     "refused", false},
    {NULL, "timeout expired", "timeout", false},
    {NULL, "FATAL:  terminating connection due to administrator command", "admin_shutdown", false},
    {"57P01", NULL, "admin_shutdown", false},
    {"57P02", NULL, "admin_shutdown", false},
    {"28000", NULL, "auth", true},
    /* a SQLSTATE the table gives a class wins over the text; one it does not leaves it to
     * the text */
    {"57P01", "Connection refused", "admin_shutdown", false},
    {"08006", "server closed the connection unexpectedly", "refused", false},
    {"08006", "timeout expired", "timeout", false},
    {"23505", "SSL error: tlsv1 alert protocol version", "tls", false},
    {"53300", NULL, "refused", false},
    {"57P03", NULL, "refused", false},
    /* the server going away during the handshake (a restart): refused, whatever layer saw it */
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: SSL SYSCALL error: EOF "
     "detected",
     "refused", false},
    {NULL, "SSL error: unexpected eof while reading", "refused", false},
    {NULL, "SSL connection has been closed unexpectedly", "refused", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 5432 failed: server closed the "
     "connection unexpectedly\n\tThis probably means the server terminated abnormally\n\t"
     "before or while processing the request.",
     "refused", false},
    {NULL, "could not receive data from server: Connection reset by peer", "refused", false},
    {NULL, "SSL error: tlsv1 alert protocol version", "tls", false},
    {NULL,
     "connection to server at \"ep-x.neon.tech\" (3.1.2.3), port 5432 failed: ERROR:  "
     "Couldn't connect to compute node",
     "other", false},
    {NULL,
     "connection to server at \"127.0.0.1\", port 6432 failed: ERROR:  pgbouncer cannot "
     "connect to server",
     "other", false},
    {NULL, NULL, "other", false},
};

/* The one SQLSTATE table read both ways: a state that names a transient connection class is
 * "retry" for a statement too, and one that marks a configuration error is not. */
static const char *const connection_states[] = {"57P01", "57P02", "57P03", "53300",
                                                "28P01", "28000", "3D000"};

START_TEST(test_sqlstate_both_ways)
{
    const char *state = connection_states[_i];
    bool config;
    const char *class = db_failure_class(state, NULL, &config);

    ck_assert_msg(strcmp(class, "other") != 0, "%s has no class", state);
    ck_assert_msg(db_classify(state, true) == (config ? DB_FAIL : DB_RETRY), "%s: %s (%s)", state,
                  db_status_name(db_classify(state, true)), class);
}
END_TEST

/* db_housekeeping: an unknown outcome of a write nobody asked for is "not executed". */
START_TEST(test_housekeeping)
{
    for (int st = DB_OK; st <= DB_UNKNOWN; st++)
        ck_assert_int_eq(db_housekeeping((enum db_status)st),
                         st == DB_UNKNOWN ? DB_RETRY : (enum db_status)st);
}
END_TEST

START_TEST(test_failure_class)
{
    bool config = !failures[_i].config;
    const char *got = db_failure_class(failures[_i].sqlstate, failures[_i].message, &config);
    ck_assert_msg(strcmp(got, failures[_i].class) == 0 && config == failures[_i].config,
                  "%s: got %s%s, want %s%s", failures[_i].message ? failures[_i].message : "(null)",
                  got, config ? " (config)" : "", failures[_i].class,
                  failures[_i].config ? " (config)" : "");
}
END_TEST

/* A Neon connection string pasted as the console shows it: the pooled endpoint, TLS without
 * verification, SCRAM with channel binding; and the same with the endpoint option that
 * clients without SNI need. The password must not show in anything db says. */
static const char *const neon_urls[] = {
    "postgresql://neondb_owner:npg_S3cretNeonPw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws."
    "neon.tech/neondb?sslmode=require&channel_binding=require",
    "postgresql://neondb_owner:npg_S3cretNeonPw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws."
    "neon.tech/neondb?sslmode=require&channel_binding=require&options=endpoint%3Dep-cool-"
    "darkness-a1b2c3d4",
    "postgresql://neondb_owner:npg_S3cretNeonPw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws."
    "neon.tech/neondb?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt&"
    "channel_binding=require",
};

START_TEST(test_neon_url_as_pasted)
{
    struct db *db = NULL;
    char err[256] = "";
    const struct db_options opt = {.conninfo = neon_urls[_i], .timeout_ms = 1000};
    ck_assert_msg(db_open(&db, &opt, err, sizeof err) == 0, "refused: %s", err);
    ck_assert(db_conninfo_is_pooler(neon_urls[_i]));
    db_close(db);

    /* ...and the settings pick pooler mode for it by themselves (AUTHFCGI_DB_POOLER=auto). */
    struct settings s;
    ck_assert_int_eq(setenv("DATABASE_URL", neon_urls[_i], 1), 0);
    unsetenv("AUTHFCGI_DB_POOLER");
    ck_assert_msg(settings_load(&s, NULL, err, sizeof err) == 0, "settings refused: %s", err);
    ck_assert(settings_db_unnamed(&s));
    settings_free(&s);
    unsetenv("DATABASE_URL");
}
END_TEST

/* Parameters libpq only checks when connecting: the first attempt reports a configuration
 * error (so a worker stops at start) instead of an outage to retry for ever. */
START_TEST(test_bad_parameter_is_a_config_error)
{
    struct db *db = NULL;
    char err[256] = "";
    const struct db_options opt = {
        .conninfo = "postgresql://u:Pw-not-shown@127.0.0.1:1/x?sslmode=bogus",
        .timeout_ms = 1000,
    };
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), 0);
    ck_assert_int_eq(db_connect(db), DB_RETRY);
    ck_assert(db_config_error(db, err, sizeof err));
    ck_assert_msg(strncmp(err, "config: ", 8) == 0 && strstr(err, "sslmode") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "Pw-not-shown") == NULL, "%s", err);
    db_close(db);
    ck_assert_int_eq(db_probe(&opt, err, sizeof err), -1);
}
END_TEST

/* An unreachable server is an outage, not a configuration error: the probe lets serve start. */
START_TEST(test_unreachable_is_no_config_error)
{
    struct db *db = NULL;
    char err[256] = "";
    const struct db_options opt = {.conninfo = "postgresql://u@127.0.0.1:1/x", .timeout_ms = 1000};
    ck_assert_int_eq(db_open(&db, &opt, err, sizeof err), 0);
    ck_assert_int_eq(db_connect(db), DB_RETRY);
    ck_assert(!db_config_error(db, err, sizeof err));
    db_close(db);
    ck_assert_int_eq(db_probe(&opt, err, sizeof err), 0);
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
    tcase_add_loop_test(tc, test_failure_class, 0, sizeof failures / sizeof failures[0]);
    tcase_add_loop_test(tc, test_sqlstate_both_ways, 0,
                        sizeof connection_states / sizeof connection_states[0]);
    tcase_add_test(tc, test_housekeeping);
    tcase_add_loop_test(tc, test_neon_url_as_pasted, 0, sizeof neon_urls / sizeof neon_urls[0]);
    tcase_add_test(tc, test_bad_parameter_is_a_config_error);
    tcase_add_test(tc, test_unreachable_is_no_config_error);
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
