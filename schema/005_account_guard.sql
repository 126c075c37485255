-- 005_account_guard: failed sign-ins per account (NIST SP 800-63B 5.2.2), shared by every
-- worker and host; src/auth/account_guard.c has the policy and its numbers. One row per account
-- that has failed lately, keyed by the HMAC-SHA256 (with the server secret) of the lower-cased
-- e-mail: addresses that have no account are counted exactly like those that have one, and
-- the table names nobody. Times are Unix milliseconds of the database's clock.
--
-- A logged table, unlike the rate-limit counts: losing these rows in a crash (or when a
-- serverless compute restarts with its unlogged tables empty) would hand an attacker a fresh
-- allowance of guesses. Rows are written only on sign-in attempts, and rows whose window
-- ended are purged by the claiming statement itself (src/global/stmt.c, STMT_ACCOUNT_GUARD_CLAIM).

CREATE TABLE IF NOT EXISTS authfcgi_account_guard (
    key text NOT NULL PRIMARY KEY,
    window_start bigint NOT NULL,           -- first attempt of the current window
    window_failures integer NOT NULL,       -- attempts in the window that were not a success
    consecutive integer NOT NULL,           -- attempts since the last success: the delay
    locked_until bigint NOT NULL            -- no attempt is taken before this
);

COMMENT ON TABLE authfcgi_account_guard IS
    'failed sign-ins per account, keyed by an HMAC of the e-mail (authfcgi; src/auth/account_guard.c)';
