/* fake_store - the in-memory store of the handler tests: rows in growable arrays, the store
 * operations with store_pg's semantics, and the scripting (failures, call counts) that lets a
 * test make any single operation fail. */
#include "config.h"

#include "fake_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/arena.h"

struct fake_rate {
    char *key;
    int count;
    int64_t last_ms;
};

struct fake_script {
    bool armed;
    bool always;
    bool after; /* do the work, then answer status (fake_store_fail_after) */
    unsigned skip;
    enum db_status status;
};

struct fake_store {
    struct store store;
    struct fake_user *users;
    size_t nusers, users_cap;
    struct fake_account *accounts;
    size_t naccounts, accounts_cap;
    struct fake_session *sessions;
    size_t nsessions, sessions_cap;
    struct fake_verification *verifications;
    size_t nverifications, verifications_cap;
    struct fake_mail *mails;
    size_t nmails, mails_cap;
    struct fake_two_factor *two_factors;
    size_t ntwo_factors, two_factors_cap;
    struct fake_rate *rates;
    size_t nrates, rates_cap;
    struct fake_guard *guards;
    size_t nguards, guards_cap;
    unsigned calls[FAKE_OP__MAX];
    unsigned calls_answered[FAKE_OP__MAX]; /* the part of calls made while answered */
    bool answered;
    struct fake_script scripts[FAKE_OP__MAX];
    int retry_after;
};

static const char *const op_names[FAKE_OP__MAX] = {
    [FAKE_OP_PING] = "ping",
    [FAKE_OP_SIGN_UP] = "sign_up",
    [FAKE_OP_USER_BY_EMAIL] = "user_by_email",
    [FAKE_OP_CREDENTIAL_OF_USER] = "credential_of_user",
    [FAKE_OP_SESSION_CREATE] = "session_create",
    [FAKE_OP_SESSION_LOOKUP] = "session_lookup",
    [FAKE_OP_SESSION_REFRESH] = "session_refresh",
    [FAKE_OP_SESSION_DELETE_TOKEN] = "session_delete_token",
    [FAKE_OP_SESSION_DELETE_OF_USER] = "session_delete_of_user",
    [FAKE_OP_SESSION_LIST] = "session_list",
    [FAKE_OP_SESSION_DELETE_ALL] = "session_delete_all",
    [FAKE_OP_SESSION_DELETE_OTHERS] = "session_delete_others",
    [FAKE_OP_PASSWORD_SET] = "password_set",
    [FAKE_OP_PASSWORD_UPGRADE] = "password_upgrade",
    [FAKE_OP_USER_UPDATE] = "user_update",
    [FAKE_OP_USER_DELETE] = "user_delete",
    [FAKE_OP_ACCOUNT_LIST] = "account_list",
    [FAKE_OP_PASSWORD_KINDS] = "password_kinds",
    [FAKE_OP_MAIL_ISSUE] = "mail_issue",
    [FAKE_OP_VERIFICATION_FIND] = "verification_find",
    [FAKE_OP_PASSWORD_RESET] = "password_reset",
    [FAKE_OP_EMAIL_CONFIRM] = "email_confirm",
    [FAKE_OP_RATE_LIMIT_HIT] = "rate_limit_hit",
    [FAKE_OP_ACCOUNT_GUARD_CLAIM] = "account_guard_claim",
    [FAKE_OP_ACCOUNT_GUARD_SUCCESS] = "account_guard_success",
    [FAKE_OP_ADMIN_USER_GET] = "admin_user_get",
    [FAKE_OP_ADMIN_USER_CHANGE] = "admin_user_change",
    [FAKE_OP_ADMIN_USER_CREATE] = "admin_user_create",
    [FAKE_OP_ADMIN_PASSWORD_SET] = "admin_password_set",
    [FAKE_OP_ADMIN_USER_LIST] = "admin_user_list",
    [FAKE_OP_ADMIN_SESSION_IMPERSONATE] = "admin_session_impersonate",
    [FAKE_OP_TWO_FACTOR_GET] = "two_factor_get",
    [FAKE_OP_TWO_FACTOR_SAVE] = "two_factor_save",
    [FAKE_OP_TWO_FACTOR_SET] = "two_factor_set",
    [FAKE_OP_TWO_FACTOR_SWAP_CODES] = "two_factor_swap_codes",
    [FAKE_OP_TWO_FACTOR_COUNT] = "two_factor_count",
    [FAKE_OP_VERIFICATION_PUT] = "verification_put",
    [FAKE_OP_VERIFICATION_TAKE] = "verification_take",
};

/* ---- memory ------------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);

    if (q == NULL)
        abort();
    return q;
}

static char *xstrdup(const char *s)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* grow - make room for one more element in a growable array. */
static void *grow(void *items, size_t count, size_t *cap, size_t elem)
{
    if (count < *cap)
        return items;
    *cap = *cap == 0 ? 8 : *cap * 2;
    return xrealloc(items, *cap * elem);
}

static void user_release(struct fake_user *u)
{
    free(u->id);
    free(u->name);
    free(u->email);
    free(u->image);
    free(u->role);
    free(u->ban_reason);
}

static void account_release(struct fake_account *a)
{
    free(a->id);
    free(a->account_id);
    free(a->provider_id);
    free(a->user_id);
    if (a->password != NULL)
        explicit_bzero(a->password, strlen(a->password));
    free(a->password);
}

static void session_release(struct fake_session *s)
{
    free(s->id);
    free(s->token);
    free(s->user_id);
    free(s->ip_address);
    free(s->user_agent);
    free(s->impersonated_by);
}

static void verification_release(struct fake_verification *v)
{
    free(v->id);
    free(v->identifier);
    free(v->value);
}

static void mail_release(struct fake_mail *m)
{
    free(m->recipient);
    free(m->subject);
    free(m->message_id);
    if (m->text != NULL)
        explicit_bzero(m->text, strlen(m->text));
    free(m->text);
}

/* ---- time -------------------------------------------------------------------------------- */

/* fake_store_now_ms - see fake_store.h. */
int64_t fake_store_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fake_store_iso - see fake_store.h. */
void fake_store_iso(int64_t ms, char out[FAKE_ISO_SIZE])
{
    (void)text_iso_time(ms, out);
}

static const char *iso_in(struct arena *a, int64_t ms)
{
    char buf[FAKE_ISO_SIZE];

    fake_store_iso(ms, buf);
    return arena_strdup(a, buf);
}

/* ---- records handed out (copies in the caller's arena) ----------------------------------- */

static void user_out(struct arena *a, const struct fake_user *u, struct user_record *out)
{
    *out = (struct user_record){
        .id = arena_strdup(a, u->id),
        .name = arena_strdup(a, u->name),
        .email = arena_strdup(a, u->email),
        .email_verified = u->email_verified,
        .image = arena_strdup(a, u->image),
        .created_at = iso_in(a, u->created_ms),
        .updated_at = iso_in(a, u->updated_ms),
        .two_factor_enabled = u->two_factor_enabled,
        .role = arena_strdup(a, u->role),
        .banned = u->banned,
        .ban_reason = arena_strdup(a, u->ban_reason),
        .ban_expires = u->ban_expires_ms != 0 ? iso_in(a, u->ban_expires_ms) : NULL,
        .ban_expires_ms = u->ban_expires_ms,
    };
}

static void session_out(struct arena *a, const struct fake_session *s, struct session_record *out)
{
    *out = (struct session_record){
        .id = arena_strdup(a, s->id),
        .token = arena_strdup(a, s->token),
        .user_id = arena_strdup(a, s->user_id),
        .ip_address = arena_strdup(a, s->ip_address),
        .user_agent = arena_strdup(a, s->user_agent),
        .expires_at = iso_in(a, s->expires_ms),
        .created_at = iso_in(a, s->created_ms),
        .updated_at = iso_in(a, s->updated_ms),
        .expires_at_ms = s->expires_ms,
        .created_at_ms = s->created_ms,
        .impersonated_by = arena_strdup(a, s->impersonated_by),
    };
}

