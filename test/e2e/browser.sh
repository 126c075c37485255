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
skip_in_sanitizer_build "the pages' C paths run there in pages.sh and check_pages; the browser is the cost here"
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

export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_PASSWORD_COST=1
SHOTS=$top_builddir/test/e2e/browser-screenshots
rm -rf "$SHOTS"

# FRONT AREA: the return target is get-session's JSON (pages), or the protected demo area
# /private/ (private: opening it sends the browser to sign in, whoami shows the e-mail).
FLOWS=("lighttpd pages" "lighttpd private" "nginx private" "apache private")

# run_flow KIND AREA - a front (and for lighttpd and nginx a pool) for this flow, whose base
# URL is the front's, then pages-browser.mjs with JavaScript on and off.
run_flow() {
	local kind=$1 area=$2 port log status=0 line
	port=$(free_port)
	export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
	pool_stop 10
	if [[ $kind != apache ]] && ! pool_start; then
		not_ok "$kind: authfcgi serve starts"
		return 0
	fi
	if ! front_start "$kind" "$port"; then
		not_ok "$kind: starts on port $port"
		return 0
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	log=$TEST_TMP/browser-$kind-$area.log
	(cd "$CLIENT_DIR" && HOME=$TEST_TMP CHROMIUM=$CHROMIUM timeout 240 \
		node "$CLIENT_DIR/pages-browser.mjs" "$FRONT_URL" "$SHOTS/$kind-$area" "$area") \
		>"$log" 2>&1 || status=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$kind, $area: ${line#ok }" ;;
		"not ok "*) not_ok "$kind, $area: ${line#not ok }" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done <"$log"
	if ((status != 0)) && ! grep -q '^not ok ' "$log"; then
		not_ok "$kind, $area: pages-browser.mjs exited with $status"
	fi
	if ((status != 0)); then
		show_log "${POOL_LOG:-}" 20
		show_log "$FRONT_ERROR_LOG" 20
	fi
	front_stop "$FRONT_PID"
	if [[ $kind == apache ]]; then
		stack_sanitizer_clean "$kind" "$FRONT_ERROR_LOG"
	fi
}

for flow in "${FLOWS[@]}"; do
	# shellcheck disable=SC2086 # "KIND AREA"
	run_flow $flow
done
echo "# screenshots: $SHOTS"
stack_sanitizer_clean pool "${POOL_LOG:-}"
finish
