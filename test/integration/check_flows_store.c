/* check_flows_store - the store operations of the mail links (store_pg.c: mail_issue,
 * verification_find, password_reset, email_confirm, sign_up with a mail) against a real,
 * migrated PostgreSQL ($DATABASE_URL; run by test/integration/flows_store.sh), in named and
 * unnamed (transaction-pooler) mode: the verification row and the outbox row commit together
 * or not at all, a link is used up by exactly one use (also by racing processes), expiry is
 * the database's, a first verification ends the sessions made before it (also one being made
 * meanwhile), and a failure anywhere in a unit leaves nothing behind.
 *
 * Loop tests run once per mode: _i & 1 is 1 for unnamed mode. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "global/db.h"
#include "global/mail.h"
#include "util/random.h"
#include "global/store.h"
#include "testdb.h"

#define RACERS 8
#define APPLICATION_NAME "authfcgi_check_flows_store"
#define HASH_A "$y$j9T$abcdefghijklmnopqrstu$0123456789abcdefghijklmnopqrstuvwxyzABCDE"
#define HASH_B "$y$j9T$bcdefghijklmnopqrstuv$123456789abcdefghijklmnopqrstuvwxyzABCDEF"

struct fixture {
    struct db *db;
    struct store store;
    struct arena *a;
    struct mail_config *mail;
    bool unnamed;
};

static void fixture_open(struct fixture *f, int loop)
{
    char err[256];

    f->unnamed = (loop & 1) != 0;
    f->db = testdb_connect(f->unnamed, APPLICATION_NAME);
    store_pg_init(&f->store, f->db);
    f->a = arena_create(16384);
    ck_assert_msg(mail_config_new(&f->mail, "Tests <noreply@example.com>", NULL, err, sizeof err) ==
                      0,
                  "%s", err);
}

static void fixture_close(struct fixture *f)
{
    mail_config_free(f->mail);
    arena_destroy(f->a);
    db_close(f->db);
}

#define OPS(f) ((f)->store.ops)
#define IMPL(f) ((f)->store.impl)

/* sql - run a statement the store has no operation for (seeding, checking). */
static void sql(struct fixture *f, const char *text)
{
    ck_assert_msg(db_exec_script(f->db, text) == DB_OK, "SQL failed: %s", text);
}

/* a_user - a new user with a credential account (HASH_A); its id. */
static const char *a_user(struct fixture *f, const char **email)
{
    struct user_record user;
    struct new_user nu = {
        .id = testdb_fresh(f->a),
        .name = "Zoë Example",
        .email = testdb_fresh_email(f->a),
        .account_id = testdb_fresh(f->a),
        .password_hash = HASH_A,
    };

    ck_assert_int_eq(OPS(f)->sign_up(IMPL(f), f->a, &nu, NULL, &user, NULL), DB_OK);
    if (email != NULL)
        *email = nu.email;
    return nu.id;
}

/* a_mail - a rendered message and its verification row "prefix<token>" -> value. */
static struct new_mail a_mail(struct fixture *f, const char *prefix, const char *value,
                              int64_t expires_in_s)
{
    struct mail_message *msg = arena_alloc(f->a, sizeof *msg);
    const char *token = testdb_fresh(f->a), *why = NULL;
    struct mail_fields fields = {
        .recipient = "someone@example.com",
        .url = arena_printf(f->a, "https://app.example.com/api/auth/x/%s", token),
    };

    ck_assert_msg(mail_render(f->mail, MAIL_VERIFY_EMAIL, &fields, time(NULL), f->a, msg, &why) ==
                      0,
                  "mail_render: %s", why);
    return (struct new_mail){
        .message = msg,
        .verification_id = testdb_fresh(f->a),
        .identifier = arena_printf(f->a, "%s%s", prefix, token),
        .value = value,
        .expires_in_s = expires_in_s,
    };
}

static const char *q(struct fixture *f, const char *s)
{
    return arena_printf(f->a, "'%s'", s); /* our own ids and identifiers: no quotes inside */
}

/* ------------------------------------------------------------------------------------------ */

/* mail_issue writes the row and the outbox entry together, and purges expired rows of our
 * two kinds only. */
