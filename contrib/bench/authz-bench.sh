#!/usr/bin/env bash
# contrib/bench/authz-bench.sh - the protected-path benchmark of issue 11, in one invocation: a
# throwaway PostgreSQL, `authfcgi migrate`, a user signed up through the pool, and one nginx
# serving the same 1 KiB static file four ways, measured with wrk (api.lua) in turn:
#   static     unprotected
#   trivial    behind auth_request to the trivial authorizer (allow.c: libfcgi answering 200,
#              as many workers as authfcgi runs)
#   cached     behind auth_request to authfcgi (AUTHFCGI_AUTHORIZE=1) with the cookie cache on
#              (AUTHFCGI_COOKIE_CACHE=true), the request carrying session_token + session_data
#   database   the same with the cookie cache off: every check looks the session up
#   get-session  authfcgi's own GET /api/auth/get-session (cache off, session_token only)
# Targets: cached >= 0.90 of trivial; database >= 0.85 of get-session; no non-2xx anywhere.
# The pool is restarted between the cache-off and cache-on runs (same socket, same workers);
# trivial is measured right before and after cached, with the same cookies, and cached is
# compared with the mean of the two. Prints
# one Markdown table (raw wrk outputs in the log directory).
# A benchmark, not a test: on a 2-core machine wrk, nginx, the workers and PostgreSQL share
# the cores, so only the ratios within one run mean much (../shared/CEILINGS.md).
#
#   contrib/bench/authz-bench.sh [options]
#     --duration SECS     each wrk run (10; at most 120)
#     --connections N     wrk -c (64)
#     --threads N         wrk -t (2)
#     --workers N         authfcgi workers (AUTHFCGI_WORKERS; 0 = its default, 2 per CPU)
#     --log-level LEVEL   AUTHFCGI_LOG_LEVEL (info, authfcgi's default: a line per refused check)
#     --log-dir DIR       keep wrk outputs and server logs there (default: a temp dir, removed)
# Environment: AUTHFCGI_BIN (default ./var/build/authfcgi, built by ./deploy/quickstart up;
# use an optimised build without sanitizers), CC. Needs wrk, curl, nginx (with
# auth_request, as Debian's), a C compiler with libfcgi's -dev package, and PostgreSQL.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$SRC/contrib/bench
BENCH_NAME='authz-bench'
# shellcheck source=contrib/bench/lib.sh
source "$BENCH/lib.sh"
# shellcheck source=contrib/bench/ticks.sh
source "$BENCH/ticks.sh"
DURATION=10 CONNECTIONS=64 THREADS=2 WORKERS=0 LOG_DIR="" LOG_LEVEL=info

while (($#)); do
	case $1 in
	--duration) DURATION=$2 && shift ;;
	--connections) CONNECTIONS=$2 && shift ;;
	--threads) THREADS=$2 && shift ;;
	--workers) WORKERS=$2 && shift ;;
	--log-dir) LOG_DIR=$2 && shift ;;
	--log-level) LOG_LEVEL=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
	shift
done
int_in "$DURATION" 1 120 || die "--duration must be 1..120 seconds"
int_in "$CONNECTIONS" 1 1024 || die "--connections must be 1..1024"
int_in "$THREADS" 1 64 || die "--threads must be 1..64"
int_in "$WORKERS" 0 256 || die "--workers must be 0..256"
bench_need wrk curl nginx pkg-config "${CC:-cc}"
bench_binary "$BENCH_BUILDDIR/authfcgi"
bench_logs "$LOG_DIR"

# ---- the trivial authorizer
bench_cc allow fcgi

# ---- database and the pool (cookie cache off first)
bench_db
PG_POSTMASTER=$(head -n 1 "$PG_DATADIR/postmaster.pid")
CLK_TCK=$(getconf CLK_TCK)
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_WORKERS=$WORKERS AUTHFCGI_COOKIE_CACHE=false
export AUTHFCGI_LOG_LEVEL=$LOG_LEVEL
# Below info the pool logs no worker_ready line to wait for: wait for the socket and the
# workers instead (AUTHFCGI_WORKERS=0 means 2 per CPU).
[[ $LOG_LEVEL == info || $LOG_LEVEL == debug ]] || export POOL_WAIT=socket
WANT_WORKERS=$((WORKERS > 0 ? WORKERS : 2 * $(nproc)))
export AUTHFCGI_COOKIE_CACHE_MAX_AGE=900 # outlives every run of one invocation
POOL_LOG=$LOG_DIR/authfcgi.log
: >"$POOL_LOG"
# shellcheck disable=SC2119 # no extra arguments for serve
pool_start || die "authfcgi serve did not start"
pool_wait_workers "$WANT_WORKERS" 20 || die "authfcgi serve did not start its workers"
NWORKERS=$(pool_worker_pids | grep -c .)
say "authfcgi serve: $NWORKERS workers (pid $POOL_PID), cookie cache off"

