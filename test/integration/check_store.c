/* check_store - every store operation (store_pg.c over the statements of stmt.c) against a
 * real, migrated PostgreSQL ($DATABASE_URL; run by test/integration/store.sh), in named and in
 * unnamed (transaction-pooler) mode: success, not-found and conflict paths, the shape of the
 * timestamps, transactions that leave nothing behind, concurrent duplicate sign-ups from
 * separate processes, and Better Auth's rate-limit algorithm shared between processes.
 *
 * Loop tests run once per mode: _i & 1 is 1 for unnamed mode. Facts the store cannot report
 * (row counts, the table's persistence) are asserted in SQL by testdb_true(). */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth/app.h"
#include "util/arena.h"
#include "global/db.h"
#include "util/random.h"
#include "auth/session.h"
#include "global/store.h"
#include "testdb.h"

#define WEEK_S 604800
#define RACERS 8

/* A test's world: one connection in the loop's mode, its store, an arena. */
struct fixture {
    struct db *db;
    struct store store;
    struct arena *a;
    bool unnamed;
};

static void fixture_open(struct fixture *f, int loop)
{
    f->unnamed = (loop & 1) != 0;
    f->db = testdb_connect(f->unnamed, "authfcgi_check_store");
    store_pg_init(&f->store, f->db);
    f->a = arena_create(8192);
}

static void fixture_close(struct fixture *f)
{
    arena_destroy(f->a);
    db_close(f->db);
}

#define OPS(f) ((f)->store.ops)
#define IMPL(f) ((f)->store.impl)

/* stored - the stored form of a new raw token: SHA-256 hex (hash storage) or the token. */
static char *stored_token(struct arena *a, bool hashed)
{
    struct app app = {.hash_session_tokens = hashed};
    char *out = arena_alloc(a, SESSION_STORED_TOKEN_SIZE);
    ck_assert_int_eq(session_stored_token(&app, testdb_fresh(a), out), 0);
    ck_assert_uint_eq(strlen(out), hashed ? 64 : RANDOM_TOKEN_LEN);
    return out;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* iso_ms - check Better Auth's shape "2026-11-25T18:43:11.675Z" and return Unix ms. */
static int64_t iso_ms(const char *iso)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    struct tm tm = {0};
    int ms = 0;

    ck_assert_ptr_nonnull(iso);
    ck_assert_msg(strlen(iso) == strlen(shape), "timestamp %s: not of the form %s", iso, shape);
    for (size_t i = 0; shape[i] != '\0'; i++)
        ck_assert_msg(shape[i] == 'd' ? isdigit((unsigned char)iso[i]) : iso[i] == shape[i],
                      "timestamp %s: not of the form %s", iso, shape);
    ck_assert_int_eq(sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms),
                     7);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* recent - a timestamp written just now (same machine: allow for slow sanitized runs). */
static void assert_recent(const char *iso)
{
    int64_t d = iso_ms(iso) - now_ms();
    ck_assert_msg(d > -30000 && d < 5000, "timestamp %s is %lld ms from now", iso, (long long)d);
}

static void assert_user(const struct user_record *u, const char *id, const char *name,
                        const char *email, const char *image)
{
    ck_assert_str_eq(u->id, id);
    ck_assert_str_eq(u->name, name);
    ck_assert_str_eq(u->email, email);
    ck_assert(!u->email_verified);
    if (image == NULL)
        ck_assert_ptr_null(u->image);
    else
        ck_assert_str_eq(u->image, image);
    (void)iso_ms(u->created_at);
    (void)iso_ms(u->updated_at);
}

/* assert_session - the record matches ns, its ISO texts and ms fields agree. */
static void assert_session(const struct session_record *s, const struct new_session *ns)
{
    ck_assert_str_eq(s->id, ns->id);
    ck_assert_str_eq(s->token, ns->token);
    ck_assert_str_eq(s->user_id, ns->user_id);
    ck_assert_str_eq(s->ip_address, ns->ip_address);
    ck_assert_str_eq(s->user_agent, ns->user_agent);
    ck_assert_int_eq(iso_ms(s->expires_at), s->expires_at_ms);
    ck_assert_int_eq(iso_ms(s->created_at), s->created_at_ms);
    (void)iso_ms(s->updated_at);
}

static void assert_same_session(const struct session_record *a, const struct session_record *b)
{
    ck_assert_str_eq(a->id, b->id);
    ck_assert_str_eq(a->token, b->token);
    ck_assert_str_eq(a->user_id, b->user_id);
    ck_assert_str_eq(a->expires_at, b->expires_at);
    ck_assert_str_eq(a->created_at, b->created_at);
    ck_assert_str_eq(a->updated_at, b->updated_at);
    ck_assert_int_eq(a->expires_at_ms, b->expires_at_ms);
    ck_assert_int_eq(a->created_at_ms, b->created_at_ms);
}

static struct new_session new_session_for(struct arena *a, const char *user_id, bool hashed,
                                          int64_t expires_in_s)
{
    return (struct new_session){
        .id = testdb_fresh(a),
        .token = stored_token(a, hashed),
        .user_id = user_id,
        .expires_in_s = expires_in_s,
        .ip_address = "2001:0db8:abcd:0012:0000:0000:0000:0000",
        .user_agent = "check_store/1.0",
    };
}

static struct new_user new_user_with(struct arena *a, const char *email, const char *image)
{
    return (struct new_user){
        .id = testdb_fresh(a),
        .name = "Zoë Example",
        .email = email,
        .image = image,
        .account_id = testdb_fresh(a),
        .password_hash = "$y$j9T$abcdefghijklmnopqrstu$0123456789abcdefghijklmnopqrstuvwxyzABCDE",
    };
}

/* sign_up - a user with a credential account and (when ns is non-NULL) a session. */
static void sign_up(struct fixture *f, const struct new_user *u, const struct new_session *ns,
                    struct user_record *user, struct session_record *session)
{
    enum db_status st = OPS(f)->sign_up(IMPL(f), f->a, u, ns, user, session);
    ck_assert_msg(st == DB_OK, "sign_up: %s", db_status_name(st));
}

/* ------------------------------------------------------------------------------------------ */

START_TEST(test_ping)
{
    struct fixture f;
    fixture_open(&f, _i);
    ck_assert_int_eq(OPS(&f)->ping(IMPL(&f)), DB_OK);
    ck_assert_int_ge(OPS(&f)->retry_after(IMPL(&f)), 1);
    fixture_close(&f);
}
END_TEST

