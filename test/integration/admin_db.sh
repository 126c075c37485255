#!/bin/bash
# admin_db.sh - a database Better Auth 1.7.25 created with its admin plugin on
# (test/fixtures/admin/schema.sql), with an admin, a banned user, a user whose ban has ended,
# a user from before the plugin (role and banned NULL) and an impersonation session in it,
# taken over by authfcgi: `authfcgi migrate` (schema/007_admin.sql) keeps every row; then with
# AUTHFCGI_ADMIN=true behind lighttpd the admin signs in and lists users, the banned user is
# refused with Better Auth's BANNED_USER, the ended ban is lifted by the next sign-in, and a ban
# made by authfcgi lands in Better Auth's columns.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"

watchdog 300
tmpdir_new
FIX=$top_srcdir/test/fixtures

need_tools curl jq lighttpd

pg_start

# A hash the real Better Auth made, and its password (betterauth-hashes.tsv's first row).
IFS=$'\t' read -r password hash < <(grep -v '^#' "$FIX/betterauth-hashes.tsv" | head -n 1)

pg_psql -f "$FIX/admin/schema.sql" >/dev/null
# user_row ID EMAIL ROLE BANNED REASON EXPIRES - a user and its credential account, as Better
# Auth writes them (SQL literals, NULL allowed).
user_row() {
	cat <<-SQL
		INSERT INTO "user" (id, name, email, "emailVerified", image, "createdAt", "updatedAt",
		                    role, banned, "banReason", "banExpires", "twoFactorEnabled")
		VALUES ('$1', 'User $1', '$2', false, NULL, '2026-12-07 03:48:53.55+00',
		        '2026-12-07 03:48:53.55+00', $3, $4, $5, $6, false);
		INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
		VALUES ('acct$1', '$1', 'credential', '$1', '$hash', '2026-12-07 03:48:53.56+00',
		        '2026-12-07 03:48:53.56+00');
	SQL
}
{
	user_row admin000000000000000000000000000 admin@example.com "'admin'" false NULL NULL
	user_row banned00000000000000000000000000 banned@example.com "'user'" true "'spam'" NULL
	user_row ended000000000000000000000000000 ended@example.com "'user'" true "'short'" \
		"'2026-12-01 00:00:00+00'"
	user_row legacy00000000000000000000000000 legacy@example.com NULL NULL NULL NULL
	cat <<-SQL
		INSERT INTO session (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress",
		                     "userAgent", "userId", "impersonatedBy")
		VALUES ('impsession0000000000000000000000', now() + interval '1 hour',
		        'imptoken000000000000000000000000', now(), now(), '', 'curl',
		        'legacy00000000000000000000000000', 'admin000000000000000000000000000');
	SQL
} >"$TEST_TMP/rows.sql"
pg_psql -f "$TEST_TMP/rows.sql" >/dev/null

rows_of() {
	pg_psql -At -c "SELECT x::text FROM public.\"user\" x ORDER BY id" \
		-c "SELECT x::text FROM public.session x ORDER BY id"
}
rows_of >"$TEST_TMP/rows.before"
if "$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1; then
	ok "authfcgi migrate over Better Auth's database with the admin plugin"
else
	not_ok "authfcgi migrate over Better Auth's database with the admin plugin"
	show_log "$TEST_TMP/migrate.log"
	finish
fi
rows_of >"$TEST_TMP/rows.after"
if diff -u "$TEST_TMP/rows.before" "$TEST_TMP/rows.after" >"$TEST_TMP/rows.diff"; then
	ok "migrate kept every user and session row, admin columns included"
else
	not_ok "migrate kept every row"
	sed 's/^/# /' "$TEST_TMP/rows.diff" | head -20
fi
if pg_psql -At -c "SELECT version FROM authfcgi_schema_migrations" | grep -qx 007_admin; then
	ok "007_admin recorded as applied"
else
	not_ok "007_admin recorded as applied"
fi

