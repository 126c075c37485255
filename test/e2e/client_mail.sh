#!/bin/bash
# test/e2e/client_mail.sh - the official Better Auth client through the mail flows
# (test/client/mail-flow.mjs: requestPasswordReset, resetPassword, sendVerificationEmail,
# verifyEmail, changeEmail) against authfcgi behind lighttpd. Here the mail goes out through
# the mailer `authfcgi serve` supervises (AUTHFCGI_MAIL_FROM set, a short poll) into
# test/lib/fake-sendmail; mail_flows.sh covers `authfcgi mail --once`.
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

MAILDIR=$TEST_TMP/mail
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_CHANGE_EMAIL=on
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_MAIL_POLL_MS=100
stack_front lighttpd "$port"

log=$TEST_TMP/mail-flow.log
if (cd "$CLIENT_DIR" && timeout 120 node mail-flow.mjs "$FRONT_URL" "$MAILDIR") >"$log" 2>&1; then
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
