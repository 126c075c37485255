#!/bin/bash
# test/e2e/metrics.sh - GET /authfcgi/metrics through nginx (deploy/nginx.conf.in), parsed by
# Debian's python3-prometheus-client: the pool's counters move as requests are made (a
# sign-up, a failed sign-in, a rate-limited sign-in; every request counted even after the
# worker that answered it was retired by AUTHFCGI_MAX_REQUESTS and replaced), and an address
# AUTHFCGI_METRICS_ALLOW does not list gets 403.
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

watchdog 180
tmpdir_new
if ! /usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null; then
	not_ok "python3-prometheus-client is installed (deploy/quickstart installs it)"
	finish
fi
stack_db
# Workers retire after 7 requests: the counts of a retired worker must stay in the totals.
export AUTHFCGI_WORKERS=2 AUTHFCGI_MAX_REQUESTS=7
stack_front nginx "$(free_port)"
PROM=$top_srcdir/test/lib/prom_query.py

# scrape NAME - GET the page into $TEST_TMP/NAME.prom; false unless 200 with the 0.0.4 type.
scrape() {
	local code
	code=$(curl -s -m 10 -D "$TEST_TMP/$1.hdr" -o "$TEST_TMP/$1.prom" -w '%{http_code}' \
		"$FRONT_URL/authfcgi/metrics") || code=000
	[[ $code == 200 ]] && grep -qi '^content-type: text/plain; version=0.0.4' "$TEST_TMP/$1.hdr"
}

# value NAME SERIES - one series of scrape NAME (0 when absent); the parser's verdict ends
# the test when the text does not parse.
value() {
	/usr/bin/python3 "$PROM" "$TEST_TMP/$1.prom" "$2"
}

# post PATH JSON - the HTTP status of one POST under /api/auth.
post() {
	curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data "$2" "$FRONT_URL/api/auth$1" || echo 000
}

if scrape before; then ok "GET /authfcgi/metrics through nginx: 200, text/plain; version=0.0.4"; else
	not_ok "GET /authfcgi/metrics through nginx"
	show_log "$TEST_TMP/before.hdr"
	finish
fi
if out=$(/usr/bin/python3 "$PROM" "$TEST_TMP/before.prom" authfcgi_workers 2>&1); then
	ok "the page parses with prometheus_client (every family has HELP and TYPE): workers=$out"
else
	not_ok "prometheus_client: $out"
	sed 's/^/# /' "$TEST_TMP/before.prom" | head -40
	finish
fi
for family in authfcgi_requests_total authfcgi_request_duration_seconds authfcgi_password_hashes_total \
	authfcgi_rate_limit_refusals_total authfcgi_db_connected_workers authfcgi_db_reconnects_total \
	authfcgi_db_statement_timeouts_total authfcgi_worker_restarts_total authfcgi_outbox_messages; do
	grep -q "^# TYPE $family " "$TEST_TMP/before.prom" || missing+=" $family"
done
expect "every documented family is on the page${missing:+ (missing:$missing)}" test -z "${missing:-}"

ok_series='authfcgi_requests_total{route="ok",code="2xx"}'
up_series='authfcgi_requests_total{route="signUpEmail",code="2xx"}'
in4_series='authfcgi_requests_total{route="signInEmail",code="4xx"}'
n_ok=20
for ((i = 0; i < n_ok; i++)); do
	curl -s -m 10 -o /dev/null "$FRONT_URL/api/auth/ok" || true
done
email="metrics-$RANDOM@example.com"
up=$(post /sign-up/email "{\"email\":\"$email\",\"password\":\"password123\",\"name\":\"M\"}")
bad=$(post /sign-in/email "{\"email\":\"$email\",\"password\":\"wrong-password\"}")
# Three sign-ins per 10 s: the fourth at the latest is refused (a slow machine may take longer
# than the window, so go on until one is).
limited=0
for ((i = 0; i < 10 && limited == 0; i++)); do
	[[ $(post /sign-in/email "{\"email\":\"$email\",\"password\":\"wrong-password\"}") == 429 ]] &&
		limited=1
done
if [[ $up == 200 && $bad == 401 && $limited == 1 ]]; then
	ok "sign-up 200, failed sign-in 401, then 429"
else
	not_ok "sign-up $up, failed sign-in $bad, rate limited: $limited"
fi

