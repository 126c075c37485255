/* store_contract - the store contract's cases (store_contract.h): every operation of
 * struct store_ops, its error statuses, cascades, conflicts and expiry, as store_pg shows them
 * over PostgreSQL; the fake store must show the same. */
#include "config.h"

#include "store_contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/arena.h"
#include "global/mail.h"
#include "util/random.h"
#include "util/text.h"

#define HASH_A "$y$j9T$abcdefghijklmnopqrstu$0123456789abcdefghijklmnopqrstuvwxyzABCDE"
#define HASH_B "$y$j9T$bcdefghijklmnopqrstuv$123456789abcdefghijklmnopqrstuvwxyzABCDEF"
#define DAY_S 86400

static const struct contract_backend *B;

/* One test's world: the store, an arena, and a mail configuration to render outbox rows. */
struct fx {
    struct store *st;
    struct arena *a;
    struct mail_config *mail;
};

static struct fx fx_open(void)
{
    struct fx f = {.st = B->open(), .a = arena_create(16384)};
    char err[256];

    ck_assert_msg(mail_config_new(&f.mail, "Tests <noreply@example.com>", NULL, err, sizeof err) ==
                      0,
                  "%s", err);
    return f;
}

static void fx_close(struct fx *f)
{
    mail_config_free(f->mail);
    arena_destroy(f->a);
    B->close();
}

#define OPS(f) ((f)->st->ops)
#define IMPL(f) ((f)->st->impl)

static char *fresh(struct fx *f)
{
    char *s = arena_alloc(f->a, RANDOM_TOKEN_LEN + 1);

    ck_assert_int_eq(random_token(s, RANDOM_TOKEN_LEN), 0);
    return s;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a_new_user - a sign-up's input with fresh ids and a fresh lower-case address. */
static struct new_user a_new_user(struct fx *f)
{
    char *email = arena_printf(f->a, "%s@example.com", fresh(f));

    for (char *p = email; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return (struct new_user){
        .id = fresh(f),
        .name = "Zoë Example",
        .email = email,
        .account_id = fresh(f),
        .password_hash = HASH_A,
    };
}

static struct new_session a_new_session(struct fx *f, const char *user_id, int64_t expires_in_s)
{
    return (struct new_session){
        .id = fresh(f),
        .token = fresh(f),
        .user_id = user_id,
        .expires_in_s = expires_in_s,
        .ip_address = "192.0.2.7",
        .user_agent = "contract/1.0",
    };
}

/* a_user - a signed-up user (credential HASH_A); its record. */
static struct user_record a_user(struct fx *f)
{
    struct new_user nu = a_new_user(f);
    struct user_record u;

    ck_assert_int_eq(OPS(f)->sign_up(IMPL(f), f->a, &nu, NULL, &u, NULL), DB_OK);
    return u;
}

/* a_session - a new session of user_id; its record. */
static struct session_record a_session(struct fx *f, const char *user_id, int64_t expires_in_s)
{
    struct new_session ns = a_new_session(f, user_id, expires_in_s);
    struct session_record s;

    ck_assert_int_eq(OPS(f)->session_create(IMPL(f), f->a, &ns, &s), DB_OK);
    return s;
}

static bool session_exists(struct fx *f, const char *token)
{
    struct session_record s;
    struct user_record u;
    enum db_status st = OPS(f)->session_lookup(IMPL(f), f->a, token, &s, &u);

    ck_assert_msg(st == DB_OK || st == DB_NOTFOUND, "session_lookup: %d", st);
    return st == DB_OK;
}

/* a_mail - a rendered message with the verification row prefix<token> -> value. */
static struct new_mail a_mail(struct fx *f, const char *prefix, const char *value,
                              int64_t expires_in_s)
{
    struct mail_message *msg = arena_alloc(f->a, sizeof *msg);
    const char *token = fresh(f), *why = NULL;
    struct mail_fields fields = {
        .recipient = "someone@example.com",
        .url = arena_printf(f->a, "https://app.example.com/api/auth/x/%s", token),
    };

    ck_assert_msg(mail_render(f->mail, MAIL_VERIFY_EMAIL, &fields, time(NULL), f->a, msg, &why) ==
                      0,
                  "mail_render: %s", why);
    return (struct new_mail){
        .message = msg,
        .verification_id = fresh(f),
        .identifier = arena_printf(f->a, "%s%s", prefix, token),
        .value = value,
        .expires_in_s = expires_in_s,
    };
}

/* a_link - an issued verification row prefix<token> -> value; its identifier. */
static const char *a_link(struct fx *f, const char *prefix, const char *value, int64_t expires_in_s)
{
    struct new_mail m = a_mail(f, prefix, value, expires_in_s);

    ck_assert_int_eq(OPS(f)->mail_issue(IMPL(f), &m), DB_OK);
    return m.identifier;
}

static bool link_live(struct fx *f, const char *identifier)
{
    const char *value = NULL;
    enum db_status st = OPS(f)->verification_find(IMPL(f), f->a, identifier, &value);

    ck_assert_msg(st == DB_OK || st == DB_NOTFOUND, "verification_find: %d", st);
    return st == DB_OK;
}

static const char *credential(struct fx *f, const char *user_id)
{
    const char *hash = NULL;
    enum db_status st = OPS(f)->credential_of_user(IMPL(f), f->a, user_id, &hash);

    ck_assert_msg(st == DB_OK || st == DB_NOTFOUND, "credential_of_user: %d", st);
    return st == DB_OK ? hash : NULL;
}

/* same_time - the ISO text is the Unix-ms value's, as Better Auth shows it. */
static void same_time(const char *iso, int64_t ms)
{
    char want[TEXT_ISO_TIME_SIZE];

    ck_assert_int_eq(text_iso_time(ms, want), 0);
    ck_assert_str_eq(iso, want);
}

static void session_times_agree(const struct session_record *s)
{
    same_time(s->expires_at, s->expires_at_ms);
    same_time(s->created_at, s->created_at_ms);
    ck_assert_str_ge(s->updated_at, s->created_at);
}

/* ---- basics ------------------------------------------------------------------------------ */

START_TEST(test_ping_retry_after)
{
    struct fx f = fx_open();

    ck_assert_int_eq(OPS(&f)->ping(IMPL(&f)), DB_OK);
    ck_assert_int_ge(OPS(&f)->retry_after(IMPL(&f)), 1);
    fx_close(&f);
}
END_TEST

/* ---- sign-up, users, credentials --------------------------------------------------------- */

START_TEST(test_sign_up_records)
{
    struct fx f = fx_open();
    struct new_user nu = a_new_user(&f);
    struct new_session ns = a_new_session(&f, nu.id, 3600);
    struct user_record u;
    struct session_record s;

    nu.image = "https://img.example.com/z.png";
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, &ns, &u, &s), DB_OK);
    ck_assert_str_eq(u.id, nu.id);
    ck_assert_str_eq(u.name, nu.name);
    ck_assert_str_eq(u.email, nu.email);
    ck_assert(!u.email_verified);
    ck_assert_str_eq(u.image, nu.image);
    ck_assert_str_eq(u.created_at, u.updated_at);
    ck_assert_str_eq(s.id, ns.id);
    ck_assert_str_eq(s.token, ns.token);
    ck_assert_str_eq(s.user_id, nu.id);
    ck_assert_str_eq(s.ip_address, ns.ip_address);
    ck_assert_str_eq(s.user_agent, ns.user_agent);
    ck_assert_str_eq(s.created_at, s.updated_at);
    ck_assert_str_eq(s.created_at, u.created_at); /* one transaction, one "now" */
    ck_assert_int_eq(s.expires_at_ms - s.created_at_ms, 3600 * 1000);
    session_times_agree(&s);
    ck_assert(session_exists(&f, ns.token));
    ck_assert_str_eq(credential(&f, nu.id), HASH_A);

    /* No image: SQL NULL; no session asked for: none made. */
    struct new_user plain = a_new_user(&f);
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &plain, NULL, &u, NULL), DB_OK);
    ck_assert_ptr_null(u.image);
    B->session_rows_are(plain.id, 0);
    fx_close(&f);
}
END_TEST