/* Sign-up and everything that reads what it wrote; _i >> 1 selects hashed tokens. */
START_TEST(test_sign_up_and_read)
{
    struct fixture f;
    fixture_open(&f, _i);
    bool hashed = (_i >> 1) != 0;
    struct user_record user, again;
    struct session_record session, looked;
    const char *hash = NULL;
    char *email = testdb_fresh_email(f.a);
    struct new_user nu = new_user_with(f.a, email, "https://example.com/zoë.png");
    struct new_session ns = new_session_for(f.a, nu.id, hashed, WEEK_S);

    sign_up(&f, &nu, &ns, &user, &session);
    assert_user(&user, nu.id, nu.name, email, nu.image);
    assert_recent(user.created_at);
    ck_assert_str_eq(user.created_at, user.updated_at);
    assert_session(&session, &ns);
    assert_recent(session.created_at);
    ck_assert_str_eq(session.created_at, session.updated_at);
    ck_assert_int_eq(session.expires_at_ms - session.created_at_ms, (int64_t)WEEK_S * 1000);
    /* One transaction, one "now"; written with millisecond precision, as Better Auth does. */
    ck_assert_str_eq(session.created_at, user.created_at);
    char cond[512];
    snprintf(cond, sizeof cond,
             "(SELECT date_trunc('milliseconds', \"createdAt\") = \"createdAt\" AND "
             "\"updatedAt\" = \"createdAt\" FROM \"user\" WHERE id = '%s')",
             nu.id);
    testdb_true(f.db, cond);
    snprintf(cond, sizeof cond,
             "(SELECT \"accountId\" = \"userId\" AND \"providerId\" = 'credential' AND "
             "password = '%s' AND \"updatedAt\" = \"createdAt\" FROM account WHERE id = '%s')",
             nu.password_hash, nu.account_id);
    testdb_true(f.db, cond);

    /* user_by_email: the user and the credential's hash; unknown e-mail is "not found". */
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, email, &again, &hash), DB_OK);
    assert_user(&again, nu.id, nu.name, email, nu.image);
    ck_assert_str_eq(again.created_at, user.created_at);
    ck_assert_str_eq(hash, nu.password_hash);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, testdb_fresh_email(f.a), &again, &hash),
                     DB_NOTFOUND);

    /* credential_of_user */
    hash = NULL;
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, nu.id, &hash), DB_OK);
    ck_assert_str_eq(hash, nu.password_hash);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, testdb_fresh(f.a), &hash),
                     DB_NOTFOUND);

    /* session_lookup by the stored token: the same session and its user. */
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &again), DB_OK);
    assert_same_session(&looked, &session);
    assert_session(&looked, &ns);
    assert_user(&again, nu.id, nu.name, email, nu.image);
    ck_assert_int_eq(
        OPS(&f)->session_lookup(IMPL(&f), f.a, stored_token(f.a, hashed), &looked, &again),
        DB_NOTFOUND);

    /* account_list: the credential account, accountId = user id. */
    struct account_record *accounts = NULL;
    size_t n = 99;
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, nu.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(accounts[0].id, nu.account_id);
    ck_assert_str_eq(accounts[0].account_id, nu.id);
    ck_assert_str_eq(accounts[0].user_id, nu.id);
    ck_assert_str_eq(accounts[0].provider_id, "credential");
    ck_assert_str_eq(accounts[0].created_at, user.created_at);
    ck_assert_str_eq(accounts[0].updated_at, user.created_at);
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, testdb_fresh(f.a), &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(accounts);

    /* Sign-up without a session: user and account only; no image stays SQL NULL. */
    struct new_user bare = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    sign_up(&f, &bare, NULL, &user, NULL);
    assert_user(&user, bare.id, bare.name, bare.email, NULL);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", bare.id), 0);
    testdb_count_is(f.db, "account", arena_printf(f.a, "\"userId\" = '%s'", bare.id), 1);
    fixture_close(&f);
}
END_TEST

/* A sign-up that fails at any of its three statements leaves no row behind. */
START_TEST(test_sign_up_leaves_nothing_on_failure)
{
    struct fixture f;
    fixture_open(&f, _i);
    struct user_record user;
    struct session_record session;
    const char *hash;
    struct new_user first = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session first_session = new_session_for(f.a, first.id, true, WEEK_S);
    sign_up(&f, &first, &first_session, &user, &session);

    /* The e-mail is taken: conflict at the first statement. */
    struct new_user dup = new_user_with(f.a, first.email, NULL);
    struct new_session dup_session = new_session_for(f.a, dup.id, true, WEEK_S);
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &dup, &dup_session, &user, &session),
                     DB_CONFLICT);

    /* Conflict at the second (an account id that exists) and at the third (a session token
     * that exists): the user inserted before is rolled back. */
    struct new_user second = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    second.account_id = first.account_id;
    struct new_session second_session = new_session_for(f.a, second.id, true, WEEK_S);
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &second, &second_session, &user, &session),
                     DB_CONFLICT);
    struct new_user third = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session third_session = new_session_for(f.a, third.id, true, WEEK_S);
    third_session.token = first_session.token;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &third, &third_session, &user, &session),
                     DB_CONFLICT);

    /* Refused data (NOT NULL name): DB_INVALID, not a 500-class failure, and nothing left. */
    struct new_user fourth = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    fourth.name = NULL;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &fourth, NULL, &user, NULL), DB_INVALID);

    const struct new_user *failed[] = {&dup, &second, &third, &fourth};
    for (size_t i = 0; i < sizeof failed / sizeof failed[0]; i++) {
        testdb_count_is(f.db, "\"user\"", arena_printf(f.a, "id = '%s'", failed[i]->id), 0);
        testdb_count_is(f.db, "account", arena_printf(f.a, "\"userId\" = '%s'", failed[i]->id), 0);
        testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", failed[i]->id), 0);
    }
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, second.email, &user, &hash),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, third.email, &user, &hash), DB_NOTFOUND);
    /* The first user is untouched, and the connection is usable after the rollbacks. */
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", first.id), 1);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, first.email, &user, &hash), DB_OK);
    fixture_close(&f);
}
END_TEST

/* session_create, _refresh, _list, _delete_token, _delete_of_user, _delete_others, _delete_all
 * and the lookup of an expired session. */