START_TEST(test_mail_issue)
{
    struct fixture f;
    const char *user_id, *foreign_expired, *foreign_live;
    struct new_mail old_reset, old_verify, m;

    fixture_open(&f, _i);
    user_id = a_user(&f, NULL);
    old_reset = a_mail(&f, "reset-password:", user_id, -60);
    old_verify = a_mail(&f, "verify-email:", user_id, -60);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &old_reset), DB_OK);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &old_verify), DB_OK);
    foreign_expired = arena_printf(f.a, "email-verification-otp-%s", testdb_fresh(f.a));
    foreign_live = arena_printf(f.a, "email-verification-otp-%s", testdb_fresh(f.a));
    sql(&f, arena_printf(f.a,
                         "INSERT INTO verification (id, identifier, value, \"expiresAt\") VALUES "
                         "(%s, %s, 'x', now() - interval '1 minute'), "
                         "(%s, %s, 'x', now() + interval '1 hour')",
                         q(&f, testdb_fresh(f.a)), q(&f, foreign_expired), q(&f, testdb_fresh(f.a)),
                         q(&f, foreign_live)));

    m = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a,
                                 "identifier = %s AND value = %s AND id = %s AND "
                                 "\"expiresAt\" BETWEEN now() + interval '59 minutes' AND "
                                 "now() + interval '61 minutes'",
                                 q(&f, m.identifier), q(&f, user_id), q(&f, m.verification_id)),
                    1);
    testdb_count_is(f.db, "authfcgi_outbox",
                    arena_printf(f.a,
                                 "message_id = %s AND status = 'pending' AND kind = 'verify-email'",
                                 q(&f, m.message->message_id)),
                    1);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier IN (%s, %s)", q(&f, old_reset.identifier),
                                 q(&f, old_verify.identifier)),
                    0);
    testdb_count_is(
        f.db, "verification",
        arena_printf(f.a, "identifier IN (%s, %s)", q(&f, foreign_expired), q(&f, foreign_live)),
        2);
    fixture_close(&f);
}
END_TEST

/* An outbox row that cannot be written (a Message-ID that exists) takes the verification row
 * down with it: no link without its mail. */
START_TEST(test_mail_issue_atomic)
{
    struct fixture f;
    struct new_mail first, second;

    fixture_open(&f, _i);
    first = a_mail(&f, "reset-password:", a_user(&f, NULL), 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &first), DB_OK);
    second = a_mail(&f, "reset-password:", "someone", 3600);
    second.message = first.message;
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &second), DB_CONFLICT);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier = %s", q(&f, second.identifier)), 0);
    testdb_count_is(f.db, "authfcgi_outbox",
                    arena_printf(f.a, "message_id = %s", q(&f, first.message->message_id)), 1);
    fixture_close(&f);
}
END_TEST

START_TEST(test_verification_find)
{
    struct fixture f;
    struct new_mail live, expired;
    const char *value = NULL;

    fixture_open(&f, _i);
    live = a_mail(&f, "reset-password:", "the-value", 3600);
    expired = a_mail(&f, "reset-password:", "the-value", -1);
    /* Straight into the table: mail_issue would purge the expired one at once. */
    sql(&f, arena_printf(f.a,
                         "INSERT INTO verification (id, identifier, value, \"expiresAt\") VALUES "
                         "(%s, %s, 'the-value', now() + interval '1 hour'), "
                         "(%s, %s, 'the-value', now() - interval '1 second')",
                         q(&f, live.verification_id), q(&f, live.identifier),
                         q(&f, expired.verification_id), q(&f, expired.identifier)));
    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, live.identifier, &value), DB_OK);
    ck_assert_str_eq(value, "the-value");
    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, expired.identifier, &value),
                     DB_NOTFOUND);
    ck_assert_int_eq(
        OPS(&f)->verification_find(IMPL(&f), f.a, "reset-password:no-such-token", &value),
        DB_NOTFOUND);
    /* Looking does not use it up. */
    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, live.identifier, &value), DB_OK);
    fixture_close(&f);
}
END_TEST

/* The reset uses the row up and sets the password in one unit; the second use changes
 * nothing. With revoke_sessions the user's sessions go too. */
START_TEST(test_password_reset)
{
    struct fixture f;
    const char *user_id, *got = NULL;
    struct new_mail m;
    struct session_record s;
    struct new_session ns;

    fixture_open(&f, _i);
    user_id = a_user(&f, NULL);
    ns = (struct new_session){.id = testdb_fresh(f.a),
                              .token = testdb_fresh(f.a),
                              .user_id = user_id,
                              .expires_in_s = 3600,
                              .ip_address = "",
                              .user_agent = ""};
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &ns, &s), DB_OK);
    m = a_mail(&f, "reset-password:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);

    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, m.identifier, testdb_fresh(f.a), HASH_B,
                                             _i >= 2, &got),
                     DB_OK);
    ck_assert_str_eq(got, user_id);
    testdb_count_is(f.db, "verification", arena_printf(f.a, "identifier = %s", q(&f, m.identifier)),
                    0);
    testdb_count_is(
        f.db, "account",
        arena_printf(f.a, "\"userId\" = %s AND password = '%s'", q(&f, user_id), HASH_B), 1);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = %s", q(&f, user_id)),
                    _i >= 2 ? 0 : 1);

    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, m.identifier, testdb_fresh(f.a), HASH_A,
                                             false, &got),
                     DB_NOTFOUND);
    testdb_count_is(
        f.db, "account",
        arena_printf(f.a, "\"userId\" = %s AND password = '%s'", q(&f, user_id), HASH_B), 1);
    fixture_close(&f);
}
END_TEST

