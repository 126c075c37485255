/* check_outbox - the outbox queue (outbox.c over STMT_OUTBOX_*) against a real, migrated
 * PostgreSQL ($DATABASE_URL; run by test/integration/mail.sh), in named and unnamed
 * (transaction-pooler) mode: the enqueue commits and rolls back with the state change of its
 * transaction, claims lease a row to one holder, stale holders are fenced off, concurrent
 * claimers from separate processes never share a row, and old rows are purged.
 *
 * Loop tests run once per mode: _i & 1 is 1 for unnamed mode. Tests that claim empty the
 * table first (the suite runs its tests one after another). */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "global/db.h"
#include "global/mail.h"
#include "global/outbox.h"
#include "util/random.h"
#include "testdb.h"

#define CLAIMERS 4
#define CLAIM_ROWS 60

/* open_db - a connection in the mode asked for; behind a transaction pooler always unnamed,
 * as authfcgi itself runs there. */
static struct db *open_db(bool unnamed)
{
    return testdb_connect(unnamed || testdb_via_pooler(), "authfcgi_check_outbox");
}

struct fixture {
    struct db *db;
    struct arena *a;
    struct mail_config *mail;
};

static void fixture_open(struct fixture *f, int loop)
{
    char err[256];
    f->db = open_db((loop & 1) != 0);
    f->a = arena_create(8192);
    ck_assert_int_eq(
        mail_config_new(&f->mail, "Test <no-reply@example.com>", NULL, err, sizeof err), 0);
}

static void fixture_close(struct fixture *f)
{
    mail_config_free(f->mail);
    arena_destroy(f->a);
    db_close(f->db);
}

/* sql_true - assert a SQL condition from another angle than the outbox module's. */
static void sql_true(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_true(struct db *db, const char *fmt, ...)
{
    char cond[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cond, sizeof cond, fmt, ap);
    va_end(ap);
    testdb_true(db, cond);
}

static char *fresh(struct arena *a)
{
    char *s = arena_alloc(a, RANDOM_TOKEN_LEN + 1);
    ck_assert_int_eq(random_token(s, RANDOM_TOKEN_LEN), 0);
    for (char *p = s; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

/* render - a reset-password mail to a new address. */
static struct mail_message render(struct fixture *f, const char *recipient)
{
    struct mail_message m;
    const char *why = NULL;
    struct mail_fields fields = {
        .recipient = recipient,
        .url =
            arena_printf(f->a, "https://app.example.com/api/auth/reset-password/%s", fresh(f->a)),
        .name = "Jürgen",
    };
    ck_assert_msg(mail_render(f->mail, MAIL_RESET_PASSWORD, &fields, time(NULL), f->a, &m, &why) ==
                      0,
                  "mail_render: %s", why);
    return m;
}

static void empty_outbox(struct db *db)
{
    ck_assert_int_eq(db_exec_script(db, "DELETE FROM authfcgi_outbox"), DB_OK);
}

/* ------------------------------------------------------------------------------------------
 * Enqueue inside the state change's transaction */

struct unit {
    const char *user_id, *email;
    const struct mail_message *m;
    enum db_status fail_after; /* DB_OK = commit */
};

/* unit_run - a state change (a new user, standing in for a verification row or a password),
 * then the mail, then optionally a failure: what a store operation does. */
static enum db_status unit_run(struct db *db, void *ctx)
{
    struct unit *u = ctx;
    /* One entry per parameter of STMT_USER_INSERT (id, name, email, image, role): libpq reads
     * nparams of them, and reads past a shorter array unseen by the sanitizers. */
    const char *user[] = {u->user_id, "Outbox Test", u->email, NULL, NULL};
    enum db_status st = db_exec(db, STMT_USER_INSERT, user, NULL);
    if (st != DB_OK)
        return st;
    st = outbox_enqueue(db, u->m);
    if (st != DB_OK)
        return st;
    return u->fail_after;
}

START_TEST(test_enqueue_commits_with_the_change)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *email = arena_printf(f.a, "%s@example.com", fresh(f.a));
    struct mail_message m = render(&f, email);
    struct unit u = {fresh(f.a), email, &m, DB_OK};

    ck_assert_int_eq(db_transaction(f.db, unit_run, &u), DB_OK);
    sql_true(f.db, "EXISTS (SELECT FROM \"user\" WHERE id = '%s')", u.user_id);
    sql_true(f.db,
             "EXISTS (SELECT FROM authfcgi_outbox WHERE message_id = '%s' AND recipient = '%s' "
             "AND kind = 'reset-password' AND subject = 'Reset your password' AND "
             "status = 'pending' AND attempts = 0 AND next_attempt_at <= now() AND "
             "last_error IS NULL AND sent_at IS NULL AND message LIKE 'From: Test%%')",
             m.message_id, email);
    /* The stored message is the rendered one, byte for byte. */
    ck_assert_ptr_null(strstr(m.text, "$msg$"));
    sql_true(f.db, "(SELECT message = $msg$%s$msg$ FROM authfcgi_outbox WHERE message_id = '%s')",
             m.text, m.message_id);
    fixture_close(&f);
}
END_TEST

START_TEST(test_failure_after_enqueue_leaves_neither)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *email = arena_printf(f.a, "%s@example.com", fresh(f.a));
    struct mail_message m = render(&f, email);
    struct unit u = {fresh(f.a), email, &m, DB_FAIL};

    ck_assert_int_eq(db_transaction(f.db, unit_run, &u), DB_FAIL);
    sql_true(f.db, "NOT EXISTS (SELECT FROM \"user\" WHERE id = '%s')", u.user_id);
    sql_true(f.db, "NOT EXISTS (SELECT FROM authfcgi_outbox WHERE message_id = '%s')",
             m.message_id);
    sql_true(f.db, "NOT EXISTS (SELECT FROM authfcgi_outbox WHERE recipient = '%s')", email);
    fixture_close(&f);
}
END_TEST

START_TEST(test_failing_enqueue_undoes_the_change)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *email1 = arena_printf(f.a, "%s@example.com", fresh(f.a));
    char *email2 = arena_printf(f.a, "%s@example.com", fresh(f.a));
    struct mail_message m = render(&f, email1);
    struct unit first = {fresh(f.a), email1, &m, DB_OK};
    ck_assert_int_eq(db_transaction(f.db, unit_run, &first), DB_OK);

    /* The same Message-ID again: the enqueue fails after the user was inserted. */
    struct unit second = {fresh(f.a), email2, &m, DB_OK};
    ck_assert_int_eq(db_transaction(f.db, unit_run, &second), DB_CONFLICT);
    sql_true(f.db, "NOT EXISTS (SELECT FROM \"user\" WHERE id = '%s')", second.user_id);
    sql_true(f.db, "(SELECT count(*) FROM authfcgi_outbox WHERE message_id = '%s') = 1",
             m.message_id);
    fixture_close(&f);
}
END_TEST

