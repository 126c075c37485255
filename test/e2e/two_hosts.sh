#!/bin/bash
# test/e2e/two_hosts.sh - two `authfcgi serve` pools standing in for two hosts, behind one
# nginx upstream, on one PostgreSQL (README "Scaling out"). As root each pool runs in its own
# network namespace, reached by nginx over a veth pair on 10.213.X.0/30 (the pool listens on
# its "host's" address with AUTHFCGI_SOCKET_REMOTE and FCGI_WEB_SERVER_ADDRS naming nginx's
# end), and reaches PostgreSQL through its unix socket (the cluster of test/lib/pg.sh listens
# on 127.0.0.1 only, which a namespace cannot see). Without namespaces (not root, no `ip
# netns`, or TWO_HOSTS_NETNS=0) the pools listen on 127.0.0.2 and 127.0.0.3, and the log
# says so.
#   - a session signed in through pool 1 is used through pool 2;
#   - the sign-in rate limit (3 per 10 s per client and route) is counted across both;
#   - a load of GET get-session through the shared upstream runs while pool 1 (master and
#     workers) is killed with SIGKILL: nginx retries on pool 2 (fastcgi_next_upstream error
#     timeout, which retries idempotent requests only; a POST in flight on the killed pool
#     would get 502: README "Scaling out"), and no request fails.
# Each step waits for its event (a log line, the pids gone), never for a fixed time.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
skip_in_sanitizer_build "a second pool behind nginx runs the C paths api.sh runs there; the -Werror pass tests the fail-over"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

watchdog 240
need_tools nginx wrk curl
tmpdir_new
SECRET=test-secret-0123456789-0123456789-abcdef
EMAIL=two-hosts@example.com
PASSWORD='password-of-two-hosts'
stack_db

# wait_for SECS CMD... - until CMD succeeds (false after SECS seconds).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# ---- the two "hosts"
NETNS=0
FCGI_PORT=$(free_port)
# netns_up N HOST_IP PEER_IP - namespace authfcgi-$$-N with a veth pair: HOST_IP here,
# PEER_IP in the namespace.
netns_up() {
	local ns=authfcgi-$$-$1 here=af$$h$1 there=af$$n$1
	ip netns add "$ns" 2>/dev/null || return 1
	on_exit "ip netns del $ns"
	ip link add "$here" type veth peer name "$there" &&
		on_exit "ip link del $here 2>/dev/null" &&
		ip link set "$there" netns "$ns" &&
		ip addr add "$2/30" dev "$here" && ip link set "$here" up &&
		ip -n "$ns" addr add "$3/30" dev "$there" && ip -n "$ns" link set "$there" up &&
		ip -n "$ns" link set lo up
}
# TWO_HOSTS_NETNS=0 takes the loopback addresses even where namespaces work.
if ((EUID == 0)) && [[ ${TWO_HOSTS_NETNS:-1} != 0 ]] && command -v ip >/dev/null; then
	# A /24 of 10.213.0.0/16 no interface here uses yet.
	for ((try = 0; try < 20; try++)); do
		net=10.213.$(((RANDOM % 250) + 1))
		ip -o addr show | grep -q " $net\." || break
	done
	if netns_up 1 "$net.1" "$net.2" && netns_up 2 "$net.5" "$net.6"; then
		NETNS=1
		HOST_ADDR=("" "$net.2" "$net.6")
		NGINX_ADDR=("" "$net.1" "$net.5")
		DB_URL="postgresql://postgres@/authfcgi?host=$TEST_TMP/pg&port=$PGPORT"
	fi
fi
if ((!NETNS)); then
	echo "# no network namespaces here (needs root and ip netns): pools on 127.0.0.2 and 127.0.0.3"
	HOST_ADDR=("" 127.0.0.2 127.0.0.3)
	NGINX_ADDR=("" 127.0.0.1 127.0.0.1)
	DB_URL=$DATABASE_URL
fi

