#!/bin/bash
# abuse_limits.sh - the abuse limits through lighttpd, the pool and a real PostgreSQL, looking
# in the tables afterwards: rate-limit keys name the route, never a reset token or a made-up
# path; clients behind a trusted proxy are told apart, ports or not; and the per-account
# guard (src/auth/account_guard.c): the 101st failed sign-in of one account from 101 addresses is
# refused, the owner's right password too, another account is untouched, an address without
# an account is answered alike, and the owner signs in once the window is over. Time passes
# by editing the rows (never by waiting).
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

watchdog 600
tmpdir_new
need_tools curl jq lighttpd

stack_db
port=$(free_port)
# lighttpd is the trusted proxy (REMOTE_ADDR 127.0.0.1); X-Forwarded-For plays the clients.
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port AUTHFCGI_WORKERS=2 \
	AUTHFCGI_TRUSTED_PROXIES=127.0.0.1 AUTHFCGI_PASSWORD_COST=1
unset AUTHFCGI_RATE_LIMIT AUTHFCGI_ACCOUNT_GUARD
stack_front lighttpd "$port"

BODY=$TEST_TMP/body HEADERS=$TEST_TMP/headers
# call CLIENT METHOD PATH [JSON] - one request as client address CLIENT; sets CODE.
call() {
	local client=$1 method=$2 path=$3 json=${4:-}
	local args=(-s -m 30 -X "$method" -H "X-Forwarded-For: $client" -D "$HEADERS" -o "$BODY"
		-w '%{http_code}')
	[[ -n $json ]] && args+=(-H 'Content-Type: application/json' --data-binary "$json")
	CODE=$(curl "${args[@]}" "$FRONT_URL$path") || CODE="curl-exit-$?"
}

# sign_in CLIENT EMAIL PASSWORD - POST /sign-in/email; sets CODE.
sign_in() {
	call "$1" POST /api/auth/sign-in/email "$(jq -cn --arg e "$2" --arg p "$3" \
		'{email: $e, password: $p}')"
}

retry_after() {
	tr -d '\r' <"$HEADERS" | sed -n 's/^[Xx]-[Rr]etry-[Aa]fter: //p'
}

# client N - the N-th client address; every other one written with a port, as Azure's and
# IIS's proxies write X-Forwarded-For.
client() {
	local a="198.18.$(($1 / 250)).$(($1 % 250 + 1))"
	if (($1 % 2)); then printf '%s:%d\n' "$a" $((40000 + $1)); else printf '%s\n' "$a"; fi
}

PASSWORD='correct horse battery staple'
for who in alice bob; do
	call "203.0.113.${#who}" POST /api/auth/sign-up/email \
		"$(jq -cn --arg e "$who@example.com" --arg p "$PASSWORD" --arg n "$who" \
			'{email: $e, password: $p, name: $n}')"
	[[ $CODE == 200 ]] || not_ok "sign-up of $who: $CODE $(head -c 200 "$BODY")"
done