/* ------------------------------------------------------------------------------------------
 * Claims and outcomes */

static struct mail_message enqueue_now(struct fixture *f)
{
    char *email = arena_printf(f->a, "%s@example.com", fresh(f->a));
    struct mail_message m = render(f, email);
    ck_assert_int_eq(outbox_enqueue(f->db, &m), DB_OK);
    return m;
}

START_TEST(test_claim_lease_and_outcomes)
{
    struct fixture f;
    struct outbox_item item, again;
    fixture_open(&f, _i);
    empty_outbox(f.db);

    ck_assert_int_eq(outbox_claim(f.db, 60, &item), DB_NOTFOUND);
    struct mail_message m = enqueue_now(&f);
    ck_assert_int_eq(outbox_claim(f.db, 60, &item), DB_OK);
    ck_assert_str_eq(item.message_id, m.message_id);
    ck_assert_str_eq(item.recipient, m.recipient);
    ck_assert_str_eq(item.kind, "reset-password");
    ck_assert_str_eq(item.message, m.text);
    ck_assert_int_eq(item.attempts, 1);
    sql_true(f.db,
             "(SELECT status = 'sending' AND next_attempt_at BETWEEN now() + interval '55 s' "
             "AND now() + interval '61 s' FROM authfcgi_outbox WHERE id = %lld)",
             (long long)item.id);

    /* Leased: nobody else gets it. */
    ck_assert_int_eq(outbox_claim(f.db, 60, &again), DB_NOTFOUND);

    /* A holder with the wrong claim (attempts) changes nothing. */
    struct outbox_item stale = item;
    stale.attempts = item.attempts + 1;
    ck_assert_int_eq(outbox_mark_deferred(f.db, &stale, 0, "stale"), DB_NOTFOUND);
    ck_assert_int_eq(outbox_mark_failed(f.db, &stale, "stale"), DB_NOTFOUND);
    sql_true(f.db,
             "(SELECT status = 'sending' AND last_error IS NULL FROM authfcgi_outbox "
             "WHERE id = %lld)",
             (long long)item.id);

    /* Deferred: pending again, due after the delay, the error kept. */
    ck_assert_int_eq(outbox_mark_deferred(f.db, &item, 3600, "exit 75: try later"), DB_OK);
    sql_true(f.db,
             "(SELECT status = 'pending' AND attempts = 1 AND last_error = 'exit 75: try later' "
             "AND next_attempt_at > now() + interval '3590 s' FROM authfcgi_outbox "
             "WHERE id = %lld)",
             (long long)item.id);
    ck_assert_int_eq(outbox_claim(f.db, 60, &again), DB_NOTFOUND); /* not due yet */
    ck_assert_int_eq(db_exec_script(f.db, "UPDATE authfcgi_outbox SET next_attempt_at = now()"),
                     DB_OK);
    ck_assert_int_eq(outbox_claim(f.db, 60, &again), DB_OK);
    ck_assert_int_eq(again.id, item.id);
    ck_assert_int_eq(again.attempts, 2);

    /* Sent: the message (a credential) is wiped, the error cleared; twice is fine. */
    ck_assert_int_eq(outbox_mark_sent(f.db, again.id), DB_OK);
    sql_true(f.db,
             "(SELECT status = 'sent' AND message IS NULL AND last_error IS NULL AND "
             "sent_at IS NOT NULL AND attempts = 2 FROM authfcgi_outbox WHERE id = %lld)",
             (long long)item.id);
    ck_assert_int_eq(outbox_mark_sent(f.db, again.id), DB_OK);
    ck_assert_int_eq(outbox_claim(f.db, 60, &stale), DB_NOTFOUND);
    /* A late failure report of a sent row changes nothing. */
    ck_assert_int_eq(outbox_mark_deferred(f.db, &again, 0, "late"), DB_NOTFOUND);
    outbox_item_free(&item);
    outbox_item_free(&again);
    fixture_close(&f);
}
END_TEST

