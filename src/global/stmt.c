/* stmt - the statement table: every SQL statement authfcgi runs outside migrations, with its
 * prepared-statement name and parameter count. Designated initializers tie each row to its
 * enum, and test/unit/check_stmt.c checks names, placeholders and read-only flags.
 * Statements never end with ';' and never rely on session state (they also run unnamed
 * through a transaction-mode pooler). */
#include "config.h"

#include "global/stmt.h"

/* Statements and the macros they are built from are laid out by hand: clang-format would
 * break their SQL at arbitrary places. */
/* clang-format off */

/* Timestamps. Better Auth writes and reads them with millisecond precision, so ours are
 * written truncated to the millisecond. The statements marked .binary return the rows of the
 * layouts below in binary: timestamps arrive as integers whatever the session's TimeZone and
 * DateStyle (no session SET needed, so they stay pooler-safe), and store_pg.c derives both
 * Better Auth's ISO text and Unix milliseconds from one value, which PostgreSQL would otherwise
 * spend a fifth of the hot path formatting. "Now" is now(): the rows one transaction writes
 * (sign-up's user, account and session) share one time. */
#define EPOCH_MS(col) "(extract(epoch FROM date_trunc('milliseconds', " col ")) * 1000)::bigint"
#define NOW_MS "date_trunc('milliseconds', now())"
/* A timestamptz as Better Auth's JSON shows it ("2026-11-25T18:43:11.675Z"), for text results. */
#define ISO_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The column layouts of stmt.h (enum user_col, session_col, account_col); t is "alias." or "".
 * A user carries the twoFactor and admin plugins' columns, and a session the admin plugin's,
 * whether or not the plugins are on (007 and 008 add them either way): get-session's one
 * statement serves every setting, and only the view (json_view.h) decides what is shown. */
#define USER_COLUMNS(t)                                                                      \
    t "id, " t "name, " t "email, " t "\"emailVerified\", " t "image, "                      \
    t "\"createdAt\", " t "\"updatedAt\", " t "\"twoFactorEnabled\", " t "role, "           \
    t "banned, " t "\"banReason\", " t "\"banExpires\""
#define SESSION_COLUMNS(t)                                                                   \
    t "id, " t "token, " t "\"userId\", " t "\"ipAddress\", " t "\"userAgent\", "            \
    t "\"expiresAt\", " t "\"createdAt\", " t "\"updatedAt\", " t "\"impersonatedBy\""
#define ACCOUNT_COLUMNS                                                                      \
    "id, \"accountId\", \"providerId\", \"userId\", \"createdAt\", \"updatedAt\""

/* list-users' search ($1 field, $2 operator, $3 value) and filter ($4 field, $5 operator, $6
 * value), as Better Auth's adapter words them for PostgreSQL: LIKE-like operators are
 * case-sensitive, "ne" leaves out NULLs, a field the user does not have matches nothing.
 * Values are compared as text (booleans as 'true'/'false'). */
#define ADMIN_FIELD(f)                                                                       \
    "(CASE " f " WHEN 'email' THEN email WHEN 'name' THEN name WHEN 'id' THEN id "           \
    "WHEN 'role' THEN role WHEN 'banReason' THEN \"banReason\" "                             \
    "WHEN 'banned' THEN banned::text WHEN 'emailVerified' THEN \"emailVerified\"::text "      \
    "WHEN 'image' THEN image END)"
#define ADMIN_MATCH(f, op, v)                                                                \
    "(CASE " op " WHEN 'eq' THEN " ADMIN_FIELD(f) " = " v                                   \
    " WHEN 'ne' THEN " ADMIN_FIELD(f) " <> " v                                              \
    " WHEN 'contains' THEN strpos(" ADMIN_FIELD(f) ", " v ") > 0"                           \
    " WHEN 'starts_with' THEN starts_with(" ADMIN_FIELD(f) ", " v ")"                       \
    " WHEN 'ends_with' THEN right(" ADMIN_FIELD(f) ", length(" v ")) = " v                  \
    " WHEN 'lt' THEN " ADMIN_FIELD(f) " < " v " WHEN 'lte' THEN " ADMIN_FIELD(f) " <= " v   \
    " WHEN 'gt' THEN " ADMIN_FIELD(f) " > " v " WHEN 'gte' THEN " ADMIN_FIELD(f) " >= " v   \
    " ELSE false END)"
#define ADMIN_WHERE                                                                          \
    "WHERE ($3::text IS NULL OR coalesce(" ADMIN_MATCH("$1::text", "$2::text", "$3::text")   \
    ", false)) AND ($6::text IS NULL OR coalesce("                                          \
    ADMIN_MATCH("$4::text", "$5::text", "$6::text") ", false))"
/* Sorting by $7 ($8 'asc' or 'desc'): one term per type of column; then creation order. */
#define ADMIN_SORT_TEXT                                                                      \
    "CASE $7::text WHEN 'email' THEN email WHEN 'name' THEN name WHEN 'id' THEN id "         \
    "WHEN 'role' THEN role WHEN 'banReason' THEN \"banReason\" WHEN 'image' THEN image END"