/* No credential account: one is created (accountId = user id). A user that is gone: nothing
 * happens, the row stays (the unit rolled back). An expired row: nothing happens. */
START_TEST(test_password_reset_edges)
{
    struct fixture f;
    const char *user_id, *account_id, *got = NULL;
    struct new_mail m, gone, expired;

    fixture_open(&f, _i);
    user_id = a_user(&f, NULL);
    sql(&f, arena_printf(f.a, "DELETE FROM account WHERE \"userId\" = %s", q(&f, user_id)));
    m = a_mail(&f, "reset-password:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);
    account_id = testdb_fresh(f.a);
    ck_assert_int_eq(
        OPS(&f)->password_reset(IMPL(&f), f.a, m.identifier, account_id, HASH_B, false, &got),
        DB_OK);
    testdb_count_is(f.db, "account",
                    arena_printf(f.a,
                                 "id = %s AND \"userId\" = %s AND \"accountId\" = %s AND "
                                 "\"providerId\" = 'credential' AND password = '%s'",
                                 q(&f, account_id), q(&f, user_id), q(&f, user_id), HASH_B),
                    1);

    gone = a_mail(&f, "reset-password:", testdb_fresh(f.a), 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &gone), DB_OK);
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, gone.identifier, testdb_fresh(f.a),
                                             HASH_B, false, &got),
                     DB_NOTFOUND);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier = %s", q(&f, gone.identifier)), 1);

    expired = a_mail(&f, "reset-password:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &expired), DB_OK);
    sql(&f, arena_printf(f.a,
                         "UPDATE verification SET \"expiresAt\" = now() - interval '1 second' "
                         "WHERE identifier = %s",
                         q(&f, expired.identifier)));
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, expired.identifier, testdb_fresh(f.a),
                                             HASH_A, false, &got),
                     DB_NOTFOUND);
    testdb_count_is(
        f.db, "account",
        arena_printf(f.a, "password = '%s' AND \"userId\" = %s", HASH_A, q(&f, user_id)), 0);
    fixture_close(&f);
}
END_TEST

/* RACERS processes use one reset token at once: exactly one of them resets. */
START_TEST(test_password_reset_race)
{
    struct fixture f;
    const char *user_id;
    struct new_mail m;
    pid_t pids[RACERS];
    int won = 0, lost = 0;

    fixture_open(&f, _i);
    user_id = a_user(&f, NULL);
    m = a_mail(&f, "reset-password:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);
    for (int r = 0; r < RACERS; r++) {
        pids[r] = fork();
        ck_assert_int_ge(pids[r], 0);
        if (pids[r] == 0) {
            struct db *db = testdb_connect(f.unnamed, APPLICATION_NAME);
            struct store store;
            struct arena *a = arena_create(4096);
            const char *got = NULL;
            char account_id[RANDOM_TOKEN_LEN + 1];
            enum db_status st;

            store_pg_init(&store, db);
            random_token(account_id, RANDOM_TOKEN_LEN);
            st = store.ops->password_reset(store.impl, a, m.identifier, account_id, HASH_B, false,
                                           &got);
            _exit(st == DB_OK ? 10 : st == DB_NOTFOUND ? 11 : 12);
        }
    }
    for (int r = 0; r < RACERS; r++) {
        int st = testdb_reap(pids[r]);

        won += st == 10;
        lost += st == 11;
    }
    ck_assert_int_eq(won, 1);
    ck_assert_int_eq(lost, RACERS - 1);
    testdb_count_is(f.db, "account", arena_printf(f.a, "\"userId\" = %s", q(&f, user_id)), 1);
    fixture_close(&f);
}
END_TEST

/* Verification: once; a user whose address moved on: nothing. A change of address: once,
 * emailVerified kept; a taken address: DB_CONFLICT and the row stays. */
START_TEST(test_email_confirm)
{
    struct fixture f;
    const char *user_id, *email, *other_email, *new_email;
    struct new_mail verify, change, taken, stale;
    struct user_record u;

    fixture_open(&f, _i);
    user_id = a_user(&f, &email);
    (void)a_user(&f, &other_email);

    verify = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &verify), DB_OK);
    stale = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &stale), DB_OK);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, stale.identifier, user_id,
                                            "old.address@example.com", NULL, NULL, &u),
                     DB_NOTFOUND);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier = %s", q(&f, stale.identifier)), 1);
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, verify.identifier, user_id, email, NULL, NULL, &u),
        DB_OK);
    ck_assert(u.email_verified);
    ck_assert_str_eq(u.email, email);
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, verify.identifier, user_id, email, NULL, NULL, &u),
        DB_NOTFOUND);

    taken = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &taken), DB_OK);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, taken.identifier, user_id, email,
                                            other_email, NULL, &u),
                     DB_CONFLICT);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier = %s", q(&f, taken.identifier)), 1);

    new_email = testdb_fresh_email(f.a);
    change = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &change), DB_OK);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, change.identifier, user_id, email,
                                            new_email, NULL, &u),
                     DB_OK);
    ck_assert_str_eq(u.email, new_email);
    ck_assert(u.email_verified);
    testdb_count_is(f.db, "\"user\"",
                    arena_printf(f.a, "id = %s AND email = %s AND \"emailVerified\"",
                                 q(&f, user_id), q(&f, new_email)),
                    1);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, change.identifier, user_id, email,
                                            new_email, NULL, &u),
                     DB_NOTFOUND);
    fixture_close(&f);
}
END_TEST

