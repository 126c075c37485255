#!/bin/bash
# tls.sh - TLS as Neon requires it, against a PostgreSQL that runs with ssl=on and a throwaway
# CA (test/lib/pg.sh PG_TLS=1): sslmode=verify-full with the right CA works for migrate and for
# the pool behind lighttpd; a wrong CA or a wrong host name stops `authfcgi migrate`,
# `authfcgi serve` and a managed worker at start with one line and exit 78 (never a silent
# fallback, never workers answering 503 for ever); an unreachable server does not (an outage,
# not a configuration error). A Neon connection string as pasted (sslmode=require,
# channel_binding=require, a -pooler host) works against a SCRAM role, and channel binding is
# really enforced. The password never appears in any output.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"

watchdog 300
tmpdir_new
PG_TLS=1 pg_start
export AUTHFCGI_WORKERS=2 AUTHFCGI_DB_TIMEOUT_MS=2000
export AUTHFCGI_SECRET=test-secret-0123456789-0123456789-abcdef
APP_PASSWORD='Tls-Pw/must:not@leak%42'
# The harness's URL names the host; verify-full, the CA and the address come from libpq's
# PG* variables (as under Apache, where a whole URL would not fit). A parameter in the URL
# wins over them.
GOOD_URL=$DATABASE_URL
FULL_URL="$GOOD_URL?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=$PG_TLS_CA"
WRONG_CA_URL="$GOOD_URL?sslrootcert=$PG_TLS_OTHER_CA"
WRONG_HOST_URL=${GOOD_URL/"$PG_TLS_HOST"/wrong.authfcgi.test}

# run_cmd NAME CMD... - run CMD with a 30 s bound; RC and OUT (stdout+stderr file).
run_cmd() {
	local name=$1
	shift
	OUT=$TEST_TMP/$name.out
	RC=0
	timeout 30 "$@" >"$OUT" 2>&1 </dev/null || RC=$?
}

# Runs authfcgi with a listening unix socket on fd 0, as mod_fcgid or lighttpd's bin-path
# start it (one managed worker): python3 -c "$MANAGED" SOCKET AUTHFCGI_BIN.
MANAGED='import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], sys.argv[2:])'

# one_clear_line CLASS PATTERN - $OUT is exactly one line, saying DATABASE_URL, the class and
# PATTERN (in a worker's log line or the plain "authfcgi: DATABASE_URL: ..." form).
one_clear_line() {
	[[ $(grep -c . "$OUT") == 1 ]] && grep -q "DATABASE_URL" "$OUT" &&
		grep -Eq "(DATABASE_URL: |reason=\")$1: .*$2" "$OUT" || {
		sed 's/^/# /' "$OUT"
		return 1
	}
}

# 1. verify-full with the right CA.
expect "the harness asks libpq for verify-full against its CA" \
	test "$PGSSLMODE|$PGSSLROOTCERT|$PGHOSTADDR" = "verify-full|$PG_TLS_CA|127.0.0.1"
run_cmd migrate "$AUTHFCGI_BIN" migrate
expect "migrate over verify-full works (exit $RC)" test "$RC" = 0
DATABASE_URL=$FULL_URL run_cmd migrate-full-url env -u PGSSLMODE -u PGSSLROOTCERT -u PGHOSTADDR \
	"$AUTHFCGI_BIN" migrate
