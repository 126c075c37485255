-- 001_betterauth: the four tables of Better Auth 1.7.25 (core email and password), exactly as
-- its own migration creates them: same names, quoted camelCase columns, types, NOT NULL,
-- defaults, constraint and index names (reference: test/fixtures/betterauth-schema.sql).
--
-- Written to be idempotent and to adopt a database that Better Auth already created: every
-- table, column, constraint and index is created only when missing, and nothing is dropped
-- or rewritten, so existing rows stay as they are. Unqualified names follow search_path, as
-- Better Auth's do.

CREATE TABLE IF NOT EXISTS "user" (
    id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    "emailVerified" boolean NOT NULL,
    image text,
    "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS session (
    id text NOT NULL,
    "expiresAt" timestamp with time zone NOT NULL,
    token text NOT NULL,
    "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp with time zone NOT NULL,
    "ipAddress" text,
    "userAgent" text,
    "userId" text NOT NULL
);

CREATE TABLE IF NOT EXISTS account (
    id text NOT NULL,
    "accountId" text NOT NULL,
    "providerId" text NOT NULL,
    "userId" text NOT NULL,
    "accessToken" text,
    "refreshToken" text,
    "idToken" text,
    "accessTokenExpiresAt" timestamp with time zone,
    "refreshTokenExpiresAt" timestamp with time zone,
    scope text,
    password text,
    "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp with time zone NOT NULL
);

CREATE TABLE IF NOT EXISTS verification (
    id text NOT NULL,
    identifier text NOT NULL,
    value text NOT NULL,
    "expiresAt" timestamp with time zone NOT NULL,
    "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

-- Columns a pre-existing table may lack (an older Better Auth, a partial schema). Nullable
-- columns and columns with a default are added as they are; a NOT NULL column without a
-- default can only be added to an empty table, and the migration stops with the reason
-- rather than invent values.
ALTER TABLE "user"
    ADD COLUMN IF NOT EXISTS id text NOT NULL,
    ADD COLUMN IF NOT EXISTS name text NOT NULL,
    ADD COLUMN IF NOT EXISTS email text NOT NULL,
    ADD COLUMN IF NOT EXISTS "emailVerified" boolean NOT NULL,
    ADD COLUMN IF NOT EXISTS image text,
    ADD COLUMN IF NOT EXISTS "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    ADD COLUMN IF NOT EXISTS "updatedAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL;

ALTER TABLE session
    ADD COLUMN IF NOT EXISTS id text NOT NULL,
    ADD COLUMN IF NOT EXISTS "expiresAt" timestamp with time zone NOT NULL,
    ADD COLUMN IF NOT EXISTS token text NOT NULL,
    ADD COLUMN IF NOT EXISTS "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    ADD COLUMN IF NOT EXISTS "updatedAt" timestamp with time zone NOT NULL,
    ADD COLUMN IF NOT EXISTS "ipAddress" text,
    ADD COLUMN IF NOT EXISTS "userAgent" text,
    ADD COLUMN IF NOT EXISTS "userId" text NOT NULL;

ALTER TABLE account
    ADD COLUMN IF NOT EXISTS id text NOT NULL,
    ADD COLUMN IF NOT EXISTS "accountId" text NOT NULL,
    ADD COLUMN IF NOT EXISTS "providerId" text NOT NULL,
    ADD COLUMN IF NOT EXISTS "userId" text NOT NULL,
    ADD COLUMN IF NOT EXISTS "accessToken" text,
    ADD COLUMN IF NOT EXISTS "refreshToken" text,
    ADD COLUMN IF NOT EXISTS "idToken" text,
    ADD COLUMN IF NOT EXISTS "accessTokenExpiresAt" timestamp with time zone,
    ADD COLUMN IF NOT EXISTS "refreshTokenExpiresAt" timestamp with time zone,
    ADD COLUMN IF NOT EXISTS scope text,
    ADD COLUMN IF NOT EXISTS password text,
    ADD COLUMN IF NOT EXISTS "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    ADD COLUMN IF NOT EXISTS "updatedAt" timestamp with time zone NOT NULL;

ALTER TABLE verification
    ADD COLUMN IF NOT EXISTS id text NOT NULL,
    ADD COLUMN IF NOT EXISTS identifier text NOT NULL,
    ADD COLUMN IF NOT EXISTS value text NOT NULL,
    ADD COLUMN IF NOT EXISTS "expiresAt" timestamp with time zone NOT NULL,
    ADD COLUMN IF NOT EXISTS "createdAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    ADD COLUMN IF NOT EXISTS "updatedAt" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL;

-- Constraints, by the names Better Auth's migration gives them, each added only when no
-- constraint of that name exists on the table. Primary and unique keys come before the
-- foreign keys that need them.
DO $migrate$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT * FROM (VALUES
            (1, '"user"',     'user_pkey',             'PRIMARY KEY (id)'),
            (2, '"user"',     'user_email_key',        'UNIQUE (email)'),
            (3, 'session',    'session_pkey',          'PRIMARY KEY (id)'),
            (4, 'session',    'session_token_key',     'UNIQUE (token)'),
            (5, 'account',    'account_pkey',          'PRIMARY KEY (id)'),
            (6, 'verification', 'verification_pkey',   'PRIMARY KEY (id)'),
            (7, 'session',    'session_userId_fkey',
                'FOREIGN KEY ("userId") REFERENCES "user"(id) ON DELETE CASCADE'),
            (8, 'account',    'account_userId_fkey',
                'FOREIGN KEY ("userId") REFERENCES "user"(id) ON DELETE CASCADE')
        ) AS want(ord, tbl, conname, def)
        ORDER BY ord
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = c.tbl::regclass AND conname = c.conname) THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.tbl, c.conname, c.def);
        END IF;
    END LOOP;
END
$migrate$;

CREATE INDEX IF NOT EXISTS "account_userId_idx" ON account USING btree ("userId");
CREATE INDEX IF NOT EXISTS "session_userId_idx" ON session USING btree ("userId");
CREATE INDEX IF NOT EXISTS verification_identifier_idx ON verification USING btree (identifier);
