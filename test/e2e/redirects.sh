#!/bin/bash
# test/e2e/redirects.sh - no Location leaves the site, through a real web server (issue 9):
# test/e2e/redirects.mjs sends every value of test/fixtures/hostile-redirects.txt as the
# callbackURL of GET /verify-email and GET /reset-password/:token (error and success paths)
# to authfcgi behind lighttpd, and judges each Location with node's own URL resolver, the
# browser's rule (test/unit/check_redirects does the same with every route, over url.c).
# Needs node (no modules).
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

TRUSTED=http://localhost:8080

watchdog 300
tmpdir_new
if ! command -v node >/dev/null; then
	not_ok "node installed (deploy/quickstart installs it)"
	finish
fi
stack_db

MAILDIR=$TEST_TMP/mail
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
export AUTHFCGI_TRUSTED_ORIGINS=$TRUSTED
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_PASSWORD_COST=1
export AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP=on
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_MAIL_POLL_MS=100
stack_front lighttpd "$port"

log=$TEST_TMP/redirects.log
status=0
timeout 240 node "$top_srcdir/test/e2e/redirects.mjs" "$FRONT_URL" "$TRUSTED" "$MAILDIR" \
	"$top_srcdir/test/fixtures/hostile-redirects.txt" >"$log" 2>&1 || status=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"not ok "*) not_ok "${line#not ok }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$log"
if ((status != 0)) && ! grep -q '^not ok ' "$log"; then
	not_ok "redirects.mjs exited with $status"
	show_log "$POOL_LOG" 30
fi
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG"; then
	not_ok "pool: sanitizer report in $POOL_LOG"
	grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG" | head -40 | sed 's/^/# /'
fi

finish
