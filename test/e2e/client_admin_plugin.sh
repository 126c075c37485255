#!/bin/bash
# test/e2e/client_admin_plugin.sh - Better Auth's official adminClient()
# (test/client/admin-plugin-flow.mjs) against authfcgi with AUTHFCGI_ADMIN=true behind
# lighttpd, nginx and Apache: list, ban (no sign-in while banned), unban, impersonate and
# stop, set a role, remove.
# Needs node and the client's node_modules (test/lib/client.sh installs them).
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
# shellcheck source=test/lib/client.sh
source "$top_srcdir/test/lib/client.sh"

watchdog 480
tmpdir_new

client_require
need_tools curl

stack_db
# The flow signs in more often than Better Auth's 3 per 10 s allow: rate limits have their
# own tests.
export AUTHFCGI_ADMIN=true AUTHFCGI_RATE_LIMIT=off

# admin_flow KIND - make an admin the way an operator makes the first one (sign up, then the
# role in the database), then run the official client's flow against FRONT_URL.
admin_flow() {
	local kind=$1 admin code role log
	admin=admin-$kind-$$@example.com
	code=$(curl -s -o "$TEST_TMP/signup.json" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -H "Origin: $FRONT_URL" \
		--data "{\"email\":\"$admin\",\"password\":\"admin-password-123\",\"name\":\"Admin\"}" \
		"$FRONT_URL/api/auth/sign-up/email")
	role=$(pg_psql -At -c "SELECT role FROM \"user\" WHERE email = '$admin'")
	if [[ $code == 200 && $role == user ]]; then
		ok "$kind: sign-up with the plugin on gives the default role user"
	else
		not_ok "$kind: sign-up: $code, role '$role'"
	fi
	pg_psql -c "UPDATE \"user\" SET role = 'admin' WHERE email = '$admin'" >/dev/null
	log=$TEST_TMP/admin-plugin-flow-$kind.log
	if (cd "$CLIENT_DIR" && timeout 120 node admin-plugin-flow.mjs "$FRONT_URL" "$admin" \
		admin-password-123) >"$log" 2>&1; then
		sed 's/^/# /' "$log"
		ok "$kind: official adminClient flow ($(grep -c '^PASS' "$log") steps)"
	else
		sed 's/^/# /' "$log"
		not_ok "$kind: official adminClient flow"
		show_log "${POOL_LOG:-}" 30
		show_log "$FRONT_ERROR_LOG" 20
	fi
}

for kind in lighttpd nginx apache; do
	port=$(free_port)
	export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
	# A pool for this front's base URL (Apache's mod_fcgid spawns its own workers).
	pool_stop 10
	if [[ $kind != apache ]] && ! pool_start; then
		not_ok "$kind: authfcgi serve starts"
		continue
	fi
	if ! front_start "$kind" "$port"; then
		not_ok "$kind: starts on port $port"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	admin_flow "$kind"
	front_stop "$FRONT_PID"
	if [[ $kind == apache ]]; then
		stack_sanitizer_clean "$kind" "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
