#!/bin/bash
# db_faults.sh - what clients see through a real web server (lighttpd) and the standalone pool
# when the database misbehaves: every backend terminated (as a Neon suspend does), the
# server stopped and started again, a backend frozen with SIGSTOP. Never a hang, never a
# 200 on a database error, 503 + Retry-After within the deadline + 1 s, recovery without
# restarting authfcgi, one log line per state change and never the password.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"

TIMEOUT_MS=1000
# Trust authentication ignores the password: it is here only to prove it never leaks.
PASSWORD=Pw-must-not-leak-42

tmpdir_new
pg_start
"$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.out" 2>&1 || {
	cat "$TEST_TMP/migrate.out"
	not_ok "migrate"
	finish
}

export DATABASE_URL="postgresql://postgres:$PASSWORD@127.0.0.1:$PGPORT/authfcgi"
export AUTHFCGI_DB_TIMEOUT_MS=$TIMEOUT_MS AUTHFCGI_WORKERS=2
pool_start
front_start lighttpd "$(free_port)"
wait_http "$FRONT_URL/readyz" 20 || true
# Both workers with their connection (pool_start waits for the first only): step 1 freezes one
# backend per worker.
pool_wait_ready 2 || true

# readyz - one GET /readyz; sets CODE, MS (wall time), RETRY_AFTER and BODY.
readyz() {
	local out t0 t1
	t0=$(date +%s%N)
	out=$(curl -s -m 10 -D "$TEST_TMP/hdr" -o "$TEST_TMP/body" -w '%{http_code}' \
		"$FRONT_URL/readyz") || out=000
	t1=$(date +%s%N)
	CODE=$out
	MS=$(((t1 - t0) / 1000000))
	RETRY_AFTER=$(tr -d '\r' <"$TEST_TMP/hdr" | awk -F': *' 'tolower($1) == "retry-after" { print $2 }')
	BODY=$(cat "$TEST_TMP/body")
}

# many_readyz N - N requests; sets FAILED (non-200 answers, their codes in FAILED_CODES) and
# SLOWEST (ms).
many_readyz() {
	local i
	FAILED=0 SLOWEST=0 FAILED_CODES=""
	for ((i = 0; i < $1; i++)); do
		readyz
		[[ $CODE == 200 ]] || { FAILED=$((FAILED + 1)) FAILED_CODES+=" $CODE"; }
		((MS > SLOWEST)) && SLOWEST=$MS
	done
	return 0
}

# wait_ready SECS - poll /readyz until it answers 200; false after SECS.
wait_ready() {
	local deadline=$((SECONDS + $1))
	while ((SECONDS < deadline)); do
		readyz
		[[ $CODE == 200 ]] && return 0
		sleep 0.2
	done
	return 1
}

# wait_steady N SECS - poll /readyz until N answers in a row are 200 (every worker has
# reconnected: each backs off on its own, up to 5 s); false after SECS.
wait_steady() {
	local run=0 deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		readyz
		if [[ $CODE == 200 ]]; then run=$((run + 1)); else run=0; fi
		((run >= $1)) && return 0
		sleep 0.05
	done
	return 1
}

# unavailable_ok - the last answer was the 503 a client may rely on, in time.
unavailable_ok() {
	[[ $CODE == 503 && $RETRY_AFTER =~ ^[1-9][0-9]*$ &&
		$BODY == '{"message":"Service unavailable","code":"SERVICE_UNAVAILABLE"}' &&
		$MS -le $((TIMEOUT_MS + 1000)) ]] || {
		echo "# got status $CODE in ${MS} ms, Retry-After '$RETRY_AFTER', body $BODY"
		return 1
	}
}

backends() {
	pg_psql -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'authfcgi'"
}

workers() {
	pool_worker_pids | sort | tr "\n" " "
}