START_TEST(test_sessions)
{
    struct fixture f;
    fixture_open(&f, _i);
    bool hashed = (_i >> 1) != 0;
    struct user_record user, owner;
    struct session_record rec, looked, refreshed;
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_user other = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    sign_up(&f, &nu, NULL, &user, NULL);
    sign_up(&f, &other, NULL, &user, NULL);

    /* Three live sessions, created a few ms apart, one expired, and one of another user. */
    struct new_session s[3];
    struct session_record created[3];
    for (int i = 0; i < 3; i++) {
        s[i] = new_session_for(f.a, nu.id, hashed, i == 0 ? 60 : WEEK_S);
        ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &s[i], &created[i]), DB_OK);
        assert_session(&created[i], &s[i]);
        usleep(3000);
    }
    ck_assert_int_eq(created[0].expires_at_ms - created[0].created_at_ms, 60000);
    struct new_session expired = new_session_for(f.a, nu.id, hashed, -5);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &expired, &rec), DB_OK);
    ck_assert_int_lt(rec.expires_at_ms, now_ms() + 1000);
    struct new_session theirs = new_session_for(f.a, other.id, hashed, WEEK_S);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &theirs, &rec), DB_OK);

    /* Conflicts and refusals: a token in use, an unknown user (foreign key). */
    struct new_session clash = new_session_for(f.a, nu.id, hashed, WEEK_S);
    clash.token = s[1].token;
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &clash, &rec), DB_CONFLICT);
    struct new_session orphan = new_session_for(f.a, testdb_fresh(f.a), hashed, WEEK_S);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &orphan, &rec), DB_INVALID);
    /* Empty metadata stays empty strings, never NULL. */
    struct new_session empty = new_session_for(f.a, nu.id, hashed, WEEK_S);
    empty.ip_address = "";
    empty.user_agent = "";
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &empty, &rec), DB_OK);
    ck_assert_str_eq(rec.ip_address, "");
    ck_assert_str_eq(rec.user_agent, "");
    ck_assert_int_eq(OPS(&f)->session_delete_token(IMPL(&f), empty.token), DB_OK);

    /* The lookup returns an expired session too: the caller decides. */
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, expired.token, &looked, &owner), DB_OK);
    ck_assert_int_lt(looked.expires_at_ms, looked.created_at_ms);
    ck_assert_str_eq(owner.id, nu.id);

    /* session_list: unexpired only, oldest first, every field as created. */
    struct session_record *list = NULL;
    size_t n = 0;
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, nu.id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 3);
    for (int i = 0; i < 3; i++)
        assert_same_session(&list[i], &created[i]);
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, testdb_fresh(f.a), &list, &n), DB_OK);
    ck_assert_uint_eq(n, 0);

    /* session_refresh: a new expiry from the database's now, updatedAt moves, createdAt not. */
    usleep(5000);
    ck_assert_int_eq(OPS(&f)->session_refresh(IMPL(&f), f.a, s[0].id, WEEK_S, &refreshed), DB_OK);
    assert_session(&refreshed, &s[0]);
    ck_assert_str_eq(refreshed.created_at, created[0].created_at);
    ck_assert_int_eq(refreshed.created_at_ms, created[0].created_at_ms);
    ck_assert_int_eq(iso_ms(refreshed.expires_at) - iso_ms(refreshed.updated_at),
                     (int64_t)WEEK_S * 1000);
    ck_assert_int_gt(iso_ms(refreshed.updated_at), iso_ms(created[0].updated_at));
    ck_assert_int_gt(refreshed.expires_at_ms, created[0].expires_at_ms);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, s[0].token, &looked, &owner), DB_OK);
    assert_same_session(&looked, &refreshed);
    ck_assert_int_eq(OPS(&f)->session_refresh(IMPL(&f), f.a, testdb_fresh(f.a), WEEK_S, &refreshed),
                     DB_NOTFOUND);

    /* session_delete_of_user: never another user's session, by token or by handle. */
    const char *deleted = NULL;
    ck_assert_int_eq(
        OPS(&f)->session_delete_of_user(IMPL(&f), f.a, nu.id, theirs.token, theirs.id, &deleted),
        DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, theirs.token, &looked, &owner), DB_OK);
    /* By stored token (handle NULL, as under plain storage). */
    ck_assert_int_eq(
        OPS(&f)->session_delete_of_user(IMPL(&f), f.a, nu.id, s[0].token, NULL, &deleted), DB_OK);
    ck_assert_str_eq(deleted, s[0].id);
    /* By handle (the session id list-sessions shows under hash storage). */
    ck_assert_int_eq(OPS(&f)->session_delete_of_user(IMPL(&f), f.a, nu.id,
                                                     stored_token(f.a, hashed), s[1].id, &deleted),
                     DB_OK);
    ck_assert_str_eq(deleted, s[1].id);
    /* An id given as a token matches nothing when no handle is given. */
    ck_assert_int_eq(OPS(&f)->session_delete_of_user(IMPL(&f), f.a, nu.id, s[2].id, NULL, &deleted),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, s[0].token, &looked, &owner),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, s[1].token, &looked, &owner),
                     DB_NOTFOUND);

    /* session_delete_others keeps exactly one; nothing left to delete is still DB_OK. */
    struct new_session extra = new_session_for(f.a, nu.id, hashed, WEEK_S);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &extra, &rec), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_delete_others(IMPL(&f), nu.id, s[2].id), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, nu.id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(list[0].id, s[2].id);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", nu.id),
                    1); /* expired too */
    ck_assert_int_eq(OPS(&f)->session_delete_others(IMPL(&f), nu.id, s[2].id), DB_OK);

    /* session_delete_token: any user's; a second time "not found". */
    ck_assert_int_eq(OPS(&f)->session_delete_token(IMPL(&f), s[2].token), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_delete_token(IMPL(&f), s[2].token), DB_NOTFOUND);

    /* session_delete_all: every session of the user, none of the other's. */
    for (int i = 0; i < 2; i++) {
        struct new_session more = new_session_for(f.a, nu.id, hashed, WEEK_S);
        ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &more, &rec), DB_OK);
    }
    ck_assert_int_eq(OPS(&f)->session_delete_all(IMPL(&f), nu.id), DB_OK);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", nu.id), 0);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", other.id), 1);
    ck_assert_int_eq(OPS(&f)->session_delete_all(IMPL(&f), nu.id), DB_OK);
    fixture_close(&f);
}
END_TEST

