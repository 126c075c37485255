# test/lib/client.sh - the official Better Auth client for the end-to-end tests: node, npm and
# test/client's pinned node_modules, installed by `npm ci` when missing (serialised between
# tests sharing the tree; in a private copy of test/client when the tree is read-only, as
# under distcheck). When it cannot install (no registry, no cache) the test fails: CI has the
# registry.
#
#   client_require   an ok line with node's version and CLIENT_DIR set (where to run
#                    test/client/*.mjs from), or a not_ok line and finish.
# Needs common.sh sourced and tmpdir_new called first.
# shellcheck shell=bash

CLIENT_SRC=$top_srcdir/test/client

# _client_modules_ok DIR - DIR/node_modules holds every version package.json pins
# (better-auth, and puppeteer-core for the browser test).
_client_modules_ok() {
	(cd "$1" && node -e '
		const deps = require("./package.json").dependencies;
		const ok = Object.entries(deps).every(([name, want]) =>
			require(`./node_modules/${name}/package.json`).version === want);
		process.exit(ok ? 0 : 1);' 2>/dev/null)
}

# _client_npm_ci DIR - install the locked modules; bounded, quiet unless it fails.
_client_npm_ci() {
	local dir=$1 log=$TEST_TMP/npm-ci.log
	if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) >"$log" 2>&1; then
		show_log "$log" 30 >&2
		return 1
	fi
}

# _client_dir - print the directory to run the flows from, installing node_modules if needed.
_client_dir() {
	local copy=$TEST_TMP/client
	if _client_modules_ok "$CLIENT_SRC"; then
		printf '%s\n' "$CLIENT_SRC"
		return 0
	fi
	# A read-only tree (distcheck chmods it a-w; root would still be allowed to write, so ask
	# the mode bits, not access(2)) gets a private copy instead.
	if [[ -n $(find "$CLIENT_SRC" -maxdepth 0 -perm -u=w) ]]; then
		if (
			flock -w 300 9 || exit 1
			_client_modules_ok "$CLIENT_SRC" || _client_npm_ci "$CLIENT_SRC"
		) 9<"$CLIENT_SRC"; then
			printf '%s\n' "$CLIENT_SRC"
			return 0
		fi
		return 1
	fi
	mkdir -p "$copy"
	cp "$CLIENT_SRC"/package.json "$CLIENT_SRC"/package-lock.json "$CLIENT_SRC"/*.mjs "$copy/"
	_client_npm_ci "$copy" && _client_modules_ok "$copy" || return 1
	printf '%s\n' "$copy"
}

client_require() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		not_ok "node and npm installed (deploy/quickstart installs them)"
		finish
	fi
	if ! CLIENT_DIR=$(_client_dir); then
		not_ok "npm ci in test/client (the pinned better-auth could not be installed)"
		finish
	fi
	ok "better-auth client installed in $CLIENT_DIR ($(node --version))"
}