scrape after || not_ok "second scrape"
delta() { echo $(($(value after "$1") - $(value before "$1"))); }
expect "$n_ok GET /ok counted, across retired workers" test "$(delta "$ok_series")" -eq "$n_ok"
expect "one sign-up counted (signUpEmail 2xx)" test "$(delta "$up_series")" -eq 1
expect "failed sign-ins counted (signInEmail 4xx)" test "$(delta "$in4_series")" -ge 2
expect "password hashes counted (sign-up, failed sign-ins)" \
	test "$(delta authfcgi_password_hashes_total)" -ge 2
expect "the rate-limit refusal counted" test "$(delta authfcgi_rate_limit_refusals_total)" -ge 1
expect "workers retired after AUTHFCGI_MAX_REQUESTS counted as restarts" \
	test "$(delta 'authfcgi_worker_restarts_total{reason="retired"}')" -ge 1
expect "latency histogram: count moved with the requests" \
	test "$(delta authfcgi_request_duration_seconds_count)" -ge $((n_ok + 3))
expect "latency histogram: +Inf bucket equals the count" \
	test "$(value after 'authfcgi_request_duration_seconds_bucket{le="+Inf"}')" -eq \
	"$(value after authfcgi_request_duration_seconds_count)"
expect "a worker holds a database connection" test "$(value after authfcgi_db_connected_workers)" -ge 1
expect "outbox figures present" grep -q '^authfcgi_outbox_messages{status="pending"} 0' "$TEST_TMP/after.prom"

# An address AUTHFCGI_METRICS_ALLOW (loopback by default) does not list: straight to the
# pool, as a web server would pass it, since nginx itself lets only loopback through.
out=$(/usr/bin/python3 "$top_srcdir/test/lib/fcgi_raw.py" "$POOL_SOCKET" request RESPONDER \
	REQUEST_METHOD=GET REQUEST_URI=/authfcgi/metrics SCRIPT_NAME=/authfcgi/metrics \
	REMOTE_ADDR=203.0.113.9 SERVER_PROTOCOL=HTTP/1.1 | tr -d '\r')
if [[ $out == *'Status: 403'* && $out != *authfcgi_requests_total* ]]; then
	ok "REMOTE_ADDR 203.0.113.9: 403, no figures"
else
	not_ok "REMOTE_ADDR 203.0.113.9 got: $(head -c 300 <<<"$out")"
fi
out=$(/usr/bin/python3 "$top_srcdir/test/lib/fcgi_raw.py" "$POOL_SOCKET" request RESPONDER \
	REQUEST_METHOD=GET REQUEST_URI=/authfcgi/metrics SCRIPT_NAME=/authfcgi/metrics \
	REMOTE_ADDR=::1 SERVER_PROTOCOL=HTTP/1.1 | tr -d '\r')
expect "REMOTE_ADDR ::1 (loopback) gets the page" grep -q authfcgi_requests_total <<<"$out"

# Without a master (mod_fcgid, lighttpd's bin-path, spawn-fcgi: a listening socket on fd 0),
# the page has that one process's figures.
managed_sock=$TEST_TMP/managed.sock
managed='import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], sys.argv[2:])'
/usr/bin/python3 -c "$managed" "$managed_sock" "$AUTHFCGI_BIN" >"$TEST_TMP/managed.log" 2>&1 </dev/null &
managed_pid=$!
on_exit "kill $managed_pid 2>/dev/null"
for ((i = 0; i < 200; i++)); do
	[[ -S $managed_sock ]] && break
	sleep 0.05
done
for ((i = 0; i < 3; i++)); do
	/usr/bin/python3 "$top_srcdir/test/lib/fcgi_raw.py" "$managed_sock" get /api/auth/ok >/dev/null
done
/usr/bin/python3 "$top_srcdir/test/lib/fcgi_raw.py" "$managed_sock" request RESPONDER \
	REQUEST_METHOD=GET REQUEST_URI=/authfcgi/metrics SCRIPT_NAME=/authfcgi/metrics \
	REMOTE_ADDR=127.0.0.1 SERVER_PROTOCOL=HTTP/1.1 | tr -d '\r' | sed '1,/^$/d' >"$TEST_TMP/managed.prom"
expect "managed worker: its own figures (1 worker, its 3 GET /ok)" test \
	"$(value managed authfcgi_workers) $(value managed "$ok_series")" = "1 3"
kill "$managed_pid"
wait "$managed_pid" 2>/dev/null || true
stack_sanitizer_clean pool "$POOL_LOG"
stack_sanitizer_clean managed "$TEST_TMP/managed.log"
finish