/* password_set alone, with a new session replacing all others, and failing halfway. */
START_TEST(test_password_set)
{
    struct fixture f;
    fixture_open(&f, _i);
    bool hashed = (_i >> 1) != 0;
    struct user_record user, owner;
    struct session_record rec, fresh_rec, looked;
    const char *hash = NULL;
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session first = new_session_for(f.a, nu.id, hashed, WEEK_S);
    sign_up(&f, &nu, &first, &user, &rec);
    struct new_session second = new_session_for(f.a, nu.id, hashed, WEEK_S);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &second, &rec), DB_OK);
    usleep(5000);

    /* The hash upgrade: password and account.updatedAt, sessions untouched. */
    const char *upgraded = "$y$j9T$upgradedsaltupgradedsa$upgradedhashupgradedhashupgradedhashupg";
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, nu.id, upgraded, NULL, NULL), DB_OK);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, nu.id, &hash), DB_OK);
    ck_assert_str_eq(hash, upgraded);
    struct account_record *accounts = NULL;
    size_t n = 0;
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, nu.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_gt(iso_ms(accounts[0].updated_at), iso_ms(accounts[0].created_at));
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", nu.id), 2);

    /* With revokeOtherSessions: every session replaced by the new one, in one transaction. */
    struct new_session replacement = new_session_for(f.a, nu.id, hashed, WEEK_S);
    ck_assert_int_eq(
        OPS(&f)->password_set(IMPL(&f), f.a, nu.id, nu.password_hash, &replacement, &fresh_rec),
        DB_OK);
    assert_session(&fresh_rec, &replacement);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, nu.id, &hash), DB_OK);
    ck_assert_str_eq(hash, nu.password_hash);
    struct session_record *list = NULL;
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, nu.id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(list[0].id, replacement.id);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, first.token, &looked, &owner),
                     DB_NOTFOUND);

    /* Failing at the last statement (token in use by another user's session): rolled back,
     * the password and the sessions as they were. */
    struct new_user other = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session theirs = new_session_for(f.a, other.id, hashed, WEEK_S);
    sign_up(&f, &other, &theirs, &user, &rec);
    struct new_session clash = new_session_for(f.a, nu.id, hashed, WEEK_S);
    clash.token = theirs.token;
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, nu.id, upgraded, &clash, &fresh_rec),
                     DB_CONFLICT);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, nu.id, &hash), DB_OK);
    ck_assert_str_eq(hash, nu.password_hash);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, replacement.token, &looked, &owner),
                     DB_OK);

    /* No credential account: "not found", and nothing else changes (sessions kept). */
    char *drop = arena_printf(f.a, "DELETE FROM account WHERE \"userId\" = '%s'", other.id);
    ck_assert_int_eq(db_exec_script(f.db, drop), DB_OK);
    struct new_session unused = new_session_for(f.a, other.id, hashed, WEEK_S);
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, other.id, upgraded, NULL, NULL),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, other.id, upgraded, &unused, &fresh_rec),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, theirs.token, &looked, &owner), DB_OK);
    testdb_count_is(f.db, "session", arena_printf(f.a, "id = '%s'", unused.id), 0);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, other.id, &hash), DB_NOTFOUND);
    /* user_by_email of a user without credential account: found, hash NULL. */
    hash = "x";
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, other.email, &user, &hash), DB_OK);
    ck_assert_ptr_null(hash);
    fixture_close(&f);
}
END_TEST

/* password_kinds: one stored hash per kind, whatever the number of accounts of each kind (the
 * table is shared with the other tests: only the kinds seeded here are counted). */
START_TEST(test_password_kinds)
{
    static const char *const hashes[] = {
        "$y$j8T$saltsaltsaltsaltsaltsa$hashhashhashhashhashhashhashhashhashhashhas",
        "$y$j8T$othersaltothersaltothe$hashhashhashhashhashhashhashhashhashhashhas",
        "$6$rounds=9000$saltsalt$hashhashhashhash",
        "$6$rounds=9000$othersalt$hashhashhashhash",
        "0123456789abcdef0123456789abcdef:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "fedcba9876543210fedcba9876543210:"
        "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
        "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
    };
    struct fixture f;
    struct user_record user;
    struct session_record rec;
    const char *kinds[16];
    size_t n = 0, j8t = 0, rounds = 0, scrypt = 0;

    fixture_open(&f, _i);
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);

        nu.password_hash = hashes[i];
        sign_up(&f, &nu, NULL, &user, &rec);
    }
    ck_assert_int_eq(OPS(&f)->password_kinds(IMPL(&f), f.a, kinds, 16, &n), DB_OK);
    for (size_t i = 0; i < n; i++) {
        j8t += strncmp(kinds[i], "$y$j8T$", 7) == 0;
        rounds += strncmp(kinds[i], "$6$rounds=9000$", 15) == 0;
        scrypt += strlen(kinds[i]) == 161 && kinds[i][32] == ':';
    }
    ck_assert_uint_eq(j8t, 1);
    ck_assert_uint_eq(rounds, 1);
    ck_assert_uint_eq(scrypt, 1);
    fixture_close(&f);
}
END_TEST

START_TEST(test_user_update_and_delete)
{
    struct fixture f;
    fixture_open(&f, _i);
    struct user_record user, updated;
    struct session_record rec, looked;
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), "https://example.com/a.png");
    struct new_session ns = new_session_for(f.a, nu.id, true, WEEK_S);
    sign_up(&f, &nu, &ns, &user, &rec);
    usleep(5000);

    /* name only */
    struct user_update u = {.name_op = FIELD_SET, .name = "New Name", .image_op = FIELD_KEEP};
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &u, &updated), DB_OK);
    assert_user(&updated, nu.id, "New Name", nu.email, nu.image);
    ck_assert_str_eq(updated.created_at, user.created_at);
    ck_assert_int_gt(iso_ms(updated.updated_at), iso_ms(user.updated_at));
    assert_recent(updated.updated_at);
    /* image only, then cleared; the name stays */
    u = (struct user_update){.name_op = FIELD_KEEP, .image_op = FIELD_SET, .image = "b.png"};
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &u, &updated), DB_OK);
    assert_user(&updated, nu.id, "New Name", nu.email, "b.png");
    u = (struct user_update){.name_op = FIELD_KEEP, .image_op = FIELD_SET_NULL};
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &u, &updated), DB_OK);
    assert_user(&updated, nu.id, "New Name", nu.email, NULL);
    /* both, and what the session lookup now sees */
    u = (struct user_update){
        .name_op = FIELD_SET, .name = "Last", .image_op = FIELD_SET, .image = "c.png"};
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &u, &updated), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &user), DB_OK);
    assert_user(&user, nu.id, "Last", nu.email, "c.png");
    ck_assert_str_eq(user.updated_at, updated.updated_at);
    /* unknown user; a name cannot be NULL */
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, testdb_fresh(f.a), &u, &updated),
                     DB_NOTFOUND);
    u = (struct user_update){.name_op = FIELD_SET_NULL, .image_op = FIELD_KEEP};
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &u, &updated), DB_INVALID);

    /* user_delete: accounts and sessions go by cascade; a second time "not found". */
    ck_assert_int_eq(OPS(&f)->user_delete(IMPL(&f), nu.id), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &user), DB_NOTFOUND);
    testdb_count_is(f.db, "account", arena_printf(f.a, "\"userId\" = '%s'", nu.id), 0);
    testdb_count_is(f.db, "session", arena_printf(f.a, "\"userId\" = '%s'", nu.id), 0);
    ck_assert_int_eq(OPS(&f)->user_delete(IMPL(&f), nu.id), DB_NOTFOUND);
    fixture_close(&f);
}
END_TEST

/* user."twoFactorEnabled" (schema/008) comes with every statement that reads a user: NULL, as
 * sign-up leaves it (and Better Auth without the twoFactor plugin), reads false; once set,
 * every read sees it. */