/* A taken e-mail (or id) is DB_CONFLICT and leaves nothing behind; the store compares e-mails
 * exactly (user_email_key), the handlers lower-case them. */
START_TEST(test_sign_up_conflicts)
{
    struct fx f = fx_open();
    struct new_user first = a_new_user(&f), again = a_new_user(&f), same_id = a_new_user(&f);
    struct new_session ns = a_new_session(&f, again.id, 3600);
    struct user_record u;
    struct session_record s;
    const char *hash = NULL;

    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &first, NULL, &u, NULL), DB_OK);
    again.email = first.email;
    again.password_hash = HASH_B;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &again, &ns, &u, &s), DB_CONFLICT);
    ck_assert(!session_exists(&f, ns.token));
    ck_assert_ptr_null(credential(&f, again.id));
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, first.email, &u, &hash), DB_OK);
    ck_assert_str_eq(u.id, first.id);
    ck_assert_str_eq(hash, HASH_A);

    same_id.id = first.id;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &same_id, NULL, &u, NULL), DB_CONFLICT);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, same_id.email, &u, &hash), DB_NOTFOUND);

    /* The same address with one letter upper-cased is another address to the store. */
    struct new_user upper = a_new_user(&f);
    char *shout = arena_strdup(f.a, first.email);
    char *letter = shout + strcspn(shout, "abcdefghijklmnopqrstuvwxyz");
    ck_assert(*letter != '@');
    *letter = (char)(*letter - 'a' + 'A');
    upper.email = shout;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &upper, NULL, &u, NULL), DB_OK);
    ck_assert_str_eq(u.email, shout);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, first.email, &u, &hash), DB_OK);
    ck_assert_str_eq(u.id, first.id);
    fx_close(&f);
}
END_TEST

/* Every row a sign-up writes has a key another row may hold: any of them taken is
 * DB_CONFLICT, and the whole unit is rolled back. */
START_TEST(test_sign_up_taken_keys)
{
    struct fx f = fx_open();
    struct new_user first = a_new_user(&f);
    struct new_mail m = a_mail(&f, "verify-email:", first.id, 3600);
    struct new_session ns = a_new_session(&f, first.id, 3600);
    struct user_record u;
    struct session_record s;
    const char *hash;

    first.mail = &m;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &first, &ns, &u, &s), DB_OK);
    for (int which = 0; which < 4; which++) {
        struct new_user nu = a_new_user(&f);
        struct new_mail nm = a_mail(&f, "verify-email:", nu.id, 3600);
        struct new_session nns = a_new_session(&f, nu.id, 3600);

        nu.mail = &nm;
        if (which == 0)
            nu.account_id = first.account_id;
        else if (which == 1)
            nns.token = ns.token;
        else if (which == 2)
            nns.id = ns.id;
        else
            nm.verification_id = m.verification_id;
        ck_assert_msg(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, &nns, &u, &s) == DB_CONFLICT,
                      "taken key %d", which);
        ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, nu.email, &u, &hash), DB_NOTFOUND);
        ck_assert_ptr_null(credential(&f, nu.id));
        B->session_rows_are(nu.id, 0);
        B->verification_rows_are(nm.identifier, 0);
        B->outbox_rows_are(nm.message->message_id, 0);
    }
    ck_assert_str_eq(credential(&f, first.id), HASH_A);
    ck_assert(session_exists(&f, ns.token));
    ck_assert(link_live(&f, m.identifier));
    fx_close(&f);
}
END_TEST

START_TEST(test_user_by_email_and_credential)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), got;
    const char *hash = "untouched";

    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, u.email, &got, &hash), DB_OK);
    ck_assert_str_eq(got.id, u.id);
    ck_assert_str_eq(got.name, u.name);
    ck_assert_str_eq(got.created_at, u.created_at);
    ck_assert_str_eq(hash, HASH_A);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, "nobody@example.com", &got, &hash),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, fresh(&f), &hash), DB_NOTFOUND);

    /* A user without a credential account: found, with no hash. */
    B->drop_credential(u.id);
    hash = "untouched";
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, u.email, &got, &hash), DB_OK);
    ck_assert_ptr_null(hash);
    ck_assert_int_eq(OPS(&f)->credential_of_user(IMPL(&f), f.a, u.id, &hash), DB_NOTFOUND);
    fx_close(&f);
}
END_TEST

/* kind_of - what password_kinds groups by: scrypt, or the crypt(3) scheme with its cost. */
static const char *kind_of(struct arena *a, const char *hash)
{
    const char *p = hash, *q;

    if (strlen(hash) == 161 && hash[32] == ':')
        return "scrypt";
    if (p[0] != '$' || (q = strchr(p + 1, '$')) == NULL)
        return hash;
    const char *scheme = arena_printf(a, "%.*s", (int)(q - p - 1), p + 1);
    const char *r = strchr(q + 1, '$');
    if (strcmp(scheme, "y") == 0 || strcmp(scheme, "2a") == 0 || strcmp(scheme, "2b") == 0 ||
        strcmp(scheme, "2x") == 0 || strcmp(scheme, "2y") == 0 ||
        (r != NULL && strncmp(q + 1, "rounds=", 7) == 0))
        return arena_printf(a, "%s$%.*s", scheme, r != NULL ? (int)(r - q - 1) : 0, q + 1);
    return scheme;
}

/* One hash per kind (a scan of the whole table: other tests' rows may be there too). */
/* Sign-in's rehash writes only over the hash it checked: a password set since stays. */
START_TEST(test_password_upgrade)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f);

    ck_assert_int_eq(OPS(&f)->password_upgrade(IMPL(&f), u.id, HASH_A, HASH_B), DB_OK);
    ck_assert_str_eq(credential(&f, u.id), HASH_B);
    /* a reset committed between the sign-in's read and its rehash */
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, u.id, HASH_A, NULL, NULL), DB_OK);
    ck_assert_int_eq(OPS(&f)->password_upgrade(IMPL(&f), u.id, HASH_B, "$y$j9T$new$new"),
                     DB_NOTFOUND);
    ck_assert_str_eq(credential(&f, u.id), HASH_A);
    fx_close(&f);
}
END_TEST