many_readyz 20
expect "baseline: 20 /readyz all 200" test "$FAILED" = 0
WORKERS_BEFORE=$(workers)
expect "two workers" test "$(echo $WORKERS_BEFORE | wc -w)" = 2

# 1. Frozen backends (SIGSTOP): a worker gives up at its deadline, then recovers. Every
# worker connected when it started, so whichever takes the next request has a frozen backend.
frozen=$(backends)
expect "one backend per worker to freeze ($(echo $frozen))" test "$(echo "$frozen" | wc -w)" = 2
for pid in $frozen; do kill -STOP "$pid"; done
on_exit "kill -CONT $(echo $frozen) 2>/dev/null"
readyz
expect "backend frozen: /readyz is 503 + Retry-After within deadline + 1 s" unavailable_ok
expect "...logged as a timeout" grep -q 'event=db_lost class=timeout' "$POOL_LOG"
for pid in $frozen; do kill -CONT "$pid"; done
expect "after SIGCONT: /readyz 200 again within 10 s" wait_ready 10
# One 200 says one worker is back; the one whose statement timed out may still be in its
# reconnect backoff (answering 503 at once), so wait for both as step 3 does.
expect "...every worker back (20 answers 200 in a row) within 15 s" wait_steady 20 15
many_readyz 20
expect "...and the workers stay healthy (20 requests, failed $FAILED:${FAILED_CODES:- none})" test "$FAILED" = 0

# 2. Every backend terminated while idle: the next 100 requests see no error.
# (In the target list, not the WHERE clause: there it could run before the name filter.)
killed=$(pg_psql -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE application_name = 'authfcgi'" | grep -c '^t$' || true)
expect "terminated every worker's backend ($killed)" test "$killed" -ge 1
many_readyz 100
expect "after pg_terminate_backend: 100 /readyz, 0 errors (failed $FAILED)" test "$FAILED" = 0
expect "...each within the deadline (slowest ${SLOWEST} ms)" test "$SLOWEST" -le "$TIMEOUT_MS"
expect "the loss is logged with its class" grep -q 'event=db_lost class=admin_shutdown' "$POOL_LOG"

# 3. The database stopped: 503 + Retry-After at once, never a hang, never a 200.
outage_mark=$(log_mark "$POOL_LOG")
pg_stop
all_ok=0
for ((i = 0; i < 20; i++)); do
	readyz
	unavailable_ok || all_ok=1
done
expect "database stopped: 20 /readyz all 503 + Retry-After within deadline + 1 s" test $all_ok = 0
# Per worker: the connection lost (shutdown), then unavailable (refused) - not one per request.
lines=$(log_since "$POOL_LOG" "$outage_mark" | grep -Ec 'event=db_(lost|unavailable)' || true)
expect "...logged per state change, not per request ($lines lines for 20 requests)" \
	test "$lines" -ge 1 -a "$lines" -le 6

# ...and back without restarting anything once PostgreSQL is.
pg_start
expect "database back: /readyz 200 again within 10 s" wait_ready 10
expect "...every worker back (20 answers 200 in a row) within 15 s" wait_steady 20 15
many_readyz 20
expect "...and stays 200 (20 requests, failed $FAILED:${FAILED_CODES:- none})" test "$FAILED" = 0
expect "...with the same pool and workers (no restart)" test "$(workers)" = "$WORKERS_BEFORE"
# Only this outage's lines: step 1's reconnection after the frozen backends already wrote one.
expect "reconnection logged" grep -q 'event=db_connected.*down_ms=' <(log_since "$POOL_LOG" "$outage_mark")

# Never the password, anywhere we log.
leaks=$(cat "$POOL_LOG" "${FRONT_ERROR_LOG:-/dev/null}" | grep -c "$PASSWORD" || true)
expect "the password from DATABASE_URL never appears in a log ($leaks lines)" test "$leaks" = 0

if ((_COMMON_FAILED > 0)); then show_log "$POOL_LOG" 60; fi
finish
