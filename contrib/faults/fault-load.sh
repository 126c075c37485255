#!/bin/bash
# contrib/faults/fault-load.sh - database faults under load, on loopback only, bounded in time.
#
# A throwaway PostgreSQL 15 cluster (test/lib/pg.sh), `authfcgi serve` behind lighttpd, and a
# closed-loop mixed load (loadgen.py: get-session 80 %, sign-in 10 %, sign-up 5 %, sign-out
# 5 %) that records every response. One fault at a time, each on a fresh pool:
#
#   terminate  every backend killed with pg_terminate_backend (what a Neon suspend does)
#   restart    pg_ctl stop -m fast, 5 s down, start again
#   freeze     every backend stopped with SIGSTOP for the deadline + 2 s, then SIGCONT
#   pgbouncer  through PgBouncer (pool_mode=transaction, authfcgi in pooler mode): PgBouncer
#              stopped (immediate shutdown) and started again
#   latency    through a TCP relay (delay_proxy.py) that holds every new connection 3 s (a
#              cold start) for 8 s, right after every backend was killed
#   coldstart  the same with AUTHFCGI_DB_TIMEOUT_MS=5000, longer than the cold start: what a
#              Neon deployment should configure (full run only by default)
#
# After each fault analyze.py checks what the clients saw and what the database holds and
# prints one table; the exit status is 1 when any check of any fault failed.
#
# usage: contrib/faults/fault-load.sh [--short] [--faults "terminate restart ..."]
#                                     [--out DIR] [--concurrency N] [--workers N]
#   --short    the suite's version (test/integration/faults_short.sh): shorter phases, the
#              restart 2 s down, the freeze and the cold start shorter; under 2 minutes. Its
#              latency bar is relative: p99 back under the larger of 200 ms and 3 times the
#              p99 before the fault (the suite runs with sanitizers, beside other tests)
#   --out DIR  keep every record, mark, pool log and the summary (summary.jsonl) in DIR
#
# Needs a built authfcgi: AUTHFCGI_BIN (default ./authfcgi, else $top_builddir/authfcgi),
# PostgreSQL 15 server binaries, lighttpd, pgbouncer, python3, curl. Runs PostgreSQL and
# PgBouncer as the user postgres when root. The password hash cost is lowered (1): this
# measures the database path, not yescrypt.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
if [[ -z ${AUTHFCGI_BIN:-} ]]; then
	for b in ./authfcgi "${top_builddir:-.}/authfcgi"; do
		[[ -x $b ]] && AUTHFCGI_BIN=$(cd "$(dirname "$b")" && pwd)/authfcgi && break
	done
fi
[[ -x ${AUTHFCGI_BIN:-} ]] || {
	echo "fault-load: build authfcgi first and set AUTHFCGI_BIN (or run from the build dir)" >&2
	exit 2
}
export AUTHFCGI_BIN top_srcdir

SHORT=0 FAULTS= OUT= CONCURRENCY=8 WORKERS=4
while (($#)); do
	case $1 in
	--short) SHORT=1 ;;
	--faults) FAULTS=$2 && shift ;;
	--out) OUT=$2 && shift ;;
	--concurrency) CONCURRENCY=$2 && shift ;;
	--workers) WORKERS=$2 && shift ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "fault-load: unknown argument $1 (see --help)" >&2
		exit 64
		;;
	esac
	shift
done

source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"
source "$top_srcdir/test/lib/pgbouncer.sh"

DEADLINE_MS=2000 SEED=20 P99_ARGS=()
if ((SHORT)); then
	P99_ARGS=(--p99-relative 3)
	WARMUP=2 POST=7 RESTART_DOWN=2 FREEZE=$((DEADLINE_MS / 1000 + 1)) COLD=3 COLD_FOR=4 SEED=10
	: "${FAULTS:=terminate restart freeze pgbouncer latency}"
	watchdog 170
else
	WARMUP=8 POST=20 RESTART_DOWN=5 FREEZE=$((DEADLINE_MS / 1000 + 2)) COLD=3 COLD_FOR=8
	: "${FAULTS:=terminate restart freeze pgbouncer latency coldstart}"
	watchdog 900
fi