START_TEST(test_password_kinds)
{
    static const char *const hashes[] = {
        "$y$j8T$saltsaltsaltsaltsaltsa$hashhashhashhashhashhashhashhashhashhashhas",
        "$y$j8T$othersaltothersaltothe$hashhashhashhashhashhashhashhashhashhashhas",
        "$6$rounds=9000$saltsalt$hashhashhashhash",
        "$6$rounds=9000$othersalt$hashhashhashhash",
    };
    struct fx f = fx_open();
    const char *kinds[16];
    size_t n = 99, mine_y = 0, mine_6 = 0;

    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        struct new_user nu = a_new_user(&f);
        struct user_record u;

        nu.password_hash = hashes[i];
        ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, NULL, &u, NULL), DB_OK);
    }
    ck_assert_int_eq(OPS(&f)->password_kinds(IMPL(&f), f.a, kinds, 16, &n), DB_OK);
    ck_assert_uint_le(n, 16);
    for (size_t i = 0; i < n; i++) {
        mine_y += strncmp(kinds[i], "$y$j8T$", 7) == 0;
        mine_6 += strncmp(kinds[i], "$6$rounds=9000$", 15) == 0;
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(kind_of(f.a, kinds[i]), kind_of(f.a, kinds[j])) != 0,
                          "two hashes of one kind: %s and %s", kinds[j], kinds[i]);
    }
    ck_assert_uint_eq(mine_y, 1);
    ck_assert_uint_eq(mine_6, 1);
    ck_assert_int_eq(OPS(&f)->password_kinds(IMPL(&f), f.a, kinds, 1, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    fx_close(&f);
}
END_TEST

START_TEST(test_user_update)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), out;
    struct user_update set = {.name_op = FIELD_SET,
                              .name = "New Name",
                              .image_op = FIELD_SET,
                              .image = "https://img.example.com/a.png"};
    struct user_update keep = {.name_op = FIELD_KEEP, .image_op = FIELD_KEEP};
    struct user_update clear = {.name_op = FIELD_KEEP, .image_op = FIELD_SET_NULL};
    struct user_update null_name = {.name_op = FIELD_SET_NULL, .image_op = FIELD_KEEP};

    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, u.id, &set, &out), DB_OK);
    ck_assert_str_eq(out.name, "New Name");
    ck_assert_str_eq(out.image, set.image);
    ck_assert_str_eq(out.email, u.email);
    ck_assert_str_eq(out.created_at, u.created_at);
    ck_assert_str_ge(out.updated_at, u.updated_at);
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, u.id, &keep, &out), DB_OK);
    ck_assert_str_eq(out.name, "New Name");
    ck_assert_str_eq(out.image, set.image);
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, u.id, &clear, &out), DB_OK);
    ck_assert_str_eq(out.name, "New Name");
    ck_assert_ptr_null(out.image);
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, u.id, &null_name, &out), DB_INVALID);
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, fresh(&f), &set, &out), DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->user_update(IMPL(&f), f.a, fresh(&f), &null_name, &out), DB_INVALID);
    fx_close(&f);
}
END_TEST

/* Deleting a user takes its sessions and accounts; verification rows (no foreign key) stay,
 * but no longer work. */
START_TEST(test_user_delete_cascades)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), other = a_user(&f), got;
    struct session_record s1 = a_session(&f, u.id, 3600), s2 = a_session(&f, u.id, -60);
    struct session_record so = a_session(&f, other.id, 3600);
    const char *reset = a_link(&f, "reset-password:", u.id, 3600);
    const char *verify = a_link(&f, "verify-email:", u.id, 3600);
    struct account_record *accounts;
    size_t n = 99;
    const char *hash, *uid = NULL;

    ck_assert_int_eq(OPS(&f)->user_delete(IMPL(&f), u.id), DB_OK);
    ck_assert(!session_exists(&f, s1.token));
    ck_assert(!session_exists(&f, s2.token));
    B->session_rows_are(u.id, 0);
    ck_assert(session_exists(&f, so.token));
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, u.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(credential(&f, u.id));
    ck_assert_ptr_nonnull(credential(&f, other.id));
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, u.email, &got, &hash), DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->user_delete(IMPL(&f), u.id), DB_NOTFOUND);

    ck_assert(link_live(&f, reset));
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, reset, fresh(&f), HASH_B, true, &uid),
                     DB_NOTFOUND);
    ck_assert(link_live(&f, reset)); /* nothing used up */
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, verify, u.id, u.email, NULL, NULL, &got),
                     DB_NOTFOUND);
    ck_assert(link_live(&f, verify));
    fx_close(&f);
}
END_TEST

START_TEST(test_account_list)
{
    struct fx f = fx_open();
    struct new_user nu = a_new_user(&f);
    struct user_record u;
    struct account_record *accounts;
    size_t n = 99;

    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, NULL, &u, NULL), DB_OK);
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, nu.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(accounts[0].id, nu.account_id);
    ck_assert_str_eq(accounts[0].account_id, nu.id); /* Better Auth: accountId = user id */
    ck_assert_str_eq(accounts[0].provider_id, "credential");
    ck_assert_str_eq(accounts[0].user_id, nu.id);
    ck_assert_str_eq(accounts[0].created_at, u.created_at);
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, fresh(&f), &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 0);
    fx_close(&f);
}
END_TEST

/* ---- sessions ---------------------------------------------------------------------------- */

START_TEST(test_session_create_lookup)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), got_u;
    struct session_record s = a_session(&f, u.id, 600), got;
    struct new_session dup = a_new_session(&f, u.id, 600), orphan = a_new_session(&f, "", 600);
    int64_t before = wall_ms();

    ck_assert_int_eq(s.expires_at_ms - s.created_at_ms, 600 * 1000);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, s.token, &got, &got_u), DB_OK);
    ck_assert_str_eq(got.id, s.id);
    ck_assert_str_eq(got.user_id, u.id);
    ck_assert_str_eq(got.expires_at, s.expires_at);
    ck_assert_str_eq(got.created_at, s.created_at);
    ck_assert_str_eq(got.ip_address, "192.0.2.7");
    ck_assert_str_eq(got.user_agent, "contract/1.0");
    session_times_agree(&got);
    ck_assert_str_eq(got_u.id, u.id);
    ck_assert_str_eq(got_u.email, u.email);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, fresh(&f), &got, &got_u), DB_NOTFOUND);

    /* The token is unique; the user must exist. */
    dup.token = s.token;
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &dup, &got), DB_CONFLICT);
    dup = a_new_session(&f, u.id, 600);
    dup.id = s.id;
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &dup, &got), DB_CONFLICT);
    ck_assert(!session_exists(&f, dup.token));
    orphan.user_id = fresh(&f);
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &orphan, &got), DB_INVALID);
    ck_assert(!session_exists(&f, orphan.token));

    /* No address or agent: SQL NULL, shown as NULL (Better Auth's null). */
    struct new_session anon = a_new_session(&f, u.id, 600);
    anon.ip_address = NULL;
    anon.user_agent = NULL;
    ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &anon, &got), DB_OK);
    ck_assert_ptr_null(got.ip_address);
    ck_assert_ptr_null(got.user_agent);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, anon.token, &got, &got_u), DB_OK);
    ck_assert_ptr_null(got.ip_address);
    ck_assert_ptr_null(got.user_agent);

    /* An expired session is still looked up (the caller decides), with its expiry. */
    struct session_record old = a_session(&f, u.id, -60);
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, old.token, &got, &got_u), DB_OK);
    ck_assert_int_lt(got.expires_at_ms, before);
    fx_close(&f);
}
END_TEST