START_TEST(test_two_factor_column)
{
    struct fixture f;
    fixture_open(&f, _i);
    struct user_record user, again;
    struct session_record rec, looked;
    struct two_factor_record tf;
    struct user_record au;
    const char *hash = NULL;
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session ns = new_session_for(f.a, nu.id, true, WEEK_S);
    const struct user_update renamed = {
        .name_op = FIELD_SET, .name = "Renamed", .image_op = FIELD_KEEP};

    sign_up(&f, &nu, &ns, &user, &rec);
    ck_assert(!user.two_factor_enabled);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT \"twoFactorEnabled\" IS NULL FROM \"user\" "
                                   "WHERE id = '%s')",
                                   nu.id));
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &again), DB_OK);
    ck_assert(!again.two_factor_enabled);
    for (int on = 1; on >= 0; on--) {
        ck_assert_int_eq(OPS(&f)->two_factor_set(IMPL(&f), nu.id,
                                                 on == 1 ? TWO_FACTOR_ENABLE : TWO_FACTOR_DISABLE),
                         DB_OK);
        ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, nu.email, &again, &hash), DB_OK);
        ck_assert_int_eq(again.two_factor_enabled, on);
        ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &again), DB_OK);
        ck_assert_int_eq(again.two_factor_enabled, on);
        ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, nu.id, &renamed, &again), DB_OK);
        ck_assert_int_eq(again.two_factor_enabled, on);
        ck_assert_int_eq(OPS(&f)->admin_user_get(IMPL(&f), f.a, nu.id, &au), DB_OK);
        ck_assert_int_eq(au.two_factor_enabled, on);
        ck_assert_int_eq(OPS(&f)->two_factor_get(IMPL(&f), f.a, nu.id, &again, &tf), DB_OK);
        ck_assert_int_eq(again.two_factor_enabled, on);
    }
    fixture_close(&f);
}
END_TEST

/* Two enables of one user at once (a double submit): the second waits for the first and
 * rewrites its row; without the wait both inserted one, and the user's authenticator code
 * was checked against whichever row came first. The first enable is played by hand: its
 * transaction holds the user's lock and has inserted its row, uncommitted. */
START_TEST(test_two_factor_save_takes_turns)
{
    struct fixture f;
    struct db *first;
    pid_t pid;

    fixture_open(&f, _i);
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session ns = new_session_for(f.a, nu.id, true, WEEK_S);
    struct user_record user;
    struct session_record rec;
    sign_up(&f, &nu, &ns, &user, &rec);

    first = testdb_connect(f.unnamed, "authfcgi_check_store");
    ck_assert_int_eq(
        db_exec_script(first, arena_printf(f.a,
                                           "BEGIN; SELECT id FROM \"user\" WHERE id = '%s' FOR NO "
                                           "KEY UPDATE; INSERT INTO \"twoFactor\" (id, secret, "
                                           "\"backupCodes\", \"userId\", verified) VALUES ('%s', "
                                           "'first', 'first', '%s', false)",
                                           nu.id, testdb_fresh(f.a), nu.id)),
        DB_OK);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct db *db = testdb_connect(f.unnamed, "authfcgi_check_store");
        struct store store;

        store_pg_init(&store, db);
        _exit(store.ops->two_factor_save(store.impl, nu.id, testdb_fresh(f.a), "second", "second",
                                         false) == DB_OK
                  ? 10
                  : 11);
    }
    /* Until the second save waits for the lock (a bounded wait for that event). */
    ck_assert_int_eq(db_exec_script(f.db, "DO $$ BEGIN FOR i IN 1..3000 LOOP EXIT WHEN EXISTS "
                                          "(SELECT 1 FROM pg_locks WHERE NOT granted); PERFORM "
                                          "pg_sleep(0.01); END LOOP; END $$"),
                     DB_OK);
    testdb_true(f.db, "EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)");
    ck_assert_int_eq(db_exec_script(first, "COMMIT"), DB_OK);
    ck_assert_int_eq(testdb_reap(pid), 10);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT count(*) = 1 AND min(secret) = 'second' FROM "
                                   "\"twoFactor\" WHERE \"userId\" = '%s')",
                                   nu.id));
    db_close(first);
    fixture_close(&f);
}
END_TEST

/* admin_reads - the user id (with a session whose stored token is token) as every statement
 * that reads a user or a session sees its admin columns: role (NULL: none), banned, banReason,
 * banExpires ms (0: none), and the session's impersonatedBy (NULL: none). */
static void admin_reads(struct fixture *f, const char *id, const char *email, const char *token,
                        const char *role, bool banned, const char *reason, int64_t expires_ms,
                        const char *by)
{
    const struct user_update same = {.name_op = FIELD_KEEP, .image_op = FIELD_KEEP};
    struct user_record u[5];
    struct session_record s[3], *list = NULL;
    struct two_factor_record tf;
    size_t n = 0;
    const char *hash;

    ck_assert_int_eq(OPS(f)->user_by_email(IMPL(f), f->a, email, &u[0], &hash), DB_OK);
    ck_assert_int_eq(OPS(f)->session_lookup(IMPL(f), f->a, token, &s[0], &u[1]), DB_OK);
    ck_assert_int_eq(OPS(f)->user_update(IMPL(f), f->a, id, &same, &u[2]), DB_OK);
    ck_assert_int_eq(OPS(f)->admin_user_get(IMPL(f), f->a, id, &u[3]), DB_OK);
    ck_assert_int_eq(OPS(f)->two_factor_get(IMPL(f), f->a, id, &u[4], &tf), DB_OK);
    for (int i = 0; i < 5; i++) {
        if (role == NULL)
            ck_assert_ptr_null(u[i].role);
        else
            ck_assert_str_eq(u[i].role, role);
        ck_assert_int_eq(u[i].banned, banned);
        if (reason == NULL)
            ck_assert_ptr_null(u[i].ban_reason);
        else
            ck_assert_str_eq(u[i].ban_reason, reason);
        ck_assert_int_eq(u[i].ban_expires_ms, expires_ms);
        ck_assert_int_eq(u[i].ban_expires == NULL, expires_ms == 0);
        if (expires_ms != 0)
            ck_assert_int_eq(iso_ms(u[i].ban_expires), expires_ms);
    }
    ck_assert_int_eq(OPS(f)->session_refresh(IMPL(f), f->a, s[0].id, WEEK_S, &s[1]), DB_OK);
    ck_assert_int_eq(OPS(f)->session_list(IMPL(f), f->a, id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    s[2] = list[0];
    for (int i = 0; i < 3; i++)
        if (by == NULL)
            ck_assert_ptr_null(s[i].impersonated_by);
        else
            ck_assert_str_eq(s[i].impersonated_by, by);
}

/* The admin plugin's columns (schema/007) come with every statement that reads a user or a
 * session: NULL role and NULL banned (a user Better Auth made without the plugin) read as
 * none and false; sign-up writes the role it is given in its INSERT; set columns read back. */
START_TEST(test_admin_columns)
{
    struct fixture f;
    fixture_open(&f, _i);
    struct user_record user;
    struct session_record rec;
    struct new_user nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    struct new_session ns = new_session_for(f.a, nu.id, true, WEEK_S);
    const char *by = testdb_fresh(f.a);

    sign_up(&f, &nu, &ns, &user, &rec);
    ck_assert_ptr_null(user.role);
    ck_assert(!user.banned);
    ck_assert_ptr_null(rec.impersonated_by);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT role IS NULL AND banned IS NULL FROM \"user\" "
                                   "WHERE id = '%s')",
                                   nu.id));
    admin_reads(&f, nu.id, nu.email, ns.token, NULL, false, NULL, 0, NULL);
    ck_assert_int_eq(
        db_exec_script(f.db, arena_printf(f.a,
                                          "UPDATE \"user\" SET role = 'admin,ops', "
                                          "banned = true, \"banReason\" = 'spam', "
                                          "\"banExpires\" = '2031-01-02 03:04:05.678+00' "
                                          "WHERE id = '%s'; UPDATE session SET "
                                          "\"impersonatedBy\" = '%s' WHERE id = '%s'",
                                          nu.id, by, ns.id)),
        DB_OK);
    admin_reads(&f, nu.id, nu.email, ns.token, "admin,ops", true, "spam", INT64_C(1925089445678),
                by);
    /* sign-up's role travels in its INSERT */
    nu = new_user_with(f.a, testdb_fresh_email(f.a), NULL);
    nu.role = "user";
    sign_up(&f, &nu, NULL, &user, NULL);
    ck_assert_str_eq(user.role, "user");
    testdb_true(f.db,
                arena_printf(f.a, "(SELECT role = 'user' FROM \"user\" WHERE id = '%s')", nu.id));
    fixture_close(&f);
}
END_TEST

