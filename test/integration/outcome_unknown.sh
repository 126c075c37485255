#!/bin/bash
# outcome_unknown.sh - writes whose COMMIT reached PostgreSQL but whose answer was lost, through
# lighttpd, the pool and a real PostgreSQL: test/lib/drop_proxy.py sits between the workers
# and the server and cuts a connection right after the server has answered the chosen
# message. A sign-up whose COMMIT was answered unheard is answered as the successful sign-up
# (the worker looks the user up again on a new connection and finds the id it drew); a
# sign-out whose autocommit DELETE was answered unheard gets 503 OUTCOME_UNKNOWN with
# Retry-After (the session is gone: the change was made). Both are logged for the operator.
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
for tool in curl jq lighttpd python3; do
	command -v "$tool" >/dev/null || {
		not_ok "$tool installed (deploy/quickstart installs it)"
		finish
	}
done
if [[ ${AUTHFCGI_TEST_VIA_PGBOUNCER:-0} == 1 || ${PG_TLS:-0} == 1 ]]; then
	skip_all "the proxy speaks to PostgreSQL directly, without TLS"
fi

stack_db

# The proxy: the first COMMIT, then the first sign-out's DELETE (by its statement's name in
# the Bind message), each answered by the server and never passed on.
python3 "$top_srcdir/test/lib/drop_proxy.py" "$TEST_TMP/proxy.port" "$PGPORT" \
	Q:COMMIT B:authfcgi_session_delete_token >"$TEST_TMP/proxy.log" 2>&1 &
proxy_pid=$!
on_exit "kill $proxy_pid 2>/dev/null"
deadline=$((SECONDS + 20))
while [[ ! -s $TEST_TMP/proxy.port ]] && ((SECONDS < deadline)); do
	kill -0 "$proxy_pid" 2>/dev/null || break
	sleep 0.05
done
[[ -s $TEST_TMP/proxy.port ]] || {
	show_log "$TEST_TMP/proxy.log"
	not_ok "drop_proxy.py listens"
	finish
}
proxy_port=$(cat "$TEST_TMP/proxy.port")

port=$(free_port)
export DATABASE_URL="postgresql://postgres@127.0.0.1:$proxy_port/authfcgi?sslmode=disable&gssencmode=disable"
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port AUTHFCGI_WORKERS=1 AUTHFCGI_PASSWORD_COST=1 \
	AUTHFCGI_RATE_LIMIT=off AUTHFCGI_ACCOUNT_GUARD=off
stack_front lighttpd "$port"

BODY=$TEST_TMP/body HEADERS=$TEST_TMP/headers JAR=$TEST_TMP/jar
# call METHOD PATH [JSON] - one request with the cookie jar and a trusted Origin; sets CODE.
call() {
	local args=(-s -m 30 -X "$1" -b "$JAR" -c "$JAR" -H "Origin: $AUTHFCGI_BASE_URL"
		-D "$HEADERS" -o "$BODY" -w '%{http_code}')
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	CODE=$(curl "${args[@]}" "$FRONT_URL/api/auth$2") || CODE="curl-exit-$?"
}
# expect MSG CMD... - one result line: ok when CMD succeeds.
expect() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else not_ok "$msg"; fi
}
header() {
	tr -d '\r' <"$HEADERS" | awk -F': *' -v h="$1" 'tolower($1) == h { print $2 }'
}

# 1. Sign-up: the COMMIT is made, its answer lost; the worker finds its own row again.
call POST /sign-up/email '{"email":"lost@example.com","password":"password123","name":"Lost"}'
check "$([[ $CODE == 200 ]]; echo $?)" "sign-up whose COMMIT answer was lost: 200 ($CODE $(head -c 200 "$BODY"))"
expect "...the proxy did drop the connection after the server answered COMMIT" grep -q '^dropped Q:COMMIT$' "$TEST_TMP/proxy.log"
token=$(jq -r .token "$BODY" 2>/dev/null || true)
user_id=$(jq -r .user.id "$BODY" 2>/dev/null || true)
row=$(pg_psql -At -c "SELECT id FROM \"user\" WHERE email = 'lost@example.com'")
check "$([[ -n $row && $row == "$user_id" ]]; echo $?)" "...and the answer's user is the row committed ($user_id, $row)"
sessions=$(pg_psql -At -c "SELECT count(*) FROM session WHERE \"userId\" = '$row'")
check "$([[ $sessions == 1 && ${#token} == 32 ]]; echo $?)" "...with its session and token (sessions=$sessions)"
expect "...logged: db_outcome_unknown stmt=COMMIT" grep -q 'event=db_outcome_unknown stmt=COMMIT' "$POOL_LOG"
expect "...logged: sign_up_outcome_unknown settled=committed" grep -q 'event=sign_up_outcome_unknown lookup=ok settled=committed' "$POOL_LOG"

# 2. Sign-out: its DELETE runs on its own (autocommit) and its answer is lost.
call POST /sign-out '{}'
check "$([[ $CODE == 503 && $(jq -r .code "$BODY") == OUTCOME_UNKNOWN ]]; echo $?)" \
	"sign-out whose DELETE answer was lost: 503 OUTCOME_UNKNOWN ($CODE $(head -c 200 "$BODY"))"
check "$([[ $(header retry-after) =~ ^[1-9][0-9]*$ ]]; echo $?)" "...with Retry-After"
expect "...the proxy did drop the connection after the server answered the DELETE" grep -q '^dropped B:authfcgi_session_delete_token$' "$TEST_TMP/proxy.log"
sessions=$(pg_psql -At -c "SELECT count(*) FROM session WHERE \"userId\" = '$row'")
check "$([[ $sessions == 0 ]]; echo $?)" "...the DELETE was made (sessions=$sessions)"
expect "...logged: db_outcome_unknown stmt=authfcgi_session_delete_token" grep -q 'event=db_outcome_unknown stmt=authfcgi_session_delete_token' "$POOL_LOG"
expect "...logged: request_failed status=outcome_unknown" grep -q 'event=request_failed route=signOut status=outcome_unknown' "$POOL_LOG"

# 3. The pool carries on: the next request reconnects.
call GET /ok
check "$([[ $CODE == 200 ]]; echo $?)" "the next request is served ($CODE)"
if [[ $_COMMON_FAILED -gt 0 ]]; then
	show_log "$POOL_LOG" 60
	show_log "$TEST_TMP/proxy.log"
fi
finish