/* Unexpired sessions only, by (createdAt, id): also for sessions made in one millisecond. */
START_TEST(test_session_list)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), other = a_user(&f);
    struct session_record *list;
    size_t n = 99;
    const char *ids[] = {"c-session", "a-session", "b-session"};
    char *want[3];

    a_session(&f, u.id, -60);
    a_session(&f, other.id, 3600);
    for (int i = 0; i < 3; i++) {
        struct new_session ns = a_new_session(&f, u.id, 3600);
        struct session_record s;

        ns.id = want[i] = arena_printf(f.a, "%s-%s", ids[i], fresh(&f));
        ck_assert_int_eq(OPS(&f)->session_create(IMPL(&f), f.a, &ns, &s), DB_OK);
    }
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, u.id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(list[i].user_id, u.id);
        ck_assert_int_gt(list[i].expires_at_ms, list[i].created_at_ms);
        if (i > 0)
            ck_assert_msg(list[i - 1].created_at_ms < list[i].created_at_ms ||
                              (list[i - 1].created_at_ms == list[i].created_at_ms &&
                               strcmp(list[i - 1].id, list[i].id) < 0),
                          "out of order: %s then %s", list[i - 1].id, list[i].id);
    }
    B->session_rows_are(u.id, 4);
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, fresh(&f), &list, &n), DB_OK);
    ck_assert_uint_eq(n, 0);
    fx_close(&f);
}
END_TEST

START_TEST(test_session_refresh)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f);
    struct session_record s = a_session(&f, u.id, -60), out;

    ck_assert_int_eq(OPS(&f)->session_refresh(IMPL(&f), f.a, s.id, 7200, &out), DB_OK);
    ck_assert_str_eq(out.id, s.id);
    ck_assert_str_eq(out.token, s.token);
    ck_assert_str_eq(out.created_at, s.created_at);
    ck_assert_int_eq(out.created_at_ms, s.created_at_ms);
    ck_assert_int_ge(out.expires_at_ms, s.created_at_ms + 7200 * 1000);
    ck_assert_int_gt(out.expires_at_ms, wall_ms() + 7000 * 1000);
    ck_assert_str_ge(out.updated_at, s.updated_at);
    session_times_agree(&out);
    same_time(out.updated_at, out.expires_at_ms - 7200 * 1000); /* both from one "now" */
    ck_assert_int_eq(OPS(&f)->session_refresh(IMPL(&f), f.a, fresh(&f), 7200, &out), DB_NOTFOUND);
    fx_close(&f);
}
END_TEST

START_TEST(test_session_deletes)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), other = a_user(&f);
    struct session_record s1 = a_session(&f, u.id, 3600), s2 = a_session(&f, u.id, 3600);
    struct session_record s3 = a_session(&f, u.id, 3600), s4 = a_session(&f, u.id, 3600);
    struct session_record so = a_session(&f, other.id, 3600);
    const char *deleted = NULL;

    /* By token, of any user. */
    ck_assert_int_eq(OPS(&f)->session_delete_token(IMPL(&f), s1.token), DB_OK);
    ck_assert(!session_exists(&f, s1.token));
    ck_assert_int_eq(OPS(&f)->session_delete_token(IMPL(&f), s1.token), DB_NOTFOUND);

    /* Of a user: by token or by id (handle), never another user's. */
    ck_assert_int_eq(OPS(&f)->session_delete_of_user(IMPL(&f), f.a, u.id, s2.token, NULL, &deleted),
                     DB_OK);
    ck_assert_str_eq(deleted, s2.id);
    ck_assert_int_eq(
        OPS(&f)->session_delete_of_user(IMPL(&f), f.a, u.id, fresh(&f), s3.id, &deleted), DB_OK);
    ck_assert_str_eq(deleted, s3.id);
    ck_assert(!session_exists(&f, s3.token));
    ck_assert_int_eq(
        OPS(&f)->session_delete_of_user(IMPL(&f), f.a, u.id, so.token, so.id, &deleted),
        DB_NOTFOUND);
    ck_assert(session_exists(&f, so.token));
    ck_assert_int_eq(OPS(&f)->session_delete_of_user(IMPL(&f), f.a, u.id, s2.token, NULL, &deleted),
                     DB_NOTFOUND);
    /* No token (plain storage hands out tokens, hashed storage ids), and no use for the id. */
    struct session_record s6 = a_session(&f, u.id, 3600);
    ck_assert_int_eq(OPS(&f)->session_delete_of_user(IMPL(&f), f.a, u.id, NULL, s6.id, NULL),
                     DB_OK);
    ck_assert(!session_exists(&f, s6.token));

    /* All others but one; then all; both fine with nothing to delete. */
    struct session_record s5 = a_session(&f, u.id, -60);
    ck_assert_int_eq(OPS(&f)->session_delete_others(IMPL(&f), u.id, s4.id), DB_OK);
    ck_assert(session_exists(&f, s4.token));
    ck_assert(!session_exists(&f, s5.token));
    B->session_rows_are(u.id, 1);
    ck_assert_int_eq(OPS(&f)->session_delete_others(IMPL(&f), u.id, s4.id), DB_OK);
    ck_assert_int_eq(OPS(&f)->session_delete_all(IMPL(&f), u.id), DB_OK);
    B->session_rows_are(u.id, 0);
    ck_assert_int_eq(OPS(&f)->session_delete_all(IMPL(&f), u.id), DB_OK);
    ck_assert(session_exists(&f, so.token));
    fx_close(&f);
}
END_TEST

/* ---- passwords --------------------------------------------------------------------------- */

START_TEST(test_password_set)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), bare = a_user(&f);
    struct session_record s1 = a_session(&f, u.id, 3600), s2 = a_session(&f, u.id, 3600), out;
    struct new_session ns = a_new_session(&f, u.id, 1800);
    struct session_record sb = a_session(&f, bare.id, 3600);

    /* Without a session: the hash only. */
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, u.id, HASH_B, NULL, NULL), DB_OK);
    ck_assert_str_eq(credential(&f, u.id), HASH_B);
    ck_assert(session_exists(&f, s1.token));

    /* With one: every session replaced by it (revocation). */
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, u.id, HASH_A, &ns, &out), DB_OK);
    ck_assert_str_eq(credential(&f, u.id), HASH_A);
    ck_assert_str_eq(out.id, ns.id);
    ck_assert_int_eq(out.expires_at_ms - out.created_at_ms, 1800 * 1000);
    ck_assert(!session_exists(&f, s1.token));
    ck_assert(!session_exists(&f, s2.token));
    ck_assert(session_exists(&f, ns.token));
    B->session_rows_are(u.id, 1);
    struct account_record *accounts;
    size_t n = 0;
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, u.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(accounts[0].updated_at, out.created_at); /* one transaction, one "now" */

    /* The new session's token taken (by another user's session): DB_CONFLICT, nothing
     * changed. The user's own sessions go first, so their tokens are free. */
    struct new_session clash = a_new_session(&f, u.id, 1800);
    clash.token = sb.token;
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, u.id, HASH_B, &clash, &out), DB_CONFLICT);
    ck_assert_str_eq(credential(&f, u.id), HASH_A);
    ck_assert(session_exists(&f, ns.token));
    struct new_session reuse = a_new_session(&f, u.id, 1800);
    reuse.token = ns.token;
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, u.id, HASH_B, &reuse, &out), DB_OK);
    ck_assert_str_eq(out.id, reuse.id);
    B->session_rows_are(u.id, 1);

    /* No credential account: DB_NOTFOUND, nothing changed. */
    struct new_session nb = a_new_session(&f, bare.id, 1800);
    B->drop_credential(bare.id);
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, bare.id, HASH_B, NULL, NULL),
                     DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->password_set(IMPL(&f), f.a, bare.id, HASH_B, &nb, &out), DB_NOTFOUND);
    ck_assert(session_exists(&f, sb.token));
    ck_assert(!session_exists(&f, nb.token));
    ck_assert_ptr_null(credential(&f, bare.id));
    fx_close(&f);
}
END_TEST

