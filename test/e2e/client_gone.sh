#!/bin/bash
# client_gone.sh - a worker skips the password hash of a request whose client has gone: one
# worker at a deliberately slow yescrypt cost, a burst of sign-ins queued behind a request that
# holds the worker, from clients that give up once all of them are queued, through nginx
# (which closes its FastCGI connection when the client leaves; lighttpd 1.4 does not, so there
# every queued request is still hashed). The abandoned requests are answered 499 without
# hashing (logged as client_gone), and the pool is free again at once for a client that stays.
# Each step waits for the event it needs, so the count is exact on a machine of any speed.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"
source "$top_srcdir/test/lib/stack.sh"

watchdog 240
tmpdir_new
# 16 times libxcrypt's default work (~0.5 s a hash here), so that a burst outlasts every
# client's patience by far.
export AUTHFCGI_PASSWORD_COST=9 AUTHFCGI_WORKERS=1 AUTHFCGI_RATE_LIMIT=off
stack_db
# shellcheck disable=SC2119 # no extra serve arguments
pool_start

BURST=8
EMAIL=gone@example.com
PASSWORD=password-of-gone

# nginx_sockets - the sockets nginx holds: its own, and per request the client's and the one to
# the pool (both closed once the request's client has left).
nginx_sockets() {
	local p n=0
	for p in "$FRONT_PID" $(ps -o pid= --ppid "$FRONT_PID"); do
		n=$((n + $(find "/proc/$p/fd" -lname 'socket:*' 2>/dev/null | grep -c . || true)))
	done
	echo "$n"
}
# wait_queued N - until N connections wait (false after 20 s).
wait_queued() {
	local deadline=$((SECONDS + 20))
	until [[ $(pool_queued) == "$1" ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.02
	done
}

for kind in nginx; do
	port=$(free_port)
	front_start "$kind" "$port"
	wait_http "$FRONT_URL/readyz" 20 || true
	api=$FRONT_URL/api/auth
	if [[ $kind == nginx ]]; then
		code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			--data "{\"name\":\"Gone\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
			"$api/sign-up/email")
		if [[ $code == 200 ]]; then ok "sign-up of the test user"; else not_ok "sign-up of the test user: $code"; fi
	fi

	before=$(grep -c 'event=client_gone' "$POOL_LOG" || true)
	# The worker is held (the holder has sent its request and the worker has accepted it:
	# nothing queued) while the burst queues up. Waiting only for an empty queue would race the
	# holder's start: a slow start let a sign-in of the burst take the worker first.
	rm -f "$TEST_TMP/hold.go" "$TEST_TMP/hold.sent"
	# test/lib/hold_fcgi.pl holds the one worker: half a request, the rest once hold.go exists.
	perl "$top_srcdir/test/lib/hold_fcgi.pl" "$POOL_SOCKET" "$TEST_TMP/hold.go" "$TEST_TMP/hold.sent" \
		>"$TEST_TMP/hold.out" 2>&1 &
	hold_pid=$!
	rc=0
	wait_file "$TEST_TMP/hold.sent" 20 && wait_queued 0 || rc=1
	check "$rc" "$kind: the holder's request is sent and the worker has taken it"
	idle=$(nginx_sockets)
	pids=()
	for ((i = 0; i < BURST; i++)); do
		curl -s -m 60 -o /dev/null -H 'Content-Type: application/json' \
			--data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$api/sign-in/email" &
		pids+=($!)
	done
	rc=0
	wait_queued "$BURST" || rc=$?
	busy=$(nginx_sockets)
	((busy >= idle + 2 * BURST)) || rc=1
	check "$rc" "$kind: $(pool_queued) sign-ins queued behind the held worker, nginx holds $((busy - idle)) sockets for them (want $BURST, $((2 * BURST)))"
	# Every client gives up; once nginx has closed their requests' connections to the pool,
	# the worker is let go.
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" || true
	deadline=$((SECONDS + 20))
	until (($(nginx_sockets) <= idle)) || ((SECONDS > deadline)); do sleep 0.02; done
	touch "$TEST_TMP/hold.go"
	wait "$hold_pid" || true
	# A client that stays: answered once the worker is free, after at most the hash it was
	# already doing and its own (not 6 of them).
	start=$(date +%s%N)
	code=$(curl -s -m 60 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$api/sign-in/email")
	ms=$((($(date +%s%N) - start) / 1000000))
	gone=$(($(grep -c 'event=client_gone' "$POOL_LOG" || true) - before))
	if [[ $code == 200 ]]; then
		ok "$kind: a sign-in after the burst -> 200 in $ms ms"
	else
		not_ok "$kind: a sign-in after the burst -> $code after $ms ms"
	fi
	# Every sign-in of the burst was queued when its client left.
	if ((gone == BURST)); then
		ok "$kind: $gone of $BURST abandoned sign-ins answered 499 without hashing"
	else
		not_ok "$kind: $gone of $BURST abandoned sign-ins were skipped (want all)"
	fi
	front_stop
done

grep 'event=client_gone' "$POOL_LOG" | head -n 2 | sed 's/^/# /'
stack_sanitizer_clean authfcgi "$POOL_LOG"
finish