# host_start N - pool N on HOST_ADDR[N]:FCGI_PORT (in its namespace when there are some);
# sets HOST_PID[N].
HOST_PID=()
host_start() {
	local n=$1 log=$TEST_TMP/host$1.log prefix=()
	: >"$log"
	((NETNS)) && prefix=(ip netns exec "authfcgi-$$-$n")
	# `ip netns exec` and env exec the next program: $! is the master's pid.
	env AUTHFCGI_SOCKET="${HOST_ADDR[n]}:$FCGI_PORT" AUTHFCGI_SOCKET_REMOTE=$NETNS \
		FCGI_WEB_SERVER_ADDRS="${NGINX_ADDR[n]}" DATABASE_URL="$DB_URL" AUTHFCGI_SECRET=$SECRET \
		AUTHFCGI_WORKERS=2 AUTHFCGI_TRUSTED_PROXIES=127.0.0.1 \
		"${prefix[@]}" "$AUTHFCGI_BIN" serve >"$log" 2>&1 </dev/null &
	HOST_PID[n]=$!
	disown "${HOST_PID[n]}" # killed on purpose below: no "Killed" line from bash
	on_exit "host_stop $n"
	wait_for 20 grep -q 'event=worker_ready' "$log" || {
		show_log "$log"
		not_ok "pool $n on ${HOST_ADDR[n]}:$FCGI_PORT ready"
		finish
	}
	ok "pool $n ready on ${HOST_ADDR[n]}:$FCGI_PORT$( ((NETNS)) && echo " in namespace authfcgi-$$-$n")"
}
# host_pids N - the master of pool N and its workers, those still alive.
host_pids() {
	local p
	for p in "${HOST_PID[$1]}" $(ps -o pid= --ppid "${HOST_PID[$1]}" 2>/dev/null); do
		[[ $(ps -o stat= -p "$p" 2>/dev/null) == [^Z]* ]] && echo "$p"
	done
	return 0
}
# pids_gone PID... - none of PID... runs any more (a zombie counts as gone). Asked of the pids
# themselves: once a master is gone its workers are init's children, and host_pids, which
# finds them as the master's children, would no longer list one that still runs.
pids_gone() {
	local p
	for p; do
		[[ $(ps -o stat= -p "$p" 2>/dev/null) == [^Z]* ]] && return 1
	done
	return 0
}
host_stop() {
	local pids
	pids=$(host_pids "$1")
	[[ -n $pids ]] || return 0
	# shellcheck disable=SC2086 # lists of pids
	kill -TERM $pids 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
	wait_for 15 pids_gone $pids || kill -KILL $pids 2>/dev/null
}
host_start 1
host_start 2

# ---- nginx: a port per pool (to choose where a request goes) and the shared upstream
NGINX_DIR=$TEST_TMP/nginx
mkdir -p "$NGINX_DIR/tmp"
PORT1=$(free_port) PORT2=$(free_port) PORT_BOTH=$(free_port)
UP1=${HOST_ADDR[1]}:$FCGI_PORT UP2=${HOST_ADDR[2]}:$FCGI_PORT
user_line=
((EUID == 0)) && user_line="user www-data;" && chown www-data: "$NGINX_DIR/tmp"
# location BACKEND - the /api/auth location, passing to BACKEND.
location() {
	cat <<-EOF
		location /api/auth/ {
		    include /etc/nginx/fastcgi_params;
		    fastcgi_param REQUEST_ID \$request_id;
		    fastcgi_pass $1;
		}
	EOF
}
cat >"$NGINX_DIR/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
$user_line
events { worker_connections 1024; }
http {
    log_format hosts '\$server_port \$status \$request_method \$uri up=\$upstream_addr';
    access_log $NGINX_DIR/access.log hosts;
    client_body_temp_path $NGINX_DIR/tmp/body;
    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
    upstream authfcgi_hosts {
        # Taken out for 30 s after one failure; meanwhile every request goes to the other.
        server $UP1 max_fails=1 fail_timeout=30s;
        server $UP2 max_fails=1 fail_timeout=30s;
    }
    server { listen 127.0.0.1:$PORT1; $(location "$UP1") }
    server { listen 127.0.0.1:$PORT2; $(location "$UP2") }
    server {
        listen 127.0.0.1:$PORT_BOTH;
        # nginx's default, spelled out: a request whose pool refused the connection, broke it
        # or timed out before the response header goes to the next server, if it is
        # idempotent (a POST is not retried without "non_idempotent").
        fastcgi_next_upstream error timeout;
        fastcgi_connect_timeout 2s;
        $(location authfcgi_hosts)
    }
}
EOF
nginx -p "$NGINX_DIR/" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" -t \
	>"$NGINX_DIR/t.log" 2>&1 || {
	show_log "$NGINX_DIR/t.log"
	not_ok "nginx accepts the two-host configuration"
	finish
}
setsid nginx -p "$NGINX_DIR/" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
	>"$NGINX_DIR/stdout.log" 2>&1 </dev/null &