START_TEST(test_password_reset)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), bare = a_user(&f);
    struct session_record s = a_session(&f, u.id, 3600), sb = a_session(&f, bare.id, 3600);
    const char *link = a_link(&f, "reset-password:", u.id, 3600), *uid = NULL;
    const char *keep = a_link(&f, "reset-password:", u.id, 3600);
    const char *expired = a_link(&f, "reset-password:", u.id, -60);
    const char *value = NULL, *account_id = fresh(&f);
    struct account_record *accounts;
    size_t n = 0;

    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, link, &value), DB_OK);
    ck_assert_str_eq(value, u.id);
    ck_assert(link_live(&f, link)); /* finding uses nothing up */

    /* Used once: revoking the sessions, setting the hash. */
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, link, fresh(&f), HASH_B, true, &uid),
                     DB_OK);
    ck_assert_str_eq(uid, u.id);
    ck_assert_str_eq(credential(&f, u.id), HASH_B);
    ck_assert(!session_exists(&f, s.token));
    ck_assert(!link_live(&f, link));
    B->verification_rows_are(link, 0);
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, link, fresh(&f), HASH_A, true, &uid),
                     DB_NOTFOUND);
    ck_assert_str_eq(credential(&f, u.id), HASH_B);
    ck_assert(link_live(&f, keep)); /* another link of the same user stays */

    /* Expired: not found by either, and no change. */
    ck_assert(!link_live(&f, expired));
    B->verification_rows_are(expired, 1);
    ck_assert_int_eq(OPS(&f)->password_reset(IMPL(&f), f.a, expired, fresh(&f), HASH_A, true, &uid),
                     DB_NOTFOUND);
    ck_assert_str_eq(credential(&f, u.id), HASH_B);
    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, fresh(&f), &value), DB_NOTFOUND);

    /* Sessions kept when asked; a credential account made when there is none (its id
     * taken: DB_CONFLICT, the link kept). */
    const char *bare_link = a_link(&f, "reset-password:", bare.id, 3600);
    B->drop_credential(bare.id);
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, u.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(
        OPS(&f)->password_reset(IMPL(&f), f.a, bare_link, accounts[0].id, HASH_A, true, &uid),
        DB_CONFLICT);
    ck_assert(link_live(&f, bare_link));
    ck_assert(session_exists(&f, sb.token));
    ck_assert_ptr_null(credential(&f, bare.id));
    ck_assert_int_eq(
        OPS(&f)->password_reset(IMPL(&f), f.a, bare_link, account_id, HASH_A, false, &uid), DB_OK);
    ck_assert_str_eq(uid, bare.id);
    ck_assert(session_exists(&f, sb.token));
    ck_assert_str_eq(credential(&f, bare.id), HASH_A);
    ck_assert_int_eq(OPS(&f)->account_list(IMPL(&f), f.a, bare.id, &accounts, &n), DB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(accounts[0].id, account_id);
    ck_assert_str_eq(accounts[0].account_id, bare.id);
    ck_assert_str_eq(accounts[0].provider_id, "credential");
    fx_close(&f);
}
END_TEST

/* ---- mail links -------------------------------------------------------------------------- */

/* The row and the outbox row together; a taken Message-ID writes neither; expired rows of
 * our kinds are purged on the way, others' kept. */
START_TEST(test_mail_issue)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f);
    struct new_mail m = a_mail(&f, "verify-email:", u.id, 3600);
    struct new_mail dup = a_mail(&f, "verify-email:", u.id, 3600);
    const char *value = NULL;

    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &m), DB_OK);
    B->verification_rows_are(m.identifier, 1);
    B->outbox_rows_are(m.message->message_id, 1);
    ck_assert_int_eq(OPS(&f)->verification_find(IMPL(&f), f.a, m.identifier, &value), DB_OK);
    ck_assert_str_eq(value, u.id);

    dup.message = m.message;
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &dup), DB_CONFLICT);
    B->verification_rows_are(dup.identifier, 0);
    B->outbox_rows_are(m.message->message_id, 1);
    struct new_mail same_row = a_mail(&f, "verify-email:", u.id, 3600);
    same_row.verification_id = m.verification_id;
    ck_assert_int_eq(OPS(&f)->mail_issue(IMPL(&f), &same_row), DB_CONFLICT);
    B->verification_rows_are(same_row.identifier, 0);
    B->outbox_rows_are(same_row.message->message_id, 0);

    /* Each issue purges the expired rows written before it. */
    const char *old_reset = a_link(&f, "reset-password:", u.id, -60);
    B->verification_rows_are(old_reset, 1);
    const char *old_verify = a_link(&f, "verify-email:", u.id, -60);
    B->verification_rows_are(old_reset, 0);
    B->verification_rows_are(old_verify, 1);
    const char *foreign = a_link(&f, "foreign-kind:", u.id, -60);
    a_link(&f, "reset-password:", u.id, 3600);
    B->verification_rows_are(old_reset, 0);
    B->verification_rows_are(old_verify, 0);
    B->verification_rows_are(foreign, 1);
    B->verification_rows_are(m.identifier, 1);
    fx_close(&f);
}
END_TEST

/* A sign-up with its verification mail: all of it or nothing. */
START_TEST(test_sign_up_with_mail)
{
    struct fx f = fx_open();
    struct new_user nu = a_new_user(&f), again = a_new_user(&f);
    struct new_mail m = a_mail(&f, "verify-email:", nu.id, 3600);
    struct new_mail m2 = a_mail(&f, "verify-email:", again.id, 3600);
    struct user_record u;

    nu.mail = &m;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &nu, NULL, &u, NULL), DB_OK);
    B->verification_rows_are(m.identifier, 1);
    B->outbox_rows_are(m.message->message_id, 1);
    again.email = nu.email;
    again.mail = &m2;
    ck_assert_int_eq(OPS(&f)->sign_up(IMPL(&f), f.a, &again, NULL, &u, NULL), DB_CONFLICT);
    B->verification_rows_are(m2.identifier, 0);
    B->outbox_rows_are(m2.message->message_id, 0);
    fx_close(&f);
}
END_TEST

/* The address's first verification ends the sessions made before it, but the verifier's; a
 * later one changes nothing but the link. */
