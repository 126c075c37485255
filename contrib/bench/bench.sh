#!/usr/bin/env bash
# contrib/bench/bench.sh - throughput and latency of authfcgi through a real front server:
# wrk against /api/auth/ok (no database) and /readyz (one database round trip), printing
# req/s and p50/p99 per endpoint. A benchmark, not a timed test: on the project's 2-core
# machine everything shares the cores, so compare ratios within one run (CEILINGS.md).
#
#   contrib/bench/bench.sh                     a running quickstart (./deploy/quickstart up),
#                                              else its own PostgreSQL + pool + lighttpd
#   contrib/bench/bench.sh --front nginx       its own stack behind nginx (or apache)
#   contrib/bench/bench.sh --all               its own stack behind each of the three in turn
#   contrib/bench/bench.sh --url http://127.0.0.1:8080   any running front server
# Options: --duration SECS (10), --warmup SECS (unmeasured: 3; 8 for Apache, whose mod_fcgid
# takes seconds of 1 s waits to spawn its processes), --connections N (64; 8 for Apache, whose mod_fcgid cannot queue
# more requests than it has processes), --threads N (2), --endpoints "/a /b".
# Own stacks need a build: AUTHFCGI_BIN, else ./var/build/authfcgi (from quickstart up), and
# run with AUTHFCGI_RATE_LIMIT=false unless set (Better Auth's limits would answer 429); for
# a quickstart, start it with AUTHFCGI_RATE_LIMIT=false ./deploy/quickstart up.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=10 WARMUP="" CONNECTIONS="" THREADS=2 URL="" FRONTS="" ENDPOINTS="/api/auth/ok /readyz"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
while (($#)); do
	case $1 in
	--front) FRONTS=$2 && shift ;;
	--all) FRONTS="lighttpd nginx apache" ;;
	--url) URL=${2%/} && shift ;;
	--duration) DURATION=$2 && shift ;;
	--warmup) WARMUP=$2 && shift ;;
	--connections) CONNECTIONS=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--endpoints) ENDPOINTS=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
	shift
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 300 ]] ||
	{ echo "bench: --duration must be 1..300 seconds" >&2 && exit 2; }
[[ -z $WARMUP || ($WARMUP =~ ^[0-9]+$ && $WARMUP -le 60) ]] || { echo "bench: --warmup must be 0..60 seconds" >&2 && exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk not installed (apt-get install wrk)" >&2 && exit 1; }

# bench_url LABEL BASE CONNECTIONS - one wrk run per endpoint; one result line each.
bench_url() {
	local label=$1 base=$2 conns=$3 ep out rps p50 p99 errs code warm=${WARMUP:-3}
	[[ -z $WARMUP && $label == apache ]] && warm=8
	for ep in $ENDPOINTS; do
		code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base$ep") || true
		if [[ $code != 200 ]]; then
			printf '%-9s %-14s answers %s, not 200: skipped\n' "$label" "$ep" "$code"
			[[ $code == 429 ]] && echo "bench: rate limited; run the pool with AUTHFCGI_RATE_LIMIT=false" >&2
			continue
		fi
		if ((warm > 0)); then
			timeout $((warm + 30)) wrk -t"$THREADS" -c"$conns" -d"${warm}s" "$base$ep" >/dev/null 2>&1 || true
		fi
		out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency "$base$ep" 2>&1) || {
			printf '%s\n' "$out" >&2
			echo "bench: wrk failed" >&2
			return 1
		}
		rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
		p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
		p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
		errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
			/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
			END { print n + 0 }' <<<"$out")
		printf '%-9s %-14s %10s req/s   p50 %-9s p99 %-9s errors %s   (wrk -t%s -c%s -d%ss)\n' \
			"$label" "$ep" "$rps" "$p50" "$p99" "$errs" "$THREADS" "$conns" "$DURATION"
	done
}

conns_for() {
	if [[ -n $CONNECTIONS ]]; then echo "$CONNECTIONS"; elif [[ $1 == apache ]]; then echo 8; else echo 64; fi
}

# A given URL, or a running quickstart.
if [[ -z $URL && -z $FRONTS ]]; then
	state=$(realpath -m "${AUTHFCGI_STATE_DIR:-$SRC/var}")
	if [[ -r $state/run/front.port && -r $state/run/front.kind ]] &&
		curl -s -o /dev/null -m 2 "http://127.0.0.1:$(<"$state/run/front.port")/readyz"; then
		URL=http://127.0.0.1:$(<"$state/run/front.port")
		kind=$(<"$state/run/front.kind")
		echo "bench: the running quickstart at $URL ($kind)"
		bench_url "$kind" "$URL" "$(conns_for "$kind")"
		exit
	fi
	FRONTS=lighttpd
fi
if [[ -n $URL ]]; then
	bench_url url "$URL" "$(conns_for url)"
	exit
fi

# Our own stack, from the test harness: PostgreSQL on a free port, the pool, a front server.
top_srcdir=$SRC
top_builddir=${top_builddir:-$SRC/var/build}
AUTHFCGI_BIN=${AUTHFCGI_BIN:-$top_builddir/authfcgi}
[[ -x $AUTHFCGI_BIN ]] || {
	echo "bench: no binary at $AUTHFCGI_BIN: run ./deploy/quickstart up (or set AUTHFCGI_BIN)" >&2
	exit 1
}
# shellcheck source=test/lib/common.sh
source "$SRC/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$SRC/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$SRC/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$SRC/test/lib/front.sh"

export AUTHFCGI_RATE_LIMIT=${AUTHFCGI_RATE_LIMIT:-false}
tmpdir_new
pg_start
"$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1 || {
	cat "$TEST_TMP/migrate.log" >&2
	exit 1
}
pool_started=0
echo "bench: own stack, $AUTHFCGI_BIN, $(nproc) CPUs; one PostgreSQL, pool and front on this host"
for kind in $FRONTS; do
	if [[ $kind != apache && $pool_started == 0 ]]; then
		# shellcheck disable=SC2119 # no extra serve arguments
		pool_start
		pool_started=1
	fi
	front_start "$kind" "$(free_port)"
	wait_http "$FRONT_URL/readyz" 20
	bench_url "$kind" "$FRONT_URL" "$(conns_for "$kind")"
	front_stop "$FRONT_PID"
done
