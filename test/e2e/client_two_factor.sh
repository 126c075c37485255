#!/bin/bash
# test/e2e/client_two_factor.sh - the official Better Auth client with twoFactorClient()
# (test/client/two-factor-flow.mjs) against authfcgi behind lighttpd with AUTHFCGI_TWO_FACTOR=on:
# enrolment, TOTP, trusted device, backup codes, a code by mail (the supervised mailer into
# test/lib/fake-sendmail, as client_mail.sh), the attempt limit, disable.
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

watchdog 300
tmpdir_new

client_require

stack_db

port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_TWO_FACTOR=on
MAILDIR=$TEST_TMP/mail
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_MAIL_POLL_MS=100
stack_front lighttpd "$port"

log=$TEST_TMP/two-factor-flow.log
if (cd "$CLIENT_DIR" && timeout 120 node two-factor-flow.mjs "$FRONT_URL" "$MAILDIR") >"$log" 2>&1; then
	sed 's/^/# /' "$log"
	ok "official twoFactorClient flow ($(grep -c '^PASS' "$log") steps)"
else
	sed 's/^/# /' "$log"
	not_ok "official twoFactorClient flow"
	show_log "$POOL_LOG" 30
fi
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