START_TEST(test_email_confirm_verify)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), out, out2;
    struct session_record s1 = a_session(&f, u.id, 3600), kept = a_session(&f, u.id, 3600);
    const char *link = a_link(&f, "verify-email:", u.id, 3600);
    const char *later = a_link(&f, "verify-email:", u.id, 3600);
    const char *wrong = a_link(&f, "verify-email:", u.id, 3600);
    const char *expired = a_link(&f, "verify-email:", u.id, -60);

    /* Another address, or an expired row: DB_NOTFOUND, nothing used up. */
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, wrong, u.id, "other@example.com", NULL, NULL, &out),
        DB_NOTFOUND);
    ck_assert(link_live(&f, wrong));
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, expired, u.id, u.email, NULL, NULL, &out),
        DB_NOTFOUND);
    ck_assert(session_exists(&f, s1.token));

    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, link, u.id, u.email, NULL, kept.id, &out), DB_OK);
    ck_assert(out.email_verified);
    ck_assert_str_eq(out.email, u.email);
    ck_assert(!session_exists(&f, s1.token));
    ck_assert(session_exists(&f, kept.token));
    ck_assert(!link_live(&f, link));
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, link, u.id, u.email, NULL, NULL, &out2),
                     DB_NOTFOUND);

    /* Already verified: sessions and updatedAt stay. */
    struct session_record s2 = a_session(&f, u.id, 3600);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, later, u.id, u.email, NULL, NULL, &out2),
                     DB_OK);
    ck_assert(out2.email_verified);
    ck_assert_str_eq(out2.updated_at, out.updated_at);
    ck_assert(session_exists(&f, s2.token));
    ck_assert(session_exists(&f, kept.token));

    /* No session kept: all go. */
    struct user_record v = a_user(&f);
    struct session_record v1 = a_session(&f, v.id, 3600);
    const char *vlink = a_link(&f, "verify-email:", v.id, 3600);
    ck_assert_int_eq(OPS(&f)->email_confirm(IMPL(&f), f.a, vlink, v.id, v.email, NULL, NULL, &out),
                     DB_OK);
    ck_assert(!session_exists(&f, v1.token));
    B->session_rows_are(v.id, 0);
    fx_close(&f);
}
END_TEST

/* The change-email link: the address moves, emailVerified and sessions stay; a taken address
 * is DB_CONFLICT with the link kept. */
START_TEST(test_email_confirm_change)
{
    struct fx f = fx_open();
    struct user_record u = a_user(&f), taken = a_user(&f), out, got;
    struct session_record s = a_session(&f, u.id, 3600);
    const char *conflict = a_link(&f, "verify-email:", u.id, 3600);
    const char *link = a_link(&f, "verify-email:", u.id, 3600);
    const char *new_email = arena_printf(f.a, "%s@example.org", fresh(&f)), *hash;

    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, conflict, u.id, u.email, taken.email, NULL, &out),
        DB_CONFLICT);
    ck_assert(link_live(&f, conflict));
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, u.email, &got, &hash), DB_OK);

    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, link, u.id, u.email, new_email, NULL, &out), DB_OK);
    ck_assert_str_eq(out.email, new_email);
    ck_assert(!out.email_verified);
    ck_assert(session_exists(&f, s.token));
    ck_assert(!link_live(&f, link));
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, u.email, &got, &hash), DB_NOTFOUND);
    ck_assert_int_eq(OPS(&f)->user_by_email(IMPL(&f), f.a, new_email, &got, &hash), DB_OK);
    ck_assert_str_eq(got.id, u.id);

    /* The old address no longer matches: the remaining link does nothing. */
    ck_assert_int_eq(
        OPS(&f)->email_confirm(IMPL(&f), f.a, conflict, u.id, u.email, NULL, NULL, &out),
        DB_NOTFOUND);
    ck_assert(link_live(&f, conflict));
    fx_close(&f);
}
END_TEST

/* ---- rate limits and the account guard ------------------------------------------------- */

static bool hit(struct fx *f, const char *key, int window_s, int max, int *retry)
{
    bool allowed = false;

    *retry = -1;
    ck_assert_int_eq(OPS(f)->rate_limit_hit(IMPL(f), key, window_s, max, &allowed, retry), DB_OK);
    if (allowed)
        ck_assert_int_eq(*retry, 0);
    else
        ck_assert_msg(*retry >= 1 && *retry <= window_s, "retry-after %d", *retry);
    return allowed;
}

START_TEST(test_rate_limit)
{
    struct fx f = fx_open();
    const char *key = arena_printf(f.a, "192.0.2.1|/sign-in/email|%s", fresh(&f));
    const char *other = arena_printf(f.a, "192.0.2.2|/sign-in/email|%s", fresh(&f));
    int retry;

    for (int i = 0; i < 3; i++)
        ck_assert(hit(&f, key, 60, 3, &retry));
    ck_assert(!hit(&f, key, 60, 3, &retry));
    ck_assert_int_ge(retry, 58);
    ck_assert(hit(&f, other, 60, 3, &retry)); /* another key, another count */

    /* A refused request does not push the window back: 2 s before its end, still refused
     * for at most 2 s; at its end, the count restarts at 1. */
    B->rate_age(key, 58 * 1000);
    ck_assert(!hit(&f, key, 60, 3, &retry));
    ck_assert_int_le(retry, 2);
    B->rate_age(key, 2 * 1000);
    for (int i = 0; i < 3; i++)
        ck_assert(hit(&f, key, 60, 3, &retry));
    ck_assert(!hit(&f, key, 60, 3, &retry));
    ck_assert_int_ge(retry, 58);
    fx_close(&f);
}
END_TEST

static bool claim(struct fx *f, const char *key, const struct account_guard_policy *p, int *retry)
{
    bool allowed = false;

    *retry = -1;
    ck_assert_int_eq(OPS(f)->account_guard_claim(IMPL(f), key, p, &allowed, retry), DB_OK);
    if (allowed)
        ck_assert_int_eq(*retry, 0);
    else
        ck_assert_int_ge(*retry, 1);
    return allowed;
}

START_TEST(test_account_guard)
{
    static const struct account_guard_policy p = {
        .window_s = 600, .max_failures = 5, .free_failures = 2, .max_delay_s = 4};
    struct fx f = fx_open();
    const char *key = fresh(&f), *other = fresh(&f);
    int retry;

    /* Two free; the third locks for 1 s, the fourth for 2 s. */
    ck_assert(claim(&f, key, &p, &retry));
    ck_assert(claim(&f, key, &p, &retry));
    ck_assert(claim(&f, key, &p, &retry));
    ck_assert(!claim(&f, key, &p, &retry));
    ck_assert_int_eq(retry, 1);
    ck_assert(claim(&f, other, &p, &retry)); /* another account, another row */
    B->guard_age(key, 1000);
    ck_assert(claim(&f, key, &p, &retry));
    ck_assert(!claim(&f, key, &p, &retry));
    ck_assert_msg(retry == 2 || retry == 1, "retry-after %d", retry); /* 1 once a second passed */

    /* A success: no lock, one failure fewer; unknown keys are fine. */
    ck_assert_int_eq(OPS(&f)->account_guard_success(IMPL(&f), key), DB_OK);
    ck_assert_int_eq(OPS(&f)->account_guard_success(IMPL(&f), fresh(&f)), DB_OK);
    ck_assert(claim(&f, key, &p, &retry)); /* consecutive 1: free */
    ck_assert(claim(&f, key, &p, &retry)); /* 2: free; the window holds 5 failures now */

    /* The window is full: refused until it ends, whatever the lock. */
    ck_assert(!claim(&f, key, &p, &retry));
    ck_assert_msg(retry > 590 && retry <= 599, "retry-after %d", retry);
    B->guard_age(key, 300 * 1000);
    ck_assert(!claim(&f, key, &p, &retry));
    ck_assert_msg(retry > 290 && retry <= 299, "retry-after %d", retry);

    /* At the end of the window it starts over. */
    B->guard_age(key, 300 * 1000);
    ck_assert(claim(&f, key, &p, &retry));

    /* No free attempts: 1 s, 2 s, 4 s, and the doubling stops at max_delay_s. */
    static const struct account_guard_policy q = {
        .window_s = 600, .max_failures = 100, .free_failures = 0, .max_delay_s = 4};
    const char *k2 = fresh(&f);
    int want[] = {1, 2, 4, 4};
    for (int i = 0; i < 4; i++) {
        ck_assert(claim(&f, k2, &q, &retry));
        ck_assert(!claim(&f, k2, &q, &retry));
        ck_assert_msg(retry == want[i] || retry == want[i] - 1, "attempt %d: retry-after %d", i + 1,
                      retry);
        B->guard_age(k2, 10 * 1000);
    }
    fx_close(&f);
}
END_TEST

