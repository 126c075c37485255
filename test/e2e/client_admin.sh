#!/bin/bash
# test/e2e/client_admin.sh - users made by `authfcgi user create` sign in through the API
# behind nginx with the official Better Auth client (test/client/admin-signin.mjs): one with
# a yescrypt hash, one with a Better Auth scrypt hash (AUTHFCGI_PASSWORD_HASH=betterauth);
# after `authfcgi user set-password` the new password signs in and the old one is refused.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"
source "$top_srcdir/test/lib/stack.sh"
source "$top_srcdir/test/lib/client.sh"

watchdog 300
tmpdir_new
client_require
stack_db
# Sign-ins come faster than Better Auth's 3 per 10 s: rate limits have their own tests.
export AUTHFCGI_RATE_LIMIT=off
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
stack_front nginx "$port"
set +e

# signin EMAIL NAME PASSWORD [REFUSED] - the official client's run; its lines in the log.
signin() {
	local log=$TEST_TMP/signin.log
	(cd "$CLIENT_DIR" && timeout 60 node admin-signin.mjs "$FRONT_URL" "$@") >"$log" 2>&1
	local rc=$?
	sed 's/^/# /' "$log"
	return $rc
}

printf '%s\n' 'first password 1' | "$AUTHFCGI_BIN" user create Made@Example.com --name 'Made Here'
check $? "authfcgi user create (yescrypt)"
signin made@example.com 'Made Here' 'first password 1' 'not the password'
check $? "the official client signs in as the created user; a wrong password is refused"

printf '%s\n' 'scrypt password 2' | AUTHFCGI_PASSWORD_HASH=betterauth "$AUTHFCGI_BIN" user create scrypt@example.com
check $? "authfcgi user create with AUTHFCGI_PASSWORD_HASH=betterauth"
[[ $(pg_psql -At -c "SELECT password ~ '^[0-9a-f]{32}:[0-9a-f]{128}\$' FROM account a JOIN \"user\" u ON u.id = a.\"userId\" WHERE u.email = 'scrypt@example.com'") == t ]]
check $? "its hash is in Better Auth's salt:key format"
signin scrypt@example.com scrypt 'scrypt password 2'
check $? "the official client signs in with it"

printf '%s\n' 'second password 3' | "$AUTHFCGI_BIN" user set-password made@example.com
check $? "authfcgi user set-password"
signin made@example.com 'Made Here' 'second password 3' 'first password 1'
check $? "the new password signs in, the old one is refused"

stack_sanitizer_clean pool "${POOL_LOG:-}"
finish
