#!/usr/bin/env bash
# contrib/bench/api-bench.sh - the API benchmark of issue 3, in one invocation: a throwaway
# PostgreSQL, `authfcgi migrate`, a seeded user and session, `authfcgi serve` (rate limit
# off) and the minimal baseline responder (baseline.c, same worker count) behind nginx and
# lighttpd in turn, measured with wrk (api.lua):
#   * get-session with a valid cookie: authfcgi vs baseline -> ratio (target >= 0.90, 0 bad)
#   * sign-in: authfcgi vs the yescrypt ceiling of this machine at the configured cost,
#     measured by hashrate.c right before each sign-in run (one process per core or one per
#     worker, whichever hashes more) -> ratio (target >= 0.90)
#   * get-session p99 while N sign-ins/s (default 10) run beside it (target <= 50 ms)
#   * resident memory (VmRSS) of each worker after the runs (target <= 8 MiB)
# and prints one Markdown table (and the raw wrk outputs under the log directory).
# A benchmark, not a test: on a 2-core machine wrk, the front, the workers and PostgreSQL
# share the cores, so only the ratios within one run mean much (../shared/CEILINGS.md).
#
#   contrib/bench/api-bench.sh [options]
#     --fronts "nginx lighttpd"   front servers, in this order
#     --duration SECS             each wrk run (10; at most 120)
#     --connections N             wrk -c (64)
#     --threads N                 wrk -t (2)
#     --workers N                 authfcgi workers (AUTHFCGI_WORKERS; 0 = its default, 2 per
#                                 CPU); the baseline gets as many as authfcgi really runs
#     --signin-rate N             sign-ins per second beside get-session (10)
#     --log-dir DIR               keep wrk outputs and server logs there (default: a temp dir,
#                                 removed at the end)
#     --get-session-only          skip the sign-in runs (quick A/B of two builds)
# Environment: AUTHFCGI_BIN (default ./var/build/authfcgi, built by ./deploy/quickstart up;
# use an optimised build without sanitizers), AUTHFCGI_PASSWORD_COST (0 = libxcrypt's
# default), CC. Needs wrk, curl, a C compiler with the -dev packages of libfcgi, libpq,
# json-c, OpenSSL and libxcrypt, and PostgreSQL, nginx and lighttpd.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$SRC/contrib/bench
BENCH_NAME=api-bench
# shellcheck source=contrib/bench/lib.sh
source "$BENCH/lib.sh"
FRONTS="nginx lighttpd" DURATION=10 CONNECTIONS=64 THREADS=2 WORKERS=0 SIGNIN_RATE=10 LOG_DIR=""
SIGN_IN=1

while (($#)); do
	case $1 in
	--fronts) FRONTS=$2 && shift ;;
	--duration) DURATION=$2 && shift ;;
	--connections) CONNECTIONS=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--workers) WORKERS=$2 && shift ;;
	--signin-rate) SIGNIN_RATE=$2 && shift ;;
	--log-dir) LOG_DIR=$2 && shift ;;
	--get-session-only) SIGN_IN=0 ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
	shift
done
int_in "$DURATION" 1 120 || die "--duration must be 1..120 seconds"
int_in "$CONNECTIONS" 1 1024 || die "--connections must be 1..1024"
int_in "$THREADS" 1 64 || die "--threads must be 1..64"
int_in "$WORKERS" 0 256 || die "--workers must be 0..256"
int_in "$SIGNIN_RATE" 1 1000 || die "--signin-rate must be 1..1000"
for f in $FRONTS; do [[ $f == nginx || $f == lighttpd ]] || die "--fronts: nginx and/or lighttpd"; done
bench_need wrk curl pkg-config "${CC:-cc}"

bench_binary "$BENCH_BUILDDIR/authfcgi"
COST=${AUTHFCGI_PASSWORD_COST:-0}
export AUTHFCGI_PASSWORD_COST=$COST

bench_logs "$LOG_DIR"
# shellcheck source=contrib/bench/ticks.sh
source "$BENCH/ticks.sh"

