/* store - the storage interface handlers use, as a table of functions, so handlers can be
 * tested against a fake store scripted to fail (test/unit/fake_store.c). store_pg.c
 * implements it over the db module. Every function returns an enum db_status: RETRY (nothing
 * was done) maps to 503 SERVICE_UNAVAILABLE, UNKNOWN (a change was sent and its answer lost)
 * to 503 OUTCOME_UNKNOWN unless the caller can look again (sign-up), FAIL to 500,
 * CONFLICT/NOTFOUND are answers the handler interprets. Operations that only read never
 * return UNKNOWN; callers of writes that are housekeeping (the rate-limit and sign-in
 * counters, a session's refresh) turn it into RETRY (db_housekeeping).
 *
 * Records returned by the store live in the arena passed in (strings included); timestamps
 * come back both as Better Auth's ISO text ("2026-11-25T18:43:11.675Z") and as Unix
 * milliseconds for arithmetic. Session tokens cross this interface in their STORED form
 * (SHA-256 hex under AUTHFCGI_SESSION_STORAGE=hash, the raw token under plain): hashing is the
 * session module's business, not the store's. */
#ifndef AUTHFCGI_STORE_H
#define AUTHFCGI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "global/db.h"

struct arena;
struct mail_message;

struct user_record {
    const char *id;
    const char *name;
    const char *email;
    bool email_verified;
    const char *image; /* NULL = SQL NULL */
    const char *created_at;
    const char *updated_at;
    bool two_factor_enabled; /* the twoFactor plugin's column (schema/008; NULL reads false) */
    /* The admin plugin's columns (schema/007), read whether or not it is on. */
    const char *role;        /* NULL = SQL NULL (the default role) */
    bool banned;             /* SQL NULL reads as false */
    const char *ban_reason;  /* NULL = SQL NULL */
    const char *ban_expires; /* ISO text; NULL = the ban does not end (or no ban) */
    int64_t ban_expires_ms;  /* when ban_expires is non-NULL */
};

struct session_record {
    const char *id;
    const char *token; /* stored form */
    const char *user_id;
    const char *ip_address;
    const char *user_agent;
    const char *expires_at;
    const char *created_at;
    const char *updated_at;
    int64_t expires_at_ms;
    int64_t created_at_ms;
    const char *impersonated_by; /* the admin plugin's column (schema/007); NULL = none */
};

struct account_record {
    const char *id;
    const char *account_id;
    const char *provider_id;
    const char *user_id;
    const char *created_at;
    const char *updated_at;
};

/* What a handler asks to create. All strings borrowed for the duration of the call. */

/* A mail queued together with the state change that causes it (one transaction: both commit
 * or neither), and the verification row that makes its link work: the link's token is the
 * row's identifier, and using the link uses the row up. */
struct new_mail {
    const struct mail_message *message; /* rendered (mail.h); queued with outbox_enqueue */
    const char *verification_id;        /* id of the verification row */
    const char *identifier; /* "reset-password:<token>" or "verify-email:<jti>" (mail_token.h) */
    const char *value;      /* what the link stands for: the user id */
    int64_t expires_in_s;   /* from now, as the database sees now */
};

struct new_session {
    const char *id;
    const char *token; /* stored form */
    const char *user_id;
    int64_t expires_in_s; /* from now, as the database sees now */
    const char *ip_address;
    const char *user_agent;
};

struct new_user {
    const char *id;
    const char *name;
    const char *email;      /* already lower-cased */
    const char *image;      /* NULL = none */
    const char *role;       /* the admin plugin's default role; NULL = none (plugin off) */
    const char *account_id; /* id of the credential account row */
    const char *password_hash;
    const struct new_mail *mail; /* NULL, or the verification mail queued with the user */
};

/* A field of update-user: leave alone, set to a string, or set to SQL NULL (image only). */
enum field_update { FIELD_KEEP, FIELD_SET, FIELD_SET_NULL };

struct user_update {
    enum field_update name_op;
    const char *name;
    enum field_update image_op;
    const char *image;
};