static void account_out(struct arena *a, const struct fake_account *acc, struct account_record *out)
{
    *out = (struct account_record){
        .id = arena_strdup(a, acc->id),
        .account_id = arena_strdup(a, acc->account_id),
        .provider_id = arena_strdup(a, acc->provider_id),
        .user_id = arena_strdup(a, acc->user_id),
        .created_at = iso_in(a, acc->created_ms),
        .updated_at = iso_in(a, acc->updated_ms),
    };
}

/* ---- rows -------------------------------------------------------------------------------- */

static struct fake_user *find_user(struct fake_store *fs, const char *id)
{
    for (size_t i = 0; i < fs->nusers; i++)
        if (strcmp(fs->users[i].id, id) == 0)
            return &fs->users[i];
    return NULL;
}

static struct fake_account *find_credential(struct fake_store *fs, const char *user_id)
{
    for (size_t i = 0; i < fs->naccounts; i++)
        if (strcmp(fs->accounts[i].user_id, user_id) == 0 &&
            strcmp(fs->accounts[i].provider_id, "credential") == 0)
            return &fs->accounts[i];
    return NULL;
}

/* The unique keys of store_pg's tables, checked before anything is written, so a taken one
 * fails the whole operation with DB_CONFLICT as the rolled-back transaction does. */
static bool account_id_taken(const struct fake_store *fs, const char *id)
{
    for (size_t i = 0; i < fs->naccounts; i++)
        if (strcmp(fs->accounts[i].id, id) == 0)
            return true;
    return false;
}

/* session_taken - id or token held by a session that is not user_id's (NULL: anyone's). */
static bool session_taken(const struct fake_store *fs, const struct new_session *ns,
                          const char *except_user_id)
{
    for (size_t i = 0; i < fs->nsessions; i++) {
        const struct fake_session *s = &fs->sessions[i];

        if (except_user_id != NULL && strcmp(s->user_id, except_user_id) == 0)
            continue;
        if (strcmp(s->id, ns->id) == 0 || strcmp(s->token, ns->token) == 0)
            return true;
    }
    return false;
}

/* mail_taken - the verification row's id or the outbox row's Message-ID taken. */
static bool mail_taken(const struct fake_store *fs, const struct new_mail *m)
{
    for (size_t i = 0; i < fs->nverifications; i++)
        if (strcmp(fs->verifications[i].id, m->verification_id) == 0)
            return true;
    for (size_t i = 0; i < fs->nmails; i++)
        if (strcmp(fs->mails[i].message_id, m->message->message_id) == 0)
            return true;
    return false;
}

static struct fake_session *find_session_token(struct fake_store *fs, const char *token)
{
    for (size_t i = 0; i < fs->nsessions; i++)
        if (strcmp(fs->sessions[i].token, token) == 0)
            return &fs->sessions[i];
    return NULL;
}

static struct fake_session *insert_session(struct fake_store *fs, const char *id, const char *token,
                                           const char *user_id, const char *ip, const char *ua,
                                           int64_t created_ms, int64_t expires_ms)
{
    struct fake_session *s;

    fs->sessions = grow(fs->sessions, fs->nsessions, &fs->sessions_cap, sizeof(*fs->sessions));
    s = &fs->sessions[fs->nsessions++];
    *s = (struct fake_session){
        .id = xstrdup(id),
        .token = xstrdup(token),
        .user_id = xstrdup(user_id),
        .ip_address = xstrdup(ip), /* NULL stays SQL NULL */
        .user_agent = xstrdup(ua),
        .expires_ms = expires_ms,
        .created_ms = created_ms,
        .updated_ms = created_ms,
    };
    return s;
}

static struct fake_account *insert_account(struct fake_store *fs, const char *id,
                                           const char *user_id, const char *password,
                                           int64_t created_ms)
{
    struct fake_account *a;

    fs->accounts = grow(fs->accounts, fs->naccounts, &fs->accounts_cap, sizeof(*fs->accounts));
    a = &fs->accounts[fs->naccounts++];
    *a = (struct fake_account){
        .id = xstrdup(id),
        .account_id = xstrdup(user_id),
        .provider_id = xstrdup("credential"),
        .user_id = xstrdup(user_id),
        .password = xstrdup(password),
        .created_ms = created_ms,
        .updated_ms = created_ms,
    };
    return a;
}

static struct fake_user *insert_user(struct fake_store *fs, const char *id, const char *name,
                                     const char *email, const char *image, int64_t created_ms)
{
    struct fake_user *u;

    fs->users = grow(fs->users, fs->nusers, &fs->users_cap, sizeof(*fs->users));
    u = &fs->users[fs->nusers++];
    *u = (struct fake_user){
        .id = xstrdup(id),
        .name = xstrdup(name),
        .email = xstrdup(email),
        .image = xstrdup(image),
        .created_ms = created_ms,
        .updated_ms = created_ms,
    };
    return u;
}

/* remove_session_at - delete row i, keeping the others in insertion order. */
static void remove_session_at(struct fake_store *fs, size_t i)
{
    session_release(&fs->sessions[i]);
    memmove(&fs->sessions[i], &fs->sessions[i + 1],
            (fs->nsessions - i - 1) * sizeof(*fs->sessions));
    fs->nsessions--;
}