# ---- the two helper programs
bench_cc baseline fcgi libpq json-c libcrypto
bench_cc hashrate libxcrypt

# ---- the hash ceiling: the most yescrypt hashes per second this machine computes, with one
# process per core or with as many as the pool has workers (a sign-in load keeps every worker
# hashing, and yescrypt is memory-bound enough that more processes than cores can compute
# more: the ceiling of one process per core alone was beaten by the pool). Measured at the
# start and again right before each sign-in run, which is compared with the latter (a shared
# machine's speed drifts).
NCPU=$(nproc)
# hash_ceiling KEY - hashrate for 5 s with each process count; sets R[KEY,hash] (hashes/s),
# R[KEY,hash_ms] and R[KEY,hash_procs] from the faster.
hash_ceiling() {
	local line procs rate best=0
	for procs in $(printf '%s\n' "$NCPU" "$NWORKERS" | sort -nu); do
		line=$("$BENCH_BIN/hashrate" "$COST" 5 "$procs") || die "hashrate failed"
		say "hash ceiling ($1): $line ($procs processes)"
		rate=$(sed -n 's/.*hashes_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
		if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then
			best=$rate
			R[$1,hash]=$rate
			R[$1,hash_ms]=$(sed -n 's/.*ms_per_hash=\([0-9.]*\).*/\1/p' <<<"$line")
			R[$1,hash_procs]=$procs
		fi
		HASH_SETTING=$(sed -n 's/.*setting=\(.*\)/\1/p' <<<"$line")
	done
}
declare -A R # R[front,test,field]

# ---- database, pool, baseline
bench_db
PG_POSTMASTER=$(head -n 1 "$PG_DATADIR/postmaster.pid")
CLK_TCK=$(getconf CLK_TCK)
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_WORKERS=$WORKERS
POOL_LOG=$LOG_DIR/authfcgi.log
: >"$POOL_LOG"
# shellcheck disable=SC2119 # no extra arguments for serve
pool_start || die "authfcgi serve did not start"
NWORKERS=$(pool_worker_pids | grep -c .)
say "authfcgi serve: $NWORKERS workers (pid $POOL_PID)"
hash_ceiling start

BASELINE_SOCKET=$TEST_TMP/baseline.sock
"$BENCH_BIN/baseline" "$BASELINE_SOCKET" "$NWORKERS" >"$LOG_DIR/baseline.log" 2>&1 </dev/null &
BASELINE_PID=$!
on_exit "kill $BASELINE_PID 2>/dev/null; wait $BASELINE_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do [[ -S $BASELINE_SOCKET ]] && break; sleep 0.05; done
[[ -S $BASELINE_SOCKET ]] || die "baseline did not start: $(cat "$LOG_DIR/baseline.log")"

# ---- measurements

# run_wrk KEY URL MODE CONNS [SERVER_PID] - one wrk run; fields rps p50 p99 bad (latencies in
# ms). With SERVER_PID, also the CPU time per request (us) of that server's process tree, of
# PostgreSQL (the whole cluster) and of the front server: cpu_srv cpu_pg cpu_front.
run_wrk() {
	local key=$1 url=$2 mode=$3 conns=$4 srv=${5:-} out line kv t0=() t1=() i
	local roots=("$srv" "$PG_POSTMASTER" "$FRONT_PID")
	out=$LOG_DIR/wrk-${key//,/-}.txt
	if [[ -n $srv ]]; then for i in 0 1 2; do t0[i]=$(tree_ticks "${roots[i]}"); done; fi
	BENCH_MODE=$mode timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" \
		--timeout 10s --latency -s "$BENCH/api.lua" "$url" >"$out" 2>&1 || {
		cat "$out" >&2
		die "wrk failed ($key)"
	}
	if [[ -n $srv ]]; then for i in 0 1 2; do t1[i]=$(tree_ticks "${roots[i]}"); done; fi
	line=$(grep '^BENCH ' "$out") || die "no BENCH line in $out"
	local -A w=()
	for kv in ${line#BENCH }; do w[${kv%%=*}]=${kv#*=}; done
	R[$key,rps]=$(awk -v n="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
	R[$key,p50]=$(awk -v u="${w[p50_us]}" 'BEGIN { printf "%.1f", u / 1000 }')
	R[$key,p99]=$(awk -v u="${w[p99_us]}" 'BEGIN { printf "%.1f", u / 1000 }')
	R[$key,bad]=$((w[bad] + w[errors]))
	if [[ -n $srv ]]; then
		for i in 0 1 2; do
			R[$key,cpu$i]=$(awk -v d=$((t1[i] - t0[i])) -v n="${w[requests]}" -v hz="$CLK_TCK" \
				'BEGIN { if (n > 0) printf "%.0f", d * 1e6 / hz / n; else print "-" }')
		done
		say "$key: CPU per request: server ${R[$key,cpu0]} us, PostgreSQL ${R[$key,cpu1]} us, front ${R[$key,cpu2]} us"
	fi
	say "$key: ${R[$key,rps]} req/s, p50 ${R[$key,p50]} ms, p99 ${R[$key,p99]} ms, bad ${R[$key,bad]}"
}

# signin_loop URL RATE SECS OUT - RATE sign-ins per second on a fixed schedule, each in its
# own curl so a slow answer does not delay the next; one "status seconds" line each in OUT.
signin_loop() {
	local url=$1 rate=$2 secs=$3 out=$4 start now next i=0 step
	step=$((1000000 / rate))
	start=${EPOCHREALTIME/./}
	while :; do
		next=$((start + i * step))
		now=${EPOCHREALTIME/./}
		((now - start >= secs * 1000000)) && break
		if ((next > now)); then sleep "$(printf '%d.%06d' $(((next - now) / 1000000)) $(((next - now) % 1000000)))"; fi
		curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}\n' \
			-H 'Content-Type: application/json' --data "$SIGNIN_BODY" \
			"$url/api/auth/sign-in/email" >>"$out" 2>/dev/null &
		i=$((i + 1))
	done
	wait
}

# drain URL - wait (at most 60 s) until get-session answers within 50 ms again.
drain() {
	local t deadline=$((SECONDS + 60))
	while ((SECONDS < deadline)); do
		t=$(curl -s -o /dev/null -m 5 -w '%{time_total}' -H "Cookie: $BENCH_COOKIE" \
			"$1/api/auth/get-session") || true
		awk -v t="${t:-9}" 'BEGIN { exit !(t < 0.05) }' && return 0
		sleep 0.2
	done
	say "warning: get-session still slow 60 s after the sign-in run"
}

EMAIL=bench.$(date +%s)@example.com
PASSWORD=bench-password-1
SIGNIN_BODY="{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
export BENCH_EMAIL=$EMAIL BENCH_PASSWORD=$PASSWORD
BENCH_COOKIE=""

for front in $FRONTS; do
	port=$(free_port)
	for server in authfcgi baseline; do
		if [[ $server == authfcgi ]]; then FRONT_UPSTREAM=$POOL_SOCKET; else FRONT_UPSTREAM=$BASELINE_SOCKET; fi
		export FRONT_UPSTREAM
		front_start "$front" "$port" || die "$front did not start"
		url=$FRONT_URL
		if [[ -z $BENCH_COOKIE ]]; then
			# The seeded user and its session: a real sign-up through authfcgi.
			hdrs=$LOG_DIR/signup.headers
			code=$(curl -s -m 10 -D "$hdrs" -o "$LOG_DIR/signup.body" -w '%{http_code}' \
				-H 'Content-Type: application/json' \
				--data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench User\"}" \
				"$url/api/auth/sign-up/email")
			[[ $code == 200 ]] || die "seed sign-up answered $code: $(cat "$LOG_DIR/signup.body")"
			BENCH_COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\).*/\1/p' "$hdrs" | head -n 1)
			[[ -n $BENCH_COOKIE ]] || die "seed sign-up set no session cookie"
			export BENCH_COOKIE
			curl -s -m 10 -H "Cookie: $BENCH_COOKIE" "$url/api/auth/get-session" >"$LOG_DIR/get-session.authfcgi.json"
		fi
		if [[ $server == baseline && ! -s $LOG_DIR/get-session.baseline.json ]]; then
			curl -s -m 10 -H "Cookie: $BENCH_COOKIE" "$url/api/auth/get-session" >"$LOG_DIR/get-session.baseline.json"
			if cmp -s "$LOG_DIR/get-session.authfcgi.json" "$LOG_DIR/get-session.baseline.json"; then
				say "baseline answers get-session byte for byte as authfcgi"
			else
				say "warning: baseline and authfcgi answer get-session differently:"
				cat "$LOG_DIR/get-session.authfcgi.json" "$LOG_DIR/get-session.baseline.json" >&2
			fi
		fi
		if [[ $server == authfcgi ]]; then srv=$POOL_PID; else srv=$BASELINE_PID; fi
		run_wrk "$front,gs,$server" "$url" get-session "$CONNECTIONS" "$srv"
		if [[ $server == authfcgi && $SIGN_IN == 1 ]]; then
			hash_ceiling "$front"
			run_wrk "$front,si,$server" "$url" sign-in "$CONNECTIONS"
			# The front has given up on the sign-ins still queued when wrk stopped, but the
			# workers hash them anyway (FastCGI has no cancel): let that queue drain first.
			drain "$url"
			# get-session with sign-ins beside it on a fixed schedule.
			: >"$LOG_DIR/signins-$front.txt"
			signin_loop "$url" "$SIGNIN_RATE" "$((DURATION + 1))" "$LOG_DIR/signins-$front.txt" &
			loop=$!
			sleep 0.5
			run_wrk "$front,mix,$server" "$url" get-session "$CONNECTIONS"
			wait "$loop" || true
			R[$front,mix,signins]=$(grep -c . "$LOG_DIR/signins-$front.txt" || true)
			R[$front,mix,signin_bad]=$(grep -vc '^200 ' "$LOG_DIR/signins-$front.txt" || true)
			R[$front,mix,signin_p99]=$(awk '{ print $2 * 1000 }' "$LOG_DIR/signins-$front.txt" | sort -n |
				awk '{ v[NR] = $1 } END { if (NR) printf "%.0f", v[int(NR * 0.99 + 0.999)] ; else print "-" }')
		fi
		front_stop "$FRONT_PID"
		cp "$FRONT_ERROR_LOG" "$LOG_DIR/$front-$server-error.log" 2>/dev/null || true
	done
done

# ---- resident memory of the workers that served all this
# rss_of PIDS... - "maxRSS meanRSS maxHWM meanPSS count" in MiB: VmRSS counts the shared
# libraries' pages in every process, PSS shares them out (what a worker really adds).
rss_of() {
	local p
	for p; do
		{
			awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%d %d ", r, h }' "/proc/$p/status"
			awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup"
		} 2>/dev/null
	done | awk 'NF == 3 { n++; s += $1; if ($1 > m) m = $1; if ($2 > h) h = $2; ps += $3 }
		END { if (n) printf "%.1f %.1f %.1f %.1f %d\n", m / 1024, s / n / 1024, h / 1024, ps / n / 1024, n; else print "- - - - 0" }'
}
mapfile -t APIDS < <(pool_worker_pids)
mapfile -t BPIDS < <(ps -o pid= --ppid "$BASELINE_PID" | tr -d ' ')
read -r A_MAX A_AVG A_HWM A_PSS A_N < <(rss_of "${APIDS[@]}")
read -r B_MAX B_AVG B_HWM B_PSS B_N < <(rss_of "${BPIDS[@]}")
RETIRED=$(grep -c 'event=worker_spawned' "$POOL_LOG" || true)

# ---- the table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "met" : "MISSED" }'; }
echo
echo "$("$AUTHFCGI_BIN" version 2>/dev/null | head -n 1) on $(. /etc/os-release && echo "$PRETTY_NAME"), $NCPU vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; $NWORKERS authfcgi workers (AUTHFCGI_WORKERS=$WORKERS), $NWORKERS baseline workers; rate limit off;"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') on the same host over TCP 127.0.0.1 (fsync off); yescrypt cost $COST ($HASH_SETTING): ${R[start,hash]} hashes/s at the start with ${R[start,hash_procs]} processes, ${R[start,hash_ms]} ms each"
echo "load average (1/5/15 min) at start: $START_LOAD, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| front | measurement | server | req/s | p50 ms | p99 ms | non-2xx | ratio | target |"
echo "|---|---|---|---:|---:|---:|---:|---:|---|"
for front in $FRONTS; do
	a=$front,gs,authfcgi b=$front,gs,baseline s=$front,si,authfcgi m=$front,mix,authfcgi
	r=$(ratio "${R[$a,rps]}" "${R[$b,rps]}")
	echo "| $front | get-session | authfcgi | ${R[$a,rps]} | ${R[$a,p50]} | ${R[$a,p99]} | ${R[$a,bad]} | $r of baseline | ≥ 0.90, 0 non-2xx: $(verdict "$r" 0.90 ">=")$( ((R[$a,bad] > 0)) && echo ", non-2xx MISSED") |"
	echo "| $front | get-session | baseline | ${R[$b,rps]} | ${R[$b,p50]} | ${R[$b,p99]} | ${R[$b,bad]} | 1.00 | |"
	((SIGN_IN)) || continue
	r=$(ratio "${R[$s,rps]}" "${R[$front,hash]}")
	echo "| $front | sign-in | authfcgi | ${R[$s,rps]} | ${R[$s,p50]} | ${R[$s,p99]} | ${R[$s,bad]} | $r of ${R[$front,hash]} hashes/s (${R[$front,hash_procs]} processes, ${R[$front,hash_ms]} ms each) just before | ≥ 0.90: $(verdict "$r" 0.90 ">=") |"
	echo "| $front | get-session + $SIGNIN_RATE sign-ins/s | authfcgi | ${R[$m,rps]} | ${R[$m,p50]} | ${R[$m,p99]} | ${R[$m,bad]} | ${R[$front,mix,signins]} sign-ins (${R[$front,mix,signin_bad]} non-200, p99 ${R[$front,mix,signin_p99]} ms) | p99 ≤ 50 ms: $(verdict "${R[$m,p99]}" 50 "<=") |"
done
echo
echo "CPU time per get-session (µs, from /proc: the server's processes, the whole PostgreSQL cluster, the front server; wrk not counted):"
echo
echo "| front | server | workers | PostgreSQL | front | total | total vs baseline |"
echo "|---|---|---:|---:|---:|---:|---:|"
for front in $FRONTS; do
	for server in authfcgi baseline; do
		k=$front,gs,$server
		tot=$((R[$k,cpu0] + R[$k,cpu1] + R[$k,cpu2]))
		R[$k,cput]=$tot
		echo "| $front | $server | ${R[$k,cpu0]} | ${R[$k,cpu1]} | ${R[$k,cpu2]} | $tot | $(ratio "$tot" "$((R[$front,gs,baseline,cpu0] + R[$front,gs,baseline,cpu1] + R[$front,gs,baseline,cpu2]))") |"
	done
done
echo
echo "| resident memory per worker (after the runs) | VmRSS max MiB | VmRSS mean MiB | VmHWM max MiB | PSS mean MiB | workers | target |"
echo "|---|---:|---:|---:|---:|---:|---|"
echo "| authfcgi | $A_MAX | $A_AVG | $A_HWM | $A_PSS | $A_N ($RETIRED spawned in all: AUTHFCGI_MAX_REQUESTS recycling) | VmRSS ≤ 8 MiB: $(verdict "$A_MAX" 8 "<=") |"
echo "| baseline | $B_MAX | $B_AVG | $B_HWM | $B_PSS | $B_N | |"