ALLOW_SOCKET=$TEST_TMP/allow.sock
"$BENCH_BIN/allow" "$ALLOW_SOCKET" "$NWORKERS" >"$LOG_DIR/allow.log" 2>&1 </dev/null &
ALLOW_PID=$!
on_exit "kill $ALLOW_PID 2>/dev/null; wait $ALLOW_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do [[ -S $ALLOW_SOCKET ]] && break; sleep 0.05; done
[[ -S $ALLOW_SOCKET ]] || die "allow did not start: $(cat "$LOG_DIR/allow.log")"

# ---- nginx: the same 1 KiB file under /static/ (open), /trivial/ and /private/ (protected)
NGX=$TEST_TMP/nginx
mkdir -p "$NGX/tmp" "$NGX/www/static" "$NGX/www/trivial" "$NGX/www/private"
chmod -R a+rX "$NGX" "$TEST_TMP"
{
	printf '<!doctype html><title>authfcgi-bench-1k</title>\n'
	head -c 1200 /dev/zero | tr '\0' 'x' | fold -w 64
} | head -c 1024 >"$NGX/www/static/1k.html"
cp "$NGX/www/static/1k.html" "$NGX/www/trivial/1k.html"
cp "$NGX/www/static/1k.html" "$NGX/www/private/1k.html"
PORT=$(free_port)
USER_LINE=""
((EUID == 0)) && USER_LINE="user www-data;"
cat >"$NGX/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
$USER_LINE
events { worker_connections 1024; }
http {
    access_log off;
    server_tokens off;
    client_body_temp_path $NGX/tmp/client_body;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    proxy_temp_path $NGX/tmp/proxy;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $NGX/www;
        location /api/auth/ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param REQUEST_ID \$request_id;
            fastcgi_pass unix:$POOL_SOCKET;
        }
        location /static/ { }
        # /trivial/ and /private/ are configured alike but for the socket their checks go to.
        location /trivial/ {
            auth_request /_allow;
            auth_request_set \$auth_user_id \$upstream_http_x_auth_user_id;
        }
        location /private/ {
            auth_request /_authfcgi;
            auth_request_set \$auth_user_id \$upstream_http_x_auth_user_id;
        }
        location = /_allow {
            internal;
            include /etc/nginx/fastcgi_params;
            fastcgi_pass_request_body off;
            fastcgi_param CONTENT_LENGTH "";
            fastcgi_param AUTHFCGI_AUTHORIZE 1;
            fastcgi_param AUTHFCGI_ORIGINAL_URI \$request_uri;
            fastcgi_param AUTHFCGI_ORIGINAL_METHOD \$request_method;
            fastcgi_param REQUEST_ID \$request_id;
            fastcgi_pass unix:$ALLOW_SOCKET;
        }
        location = /_authfcgi {
            internal;
            include /etc/nginx/fastcgi_params;
            fastcgi_pass_request_body off;
            fastcgi_param CONTENT_LENGTH "";
            fastcgi_param AUTHFCGI_AUTHORIZE 1;
            fastcgi_param AUTHFCGI_ORIGINAL_URI \$request_uri;
            fastcgi_param AUTHFCGI_ORIGINAL_METHOD \$request_method;
            fastcgi_param REQUEST_ID \$request_id;
            fastcgi_pass unix:$POOL_SOCKET;
        }
    }
}
EOF
nginx -t -p "$NGX/" -c "$NGX/nginx.conf" >"$LOG_DIR/nginx-t.log" 2>&1 || {
	cat "$LOG_DIR/nginx-t.log" >&2
	die "nginx rejects its configuration"
}
setsid nginx -p "$NGX/" -c "$NGX/nginx.conf" >"$LOG_DIR/nginx.out" 2>&1 </dev/null &
NGINX_PID=$!
on_exit "kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
URL=http://127.0.0.1:$PORT
wait_http "$URL/static/1k.html" 15 || die "nginx not answering on $URL"