/* remove_sessions_where - delete the user's sessions, all but keep_id when it is non-NULL. */
static size_t remove_sessions_where(struct fake_store *fs, const char *user_id, const char *keep_id)
{
    size_t removed = 0;

    for (size_t i = 0; i < fs->nsessions;) {
        if (strcmp(fs->sessions[i].user_id, user_id) == 0 &&
            (keep_id == NULL || strcmp(fs->sessions[i].id, keep_id) != 0)) {
            remove_session_at(fs, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

static struct fake_verification *insert_verification(struct fake_store *fs, const char *id,
                                                     const char *identifier, const char *value,
                                                     int64_t created_ms, int64_t expires_ms)
{
    struct fake_verification *v;

    fs->verifications = grow(fs->verifications, fs->nverifications, &fs->verifications_cap,
                             sizeof(*fs->verifications));
    v = &fs->verifications[fs->nverifications++];
    *v = (struct fake_verification){
        .id = xstrdup(id),
        .identifier = xstrdup(identifier),
        .value = xstrdup(value),
        .expires_ms = expires_ms,
        .created_ms = created_ms,
    };
    return v;
}

static void remove_verification_at(struct fake_store *fs, size_t i)
{
    verification_release(&fs->verifications[i]);
    memmove(&fs->verifications[i], &fs->verifications[i + 1],
            (fs->nverifications - i - 1) * sizeof(*fs->verifications));
    fs->nverifications--;
}

/* live_verification - the index of the newest unexpired row called identifier (of rows made
 * in the same millisecond, the last made), or -1: store_pg's ORDER BY "createdAt" DESC. */
static long live_verification(const struct fake_store *fs, const char *identifier, int64_t now)
{
    long found = -1;

    for (size_t i = 0; i < fs->nverifications; i++)
        if (strcmp(fs->verifications[i].identifier, identifier) == 0 &&
            fs->verifications[i].expires_ms > now &&
            (found < 0 || fs->verifications[i].created_ms >= fs->verifications[found].created_ms))
            found = (long)i;
    return found;
}

/* issue_mail - what store_pg's issue_mail writes: the row, then the outbox entry. */
static enum db_status issue_mail(struct fake_store *fs, const struct new_mail *m, int64_t now)
{
    const struct mail_message *msg = m->message;
    struct fake_mail *fm;

    if (mail_taken(fs, m))
        return DB_CONFLICT; /* verification.id and authfcgi_outbox.message_id are unique */
    insert_verification(fs, m->verification_id, m->identifier, m->value, now,
                        now + m->expires_in_s * 1000);
    fs->mails = grow(fs->mails, fs->nmails, &fs->mails_cap, sizeof(*fs->mails));
    fm = &fs->mails[fs->nmails++];
    *fm = (struct fake_mail){
        .kind = msg->kind,
        .recipient = xstrdup(msg->recipient),
        .subject = xstrdup(msg->subject),
        .message_id = xstrdup(msg->message_id),
        .text = xstrdup(msg->text),
    };
    return DB_OK;
}

/* ---- scripting --------------------------------------------------------------------------- */

/* enter - count the call and say whether the script makes it fail (*st then set). */
static bool enter(struct fake_store *fs, enum fake_op op, enum db_status *st)
{
    struct fake_script *sc = &fs->scripts[op];

    fs->calls[op]++;
    if (fs->answered)
        fs->calls_answered[op]++;
    if (!sc->armed)
        return false;
    if (sc->always) {
        *st = sc->status;
        return true;
    }
    if (sc->skip > 0) {
        sc->skip--;
        return false;
    }
    if (sc->after)
        return false; /* leave answers */
    sc->armed = false;
    *st = sc->status;
    return true;
}

/* leave - the status an operation that did its work answers: st, or the scripted one of
 * fake_store_fail_after when st is DB_OK and the script's turn has come. */
static enum db_status leave(struct fake_store *fs, enum fake_op op, enum db_status st)
{
    struct fake_script *sc = &fs->scripts[op];

    if (!sc->armed || !sc->after || sc->skip > 0 || st != DB_OK)
        return st;
    sc->armed = false;
    return sc->status;
}

#define FAKE_ENTER(fs, op)                                                                         \
    do {                                                                                           \
        enum db_status scripted_;                                                                  \
        if (enter((fs), (op), &scripted_))                                                         \
            return scripted_;                                                                      \
    } while (0)

/* ---- the operations ---------------------------------------------------------------------- */

static enum db_status op_ping(void *impl)
{
    FAKE_ENTER((struct fake_store *)impl, FAKE_OP_PING);
    return DB_OK;
}

static int op_retry_after(void *impl)
{
    return ((struct fake_store *)impl)->retry_after;
}

static enum db_status op_sign_up(void *impl, struct arena *a, const struct new_user *nu,
                                 const struct new_session *ns, struct user_record *user_rec,
                                 struct session_record *session_rec)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_SIGN_UP);
    /* "user_email_key" is case-sensitive, as in PostgreSQL: the handler lower-cases. */
    if (fake_store_user_by_email(fs, nu->email) != NULL || find_user(fs, nu->id) != NULL ||
        account_id_taken(fs, nu->account_id) || (nu->mail != NULL && mail_taken(fs, nu->mail)) ||
        (ns != NULL && session_taken(fs, ns, NULL)))
        return DB_CONFLICT;
    u = insert_user(fs, nu->id, nu->name, nu->email, nu->image, now);
    if (nu->role != NULL)
        u->role = xstrdup(nu->role);
    user_out(a, u, user_rec);
    insert_account(fs, nu->account_id, nu->id, nu->password_hash, now);
    if (nu->mail != NULL)
        issue_mail(fs, nu->mail, now);
    if (ns != NULL) {
        struct fake_session *s = insert_session(fs, ns->id, ns->token, ns->user_id, ns->ip_address,
                                                ns->user_agent, now, now + ns->expires_in_s * 1000);
        session_out(a, s, session_rec);
    }
    return leave(fs, FAKE_OP_SIGN_UP, DB_OK);
}

static enum db_status op_user_by_email(void *impl, struct arena *a, const char *email,
                                       struct user_record *out, const char **password_hash)
{
    struct fake_store *fs = impl;
    struct fake_user *u;
    struct fake_account *acc;

    FAKE_ENTER(fs, FAKE_OP_USER_BY_EMAIL);
    *password_hash = NULL;
    u = fake_store_user_by_email(fs, email);
    if (u == NULL)
        return DB_NOTFOUND;
    user_out(a, u, out);
    acc = find_credential(fs, u->id);
    if (acc != NULL)
        *password_hash = arena_strdup(a, acc->password);
    return DB_OK;
}

static enum db_status op_credential_of_user(void *impl, struct arena *a, const char *user_id,
                                            const char **password_hash)
{
    struct fake_store *fs = impl;
    struct fake_account *acc;

    FAKE_ENTER(fs, FAKE_OP_CREDENTIAL_OF_USER);
    *password_hash = NULL;
    acc = find_credential(fs, user_id);
    if (acc == NULL)
        return DB_NOTFOUND;
    *password_hash = arena_strdup(a, acc->password);
    return DB_OK;
}

static enum db_status op_session_create(void *impl, struct arena *a, const struct new_session *ns,
                                        struct session_record *out)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_session *s;

    FAKE_ENTER(fs, FAKE_OP_SESSION_CREATE);
    if (find_session_token(fs, ns->token) != NULL || fake_store_session(fs, ns->id) != NULL)
        return DB_CONFLICT;
    if (find_user(fs, ns->user_id) == NULL)
        return DB_INVALID; /* the foreign key */
    s = insert_session(fs, ns->id, ns->token, ns->user_id, ns->ip_address, ns->user_agent, now,
                       now + ns->expires_in_s * 1000);
    session_out(a, s, out);
    return DB_OK;
}

static enum db_status op_session_lookup(void *impl, struct arena *a, const char *token,
                                        struct session_record *session_rec,
                                        struct user_record *user_rec)
{
    struct fake_store *fs = impl;
    struct fake_session *s;
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_SESSION_LOOKUP);
    s = find_session_token(fs, token);
    if (s == NULL)
        return DB_NOTFOUND;
    u = find_user(fs, s->user_id);
    if (u == NULL)
        return DB_NOTFOUND; /* a join finds nothing */
    session_out(a, s, session_rec);
    user_out(a, u, user_rec);
    return DB_OK;
}

static enum db_status op_session_refresh(void *impl, struct arena *a, const char *session_id,
                                         int64_t expires_in_s, struct session_record *out)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_session *s;

    FAKE_ENTER(fs, FAKE_OP_SESSION_REFRESH);
    s = fake_store_session(fs, session_id);
    if (s == NULL)
        return DB_NOTFOUND;
    s->expires_ms = now + expires_in_s * 1000;
    s->updated_ms = now;
    session_out(a, s, out);
    return DB_OK;
}

static enum db_status op_session_delete_token(void *impl, const char *token)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_SESSION_DELETE_TOKEN);
    for (size_t i = 0; i < fs->nsessions; i++)
        if (strcmp(fs->sessions[i].token, token) == 0) {
            remove_session_at(fs, i);
            return DB_OK;
        }
    return DB_NOTFOUND;
}

static enum db_status op_session_delete_of_user(void *impl, struct arena *a, const char *user_id,
                                                const char *token, const char *handle,
                                                const char **deleted_id)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_SESSION_DELETE_OF_USER);
    if (deleted_id != NULL) /* optional, as in store_pg */
        *deleted_id = NULL;
    for (size_t i = 0; i < fs->nsessions; i++) {
        struct fake_session *s = &fs->sessions[i];

        if (strcmp(s->user_id, user_id) != 0)
            continue;
        if ((token != NULL && strcmp(s->token, token) == 0) ||
            (handle != NULL && strcmp(s->id, handle) == 0)) {
            if (deleted_id != NULL)
                *deleted_id = arena_strdup(a, s->id);
            remove_session_at(fs, i);
            return DB_OK;
        }
    }
    return DB_NOTFOUND;
}

/* session_order - STMT_SESSION_LIST's ORDER BY "createdAt", id. */
static int session_order(const void *x, const void *y)
{
    const struct session_record *a = x, *b = y;

    if (a->created_at_ms != b->created_at_ms)
        return a->created_at_ms < b->created_at_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

static enum db_status op_session_list(void *impl, struct arena *a, const char *user_id,
                                      struct session_record **out, size_t *count)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct session_record *list;
    size_t n = 0;

    FAKE_ENTER(fs, FAKE_OP_SESSION_LIST);
    list = arena_alloc(a, (fs->nsessions + 1) * sizeof(*list));
    for (size_t i = 0; i < fs->nsessions; i++)
        if (strcmp(fs->sessions[i].user_id, user_id) == 0 && fs->sessions[i].expires_ms > now)
            session_out(a, &fs->sessions[i], &list[n++]);
    /* Oldest first, as Better Auth lists them; ties (one millisecond) by id, as store_pg. */
    qsort(list, n, sizeof(*list), session_order);
    *out = list;
    *count = n;
    return DB_OK;
}

static enum db_status op_session_delete_all(void *impl, const char *user_id)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_SESSION_DELETE_ALL);
    remove_sessions_where(fs, user_id, NULL);
    return DB_OK;
}

