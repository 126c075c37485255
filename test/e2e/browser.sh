#!/bin/bash
# test/e2e/browser.sh - the built-in pages in a real browser (issue 11, item 4): Debian's
# chromium, headless, driven by test/client/pages-browser.mjs (puppeteer-core from
# test/client's pinned node_modules; nothing downloads a browser), with JavaScript on and off,
# against authfcgi behind lighttpd: sign up, land on the return target signed in, sign out,
# a wrong password, sign in, sign out. Screenshots of every step are kept next to this test's
# log, in test/e2e/browser-screenshots/ of the build directory.
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
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
	not_ok "chromium installed (deploy/quickstart installs it)"
	finish
fi
client_require
stack_db

PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_PASSWORD_COST=1
stack_front lighttpd "$PORT"

SHOTS=$top_builddir/test/e2e/browser-screenshots
rm -rf "$SHOTS"
log=$TEST_TMP/browser.log
status=0
(cd "$CLIENT_DIR" && HOME=$TEST_TMP CHROMIUM=$CHROMIUM timeout 240 \
	node "$CLIENT_DIR/pages-browser.mjs" "$FRONT_URL" "$SHOTS") >"$log" 2>&1 || status=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"not ok "*) not_ok "${line#not ok }" ;;
	*) printf '# %s\n' "$line" ;;
	esac
done <"$log"
if ((status != 0)) && ! grep -q '^not ok ' "$log"; then
	not_ok "pages-browser.mjs exited with $status"
fi
echo "# screenshots: $SHOTS"
stack_sanitizer_clean pool "$POOL_LOG"
finish