# ---- the user and its cookies
EMAIL=bench.$(date +%s)@example.com
hdrs=$LOG_DIR/signup.headers
code=$(curl -s -m 10 -D "$hdrs" -o "$LOG_DIR/signup.body" -w '%{http_code}' \
	-H 'Content-Type: application/json' \
	--data "{\"email\":\"$EMAIL\",\"password\":\"bench-password-1\",\"name\":\"Bench User\"}" \
	"$URL/api/auth/sign-up/email")
[[ $code == 200 ]] || die "sign-up answered $code: $(cat "$LOG_DIR/signup.body")"
TOKEN_COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\).*/\1/p' "$hdrs" | head -n 1)
[[ -n $TOKEN_COOKIE ]] || die "sign-up set no session cookie"
# must_serve PATH COOKIE - the protected file must come back (else the authorizer is not there).
must_serve() {
	local got
	got=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Cookie: $2" -H 'Accept: application/json' "$URL$1")
	[[ $got == 200 ]] || die "$1 with the session cookie answered $got, not 200 (an authfcgi without AUTHFCGI_AUTHORIZE support?)"
}
must_serve /private/1k.html "$TOKEN_COOKIE"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$URL/private/1k.html")
[[ $code == 401 ]] || die "/private/1k.html without a cookie answered $code, not 401"

