/* fake_store - an in-memory struct store_ops for handler tests, in the spirit of Dovecot's
 * fake SQL driver: users, credential accounts, sessions, verification rows, queued mails,
 * rate-limit counters and failed sign-ins per account in plain arrays, behaving as store_pg
 * does (DB_CONFLICT on a taken e-mail or key, cascades on user deletion, timestamps written
 * "now" with millisecond precision, ISO text and Unix ms always consistent; the store contract,
 * store_contract.c, runs the same cases over both), and scriptable: fail
 * the next call (or the n-th next call) of an operation with any enum db_status, count calls
 * per operation, inspect and edit the rows.
 *
 * Time is the real clock (CLOCK_REALTIME, as session_now_ms): tests move sessions in time by
 * editing their *_ms fields, as the recorded transcripts did with UPDATE statements.
 *
 * Ownership: the fake owns every row and string; pointers it returns to rows are valid until
 * the next call that adds or removes rows of that kind. Records handed to handlers through
 * store_ops are copies in the caller's arena, never pointers into the fake. */
#ifndef AUTHFCGI_FAKE_STORE_H
#define AUTHFCGI_FAKE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "global/mail.h"
#include "global/store.h"
#include "util/text.h"

/* One per member of struct store_ops that touches data. */
enum fake_op {
    FAKE_OP_PING,
    FAKE_OP_SIGN_UP,
    FAKE_OP_USER_BY_EMAIL,
    FAKE_OP_CREDENTIAL_OF_USER,
    FAKE_OP_SESSION_CREATE,
    FAKE_OP_SESSION_LOOKUP,
    FAKE_OP_SESSION_REFRESH,
    FAKE_OP_SESSION_DELETE_TOKEN,
    FAKE_OP_SESSION_DELETE_OF_USER,
    FAKE_OP_SESSION_LIST,
    FAKE_OP_SESSION_DELETE_ALL,
    FAKE_OP_SESSION_DELETE_OTHERS,
    FAKE_OP_PASSWORD_SET,
    FAKE_OP_PASSWORD_UPGRADE,
    FAKE_OP_USER_UPDATE,
    FAKE_OP_USER_DELETE,
    FAKE_OP_ACCOUNT_LIST,
    FAKE_OP_MAIL_ISSUE,
    FAKE_OP_VERIFICATION_FIND,
    FAKE_OP_PASSWORD_RESET,
    FAKE_OP_EMAIL_CONFIRM,
    FAKE_OP_RATE_LIMIT_HIT,
    FAKE_OP_ACCOUNT_GUARD_CLAIM,
    FAKE_OP_ACCOUNT_GUARD_SUCCESS,
    FAKE_OP_PASSWORD_KINDS,
    FAKE_OP_ADMIN_USER_GET,
    FAKE_OP_ADMIN_USER_CHANGE,
    FAKE_OP_ADMIN_USER_CREATE,
    FAKE_OP_ADMIN_PASSWORD_SET,
    FAKE_OP_ADMIN_USER_LIST,
    FAKE_OP_ADMIN_SESSION_IMPERSONATE,
    FAKE_OP_TWO_FACTOR_GET,
    FAKE_OP_TWO_FACTOR_SAVE,
    FAKE_OP_TWO_FACTOR_SET,
    FAKE_OP_TWO_FACTOR_SWAP_CODES,
    FAKE_OP_TWO_FACTOR_COUNT,
    FAKE_OP_VERIFICATION_PUT,
    FAKE_OP_VERIFICATION_TAKE,
    FAKE_OP__MAX
};

/* Room for "2026-11-25T18:52:16.074Z" and its NUL. */
#define FAKE_ISO_SIZE TEXT_ISO_TIME_SIZE

struct fake_user {
    char *id;
    char *name;
    char *email;
    bool email_verified;
    char *image; /* NULL = SQL NULL */
    int64_t created_ms;
    int64_t updated_ms;
    /* the admin plugin's columns */
    char *role; /* NULL = SQL NULL */
    bool banned;
    char *ban_reason;
    int64_t ban_expires_ms;  /* 0 = none */
    bool two_factor_enabled; /* user."twoFactorEnabled" */
};

