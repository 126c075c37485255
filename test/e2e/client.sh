#!/bin/bash
# test/e2e/client.sh - the official Better Auth client (better-auth/client, pinned in
# test/client/package-lock.json) runs a whole account's life (test/client/flow.mjs) against
# authfcgi behind lighttpd, nginx and Apache. Each front gets a pool whose base URL is that
# front's URL, so the Origin the emulated browser sends is the site's own.
# Needs node and the client's node_modules: `npm ci` runs in test/client when they are
# missing (in a private copy when the source tree is read-only, as under distcheck); when it
# cannot (no registry, no cache) the test fails: CI has the registry.
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

watchdog 420
tmpdir_new

CLIENT_SRC=$top_srcdir/test/client

# modules_ok DIR - DIR/node_modules holds the better-auth version package.json pins.
modules_ok() {
	(cd "$1" && node -e '
		const want = require("./package.json").dependencies["better-auth"];
		const have = require("./node_modules/better-auth/package.json").version;
		process.exit(have === want ? 0 : 1);' 2>/dev/null)
}

# npm_ci DIR - install the locked modules; bounded, quiet unless it fails.
npm_ci() {
	local dir=$1 log=$TEST_TMP/npm-ci.log
	if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) >"$log" 2>&1; then
		show_log "$log" 30 >&2
		return 1
	fi
}

# client_dir - print the directory to run flow.mjs from, installing node_modules if needed.
client_dir() {
	local copy=$TEST_TMP/client
	if modules_ok "$CLIENT_SRC"; then
		printf '%s\n' "$CLIENT_SRC"
		return 0
	fi
	# A read-only tree (distcheck chmods it a-w; root would still be allowed to write, so ask
	# the mode bits, not access(2)) gets a private copy instead.
	if [[ -n $(find "$CLIENT_SRC" -maxdepth 0 -perm -u=w) ]]; then
		# Serialised: builds of several helpers share one source tree.
		if (
			flock -w 300 9 || exit 1
			modules_ok "$CLIENT_SRC" || npm_ci "$CLIENT_SRC"
		) 9<"$CLIENT_SRC"; then
			printf '%s\n' "$CLIENT_SRC"
			return 0
		fi
		return 1
	fi
	mkdir -p "$copy"
	cp "$CLIENT_SRC/package.json" "$CLIENT_SRC/package-lock.json" "$CLIENT_SRC/flow.mjs" "$copy/"
	npm_ci "$copy" && modules_ok "$copy" || return 1
	printf '%s\n' "$copy"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	not_ok "node and npm installed (deploy/quickstart installs them)"
	finish
fi
if ! dir=$(client_dir); then
	not_ok "npm ci in test/client (the pinned better-auth could not be installed)"
	finish
fi
ok "better-auth client installed in $dir ($(node --version))"

stack_db
# The flow deletes users, and signs in more often than Better Auth's 3 per 10 s allow (the
# three fronts share 127.0.0.1): rate limits have their own tests.
export AUTHFCGI_DELETE_USER=on AUTHFCGI_RATE_LIMIT=off

for kind in lighttpd nginx apache; do
	port=$(free_port)
	export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
	if [[ $kind != apache ]]; then
		# A pool for this front's base URL (Apache's mod_fcgid spawns its own workers).
		pool_stop 10
		if ! pool_start; then
			not_ok "$kind: authfcgi serve starts"
			continue
		fi
	else
		pool_stop 10
	fi
	if ! front_start "$kind" "$port"; then
		not_ok "$kind: starts on port $port"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	log=$TEST_TMP/flow-$kind.log
	if (cd "$dir" && timeout 120 node flow.mjs "$FRONT_URL") >"$log" 2>&1; then
		sed 's/^/# /' "$log"
		ok "$kind: official client flow ($(grep -c '^PASS' "$log") steps)"
	else
		sed 's/^/# /' "$log"
		not_ok "$kind: official client flow"
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