# 1. Rate-limit keys: the route, never the token of a reset link, never a made-up path.
token=ResetTokenThatMustNeverBeStored42
call 192.0.2.1 GET "/api/auth/reset-password/$token?callbackURL=%2Freset"
call 192.0.2.1 GET /api/auth/made-up/PathSecret77
call 192.0.2.1 GET /api/auth/another-made-up-path
keys=$(pg_psql -At -c "SELECT key FROM authfcgi_rate_limit WHERE key LIKE '192.0.2.1|%' ORDER BY key")
leaks=$(pg_psql -At -c "SELECT count(*) FROM authfcgi_rate_limit
	WHERE key LIKE '%$token%' OR key LIKE '%PathSecret77%' OR key LIKE '%made-up%'")
if [[ $keys == $'192.0.2.1|(unrouted)\n192.0.2.1|/reset-password/:token' && $leaks == 0 ]]; then
	ok "rate-limit keys name the route: $(echo "$keys" | tr '\n' ' ')"
else
	not_ok "rate-limit keys: '$keys', $leaks naming a token or path"
fi
# The port is no part of the client: 3 sign-ins from one address on 3 ports, the 4th refused.
codes=()
for p in 1001 1002 1003 1004; do
	sign_in "198.51.100.200:$p" carol@example.com 'not her password'
	codes+=("$CODE")
done
# ... and another client with a port has a count of its own (not one shared by all of them).
sign_in "198.51.100.201:1001" carol@example.com 'not her password'
codes+=("$CODE")
if [[ ${codes[*]} == "401 401 401 429 401" ]]; then
	ok "one client on four ports is one client, another is another (${codes[*]})"
else
	not_ok "clients with ports: ${codes[*]} (want 401 401 401 429 401)"
fi

# 2. One account, 101 addresses. Between attempts the lock is moved into the past: only the
# ceiling of 100 failures per window is left to stop the 101st.
unlock() { pg_psql -q -c 'UPDATE authfcgi_account_guard SET locked_until = 0' >/dev/null 2>&1 || true; }
codes=""
for ((i = 0; i < 100; i++)); do
	unlock
	sign_in "$(client "$i")" alice@example.com "wrong password $i"
	codes+="$CODE "
done
if [[ $codes == "$(printf '401 %.0s' {1..100})" ]]; then
	ok "100 failed sign-ins for alice from 100 addresses: 401 each"
else
	not_ok "100 failed sign-ins: $(echo "$codes" | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
fi
unlock
sign_in "$(client 100)" alice@example.com 'wrong password 100'
retry=$(retry_after)
if [[ $CODE == 429 && $retry =~ ^[0-9]+$ ]] && ((retry > 86000 && retry <= 86400)) &&
	[[ $(jq -r .message "$BODY") == 'Too many requests. Please try again later.' ]]; then
	ok "the 101st failure is refused: 429, X-Retry-After $retry (the window's end)"
else
	not_ok "the 101st failure: $CODE, X-Retry-After '$retry', $(head -c 200 "$BODY")"
fi
sign_in "$(client 101)" alice@example.com "$PASSWORD"
if [[ $CODE == 429 ]]; then ok "alice's right password waits too"; else not_ok "alice's right password: $CODE"; fi
sign_in "$(client 102)" bob@example.com "$PASSWORD"
if [[ $CODE == 200 ]]; then ok "bob signs in meanwhile"; else not_ok "bob meanwhile: $CODE"; fi
failures=$(pg_psql -At -c "SELECT string_agg(window_failures::text, ' ' ORDER BY window_failures)
	FROM authfcgi_account_guard" 2>&1) || true
named=$(pg_psql -At -c "SELECT count(*) FROM authfcgi_account_guard
	WHERE key !~ '^[0-9a-f]{64}$' OR key LIKE '%alice%' OR key LIKE '%bob%'" 2>&1) || true
# bob: one success (0); carol: 5 attempts, of which 4 reached the guard; alice: 100.
if [[ $failures == "0 4 100" && $named == 0 ]]; then
	ok "authfcgi_account_guard: window failures $failures, keys are HMACs naming nobody"
else
	not_ok "authfcgi_account_guard: window failures '$failures', $named keys not 64 hex digits"
fi

# 3. An address with no account is answered exactly alike: 5 free, the 6th locks for 1 s.
for email in alice-twin@example.com bob@example.com; do
	codes=()
	for i in 1 2 3 4 5 6 7; do
		sign_in "$(client $((200 + i)))" "$email" 'wrong password'
		codes+=("$CODE")
	done
	if [[ ${codes[*]} == "401 401 401 401 401 401 429" && $(retry_after) == 1 ]]; then
		ok "$email: 6 failures, then 429 with X-Retry-After 1"
	else
		not_ok "$email: ${codes[*]}, X-Retry-After '$(retry_after)'"
	fi
done

# 4. A day after alice's first failure the window is over: the owner signs in.
pg_psql -q -c 'UPDATE authfcgi_account_guard SET window_start = window_start - 86400000,
	locked_until = 0' >/dev/null 2>&1 || true
sign_in "$(client 103)" alice@example.com "$PASSWORD"
if [[ $CODE == 200 && $(jq -r .user.email "$BODY") == alice@example.com ]]; then
	ok "alice signs in once the window is over"
else
	not_ok "alice after the window: $CODE $(head -c 200 "$BODY")"
fi
if grep -q 'reason=client_address_unknown' "$POOL_LOG"; then
	not_ok "a client address went unknown: $(grep -c 'reason=client_address_unknown' "$POOL_LOG")"
else
	ok "every client address was known"
fi
finish
