-- 007_admin: the columns Better Auth 1.7.25's admin plugin adds (getMigrations with admin() on;
-- test/fixtures/admin/schema.sql): the user's role ("admin", "user", or several joined by
-- commas), the ban and when it ends, and on a session the admin who impersonates its user.
-- Added whether or not AUTHFCGI_ADMIN is on, so that turning the plugin on or off never needs
-- a migration and a database Better Auth created with the plugin is used as it is (IF NOT
-- EXISTS keeps its columns and rows). Better Auth leaves banned NULL-able without a default
-- and writes false itself; authfcgi reads NULL as false.

ALTER TABLE "user" ADD COLUMN IF NOT EXISTS role text;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS banned boolean;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "banReason" text;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "banExpires" timestamp with time zone;
ALTER TABLE session ADD COLUMN IF NOT EXISTS "impersonatedBy" text;