static enum db_status op_session_delete_others(void *impl, const char *user_id, const char *keep_id)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_SESSION_DELETE_OTHERS);
    remove_sessions_where(fs, user_id, keep_id);
    return DB_OK;
}

/* set_password - every credential account of the user, as STMT_PASSWORD_SET (updateMany). */
static void set_password(struct fake_store *fs, const char *user_id, const char *password_hash,
                         int64_t now)
{
    for (size_t i = 0; i < fs->naccounts; i++) {
        struct fake_account *acc = &fs->accounts[i];

        if (strcmp(acc->user_id, user_id) != 0 || strcmp(acc->provider_id, "credential") != 0)
            continue;
        if (acc->password != NULL)
            explicit_bzero(acc->password, strlen(acc->password));
        free(acc->password);
        acc->password = xstrdup(password_hash);
        acc->updated_ms = now;
    }
}

static enum db_status op_password_upgrade(void *impl, const char *user_id, const char *old_hash,
                                          const char *new_hash)
{
    struct fake_store *fs = impl;
    struct fake_account *acc;

    FAKE_ENTER(fs, FAKE_OP_PASSWORD_UPGRADE);
    acc = find_credential(fs, user_id);
    if (acc == NULL || acc->password == NULL || strcmp(acc->password, old_hash) != 0)
        return DB_NOTFOUND;
    set_password(fs, user_id, new_hash, fake_store_now_ms());
    return DB_OK;
}

static enum db_status op_password_set(void *impl, struct arena *a, const char *user_id,
                                      const char *password_hash, const struct new_session *ns,
                                      struct session_record *session_rec)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_account *acc;

    FAKE_ENTER(fs, FAKE_OP_PASSWORD_SET);
    acc = find_credential(fs, user_id);
    if (acc == NULL)
        return DB_NOTFOUND;
    /* The user's own sessions are deleted before the new one is inserted. */
    if (ns != NULL && session_taken(fs, ns, user_id))
        return DB_CONFLICT;
    set_password(fs, user_id, password_hash, now);
    if (ns != NULL) {
        struct fake_session *s;

        remove_sessions_where(fs, user_id, NULL);
        s = insert_session(fs, ns->id, ns->token, ns->user_id, ns->ip_address, ns->user_agent, now,
                           now + ns->expires_in_s * 1000);
        session_out(a, s, session_rec);
    }
    return DB_OK;
}

static enum db_status op_user_update(void *impl, struct arena *a, const char *user_id,
                                     const struct user_update *upd, struct user_record *out)
{
    struct fake_store *fs = impl;
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_USER_UPDATE);
    if (upd->name_op == FIELD_SET_NULL)
        return DB_INVALID; /* "name" is NOT NULL: refused before any row is looked at */
    u = find_user(fs, user_id);
    if (u == NULL)
        return DB_NOTFOUND;
    if (upd->name_op == FIELD_SET) {
        free(u->name);
        u->name = xstrdup(upd->name);
    }
    if (upd->image_op != FIELD_KEEP) {
        free(u->image);
        u->image = upd->image_op == FIELD_SET ? xstrdup(upd->image) : NULL;
    }
    u->updated_ms = fake_store_now_ms();
    user_out(a, u, out);
    return DB_OK;
}

static enum db_status op_user_delete(void *impl, const char *user_id)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_USER_DELETE);
    for (size_t i = 0; i < fs->nusers; i++) {
        if (strcmp(fs->users[i].id, user_id) != 0)
            continue;
        /* ON DELETE CASCADE of account."userId" and session."userId". */
        remove_sessions_where(fs, user_id, NULL);
        for (size_t j = 0; j < fs->naccounts;) {
            if (strcmp(fs->accounts[j].user_id, user_id) == 0) {
                account_release(&fs->accounts[j]);
                memmove(&fs->accounts[j], &fs->accounts[j + 1],
                        (fs->naccounts - j - 1) * sizeof(*fs->accounts));
                fs->naccounts--;
            } else {
                j++;
            }
        }
        user_release(&fs->users[i]);
        memmove(&fs->users[i], &fs->users[i + 1], (fs->nusers - i - 1) * sizeof(*fs->users));
        fs->nusers--;
        return DB_OK;
    }
    return DB_NOTFOUND;
}

/* account_order - STMT_ACCOUNT_LIST's ORDER BY "createdAt", id (the ISO text sorts as the
 * time does). */
static int account_order(const void *x, const void *y)
{
    const struct account_record *a = x, *b = y;
    int c = strcmp(a->created_at, b->created_at);

    return c != 0 ? c : strcmp(a->id, b->id);
}

static enum db_status op_account_list(void *impl, struct arena *a, const char *user_id,
                                      struct account_record **out, size_t *count)
{
    struct fake_store *fs = impl;
    struct account_record *list;
    size_t n = 0;

    FAKE_ENTER(fs, FAKE_OP_ACCOUNT_LIST);
    list = arena_alloc(a, (fs->naccounts + 1) * sizeof(*list));
    for (size_t i = 0; i < fs->naccounts; i++)
        if (strcmp(fs->accounts[i].user_id, user_id) == 0)
            account_out(a, &fs->accounts[i], &list[n++]);
    qsort(list, n, sizeof(*list), account_order);
    *out = list;
    *count = n;
    return DB_OK;
}

/* password_kind - STMT_PASSWORD_KINDS's grouping key into out: whether the hash is Better
 * Auth's scrypt, its crypt(3) scheme, and the cost field of the schemes that have one. */
static void password_kind(const char *hash, char *out, size_t size)
{
    size_t len = strlen(hash);
    bool scrypt = len == 161 && hash[32] == ':' && strspn(hash, "0123456789abcdef") == 32 &&
                  strspn(hash + 33, "0123456789abcdef") == 128;
    const char *f2 = strchr(hash, '$'), *f3 = NULL, *end2, *end3;
    int n2 = 0, n3 = 0;

    /* split_part(password, '$', 2) and (..., 3): the fields after the first and second '$'. */
    if (f2 != NULL) {
        f2++;
        end2 = strchr(f2, '$');
        n2 = (int)(end2 != NULL ? (size_t)(end2 - f2) : strlen(f2));
        if (end2 != NULL) {
            f3 = end2 + 1;
            end3 = strchr(f3, '$');
            n3 = (int)(end3 != NULL ? (size_t)(end3 - f3) : strlen(f3));
        }
    }
    bool costed = f2 != NULL && ((n2 == 1 && f2[0] == 'y') ||
                                 (n2 == 2 && f2[0] == '2' && strchr("abxy", f2[1]) != NULL) ||
                                 (f3 != NULL && strncmp(f3, "rounds=", 7) == 0));
    snprintf(out, size, "%d|%.*s|%.*s", scrypt, n2, f2 != NULL ? f2 : "", costed ? n3 : 0,
             costed && f3 != NULL ? f3 : "");
}

/* op_password_kinds - as STMT_PASSWORD_KINDS: the least hash of each kind (at most 16 kinds),
 * then at most max of them. */
static enum db_status op_password_kinds(void *impl, struct arena *a, const char **hashes,
                                        size_t max, size_t *count)
{
    enum { KINDS_LIMIT = 16 };
    struct fake_store *fs = impl;
    char kinds[KINDS_LIMIT][128], kind[128];
    const char *least[KINDS_LIMIT];
    size_t n = 0, k;

    FAKE_ENTER(fs, FAKE_OP_PASSWORD_KINDS);
    for (size_t i = 0; i < fs->naccounts; i++) {
        const char *pw = fs->accounts[i].password;

        if (pw == NULL)
            continue;
        password_kind(pw, kind, sizeof kind);
        for (k = 0; k < n && strcmp(kinds[k], kind) != 0; k++)
            ;
        if (k == n && n < KINDS_LIMIT) {
            memcpy(kinds[n], kind, sizeof kind);
            least[n++] = pw;
        } else if (k < n && strcmp(pw, least[k]) < 0) {
            least[k] = pw;
        }
    }
    *count = 0;
    for (k = 0; k < n && *count < max; k++)
        hashes[(*count)++] = arena_strdup(a, least[k]);
    return DB_OK;
}