# ---- measurements
declare -A R # R[key,field]
# run_wrk KEY PATH MODE COOKIE [AUTHORIZER_PID] - one wrk run; sets R[KEY,rps|p50|p99|bad]
# (latencies in ms) and the CPU time per request (us) of nginx, of the authorizer's process
# tree (the pool or allow; the pool also for get-session) and of PostgreSQL (the whole
# cluster): R[KEY,cpu_nginx|cpu_authz|cpu_pg|cpu].
run_wrk() {
	local key=$1 path=$2 mode=$3 cookie=$4 authz=${5:-} out line kv i t0=() t1=()
	local roots=("$NGINX_PID" "$authz" "$PG_POSTMASTER") names=(nginx authz pg)
	out=$LOG_DIR/wrk-$key.txt
	for i in 0 1 2; do t0[i]=$([[ -n ${roots[i]} ]] && tree_ticks "${roots[i]}" || echo 0); done
	BENCH_MODE=$mode BENCH_COOKIE=$cookie timeout $((DURATION + 60)) \
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
		-s "$BENCH/api.lua" "$URL$path" >"$out" 2>&1 || {
		cat "$out" >&2
		die "wrk failed ($key)"
	}
	for i in 0 1 2; do t1[i]=$([[ -n ${roots[i]} ]] && tree_ticks "${roots[i]}" || echo 0); done
	line=$(grep '^BENCH ' "$out") || die "no BENCH line in $out"
	local -A w=()
	for kv in ${line#BENCH }; do w[${kv%%=*}]=${kv#*=}; done
	R[$key,rps]=$(awk -v n="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
	R[$key,p50]=$(awk -v u="${w[p50_us]}" 'BEGIN { printf "%.1f", u / 1000 }')
	R[$key,p99]=$(awk -v u="${w[p99_us]}" 'BEGIN { printf "%.1f", u / 1000 }')
	R[$key,bad]=$((w[bad] + w[errors]))
	local total=0 us
	for i in 0 1 2; do
		us=$(awk -v d=$((t1[i] - t0[i])) -v n="${w[requests]}" -v hz="$CLK_TCK" \
			'BEGIN { if (n > 0) printf "%.0f", d * 1e6 / hz / n; else print 0 }')
		R[$key,cpu_${names[i]}]=$us
		total=$((total + us))
	done
	R[$key,cpu]=$total
	say "$key: ${R[$key,rps]} req/s, p50 ${R[$key,p50]} ms, p99 ${R[$key,p99]} ms, bad ${R[$key,bad]}; CPU per request: nginx ${R[$key,cpu_nginx]} us, authorizer ${R[$key,cpu_authz]} us, PostgreSQL ${R[$key,cpu_pg]} us"
}

run_wrk static /static/1k.html page ""
run_wrk get-session /api/auth/get-session get-session "$TOKEN_COOKIE" "$POOL_PID"
run_wrk database /private/1k.html page "$TOKEN_COOKIE" "$POOL_PID"

# The same pool with the cookie cache on; get-session hands out the session_data cookie.
pool_stop 15
# shellcheck disable=SC2119 # no extra arguments for serve
AUTHFCGI_COOKIE_CACHE=true pool_start || die "authfcgi serve (cookie cache on) did not start"
pool_wait_workers "$WANT_WORKERS" 20 || die "authfcgi serve did not start its workers"
say "authfcgi serve restarted with the cookie cache on (pid $POOL_PID)"
hdrs=$LOG_DIR/get-session.headers
curl -s -m 10 -D "$hdrs" -o /dev/null -H "Cookie: $TOKEN_COOKIE" "$URL/api/auth/get-session"
DATA_COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_data=[^;]*\).*/\1/p' "$hdrs" | head -n 1)
[[ -n $DATA_COOKIE ]] || die "get-session with the cache on set no session_data cookie"
BOTH="$TOKEN_COOKIE; $DATA_COOKIE"
must_serve /private/1k.html "$BOTH"
# The trivial authorizer gets the same Cookie header: nginx passes it on either way.
run_wrk trivial /trivial/1k.html page "$BOTH" "$ALLOW_PID"
run_wrk cached /private/1k.html page "$BOTH" "$POOL_PID"
run_wrk trivial2 /trivial/1k.html page "$BOTH" "$ALLOW_PID"
run_wrk get-session-cached /api/auth/get-session get-session "$BOTH" "$POOL_PID"

# ---- the table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "MISSED" }'; }
TRIVIAL=$(awk -v a="${R[trivial,rps]}" -v b="${R[trivial2,rps]}" 'BEGIN { printf "%.0f", (a + b) / 2 }')
r_cached=$(ratio "${R[cached,rps]}" "$TRIVIAL")
r_db=$(ratio "${R[database,rps]}" "${R[get-session,rps]}")
BAD=0
for k in static trivial get-session database cached get-session-cached trivial2; do BAD=$((BAD + R[$k,bad])); done
echo
echo "$("$AUTHFCGI_BIN" version 2>/dev/null | head -n 1) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(nproc) vCPU; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s through nginx $(nginx -v 2>&1 | sed 's|.*/||'); $NWORKERS authfcgi workers, $NWORKERS trivial-authorizer workers; rate limit off; AUTHFCGI_LOG_LEVEL=$LOG_LEVEL;"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') on the same host; load average (1/5/15 min) at start: $START_LOAD, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| what | req/s | p50 ms | p99 ms | non-2xx | ratio | target |"
echo "|---|---:|---:|---:|---:|---:|---|"
row() { echo "| $1 | ${R[$2,rps]} | ${R[$2,p50]} | ${R[$2,p99]} | ${R[$2,bad]} | $3 | $4 |"; }
row "1 KiB static file, unprotected" static "" ""
row "protected by the trivial authorizer (before)" trivial "" ""
row "protected by the trivial authorizer (after)" trivial2 "" ""
row "protected by authfcgi, cookie cache on" cached "$r_cached of trivial ($TRIVIAL)" "≥ 0.90: $(verdict "$r_cached" 0.90)"
row "protected by authfcgi, cookie cache off" database "$r_db of get-session" "≥ 0.85: $(verdict "$r_db" 0.85)"
row "authfcgi get-session, cache off" get-session "" ""
row "authfcgi get-session, cache on (cookie presented)" get-session-cached "" ""
echo
echo "non-2xx in all runs: $BAD (target 0: $( ((BAD == 0)) && echo met || echo MISSED))"
echo
echo "CPU time per request (µs, from /proc; wrk not counted): what each way costs the machine, less"
echo "sensitive than req/s to whatever else shares it."
echo
echo "| what | nginx | authorizer | PostgreSQL | total | total vs trivial |"
echo "|---|---:|---:|---:|---:|---:|"
for k in static trivial trivial2 cached database get-session get-session-cached; do
	echo "| $k | ${R[$k,cpu_nginx]} | ${R[$k,cpu_authz]} | ${R[$k,cpu_pg]} | ${R[$k,cpu]} | $(ratio "${R[$k,cpu]}" "$(((R[trivial,cpu] + R[trivial2,cpu]) / 2))") |"
done