/* ---- the admin plugin (AUTHFCGI_ADMIN) ---- */
enum admin_ban { ADMIN_BAN_KEEP, ADMIN_BAN_SET, ADMIN_BAN_LIFT };
/* What an admin endpoint changes; strings borrowed for the call. */
struct admin_change {
    const char *role; /* NULL = keep */
    enum admin_ban ban;
    const char *ban_reason;   /* ADMIN_BAN_SET */
    int64_t ban_expires_in_s; /* ADMIN_BAN_SET: from now; < 0 = never */
    /* ADMIN_BAN_SET: > 0 = at this time (seconds since the epoch) instead; a date given by an
     * operator is kept to the second, not moved by the time the command took to connect. */
    int64_t ban_expires_at_s;
    const char *name; /* NULL = keep */
    enum field_update image_op;
    const char *image;
    const char *email;          /* NULL = keep; lower-cased */
    const char *email_verified; /* NULL = keep, "t" or "f" */
};
/* list-users: search and filter (value NULL = none), sort (field NULL = creation order). */
struct admin_user_query {
    const char *search_field, *search_op, *search_value;
    const char *filter_field, *filter_op, *filter_value;
    const char *sort_field;
    bool sort_desc;
    int64_t limit, offset; /* 0 = none */
};

/* The per-account sign-in policy (account_guard.c): at most max_failures attempts that were
 * not a success per window_s; the first free_failures consecutive ones cost no delay, each
 * further one makes the next attempt wait 1 s, 2 s, 4 s, ... up to max_delay_s. */
struct account_guard_policy {
    int window_s;
    int max_failures;
    int free_failures;
    int max_delay_s;
};

/* The two-factor state of a user (Better Auth's twoFactor plugin). Strings in the arena. */
struct two_factor_record {
    const char *id;           /* the twoFactor row; NULL when the user has none */
    const char *secret;       /* symmetricEncrypt text (xchacha.h) */
    const char *backup_codes; /* symmetricEncrypt of a JSON array */
    bool verified;            /* NULL reads as true, as Better Auth's `verified !== false` */
    bool locked;              /* lockedUntil is still ahead (Better Auth's account lockout) */
};
/* What two_factor_set makes of the flag and the row. Only an authenticator code proves the
 * TOTP secret: a second factor turned on by e-mailed code leaves an unconfirmed secret
 * unconfirmed, as Better Auth does, so it never becomes a way in. */
enum two_factor_change {
    TWO_FACTOR_DISABLE,      /* flag off, the row deleted */
    TWO_FACTOR_ENABLE,       /* flag on, the row as it is */
    TWO_FACTOR_CONFIRM_TOTP, /* flag on, the row verified */
};

struct store_ops {
    /* ping - one round trip to the database (readyz). */
    enum db_status (*ping)(void *impl);
    /* retry_after - seconds to advertise with a 503. */
    int (*retry_after)(void *impl);

    /* sign_up - one transaction: user (its role u->role, in the same INSERT) + credential
     * account (+ session when s is non-NULL, + u->mail's verification row and outbox row when
     * it is non-NULL). DB_CONFLICT when the e-mail exists (also under concurrent sign-ups). */
    enum db_status (*sign_up)(void *impl, struct arena *a, const struct new_user *u,
                              const struct new_session *s, struct user_record *user_out,
                              struct session_record *session_out);
    /* user_by_email - the user and its credential password hash (*password_hash NULL when the
     * user has no credential account). DB_NOTFOUND for an unknown e-mail. */
    enum db_status (*user_by_email)(void *impl, struct arena *a, const char *email,
                                    struct user_record *user_out, const char **password_hash);
    /* credential_of_user - the credential password hash of a user; DB_NOTFOUND when none. */
    enum db_status (*credential_of_user)(void *impl, struct arena *a, const char *user_id,
                                         const char **password_hash);

    /* password_kinds - one stored credential hash of each kind in the account table (a
     * format, with its cost where it has one), at most max of them, into hashes (arena
     * strings); *count how many. A scan of the whole table: for a worker's first sign-in. */
    enum db_status (*password_kinds)(void *impl, struct arena *a, const char **hashes, size_t max,
                                     size_t *count);

    /* session_create - insert one session row. */
    enum db_status (*session_create)(void *impl, struct arena *a, const struct new_session *s,
                                     struct session_record *out);
    /* session_lookup - the session with this stored token and its user, whatever its expiry
     * (the caller decides); DB_NOTFOUND when there is none. The hot path: one statement. */
    enum db_status (*session_lookup)(void *impl, struct arena *a, const char *token,
                                     struct session_record *session_out,
                                     struct user_record *user_out);
    /* session_refresh - expiresAt = now + expires_in_s, updatedAt = now; returns the new
     * record. */
    enum db_status (*session_refresh)(void *impl, struct arena *a, const char *session_id,
                                      int64_t expires_in_s, struct session_record *out);
    /* session_delete_token - delete the session with this stored token (any user). */
    enum db_status (*session_delete_token)(void *impl, const char *token);
    /* session_delete_of_user - delete the user's session whose stored token is token or
     * whose id is handle (list-sessions hands out ids in place of other devices' tokens when
     * tokens are stored hashed); DB_NOTFOUND when no such session is the user's. Returns the
     * deleted session's id in *deleted_id (arena; deleted_id may be NULL) so the caller can
     * tell if it was current. */
    enum db_status (*session_delete_of_user)(void *impl, struct arena *a, const char *user_id,
                                             const char *token, const char *handle,
                                             const char **deleted_id);
    /* session_list - the user's unexpired sessions, oldest first (as Better Auth lists them). */
    enum db_status (*session_list)(void *impl, struct arena *a, const char *user_id,
                                   struct session_record **out, size_t *count);
    /* session_delete_all - every session of the user. */
    enum db_status (*session_delete_all)(void *impl, const char *user_id);
    /* session_delete_others - every session of the user except keep_id. */
    enum db_status (*session_delete_others)(void *impl, const char *user_id, const char *keep_id);