/* op_mail_issue - the purge of expired rows of our kinds, then the row and the mail. */
static enum db_status op_mail_issue(void *impl, const struct new_mail *m)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();

    FAKE_ENTER(fs, FAKE_OP_MAIL_ISSUE);
    for (size_t i = 0; i < fs->nverifications;) {
        const struct fake_verification *v = &fs->verifications[i];

        if (v->expires_ms < now && (strncmp(v->identifier, "reset-password:", 15) == 0 ||
                                    strncmp(v->identifier, "verify-email:", 13) == 0))
            remove_verification_at(fs, i);
        else
            i++;
    }
    return issue_mail(fs, m, now);
}

static enum db_status op_verification_find(void *impl, struct arena *a, const char *identifier,
                                           const char **value)
{
    struct fake_store *fs = impl;
    long i;

    FAKE_ENTER(fs, FAKE_OP_VERIFICATION_FIND);
    i = live_verification(fs, identifier, fake_store_now_ms());
    if (i < 0)
        return DB_NOTFOUND;
    *value = arena_strdup(a, fs->verifications[i].value);
    return DB_OK;
}

/* op_password_reset - every check before any change, so a DB_NOTFOUND leaves all as it was
 * (the rollback of store_pg's transaction). */
static enum db_status op_password_reset(void *impl, struct arena *a, const char *identifier,
                                        const char *account_id, const char *password_hash,
                                        bool revoke_sessions, const char **user_id)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_account *acc;
    char *uid;
    long i;

    FAKE_ENTER(fs, FAKE_OP_PASSWORD_RESET);
    i = live_verification(fs, identifier, now);
    if (i < 0 || find_user(fs, fs->verifications[i].value) == NULL)
        return DB_NOTFOUND;
    acc = find_credential(fs, fs->verifications[i].value);
    if (acc == NULL && account_id_taken(fs, account_id))
        return DB_CONFLICT;
    uid = xstrdup(fs->verifications[i].value);
    remove_verification_at(fs, (size_t)i);
    *user_id = arena_strdup(a, uid);
    if (revoke_sessions)
        remove_sessions_where(fs, uid, NULL);
    if (acc == NULL)
        insert_account(fs, account_id, uid, password_hash, now);
    else
        set_password(fs, uid, password_hash, now);
    free(uid);
    return DB_OK;
}

static enum db_status op_email_confirm(void *impl, struct arena *a, const char *identifier,
                                       const char *user_id, const char *email,
                                       const char *new_email, const char *keep_session_id,
                                       struct user_record *out)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_user *u, *other;
    long i;

    FAKE_ENTER(fs, FAKE_OP_EMAIL_CONFIRM);
    i = live_verification(fs, identifier, now);
    u = find_user(fs, user_id);
    if (i < 0 || u == NULL || strcmp(u->email, email) != 0)
        return DB_NOTFOUND;
    if (new_email != NULL) {
        other = fake_store_user_by_email(fs, new_email);
        if (other != NULL && other != u)
            return DB_CONFLICT;
    }
    remove_verification_at(fs, (size_t)i);
    if (new_email != NULL) {
        free(u->email);
        u->email = xstrdup(new_email);
        u->updated_ms = now;
    } else if (!u->email_verified) {
        /* The first verification: the sessions made before it go (but the verifier's). */
        remove_sessions_where(fs, u->id, keep_session_id);
        u->email_verified = true;
        u->updated_ms = now;
    }
    user_out(a, u, out);
    return DB_OK;
}

/* op_rate_limit_hit - Better Auth's memory-store algorithm (PROTOCOL.md §7): a window that
 * restarts window_s after the last ALLOWED request; refused requests change nothing. */
static enum db_status op_rate_limit_hit(void *impl, const char *key, int window_s, int max,
                                        bool *allowed, int *retry_after_s)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms(), window_ms = (int64_t)window_s * 1000;
    struct fake_rate *r = NULL;

    FAKE_ENTER(fs, FAKE_OP_RATE_LIMIT_HIT);
    *retry_after_s = 0;
    for (size_t i = 0; i < fs->nrates; i++)
        if (strcmp(fs->rates[i].key, key) == 0)
            r = &fs->rates[i];
    if (r == NULL) {
        fs->rates = grow(fs->rates, fs->nrates, &fs->rates_cap, sizeof(*fs->rates));
        r = &fs->rates[fs->nrates++];
        *r = (struct fake_rate){.key = xstrdup(key), .count = 1, .last_ms = now};
        *allowed = true;
        return DB_OK;
    }
    if (now - r->last_ms >= window_ms) {
        r->count = 1;
        r->last_ms = now;
        *allowed = true;
    } else if (r->count >= max) {
        *allowed = false;
        *retry_after_s = (int)((r->last_ms + window_ms - now + 999) / 1000);
    } else {
        r->count++;
        r->last_ms = now;
        *allowed = true;
    }
    return DB_OK;
}

/* guard_delay_ms - the lock the consecutive-th attempt earns: none for the first
 * free_failures, then 1 s doubling up to max_delay_s (STMT_ACCOUNT_GUARD_CLAIM). */
static int64_t guard_delay_ms(const struct account_guard_policy *p, int consecutive)
{
    int64_t ms = 1000;

    if (consecutive <= p->free_failures)
        return 0;
    for (int i = 0; i < consecutive - p->free_failures - 1 && ms < (int64_t)p->max_delay_s * 1000;
         i++)
        ms *= 2;
    return ms < (int64_t)p->max_delay_s * 1000 ? ms : (int64_t)p->max_delay_s * 1000;
}

/* op_account_guard_claim - STMT_ACCOUNT_GUARD_CLAIM over the fake's rows: refused (nothing
 * written) while locked or while the window holds max_failures; an ended window starts over. */
static enum db_status op_account_guard_claim(void *impl, const char *key,
                                             const struct account_guard_policy *p, bool *allowed,
                                             int *retry_after_s)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms(), window_ms = (int64_t)p->window_s * 1000, until;
    struct fake_guard *g;

    FAKE_ENTER(fs, FAKE_OP_ACCOUNT_GUARD_CLAIM);
    *retry_after_s = 0;
    g = fake_store_guard(fs, key);
    if (g == NULL) {
        fs->guards = grow(fs->guards, fs->nguards, &fs->guards_cap, sizeof(*fs->guards));
        g = &fs->guards[fs->nguards++];
        *g = (struct fake_guard){.key = xstrdup(key), .window_start_ms = now};
    }
    if (g->locked_until_ms > now ||
        (now - g->window_start_ms < window_ms && g->window_failures >= p->max_failures)) {
        until = g->locked_until_ms;
        if (g->window_failures >= p->max_failures && g->window_start_ms + window_ms > until)
            until = g->window_start_ms + window_ms;
        *allowed = false;
        *retry_after_s = (int)((until - now + 999) / 1000);
        if (*retry_after_s < 1)
            *retry_after_s = 1;
        return DB_OK;
    }
    if (now - g->window_start_ms >= window_ms)
        *g = (struct fake_guard){.key = g->key, .window_start_ms = now};
    g->window_failures++;
    g->consecutive++;
    g->locked_until_ms = now + guard_delay_ms(p, g->consecutive);
    *allowed = true;
    return DB_OK;
}

/* op_account_guard_success - STMT_ACCOUNT_GUARD_SUCCESS. */
static enum db_status op_account_guard_success(void *impl, const char *key)
{
    struct fake_store *fs = impl;
    struct fake_guard *g;

    FAKE_ENTER(fs, FAKE_OP_ACCOUNT_GUARD_SUCCESS);
    g = fake_store_guard(fs, key);
    if (g != NULL) {
        g->consecutive = 0;
        g->locked_until_ms = 0;
        g->window_failures = g->window_failures > 0 ? g->window_failures - 1 : 0;
    }
    return DB_OK;
}

/* ---- the admin plugin -------------------------------------------------------------------- */

static enum db_status op_admin_user_get(void *impl, struct arena *a, const char *user_id,
                                        struct user_record *out)
{
    struct fake_store *fs = impl;
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_USER_GET);
    if ((u = find_user(fs, user_id)) == NULL)
        return DB_NOTFOUND;
    user_out(a, u, out);
    return DB_OK;
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