/* a_session - a session of user_id, inserted by the store; its id. */
static const char *a_session(struct fixture *f, const char *user_id)
{
    struct session_record s;
    struct new_session ns = {.id = testdb_fresh(f->a),
                             .token = testdb_fresh(f->a),
                             .user_id = user_id,
                             .expires_in_s = 3600,
                             .ip_address = "",
                             .user_agent = ""};

    ck_assert_int_eq(OPS(f)->session_create(IMPL(f), f->a, &ns, &s), DB_OK);
    return ns.id;
}

static void session_count_is(struct fixture *f, const char *id, int n)
{
    testdb_count_is(f->db, "session", arena_printf(f->a, "id = %s", q(f, id)), n);
}

/* The first verification of an address deletes the user's sessions but the one to keep, in
 * its transaction; nobody else's. A verification of a verified address, a change of address
 * and a link that fails delete nothing. */
START_TEST(test_email_confirm_sessions)
{
    struct fixture f;
    const char *user_id, *email, *other_id, *other_email, *keep, *before, *others, *after;
    const char *new_email;
    struct new_mail first, again, change, failing;
    struct user_record u;

    fixture_open(&f, _i);
    user_id = a_user(&f, &email);
    other_id = a_user(&f, &other_email);
    keep = a_session(&f, user_id);
    before = a_session(&f, user_id);
    others = a_session(&f, other_id);

    /* A link that fails on the way (the address moved on) rolls back: nothing deleted. */
    failing = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &failing), DB_OK);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, failing.identifier, user_id,
                                            "old.address@example.com", NULL, keep, &u),
                     DB_NOTFOUND);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = %s", q(&f, user_id)), 2);

    first = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &first), DB_OK);
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, first.identifier, user_id, email, NULL, keep, &u),
        DB_OK);
    ck_assert(u.email_verified);
    session_count_is(&f, keep, 1);
    session_count_is(&f, before, 0);
    session_count_is(&f, others, 1);

    /* Verified already: sessions made since stay, and without one to keep too. */
    after = a_session(&f, user_id);
    again = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &again), DB_OK);
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, again.identifier, user_id, email, NULL, NULL, &u),
        DB_OK);
    session_count_is(&f, keep, 1);
    session_count_is(&f, after, 1);

    /* A change of address is no verification: the other user (unverified) keeps hers. */
    new_email = testdb_fresh_email(f.a);
    change = a_mail(&f, "verify-email:", other_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &change), DB_OK);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, change.identifier, other_id, other_email,
                                            new_email, NULL, &u),
                     DB_OK);
    ck_assert(!u.email_verified);
    session_count_is(&f, others, 1);
    fixture_close(&f);
}
END_TEST

/* A sign-in that is inserting a session while the address is verified: the verification waits
 * for it (the user row's lock) and then deletes its session too, since it was made before the
 * verification; without the wait the new session would escape the deletion's snapshot. */
