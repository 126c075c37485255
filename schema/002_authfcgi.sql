-- 002_authfcgi: authfcgi's own tables, all prefixed authfcgi_ so they never collide with
-- Better Auth's. The walking skeleton needs none beyond the migration runner's version
-- table (created by the runner itself, before any migration, under its advisory lock);
-- rate limits and the mail outbox arrive with the issues that use them, as new files.

COMMENT ON TABLE authfcgi_schema_migrations IS
    'schema/ migrations applied by authfcgi migrate (version = file name without .sql)';