#define ADMIN_SORT_TIME                                                                      \
    "CASE $7::text WHEN 'createdAt' THEN \"createdAt\" WHEN 'updatedAt' THEN \"updatedAt\" " \
    "WHEN 'banExpires' THEN \"banExpires\" END"
#define ADMIN_SORT_BOOL                                                                      \
    "CASE $7::text WHEN 'banned' THEN banned WHEN 'emailVerified' THEN \"emailVerified\" END"
#define ADMIN_ORDER(dir)                                                                     \
    "CASE WHEN $8::text = '" dir "' THEN " ADMIN_SORT_TEXT " END " dir ", "                 \
    "CASE WHEN $8::text = '" dir "' THEN " ADMIN_SORT_TIME " END " dir ", "                 \
    "CASE WHEN $8::text = '" dir "' THEN " ADMIN_SORT_BOOL " END " dir

/* A user's credential password when it has several credential accounts (Better Auth never
 * makes two, but nothing in its schema forbids them): one with a password, the oldest. */
#define CREDENTIAL_ORDER "ORDER BY password IS NULL, \"createdAt\", id LIMIT 1"

/* Rate-limit rows idle this long are purged: longer than the longest window of
 * rate_limit_rule_for (60 s), so a purged row is one that would have been reset anyway. */
#define RATE_LIMIT_IDLE_MS "3600000"

/* STMT_ACCOUNT_GUARD_CLAIM: whether the lock has passed is judged by the clock when the row
 * is ours (clock_timestamp()), not by now(), the time our transaction began: an attempt that
 * waited for a concurrent one's row lock began before that one set its lock, and would be
 * refused by a lock of zero seconds.
 * Its pieces: has the row's window ($2 s) ended; the attempt's
 * consecutive count; the lock the k-th consecutive attempt earns (none for the first $4, then
 * 1 s doubling up to $5 s; the exponent is capped so power() stays far from overflow). */
#define GUARD_EXPIRED "EXCLUDED.window_start - g.window_start >= $2::bigint * 1000"
#define GUARD_NEXT "(CASE WHEN " GUARD_EXPIRED " THEN 1 ELSE g.consecutive + 1 END)"
#define GUARD_DELAY(k)                                                                       \
    "CASE WHEN " k " <= $4::integer THEN 0 ELSE least($5::bigint * 1000, "                 \
    "(1000 * power(2, least(" k " - $4::integer - 1, 40)))::bigint) END"

