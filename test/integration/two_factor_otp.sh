#!/bin/bash
# two_factor_otp.sh - a second factor by mail, asked for twice (a user who did not get the first
# mail presses "send again"): the code of the newest mail completes the sign-in, as with Better
# Auth (its findVerificationValue reads the newest row of "2fa-otp-<challenge>"), also after a
# wrong code, which counts on that newest code. Against PostgreSQL: the order of the rows is
# the database's (store_pg_two_factor.c verification_take).
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
need_tools curl jq lighttpd
stack_db

MAILDIR=$TEST_TMP/mail
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_TWO_FACTOR=on
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
stack_front lighttpd "$port"

JAR=$TEST_TMP/jar BODY=$TEST_TMP/body
user='{"email":"otp@example.com","password":"correct horse 1","name":"Otp"}'

# post PATH JSON - POST through the front with the cookie jar; prints the status.
post() {
	curl -s -m 30 -b "$JAR" -c "$JAR" -H "Origin: $FRONT_URL" -H 'Content-Type: application/json' \
		--data-binary "$2" -o "$BODY" -w '%{http_code}' "$FRONT_URL/api/auth$1" || echo "curl-$?"
}

# newest_code - the code of the newest mailed-code row (value "<code>:<failed attempts>").
newest_code() {
	pg_psql -At -c "SELECT split_part(value, ':', 1) FROM verification
		WHERE identifier LIKE '2fa-otp-%' ORDER BY \"createdAt\" DESC LIMIT 1"
}

# clock_passed_codes - wait (10 s at most) until the database's clock is past every code row's
# createdAt (millisecond precision), so that the next row is newer, not as new.
clock_passed_codes() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(pg_psql -At -c "SELECT coalesce(max(\"createdAt\") < now(), true) FROM verification
			WHERE identifier LIKE '2fa-otp-%'") == t ]] && return 0
		sleep 0.05
	done
	return 1
}

code=$(post /sign-up/email "$user")
expect "sign-up ($code)" [ "$code" = 200 ]
code=$(post /two-factor/enable '{"password":"correct horse 1","method":"otp"}')
expect "codes by mail turned on ($code $(cat "$BODY"))" \
	[ "$code $(jq -c . "$BODY")" = '200 {"method":"otp"}' ]

: >"$JAR"
code=$(post /sign-in/email '{"email":"otp@example.com","password":"correct horse 1"}')
expect "sign-in asks for the second factor ($code $(cat "$BODY"))" \
	[ "$code $(jq -c .twoFactorMethods "$BODY")" = '200 ["otp"]' ]

code=$(post /two-factor/send-otp '{}')
expect "a first code is mailed ($code)" [ "$code" = 200 ]
first=$(newest_code)
expect "the database's clock moves past the first code" clock_passed_codes
code=$(post /two-factor/send-otp '{}')
expect "a second code is mailed ($code)" [ "$code" = 200 ]
second=$(newest_code)
expect "the first code is in the database ($first)" [ -n "$first" ]
expect "the second code is another ($second)" [ "$first" != "$second" ]

wrong=000000
[[ $wrong == "$second" ]] && wrong=111111
code=$(post /two-factor/verify-otp "{\"code\":\"$wrong\"}")
expect "a wrong code is refused ($code $(cat "$BODY"))" \
	[ "$code $(jq -r .code "$BODY")" = "401 INVALID_CODE" ]
code=$(post /two-factor/verify-otp "{\"code\":\"$second\"}")
expect "the newest mail's code completes the sign-in ($code $(cat "$BODY"))" \
	[ "$code $(jq -r .user.email "$BODY")" = "200 otp@example.com" ]
expect "a session cookie" grep -q 'better-auth.session_token' "$JAR"

stack_sanitizer_clean pool "${POOL_LOG:-}"
finish