/* Rows another writer made (Better Auth, or a NULL-tolerant client) read as they are. */
START_TEST(test_foreign_rows)
{
    struct fixture f;
    fixture_open(&f, _i);
    struct user_record user;
    struct session_record looked;
    char *uid = testdb_fresh(f.a), *sid = testdb_fresh(f.a), *tok = testdb_fresh(f.a);
    char *sql = arena_printf(
        f.a,
        "INSERT INTO \"user\" (id, name, email, \"emailVerified\", \"createdAt\", \"updatedAt\") "
        "VALUES ('%s', 'Old', '%s@example.com', true, '2026-11-20 09:15:02.113456+00', "
        "'1999-12-31 23:59:59.9995+00')",
        uid, uid);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    sql = arena_printf(f.a,
                       "INSERT INTO session (id, \"expiresAt\", token, \"createdAt\", "
                       "\"updatedAt\", \"userId\") VALUES ('%s', '2026-11-28 10:00:00.999999+00', "
                       "'%s', '2026-11-21 10:00:00.0005+00', '2026-11-21 10:00:00+00', '%s')",
                       sid, tok, uid);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, tok, &looked, &user), DB_OK);
    ck_assert(user.email_verified);
    ck_assert_str_eq(user.created_at, "2026-11-20T09:15:02.113Z");
    /* Before 2000 PostgreSQL's microseconds are negative: still rounded down. */
    ck_assert_str_eq(user.updated_at, "1999-12-31T23:59:59.999Z");
    ck_assert_ptr_null(looked.ip_address);
    ck_assert_ptr_null(looked.user_agent);
    /* Sub-millisecond digits are cut, and the ms fields agree with the text. */
    ck_assert_str_eq(looked.expires_at, "2026-11-28T10:00:00.999Z");
    ck_assert_str_eq(looked.created_at, "2026-11-21T10:00:00.000Z");
    ck_assert_int_eq(looked.expires_at_ms, iso_ms(looked.expires_at));
    ck_assert_int_eq(looked.created_at_ms, iso_ms(looked.created_at));
    ck_assert_int_eq(looked.created_at_ms, INT64_C(1795255200000));
    ck_assert_int_eq(OPS(&f)->user_delete(IMPL(&f), uid), DB_OK);
    fixture_close(&f);
}
END_TEST

/* ---- concurrent duplicate sign-ups ---- */

/* racer - one process with its own connection: connect, say ready, wait for the start, sign
 * up; the exit status is the db_status. */
static void racer(bool unnamed, int ready_fd, int go_fd, const char *prefix, int n,
                  const char *email)
{
    struct db *db = NULL;
    struct store store;
    struct arena *a = arena_create(4096);
    struct user_record user;
    struct session_record session;
    char c = 'r';
    char err[256];
    const struct db_options opt = {.conninfo = getenv("DATABASE_URL"),
                                   .timeout_ms = 20000,
                                   .unnamed = unnamed,
                                   .application_name = "authfcgi_check_store_racer"};

    if (db_open(&db, &opt, err, sizeof err) != 0 || db_connect(db) != DB_OK)
        _exit(100);
    store_pg_init(&store, db);
    struct new_user u = {
        .id = arena_printf(a, "%s-user-%d", prefix, n),
        .name = "Racer",
        .email = email,
        .account_id = arena_printf(a, "%s-account-%d", prefix, n),
        .password_hash = "$y$j9T$racer",
    };
    struct new_session s = {
        .id = arena_printf(a, "%s-session-%d", prefix, n),
        .token = arena_printf(a, "%s-token-%d", prefix, n),
        .user_id = u.id,
        .expires_in_s = WEEK_S,
        .ip_address = "",
        .user_agent = "",
    };
    if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 0)
        _exit(101);
    enum db_status st = store.ops->sign_up(store.impl, a, &u, &s, &user, &session);
    arena_destroy(a);
    db_close(db);
    _exit((int)st);
}

START_TEST(test_concurrent_duplicate_sign_ups)
{
    struct fixture f;
    fixture_open(&f, _i);
    int ready[2], go[2];
    pid_t pids[RACERS];
    char *prefix = testdb_fresh(f.a);
    char *email = testdb_fresh_email(f.a);
    int ok = 0, conflict = 0;

    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(go), 0);
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            close(ready[0]);
            close(go[1]);
            racer(f.unnamed, ready[1], go[0], prefix, i, email);
        }
    }
    close(ready[1]);
    close(go[0]);
    /* Every racer connected before the start, so they really race on the unique index. */
    for (int i = 0; i < RACERS; i++) {
        char c;
        ck_assert_msg(read(ready[0], &c, 1) == 1, "racer %d did not get ready", i);
    }
    close(go[1]); /* start: every racer's read returns 0 */
    for (int i = 0; i < RACERS; i++) {
        int st = testdb_reap(pids[i]);
        if (st == DB_OK)
            ok++;
        else if (st == DB_CONFLICT)
            conflict++;
        else
            ck_abort_msg("racer %d ended with status %d (%s)", i, st,
                         st <= DB_FAIL ? db_status_name((enum db_status)st) : "setup failed");
    }
    close(ready[0]);
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(conflict, RACERS - 1);
    testdb_count_is(f.db, "\"user\"", arena_printf(f.a, "email = '%s'", email), 1);
    testdb_count_is(f.db, "\"user\"", arena_printf(f.a, "id LIKE '%s-%%'", prefix), 1);
    testdb_count_is(f.db, "account", arena_printf(f.a, "id LIKE '%s-%%'", prefix), 1);
    testdb_count_is(f.db, "session", arena_printf(f.a, "id LIKE '%s-%%'", prefix), 1);
    /* ... and they belong together. */
    testdb_count_is(
        f.db, "account a JOIN session s USING (\"userId\") JOIN \"user\" u ON u.id = a.\"userId\"",
        arena_printf(f.a, "u.email = '%s' AND a.id LIKE '%s-%%'", email, prefix), 1);
    fixture_close(&f);
}
END_TEST

