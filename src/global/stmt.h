/* stmt - every SQL statement authfcgi runs, in one table. The db module prepares them once per
 * connection under their names (or sends them unnamed behind a transaction pooler); callers
 * refer to them only by enum. Migrations (the schema/ files) are the only other SQL. */
#ifndef AUTHFCGI_STMT_H
#define AUTHFCGI_STMT_H

#include <stdbool.h>

enum stmt {
    STMT_PING,
    STMT_MIGRATION_TABLE_EXISTS,
    STMT_MIGRATION_LIST,
    STMT_MIGRATION_RECORD,
    /* The store (store_pg.c). Rows come back in the column layouts below. */
    STMT_USER_INSERT,               /* id, name, email, image, role or NULL -> user */
    STMT_ACCOUNT_INSERT_CREDENTIAL, /* id, userId, password -> (none) */
    STMT_USER_BY_EMAIL,             /* email -> user, credential password */
    STMT_CREDENTIAL_OF_USER,        /* userId -> password */
    STMT_PASSWORD_KINDS,            /* -> one credential password per kind of hash */
    STMT_SESSION_INSERT,  /* id, token, userId, expires_in_s, ipAddress, userAgent -> session */
    STMT_SESSION_LOOKUP,  /* token -> session, user */
    STMT_SESSION_REFRESH, /* id, expires_in_s -> session */
    STMT_SESSION_DELETE_TOKEN,   /* token -> (none) */
    STMT_SESSION_DELETE_OF_USER, /* userId, token, id or NULL -> id */
    STMT_SESSION_LIST,           /* userId -> sessions, oldest first */
    STMT_SESSION_DELETE_ALL,     /* userId -> (none) */
    STMT_SESSION_DELETE_OTHERS,  /* userId, id to keep -> (none) */
    STMT_PASSWORD_SET,           /* userId, password -> (none) */
    STMT_PASSWORD_UPGRADE,       /* userId, new password, the password read -> (none) */
    STMT_USER_UPDATE,            /* id, name or NULL, set image 't'/'f', image or NULL -> user */
    STMT_USER_DELETE,            /* id -> (none) */
    STMT_ACCOUNT_LIST,           /* userId -> accounts */
    /* Mail links: verification rows (password reset, e-mail verification) and what using
     * one changes. */
    STMT_VERIFICATION_INSERT,       /* id, identifier, value, expires_in_s -> (none) */
    STMT_VERIFICATION_FIND,         /* identifier -> value (unexpired rows only) */
    STMT_VERIFICATION_CONSUME,      /* identifier -> value (unexpired; the row is deleted) */
    STMT_VERIFICATION_PURGE,        /* -> (none): a batch of our expired rows */
    STMT_ACCOUNT_CREATE_CREDENTIAL, /* id, userId, password -> (none); no row if no user */
    STMT_USER_LOCK_EMAIL,           /* id, email -> emailVerified; the user row locked */
    STMT_USER_VERIFY_EMAIL,         /* id, email -> user */
    STMT_USER_SET_EMAIL,            /* id, email, new email -> user */
    STMT_RATE_LIMIT_HIT,            /* key, window s, max -> allowed 't'/'f', retry-after s */
    /* Failed sign-ins per account (account_guard.c, schema/005_account_guard.sql). */
    STMT_ACCOUNT_GUARD_CLAIM, /* key, window s, max, free, max delay s -> allowed, retry-after s */
    STMT_ACCOUNT_GUARD_SUCCESS, /* key -> (none) */
    /* The mail outbox (outbox.c, schema/004_outbox.sql). */
    STMT_OUTBOX_INSERT, /* kind, recipient, subject, message_id, message -> (none) */
    STMT_OUTBOX_CLAIM,  /* lease s -> id, message_id, recipient, kind, message, attempts */
    STMT_OUTBOX_SENT,   /* id -> (none) */
    STMT_OUTBOX_DEFER,  /* id, attempts (the claim's), delay s, error -> (none) */
    STMT_OUTBOX_FAIL,   /* id, attempts (the claim's), error -> (none) */
    STMT_OUTBOX_PURGE,  /* days -> (none) */
    STMT_OUTBOX_COUNTS, /* -> pending (or sending), failed */
    /* The admin plugin (AUTHFCGI_ADMIN). */
    STMT_ADMIN_USER_CHANGE, /* id, role or NULL, ban 'set'/'lift'/NULL, reason, expires s or
                               NULL, name or NULL, set image 't'/'f', image, email or NULL,
                               emailVerified 't'/'f' or NULL -> user */
    STMT_ADMIN_USER_LIST,   /* search field, op, value, filter field, op, value, sort field,
                               'asc'/'desc', limit or NULL, offset -> users */
    STMT_ADMIN_USER_COUNT,  /* the search and filter parameters of LIST -> count */
    STMT_ADMIN_SESSION_IMPERSONATED, /* session id, admin's user id -> (none) */
    /* The two-factor plugin (store_pg_two_factor.c, schema/008_two_factor.sql); text results. */
    STMT_TWO_FACTOR_GET,        /* userId -> user (ISO times), twoFactor row or NULLs, the
                                   user's admin columns (banExpires also as Unix ms) */
    STMT_TWO_FACTOR_LOCK_USER,  /* userId -> id; the user row locked for two_factor_save */
    STMT_TWO_FACTOR_SAVE,       /* userId, new id, secret, backupCodes, verified -> (none) */
    STMT_TWO_FACTOR_SET,        /* userId, enabled, confirm TOTP -> id; off: row deleted */
    STMT_TWO_FACTOR_SWAP_CODES, /* userId, old backupCodes, new -> id (none when changed) */
    STMT_VERIFICATION_TAKE,     /* identifier -> value, seconds left (unexpired; deleted) */
    STMT_TWO_FACTOR_COUNT,      /* userId, failed -> id: Better Auth's lockout counters */
    /* db.c's start-up check of the server's connection limit against the workers. */
    STMT_CONNECTION_BUDGET, /* -> max_connections, superuser_reserved_connections, superuser
                               't'/'f', client connections now */
    /* `authfcgi user` (store_admin.c). */
    STMT_USER_BY_ID, /* id -> user */
    STMT_USER_LIST,  /* lower-case LIKE pattern or NULL, verified 't'/'f' or NULL, created since
                        (UTC timestamp text) or NULL -> users, oldest first */
    STMT__MAX
};