/* admin_apply - STMT_ADMIN_USER_CHANGE on one row. */
static void admin_apply(struct fake_user *u, const struct admin_change *ch, int64_t now)
{
    if (ch->role != NULL)
        set_string(&u->role, ch->role);
    if (ch->name != NULL)
        set_string(&u->name, ch->name);
    if (ch->image_op != FIELD_KEEP)
        set_string(&u->image, ch->image_op == FIELD_SET ? ch->image : NULL);
    if (ch->email != NULL)
        set_string(&u->email, ch->email);
    if (ch->email_verified != NULL)
        u->email_verified = ch->email_verified[0] == 't';
    if (ch->ban != ADMIN_BAN_KEEP) {
        u->banned = ch->ban == ADMIN_BAN_SET;
        set_string(&u->ban_reason, ch->ban == ADMIN_BAN_SET ? ch->ban_reason : NULL);
        u->ban_expires_ms = ch->ban != ADMIN_BAN_SET    ? 0
                            : ch->ban_expires_at_s > 0  ? ch->ban_expires_at_s * 1000
                            : ch->ban_expires_in_s >= 0 ? now + ch->ban_expires_in_s * 1000
                                                        : 0;
    }
    u->updated_ms = now;
}

static enum db_status op_admin_user_change(void *impl, struct arena *a, const char *user_id,
                                           const struct admin_change *ch, struct user_record *out)
{
    struct fake_store *fs = impl;
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_USER_CHANGE);
    if ((u = find_user(fs, user_id)) == NULL)
        return DB_NOTFOUND;
    if (ch->email != NULL) { /* "user_email_key", as in PostgreSQL */
        struct fake_user *taken = fake_store_user_by_email(fs, ch->email);
        if (taken != NULL && taken != u)
            return DB_CONFLICT;
    }
    admin_apply(u, ch, fake_store_now_ms());
    user_out(a, u, out);
    if (ch->ban == ADMIN_BAN_SET)
        remove_sessions_where(fs, user_id, NULL);
    return leave(fs, FAKE_OP_ADMIN_USER_CHANGE, DB_OK);
}

static enum db_status op_admin_user_create(void *impl, struct arena *a, const struct new_user *nu,
                                           const struct admin_change *ch, struct user_record *out)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_user *u;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_USER_CREATE);
    if (fake_store_user_by_email(fs, nu->email) != NULL || find_user(fs, nu->id) != NULL ||
        account_id_taken(fs, nu->account_id))
        return DB_CONFLICT;
    u = insert_user(fs, nu->id, nu->name, nu->email, nu->image, now);
    admin_apply(u, ch, now);
    user_out(a, u, out);
    if (nu->password_hash != NULL)
        insert_account(fs, nu->account_id, nu->id, nu->password_hash, now);
    return leave(fs, FAKE_OP_ADMIN_USER_CREATE, DB_OK);
}

static enum db_status op_admin_password_set(void *impl, const char *user_id, const char *account_id,
                                            const char *password_hash)
{
    struct fake_store *fs = impl;
    struct fake_account *acc;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_PASSWORD_SET);
    if (find_user(fs, user_id) == NULL)
        return DB_NOTFOUND;
    if ((acc = find_credential(fs, user_id)) != NULL) {
        set_string(&acc->password, password_hash);
        acc->updated_ms = fake_store_now_ms();
    } else {
        insert_account(fs, account_id, user_id, password_hash, fake_store_now_ms());
    }
    return leave(fs, FAKE_OP_ADMIN_PASSWORD_SET, DB_OK);
}

/* user_field - the text STMT_ADMIN_USER_LIST compares for a field (NULL: none). */
static const char *user_field(const struct fake_user *u, const char *field)
{
    if (strcmp(field, "email") == 0)
        return u->email;
    if (strcmp(field, "name") == 0)
        return u->name;
    if (strcmp(field, "id") == 0)
        return u->id;
    if (strcmp(field, "role") == 0)
        return u->role;
    return NULL;
}

static bool matches(const struct fake_user *u, const char *field, const char *op, const char *v)
{
    const char *f = user_field(u, field);
    size_t fl = f != NULL ? strlen(f) : 0, vl = strlen(v);

    if (f == NULL)
        return false;
    if (strcmp(op, "eq") == 0)
        return strcmp(f, v) == 0;
    if (strcmp(op, "ne") == 0)
        return strcmp(f, v) != 0;
    if (strcmp(op, "contains") == 0)
        return strstr(f, v) != NULL;
    if (strcmp(op, "starts_with") == 0)
        return strncmp(f, v, vl) == 0;
    if (strcmp(op, "ends_with") == 0)
        return fl >= vl && strcmp(f + fl - vl, v) == 0;
    return false;
}

static const char *list_sort_field; /* qsort's context: the sort field, NULL = creation */
static bool list_sort_desc;

static int list_order(const void *x, const void *y)
{
    const struct fake_user *a = *(const struct fake_user *const *)x;
    const struct fake_user *b = *(const struct fake_user *const *)y;
    const char *fa = list_sort_field ? user_field(a, list_sort_field) : NULL;
    const char *fb = list_sort_field ? user_field(b, list_sort_field) : NULL;
    int c = fa != NULL && fb != NULL ? strcmp(fa, fb) : 0;

    if (c != 0)
        return list_sort_desc ? -c : c;
    return a->created_ms < b->created_ms ? -1 : a->created_ms > b->created_ms;
}

static enum db_status op_admin_user_list(void *impl, struct arena *a,
                                         const struct admin_user_query *q, struct user_record **out,
                                         size_t *count, int64_t *total)
{
    struct fake_store *fs = impl;
    const struct fake_user **picked = arena_alloc(a, (fs->nusers + 1) * sizeof *picked);
    size_t n = 0, from, upto;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_USER_LIST);
    for (size_t i = 0; i < fs->nusers; i++)
        if ((q->search_value == NULL ||
             matches(&fs->users[i], q->search_field, q->search_op, q->search_value)) &&
            (q->filter_value == NULL ||
             matches(&fs->users[i], q->filter_field, q->filter_op, q->filter_value)))
            picked[n++] = &fs->users[i];
    list_sort_field = q->sort_field;
    list_sort_desc = q->sort_desc;
    qsort(picked, n, sizeof *picked, list_order);
    from = (size_t)q->offset < n ? (size_t)q->offset : n;
    upto = q->limit > 0 && from + (size_t)q->limit < n ? from + (size_t)q->limit : n;
    *out = arena_alloc(a, (upto - from + 1) * sizeof **out);
    for (size_t i = from; i < upto; i++)
        user_out(a, picked[i], &(*out)[i - from]);
    *count = upto - from;
    *total = (int64_t)n;
    return DB_OK;
}

static enum db_status op_admin_session_impersonate(void *impl, struct arena *a,
                                                   const struct new_session *ns,
                                                   const char *admin_id, struct session_record *out)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_session *s;

    FAKE_ENTER(fs, FAKE_OP_ADMIN_SESSION_IMPERSONATE);
    if (session_taken(fs, ns, NULL))
        return DB_CONFLICT;
    s = insert_session(fs, ns->id, ns->token, ns->user_id, ns->ip_address, ns->user_agent, now,
                       now + ns->expires_in_s * 1000);
    s->impersonated_by = xstrdup(admin_id);
    session_out(a, s, out);
    return leave(fs, FAKE_OP_ADMIN_SESSION_IMPERSONATE, DB_OK);
}

/* ---- the two-factor plugin --------------------------------------------------------------- */

static struct fake_two_factor *two_factor_of(struct fake_store *fs, const char *user_id)
{
    for (size_t i = 0; i < fs->ntwo_factors; i++)
        if (strcmp(fs->two_factors[i].user_id, user_id) == 0)
            return &fs->two_factors[i];
    return NULL;
}

static void two_factor_release(struct fake_two_factor *t)
{
    free(t->id);
    free(t->user_id);
    free(t->secret);
    free(t->backup_codes);
}

static enum db_status op_two_factor_get(void *impl, struct arena *a, const char *user_id,
                                        struct user_record *user, struct two_factor_record *tf)
{
    struct fake_store *fs = impl;
    struct fake_user *u;
    struct fake_two_factor *t;