/* ---- rate limits ---- */

static void hit(struct fixture *f, const char *key, int window, int max, bool want_allowed,
                int want_retry_after)
{
    bool allowed = !want_allowed;
    int retry_after = -1;
    enum db_status st = OPS(f)->rate_limit_hit(IMPL(f), key, window, max, &allowed, &retry_after);
    ck_assert_msg(st == DB_OK, "rate_limit_hit: %s", db_status_name(st));
    ck_assert_msg(allowed == want_allowed, "key %s: %s, expected %s", key,
                  allowed ? "allowed" : "refused", want_allowed ? "allowed" : "refused");
    if (!want_allowed)
        ck_assert_int_eq(retry_after, want_retry_after);
}

START_TEST(test_rate_limit_burst)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *key = arena_printf(f.a, "198.51.100.7|/sign-in/email|%s", testdb_fresh(f.a));
    char *neighbour = arena_printf(f.a, "198.51.100.8|/sign-in/email|%s", testdb_fresh(f.a));

    testdb_true(f.db, "(SELECT relpersistence = 'u' FROM pg_class WHERE relname = "
                      "'authfcgi_rate_limit')");
    /* 10 s / 3: three allowed, the fourth and fifth refused for the whole window. */
    for (int i = 0; i < 3; i++)
        hit(&f, key, 10, 3, true, 0);
    hit(&f, key, 10, 3, false, 10);
    hit(&f, key, 10, 3, false, 10);
    /* Refused hits wrote nothing: the count stays at max. */
    testdb_true(
        f.db,
        arena_printf(f.a, "(SELECT count = 3 FROM authfcgi_rate_limit WHERE key = '%s')", key));
    /* Another key has its own count. */
    hit(&f, neighbour, 10, 3, true, 0);
    /* A rule with a higher max on the same key (Better Auth keys by IP and path, so this is
     * only the algorithm at work): count 3 < 100, allowed. */
    hit(&f, key, 10, 100, true, 0);
    fixture_close(&f);
}
END_TEST

START_TEST(test_rate_limit_window)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *key = arena_printf(f.a, "2001:db8::|/change-password|%s", testdb_fresh(f.a));

    /* 2 s / 3. The bucket frees up 2 s after the last ALLOWED request: a refused request in
     * between does not push it back. */
    for (int i = 0; i < 3; i++)
        hit(&f, key, 2, 3, true, 0);
    usleep(1100 * 1000);
    hit(&f, key, 2, 3, false, 1); /* ceil((last + 2000 - now) / 1000) with now - last > 1000 */
    usleep(1000 * 1000);
    /* Reset: count starts again at 1, so three more are allowed, then refused. */
    for (int i = 0; i < 3; i++)
        hit(&f, key, 2, 3, true, 0);
    hit(&f, key, 2, 3, false, 2);
    fixture_close(&f);
}
END_TEST

/* Two processes, two connections, one count. */
START_TEST(test_rate_limit_shared)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *key = arena_printf(f.a, "no-trusted-ip|/sign-up/email|%s", testdb_fresh(f.a));

    hit(&f, key, 10, 3, true, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The other mode, to show that both count alike. */
        struct db *db = NULL;
        struct store store;
        char err[256];
        const struct db_options opt = {
            .conninfo = getenv("DATABASE_URL"), .timeout_ms = 10000, .unnamed = !f.unnamed};
        bool allowed = false;
        int retry = 0, bad = 0;
        if (db_open(&db, &opt, err, sizeof err) != 0)
            _exit(2);
        store_pg_init(&store, db);
        for (int i = 0; i < 2; i++)
            if (store.ops->rate_limit_hit(store.impl, key, 10, 3, &allowed, &retry) != DB_OK ||
                !allowed)
                bad = 1;
        db_close(db);
        _exit(bad);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    hit(&f, key, 10, 3, false, 10);
    fixture_close(&f);
}
END_TEST

/* Old rows are purged by the counting statement, at most 100 at a time, recent ones kept. */
START_TEST(test_rate_limit_purge)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *tag = testdb_fresh(f.a);
    char *sql = arena_printf(
        f.a,
        "INSERT INTO authfcgi_rate_limit (key, count, \"lastRequest\") "
        "SELECT 'old|%s|' || g, 3, (extract(epoch FROM now()) * 1000)::bigint - 3700000 "
        "FROM generate_series(1, 150) g UNION ALL "
        "SELECT 'recent|%s', 1, (extract(epoch FROM now()) * 1000)::bigint - 3500000",
        tag, tag);
    ck_assert_int_eq(db_exec_script(f.db, sql), DB_OK);
    char *key = arena_printf(f.a, "purger|%s", tag);
    char *old_left = arena_printf(
        f.a, "(SELECT count(*) FROM authfcgi_rate_limit WHERE key LIKE 'old|%s|%%') = 0", tag);
    char *check =
        arena_printf(f.a,
                     "DO $c$ BEGIN IF (SELECT count(*) FROM authfcgi_rate_limit "
                     "WHERE key LIKE 'old|%s|%%') > 0 THEN RAISE EXCEPTION 'left'; END IF; END $c$",
                     tag);
    /* One hit in 64 purges; 4000 hits leave (63/64)^4000 ~ 1e-27 odds of no purge at all, and
     * two purges empty the 150 rows. Other tests' rows may be purged first by the same
     * statement, which is why this does not count purges. */
    bool gone = false;
    for (int i = 0; i < 4000 && !gone; i++) {
        hit(&f, key, 10, 1000000, true, 0);
        if (i % 50 == 49)
            gone = db_exec_script(f.db, check) == DB_OK;
    }
    ck_assert_msg(gone, "old rate-limit rows never purged");
    testdb_true(f.db, old_left);
    testdb_count_is(f.db, "authfcgi_rate_limit", arena_printf(f.a, "key = 'recent|%s'", tag), 1);
    testdb_count_is(f.db, "authfcgi_rate_limit", arena_printf(f.a, "key = '%s'", key), 1);
    fixture_close(&f);
}
END_TEST

/* ---- failed sign-ins per account (STMT_ACCOUNT_GUARD_*; the policy's numbers) ---- */