/* A row of Better Auth's twoFactor table (the two-factor plugin). */
struct fake_two_factor {
    char *id;
    char *user_id;
    char *secret;       /* symmetricEncrypt text */
    char *backup_codes; /* symmetricEncrypt text */
    bool verified;
    int failed_count;        /* "failedVerificationCount" */
    int64_t locked_until_ms; /* "lockedUntil"; 0 = NULL */
};

struct fake_account {
    char *id;
    char *account_id;
    char *provider_id;
    char *user_id;
    char *password; /* NULL = no password (an OAuth account) */
    int64_t created_ms;
    int64_t updated_ms;
};

struct fake_session {
    char *id;
    char *token; /* stored form */
    char *user_id;
    char *ip_address;
    char *user_agent;
    int64_t expires_ms;
    int64_t created_ms;
    int64_t updated_ms;
    char *impersonated_by; /* the admin plugin's column; NULL = SQL NULL */
};

/* A verification row (password-reset token or the jti of a verify-email link). */
struct fake_verification {
    char *id;
    char *identifier;
    char *value;
    int64_t expires_ms;
    int64_t created_ms;
};

/* A mail in the outbox, as the store received it. */
struct fake_mail {
    enum mail_kind kind;
    char *recipient;
    char *subject;
    char *message_id;
    char *text; /* the whole rendered message */
};

struct fake_store;

/* fake_store_new - an empty fake; aborts when out of memory. Release with fake_store_free. */
struct fake_store *fake_store_new(void);
void fake_store_free(struct fake_store *fs);

/* fake_store_store - the struct store to hand to app_init (borrowed from fs). */
struct store *fake_store_store(struct fake_store *fs);

/* fake_store_fail - make the (skip + 1)-th next call of op return st without touching any
 * row (as a rolled-back transaction). One script per op; a new one replaces the old. */
void fake_store_fail(struct fake_store *fs, enum fake_op op, enum db_status st, unsigned skip);

/* fake_store_fail_after - make the (skip + 1)-th next call of op (or the first successful one
 * after it) do its work, rows written, and then return st: a COMMIT whose answer was lost (st
 * DB_UNKNOWN). Only FAKE_OP_SIGN_UP honours it so far (the one operation whose caller looks
 * again). */
void fake_store_fail_after(struct fake_store *fs, enum fake_op op, enum db_status st,
                           unsigned skip);

/* fake_store_fail_always - every call of op returns st until fake_store_clear_failures. */
void fake_store_fail_always(struct fake_store *fs, enum fake_op op, enum db_status st);
void fake_store_clear_failures(struct fake_store *fs);

/* fake_store_set_retry_after - what retry_after() answers (default 7). */
void fake_store_set_retry_after(struct fake_store *fs, int seconds);

/* Calls made to op since creation or the last fake_store_reset_calls, failed ones included. */
unsigned fake_store_calls(const struct fake_store *fs, enum fake_op op);
unsigned fake_store_total_calls(const struct fake_store *fs);
void fake_store_reset_calls(struct fake_store *fs);
const char *fake_op_name(enum fake_op op);

/* fake_store_set_answered - whether the request's answer counts as delivered: the harness sets
 * it around the work a handler deferred (response_defer). fake_store_calls_answered - the part
 * of fake_store_calls made while it was set. */
void fake_store_set_answered(struct fake_store *fs, bool answered);
unsigned fake_store_calls_answered(const struct fake_store *fs, enum fake_op op);

/* fake_store_add_user - seed a user created at created_ms (updatedAt the same), and when
 * password_hash is non-NULL its credential account (id account_id, or "acc-" + id when NULL).
 * Returns the row. */
struct fake_user *fake_store_add_user(struct fake_store *fs, const char *id, const char *name,
                                      const char *email, const char *password_hash,
                                      const char *account_id, int64_t created_ms);

