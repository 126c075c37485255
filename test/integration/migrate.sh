#!/bin/bash
# migrate.sh - `authfcgi migrate` against a real PostgreSQL: from empty, twice, over a
# database Better Auth created (rows kept), over a partial schema, two migrators at once,
# --status; the result compared, catalog fact by catalog fact, with Better Auth's own schema
# (test/fixtures/betterauth-schema.sql). Then every statement of the table prepares
# (check_db_live).
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/stack.sh"

tmpdir_new
pg_start
FIX=$top_srcdir/test/fixtures
export AUTHFCGI_DB_TIMEOUT_MS=5000
# Every migration this build embeds, in order: schema/NNN_*.sql.
ALL_VERSIONS=$(cd "$top_srcdir/schema" && for f in [0-9]*.sql; do printf '%s ' "${f%.sql}"; done)

# migrate DB [ARGS...] - run authfcgi migrate against database DB; output in $TEST_TMP/out.
migrate() {
	local db=$1
	shift
	DATABASE_URL=$(pg_url postgres "$db") "$AUTHFCGI_BIN" migrate "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
}

newdb() {
	pg_psql -d postgres -c "CREATE DATABASE \"$1\""
}

# schema_of DB - one line per column, constraint and index of the four Better Auth tables,
# with everything that makes them what they are (type, nullability, default, definition).
schema_of() {
	pg_psql -d "$1" -At -F' | ' <<-'SQL'
		WITH t AS (
		    SELECT c.oid, c.relname FROM pg_class c
		    JOIN pg_namespace n ON n.oid = c.relnamespace
		    WHERE n.nspname = 'public' AND c.relkind = 'r'
		      AND c.relname IN ('user', 'session', 'account', 'verification'))
		SELECT 'column', t.relname, a.attnum::text || ' ' || a.attname,
		       format_type(a.atttypid, a.atttypmod),
		       CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
		       coalesce(pg_get_expr(d.adbin, d.adrelid), '')
		FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum
		UNION ALL
		SELECT 'constraint', t.relname, co.conname, co.contype::text,
		       pg_get_constraintdef(co.oid), ''
		FROM t JOIN pg_constraint co ON co.conrelid = t.oid
		UNION ALL
		SELECT 'index', t.relname, i.relname, pg_get_indexdef(i.oid), '', ''
		FROM t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class i ON i.oid = x.indexrelid
		ORDER BY 1, 2, 3
	SQL
}

# rows_of DB - every row of the four tables, in a stable order: the columns of Better Auth's
# core (the plugins' columns, which migrations add to an adopted database, left out).
rows_of() {
	local t
	for t in '"user"' session account verification; do
		pg_psql -d "$1" -At -c "SELECT '$t', (to_jsonb(x) - 'role' - 'banned' - 'banReason'
		                        - 'banExpires' - 'impersonatedBy' - 'twoFactorEnabled')::text
		                        FROM public.$t x ORDER BY id"
	done
}

# dump_schema DB - pg_dump --schema-only, less the random \restrict key newer pg_dumps add.
dump_schema() {
	"$PG_BIN/pg_dump" --schema-only -d "$1" | grep -Ev '^\\(un)?restrict '
}

applied_versions() {
	pg_psql -d "$1" -At -c 'SELECT version FROM authfcgi_schema_migrations ORDER BY version' |
		tr '\n' ' '
}

# has LINE FILE - FILE has exactly this line.
has() {
	grep -qxF -- "$1" "$2"
}

same() { # same NAME FILE_A FILE_B
	if diff -u "$2" "$3" >"$TEST_TMP/diff"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$TEST_TMP/diff"
	fi
}

[[ -x $AUTHFCGI_BIN ]] || {
	not_ok "authfcgi binary at $AUTHFCGI_BIN"
	finish
}

# The reference: Better Auth's schema exactly as its migration creates it with the plugins
# whose columns authfcgi migrates, whether or not they are on: admin (schema/007_admin.sql)
# and twoFactor's user column (schema/008_two_factor.sql); test/fixtures/admin/schema.sql was
# recorded with both on.
newdb reference
pg_psql -d reference -f "$FIX/admin/schema.sql" >/dev/null
schema_of reference >"$TEST_TMP/reference.schema"
expect "reference schema has the 40 columns of Better Auth's 4 tables with the admin and twoFactor plugins" \
	test "$(grep -c '^column' "$TEST_TMP/reference.schema")" = 40