port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port AUTHFCGI_WORKERS=2 AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_ADMIN=true
if ! pool_start; then
	not_ok "authfcgi serve starts"
	finish
fi
if ! front_start lighttpd "$port"; then
	not_ok "lighttpd starts on port $port"
	finish
fi
wait_http "$FRONT_URL/readyz" 20 || true

BODY=$TEST_TMP/body HEADERS=$TEST_TMP/headers
# call METHOD PATH [BODY] [COOKIE] - sets CODE; the answer in $BODY, its headers in $HEADERS.
call() {
	local args=(-s -m 30 -X "$1" -H "Origin: $FRONT_URL" -D "$HEADERS" -o "$BODY" -w '%{http_code}')
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data "$3")
	[[ -n ${4:-} ]] && args+=(-H "Cookie: $4")
	CODE=$(curl "${args[@]}" "$FRONT_URL/api/auth$2") || CODE="curl-exit-$?"
}
sign_in() {
	call POST /sign-in/email "$(jq -cn --arg e "$1" --arg p "$password" '{email: $e, password: $p}')"
}
cookie_of_last() {
	tr -d '\r' <"$HEADERS" | sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\);.*/\1/p' |
		head -n 1
}

sign_in admin@example.com
admin_cookie=$(cookie_of_last)
call GET /get-session "" "$admin_cookie"
if [[ $CODE == 200 && $(jq -r .user.role "$BODY") == admin ]]; then
	ok "Better Auth's admin signs in; get-session shows role admin"
else
	not_ok "admin sign-in / get-session: $CODE $(head -c 300 "$BODY")"
fi

sign_in banned@example.com
if [[ $CODE == 403 && $(jq -r .code "$BODY") == BANNED_USER ]]; then
	ok "a user Better Auth banned is refused: 403 BANNED_USER"
else
	not_ok "banned user's sign-in: $CODE $(head -c 300 "$BODY")"
fi

sign_in ended@example.com
lifted=$(pg_psql -At -c "SELECT banned, \"banReason\" IS NULL, \"banExpires\" IS NULL
                         FROM \"user\" WHERE email = 'ended@example.com'")
if [[ $CODE == 200 && $lifted == 'f|t|t' ]]; then
	ok "a ban that has ended is lifted by the next sign-in"
else
	not_ok "ended ban: $CODE, row $lifted"
fi

call GET "/admin/list-users?sortBy=email" "" "$admin_cookie"
if [[ $CODE == 200 && $(jq -r .total "$BODY") == 4 &&
	$(jq -r '[.users[] | select(.email == "legacy@example.com") | .banned, .role] | @csv' "$BODY") == 'false,' ]]; then
	ok "list-users: all four, the pre-plugin user with banned false and role null"
else
	not_ok "list-users: $CODE $(head -c 400 "$BODY")"
fi

call POST /admin/list-user-sessions '{"userId":"legacy00000000000000000000000000"}' "$admin_cookie"
if [[ $CODE == 200 && $(jq -r '.sessions[0].impersonatedBy' "$BODY") == admin000000000000000000000000000 ]]; then
	ok "list-user-sessions shows Better Auth's impersonation session"
else
	not_ok "list-user-sessions: $CODE $(head -c 300 "$BODY")"
fi

call POST /admin/ban-user '{"userId":"legacy00000000000000000000000000","banReason":"via authfcgi","banExpiresIn":60}' "$admin_cookie"
row=$(pg_psql -At -c "SELECT banned, \"banReason\", \"banExpires\" > now(),
                      (SELECT count(*) FROM session s WHERE s.\"userId\" = u.id)
                      FROM \"user\" u WHERE email = 'legacy@example.com'")
if [[ $CODE == 200 && $row == 't|via authfcgi|t|0' ]]; then
	ok "ban-user writes Better Auth's columns and ends the user's sessions"
else
	not_ok "ban-user: $CODE, row $row"
fi

front_stop "$FRONT_PID"
finish