/* fake_store_add_session - seed a session (stored token) created and updated at created_ms,
 * expiring at expires_ms, with empty ipAddress and the given userAgent (NULL = ""). */
struct fake_session *fake_store_add_session(struct fake_store *fs, const char *id,
                                            const char *stored_token, const char *user_id,
                                            const char *user_agent, int64_t created_ms,
                                            int64_t expires_ms);

/* Lookups into the rows; NULL when there is none. */
struct fake_user *fake_store_user(struct fake_store *fs, const char *id);

/* fake_store_add_two_factor - set the user's twoFactor row (created with id when it has none);
 * fake_store_two_factor - the user's row, or NULL. */
struct fake_two_factor *fake_store_add_two_factor(struct fake_store *fs, const char *id,
                                                  const char *user_id, const char *secret,
                                                  const char *backup_codes, bool verified);
struct fake_two_factor *fake_store_two_factor(struct fake_store *fs, const char *user_id);
struct fake_user *fake_store_user_by_email(struct fake_store *fs, const char *email);
struct fake_account *fake_store_credential(struct fake_store *fs, const char *user_id);
struct fake_session *fake_store_session(struct fake_store *fs, const char *id);
struct fake_session *fake_store_session_by_token(struct fake_store *fs, const char *stored);
/* fake_store_session_at - the i-th session row (insertion order), NULL past the end. */
struct fake_session *fake_store_session_at(struct fake_store *fs, size_t i);

/* fake_store_add_verification - seed a verification row expiring at expires_ms. */
struct fake_verification *fake_store_add_verification(struct fake_store *fs, const char *id,
                                                      const char *identifier, const char *value,
                                                      int64_t expires_ms);
/* fake_store_verification - the row called identifier (expired or not), or NULL. */
struct fake_verification *fake_store_verification(struct fake_store *fs, const char *identifier);
size_t fake_store_verification_count(const struct fake_store *fs);
/* fake_store_verification_rows - how many rows are called identifier, expired ones included. */
size_t fake_store_verification_rows(const struct fake_store *fs, const char *identifier);

/* The outbox: mails queued so far, oldest first; NULL past the end. */
size_t fake_store_mail_count(const struct fake_store *fs);
const struct fake_mail *fake_store_mail_at(const struct fake_store *fs, size_t i);

/* The rate-limit counters: their number and the key of the i-th (NULL past the end). */
size_t fake_store_rate_count(const struct fake_store *fs);
const char *fake_store_rate_key_at(const struct fake_store *fs, size_t i);
/* fake_store_rate_age - move the counter of key ms into the past; false when there is none. */
bool fake_store_rate_age(struct fake_store *fs, const char *key, int64_t ms);

/* fake_store_remove_credentials - delete the user's credential accounts (an OAuth-only user). */
void fake_store_remove_credentials(struct fake_store *fs, const char *user_id);

/* A row of failed sign-ins per account (schema/005_account_guard.sql); times in Unix ms of
 * fake_store_now_ms. Tests move it in time by editing window_start_ms and locked_until_ms. */
struct fake_guard {
    char *key;
    int64_t window_start_ms;
    int window_failures;
    int consecutive;
    int64_t locked_until_ms;
};

/* fake_store_guard - the row of key, or NULL; fake_store_guard_count - how many there are. */
struct fake_guard *fake_store_guard(struct fake_store *fs, const char *key);
size_t fake_store_guard_count(const struct fake_store *fs);

/* Row counts; user_id NULL counts every row. */
size_t fake_store_user_count(const struct fake_store *fs);
size_t fake_store_account_count(const struct fake_store *fs, const char *user_id);
size_t fake_store_session_count(const struct fake_store *fs, const char *user_id);

/* fake_store_now_ms - the clock the fake writes timestamps with (the session module's). */
int64_t fake_store_now_ms(void);

/* fake_store_iso - Better Auth's text form of a Unix-ms timestamp into out. */
void fake_store_iso(int64_t ms, char out[FAKE_ISO_SIZE]);

#endif