/* ---- the admin plugin ---- */

/* admin_create - a user made by admin_user_create with role (password_hash NULL: none). */
static struct user_record admin_create(struct fx *f, const char *role, const char *password_hash)
{
    struct new_user nu = a_new_user(f);
    const struct admin_change ch = {.role = role, .ban_expires_in_s = -1};
    struct user_record u;

    nu.password_hash = password_hash;
    ck_assert_int_eq(OPS(f)->admin_user_create(IMPL(f), f->a, &nu, &ch, &u), DB_OK);
    return u;
}

START_TEST(test_admin_user_create_get)
{
    struct fx f = fx_open();
    struct user_record u = admin_create(&f, "admin,user", HASH_A), got;
    struct new_user again = a_new_user(&f);

    ck_assert_str_eq(u.role, "admin,user");
    ck_assert(!u.banned);
    ck_assert_ptr_null(u.ban_reason);
    ck_assert_ptr_null(u.ban_expires);
    ck_assert_str_eq(credential(&f, u.id), HASH_A);
    ck_assert_int_eq(OPS(&f)->admin_user_get(IMPL(&f), f.a, u.id, &got), DB_OK);
    ck_assert_str_eq(got.email, u.email);
    ck_assert_str_eq(got.role, "admin,user");
    ck_assert_int_eq(OPS(&f)->admin_user_get(IMPL(&f), f.a, fresh(&f), &got), DB_NOTFOUND);
    /* no credential without a password; a taken address is a conflict, nothing made */
    u = admin_create(&f, "user", NULL);
    ck_assert_ptr_null(credential(&f, u.id));
    again.email = u.email;
    const struct admin_change verified = {
        .role = "user", .email_verified = "t", .ban_expires_in_s = -1};
    ck_assert_int_eq(OPS(&f)->admin_user_create(IMPL(&f), f.a, &again, &verified, &got),
                     DB_CONFLICT);
    ck_assert_int_eq(OPS(&f)->admin_user_get(IMPL(&f), f.a, again.id, &got), DB_NOTFOUND);
    again = a_new_user(&f);
    ck_assert_int_eq(OPS(&f)->admin_user_create(IMPL(&f), f.a, &again, &verified, &got), DB_OK);
    ck_assert(got.email_verified);
    /* a user made by sign-up has no role and banned reads false */
    struct user_record plain = a_user(&f);
    ck_assert_int_eq(OPS(&f)->admin_user_get(IMPL(&f), f.a, plain.id, &got), DB_OK);
    ck_assert_ptr_null(got.role);
    ck_assert(!got.banned);
    fx_close(&f);
}
END_TEST

START_TEST(test_admin_user_change)
{
    struct fx f = fx_open();
    struct user_record u = admin_create(&f, "user", HASH_A), out;
    struct session_record s = a_session(&f, u.id, DAY_S);
    const struct admin_change ban = {
        .ban = ADMIN_BAN_SET, .ban_reason = "spam", .ban_expires_in_s = 3600};
    const struct admin_change ban_until = {.ban = ADMIN_BAN_SET,
                                           .ban_reason = "spam",
                                           .ban_expires_in_s = -1,
                                           .ban_expires_at_s = INT64_C(32472241445)};
    const struct admin_change lift = {.ban = ADMIN_BAN_LIFT, .ban_expires_in_s = -1};
    const struct admin_change role = {.role = "admin",
                                      .name = "New Name",
                                      .image_op = FIELD_SET,
                                      .image = "https://img.example/x.png",
                                      .ban_expires_in_s = -1};
    int64_t before = wall_ms();

    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &ban, &out), DB_OK);
    ck_assert(out.banned);
    ck_assert_str_eq(out.ban_reason, "spam");
    ck_assert_ptr_nonnull(out.ban_expires);
    ck_assert_int_ge(out.ban_expires_ms, before + 3590 * 1000);
    ck_assert_int_le(out.ban_expires_ms, wall_ms() + 3610 * 1000);
    same_time(out.ban_expires, out.ban_expires_ms);
    ck_assert(!session_exists(&f, s.token)); /* a ban ends the sessions */
    /* An end given as a date is that date to the second, however long the call takes. */
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &ban_until, &out), DB_OK);
    ck_assert_str_eq(out.ban_expires, "2999-01-02T03:04:05.000Z");
    ck_assert_int_eq(out.ban_expires_ms, INT64_C(32472241445) * 1000);
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &lift, &out), DB_OK);
    ck_assert(!out.banned);
    ck_assert_ptr_null(out.ban_reason);
    ck_assert_ptr_null(out.ban_expires);
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &role, &out), DB_OK);
    ck_assert_str_eq(out.role, "admin");
    ck_assert_str_eq(out.name, "New Name");
    ck_assert_str_eq(out.image, "https://img.example/x.png");
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, fresh(&f), &lift, &out),
                     DB_NOTFOUND);
    /* an address another user has is a conflict; a free one is taken, verified or not */
    struct user_record other = admin_create(&f, "user", HASH_A);
    struct admin_change email = {.email = other.email, .ban_expires_in_s = -1};
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &email, &out), DB_CONFLICT);
    email.email = arena_printf(f.a, "%s@example.net", fresh(&f));
    for (char *p = (char *)email.email; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    email.email_verified = "t";
    ck_assert_int_eq(OPS(&f)->admin_user_change(IMPL(&f), f.a, u.id, &email, &out), DB_OK);
    ck_assert_str_eq(out.email, email.email);
    ck_assert(out.email_verified);
    fx_close(&f);
}
END_TEST

