#!/bin/bash
# test/e2e/client_mail.sh - the official Better Auth client through the mail flows
# (test/client/mail-flow.mjs: requestPasswordReset, resetPassword, sendVerificationEmail,
# verifyEmail, changeEmail) against authfcgi behind lighttpd. Here the mail goes out through
# the mailer `authfcgi serve` supervises (AUTHFCGI_MAIL_FROM set, a short poll) into
# test/lib/fake-sendmail; mail_flows.sh covers `authfcgi mail --once`.
# Needs node and test/client's node_modules (installed by `npm ci` as client.sh does).
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

CLIENT_SRC=$top_srcdir/test/client

# modules_ok DIR - DIR/node_modules holds the better-auth version package.json pins.
modules_ok() {
	(cd "$1" && node -e '
		const want = require("./package.json").dependencies["better-auth"];
		const have = require("./node_modules/better-auth/package.json").version;
		process.exit(have === want ? 0 : 1);' 2>/dev/null)
}

# client_dir - print the directory to run mail-flow.mjs from, installing node_modules if
# needed (serialised with client.sh's install; a private copy when the tree is read-only).
client_dir() {
	local copy=$TEST_TMP/client log=$TEST_TMP/npm-ci.log
	if modules_ok "$CLIENT_SRC"; then
		printf '%s\n' "$CLIENT_SRC"
		return 0
	fi
	if [[ -n $(find "$CLIENT_SRC" -maxdepth 0 -perm -u=w) ]]; then
		if (
			flock -w 300 9 || exit 1
			modules_ok "$CLIENT_SRC" ||
				(cd "$CLIENT_SRC" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) >"$log" 2>&1
		) 9<"$CLIENT_SRC"; then
			printf '%s\n' "$CLIENT_SRC"
			return 0
		fi
		show_log "$log" 30 >&2
		return 1
	fi
	mkdir -p "$copy"
	cp "$CLIENT_SRC/package.json" "$CLIENT_SRC/package-lock.json" "$CLIENT_SRC/mail-flow.mjs" "$copy/"
	if ! (cd "$copy" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) >"$log" 2>&1 ||
		! modules_ok "$copy"; then
		show_log "$log" 30 >&2
		return 1
	fi
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

MAILDIR=$TEST_TMP/mail
mkdir -p "$MAILDIR"
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_CHANGE_EMAIL=on
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
export AUTHFCGI_SENDMAIL="$top_srcdir/test/lib/fake-sendmail $MAILDIR -t -i"
export AUTHFCGI_MAIL_POLL_MS=100
stack_front lighttpd "$port"

log=$TEST_TMP/mail-flow.log
if (cd "$dir" && timeout 120 node mail-flow.mjs "$FRONT_URL" "$MAILDIR") >"$log" 2>&1; then
	sed 's/^/# /' "$log"
	ok "official client mail flow ($(grep -c '^PASS' "$log") steps)"
else
	sed 's/^/# /' "$log"
	not_ok "official client mail flow"
	show_log "$POOL_LOG" 30
fi
if grep -q 'event=mailer_spawned' "$POOL_LOG"; then
	ok "serve supervised the mailer that delivered"
else
	not_ok "serve started no mailer"
fi
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG"; then
	not_ok "pool: sanitizer report in $POOL_LOG"
	grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG" | head -40 | sed 's/^/# /'
fi

finish
