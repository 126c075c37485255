#!/usr/bin/env bash
# contrib/bench/authz-callgrind.sh - worker instructions per authorizer check (issue 11) and
# per get-session, with the cookie cache on and off: figures that a busy machine does not
# move, unlike req/s (api-bench's get-session ratio swings by 0.1 between runs). One
# pool of one worker runs under valgrind --tool=callgrind (a throwaway PostgreSQL, a user
# signed up through it); contrib/bench/authz-fcgi.py sends it nginx's auth_request params
# with the user's cookies (session_token, and session_data when the cache is on), or
# get-session as nginx's fastcgi_params pass it. The worker's total with N2 requests minus
# that with N1, divided by N2 - N1, leaves out start-up.
# Prints one line per mode; the callgrind files stay in OUTDIR (callgrind_annotate them).
#
#   contrib/bench/authz-callgrind.sh OUTDIR
# Environment: AUTHFCGI_BIN (default ./var/build/authfcgi; an optimised build without
# sanitizers), N1 (100), N2 (600), AUTHFCGI_LOG_LEVEL (info). Takes about two minutes.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:?usage: authz-callgrind.sh OUTDIR}
N1=${N1:-100} N2=${N2:-600}
if ! [[ $N1 =~ ^[0-9]+$ && $N2 =~ ^[0-9]+$ ]] || ((N2 <= N1)); then
	echo "authz-callgrind: N1 < N2 wanted" >&2
	exit 2
fi
command -v valgrind >/dev/null || {
	echo "authz-callgrind: valgrind not installed" >&2
	exit 1
}
export top_srcdir=$SRC
BINARY=${AUTHFCGI_BIN:-$SRC/var/build/authfcgi}
[[ -x $BINARY ]] || {
	echo "authz-callgrind: no binary at $BINARY (set AUTHFCGI_BIN)" >&2
	exit 1
}
BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
chmod 0777 "$OUT" # the workers run as AUTHFCGI_USER and write their profiles there

# shellcheck source=test/lib/common.sh
source "$SRC/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$SRC/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$SRC/test/lib/pool.sh"
tmpdir_new
pg_start
"$BINARY" migrate >"$OUT/migrate.log" 2>&1

VG=$TEST_TMP/valgrind-authfcgi
printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/callgrind.%%p.out "%s" "$@"\n' \
	"$OUT" "$BINARY" >"$VG"
chmod 0755 "$VG"
export AUTHFCGI_BIN=$VG AUTHFCGI_BASE_URL=http://127.0.0.1:8080 AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_WORKERS=1 AUTHFCGI_COOKIE_CACHE_MAX_AGE=900
export AUTHFCGI_LOG_LEVEL=${AUTHFCGI_LOG_LEVEL:-info}
CLIENT="python3 $SRC/contrib/bench/authz-fcgi.py"
TOKEN=""

# profile CACHE KIND N - one pool, N requests of KIND (checks or get-sessions); prints the
# worker's instruction total.
profile() {
	local wpid data cookie
	# shellcheck disable=SC2119 # no extra arguments for serve
	AUTHFCGI_COOKIE_CACHE=$1 pool_start || exit 1
	wpid=$(pool_worker_pids | head -n 1)
	if [[ -z $TOKEN ]]; then
		TOKEN=$($CLIENT "$POOL_SOCKET" sign-up "callgrind@example.com" |
			sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\).*/\1/p' | head -n 1)
		[[ -n $TOKEN ]] || {
			echo "authz-callgrind: sign-up set no session cookie" >&2
			exit 1
		}
	fi
	data=$($CLIENT "$POOL_SOCKET" get-session "$TOKEN" |
		sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_data=[^;]*\).*/\1/p' | head -n 1)
	cookie=$TOKEN${data:+; $data}
	$CLIENT "$POOL_SOCKET" "$2" "$3" "$cookie"
	pool_stop 60
	mv "$OUT/callgrind.$wpid.out" "$OUT/cache-$1-$2-$3.out"
	sed -n 's/^summary: //p' "$OUT/cache-$1-$2-$3.out" | head -n 1
}

profile false checks 1 >/dev/null # the sign-up (a password hash) in a run of its own
for cache in true false; do
	for kind in checks get-sessions; do
		a=$(profile "$cache" "$kind" "$N1")
		b=$(profile "$cache" "$kind" "$N2")
		echo "cookie cache $cache: $(((b - a) / (N2 - N1))) worker instructions per ${kind%s}"
	done
done
rm -f "$OUT"/callgrind.*.out