# --status on an empty database reports every migration pending and creates nothing.
if migrate authfcgi --status; then
	ok "migrate --status on an empty database"
else
	not_ok "migrate --status on an empty database (exit $?)"
	sed 's/^/# /' "$TEST_TMP/err"
fi
expect "--status lists 001_betterauth pending" has "001_betterauth pending" "$TEST_TMP/out"
expect "--status lists 002_authfcgi pending" has "002_authfcgi pending" "$TEST_TMP/out"
expect "--status created nothing" \
	test "$(pg_psql -At -c "SELECT to_regclass('authfcgi_schema_migrations') IS NULL")" = t

# From empty.
if migrate authfcgi; then ok "migrate from empty"; else
	not_ok "migrate from empty"
	sed 's/^/# /' "$TEST_TMP/err"
fi
expect "migrate reports 001_betterauth applied" has "001_betterauth applied" "$TEST_TMP/out"
expect "migrate reports 002_authfcgi applied" has "002_authfcgi applied" "$TEST_TMP/out"
schema_of authfcgi >"$TEST_TMP/empty.schema"
same "from empty: the four tables match Better Auth's schema exactly" \
	"$TEST_TMP/reference.schema" "$TEST_TMP/empty.schema"
expect "every version recorded in authfcgi_schema_migrations ($ALL_VERSIONS)" \
	test "$(applied_versions authfcgi)" = "$ALL_VERSIONS"

# Twice: nothing changes, not even the recorded times.
pg_psql -At -c 'SELECT * FROM authfcgi_schema_migrations ORDER BY 1' >"$TEST_TMP/versions.1"
dump_schema authfcgi >"$TEST_TMP/dump.1"
if migrate authfcgi; then ok "migrate a second time"; else not_ok "migrate a second time"; fi
expect "second run reports 001_betterauth already applied" \
	has "001_betterauth already applied" "$TEST_TMP/out"
pg_psql -At -c 'SELECT * FROM authfcgi_schema_migrations ORDER BY 1' >"$TEST_TMP/versions.2"
dump_schema authfcgi >"$TEST_TMP/dump.2"
same "second run: the schema is unchanged" "$TEST_TMP/dump.1" "$TEST_TMP/dump.2"
same "second run: the migration records are unchanged" "$TEST_TMP/versions.1" "$TEST_TMP/versions.2"

if migrate authfcgi --status; then ok "migrate --status after migrating"; else not_ok "migrate --status after migrating"; fi
expect "--status lists 001_betterauth applied with its time" \
	grep -Eq '^001_betterauth applied [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$TEST_TMP/out"
expect "--status lists 002_authfcgi applied" grep -q '^002_authfcgi applied ' "$TEST_TMP/out"
expect "--status: 0 pending" has "0 pending" "$TEST_TMP/out"

# Over a database Better Auth created and used: every row kept, nothing duplicated.
newdb adopted
pg_psql -d adopted -f "$FIX/betterauth-schema.sql" >/dev/null
pg_psql -d adopted -f "$FIX/betterauth-rows.sql" >/dev/null
rows_of adopted >"$TEST_TMP/rows.before"
if migrate adopted; then ok "migrate over Better Auth's schema with rows"; else
	not_ok "migrate over Better Auth's schema with rows"
	sed 's/^/# /' "$TEST_TMP/err"
fi
rows_of adopted >"$TEST_TMP/rows.after"
same "adopted: every row intact" "$TEST_TMP/rows.before" "$TEST_TMP/rows.after"
expect "adopted: 7 rows, none duplicated" test "$(wc -l <"$TEST_TMP/rows.after")" = 7
schema_of adopted >"$TEST_TMP/adopted.schema"
same "adopted: schema exactly Better Auth's with the admin plugin's columns" "$TEST_TMP/reference.schema" "$TEST_TMP/adopted.schema"
expect "adopted: the admin plugin's columns are empty" test \
	"$(pg_psql -d adopted -At -c 'SELECT count(*) FROM "user" WHERE role IS NOT NULL OR banned IS NOT NULL')" = 0
expect "adopted: every version recorded" \
	test "$(applied_versions adopted)" = "$ALL_VERSIONS"