/* Column layouts of the rows the store's statements return: a user, a session, an account,
 * always in binary (stmt_def.binary): text columns as their bytes, booleans as one byte,
 * timestamps as PostgreSQL's 64-bit microseconds since 2000-01-01 UTC. STMT_SESSION_LOOKUP returns
 * a session followed by a user (user columns start at SESSION_COL__COUNT); STMT_USER_BY_EMAIL a
 * user followed by the credential password (column USER_COL__COUNT). */
enum user_col {
    USER_COL_ID,
    USER_COL_NAME,
    USER_COL_EMAIL,
    USER_COL_EMAIL_VERIFIED,
    USER_COL_IMAGE, /* may be NULL */
    USER_COL_CREATED_AT,
    USER_COL_UPDATED_AT,
    USER_COL_TWO_FACTOR_ENABLED, /* may be NULL (= false); the column schema/008 adds */
    USER_COL_ROLE,               /* may be NULL; the admin plugin's columns (schema/007) */
    USER_COL_BANNED,             /* may be NULL (= false) */
    USER_COL_BAN_REASON,         /* may be NULL */
    USER_COL_BAN_EXPIRES,        /* may be NULL */
    USER_COL__COUNT
};

enum session_col {
    SESSION_COL_ID,
    SESSION_COL_TOKEN,
    SESSION_COL_USER_ID,
    SESSION_COL_IP_ADDRESS, /* may be NULL in rows other writers made */
    SESSION_COL_USER_AGENT, /* may be NULL in rows other writers made */
    SESSION_COL_EXPIRES_AT,
    SESSION_COL_CREATED_AT,
    SESSION_COL_UPDATED_AT,
    SESSION_COL_IMPERSONATED_BY, /* may be NULL; the admin plugin's column (schema/007) */
    SESSION_COL__COUNT
};

enum account_col {
    ACCOUNT_COL_ID,
    ACCOUNT_COL_ACCOUNT_ID,
    ACCOUNT_COL_PROVIDER_ID,
    ACCOUNT_COL_USER_ID,
    ACCOUNT_COL_CREATED_AT,
    ACCOUNT_COL_UPDATED_AT,
    ACCOUNT_COL__COUNT
};

struct stmt_def {
    const char *name; /* prepared statement name: "authfcgi_" + lower-case enum name */
    const char *sql;
    int nparams;    /* number of $n placeholders */
    bool read_only; /* safe to retry once after a lost connection */
    bool binary;    /* results in binary format (the row layouts above), else text */
};

extern const struct stmt_def stmt_table[STMT__MAX];

#endif
