#!/bin/bash
# test/e2e/routes.sh - the walking skeleton's routes through real web servers: lighttpd and
# nginx in front of the standalone pool, Apache whose mod_fcgid spawns managed workers.
# /api/auth/ok answers exactly as Better Auth; /healthz and /readyz answer 200; anything
# else under /api/auth is 404 with an empty body and no Content-Type.
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

watchdog 240
tmpdir_new
stack_db
# shellcheck disable=SC2119 # no extra serve arguments
pool_start

# request KIND METHOD PATH - one request; sets R_CODE, R_BODY (file), R_HEADERS (file).
request() {
	local kind=$1 method=$2 path=$3 args=() out
	R_BODY=$TEST_TMP/$kind.body
	R_HEADERS=$TEST_TMP/$kind.headers
	out=$R_BODY
	case $method in
	GET) ;;
	# --head, not -X HEAD: curl would wait for a body the Content-Length announces. A HEAD
	# response has no body by definition; curl would copy the headers into -o.
	HEAD) args=(--head) out=/dev/null ;;
	# A real client's empty POST carries Content-Length: 0 (lighttpd answers 411 without it).
	POST) args=(-X POST --data '') ;;
	*) args=(-X "$method") ;;
	esac
	: >"$R_BODY"
	R_CODE=$(curl -s -m 5 "${args[@]}" -D "$R_HEADERS" -o "$out" -w '%{http_code}' \
		"$FRONT_URL$path") || R_CODE="curl-exit-$?"
}

# header NAME - the value of a response header (first one), without the CR.
header() {
	awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" -F': *' '
		{ sub(/\r$/, "") }
		tolower($1) == n { sub(/^[^:]*: */, ""); print; exit }' "$R_HEADERS"
}

expect_ok_json() {
	local kind=$1 ctype body
	request "$kind" GET /api/auth/ok
	ctype=$(header Content-Type)
	body=$(<"$R_BODY")
	# Byte for byte: no trailing newline either.
	if [[ $R_CODE == 200 && $body == '{"ok":true}' && $(stat -c %s "$R_BODY") == 11 &&
		${ctype%%;*} == application/json ]]; then
		ok "$kind: GET /api/auth/ok -> 200 {\"ok\":true} application/json"
	else
		not_ok "$kind: GET /api/auth/ok -> $R_CODE, content-type '$ctype', body '$body'"
	fi
}

expect_200() {
	local kind=$1 path=$2
	request "$kind" GET "$path"
	if [[ $R_CODE == 200 ]]; then
		ok "$kind: GET $path -> 200"
	else
		not_ok "$kind: GET $path -> $R_CODE ($(head -c 200 "$R_BODY"))"
	fi
}

expect_404_empty() {
	local kind=$1 method=$2 path=$3 ctype size
	request "$kind" "$method" "$path"
	ctype=$(header Content-Type)
	size=$(stat -c %s "$R_BODY")
	if [[ $R_CODE == 404 && $size == 0 && -z $ctype ]]; then
		ok "$kind: $method $path -> 404, empty, no content-type"
	else
		not_ok "$kind: $method $path -> $R_CODE, $size bytes, content-type '$ctype'"
	fi
}

for kind in lighttpd nginx apache; do
	port=$(free_port)
	if ! front_start "$kind" "$port"; then
		not_ok "$kind: starts on port $port"
		continue
	fi
	ok "$kind: starts on port $port"
	failed_before=$_COMMON_FAILED
	# Apache spawns its first worker on the first request; give it time to connect.
	wait_http "$FRONT_URL/readyz" 20 || true

	expect_ok_json "$kind"
	expect_200 "$kind" /readyz
	expect_200 "$kind" /healthz
	expect_404_empty "$kind" GET /api/auth/nope
	expect_404_empty "$kind" POST /api/auth/ok
	expect_404_empty "$kind" GET /api/auth/ok/
	expect_404_empty "$kind" HEAD /api/auth/ok
	expect_404_empty "$kind" OPTIONS /api/auth/ok
	expect_404_empty "$kind" GET /api/auth

	front_stop "$FRONT_PID"
	if ((_COMMON_FAILED > failed_before)); then
		# For the reader of the failed log: what the server and the workers said.
		show_log "$FRONT_ERROR_LOG" 30
		[[ $kind == apache ]] || show_log "$POOL_LOG" 30
	fi
	if [[ $kind == apache ]]; then
		# Apache's error log carries its workers' stderr.
		stack_sanitizer_clean "$kind" "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "${POOL_LOG:-}"

finish