# The foreign keys cascade as Better Auth's do.
pg_psql -d adopted -c "DELETE FROM \"user\" WHERE email = 'bob@example.com'"
expect "adopted: deleting a user cascades to its account and session" test \
	"$(pg_psql -d adopted -At -c 'SELECT count(*) FROM account')/$(pg_psql -d adopted -At -c 'SELECT count(*) FROM session')" = 1/1

# Over a partial schema: only what is missing is added back, rows untouched.
newdb partial
pg_psql -d partial -f "$FIX/betterauth-schema.sql" >/dev/null
pg_psql -d partial -f "$FIX/betterauth-rows.sql" >/dev/null
pg_psql -d partial <<-'SQL'
	DROP INDEX "account_userId_idx";
	ALTER TABLE session DROP CONSTRAINT session_token_key;
	ALTER TABLE account DROP CONSTRAINT "account_userId_fkey";
	ALTER TABLE "user" DROP COLUMN image;
	ALTER TABLE account DROP COLUMN scope;
	DROP TABLE verification;
SQL
sessions_of() {
	pg_psql -d "$1" -At -c "SELECT (to_jsonb(x) - 'impersonatedBy')::text FROM session x ORDER BY id"
}
sessions_of partial >"$TEST_TMP/partial.before"
if migrate partial; then ok "migrate over a partial schema"; else
	not_ok "migrate over a partial schema"
	sed 's/^/# /' "$TEST_TMP/err"
fi
sessions_of partial >"$TEST_TMP/partial.after"
same "partial: session rows intact" "$TEST_TMP/partial.before" "$TEST_TMP/partial.after"
expect "partial: users and their password hashes intact" test \
	"$(pg_psql -d partial -At -c 'SELECT count(*) FROM "user"')/$(pg_psql -d partial -At -c 'SELECT count(*) FROM account WHERE password IS NOT NULL')" = 2/2
# Re-added columns go to the end of the table, so compare everything but column positions.
sed -E 's/^(column \| [a-z]+ \| )[0-9]+ /\1/' "$TEST_TMP/reference.schema" | sort >"$TEST_TMP/ref.nopos"
schema_of partial | sed -E 's/^(column \| [a-z]+ \| )[0-9]+ /\1/' | sort >"$TEST_TMP/partial.nopos"
same "partial: every missing column, constraint, index and table added back" \
	"$TEST_TMP/ref.nopos" "$TEST_TMP/partial.nopos"

# Two migrators at once on a fresh database: both succeed, each migration applied once.
newdb racing
pids=()
for i in 1 2 3; do
	DATABASE_URL=$(pg_url postgres racing) "$AUTHFCGI_BIN" migrate >"$TEST_TMP/race.$i" 2>&1 &
	pids+=($!)
done
race_ok=0
for pid in "${pids[@]}"; do wait "$pid" || race_ok=1; done
expect "three concurrent migrators all succeed" test $race_ok = 0
expect "concurrent migrators: 001_betterauth applied exactly once" \
	test "$(cat "$TEST_TMP"/race.* | grep -c '^001_betterauth applied$')" = 1
schema_of racing >"$TEST_TMP/racing.schema"
same "concurrent migrators: schema exactly Better Auth's" "$TEST_TMP/reference.schema" "$TEST_TMP/racing.schema"

# Unreachable database: a clear failure, quickly, and never the password.
start=$SECONDS
if DATABASE_URL="postgresql://postgres:Pw-must-not-leak-42@127.0.0.1:$(free_port)/authfcgi" \
	"$AUTHFCGI_BIN" migrate >"$TEST_TMP/out" 2>"$TEST_TMP/err"; then
	not_ok "migrate against an unreachable server fails"
else
	ok "migrate against an unreachable server fails"
fi
expect "...within the database timeout" test $((SECONDS - start)) -le 6
expect "...and never prints the password" \
	test "$(cat "$TEST_TMP/out" "$TEST_TMP/err" | grep -c 'Pw-must-not-leak-42')" = 0
expect "...saying why (class=refused)" grep -q 'event=db_unavailable class=refused' "$TEST_TMP/err"

# Every statement of the table prepares against the migrated schema, and the db module's
# live behaviour (conflicts, terminated backends, deadlines) holds.
stack_check_program check_db_live "every statement prepares; conflict, termination and deadline handling"

finish