    FAKE_ENTER(fs, FAKE_OP_TWO_FACTOR_GET);
    if ((u = fake_store_user(fs, user_id)) == NULL)
        return DB_NOTFOUND;
    user_out(a, u, user);
    t = two_factor_of(fs, user_id);
    *tf = (struct two_factor_record){
        .id = t != NULL ? arena_strdup(a, t->id) : NULL,
        .secret = t != NULL ? arena_strdup(a, t->secret) : NULL,
        .backup_codes = t != NULL ? arena_strdup(a, t->backup_codes) : NULL,
        .verified = t == NULL || t->verified,
        .locked = t != NULL && t->locked_until_ms > fake_store_now_ms(),
    };
    return DB_OK;
}

/* fake_store_add_two_factor - see fake_store.h. */
struct fake_two_factor *fake_store_add_two_factor(struct fake_store *fs, const char *id,
                                                  const char *user_id, const char *secret,
                                                  const char *backup_codes, bool verified)
{
    struct fake_two_factor *t = two_factor_of(fs, user_id);

    if (t == NULL) {
        fs->two_factors =
            grow(fs->two_factors, fs->ntwo_factors, &fs->two_factors_cap, sizeof(*fs->two_factors));
        t = &fs->two_factors[fs->ntwo_factors++];
        *t = (struct fake_two_factor){.id = xstrdup(id), .user_id = xstrdup(user_id)};
    }
    free(t->secret);
    free(t->backup_codes);
    t->secret = xstrdup(secret);
    t->backup_codes = xstrdup(backup_codes);
    t->verified = verified;
    return t;
}

/* fake_store_two_factor - see fake_store.h. */
struct fake_two_factor *fake_store_two_factor(struct fake_store *fs, const char *user_id)
{
    return two_factor_of(fs, user_id);
}

static enum db_status op_two_factor_save(void *impl, const char *user_id, const char *new_id,
                                         const char *secret, const char *backup_codes,
                                         bool verified)
{
    struct fake_store *fs = impl;

    FAKE_ENTER(fs, FAKE_OP_TWO_FACTOR_SAVE);
    if (fake_store_user(fs, user_id) == NULL)
        return DB_FAIL; /* the foreign key */
    if (two_factor_of(fs, user_id) != NULL && two_factor_of(fs, user_id)->verified)
        return DB_CONFLICT;
    fake_store_add_two_factor(fs, new_id, user_id, secret, backup_codes, verified);
    return DB_OK;
}

static enum db_status op_two_factor_set(void *impl, const char *user_id,
                                        enum two_factor_change change)
{
    bool enabled = change != TWO_FACTOR_DISABLE;
    struct fake_store *fs = impl;
    struct fake_user *u;
    struct fake_two_factor *t;

    FAKE_ENTER(fs, FAKE_OP_TWO_FACTOR_SET);
    if ((u = fake_store_user(fs, user_id)) == NULL)
        return DB_NOTFOUND;
    u->two_factor_enabled = enabled;
    u->updated_ms = fake_store_now_ms();
    if ((t = two_factor_of(fs, user_id)) != NULL && change == TWO_FACTOR_CONFIRM_TOTP)
        t->verified = true;
    if (t != NULL && !enabled) {
        two_factor_release(t);
        *t = fs->two_factors[--fs->ntwo_factors];
    }
    return DB_OK;
}

static enum db_status op_two_factor_swap_codes(void *impl, const char *user_id,
                                               const char *old_codes, const char *new_codes)
{
    struct fake_store *fs = impl;
    struct fake_two_factor *t;

    FAKE_ENTER(fs, FAKE_OP_TWO_FACTOR_SWAP_CODES);
    t = two_factor_of(fs, user_id);
    if (t == NULL || strcmp(t->backup_codes, old_codes) != 0)
        return DB_NOTFOUND;
    free(t->backup_codes);
    t->backup_codes = xstrdup(new_codes);
    return DB_OK;
}

/* op_two_factor_count - store_pg's STMT_TWO_FACTOR_COUNT: ten in a row lock 900 s. */
static enum db_status op_two_factor_count(void *impl, const char *user_id, bool failed)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    struct fake_two_factor *t;

    FAKE_ENTER(fs, FAKE_OP_TWO_FACTOR_COUNT);
    if ((t = two_factor_of(fs, user_id)) == NULL)
        return DB_NOTFOUND;
    if (!failed) {
        t->failed_count = 0;
        t->locked_until_ms = 0;
        return DB_OK;
    }
    t->failed_count =
        t->locked_until_ms != 0 && t->locked_until_ms <= now ? 1 : t->failed_count + 1;
    if (t->locked_until_ms <= now)
        t->locked_until_ms = 0;
    if (t->failed_count >= 10)
        t->locked_until_ms = now + 900 * 1000;
    return DB_OK;
}

static enum db_status op_verification_put(void *impl, const char *id, const char *identifier,
                                          const char *value, int64_t expires_in_s)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();

    FAKE_ENTER(fs, FAKE_OP_VERIFICATION_PUT);
    insert_verification(fs, id, identifier, value, now, now + expires_in_s * 1000);
    return DB_OK;
}

static enum db_status op_verification_take(void *impl, struct arena *a, const char *identifier,
                                           const char **value, int64_t *left_s)
{
    struct fake_store *fs = impl;
    int64_t now = fake_store_now_ms();
    long i;

    FAKE_ENTER(fs, FAKE_OP_VERIFICATION_TAKE);
    if ((i = live_verification(fs, identifier, now)) < 0)
        return DB_NOTFOUND;
    *value = arena_strdup(a, fs->verifications[i].value);
    *left_s = (fs->verifications[i].expires_ms - now + 999) / 1000;
    /* every live row of the name goes, the newest answers */
    while ((i = live_verification(fs, identifier, now)) >= 0)
        remove_verification_at(fs, (size_t)i);
    return DB_OK;
}

static const struct store_ops fake_ops = {
    .ping = op_ping,
    .retry_after = op_retry_after,
    .sign_up = op_sign_up,
    .user_by_email = op_user_by_email,
    .credential_of_user = op_credential_of_user,
    .session_create = op_session_create,
    .session_lookup = op_session_lookup,
    .session_refresh = op_session_refresh,
    .session_delete_token = op_session_delete_token,
    .session_delete_of_user = op_session_delete_of_user,
    .session_list = op_session_list,
    .session_delete_all = op_session_delete_all,
    .session_delete_others = op_session_delete_others,
    .password_set = op_password_set,
    .password_upgrade = op_password_upgrade,
    .user_update = op_user_update,
    .user_delete = op_user_delete,
    .account_list = op_account_list,
    .password_kinds = op_password_kinds,
    .mail_issue = op_mail_issue,
    .verification_find = op_verification_find,
    .password_reset = op_password_reset,
    .email_confirm = op_email_confirm,
    .rate_limit_hit = op_rate_limit_hit,
    .account_guard_claim = op_account_guard_claim,
    .account_guard_success = op_account_guard_success,
    .admin_user_get = op_admin_user_get,
    .admin_user_change = op_admin_user_change,
    .admin_user_create = op_admin_user_create,
    .admin_password_set = op_admin_password_set,
    .admin_user_list = op_admin_user_list,
    .admin_session_impersonate = op_admin_session_impersonate,
    .two_factor_get = op_two_factor_get,
    .two_factor_save = op_two_factor_save,
    .two_factor_set = op_two_factor_set,
    .two_factor_swap_codes = op_two_factor_swap_codes,
    .two_factor_count = op_two_factor_count,
    .verification_put = op_verification_put,
    .verification_take = op_verification_take,
};

/* ---- the test-facing interface ----------------------------------------------------------- */

struct fake_store *fake_store_new(void)
{
    struct fake_store *fs = calloc(1, sizeof(*fs));

    if (fs == NULL)
        abort();
    fs->store.ops = &fake_ops;
    fs->store.impl = fs;
    fs->retry_after = 7;
    return fs;
}