const struct stmt_def stmt_table[STMT__MAX] = {
    /* Better Auth's updateUser: the changed columns and updatedAt. A taken e-mail is a unique
     * violation (DB_CONFLICT). */
    [STMT_ADMIN_USER_CHANGE] = {
        .name = "authfcgi_admin_user_change",
        .sql = "UPDATE \"user\" SET role = coalesce($2::text, role), "
               "banned = CASE $3::text WHEN 'set' THEN true WHEN 'lift' THEN false ELSE banned END, "
               "\"banReason\" = CASE $3::text WHEN 'set' THEN $4::text WHEN 'lift' THEN NULL "
               "ELSE \"banReason\" END, "
               "\"banExpires\" = CASE $3::text WHEN 'set' THEN "
               "coalesce(to_timestamp($11::bigint), " NOW_MS " + $5::bigint * interval '1 second') "
               "WHEN 'lift' THEN NULL ELSE \"banExpires\" END, "
               "name = coalesce($6::text, name), "
               "image = CASE WHEN $7::boolean THEN $8::text ELSE image END, "
               "email = coalesce($9::text, email), "
               "\"emailVerified\" = coalesce($10::boolean, \"emailVerified\"), "
               "\"updatedAt\" = " NOW_MS " WHERE id = $1 RETURNING " USER_COLUMNS(""),
        .nparams = 11,
        .read_only = false,
        .binary = true,
    },
    [STMT_ADMIN_USER_LIST] = {
        .name = "authfcgi_admin_user_list",
        .sql = "SELECT " USER_COLUMNS("") " FROM \"user\" " ADMIN_WHERE
               " ORDER BY " ADMIN_ORDER("asc") ", " ADMIN_ORDER("desc")
               ", \"createdAt\", id LIMIT $9::bigint OFFSET $10::bigint",
        .nparams = 10,
        .read_only = true,
        .binary = true,
    },
    [STMT_ADMIN_USER_COUNT] = {
        .name = "authfcgi_admin_user_count",
        .sql = "SELECT count(*) FROM \"user\" " ADMIN_WHERE,
        .nparams = 6,
        .read_only = true,
    },
    [STMT_ADMIN_SESSION_IMPERSONATED] = {
        .name = "authfcgi_admin_session_impersonated",
        .sql = "UPDATE session SET \"impersonatedBy\" = $2 WHERE id = $1",
        .nparams = 2,
        .read_only = false,
    },
    [STMT_PING] = {
        .name = "authfcgi_ping",
        .sql = "SELECT 1",
        .nparams = 0,
        .read_only = true,
    },
    /* `authfcgi migrate --status` must not create anything, so it asks first. */
    [STMT_MIGRATION_TABLE_EXISTS] = {
        .name = "authfcgi_migration_table_exists",
        .sql = "SELECT 1 WHERE to_regclass('authfcgi_schema_migrations') IS NOT NULL",
        .nparams = 0,
        .read_only = true,
    },
    /* applied_at in UTC ISO 8601 whatever the session's TimeZone and DateStyle. */
    [STMT_MIGRATION_LIST] = {
        .name = "authfcgi_migration_list",
        .sql = "SELECT version, to_char(applied_at AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
               "FROM authfcgi_schema_migrations ORDER BY version",
        .nparams = 0,
        .read_only = true,
    },
    [STMT_MIGRATION_RECORD] = {
        .name = "authfcgi_migration_record",
        .sql = "INSERT INTO authfcgi_schema_migrations (version, applied_at) VALUES ($1, now())",
        .nparams = 1,
        .read_only = false,
    },

    /* ---- users and accounts ---- */
    /* emailVerified is false and image NULL unless given, as Better Auth's sign-up writes; role
     * is the admin plugin's default role when it is on (its user-creation hook), else NULL. A
     * taken e-mail fails on user_email_key (23505): concurrent sign-ups of one address wait
     * for each other on that index, and all but the first end as DB_CONFLICT. */
    [STMT_USER_INSERT] = {
        .name = "authfcgi_user_insert",
        .sql = "INSERT INTO \"user\" (id, name, email, \"emailVerified\", image, role, "
               "\"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, false, $4, $5, " NOW_MS ", "
               NOW_MS ") RETURNING " USER_COLUMNS(""),
        .nparams = 5,
        .read_only = false,
        .binary = true,
    },
    /* The credential account of a new user: accountId is the user id (Better Auth's rule). */
    [STMT_ACCOUNT_INSERT_CREDENTIAL] = {
        .name = "authfcgi_account_insert_credential",
        .sql = "INSERT INTO account (id, \"accountId\", \"providerId\", \"userId\", password, "
               "\"createdAt\", \"updatedAt\") VALUES ($1, $2, 'credential', $2, $3, " NOW_MS ", "
               NOW_MS ")",
        .nparams = 3,
        .read_only = false,
    },
    /* Sign-in's one lookup: the user and its credential password (NULL when it has none). */
    [STMT_USER_BY_EMAIL] = {
        .name = "authfcgi_user_by_email",
        .sql = "SELECT " USER_COLUMNS("u.") ", (SELECT password FROM account "
               "WHERE \"userId\" = u.id AND \"providerId\" = 'credential' " CREDENTIAL_ORDER ") "
               "FROM \"user\" u WHERE u.email = $1",
        .nparams = 1,
        .read_only = true,
        .binary = true,
    },
    [STMT_CREDENTIAL_OF_USER] = {
        .name = "authfcgi_credential_of_user",
        .sql = "SELECT password FROM account WHERE \"userId\" = $1 AND \"providerId\" = 'credential' "
               CREDENTIAL_ORDER,
        .nparams = 1,
        .read_only = true,
    },
    /* One stored hash per kind (Better Auth's scrypt; a crypt(3) scheme and, where it has
     * them, its cost parameters: "$y$j9T$", "$2b$10$", "$6$rounds=N$"), for the sign-in's
     * equal failures (password_kinds). A scan of the table, once per worker. */
    [STMT_PASSWORD_KINDS] = {
        .name = "authfcgi_password_kinds",
        .sql = "SELECT min(password) FROM account WHERE password IS NOT NULL "
               "GROUP BY password ~ '^[0-9a-f]{32}:[0-9a-f]{128}$', split_part(password, '$', 2), "
               "CASE WHEN split_part(password, '$', 2) IN ('y', '2a', '2b', '2x', '2y') "
               "OR split_part(password, '$', 3) LIKE 'rounds=%' "
               "THEN split_part(password, '$', 3) END "
               "LIMIT 16",
        .nparams = 0,
        .read_only = true,
    },
    /* Every credential account of the user, as Better Auth's updatePassword (updateMany). */
    [STMT_PASSWORD_SET] = {
        .name = "authfcgi_password_set",
        .sql = "UPDATE account SET password = $2, \"updatedAt\" = " NOW_MS " "
               "WHERE \"userId\" = $1 AND \"providerId\" = 'credential'",
        .nparams = 2,
        .read_only = false,
    },
    /* Sign-in's rehash of an old-format hash: only while the hash is still the one it checked
     * (a password change committed meanwhile stays). */
    [STMT_PASSWORD_UPGRADE] = {
        .name = "authfcgi_password_upgrade",
        .sql = "UPDATE account SET password = $2, \"updatedAt\" = " NOW_MS " "
               "WHERE \"userId\" = $1 AND \"providerId\" = 'credential' AND password = $3",
        .nparams = 3,
        .read_only = false,
    },
    /* $2 NULL keeps the name (it cannot be NULL); $3 says whether image is written, $4 being
     * its value, NULL included. */
    [STMT_USER_UPDATE] = {
        .name = "authfcgi_user_update",
        .sql = "UPDATE \"user\" SET name = coalesce($2::text, name), "
               "image = CASE WHEN $3::boolean THEN $4::text ELSE image END, "
               "\"updatedAt\" = " NOW_MS " WHERE id = $1 RETURNING " USER_COLUMNS(""),
        .nparams = 4,
        .read_only = false,
        .binary = true,
    },
    /* Accounts and sessions follow by ON DELETE CASCADE. */
    [STMT_USER_DELETE] = {
        .name = "authfcgi_user_delete",
        .sql = "DELETE FROM \"user\" WHERE id = $1",
        .nparams = 1,
        .read_only = false,
    },
    [STMT_ACCOUNT_LIST] = {
        .name = "authfcgi_account_list",
        .sql = "SELECT " ACCOUNT_COLUMNS " FROM account WHERE \"userId\" = $1 "
               "ORDER BY \"createdAt\", id",
        .nparams = 1,
        .read_only = true,
        .binary = true,
    },

    /* ---- sessions (token = the stored form) ---- */
    [STMT_SESSION_INSERT] = {
        .name = "authfcgi_session_insert",
        .sql = "INSERT INTO session (id, token, \"userId\", \"expiresAt\", \"ipAddress\", "
               "\"userAgent\", \"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, "
               NOW_MS " + $4::bigint * interval '1 second', $5, $6, " NOW_MS ", " NOW_MS ") "
               "RETURNING " SESSION_COLUMNS(""),
        .nparams = 6,
        .read_only = false,
        .binary = true,
    },
    /* get-session, the hot path: the session and its user in one index lookup and one join,
     * whatever the expiry (the caller decides, and deletes what has expired). */
    [STMT_SESSION_LOOKUP] = {
        .name = "authfcgi_session_lookup",
        .sql = "SELECT " SESSION_COLUMNS("s.") ", " USER_COLUMNS("u.") " "
               "FROM session s JOIN \"user\" u ON u.id = s.\"userId\" WHERE s.token = $1",
        .nparams = 1,
        .read_only = true,
        .binary = true,
    },
    [STMT_SESSION_REFRESH] = {
        .name = "authfcgi_session_refresh",
        .sql = "UPDATE session SET \"expiresAt\" = " NOW_MS " + $2::bigint * interval '1 second', "
               "\"updatedAt\" = " NOW_MS " WHERE id = $1 RETURNING " SESSION_COLUMNS(""),
        .nparams = 2,
        .read_only = false,
        .binary = true,
    },
    [STMT_SESSION_DELETE_TOKEN] = {
        .name = "authfcgi_session_delete_token",
        .sql = "DELETE FROM session WHERE token = $1",
        .nparams = 1,
        .read_only = false,
    },
    /* By stored token, or by id (the handle list-sessions gives out under hashed storage);
     * $3 NULL matches no id. Only ever the user's own sessions. */
    [STMT_SESSION_DELETE_OF_USER] = {
        .name = "authfcgi_session_delete_of_user",
        .sql = "DELETE FROM session WHERE \"userId\" = $1 AND (token = $2 OR id = $3::text) "
               "RETURNING id",
        .nparams = 3,
        .read_only = false,
    },
    /* Unexpired only, oldest first, as Better Auth's list-sessions. */
    [STMT_SESSION_LIST] = {
        .name = "authfcgi_session_list",
        .sql = "SELECT " SESSION_COLUMNS("") " FROM session WHERE \"userId\" = $1 "
               "AND \"expiresAt\" > now() ORDER BY \"createdAt\", id",
        .nparams = 1,
        .read_only = true,
        .binary = true,
    },
    [STMT_SESSION_DELETE_ALL] = {
        .name = "authfcgi_session_delete_all",
        .sql = "DELETE FROM session WHERE \"userId\" = $1",
        .nparams = 1,
        .read_only = false,
    },
    [STMT_SESSION_DELETE_OTHERS] = {
        .name = "authfcgi_session_delete_others",
        .sql = "DELETE FROM session WHERE \"userId\" = $1 AND id <> $2",
        .nparams = 2,
        .read_only = false,
    },

    /* ---- mail links: verification rows (mail_token.h) ----
     * Identifiers are "reset-password:<token>" (value: the user id; Better Auth's own rows)
     * and "verify-email:<jti>" (value: the user id; ours, making its JWT links single-use).
     * Expiry is the database's clock, as for sessions. */
    [STMT_VERIFICATION_INSERT] = {
        .name = "authfcgi_verification_insert",
        .sql = "INSERT INTO verification (id, identifier, value, \"expiresAt\", \"createdAt\", "
               "\"updatedAt\") VALUES ($1, $2, $3, " NOW_MS " + $4::bigint * interval '1 second', "
               NOW_MS ", " NOW_MS ")",
        .nparams = 4,
        .read_only = false,
    },
    /* The mail link opened (GET /reset-password/:token): looked at, not used up. */
    [STMT_VERIFICATION_FIND] = {
        .name = "authfcgi_verification_find",
        .sql = "SELECT value FROM verification WHERE identifier = $1 AND \"expiresAt\" > now() "
               "ORDER BY \"createdAt\" DESC LIMIT 1",
        .nparams = 1,
        .read_only = true,
    },
    /* Used up inside the transaction of what the link does. Two requests racing for one row
     * serialise on its lock: the second finds it deleted and gets no row. */
    [STMT_VERIFICATION_CONSUME] = {
        .name = "authfcgi_verification_consume",
        .sql = "DELETE FROM verification WHERE identifier = $1 AND \"expiresAt\" > now() "
               "RETURNING value",
        .nparams = 1,
        .read_only = false,
    },
    /* Expired rows of our two kinds only (a Better Auth server sharing the table keeps its
     * own), at most 100 at a time, skipping rows another transaction holds. */
    [STMT_VERIFICATION_PURGE] = {
        .name = "authfcgi_verification_purge",
        .sql = "DELETE FROM verification WHERE id = ANY (ARRAY("
               "SELECT id FROM verification WHERE \"expiresAt\" < now() "
               "AND (identifier LIKE 'reset-password:%' OR identifier LIKE 'verify-email:%') "
               "LIMIT 100 FOR UPDATE SKIP LOCKED))",
        .nparams = 0,
        .read_only = false,
    },
    /* A password reset for a user without a credential account creates one, as Better
     * Auth's resetCredentialPassword does; no row when the user is gone (no FK error). */
    [STMT_ACCOUNT_CREATE_CREDENTIAL] = {
        .name = "authfcgi_account_create_credential",
        .sql = "INSERT INTO account (id, \"accountId\", \"providerId\", \"userId\", password, "
               "\"createdAt\", \"updatedAt\") SELECT $1, id, 'credential', id, $3, " NOW_MS ", "
               NOW_MS " FROM \"user\" WHERE id = $2",
        .nparams = 3,
        .read_only = false,
    },
    /* Before a verification link is applied: whether the address was verified already, with
     * the user's row locked. FOR UPDATE conflicts with the FOR KEY SHARE that inserting a
     * session takes on its user (session_userId_fkey), so a sign-in in flight commits before
     * the lock is granted and the next statement, with a new snapshot, sees its session; and
     * none can be inserted until the verification commits. */
    [STMT_USER_LOCK_EMAIL] = {
        .name = "authfcgi_user_lock_email",
        .sql = "SELECT \"emailVerified\" FROM \"user\" WHERE id = $1 AND email = $2 FOR UPDATE",
        .nparams = 2,
        .read_only = false,
        .binary = true,
    },
    /* Only while the user still has the address the link was sent to. updatedAt moves only
     * when emailVerified does (Better Auth writes nothing for an already verified user). */
    [STMT_USER_VERIFY_EMAIL] = {
        .name = "authfcgi_user_verify_email",
        .sql = "UPDATE \"user\" SET \"emailVerified\" = true, \"updatedAt\" = CASE WHEN "
               "\"emailVerified\" THEN \"updatedAt\" ELSE " NOW_MS " END "
               "WHERE id = $1 AND email = $2 RETURNING " USER_COLUMNS(""),
        .nparams = 2,
        .read_only = false,
        .binary = true,
    },
    /* The change-email link: emailVerified is kept, as Better Auth keeps it. A taken address
     * fails on user_email_key (DB_CONFLICT). */
    [STMT_USER_SET_EMAIL] = {
        .name = "authfcgi_user_set_email",
        .sql = "UPDATE \"user\" SET email = $3, \"updatedAt\" = " NOW_MS " "
               "WHERE id = $1 AND email = $2 RETURNING " USER_COLUMNS(""),
        .nparams = 3,
        .read_only = false,
        .binary = true,
    },

    /* ---- rate limits (schema/003_rate_limit.sql) ----
     * Better Auth's algorithm (PROTOCOL.md §7) as one atomic upsert, with the database's clock
     * so every host counts alike: a row idle for a whole window restarts at 1; otherwise a
     * count below max goes up by one; both are allowed and set lastRequest. A count at max is
     * refused and, thanks to the DO UPDATE ... WHERE, writes nothing. A refused hit returns
     * no row from `hit`, and the retry-after comes from the row as the statement's snapshot
     * saw it (a concurrent hit can make it a little short; it is never below 1).
     * One hit in 64 also purges up to 100 rows idle for an hour, skipping rows other workers
     * hold, never the row being counted (a statement must not touch a row twice); the other
     * 63 skip the scan ((SELECT random()) is a one-time filter) and probe the key index with
     * an empty array. */
    [STMT_RATE_LIMIT_HIT] = {
        .name = "authfcgi_rate_limit_hit",
        .sql = "WITH hit AS ("
               "INSERT INTO authfcgi_rate_limit AS r (key, count, \"lastRequest\") "
               "VALUES ($1, 1, " EPOCH_MS("now()") ") "
               "ON CONFLICT (key) DO UPDATE SET "
               "count = CASE WHEN EXCLUDED.\"lastRequest\" - r.\"lastRequest\" >= $2::bigint * 1000 "
               "THEN 1 ELSE r.count + 1 END, "
               "\"lastRequest\" = EXCLUDED.\"lastRequest\" "
               "WHERE EXCLUDED.\"lastRequest\" - r.\"lastRequest\" >= $2::bigint * 1000 "
               "OR r.count < $3::integer "
               "RETURNING 1), "
               "purge AS ("
               "DELETE FROM authfcgi_rate_limit WHERE key = ANY (ARRAY("
               "SELECT key FROM authfcgi_rate_limit "
               "WHERE (SELECT random()) < 1.0 / 64 AND key <> $1 "
               "AND \"lastRequest\" < " EPOCH_MS("now()") " - " RATE_LIMIT_IDLE_MS " "
               "LIMIT 100 FOR UPDATE SKIP LOCKED))) "
               "SELECT EXISTS (SELECT FROM hit), "
               "CASE WHEN EXISTS (SELECT FROM hit) THEN 0 ELSE greatest(1, coalesce(("
               "SELECT ceil((l.\"lastRequest\" + $2::bigint * 1000 - " EPOCH_MS("now()") ") "
               "/ 1000.0) FROM authfcgi_rate_limit l WHERE l.key = $1), $2::bigint))::integer END",
        .nparams = 3,
        .read_only = false,
    },

    /* ---- failed sign-ins per account (schema/005_account_guard.sql, src/auth/account_guard.c) ----
     * One atomic claim per attempt, taken before the password is checked and counted as a
     * failure until account_guard_success says otherwise, so attempts in flight at once on
     * many workers cannot overrun the count. A claim is refused (writing nothing, as the rate
     * limit's) while locked_until is ahead or while the window holds max failures. A window
     * ($2 s after its first attempt) that has ended starts over at 1. Each claim locks the
     * account for the delay its consecutive count earns: none for the first $4, then 1 s,
     * doubling up to $5 s. The refused claim's retry-after is read from the statement's
     * snapshot, as the rate limit's. One claim in 64 also purges up to 100 rows whose window
     * ended and whose lock ran out. */
    [STMT_ACCOUNT_GUARD_CLAIM] = {
        .name = "authfcgi_account_guard_claim",
        .sql = "WITH claim AS ("
               "INSERT INTO authfcgi_account_guard AS g "
               "(key, window_start, window_failures, consecutive, locked_until) "
               "VALUES ($1, " EPOCH_MS("now()") ", 1, 1, " EPOCH_MS("now()") " + " GUARD_DELAY("1") ") "
               "ON CONFLICT (key) DO UPDATE SET "
               "window_start = CASE WHEN " GUARD_EXPIRED " "
               "THEN EXCLUDED.window_start ELSE g.window_start END, "
               "window_failures = CASE WHEN " GUARD_EXPIRED " THEN 1 ELSE g.window_failures + 1 END, "
               "consecutive = " GUARD_NEXT ", "
               "locked_until = EXCLUDED.window_start + " GUARD_DELAY(GUARD_NEXT) " "
               "WHERE g.locked_until <= " EPOCH_MS("clock_timestamp()") " "
               "AND (" GUARD_EXPIRED " OR g.window_failures < $3::integer) "
               "RETURNING 1), "
               "purge AS ("
               "DELETE FROM authfcgi_account_guard WHERE key = ANY (ARRAY("
               "SELECT key FROM authfcgi_account_guard "
               "WHERE (SELECT random()) < 1.0 / 64 AND key <> $1 "
               "AND window_start < " EPOCH_MS("now()") " - $2::bigint * 1000 "
               "AND locked_until < " EPOCH_MS("now()") " "
               "LIMIT 100 FOR UPDATE SKIP LOCKED))) "
               "SELECT EXISTS (SELECT FROM claim), "
               "CASE WHEN EXISTS (SELECT FROM claim) THEN 0 ELSE greatest(1, coalesce(("
               "SELECT ceil((greatest(l.locked_until, CASE WHEN l.window_failures >= $3::integer "
               "THEN l.window_start + $2::bigint * 1000 ELSE 0 END) - " EPOCH_MS("now()") ") "
               "/ 1000.0) FROM authfcgi_account_guard l WHERE l.key = $1), 1))::integer END",
        .nparams = 5,
        .read_only = false,
    },
    /* The claimed attempt was the owner's: it was no failure, and the delay starts over. The
     * window's failures stay: they were guesses all the same. */
    [STMT_ACCOUNT_GUARD_SUCCESS] = {
        .name = "authfcgi_account_guard_success",
        .sql = "UPDATE authfcgi_account_guard SET consecutive = 0, locked_until = 0, "
               "window_failures = greatest(window_failures - 1, 0) WHERE key = $1",
        .nparams = 1,
        .read_only = false,
    },

    /* ---- the mail outbox (schema/004_outbox.sql, src/global/outbox.c) ---- */
    /* Runs inside the transaction of the state change the mail belongs to. */
    [STMT_OUTBOX_INSERT] = {
        .name = "authfcgi_outbox_insert",
        .sql = "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message) "
               "VALUES ($1, $2, $3, $4, $5)",
        .nparams = 5,
        .read_only = false,
    },
    /* One due row for one mailer, as its own transaction: SKIP LOCKED passes over a row another
     * mailer is claiming this instant, and the claimed row leaves the due set (its
     * next_attempt_at becomes the end of the lease), so no two mailers hold one row. A row
     * that a mailer claimed between our snapshot and our lock is re-checked by PostgreSQL
     * against the WHERE clause (EvalPlanQual) and skipped. */
    [STMT_OUTBOX_CLAIM] = {
        .name = "authfcgi_outbox_claim",
        .sql = "WITH due AS MATERIALIZED ("
               "SELECT id FROM authfcgi_outbox "
               "WHERE status IN ('pending', 'sending') AND next_attempt_at <= now() "
               "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
               "UPDATE authfcgi_outbox o SET status = 'sending', attempts = o.attempts + 1, "
               "next_attempt_at = now() + $1::integer * interval '1 second' "
               "FROM due WHERE o.id = due.id "
               "RETURNING o.id, o.message_id, o.recipient, o.kind, o.message, o.attempts",
        .nparams = 1,
        .read_only = false,
    },
    /* The MTA took it: that holds even when our lease ran out meanwhile, so no fence here. */
    [STMT_OUTBOX_SENT] = {
        .name = "authfcgi_outbox_sent",
        .sql = "UPDATE authfcgi_outbox SET status = 'sent', sent_at = now(), message = NULL, "
               "last_error = NULL WHERE id = $1::bigint AND status <> 'sent'",
        .nparams = 1,
        .read_only = false,
    },
    /* Failure outcomes apply only while the row is still this claim's (same attempts): a
     * mailer whose lease ran out must not overwrite what the row's new owner did. */
    [STMT_OUTBOX_DEFER] = {
        .name = "authfcgi_outbox_defer",
        .sql = "UPDATE authfcgi_outbox SET status = 'pending', "
               "next_attempt_at = now() + $3::integer * interval '1 second', last_error = $4 "
               "WHERE id = $1::bigint AND status = 'sending' AND attempts = $2::integer",
        .nparams = 4,
        .read_only = false,
    },
    [STMT_OUTBOX_FAIL] = {
        .name = "authfcgi_outbox_fail",
        .sql = "UPDATE authfcgi_outbox SET status = 'failed', message = NULL, last_error = $3 "
               "WHERE id = $1::bigint AND status = 'sending' AND attempts = $2::integer",
        .nparams = 3,
        .read_only = false,
    },
    /* Old finished rows, a bounded batch at a time. */
    [STMT_OUTBOX_PURGE] = {
        .name = "authfcgi_outbox_purge",
        .sql = "DELETE FROM authfcgi_outbox WHERE id = ANY (ARRAY("
               "SELECT id FROM authfcgi_outbox WHERE status IN ('sent', 'failed') "
               "AND created_at < now() - $1::integer * interval '1 day' "
               "LIMIT 1000 FOR UPDATE SKIP LOCKED))",
        .nparams = 1,
        .read_only = false,
    },
    /* The metrics page (daemon/metrics_page.c), at most every few seconds for the pool: the
     * pending rows are few (the partial index of 004), failed ones are purged with sent ones. */
    [STMT_OUTBOX_COUNTS] = {
        .name = "authfcgi_outbox_counts",
        .sql = "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), "
               "count(*) FILTER (WHERE status = 'failed') FROM authfcgi_outbox "
               "WHERE status IN ('pending', 'sending', 'failed')",
        .nparams = 0,
        .read_only = true,
    },

    /* ---- the two-factor plugin (Better Auth's twoFactor table and user.twoFactorEnabled) ---- */
    [STMT_TWO_FACTOR_GET] = {
        .name = "authfcgi_two_factor_get",
        .sql = "SELECT u.id, u.name, u.email, u.\"emailVerified\", u.image, " ISO_UTC("u.\"createdAt\"")
               ", " ISO_UTC("u.\"updatedAt\"") ", coalesce(u.\"twoFactorEnabled\", false), tf.id, "
               "tf.secret, tf.\"backupCodes\", coalesce(tf.verified, true), "
               "coalesce(tf.\"lockedUntil\" > now(), false), u.role, coalesce(u.banned, false), "
               "u.\"banReason\", " ISO_UTC("u.\"banExpires\"") ", " EPOCH_MS("u.\"banExpires\"")
               " FROM \"user\" u "
               "LEFT JOIN \"twoFactor\" tf ON tf.\"userId\" = u.id WHERE u.id = $1 "
               "ORDER BY tf.id LIMIT 1",
        .nparams = 1,
        .read_only = true,
    },
    /* Before STMT_TWO_FACTOR_SAVE, in its transaction: two enables of one user (a double
     * submit) take turns, and the second's SAVE, with a new snapshot, sees the first's row and
     * rewrites it instead of adding a second (the table has no unique userId: Better Auth's
     * schema). NO KEY UPDATE leaves sign-ins, whose sessions take FOR KEY SHARE, unblocked. */
    [STMT_TWO_FACTOR_LOCK_USER] = {
        .name = "authfcgi_two_factor_lock_user",
        .sql = "SELECT id FROM \"user\" WHERE id = $1 FOR NO KEY UPDATE",
        .nparams = 1,
        .read_only = false,
    },
    /* One row per user, as Better Auth keeps it: enable again rewrites it. */
    [STMT_TWO_FACTOR_SAVE] = {
        .name = "authfcgi_two_factor_save",
        .sql = "WITH up AS (UPDATE \"twoFactor\" SET secret = $3, \"backupCodes\" = $4, "
               "verified = $5::boolean WHERE \"userId\" = $1 AND verified IS NOT TRUE RETURNING "
               "id), ins AS (INSERT INTO \"twoFactor\" (id, secret, \"backupCodes\", \"userId\", "
               "verified, \"failedVerificationCount\") SELECT $2, $3, $4, $1, $5::boolean, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM \"twoFactor\" WHERE \"userId\" = $1) RETURNING "
               "id) SELECT id FROM up UNION ALL SELECT id FROM ins",
        .nparams = 5,
        .read_only = false,
    },
    [STMT_TWO_FACTOR_SET] = {
        .name = "authfcgi_two_factor_set",
        .sql = "WITH v AS (UPDATE \"twoFactor\" SET verified = true WHERE \"userId\" = $1 AND "
               "$3::boolean RETURNING id), d AS (DELETE FROM \"twoFactor\" WHERE \"userId\" = $1 "
               "AND NOT $2::boolean RETURNING id) UPDATE \"user\" SET \"twoFactorEnabled\" = "
               "$2::boolean, \"updatedAt\" = " NOW_MS " WHERE id = $1 RETURNING id",
        .nparams = 3,
        .read_only = false,
    },
    /* Compare-and-set: two sign-ins racing with one backup code, one wins. */
    [STMT_TWO_FACTOR_SWAP_CODES] = {
        .name = "authfcgi_two_factor_swap_codes",
        .sql = "UPDATE \"twoFactor\" SET \"backupCodes\" = $3 WHERE \"userId\" = $1 AND "
               "\"backupCodes\" = $2 RETURNING id",
        .nparams = 3,
        .read_only = false,
    },
    /* Better Auth's numbers: ten failures in a row lock for 900 s; an expired lock restarts
     * the count (its assertTwoFactorNotLocked clears it lazily). */
    [STMT_TWO_FACTOR_COUNT] = {
        .name = "authfcgi_two_factor_count",
        .sql = "UPDATE \"twoFactor\" SET \"failedVerificationCount\" = c.n, \"lockedUntil\" = "
               "CASE WHEN NOT $2::boolean THEN NULL WHEN c.n >= 10 THEN now() + interval '900 s' "
               "ELSE c.held END FROM (SELECT id, CASE WHEN NOT $2::boolean THEN 0 "
               "WHEN \"lockedUntil\" <= now() THEN 1 ELSE coalesce(\"failedVerificationCount\", 0) "
               "+ 1 END AS n, CASE WHEN \"lockedUntil\" > now() THEN \"lockedUntil\" END AS held "
               "FROM \"twoFactor\" WHERE \"userId\" = $1 FOR UPDATE) c "
               "WHERE \"twoFactor\".id = c.id RETURNING \"twoFactor\".id",
        .nparams = 2,
        .read_only = false,
    },
    /* Every live row of the name goes; the newest is the one answered, as Better Auth's
     * findVerificationValue reads it (a code mailed twice: the second mail's counts). */
    [STMT_VERIFICATION_TAKE] = {
        .name = "authfcgi_verification_take",
        .sql = "WITH gone AS (DELETE FROM verification WHERE identifier = $1 "
               "AND \"expiresAt\" > now() RETURNING value, \"expiresAt\", \"createdAt\") "
               "SELECT value, ceil(extract(epoch FROM \"expiresAt\" - now()))::bigint FROM gone "
               "ORDER BY \"createdAt\" DESC LIMIT 1",
        .nparams = 1,
        .read_only = false,
    },

    /* SHOW max_connections, as a SELECT so that it prepares like every other statement. */
    [STMT_CONNECTION_BUDGET] = {
        .name = "authfcgi_connection_budget",
        .sql = "SELECT current_setting('max_connections')::integer, "
               "current_setting('superuser_reserved_connections')::integer, "
               "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
               "(SELECT count(*) FROM pg_stat_activity "
               "WHERE backend_type = 'client backend')::integer",
        .nparams = 0,
        .read_only = true,
    },

    /* ---- `authfcgi user` ---- */
    [STMT_USER_BY_ID] = {
        .name = "authfcgi_user_by_id",
        .sql = "SELECT " USER_COLUMNS("") " FROM \"user\" WHERE id = $1",
        .nparams = 1,
        .read_only = true,
        .binary = true,
    },
    /* Each filter is off when its parameter is NULL. The pattern is matched against the
     * lower-cased address ('\\' escapes a literal % or _); the time is UTC. */
    [STMT_USER_LIST] = {
        .name = "authfcgi_user_list",
        .sql = "SELECT " USER_COLUMNS("") " FROM \"user\" "
               "WHERE ($1::text IS NULL OR lower(email) LIKE $1::text ESCAPE '\\') "
               "AND ($2::boolean IS NULL OR \"emailVerified\" = $2::boolean) "
               "AND ($3::timestamp IS NULL OR \"createdAt\" >= $3::timestamp AT TIME ZONE 'UTC') "
               "ORDER BY \"createdAt\", id",
        .nparams = 3,
        .read_only = true,
        .binary = true,
    },
};
/* clang-format on */
