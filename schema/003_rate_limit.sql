-- 003_rate_limit: the request counts of Better Auth's rate limiter (PROTOCOL.md §7), shared by
-- every worker and host. One row per "<client ip>|<path>" key; count and lastRequest (Unix
-- milliseconds, the database's clock) as Better Auth's own rateLimit table keeps them.
--
-- UNLOGGED: the counts are written on almost every request, and losing them in a crash (the
-- table comes back empty) only forgives a few requests, so they are not worth WAL. The lower
-- fillfactor leaves room on each page for HOT updates: only the key is indexed, so counting
-- a request never touches the index. Rows idle for an hour are purged by the counting
-- statement itself (src/global/stmt.c, STMT_RATE_LIMIT_HIT).

CREATE UNLOGGED TABLE IF NOT EXISTS authfcgi_rate_limit (
    key text NOT NULL PRIMARY KEY,
    count integer NOT NULL,
    "lastRequest" bigint NOT NULL
) WITH (fillfactor = 70);

COMMENT ON TABLE authfcgi_rate_limit IS
    'rate-limit counts per client and path (authfcgi; unlogged: emptied by a crash, by design)';
