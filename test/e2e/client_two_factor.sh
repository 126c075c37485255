#!/bin/bash
# test/e2e/client_two_factor.sh - the official Better Auth client with twoFactorClient()
# (test/client/two-factor-flow.mjs) against authfcgi behind lighttpd, nginx and Apache with
# AUTHFCGI_TWO_FACTOR=on: enrolment, TOTP, trusted device, backup codes, a code by mail (the
# supervised mailer into test/lib/fake-sendmail, as client_mail.sh), the attempt limit, disable.
# One database and one pool for all three fronts (the flow signs up a fresh user each run): the
# base URL is the first front's, the others are trusted origins; Apache's mod_fcgid workers
# share the database, and the pool's mailer delivers their outbox too.
# Needs node and test/client's node_modules (test/lib/client.sh installs them).
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

stack_db

ports=()
for kind in lighttpd nginx apache; do
	ports+=("$(free_port)")
done
export AUTHFCGI_BASE_URL=http://127.0.0.1:${ports[0]}
AUTHFCGI_TRUSTED_ORIGINS=http://127.0.0.1:${ports[1]},http://127.0.0.1:${ports[2]}
export AUTHFCGI_TRUSTED_ORIGINS
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_TWO_FACTOR=on
MAILDIR=$TEST_TMP/mail
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_MAIL_POLL_MS=100
# shellcheck disable=SC2119 # no extra serve arguments
if ! pool_start; then
	not_ok "authfcgi serve starts"
	finish
fi

i=0
for kind in lighttpd nginx apache; do
	port=${ports[i]}
	i=$((i + 1))
	if ! front_start "$kind" "$port"; then
		not_ok "$kind: starts on port $port"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	log=$TEST_TMP/two-factor-flow-$kind.log
	if (cd "$CLIENT_DIR" && timeout 120 node two-factor-flow.mjs "$FRONT_URL" "$MAILDIR") \
		>"$log" 2>&1; then
		sed 's/^/# /' "$log"
		ok "$kind: official twoFactorClient flow ($(grep -c '^PASS' "$log") steps)"
	else
		sed 's/^/# /' "$log"
		not_ok "$kind: official twoFactorClient flow"
		show_log "$POOL_LOG" 30
		show_log "$FRONT_ERROR_LOG" 20
	fi
	front_stop "$FRONT_PID"
	if [[ $kind == apache ]]; then
		stack_sanitizer_clean "$kind" "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
