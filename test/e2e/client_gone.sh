#!/bin/bash
# client_gone.sh - a worker skips the password hash of a request whose client has gone: one
# worker at a deliberately slow yescrypt cost, a burst of sign-ins from clients that give up
# after 0.3 s, through nginx (which closes its FastCGI connection when the client leaves;
# lighttpd 1.4 does not, so there every queued request is still hashed). The requests queued
# behind the first are answered 499 without hashing (logged as client_gone), and the pool is
# free again at once for a client that stays.
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
	pids=()
	for ((i = 0; i < BURST; i++)); do
		curl -s -m 0.3 -o /dev/null -H 'Content-Type: application/json' \
			--data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$api/sign-in/email" &
		pids+=($!)
	done
	wait "${pids[@]}" || true
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
	# The first requests of the burst reach the worker before their clients give up (one here,
	# up to three on a machine 3 times as fast); the rest were queued when their clients left.
	if ((gone >= BURST - 3)); then
		ok "$kind: $gone of $BURST abandoned sign-ins answered 499 without hashing"
	else
		not_ok "$kind: only $gone of $BURST abandoned sign-ins were skipped (want $((BURST - 3)) or more)"
	fi
	front_stop
done

grep 'event=client_gone' "$POOL_LOG" | head -n 2 | sed 's/^/# /'
stack_sanitizer_clean authfcgi "$POOL_LOG"
finish