    /* password_set - one transaction: the credential password of the user, and when
     * new_session is non-NULL, delete all the user's sessions and create new_session. */
    enum db_status (*password_set)(void *impl, struct arena *a, const char *user_id,
                                   const char *password_hash, const struct new_session *s,
                                   struct session_record *session_out);
    /* password_upgrade - the credential password of the user set to new_hash while it still is
     * old_hash; DB_NOTFOUND, nothing written, when it no longer is (changed meanwhile). */
    enum db_status (*password_upgrade)(void *impl, const char *user_id, const char *old_hash,
                                       const char *new_hash);
    /* user_update - apply u and return the updated user. */
    enum db_status (*user_update)(void *impl, struct arena *a, const char *user_id,
                                  const struct user_update *u, struct user_record *out);
    /* user_delete - delete the user; accounts and sessions go by cascade. */
    enum db_status (*user_delete)(void *impl, const char *user_id);
    /* account_list - the user's accounts. */
    enum db_status (*account_list)(void *impl, struct arena *a, const char *user_id,
                                   struct account_record **out, size_t *count);

    /* ---- mail links (password reset, e-mail verification, change of e-mail) ---- */

    /* mail_issue - one transaction: m's verification row and its outbox row. Expired rows of
     * authfcgi's own identifiers (reset-password:, verify-email:) are purged on the way, a
     * bounded batch at a time, as Better Auth purges opportunistically. */
    enum db_status (*mail_issue)(void *impl, const struct new_mail *m);
    /* verification_find - the value of the unexpired verification row called identifier
     * (without using it up); DB_NOTFOUND when there is none or it expired. The database's
     * clock decides expiry, as for sessions. */
    enum db_status (*verification_find)(void *impl, struct arena *a, const char *identifier,
                                        const char **value);
    /* password_reset - one transaction, Better Auth's resetCredentialPassword: use up the
     * unexpired verification row identifier (its value is the user id, returned in *user_id),
     * delete all the user's sessions when revoke_sessions, then set the password of the
     * user's credential account, creating one (id account_id, accountId = user id) when the
     * user has none. DB_NOTFOUND, with nothing changed, when the row is gone, expired or
     * already used (also by a concurrent reset), or its user no longer exists. */
    enum db_status (*password_reset)(void *impl, struct arena *a, const char *identifier,
                                     const char *account_id, const char *password_hash,
                                     bool revoke_sessions, const char **user_id);
    /* email_confirm - one transaction: use up the unexpired verification row identifier (a
     * verify-email link), then change the user user_id whose e-mail is still email: with
     * new_email NULL, emailVerified = true (updatedAt moves only when that is a change), and
     * when it is a change (the address's first verification) every session of the user is
     * deleted but keep_session_id's (NULL: none), the user locked first so that none can be
     * created meanwhile; otherwise email = new_email, emailVerified and sessions kept. Returns
     * the user as it is now. DB_NOTFOUND, with nothing changed, when the row is gone, expired
     * or used, or the user no longer exists or has another e-mail; DB_CONFLICT when new_email
     * is another user's. */
    enum db_status (*email_confirm)(void *impl, struct arena *a, const char *identifier,
                                    const char *user_id, const char *email, const char *new_email,
                                    const char *keep_session_id, struct user_record *out);

    /* rate_limit_hit - count one request against key in a window shared by every worker and
     * host: *allowed, and when refused *retry_after_s. */
    enum db_status (*rate_limit_hit)(void *impl, const char *key, int window_s, int max,
                                     bool *allowed, int *retry_after_s);