START_TEST(test_expired_lease_is_claimed_again)
{
    struct fixture f;
    struct outbox_item first, second, none;
    fixture_open(&f, _i);
    empty_outbox(f.db);
    enqueue_now(&f);

    /* A lease of 0 s ends at once: the mailer that holds it "died". */
    ck_assert_int_eq(outbox_claim(f.db, 0, &first), DB_OK);
    ck_assert_int_eq(outbox_claim(f.db, 60, &second), DB_OK);
    ck_assert_int_eq(second.id, first.id);
    ck_assert_int_eq(second.attempts, 2);
    /* The first holder's failure report is fenced off; the new holder's counts. */
    ck_assert_int_eq(outbox_mark_deferred(f.db, &first, 0, "old holder"), DB_NOTFOUND);
    ck_assert_int_eq(outbox_mark_failed(f.db, &second, "gave up"), DB_OK);
    /* Failed: the message (its link is a credential) is wiped; what the operator needs stays. */
    sql_true(f.db,
             "(SELECT status = 'failed' AND last_error = 'gave up' AND message IS NULL AND "
             "attempts = 2 AND recipient <> '' AND kind = 'reset-password' AND message_id = '%s' "
             "AND subject <> '' AND sent_at IS NULL FROM authfcgi_outbox WHERE id = %lld)",
             first.message_id, (long long)first.id);
    /* Failed rows are never claimed. */
    ck_assert_int_eq(db_exec_script(f.db, "UPDATE authfcgi_outbox SET next_attempt_at = now()"),
                     DB_OK);
    ck_assert_int_eq(outbox_claim(f.db, 60, &none), DB_NOTFOUND);
    outbox_item_free(&first);
    outbox_item_free(&second);
    fixture_close(&f);
}
END_TEST

START_TEST(test_claim_order)
{
    struct fixture f;
    struct outbox_item item;
    fixture_open(&f, _i);
    empty_outbox(f.db);
    struct mail_message later = enqueue_now(&f);
    struct mail_message sooner = enqueue_now(&f);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_outbox SET next_attempt_at = now() - interval '1 minute' "
             "WHERE message_id = '%s'",
             sooner.message_id);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    ck_assert_int_eq(outbox_claim(f.db, 60, &item), DB_OK);
    ck_assert_str_eq(item.message_id, sooner.message_id);
    outbox_item_free(&item);
    ck_assert_int_eq(outbox_claim(f.db, 60, &item), DB_OK);
    ck_assert_str_eq(item.message_id, later.message_id);
    outbox_item_free(&item);
    fixture_close(&f);
}
END_TEST

/* claimer - in a child: claim and mark sent until nothing is due, writing each id claimed. */
static void claimer(bool unnamed, int out_fd, int go_fd)
{
    char go;
    struct outbox_item item;
    struct db *db = open_db(unnamed);
    if (read(go_fd, &go, 1) != 1)
        _exit(2);
    for (;;) {
        enum db_status st = outbox_claim(db, 60, &item);
        if (st == DB_NOTFOUND)
            break;
        if (st != DB_OK)
            _exit(3);
        if (write(out_fd, &item.id, sizeof item.id) != sizeof item.id)
            _exit(4);
        if (outbox_mark_sent(db, item.id) != DB_OK)
            _exit(5);
        outbox_item_free(&item);
    }
    db_close(db);
    _exit(0);
}

