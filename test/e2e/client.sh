#!/bin/bash
# test/e2e/client.sh - the official Better Auth client (better-auth/client, pinned in
# test/client/package-lock.json) runs a whole account's life (test/client/flow.mjs) against
# authfcgi behind lighttpd, nginx and Apache, and once more behind nginx with the cookie cache
# on (AUTHFCGI_COOKIE_CACHE). Each front gets a pool whose base URL is that front's URL, so the
# Origin the emulated browser sends is the site's own.
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

watchdog 420
tmpdir_new

client_require

stack_db
# The flow deletes users, and signs in more often than Better Auth's 3 per 10 s allow (the
# three fronts share 127.0.0.1): rate limits have their own tests.
export AUTHFCGI_DELETE_USER=on AUTHFCGI_RATE_LIMIT=off

for run in lighttpd nginx apache nginx+cache; do
	kind=${run%+cache}
	if [[ $run == *+cache ]]; then
		export AUTHFCGI_COOKIE_CACHE=true FLOW_COOKIE_CACHE=1
	else
		export AUTHFCGI_COOKIE_CACHE=false FLOW_COOKIE_CACHE=0
	fi
	port=$(free_port)
	export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
	if [[ $kind != apache ]]; then
		# A pool for this front's base URL (Apache's mod_fcgid spawns its own workers).
		pool_stop 10
		if ! pool_start; then
			not_ok "$run: authfcgi serve starts"
			continue
		fi
	else
		pool_stop 10
	fi
	if ! front_start "$kind" "$port"; then
		not_ok "$run: starts on port $port"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	log=$TEST_TMP/flow-$run.log
	if (cd "$CLIENT_DIR" && timeout 120 node flow.mjs "$FRONT_URL") >"$log" 2>&1; then
		sed 's/^/# /' "$log"
		ok "$run: official client flow ($(grep -c '^PASS' "$log") steps)"
	else
		sed 's/^/# /' "$log"
		not_ok "$run: official client flow"
		show_log "${POOL_LOG:-}" 20
		show_log "$FRONT_ERROR_LOG" 20
	fi
	front_stop "$FRONT_PID"
	if [[ $kind == apache ]]; then
		stack_sanitizer_clean "$kind" "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