    /* account_guard_claim - take one sign-in attempt for the account key under p, counted as
     * a failure until account_guard_success: *allowed, and when refused *retry_after_s.
     * Shared by every worker and host; the database's clock decides. */
    enum db_status (*account_guard_claim)(void *impl, const char *key,
                                          const struct account_guard_policy *p, bool *allowed,
                                          int *retry_after_s);
    /* account_guard_success - the claimed attempt succeeded: it is no failure, and the delay
     * starts over (DB_OK also when key has no row). */
    enum db_status (*account_guard_success)(void *impl, const char *key);
    /* ---- the admin plugin (admin.h) ---- */
    /* admin_user_get - the user by id (every user statement reads the admin columns);
     * DB_NOTFOUND when there is none. For a user other than the session's. */
    enum db_status (*admin_user_get)(void *impl, struct arena *a, const char *user_id,
                                     struct user_record *out);
    /* admin_user_change - one transaction: apply ch (and updatedAt = now); with ADMIN_BAN_SET
     * every session of the user is deleted too. Returns the user as it is now; DB_NOTFOUND,
     * nothing changed, when there is no such user; DB_CONFLICT when ch->email is another
     * user's. */
    enum db_status (*admin_user_change)(void *impl, struct arena *a, const char *user_id,
                                        const struct admin_change *ch, struct user_record *out);
    /* admin_user_create - one transaction: the user u, its credential account when
     * u->password_hash is non-NULL (u->mail is ignored), then ch applied (its role, image,
     * emailVerified). DB_CONFLICT when the e-mail is taken. */
    enum db_status (*admin_user_create)(void *impl, struct arena *a, const struct new_user *u,
                                        const struct admin_change *ch, struct user_record *out);
    /* admin_password_set - one transaction: the user's credential password, or a new
     * credential account (id account_id) holding it when the user has none, as set-user-password
     * does. Sessions are kept. DB_NOTFOUND when there is no such user. */
    enum db_status (*admin_password_set)(void *impl, const char *user_id, const char *account_id,
                                         const char *password_hash);
    /* admin_user_list - the users q selects, in its order and page, and *total, how many it
     * selects without paging. */
    enum db_status (*admin_user_list)(void *impl, struct arena *a, const struct admin_user_query *q,
                                      struct user_record **out, size_t *count, int64_t *total);
    /* admin_session_impersonate - one transaction: insert s and mark it impersonated by
     * admin_id. */
    enum db_status (*admin_session_impersonate)(void *impl, struct arena *a,
                                                const struct new_session *s, const char *admin_id,
                                                struct session_record *out);

    /* ---- the two-factor plugin (store_pg_two_factor.c) ---- */

    /* two_factor_get - the user user_id (user->two_factor_enabled says whether it is on) and
     * its twoFactor row; DB_NOTFOUND: no such user. */
    enum db_status (*two_factor_get)(void *impl, struct arena *a, const char *user_id,
                                     struct user_record *user, struct two_factor_record *tf);
    /* two_factor_save - the user's twoFactor row (created with id new_id when it has none);
     * two saves for one user at once leave one row, the later one's. DB_CONFLICT, nothing
     * written, when the row is verified: a confirmed TOTP secret is never replaced (an enable
     * that read the row before a verify-totp confirmed it would leave the user's app with a
     * secret nobody checks). */
    enum db_status (*two_factor_save)(void *impl, const char *user_id, const char *new_id,
                                      const char *secret, const char *backup_codes, bool verified);
    /* two_factor_set - the user's twoFactorEnabled and twoFactor row as change says, in one
     * statement. DB_NOTFOUND: no such user. */
    enum db_status (*two_factor_set)(void *impl, const char *user_id,
                                     enum two_factor_change change);
    /* two_factor_swap_codes - backupCodes = new_codes where it still is old_codes; DB_NOTFOUND
     * when another request changed it first. */
    enum db_status (*two_factor_swap_codes)(void *impl, const char *user_id, const char *old_codes,
                                            const char *new_codes);
    /* two_factor_count - Better Auth's account lockout on the user's row: a failed code
     * counts one (the tenth in a row locks 15 minutes; a lock that ran out starts over), a
     * right one clears the count and the lock. DB_NOTFOUND when the user has no row. */
    enum db_status (*two_factor_count)(void *impl, const char *user_id, bool failed);
    /* verification_put - a verification row identifier -> value for expires_in_s seconds. */
    enum db_status (*verification_put)(void *impl, const char *id, const char *identifier,
                                       const char *value, int64_t expires_in_s);
    /* verification_take - use up every unexpired row called identifier: the newest one's value
     * and the seconds it had left; DB_NOTFOUND when there is none. */
    enum db_status (*verification_take)(void *impl, struct arena *a, const char *identifier,
                                        const char **value, int64_t *left_s);
};

struct store {
    const struct store_ops *ops;
    void *impl;
};

/* store_pg_init - a store over an open db handle; borrows db for the store's lifetime. */
void store_pg_init(struct store *store, struct db *db);

#endif
