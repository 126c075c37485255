#!/bin/bash
# two_factor_adopt.sh - a database the REAL Better Auth 1.7.25 created with its twoFactor
# plugin (test/fixtures/two_factor: ba_schema.sql, adopt_data.sql; bob enrolled with a known
# TOTP secret and backup codes, NOTES.md) taken over by authfcgi with the same secret:
# `authfcgi migrate` keeps every row, and with AUTHFCGI_TWO_FACTOR=on bob's sign-in stops at
# the second step and completes with his authenticator's code (computed here from the secret)
# and with one of his backup codes, exactly once; a lock Better Auth's lockout wrote holds.
# With the plugin off he signs in directly.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

watchdog 300
tmpdir_new
FIX=$top_srcdir/test/fixtures/two_factor
need_tools curl jq lighttpd python3

pg_start
pg_psql -q -f "$FIX/ba_schema.sql" >/dev/null
pg_psql -q -f "$FIX/adopt_data.sql" >/dev/null
before=$(pg_psql -At -c 'SELECT md5(string_agg(x::text, $$|$$ ORDER BY id)) FROM "twoFactor" x')
if "$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1; then
	ok "authfcgi migrate over Better Auth's database with the twoFactor plugin"
else
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate"
	finish
fi
after=$(pg_psql -At -c 'SELECT md5(string_agg(x::text, $$|$$ ORDER BY id)) FROM "twoFactor" x')
expect "twoFactor rows kept by the migration" [ "$before" = "$after" ]

export AUTHFCGI_SECRET=ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_TWO_FACTOR=on
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
stack_front lighttpd "$port"

BOB_SECRET=44dsT_NgXKIg7tu7AMf_I-rU0mbxwudD
BOB_CODE=GmS9a-enYZ5
JAR=$TEST_TMP/jar BODY=$TEST_TMP/body

# post PATH JSON - POST through the front with bob's cookie jar; prints the status.
post() {
	curl -s -m 30 -b "$JAR" -c "$JAR" -H "Origin: $FRONT_URL" -H 'Content-Type: application/json' \
		--data-binary "$2" -o "$BODY" -w '%{http_code}' "$FRONT_URL/api/auth$1" || echo "curl-$?"
}

# totp - bob's current code (RFC 6238: HMAC-SHA1 of the 30 s counter, key = the secret's bytes).
totp() {
	python3 -c 'import hmac, struct, sys, time
k = sys.argv[1].encode(); m = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = m[19] & 15; print("%06d" % ((struct.unpack(">I", m[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}

signin='{"email":"bob@example.com","password":"correct horse 1"}'
check_redirect() {
	: >"$JAR"
	local code
	code=$(post /sign-in/email "$signin")
	expect "$1: sign-in answers twoFactorRedirect" \
		[ "$code $(jq -c . "$BODY")" = '200 {"twoFactorRedirect":true,"twoFactorMethods":["totp"]}' ]
	expect "$1: a two_factor cookie, no session" \
		bash -c "grep -q 'better-auth.two_factor' '$JAR' && ! grep -q 'session_token' '$JAR'"
}

check_redirect "TOTP"
code=$(post /two-factor/verify-totp "{\"code\":\"$(totp "$BOB_SECRET")\"}")
expect "bob's authenticator code completes the sign-in ($code $(head -c 200 "$BODY"))" \
	[ "$code $(jq -r .user.email "$BODY")" = "200 bob@example.com" ]
expect "a session cookie" grep -q 'better-auth.session_token' "$JAR"
code=$(curl -s -m 30 -b "$JAR" -o "$BODY" -w '%{http_code}' "$FRONT_URL/api/auth/get-session" ||
	echo "curl-$?")
expect "get-session shows the twoFactorEnabled Better Auth set ($code $(head -c 300 "$BODY"))" \
	[ "$code $(jq -c '.user | [.twoFactorEnabled, (keys_unsorted | .[-2:])]' "$BODY")" = \
		'200 [true,["twoFactorEnabled","id"]]' ]

check_redirect "backup code"
code=$(post /two-factor/verify-backup-code "{\"code\":\"$BOB_CODE\"}")
expect "bob's backup code completes the sign-in ($code)" [ "$code" = 200 ]
check_redirect "the same backup code again"
code=$(post /two-factor/verify-backup-code "{\"code\":\"$BOB_CODE\"}")
expect "a used backup code is refused ($code $(cat "$BODY"))" \
	[ "$code $(jq -r .code "$BODY")" = "401 INVALID_BACKUP_CODE" ]

# A lock Better Auth's lockout wrote into the shared row holds here too.
pg_psql -q -c "UPDATE \"twoFactor\" SET \"lockedUntil\" = now() + interval '10 minutes'
	WHERE \"userId\" = (SELECT id FROM \"user\" WHERE email = 'bob@example.com')" >/dev/null
check_redirect "locked by Better Auth"
code=$(post /two-factor/verify-totp "{\"code\":\"$(totp "$BOB_SECRET")\"}")
expect "a locked account is refused even the right code ($code $(cat "$BODY"))" \
	[ "$code $(jq -r .code "$BODY")" = "429 ACCOUNT_TEMPORARILY_LOCKED" ]

pool_stop 10
front_stop 2>/dev/null || true
export AUTHFCGI_TWO_FACTOR=off
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
stack_front lighttpd "$port"
: >"$JAR"
code=$(post /sign-in/email "$signin")
expect "plugin off: bob signs in with his password alone ($code)" \
	[ "$code $(jq -r .user.email "$BODY")" = "200 bob@example.com" ]
expect "plugin off: the user object has no twoFactorEnabled" \
	[ "$(jq -c '.user | has("twoFactorEnabled")' "$BODY")" = false ]
code=$(post /two-factor/verify-totp '{"code":"123456"}')
expect "plugin off: /two-factor routes are 404" [ "$code" = 404 ]
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
