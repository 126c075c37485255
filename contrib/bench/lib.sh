# contrib/bench/lib.sh - the start-up the benchmarks that run their own stack share
# (api-bench.sh, authz-bench.sh, timing.sh, two_factor.sh): messages under the benchmark's name, the usage text from the
# script's header, the binary to measure, the test libraries (common, pg, pool, front), a log
# directory and a migrated throwaway PostgreSQL.
#
# Usage: BENCH_NAME=timing; source "$SRC/contrib/bench/lib.sh" first thing (before the
# options); then bench_need TOOL..., bench_binary CANDIDATE..., bench_logs DIR, bench_db,
# bench_cc NAME PKG....
# shellcheck shell=bash

: "${BENCH_NAME:?set BENCH_NAME before sourcing contrib/bench/lib.sh}"
BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# What the caller's environment named, before common.sh fills in its defaults.
_BENCH_GIVEN_BIN=${AUTHFCGI_BIN:-}
# BENCH_BUILDDIR - the build directory: top_builddir when given, else quickstart's.
# shellcheck disable=SC2034 # read by the benchmarks
BENCH_BUILDDIR=${top_builddir:-$BENCH_SRC/var/build}
export top_srcdir=$BENCH_SRC

# shellcheck source=test/lib/common.sh
source "$BENCH_SRC/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$BENCH_SRC/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$BENCH_SRC/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$BENCH_SRC/test/lib/front.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
die() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
# int_in N LOW HIGH - N is a whole number within LOW..HIGH.
int_in() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }

# bench_binary CANDIDATE... - AUTHFCGI_BIN from the environment, else the first executable
# CANDIDATE; made absolute and exported. No binary ends the run; a sanitizer build is named.
bench_binary() {
	local bin=$_BENCH_GIVEN_BIN c
	if [[ -z $bin ]]; then
		bin=$1
		for c; do [[ -x $c ]] && bin=$c && break; done
	fi
	[[ -x $bin ]] || die "no binary at $bin: run ./deploy/quickstart up, build one, or set AUTHFCGI_BIN"
	AUTHFCGI_BIN=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	export AUTHFCGI_BIN
	if ldd "$AUTHFCGI_BIN" 2>/dev/null | grep -q 'libasan'; then
		say "warning: $AUTHFCGI_BIN is a sanitizer build; its figures say little"
	fi
}

# bench_need TOOL... - every TOOL is on PATH, or the run ends naming the first one missing.
bench_need() {
	local t
	for t; do command -v "$t" >/dev/null || die "$t not installed"; done
}

# bench_logs DIR - the private temporary directory (TEST_TMP, removed at the end) and LOG_DIR:
# DIR made absolute, or TEST_TMP/logs when DIR is empty. Says where, with the binary and the
# load average, which START_LOAD keeps for the report.
bench_logs() {
	tmpdir_new
	if [[ -n $1 ]]; then
		mkdir -p "$1" && LOG_DIR=$(cd "$1" && pwd)
	else
		LOG_DIR=$TEST_TMP/logs && mkdir -p "$LOG_DIR"
	fi
	START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
	say "binary $AUTHFCGI_BIN; logs in $LOG_DIR; load average at start: $START_LOAD"
}

# bench_cc NAME PKG... - build contrib/bench/NAME.c (a helper program, not part of `make`)
# against the pkg-config packages PKG into BENCH_BIN/NAME (BENCH_BIN: TEST_TMP/bin).
bench_cc() {
	local name=$1
	shift
	BENCH_BIN=$TEST_TMP/bin
	mkdir -p "$BENCH_BIN"
	# shellcheck disable=SC2046 # pkg-config prints several words on purpose
	"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -o "$BENCH_BIN/$name" "$BENCH_SRC/contrib/bench/$name.c" \
		$(pkg-config --cflags --libs "$@") || die "cannot build $name.c"
}

# bench_db - a throwaway PostgreSQL (pg_start) migrated by `authfcgi migrate`, whose output
# is kept in LOG_DIR/migrate.log (and shown when it fails, which ends the run).
bench_db() {
	pg_start
	"$AUTHFCGI_BIN" migrate >"$LOG_DIR/migrate.log" 2>&1 || {
		cat "$LOG_DIR/migrate.log" >&2
		die "authfcgi migrate failed"
	}
}