static const struct account_guard_policy guard_policy = {
    .window_s = 86400, .max_failures = 100, .free_failures = 5, .max_delay_s = 900};

/* claim - one claim under p; asserts the outcome, returns the retry-after of a refusal. */
static int claim(struct fixture *f, const char *key, const struct account_guard_policy *p,
                 bool want_allowed)
{
    bool allowed = !want_allowed;
    int retry_after = -1;
    enum db_status st = OPS(f)->account_guard_claim(IMPL(f), key, p, &allowed, &retry_after);
    ck_assert_msg(st == DB_OK, "account_guard_claim: %s", db_status_name(st));
    ck_assert_msg(allowed == want_allowed, "key %s: %s, expected %s", key,
                  allowed ? "allowed" : "refused", want_allowed ? "allowed" : "refused");
    ck_assert_int_eq(retry_after, want_allowed ? 0 : retry_after);
    ck_assert(want_allowed || retry_after >= 1);
    return retry_after;
}

/* guard_set - edit the row of key: the test's clock (no waiting). */
static void guard_set(struct fixture *f, const char *key, const char *assignments)
{
    ck_assert_int_eq(db_exec_script(f->db, arena_printf(f->a,
                                                        "UPDATE authfcgi_account_guard SET %s "
                                                        "WHERE key = '%s'",
                                                        assignments, key)),
                     DB_OK);
}

START_TEST(test_account_guard_policy)
{
    struct fixture f;
    fixture_open(&f, _i);
    char *key = testdb_fresh(f.a), *other = testdb_fresh(f.a);
    int retry;

    /* 5 free, the 6th locks for 1 s, the 7th for 2 s. */
    for (int i = 0; i < 6; i++)
        claim(&f, key, &guard_policy, true);
    ck_assert_int_eq(claim(&f, key, &guard_policy, false), 1);
    claim(&f, other, &guard_policy, true); /* another account is another row */
    guard_set(&f, key, "locked_until = 0");
    claim(&f, key, &guard_policy, true);
    ck_assert_int_eq(claim(&f, key, &guard_policy, false), 2);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT window_failures = 7 AND consecutive = 7 FROM "
                                   "authfcgi_account_guard WHERE key = '%s')",
                                   key));

    /* A success: the delay starts over; the window's failures stay (minus the success). */
    ck_assert_int_eq(OPS(&f)->account_guard_success(IMPL(&f), key), DB_OK);
    ck_assert_int_eq(OPS(&f)->account_guard_success(IMPL(&f), testdb_fresh(f.a)), DB_OK);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT window_failures = 6 AND consecutive = 0 AND "
                                   "locked_until = 0 FROM authfcgi_account_guard WHERE key = '%s')",
                                   key));
    for (int i = 0; i < 5; i++)
        claim(&f, key, &guard_policy, true);

    /* The doubling stops at 15 min. */
    guard_set(&f, key, "consecutive = 60, locked_until = 0");
    claim(&f, key, &guard_policy, true);
    retry = claim(&f, key, &guard_policy, false);
    ck_assert_msg(retry >= 899 && retry <= 900, "retry-after %d", retry);

    /* The 100th failure of the window is the last: the 101st waits for the window's end. */
    guard_set(&f, key, "window_failures = 99, locked_until = 0");
    claim(&f, key, &guard_policy, true);
    guard_set(&f, key, "locked_until = 0");
    retry = claim(&f, key, &guard_policy, false);
    ck_assert_msg(retry > 86400 - 120 && retry <= 86400, "retry-after %d", retry);

    /* A day after its first attempt the window starts over. */
    guard_set(&f, key, "window_start = window_start - 86400000");
    claim(&f, key, &guard_policy, true);
    testdb_true(f.db, arena_printf(f.a,
                                   "(SELECT window_failures = 1 AND consecutive = 1 FROM "
                                   "authfcgi_account_guard WHERE key = '%s')",
                                   key));
    fixture_close(&f);
}
END_TEST

/* Attempts in flight at once on many connections: never more than max_failures. */
START_TEST(test_account_guard_racers)
{
    static const struct account_guard_policy no_delay = {
        .window_s = 86400, .max_failures = 50, .free_failures = 1000, .max_delay_s = 900};
    struct fixture f;
    fixture_open(&f, _i);
    char *key = testdb_fresh(f.a);
    pid_t pids[RACERS];
    int allowed_total = 0;

    for (int r = 0; r < RACERS; r++) {
        pids[r] = fork();
        ck_assert_int_ge(pids[r], 0);
        if (pids[r] == 0) {
            struct db *db = testdb_connect(f.unnamed, "authfcgi_check_store");
            struct store store;
            int n = 0;
            bool allowed;
            int retry;

            store_pg_init(&store, db);
            for (int i = 0; i < 10; i++) {
                if (store.ops->account_guard_claim(store.impl, key, &no_delay, &allowed, &retry) !=
                    DB_OK)
                    _exit(255);
                n += allowed;
            }
            db_close(db);
            _exit(n);
        }
    }
    for (int r = 0; r < RACERS; r++) {
        int n = testdb_reap(pids[r]);
        ck_assert_int_ne(n, 255);
        allowed_total += n;
    }
    ck_assert_int_eq(allowed_total, 50);
    fixture_close(&f);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store_pg");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 120);
    /* _i: bit 0 unnamed mode, bit 1 hashed tokens (where tokens matter). */
    tcase_add_loop_test(tc, test_ping, 0, 2);
    tcase_add_loop_test(tc, test_sign_up_and_read, 0, 4);
    tcase_add_loop_test(tc, test_sign_up_leaves_nothing_on_failure, 0, 2);
    tcase_add_loop_test(tc, test_sessions, 0, 4);
    tcase_add_loop_test(tc, test_password_set, 0, 4);
    tcase_add_loop_test(tc, test_password_kinds, 0, 2);
    tcase_add_loop_test(tc, test_user_update_and_delete, 0, 2);
    tcase_add_loop_test(tc, test_two_factor_column, 0, 2);
    tcase_add_loop_test(tc, test_admin_columns, 0, 2);
    tcase_add_loop_test(tc, test_two_factor_save_takes_turns, 0, 2);
    tcase_add_loop_test(tc, test_foreign_rows, 0, 2);
    tcase_add_loop_test(tc, test_concurrent_duplicate_sign_ups, 0, 2);
    tcase_add_loop_test(tc, test_rate_limit_burst, 0, 2);
    tcase_add_loop_test(tc, test_rate_limit_window, 0, 2);
    tcase_add_loop_test(tc, test_rate_limit_shared, 0, 2);
    tcase_add_loop_test(tc, test_rate_limit_purge, 0, 2);
    tcase_add_loop_test(tc, test_account_guard_policy, 0, 2);
    tcase_add_loop_test(tc, test_account_guard_racers, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testdb_run(store_suite());
}