START_TEST(test_email_confirm_waits_for_sign_in)
{
    struct fixture f;
    struct db *signing_in;
    const char *user_id, *email, *session_id;
    struct new_mail m;
    pid_t pid;

    fixture_open(&f, _i);
    user_id = a_user(&f, &email);
    m = a_mail(&f, "verify-email:", user_id, 3600);
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);

    /* The sign-in's transaction, left open: its row holds FOR KEY SHARE on the user. */
    signing_in = testdb_connect(f.unnamed, APPLICATION_NAME);
    session_id = testdb_fresh(f.a);
    ck_assert_int_eq(
        db_exec_script(signing_in,
                       arena_printf(f.a,
                                    "BEGIN; INSERT INTO session (id, token, \"userId\", "
                                    "\"expiresAt\", \"createdAt\", \"updatedAt\") VALUES "
                                    "(%s, %s, %s, now() + interval '1 hour', now(), now())",
                                    q(&f, session_id), q(&f, testdb_fresh(f.a)), q(&f, user_id))),
        DB_OK);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct db *db = testdb_connect(f.unnamed, APPLICATION_NAME);
        struct store store;
        struct arena *a = arena_create(4096);
        struct user_record u;
        enum db_status st;

        store_pg_init(&store, db);
        st = store.ops->email_confirm(store.impl, a, m.identifier, user_id, email, NULL, NULL, &u);
        _exit(st == DB_OK ? 10 : 11);
    }
    /* Until the verification waits for a lock (a bounded wait for that event, not a pause). */
    sql(&f, "DO $$ BEGIN FOR i IN 1..3000 LOOP "
            "EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted); "
            "PERFORM pg_sleep(0.01); END LOOP; END $$");
    testdb_true(f.db, "EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)");
    ck_assert_int_eq(db_exec_script(signing_in, "COMMIT"), DB_OK);
    ck_assert_int_eq(testdb_reap(pid), 10);
    session_count_is(&f, session_id, 0);
    testdb_true(f.db, arena_printf(f.a, "(SELECT \"emailVerified\" FROM \"user\" WHERE id = %s)",
                                   q(&f, user_id)));
    db_close(signing_in);
    fixture_close(&f);
}
END_TEST

/* Sign-up with a verification mail: user, account, row and outbox entry together; a duplicate
 * leaves no row and no mail. */
START_TEST(test_sign_up_with_mail)
{
    struct fixture f;
    struct user_record user;
    struct new_user nu, dup;
    struct new_mail m, m2;

    fixture_open(&f, _i);
    nu = (struct new_user){.id = testdb_fresh(f.a),
                           .name = "New",
                           .email = testdb_fresh_email(f.a),
                           .account_id = testdb_fresh(f.a),
                           .password_hash = HASH_A};
    m = a_mail(&f, "verify-email:", nu.id, 3600);
    nu.mail = &m;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, NULL, &user, NULL), DB_OK);
    testdb_count_is(
        f.db, "verification",
        arena_printf(f.a, "identifier = %s AND value = %s", q(&f, m.identifier), q(&f, nu.id)), 1);
    testdb_count_is(f.db, "authfcgi_outbox",
                    arena_printf(f.a, "message_id = %s", q(&f, m.message->message_id)), 1);

    dup = nu;
    dup.id = testdb_fresh(f.a);
    dup.account_id = testdb_fresh(f.a);
    m2 = a_mail(&f, "verify-email:", dup.id, 3600);
    dup.mail = &m2;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &dup, NULL, &user, NULL), DB_CONFLICT);
    testdb_count_is(f.db, "verification",
                    arena_printf(f.a, "identifier = %s", q(&f, m2.identifier)), 0);
    testdb_count_is(f.db, "authfcgi_outbox",
                    arena_printf(f.a, "message_id = %s", q(&f, m2.message->message_id)), 0);
    fixture_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flows_store");
    TCase *tc = tcase_create("mail links");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_mail_issue, 0, 2);
    tcase_add_loop_test(tc, test_mail_issue_atomic, 0, 2);
    tcase_add_loop_test(tc, test_verification_find, 0, 2);
    /* 0, 1: sessions kept; 2, 3: revoked (named, unnamed). */
    tcase_add_loop_test(tc, test_password_reset, 0, 4);
    tcase_add_loop_test(tc, test_password_reset_edges, 0, 2);
    tcase_add_loop_test(tc, test_password_reset_race, 0, 2);
    tcase_add_loop_test(tc, test_email_confirm, 0, 2);
    tcase_add_loop_test(tc, test_email_confirm_sessions, 0, 2);
    tcase_add_loop_test(tc, test_email_confirm_waits_for_sign_in, 0, 2);
    tcase_add_loop_test(tc, test_sign_up_with_mail, 0, 2);
    suite_add_tcase(s, tc);
    return testdb_run(s);
}
