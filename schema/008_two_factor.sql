-- 008_two_factor: what Better Auth 1.7.25's twoFactor plugin adds (getMigrations with the plugin
-- on, test/fixtures/two_factor/migrations.sql): user."twoFactorEnabled" and the "twoFactor"
-- table, column for column, so a database Better Auth created with the plugin is used as it
-- stands and rows are kept. Applied whether or not AUTHFCGI_TWO_FACTOR is on: with the plugin
-- off the columns are simply unused, and turning it on needs no migration.
--
-- secret and backupCodes are Better Auth's symmetricEncrypt text (src/util/xchacha.h):
-- hex(nonce || XChaCha20-Poly1305 ciphertext || tag) under SHA-256 of the server secret.

ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "twoFactorEnabled" boolean;

CREATE TABLE IF NOT EXISTS "twoFactor" (
    "id" text NOT NULL PRIMARY KEY,
    "secret" text NOT NULL,
    "backupCodes" text NOT NULL,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "verified" boolean,
    "failedVerificationCount" integer,
    "lockedUntil" timestamptz
);

CREATE INDEX IF NOT EXISTS "twoFactor_secret_idx" ON "twoFactor" ("secret");
CREATE INDEX IF NOT EXISTS "twoFactor_userId_idx" ON "twoFactor" ("userId");

-- The plugin's e-mailed sign-in codes go through the outbox as kind 'two-factor-otp'.
ALTER TABLE authfcgi_outbox DROP CONSTRAINT IF EXISTS authfcgi_outbox_kind_check;
ALTER TABLE authfcgi_outbox ADD CONSTRAINT authfcgi_outbox_kind_check
    CHECK (kind IN ('reset-password', 'verify-email', 'change-email', 'two-factor-otp'));