NGINX_PID=$!
on_exit "kill -TERM $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
for p in "$PORT1" "$PORT2" "$PORT_BOTH"; do
	wait_http "http://127.0.0.1:$p/api/auth/ok" 20 || {
		show_log "$NGINX_DIR/error.log"
		not_ok "nginx answers on $p"
		finish
	}
done

# post PORT ROUTE JSON [CURL ARGS...] - POST through nginx's PORT; prints the status.
post() {
	local port=$1 route=$2 json=$3
	shift 3
	curl -s -m 30 -o "$TEST_TMP/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'Origin: http://127.0.0.1:8080' --data "$json" "$@" "http://127.0.0.1:$port/api/auth/$route"
}
# served_by PORT UPSTREAM - true when the last request on PORT in nginx's log went to UPSTREAM.
served_by() { grep "^$1 " "$NGINX_DIR/access.log" | tail -n 1 | grep -q " up=$2\$"; }
CREDS="{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"

# ---- a session made on one host, used on the other
code=$(post "$PORT1" sign-up/email "{\"name\":\"Two\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
expect "sign-up through pool 1 ($code)" test "$code" = 200
code=$(post "$PORT1" sign-in/email "$CREDS" -c "$TEST_TMP/jar")
if [[ $code == 200 ]] && served_by "$PORT1" "$UP1"; then ok "sign-in through pool 1"; else
	not_ok "sign-in through pool 1: $code"
fi
code=$(curl -s -m 30 -o "$TEST_TMP/session" -w '%{http_code}' -b "$TEST_TMP/jar" \
	"http://127.0.0.1:$PORT2/api/auth/get-session")
if [[ $code == 200 ]] && grep -q "\"$EMAIL\"" "$TEST_TMP/session" && served_by "$PORT2" "$UP2"; then
	ok "the session works through pool 2"
else
	not_ok "get-session through pool 2: $code $(head -c 200 "$TEST_TMP/session")"
fi

# ---- the rate limit of sign-in (3 per 10 s per client address), counted across both: the
# sign-in above was the first; two more pass, on each pool, and the fourth is refused.
codes=$(post "$PORT2" sign-in/email "$CREDS") codes+=" $(post "$PORT1" sign-in/email "$CREDS")"
codes+=" $(post "$PORT2" sign-in/email "$CREDS")"
expect "sign-ins 2-4 alternating pools 2, 1, 2: $codes (expected 200 200 429)" \
	test "$codes" = "200 200 429"

# ---- pool 1 killed under a GET load through the shared upstream
cookie=$(awk -F'\t' 'NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$TEST_TMP/jar")
# Each request from its own client address (X-Forwarded-For, believed from nginx's
# 127.0.0.1), so the load is not what the limit of 100 per 10 s refuses.
cat >"$TEST_TMP/load.lua" <<'LUA'
local cookie = os.getenv("LOAD_COOKIE")
request = function()
	local xff = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
	return wrk.format("GET", "/api/auth/get-session", { ["Host"] = "127.0.0.1", ["Cookie"] = cookie,
		["X-Forwarded-For"] = xff })
end
LUA
LOAD_SECONDS=10
LOAD_COOKIE=$cookie wrk -t2 -c8 -d"${LOAD_SECONDS}s" -s "$TEST_TMP/load.lua" \
	"http://127.0.0.1:$PORT_BOTH" >"$TEST_TMP/wrk.log" 2>&1 &
WRK_PID=$!
on_exit "kill $WRK_PID 2>/dev/null"
load_lines() { grep -c "^$PORT_BOTH " "$NGINX_DIR/access.log" || true; }
# count_from LINE UP - requests on the shared port from access.log line LINE on, served by UP.
count_from() { tail -n "+$1" "$NGINX_DIR/access.log" | grep "^$PORT_BOTH " | grep -c " up=$2\$" || true; }
start=$(($(wc -l <"$NGINX_DIR/access.log") + 1))
pool1_busy() { (($(count_from "$start" "$UP1") >= 50)); }
if wait_for 20 pool1_busy; then ok "the load reaches pool 1"; else not_ok "no load on pool 1"; fi
pool1=$(host_pids 1)
# shellcheck disable=SC2086 # a list of pids
kill -KILL $pool1
killed_at=$(($(wc -l <"$NGINX_DIR/access.log") + 1))
# shellcheck disable=SC2086 # a list of pids
if wait_for 20 pids_gone $pool1; then
	ok "pool 1 killed (master and workers gone: $(wc -w <<<"$pool1") processes)"
else
	not_ok "pool 1 still runs"
fi
# nginx logs each failure it saw on pool 1: a request in flight whose connection broke
# ("prematurely closed ... while reading response header"), or a refused connect().
pool1_failed() { grep -q "upstream: \"fastcgi://$UP1\"" "$NGINX_DIR/error.log"; }
if wait_for 20 pool1_failed; then
	ok "nginx saw pool 1 fail: $(grep "fastcgi://$UP1" "$NGINX_DIR/error.log" | sed 's/.*\*[0-9]* //; s/) while.*/)/; s/, client.*//' | sort | uniq -c | sed 's/^ *//' | paste -sd ';')"
else
	show_log "$NGINX_DIR/error.log"
	not_ok "no nginx error line for pool 1"
fi
pool2_took_over() { (($(count_from "$killed_at" "$UP2") >= 200)); }
if wait_for 30 pool2_took_over && kill -0 "$WRK_PID" 2>/dev/null; then
	ok "pool 2 serves the load after the kill, while it still runs"
else
	not_ok "pool 2 did not take over during the load (the load ended first?)"
fi
wait "$WRK_PID" || not_ok "wrk exited with $?"
sed 's/^/# wrk: /' "$TEST_TMP/wrk.log"
total=$(load_lines)
# When its time is up wrk closes its 8 connections with their requests in flight, which nginx
# logs as 499 (client closed request): only there is a 499 not a failure.
bad=$(grep "^$PORT_BOTH " "$NGINX_DIR/access.log" | head -n -8 | awk '$2 != 200' | grep -c . || true)
bad=$((bad + $(grep "^$PORT_BOTH " "$NGINX_DIR/access.log" | tail -n 8 | awk '$2 != 200 && $2 != 499' | grep -c . || true)))
retried=$(grep "^$PORT_BOTH " "$NGINX_DIR/access.log" | grep -c 'up=[^ ]*, ' || true)
if ((bad == 0)) && ! grep -qE 'Non-2xx|Socket errors' "$TEST_TMP/wrk.log" && ((total > 0)); then
	ok "no failed request: $total answered 200, $retried of them retried on pool 2 after pool 1 failed"
else
	grep "^$PORT_BOTH " "$NGINX_DIR/access.log" | awk '$2 != 200' | head -n 5 | sed 's/^/# /'
	not_ok "$bad of $total requests failed through the shared upstream"
fi
host_stop 2
stack_sanitizer_clean "pool 1" "$TEST_TMP/host1.log"
stack_sanitizer_clean "pool 2" "$TEST_TMP/host2.log"
finish