void fake_store_free(struct fake_store *fs)
{
    if (fs == NULL)
        return;
    for (size_t i = 0; i < fs->nusers; i++)
        user_release(&fs->users[i]);
    for (size_t i = 0; i < fs->naccounts; i++)
        account_release(&fs->accounts[i]);
    for (size_t i = 0; i < fs->nsessions; i++)
        session_release(&fs->sessions[i]);
    for (size_t i = 0; i < fs->nverifications; i++)
        verification_release(&fs->verifications[i]);
    for (size_t i = 0; i < fs->nmails; i++)
        mail_release(&fs->mails[i]);
    for (size_t i = 0; i < fs->nrates; i++)
        free(fs->rates[i].key);
    for (size_t i = 0; i < fs->nguards; i++)
        free(fs->guards[i].key);
    for (size_t i = 0; i < fs->ntwo_factors; i++)
        two_factor_release(&fs->two_factors[i]);
    free(fs->two_factors);
    free(fs->guards);
    free(fs->verifications);
    free(fs->mails);
    free(fs->users);
    free(fs->accounts);
    free(fs->sessions);
    free(fs->rates);
    free(fs);
}

struct fake_guard *fake_store_guard(struct fake_store *fs, const char *key)
{
    for (size_t i = 0; i < fs->nguards; i++)
        if (strcmp(fs->guards[i].key, key) == 0)
            return &fs->guards[i];
    return NULL;
}

size_t fake_store_guard_count(const struct fake_store *fs)
{
    return fs->nguards;
}

size_t fake_store_rate_count(const struct fake_store *fs)
{
    return fs->nrates;
}

const char *fake_store_rate_key_at(const struct fake_store *fs, size_t i)
{
    return i < fs->nrates ? fs->rates[i].key : NULL;
}

bool fake_store_rate_age(struct fake_store *fs, const char *key, int64_t ms)
{
    for (size_t i = 0; i < fs->nrates; i++)
        if (strcmp(fs->rates[i].key, key) == 0) {
            fs->rates[i].last_ms -= ms;
            return true;
        }
    return false;
}

void fake_store_remove_credentials(struct fake_store *fs, const char *user_id)
{
    for (size_t j = 0; j < fs->naccounts;) {
        if (strcmp(fs->accounts[j].user_id, user_id) == 0 &&
            strcmp(fs->accounts[j].provider_id, "credential") == 0) {
            account_release(&fs->accounts[j]);
            memmove(&fs->accounts[j], &fs->accounts[j + 1],
                    (fs->naccounts - j - 1) * sizeof(*fs->accounts));
            fs->naccounts--;
        } else {
            j++;
        }
    }
}

struct store *fake_store_store(struct fake_store *fs)
{
    return &fs->store;
}

void fake_store_fail(struct fake_store *fs, enum fake_op op, enum db_status st, unsigned skip)
{
    fs->scripts[op] = (struct fake_script){.armed = true, .skip = skip, .status = st};
}

void fake_store_fail_after(struct fake_store *fs, enum fake_op op, enum db_status st, unsigned skip)
{
    fs->scripts[op] =
        (struct fake_script){.armed = true, .after = true, .skip = skip, .status = st};
}

void fake_store_fail_always(struct fake_store *fs, enum fake_op op, enum db_status st)
{
    fs->scripts[op] = (struct fake_script){.armed = true, .always = true, .status = st};
}

void fake_store_clear_failures(struct fake_store *fs)
{
    memset(fs->scripts, 0, sizeof(fs->scripts));
}

void fake_store_set_retry_after(struct fake_store *fs, int seconds)
{
    fs->retry_after = seconds;
}

unsigned fake_store_calls(const struct fake_store *fs, enum fake_op op)
{
    return fs->calls[op];
}

void fake_store_set_answered(struct fake_store *fs, bool answered)
{
    fs->answered = answered;
}

unsigned fake_store_calls_answered(const struct fake_store *fs, enum fake_op op)
{
    return fs->calls_answered[op];
}

unsigned fake_store_total_calls(const struct fake_store *fs)
{
    unsigned total = 0;

    for (int op = 0; op < FAKE_OP__MAX; op++)
        total += fs->calls[op];
    return total;
}

void fake_store_reset_calls(struct fake_store *fs)
{
    memset(fs->calls, 0, sizeof(fs->calls));
    memset(fs->calls_answered, 0, sizeof(fs->calls_answered));
}

const char *fake_op_name(enum fake_op op)
{
    return op < FAKE_OP__MAX ? op_names[op] : "?";
}

struct fake_user *fake_store_add_user(struct fake_store *fs, const char *id, const char *name,
                                      const char *email, const char *password_hash,
                                      const char *account_id, int64_t created_ms)
{
    insert_user(fs, id, name, email, NULL, created_ms);
    if (password_hash != NULL) {
        char generated[64];

        if (account_id == NULL) {
            snprintf(generated, sizeof(generated), "acc-%s", id);
            account_id = generated;
        }
        insert_account(fs, account_id, id, password_hash, created_ms);
    }
    return find_user(fs, id);
}

struct fake_session *fake_store_add_session(struct fake_store *fs, const char *id,
                                            const char *stored_token, const char *user_id,
                                            const char *user_agent, int64_t created_ms,
                                            int64_t expires_ms)
{
    return insert_session(fs, id, stored_token, user_id, "", user_agent != NULL ? user_agent : "",
                          created_ms, expires_ms);
}

struct fake_user *fake_store_user(struct fake_store *fs, const char *id)
{
    return find_user(fs, id);
}

struct fake_user *fake_store_user_by_email(struct fake_store *fs, const char *email)
{
    for (size_t i = 0; i < fs->nusers; i++)
        if (strcmp(fs->users[i].email, email) == 0)
            return &fs->users[i];
    return NULL;
}

struct fake_account *fake_store_credential(struct fake_store *fs, const char *user_id)
{
    return find_credential(fs, user_id);
}

struct fake_session *fake_store_session(struct fake_store *fs, const char *id)
{
    for (size_t i = 0; i < fs->nsessions; i++)
        if (strcmp(fs->sessions[i].id, id) == 0)
            return &fs->sessions[i];
    return NULL;
}

struct fake_session *fake_store_session_by_token(struct fake_store *fs, const char *stored)
{
    return find_session_token(fs, stored);
}

struct fake_session *fake_store_session_at(struct fake_store *fs, size_t i)
{
    return i < fs->nsessions ? &fs->sessions[i] : NULL;
}

struct fake_verification *fake_store_add_verification(struct fake_store *fs, const char *id,
                                                      const char *identifier, const char *value,
                                                      int64_t expires_ms)
{
    return insert_verification(fs, id, identifier, value, fake_store_now_ms(), expires_ms);
}

struct fake_verification *fake_store_verification(struct fake_store *fs, const char *identifier)
{
    for (size_t i = 0; i < fs->nverifications; i++)
        if (strcmp(fs->verifications[i].identifier, identifier) == 0)
            return &fs->verifications[i];
    return NULL;
}

size_t fake_store_verification_count(const struct fake_store *fs)
{
    return fs->nverifications;
}

size_t fake_store_verification_rows(const struct fake_store *fs, const char *identifier)
{
    size_t n = 0;

    for (size_t i = 0; i < fs->nverifications; i++)
        n += strcmp(fs->verifications[i].identifier, identifier) == 0;
    return n;
}

size_t fake_store_mail_count(const struct fake_store *fs)
{
    return fs->nmails;
}

const struct fake_mail *fake_store_mail_at(const struct fake_store *fs, size_t i)
{
    return i < fs->nmails ? &fs->mails[i] : NULL;
}

size_t fake_store_user_count(const struct fake_store *fs)
{
    return fs->nusers;
}

size_t fake_store_account_count(const struct fake_store *fs, const char *user_id)
{
    size_t n = 0;

    for (size_t i = 0; i < fs->naccounts; i++)
        if (user_id == NULL || strcmp(fs->accounts[i].user_id, user_id) == 0)
            n++;
    return n;
}

size_t fake_store_session_count(const struct fake_store *fs, const char *user_id)
{
    size_t n = 0;

    for (size_t i = 0; i < fs->nsessions; i++)
        if (user_id == NULL || strcmp(fs->sessions[i].user_id, user_id) == 0)
            n++;
    return n;
}