START_TEST(test_admin_user_list)
{
    struct fx f = fx_open();
    struct user_record a = admin_create(&f, "user", HASH_A), b = admin_create(&f, "admin", HASH_A);
    struct user_record *list;
    size_t count;
    int64_t total;
    /* both addresses end in "@example.com", and other rows may exist: search by their ids */
    struct admin_user_query q = {.filter_field = "id", .filter_op = "eq", .filter_value = a.id};

    ck_assert_int_eq(OPS(&f)->admin_user_list(IMPL(&f), f.a, &q, &list, &count, &total), DB_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(total, 1);
    ck_assert_str_eq(list[0].id, a.id);
    q = (struct admin_user_query){
        .search_field = "email", .search_op = "starts_with", .search_value = b.email};
    ck_assert_int_eq(OPS(&f)->admin_user_list(IMPL(&f), f.a, &q, &list, &count, &total), DB_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_str_eq(list[0].role, "admin");
    q = (struct admin_user_query){.search_field = "email",
                                  .search_op = "contains",
                                  .search_value = "@example.com",
                                  .sort_field = "email",
                                  .limit = 1,
                                  .offset = 1};
    ck_assert_int_eq(OPS(&f)->admin_user_list(IMPL(&f), f.a, &q, &list, &count, &total), DB_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_ge(total, 2);
    fx_close(&f);
}
END_TEST

START_TEST(test_admin_password_set)
{
    struct fx f = fx_open();
    struct user_record none = admin_create(&f, "user", NULL),
                       some = admin_create(&f, "user", HASH_A);

    ck_assert_int_eq(OPS(&f)->admin_password_set(IMPL(&f), none.id, fresh(&f), HASH_B), DB_OK);
    ck_assert_str_eq(credential(&f, none.id), HASH_B);
    ck_assert_int_eq(OPS(&f)->admin_password_set(IMPL(&f), some.id, fresh(&f), HASH_B), DB_OK);
    ck_assert_str_eq(credential(&f, some.id), HASH_B);
    ck_assert_int_eq(OPS(&f)->admin_password_set(IMPL(&f), fresh(&f), fresh(&f), HASH_B),
                     DB_NOTFOUND);
    fx_close(&f);
}
END_TEST

START_TEST(test_admin_impersonation)
{
    struct fx f = fx_open();
    struct user_record admin = admin_create(&f, "admin", HASH_A),
                       target = admin_create(&f, "user", HASH_A);
    struct new_session ns = a_new_session(&f, target.id, 3600);
    struct session_record s, plain = a_session(&f, target.id, DAY_S), looked, *list;
    struct user_record owner;
    size_t n = 0;

    ck_assert_int_eq(OPS(&f)->admin_session_impersonate(IMPL(&f), f.a, &ns, admin.id, &s), DB_OK);
    ck_assert_str_eq(s.user_id, target.id);
    ck_assert_str_eq(s.impersonated_by, admin.id);
    /* impersonatedBy comes with every statement that reads a session */
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, ns.token, &looked, &owner), DB_OK);
    ck_assert_str_eq(looked.impersonated_by, admin.id);
    ck_assert_str_eq(owner.role, "user");
    ck_assert_int_eq(OPS(&f)->session_lookup(IMPL(&f), f.a, plain.token, &looked, &owner), DB_OK);
    ck_assert_ptr_null(looked.impersonated_by);
    ck_assert_ptr_null(plain.impersonated_by);
    ck_assert_int_eq(OPS(&f)->session_list(IMPL(&f), f.a, target.id, &list, &n), DB_OK);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, s.id) == 0)
            ck_assert_str_eq(list[i].impersonated_by, admin.id);
        else
            ck_assert_ptr_null(list[i].impersonated_by);
    fx_close(&f);
}
END_TEST

/* tf_state - the user's flag and twoFactor row: 'n' no row, 'u' unverified, 'v' verified. */
static char tf_state(struct fx *f, const char *user_id, bool *enabled)
{
    struct user_record u;
    struct two_factor_record tf;

    ck_assert_int_eq(OPS(f)->two_factor_get(IMPL(f), f->a, user_id, &u, &tf), DB_OK);
    *enabled = u.two_factor_enabled;
    return tf.id == NULL ? 'n' : tf.verified ? 'v' : 'u';
}

/* Only an authenticator code confirms the secret: turning the factor on leaves the row as it
 * is; confirming marks it; turning it off deletes it. */
START_TEST(test_two_factor_set)
{
    struct fx f = fx_open();
    struct user_record u = admin_create(&f, "user", HASH_A);
    bool on;

    ck_assert_int_eq(OPS(&f)->two_factor_save(IMPL(&f), u.id, fresh(&f), "secret", "codes", false),
                     DB_OK);
    ck_assert_int_eq(tf_state(&f, u.id, &on), 'u');
    ck_assert(!on);
    ck_assert_int_eq(OPS(&f)->two_factor_set(IMPL(&f), u.id, TWO_FACTOR_ENABLE), DB_OK);
    ck_assert_int_eq(tf_state(&f, u.id, &on), 'u');
    ck_assert(on);
    ck_assert_int_eq(OPS(&f)->two_factor_set(IMPL(&f), u.id, TWO_FACTOR_CONFIRM_TOTP), DB_OK);
    ck_assert_int_eq(tf_state(&f, u.id, &on), 'v');
    ck_assert(on);
    /* a confirmed secret is not replaced by an enable that read the row before it was */
    ck_assert_int_eq(OPS(&f)->two_factor_save(IMPL(&f), u.id, fresh(&f), "other", "codes", false),
                     DB_CONFLICT);
    ck_assert_int_eq(tf_state(&f, u.id, &on), 'v');
    ck_assert_int_eq(OPS(&f)->two_factor_set(IMPL(&f), u.id, TWO_FACTOR_DISABLE), DB_OK);
    ck_assert_int_eq(tf_state(&f, u.id, &on), 'n');
    ck_assert(!on);
    ck_assert_int_eq(OPS(&f)->two_factor_set(IMPL(&f), fresh(&f), TWO_FACTOR_ENABLE), DB_NOTFOUND);
    fx_close(&f);
}
END_TEST

Suite *store_contract_suite(const struct contract_backend *b)
{
    Suite *s = suite_create(b->name);
    TCase *tc = tcase_create("contract");

    B = b;
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ping_retry_after);
    tcase_add_test(tc, test_sign_up_records);
    tcase_add_test(tc, test_sign_up_conflicts);
    tcase_add_test(tc, test_sign_up_taken_keys);
    tcase_add_test(tc, test_user_by_email_and_credential);
    tcase_add_test(tc, test_password_upgrade);
    tcase_add_test(tc, test_password_kinds);
    tcase_add_test(tc, test_user_update);
    tcase_add_test(tc, test_user_delete_cascades);
    tcase_add_test(tc, test_account_list);
    tcase_add_test(tc, test_session_create_lookup);
    tcase_add_test(tc, test_session_list);
    tcase_add_test(tc, test_session_refresh);
    tcase_add_test(tc, test_session_deletes);
    tcase_add_test(tc, test_password_set);
    tcase_add_test(tc, test_password_reset);
    tcase_add_test(tc, test_mail_issue);
    tcase_add_test(tc, test_sign_up_with_mail);
    tcase_add_test(tc, test_email_confirm_verify);
    tcase_add_test(tc, test_email_confirm_change);
    tcase_add_test(tc, test_admin_user_create_get);
    tcase_add_test(tc, test_admin_user_change);
    tcase_add_test(tc, test_admin_user_list);
    tcase_add_test(tc, test_admin_password_set);
    tcase_add_test(tc, test_admin_impersonation);
    tcase_add_test(tc, test_two_factor_set);
    tcase_add_test(tc, test_rate_limit);
    tcase_add_test(tc, test_account_guard);
    suite_add_tcase(s, tc);
    return s;
}