tmpdir_new
OUT=${OUT:-$TEST_TMP/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY=$OUT/summary.jsonl
: >"$SUMMARY"
RUN=$(date +%s)-$$

log() { printf '# %s %s\n' "$(date +%T)" "$*"; }
mark() { printf '%s %s\n' "$1" "$(date +%s.%N)" >>"$MARKS"; }

pg_start
"$AUTHFCGI_BIN" migrate >"$OUT/migrate.log" 2>&1 || {
	cat "$OUT/migrate.log" >&2
	exit 1
}
export PGHOST PGPORT PGUSER PGDATABASE
DIRECT_URL=$PG_DIRECT_URL

pgbouncer_start
PROXY_PORT=$(free_port)
PROXY_CONTROL=$TEST_TMP/delay
echo 0 >"$PROXY_CONTROL"
python3 "$here/delay_proxy.py" "$PROXY_PORT" "$PGPORT" "$PROXY_CONTROL" >"$TEST_TMP/proxy.out" 2>&1 &
PROXY_PID=$!
on_exit "kill $PROXY_PID 2>/dev/null"
for ((i = 0; i < 50; i++)); do grep -q ready "$TEST_TMP/proxy.out" && break || sleep 0.1; done
PROXY_URL="postgresql://postgres@127.0.0.1:$PROXY_PORT/authfcgi"

FRONT_PORT=$(free_port)
export AUTHFCGI_SECRET=fault-load-secret-0123456789-0123456789
export AUTHFCGI_BASE_URL=http://127.0.0.1:$FRONT_PORT
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_PASSWORD_COST=1
export AUTHFCGI_WORKERS=$WORKERS AUTHFCGI_DB_TIMEOUT_MS=$DEADLINE_MS
export POOL_SOCKET=$TEST_TMP/authfcgi.sock
FRONT_UPSTREAM=$POOL_SOCKET front_start lighttpd "$FRONT_PORT"

# backends - the pids of the pool's server processes (direct connections).
backends() {
	pg_psql -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'authfcgi'"
}

terminate_all() {
	# In the target list, not the WHERE clause, so it runs only for the rows that match.
	pg_psql -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'authfcgi'" >/dev/null
}

inject_terminate() {
	terminate_all
	mark recovered
}

inject_restart() {
	pg_stop
	sleep "$RESTART_DOWN"
	pg_start
	mark recovered
}

inject_freeze() {
	local frozen
	frozen=$(backends | tr '\n' ' ')
	# shellcheck disable=SC2086 # a list of pids
	kill -STOP $frozen
	on_exit "kill -CONT $frozen 2>/dev/null"
	sleep "$FREEZE"
	# shellcheck disable=SC2086
	kill -CONT $frozen
	mark recovered
	log "froze backends $frozen for ${FREEZE}s"
}

inject_pgbouncer() {
	pgbouncer_restart
	mark recovered
}

inject_coldstart() {
	inject_latency
}

inject_latency() {
	echo "$COLD" >"$PROXY_CONTROL"
	terminate_all
	sleep "$COLD_FOR"
	echo 0 >"$PROXY_CONTROL"
	mark recovered
}

# run_fault NAME TITLE URL POOLER [DEADLINE_MS] - one fault on a fresh pool under load, then
# the verdict.
FAILED_FAULTS=()
run_fault() {
	local name=$1 title=$2 url=$3 pooler=$4 deadline=${5:-$DEADLINE_MS} stop ready lg rc=0 settled
	MARKS=$OUT/$name.marks
	: >"$MARKS"
	stop=$TEST_TMP/$name.stop ready=$TEST_TMP/$name.ready
	log "fault $name: $title"
	POOL_LOG=$OUT/$name.pool.log
	DATABASE_URL=$url AUTHFCGI_DB_POOLER=$pooler AUTHFCGI_DB_TIMEOUT_MS=$deadline pool_start
	wait_http "$FRONT_URL/readyz" 15
	python3 "$here/loadgen.py" --url "$FRONT_URL" --origin "$FRONT_URL" \
		--concurrency "$CONCURRENCY" --seed "$SEED" --stop-file "$stop" --ready-file "$ready" \
		--run-id "$RUN-$name" >"$OUT/$name.responses" 2>"$OUT/$name.loadgen.err" &
	lg=$!
	for ((i = 0; i < 300; i++)); do [[ -e $ready ]] && break || sleep 0.1; done
	sleep "$WARMUP"
	mark fault_start
	"inject_$name"
	sleep "$POST"
	touch "$stop"
	wait "$lg" || log "loadgen exited $?: $(tail -n 3 "$OUT/$name.loadgen.err")"
	mark load_end
	# The rollbacks of the requests cut short when the load stopped land just after it: wait
	# for them (analyze.py's own query) rather than a fixed time, which a slow machine may
	# outlast. A transaction left open stays open: after 10 s analyze.py fails it.
	settled=$((SECONDS + 10))
	until [[ $(pg_psql -At -c "SELECT count(*) FROM pg_stat_activity
		WHERE state LIKE 'idle in transaction%'") == 0 ]] || ((SECONDS >= settled)); do
		sleep 0.05
	done
	python3 "$here/analyze.py" --responses "$OUT/$name.responses" --marks "$MARKS" \
		--fault "$name" --title "$title" --deadline-ms "$deadline" --run-id "$RUN-$name" \
		--json "$SUMMARY" "${P99_ARGS[@]}" || rc=$?
	if ((rc != 0)); then FAILED_FAULTS+=("$name"); fi
	pool_stop 10
}

for fault in $FAULTS; do
	case $fault in
	terminate) run_fault terminate "every backend killed (pg_terminate_backend)" "$DIRECT_URL" off ;;
	restart) run_fault restart "pg_ctl stop -m fast, ${RESTART_DOWN} s down, start" "$DIRECT_URL" off ;;
	freeze) run_fault freeze "every backend SIGSTOPped for ${FREEZE} s (deadline ${DEADLINE_MS} ms)" "$DIRECT_URL" off ;;
	pgbouncer) run_fault pgbouncer "PgBouncer (transaction pooling) restarted" "$PGBOUNCER_URL" transaction ;;
	latency) run_fault latency "backends killed, then ${COLD} s connect latency for ${COLD_FOR} s" "$PROXY_URL" off ;;
	coldstart)
		run_fault coldstart "as latency, with AUTHFCGI_DB_TIMEOUT_MS=5000 (longer than the cold start)" \
			"$PROXY_URL" off 5000
		;;
	*)
		echo "fault-load: unknown fault $fault" >&2
		exit 64
		;;
	esac
done

log "records, marks and pool logs: $OUT"
if ((${#FAILED_FAULTS[@]})); then
	log "FAILED: ${FAILED_FAULTS[*]}"
	exit 1
fi
log "every fault passed"