START_TEST(test_concurrent_claimers_share_nothing)
{
    struct fixture f;
    int ids[2], go[2];
    pid_t pids[CLAIMERS];
    fixture_open(&f, _i);
    empty_outbox(f.db);
    for (int i = 0; i < CLAIM_ROWS; i++)
        enqueue_now(&f);
    ck_assert_int_eq(pipe(ids), 0);
    ck_assert_int_eq(pipe(go), 0);
    for (int i = 0; i < CLAIMERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            close(ids[0]);
            close(go[1]);
            claimer((_i & 1) != 0, ids[1], go[0]);
        }
    }
    close(ids[1]);
    close(go[0]);
    /* All at once. */
    ck_assert_int_eq(write(go[1], "gggg", CLAIMERS), CLAIMERS);
    close(go[1]);

    int64_t seen[CLAIM_ROWS * 2];
    size_t n = 0;
    int64_t id;
    while (n < sizeof seen / sizeof seen[0] && read(ids[0], &id, sizeof id) == sizeof id)
        seen[n++] = id;
    close(ids[0]);
    for (int i = 0; i < CLAIMERS; i++) {
        int st = testdb_reap(pids[i]);
        ck_assert_msg(st == 0, "claimer %d: exit status %d", i, st);
    }
    ck_assert_int_eq(n, CLAIM_ROWS);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(seen[i] != seen[j], "row %lld claimed twice", (long long)seen[i]);
    sql_true(f.db,
             "(SELECT count(*) = %d AND bool_and(status = 'sent' AND attempts = 1) "
             "FROM authfcgi_outbox)",
             CLAIM_ROWS);
    fixture_close(&f);
}
END_TEST

START_TEST(test_purge)
{
    struct fixture f;
    fixture_open(&f, _i);
    empty_outbox(f.db);
    struct mail_message old_sent = enqueue_now(&f), old_failed = enqueue_now(&f),
                        old_pending = enqueue_now(&f), new_sent = enqueue_now(&f);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_outbox SET created_at = now() - interval '31 days' "
             "WHERE message_id IN ('%s', '%s', '%s')",
             old_sent.message_id, old_failed.message_id, old_pending.message_id);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_outbox SET status = 'sent', message = NULL "
             "WHERE message_id IN ('%s', '%s')",
             old_sent.message_id, new_sent.message_id);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    snprintf(sql, sizeof sql,
             "UPDATE authfcgi_outbox SET status = 'failed' WHERE message_id = '%s'",
             old_failed.message_id);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);

    ck_assert_int_eq(outbox_purge(f.db, 30), DB_OK);
    sql_true(f.db, "(SELECT count(*) = 2 FROM authfcgi_outbox)");
    sql_true(f.db, "EXISTS (SELECT FROM authfcgi_outbox WHERE message_id = '%s')",
             old_pending.message_id);
    sql_true(f.db, "EXISTS (SELECT FROM authfcgi_outbox WHERE message_id = '%s')",
             new_sent.message_id);
    ck_assert_int_eq(outbox_purge(f.db, 30), DB_NOTFOUND);
    fixture_close(&f);
}
END_TEST

START_TEST(test_schema_refuses_bad_rows)
{
    /* The table's own rules, for rows written by hand or by another program. */
    struct fixture f;
    fixture_open(&f, _i);
    static const char *const bad[] = {
        "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message) "
        "VALUES ('welcome', 'a@example.com', 's', '<bad1@x>', 'm')",
        "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message, status) "
        "VALUES ('verify-email', 'a@example.com', 's', '<bad2@x>', 'm', 'lost')",
        "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message) "
        "VALUES ('verify-email', 'a@example.com', 's', '<bad3@x>', NULL)",
        "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message, status) "
        "VALUES ('verify-email', 'a@example.com', 's', '<bad4@x>', NULL, 'sending')",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(db_exec_script(f.db, bad[i]), DB_INVALID);
    fixture_close(&f);
}
END_TEST

static Suite *outbox_suite(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("transaction");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_enqueue_commits_with_the_change, 0, 2);
    tcase_add_loop_test(tc, test_failure_after_enqueue_leaves_neither, 0, 2);
    tcase_add_loop_test(tc, test_failing_enqueue_undoes_the_change, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("claims");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_claim_lease_and_outcomes, 0, 2);
    tcase_add_loop_test(tc, test_expired_lease_is_claimed_again, 0, 2);
    tcase_add_loop_test(tc, test_claim_order, 0, 2);
    tcase_add_loop_test(tc, test_concurrent_claimers_share_nothing, 0, 2);
    tcase_add_loop_test(tc, test_purge, 0, 2);
    tcase_add_loop_test(tc, test_schema_refuses_bad_rows, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testdb_run(outbox_suite());
}