expect "...and with everything in the URL instead of the environment (exit $RC)" test "$RC" = 0
pool_start
front_start lighttpd "$(free_port)"
expect "the pool over verify-full answers /readyz 200" wait_http "$FRONT_URL/readyz" 15
# One answer says one worker is up (pool_start waits for the first only): the count below needs
# both connections.
pool_wait_ready 2 || true
tls=$(pg_psql -At -c "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a
	JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'authfcgi'")
expect "every worker connection is encrypted (encrypted|all: $tls)" test "$tls" = "2|2"
expect "the log names the host the certificate was checked against" \
	grep -Eq "event=db_connected host=\"?$PG_TLS_HOST\"? " "$POOL_LOG"
front_stop
pool_stop

# 2. The wrong CA, the wrong host name: one line and 78, from each way of starting.
for case in wrong_ca wrong_host; do
	if [[ $case == wrong_ca ]]; then
		url=$WRONG_CA_URL pattern='certificate verify failed'
	else
		url=$WRONG_HOST_URL pattern='does not match host name .*wrong\.authfcgi\.test'
	fi
	DATABASE_URL=$url run_cmd "$case-migrate" "$AUTHFCGI_BIN" migrate
	expect "$case: migrate exits 78 (got $RC)" test "$RC" = 78
	expect "$case: ...with one clear line" one_clear_line tls "$pattern"
	DATABASE_URL=$url AUTHFCGI_SOCKET=$TEST_TMP/$case.sock run_cmd "$case-serve" \
		"$AUTHFCGI_BIN" serve
	expect "$case: serve exits 78 at start (got $RC)" test "$RC" = 78
	expect "$case: ...with one clear line" one_clear_line tls "$pattern"
	expect "$case: ...before binding its socket" test ! -e "$TEST_TMP/$case.sock"
	DATABASE_URL=$url run_cmd "$case-managed" python3 -c "$MANAGED" "$TEST_TMP/$case-managed.sock" \
		"$AUTHFCGI_BIN"
	expect "$case: a managed worker exits 78 at start (got $RC)" test "$RC" = 78
	expect "$case: ...with one clear line" one_clear_line tls "$pattern"
done
PGSSLROOTCERT=$PG_TLS_OTHER_CA run_cmd wrong-ca-env "$AUTHFCGI_BIN" migrate
expect "wrong_ca from PGSSLROOTCERT: migrate exits 78 (got $RC)" test "$RC" = 78
expect "...with one clear line" one_clear_line tls 'certificate verify failed'

# A reload (SIGHUP) to a URL with the wrong CA: the new workers stop at start and the master
# keeps the running configuration.
# It holds the password: private, and the workers' user's (the master re-reads it after
# dropping privileges).
unpriv_file "$TEST_TMP/reload.conf"
printf 'DATABASE_URL = %s\n' "$GOOD_URL" >"$TEST_TMP/reload.conf"
POOL_LOG=$TEST_TMP/reload.log
pool_start --config "$TEST_TMP/reload.conf"
front_start lighttpd "$(free_port)"
wait_http "$FRONT_URL/readyz" 15 || true
printf 'DATABASE_URL = %s\n' "$WRONG_CA_URL" >"$TEST_TMP/reload.conf"
kill -HUP "$POOL_PID"
for ((i = 0; i < 100; i++)); do
	[[ $(pool_count_events reload_rolled_back) -ge 1 ]] && break
	sleep 0.1
done
expect "reload to the wrong CA: rolled back to the running configuration" \
	test "$(pool_count_events reload_rolled_back)" -ge 1
expect "...which still answers /readyz 200" wait_http "$FRONT_URL/readyz" 5
front_stop
pool_stop

DATABASE_URL="$GOOD_URL?sslrootcert=$TEST_TMP/missing-ca.crt" run_cmd missing-ca "$AUTHFCGI_BIN" migrate
expect "a missing sslrootcert file: exit 78 (got $RC)" test "$RC" = 78
expect "...with one clear line" one_clear_line tls 'root certificate file'

# 3. An unreachable server is an outage, not a configuration error: serve starts and waits.
closed=$(free_port)
POOL_SOCKET=$TEST_TMP/outage.sock POOL_LOG=$TEST_TMP/outage.log
DATABASE_URL=${GOOD_URL/":$PGPORT/"/":$closed/"} pool_start
expect "unreachable (same TLS parameters): serve starts and its workers are ready" \
	test "$(pool_count_events worker_ready)" -ge 1
expect "...and log the outage as class=refused" grep -q 'event=db_unavailable class=refused' \
	"$POOL_LOG"
pool_stop
unset POOL_SOCKET # back to pool.sh's default

# 4. A Neon connection string as pasted: a SCRAM role, sslmode=require, channel_binding=require
# and a -pooler host (which by itself selects unnamed statements). authfcgi runs without the
# harness's PGSSLROOTCERT, as pasted: with a root file, require would behave as verify-ca.
# neon_style USER[:PASSWORD] - the URL Neon's console shows for a pooled endpoint, mapped to
# our server by hostaddr.
neon_style() {
	local url
	url=$(pg_url "$1")
	url="${url%%\?*}?sslmode=require&channel_binding=require&hostaddr=127.0.0.1"
	printf '%s\n' "${url/"@$PG_TLS_HOST:"/@ep-quiet-tls-123456-pooler.authfcgi.test:}"
}
pg_add_role app "$APP_PASSWORD"
neon_url=$(neon_style "app:$APP_PASSWORD")
expect "the Neon-style URL has a -pooler host" grep -q -- '-pooler\.' <<<"$neon_url"
POOL_LOG=$TEST_TMP/neon.log
unset PGSSLROOTCERT
DATABASE_URL=$neon_url pool_start
export PGSSLROOTCERT=$PG_TLS_CA
front_start lighttpd "$(free_port)"
expect "Neon-style URL (require + channel binding + -pooler): /readyz 200" \
	wait_http "$FRONT_URL/readyz" 15
expect "...in unnamed-statement mode, chosen from the host name" \
	grep -q 'event=db_connected.*mode=unnamed' "$POOL_LOG"
scram=$(pg_psql -At -c "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
	WHERE a.usename = 'app' AND s.ssl")
expect "...as the SCRAM role, over TLS ($scram connections)" test "$scram" -ge 1
front_stop
pool_stop

# Channel binding is enforced, not ignored: a trusted (password-less) login cannot provide it,
# and a wrong password is an auth configuration error.
DATABASE_URL=$(neon_style postgres) run_cmd no-binding env -u PGSSLROOTCERT "$AUTHFCGI_BIN" migrate
expect "channel_binding=require without SCRAM: exit 78 (got $RC)" test "$RC" = 78
expect "...with one clear line" one_clear_line auth 'channel binding'
DATABASE_URL=$(neon_style app:wrong-password) run_cmd bad-password env -u PGSSLROOTCERT \
	"$AUTHFCGI_BIN" migrate
expect "a wrong password: exit 78 (got $RC)" test "$RC" = 78
expect "...with one clear line" one_clear_line auth 'password authentication failed'

# Never the password, anywhere.
enc=$(pg_url "app:$APP_PASSWORD" | sed 's|^postgresql://app:||; s|@.*||')
leaks=$(cat "$TEST_TMP"/*.out "$TEST_TMP"/*.log 2>/dev/null | grep -cF -e "$APP_PASSWORD" -e "$enc" || true)
expect "the password never appears in any output ($leaks lines)" test "$leaks" = 0

if ((_COMMON_FAILED > 0)); then show_log "$POOL_LOG" 40; fi
finish
