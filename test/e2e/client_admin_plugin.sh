#!/bin/bash
# test/e2e/client_admin_plugin.sh - Better Auth's official adminClient() (test/client/admin-plugin-flow.mjs)
# against authfcgi with AUTHFCGI_ADMIN=true behind lighttpd: list, ban (no sign-in while
# banned), unban, impersonate and stop, set a role, remove. The admin is made the way an
# operator makes the first one: sign up, then set the role in the database.
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

watchdog 300
tmpdir_new

client_require
need_tools curl

stack_db
export AUTHFCGI_ADMIN=true AUTHFCGI_RATE_LIMIT=off
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
if ! pool_start; then
	not_ok "authfcgi serve starts"
	finish
fi
if ! front_start lighttpd "$port"; then
	not_ok "lighttpd starts on port $port"
	finish
fi
wait_http "$FRONT_URL/readyz" 20 || true

admin=admin-$$@example.com
code=$(curl -s -o "$TEST_TMP/signup.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H "Origin: $FRONT_URL" --data "{\"email\":\"$admin\",\"password\":\"admin-password-123\",\"name\":\"Admin\"}" \
	"$FRONT_URL/api/auth/sign-up/email")
role=$(pg_psql -At -c "SELECT role FROM \"user\" WHERE email = '$admin'")
if [[ $code == 200 && $role == user ]]; then
	ok "sign-up with the plugin on gives the default role user"
else
	not_ok "sign-up: $code, role '$role'"
fi
pg_psql -c "UPDATE \"user\" SET role = 'admin' WHERE email = '$admin'" >/dev/null

log=$TEST_TMP/admin-plugin-flow.log
if (cd "$CLIENT_DIR" && timeout 120 node admin-plugin-flow.mjs "$FRONT_URL" "$admin" admin-password-123) >"$log" 2>&1; then
	sed 's/^/# /' "$log"
	ok "lighttpd: official adminClient flow ($(grep -c '^PASS' "$log") steps)"
else
	sed 's/^/# /' "$log"
	not_ok "lighttpd: official adminClient flow"
	show_log "${POOL_LOG:-}" 30
	show_log "$FRONT_ERROR_LOG" 20
fi
front_stop "$FRONT_PID"
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
